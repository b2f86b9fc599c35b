"""The delivery mechanism plugin contract: both sides of how a change reaches an observer.

A mechanism says what a writer sends for a write besides the write itself (``announce``: the
``PUBLISH``, ``SPUBLISH`` or ``XADD`` in the same pipeline) and how an observer of each mode
receives it (a :class:`SyncReceiver` or :class:`AsyncReceiver`). A receiver only does I/O: it
hands out what arrived as :data:`Arrival` tuples (the key a write names, when it arrived, how),
and the observer tells the :class:`~kobench.plugins.observers.book.EventBook`, so counting,
latency, outages and handshakes stay one implementation whichever mechanism ran.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from kobench.api import BenchmarkSpec, Delivery
from kobench.measure.results.delivery_docs import FIGURES, GUARANTEES, Guarantee
from kobench.plugins.observers.context import ObserverContext

EVENT, CONTROL, REDELIVERED, RESYNC = 0, 1, 2, 3
"""How something arrived: an event of the run's command, a writer's control message (its end
marker, refused writes) heard on another channel, an entry delivered again, or (coalescing) the
receiver started watching the key again: the value read now is known without an event."""
Arrival = tuple[bytes, int, int]
"""(the key a write names, when it arrived in wall-clock ns, how: EVENT, CONTROL, REDELIVERED)."""
Command = tuple[str | bytes | int, ...]
"""One Redis command, as ``execute_command`` takes it."""


class SyncReceiver(Protocol):
    """A blocking receiver for the ``sync`` observer."""

    def open(self, timeout: float) -> None:
        """Connect and subscribe (or join the group); return once the server confirmed it."""
        ...

    def receive(self, timeout: float) -> list[Arrival]:
        """What arrived within ``timeout`` seconds (possibly nothing)."""
        ...

    def acknowledge(self) -> None:
        """Everything handed out so far was booked (a stream group acknowledges it)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ReadingSyncReceiver(SyncReceiver, Protocol):
    """A receiver whose shared-mode reads must go through its own connection (tracking: the
    read tracks the key again); the observer reads on a connection of its own for any other."""

    def read(self, key: str) -> bytes | None: ...


class AsyncReceiver(Protocol):
    """The asyncio twin of :class:`SyncReceiver`, for the ``async`` observer."""

    async def open(self, timeout: float) -> None: ...

    async def receive(self, timeout: float, limit: int) -> list[Arrival]: ...

    async def acknowledge(self) -> None: ...

    async def close(self) -> None: ...


@runtime_checkable
class ReadingAsyncReceiver(AsyncReceiver, Protocol):
    """The asyncio twin of :class:`ReadingSyncReceiver`."""

    async def read_many(self, key: str, count: int) -> list[bytes | None]: ...


@runtime_checkable
class Mechanism(Protocol):
    """A delivery mechanism plugin, registered under the ``kobench.mechanisms`` group."""

    name: ClassVar[str]
    variants: ClassVar[tuple[str, ...]]
    """Its variants, the default first (empty: none)."""

    def guarantee(self, delivery: Delivery) -> Guarantee: ...

    def refusal(self, spec: BenchmarkSpec) -> tuple[str, str] | None:
        """(field, why) when it cannot measure what the spec asks (a command it cannot
        deliver); None when it can."""
        ...

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        """The ``notify-keyspace-events`` flags it needs from the engine ("" for none)."""
        ...

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        """What the capability probe asks each server (see :mod:`kobench.roles.probe`)."""
        ...

    def announce(
        self, spec: BenchmarkSpec, run_id: str, key: str, *, control: bool
    ) -> list[Command]:
        """What the writer sends after writing ``key`` (``control``: an end marker or a note
        of refused writes rather than an event)."""
        ...

    def sync_receiver(self, context: ObserverContext) -> SyncReceiver: ...

    def async_receiver(self, context: ObserverContext) -> AsyncReceiver: ...


__all__ = [
    "CONTROL",
    "EVENT",
    "FIGURES",
    "GUARANTEES",
    "REDELIVERED",
    "RESYNC",
    "Arrival",
    "AsyncReceiver",
    "Command",
    "Guarantee",
    "Mechanism",
    "SyncReceiver",
]
