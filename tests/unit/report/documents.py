"""Result documents with known values, for the report's tests.

Two observers: ``fast`` (990 events at 100 us, 10 at 900 us) and ``slow`` (990 at 300 us, 10 at
50 ms); 10 seconds of series in which second 6 is the slow one (p99 40 ms, 3 missed); one
outage of ``slow`` from second 5.0 to 7.5 of the run; a 2 x 2 replica matrix whose slowest
p99 is written 0 -> observed 1.
"""

from __future__ import annotations

from kobench.measure.histograms import encode_histogram, new_histogram, record_us, summarize
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    MatrixCell,
    ObserverSummary,
    ReplicaState,
    RunResult,
    WritersSummary,
)
from kobench.measure.series import ObserverSecond, Outage, WriterSecond

START_NS = 1_700_000_000_000_000_000
SECONDS = 10
SLOW_SECOND = 6
OUTAGE = (5.0, 7.5)


def histogram(values_us: list[float]) -> str:
    h = new_histogram()
    for value in values_us:
        record_us(h, value)
    return encode_histogram(h)


FAST = [100.0] * 990 + [900.0] * 10
SLOW = [300.0] * 990 + [50_000.0] * 10


def _series(base_ms: float) -> list[ObserverSecond]:
    seconds = []
    for t in range(SECONDS):
        slow = t == SLOW_SECOND
        seconds.append(
            ObserverSecond(
                t=t,
                events=100 - (3 if slow else 0),
                missed=3 if slow else 0,
                p50_ms=base_ms,
                p99_ms=40.0 if slow else base_ms * 2,
                max_ms=45.0 if slow else base_ms * 3,
            )
        )
    return seconds


def observer(name: str, values: list[float], *, replica: int, outage: bool) -> ObserverSummary:
    h = new_histogram()
    for value in values:
        record_us(h, value)
    encoded, summary = encode_histogram(h), summarize(h)
    outages = []
    if outage:
        outages.append(
            Outage(
                started_ns=START_NS + int(OUTAGE[0] * 1e9),
                ended_ns=START_NS + int(OUTAGE[1] * 1e9),
                missed=3,
                first_event_after_ms=2600.0,
                reason="Connection reset by peer",
            )
        )
    return ObserverSummary(
        name=name,
        mode="sync" if name == "fast" else "async",
        instances=1,
        target_replica=replica,
        received=len(values),
        expected=len(values) + (3 if outage else 0),
        missed=3 if outage else 0,
        duplicates=0,
        out_of_order=0,
        disconnects=1 if outage else 0,
        negative_latencies=0,
        latency_ms=summary,
        corrected_latency_ms=summary,
        handshake_rtt_ms=summary,
        series=_series(0.1 if name == "fast" else 0.3),
        outages=outages,
        latency_histogram=encoded,
        rtt_histogram=encoded,
    )


def run_result(*, rate: int = 100, run_id: str = "r1", p50_scale: float = 1.0) -> RunResult:
    """The document described above (``p50_scale`` multiplies the fast observer's values)."""
    fast = observer("fast", [v * p50_scale for v in FAST], replica=0, outage=False)
    slow = observer("slow", SLOW, replica=1, outage=True)
    return RunResult(
        benchmark="known",
        run_id=run_id,
        started_ns=START_NS,
        finished_ns=START_NS + SECONDS * 1_000_000_000,
        verdict="Failed",
        reasons=["observer slow missed 3 of 1003 events (allowed 0 per instance)"],
        engine=EngineFacts(
            type="redis",
            version="redis 7.0.15",
            replicas=2,
            replication=[
                ReplicaState(index=0, address="127.0.0.1:1", role="master", link_up=True),
                ReplicaState(index=1, address="127.0.0.1:2", role="slave", link_up=True),
            ],
        ),
        client=ClientInfo(python="3.11.7", redis_py="8.1.0", hiredis=True, host="test"),
        writers=WritersSummary(
            writers=1,
            sent=SECONDS * rate,
            planned=SECONDS * rate,
            achieved_rate=float(rate),
            target_rate=rate,
            max_lag_ms=0.5,
            series=[WriterSecond(t=t, sent=rate, max_lag_ms=0.1) for t in range(SECONDS)],
        ),
        observers=[fast, slow],
        matrix=[
            MatrixCell(written_replica=0, observed_replica=0, count=990, p50_ms=0.1, p99_ms=0.2),
            MatrixCell(written_replica=0, observed_replica=1, count=990, p50_ms=0.3, p99_ms=50.0),
            MatrixCell(written_replica=1, observed_replica=0, count=10, p50_ms=0.2, p99_ms=0.4),
            MatrixCell(written_replica=1, observed_replica=1, count=10, p50_ms=0.2, p99_ms=0.3),
        ],
        convergence=Convergence(checked=True, converged=True, detail="2 replicas agree"),
    )
