"""The workload: what the writers do (``spec.workload``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import (
    DEFAULT_DURATION_SECONDS,
    KEY_NAME,
    MAX_REPLICAS,
    MAX_WRITES,
    Model,
)
from kobench.api.conflict import Conflict
from kobench.api.delivery_spec import Command, Expiry


class Workload(Model):
    """What the writers do."""

    key_mode: Annotated[
        Literal["shared", "unique"],
        Field(
            description="shared: one key for every write, read by observers on each event (the "
            "proof of concept). unique: one key per write, so no read is needed (high rates)."
        ),
    ] = "shared"
    rate: Annotated[
        int, Field(description="Writes per second, per writer (open loop).", ge=1, le=200_000)
    ] = 1000
    duration_seconds: Annotated[
        float | None,
        Field(
            description="Measured run length in seconds (default 10); exclusive with writes.",
            gt=0,
            le=86_400,
        ),
    ] = None
    writes: Annotated[
        int | None,
        Field(
            description="Number of measured writes per writer; exclusive with durationSeconds.",
            ge=1,
            le=MAX_WRITES,
        ),
    ] = None
    warmup_seconds: Annotated[
        float, Field(description="Writes sent first and not measured.", ge=0, le=3600)
    ] = 1.0
    value_size: Annotated[
        int, Field(description="Bytes per written value (padded).", ge=64, le=1_048_576)
    ] = 64
    writers: Annotated[int, Field(description="Number of writer processes.", ge=1, le=16)] = 1
    target_replica: Annotated[
        int, Field(description="Engine replica the writers write to.", ge=0, le=MAX_REPLICAS - 1)
    ] = 0
    round_robin: Annotated[
        bool,
        Field(description="Spread writers over every master (multi-master engines only)."),
    ] = False
    shared_key: Annotated[
        str, Field(description="Key written in shared mode.", pattern=KEY_NAME)
    ] = "shared_key"
    handshake_key: Annotated[
        str,
        Field(description="Prefix of the handshake keys observers answer on.", pattern=KEY_NAME),
    ] = "handshake_key"
    key_prefix: Annotated[
        str, Field(description="Prefix of the per-write keys in unique mode.", pattern=KEY_NAME)
    ] = "kobench"
    key_ttl_seconds: Annotated[
        int, Field(description="Expiry of unique and handshake keys.", ge=10, le=86_400)
    ] = 600
    command: Annotated[
        Command,
        Field(
            description="What each write is, and so the event observers hear: set (today's "
            "SET), del (SET then DEL), hset, lpush, xadd (each followed by EXPIRE), or expire "
            "(a SET that expires at a known time: observers hear expired, and its latency is "
            "measured from the due time). Every command but set needs keyMode unique.",
        ),
    ] = "set"
    expiry: Annotated[
        Expiry,
        Field(description="command expire: when each key expires and whether it is read."),
    ] = Expiry()
    conflict: Annotated[
        Conflict | None,
        Field(
            description="Conflicting writes: every writer, each on its own master, writes the "
            "same keys at the same instants (KeyDB multi-master, keyMode unique, 2+ writers)."
        ),
    ] = None

    @property
    def measured_writes(self) -> int:
        """Measured writes per writer."""
        if self.writes is not None:
            return self.writes
        duration = (
            DEFAULT_DURATION_SECONDS if self.duration_seconds is None else self.duration_seconds
        )
        return max(1, round(duration * self.rate))

    @property
    def warmup_writes(self) -> int:
        """Unmeasured writes per writer sent before the measured ones."""
        return round(self.warmup_seconds * self.rate)

    @property
    def total_writes(self) -> int:
        return self.warmup_writes + self.measured_writes
