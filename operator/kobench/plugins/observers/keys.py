"""What a notified key is: the run's shared key, one of its unique keys, an end marker, or other.

The check runs for every SET the server notifies, so it compares bytes against prefixes encoded
once, and decodes a key only once it is known to be the run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.measure import protocol
from kobench.measure.protocol import End, Handshake, Write
from kobench.plugins.observers.context import ObserverContext

SHARED, UNIQUE, END, OTHER = "shared", "unique", "end", "other"
MS = 1_000_000


@dataclass(frozen=True)
class EventKeys:
    """The run's key names, as text (to decode and build) and bytes (to compare)."""

    shared_key: bytes
    shared_mode: bool
    unique_prefix: str
    end_prefix: str
    handshake_prefix: str
    skip_prefix: str = ""
    due_after_ms: int = 0
    """Command expire: an event is due when its key expires, this long after its write."""
    _unique_b: bytes = field(init=False, repr=False)
    _end_b: bytes = field(init=False, repr=False)
    _skip_b: bytes = field(init=False, repr=False)

    @classmethod
    def of(cls, context: ObserverContext) -> EventKeys:
        workload = context.spec.workload
        return cls(
            shared_key=workload.shared_key.encode(),
            shared_mode=workload.key_mode == "shared",
            unique_prefix=protocol.unique_key_prefix(workload.key_prefix, context.run_id),
            end_prefix=context.end_prefix,
            handshake_prefix=context.handshake_prefix,
            skip_prefix=protocol.skip_prefix(workload.handshake_key, context.run_id),
            due_after_ms=workload.expiry.after_ms if workload.command == "expire" else 0,
        )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_unique_b", self.unique_prefix.encode())
        object.__setattr__(self, "_end_b", self.end_prefix.encode())
        object.__setattr__(self, "_skip_b", self.skip_prefix.encode() or b"\0")

    def classify(self, key: bytes) -> str:
        """Cheap: it runs for every SET on the server."""
        if key == self.shared_key:
            return SHARED if self.shared_mode else OTHER
        if key.startswith(self._unique_b):
            return UNIQUE
        if key.startswith(self._end_b) or key.startswith(self._skip_b):
            return END  # a writer's news: its end, or writes the engine refused
        return OTHER

    def unique_write(self, key: bytes) -> Write | None:
        """The write a key names; for command expire, stamped with when the key was due to
        expire (its latency is the expiry's lag)."""
        write = protocol.decode_unique_key(key, self.unique_prefix)
        if write is None or not self.due_after_ms:
            return write
        due_ns = (write.intended_ns // MS + self.due_after_ms) * MS
        return Write(write.writer, write.seq, write.replica, due_ns)

    def end_marker(self, key: bytes) -> End | None:
        return protocol.decode_end_key(key, self.end_prefix)

    def skipped(self, key: bytes) -> tuple[int, int, int] | None:
        return protocol.decode_skip_key(key, self.skip_prefix)

    def handshake_key(self, answer: Handshake) -> str:
        return protocol.handshake_key(self.handshake_prefix, answer)
