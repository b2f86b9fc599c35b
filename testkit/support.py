"""What every test tier and benchmark shares: one ``wait_for``, one resource envelope, a free
loopback port and the checkout's root."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
"""The checkout's root (``testkit/`` sits next to ``tests/`` and ``benchmarks/``)."""
API_VERSION = "kobench.io/v1alpha1"
KIND = "KeyDBObserverBenchmark"


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 60, every: float = 0.5) -> Any:
    """Poll ``probe`` until it returns something truthy and return that; on timeout fail the
    test naming ``what`` and the last answer."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    pytest.fail(
        f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})", pytrace=False
    )


def benchmark(
    name: str, spec: dict[str, Any] | None = None, *, namespace: str | None = None
) -> dict[str, Any]:
    """A ``KeyDBObserverBenchmark`` resource around ``spec``."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec or {}}


def free_port() -> int:
    """A loopback port free at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
