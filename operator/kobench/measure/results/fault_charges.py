"""What each fault is charged with (pure): the events lost while its window was open, and the
roles that died then.

A fault's window runs from when it was applied (less :data:`MARGIN_NS`: a write due just before
may still be in flight when it hits) to when it was over (lifted and the engine whole again). A
lost event is charged to the fault whose window held the time its write was due; when several
windows held it, to the one applied last (a loss follows its cause), and the overlap is said.
For one observer instance, a window lasts until it was subscribed again after a connection it
lost in the window (the engine may be whole before the observer is back).
A role that died is its own event: when the writers are gone, an observer's silence is the end
of the writes, never an outage of whatever fault was open then.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from kobench.api import BenchmarkSpec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.protocol import NS_PER_SECOND, schedule_offset_ns
from kobench.measure.results.documents import ObserverResult, WriterResult
from kobench.measure.series import MissedWrites, Outage

NS = NS_PER_SECOND

MARGIN_NS = 200_000_000
"""How long before a fault an observer's last event (or a lost write's due time) may come and
still be the fault's: the quiet between two events, or a write in flight, on a loaded machine."""
SETTLE_NS = NS_PER_SECOND
"""A fault without a recovery time counts as over one second after it was lifted."""


@dataclass(frozen=True)
class Window:
    index: int
    applied_ns: int
    over_ns: int

    @property
    def start_ns(self) -> int:
        return self.applied_ns - MARGIN_NS

    def holds(self, t: int) -> bool:
        return self.start_ns <= t <= self.over_ns


def window_of(record: AppliedFault) -> tuple[int, int]:
    """From the fault's application to when it was over (the engine whole again)."""
    over = record.recovered_ns or (record.ended_ns or record.applied_ns) + SETTLE_NS
    return record.applied_ns, max(over, record.ended_ns)


def windows(records: dict[int, AppliedFault]) -> list[Window]:
    return [Window(i, *window_of(r)) for i, r in sorted(records.items()) if r.applied_ns]


def overlapping(window: Window, others: Sequence[Window]) -> list[int]:
    """The faults whose windows (applied to over) share time with this one's."""
    return [
        o.index
        for o in others
        if o.index != window.index
        and o.applied_ns <= window.over_ns
        and window.applied_ns <= o.over_ns
    ]


def seconds_of(record: AppliedFault, measured_from: int) -> range:
    """The seconds of the series a fault may have cost events in: from the one before it (a
    write due then may be sent late, into the fault) to the one it was over in."""
    start, end = window_of(record)
    return range(max(0, (start - measured_from) // NS - 1), (end - measured_from) // NS + 1)


def disturbed_seconds(records: dict[int, AppliedFault], measured_from: int) -> set[int]:
    """Every second of the series that some fault applied may have disturbed."""
    return {t for r in records.values() if r.applied_ns for t in seconds_of(r, measured_from)}


def claimed_seconds(merged: dict[int, AppliedFault], measured_from: int) -> dict[int, set[int]]:
    """Documents that do not list their missed writes (an older kobench): each second of the series
    goes to one fault, so no loss counts twice: of the faults that may have cost events in it,
    the last one applied before the second ended, else the first."""
    windows = {i: set(seconds_of(r, measured_from)) for i, r in merged.items() if r.applied_ns}
    claims: dict[int, set[int]] = {i: set() for i in windows}
    for second in set().union(*windows.values()):
        candidates = sorted((merged[i].applied_ns, i) for i, s in windows.items() if second in s)
        second_ends = measured_from + (second + 1) * NS
        before = [c for c in candidates if c[0] < second_ends]
        claims[(before[-1] if before else candidates[0])[1]].add(second)
    return claims


def reconnected(window: Window, outages: Sequence[Outage]) -> Window:
    """One observer instance's view of a window: a connection it lost while the window was
    open is the fault's until it was subscribed again (or its first event after), even when
    the engine was whole before that."""
    back = [
        max(o.ended_ns, o.started_ns + round((o.first_event_after_ms or 0) * 1e6))
        for o in outages
        if window.holds(o.started_ns)
    ]
    return Window(window.index, window.applied_ns, max([window.over_ns, *back]))


@dataclass
class Charge:
    lost: int = 0
    overlapped: int = 0
    """Of the lost, those due while another fault's window was open too."""


def _due_before(anchor: int, rate: int, t: int) -> int:
    """How many writes of a schedule that started at ``anchor`` were due before ``t``."""
    elapsed = t - anchor
    return 0 if elapsed <= 0 else -(-elapsed * rate // NS_PER_SECOND)


def charge_losses(
    runs: Sequence[MissedWrites], found: Sequence[Window], rate: int
) -> dict[int, Charge]:
    """Each lost write to the window that held its due time (the one applied last when
    several did); per fault, what one observer instance lost."""
    charges: dict[int, Charge] = {}
    for run in runs:
        anchor = run.first_due_ns - schedule_offset_ns(run.first_seq, rate)
        span = run.last_seq - run.first_seq + 1
        first_due = run.first_due_ns
        after_last = anchor + schedule_offset_ns(run.last_seq, rate) + 1
        cuts = {first_due, after_last}
        for w in found:
            cuts |= {t for t in (w.start_ns, w.over_ns + 1) if first_due < t < after_last}
        points = sorted(cuts)
        for t0, t1 in itertools.pairwise(points):
            seqs = min(_due_before(anchor, rate, t1), run.last_seq + 1) - max(
                _due_before(anchor, rate, t0), run.first_seq
            )
            holding = [w for w in found if w.holds(t0)]
            if seqs <= 0 or not holding:
                continue
            # A merged run holds seen writes too: its missed ones are spread evenly.
            lost = seqs if run.missed == span else round(seqs * run.missed / span)
            charge = charges.setdefault(max(holding, key=lambda w: w.applied_ns).index, Charge())
            charge.lost += lost
            if len(holding) > 1:
                charge.overlapped += lost
    return charges


@dataclass(frozen=True)
class Death:
    role: str
    at_ns: int
    cause: str


def writer_ends(
    spec: BenchmarkSpec, writers: Sequence[WriterResult], observers: Sequence[ObserverResult]
) -> dict[int, tuple[int, str]]:
    """Per writer, when its last write was due (its document), or was last heard of (none),
    and why it stopped ("" when it wrote all it was asked)."""
    rate = spec.workload.rate
    docs = {w.writer_id: w for w in writers}
    ends: dict[int, tuple[int, str]] = {}
    for writer in range(spec.workload.writers):
        doc = docs.get(writer)
        heard = max(
            (o.writers[str(writer)].last_ns for o in observers if str(writer) in o.writers),
            default=0,
        )
        if doc is None:
            ends[writer] = (heard, "left no document")
        elif doc.measured_start_ns and doc.sent:
            anchor = doc.measured_start_ns - schedule_offset_ns(doc.warmup_writes, rate)
            ends[writer] = (anchor + schedule_offset_ns(doc.sent - 1, rate), doc.error or "")
        else:
            ends[writer] = (heard or doc.ended_ns, doc.error or "")
    return ends


def writing_end_ns(ends: dict[int, tuple[int, str]]) -> int | None:
    """When the last writer's last write was due; None when one is not known."""
    times = [at for at, _ in ends.values()]
    return max(times) if times and all(times) else None


def deaths(ends: dict[int, tuple[int, str]]) -> list[Death]:
    """The writers that stopped before their schedule's end, and why."""
    return [Death(f"writer.{w}", at, cause) for w, (at, cause) in sorted(ends.items()) if cause]


def deaths_of(window: Window, found: Sequence[Window], died: Sequence[Death]) -> list[str]:
    """The deaths this fault's window held (the one applied last, when several did)."""
    mine = []
    for death in died:
        holding = [w for w in found if w.holds(death.at_ns)]
        if holding and max(holding, key=lambda w: w.applied_ns).index == window.index:
            mine.append(f"{death.role}: {death.cause}")
    return mine
