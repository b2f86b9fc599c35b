"""The writer's schedule is anchored on one instant of both clocks, even when the process is
descheduled between the two reads (a loaded machine takes a core away for milliseconds).

Read one after the other, the monotonic clock then the wall clock, a pause between them made
every stamp later than the wall time its write was sent at by the length of the pause: events
faster than it arrived "before their write was due" (one run of 48 of the seed claims was
Invalid so: 320 events, on a shared clock)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.unit.fake_clock import MONO_START_NS, WALL_START_NS, FakeClock

from kobench.measure.clock import paired_ns, wall_minus_monotonic_ns
from kobench.roles.schedule import Schedule


@dataclass
class DescheduledClock(FakeClock):
    """The process is taken off the CPU for ``pause_s`` the first time it reads the wall
    clock right after the monotonic one."""

    pause_s: float = 0.003
    last: str = ""
    paused: bool = False

    def monotonic_ns(self) -> int:
        self.last = "monotonic"
        return super().monotonic_ns()

    def wall_ns(self) -> int:
        if self.last == "monotonic" and not self.paused:
            self.paused = True
            self.advance(self.pause_s)
        self.last = "wall"
        return super().wall_ns()


def wall_when_due(schedule: Schedule, seq: int) -> int:
    """The wall time at which write ``seq`` is due and sent (the clocks advance together)."""
    return WALL_START_NS + (schedule.due_mono_ns(seq) - MONO_START_NS)


@pytest.mark.parametrize("pause_s", [0.0002, 0.003, 0.05])
def test_no_write_is_stamped_later_than_the_wall_time_it_is_due_at(pause_s: float) -> None:
    clock = DescheduledClock(pause_s=pause_s)
    schedule = Schedule.starting_now(clock, rate=1000, total=100, warmup=0)
    assert clock.paused  # the pause did happen, between two reads of one pair
    for seq in (0, 1, 50, 99):
        # Before: every stamp 'pause_s' late (0.2 to 50 ms): an event 0.3 ms after its write
        # read as negative latency.
        assert schedule.intended_ns(seq) == wall_when_due(schedule, seq)


def test_the_conflict_schedule_maps_the_agreed_instant_onto_the_monotonic_clock_the_same() -> None:
    clock = DescheduledClock(pause_s=0.003)
    agreed = clock.wall_ns() + 2_000_000_000
    clock.paused, clock.last = False, ""
    schedule = Schedule.starting_at(clock, agreed, rate=500, total=10, warmup=0)
    assert schedule.intended_ns(0) == agreed == wall_when_due(schedule, 0)


def test_a_pair_is_one_instant_and_a_step_of_the_wall_clock_shows() -> None:
    clock = DescheduledClock(pause_s=0.01)
    mono, wall = paired_ns(clock)
    assert wall - mono == WALL_START_NS - MONO_START_NS  # the pause did not get between them
    before = wall_minus_monotonic_ns(clock)
    clock.skew_ns += 1_500_000  # the wall clock stepped 1.5 ms forward
    assert wall_minus_monotonic_ns(clock) - before == 1_500_000
