"""What the benchmark scripts compute their figures with, and the code of another commit to
measure against this one."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from testkit.support import REPO


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def archive(ref: str, into: Path) -> Path:
    """The files of commit ``ref`` (its ``operator/`` is what runs), unpacked into ``into``."""
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)
    return into
