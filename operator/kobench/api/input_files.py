"""The one reader of every file kobench is given: benchmark files, baselines, compare and report
inputs. It counts the bytes it actually reads (a device or ``/proc`` file claims any size), stops
one byte past its limit, and waits for a FIFO, pipe or device only so long without data; JSON is
parsed with bounded numbers and nesting. Every problem is one :class:`InputError` naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import select
import stat
import sys
import time
from pathlib import Path
from typing import Any

from kobench.errors import InputError

CHUNK = 64 * 1024
IDLE_SECONDS = 10.0
"""A FIFO, pipe or device that gives nothing this long is not going to."""
TOTAL_SECONDS = 60.0
"""And one that trickles is cut off after this long."""
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
"""A matrix document holds every run's histograms; anything larger is not one of ours."""
MAX_DIGITS = 40
"""Longest integer in a JSON document (counts in ns have 19 digits)."""


def _kind(mode: int) -> str:
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _wait(fd: int, label: str, started: float, idle_seconds: float) -> None:
    """Until ``fd`` has data or its end; an InputError once the waiting bounds pass."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    left = TOTAL_SECONDS - (time.monotonic() - started)
    if left > 0 and poller.poll(min(idle_seconds, left) * 1000):
        return
    if time.monotonic() - started >= TOTAL_SECONDS:
        raise InputError(f"{label}: still not at its end after {TOTAL_SECONDS:g} s")
    raise InputError(
        f"{label}: nothing to read for {idle_seconds:g} s (a FIFO or device nobody writes to?)"
    )


def _read_all(
    fd: int, label: str, limit: int, *, waits: bool, idle_seconds: float, text: bool
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    started = time.monotonic()
    while size <= limit:
        if waits:
            _wait(fd, label, started, idle_seconds)
        try:
            chunk = os.read(fd, min(CHUNK, limit + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        if text and b"\0" in chunk:  # /dev/zero, /dev/urandom: refused at once, not at the limit
            raise InputError(f"{label}: not a text file (binary bytes)")
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _open(label: str, path: Path) -> int:
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        return os.open(path, flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # what opening a socket gives
            raise InputError(f"{label}: is a socket, not a file") from None
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from None


def read_bounded(
    source: str | Path, *, limit: int, text: bool = False, idle_seconds: float | None = None
) -> tuple[str, bytes]:
    """(label, bytes) of a file, or of standard input for ``-``: at most ``limit + 1`` bytes
    (so a caller sees that there were more), and never a wait without end. ``text``: a NUL
    byte refuses the file as binary as soon as it is read."""
    label = str(source)
    if label == "-":
        return "standard input", sys.stdin.buffer.read(limit + 1)
    fd = _open(label, Path(source))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{label}: is a directory; give a file")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            raise InputError(f"{label}: is {_kind(mode)}; give a file")
        waits = not stat.S_ISREG(mode)
        idle = IDLE_SECONDS if idle_seconds is None else idle_seconds
        try:
            data = _read_all(fd, label, limit, waits=waits, idle_seconds=idle, text=text)
            return label, data
        except OSError as exc:
            raise InputError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise InputError(f"an integer of {digits} digits (at most {MAX_DIGITS})")
    return int(text)


def parse_json(label: str, data: bytes, *, what: str) -> Any:
    """The JSON document in ``data``; crafted nesting and numbers get one line, no traceback."""
    if b"\0" in data[:CHUNK]:
        raise InputError(f"{label}: not a text file (binary bytes); {what} is JSON")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not a text file (not UTF-8 at byte {exc.start})") from None
    try:
        return json.loads(text, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except InputError as exc:
        raise InputError(f"{label}: not {what}: {exc}") from None
    except RecursionError:
        raise InputError(f"{label}: not {what}: nested too deeply") from None


def read_json(source: str | Path, *, what: str, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """A JSON file read with :func:`read_bounded` and parsed with :func:`parse_json`."""
    label, data = read_bounded(source, limit=limit, text=True)
    if len(data) > limit:
        raise InputError(f"{label}: larger than {limit // (1024 * 1024)} MiB: not {what}")
    if not data.strip():
        raise InputError(f"{label}: is empty; {what} is JSON")
    return parse_json(label, data, what=what)
