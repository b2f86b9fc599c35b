"""What every test tier shares: one ``wait_for`` and one resource envelope."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        for task in Path(f"/proc/{pending.pop()}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            found.update(kids)
            pending += kids
    return found
