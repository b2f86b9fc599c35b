"""The operator on the real control plane, with the test playing the kubelet: runs that fail say
why. An OOM-killed engine or observer, a stage that times out, observers that never subscribe, a
spec only the operator can refuse, a writer that could not write, an engine replica no node can
take: each ends the run with the reason a user reads in ``kubectl get kob``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from testkit import fake_kubelet as kubelet
from testkit.kube import KubeCluster, pod_names, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, wait_for
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    run_selector,
    wait_phase,
)

from kobench.api import parse_spec


def test_an_oom_killed_engine_fails_the_run_with_the_container_reason(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("oom", {**SPEC, "cleanup": "DeleteOnSuccess"}), namespace=ns)
    status = wait_phase(cluster, ns, "oom", "WaitingForEngine")
    pods = wait_for("engine pods", lambda: pod_names(cluster, ns, run_selector(status, "engine")))
    kubelet.mark_restarted_after_oom(cluster, ns, pods[0])
    status = wait_phase(cluster, ns, "oom", "Failed", "Succeeded")
    assert status["phase"] == "Failed"
    assert status["verdict"] == "Failed"
    assert "OOMKilled" in status["reasons"][0] and pods[0] in status["reasons"][0]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Complete"]["reason"] == "OOMKilled"
    warnings = cluster.get_json(
        "events", "-n", ns, "--field-selector", "involvedObject.name=oom,type=Warning"
    )["items"]
    assert any("OOMKilled" in e["message"] for e in warnings)
    # Not a success: the children stay for a post-mortem.
    assert pod_names(cluster, ns, f"kobench.io/run-id={status['runId']}")


def test_a_container_the_kubelet_retries_is_a_wait_and_the_run_goes_on(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    # Seen on a fresh CI machine: an observer pod started right after its Secret was created,
    # CreateContainerConfigError "failed to sync secret cache"; the run used to end at once.
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("transient", SPEC), namespace=ns)
    status = drive_engine_ready(cluster, ns, "transient", replicas=2)
    observers = wait_for(
        "observer pods", lambda: pod_names(cluster, ns, run_selector(status, "observer"))
    )
    error = "CreateContainerConfigError"
    kubelet.mark_waiting(cluster, ns, observers[0], error, kubelet.SECRET_CACHE)

    def told() -> dict[str, Any] | None:
        found = status_of(cluster, ns, "transient")
        return found if "the kubelet retries" in found.get("message", "") else None

    waiting = wait_for("the status to say what the kubelet retries", told)
    assert waiting["phase"] == "Subscribing", waiting
    assert f"{error} {kubelet.SECRET_CACHE}" in waiting["message"]
    assert observers[0] in waiting["message"]
    # The kubelet's next sync starts the container: the run goes on as if nothing happened.
    for pod in observers:
        kubelet.mark_ready(cluster, ns, pod)
    running = wait_phase(cluster, ns, "transient", "Running", "Failed")
    assert running["phase"] == "Running", running


def test_an_oom_killed_observer_fails_the_run(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("oom-observer", SPEC), namespace=ns)
    status = drive_engine_ready(cluster, ns, "oom-observer", replicas=2)
    observers = wait_for(
        "observer pods", lambda: pod_names(cluster, ns, run_selector(status, "observer"))
    )
    kubelet.mark_oom_killed(cluster, ns, observers[0])
    status = wait_phase(cluster, ns, "oom-observer", "Failed", "Succeeded")
    assert status["phase"] == "Failed"
    assert f"pod {observers[0]} container role: OOMKilled (exit code 137)" in status["reasons"][0]
    assert not pod_names(cluster, ns, run_selector(status, "writer")), "no writer after a failure"
    # Deleting the benchmark garbage-collects every child through the owner references.
    run = f"kobench.io/run-id={status['runId']}"
    assert pod_names(cluster, ns, run)
    cluster.kubectl("delete", "kob", "oom-observer", "-n", ns, "--timeout=30s")
    for kind in ("pods", "statefulsets", "services", "configmaps", "secrets"):

        def collected(kind: str = kind) -> bool:
            return not cluster.get_json(kind, "-n", ns, "-l", run)["items"]

        wait_for(f"{kind} garbage-collected", collected)


def test_a_stage_timeout_fails_the_run_naming_the_stage(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    spec = {**SPEC, "timeouts": {"engineReadySeconds": 3}, "cleanup": "Always"}
    cluster.apply(benchmark("slow", spec), namespace=ns)
    status = wait_phase(cluster, ns, "slow", "Failed", "Succeeded", timeout=40)
    assert status["phase"] == "Failed"
    assert "engine not ready within 3s" in status["reasons"][0]
    assert {c["type"]: c for c in status["conditions"]}["Complete"]["reason"] == "EngineTimeout"
    # cleanup: Always deletes the children of a failed run too.
    wait_for(
        "cleanup",
        lambda: (
            not cluster.get_json(
                "statefulset", "-n", ns, "-l", f"kobench.io/run-id={status['runId']}"
            )["items"]
        ),
    )


def test_observers_that_never_subscribe_time_out_without_a_writer(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("deaf", {**SPEC, "timeouts": {"subscribeSeconds": 3}}), namespace=ns)
    drive_engine_ready(cluster, ns, "deaf", replicas=2)
    status = wait_phase(cluster, ns, "deaf", "Failed", "Succeeded", timeout=40)
    assert status["phase"] == "Failed"
    assert status["reasons"] == [
        "observers not subscribed within 3s (spec.timeouts.subscribeSeconds): 0/3 subscribed"
    ]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["EngineReady"]["status"] == "True"
    assert conditions["ObserversSubscribed"]["status"] == "False"
    assert conditions["Complete"]["reason"] == "SubscribeTimeout"
    assert not pod_names(cluster, ns, run_selector(status, "writer"))


def test_an_invalid_spec_the_schema_cannot_catch_ends_in_error(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("unknown-engine", {"engine": {"type": "memcached"}}), namespace=ns)
    status = wait_phase(cluster, ns, "unknown-engine", "Error")
    assert "spec.engine.type" in status["reasons"][0]
    assert not cluster.get_json("statefulset", "-n", ns)["items"]
    shown = yaml.safe_load(
        cluster.kubectl("get", "kob", "unknown-engine", "-n", ns, "-o", "yaml").stdout
    )
    assert shown["status"]["phase"] == "Error"
    # Plugin rules too are checked before anything is created: no engine for an unknown mode.
    modes = {"observers": [{"name": "odd", "mode": "telepathy"}]}
    cluster.apply(benchmark("unknown-mode", modes), namespace=ns)
    status = wait_phase(cluster, ns, "unknown-mode", "Error", "WaitingForEngine", "Failed")
    assert status["phase"] == "Error", status
    assert status["reasons"][0].startswith("spec.observers[0].mode:"), status["reasons"]
    assert not cluster.get_json("statefulset", "-n", ns)["items"]
    assert not cluster.get_json("configmap", "-n", ns, "-l", "kobench.io/benchmark")["items"]


def test_a_writer_that_could_not_write_is_named_and_the_run_does_not_wait_for_observers(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    # The writer never reached the engine, so it never set the end marker the observers wait
    # for: they keep running. The run must end soon after the drain, naming the writer's error.
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    spec = {**SPEC, "timeouts": {"drainSeconds": 1}}
    cluster.apply(benchmark("mute", spec), namespace=ns)
    status = drive_engine_ready(cluster, ns, "mute", replicas=2)
    drive_subscribed(cluster, ns, "mute", expected=3)
    writer = wait_for("writer pod", lambda: pod_names(cluster, ns, run_selector(status, "writer")))
    document = json.loads(kubelet.writer_result(parse_spec(spec), 0))
    document.update(sent=0, error="lost the engine after 0 writes: Connection refused")
    kubelet.mark_succeeded(cluster, ns, writer[0], json.dumps(document))
    status = wait_phase(cluster, ns, "mute", "Succeeded", "Failed", timeout=60)
    assert status["verdict"] == "Failed", status
    reasons = " ".join(status["reasons"])
    assert "writer 0: lost the engine after 0 writes: Connection refused" in reasons
    assert "was still waiting for the writers' end marker" in reasons


def test_an_engine_replica_that_cannot_be_scheduled_is_named_while_waiting_and_at_the_end(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    # The real kube-scheduler places these pods (the default scheduler this time). No node has
    # the label the engine requires (a control plane has no node at all), so the replicas stay
    # Pending and the scheduler says why in PodScheduled.
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns, "--scheduler-name", "default-scheduler")
    spec = {
        **SPEC,
        "engine": {
            "replicas": 2,
            "placement": {"nodeSelector": {"kobench.io/test-no-such-node": "true"}},
        },
        # Long enough for a loaded machine's controllers and scheduler to get there first.
        "timeouts": {"engineReadySeconds": 30},
        "cleanup": "Always",
    }
    cluster.apply(benchmark("crowded", spec), namespace=ns)

    def named() -> dict[str, Any] | None:
        status = status_of(cluster, ns, "crowded")
        engine = {c["type"]: c for c in status.get("conditions", [])}.get("EngineReady", {})
        return engine if engine.get("reason") == "Unschedulable" else None

    try:
        engine = wait_for("EngineReady naming an unschedulable replica", named, timeout=60)
    except pytest.fail.Exception:
        pods = cluster.get_json("pods", "-n", ns)["items"]
        seen = {p["metadata"]["name"]: p.get("status") for p in pods}
        pytest.fail(
            f"status {status_of(cluster, ns, 'crowded')}\npods: {json.dumps(seen)[:4000]}",
            pytrace=False,
        )
    assert "cannot be scheduled" in engine["message"] and "-engine-" in engine["message"]
    status = wait_phase(cluster, ns, "crowded", "Failed", "Succeeded", timeout=90)
    assert status["phase"] == "Failed"
    assert {c["type"]: c for c in status["conditions"]}["Complete"]["reason"] == "EngineTimeout"
    reason = status["reasons"][0]
    assert reason.startswith("engine not ready within 30s") and "cannot be scheduled" in reason
