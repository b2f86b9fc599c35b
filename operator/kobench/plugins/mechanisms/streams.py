"""Streams (``stream``): the writer ``XADD``\\ s each key to the run's stream after its write.

Variant ``group`` (at least once): each observer is a consumer group, each of its instances a
consumer. An instance reads with ``XREADGROUP``, acknowledges what it booked with the next read
(one round trip), reads its own pending entries again when it reconnects, and claims entries
another consumer left unacknowledged for ``delivery.redeliverAfterMs`` (``XAUTOCLAIM``): those
arrive as redelivered. Variant ``plain`` (resumable): ``XREAD`` from the last entry read.

The writers' end markers go to a control stream every instance reads in full (in a group each
entry reaches one consumer only, and every consumer must hear that the writers ended), and for a
group to the data stream too, where they wake a blocked consumer at once.
"""

from __future__ import annotations

from typing import ClassVar

from kobench.api import BenchmarkSpec, Delivery
from kobench.measure import protocol
from kobench.plugins.mechanisms.mechanism_protocol import Command, Guarantee
from kobench.plugins.mechanisms.stream_reads import control_stream
from kobench.plugins.mechanisms.stream_receivers import AsyncStreamReceiver, StreamReceiver
from kobench.plugins.observers.context import ObserverContext


class StreamMechanism:
    name: ClassVar[str] = "stream"
    variants: ClassVar[tuple[str, ...]] = ("group", "plain")

    def guarantee(self, delivery: Delivery) -> Guarantee:
        return "resumable" if delivery.variant == "plain" else "at-least-once"

    def refusal(self, spec: BenchmarkSpec) -> tuple[str, str] | None:
        if spec.workload.command == "expire":
            return (
                "spec.workload.command",
                "mechanism stream cannot deliver expire: an expiry is no write of the "
                "application's, so nothing adds it to a stream (use keyevent or keyspace)",
            )
        shared = spec.workload.key_mode == "shared" and spec.delivery.variant != "plain"
        for index, observer in enumerate(spec.observers):
            if shared and observer.replicas > 1:
                return (
                    f"spec.observers[{index}].replicas",
                    "a stream group's consumers each get a share of the writes, so in keyMode "
                    "shared a notification cannot be numbered: use keyMode unique, or one "
                    "replica",
                )
        return None

    def notify_classes(self, spec: BenchmarkSpec) -> str:
        return ""

    def features(self, delivery: Delivery) -> tuple[str, ...]:
        return ("XADD", "XREAD") if delivery.variant == "plain" else ("XADD", "XREADGROUP")

    def announce(
        self, spec: BenchmarkSpec, run_id: str, key: str, *, control: bool
    ) -> list[Command]:
        stream = protocol.run_stream(spec.workload.key_prefix, run_id)
        if not control:
            return [("XADD", stream, "*", "k", key)]
        ttl = spec.workload.key_ttl_seconds
        ctl = control_stream(stream)
        # A group's consumer blocked on the data stream wakes to the end marker there (its
        # engine ends the block only in its cron); the streams go with the run's other keys.
        wake: list[Command] = (
            [] if spec.delivery.variant == "plain" else [("XADD", stream, "*", "e", key)]
        )
        return [
            ("XADD", ctl, "*", "k", key),
            *wake,
            ("EXPIRE", ctl, ttl),
            ("EXPIRE", stream, ttl),
        ]

    def sync_receiver(self, context: ObserverContext) -> StreamReceiver:
        return StreamReceiver(context)

    def async_receiver(self, context: ObserverContext) -> AsyncStreamReceiver:
        return AsyncStreamReceiver(context)
