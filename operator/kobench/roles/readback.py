"""After a run, read every replica back: multi-master writes must have converged."""

from __future__ import annotations

import hashlib
import time

import redis

from kobench import protocol
from kobench.engines.inspect import connect
from kobench.results import Convergence
from kobench.roles.config import RoleConfig

SETTLE_SECONDS = 5.0
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


def check_convergence(config: RoleConfig, password: str | None) -> Convergence:
    """Compare every replica, giving replication a few seconds to settle."""
    if len(config.endpoints) < 2:
        return Convergence(checked=True, converged=True, detail="single replica")
    deadline = time.monotonic() + SETTLE_SECONDS
    detail = ""
    while True:
        try:
            prints = []
            for endpoint in config.endpoints:
                with connect(endpoint, password, db=config.spec.engine.database) as client:
                    prints.append(_fingerprint(client, config))
        except (redis.RedisError, OSError) as exc:
            return Convergence(checked=False, converged=False, detail=f"read-back failed: {exc}")
        if len(set(prints)) == 1:
            return Convergence(
                checked=True, converged=True, detail=f"every replica holds {prints[0]}"
            )
        detail = ", ".join(f"replica {i}: {p}" for i, p in enumerate(prints))
        if time.monotonic() >= deadline:
            return Convergence(checked=True, converged=False, detail=detail)
        time.sleep(0.25)
