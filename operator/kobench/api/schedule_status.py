"""spec.schedule's part of the status: where the schedule stands, what it started and skipped.
Camel case on the wire, like the rest of the status."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document


class ScheduleStatus(Document):
    """The schedule of a benchmark with spec.schedule (times in RFC 3339, UTC)."""

    expression: Annotated[str, Field(description="spec.schedule these fields follow.")] = ""
    last_schedule_time: Annotated[
        str,
        Field(
            description="The last due time acted on (a run started or the time skipped); when "
            "the schedule was set or resumed, that time."
        ),
    ] = ""
    next_schedule_time: Annotated[
        str, Field(description="When the next run is due; empty while suspended.")
    ] = ""
    interval_seconds: Annotated[
        int,
        Field(
            description="From the due time before now to the next one: the alert 'no run in "
            "two intervals' reads it."
        ),
    ] = 0
    runs: Annotated[int, Field(description="Runs the schedule started.")] = 0
    skipped: Annotated[
        int, Field(description="Due times skipped because a run was still going.")
    ] = 0
    last_skipped_time: Annotated[str, Field(description="The last due time skipped.")] = ""
    missed: Annotated[
        int,
        Field(
            description="Due times that passed while the operator was not running (not made "
            "up for: the latest one starts a run)."
        ),
    ] = 0
    suspended: Annotated[bool, Field(description="spec.suspend: no run starts.")] = False
