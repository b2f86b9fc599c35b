"""KeyDB in active-replica multi-master mode: every replica is a master of all its peers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from kobench.api import Engine as EngineSpec
from kobench.measure.results import ReplicaState
from kobench.plugins.engines.engine_protocol import Address, common_args, links_up


class KeyDBEngine:
    name: ClassVar[str] = "keydb"
    binary: ClassVar[str] = "keydb-server"
    default_image: ClassVar[str] = "eqalpha/keydb:x86_64_v6.3.4"
    multi_master: ClassVar[bool] = True
    version_field: ClassVar[str] = "redis_version"
    """KeyDB's INFO names its own version (6.3.4) only there."""
    lacks: ClassVar[dict[str, str]] = {
        "SSUBSCRIBE": "sharded pub/sub (SPUBLISH/SSUBSCRIBE came with Redis 7; KeyDB 6.3 is "
        "based on Redis 6.2)",
    }
    """Known without asking: KeyDB's last release (6.3.4, 2023) has no sharded pub/sub."""

    def server_args(
        self,
        index: int,
        endpoints: list[Address],
        *,
        spec: EngineSpec,
        password: str | None,
    ) -> list[str]:
        args = common_args(spec, endpoints[index].port, password)
        args += ["--server-threads", str(spec.server_threads)]
        # Order matters: KeyDB refuses replicaof before active-replica/multi-master, and without
        # multi-master a second replicaof silently replaces the first.
        args += ["--active-replica", "yes", "--multi-master", "yes"]
        for peer, endpoint in enumerate(endpoints):
            if peer != index:
                args += ["--replicaof", endpoint.host, str(endpoint.port)]
        return args

    def write_replicas(self, replicas: int) -> list[int]:
        return list(range(replicas))

    def handshake_replica(self, observed: int) -> int:
        # Each key is written on one master only: concurrent writes of one key on two masters
        # can diverge for good.
        return observed

    def replica_state(
        self, index: int, address: str, info: Mapping[str, Any], replicas: int
    ) -> ReplicaState:
        up, listed = links_up(info)
        expected = replicas - 1
        return ReplicaState(
            index=index,
            address=address,
            role=str(info.get("role", "unknown")),
            link_up=up >= expected and listed >= expected,
            detail=f"{up}/{expected} peer links up",
        )
