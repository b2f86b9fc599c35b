"""The operator on the real control plane, with the test playing the kubelet: a new runNonce
mid-run starts a new run and keeps the old one in the history, an operator killed mid-run and
started again finishes the run without duplicate children, and the operator serves its liveness
endpoint and logs JSON."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable

from testkit.kube import KubeCluster, pod_names, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, free_port, wait_for
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    finish_roles,
    run_selector,
    seen_generation,
    wait_phase,
)


def test_changing_run_nonce_mid_run_starts_a_new_run(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("rerun", SPEC), namespace=ns)
    first = drive_engine_ready(cluster, ns, "rerun", replicas=2)
    # A spec change other than runNonce does not disturb the run in progress.
    cluster.kubectl(
        "patch",
        "kob",
        "rerun",
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"thresholds": {"p99LatencyMs": 50}}}),
    )
    seen = seen_generation(cluster, ns, "rerun")
    assert (seen["runId"], seen["phase"]) == (first["runId"], "Subscribing")
    assert seen["runGeneration"] == first["runGeneration"]
    cluster.kubectl(
        "patch",
        "kob",
        "rerun",
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"runNonce": "second"}}),
    )
    second = wait_for(
        "a new run",
        lambda: (
            s
            if (s := status_of(cluster, ns, "rerun")).get("runId") not in (None, first["runId"])
            else None
        ),
    )
    assert second["runNonce"] == "second"
    assert second["history"][0]["runId"] == first["runId"]
    assert second["history"][0]["phase"] == "Failed"
    wait_for(
        "the old run's children deleted",
        lambda: not pod_names(cluster, ns, f"kobench.io/run-id={first['runId']}"),
    )
    drive_engine_ready(cluster, ns, "rerun", replicas=2)
    observers = drive_subscribed(cluster, ns, "rerun", expected=3)
    finish_roles(cluster, ns, "rerun", SPEC, observers)
    final = wait_phase(cluster, ns, "rerun", "Succeeded", "Failed")
    assert final["verdict"] == "Passed"
    assert [h["runId"] for h in final["history"]] == [second["runId"], first["runId"]]


def test_an_operator_restarted_mid_run_finishes_it_without_duplicates(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    op = operator(cluster, ns)
    spec = {**SPEC, "cleanup": "Keep"}
    cluster.apply(benchmark("restart", spec), namespace=ns)
    status = drive_engine_ready(cluster, ns, "restart", replicas=2)
    wait_for(
        "observer pods", lambda: len(pod_names(cluster, ns, run_selector(status, "observer"))) == 3
    )
    op.stop(kill=True)
    replacement = operator(cluster, ns)
    observers = drive_subscribed(cluster, ns, "restart", expected=3)
    finish_roles(cluster, ns, "restart", spec, observers)
    final = wait_phase(cluster, ns, "restart", "Succeeded", "Failed")
    assert final["verdict"] == "Passed" and final["runId"] == status["runId"]
    assert len(final["history"]) == 1
    everything = pod_names(cluster, ns, f"kobench.io/run-id={status['runId']}")
    assert len(everything) == 2 + 3 + 1, everything  # engine, observers, one writer: no duplicates
    assert len(cluster.get_json("statefulset", "-n", ns)["items"]) == 1
    # Restarted after the run, the operator exposes the last run's metrics again.
    replacement.stop()
    again = operator(cluster, ns)
    wait_for("restored metrics", lambda: 'benchmark="restart"' in again.metrics())
    assert 'kobench_run_writes{benchmark="restart"' in again.metrics()


def test_operator_serves_liveness_and_logs_json(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    ns = kube_namespace(crd_cluster)
    port = free_port()
    op = operator(crd_cluster, ns, "--liveness-port", str(port), "--log-format", "json")
    health = wait_for("/healthz", lambda: _get(f"http://127.0.0.1:{port}/healthz"))
    assert health.startswith("{")  # kopf's liveness report
    crd_cluster.apply(benchmark("logs", SPEC), namespace=ns)
    wait_phase(crd_cluster, ns, "logs", "WaitingForEngine")
    lines = [line for line in op.log().splitlines() if line.strip()]
    assert lines and all(json.loads(line) for line in lines)


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return str(response.read().decode())
    except OSError:
        return None
