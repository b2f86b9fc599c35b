"""Counting what arrived of one writer's sequence numbers: distinct, duplicates, out of order."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SequenceTracker:
    """Counts what arrived from one writer: distinct, duplicate and out-of-order sequences.

    Missed events are ``expected - distinct`` once the writer's total is known; while running,
    ``gaps`` is a lower bound of what is missing so far.
    """

    seen: bytearray = field(default_factory=bytearray)
    distinct: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    highest: int = -1

    def record(self, seq: int) -> bool:
        """Record a sequence; True when it is new (not a duplicate)."""
        if seq < 0:
            return False
        byte, bit = divmod(seq, 8)
        if byte >= len(self.seen):
            self.seen.extend(b"\0" * max(byte + 1 - len(self.seen), len(self.seen)))
        mask = 1 << bit
        if self.seen[byte] & mask:
            self.duplicates += 1
            return False
        self.seen[byte] |= mask
        self.distinct += 1
        if seq < self.highest:
            self.out_of_order += 1
        else:
            self.highest = seq
        return True

    def contains(self, seq: int) -> bool:
        """Whether ``seq`` has arrived (without recording anything)."""
        byte, bit = divmod(seq, 8)
        return seq >= 0 and byte < len(self.seen) and bool(self.seen[byte] & (1 << bit))

    @property
    def gaps(self) -> int:
        return self.highest + 1 - self.distinct

    def seen_below(self, limit: int) -> int:
        """Distinct sequences in ``0..limit-1``."""
        whole, rest = divmod(limit, 8)
        count = int.from_bytes(self.seen[:whole], "little").bit_count()
        if rest and whole < len(self.seen):
            count += (self.seen[whole] & ((1 << rest) - 1)).bit_count()
        return count

    def missed_of(self, expected: int) -> int:
        """Writes in ``0..expected-1`` that never arrived."""
        return expected - self.seen_below(expected)
