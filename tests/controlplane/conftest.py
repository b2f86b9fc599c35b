"""The control-plane tier: a real API server, controller manager and scheduler, no kubelet (pods
stay Pending; the tests play the kubelet). Every test under ``tests/controlplane/`` is marked
``controlplane``. Fixtures: the CRD installed, and the operator as a subprocess."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from testkit.kube import KubeCluster, ensure_crd
from testkit.operator_process import OperatorProcess


def pytest_itemcollected(item: pytest.Item) -> None:
    item.add_marker(pytest.mark.controlplane)


@pytest.fixture(scope="session")
def crd_cluster(kube_control_plane: KubeCluster) -> KubeCluster:
    """The control plane with kobench's committed CRD applied and established."""
    return ensure_crd(kube_control_plane)


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Callable[..., OperatorProcess]]:
    """Factory: ``operator(cluster, namespace, *extra_args)`` starts an operator; at the end the
    namespace's benchmarks are deleted while it still runs (so its finalizer goes away)."""
    started: list[OperatorProcess] = []

    def start(
        cluster: KubeCluster, namespace: str, *extra: str, admin: KubeCluster | None = None
    ) -> OperatorProcess:
        proc = OperatorProcess(
            cluster, namespace, tmp_path / f"operator-{len(started)}.log", list(extra)
        )
        proc.start()
        started.append(proc)
        admins[namespace] = admin or admins.get(namespace) or cluster
        return proc

    admins: dict[str, KubeCluster] = {}
    yield start
    for proc in reversed(started):
        admin = admins[proc.namespace]
        if proc.process is not None and proc.process.poll() is None:
            admin.kubectl(
                "delete",
                "kob",
                "--all",
                "-n",
                proc.namespace,
                "--wait=true",
                "--timeout=30s",
                check=False,
                timeout=60,
            )
        proc.stop()
    for namespace, admin in admins.items():
        # Whatever is left (an operator killed mid-test) must not keep the namespace alive.
        names = admin.kubectl("get", "kob", "-n", namespace, "-o", "name", check=False).stdout
        for name in names.split():
            admin.kubectl(
                "patch",
                name,
                "-n",
                namespace,
                "--type=merge",
                "-p",
                '{"metadata":{"finalizers":[]}}',
                check=False,
            )
    for proc in started:
        if os.environ.get("KOBENCH_SHOW_OPERATOR_LOG"):
            print(proc.log())
