"""The writer's open-loop schedule, driven by a fake clock and a sender that records."""

from __future__ import annotations

import pytest
from tests.unit.fake_clock import FakeClock

from kobench.roles.schedule import START_DELAY_NS, Progress, Schedule, write_all


def run(
    rate: int, total: int, warmup: int = 0, stall_at: int | None = None, stall_s: float = 0.0
) -> tuple[FakeClock, Schedule, Progress, list[tuple[int, int, int]]]:
    """Send ``total`` writes; the sender stalls ``stall_s`` seconds on the batch holding
    ``stall_at``. Returns what was sent: (first seq, stop, monotonic time of the send)."""
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=rate, total=total, warmup=warmup)
    progress = Progress()
    sent: list[tuple[int, int, int]] = []

    def send(start: int, stop: int) -> None:
        sent.append((start, stop, clock.monotonic_ns()))
        if stall_at is not None and start <= stall_at < stop:
            clock.advance(stall_s)
        else:
            clock.advance(0.0001)  # a 100 us round trip

    write_all(schedule, clock, send, progress)
    return clock, schedule, progress, sent


def test_no_write_leaves_before_its_stamped_time_even_at_a_low_rate() -> None:
    # Defect fixed: with warmupSeconds 0, write 0 went out up to 50 ms (one interval) early.
    for rate in (3, 10, 200, 7919):
        _, schedule, _, sent = run(rate, 20)
        for start, _stop, at in sent:
            assert at >= schedule.due_mono_ns(start), (rate, start)


def test_stamps_follow_the_schedule_exactly_at_any_rate() -> None:
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=3, total=10, warmup=0)
    assert schedule.intended_ns(0) == clock.wall_ns() + START_DELAY_NS
    assert schedule.intended_ns(3) - schedule.intended_ns(0) == 1_000_000_000
    assert schedule.intended_ns(1) - schedule.intended_ns(0) == 333_333_333


def test_a_stall_is_caught_up_in_one_batch_and_shows_as_lag_not_as_fewer_writes() -> None:
    _, _, progress, sent = run(1000, 3000, stall_at=500, stall_s=0.5)
    assert progress.sent == 3000 and progress.unconfirmed == 0
    after = next(batch for batch in sent if batch[0] > 500)
    assert after[1] - after[0] >= 490  # everything due during the stall goes out at once
    assert 0.499 <= progress.max_lag_ns / 1e9 <= 0.502
    lags = {s.t: s.max_lag_ms for s in progress.series()}
    assert lags[0] >= 499.0 and lags[2] < 1.0  # the stall is in second 0, second 2 is calm
    assert [s.sent for s in progress.series()] == [1000, 1000, 1000]
    assert 950 <= progress.achieved_rate(0) <= 1001  # the schedule caught up


def test_warm_up_writes_are_sent_but_not_in_the_series_nor_the_rate() -> None:
    _, _, progress, _ = run(100, 250, warmup=50)
    assert progress.sent == 250
    assert [s.sent for s in progress.series()] == [100, 100]
    assert 95 <= progress.achieved_rate(50) <= 101


def test_one_measured_write_has_no_rate_rather_than_a_rate_of_zero_that_fails_the_run() -> None:
    _, _, progress, _ = run(100, 1)
    assert progress.sent == 1 and progress.measured_seconds == 0.0
    assert progress.achieved_rate(0) == 0.0  # "not measured": the merge skips the rate check


def test_a_lost_engine_keeps_what_was_acknowledged_and_the_batch_in_flight() -> None:
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=1000, total=1000, warmup=0)
    progress = Progress()

    def send(start: int, stop: int) -> None:
        clock.advance(0.0001)
        if stop > 400:
            raise ConnectionError("engine gone")

    with pytest.raises(ConnectionError):
        write_all(schedule, clock, send, progress)
    # writes 0..399 were acknowledged; write 400 was in flight when the engine went away
    assert (progress.sent, progress.unconfirmed) == (400, 1)


def test_the_run_s_time_limit_cuts_the_schedule_short_and_says_so() -> None:
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=100, total=600, warmup=0)
    progress = Progress()

    def send(start: int, stop: int) -> None:
        del start, stop
        clock.advance(0.0001)

    stop_at = clock.monotonic_ns() + 2_000_000_000
    finished = write_all(schedule, clock, send, progress, stop_at_mono_ns=stop_at)
    assert finished is False
    assert 195 <= progress.sent <= 200  # two seconds of a six-second schedule, none after
    assert write_all(schedule, FakeClock(), send, Progress()) is True
