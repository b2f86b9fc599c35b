"""Writing to an engine that cannot serve for a while (loading its dataset after a restart or a
full resync, a script running, a primary down): a pause, not a loss.

A refused write is not written (the writer reports it with its time), the writer goes on with
its schedule after a short wait, and in shared mode it notes the refused writes just before the
next write that is made, so an observer that numbers notifications skips them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import redis

from kobench.measure import protocol
from kobench.measure.clock import Clock
from kobench.plugins.connections import busy_reply
from kobench.plugins.mechanisms.mechanism_protocol import Command
from kobench.roles.schedule import BUSY_BACKOFF_NS, CONTROL, Item


def send_items(
    client: redis.Redis, items: list[Item], commands: Callable[[Item], list[Command]]
) -> str | None:
    """Send the items (``commands``: what each one is on the wire); the engine's answer when it
    refused them (loading), else None. A refusal of a pipeline refuses all of it: the server
    answers every command of one pipeline alike, loading or not."""
    try:
        sent = [command for item in items for command in commands(item)]
        if len(sent) == 1:
            client.execute_command(*sent[0])
            return None
        pipe = client.pipeline(transaction=False)
        for command in sent:
            pipe.execute_command(*command)
        pipe.execute()
    except redis.RedisError as exc:
        reason = busy_reply(exc)
        if reason is None:
            raise
        return reason
    return None


def served(action: Callable[[], object], clock: Clock, within_s: float) -> None:
    """Do it, trying again (with a doubling pause) while the engine cannot serve, for up to
    ``within_s``; any other error, or still refused then, raises."""
    deadline = clock.monotonic_ns() + round(within_s * 1e9)
    pause = BUSY_BACKOFF_NS[0]
    while True:
        try:
            action()
            return
        except redis.RedisError as exc:
            if busy_reply(exc) is None or clock.monotonic_ns() >= deadline:
                raise
        clock.sleep(pause / 1e9)
        pause = min(BUSY_BACKOFF_NS[1], 2 * pause)


@dataclass
class SkipNotes:
    """Shared mode: the refused writes observers have not been told of yet."""

    prefix: str
    writer: int
    ttl: int
    pending: list[list[int]] = field(default_factory=list)
    """Runs [first, last] of refused writes."""

    def refused(self, seqs: list[int]) -> None:
        for seq in seqs:
            if self.pending and self.pending[-1][1] == seq - 1:
                self.pending[-1][1] = seq
            else:
                self.pending.append([seq, seq])

    def items(self) -> list[Item]:
        """The notes to send just before the next writes."""
        return [
            Item(f"{self.prefix}{self.writer}:{first}:{last}", b"1", self.ttl, CONTROL)
            for first, last in self.pending
        ]

    def announced(self) -> None:
        self.pending.clear()


def skip_notes(handshake_key: str, run_id: str, writer: int, ttl: int) -> SkipNotes:
    return SkipNotes(protocol.skip_prefix(handshake_key, run_id), writer, ttl)
