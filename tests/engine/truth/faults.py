"""Real fault tools for the engine tier: libfaketime, signals, CLIENT PAUSE/KILL (Toxiproxy is
:mod:`testkit.toxiproxy`).

Each one injects a known truth; the tests check that kobench reports it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from kobench.measure.results import ObserverSummary, RunResult

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def faketime_env(offset_s: float) -> dict[str, str]:
    """Shift one process's wall clock by ``offset_s``; its monotonic clock stays true."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail(f"{FAKETIME_LIB} missing: apt-get install faketime", pytrace=False)
    return {
        "LD_PRELOAD": FAKETIME_LIB,
        "FAKETIME": f"{offset_s:+.4f}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def server_password(pid: int) -> tuple[int, str]:
    """The port and password of a redis-server the local runner started.

    redis-server retitles itself "redis-server 127.0.0.1:PORT" and works in its data directory,
    where the runner keeps the private auth.conf.
    """
    deadline = time.monotonic() + 10.0
    title = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    while ":" not in title and time.monotonic() < deadline:  # not retitled yet: just started
        time.sleep(0.02)
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
    port = int(title.split(":")[1].split()[0].strip("\0"))
    conf = Path(f"/proc/{pid}/cwd/auth.conf").read_text()
    return port, conf.split("requirepass ")[1].split()[0]


def wait_for_writes(server_pid: int, at_least: int, *, timeout: float = 60.0) -> None:
    """Until the server has executed ``at_least`` SETs: a fault is injected into a run whose
    writes are flowing, however long the roles took to start on a loaded machine."""
    import redis

    port, password = server_password(server_pid)
    deadline = time.monotonic() + timeout
    with redis.Redis(port=port, password=password) as admin:
        while time.monotonic() < deadline:
            stats = admin.info("commandstats").get("cmdstat_set") or {}
            if int(stats.get("calls", 0)) >= at_least:
                return
            time.sleep(0.05)
    pytest.fail(f"the server executed fewer than {at_least} SETs within {timeout:.0f}s")


def named(document: dict[str, Any], name: str) -> dict[str, Any]:
    """One named observer's summary in a result document (JSON)."""
    observer: dict[str, Any] = next(o for o in document["observers"] if o["name"] == name)
    return observer


def summary(result: RunResult, name: str) -> ObserverSummary:
    return next(o for o in result.observers if o.name == name)


def worst_second(observer: dict[str, Any]) -> float:
    """The highest per-second max latency of an observer's series (JSON)."""
    return max((s["maxMs"] or 0.0) for s in observer["series"])
