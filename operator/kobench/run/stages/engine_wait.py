"""WaitingForEngine: until every replica answers PING; then the observers start.

A replica the scheduler cannot place (anti-affinity ``required`` with more replicas than nodes,
say) is named while the run waits and in the EngineTimeout reason, with the scheduler's message.
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.actions import Create
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.pods import role_manifests
from kobench.run.pods.pod_views import PodView
from kobench.run.settings import Settings


def engine_pods(d: Draft, observed: Observed, spec: BenchmarkSpec) -> list[PodView]:
    wanted = (d.names.engine_pod(i) for i in range(spec.engine.replicas))
    return [observed.pods[n] for n in wanted if n in observed.pods]


def unschedulable(pods: list[PodView]) -> str | None:
    """The first replica the scheduler cannot place, and why; None when every one is placed."""
    for pod in pods:
        if pod.unschedulable is not None:
            return f"pod {pod.name} cannot be scheduled: {pod.unschedulable}"
    return None


def observer_pods(d: Draft, spec: BenchmarkSpec, settings: Settings) -> list[Create]:
    return [
        Create(
            role_manifests.build_observer_pod(
                d.names, d.resource.owner, spec, observer, instance, settings.role
            )
        )
        for _, observer, instance in role_manifests.observer_pods(d.names, spec)
    ]


def waiting_for_engine(
    d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings
) -> None:
    replicas = spec.engine.replicas
    pods = engine_pods(d, observed, spec)
    ready = sum(1 for pod in pods if pod.ready)
    stuck = unschedulable(pods)
    counted = f"{ready}/{replicas} replicas ready"
    if ready == replicas:
        d.condition("EngineReady", "True", "AllReplicasReady", f"{ready}/{ready} ready")
        d.act(*observer_pods(d, spec, settings))
        expected = len(role_manifests.observer_pods(d.names, spec))
        d.move("Subscribing", f"waiting for {expected} observers to subscribe")
        return
    # Said before a timeout too, so a run that failed here shows how far its engine got.
    if stuck:
        d.condition("EngineReady", "False", "Unschedulable", f"{counted}; {stuck}")
    else:
        d.condition("EngineReady", "False", "Starting", f"{ready}/{replicas} ready")
    if d.in_phase_seconds() > spec.timeouts.engine_ready_seconds:
        d.fail(
            "EngineTimeout",
            f"engine not ready within {spec.timeouts.engine_ready_seconds}s ({counted})"
            + (f"; {stuck}" if stuck else ""),
        )
