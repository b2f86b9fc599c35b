"""Processes a test started, seen from ``/proc`` (Linux), and children started the way a test
that signals them needs.

A test that sends a child SIGINT or SIGQUIT must start it with those signals at their default
disposition. A background job of a non-interactive shell (many CI runners start the test
command so) inherits both as ignored, as does everything it starts; Python then installs no
KeyboardInterrupt handler, and the child runs on as if never interrupted.
"""

from __future__ import annotations

import signal
from pathlib import Path

INTERRUPTS = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)
"""SIGINT and SIGQUIT (ignored in a shell's background job) and SIGHUP (ignored under nohup)."""


def default_interrupts() -> None:
    """``preexec_fn`` of a child the test will interrupt: the interrupt signals at SIG_DFL.

    Runs in the child between fork and exec and only sets dispositions, so it is safe with
    ``process_group`` or ``start_new_session`` and changes nothing in the test's own process.
    A Python child then installs its KeyboardInterrupt handler as it does in a terminal.
    """
    for sig in INTERRUPTS:
        signal.signal(sig, signal.SIG_DFL)


def children(pid: int) -> list[int]:
    """Direct children of a process."""
    pids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    if not task_dir.exists():
        return pids
    for task in task_dir.iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, grandchildren, ...)."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        kids = children(pending.pop())
        found.update(kids)
        pending += kids
    return found


def command_line(pid: int) -> str:
    """The process' command line, words joined by spaces ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
