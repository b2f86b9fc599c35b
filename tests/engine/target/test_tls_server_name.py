"""``spec.target.tls.serverName``: the server's certificate is checked against the name given,
not the address dialled, by redis-py's clients (sync and asyncio) and by the lean subscription."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from tests.engine.target.tls_servers import (
    SERVER_NAME,
    Deployment,
    start_deployment,
    stop_deployment,
)

from kobench.plugins import connections as clients
from kobench.plugins.connections import Access
from kobench.plugins.observers.context import Target
from kobench.plugins.observers.wire import WireSubscription


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    started = start_deployment("redis-server", tmp_path)
    yield started
    stop_deployment(started)
    clients.use_access(Access())


CLIENTS = ("sync", "asyncio", "lean subscription")


def reach(deployment: Deployment, server_name: str, kind: str) -> None:
    """PING (or SUBSCRIBE) through one kind of client, as the ACL user, checking
    ``server_name``."""
    clients.use_access(
        Access(username="kobench", tls=True, ca_file=str(deployment.ca), server_name=server_name)
    )
    port, password = deployment.ports[0], deployment.password
    if kind == "sync":
        with clients.client("127.0.0.1", port, password) as client:
            assert client.ping()
        return

    async def other() -> None:
        if kind == "asyncio":
            client = clients.async_client("127.0.0.1", port, password)
            try:
                assert await client.ping()
            finally:
                await client.aclose()
            return
        target = Target("127.0.0.1", port, password, 0)
        subscription = await WireSubscription.open(target, "__keyevent@0__:set", timeout=5)
        await subscription.aclose()

    asyncio.run(other())


@pytest.mark.parametrize("kind", CLIENTS)
def test_the_name_the_certificate_holds_is_accepted(deployment: Deployment, kind: str) -> None:
    reach(deployment, SERVER_NAME, kind)


@pytest.mark.parametrize("kind", CLIENTS)
def test_another_name_is_refused(deployment: Deployment, kind: str) -> None:
    with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
        reach(deployment, "elsewhere.kobench.test", kind)
