"""Binaries that ``hack/cluster build`` keeps in its cache, found without starting anything.

The versions are read from ``hack/lib/common.sh`` (where they are set once), the cache root from
``KOBENCH_CACHE`` as the build does. A missing binary fails the test, never skips it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from testkit.support import REPO


def pinned_version(variable: str) -> str:
    """A version that hack/lib/common.sh pins, e.g. ``pinned_version("KIND_VERSION")``."""
    common = (REPO / "hack" / "lib" / "common.sh").read_text()
    found = re.search(rf"^{variable}=(v[0-9.]+)", common, re.MULTILINE)
    assert found, f"hack/lib/common.sh sets no {variable}"
    return found.group(1)


def cached_tool(directory: str, variable: str, binary: str) -> Path:
    """``$KOBENCH_CACHE/bin/DIRECTORY-VERSION/BINARY``, e.g. ("helm", "HELM_VERSION", "helm")."""
    cache = Path(os.environ.get("KOBENCH_CACHE", "/var/cache/kobench"))
    path = cache / "bin" / f"{directory}-{pinned_version(variable)}" / binary
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run hack/cluster build", pytrace=False)
    return path
