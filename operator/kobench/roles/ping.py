"""Calibration: before its run, a role measures the engine's PING round trip on the kind of client
it uses, so the result can say how much of a latency is the tool and how much the engine.

Two patterns (as in ``benchmarks/observer_overhead.py``): back to back, with both processes hot,
and paced at one PING per millisecond, where each round trip also pays for waking both processes
up, as events at 1,000/s do. About 0.2 s in all, and never more than the budget: a role must not
hold up the start barrier's timeouts, so an unreachable engine costs at most the budget and is
written down as the reason there is no figure.
"""

from __future__ import annotations

import asyncio
import time

import redis

from kobench.measure.results import Calibration
from kobench.measure.results.calibration_docs import MAX_REASON, ClientKind
from kobench.measure.results.calibration_figures import round_trip
from kobench.plugins.observers.context import Target

WARMUP = 10
"""PINGs not recorded: the first ones pay for the connection and the client's first use."""
BACK_TO_BACK = 50
PACED = 150
PACE_NS = 1_000_000
BUDGET_SECONDS = 1.0
"""The most calibration may take; it stops early (with fewer samples) rather than run over."""
FAILURES = (redis.RedisError, OSError, asyncio.TimeoutError)


class _Samples:
    """Round trips (ns) of both patterns, taken until the deadline (monotonic ns)."""

    def __init__(self, deadline_ns: int) -> None:
        self.deadline_ns = deadline_ns
        self.back_to_back: list[int] = []
        self.paced: list[int] = []

    def more(self) -> bool:
        return time.monotonic_ns() < self.deadline_ns

    def calibration(self, replica: int, client: ClientKind, started_ns: int) -> Calibration:
        return Calibration(
            replica=replica,
            client=client,
            back_to_back=round_trip(self.back_to_back),
            paced=round_trip(self.paced),
            pace_us=PACE_NS // 1000,
            measured_ns=started_ns,
        )


def _sync_samples(target: Target, samples: _Samples, timeout: float) -> None:
    with target.client(timeout=timeout) as client:
        for _ in range(WARMUP):
            client.ping()
        while len(samples.back_to_back) < BACK_TO_BACK and samples.more():
            start = time.perf_counter_ns()
            client.ping()
            samples.back_to_back.append(time.perf_counter_ns() - start)
        next_ns = time.monotonic_ns()
        while len(samples.paced) < PACED and samples.more():
            next_ns += PACE_NS
            time.sleep(max(0, next_ns - time.monotonic_ns()) / 1e9)
            start = time.perf_counter_ns()
            client.ping()
            samples.paced.append(time.perf_counter_ns() - start)


async def _async_samples(target: Target, samples: _Samples, timeout: float) -> None:
    client = target.async_client(timeout=timeout)
    try:
        for _ in range(WARMUP):
            await client.ping()
        while len(samples.back_to_back) < BACK_TO_BACK and samples.more():
            start = time.perf_counter_ns()
            await client.ping()
            samples.back_to_back.append(time.perf_counter_ns() - start)
        next_ns = time.monotonic_ns()
        while len(samples.paced) < PACED and samples.more():
            next_ns += PACE_NS
            await asyncio.sleep(max(0, next_ns - time.monotonic_ns()) / 1e9)
            start = time.perf_counter_ns()
            await client.ping()
            samples.paced.append(time.perf_counter_ns() - start)
    finally:
        await client.aclose()


def calibrate(
    target: Target, *, replica: int, client: ClientKind, budget_seconds: float = BUDGET_SECONDS
) -> Calibration:
    """The engine's PING round trip from here to ``target``; what was measured before a
    failure is kept, with the failure as the error."""
    started_ns = time.time_ns()
    samples = _Samples(time.monotonic_ns() + int(budget_seconds * 1e9))
    error = None
    try:
        if client == "async":
            asyncio.run(_async_samples(target, samples, budget_seconds))
        else:
            _sync_samples(target, samples, budget_seconds)
    except FAILURES as exc:
        error = f"{target}: {exc or type(exc).__name__}"[:MAX_REASON]
    result = samples.calibration(replica, client, started_ns)
    return result if error is None else result.model_copy(update={"error": error})
