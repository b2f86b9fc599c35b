"""After a run, read every replica back: multi-master writes must have converged.

The read-back and the engine's replication state are taken together (:func:`engine_snapshot`)
and each says when: replicas that differed while one was down or unreachable make convergence
"not checked" (they may have been catching up), never "did not converge"; replicas that held
the same data converged, and the note says which links were down.
"""

from __future__ import annotations

import hashlib
import time

import redis

from kobench.measure import protocol
from kobench.measure.results import Convergence, EngineFacts
from kobench.plugins.connections import busy
from kobench.plugins.engines import divergence, get_engine
from kobench.plugins.engines.inspect import connect, inspect_engine
from kobench.roles.role_config import RoleConfig

SETTLE_SECONDS = 5.0
BUSY_PAUSE_SECONDS = 0.05
"""A replica that cannot serve yet (loading) is read again this long after, within the settle
time; still loading then, it is "not checked"."""
SCAN_COUNT = 1000


def _fingerprint(client: redis.Redis, config: RoleConfig) -> str:
    """What a replica holds of this run: the shared key's value or the set of unique keys."""
    workload = config.spec.workload
    if workload.key_mode == "shared":
        value = client.get(workload.shared_key)
        if value is None:
            return "missing"
        raw = value if isinstance(value, bytes) else str(value).encode()
        return hashlib.sha256(raw).hexdigest()[:16]
    pattern = protocol.unique_key_prefix(workload.key_prefix, config.run_id) + "*"
    keys = sorted(client.scan_iter(match=pattern, count=SCAN_COUNT))
    digest = hashlib.sha256(b"\n".join(keys)).hexdigest()[:16]
    return f"{len(keys)} keys/{digest}"


def _unread(exc: Exception, settle_seconds: float | None = None) -> Convergence:
    """A replica could not be read back: nothing is claimed about convergence."""
    detail = f"read-back failed: {exc}"
    return Convergence(
        checked=False,
        converged=False,
        detail=detail,
        checked_ns=time.time_ns(),
        settle_seconds=settle_seconds,
    )


def check_convergence(config: RoleConfig, password: str | None) -> Convergence:
    """Compare every replica, giving replication a few seconds to settle."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        try:
            prints = []
            for endpoint in config.endpoints:
                with connect(endpoint, password, db=config.spec.engine.database) as client:
                    prints.append(_fingerprint(client, config))
        except (redis.RedisError, OSError) as exc:
            if busy(exc) and time.monotonic() < deadline:
                time.sleep(BUSY_PAUSE_SECONDS)  # loading (a resync from disk): a pause
                continue
            return _unread(exc)
        if len(prints) == 1:
            detail = f"single replica, read back: {prints[0]}"
            return Convergence(
                checked=True, converged=True, detail=detail, checked_ns=time.time_ns()
            )
        if len(set(prints)) == 1:
            detail = f"every replica holds {prints[0]}"
            return Convergence(
                checked=True, converged=True, detail=detail, checked_ns=time.time_ns()
            )
        detail = ", ".join(f"replica {i}: {p}" for i, p in enumerate(prints))
        if time.monotonic() >= deadline:
            return Convergence(
                checked=True, converged=False, detail=detail, checked_ns=time.time_ns()
            )
        time.sleep(0.25)


def check_divergence(config: RoleConfig, password: str | None) -> Convergence:
    """Conflict mode: compare every pair of replicas key by key, once no pair differs or the
    settle time has passed (then what still differs has diverged for good)."""
    workload = config.spec.workload
    assert workload.conflict is not None
    settle = workload.conflict.settle_seconds
    pattern = protocol.conflict_key_prefix(workload.key_prefix, config.run_id) + "*"
    began = time.monotonic()
    while True:
        try:
            snapshots = divergence.read_all(
                config.endpoints, password, db=config.spec.engine.database, pattern=pattern
            )
        except (redis.RedisError, OSError) as exc:
            if busy(exc) and time.monotonic() - began < settle:
                time.sleep(BUSY_PAUSE_SECONDS)  # loading (a resync from disk): a pause
                continue
            return _unread(exc, settle_seconds=settle)
        waited = time.monotonic() - began
        found = divergence.report(
            snapshots, settle_seconds=settle, waited_seconds=waited, checked_ns=time.time_ns()
        )
        if found.converged or waited >= settle:
            return found
        time.sleep(min(0.25, max(0.0, settle - waited)))


def with_replication(convergence: Convergence, facts: EngineFacts) -> Convergence:
    """The read-back judged beside the replication state read right after it.

    Replicas that all held the same data converged, whatever their links said then (the note
    names the links down). Replicas that differed while a link was down or a replica
    unreachable may still have been catching up: "not checked", naming each one's state (its
    detail, "1/2 peer links up", not its role)."""
    down = [s for s in facts.replication if s.role == "unreachable" or not s.link_up]
    if not down or not convergence.checked:
        return convergence
    states = ", ".join(f"replica {s.index}: {s.detail or s.role}" for s in down)
    if convergence.converged:
        note = f"{convergence.detail}; replication not whole at the read-back ({states})"
        return convergence.model_copy(update={"detail": note})
    return convergence.model_copy(
        update={
            "checked": False,
            "detail": f"replication was not whole when the replicas were read back ({states}); "
            f"they differed then: {convergence.detail}",
        }
    )


def engine_snapshot(config: RoleConfig, password: str | None) -> tuple[EngineFacts, Convergence]:
    """Convergence and the replication state read right after it, consistent with each other."""
    if config.spec.workload.conflict is not None:
        convergence = check_divergence(config, password)
    else:
        convergence = check_convergence(config, password)
    facts = inspect_engine(get_engine(config.spec.engine.type), config.endpoints, password)
    return facts, with_replication(convergence, facts)
