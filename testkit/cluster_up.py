"""Which cluster the tests and benchmarks use: the one ``hack/cluster up`` started, or the one
``KOBENCH_KUBECONFIG`` names (kind, for example; then nothing is started).

The test fixtures (:mod:`testkit.kube_fixtures`) start the local cluster in the mode they need
when none is up and leave it running, since another test session on the machine may be using it
by then (``KOBENCH_CLUSTER_TEARDOWN=1`` stops a cluster they started at the end of the session;
``hack/cluster down`` stops it by hand). The benchmarks only find the running one
(:func:`find_cluster`). A missing binary or a cluster that does not come up is a test failure,
never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.kube import KubeCluster
from testkit.support import REPO

HACK_CLUSTER = REPO / "hack" / "cluster"
UP_TIMEOUT_S = 900


def _status(env: dict[str, str], field: str = "mode") -> str:
    """A field of ``hack/cluster status``: the mode (none, control-plane or full), or nodes."""
    result = subprocess.run(
        [str(HACK_CLUSTER), "status"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    match = re.search(rf"^{field}:\s+(\S+)", result.stdout, re.MULTILINE)
    return match.group(1) if match else "none"


def _env_lines(env: dict[str, str]) -> dict[str, str]:
    """KUBECONFIG and the cache PATH that ``hack/cluster env`` prints."""
    result = subprocess.run(
        [str(HACK_CLUSTER), "env"], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    found = dict(re.findall(r"^export (\w+)=(.*)$", result.stdout, re.MULTILINE))
    return found


def _external_cluster(kubeconfig: str) -> KubeCluster:
    path = Path(kubeconfig)
    if not path.is_file():
        pytest.fail(f"KOBENCH_KUBECONFIG={kubeconfig} is not a file", pytrace=False)
    cached = _cached_tools()
    kubectl = cached.get("kubectl") or shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "KOBENCH_KUBECONFIG is set but no kubectl is found (hack/cluster build)", pytrace=False
        )
    helm = cached.get("helm") or shutil.which("helm")
    return KubeCluster(
        kubeconfig=path,
        mode="external",
        kubectl_path=Path(kubectl),
        helm_path=Path(helm) if helm else None,
    )


def _cached_tools() -> dict[str, str]:
    """kubectl and helm from the hack/cluster cache, when built."""
    if not HACK_CLUSTER.exists():
        return {}
    path = _env_lines(dict(os.environ)).get("PATH", "")
    found = {}
    for directory in path.split(":")[:2]:
        for tool in ("kubectl", "helm"):
            candidate = Path(directory) / tool
            if candidate.is_file() and os.access(candidate, os.X_OK):
                found[tool] = str(candidate)
    return found


def local_cluster(mode: str, nodes: int = 1) -> tuple[KubeCluster, bool]:
    """Bring the local cluster up in ``mode`` (with at least ``nodes`` nodes) if needed; returns
    it and whether we started it."""
    env = dict(os.environ)
    before = _status(env)
    satisfied = before == "full" or before == mode
    if mode == "full" and nodes > 1 and before == "full":
        satisfied = int(_status(env, "nodes")) >= nodes
    if not satisfied:
        result = subprocess.run(
            [str(HACK_CLUSTER), "up", "--mode", mode, "--nodes", str(nodes)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=UP_TIMEOUT_S,
        )
        if result.returncode != 0:
            pytest.fail(
                f"hack/cluster up --mode {mode} --nodes {nodes} exited {result.returncode}:\n"
                f"{result.stderr[-6000:]}",
                pytrace=False,
            )
    exports = _env_lines(env)
    tools = _cached_tools()
    if "kubectl" not in tools:
        pytest.fail(
            "kubectl missing from the hack/cluster cache: run hack/cluster build", pytrace=False
        )
    cluster = KubeCluster(
        kubeconfig=Path(exports["KUBECONFIG"]),
        mode=_status(env),
        kubectl_path=Path(tools["kubectl"]),
        helm_path=Path(tools["helm"]) if "helm" in tools else None,
    )
    return cluster, before == "none"


def cluster_fixture(mode: str, nodes: int = 1) -> Iterator[KubeCluster]:
    """The body of a session fixture: the cluster in ``mode``, stopped at the end only when this
    session started it and ``KOBENCH_CLUSTER_TEARDOWN=1``."""
    external = os.environ.get("KOBENCH_KUBECONFIG")
    if external:
        yield _external_cluster(external)
        return
    cluster, started = local_cluster(mode, nodes)
    yield cluster
    if started and os.environ.get("KOBENCH_CLUSTER_TEARDOWN") == "1":
        subprocess.run([str(HACK_CLUSTER), "down"], capture_output=True, check=False, timeout=300)


def find_cluster(*, need_full: bool = False) -> KubeCluster:
    """The cluster that runs now (``KOBENCH_KUBECONFIG``'s or ``hack/cluster``'s), never started
    here: the benchmarks measure a cluster, they do not bring one up."""
    external = os.environ.get("KOBENCH_KUBECONFIG")
    if external:
        return _external_cluster(external)
    mode = _status(dict(os.environ))
    if mode == "none":
        raise SystemExit("no cluster is up: start it with hack/cluster up --mode full")
    if need_full and mode != "full":
        raise SystemExit(f"needs a full cluster (pods that run); this one is {mode}")
    cluster, _ = local_cluster(mode)
    return cluster
