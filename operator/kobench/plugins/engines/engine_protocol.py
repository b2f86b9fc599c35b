"""The engine plugin contract: how to start N replicas of a server and check they replicate."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from kobench.api import Engine as EngineSpec
from kobench.measure.results import ReplicaState

LINK_STATUS = re.compile(r"^master(_\d+)?_link_status$")


class Address(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


@runtime_checkable
class Engine(Protocol):
    """An engine plugin, registered under the ``kobench.engines`` entry-point group.

    Optional: ``version_field``, the ``INFO`` field that holds the server's own version
    (default ``<name>_version``); ``lacks``, the probe features (a mechanism's ``features``)
    the engine is known not to have, each with its words, so validation refuses what the
    probe could only refuse later (see :func:`engine_lacks`).
    """

    name: ClassVar[str]
    binary: ClassVar[str]
    """Server executable looked up on PATH by the local runner."""
    default_image: ClassVar[str]
    multi_master: ClassVar[bool]
    """True when every replica accepts writes (so round-robin writing makes sense)."""

    def server_args(
        self,
        index: int,
        endpoints: Sequence[Address],
        *,
        spec: EngineSpec,
        password: str | None,
    ) -> list[str]:
        """Command-line arguments for replica ``index``, listening on ``endpoints[index].port``."""
        ...

    def write_replicas(self, replicas: int) -> list[int]:
        """Replicas that accept writes."""
        ...

    def handshake_replica(self, observed: int) -> int:
        """Where an observer subscribed on ``observed`` writes its handshake."""
        ...

    def replica_state(
        self, index: int, address: str, info: Mapping[str, Any], replicas: int
    ) -> ReplicaState:
        """Interpret ``INFO replication`` of one replica."""
        ...


REPL_TIMEOUT_SECONDS = 6
"""How long a replication link may hang before the server gives it up and connects again. The
default (60 s) kept a replaced replica's peers on a connection to the departed pod for up to a
minute (its Service still routes to it while it terminates, and a SYN to a gone address gets no
answer); with 6 s they reach the successor within a few seconds of it being ready."""
REPL_PING_SECONDS = 1
"""How often a primary pings its replicas: well inside the timeout, so an idle link stays up."""


def common_args(spec: EngineSpec, port: int, password: str | None) -> list[str]:
    """Arguments every Redis-family server takes: no persistence, notifications, auth, a full
    sync that starts at once (the default waits 5 s for more replicas to share it: a replica
    that connects a moment after another waited 5 s more, per replica, to be ready), and
    replication links that give up a hung connection within :data:`REPL_TIMEOUT_SECONDS`."""
    args = [
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--notify-keyspace-events",
        spec.notify_keyspace_events,
        "--repl-diskless-sync-delay",
        "0",
        "--repl-timeout",
        str(REPL_TIMEOUT_SECONDS),
        "--repl-ping-replica-period",
        str(REPL_PING_SECONDS),
    ]
    if password:
        args += ["--requirepass", password, "--masterauth", password]
    return args


def tls_server_args(port: int, *, ca: str, cert: str, key: str) -> list[str]:
    """Arguments (after the engine's own: the last ``--port`` wins) for TLS only on ``port``,
    replication links included (KeyDB's active replicas too: every ``replicaof`` link), with
    the server's certificate; clients need no certificate of their own."""
    return [
        "--port", "0",
        "--tls-port", str(port),
        "--tls-cert-file", cert,
        "--tls-key-file", key,
        "--tls-ca-cert-file", ca,
        "--tls-auth-clients", "no",
        "--tls-replication", "yes",
    ]  # fmt: skip


def engine_lacks(engine: Engine) -> Mapping[str, str]:
    """Feature -> words, for the features ``engine`` is known to lack (its optional ``lacks``)."""
    lacks: Mapping[str, str] = getattr(engine, "lacks", {})
    return lacks


def links_up(info: Mapping[str, Any]) -> tuple[int, int]:
    """(links up, links listed) among the ``master*_link_status`` fields of INFO replication."""
    states = [str(v) for k, v in info.items() if LINK_STATUS.match(str(k))]
    return sum(1 for s in states if s == "up"), len(states)
