"""The asyncio twin of :class:`~kobench.plugins.mechanisms.resp_link.RespLink`: one connection,
hiredis on the socket in whole chunks, pushes kept apart from replies, redis-py's errors."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

import hiredis
import redis

from kobench.plugins import connections as clients
from kobench.plugins.mechanisms.mechanism_protocol import Command
from kobench.plugins.mechanisms.resp_link import CHUNK_BYTES, Push, checked, encode, hello, is_push
from kobench.plugins.observers.context import Target


class AsyncRespLink:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: Target
    ) -> None:
        self._reader, self._writer, self.target = reader, writer, target
        self._parser = hiredis.Reader()
        self._pushes: deque[Push] = deque()
        self._replies: deque[object] = deque()
        self._stamp_ns = 0

    @classmethod
    async def open(
        cls, target: Target, *, timeout: float, resp3: bool = False, name: str | None = None
    ) -> AsyncRespLink:
        reader, writer = await clients.open_stream(target.host, target.port, timeout)
        link = cls(reader, writer, target)
        try:
            for command in hello(target, resp3=resp3, name=name):
                await link.call(*command, timeout=timeout)
        except BaseException:
            await link.close()
            raise
        return link

    async def _feed(self, timeout: float) -> bool:
        try:
            data = await asyncio.wait_for(self._reader.read(CHUNK_BYTES), max(timeout, 0.0001))
        except TimeoutError:
            return False
        except OSError as exc:
            raise redis.ConnectionError(f"connection to {self.target} lost: {exc}") from exc
        if not data:
            raise redis.ConnectionError(f"connection to {self.target} closed by the server")
        self._stamp_ns = time.time_ns()
        self._parser.feed(data)
        return True

    def _sort(self) -> None:
        try:
            reply = self._parser.gets()
            while reply is not False:
                if is_push(reply):
                    self._pushes.append((reply, self._stamp_ns))
                else:
                    self._replies.append(reply)
                reply = self._parser.gets()
        except hiredis.ProtocolError as exc:
            raise redis.ConnectionError(f"unreadable reply from {self.target}: {exc}") from exc

    @property
    def stamp_ns(self) -> int:
        """When the last chunk was read (wall-clock ns): what it held had arrived by then."""
        return self._stamp_ns

    def send(self, *commands: Command) -> None:
        """Queue commands on the socket (their replies come in order)."""
        if self._writer.is_closing():
            raise redis.ConnectionError(f"connection to {self.target} closed")
        self._writer.write(b"".join(encode(c) for c in commands))

    async def reply(self, timeout: float = 5.0) -> object:
        deadline = time.monotonic() + timeout
        self._sort()
        while not self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise redis.TimeoutError(f"{self.target} did not answer within {timeout:g} s")
            await self._feed(remaining)
            self._sort()
        return self._replies.popleft()

    async def call(self, *command: str | bytes | int, timeout: float = 5.0) -> object:
        self.send(command)
        return checked(await self.reply(timeout), self.target.password)

    async def pushes(self, timeout: float, limit: int = 256) -> list[Push]:
        self._sort()
        if not self._pushes and await self._feed(timeout):
            self._sort()
        out: list[Push] = []
        while self._pushes and len(out) < limit:
            out.append(self._pushes.popleft())
        return out

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):  # already gone: nothing left to close
            await self._writer.wait_closed()
