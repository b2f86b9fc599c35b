"""Several nodes of the hack/cluster cluster, and real partitions of a node or of one pod.

Node 1 (``kobench-node``) is the host itself; node K > 1 (``kobench-node-K``) runs in the
network namespace ``/run/netns/kobench-node-K``, linked to the host by a veth whose host end is
``kbn-K`` (see hack/README.md). A partitioned node has that link down: it keeps running, but
reaches nothing and nothing reaches it, as when a cable or a switch port fails. A partitioned
pod has its own veth (the node's end) down: the pod keeps running, cut off from everyone.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testkit.cluster_up import HACK_CLUSTER
from testkit.kube import KubeCluster

HOST_NODE = "kobench-node"


def node_names(cluster: KubeCluster) -> list[str]:
    """Names of the cluster's nodes, sorted."""
    return sorted(n["metadata"]["name"] for n in cluster.get_json("nodes")["items"])


def node_ready(cluster: KubeCluster, node: str) -> bool:
    """Whether the node's Ready condition is True."""
    conditions = cluster.get_json("node", node)["status"].get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _hack(cluster: KubeCluster, *args: str) -> None:
    result = subprocess.run(
        [str(HACK_CLUSTER), *args], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"hack/cluster {' '.join(args)}: {result.stderr}", pytrace=False)


def can_partition(node: str) -> bool:
    """Whether the node has a link of its own to take down (a hack/cluster node but the host)."""
    return Path("/run/netns", node).exists()


@contextmanager
def node_partitioned(cluster: KubeCluster, node: str) -> Iterator[None]:
    """The node's link is down inside the block, and up again after it, whatever happens."""
    if node == HOST_NODE:
        raise ValueError(f"{HOST_NODE} is the host (and the control plane's): it has no link")
    _hack(cluster, "partition", node)
    try:
        yield
    finally:
        _hack(cluster, "heal", node)


def in_node(node: str, *command: str) -> list[str]:
    """``command`` run in the node's network namespace (the host's for node 1)."""
    if node == HOST_NODE:
        return list(command)
    return ["nsenter", f"--net=/run/netns/{node}", *command]


def pod_link(cluster: KubeCluster, namespace: str, pod: str) -> tuple[str, str]:
    """The pod's node and the name of the node's end of the pod's veth: the interface whose
    index the pod's eth0 names as its peer (``iflink``)."""
    node = cluster.get_json("pod", pod, "-n", namespace)["spec"]["nodeName"]
    iflink = cluster.kubectl(
        "exec", "-n", namespace, pod, "--", "cat", "/sys/class/net/eth0/iflink"
    ).stdout.strip()
    links = subprocess.run(
        in_node(node, "ip", "-j", "link", "show"),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for link in json.loads(links.stdout):
        if str(link["ifindex"]) == iflink:
            return node, str(link["ifname"])
    pytest.fail(f"no interface {iflink} on {node} for pod {namespace}/{pod}", pytrace=False)


@contextmanager
def pod_partitioned(cluster: KubeCluster, namespace: str, pod: str) -> Iterator[None]:
    """The pod is cut off inside the block (its veth down on its node), and back after it."""
    node, link = pod_link(cluster, namespace, pod)
    subprocess.run(in_node(node, "ip", "link", "set", link, "down"), check=True, timeout=30)
    try:
        yield
    finally:
        subprocess.run(in_node(node, "ip", "link", "set", link, "up"), check=True, timeout=30)
