"""What the ``kobench`` commands share: exit statuses and progress output (output files:
:mod:`kobench.present.output_files`)."""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_INTERRUPTED = 130


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
