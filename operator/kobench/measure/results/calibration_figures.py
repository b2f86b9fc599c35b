"""The tool's own share of a latency: each role's calibrated engine round trip in the run result,
and per observer its event p50 as a ratio to the engine's paced round trip from it.

Pure. A role that could not calibrate, or whose document predates calibration, gives no figure
and says why: a missing round trip is never 0, and a ratio is never made up from another role's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from kobench.measure.histograms import LatencySummary
from kobench.measure.results.calibration_docs import (
    MAX_REASON,
    Calibration,
    RoleRoundTrip,
    RoundTrip,
    ToolOverhead,
)
from kobench.measure.results.documents import ObserverResult, WriterResult

OLD_DOCUMENT = "no calibration in its document (written by a kobench without it)"


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def _nearest_rank(ordered: Sequence[int], percent: float) -> int:
    """The smallest sample with at least ``percent`` % of the samples at or below it."""
    return ordered[max(0, math.ceil(percent / 100.0 * len(ordered)) - 1)]


def round_trip(samples_ns: Sequence[int]) -> RoundTrip | None:
    """p50 and p99 (nearest rank) of round trips in nanoseconds; None without samples."""
    if not samples_ns:
        return None
    ordered = sorted(samples_ns)
    return RoundTrip(
        samples=len(ordered),
        p50_ms=round(_nearest_rank(ordered, 50) / 1e6, 4),
        p99_ms=round(_nearest_rank(ordered, 99) / 1e6, 4),
    )


def why_uncalibrated(calibration: Calibration | None) -> str:
    """Empty when ``calibration`` has a paced round trip, else why it has none."""
    if calibration is None:
        return OLD_DOCUMENT
    if calibration.error:
        return _bounded(f"could not calibrate: {calibration.error}")
    if calibration.paced is None:
        return "no paced PING answered"
    return ""


def _entry(role: str, calibration: Calibration | None) -> RoleRoundTrip:
    return RoleRoundTrip(role=role, calibration=calibration, reason=why_uncalibrated(calibration))


def role_round_trips(
    writers: Sequence[WriterResult], observers: Sequence[ObserverResult]
) -> list[RoleRoundTrip]:
    """Every role that sent a document, writers first; a role without one is not listed (the
    result names it elsewhere)."""
    entries = [_entry(f"writer.{w.writer_id}", w.calibration) for w in writers]
    entries += [_entry(f"{o.name}.{o.instance}", o.calibration) for o in observers]
    return entries


def tool_overhead(
    latency: LatencySummary | None, documents: Sequence[ObserverResult]
) -> ToolOverhead:
    """One observer's event p50 against the median paced round trip of its calibrated
    instances (each pinged the replica it listens on, before subscribing)."""
    event_p50 = None if latency is None else latency.p50
    paced = [d.calibration.paced.p50_ms for d in documents if d.calibration and d.calibration.paced]
    missing = [
        f"{d.name}.{d.instance}: {why}"
        for d in documents
        if (why := why_uncalibrated(d.calibration))
    ]
    if not documents:
        return ToolOverhead(reason="no observer document")
    if not paced:
        return ToolOverhead(event_p50_ms=event_p50, reason=_bounded("; ".join(missing)))
    engine = round(statistics.median(paced), 4)
    partial = f"{len(missing)} of {len(documents)} instances not calibrated: " if missing else ""
    reason = _bounded(partial + "; ".join(missing)) if missing else ""
    overhead = ToolOverhead(
        event_p50_ms=event_p50, paced_round_trip_ms=engine, instances=len(paced), reason=reason
    )
    if event_p50 is None:
        return overhead.model_copy(update={"reason": _bounded("no measured event; " + reason)})
    if engine <= 0:
        return overhead.model_copy(update={"reason": "paced round trip below the clock's step"})
    return overhead.model_copy(
        update={
            "ratio": round(event_p50 / engine, 2),
            "difference_ms": round(event_p50 - engine, 4),
        }
    )


def describe_overhead(overhead: ToolOverhead) -> str:
    """``p50 0.220 ms = 2.6 x the engine's paced round trip 0.083 ms (+0.137 ms)``, or why not."""
    if overhead.ratio is None or overhead.paced_round_trip_ms is None:
        return f"no figure ({overhead.reason or 'not calibrated'})"
    assert overhead.event_p50_ms is not None and overhead.difference_ms is not None
    text = (
        f"p50 {overhead.event_p50_ms:.3f} ms = {overhead.ratio:.1f} x the engine's paced round "
        f"trip {overhead.paced_round_trip_ms:.3f} ms ({overhead.difference_ms:+.3f} ms)"
    )
    return f"{text}; {overhead.reason}" if overhead.reason else text


def describe_round_trip(entry: RoleRoundTrip) -> str:
    """``writer.0 0.083/0.029`` (paced / back to back p50, ms; ``(asyncio)`` for the asyncio
    client), or the role and why there is none."""
    calibration = entry.calibration
    if entry.reason or calibration is None or calibration.paced is None:
        return f"{entry.role} none ({entry.reason})"
    back = calibration.back_to_back
    tail = f"/{back.p50_ms:.3f}" if back is not None else ""
    kind = " (asyncio)" if calibration.client == "async" else ""
    return f"{entry.role} {calibration.paced.p50_ms:.3f}{tail}{kind}"
