"""The kubelet's part, played by the test on a control plane without nodes.

Pods never run there, so the test moves them along by writing their status the way a kubelet
would (Running and Ready, Succeeded, Failed with OOMKilled), and leaves each role's result
document in the ``kobench.io/result`` annotation, which the operator reads when started as
``python -m testkit.kubeletless_operator`` (:mod:`testkit.annotation_results`).

The statuses are built by pure functions (:func:`running_status`, :func:`succeeded_status`) that
``benchmarks/operator_scale.py``'s watch-driven kubelet writes too.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from kobench.api import BenchmarkSpec
from kobench.measure.histograms import encode_histogram, new_histogram, record_us
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    ReplicaState,
    WriterCounts,
    WriterResult,
)
from kobench.run.pods.pod_names import RESULT_ANNOTATION
from testkit.kube import KubeCluster

NOW = "2026-01-01T00:00:00Z"
CLIENT = ClientInfo(python="3.11", redis_py="test", hiredis=True, host="fake-kubelet")


def _container_status(
    name: str,
    state: dict[str, Any],
    *,
    ready: bool,
    restarts: int = 0,
    last: dict[str, Any] | None = None,
) -> dict[str, Any]:
    status = {
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "state": state,
        "image": "fake",
        "imageID": "fake",
        "started": ready,
    }
    if last:
        status["lastState"] = last
    return status


def patch_status(cluster: KubeCluster, namespace: str, pod: str, status: dict[str, Any]) -> None:
    cluster.kubectl(
        "patch",
        "pod",
        pod,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


def container_name(cluster: KubeCluster, namespace: str, pod: str) -> str:
    return str(
        cluster.kubectl(
            "get", "pod", pod, "-n", namespace, "-o", "jsonpath={.spec.containers[0].name}"
        ).stdout
    )


def running_status(container: str) -> dict[str, Any]:
    """A pod whose one container runs and is Ready."""
    return {
        "phase": "Running",
        "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": NOW},
            {"type": "Initialized", "status": "True", "lastTransitionTime": NOW},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": NOW},
            {"type": "Ready", "status": "True", "lastTransitionTime": NOW},
        ],
        "containerStatuses": [
            _container_status(container, {"running": {"startedAt": NOW}}, ready=True)
        ],
        "startTime": NOW,
    }


def succeeded_status(container: str) -> dict[str, Any]:
    """A pod whose one container ended with exit code 0 just now."""
    # finishedAt is now, as a kubelet says: the operator counts the drain from the writers'
    # finishedAt, and a fixed past one would make every observer a straggler at once.
    finished = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    terminated = {
        "terminated": {
            "exitCode": 0,
            "reason": "Completed",
            "startedAt": NOW,
            "finishedAt": finished,
        }
    }
    return {
        "phase": "Succeeded",
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "lastTransitionTime": NOW,
                "reason": "PodCompleted",
            },
        ],
        "containerStatuses": [_container_status(container, terminated, ready=False)],
    }


def mark_ready(cluster: KubeCluster, namespace: str, pod: str) -> None:
    name = container_name(cluster, namespace, pod)
    patch_status(cluster, namespace, pod, running_status(name))


SECRET_CACHE = "failed to sync secret cache: timed out waiting for the condition"
"""What a kubelet says when a pod starts right after its Secret was created (it retries)."""


def mark_waiting(cluster: KubeCluster, namespace: str, pod: str, reason: str, message: str) -> None:
    """A container the kubelet could not create yet, as a kubelet reports it."""
    name = container_name(cluster, namespace, pod)
    waiting = {"waiting": {"reason": reason, "message": message}}
    patch_status(
        cluster,
        namespace,
        pod,
        {
            "phase": "Pending",
            "conditions": [
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": NOW},
                {"type": "Ready", "status": "False", "lastTransitionTime": NOW},
            ],
            "containerStatuses": [_container_status(name, waiting, ready=False)],
        },
    )


def mark_succeeded(cluster: KubeCluster, namespace: str, pod: str, result: str | None) -> None:
    if result is not None:
        cluster.kubectl(
            "annotate", "pod", pod, "-n", namespace, "--overwrite", f"{RESULT_ANNOTATION}={result}"
        )
    name = container_name(cluster, namespace, pod)
    patch_status(cluster, namespace, pod, succeeded_status(name))


def mark_restarted_after_oom(cluster: KubeCluster, namespace: str, pod: str) -> None:
    """What a kubelet reports when a restartPolicy=Always container (the engine) was OOM-killed:
    the container runs again, and its last state says why it died."""
    name = container_name(cluster, namespace, pod)
    last = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": NOW, "finishedAt": NOW}
    }
    patch_status(
        cluster,
        namespace,
        pod,
        {
            "phase": "Running",
            "containerStatuses": [
                _container_status(
                    name, {"running": {"startedAt": NOW}}, ready=False, restarts=1, last=last
                )
            ],
        },
    )


def mark_oom_killed(cluster: KubeCluster, namespace: str, pod: str) -> None:
    """A restartPolicy=Never pod (a role) whose container was OOM-killed."""
    name = container_name(cluster, namespace, pod)
    terminated = {
        "terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": NOW, "finishedAt": NOW}
    }
    patch_status(
        cluster,
        namespace,
        pod,
        {
            "phase": "Failed",
            "containerStatuses": [_container_status(name, terminated, ready=False)],
        },
    )


def _histogram(values_us: list[float]) -> str:
    histogram = new_histogram()
    for value in values_us:
        record_us(histogram, value)
    return encode_histogram(histogram)


LATENCIES_US: dict[str, list[float]] = {
    "sync": [180.0, 240.0, 300.0, 900.0],
    "async": [260.0, 410.0, 650.0, 2400.0],
}
"""Each fake observer's latencies differ, so a test sees which observer a reducer picked."""


def observer_result(
    spec: BenchmarkSpec,
    name: str,
    instance: int,
    *,
    missed: int = 0,
    latencies_us: list[float] | None = None,
) -> str:
    observer = next(o for o in spec.observers if o.name == name)
    values = latencies_us or LATENCIES_US.get(name, [500.0, 700.0, 1100.0, 3000.0])
    sent = spec.workload.total_writes
    counts = {
        str(w): WriterCounts(distinct=sent - missed, highest_seq=sent - 1)
        for w in range(spec.workload.writers)
    }
    start = time.time_ns()
    doc = ObserverResult(
        name=name,
        instance=instance,
        mode=observer.mode,
        target_replica=observer.target_replica,
        client=CLIENT,
        started_ns=start,
        ended_ns=start + 2_000_000_000,
        writers=counts,
        notifications=(sent - missed) * spec.workload.writers,
        latency={str(spec.workload.target_replica): _histogram(values)},
    )
    return doc.model_dump_json(by_alias=True)


def writer_result(spec: BenchmarkSpec, writer_id: int) -> str:
    sent = spec.workload.total_writes
    start = time.time_ns()
    rtt = {
        f"{o.name}.{i}": _histogram([400.0, 500.0, 1200.0])
        for o in spec.observers
        for i in range(o.replicas)
        if o.handshake
    }
    replicas = spec.engine.replicas
    doc = WriterResult(
        writer_id=writer_id,
        target_replicas=[spec.workload.target_replica],
        client=CLIENT,
        started_ns=start,
        ended_ns=start + 2_000_000_000,
        sent=sent,
        warmup_writes=spec.workload.warmup_writes,
        measured_seconds=1.0,
        achieved_rate=float(spec.workload.rate),
        rtt=rtt,
        engine=EngineFacts(
            type=spec.engine.type,
            version="6.3.4",
            replicas=replicas,
            replication=[
                ReplicaState(index=i, address=f"r{i}", role="active-replica", link_up=True)
                for i in range(replicas)
            ],
        )
        if writer_id == 0
        else None,
        convergence=Convergence(checked=True, converged=True, detail="all keys equal")
        if writer_id == 0
        else None,
    )
    return doc.model_dump_json(by_alias=True)
