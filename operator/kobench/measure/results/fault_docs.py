"""What the fault schedule did: the injector's record of each fault, and the result per fault."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.api.fault_spec import AppliedFault


class FaultsResult(Document):
    """The fault injector's document."""

    role: Literal["faults"] = "faults"
    measured_from_ns: Annotated[
        int, Field(description="Wall clock (ns) of the first measured write: the fault clock.")
    ] = 0
    applied: list[AppliedFault] = []
    error: str | None = None


class FaultImpact(Document):
    """What one fault did to one observer instance."""

    observer: Annotated[str, Field(description="The observer instance, 'name.index'.")]
    outage_ms: Annotated[
        float | None,
        Field(
            description="From its last event before the fault to its first after; 0 when it "
            "never went silent, None when no event came after."
        ),
    ] = 0.0
    last_event_before_ns: int = 0
    first_event_after_ns: int = 0
    lost: Annotated[
        int, Field(description="Writes due while the fault's window was open, never observed.")
    ] = 0
    lost_in_overlap: Annotated[
        int,
        Field(
            description="Of them, those due while another fault's window was open too (charged "
            "to the one applied last)."
        ),
    ] = 0
    p99_after_ms: Annotated[
        float | None, Field(description="Worst p99 in the seconds after it recovered.")
    ] = None
    killed: Annotated[bool, Field(description="This instance was the fault's target.")] = False


class FaultResult(Document):
    """One fault of the schedule and its damage."""

    index: int
    action: str
    target: str
    at_seconds: float
    applied_at_seconds: Annotated[
        float | None,
        Field(description="When it was applied, in seconds after the first measured write."),
    ] = None
    duration_ms: Annotated[
        float | None, Field(description="From applied to lifted (timed faults).")
    ] = None
    resync_ms: Annotated[
        float | None,
        Field(description="Replica faults: from lifted (or the kill) to replication up again."),
    ] = None
    worst_outage_ms: Annotated[
        float | None, Field(description="The longest outage over observers; None: never ended.")
    ] = 0.0
    lost: Annotated[int, Field(description="Most events lost by one observer instance.")] = 0
    applied_ns: Annotated[int, Field(description="Wall clock (ns) it was applied.")] = 0
    over_ns: Annotated[
        int, Field(description="Wall clock (ns) it was over: the engine whole again.")
    ] = 0
    observers: list[FaultImpact] = []
    overlaps: Annotated[
        list[int], Field(description="Faults whose windows (applied to over) overlap this one's.")
    ] = []
    deaths: Annotated[
        list[str],
        Field(description="Roles that stopped while its window was open: 'writer.0: cause'."),
    ] = []
    error: str = ""
