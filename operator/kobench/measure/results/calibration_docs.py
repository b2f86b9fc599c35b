"""Calibration documents: the engine's PING round trip as each role saw it before the run, and
what it makes of an observer's latency (the tool's own share of it)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document

MAX_SAMPLES = 10_000
MAX_REASON = 300
"""Characters of an error or a reason kept in a document."""

ClientKind = Literal["sync", "async"]


class RoundTrip(Document):
    """PING round trips of one pattern, in milliseconds."""

    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)]
    p50_ms: Annotated[float, Field(ge=0)]
    p99_ms: Annotated[float, Field(ge=0)]


class Calibration(Document):
    """The engine's PING round trip from one role, measured before its run on the kind of client
    the role uses: back to back (both processes hot) and paced (each PING also pays for waking
    both processes up, as events at 1,000/s do)."""

    replica: Annotated[int, Field(ge=0, description="The replica the role pinged.")]
    client: ClientKind
    back_to_back: RoundTrip | None = None
    paced: RoundTrip | None = None
    pace_us: Annotated[int, Field(ge=0, description="Intended time between paced PINGs.")] = 1000
    measured_ns: Annotated[int, Field(description="Wall clock (ns) when it started.")] = 0
    error: Annotated[
        str | None,
        Field(max_length=MAX_REASON, description="Why the role could not calibrate."),
    ] = None


class RoleRoundTrip(Document):
    """One role's calibration in the run result; ``calibration`` is None with a ``reason`` when
    the role could not calibrate or its document has none (an older kobench)."""

    role: Annotated[str, Field(description="'writer.<id>' or '<observer>.<instance>'.")]
    calibration: Calibration | None = None
    reason: Annotated[str, Field(max_length=MAX_REASON)] = ""


class ToolOverhead(Document):
    """An observer's event p50 against the engine's paced round trip from the observer: how much
    of the latency the engine's own round trip explains, and how much is the rest (the tool,
    the notification path, waking processes up). Absent figures come with a ``reason``."""

    event_p50_ms: float | None = None
    paced_round_trip_ms: Annotated[
        float | None,
        Field(description="Median over the calibrated instances of their paced PING p50."),
    ] = None
    ratio: Annotated[float | None, Field(description="Event p50 / paced round trip.")] = None
    difference_ms: Annotated[float | None, Field(description="Event p50 minus it.")] = None
    instances: Annotated[
        int, Field(ge=0, description="Instances whose calibration the round trip rests on.")
    ] = 0
    reason: Annotated[
        str, Field(max_length=MAX_REASON, description="Why a figure is absent, or partial.")
    ] = ""
