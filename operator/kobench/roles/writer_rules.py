"""What a writer settles before writing: the replicas it writes to, the common start of a
conflict run, whether observers answer it and how many answers to wait for; and a tighter
timer slack, so its sleeps do not overshoot the schedule."""

from __future__ import annotations

import contextlib
import ctypes

import redis

from kobench.measure import protocol
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import RoleConfig

PR_SET_TIMERSLACK = 29


def tighten_timer_slack() -> None:
    """Linux lets a sleep overshoot by 50 us by default; the schedule would count it as latency.

    Measured here: a 0.5 ms sleep overshoots by 74 us (p50) by default and by 25 us at 1 ns slack.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)


def writer_targets(config: RoleConfig, writer_id: int) -> list[int]:
    """Replicas this writer writes to: one, or every master in turn (rotated per writer).

    Conflict mode without round robin: writer i on master i mod masters. Either way, writers
    i and j (i != j mod masters) are on different masters at every instant."""
    workload = config.spec.workload
    if not workload.round_robin and workload.conflict is None:
        return [workload.target_replica]
    masters = get_engine(config.spec.engine.type).write_replicas(config.spec.engine.replicas)
    shift = writer_id % len(masters)
    if not workload.round_robin:
        return [masters[shift]]
    return masters[shift:] + masters[:shift]


def agree_start(client: redis.Redis, key: str, proposed_ns: int, ttl: int) -> int:
    """The common schedule start of a conflict run: the first writer's proposal wins (SET NX on
    one agreed replica), the others read it."""
    client.set(key, str(proposed_ns), nx=True, ex=ttl)
    agreed = client.get(key)
    return int(agreed) if agreed is not None else proposed_ns


def handshaking(config: RoleConfig) -> bool:
    """Observers answer: some ask to, and the command's events can be answered (an expiry
    comes long after its write: no round trip to measure)."""
    spec = config.spec
    return spec.workload.command != "expire" and any(o.handshake for o in spec.observers)


def expected_handshakes(config: RoleConfig, sent: int) -> int:
    """Answers to ``sent`` writes: each handshaking instance answers the writes its
    ``handshakeEvery`` samples, when it reads them."""
    return sum(
        o.replicas * protocol.answered_below(sent, o.handshake_every)
        for o in config.spec.observers
        if o.handshake
    )
