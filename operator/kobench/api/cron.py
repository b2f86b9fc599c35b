"""Standard 5-field cron expressions (``minute hour day-of-month month day-of-week``, in UTC),
as Kubernetes CronJobs read them: ``*``, values, ranges, steps, lists, month and day names, the
``@hourly`` family. Parsing and the next due time are pure functions.

As in Vixie cron (and CronJobs), when both day-of-month and day-of-week are restricted a day
matches either of them. There is no seconds field: a run deploys an engine and pods, and one a
minute is already more than a canary needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class FieldKind:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    """Names for the values from ``low`` on (months from 1, days from 0)."""


FIELDS = (
    FieldKind("minute", 0, 59),
    FieldKind("hour", 0, 23),
    FieldKind("day of month", 1, 31),
    FieldKind("month", 1, 12, MONTHS),
    FieldKind("day of week", 0, 7, DAYS),
)


def _value_pattern(kind: FieldKind) -> str:
    numbers = {
        "minute": "[0-5]?[0-9]",
        "hour": "[01]?[0-9]|2[0-3]",
        "day of month": "0?[1-9]|[12][0-9]|3[01]",
        "month": "0?[1-9]|1[0-2]",
        "day of week": "[0-7]",
    }[kind.name]
    names = "|".join(n for name in kind.names for n in (name, name.upper()))
    return f"(?:{numbers}{'|' + names if names else ''})"


def _field_pattern(kind: FieldKind) -> str:
    value = _value_pattern(kind)
    item = rf"(?:\*|{value}(?:-{value})?)(?:/[0-9]{{1,2}})?"
    return f"{item}(?:,{item})*"


CRON_PATTERN = (
    "^(?:@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)|"
    + r"[ \t]+".join(_field_pattern(kind) for kind in FIELDS)
    + ")$"
)
"""The shape of a valid expression, each value within its field's range: the CRD's pattern
(the API server refuses the rest). :func:`parse_cron` also checks what a pattern cannot: a
range's order, a step of 0, a date that never comes (30 February)."""


class CronError(ValueError):
    """An expression that is not a valid 5-field cron expression (the message says why)."""


@dataclass(frozen=True)
class Cron:
    """A parsed expression: the values each field allows."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 is Sunday (7 is read as 0)."""
    any_day: bool
    """Day of month is ``*``: only the day of week restricts the day."""
    any_weekday: bool

    def day_matches(self, day: dt.date) -> bool:
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week


def _value(text: str, kind: FieldKind) -> int:
    lowered = text.lower()
    if lowered in kind.names:
        return kind.names.index(lowered) + (1 if kind.names is MONTHS else 0)
    if not text.isdigit():
        raise CronError(f"{kind.name}: {text!r} is not a number")
    number = int(text)
    if not kind.low <= number <= kind.high:
        raise CronError(f"{kind.name}: {number} is outside {kind.low}-{kind.high}")
    return number


def _field(text: str, kind: FieldKind) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        body, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{kind.name}: step {step_text!r} must be a number from 1")
            step = int(step_text)
        if body == "*":
            low, high = kind.low, kind.high
        elif "-" in body:
            first, _, last = body.partition("-")
            low, high = _value(first, kind), _value(last, kind)
            if low > high:
                raise CronError(f"{kind.name}: range {body} runs backwards")
        else:
            low = _value(body, kind)
            high = kind.high if step_text else low
        values.update(range(low, high + 1, step))
    if kind.names is DAYS and 7 in values:
        values = (values - {7}) | {0}
    return frozenset(values)


FOREVER_DAYS = 8 * 366
"""How far :func:`next_due` looks: past two leap days (29 February falls due at least once in
eight years)."""


def parse_cron(text: str) -> Cron:
    """The expression parsed; :class:`CronError` says what is wrong (never a regular
    expression)."""
    expanded = MACROS.get(text.strip().lower(), text)
    parts = expanded.split()
    if len(parts) != len(FIELDS):
        raise CronError(
            f"{text!r} has {len(parts)} fields; a cron expression has 5: minute hour "
            "day-of-month month day-of-week (or @hourly, @daily, @weekly, @monthly, @yearly)"
        )
    minutes, hours, days, months, weekdays = (
        _field(part, kind) for part, kind in zip(parts, FIELDS, strict=True)
    )
    cron = Cron(
        text=text,
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=weekdays,
        any_day=parts[2].startswith("*"),
        any_weekday=parts[4].startswith("*"),
    )
    if next_due(cron, dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) is None:
        raise CronError(f"{text!r} never falls due (no such date)")
    return cron


def next_due(cron: Cron, after: dt.datetime) -> dt.datetime | None:
    """The first time strictly after ``after`` (UTC, to the minute) that the expression
    matches; None if there is none within :data:`FOREVER_DAYS`."""
    at = after.astimezone(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    limit = at + dt.timedelta(days=FOREVER_DAYS)
    while at <= limit:
        if at.month not in cron.months or not cron.day_matches(at.date()):
            at = dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
        elif at.hour not in cron.hours:
            at = at.replace(minute=0) + dt.timedelta(hours=1)
        elif at.minute not in cron.minutes:
            at += dt.timedelta(minutes=1)
        else:
            return at
    return None


def previous_due(cron: Cron, at_or_before: dt.datetime) -> dt.datetime | None:
    """The latest time at or before ``at_or_before`` (to the minute) that the expression
    matches; None if there is none within :data:`FOREVER_DAYS`."""
    at = at_or_before.astimezone(dt.UTC).replace(second=0, microsecond=0)
    limit = at - dt.timedelta(days=FOREVER_DAYS)
    while at >= limit:
        if at.month not in cron.months or not cron.day_matches(at.date()):
            at = dt.datetime.combine(at.date(), dt.time(23, 59), dt.UTC) - dt.timedelta(days=1)
        elif at.hour not in cron.hours:
            at = at.replace(minute=59) - dt.timedelta(hours=1)
        elif at.minute not in cron.minutes:
            at -= dt.timedelta(minutes=1)
        else:
            return at
    return None
