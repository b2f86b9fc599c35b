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


BUSY_REPLIES = ("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN")
"""A server that is there but cannot serve yet: loading its dataset (a restart, a full resync
from disk), running a script, a replica whose primary is down, a slot moving. A pause, not a
loss: roles wait and try again (bounded), and say what could not be done meanwhile."""


def busy_reply(exc: BaseException) -> str | None:
    """The server's answer when it is one of :data:`BUSY_REPLIES` (redis-py maps some to their
    own classes and strips the code), else None."""
    codes = {
        redis.exceptions.BusyLoadingError: "LOADING",
        redis.exceptions.MasterDownError: "MASTERDOWN",
        redis.exceptions.TryAgainError: "TRYAGAIN",
    }
    code = next((c for kind, c in codes.items() if isinstance(exc, kind)), None)
    if code is not None:
        return f"{code} {exc}"
    if isinstance(exc, redis.ResponseError) and str(exc).split(" ", 1)[0] in BUSY_REPLIES:
        return str(exc)
    return None


def busy(exc: BaseException) -> bool:
    return busy_reply(exc) is not None
