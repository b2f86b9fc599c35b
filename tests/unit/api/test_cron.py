"""spec.schedule: 5-field cron parsing, the next and previous due times, the interval the alert
reads, and every refusal naming spec.schedule (the CRD's pattern agreeing with the parser)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kobench.api import parse_spec
from kobench.api.cron import CRON_PATTERN, CronError, next_due, parse_cron, previous_due
from kobench.errors import SpecError
from kobench.run.spec_check import spec_problems
from kobench.run.stages.scheduling import due_slot, interval_seconds


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("expression", "after", "due"),
    [
        ("* * * * *", "2026-12-07 01:00:30", "2026-12-07 01:01:00"),
        ("* * * * *", "2026-12-07 01:01:00", "2026-12-07 01:02:00"),  # strictly after
        ("*/15 * * * *", "2026-12-07 01:00:00", "2026-12-07 01:15:00"),
        ("5 4 * * *", "2026-12-31 04:06:00", "2027-01-01 04:05:00"),  # over a year's end
        ("0 0 29 2 *", "2026-03-01 00:00:00", "2028-02-29 00:00:00"),  # the next leap day
        ("0 9 * * mon-fri", "2026-12-04 09:00:00", "2026-12-07 09:00:00"),  # Friday -> Monday
        ("0 9 * * 1-5", "2026-12-04 09:00:00", "2026-12-07 09:00:00"),
        ("0 0 * * 7", "2026-12-07 00:00:00", "2026-12-13 00:00:00"),  # 7 is Sunday too
        ("0 0 * * SUN", "2026-12-07 00:00:00", "2026-12-13 00:00:00"),
        ("0 12 1 * 0", "2026-12-07 00:00:00", "2026-12-13 12:00:00"),  # the 1st or a Sunday
        ("0 0 1 jan,jul *", "2026-02-01 00:00:00", "2026-07-01 00:00:00"),
        ("10-20/5 3 * * *", "2026-12-07 03:10:00", "2026-12-07 03:15:00"),
        ("30/10 * * * *", "2026-12-07 01:55:00", "2026-12-07 02:30:00"),  # from 30 to the end
        ("@hourly", "2026-12-07 01:00:00", "2026-12-07 02:00:00"),
        ("@daily", "2026-12-07 01:00:00", "2026-12-08 00:00:00"),
        ("@weekly", "2026-12-07 01:00:00", "2026-12-13 00:00:00"),
        ("@monthly", "2026-12-07 01:00:00", "2027-01-01 00:00:00"),
        ("@yearly", "2026-12-07 01:00:00", "2027-01-01 00:00:00"),
    ],
)
def test_next_due(expression: str, after: str, due: str) -> None:
    cron = parse_cron(expression)
    assert next_due(cron, utc(after)) == utc(due)
    assert re.match(CRON_PATTERN, expression)


def test_previous_due_is_at_or_before() -> None:
    cron = parse_cron("*/15 9-17 * * mon-fri")
    assert previous_due(cron, utc("2026-12-07 09:15:00")) == utc("2026-12-07 09:15:00")
    assert previous_due(cron, utc("2026-12-07 01:00:00")) == utc("2026-12-04 17:45:00")


def test_the_interval_is_the_gap_now_falls_in() -> None:
    every_5 = parse_cron("*/5 * * * *")
    assert interval_seconds(every_5, utc("2026-12-07 01:02:00")) == 300
    weekdays = parse_cron("0 9 * * mon-fri")
    # Over a weekend the gap is three days: "no run in two intervals" does not fire on Sunday.
    assert interval_seconds(weekdays, utc("2026-12-05 12:00:00")) == 3 * 86400
    assert interval_seconds(weekdays, utc("2026-12-08 12:00:00")) == 86400


def test_the_slot_a_pass_acts_on_and_the_ones_it_passes_over() -> None:
    cron = parse_cron("*/5 * * * *")
    since = utc("2026-12-07 01:00:00")
    assert due_slot(cron, since, utc("2026-12-07 01:04:59")) is None
    slot = due_slot(cron, since, utc("2026-12-07 01:05:00"))
    assert slot is not None and (slot.due, slot.passed_over) == (utc("2026-12-07 01:05:00"), 0)
    late = due_slot(cron, since, utc("2026-12-07 01:27:00"))
    assert late is not None and (late.due, late.passed_over) == (utc("2026-12-07 01:25:00"), 4)


@pytest.mark.parametrize(
    ("expression", "why", "pattern_sees_it"),
    [
        ("* * * *", "must be a cron expression of 5 fields", True),
        ("* * * * * *", "must be a cron expression of 5 fields", True),
        ("60 * * * *", "must be a cron expression of 5 fields", True),
        ("* 24 * * *", "must be a cron expression of 5 fields", True),
        ("* * 0 * *", "must be a cron expression of 5 fields", True),
        ("* * * 13 *", "must be a cron expression of 5 fields", True),
        ("* * * * 8", "must be a cron expression of 5 fields", True),
        ("* * * foo *", "must be a cron expression of 5 fields", True),
        ("? * * * *", "must be a cron expression of 5 fields", True),
        ("0 0 L * *", "must be a cron expression of 5 fields", True),
        ("@reboot", "must be a cron expression of 5 fields", True),
        ("5-1 * * * *", "minute: range 5-1 runs backwards", False),
        ("*/0 * * * *", "minute: step '0' must be a number from 1", False),
        ("0 0 30 2 *", "'0 0 30 2 *' never falls due (no such date)", False),
        ("0 0 31 4,6,9,11 *", "never falls due", False),
    ],
)
def test_every_refusal_names_spec_schedule(
    expression: str, why: str, pattern_sees_it: bool
) -> None:
    with pytest.raises(SpecError) as refused:
        parse_spec({"schedule": expression})
    assert str(refused.value).startswith("spec.schedule: "), refused.value
    assert why in str(refused.value)
    # The API server refuses by the same pattern (the rest: the run ends in Error naming it).
    assert (re.match(CRON_PATTERN, expression) is None) == pattern_sees_it


def test_a_message_never_shows_the_regular_expression() -> None:
    with pytest.raises(SpecError) as refused:
        parse_spec({"schedule": "61 * * * *"})
    assert "[0-5]" not in str(refused.value)
    with pytest.raises(CronError, match="has 6 fields; a cron expression has 5"):
        parse_cron("* * * * * *")  # a seconds field (Quartz, Spring) is not standard cron


def test_suspend_is_a_boolean() -> None:
    with pytest.raises(SpecError) as refused:
        parse_spec({"schedule": "@hourly", "suspend": "yes"})
    assert str(refused.value).startswith("spec.suspend: must be true or false")


def test_kobench_run_refuses_a_schedule_naming_the_field() -> None:
    spec = {"schedule": "*/5 * * * *"}
    (problem,) = spec_problems(spec, reads="files")
    assert problem.startswith("spec.schedule: kobench run makes one run now")
    assert spec_problems(spec, reads="configMaps") == []
