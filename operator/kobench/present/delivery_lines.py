"""How a run's delivery reads in words: the mechanism, its guarantee, which figures apply, and
each observer's figures of that guarantee (the table's and the report page's)."""

from __future__ import annotations

from kobench.measure.results import ObserverSummary, RunResult


def delivery_line(result: RunResult) -> str:
    delivery = result.delivery
    event = (
        delivery.command
        if delivery.command == delivery.event
        else (f"{delivery.command} (event {delivery.event})")
    )
    line = f"delivery: {delivery.mechanism}, {event}"
    if delivery.guarantee:
        line += f"; {delivery.guarantee}: {delivery.meaning}"
    if delivery.figures:
        line += f"; figures that apply: {', '.join(delivery.figures)}"
    return line


def expiry_line(result: RunResult) -> str | None:
    expiry = result.delivery.expiry
    if expiry is None:
        return None
    read = (
        "read when due (expired on access)"
        if expiry.read_at_due
        else ("never read (the engine's active expiry cycle)")
    )
    hz = "not told" if expiry.hz is None else str(expiry.hz)
    return (
        f"expiry: keys due {expiry.after_ms} ms after their write, {read}, engine hz {hz}; "
        "latency is from each key's due time to its expired event"
    )


def guarantee_line(obs: ObserverSummary) -> str | None:
    """An observer's figures of its guarantee, when it has any to tell."""
    parts = []
    if obs.guarantee == "at-least-once" or obs.redelivered:
        timing = obs.redelivery_latency_ms
        took = "" if timing is None else f" (p50 {timing.p50:.3f} ms, max {timing.max:.3f} ms)"
        parts.append(f"redelivered {obs.redelivered}{took}")
    if obs.caught_up:
        parts.append(f"caught up {obs.caught_up} written while it was away")
    if obs.unacknowledged is not None:
        parts.append(f"left unacknowledged by the group {obs.unacknowledged}")
    if obs.guarantee == "coalescing" and (obs.coalesced or obs.coalesced_invalidations):
        parts.append(
            f"coalesced {obs.coalesced} writes into {obs.coalesced_invalidations} invalidations"
        )
    return f"{obs.guarantee} of {obs.name}: {', '.join(parts)}" if parts else None


def delivery_lines(result: RunResult) -> list[str]:
    lines = [delivery_line(result)]
    expiry = expiry_line(result)
    if expiry is not None:
        lines.append(expiry)
    lines += [line for obs in result.observers if (line := guarantee_line(obs)) is not None]
    return lines
