"""Headless Chromium (Debian's ``chromium``) rendering a page: its DOM after the scripts ran,
its console messages and a screenshot. A missing browser fails the test, never skips it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.support import REPO

ARTEFACTS = Path(os.environ.get("KOBENCH_ARTEFACTS", REPO / "build" / "test-artefacts"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
]
# Chromium logs every console message (log, warning, error, uncaught exception) like this.
CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]
    screenshot: Path


def chromium() -> str:
    binary = os.environ.get("KOBENCH_CHROMIUM", "chromium")
    found = shutil.which(binary)
    if found is None:
        pytest.fail(
            f"{binary} not found: install Debian's chromium (apt-get install chromium) or set "
            "KOBENCH_CHROMIUM",
            pytrace=False,
        )
    return found


def _run(page: Path | str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile.mkdir(parents=True, exist_ok=True)
    url = page if isinstance(page, str) else page.as_uri()
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"chromium exited {done.returncode}:\n{done.stderr[-3000:]}", pytrace=False)
    return done


def render(page: Path | str, work: Path, *, name: str, size: str = "1280,2000") -> Rendered:
    """Render ``page`` (a file, or a URL on loopback) twice, each with a new empty profile: once
    for the DOM, once for a screenshot saved under ``ARTEFACTS/name``."""
    dumped = _run(page, work / "profile-dom", "--dump-dom")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTEFACTS / name
    shot = _run(page, work / "profile-shot", f"--window-size={size}", f"--screenshot={screenshot}")
    console = [m.group(1) for m in CONSOLE.finditer(dumped.stderr + shot.stderr)]
    return Rendered(dom=dumped.stdout, console=console, screenshot=screenshot)


def assert_drawn(rendered: Rendered, *, plots: int) -> None:
    """No console message at all, every chart drawn by uPlot, and a screenshot written."""
    assert rendered.console == [], rendered.console
    assert f'data-plots-expected="{plots}"' in rendered.dom
    assert f'data-plots-drawn="{plots}"' in rendered.dom
    assert rendered.dom.count('class="uplot') == plots
    assert rendered.dom.count("<canvas") == plots
    data = rendered.screenshot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
