"""The node is real: containers run, Services route, cluster DNS answers, the garbage
collector removes what a deleted owner owned."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest
from testkit.kube import KubeCluster, run_pod

ENGINE_IMAGE = "kobench-redis:7.0"


def deployment(name: str, command: list[str], *, replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": name,
                            "image": ENGINE_IMAGE,
                            "imagePullPolicy": "Never",
                            "command": command,
                        }
                    ],
                },
            },
        },
    }


def service(name: str, port: int, *, headless: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"app": name},
        "ports": [{"name": "redis", "port": port, "targetPort": port}],
    }
    if headless:
        spec |= {"clusterIP": "None", "publishNotReadyAddresses": True}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def rollout(cluster: KubeCluster, namespace: str, kind_name: str) -> None:
    result = cluster.kubectl(
        "rollout", "status", "-n", namespace, kind_name, "--timeout=120s", check=False, timeout=150
    )
    if result.returncode != 0:
        pods = cluster.kubectl("describe", "pods", "-n", namespace, check=False).stdout
        pytest.fail(
            f"{kind_name} did not roll out:\n{result.stderr}\n{pods[-4000:]}", pytrace=False
        )


def test_deployment_runs_and_logs_are_read(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    kube_full_node.apply(
        deployment(
            "greeter", ["sh", "-c", "echo hello from $(hostname) as $(id -un); exec sleep 3600"]
        ),
        namespace=ns,
    )
    rollout(kube_full_node, ns, "deployment/greeter")

    logs = kube_full_node.kubectl("logs", "-n", ns, "deployment/greeter").stdout
    assert "hello from greeter-" in logs
    assert "as redis" in logs  # the engine image runs as its non-root user


def test_pod_reaches_another_through_service_name(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    kube_full_node.apply(
        deployment(
            "engine",
            [
                "redis-server",
                "--port",
                "6379",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        ),
        service("engine", 6379),
        namespace=ns,
    )
    rollout(kube_full_node, ns, "deployment/engine")

    out = run_pod(
        kube_full_node,
        ns,
        "client",
        ENGINE_IMAGE,
        [
            "sh",
            "-c",
            f"redis-cli -h engine SET greeting hi"
            f" && redis-cli -h engine.{ns}.svc.cluster.local GET greeting",
        ],
    )
    assert out.split() == ["OK", "hi"]


def test_statefulset_pods_resolve_each_other_by_stable_name(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    labels = {"app": "peers"}
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "peers"},
        "spec": {
            "serviceName": "peers",
            "replicas": 2,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "redis",
                            "image": ENGINE_IMAGE,
                            "imagePullPolicy": "Never",
                            "command": ["redis-server", "--protected-mode", "no", "--save", ""],
                        }
                    ],
                },
            },
        },
    }
    kube_full_node.apply(service("peers", 6379, headless=True), statefulset, namespace=ns)
    rollout(kube_full_node, ns, "statefulset/peers")

    ip_of_1 = kube_full_node.get_json("pod", "peers-1", "-n", ns)["status"]["podIP"]
    # peers-0 asks for peers-1 by its stable name, and talks to it. CoreDNS serves the
    # record once it has seen the EndpointSlice, a moment after the pods are ready.
    name = f"peers-1.peers.{ns}.svc.cluster.local"
    deadline = time.monotonic() + 30
    while True:
        resolved = kube_full_node.kubectl(
            "exec", "-n", ns, "peers-0", "--", "getent", "hosts", name, check=False
        )
        if resolved.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert resolved.returncode == 0, f"{name} did not resolve: {resolved.stderr}"
    assert resolved.stdout.split()[0] == ip_of_1
    pong = kube_full_node.kubectl(
        "exec", "-n", ns, "peers-0", "--", "redis-cli", "-h", "peers-1.peers", "PING"
    ).stdout
    assert pong.strip() == "PONG"


def test_deleting_deployment_collects_replicasets_and_pods(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    kube_full_node.apply(deployment("doomed", ["sleep", "3600"], replicas=2), namespace=ns)
    rollout(kube_full_node, ns, "deployment/doomed")
    assert len(kube_full_node.get_json("pods", "-n", ns, "-l", "app=doomed")["items"]) == 2

    kube_full_node.kubectl("delete", "deployment", "doomed", "-n", ns, "--cascade=background")
    deadline = time.monotonic() + 90
    while (
        kube_full_node.get_json("replicasets", "-n", ns)["items"]
        or kube_full_node.get_json("pods", "-n", ns, "-l", "app=doomed")["items"]
    ):
        assert time.monotonic() < deadline, "children of a deleted Deployment were not collected"
        time.sleep(1)


def test_nothing_leaves_the_machine(kube_full_node: KubeCluster) -> None:
    """Pod traffic for outside addresses is blackholed, and CoreDNS forwards nowhere."""
    if kube_full_node.mode == "external":
        pytest.skip("checks the routing that hack/cluster sets up on this host")
    pod_ip = kube_full_node.get_json("pods", "-n", "kube-system", "-l", "k8s-app=kube-dns")[
        "items"
    ][0]["status"]["podIP"]
    for outside in ("1.1.1.1", "192.0.2.1", "10.0.0.1"):
        route = subprocess.run(
            ["ip", "route", "get", outside, "from", pod_ip, "iif", "kobench-br0"],
            capture_output=True,
            text=True,
            check=False,
        )
        # 'ip route get' answers a blackhole route with EINVAL.
        assert route.returncode != 0, f"pod traffic to {outside} is routed: {route.stdout}"
    corefile = kube_full_node.get_json("configmap", "coredns", "-n", "kube-system")["data"]
    assert "forward" not in corefile["Corefile"]


def test_outside_names_do_not_resolve(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    out = run_pod(
        kube_full_node,
        ns,
        "resolver",
        ENGINE_IMAGE,
        [
            "sh",
            "-c",
            "getent hosts kubernetes.default.svc.cluster.local >/dev/null && echo inside-ok;"
            " getent hosts example.com || echo outside-unresolved",
        ],
    )
    assert out.split() == ["inside-ok", "outside-unresolved"]
