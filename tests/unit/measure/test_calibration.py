"""Calibration: the round trip's percentiles, the tool-overhead maths on fixed documents, what the
result says when a role could not calibrate, and how the table shows it."""

from __future__ import annotations

import time

import pytest
from tests.unit.measure.test_results import SPEC, merge, observer, writer

from kobench.measure.histograms import LatencySummary
from kobench.measure.results import Calibration, ObserverResult, RoundTrip, RunResult
from kobench.measure.results.calibration_figures import (
    OLD_DOCUMENT,
    describe_overhead,
    round_trip,
    tool_overhead,
)
from kobench.plugins.observers import get_observer
from kobench.plugins.observers.context import Target
from kobench.present.run_table import render_result
from kobench.roles.observer_role import calibration_client
from kobench.roles.ping import calibrate
from kobench.run.local.processes import free_ports


def calibrated(paced_ms: float, *, back_to_back_ms: float = 0.03) -> Calibration:
    return Calibration(
        replica=0,
        client="sync",
        back_to_back=RoundTrip(samples=50, p50_ms=back_to_back_ms, p99_ms=back_to_back_ms),
        paced=RoundTrip(samples=150, p50_ms=paced_ms, p99_ms=paced_ms * 2),
    )


def unreachable() -> Calibration:
    return Calibration(replica=0, client="sync", error="127.0.0.1:1: Connection refused")


def p50(value_ms: float) -> LatencySummary:
    figures = {name: value_ms for name in ("mean", "p50", "p90", "p99", "p999", "max")}
    return LatencySummary(count=1, **figures)


def instance(index: int, calibration: Calibration | None) -> ObserverResult:
    return observer("sync", instance=index, calibration=calibration)


def test_round_trip_percentiles_are_nearest_rank_in_milliseconds() -> None:
    samples_ns = [us * 1000 for us in range(100, 0, -1)]  # 1..100 us, in any order
    assert round_trip(samples_ns) == RoundTrip(samples=100, p50_ms=0.05, p99_ms=0.099)
    assert round_trip([83_000]) == RoundTrip(samples=1, p50_ms=0.083, p99_ms=0.083)
    assert round_trip([]) is None


def test_the_overhead_is_the_p50_over_the_paced_round_trip_and_their_difference() -> None:
    overhead = tool_overhead(p50(0.22), [instance(0, calibrated(0.083))])
    assert (overhead.ratio, overhead.difference_ms) == (2.65, 0.137)
    assert (overhead.paced_round_trip_ms, overhead.instances, overhead.reason) == (0.083, 1, "")
    assert describe_overhead(overhead) == (
        "p50 0.220 ms = 2.6 x the engine's paced round trip 0.083 ms (+0.137 ms)"
    )


def test_several_instances_rest_on_the_median_of_their_round_trips() -> None:
    documents = [instance(i, calibrated(ms)) for i, ms in enumerate((0.1, 0.4, 0.2))]
    overhead = tool_overhead(p50(0.5), documents)
    assert (overhead.paced_round_trip_ms, overhead.ratio, overhead.instances) == (0.2, 2.5, 3)


def test_an_uncalibrated_instance_is_left_out_and_named() -> None:
    overhead = tool_overhead(p50(0.3), [instance(0, calibrated(0.1)), instance(1, unreachable())])
    assert (overhead.ratio, overhead.instances) == (3.0, 1)
    assert overhead.reason.startswith("1 of 2 instances not calibrated: sync.1: could not")


@pytest.mark.parametrize(
    ("calibration", "reason"),
    [
        (None, OLD_DOCUMENT),
        (unreachable(), "could not calibrate: 127.0.0.1:1: Connection refused"),
        (Calibration(replica=0, client="async"), "no paced PING answered"),
    ],
)
def test_without_a_round_trip_there_is_no_figure_never_a_zero(
    calibration: Calibration | None, reason: str
) -> None:
    overhead = tool_overhead(p50(0.3), [instance(0, calibration)])
    assert overhead.ratio is None and overhead.difference_ms is None
    assert overhead.paced_round_trip_ms is None and overhead.event_p50_ms == 0.3
    assert overhead.reason == f"sync.0: {reason}"
    assert describe_overhead(overhead) == f"no figure (sync.0: {reason})"


def test_without_measured_events_the_round_trip_stays_and_the_ratio_goes() -> None:
    overhead = tool_overhead(None, [instance(0, calibrated(0.1))])
    assert (overhead.paced_round_trip_ms, overhead.ratio) == (0.1, None)
    assert overhead.reason.startswith("no measured event")


def test_a_document_from_before_calibration_still_merges() -> None:
    old = observer("sync").model_dump(by_alias=True, exclude={"calibration"})
    assert "calibration" not in old
    result = merge(SPEC, [writer()], [ObserverResult.model_validate(old)])
    entry = result.calibration[1]
    assert (entry.role, entry.calibration, entry.reason) == ("sync.0", None, OLD_DOCUMENT)
    assert result.observers[0].tool_overhead is not None
    assert result.observers[0].tool_overhead.ratio is None


def merged() -> RunResult:
    return merge(
        SPEC,
        [writer(calibration=calibrated(0.1, back_to_back_ms=0.04))],
        [observer("sync", calibration=calibrated(0.08)), observer("async")],
    )


def test_the_result_carries_every_roles_round_trip_and_each_observers_overhead() -> None:
    result = merged()
    assert [e.role for e in result.calibration] == ["writer.0", "sync.0", "async.0"]
    sync, lazy = result.observers
    assert sync.tool_overhead is not None and lazy.tool_overhead is not None
    # Every event of the fixed documents took 200 us.
    assert (sync.tool_overhead.event_p50_ms, sync.tool_overhead.ratio) == (0.2, 2.5)
    assert lazy.tool_overhead.ratio is None and OLD_DOCUMENT in lazy.tool_overhead.reason
    again = RunResult.model_validate_json(result.model_dump_json(by_alias=True))
    assert again.observers[0].tool_overhead == sync.tool_overhead


def test_the_table_shows_the_round_trips_and_the_overhead() -> None:
    result = merged()
    text = render_result(result)
    assert "engine round trip (PING p50 ms, paced/back to back): writer.0 0.100/0.040" in text
    assert "sync.0 0.080/0.030" in text and "async.0 none (no calibration in its" in text
    assert "tool overhead of sync: p50 0.200 ms = 2.5 x the engine's paced round trip" in text
    assert "tool overhead of async: no figure (async.0: no calibration" in text
    wide = render_result(result, wide=True)
    header = next(line for line in wide.splitlines() if "x ping" in line)
    row = next(line for line in wide.splitlines() if line.startswith(" sync "))
    assert header.rstrip().endswith("x ping") and row.rstrip().endswith("2.5")


def test_a_result_from_before_calibration_says_so() -> None:
    old = merged().model_copy(update={"calibration": []})
    assert "engine round trip: not in this result" in render_result(old)


@pytest.mark.parametrize("client", ["sync", "async"])
def test_an_unreachable_engine_gives_a_reason_within_the_budget(client: str) -> None:
    port = free_ports(1)[0]  # nothing listens there
    started = time.monotonic()
    calibration = calibrate(
        Target("127.0.0.1", port, None, 0),
        replica=0,
        client="async" if client == "async" else "sync",
        budget_seconds=0.5,
    )
    assert time.monotonic() - started < 1.5
    assert calibration.paced is None and calibration.back_to_back is None
    assert calibration.error is not None and f"127.0.0.1:{port}" in calibration.error


def test_each_observer_calibrates_on_the_client_it_uses() -> None:
    assert calibration_client(get_observer("sync")) == "sync"
    assert calibration_client(get_observer("async")) == "async"
