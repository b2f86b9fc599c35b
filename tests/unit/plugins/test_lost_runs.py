"""The runs of writes an observer never received: exact, and cheap for long runs."""

from __future__ import annotations

import random
import time

from kobench.measure.sequences import SequenceTracker
from kobench.plugins.observers.lost_runs import Run, bounded, unseen_runs


def brute_force(seen: set[int], start: int, stop: int) -> list[Run]:
    runs: list[Run] = []
    for seq in range(start, stop):
        if seq in seen:
            continue
        if runs and runs[-1][1] == seq - 1:
            runs[-1] = (runs[-1][0], seq, runs[-1][2] + 1)
        else:
            runs.append((seq, seq, 1))
    return runs


def test_runs_match_a_plain_count_on_random_losses() -> None:
    rng = random.Random(21)
    for _ in range(200):
        total = rng.randrange(1, 400)
        tracker = SequenceTracker()
        seen = set()
        loss = rng.random()
        for seq in range(rng.randrange(0, total + 1)):
            if rng.random() > loss:
                tracker.record(seq)
                seen.add(seq)
        start = rng.randrange(0, total)
        assert unseen_runs(tracker, start, total) == brute_force(seen, start, total)
    assert unseen_runs(None, 5, 9) == [(5, 8, 4)]


def test_millions_missed_cost_little() -> None:
    tracker = SequenceTracker()
    for seq in range(1000):
        tracker.record(seq)
    for seq in range(2_000_000, 2_000_010):
        tracker.record(seq)
    began = time.perf_counter()
    runs = unseen_runs(tracker, 0, 3_600_000)
    assert runs == [(1000, 1_999_999, 1_999_000), (2_000_010, 3_599_999, 1_599_990)]
    assert time.perf_counter() - began < 0.5


def test_scattered_losses_are_merged_to_a_bound_and_keep_their_count() -> None:
    runs = [(seq, seq, 1) for seq in range(0, 10_000, 3)]
    merged = bounded(runs, limit=256)
    assert len(merged) <= 256
    assert sum(missed for _, _, missed in merged) == len(runs)
