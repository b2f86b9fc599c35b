"""How a change reaches an observer (``spec.delivery``) and which change it is (the workload's
``command``, with ``expiry`` for expired keys).

A delivery mechanism is a plugin (``kobench.mechanisms``): it holds both sides, what a writer
sends for a write and how an observer receives it. The observer's ``mode`` (sync or async) stays
how it reads. The built-in mechanisms:

* ``keyevent`` (the default): keyspace notifications on ``__keyevent@<db>__:<event>``
* ``keyspace``: keyspace notifications on ``__keyspace@<db>__:<key>``
* ``publish`` / ``spublish``: the writer publishes each key on a channel of the run after its
  write (``SPUBLISH``: sharded pub/sub)
* ``tracking``: client-side caching invalidations (variant ``resp3``: RESP3 push on the tracking
  connection; ``redirect``: RESP2, redirected to a pub/sub connection)
* ``stream``: the writer ``XADD``\\ s each key to a stream of the run (variant ``group``: a
  consumer group per observer, acknowledged, pending entries redelivered; ``plain``: ``XREAD``)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import PLUGIN_NAME, Model

Command = Literal["set", "del", "hset", "lpush", "xadd", "expire"]
COMMANDS: dict[str, str] = {
    "set": "SET of the key (event set)",
    "del": "SET then DEL of the key in one pipeline (event del)",
    "hset": "HSET of a field, then EXPIRE (event hset)",
    "lpush": "LPUSH of the value, then EXPIRE (event lpush)",
    "xadd": "XADD of an entry to the key, then EXPIRE (event xadd)",
    "expire": "SET with an expiry due at a known time; observers hear the expiry (event expired)",
}
"""Each workload command, what the writer sends for one write and the event it causes."""
DELIVERY_LABEL = r"^[a-z][a-z0-9_-]{0,31}(:[a-z][a-z0-9_-]{0,31})?$"
"""A mechanism on a matrix axis: its name, or ``name:variant`` (``tracking:redirect``)."""


class Delivery(Model):
    """How a change reaches the observers."""

    mechanism: Annotated[
        str,
        Field(
            description="Delivery mechanism plugin: keyevent (keyspace notifications on the "
            "event's channel), keyspace (on each key's channel), publish (the writer PUBLISHes "
            "each key on a channel of the run), spublish (sharded SPUBLISH), tracking "
            "(client-side caching invalidations), stream (the writer XADDs each key to a stream "
            "of the run), or any installed kobench.mechanisms plugin.",
            pattern=PLUGIN_NAME,
        ),
    ] = "keyevent"
    variant: Annotated[
        str | None,
        Field(
            description="The mechanism's variant; empty means its first. tracking: resp3 "
            "(invalidations pushed on the tracking connection) or redirect (RESP2, to a "
            "pub/sub connection); stream: group (a consumer group per observer, acknowledged, "
            "at least once) or plain (XREAD, resuming from the last entry read).",
            pattern=PLUGIN_NAME,
        ),
    ] = None
    redeliver_after_ms: Annotated[
        int,
        Field(
            description="stream group: how long an entry may stay delivered but unacknowledged "
            "before another consumer of the group claims it (XAUTOCLAIM).",
            ge=10,
            le=600_000,
        ),
    ] = 1000

    @property
    def label(self) -> str:
        """``mechanism`` or ``mechanism:variant``, as a matrix axis names it."""
        return self.mechanism if self.variant is None else f"{self.mechanism}:{self.variant}"


def delivery_of_label(label: str) -> dict[str, str]:
    """The ``spec.delivery`` fields (camel case) a matrix axis value stands for."""
    mechanism, _, variant = label.partition(":")
    return {"mechanism": mechanism, **({"variant": variant} if variant else {})}


class Expiry(Model):
    """Command ``expire``: when each key expires, and whether it is read when due."""

    after_ms: Annotated[
        int,
        Field(
            description="Each key expires this long after its write's intended time (PXAT, "
            "so the due time is known to the millisecond).",
            ge=1,
            le=3_600_000,
        ),
    ] = 100
    read_at_due: Annotated[
        bool,
        Field(
            description="The writer reads each key once it is due, so the engine expires it "
            "on access (lazily); unread keys wait for the engine's active expiry cycle (hz).",
        ),
    ] = False
