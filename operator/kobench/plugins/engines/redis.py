"""Redis and Valkey: replica 0 is the primary, the others are read-only replicas of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from kobench.api import Engine as EngineSpec
from kobench.measure.results import ReplicaState
from kobench.plugins.engines.engine_protocol import Address, common_args, links_up

PRIMARY = 0


class RedisEngine:
    name: ClassVar[str] = "redis"
    binary: ClassVar[str] = "redis-server"
    default_image: ClassVar[str] = "kobench-redis:7.0"
    multi_master: ClassVar[bool] = False

    def server_args(
        self,
        index: int,
        endpoints: list[Address],
        *,
        spec: EngineSpec,
        password: str | None,
    ) -> list[str]:
        args = common_args(spec, endpoints[index].port, password)
        if spec.server_threads > 1:
            args += ["--io-threads", str(spec.server_threads)]
        if index != PRIMARY:
            primary = endpoints[PRIMARY]
            args += ["--replicaof", primary.host, str(primary.port), "--replica-read-only", "yes"]
        return args

    def write_replicas(self, replicas: int) -> list[int]:
        return [PRIMARY]

    def handshake_replica(self, observed: int) -> int:
        # Replicas are read-only: an observer on a replica answers on the primary.
        return PRIMARY

    def replica_state(
        self, index: int, address: str, info: Mapping[str, Any], replicas: int
    ) -> ReplicaState:
        role = str(info.get("role", "unknown"))
        if index == PRIMARY:
            connected = int(info.get("connected_slaves", 0))
            return ReplicaState(
                index=index,
                address=address,
                role=role,
                link_up=role == "master" and connected >= replicas - 1,
                detail=f"{connected}/{replicas - 1} replicas connected",
            )
        up, _ = links_up(info)
        return ReplicaState(
            index=index,
            address=address,
            role=role,
            link_up=role == "slave" and up >= 1,
            detail="link to primary up" if up else "link to primary down",
        )


class ValkeyEngine(RedisEngine):
    name: ClassVar[str] = "valkey"
    binary: ClassVar[str] = "valkey-server"
    default_image: ClassVar[str] = "kobench-valkey:8.0"
