"""pytest fixtures for tests against a real Kubernetes (a plugin: ``tests/conftest.py`` lists it
in ``pytest_plugins``).

* ``kube_control_plane`` (session): etcd, kube-apiserver, kube-controller-manager and
  kube-scheduler. Enough for CRDs, RBAC, garbage collection and controllers; pods stay Pending.
* ``kube_full_node`` (session): the control plane plus a node (containerd, kubelet, bridge CNI,
  kube-proxy, CoreDNS), so pods run, Services route and cluster DNS answers.
* ``kube_three_nodes`` (session): a full cluster with at least three Ready nodes (``hack/cluster
  up --nodes 3`` adds them to a smaller local one); helpers to partition a node or a pod are in
  :mod:`testkit.nodes`.
* ``kube_namespace`` (function): a factory, ``kube_namespace(cluster)`` -> a fresh namespace
  name, deleted after the test.

Which cluster, and when one is started, is :mod:`testkit.cluster_up`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from testkit.cluster_up import cluster_fixture, local_cluster
from testkit.kube import KubeCluster, new_namespace
from testkit.nodes import node_ready


@pytest.fixture(scope="session")
def kube_control_plane() -> Iterator[KubeCluster]:
    """A cluster with at least the control plane (a full one serves too)."""
    yield from cluster_fixture("control-plane")


@pytest.fixture(scope="session")
def kube_full_node() -> Iterator[KubeCluster]:
    """A cluster where pods run: the control plane plus one node."""
    yield from cluster_fixture("full")


@pytest.fixture(scope="session")
def kube_three_nodes(kube_full_node: KubeCluster) -> Iterator[KubeCluster]:
    """A cluster where pods run on at least three Ready, schedulable nodes."""
    if kube_full_node.mode == "external":
        cluster = kube_full_node
    else:
        cluster, _ = local_cluster("full", nodes=3)
    names = [
        n["metadata"]["name"]
        for n in cluster.get_json("nodes")["items"]
        if not n["spec"].get("unschedulable") and not n["spec"].get("taints")
    ]
    if len([n for n in names if node_ready(cluster, n)]) < 3:
        pytest.fail(f"three Ready schedulable nodes needed, found {names}", pytrace=False)
    yield cluster


@pytest.fixture
def kube_namespace() -> Iterator[Callable[..., str]]:
    """Factory: ``kube_namespace(cluster, prefix="kobench-t")`` creates a namespace, returns its
    name and deletes it (without waiting) after the test."""
    created: list[tuple[KubeCluster, str]] = []

    def make(cluster: KubeCluster, prefix: str = "kobench-t") -> str:
        name = new_namespace(cluster, prefix)
        created.append((cluster, name))
        return name

    yield make
    for cluster, name in created:
        cluster.kubectl(
            "delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False
        )
