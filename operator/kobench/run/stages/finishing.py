"""The end of a run: history, metrics and the cleanup policy (after the terminal status is
saved), and restoring a finished run's metrics after an operator restart."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus, HistoryEntry
from kobench.measure.results import RunResult
from kobench.run.actions import DropResults, RecordRun, RunRecord, StopRun
from kobench.run.draft import Draft, time_text
from kobench.run.observed import Observed
from kobench.run.plan import cell_tag, plan_run
from kobench.run.reducers import push_history
from kobench.run.stages.targeting import closed


def push_entry(d: Draft, *, phase: str, verdict: str, finished_at: str) -> None:
    """Put the current run first in the history; drop the results of runs that fall out."""
    status = d.status
    summary = status.summary
    entry = HistoryEntry(
        run_id=status.run_id,
        run_nonce=status.run_nonce,
        phase=phase,
        verdict=verdict,
        started_at=status.started_at,
        finished_at=finished_at,
        writes=summary.writes if summary else 0,
        missed=summary.missed if summary else 0,
        p99_ms=summary.p99_ms if summary else None,
        results_config_map=status.results_config_map,
    )
    status.history, dropped = push_history(status.history, entry)
    d.act(*(DropResults(old.results_config_map) for old in dropped if old.results_config_map))


def should_clean(status: BenchmarkStatus, spec: BenchmarkSpec | None) -> bool:
    """The cleanup policy: do the finished run's roles go?"""
    if spec is None or status.phase not in ("Succeeded", "Failed"):
        return False
    if status.target is not None and not status.target.cleaned:
        return False  # the target's cleanup role runs first
    if spec.matrix is not None:
        return False  # its children are benchmarks, each with the cleanup policy of its own
    if spec.cleanup == "Always":
        return True
    if spec.cleanup == "DeleteOnSuccess":
        return status.phase == "Succeeded" and status.verdict == "Passed"
    return False


def finish(d: Draft, spec: BenchmarkSpec, result: RunResult | None) -> None:
    """A run just ended (Succeeded or Failed): history, metrics, cleanup, all after the save."""
    status = d.status
    status.finished_at = time_text(d.now)
    verdict = str(status.verdict or "")
    push_entry(d, phase=str(status.phase), verdict=verdict, finished_at=status.finished_at)
    cell = cell_tag(d.resource.annotations)
    record = RunRecord(
        phase=str(status.phase),
        verdict=verdict,
        result=result,
        cell=cell,
        finished_at=status.finished_at,
        p99_threshold_ms=spec.thresholds.p99_latency_ms,
    )
    d.act(RecordRun(record, True))
    if should_clean(status, spec):
        d.act(StopRun(status.run_id, before_save=False))


def settle(d: Draft, observed: Observed, spec: BenchmarkSpec | None) -> bool:
    """A finished run, seen again: restore its metrics once (an operator restart), clean a
    target up if the run ended before it did (True while that goes on), and apply the cleanup
    policy if its children are still there (the operator stopped before it did)."""
    status = d.status
    due = status.target is not None and not status.target.cleaned
    if spec is not None and due and closed(d, observed, plan_run(spec), d.in_phase_seconds()):
        return True
    if not observed.metrics_known and status.phase in ("Succeeded", "Failed"):
        record = RunRecord(
            phase=str(status.phase),
            verdict=str(status.verdict or ""),
            result=observed.stored_result,
            cell=cell_tag(d.resource.annotations),
            finished_at=status.finished_at,
            p99_threshold_ms=spec.thresholds.p99_latency_ms if spec else None,
        )
        d.act(RecordRun(record, count=False))
    if observed.roles and should_clean(status, spec):
        d.act(StopRun(status.run_id, before_save=False))
    return False
