"""The operator's in-memory run-spec cache stays bounded however many runs it sees."""

from __future__ import annotations

import pytest

from kobench.run.pods.runtime import SPEC_CACHE_RUNS, RecentRuns, Runtime


def test_the_cache_keeps_only_the_most_recent_runs() -> None:
    cache: RecentRuns[int] = RecentRuns(capacity=3)
    for n in range(10):
        cache[f"run-{n}"] = n
    assert len(cache) == 3
    assert [cache.get(f"run-{n}") for n in range(10)] == [None] * 7 + [7, 8, 9]


def test_a_run_read_again_outlives_runs_that_were_not() -> None:
    cache: RecentRuns[int] = RecentRuns(capacity=2)
    cache["old"], cache["newer"] = 1, 2
    assert cache.get("old") == 1  # read by a pass: now the most recently used
    cache["newest"] = 3
    assert "old" in cache and "newer" not in cache and "newest" in cache
    cache["old"] = 4  # replaced, not added
    assert len(cache) == 2 and cache.get("old") == 4


def test_the_operator_cache_does_not_grow_over_thousands_of_runs() -> None:
    rt = Runtime()
    spec = object()
    for n in range(5 * SPEC_CACHE_RUNS):
        rt.specs[f"{n:010x}"] = spec  # type: ignore[assignment]
    assert len(rt.specs) == SPEC_CACHE_RUNS
    assert rt.specs.get(f"{5 * SPEC_CACHE_RUNS - 1:010x}") is spec
    assert rt.specs.get(f"{0:010x}") is None


def test_a_cache_holds_at_least_one_run() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RecentRuns(capacity=0)
