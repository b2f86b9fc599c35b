"""The questions the capability probe asks one server, each answered (supported, what it said).

A mechanism names the features it needs (:meth:`Mechanism.features`); each is asked here with
the commands the mechanism will send, on keys and channels of the probe's own (never the run's).
A refusal of the server (an unknown command, a wrong protocol) is an answer; a lost connection
is not, and raises.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from kobench.plugins.mechanisms.resp_link import RespLink
from kobench.plugins.observers.context import Target

TIMEOUT_SECONDS = 5.0
Answer = tuple[bool, str]


def _subscribe(command: str, confirmation: bytes) -> Callable[[Target, str], Answer]:
    def ask(target: Target, name: str) -> Answer:
        link = RespLink.open(target, timeout=TIMEOUT_SECONDS)
        try:
            link.send((command, name))
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while time.monotonic() < deadline:
                if any(m[0] == confirmation for m, _ in link.pushes(0.2)):
                    return True, f"{confirmation.decode()} confirmed"
                try:
                    return False, str(link.reply(0.001))  # an error came instead
                except redis.TimeoutError:
                    continue
            return False, f"no answer to {command} within {TIMEOUT_SECONDS:g} s"
        finally:
            link.close()

    return ask


def _hello(target: Target, name: str) -> Answer:
    del name
    link = RespLink.open(target, timeout=TIMEOUT_SECONDS, resp3=True)
    link.close()
    return True, "protocol 3"


def _tracking(target: Target, name: str) -> Answer:
    link = RespLink.open(target, timeout=TIMEOUT_SECONDS, resp3=True)
    try:
        link.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", name)
        return True, "OK"
    finally:
        link.close()


def _redirect(target: Target, name: str) -> Answer:
    listen = RespLink.open(target, timeout=TIMEOUT_SECONDS)
    tracked = RespLink.open(target, timeout=TIMEOUT_SECONDS)
    try:
        client_id = listen.call("CLIENT", "ID")
        tracked.call(
            "CLIENT", "TRACKING", "ON", "REDIRECT", str(client_id), "BCAST", "PREFIX", name
        )
        return True, "OK"
    finally:
        listen.close()
        tracked.close()


def _stream(*commands: tuple[str, ...]) -> Callable[[Target, str], Answer]:
    def ask(target: Target, name: str) -> Answer:
        link = RespLink.open(target, timeout=TIMEOUT_SECONDS)
        try:
            for command in commands:
                link.call(*(name if part == "{stream}" else part for part in command))
            return True, "OK"
        finally:
            link.call("DEL", name)
            link.close()

    return ask


_CREATE = ("XGROUP", "CREATE", "{stream}", "probe", "0", "MKSTREAM")
CHECKS: dict[str, Callable[[Target, str], Answer]] = {
    "SUBSCRIBE": _subscribe("SUBSCRIBE", b"subscribe"),
    "SSUBSCRIBE": _subscribe("SSUBSCRIBE", b"ssubscribe"),
    "HELLO 3": _hello,
    "CLIENT TRACKING": _tracking,
    "CLIENT TRACKING REDIRECT": _redirect,
    "XADD": _stream(("XADD", "{stream}", "*", "k", "v")),
    "XREAD": _stream(
        ("XADD", "{stream}", "*", "k", "v"), ("XREAD", "COUNT", "1", "STREAMS", "{stream}", "0")
    ),
    "XREADGROUP": _stream(
        _CREATE, ("XREADGROUP", "GROUP", "probe", "c", "COUNT", "1", "STREAMS", "{stream}", ">")
    ),
}
"""Each feature a built-in mechanism names, and how it is asked ("notify-keyspace-events" is
asked of every server by the probe itself)."""


def ask(feature: str, target: Target, name: str) -> Answer:
    """One feature of one server; an unknown feature (a third-party mechanism's) is told as
    not asked, and left to the delivery check."""
    check = CHECKS.get(feature)
    if check is None:
        return True, "not asked (the delivery check tells)"
    try:
        return check(target, name)
    except redis.ResponseError as exc:
        return False, str(exc)
