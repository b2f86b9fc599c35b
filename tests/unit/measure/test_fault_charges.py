"""Losses and outages charged to the right fault (pure, from documents with a known truth):
each lost write goes to the fault whose window held the time it was due, overlapping windows
are said, and a role's death is its own event, never another fault's outage."""

from __future__ import annotations

from typing import Any

from kobench.api import BenchmarkSpec, parse_spec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.protocol import schedule_offset_ns
from kobench.measure.results.documents import (
    ClientInfo,
    ObserverResult,
    WriterCounts,
    WriterResult,
)
from kobench.measure.results.fault_figures import fault_results
from kobench.measure.results.fault_verdict import fault_reasons
from kobench.measure.series import MissedWrites, ObserverSecond, Silence
from kobench.present.fault_table import fault_table

NS = 1_000_000_000
RATE = 1000
T0 = 1_700_000_000 * NS
"""The first measured write was due then (no warm-up: seq n is due at T0 + n ms)."""
CLIENT = ClientInfo(python="3.11", redis_py="8.1.0", hiredis=True, host="h")


def at(seconds: float) -> int:
    return T0 + round(seconds * NS)


def spec(faults: list[dict[str, Any]], **thresholds: Any) -> BenchmarkSpec:
    return parse_spec(
        {
            "engine": {"type": "redis", "replicas": 2},
            "workload": {"rate": RATE, "durationSeconds": 12, "warmupSeconds": 0},
            "observers": [{"name": "sync", "mode": "sync", "replicas": 2}],
            "faults": faults,
            "thresholds": {"faults": thresholds} if thresholds else {},
        }
    )


def lost(first: int, last: int) -> MissedWrites:
    return MissedWrites(
        writer=0,
        first_seq=first,
        last_seq=last,
        missed=last - first + 1,
        first_due_ns=T0 + schedule_offset_ns(first, RATE),
    )


def observer(
    runs: list[MissedWrites],
    *,
    silences: list[Silence] | None = None,
    last_heard: float = 12.0,
) -> ObserverResult:
    """One instance's document: its series says per second what ``runs`` say per write."""
    missed = {t: 0 for t in range(12)}
    for run in runs:
        for seq in range(run.first_seq, run.last_seq + 1):
            missed[seq // RATE] += 1
    return ObserverResult(
        name="sync",
        instance=0,
        mode="sync",
        target_replica=0,
        client=CLIENT,
        started_ns=at(-1),
        ended_ns=at(13),
        writers={"0": WriterCounts(distinct=12 * RATE, last_ns=at(last_heard))},
        series=[
            ObserverSecond(t=t, events=RATE - m, missed=m, p50_ms=0.3, p99_ms=1.0, max_ms=2.0)
            for t, m in missed.items()
        ],
        missed_writes=runs,
        silences=silences or [],
    )


def record(index: int, action: str, start: float, end: float | None = None) -> AppliedFault:
    return AppliedFault(
        index=index,
        action=action,
        target="replica 0",
        at_seconds=start,
        applied_ns=at(start),
        ended_ns=at(end if end is not None else start),
    )


def test_writes_in_flight_when_a_drop_hits_are_the_drops_not_an_earlier_pauses() -> None:
    # The case: a pause of another replica from 6 s to 9 s (over a second after it was
    # lifted, at 10 s), then subscribers dropped at 10.000 s. The writes lost to the drop were
    # due from 9.990 s (in flight when it hit) to 10.004 s; a second-by-second claim gave the
    # ten due in second 9 to the pause and left the drop with five.
    faults = [
        {"atSeconds": 6, "action": "pauseReplica", "replica": 1, "durationSeconds": 3},
        {"atSeconds": 10, "action": "dropSubscribers", "replica": 0},
    ]
    records = [record(0, "pauseReplica", 6.0, 9.0), record(1, "dropSubscribers", 10.0003)]
    pause, drop = fault_results(spec(faults), records, [observer([lost(9990, 10004)])], T0)
    assert (pause.lost, drop.lost) == (0, 15)
    # Due while the pause's window was still open (up to 10.000 s): charged to the drop, and
    # said.
    assert drop.observers[0].lost_in_overlap == 11
    table = fault_table_text(pause, drop)
    assert "15 (11 in an overlap)" in table


def test_two_drops_in_one_second_each_keep_their_own_losses_and_the_overlap_is_said() -> None:
    faults = [
        {"atSeconds": 2.2, "action": "dropSubscribers", "replica": 0},
        {"atSeconds": 2.7, "action": "dropSubscribers", "replica": 0},
    ]
    records = [record(0, "dropSubscribers", 2.2), record(1, "dropSubscribers", 2.7)]
    runs = [lost(2201, 2207), lost(2702, 2711)]
    first, second = fault_results(spec(faults), records, [observer(runs)], T0)
    assert (first.lost, second.lost) == (7, 10)  # a second-by-second claim gave both to #1
    assert (first.overlaps, second.overlaps) == ([1], [0])
    assert first.observers[0].lost_in_overlap == 0 and second.observers[0].lost_in_overlap == 10


def test_a_loss_outside_every_window_is_no_faults() -> None:
    faults = [{"atSeconds": 2, "action": "dropSubscribers", "replica": 0}]
    runs = [lost(2001, 2003), lost(8000, 8049)]  # the second run: 5 s after it was over
    (drop,) = fault_results(spec(faults), [record(0, "dropSubscribers", 2.0)], [observer(runs)], T0)
    assert drop.lost == 3


def test_writers_that_died_during_a_fault_are_its_deaths_not_an_outage() -> None:
    # The writer lost the engine 0.3 s into a cut of replica 0 and wrote nothing more; the
    # observer heard its last event then and nothing after, while a later kill of an observer
    # came and went. Before: the silence was the cut's outage, "no event after".
    faults = [
        {"atSeconds": 7, "action": "cutReplication", "replica": 1, "durationSeconds": 2},
        {"atSeconds": 9.5, "action": "killObserver", "observer": "sync", "instance": 1},
    ]
    records = [
        record(0, "cutReplication", 7.0, 9.0),
        AppliedFault(
            index=1,
            action="killObserver",
            target="sync.1",
            at_seconds=9.5,
            applied_ns=at(9.5),
            ended_ns=at(9.5),
        ),
    ]
    writer = WriterResult(
        writer_id=0,
        target_replicas=[0],
        client=CLIENT,
        started_ns=at(-1),
        ended_ns=at(7.4),
        measured_start_ns=T0,
        sent=7300,
        warmup_writes=0,
        error="lost the engine after 7300 writes: LOADING Redis is loading the dataset",
    )
    doc = observer([], silences=[Silence(before_ns=at(7.3005), after_ns=0)], last_heard=7.3005)
    strict = spec(faults, maxOutageMs=500)
    cut, kill = fault_results(strict, records, [doc], T0, [writer])
    assert cut.observers[0].outage_ms == 0.0 and kill.observers[0].outage_ms == 0.0
    assert cut.deaths == ["writer.0: " + (writer.error or "")]
    assert kill.deaths == []
    assert fault_reasons(strict, [cut, kill]) == []  # no "had no event after"
    assert "writer.0: lost the engine" in fault_table_text(cut, kill)


def test_a_killed_writer_is_the_kills_own_event() -> None:
    faults = [{"atSeconds": 3, "action": "killWriter", "writer": 0}]
    kill = record(0, "killWriter", 3.0).model_copy(update={"target": "writer.0"})
    doc = observer([], silences=[Silence(before_ns=at(3.0004), after_ns=0)], last_heard=3.0004)
    (result,) = fault_results(spec(faults), [kill], [doc], T0, [])
    assert result.deaths == ["writer.0: killed"]
    assert result.observers[0].outage_ms == 0.0


def fault_table_text(*faults: Any) -> str:
    import io

    from rich.console import Console

    from kobench.measure.results import Convergence, EngineFacts, RunResult, WritersSummary

    result = RunResult(
        benchmark="b",
        run_id="r",
        started_ns=0,
        finished_ns=1,
        verdict="Passed",
        reasons=[],
        engine=EngineFacts(type="redis", replicas=2),
        writers=WritersSummary(
            writers=1, sent=1, planned=1, achieved_rate=1.0, target_rate=1, max_lag_ms=0.0
        ),
        observers=[],
        matrix=[],
        convergence=Convergence(checked=True, converged=True),
        faults=list(faults),
    )
    table = fault_table(result)
    assert table is not None
    buffer = io.StringIO()
    Console(file=buffer, width=160, no_color=True).print(table)
    return buffer.getvalue()


def test_a_connection_lost_in_the_window_is_the_faults_until_the_observer_is_back() -> None:
    # The replica was whole 1 s after the drop, the observer subscribed again only at 3.5 s:
    # what it lost until then is still the drop's.
    from kobench.measure.series import Outage

    faults = [{"atSeconds": 2, "action": "dropSubscribers", "replica": 0}]
    loss = Outage(started_ns=at(2.001), ended_ns=at(3.5), missed=1499, first_event_after_ms=1500.0)
    doc = observer([lost(2001, 3499)]).model_copy(update={"outages": [loss]})
    (drop,) = fault_results(spec(faults), [record(0, "dropSubscribers", 2.0)], [doc], T0)
    assert drop.lost == 1499
