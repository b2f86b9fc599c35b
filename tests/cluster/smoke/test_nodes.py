"""Three nodes: pods spread over them, talk across real links in every direction, resolve names
from every node, and cannot leave the machine from any node; a partitioned pod is cut off and
comes back. (A partitioned node is cut off for real: the e2e partition test sees its kubelet stop
renewing its lease.)"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from itertools import permutations
from typing import Any

import pytest
from testkit.kube import KubeCluster
from testkit.nodes import (
    HOST_NODE,
    can_partition,
    node_names,
    pod_partitioned,
)
from tests.cluster.smoke.test_node import deployment, rollout, service

REDIS = ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]


def spread(name: str, replicas: int) -> dict[str, Any]:
    """A Deployment of Redis servers that must spread evenly over the nodes."""
    document = deployment(name, REDIS, replicas=replicas)
    document["spec"]["template"]["spec"]["topologySpreadConstraints"] = [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": name}},
        }
    ]
    return document


def one_pod_per_node(cluster: KubeCluster, ns: str, app: str) -> dict[str, dict[str, Any]]:
    pods: dict[str, dict[str, Any]] = {}
    for pod in cluster.get_json("pods", "-n", ns, "-l", f"app={app}")["items"]:
        pods.setdefault(pod["spec"]["nodeName"], pod)
    return pods


def ping(cluster: KubeCluster, ns: str, pod: str, host: str, timeout_s: int = 3) -> bool:
    result = cluster.kubectl(
        "exec",
        "-n",
        ns,
        pod,
        "--",
        "timeout",
        str(timeout_s),
        "redis-cli",
        "-h",
        host,
        "PING",
        check=False,
        timeout=timeout_s + 30,
    )
    return result.stdout.strip() == "PONG"


def test_three_nodes_are_ready_with_their_own_addresses(kube_three_nodes: KubeCluster) -> None:
    nodes = kube_three_nodes.get_json("nodes")["items"]
    assert len(nodes) >= 3
    if not can_partition("kobench-node-2"):
        return  # another cluster (kind): its own addresses
    addresses = {
        n["metadata"]["name"]: {a["type"]: a["address"] for a in n["status"]["addresses"]}
        for n in nodes
    }
    assert addresses[HOST_NODE]["InternalIP"] == "10.203.0.1"
    assert addresses["kobench-node-2"]["InternalIP"] == "10.203.0.2"
    assert addresses["kobench-node-3"]["InternalIP"] == "10.203.0.3"


def test_pods_spread_and_talk_across_every_pair_of_nodes(
    kube_three_nodes: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    cluster = kube_three_nodes
    ns = kube_namespace(cluster)
    cluster.apply(spread("mesh", 6), service("mesh", 6379, headless=True), namespace=ns)
    rollout(cluster, ns, "deployment/mesh")

    pods = cluster.get_json("pods", "-n", ns, "-l", "app=mesh")["items"]
    per_node: dict[str, int] = {}
    for pod in pods:
        per_node[pod["spec"]["nodeName"]] = per_node.get(pod["spec"]["nodeName"], 0) + 1
    assert sorted(per_node.values()) == [2, 2, 2], per_node

    chosen = one_pod_per_node(cluster, ns, "mesh")
    for (_, a), (_, b) in permutations(chosen.items(), 2):
        assert ping(cluster, ns, a["metadata"]["name"], b["status"]["podIP"]), (
            f"{a['metadata']['name']} on {a['spec']['nodeName']} cannot reach "
            f"{b['metadata']['name']} on {b['spec']['nodeName']}"
        )
    # Cluster DNS (on the host's node) and the kubernetes Service answer from every node.
    for pod in chosen.values():
        name = pod["metadata"]["name"]
        resolved = cluster.kubectl(
            "exec", "-n", ns, name, "--", "getent", "hosts", "kubernetes.default.svc.cluster.local"
        )
        assert resolved.stdout.split()[0] == "10.203.128.1", (pod["spec"]["nodeName"], resolved)


def test_nothing_leaves_the_machine_from_any_node(kube_three_nodes: KubeCluster) -> None:
    """In every node, pod traffic for outside addresses is blackholed (policy routing)."""
    if not can_partition("kobench-node-2"):
        pytest.skip("checks the routing that hack/cluster sets up on this host")
    for index, node in enumerate(node_names(kube_three_nodes)[:3], start=1):
        enter = [] if node == HOST_NODE else ["nsenter", f"--net=/run/netns/{node}"]
        pod_ip = f"10.203.{63 + index}.200"
        for outside in ("1.1.1.1", "192.0.2.1", "10.0.0.1"):
            route = subprocess.run(
                [*enter, "ip", "route", "get", outside, "from", pod_ip, "iif", "kobench-br0"],
                capture_output=True,
                text=True,
                check=False,
            )
            assert route.returncode != 0, f"{node}: pod traffic to {outside}: {route.stdout}"
        guard = subprocess.run(
            [*enter, "iptables", "-t", "mangle", "-S", "FORWARD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        assert guard[1] == "-A FORWARD -j KOBENCH-GUARD", (node, guard)


def test_a_partitioned_pod_is_cut_off_and_comes_back(
    kube_three_nodes: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    if not can_partition("kobench-node-2"):
        pytest.skip("partitions need hack/cluster's node links (this is another cluster)")
    cluster = kube_three_nodes
    ns = kube_namespace(cluster)
    cluster.apply(spread("pair", 3), namespace=ns)
    rollout(cluster, ns, "deployment/pair")
    pods = one_pod_per_node(cluster, ns, "pair")
    target, client = pods["kobench-node-2"], pods["kobench-node-3"]
    witness = pods[HOST_NODE]
    ip = target["status"]["podIP"]
    assert ping(cluster, ns, client["metadata"]["name"], ip)

    with pod_partitioned(cluster, ns, target["metadata"]["name"]):
        assert not ping(cluster, ns, client["metadata"]["name"], ip)
        assert not ping(cluster, ns, witness["metadata"]["name"], ip)
        # Only that pod is cut off: the others still reach each other.
        assert ping(cluster, ns, client["metadata"]["name"], witness["status"]["podIP"])

    deadline = time.monotonic() + 30
    while not ping(cluster, ns, client["metadata"]["name"], ip):
        assert time.monotonic() < deadline, "the pod did not come back after its link did"
        time.sleep(1)
