"""Observer capacity with handshakes on: the highest rate sustained, against baselines measured
in the same run.

Prints figures (not a test). Unique keys, one redis-server, every observer answering
handshakes. A rate is sustained when no event is lost, the observer is not saturated, the p99
latency and the end-of-run backlog are at most 25 ms, and the writers kept their schedule.
Arms, each searched over the same rate steps, interleaved so that other work on the machine
falls on all of them alike:

- ``async, 1 in N``: the async observer answering one write in N (``handshakeEvery``), the
  writers hearing only the handshake keys (``notifyKeyspaceEvents: KE$``);
- ``async, every write``: the same observer answering every write, the writers' listener on the
  keyevent channel (``E$``, every write's notification): the settings before sampling;
- ``sync, every write``: an observer that does one blocking round trip (its answer) per event;
- with ``--baseline-ref REF``: the async observer of the code at a git commit, with its own
  defaults (the code before these changes, say), run from an archive of that commit.

Each figure is the median of ``--repeat`` searches. Usage::

    python benchmarks/observer_capacity.py --baseline-ref 49073b0   # about 20 minutes
    python benchmarks/observer_capacity.py --quick                  # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from testkit.bench_tools import archive
from testkit.support import REPO

RATES = [1000, 1500, 2500, 5000, 7500, 10000, 15000, 20000, 25000, 30000]
BOUND_MS = 25.0
SHORTFALL = 0.03
SAMPLE_EVERY = 100


@dataclass
class Arm:
    label: str
    observer: dict[str, Any]
    notify: str | None
    """notifyKeyspaceEvents, or None for the code's own default."""
    source: Path = REPO
    """Checkout whose ``operator/`` runs the benchmark."""
    delivery: dict[str, Any] | None = None
    """spec.delivery, or None for the default (keyevent)."""
    best: list[int] = field(default_factory=list)


def step_spec(arm: Arm, rate: int, writers: int, seconds: float) -> dict[str, Any]:
    engine: dict[str, Any] = {"type": "redis", "replicas": 1}
    if arm.notify is not None:
        engine["notifyKeyspaceEvents"] = arm.notify
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": "capacity"},
        "spec": {
            "engine": engine,
            "workload": {
                "keyMode": "unique",
                "rate": rate // writers,
                "writers": writers,
                "durationSeconds": seconds,
                "warmupSeconds": 1,
            },
            "observers": [arm.observer],
            "timeouts": {"drainSeconds": 5},
            "validity": {"maxRateShortfallPercent": SHORTFALL * 100},
            **({"delivery": arm.delivery} if arm.delivery else {}),
        },
    }


def run_result(arm: Arm, rate: int, writers: int, seconds: float) -> dict[str, Any] | None:
    """One ``kobench run`` of the arm's code at ``rate`` events/s in all: its result document."""
    with tempfile.TemporaryDirectory() as tmp:
        spec_file, out = Path(tmp) / "bench.yaml", Path(tmp) / "result.json"
        spec_file.write_text(yaml.safe_dump(step_spec(arm, rate, writers, seconds)))
        env = {**os.environ, "PYTHONPATH": str(arm.source / "operator")}
        subprocess.run(
            [sys.executable, "-m", "kobench", "run", str(spec_file), "-o", str(out), "-q"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=seconds + 120,
            check=False,
        )
        if not out.exists():
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def run_step(arm: Arm, rate: int, writers: int, seconds: float) -> tuple[bool, str]:
    """Whether the arm sustained ``rate`` events/s in all, and its figures."""
    result = run_result(arm, rate, writers, seconds)
    if result is None:
        return False, "no result document"
    observer, sent = result["observers"][0], result["writers"]
    p99 = (observer.get("latencyMs") or {}).get("p99", float("inf"))
    backlog = observer.get("endLagMs")
    backlog = float("inf") if backlog is None else backlog
    achieved = sent["achievedRate"] * writers
    ok = (
        observer["missed"] == 0
        and not observer.get("saturation")
        and max(p99, backlog) <= BOUND_MS
        and achieved >= (1 - SHORTFALL) * rate
    )
    return ok, (
        f"missed {observer['missed']}, p99 {p99:.2f} ms, backlog {backlog:.1f} ms, "
        f"writers {achieved:.0f}/s{', saturated' if observer.get('saturation') else ''}"
    )


def search(arms: list[Arm], writers: int, seconds: float, verbose: bool) -> None:
    """Each arm climbs the steps until one fails twice; arms take turns at each step."""
    climbing = {arm.label: 0 for arm in arms}
    for rate in RATES:
        for arm in arms:
            if arm.label not in climbing:
                continue
            for _attempt in range(2):
                ok, detail = run_step(arm, rate, writers, seconds)
                if verbose:
                    print(f"    {arm.label:32} {rate:>6}/s: {'ok' if ok else 'NO'}  {detail}")
                if ok:
                    climbing[arm.label] = rate
                    break
            if not ok:
                arm.best.append(climbing.pop(arm.label))
    for arm in arms:
        if arm.label in climbing:
            arm.best.append(climbing[arm.label])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="searches per figure (median)")
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per step")
    parser.add_argument("--writers", type=int, default=1, help="writer processes (rate split)")
    parser.add_argument("--every", type=int, default=SAMPLE_EVERY, help="handshakeEvery")
    parser.add_argument("--baseline-ref", help="also measure the async observer of this commit")
    parser.add_argument("--quick", action="store_true", help="1 search, 2 s steps")
    args = parser.parse_args()
    repeat, seconds = (1, 2.0) if args.quick else (args.repeat, args.seconds)
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server on PATH (apt-get install redis-server)")
    every = args.every
    arms = [
        Arm(f"async, 1 in {every}", {"name": "a", "mode": "async", "handshakeEvery": every}, "KE$"),
        Arm("async, every write", {"name": "a", "mode": "async"}, "E$"),
        Arm("sync, every write", {"name": "s", "mode": "sync"}, "KE$"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline_ref:
            source = archive(args.baseline_ref, Path(tmp))
            arms.append(
                Arm(f"async at {args.baseline_ref}", {"name": "a", "mode": "async"}, None, source)
            )
        load = os.getloadavg()[0]
        print(
            f"{os.cpu_count()} cores, load {load:.1f} at the start; steps "
            f"{', '.join(map(str, RATES))}/s, {seconds:g} s each, {args.writers} writer(s)"
        )
        for n in range(repeat):
            if not args.quick:
                print(f"  search {n + 1} of {repeat}:")
            search(arms, args.writers, seconds, verbose=True)
        print(f"load {os.getloadavg()[0]:.1f} at the end\n")
    sync_rate = statistics.median(next(a for a in arms if a.label.startswith("sync")).best)
    print(
        f"highest sustained rate (no loss, not saturated, p99 and backlog <= {BOUND_MS:g} ms), "
        f"median of {repeat}:"
    )
    for arm in arms:
        rate = statistics.median(arm.best)
        ratio = f"{rate / sync_rate:.1f}x sync" if sync_rate else "sync sustained no step"
        runs = ", ".join(map(str, arm.best))
        print(f"  {arm.label:32} {rate:>7.0f} events/s  ({ratio}; runs: {runs})")


if __name__ == "__main__":
    main()
