"""Which measured writes an observer never received, as runs with when each was due.

A loss is charged to the fault whose window held the time its write was due, so the document
says which writes were lost, not only how many per second. Runs stay few: losses come in
outages, and when scattered losses make more than :data:`MAX_RUNS` runs, the closest ones are
merged (a merged run keeps its exact count of missed writes).
"""

from __future__ import annotations

import re

from kobench.measure.protocol import schedule_offset_ns
from kobench.measure.sequences import SequenceTracker
from kobench.measure.series import MissedWrites

MAX_RUNS = 256
NOT_ALL_SEEN = re.compile(rb"[^\xff]")
"""A byte of the tracker's bitmap with a sequence missing."""
NOT_NONE_SEEN = re.compile(rb"[^\x00]")
"""A byte of the tracker's bitmap with a sequence seen."""

Run = tuple[int, int, int]
"""First sequence, last sequence, writes of them missed."""


def _seen(seen: bytearray, seq: int) -> bool:
    return bool((seen[seq // 8] >> (seq % 8)) & 1)


def _skip(seen: bytearray, seq: int, stop: int, pattern: re.Pattern[bytes]) -> int:
    """From ``seq`` (a byte boundary), past the whole bytes that ``pattern`` does not match."""
    found = pattern.search(seen, seq // 8, -(-stop // 8))
    return stop if found is None else min(stop, max(seq, found.start() * 8))


def unseen_runs(tracker: SequenceTracker | None, start: int, stop: int) -> list[Run]:
    """Runs of consecutive sequences in ``start..stop-1`` that never arrived. Whole bytes of
    the tracker's bitmap that are all seen, or all missing, are passed without looking at
    their bits (a run of millions costs little)."""
    seen = tracker.seen if tracker is not None else bytearray()
    mapped = min(stop, len(seen) * 8)
    runs: list[Run] = []
    seq = start
    while seq < mapped:
        if seq % 8 == 0:
            seq = _skip(seen, seq, mapped, NOT_ALL_SEEN)
            if seq >= mapped:
                break
        if _seen(seen, seq):
            seq += 1
            continue
        first, seq = seq, seq + 1
        while seq < mapped:
            if seq % 8 == 0:
                ahead = _skip(seen, seq, mapped, NOT_NONE_SEEN)
                if ahead > seq:
                    seq = ahead
                    continue
            if _seen(seen, seq):
                break
            seq += 1
        runs.append((first, seq - 1, seq - first))
    tail = max(start, mapped)
    if tail < stop:  # beyond the bitmap: never seen
        if runs and runs[-1][1] == tail - 1:
            first, _, missed = runs.pop()
            runs.append((first, stop - 1, missed + stop - tail))
        else:
            runs.append((tail, stop - 1, stop - tail))
    return runs


def bounded(runs: list[Run], limit: int = MAX_RUNS) -> list[Run]:
    """At most ``limit`` runs: neighbours whose gap is smallest are merged first."""
    gap = 1
    while len(runs) > limit:
        merged: list[Run] = []
        for run in runs:
            if merged and run[0] - merged[-1][1] <= gap:
                first, _, missed = merged[-1]
                merged[-1] = (first, run[1], missed + run[2])
            else:
                merged.append(run)
        runs, gap = merged, gap * 2
    return runs


def missed_writes(writer: int, runs: list[Run], anchor_ns: int, rate: int) -> list[MissedWrites]:
    """The runs of one writer whose schedule started at ``anchor_ns`` (wall clock)."""
    return [
        MissedWrites(
            writer=writer,
            first_seq=first,
            last_seq=last,
            missed=missed,
            first_due_ns=anchor_ns + schedule_offset_ns(first, rate),
        )
        for first, last, missed in bounded(runs)
    ]


def numbered_runs(costs: list[tuple[int, int]], warmup: int) -> list[Run]:
    """Shared mode, one writer: the writes each outage lost, from (notifications before it,
    notifications it lost) in order; the numbering of each starts after the earlier ones'."""
    runs: list[Run] = []
    lost_before = 0
    for before, lost in costs:
        first = max(before + lost_before, warmup)
        last = before + lost_before + lost - 1
        lost_before += lost
        if last >= first:
            runs.append((first, last, last - first + 1))
    return runs
