"""Client-side caching invalidations (``tracking``), coalescing: one invalidation per key until
it is read again.

keyMode unique: ``CLIENT TRACKING ON BCAST PREFIX <the run's key prefix>``, every write of a
key invalidates it (each key is written once: nothing to coalesce). keyMode shared: default
tracking of the shared key, read on the tracking connection after each invalidation (the cache
pattern), so the writes between two reads give one invalidation.

Variant ``resp3``: invalidations are pushed on the tracking connection itself. ``redirect``
(RESP2): they go to a pub/sub connection (``__redis__:invalidate``) named in ``REDIRECT``; Redis
does not tell that connection when the tracked one drops, so an idle tracked connection is
pinged. The writers' end markers come on the run's control channel (PUBLISH).
"""

from __future__ import annotations

import time
from typing import ClassVar

import redis

from kobench.api import BenchmarkSpec, Delivery
from kobench.measure import protocol
from kobench.plugins.mechanisms.listening import receiver_name
from kobench.plugins.mechanisms.mechanism_protocol import (
    CONTROL,
    EVENT,
    RESYNC,
    Arrival,
    Command,
    Guarantee,
)
from kobench.plugins.mechanisms.resp_async import AsyncRespLink
from kobench.plugins.mechanisms.resp_link import Push, RespLink
from kobench.plugins.observers.context import ObserverContext

INVALIDATE_CHANNEL = b"__redis__:invalidate"
PING_EVERY_NS = 1_000_000_000
"""redirect: how often an idle tracked connection is checked (it could drop unnoticed)."""


def tracking_command(context: ObserverContext, redirect: int | None) -> Command:
    workload = context.spec.workload
    command: Command = ("CLIENT", "TRACKING", "ON")
    if redirect is not None:
        command += ("REDIRECT", redirect)
    if workload.key_mode == "unique":
        command += (
            "BCAST",
            "PREFIX",
            protocol.unique_key_prefix(workload.key_prefix, context.run_id),
        )
    return command


def control_channel(context: ObserverContext) -> str:
    return protocol.control_channel(context.spec.workload.handshake_key, context.run_id)


def invalidations(pushes: list[Push], control: bytes) -> list[Arrival]:
    """Each invalidated key an arrival; the control channel's messages control arrivals."""
    found: list[Arrival] = []
    for message, stamp in pushes:
        kind = message[0]
        if kind == b"invalidate" and len(message) == 2:
            keys = message[1]
        elif kind == b"message" and len(message) == 3 and message[1] == INVALIDATE_CHANNEL:
            keys = message[2]
        elif kind == b"message" and len(message) == 3 and message[1] == control:
            if isinstance(message[2], bytes):
                found.append((message[2], stamp, CONTROL))
            continue
        else:
            continue
        if isinstance(keys, list):  # None: the whole database was flushed
            found += [(key, stamp, EVENT) for key in keys if isinstance(key, bytes)]
    return found


def _value(reply: object) -> bytes | None:
    if isinstance(reply, Exception):
        raise redis.ResponseError(str(reply))
    return reply if isinstance(reply, bytes) else None


class TrackingReceiver:
    """Blocking: resp3 on one connection, or redirect with a tracked and a pub/sub connection."""

    def __init__(self, context: ObserverContext, *, redirect: bool) -> None:
        self.context, self.redirect = context, redirect
        self._control = control_channel(context).encode()
        self._listen: RespLink | None = None
        self._tracked: RespLink | None = None
        self._pinged_ns = 0
        self._early: list[Arrival] = []

    def open(self, timeout: float) -> None:
        name, target = receiver_name(self.context), self.context.listen
        try:
            listen = self._listen = RespLink.open(
                target, timeout=timeout, resp3=not self.redirect, name=name
            )
            redirect_to: int | None = None
            subscriptions: list[Command] = [("SUBSCRIBE", control_channel(self.context))]
            if self.redirect:
                redirect_to = int(listen.call("CLIENT", "ID", timeout=timeout))  # type: ignore[call-overload]
                subscriptions.insert(0, ("SUBSCRIBE", INVALIDATE_CHANNEL.decode()))
                self._tracked = RespLink.open(target, timeout=timeout, name=name + ".tracked")
            tracked = self._tracked or listen
            tracked.call(*tracking_command(self.context, redirect_to), timeout=timeout)
            listen.send(*subscriptions)
            self._confirm(listen, len(subscriptions), timeout)
            if self.context.spec.workload.key_mode == "shared":
                key = self.context.spec.workload.shared_key
                tracked.call("GET", key, timeout=timeout)
                self._early.append((key.encode(), time.time_ns(), RESYNC))
        except BaseException:
            self.close()
            raise
        self._pinged_ns = time.monotonic_ns()

    def _confirm(self, listen: RespLink, wanted: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while wanted > 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.context.listen} did not confirm the subscription")
            pushes = listen.pushes(0.2)
            wanted -= sum(1 for message, _ in pushes if message[0] == b"subscribe")
            self._early += invalidations(pushes, self._control)

    def receive(self, timeout: float) -> list[Arrival]:
        if self._listen is None:
            raise redis.ConnectionError("not tracking")
        if self._tracked is not None and time.monotonic_ns() - self._pinged_ns > PING_EVERY_NS:
            self._tracked.call("PING")  # a lost tracked connection raises here
            self._pinged_ns = time.monotonic_ns()
        if self._early:
            early, self._early = self._early, []
            return early
        return invalidations(self._listen.pushes(timeout), self._control)

    def acknowledge(self) -> None:
        return None

    def read(self, key: str) -> bytes | None:
        """On the tracked connection: the read tracks the key again."""
        tracked = self._tracked or self._listen
        if tracked is None:
            raise redis.ConnectionError("not tracking")
        self._pinged_ns = time.monotonic_ns()
        return _value(tracked.call("GET", key))

    def close(self) -> None:
        for link in (self._listen, self._tracked):
            if link is not None:
                link.close()
        self._listen = self._tracked = None


class AsyncTrackingReceiver:
    """The asyncio twin of :class:`TrackingReceiver`; reads of one batch pipelined."""

    def __init__(self, context: ObserverContext, *, redirect: bool) -> None:
        self.context, self.redirect = context, redirect
        self._control = control_channel(context).encode()
        self._listen: AsyncRespLink | None = None
        self._tracked: AsyncRespLink | None = None
        self._pinged_ns = 0
        self._early: list[Arrival] = []

    async def open(self, timeout: float) -> None:
        name, target = receiver_name(self.context), self.context.listen
        try:
            listen = self._listen = await AsyncRespLink.open(
                target, timeout=timeout, resp3=not self.redirect, name=name
            )
            redirect_to: int | None = None
            subscriptions: list[Command] = [("SUBSCRIBE", control_channel(self.context))]
            if self.redirect:
                redirect_to = int(await listen.call("CLIENT", "ID", timeout=timeout))  # type: ignore[call-overload]
                subscriptions.insert(0, ("SUBSCRIBE", INVALIDATE_CHANNEL.decode()))
                self._tracked = await AsyncRespLink.open(
                    target, timeout=timeout, name=name + ".tracked"
                )
            tracked = self._tracked or listen
            await tracked.call(*tracking_command(self.context, redirect_to), timeout=timeout)
            listen.send(*subscriptions)
            deadline, wanted = time.monotonic() + timeout, len(subscriptions)
            while wanted > 0:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{target} did not confirm the subscription")
                pushes = await listen.pushes(0.2)
                wanted -= sum(1 for message, _ in pushes if message[0] == b"subscribe")
                self._early += invalidations(pushes, self._control)
            if self.context.spec.workload.key_mode == "shared":
                key = self.context.spec.workload.shared_key
                await tracked.call("GET", key, timeout=timeout)
                self._early.append((key.encode(), time.time_ns(), RESYNC))
        except BaseException:
            await self.close()
            raise
        self._pinged_ns = time.monotonic_ns()

    async def receive(self, timeout: float, limit: int) -> list[Arrival]:
        if self._listen is None:
            raise redis.ConnectionError("not tracking")
        if self._tracked is not None and time.monotonic_ns() - self._pinged_ns > PING_EVERY_NS:
            await self._tracked.call("PING")
            self._pinged_ns = time.monotonic_ns()
        if self._early:
            early, self._early = self._early, []
            return early
        return invalidations(await self._listen.pushes(timeout, limit), self._control)

    async def acknowledge(self) -> None:
        return None

    async def read_many(self, key: str, count: int) -> list[bytes | None]:
        tracked = self._tracked or self._listen
        if tracked is None:
            raise redis.ConnectionError("not tracking")
        self._pinged_ns = time.monotonic_ns()
        tracked.send(*(("GET", key) for _ in range(count)))
        return [_value(await tracked.reply()) for _ in range(count)]

    async def close(self) -> None:
        for link in (self._listen, self._tracked):
            if link is not None:
                await link.close()
        self._listen = self._tracked = None


class TrackingMechanism:
    name: ClassVar[str] = "tracking"
    variants: ClassVar[tuple[str, ...]] = ("resp3", "redirect")

    def guarantee(self, delivery: Delivery) -> Guarantee:
        return "coalescing"

    def refusal(self, spec: BenchmarkSpec) -> tuple[str, str] | None:
        workload = spec.workload
        if workload.key_mode == "shared" and (workload.writers > 1 or workload.round_robin):
            return (
                "spec.workload.writers",
                "tracking in keyMode shared numbers the writes an invalidation covers by the "
                "value read after it: use one writer on one master, or keyMode unique",
            )
        if spec.workload.command == "expire":
            return (
                "spec.workload.command",
                "mechanism tracking cannot deliver expire: the write that sets a key "
                "invalidates it too, so an invalidation does not tell an expiry (use keyevent "
                "or keyspace)",
            )
        return None

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        return ""

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        if delivery.variant == "redirect":
            return ("CLIENT TRACKING REDIRECT",)
        return ("HELLO 3", "CLIENT TRACKING")

    def announce(
        self, spec: BenchmarkSpec, run_id: str, key: str, *, control: bool
    ) -> list[Command]:
        if not control:
            return []  # the write itself invalidates the key
        return [("PUBLISH", protocol.control_channel(spec.workload.handshake_key, run_id), key)]

    def sync_receiver(self, context: ObserverContext) -> TrackingReceiver:
        return TrackingReceiver(context, redirect=context.spec.delivery.variant == "redirect")

    def async_receiver(self, context: ObserverContext) -> AsyncTrackingReceiver:
        return AsyncTrackingReceiver(context, redirect=context.spec.delivery.variant == "redirect")
