"""Each delivery mechanism's capacity: the highest rate its async and its sync observer sustain,
against today's keyevent observers in the same search, and its p50 at 1,000 writes/s as a ratio
to the paced PING floor (the observer's own calibrated round trip, ``toolOverhead``).

Prints figures (not a test). Unique keys, one redis-server, no handshakes (each mechanism's own
cost); a rate is sustained under the bounds of ``observer_capacity.py`` (no loss, not
saturated, p99 and end-of-run backlog at most 25 ms, the writers on schedule), the arms taking
turns at each step. The aim: every mechanism's async observer within 1.5x of keyevent's
capacity. Usage::

    python -m benchmarks.mechanism_capacity                 # 3 searches: hours
    python -m benchmarks.mechanism_capacity --quick         # 1 search, 2 s steps
    python -m benchmarks.mechanism_capacity --floor-only    # the p50 ratios at 1,000/s
    python -m benchmarks.mechanism_capacity --mechanisms keyevent stream:group --quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
from typing import Any

from benchmarks.observer_capacity import Arm, run_result, search

MECHANISMS = [
    "keyevent",
    "keyspace",
    "publish",
    "spublish",
    "tracking:resp3",
    "tracking:redirect",
    "stream:group",
    "stream:plain",
]
MODES = ("async", "sync")
AIM = 1.5
"""An async observer's capacity is within this factor of keyevent's."""
FLOOR_RATE = 1000


def delivery_of(label: str) -> dict[str, Any]:
    mechanism, _, variant = label.partition(":")
    return {"mechanism": mechanism, **({"variant": variant} if variant else {})}


def arms_of(labels: list[str]) -> list[Arm]:
    return [
        Arm(
            f"{label} {mode}",
            {"name": "o", "mode": mode, "handshake": False},
            "KE$",
            delivery=delivery_of(label),
        )
        for label in labels
        for mode in MODES
    ]


def floor_ratio(arm: Arm, seconds: float) -> str:
    """The arm's p50 at FLOOR_RATE against its paced PING round trip, in words."""
    result = run_result(arm, FLOOR_RATE, 1, seconds)
    if result is None:
        return "no result document"
    observer = result["observers"][0]
    overhead = observer.get("toolOverhead") or {}
    if overhead.get("ratio") is None:
        return f"no ratio: {overhead.get('reason') or 'no calibration'}"
    return (
        f"p50 {overhead['eventP50Ms']:.3f} ms = {overhead['ratio']:.1f}x the paced PING "
        f"{overhead['pacedRoundTripMs']:.3f} ms (missed {observer['missed']})"
    )


def capacities(arms: list[Arm]) -> None:
    reference = {
        m: statistics.median(a.best) for a in arms for m in MODES if a.label == f"keyevent {m}"
    }
    for arm in arms:
        rate = statistics.median(arm.best)
        mode = arm.label.rsplit(" ", 1)[1]
        base = reference.get(mode)
        against = f"{rate / base:.2f}x keyevent {mode}" if base else "no keyevent figure"
        aim = ""
        if mode == "async" and base:
            aim = "  within aim" if rate * AIM >= base else "  OUTSIDE aim"
        runs = ", ".join(map(str, arm.best))
        print(f"  {arm.label:26} {rate:>7.0f} events/s  ({against}; runs: {runs}){aim}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="searches per figure (median)")
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per step")
    parser.add_argument("--quick", action="store_true", help="1 search, 2 s steps")
    parser.add_argument("--floor-only", action="store_true", help="only the p50 at 1,000/s")
    parser.add_argument("--mechanisms", nargs="+", default=MECHANISMS, help="mechanism[:variant]")
    args = parser.parse_args()
    repeat, seconds = (1, 2.0) if args.quick else (args.repeat, args.seconds)
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server on PATH (apt-get install redis-server)")
    labels = list(dict.fromkeys(["keyevent", *args.mechanisms]))
    arms = arms_of(labels)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start")
    print(f"p50 at {FLOOR_RATE}/s against the paced PING floor ({seconds:g} s runs):")
    for arm in arms:
        print(f"  {arm.label:26} {floor_ratio(arm, seconds)}")
    if args.floor_only:
        return
    for n in range(repeat):
        print(f"  search {n + 1} of {repeat}:")
        search(arms, 1, seconds, verbose=True)
    print(f"load {os.getloadavg()[0]:.1f} at the end\n")
    print(f"highest sustained rate, median of {repeat}:")
    capacities(arms)


if __name__ == "__main__":
    main()
