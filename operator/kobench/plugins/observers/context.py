"""What an observer instance is told (its context) and what every role says about its client."""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from kobench.api import BenchmarkSpec
from kobench.measure import protocol
from kobench.measure.results import ClientInfo
from kobench.plugins import connections as clients

NODE_ENV = "KOBENCH_NODE_NAME"
"""Set in pods to the node's name: roles on one node share its clock."""


def client_info() -> ClientInfo:
    """Library versions and parser: they move the figures by 1.3-1.8x."""
    try:
        import hiredis  # noqa: F401

        has_hiredis = True
    except ImportError:
        has_hiredis = False
    return ClientInfo(
        python=platform.python_version(),
        redis_py=redis.__version__,
        hiredis=has_hiredis,
        # In a pod, the node's name: pods on one node share its clock.
        host=os.environ.get(NODE_ENV) or socket.gethostname(),
    )


@dataclass(frozen=True)
class Target:
    """A server to talk to."""

    host: str
    port: int
    password: str | None
    database: int

    def client(
        self, *, timeout: float = clients.TIMEOUT_SECONDS, name: str | None = None
    ) -> redis.Redis:
        return clients.client(
            self.host, self.port, self.password, db=self.database, timeout=timeout, name=name
        )

    def async_client(self, *, timeout: float = clients.TIMEOUT_SECONDS) -> aioredis.Redis:
        return clients.async_client(
            self.host, self.port, self.password, db=self.database, timeout=timeout
        )

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ObserverContext:
    """Everything an observer instance needs to know."""

    run_id: str
    spec: BenchmarkSpec
    name: str
    instance: int
    mode: str
    listen: Target
    answer: Target
    handshake: bool
    deadline: float
    """Monotonic time (s) after which the observer gives up waiting for writers."""
    handshake_every: int = 1
    """Answer one write in N (see :func:`protocol.answered`)."""
    mechanism: str = "keyevent"
    """The delivery mechanism that runs, as mechanism:variant when it has one."""
    guarantee: str = "at-most-once"
    """The delivery mechanism's guarantee (at-most-once, at-least-once, coalescing, resumable)."""

    def answers(self, seq: int) -> bool:
        return self.handshake and protocol.answered(seq, self.handshake_every)

    @property
    def instance_id(self) -> str:
        return f"{self.name}.{self.instance}"

    @property
    def channel(self) -> str:
        return protocol.keyevent_channel(self.spec.engine.database)

    @property
    def target_replica(self) -> int:
        return next(o.target_replica for o in self.spec.observers if o.name == self.name)

    @property
    def handshake_prefix(self) -> str:
        return protocol.answer_prefix(self.spec.workload.handshake_key, self.run_id)

    @property
    def end_prefix(self) -> str:
        return protocol.end_prefix(self.spec.workload.handshake_key, self.run_id)
