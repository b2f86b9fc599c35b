"""``kobench run`` started as a user starts it, with a view of the processes it started."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from testkit.processes import alive, children, command_line, default_interrupts


class RunningBenchmark:
    """``kobench run`` as a user starts it, with a view of the processes it started."""

    def __init__(self, path: Path, output: Path) -> None:
        self.output = output
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kobench", "run", str(path), "-q", "-o", str(output)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=default_interrupts,  # so that interrupt() works from a background job
        )
        self.seen: set[int] = set()

    def wait_for_children(self, pattern: str, count: int, timeout: float = 30.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in children(self.process.pid) if pattern in command_line(p)]
            self.seen.update(children(self.process.pid))
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} {pattern!r} children after {timeout}s")

    def finish(self, timeout: float = 90.0) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, out

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def leftovers(self) -> list[str]:
        return [command_line(p) for p in self.seen if alive(p)]
