"""Every shell block of the README and the docs that needs only the repository and Redis runs, as
a reader would run it: in page order, in a scratch directory that holds the repository's files,
with this tree's ``kobench`` first on PATH. A ``console`` block's output must be what the program
prints now (numbers and run ids aside). Blocks that need more are skipped by their ``needs``
line and counted, never silently."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from testkit.doc_blocks import NEEDS, PAGES, Block, all_blocks, blocks, not_printed
from testkit.support import REPO

BLOCK_TIMEOUT_S = 180
RUNNABLE = [page for page in PAGES if any(b.needs is None for b in blocks(page))]
STEP = "@@kobench-docs-step@@"


def scratch(tmp_path: Path) -> dict[str, str]:
    """A directory with the repository's top-level entries linked in (outputs stay here), and
    the environment that puts this tree's ``kobench`` first."""
    for entry in REPO.iterdir():
        if entry.name not in (".git", "build"):
            (tmp_path / entry.name).symlink_to(entry)
    bin_dir = tmp_path / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "kobench"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kobench "$@"\n')
    shim.chmod(0o755)
    # The pages show a terminal 100 columns wide, whatever the test's own output is.
    path = f"{bin_dir}:{os.environ['PATH']}"
    return {**os.environ, "PATH": path, "NO_COLOR": "1", "COLUMNS": "100"}


def run_sh(block: Block, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.body],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"{block.where} exited {done.returncode}:\n{done.stderr[-3000:]}"


def run_console(block: Block, cwd: Path, env: dict[str, str]) -> None:
    """The block's commands in one shell (``$?`` means what it says), each output compared."""
    steps = block.steps()
    script = "".join(f"echo '{STEP}'\n{step.command}\n" for step in steps)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    printed = done.stdout.split(f"{STEP}\n")[1:]
    assert len(printed) == len(steps), done.stdout[-3000:]
    for step, output in zip(steps, printed, strict=True):
        missing = not_printed(step.shown, output)
        assert missing == [], (
            f"{block.where}: `{step.command}` no longer prints {missing}:\n{output}"
        )


@pytest.mark.parametrize("page", RUNNABLE, ids=[str(p.relative_to(REPO)) for p in RUNNABLE])
def test_the_page_s_commands_run_and_print_what_it_shows(page: Path, tmp_path: Path) -> None:
    env = scratch(tmp_path)
    ran = 0
    for block in blocks(page):
        if block.needs is not None:
            continue
        (run_console if block.language == "console" else run_sh)(block, tmp_path, env)
        ran += 1
    print(f"{page.relative_to(REPO)}: ran {ran} shell blocks")
    assert ran > 0


def test_the_blocks_left_out_are_counted_by_what_they_need() -> None:
    counts = Counter(block.needs or "run" for block in all_blocks())
    print("shell blocks:", ", ".join(f"{need} {n}" for need, n in sorted(counts.items())))
    assert counts["run"] >= 5
    for need in NEEDS:
        assert counts[need] > 0, f"no block needs {need}: drop it from NEEDS or mark one"
