"""One run driven through the operator on the control plane, the test playing the kubelet: wait
for a phase, make the engine ready, subscribe the observers one by one (no writer before the
last), finish every role with a result."""

from __future__ import annotations

import json
from typing import Any

import pytest
from testkit import fake_kubelet as kubelet
from testkit.kube import KubeCluster, get_kob, pod_names, status_of
from testkit.support import wait_for

from kobench.api import parse_spec

SPEC: dict[str, Any] = {
    "engine": {"replicas": 2},
    "workload": {"writes": 200, "rate": 1000, "warmupSeconds": 0},
    "observers": [
        {"name": "sync", "mode": "sync", "targetReplica": 1},
        {"name": "async", "mode": "async", "replicas": 2},
    ],
}


def wait_phase(
    cluster: KubeCluster, ns: str, name: str, *phases: str, timeout: float = 60
) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        status = status_of(cluster, ns, name)
        return status if status.get("phase") in phases else None

    try:
        found: dict[str, Any] = wait_for(
            f"{name} in phase {'/'.join(phases)}", probe, timeout=timeout
        )
    except pytest.fail.Exception:
        pods = cluster.get_json("pods", "-n", ns)["items"]
        seen = {p["metadata"]["name"]: p.get("status") for p in pods}
        pytest.fail(
            f"{name} never reached {phases}: status {status_of(cluster, ns, name)}\n"
            f"pods: {json.dumps(seen)[:6000]}",
            pytrace=False,
        )
    return found


def run_selector(status: dict[str, Any], component: str) -> str:
    return f"kobench.io/run-id={status['runId']},app.kubernetes.io/component={component}"


def drive_engine_ready(cluster: KubeCluster, ns: str, name: str, replicas: int) -> dict[str, Any]:
    status = wait_phase(cluster, ns, name, "WaitingForEngine")
    engine_pods = wait_for(
        "the StatefulSet's pods",
        lambda: (
            pods
            if len(pods := pod_names(cluster, ns, run_selector(status, "engine"))) == replicas
            else None
        ),
    )
    for pod in engine_pods:
        kubelet.mark_ready(cluster, ns, pod)
    return wait_phase(cluster, ns, name, "Subscribing")


def drive_subscribed(cluster: KubeCluster, ns: str, name: str, expected: int) -> list[str]:
    status = status_of(cluster, ns, name)
    observers: list[str] = wait_for(
        "observer pods",
        lambda: (
            pods
            if len(pods := pod_names(cluster, ns, run_selector(status, "observer"))) == expected
            else None
        ),
    )
    # The writer must not start before every observer is subscribed: once the operator has
    # counted all but one of them as subscribed, there is still no writer.
    for pod in observers[:-1]:
        kubelet.mark_ready(cluster, ns, pod)
    wait_for(
        f"the operator to count {expected - 1}/{expected} subscribed",
        lambda: subscribed(cluster, ns, name) == f"{expected - 1}/{expected} subscribed",
    )
    assert pod_names(cluster, ns, run_selector(status, "writer")) == []
    kubelet.mark_ready(cluster, ns, observers[-1])
    wait_phase(cluster, ns, name, "Running")
    return observers


def subscribed(cluster: KubeCluster, ns: str, name: str) -> str:
    conditions = {c["type"]: c for c in status_of(cluster, ns, name).get("conditions", [])}
    return str(conditions.get("ObserversSubscribed", {}).get("message", ""))


def seen_generation(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any]:
    """Wait until the operator has made a pass over the resource's current generation."""
    generation = get_kob(cluster, ns, name)["metadata"]["generation"]

    def seen() -> dict[str, Any] | None:
        status = status_of(cluster, ns, name)
        return status if status.get("observedGeneration") == generation else None

    found: dict[str, Any] = wait_for(f"the operator to see generation {generation}", seen)
    return found


def finish_roles(
    cluster: KubeCluster, ns: str, name: str, spec: dict[str, Any], observers: list[str]
) -> None:
    model = parse_spec(spec)
    status = status_of(cluster, ns, name)
    writers: list[str] = wait_for(
        "writer pods", lambda: pod_names(cluster, ns, run_selector(status, "writer"))
    )
    for index, pod in enumerate(writers):
        kubelet.mark_succeeded(cluster, ns, pod, kubelet.writer_result(model, index))
    for pod in observers:
        labels = cluster.get_json("pod", pod, "-n", ns)["metadata"]["labels"]
        doc = kubelet.observer_result(
            model, labels["kobench.io/observer"], int(labels["kobench.io/instance"])
        )
        kubelet.mark_succeeded(cluster, ns, pod, doc)
