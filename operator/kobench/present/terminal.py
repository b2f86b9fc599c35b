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
EXIT_NOT_FINISHED = 4
EXIT_CLUSTER = 5
EXIT_INTERRUPTED = 130

EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (
        0,
        "`run`: the verdict is Passed (a matrix: every run was carried out). `report`, "
        "`kubectl kobench`: every source Passed. `compare`: done (with `--fail-on-worse`: no "
        "figure is Worse). `validate`: the file is valid.",
    ),
    (
        EXIT_FAILED,
        "the verdict is Failed, or the run could not be carried out (phase Failed: a stage "
        "timed out, a role failed, a matrix's run not carried out). `compare --fail-on-worse`: "
        "a figure is Worse. `operator`: no usable kubeconfig, or the API server cannot be "
        "reached.",
    ),
    (
        EXIT_USAGE,
        "a file or an option is invalid or cannot be read (a benchmark, the result or "
        "comparison documents `compare` and `report` read, an `-o` or `--html` path), the "
        "spec is invalid, or `run`: the engine cannot do what it asks (phase Error, reason "
        "Unsupported: the capability probe names the feature); nothing was measured. "
        "argparse's own usage errors too.",
    ),
    (EXIT_INVALID, "the verdict is Invalid (the figures cannot be trusted)."),
    (
        EXIT_NOT_FINISHED,
        "`report NAME`, `kubectl kobench wait`: the benchmark in the cluster has no finished "
        "run yet.",
    ),
    (
        EXIT_CLUSTER,
        "`report NAME`, `kubectl kobench`: the cluster could not be read (kubeconfig, API "
        "server, the benchmark or its ConfigMap).",
    ),
    (
        EXIT_INTERRUPTED,
        "`run`: interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT); every process it started was "
        "stopped and its temporary directory removed.",
    ),
)
"""The one table of exit statuses: the commands' help and the command-line reference page
render it."""

EXIT_STATUSES_HELP = "\n".join(
    [
        "exit status:",
        *(f"  {code:<4} {meaning.replace('`', '')}" for code, meaning in EXIT_STATUSES),
        f"several sources: the worst of them, in the order 0, {EXIT_NOT_FINISHED}, "
        f"{EXIT_FAILED}, {EXIT_INVALID}, {EXIT_USAGE}",
    ]
)
"""The exit statuses as a command's help shows them (``kobench report``, ``kubectl kobench``)."""


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
