"""Running: until every role pod has succeeded.

A writer that could not write never announces its end, so observers still waiting well after
the last writer ended (the drain plus the collection core's one straggler grace) are left
behind, and the run is collected with what there is; the writer's document says why.
"""

from __future__ import annotations

import datetime as dt

from kobench.api import BenchmarkSpec
from kobench.run.collection import stragglers_due
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.pods import role_manifests
from kobench.run.settings import Settings
from kobench.run.stages.kills import apply_kills, killed_pods


def writers_ended_at(d: Draft, observed: Observed, spec: BenchmarkSpec) -> dt.datetime | None:
    """When the last writer ended, once every writer has (a killed one when it was killed);
    None while one still runs."""
    killed = killed_pods(d, spec)
    names = [n for n, _ in role_manifests.writer_pods(d.names, spec)]
    views = [observed.pods.get(n) for n in names if n not in killed]
    if not all(v is not None and v.succeeded for v in views):
        return None
    stamps = [v.finished_at for v in views if v is not None and v.finished_at is not None]
    stamps += [dt.datetime.fromtimestamp(killed[n] / 1e9, dt.UTC) for n in names if n in killed]
    return max(stamps, default=None)


def running(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    del settings
    apply_kills(d, observed, spec)
    killed = killed_pods(d, spec)
    roles = [n for n, _, _ in role_manifests.observer_pods(d.names, spec)]
    roles += [n for n, _ in role_manifests.writer_pods(d.names, spec)]
    roles += role_manifests.faults_pods(d.names, spec)
    roles = [n for n in roles if n not in killed]
    ended = writers_ended_at(d, observed, spec)
    waited = (d.now - ended).total_seconds() if ended is not None else None
    if all(n in observed.pods and observed.pods[n].succeeded for n in roles):
        d.move("Collecting", "roles finished; collecting results")
    elif waited is not None and stragglers_due(waited, spec.timeouts.drain_seconds):
        d.move("Collecting", f"writers ended {waited:.0f}s ago; collecting without stragglers")
    elif d.in_phase_seconds() > spec.run_seconds:
        d.fail("RunTimeout", f"run did not finish within {spec.run_seconds:.0f}s")
