"""Engine clients for every role: they never retry on their own, because a silent reconnect
hides the pub/sub messages lost meanwhile. A role that reconnects does so itself, and counts it."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any

import redis
import redis.asyncio as aioredis
from pydantic import ConfigDict
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from kobench.api.basics import Document

TIMEOUT_SECONDS = 5.0


class Access(Document):
    """How this process's clients reach the engine besides the password: ACL user and TLS.
    One per process (a process talks to one engine deployment), set once by :func:`use_access`;
    it holds no secret, so it may travel in a role's configuration."""

    model_config = ConfigDict(frozen=True)

    username: str | None = None
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    """The name the server's certificate must hold, when it is not the host dialled."""
    verify: bool = True


_access = Access()


def use_access(access: Access) -> None:
    """Every client this process makes from now on connects as ``access`` says."""
    global _access  # one engine deployment per process, see Access
    _access = access


def current_access() -> Access:
    return _access


def tls_options(access: Access) -> dict[str, Any]:
    """redis-py's TLS arguments for ``access`` (none without TLS)."""
    if not access.tls:
        return {}
    return {
        "ssl": True,
        "ssl_ca_certs": access.ca_file,
        "ssl_certfile": access.cert_file,
        "ssl_keyfile": access.key_file,
        "ssl_cert_reqs": "required" if access.verify else "none",
        "ssl_check_hostname": access.verify and access.server_name is None,
    }


def stream_options(access: Access | None = None) -> dict[str, Any]:
    """``asyncio.open_connection`` arguments for a raw connection (the lean subscription): the
    same TLS as every other client of the process."""
    access = access or _access
    if not access.tls:
        return {}
    context = ssl.create_default_context(cafile=access.ca_file)
    if access.cert_file:
        context.load_cert_chain(access.cert_file, access.key_file)
    if not access.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return {"ssl": context, "server_hostname": access.server_name}


async def open_stream(
    host: str, port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw connection (the lean subscriptions), with :func:`stream_options`' TLS; a failure
    to connect within ``timeout`` seconds is a ``redis.ConnectionError`` naming the server."""
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(host, port, **stream_options()), timeout
        )
    except TimeoutError as exc:
        raise redis.ConnectionError(
            f"could not connect to {host}:{port}: no answer within {timeout:g} s"
        ) from exc
    except OSError as exc:  # ssl.SSLError included: a refused certificate
        raise redis.ConnectionError(f"could not connect to {host}:{port}: {exc}") from exc


def auth_arguments(password: str) -> tuple[str, ...]:
    """AUTH's arguments for a raw connection: with the ACL user when there is one."""
    return (_access.username, password) if _access.username else (password,)


def _options(host: str, port: int, password: str | None, db: int, timeout: float) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "username": _access.username,
        "password": password,
        "db": db,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        **tls_options(_access),
    }


class _NamedSSLConnection(redis.SSLConnection):
    """Verifies the server's certificate against ``server_name`` instead of the host dialled."""

    server_name = ""

    def _wrap_socket_with_ssl(self, sock: Any) -> Any:
        dialled, self.host = self.host, self.server_name
        try:
            context = self._build_ssl_context()  # type: ignore[no-untyped-call]
            context.check_hostname = True
            sock.settimeout(self.socket_connect_timeout)
            wrapped = context.wrap_socket(sock, server_hostname=self.server_name)
            wrapped.settimeout(self.socket_timeout)
            return wrapped
        finally:
            self.host = dialled


class _NamedAsyncSSLConnection(aioredis.SSLConnection):
    server_name = ""

    def _connection_arguments(self) -> Mapping[str, Any]:
        arguments = dict(super()._connection_arguments())
        context = arguments["ssl"]
        context.check_hostname = True
        return {**arguments, "server_hostname": self.server_name}


def _named(pool: Any, base: type[Any]) -> None:
    """Check the certificate's name against ``server_name`` (redis-py checks the host)."""
    if _access.tls and _access.verify and _access.server_name:
        pool.connection_class = type("NamedTLS", (base,), {"server_name": _access.server_name})


def client(
    host: str,
    port: int,
    password: str | None,
    *,
    db: int = 0,
    timeout: float = TIMEOUT_SECONDS,
    name: str | None = None,
) -> redis.Redis:
    """A client that fails instead of retrying: every role sees every connection loss.
    ``name``: its connections' CLIENT SETNAME (how a fault finds kobench's own)."""
    options = _options(host, port, password, db, timeout)
    made = redis.Redis(**options, retry=Retry(NoBackoff(), 0), client_name=name)
    _named(made.connection_pool, _NamedSSLConnection)
    return made


class _UnretriedPubSub(redis.client.PubSub):
    """redis-py's pub/sub connects again inside its failure handler, retries or not, and
    subscribes again there, bounded only by the client's 5 s timeout: a subscription that went
    to a port that accepts and never answers held the observer 5 s instead of one 2 s attempt
    (and a silent reconnect is no outage). Here the handler only disconnects."""

    def _reconnect(self, conn: Any, *args: Any, **kwargs: Any) -> None:
        conn.disconnect()


def pubsub(made: redis.Redis) -> redis.client.PubSub:
    """A pub/sub of a :func:`client` that fails instead of connecting again on its own."""
    return _UnretriedPubSub(made.connection_pool)


def async_client(
    host: str, port: int, password: str | None, *, db: int = 0, timeout: float = TIMEOUT_SECONDS
) -> aioredis.Redis:
    """The asyncio twin of :func:`client`."""
    options = _options(host, port, password, db, timeout)
    made = aioredis.Redis(**options, retry=AsyncRetry(NoBackoff(), 0))
    _named(made.connection_pool, _NamedAsyncSSLConnection)
    return made


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
