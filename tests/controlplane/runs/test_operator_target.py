"""A run against spec.target through the operator on the real control plane, the test playing
the kubelet (testkit/fake_kubelet.py): the opening pod before any observer, with the password
from the user's Secret as its variable; the roles made of what it found (the ``-target``
ConfigMap); the cleanup pod after the last write, its record in status.target and the result;
and a run that failed after its opening cleaned up by an operator started after the failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from testkit import fake_kubelet as kubelet
from testkit.kube import KubeCluster, pod_names, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, wait_for
from tests.controlplane.runs.driving import drive_subscribed, finish_roles, run_selector, wait_phase

from kobench.api.target_status import TargetStatus
from kobench.measure.results.target_docs import TargetRecord

ENDPOINTS = ["redis-0.redis:6379", "redis-1.redis:6379"]
SPEC: dict[str, Any] = {
    "target": {
        "endpoints": ENDPOINTS,
        "auth": {"username": "kobench", "passwordSecretRef": {"name": "app-redis"}},
    },
    "workload": {"writes": 200, "rate": 500, "warmupSeconds": 0},
    "cleanup": "Keep",
}
FOUND = TargetStatus(
    endpoints=ENDPOINTS,
    roles=["primary", "replica"],
    write_endpoint=0,
    observe_endpoint=1,
    engine="redis",
    version="7.0.15",
    key_prefix="kobench:x:",
    notify_keyspace_events="KE$",
).model_dump_json(by_alias=True)
RECORD = TargetRecord(
    endpoints=ENDPOINTS,
    write_endpoint=0,
    observe_endpoint=1,
    roles=["primary", "replica"],
    username="kobench",
    key_prefix="kobench:x:",
    max_rate=1000,
    notify_keyspace_events="KE$",
    keys_removed=402,
    keys_left=0,
).model_dump_json(by_alias=True)


def role_pod(cluster: KubeCluster, ns: str, name: str, component: str) -> dict[str, Any]:
    status = status_of(cluster, ns, name)
    pods = wait_for(
        f"the {component} pod", lambda: pod_names(cluster, ns, run_selector(status, component))
    )
    found: dict[str, Any] = cluster.get_json("pod", pods[0], "-n", ns)
    return found


def opened(cluster: KubeCluster, ns: str, name: str) -> None:
    wait_phase(cluster, ns, name, "WaitingForEngine")
    pod = role_pod(cluster, ns, name, "target-open")
    container = pod["spec"]["containers"][0]
    password = [e for e in container["env"] if e["name"] == "KOBENCH_PASSWORD"]
    assert password[0]["valueFrom"]["secretKeyRef"]["name"] == "app-redis"
    assert "app-redis" not in json.dumps(container["args"])
    status = status_of(cluster, ns, name)
    assert pod_names(cluster, ns, run_selector(status, "observer")) == [], "opening first"
    kubelet.mark_succeeded(cluster, ns, pod["metadata"]["name"], FOUND)
    wait_phase(cluster, ns, name, "Subscribing")


def config_map_of(pod: dict[str, Any]) -> str:
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "config")
    return str(volume["configMap"]["name"])


def test_a_target_run_opens_measures_and_cleans_up(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("target", SPEC), namespace=ns)
    opened(cluster, ns, "target")
    observers = drive_subscribed(cluster, ns, "target", expected=2)
    observer = cluster.get_json("pod", observers[0], "-n", ns)
    assert config_map_of(observer).endswith("-target"), "made of what the opening found"
    finish_roles(cluster, ns, "target", SPEC, observers)
    wait_phase(cluster, ns, "target", "Collecting")
    closer = role_pod(cluster, ns, "target", "target-close")
    assert (
        config_map_of(closer).endswith("-target")
        and "--opened" in closer["spec"]["containers"][0]["args"]
    )
    kubelet.mark_succeeded(cluster, ns, closer["metadata"]["name"], RECORD)
    final = wait_phase(cluster, ns, "target", "Succeeded", "Failed")
    assert (final["phase"], final["verdict"]) == ("Succeeded", "Passed"), final
    target = final["target"]
    assert target["cleaned"] and (target["keysRemoved"], target["keysLeft"]) == (402, 0)
    result = cluster.get_json("configmap", final["resultsConfigMap"], "-n", ns)
    assert json.loads(result["data"]["result.json"])["target"]["keysRemoved"] == 402


def test_a_failed_run_is_cleaned_up_by_an_operator_started_after_the_failure(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    op = operator(cluster, ns)
    cluster.apply(benchmark("target-failed", SPEC), namespace=ns)
    opened(cluster, ns, "target-failed")
    status = status_of(cluster, ns, "target-failed")
    observers = wait_for(
        "observer pods", lambda: pod_names(cluster, ns, run_selector(status, "observer"))
    )
    op.stop(kill=True)
    kubelet.mark_oom_killed(cluster, ns, observers[0])
    operator(cluster, ns)
    failed = wait_phase(cluster, ns, "target-failed", "Failed")
    assert failed["target"]["cleaned"] is False
    closer = role_pod(cluster, ns, "target-failed", "target-close")
    kubelet.mark_succeeded(cluster, ns, closer["metadata"]["name"], RECORD)
    cleaned = wait_for(
        "the cleanup recorded",
        lambda: s if (s := status_of(cluster, ns, "target-failed"))["target"]["cleaned"] else None,
    )
    assert cleaned["phase"] == "Failed" and cleaned["target"]["keysLeft"] == 0
