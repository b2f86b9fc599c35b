"""Counts one way: received, expected, missed and sent are of the measured writes, as the
latency figures, the per-second series and the faults' losses are (the warm-up is neither
counted nor timed), and the table says so. A known truth goes in: writes lost in the warm-up
and in the measured part, through the observer's own book."""

from __future__ import annotations

import pytest
from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterResult,
    merge_run,
)
from kobench.plugins.observers.book import EventBook
from kobench.present.run_table import render_result
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig

RATE = 1000
WARMUP = 500  # 0.5 s
MEASURED = 1500
TOTAL = WARMUP + MEASURED
LOST_IN_WARMUP = frozenset({3, 250, 499})
LOST_MEASURED = frozenset({500, 900, 1200, 1777, 1999})
START = FakeClock().wall_ns()


def spec_of(key_mode: str) -> dict[str, object]:
    return {
        "engine": {"type": "redis", "replicas": 1},
        "workload": {
            "rate": RATE,
            "warmupSeconds": WARMUP / RATE,
            "durationSeconds": MEASURED / RATE,
            "keyMode": key_mode,
        },
        "observers": [{"name": "obs", "mode": "sync"}],
    }


def intended(seq: int) -> int:
    return START + protocol.schedule_offset_ns(seq, RATE)


def observed(key_mode: str, lost: frozenset[int]) -> ObserverResult:
    """The observer's document after the writes, less the ``lost`` ones."""
    spec = parse_spec(spec_of(key_mode))
    config = RoleConfig(run_id="r", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    book = EventBook(observer_context(config, "obs", 0, None), clock=FakeClock())
    for seq in range(TOTAL):
        if seq in lost:
            continue
        at = intended(seq) + 300_000
        if key_mode == "unique":
            key = protocol.unique_key("kobench", "r", Write(0, seq, 0, intended(seq)))
            book.on_unique(key.encode(), at)
        else:
            book.on_shared(at, protocol.encode_value(Write(0, seq, 0, intended(seq)), 64), at)
    end = protocol.End(0, TOTAL, intended(TOTAL))
    book.on_end(protocol.end_key(book.context.end_prefix, end).encode(), intended(TOTAL))
    return book.result()


def merged(key_mode: str, lost: frozenset[int]) -> RunResult:
    writer = WriterResult(
        writer_id=0,
        target_replicas=[0],
        client=ClientInfo(python="3.11", redis_py="8.1", hiredis=True, host="h"),
        started_ns=START,
        ended_ns=intended(TOTAL),
        measured_start_ns=intended(WARMUP),
        sent=TOTAL,
        warmup_writes=WARMUP,
        measured_seconds=MEASURED / RATE,
        achieved_rate=RATE,
    )
    return merge_run(
        benchmark="counts",
        run_id="r",
        spec=parse_spec(spec_of(key_mode)),
        writers=[writer],
        observers=[observed(key_mode, lost)],
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=START,
        finished_ns=intended(TOTAL),
    )


@pytest.mark.parametrize("key_mode", ["unique", "shared"])
def test_every_count_is_of_the_measured_writes_as_the_latency_is(key_mode: str) -> None:
    # Shared mode with one writer numbers notifications (the n-th is the n-th write): a loss
    # without an outage cannot be placed, so its truth is a run without losses.
    lost_measured = LOST_MEASURED if key_mode == "unique" else frozenset()
    lost = lost_measured | LOST_IN_WARMUP if key_mode == "unique" else frozenset()
    result = merged(key_mode, lost)
    (obs,) = result.observers
    assert result.writers.sent == MEASURED and result.writers.warmup == WARMUP
    assert result.writers.planned == MEASURED
    assert obs.expected == MEASURED
    assert (obs.received, obs.missed) == (MEASURED - len(lost_measured), len(lost_measured))
    # The same writes the latency and the series count.
    assert obs.latency_ms is not None and obs.latency_ms.count == obs.received
    assert sum(s.events for s in obs.series) == obs.received
    assert sum(s.missed for s in obs.series) == obs.missed
    text = render_result(result)
    assert f"{obs.received}/{MEASURED}" in text
    assert "Event latency per observer (ms, written -> observed), of the measured writes" in text
    assert f"sent {MEASURED} measured (+{WARMUP} warm-up, not counted)" in text
