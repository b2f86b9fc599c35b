"""The docs site builds strictly, and its front page is drawn by headless Chromium as a reader's
browser draws it: served on loopback, no console message, the navigation and the screenshot of
a report there. The screenshot is kept as ``build/test-artefacts/docs-front.png``."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit.chromium import render
from testkit.support import REPO

SECTIONS = ("Getting started", "Concepts", "Guides", "Reference", "Performance", "Contributing")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` into a scratch directory (a warning fails the build)."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1 (search needs a page served, not a file)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            del format, args

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    sources = sorted((REPO / "docs").rglob("*.md"))
    for source in sources:
        built = source.relative_to(REPO / "docs").with_suffix(".html").as_posix()
        assert built in pages, f"{source} was not built"
    assert (site / "report.png").is_file()


def test_the_front_page_draws_in_chromium(served: str, tmp_path: Path) -> None:
    rendered = render(f"{served}/index.html", tmp_path, name="docs-front.png", size="1280,1000")
    assert rendered.console == [], rendered.console
    assert "<title>kobench</title>" in rendered.dom
    assert "How fast, and how reliably" in rendered.dom
    for section in SECTIONS:
        assert section in rendered.dom, section
    assert 'src="report.png"' in rendered.dom
    data = rendered.screenshot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    print(f"docs front page: {rendered.screenshot}")
