"""What a writer sends for one write of each workload command, and the event it causes.

The write itself is the mechanism-neutral half: ``SET`` (today's), ``SET`` + ``DEL``, ``HSET``,
``LPUSH`` or ``XADD`` each followed by ``EXPIRE`` (every key of a run goes away on its own), or
a ``SET`` that expires at a known instant (``PXAT``), whose ``expired`` event observers measure
from that instant. The mechanism adds its own announcement after it (:mod:`.mechanism_protocol`).
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.measure.results.delivery_docs import EVENTS
from kobench.plugins.mechanisms.mechanism_protocol import Command

NOTIFY_CLASSES: dict[str, str] = {
    "set": "$",
    "del": "g",
    "hset": "h",
    "lpush": "l",
    "xadd": "t",
    "expire": "x",
}
"""The notify-keyspace-events class of each command's event."""
ALL_CLASSES = "g$lshzxetd"
"""What flag A stands for."""
NS_PER_MS = 1_000_000


def event_of(spec: BenchmarkSpec) -> str:
    return EVENTS[spec.workload.command]


def due_ms(intended_ns: int, after_ms: int) -> int:
    """When a key of command ``expire`` expires (unix ms): its write's intended time, floored
    to the millisecond, plus ``after_ms``. The observer computes the same from the key."""
    return intended_ns // NS_PER_MS + after_ms


def write_commands(
    command: str, key: str, value: bytes, ttl: int, *, due_at_ms: int = 0
) -> list[Command]:
    """The commands of one write of ``command`` (``ttl``: seconds, 0 for none; ``due_at_ms``:
    command expire's expiry instant)."""
    if command == "set":
        return [("SET", key, value, "EX", ttl) if ttl else ("SET", key, value)]
    if command == "expire":
        return [("SET", key, value, "PXAT", due_at_ms)]
    expire: list[Command] = [("EXPIRE", key, ttl)] if ttl else []
    if command == "del":
        return [("SET", key, value), ("DEL", key)]
    if command == "hset":
        return [("HSET", key, "v", value), *expire]
    if command == "lpush":
        return [("LPUSH", key, value), *expire]
    if command == "xadd":
        return [("XADD", key, "*", "v", value), *expire]
    raise ValueError(f"unknown command {command!r}")


def classes_of(flags: str) -> set[str]:
    """The event classes a notify-keyspace-events value enables (A expanded)."""
    found = set(flags)
    if "A" in found:
        found |= set(ALL_CLASSES)
    return found - {"A"}
