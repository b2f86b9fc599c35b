"""What the fault schedule did: the injector's record of each fault, and the result per fault."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.results.doc_base import Doc
from kobench.spec import Fault


class AppliedFault(Doc):
    """One fault as the injector (Redis commands) or the runner (kills) applied it."""

    index: Annotated[int, Field(description="Its place in spec.faults.")]
    action: str
    target: Annotated[str, Field(description="Replica index, observer instance or writer id.")]
    at_seconds: Annotated[float, Field(description="When it was asked for (spec.faults).")]
    applied_ns: Annotated[int, Field(description="Wall clock (ns) it was applied; 0: it was not.")]
    ended_ns: Annotated[
        int, Field(description="Wall clock (ns) it was lifted (= applied for an instant).")
    ] = 0
    recovered_ns: Annotated[
        int,
        Field(
            description="Replica faults: when every replica answered with its replication links "
            "up again; 0: not seen."
        ),
    ] = 0
    error: str = ""

    @classmethod
    def of(cls, index: int, fault: Fault, *, at_ns: int = 0, error: str = "") -> AppliedFault:
        """The record of fault ``index``; applied (and, an instant, ended) at ``at_ns`` unless
        it failed or has not happened yet (0)."""
        applied = 0 if error else at_ns
        return cls(
            index=index,
            action=fault.action,
            target=fault.target,
            at_seconds=fault.at_seconds,
            applied_ns=applied,
            ended_ns=applied,
            error=error,
        )


class FaultsResult(Doc):
    """The fault injector's document."""

    role: Literal["faults"] = "faults"
    measured_from_ns: Annotated[
        int, Field(description="Wall clock (ns) of the first measured write: the fault clock.")
    ] = 0
    applied: list[AppliedFault] = []
    error: str | None = None


class FaultImpact(Doc):
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
    lost: Annotated[int, Field(description="Writes due during the fault never observed.")] = 0
    p99_after_ms: Annotated[
        float | None, Field(description="Worst p99 in the seconds after it recovered.")
    ] = None
    killed: Annotated[bool, Field(description="This instance was the fault's target.")] = False


class FaultResult(Doc):
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
    error: str = ""
