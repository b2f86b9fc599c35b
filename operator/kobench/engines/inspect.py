"""Ask running engine servers what they are: version and replication state of every replica."""

from __future__ import annotations

from collections.abc import Sequence

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from kobench.engines.base import Address, Engine
from kobench.results import EngineFacts, ReplicaState


def connect(
    address: Address, password: str | None, *, db: int = 0, timeout: float = 5.0
) -> redis.Redis:
    return redis.Redis(
        host=address.host,
        port=address.port,
        password=password,
        db=db,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def server_version(info: dict[str, object]) -> str:
    for field in ("valkey_version", "keydb_version", "redis_version"):
        if field in info:
            name = field.removesuffix("_version")
            return f"{name} {info[field]}"
    return "unknown"


def inspect_engine(
    engine: Engine, endpoints: Sequence[Address], password: str | None
) -> EngineFacts:
    """Version and replication state; an unreachable replica is reported, not raised."""
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
        version = version or server_version(info)
        states.append(engine.replica_state(index, label, info, len(endpoints)))
    return EngineFacts(
        type=engine.name, version=version, replicas=len(endpoints), replication=states
    )


def replication_ready(facts: EngineFacts) -> bool:
    return all(state.link_up for state in facts.replication)
