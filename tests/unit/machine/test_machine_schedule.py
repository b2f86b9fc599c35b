"""spec.schedule in the phase machine: a run at each due time, a due time during a run skipped
and said so, suspend, due times missed while the operator was down, the metrics' figures."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.unit.machine.world import SPEC, World, at, resource, stamp

from kobench.run.actions import PostEvent, RecordSchedule, StopRun
from kobench.run.needs import needs
from kobench.run.pods.pod_names import run_id_for

EVERY_5 = {**SPEC, "schedule": "*/5 * * * *"}
"""T0 is 12:00:00: due at 12:05, 12:10, ..."""


def to_running_at(world: World, start: float) -> None:
    """The current run (just started at ``start``) driven to Running 13 s later."""
    world.roles.clear()
    world.documents.clear()
    world.step(start + 1)
    world.step(start + 2)
    world.engine_ready()
    world.step(start + 10)
    world.subscribe()
    world.step(start + 12)
    world.start_writers()
    world.step(start + 13)
    assert world.phase() == "Running", world.status.message


def finish_at(world: World, end: float) -> None:
    world.writers_end(end)
    world.observers_end(end)
    world.step(end + 1)
    world.step(end + 2)
    assert world.phase() == "Succeeded", world.status.message


def events(world: World, reason: str) -> list[PostEvent]:
    return [e for e in world.events if e.reason == reason]


def scheduled_world() -> World:
    """A scheduled benchmark whose first run (at creation) has ended."""
    world = World(res=resource(EVERY_5))
    world.step(0)
    to_running_at(world, 0)
    finish_at(world, 20)
    return world


def test_the_first_run_starts_at_once_and_the_next_at_the_due_time() -> None:
    world = World(res=resource(EVERY_5))
    first = world.step(0)
    schedule = world.status.schedule
    assert world.phase() == "Pending" and schedule is not None
    assert schedule.last_schedule_time == stamp(0)
    assert schedule.next_schedule_time == stamp(300)
    assert schedule.interval_seconds == 300 and schedule.runs == 0
    assert first.wake_in == 300
    assert RecordSchedule(schedule) in first.actions
    to_running_at(world, 0)
    finish_at(world, 20)
    first_run = world.status.run_id
    idle = world.step(200)
    assert idle.wait == "idle" and idle.wake_in == 100 and not idle.changed
    assert needs(world.status, world.res, world.spec, True, at(299)).slot == ""

    due = needs(world.status, world.res, world.spec, True, at(301))
    assert due.validation and due.slot == stamp(300)
    decision = world.step(301)
    assert world.phase() == "Pending"
    assert world.status.run_id == run_id_for("uid-1", "", 1, stamp(300)) != first_run
    assert f"(spec.schedule, due at {stamp(300)})" in world.status.message
    # The run before it keeps its result but not its pods.
    assert StopRun(first_run, before_save=False) in decision.actions
    assert [h.run_id for h in world.status.history] == [first_run]
    schedule = world.status.schedule
    assert schedule is not None and schedule.runs == 1
    assert schedule.last_schedule_time == stamp(300)
    assert schedule.next_schedule_time == stamp(600)


def test_a_due_time_during_a_run_is_skipped_and_said_so() -> None:
    world = scheduled_world()
    world.step(300)
    to_running_at(world, 300)
    running = world.status.run_id
    world.step(601)  # 12:10 falls due while the run is still Running
    assert world.phase() == "Running" and world.status.run_id == running
    schedule = world.status.schedule
    assert schedule is not None
    assert (schedule.skipped, schedule.last_skipped_time, schedule.runs) == (1, stamp(600), 1)
    (skipped,) = events(world, "ScheduleSkipped")
    assert skipped.type == "Warning"
    assert skipped.message == (
        f"the run due at {stamp(600)} was skipped: run {running} is still in phase Running "
        f"(started {stamp(300)})"
    )
    # Seen again before the next due time: nothing new.
    world.step(602)
    assert len(events(world, "ScheduleSkipped")) == 1
    finish_at(world, 610)
    world.step(901)
    assert world.phase() == "Pending" and world.status.run_id != running


def test_suspend_stops_the_schedule_and_resuming_counts_from_then() -> None:
    world = scheduled_world()
    world.res = replace(world.res, generation=2, spec={**EVERY_5, "suspend": True})
    decision = world.step(100)
    schedule = world.status.schedule
    assert schedule is not None and schedule.suspended and schedule.next_schedule_time == ""
    assert decision.wake_in is None
    for seconds in (301, 601, 1201):
        world.step(seconds)
        assert world.phase() == "Succeeded"
    assert world.status.schedule == schedule
    world.res = replace(world.res, generation=3, spec=EVERY_5)
    world.step(1250)
    schedule = world.status.schedule
    assert schedule is not None and not schedule.suspended
    assert (schedule.last_schedule_time, schedule.next_schedule_time) == (stamp(1250), stamp(1500))
    assert (schedule.runs, schedule.missed, schedule.skipped) == (0, 0, 0)
    assert world.phase() == "Succeeded"
    world.step(1501)
    assert world.phase() == "Pending"


def test_due_times_missed_while_the_operator_was_down_start_only_the_latest() -> None:
    world = scheduled_world()
    world.step(1700)  # 12:28:20: 12:05 ... 12:25 passed unseen
    schedule = world.status.schedule
    assert world.phase() == "Pending" and schedule is not None
    assert (schedule.runs, schedule.missed, schedule.last_schedule_time) == (1, 4, stamp(1500))
    (missed,) = events(world, "ScheduleMissed")
    assert missed.message.startswith(f"4 due times before {stamp(1500)} passed")


def test_a_new_run_nonce_serves_the_due_time_it_starts_at() -> None:
    world = scheduled_world()
    world.res = replace(world.res, generation=2, spec={**EVERY_5, "runNonce": "again"})
    world.step(301)
    schedule = world.status.schedule
    assert world.phase() == "Pending" and schedule is not None
    assert schedule.last_schedule_time == stamp(300) and schedule.runs == 0
    world.step(302)
    assert not events(world, "ScheduleSkipped")


def test_a_changed_schedule_counts_from_the_change_and_a_removed_one_is_forgotten() -> None:
    world = scheduled_world()
    world.res = replace(world.res, generation=2, spec={**SPEC, "schedule": "0 * * * *"})
    world.step(301)
    schedule = world.status.schedule
    assert world.phase() == "Succeeded" and schedule is not None
    assert schedule.next_schedule_time == stamp(3600) and schedule.interval_seconds == 3600
    world.res = replace(world.res, generation=3, spec=SPEC)
    decision = world.step(302)
    assert world.status.schedule is None
    assert RecordSchedule(None) in decision.actions


def test_the_metrics_get_the_schedule_again_after_a_restart() -> None:
    world = scheduled_world()
    restored = world.step(100, metrics_known=False)
    assert RecordSchedule(world.status.schedule) in restored.actions


def test_a_benchmark_without_a_schedule_has_none() -> None:
    world = World()
    decision = world.step(0)
    assert world.status.schedule is None and decision.wake_in is None
    assert not [a for a in decision.actions if isinstance(a, RecordSchedule)]


def test_a_scheduled_run_whose_spec_became_invalid_ends_in_error_naming_the_field() -> None:
    world = scheduled_world()
    modes = [{"name": "odd", "mode": "telepathy"}]
    bad: dict[str, Any] = {**EVERY_5, "observers": modes}
    world.res = replace(world.res, generation=2, spec=bad)
    world.step(301)
    assert world.phase() == "Error"
    assert world.status.reasons[0].startswith("spec.observers[0].mode:")
