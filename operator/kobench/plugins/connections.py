"""Engine clients for every role: they never retry on their own, because a silent reconnect
hides the pub/sub messages lost meanwhile. A role that reconnects does so itself, and counts it."""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

TIMEOUT_SECONDS = 5.0


def _options(host: str, port: int, password: str | None, db: int, timeout: float) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "password": password,
        "db": db,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }


def client(
    host: str, port: int, password: str | None, *, db: int = 0, timeout: float = TIMEOUT_SECONDS
) -> redis.Redis:
    """A client that fails instead of retrying: every role sees every connection loss."""
    options = _options(host, port, password, db, timeout)
    return redis.Redis(**options, retry=Retry(NoBackoff(), 0))


def async_client(
    host: str, port: int, password: str | None, *, db: int = 0, timeout: float = TIMEOUT_SECONDS
) -> aioredis.Redis:
    """The asyncio twin of :func:`client`."""
    options = _options(host, port, password, db, timeout)
    return aioredis.Redis(**options, retry=AsyncRetry(NoBackoff(), 0))
