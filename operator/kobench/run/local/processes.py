"""Child processes that never outlive the local runner."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1
TERMINATING = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
"""Signals that end a run the way Ctrl-C does: a closed terminal (SIGHUP), ``kill``, Ctrl-\\."""


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to the child if the runner dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_ports(count: int) -> list[int]:
    """Ports free on loopback right now (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Child:
    label: str
    process: subprocess.Popen[bytes]
    output: Path

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def read_output(self) -> str:
        return (
            self.output.read_text(encoding="utf-8", errors="replace")
            if self.output.exists()
            else ""
        )


@dataclass
class ProcessGroup:
    """Starts children with output to files; stops every one of them, whatever happens."""

    directory: Path
    children: list[Child] = field(default_factory=list)

    def start(self, label: str, command: list[str], *, env: dict[str, str] | None = None) -> Child:
        output = self.directory / f"{label}.out"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                command,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                preexec_fn=_die_with_parent,
                start_new_session=True,
            )
        child = Child(label, process, output)
        self.children.append(child)
        return child

    def stop_all(self, *, grace: float = 3.0) -> None:
        with _deaf():
            self._stop_all(grace)

    def close(self) -> None:
        """Stop every child and remove the directory, deaf to a second Ctrl-C or signal."""
        with _deaf():
            self._stop_all(3.0)
            shutil.rmtree(self.directory, ignore_errors=True)

    def _stop_all(self, grace: float) -> None:
        for child in self.children:
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.terminate()
        for child in self.children:
            try:
                child.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    child.process.kill()
                child.process.wait()


@contextlib.contextmanager
def _deaf() -> Iterator[None]:
    """Ignore Ctrl-C and the terminating signals while cleaning up: a second Ctrl-C must not
    cut the wait for the children short (only the main thread may change handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = (signal.SIGINT, *TERMINATING)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in watched}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM, SIGHUP and SIGQUIT like Ctrl-C so the same clean-up runs."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in TERMINATING}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
