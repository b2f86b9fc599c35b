"""Toxiproxy (built into ``hack/``'s cache from its Go module) on a loopback port, driven
through its HTTP API: a delay of known size between two processes. A missing binary fails the
test, never skips it. ``toxiproxy`` is a fixture (this module is a pytest plugin).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.support import free_port

TOXIPROXY_DEFAULT = "/var/cache/kobench/bin/toxiproxy-v2.5.0/toxiproxy-server"


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
