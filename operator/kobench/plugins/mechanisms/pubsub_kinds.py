"""The pub/sub mechanisms, at most once: ``keyevent`` (the default), ``keyspace``, ``publish``
and ``spublish``.

``keyevent`` on ``set`` is the path kobench always measured, kept as it was: the sync observer on
redis-py's pub/sub, the async one on :mod:`kobench.plugins.observers.wire`. Every other case
listens through :mod:`.listening`: for a command other than ``set`` the writers' end markers
(SETs) are heard on the ``set`` channel beside the event's.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import ClassVar

import redis

from kobench.api import BenchmarkSpec, Delivery
from kobench.measure import protocol
from kobench.measure.results.delivery_docs import EVENTS
from kobench.plugins import connections as clients
from kobench.plugins.mechanisms.commands import NOTIFY_CLASSES
from kobench.plugins.mechanisms.listening import (
    AsyncListeningReceiver,
    Listening,
    ListeningReceiver,
    dropped_by_name,
)
from kobench.plugins.mechanisms.mechanism_protocol import (
    CONTROL,
    EVENT,
    Arrival,
    Command,
    Guarantee,
)
from kobench.plugins.observers.context import ObserverContext
from kobench.plugins.observers.wire import WireSubscription

POLL_SECONDS = 0.2
SET = b"set"


class RedisPubSubReceiver:
    """keyevent on set, sync: redis-py's pub/sub, one message per call (as it always was)."""

    def __init__(self, context: ObserverContext) -> None:
        self.context = context
        self._pubsub: redis.client.PubSub | None = None

    def open(self, timeout: float) -> None:
        client = self.context.listen.client(
            timeout=min(timeout, clients.TIMEOUT_SECONDS), name=dropped_by_name(self.context)
        )
        pubsub = clients.pubsub(client)
        try:
            pubsub.subscribe(self.context.channel)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                message = pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None and message["type"] == "subscribe":
                    self._pubsub = pubsub
                    return
        except BaseException:
            pubsub.close()
            raise
        pubsub.close()
        raise TimeoutError(f"{self.context.listen} did not confirm the subscription")

    def receive(self, timeout: float) -> list[Arrival]:
        if self._pubsub is None:
            raise redis.ConnectionError("not subscribed")
        message = self._pubsub.get_message(timeout=timeout)
        if message is None or message["type"] != "message":
            return []
        return [(message["data"], time.time_ns(), EVENT)]

    def acknowledge(self) -> None:
        return None

    def close(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None


class WireReceiver:
    """keyevent on set, async: one socket parsed by hiredis in chunks (as it always was)."""

    def __init__(self, context: ObserverContext) -> None:
        self.context = context
        self._subscription: WireSubscription | None = None

    async def open(self, timeout: float) -> None:
        self._subscription = await WireSubscription.open(
            self.context.listen,
            self.context.channel,
            timeout=timeout,
            name=dropped_by_name(self.context),
        )

    async def receive(self, timeout: float, limit: int) -> list[Arrival]:
        if self._subscription is None:
            raise redis.ConnectionError("not subscribed")
        return [
            (data, stamp, EVENT) for data, stamp in await self._subscription.batch(timeout, limit)
        ]

    async def acknowledge(self) -> None:
        return None

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.aclose()
            self._subscription = None


class PubSubMechanism(ABC):
    """What the pub/sub kinds share: at most once, no reads of their own."""

    name: ClassVar[str]
    variants: ClassVar[tuple[str, ...]] = ()

    def guarantee(self, delivery: Delivery) -> Guarantee:
        return "at-most-once"

    def refusal(self, spec: BenchmarkSpec) -> tuple[str, str] | None:
        return None

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        return ""

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        return ()

    def announce(
        self, spec: BenchmarkSpec, run_id: str, key: str, *, control: bool
    ) -> list[Command]:
        return []

    @abstractmethod
    def listening(self, context: ObserverContext) -> Listening:
        """What an observer subscribes to and how it reads the messages of each kind."""

    def sync_receiver(self, context: ObserverContext) -> ListeningReceiver | RedisPubSubReceiver:
        return ListeningReceiver(context, self.listening(context))

    def async_receiver(self, context: ObserverContext) -> AsyncListeningReceiver | WireReceiver:
        return AsyncListeningReceiver(context, self.listening(context))


class KeyeventMechanism(PubSubMechanism):
    """Keyspace notifications on the event's channel, ``__keyevent@<db>__:<event>``."""

    name: ClassVar[str] = "keyevent"

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        return "E$" + NOTIFY_CLASSES[spec.workload.command]

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        return ("notify-keyspace-events",)

    def listening(self, context: ObserverContext) -> Listening:
        database = context.spec.engine.database
        event = protocol.keyevent_channel(database, EVENTS[context.spec.workload.command])
        control = protocol.keyevent_channel(database, "set")
        event_b, control_b = event.encode(), control.encode()

        def interpret(message: list[object]) -> tuple[bytes, int] | None:
            if message[0] != b"message" or len(message) != 3:
                return None
            channel, data = message[1], message[2]
            if not isinstance(data, bytes):
                return None
            if channel == event_b:
                return data, EVENT
            return (data, CONTROL) if channel == control_b else None

        return Listening((("SUBSCRIBE", event), ("SUBSCRIBE", control)), interpret)

    def sync_receiver(self, context: ObserverContext) -> ListeningReceiver | RedisPubSubReceiver:
        if context.spec.workload.command == "set":
            return RedisPubSubReceiver(context)
        return super().sync_receiver(context)

    def async_receiver(self, context: ObserverContext) -> AsyncListeningReceiver | WireReceiver:
        if context.spec.workload.command == "set":
            return WireReceiver(context)
        return super().async_receiver(context)


class KeyspaceMechanism(PubSubMechanism):
    """Keyspace notifications on each key's channel, ``__keyspace@<db>__:<key>``: patterns for
    the run's keys, its end markers and its notes of refused writes."""

    name: ClassVar[str] = "keyspace"

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        return "K$" + NOTIFY_CLASSES[spec.workload.command]

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        return ("notify-keyspace-events",)

    def listening(self, context: ObserverContext) -> Listening:
        spec, run_id = context.spec, context.run_id
        workload = spec.workload
        prefix = protocol.keyspace_channel_prefix(spec.engine.database)
        event = EVENTS[workload.command].encode()
        if workload.key_mode == "shared":
            events = ("SUBSCRIBE", prefix + workload.shared_key)
        else:
            events = (
                "PSUBSCRIBE",
                prefix + protocol.unique_key_prefix(workload.key_prefix, run_id) + "*",
            )
        skips = protocol.skip_prefix(workload.handshake_key, run_id)
        subscriptions = (
            events,
            ("PSUBSCRIBE", prefix + context.end_prefix + "*"),
            ("PSUBSCRIBE", prefix + skips + "*"),
        )
        cut = len(prefix)

        def interpret(message: list[object]) -> tuple[bytes, int] | None:
            kind = message[0]
            if kind == b"pmessage" and len(message) == 4:
                channel, data = message[2], message[3]
            elif kind == b"message" and len(message) == 3:
                channel, data = message[1], message[2]
            else:
                return None
            if not isinstance(channel, bytes):
                return None
            if data == event:
                return channel[cut:], EVENT
            return (channel[cut:], CONTROL) if data == SET else None

        return Listening(subscriptions, interpret)


class PublishMechanism(PubSubMechanism):
    """The writer PUBLISHes each key on the run's channel after its write, end markers too."""

    name: ClassVar[str] = "publish"
    publish: ClassVar[str] = "PUBLISH"
    subscribe: ClassVar[str] = "SUBSCRIBE"
    message: ClassVar[bytes] = b"message"

    def refusal(self, spec: BenchmarkSpec) -> tuple[str, str] | None:
        if spec.workload.command == "expire":
            return (
                "spec.workload.command",
                f"mechanism {self.name} cannot deliver expire: an expiry is no write of the "
                "application's, so nothing publishes it (use keyevent or keyspace)",
            )
        return None

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        return (self.subscribe,)

    def announce(
        self, spec: BenchmarkSpec, run_id: str, key: str, *, control: bool
    ) -> list[Command]:
        return [(self.publish, protocol.run_channel(spec.workload.key_prefix, run_id), key)]

    def listening(self, context: ObserverContext) -> Listening:
        channel = protocol.run_channel(context.spec.workload.key_prefix, context.run_id)
        kind = self.message

        def interpret(message: list[object]) -> tuple[bytes, int] | None:
            if message[0] != kind or len(message) != 3 or not isinstance(message[2], bytes):
                return None
            return message[2], EVENT

        return Listening(((self.subscribe, channel),), interpret)


class SpublishMechanism(PublishMechanism):
    """Sharded pub/sub (Redis 7+, Valkey): SPUBLISH and SSUBSCRIBE on the run's channel."""

    name: ClassVar[str] = "spublish"
    publish: ClassVar[str] = "SPUBLISH"
    subscribe: ClassVar[str] = "SSUBSCRIBE"
    message: ClassVar[bytes] = b"smessage"
