"""Writes the engine refused while it could not serve (pure): never made, so no observer can
have missed them.

An observer counts what a writer announced (its end marker, or the highest write it saw), so
its document counts a refused write as missed; the writers' documents say which writes were
refused, and the merge takes them out of every observer's losses: counts, per-second series and
the missed writes faults are charged with.
"""

from __future__ import annotations

from collections.abc import Sequence

from kobench.measure.protocol import schedule_offset_ns
from kobench.measure.results.documents import ObserverResult, WriterResult
from kobench.measure.series import MissedWrites, NotWritten, ObserverSecond

Refused = dict[int, list[NotWritten]]
"""Per writer, its runs of refused writes."""


def refused_by_writer(writers: Sequence[WriterResult]) -> Refused:
    return {w.writer_id: list(w.not_written) for w in writers if w.not_written}


def measured_refused(refused: Refused, warmup: dict[int, int]) -> dict[int, int]:
    """Per writer, how many of its measured writes were refused."""
    return {w: sum(r.measured(warmup.get(w, 0)) for r in runs) for w, runs in refused.items()}


def _per_second(refused: Refused, warmup: dict[int, int], rate: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for writer, runs in refused.items():
        start = warmup.get(writer, 0)
        for run in runs:
            for seq in range(max(run.first_seq, start), run.last_seq + 1):
                second = (seq - start) // rate
                counts[second] = counts.get(second, 0) + 1
    return counts


def _less(run: MissedWrites, refused: list[NotWritten], rate: int) -> list[MissedWrites]:
    """A run of missed writes without the refused ones."""
    inside = [
        (max(r.first_seq, run.first_seq), min(r.last_seq, run.last_seq))
        for r in refused
        if r.first_seq <= run.last_seq and run.first_seq <= r.last_seq
    ]
    if not inside:
        return [run]
    if run.missed != run.last_seq - run.first_seq + 1:
        # Merged to stay small: which of its writes were missed is not known, only how many.
        overlap = sum(last - first + 1 for first, last in inside)
        return [run.model_copy(update={"missed": max(0, run.missed - overlap)})]
    anchor = run.first_due_ns - schedule_offset_ns(run.first_seq, rate)
    pieces, seq = [], run.first_seq
    for first, last in [*sorted(inside), (run.last_seq + 1, run.last_seq + 1)]:
        if first > seq:
            pieces.append(
                MissedWrites(
                    writer=run.writer,
                    first_seq=seq,
                    last_seq=first - 1,
                    missed=first - seq,
                    first_due_ns=anchor + schedule_offset_ns(seq, rate),
                )
            )
        seq = max(seq, last + 1)
    return pieces


def without_refused(
    doc: ObserverResult, refused: Refused, warmup: dict[int, int], rate: int
) -> ObserverResult:
    """The observer's document with the refused writes no longer counted as its losses."""
    if not refused:
        return doc
    per_second = _per_second(refused, warmup, rate)
    series = [
        s.model_copy(update={"missed": max(0, s.missed - per_second.get(s.t, 0))})
        if isinstance(s, ObserverSecond) and per_second.get(s.t)
        else s
        for s in doc.series
    ]
    runs = [
        piece
        for run in doc.missed_writes
        for piece in _less(run, refused.get(run.writer, []), rate)
    ]
    return doc.model_copy(update={"series": series, "missed_writes": runs})
