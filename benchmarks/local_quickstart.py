"""How long ``kobench run examples/quickstart.yaml`` takes, against an earlier version in the
same run: the local quickstart must not get slower (the one-lifecycle change aims within 10 %).

Both arms run the same file with ``-q``; the earlier version is ``git archive``d and installed
into a private directory (its own entry points, so its plugins resolve to its own modules), and
run with ``PYTHONPATH`` pointing there. The arms alternate, so a machine that gets busier slows
both alike. Prints the wall time of every run, the medians, and their ratio (not a test).

Usage::

    python -m benchmarks.local_quickstart                      # against 0a8f572, 5 each
    python -m benchmarks.local_quickstart --baseline-ref HEAD~3 --repeat 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "0a8f572"
"""The last commit before the run's life was written once (two lifecycles)."""


def install(ref: str, into: Path) -> Path:
    """The package of commit ``ref``, installed (without dependencies) into ``into/site``."""
    source = into / "source"
    source.mkdir(parents=True)
    tar = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(source)], input=tar.stdout, check=True)
    site = into / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "--target", str(site), str(source)], check=True, capture_output=True)
    return site


def timed_run(file: Path, python_path: str | None) -> tuple[float, int]:
    """(seconds, exit status) of one ``kobench run FILE -q``."""
    env = dict(os.environ)
    if python_path is None:
        env.pop("PYTHONPATH", None)
    else:
        env["PYTHONPATH"] = python_path
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(file), "-q", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    return time.monotonic() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-ref", default=DEFAULT_BASELINE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--file", type=Path, default=REPO / "examples" / "quickstart.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kobench-bench-") as tmp:
        site = install(args.baseline_ref, Path(tmp))
        arms = {"this tree": None, args.baseline_ref: str(site)}
        times: dict[str, list[float]] = {arm: [] for arm in arms}
        for round_ in range(args.repeat):
            for arm, path in arms.items():
                seconds, code = timed_run(args.file, path)
                times[arm].append(seconds)
                print(f"round {round_ + 1} {arm:>12}: {seconds:6.2f} s (exit {code})", flush=True)
    medians = {arm: statistics.median(values) for arm, values in times.items()}
    for arm, median in medians.items():
        spread = f"{min(times[arm]):.2f}-{max(times[arm]):.2f}"
        print(f"median {arm:>12}: {median:6.2f} s (range {spread}, n={len(times[arm])})")
    ratio = medians["this tree"] / medians[args.baseline_ref]
    print(f"this tree / {args.baseline_ref}: {ratio:.3f} (target: at most 1.10)")


if __name__ == "__main__":
    main()
