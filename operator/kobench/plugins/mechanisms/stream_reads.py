"""What a stream receiver sends on each poll and what it makes of the replies: pure, so the sync
and async receivers (:mod:`.stream_receivers`) share it and it is tested without a server.

One poll is one pipeline: the acknowledgements of what was booked since the last poll, a claim of
entries others left pending (every ``redeliverAfterMs``), a look at the control stream (every
``CONTROL_EVERY_NS``), and the blocking read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.measure import protocol
from kobench.plugins.mechanisms.mechanism_protocol import (
    CONTROL,
    EVENT,
    REDELIVERED,
    Arrival,
    Command,
)
from kobench.plugins.observers.context import ObserverContext

GROUP_BLOCK_MS = 10
"""A group's blocking read asks to wait at most this long. It cannot name the control stream
(XREADGROUP needs the group on every stream it reads, and a group would hand each control entry
to one consumer only), so the control stream is read between reads. The engine ends a blocked
read only in its cron, though (``hz`` 10: a BLOCK 10 returned after 74 to 101 ms on Valkey
8.0.1), which is why a writer's end marker also goes to the data stream (:data:`END_FIELD`): it
wakes one consumer of each group at once, the others hear it from the control stream."""
CONTROL_EVERY_NS = GROUP_BLOCK_MS * 1_000_000
OWN_PENDING = 10_000
"""At most this many of its own pending entries are read again when a consumer reconnects."""
KEY_FIELD = b"k"
END_FIELD = b"e"
"""A data stream entry that holds a writer's end marker, not a write (groups only)."""
Tagged = tuple[str, Command]
"""A command of a poll and what its reply is: ack, claim, control, read, pending."""


def control_stream(stream: str) -> str:
    return stream + ":ctl"


def _entries(reply: object) -> list[tuple[bytes, bytes | None, bool]]:
    """(id, key, whether it is an end marker) of the entries of an XRANGE-like list; key None
    for a deleted entry."""
    found: list[tuple[bytes, bytes | None, bool]] = []
    for entry in reply if isinstance(reply, list) else []:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], bytes)):
            continue
        fields = entry[1] if isinstance(entry[1], list) else []
        pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]
        key, end = next(
            ((v, f == END_FIELD) for f, v in pairs if f in (KEY_FIELD, END_FIELD)), (None, False)
        )
        found.append((entry[0], key if isinstance(key, bytes) else None, end))
    return found


def _streams(reply: object) -> dict[bytes, list[tuple[bytes, bytes | None, bool]]]:
    """An XREAD/XREADGROUP reply by stream (None: nothing came)."""
    out: dict[bytes, list[tuple[bytes, bytes | None, bool]]] = {}
    for item in reply if isinstance(reply, list) else []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], bytes):
            out[item[0]] = _entries(item[1])
    return out


@dataclass
class StreamReads:
    stream: str
    control: str
    group: str | None
    """The consumer group (variant group), or None (plain)."""
    consumer: str
    claim_after_ms: int
    last_id: bytes = b"0-0"
    control_id: bytes = b"0-0"
    cursor: bytes = b"0-0"
    handed: list[bytes] = field(default_factory=list)
    """Entries handed out since the last acknowledge."""
    to_ack: list[bytes] = field(default_factory=list)
    claimed_at_ns: int = 0
    control_at_ns: int = 0

    @classmethod
    def of(cls, context: ObserverContext) -> StreamReads:
        spec = context.spec
        stream = protocol.run_stream(spec.workload.key_prefix, context.run_id)
        group = None if spec.delivery.variant == "plain" else context.name
        return cls(
            stream=stream,
            control=control_stream(stream),
            group=group,
            consumer=context.instance_id,
            claim_after_ms=spec.delivery.redeliver_after_ms,
        )

    def opening(self) -> list[Tagged]:
        """On (re)connecting: the group made (a BUSYGROUP error says it exists) and this
        consumer's own pending entries read again."""
        if self.group is None:
            return []
        create: Command = ("XGROUP", "CREATE", self.stream, self.group, "0", "MKSTREAM")
        pending: Command = (
            "XREADGROUP", "GROUP", self.group, self.consumer,
            "COUNT", OWN_PENDING, "STREAMS", self.stream, "0",
        )  # fmt: skip
        return [("create", create), ("pending", pending)]

    def acknowledge(self) -> None:
        self.to_ack += self.handed
        self.handed = []

    def poll(self, now_ns: int, block_ms: int, count: int) -> list[Tagged]:
        block = max(1, block_ms)  # BLOCK 0 would wait forever
        if self.group is None:
            read: Command = (
                "XREAD", "COUNT", count, "BLOCK", block,
                "STREAMS", self.stream, self.control, self.last_id, self.control_id,
            )  # fmt: skip
            return [("read", read)]
        block = min(block, GROUP_BLOCK_MS)
        tagged = self.flush()
        if now_ns - self.claimed_at_ns >= self.claim_after_ms * 1_000_000:
            self.claimed_at_ns = now_ns
            claim: Command = (
                "XAUTOCLAIM", self.stream, self.group, self.consumer,
                self.claim_after_ms, self.cursor, "COUNT", count,
            )  # fmt: skip
            tagged.append(("claim", claim))
        if now_ns - self.control_at_ns >= CONTROL_EVERY_NS:
            self.control_at_ns = now_ns
            tagged.append(
                ("control", ("XREAD", "COUNT", count, "STREAMS", self.control, self.control_id))
            )
        read = (
            "XREADGROUP", "GROUP", self.group, self.consumer,
            "COUNT", count, "BLOCK", block, "STREAMS", self.stream, ">",
        )  # fmt: skip
        tagged.append(("read", read))
        return tagged

    def flush(self) -> list[Tagged]:
        """The acknowledgements still owed (sent with the next poll, or on closing)."""
        if self.group is None or not self.to_ack:
            return []
        ids, self.to_ack = self.to_ack, []
        return [("ack", ("XACK", self.stream, self.group, *ids))]

    def arrivals(self, tag: str, reply: object, stamp: int) -> list[Arrival]:
        """What one reply of a poll (or of the opening) brought."""
        if tag in ("ack", "create"):
            return []
        if tag == "claim":
            if not (isinstance(reply, list) and len(reply) >= 2):
                return []
            if isinstance(reply[0], bytes):
                self.cursor = reply[0]
            return self._hand(_entries(reply[1]), stamp, REDELIVERED)
        streams = _streams(reply)
        control = streams.get(self.control.encode(), [])
        if control:
            self.control_id = control[-1][0]
        found = [(key, stamp, CONTROL) for _, key, _ in control if key is not None]
        events = streams.get(self.stream.encode(), [])
        if self.group is None and events:
            self.last_id = events[-1][0]
        return found + self._hand(events, stamp, REDELIVERED if tag == "pending" else EVENT)

    def _hand(
        self, entries: list[tuple[bytes, bytes | None, bool]], stamp: int, how: int
    ) -> list[Arrival]:
        """A group's entries are acknowledged with the next poll; an end marker is one however
        it came."""
        if self.group is not None:
            self.handed += [entry_id for entry_id, _, _ in entries]
        return [(key, stamp, CONTROL if end else how) for _, key, end in entries if key is not None]

    def audit_command(self) -> Command | None:
        return None if self.group is None else ("XINFO", "GROUPS", self.stream)

    def audit(self, reply: object) -> tuple[int, int | None] | None:
        """(pending, not yet delivered) of this consumer's group, from XINFO GROUPS."""
        for item in reply if isinstance(reply, list) else []:
            info = dict(zip(item[::2], item[1::2], strict=False)) if isinstance(item, list) else {}
            if info.get(b"name") == (self.group or "").encode():
                pending, lag = info.get(b"pending"), info.get(b"lag")
                return (
                    pending if isinstance(pending, int) else 0,
                    lag if isinstance(lag, int) else None,
                )
        return None
