"""The async observer's pub/sub reader, fed by hand: whole messages, in order, once each."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
import redis

from kobench.observers.wire import WireSubscription, command


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
