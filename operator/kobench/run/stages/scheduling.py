"""spec.schedule: which due time a pass acts on, and whether it starts a run or skips it.

The schedule is read from the resource as it is now (not from the run's frozen spec): a changed
schedule or ``suspend`` applies from the next pass. ``status.schedule.lastScheduleTime`` is the
last due time acted on; the latest due time after it and no later than now is the one a pass
acts on. When no run is going it starts one (the due times before it, passed while the operator
was not running, are counted as missed, not made up for); while a run is going it is skipped and
said so (an Event and ``status.schedule.skipped``). Nothing is due while suspended; resuming
counts from then on, so the times that passed while suspended are neither run nor missed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kobench.api.cron import Cron, CronError, next_due, parse_cron, previous_due
from kobench.api.schedule_status import ScheduleStatus
from kobench.api.status import BenchmarkStatus
from kobench.run.actions import PostEvent, RecordSchedule, StopRun
from kobench.run.draft import Draft, parse_time, time_text
from kobench.run.observed import Observed, Resource
from kobench.run.stages.starting import in_progress

MAX_COUNTED = 1000
"""Due times counted as missed or skipped in one pass at most (an operator down for a year
with a schedule of every minute counts 1000, and starts the latest run)."""


def schedule_of(resource: Resource) -> tuple[Cron | None, bool]:
    """spec.schedule parsed as the resource has it now (None: none, or not valid: the API
    server's pattern refuses most, and the next run's validation names the field), and
    spec.suspend."""
    text = resource.spec.get("schedule")
    suspend = resource.spec.get("suspend") is True
    if not isinstance(text, str):
        return None, suspend
    try:
        return parse_cron(text), suspend
    except CronError:
        return None, suspend


@dataclass(frozen=True)
class Slot:
    """The due time a pass acts on, and how many earlier ones it passes over."""

    due: dt.datetime
    passed_over: int


def due_slot(cron: Cron, since: dt.datetime, now: dt.datetime) -> Slot | None:
    """The latest due time after ``since`` and no later than ``now``, or None."""
    latest = previous_due(cron, now)
    if latest is None or latest <= since:
        return None
    passed_over = 0
    due = next_due(cron, since)
    while due is not None and due < latest and passed_over < MAX_COUNTED:
        passed_over += 1
        due = next_due(cron, due)
    return Slot(latest, passed_over)


def interval_seconds(cron: Cron, now: dt.datetime) -> int:
    """From the due time at or before now to the next one (the next two, before the first):
    for an irregular schedule, the gap that now falls in."""
    following = next_due(cron, now)
    if following is None:
        return 0
    before = previous_due(cron, now) or following
    after = following if before != following else next_due(cron, following) or following
    return int((after - before).total_seconds())


def anchor(status: BenchmarkStatus, cron: Cron, suspend: bool, now: dt.datetime) -> dt.datetime:
    """Where the schedule counts from: the last due time acted on, or now for a schedule that
    is new, changed or was just resumed."""
    known = status.schedule
    if known is None or known.expression != cron.text or known.suspended or suspend:
        return now
    return parse_time(known.last_schedule_time) or now


def scheduled_start(status: BenchmarkStatus, resource: Resource, now: dt.datetime) -> str:
    """The due time (as text) a run started in this pass is for; empty when none starts by the
    schedule. The executor names the run after it (gather), the machine starts it (decide)."""
    cron, suspend = schedule_of(resource)
    if cron is None or suspend or in_progress(status):
        return ""
    slot = due_slot(cron, anchor(status, cron, suspend, now), now)
    return time_text(slot.due) if slot else ""


def keep_schedule(d: Draft, observed: Observed, *, starting: bool) -> bool:
    """Bring ``status.schedule`` up to date for this pass; True when the schedule starts a run
    now (``starting``: a run starts anyway, by runNonce or as the benchmark's first)."""
    before = d.status.schedule
    cron, suspend = schedule_of(d.resource)
    if cron is None:
        d.status.schedule = None
        if before is not None:
            d.act(RecordSchedule(None))
        return False
    now = d.now
    since = anchor(d.status, cron, suspend, now)
    state = (before or ScheduleStatus()).model_copy(
        update={"expression": cron.text, "suspended": suspend}
    )
    if since == now and not (suspend and state.last_schedule_time):
        state.last_schedule_time = time_text(now)
    starts = False
    slot = None if suspend else due_slot(cron, since, now)
    if slot is not None:
        state.last_schedule_time = time_text(slot.due)
        if starting:
            pass  # the run starting now (a new runNonce) serves this due time
        elif in_progress(d.status):
            skip(d, state, slot)
        else:
            starts = True
            state.runs += 1
            state.missed += slot.passed_over
            if slot.passed_over:
                message = (
                    f"{slot.passed_over} due times before {time_text(slot.due)} passed while the "
                    "operator was not running; only the latest one starts a run"
                )
                d.act(PostEvent("Warning", "ScheduleMissed", message))
    following = None if suspend else next_due(cron, now)
    state.next_schedule_time = time_text(following) if following else ""
    state.interval_seconds = interval_seconds(cron, now)
    if following is not None:
        d.wake_within(max(0.0, (following - now).total_seconds()))
    d.status.schedule = state
    if state != before or not observed.metrics_known:
        d.act(RecordSchedule(state))
    if starts and d.status.run_id:
        d.act(StopRun(d.status.run_id, before_save=False))  # a canary keeps one run's pods
    return starts


def skip(d: Draft, state: ScheduleStatus, slot: Slot) -> None:
    """A due time while a run is still going: skipped, and said so."""
    count = 1 + slot.passed_over
    state.skipped += count
    state.last_skipped_time = time_text(slot.due)
    status = d.status
    message = (
        f"the run due at {time_text(slot.due)} was skipped: run {status.run_id} is still in "
        f"phase {status.phase} (started {status.started_at})"
    )
    if count > 1:
        message += f"; {count} due times skipped"
    d.act(PostEvent("Warning", "ScheduleSkipped", message))
