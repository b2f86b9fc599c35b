"""The end of a run: history, metrics and the cleanup policy; and a run superseded by a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kobench.controller.metrics import RunRecord
from kobench.controller.runtime import now_text
from kobench.results import RunResult
from kobench.runners.kubernetes.roles import RESULT_KEY
from kobench.spec import BenchmarkSpec
from kobench.status import HistoryEntry, push_history

if TYPE_CHECKING:
    from kobench.controller.state import Pass


def _entry(p: Pass, *, phase: str, verdict: str) -> HistoryEntry:
    status = p.status
    summary = status.summary
    return HistoryEntry(
        run_id=status.run_id,
        run_nonce=status.run_nonce,
        phase=phase,
        verdict=verdict,
        started_at=status.started_at,
        finished_at=status.finished_at,
        writes=summary.writes if summary else 0,
        missed=summary.missed if summary else 0,
        p99_ms=summary.p99_ms if summary else None,
        results_config_map=status.results_config_map,
    )


async def _record(p: Pass, entry: HistoryEntry) -> None:
    history, dropped = push_history(p.status.history, entry)
    p.status.history = history
    for old in dropped:
        if old.results_config_map:
            await p.rt.kube.delete_config_map(p.namespace, old.results_config_map)


async def finish(p: Pass, spec: BenchmarkSpec) -> None:
    """Record a run that just ended (Succeeded or Failed) in history and metrics."""
    status = p.status
    status.finished_at = now_text(p.now)
    await _record(p, _entry(p, phase=str(status.phase), verdict=str(status.verdict or "")))
    result = p.rt.results.pop(status.run_id, None)
    p.rt.metrics.run_finished(
        p.namespace,
        p.name,
        RunRecord(phase=str(status.phase), verdict=str(status.verdict or ""), result=result),
    )
    del spec


def should_clean(p: Pass, spec: BenchmarkSpec) -> bool:
    if spec.cleanup == "Always":
        return True
    if spec.cleanup == "DeleteOnSuccess":
        return p.status.phase == "Succeeded" and p.status.verdict == "Passed"
    return False


async def cleanup(p: Pass, spec: BenchmarkSpec) -> None:
    """Apply the cleanup policy to the run's children; the results ConfigMap always stays."""
    if should_clean(p, spec):
        await p.rt.kube.delete_run(p.namespace, p.names.run_selector(), keep_results=True)


async def restore_metrics(p: Pass) -> None:
    """After an operator restart: expose the last finished run again (without counting it)."""
    if (p.namespace, p.name) in p.rt.metrics.runs.known():
        return
    result = None
    if p.status.results_config_map:
        found = await p.rt.kube.get_config_map(p.namespace, p.status.results_config_map)
        text = ((found or {}).get("data") or {}).get(RESULT_KEY)
        if text:
            result = RunResult.model_validate_json(text)
    record = RunRecord(
        phase=str(p.status.phase), verdict=str(p.status.verdict or ""), result=result
    )
    p.rt.metrics.runs.record(p.namespace, p.name, record)


async def superseded(p: Pass) -> None:
    """A new runNonce arrived while a run was in progress: stop that run and record it."""
    old = p.status
    await p.rt.kube.delete_run(p.namespace, p.names.run_selector(), keep_results=True)
    entry = _entry(p, phase="Failed", verdict="")
    entry = entry.model_copy(update={"finished_at": now_text(p.now)})
    await _record(p, entry)
    p.rt.post_event(
        p.body,
        "Warning",
        "Superseded",
        f"run {old.run_id} stopped in phase {old.phase}: runNonce changed",
    )
