"""Subscribing: every observer confirms its subscription; then, and only then, the writers."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.actions import Create
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.pods import role_manifests
from kobench.run.settings import Settings


def writer_pods(d: Draft, spec: BenchmarkSpec, settings: Settings) -> list[Create]:
    return [
        Create(
            role_manifests.build_writer_pod(d.names, d.resource.owner, spec, writer, settings.role)
        )
        for _, writer in role_manifests.writer_pods(d.names, spec)
    ]


def subscribing(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    observers = [name for name, _, _ in role_manifests.observer_pods(d.names, spec)]
    expected = len(observers)
    ready = sum(1 for n in observers if n in observed.pods and observed.pods[n].ready)
    if ready == expected:
        d.condition("ObserversSubscribed", "True", "AllSubscribed", f"{ready} subscribed")
        writers = writer_pods(d, spec, settings)
        if spec.faults:  # before the writers: it must be watching when writer 0 sets the clock
            d.act(
                Create(
                    role_manifests.build_faults_pod(d.names, d.resource.owner, spec, settings.role)
                )
            )
        d.act(*writers)
        d.move("Running", f"{len(writers)} writer(s) running")
        return
    # Said before a timeout too, so a run that failed here shows how many had subscribed.
    d.condition("ObserversSubscribed", "False", "Subscribing", f"{ready}/{expected} subscribed")
    if d.in_phase_seconds() > spec.timeouts.subscribe_seconds:
        d.fail(
            "SubscribeTimeout",
            f"observers not subscribed within {spec.timeouts.subscribe_seconds}s "
            f"({ready}/{expected})",
        )
