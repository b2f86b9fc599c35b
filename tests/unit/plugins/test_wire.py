"""The async observer's pub/sub reader, fed by hand: whole messages, in order, once each."""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

import pytest
import redis

from kobench.plugins.observers.context import Target
from kobench.plugins.observers.wire import WireSubscription, command


def published(key: bytes) -> bytes:
    return command(b"message", b"__keyevent@0__:set", key)


def subscription(reader: asyncio.StreamReader) -> WireSubscription:
    return WireSubscription(reader, cast(asyncio.StreamWriter, None))  # never written to here


def test_a_message_split_across_chunks_arrives_once_and_whole() -> None:
    async def scenario() -> list[list[bytes]]:
        reader = asyncio.StreamReader()
        sub = subscription(reader)
        second = published(b"key-2")
        reader.feed_data(published(b"key-1") + second[:9])
        first_batch = await sub.batch(0.1, 10)
        reader.feed_data(second[9:])
        second_batch = await sub.batch(0.1, 10)
        nothing = await sub.batch(0.01, 10)
        return [[k for k, _ in b] for b in (first_batch, second_batch, nothing)]

    assert asyncio.run(scenario()) == [[b"key-1"], [b"key-2"], []]


def test_a_batch_holds_at_most_its_limit_and_the_rest_waits_in_order() -> None:
    async def scenario() -> list[list[bytes]]:
        reader = asyncio.StreamReader()
        sub = subscription(reader)
        reader.feed_data(b"".join(published(b"k%d" % n) for n in range(5)))
        return [[k for k, _ in await sub.batch(0.1, 3)] for _ in range(2)]

    assert asyncio.run(scenario()) == [[b"k0", b"k1", b"k2"], [b"k3", b"k4"]]


def test_a_closed_connection_is_a_connection_loss() -> None:
    async def scenario() -> None:
        reader = asyncio.StreamReader()
        reader.feed_eof()
        await subscription(reader).batch(0.1, 10)

    with pytest.raises(redis.ConnectionError, match="closed"):
        asyncio.run(scenario())


def test_commands_are_encoded_in_resp() -> None:
    assert command(b"SUBSCRIBE", b"ch") == b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n"


class FakeServer:
    """A loopback server that answers AUTH with ``auth_reply`` and confirms SUBSCRIBE, then
    publishes ``keys``; it records what it was sent."""

    def __init__(self, auth_reply: bytes, keys: list[bytes]) -> None:
        self.auth_reply, self.keys, self.received = auth_reply, keys, b""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):  # a refused client hangs up
            await self._serve(reader, writer)
        writer.close()
        await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        auth = command(b"AUTH", b"secret")
        self.received = await reader.readexactly(len(auth))
        writer.write(self.auth_reply)
        subscribe = command(b"SUBSCRIBE", b"__keyevent@0__:set")
        self.received += await reader.readexactly(len(subscribe))
        writer.write(b"*3\r\n$9\r\nsubscribe\r\n$18\r\n__keyevent@0__:set\r\n:1\r\n")
        writer.write(b"".join(published(k) for k in self.keys))
        await writer.drain()
        await reader.read()  # until the client closes


async def open_against(server: FakeServer) -> tuple[list[bytes], bytes]:
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    target = Target("127.0.0.1", port, "secret", 0)
    try:
        sub = await WireSubscription.open(target, "__keyevent@0__:set", timeout=2.0)
        keys = [k for k, _ in await sub.batch(2.0, 10)]
        await sub.aclose()
    finally:
        listening.close()
        await listening.wait_closed()
    return keys, server.received


def test_it_authenticates_then_subscribes_and_hands_out_what_is_published() -> None:
    server = FakeServer(b"+OK\r\n", [b"k1", b"k2"])
    keys, received = asyncio.run(open_against(server))
    assert received == command(b"AUTH", b"secret") + command(b"SUBSCRIBE", b"__keyevent@0__:set")
    assert keys == [b"k1", b"k2"]


def test_a_refused_password_is_an_authentication_error_naming_the_server() -> None:
    server = FakeServer(b"-WRONGPASS invalid username-password pair\r\n", [])
    with pytest.raises(redis.AuthenticationError, match=r"127\.0\.0\.1.*refused the password"):
        asyncio.run(open_against(server))
