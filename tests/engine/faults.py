"""Real fault tools for the engine tier: Toxiproxy, libfaketime, signals, CLIENT PAUSE/KILL.

Each one injects a known truth; the tests check that kobench reports it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kobench.measure.results import ObserverSummary, RunResult

TOXIPROXY_DEFAULT = "/var/cache/kobench/bin/toxiproxy-v2.5.0/toxiproxy-server"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def toxiproxy_binary() -> str:
    """``KOBENCH_TOXIPROXY`` or the cache's build; a missing one fails the test, never skips."""
    configured = os.environ.get("KOBENCH_TOXIPROXY")
    candidates = (
        [configured]
        if configured
        else [TOXIPROXY_DEFAULT, str(Path(TOXIPROXY_DEFAULT).with_name("server"))]
    )
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(
        f"Toxiproxy not found at {' or '.join(c for c in candidates if c)}: build it with "
        "`hack/cluster build` or point KOBENCH_TOXIPROXY at toxiproxy-server",
        pytrace=False,
    )


@dataclass
class Toxiproxy:
    """A toxiproxy-server on a loopback port, driven through its HTTP API."""

    api: str

    def _call(self, method: str, path: str, body: dict[str, object] | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.api + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read().decode()
            is_json = response.headers.get_content_type() == "application/json"
            return json.loads(text) if is_json and text else text

    def proxy(self, name: str, upstream_port: int) -> int:
        """A proxy in front of ``127.0.0.1:upstream_port``; returns its listening port."""
        port = free_port()
        self.forward(name, f"127.0.0.1:{port}", f"127.0.0.1:{upstream_port}")
        return port

    def forward(self, name: str, listen: str, upstream: str) -> None:
        """A proxy listening on ``listen`` (host:port) in front of ``upstream``."""
        self._call("POST", "/proxies", {"name": name, "listen": listen, "upstream": upstream})

    def latency(self, proxy: str, milliseconds: int, *, stream: str = "downstream") -> None:
        self._call(
            "POST",
            f"/proxies/{proxy}/toxics",
            {
                "name": f"latency-{stream}",
                "type": "latency",
                "stream": stream,
                "attributes": {"latency": milliseconds, "jitter": 0},
            },
        )


@pytest.fixture
def toxiproxy() -> Iterator[Toxiproxy]:
    port = free_port()
    process = subprocess.Popen(
        [toxiproxy_binary(), "-host", "127.0.0.1", "-port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proxy = Toxiproxy(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                proxy._call("GET", "/version")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("toxiproxy-server did not start", pytrace=False)
                time.sleep(0.05)
        yield proxy
    finally:
        process.terminate()
        process.wait(timeout=10)


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
