"""What a run's result says about its delivery: the mechanism that ran, its guarantee, the
figures that apply to it, the command and event, and (command expire) how keys expired.

The guarantees and their figures are declared here once: the mechanisms (plugins) name theirs,
the table, the page, the status and the metrics say them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document

Guarantee = Literal["at-most-once", "at-least-once", "coalescing", "resumable"]
GUARANTEES: dict[str, str] = {
    "at-most-once": "fire and forget: what is published while an observer is away is lost "
    "(counted as missed)",
    "at-least-once": "acknowledged: an entry delivered but not acknowledged is delivered again "
    "(counted as redelivered, apart from losses and duplicates); nothing written is lost",
    "coalescing": "one invalidation per key until it is read again: the writes it covers count "
    "as coalesced, and the latency is the first write's",
    "resumable": "an observer that reconnects goes on from the last entry it read: nothing is "
    "lost while the engine keeps it, nothing is acknowledged",
}
"""What each guarantee means for the figures, declared once."""
FIGURES: dict[str, tuple[str, ...]] = {
    "at-most-once": ("missed", "duplicates", "outages"),
    "at-least-once": ("missed", "duplicates", "redelivered", "redeliveryLatencyMs", "caughtUp"),
    "coalescing": ("missed", "coalesced", "coalescedInvalidations", "outages"),
    "resumable": ("missed", "duplicates", "caughtUp"),
}
"""The figures beyond latency that apply to each guarantee (the result names them)."""
EVENTS: dict[str, str] = {
    "set": "set",
    "del": "del",
    "hset": "hset",
    "lpush": "lpush",
    "xadd": "xadd",
    "expire": "expired",
}
"""The event each workload command causes (its keyspace notification's name)."""


class ExpiryFacts(Document):
    """Command expire: how the keys came to expire (the lag's conditions)."""

    after_ms: Annotated[int, Field(description="Each key was due this long after its write.")]
    read_at_due: Annotated[
        bool,
        Field(
            description="Whether each key was read once due (expired on access, lazily) or left "
            "to the engine's active expiry cycle."
        ),
    ]
    hz: Annotated[
        int | None,
        Field(description="The engine's hz (active expiry cycles per second), as the probe read."),
    ] = None


class DeliveryFacts(Document):
    """How changes reached the observers."""

    mechanism: Annotated[
        str, Field(description="The delivery mechanism, as mechanism:variant when it has one.")
    ] = "keyevent"
    guarantee: Annotated[str, Field(description="Its guarantee (see meaning).")] = "at-most-once"
    meaning: Annotated[str, Field(description="What the guarantee means for the figures.")] = ""
    figures: Annotated[
        list[str],
        Field(description="The observer figures beyond latency that apply to this guarantee."),
    ] = []
    command: Annotated[str, Field(description="What each write was (workload.command).")] = "set"
    event: Annotated[str, Field(description="The event the observers heard.")] = "set"
    expiry: Annotated[
        ExpiryFacts | None, Field(description="Command expire: how the keys came to expire.")
    ] = None


def delivery_facts(
    mechanism: str, guarantee: str, command: str, expiry: ExpiryFacts | None
) -> DeliveryFacts:
    return DeliveryFacts(
        mechanism=mechanism,
        guarantee=guarantee,
        meaning=GUARANTEES.get(guarantee, ""),
        figures=list(FIGURES.get(guarantee, ())),
        command=command,
        event=EVENTS.get(command, command),
        expiry=expiry,
    )
