"""One rule set: the corpus through ``kobench validate`` and ``kubectl apply --dry-run=server``
gives the same accept/reject for every file (the committed CRD installed on a real API server).

The only differences allowed are the ones kobench cannot remove; each corpus case that has one
says why in ``api_server`` (they are listed in the README too):

* an engine or observer mode no installed plugin provides: the API server cannot know the
  operator's plugins; the operator ends such a run in phase ``Error`` before creating a child;
* a file with several documents: ``kubectl apply`` applies each, ``kobench`` runs one benchmark;
* a key given twice: kubectl keeps the last one silently, ``kobench`` refuses the file.

Before this rule set (the CRD and ``kobench validate`` of commit d8be1f8), 37 of the corpus'
210 files got different answers from the two.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from testkit.corpus.corpus import CASES
from testkit.kube import KubeCluster, ensure_crd

from kobench.errors import InputError, SpecError
from kobench.plugins.checks import load_checked


@pytest.fixture(scope="module")
def api_server(kube_control_plane: KubeCluster) -> KubeCluster:
    """The control plane with this tree's CRD applied and established."""
    return ensure_crd(kube_control_plane)


def kobench_accepts(path: Path) -> bool:
    try:
        load_checked(path)
    except (SpecError, InputError):
        return False
    return True


def server_accepts(cluster: KubeCluster, namespace: str, path: Path) -> tuple[bool, str]:
    result = cluster.kubectl(
        "apply", "--dry-run=server", "-n", namespace, "-f", str(path), check=False, timeout=120
    )
    return result.returncode == 0, (result.stderr or result.stdout).strip()[:300]


def test_kobench_and_the_api_server_agree_on_every_file(
    api_server: KubeCluster, kube_namespace: Callable[..., str], tmp_path: Path
) -> None:
    namespace = kube_namespace(api_server)
    differ: list[str] = []
    documented_but_equal: list[str] = []
    for case in CASES:
        path = tmp_path / f"{case.id}.yaml"
        path.write_bytes(case.content())
        ours = kobench_accepts(path)
        assert ours == (case.code == 0), case.id
        theirs, said = server_accepts(api_server, namespace, path)
        if case.api_server is not None:
            if ours == theirs:
                documented_but_equal.append(case.id)
        elif ours != theirs:
            verdict = "accepts" if theirs else "rejects"
            differ.append(
                f"{case.id}: kobench {'accepts' if ours else 'rejects'}, "
                f"the API server {verdict}: {said}"
            )
    assert differ == [], f"{len(differ)} of {len(CASES)} differ:\n" + "\n".join(differ)
    assert documented_but_equal == [], "allowed differences that are gone: update the list"
