"""What the ``kobench`` commands share: exit statuses, progress output and output files."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from kobench.errors import InputError

EXIT_FAILED = 1
"""Verdict Failed, or a run that could not be carried out (phase Failed)."""
EXIT_USAGE = 2
"""Bad arguments, an invalid benchmark, or an input file that cannot be read as what it is."""
EXIT_INVALID = 3
"""Verdict Invalid: the figures cannot be trusted (clock offset, rate shortfall)."""
EXIT_NOT_FINISHED = 4
"""The run asked for has not finished (yet)."""
EXIT_CLUSTER = 5
"""The Kubernetes API could not be read (kubeconfig, API server, a resource missing)."""
EXIT_INTERRUPTED = 130

EXIT_STATUSES_HELP = f"""\
exit status:
  0    verdict Passed
  {EXIT_FAILED}    verdict Failed, or the run could not be carried out (phase Failed)
  {EXIT_USAGE}    bad arguments, an unreadable or invalid result file, an invalid spec (phase Error)
  {EXIT_INVALID}    verdict Invalid (the figures cannot be trusted)
  {EXIT_NOT_FINISHED}    the run has not finished
  {EXIT_CLUSTER}    the cluster could not be read (kubeconfig, API server, benchmark or ConfigMap)
several sources: the worst of them, in the order 0, {EXIT_NOT_FINISHED}, {EXIT_FAILED}, \
{EXIT_INVALID}, {EXIT_USAGE}"""
"""The exit statuses of a command that reports runs (``kobench report``, ``kubectl kobench``)."""


PROGRESS_INTERVAL_S = 5.0


class ProgressLines:
    """Progress without a terminal (CI logs, pipes): a line when the stage changes, and at most
    one every ``interval_s`` while it lasts, so a long run is not silent."""

    def __init__(
        self,
        out: TextIO,
        *,
        interval_s: float = PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out, self.interval_s, self.clock = out, interval_s, clock
        self.started = clock()
        self.stage = ""
        self.printed_at = -math.inf

    def update(self, stage: str, fraction: float) -> None:
        now = self.clock()
        if stage == self.stage and now - self.printed_at < self.interval_s:
            return
        self.stage, self.printed_at = stage, now
        self.out.write(f"kobench: {stage} {100 * fraction:.0f}% ({now - self.started:.0f} s)\n")
        self.out.flush()


@contextlib.contextmanager
def progress_bar(
    enabled: bool, *, terminal: bool = True
) -> Iterator[Callable[[str, float], None] | None]:
    """A rich progress bar on a terminal, progress lines without one (yields the update
    function); nothing when disabled."""
    if not enabled:
        yield None
        return
    if not terminal:
        yield ProgressLines(sys.stderr).update
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
    )
    task = bar.add_task("starting", total=1.0)

    def update(stage: str, fraction: float) -> None:
        bar.update(task, description=stage, completed=fraction)

    with bar:
        yield update


def check_output(output: str, *, option: str = "--output") -> None:
    """Before a run: can the file be written? (Found out after a run, the results would be lost.)"""
    path = Path(output)
    parent = path.parent
    if path.is_dir():
        raise InputError(f"{option} {output}: is a directory; give a file name")
    if not parent.is_dir():
        raise InputError(f"{option} {output}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"{option} {output}: permission denied")


def write_output(output: str, text: str, *, option: str) -> None:
    try:
        Path(output).write_text(text)
    except OSError as exc:
        raise InputError(f"{option} {output}: {exc.strerror or exc}") from None
