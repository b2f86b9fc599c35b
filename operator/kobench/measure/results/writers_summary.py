"""The writers' part of the run result: what they sent, at what rate, and their lag per second."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.measure.results.documents import WriterResult, WritersSummary
from kobench.measure.series import WriterSecond


def merge_writer_series(series: list[list[WriterSecond]]) -> list[WriterSecond]:
    """Writers merged per second: sent summed, the worst lag."""
    merged: dict[int, WriterSecond] = {}
    for samples in series:
        for s in samples:
            into = merged.setdefault(s.t, WriterSecond(t=s.t))
            into.sent += s.sent
            into.max_lag_ms = max(into.max_lag_ms, s.max_lag_ms)
    return [merged[t] for t in sorted(merged)]


def writers_summary(spec: BenchmarkSpec, writers: list[WriterResult]) -> WritersSummary:
    workload = spec.workload
    measured = [w for w in writers if w.measured_seconds > 0]
    achieved = sum(w.achieved_rate for w in measured) / len(measured) if measured else 0.0
    return WritersSummary(
        writers=len(writers),
        silent=sorted(set(range(workload.writers)) - {w.writer_id for w in writers}),
        sent=sum(w.sent for w in writers),
        measured_writes=sum(max(0, w.sent - w.warmup_writes) for w in writers),
        measured_start_ns=min(
            (w.measured_start_ns for w in writers if w.measured_start_ns), default=0
        ),
        planned=workload.total_writes * workload.writers,
        achieved_rate=round(achieved, 1),
        rate_measured=bool(measured),
        target_rate=workload.rate,
        max_lag_ms=round(max((w.max_lag_us for w in writers), default=0.0) / 1000.0, 3),
        series=merge_writer_series([w.series for w in writers]),
        errors=[f"writer {w.writer_id}: {w.error}" for w in writers if w.error],
    )
