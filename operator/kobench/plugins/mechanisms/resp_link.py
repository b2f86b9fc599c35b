"""A lean blocking RESP2/RESP3 connection for the receivers of the delivery mechanisms: one
socket, parsed by hiredis, push messages (pub/sub, invalidations) kept apart from replies.

Why not redis-py: its RESP3 push handling, sharded pub/sub and tracking redirection differ
between versions, and its per-message parsing costs about 20 times what hiredis on the socket
does (see :mod:`kobench.plugins.observers.wire`). Errors are redis-py's, so an observer's outage
handling does not change: a closed or broken connection raises :class:`redis.ConnectionError`,
an error reply :class:`redis.ResponseError`.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections import deque

import hiredis
import redis

from kobench.plugins import connections as clients
from kobench.plugins.mechanisms.mechanism_protocol import Command
from kobench.plugins.observers.context import Target

CHUNK_BYTES = 1 << 16
PUSH_KINDS = frozenset(
    {
        b"message",
        b"pmessage",
        b"smessage",
        b"invalidate",
        b"subscribe",
        b"psubscribe",
        b"ssubscribe",
        b"unsubscribe",
        b"punsubscribe",
        b"sunsubscribe",
        b"tracking-redir-broken",
    }
)
"""First items of a push (RESP3) or of a subscribed RESP2 connection's messages: hiredis hands
both out as lists, like an array reply, so they are told apart by what they say."""
Push = tuple[list[object], int]
"""A push message and when the chunk that held it was read (wall-clock ns)."""


def encode(command: Command) -> bytes:
    """One command in RESP."""
    out = [b"*%d\r\n" % len(command)]
    for part in command:
        data = part if isinstance(part, bytes) else str(part).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def is_push(reply: object) -> bool:
    return (
        isinstance(reply, list)
        and bool(reply)
        and isinstance(reply[0], bytes)
        and reply[0] in PUSH_KINDS
    )


def hello(target: Target, *, resp3: bool, name: str | None) -> list[Command]:
    """The commands that open a connection: protocol, password, name, database."""
    commands: list[Command] = []
    if resp3:
        auth: Command = ("AUTH", "default", target.password) if target.password else ()
        commands.append(("HELLO", 3, *auth))
    elif target.password:
        commands.append(("AUTH", target.password))
    if name:
        commands.append(("CLIENT", "SETNAME", name))
    if target.database:
        commands.append(("SELECT", target.database))
    return commands


def checked(reply: object, secret: str | None = None) -> object:
    """The reply; an error reply raises, without the password (a server echoes the arguments
    of a command it does not know: HELLO 3 AUTH default <password>)."""
    if isinstance(reply, Exception):
        told = str(reply)
        raise redis.ResponseError(told.replace(secret, "***") if secret else told)
    return reply


class RespLink:
    """One blocking connection; replies in order, pushes queued with their arrival time."""

    def __init__(self, sock: socket.socket, target: Target) -> None:
        self._sock = sock
        self.target = target
        self._parser = hiredis.Reader()
        self._pushes: deque[Push] = deque()
        self._replies: deque[object] = deque()
        self._stamp_ns = 0

    @classmethod
    def open(
        cls, target: Target, *, timeout: float, resp3: bool = False, name: str | None = None
    ) -> RespLink:
        tls = clients.stream_options()  # the same TLS as every other client of the process
        try:
            sock = socket.create_connection((target.host, target.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls:
                sock = tls["ssl"].wrap_socket(
                    sock, server_hostname=tls["server_hostname"] or target.host
                )
        except OSError as exc:  # ssl.SSLError included: a refused certificate
            raise redis.ConnectionError(f"could not connect to {target}: {exc}") from exc
        link = cls(sock, target)
        try:
            for command in hello(target, resp3=resp3, name=name):
                link.call(*command, timeout=timeout)
        except BaseException:
            link.close()
            raise
        return link

    def _feed(self, timeout: float) -> bool:
        """Read the next chunk into the parser; False when nothing came within ``timeout``."""
        self._sock.settimeout(max(timeout, 0.0001))
        try:
            data = self._sock.recv(CHUNK_BYTES)
        except TimeoutError:
            return False
        except OSError as exc:
            raise redis.ConnectionError(f"connection to {self.target} lost: {exc}") from exc
        if not data:
            raise redis.ConnectionError(f"connection to {self.target} closed by the server")
        self._stamp_ns = time.time_ns()
        self._parser.feed(data)
        return True

    def _next(self) -> object:
        try:
            return self._parser.gets()
        except hiredis.ProtocolError as exc:
            raise redis.ConnectionError(f"unreadable reply from {self.target}: {exc}") from exc

    @property
    def stamp_ns(self) -> int:
        """When the last chunk was read (wall-clock ns): what it held had arrived by then."""
        return self._stamp_ns

    def send(self, *commands: Command) -> None:
        """Send commands without waiting (their replies come in order)."""
        try:
            self._sock.sendall(b"".join(encode(c) for c in commands))
        except OSError as exc:
            raise redis.ConnectionError(f"connection to {self.target} lost: {exc}") from exc

    def _sort(self) -> None:
        """Everything parsed so far, into pushes and replies."""
        reply = self._next()
        while reply is not False:
            if is_push(reply):
                self._pushes.append((reply, self._stamp_ns))  # type: ignore[arg-type]
            else:
                self._replies.append(reply)
            reply = self._next()

    def reply(self, timeout: float = 5.0) -> object:
        """The next reply that is not a push (an error reply is returned, not raised)."""
        deadline = time.monotonic() + timeout
        self._sort()
        while not self._replies:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise redis.TimeoutError(f"{self.target} did not answer within {timeout:g} s")
            self._feed(remaining)
            self._sort()
        return self._replies.popleft()

    def call(self, *command: str | bytes | int, timeout: float = 5.0) -> object:
        """Send one command and return its reply; an error reply raises."""
        self.send(command)
        return checked(self.reply(timeout), self.target.password)

    def pushes(self, timeout: float, limit: int = 256) -> list[Push]:
        """Pushes already read, else those of the next chunk within ``timeout`` s."""
        self._sort()
        if not self._pushes and self._feed(timeout):
            self._sort()
        out: list[Push] = []
        while self._pushes and len(out) < limit:
            out.append(self._pushes.popleft())
        return out

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()
