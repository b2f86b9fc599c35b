"""What each writer sent and what each observer received of it: the run's loss accounting.

Every count is of the measured writes, as the latency figures are: a writer's first
``warmup`` writes are neither counted nor timed.

A writer's document says what it sent; an observer's what it saw. A write in flight when the
engine was lost counts as sent if an observer saw it, and a writer that died (no document) sent at
least what its observers saw: nothing is invented, and nothing seen goes uncounted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from kobench.api import BenchmarkSpec
from kobench.measure.results.documents import ObserverResult, WriterCounts, WriterResult


@dataclass
class Counts:
    """What observer instances received against what the writers sent."""

    received: int = 0
    expected: int = 0
    missed: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    superseded: int = 0


def _seen_of(writer_id: int, doc: ObserverResult, shared: bool) -> int:
    """How many of a writer's writes one observer proves were sent (the highest it saw + 1)."""
    highest = doc.writers.get(str(writer_id), WriterCounts()).highest_seq + 1
    if shared and doc.latency_basis == "notification":
        highest = max(highest, doc.notifications + doc.lost_notifications)
    return highest


def sent_by_writer(
    spec: BenchmarkSpec, writers: list[WriterResult], observers: list[ObserverResult]
) -> dict[int, int]:
    """Writes each writer sent. A write in flight when the engine was lost counts if an
    observer saw it; a writer without a document died, and what observers saw of it is a lower
    bound of what it sent."""
    shared = spec.workload.key_mode == "shared"
    sent: dict[int, int] = {}
    for writer_id in range(spec.workload.writers):
        seen = max((_seen_of(writer_id, d, shared) for d in observers), default=0)
        doc = next((w for w in writers if w.writer_id == writer_id), None)
        if doc is None:
            sent[writer_id] = seen
        else:
            sent[writer_id] = max(doc.sent, min(doc.sent + doc.unconfirmed, seen))
    return sent


def warmup_by_writer(spec: BenchmarkSpec, writers: list[WriterResult]) -> dict[int, int]:
    """Each writer's unmeasured first writes: as its document says, else as the spec says."""
    docs = {w.writer_id: w.warmup_writes for w in writers}
    return {w: docs.get(w, spec.workload.warmup_writes) for w in range(spec.workload.writers)}


def count_received(
    key_mode: str,
    doc: ObserverResult,
    sent: dict[int, int],
    warmup: dict[int, int],
    refused: dict[int, int] | None = None,
) -> Counts:
    """What one observer instance received of the measured writes (``warmup``: each writer's
    first writes, neither counted nor timed; ``refused``: each writer's measured writes the
    engine refused, never made).

    unique mode (and coalescing invalidations, numbered by the value read): per writer, distinct
    measured sequences against measured writes sent. shared mode: measured notifications against
    measured writes sent (with one writer each notification is one write, in order).
    """
    refused = refused or {}
    measured = {w: max(0, n - warmup.get(w, 0) - refused.get(w, 0)) for w, n in sent.items()}
    total = sum(measured.values())
    if key_mode == "shared" and doc.guarantee != "coalescing":
        received = min(max(0, doc.notifications - doc.warmup_notifications), total)
        return Counts(
            received=received,
            expected=total,
            missed=total - received,
            duplicates=max(0, doc.notifications - sum(sent.values())),
            out_of_order=sum(c.out_of_order for c in doc.writers.values()),
            superseded=doc.superseded,
        )
    counts = Counts(expected=total)
    for writer_id, writer_sent in measured.items():
        seen = doc.writers.get(str(writer_id), WriterCounts())
        distinct = seen.distinct - seen.warmup_distinct
        counts.received += min(distinct, writer_sent)
        counts.missed += max(0, writer_sent - distinct)
        counts.duplicates += seen.duplicates
        counts.out_of_order += seen.out_of_order
    return counts


def sum_counts(counts: list[Counts]) -> Counts:
    total = Counts()
    for one in counts:
        for item in fields(total):
            setattr(total, item.name, getattr(total, item.name) + getattr(one, item.name))
    return total
