"""Ask running engine servers what they are: version and replication state of every replica."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import redis

from kobench.measure.results import EngineFacts, ReplicaState
from kobench.plugins import connections as clients
from kobench.plugins.engines.engine_protocol import Address, Engine


def connect(
    address: Address, password: str | None, *, db: int = 0, timeout: float = 5.0
) -> redis.Redis:
    return clients.client(address.host, address.port, password, db=db, timeout=timeout)


def server_version(info: Mapping[str, object], engine: str, own_field: str | None = None) -> str:
    """The server's name and version, e.g. ``valkey 8.0.1``. ``own_field``: where the engine
    reports its own version (default ``<engine>_version``): KeyDB 6.3 has only ``redis_version``,
    and the number there is KeyDB's (6.3.4), not the Redis it forked from."""
    field = own_field or f"{engine}_version"
    if field in info:
        return f"{engine} {info[field]}"
    for other in ("valkey_version", "keydb_version", "redis_version"):
        if other in info:
            return f"{other.removesuffix('_version')} {info[other]}"
    return "unknown"


def inspect_engine(
    engine: Engine, endpoints: Sequence[Address], password: str | None
) -> EngineFacts:
    """Version and replication state, and when they were read; an unreachable replica is
    reported, not raised."""
    version = ""
    states: list[ReplicaState] = []
    for index, address in enumerate(endpoints):
        label = f"{address.host}:{address.port}"
        try:
            with connect(address, password) as client:
                info = client.info()
        except (redis.RedisError, OSError) as exc:
            states.append(
                ReplicaState(
                    index=index, address=label, role="unreachable", link_up=False, detail=str(exc)
                )
            )
            continue
        version = version or server_version(
            info, engine.name, getattr(engine, "version_field", None)
        )
        states.append(engine.replica_state(index, label, info, len(endpoints)))
    return EngineFacts(
        type=engine.name,
        version=version,
        replicas=len(endpoints),
        replication=states,
        tls=clients.current_access().tls,
        checked_ns=time.time_ns(),
    )


def replication_ready(facts: EngineFacts) -> bool:
    return all(state.link_up for state in facts.replication)
