"""Observer overhead, measured against the floor of a redis-py round trip in the same run.

Prints figures (not a test). In one run, on one machine:

1. the floor: redis-py PING round trip from Python to a local redis-server (median of samples);
2. each observer's notification latency p50/p99 at 1,000 writes/s, on one node and across a
   primary -> replica link, as ratios to the floor, and beside it the engine's paced round trip
   that the observer itself measured before the run (the result's calibration) over the floor;
3. the highest rate each observer sustains with no lost event and no growing backlog.

Every figure is the median of ``--repeat`` runs. Usage::

    python benchmarks/observer_overhead.py            # about 6 minutes on 2 cores
    python benchmarks/observer_overhead.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from kobench.api import parse_benchmark
from kobench.measure.results import RunResult
from kobench.roles.writer_rules import tighten_timer_slack
from kobench.run.local.local_loop import run_local
from kobench.run.local.processes import free_ports

RATES = [1000, 2000, 3000, 4000, 5000, 7500, 10000, 15000, 20000]
BACKLOG_MS = 25.0
"""A p99 or an end-of-run backlog above this means events queue faster than they drain."""
SHORTFALL = 0.03


def measure_floor(samples: int, *, pace_seconds: float = 0.0) -> float:
    """Median redis-py PING round trip in microseconds, against a fresh local redis-server.

    Back to back (``pace_seconds=0``) both processes stay hot. Paced at one PING per
    millisecond, as events arrive at 1,000/s, each round trip also pays for waking the server
    and the client up: on this VM that alone triples the figure.
    """
    tighten_timer_slack()
    port = free_ports(1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--save",
                "",
                "--dir",
                tmp,
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            client = redis.Redis(port=port)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            for _ in range(1000):
                client.ping()
            timings = []
            for _ in range(samples):
                if pace_seconds:
                    time.sleep(pace_seconds)
                start = time.perf_counter_ns()
                client.ping()
                timings.append((time.perf_counter_ns() - start) / 1000.0)
            return statistics.median(timings)
        finally:
            server.terminate()
            server.wait()


def run(name: str, spec: dict[str, Any]) -> RunResult:
    document = {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": spec,
    }
    return run_local(parse_benchmark(document))


@dataclass
class Latency:
    p50_ms: list[float]
    p99_ms: list[float]
    missed: list[int]
    calibrated_ms: list[float]
    """The observer's own paced PING round trip, from the result (runs that calibrated)."""

    def median(self) -> tuple[float, float, int, float | None]:
        return (
            statistics.median(self.p50_ms),
            statistics.median(self.p99_ms),
            int(statistics.median(self.missed)),
            statistics.median(self.calibrated_ms) if self.calibrated_ms else None,
        )


def latency_at_1000(
    mode: str, key_mode: str, replicas: int, repeat: int, seconds: float
) -> Latency:
    figures = Latency([], [], [], [])
    for _ in range(repeat):
        result = run(
            f"lat-{mode}",
            {
                "engine": {"type": "redis", "replicas": replicas},
                "workload": {"keyMode": key_mode, "rate": 1000, "durationSeconds": seconds},
                "observers": [{"name": mode, "mode": mode, "targetReplica": replicas - 1}],
            },
        )
        observer = result.observers[0]
        assert observer.latency_ms is not None, result.reasons
        figures.p50_ms.append(observer.latency_ms.p50)
        figures.p99_ms.append(observer.latency_ms.p99)
        figures.missed.append(observer.missed)
        overhead = observer.tool_overhead
        if overhead is not None and overhead.paced_round_trip_ms is not None:
            figures.calibrated_ms.append(overhead.paced_round_trip_ms)
    return figures


def sustains(mode: str, key_mode: str, rate: int, seconds: float) -> tuple[bool, str]:
    result = run(
        f"max-{mode}",
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"keyMode": key_mode, "rate": rate, "durationSeconds": seconds},
            "observers": [{"name": mode, "mode": mode}],
            "timeouts": {"drainSeconds": 5},
            "validity": {"maxRateShortfallPercent": SHORTFALL * 100},
        },
    )
    observer = result.observers[0]
    p99 = observer.latency_ms.p99 if observer.latency_ms else float("inf")
    # Shared mode reads the newest value, so its latency hides a queue; the end marker does not.
    backlog = observer.end_lag_ms if observer.end_lag_ms is not None else float("inf")
    achieved = result.writers.achieved_rate
    ok = (
        observer.missed == 0
        and max(p99, backlog) <= BACKLOG_MS
        and achieved >= (1 - SHORTFALL) * rate
    )
    return ok, (
        f"missed {observer.missed}, p99 {p99:.2f} ms, backlog at end {backlog:.1f} ms, "
        f"writer {achieved:.0f}/s"
    )


def highest_rate(mode: str, key_mode: str, seconds: float, verbose: bool) -> int:
    """The highest step sustained; a step gets a second try, so one stall elsewhere on a
    shared machine does not end the search."""
    best = 0
    for rate in RATES:
        for _ in range(2):
            ok, detail = sustains(mode, key_mode, rate, seconds)
            if verbose:
                print(f"    {mode:5} {key_mode:6} {rate:>6}/s: {'ok ' if ok else 'NO '} {detail}")
            if ok:
                break
        if not ok:
            break
        best = rate
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--quick", action="store_true", help="1 repeat, 2 s runs")
    args = parser.parse_args()
    repeat, seconds = (1, 2.0) if args.quick else (args.repeat, args.seconds)
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server on PATH (apt-get install redis-server)")

    import hiredis  # noqa: F401  (the figures assume the hiredis parser)

    version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[2]
    cores = Path("/proc/cpuinfo").read_text().count("processor")
    print(
        f"machine: {platform.machine()}, {cores} cores, python {platform.python_version()}, "
        f"redis-py {redis.__version__} + hiredis, redis {version}"
    )
    floor_us = statistics.median(measure_floor(5000) for _ in range(repeat))
    paced_us = statistics.median(measure_floor(2000, pace_seconds=0.001) for _ in range(repeat))
    print(
        f"floor: redis-py PING round trip p50 {floor_us:.1f} us back to back, "
        f"{paced_us:.1f} us paced at 1,000/s (medians of {repeat})\n"
    )

    print(f"latency at 1,000 writes/s, {seconds:g} s runs, median of {repeat}:")
    print(
        f"  {'observer':8} {'keys':7} {'path':18} {'p50 ms':>8} {'x floor':>8} {'x paced':>8} "
        f"{'p99 ms':>8} {'x floor':>8} {'missed':>7} {'in-run us':>9} {'/paced':>7}"
    )
    for mode in ("sync", "async"):
        for key_mode in ("shared", "unique"):
            for replicas, path in ((1, "one node"), (2, "primary->replica")):
                p50, p99, missed, calibrated = latency_at_1000(
                    mode, key_mode, replicas, repeat, seconds
                ).median()
                # The round trip the observer measured in the run, against this script's floor.
                in_run = "-" if calibrated is None else f"{calibrated * 1000:.1f}"
                ratio = "-" if calibrated is None else f"{calibrated * 1000 / paced_us:.2f}"
                print(
                    f"  {mode:8} {key_mode:7} {path:18} {p50:8.3f} {p50 * 1000 / floor_us:8.1f} "
                    f"{p50 * 1000 / paced_us:8.1f} {p99:8.3f} {p99 * 1000 / floor_us:8.1f} "
                    f"{missed:7d} {in_run:>9} {ratio:>7}"
                )

    print(
        f"\nhighest sustained rate (no loss, p99 and backlog <= {BACKLOG_MS:g} ms, on schedule), "
        f"{seconds:g} s per step, one node:"
    )
    for mode in ("sync", "async"):
        for key_mode in ("shared", "unique"):
            rates = [
                highest_rate(mode, key_mode, seconds, verbose=not args.quick) for _ in range(repeat)
            ]
            print(
                f"  {mode:5} {key_mode:6}: {statistics.median(rates):>6.0f} events/s "
                f"(runs: {', '.join(map(str, rates))})"
            )


if __name__ == "__main__":
    main()
