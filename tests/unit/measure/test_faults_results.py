"""What each fault did, from plain documents: outage from an observer's silences (or its
connection loss), losses of the seconds a fault claims (never twice), the latency after it, the
resync, and how the verdict judges it (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kobench.api import BenchmarkSpec, parse_spec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.results.documents import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    ObserverSummary,
    WriterResult,
)
from kobench.measure.results.fault_docs import FaultImpact, FaultResult
from kobench.measure.results.fault_figures import fault_results, merge_records, seconds_of
from kobench.measure.results.fault_verdict import (
    disconnects_outside,
    during_a_fault,
    excused_missed,
    fault_reasons,
    killed_labels,
    unexcused_errors,
)
from kobench.measure.results.merge import merge_run
from kobench.measure.series import ObserverSecond, Outage, Silence

NS = 1_000_000_000
MS = 1_000_000
T0 = 1_700_000_000 * NS
"""The fault clock: the first measured write was due then."""
CLIENT = ClientInfo(python="3.11", redis_py="8.1.0", hiredis=True, host="h")


def at(seconds: float) -> int:
    return T0 + round(seconds * NS)


def spec(faults: list[dict[str, Any]], **thresholds: Any) -> BenchmarkSpec:
    return parse_spec(
        {
            "engine": {"type": "redis", "replicas": 2},
            "workload": {"rate": 100, "durationSeconds": 10},
            "observers": [
                {"name": "sync", "mode": "sync", "replicas": 2},
                {"name": "far", "mode": "sync", "targetReplica": 1},
            ],
            "faults": faults,
            "thresholds": {"faults": thresholds} if thresholds else {},
        }
    )


def observer(
    name: str,
    instance: int = 0,
    *,
    silences: Sequence[tuple[float, float]] = (),
    missed: dict[int, int] | None = None,
    p99: dict[int, float] | None = None,
    outages: list[Outage] | None = None,
) -> ObserverResult:
    """An instance's document: 100 events a second for 10 s, less ``missed``."""
    missed = missed or {}
    series = [
        ObserverSecond(
            t=t,
            events=100 - missed.get(t, 0),
            missed=missed.get(t, 0),
            p50_ms=1.0,
            p99_ms=(p99 or {}).get(t, 2.0),
            max_ms=3.0,
        )
        for t in range(10)
    ]
    return ObserverResult(
        name=name,
        instance=instance,
        mode="sync",
        target_replica=0,
        client=CLIENT,
        started_ns=at(-2),
        ended_ns=at(11),
        series=series,
        silences=[Silence(before_ns=at(b), after_ns=at(a) if a else 0) for b, a in silences],
        outages=outages or [],
    )


def applied(
    index: int, action: str, start: float, end: float | None = None, **more: Any
) -> AppliedFault:
    return AppliedFault(
        index=index,
        action=action,
        target=more.pop("target", "replica 0"),
        at_seconds=start,
        applied_ns=at(start),
        ended_ns=at(end if end is not None else start),
        **more,
    )


PAUSE = {"atSeconds": 2, "action": "pauseReplica", "replica": 0, "durationSeconds": 2}


def test_a_pause_gives_each_observer_the_silence_that_began_with_it() -> None:
    docs = [
        observer("sync", 0, silences=[(1.995, 4.010)], p99={4: 2000.0, 5: 40.0, 6: 3.0}),
        observer("sync", 1, silences=[(1.990, 4.020), (0.2, 0.5)]),  # the earlier one: not it
        observer("far", silences=[(2.001, 4.5)]),
    ]
    [result] = fault_results(spec([PAUSE]), [applied(0, "pauseReplica", 2.0, 4.0)], docs, T0)
    outages = {i.observer: i.outage_ms for i in result.observers}
    assert outages == {"sync.0": 2015.0, "sync.1": 2030.0, "far.0": 2499.0}
    assert result.worst_outage_ms == 2499.0
    assert result.applied_at_seconds == 2.0 and result.duration_ms == 2000.0
    assert result.resync_ms is None  # no recovery was watched for a pause
    sync0 = result.observers[0]
    assert sync0.last_event_before_ns == at(1.995) and sync0.first_event_after_ns == at(4.010)
    assert sync0.p99_after_ms == 2000.0  # the worst p99 of seconds 4, 5, 6 after its return
    assert result.lost == 0


def test_a_silence_that_began_before_the_fault_is_not_its_outage() -> None:
    docs = [observer("sync", silences=[(1.0, 4.5)]), observer("far", silences=[(1.9, 4.1)])]
    [result] = fault_results(spec([PAUSE]), [applied(0, "pauseReplica", 2.0, 4.0)], docs, T0)
    # 1.0 s before the pause is another cause; 100 ms before it is the quiet between events.
    assert [i.outage_ms for i in result.observers] == [0.0, 2200.0]


def test_an_observer_that_never_heard_again_has_no_outage_end() -> None:
    docs = [observer("sync", silences=[(2.0, 0)])]
    [result] = fault_results(spec([PAUSE]), [applied(0, "pauseReplica", 2.0, 4.0)], docs, T0)
    assert result.observers[0].outage_ms is None and result.worst_outage_ms is None
    reasons = fault_reasons(spec([PAUSE], maxOutageMs=5000), [result])
    assert reasons == ["observer sync.0 had no event after fault 0 (pauseReplica 0 for 2s at 2s)"]


def test_a_dropped_subscriber_back_within_the_silence_floor_still_had_an_outage() -> None:
    drop = {"atSeconds": 3, "action": "dropSubscribers", "replica": 0}
    loss = Outage(started_ns=at(3.001), ended_ns=at(3.010), missed=2, first_event_after_ms=14.0)
    docs = [observer("sync", missed={3: 2}, outages=[loss]), observer("far")]
    [result] = fault_results(spec([drop]), [applied(0, "dropSubscribers", 3.0)], docs, T0)
    sync0, far0 = result.observers
    assert sync0.outage_ms == 14.0 and sync0.lost == 2
    assert sync0.last_event_before_ns == at(3.001)
    assert far0.outage_ms == 0.0 and far0.lost == 0


def test_losses_are_claimed_once_by_the_fault_that_caused_them() -> None:
    faults = [
        PAUSE,
        {"atSeconds": 4.5, "action": "dropSubscribers", "replica": 0},
    ]
    # The pause (2-4 s, over 1 s later) and the drop at 4.5 s both reach seconds 4 and 5:
    # second 4 ended after the drop was applied, so its losses are the drop's.
    docs = [observer("sync", missed={2: 0, 3: 5, 4: 30, 5: 1})]
    records = [applied(0, "pauseReplica", 2.0, 4.0), applied(1, "dropSubscribers", 4.5)]
    pause, drop = fault_results(spec(faults), records, docs, T0)
    assert pause.observers[0].lost == 5
    assert drop.observers[0].lost == 31
    assert pause.lost + drop.lost == 36  # every missed event once


def test_the_second_before_a_fault_is_its_own_when_nothing_came_earlier() -> None:
    record = applied(0, "dropSubscribers", 3.2)
    assert list(seconds_of(record, T0)) == [2, 3, 4]  # over one second after: 4.2 s
    docs = [observer("sync", missed={2: 3, 4: 1, 6: 9})]
    [result] = fault_results(
        spec([{"atSeconds": 3.2, "action": "dropSubscribers", "replica": 0}]), [record], docs, T0
    )
    assert result.lost == 4  # second 6 is no fault's


def test_a_killed_replica_is_over_when_the_injector_saw_it_whole_again() -> None:
    kill = {"atSeconds": 3, "action": "killReplica", "replica": 1}
    runner = applied(0, "killReplica", 3.0, target="replica 1")
    injector = AppliedFault(
        index=0,
        action="killReplica",
        target="replica 1",
        at_seconds=3,
        applied_ns=0,
        recovered_ns=at(8.5),
    )
    merged = merge_records([runner, injector])[0]
    assert (merged.applied_ns, merged.recovered_ns) == (at(3.0), at(8.5))
    docs = [observer("sync"), observer("far", silences=[(2.999, 8.6)], missed={3: 60, 8: 10})]
    [result] = fault_results(spec([kill]), [runner, injector], docs, T0)
    assert result.resync_ms == 5500.0
    assert result.over_ns == at(8.5)
    far0 = result.observers[1]
    assert far0.outage_ms == 5601.0 and far0.lost == 70


def test_a_killed_observer_is_named_killed_and_is_no_failure() -> None:
    kill = {"atSeconds": 3, "action": "killObserver", "observer": "sync", "instance": 1}
    docs = [observer("sync", 0), observer("far")]
    record = applied(0, "killObserver", 3.0, target="sync.1")
    faults = spec([kill], maxOutageMs=100, maxLost=0)
    results = fault_results(faults, [record], docs, T0)
    assert killed_labels(results) == {"sync.1"}
    # It left no document, and is still named: killed, not "no observer hit".
    assert [(i.observer, i.killed) for i in results[0].observers] == [
        ("sync.0", False),
        ("far.0", False),
        ("sync.1", True),
    ]
    assert fault_reasons(faults, results) == []
    # Its own document, had it written one, would say killed and not count.
    results = fault_results(faults, [record], [*docs, observer("sync", 1, silences=[(3, 0)])], T0)
    impact = next(i for i in results[0].observers if i.observer == "sync.1")
    assert impact.killed
    assert fault_reasons(faults, results) == []


def test_a_killed_writer_excuses_the_end_it_never_announced() -> None:
    record = applied(0, "killWriter", 3.0, target="writer.0")
    faults = spec([{"atSeconds": 3, "action": "killWriter", "writer": 0}], maxOutageMs=100)
    # No writer writes after it: every observer goes silent, and that is no outage to judge.
    docs = [observer("sync", silences=[(3.0, 0)])]
    results = fault_results(faults, [record], docs, T0)
    assert fault_reasons(faults, results) == []
    errors = ["2 writer(s) never announced their end", "connection refused"]
    assert unexcused_errors(errors, results) == ["connection refused"]


def test_the_outage_threshold_passes_and_fails_at_its_bound() -> None:
    docs = [observer("sync", silences=[(2.0, 4.1)])]
    records = [applied(0, "pauseReplica", 2.0, 4.0)]
    results = fault_results(spec([PAUSE]), records, docs, T0)
    assert fault_reasons(spec([PAUSE], maxOutageMs=3000), results) == []
    assert fault_reasons(spec([PAUSE], maxOutageMs=2100), results) == []
    assert fault_reasons(spec([PAUSE], maxOutageMs=1500), results) == [
        "observer sync.0 was without events for 2100 ms around fault 0 (pauseReplica 0 for 2s "
        "at 2s) (allowed 1500 ms)"
    ]


def test_the_loss_threshold_passes_and_fails_and_then_excuses_the_run_wide_count() -> None:
    drop = {"atSeconds": 3, "action": "dropSubscribers", "replica": 0}
    docs = [observer("sync", missed={3: 12}), observer("sync", 1, missed={3: 4, 7: 1})]
    results = fault_results(spec([drop]), [applied(0, "dropSubscribers", 3.0)], docs, T0)
    assert results[0].lost == 12
    assert fault_reasons(spec([drop], maxLost=12), results) == []
    assert fault_reasons(spec([drop], maxLost=11), results) == [
        "observer sync.0 lost 12 events to fault 0 (dropSubscribers 0 at 3s) (allowed 11)"
    ]
    summary = _summary(worst_missed=12)
    assert excused_missed(summary, spec([drop], maxLost=12), results) == 12
    assert excused_missed(summary, spec([drop]), results) == 0  # unset: maxMissed judges all


def test_disconnects_during_a_fault_are_its_own_and_others_still_count() -> None:
    result = FaultResult(
        index=0,
        action="dropSubscribers",
        target="replica 0",
        at_seconds=3,
        applied_at_seconds=3.0,
        applied_ns=at(3.0),
        over_ns=at(4.0),
    )
    inside = Outage(started_ns=at(3.05), observer="sync.0")
    just_before = Outage(started_ns=at(2.9), observer="sync.1")
    outside = Outage(started_ns=at(6.0), observer="sync.1")
    assert during_a_fault(inside, [result]) and during_a_fault(just_before, [result])
    assert not during_a_fault(outside, [result])
    summary = _summary(outages=[inside, just_before, outside])
    assert disconnects_outside(summary, [result]) == 1
    assert disconnects_outside(summary, []) == 2  # sync.1 had two


def test_a_fault_that_was_not_applied_fails_the_run() -> None:
    record = AppliedFault(
        index=0,
        action="pauseReplica",
        target="replica 0",
        at_seconds=2,
        applied_ns=0,
        error="apply failed on replica 0: connection refused",
    )
    results = fault_results(spec([PAUSE]), [record], [observer("sync")], T0)
    assert results[0].applied_at_seconds is None
    assert fault_reasons(spec([PAUSE]), results) == [
        "fault 0 (pauseReplica 0 for 2s at 2s) was not applied: apply failed on replica 0: "
        "connection refused"
    ]
    assert fault_results(spec([PAUSE]), [], [], T0)[0].error == "it was not applied"


def test_an_impact_says_what_it_is_in_the_documents_own_names() -> None:
    impact = FaultImpact(observer="sync.0", outage_ms=12.5, lost=3)
    assert impact.model_dump(by_alias=True)["outageMs"] == 12.5


def _summary(*, worst_missed: int = 0, outages: list[Outage] | None = None) -> ObserverSummary:
    return ObserverSummary(
        name="sync",
        mode="sync",
        instances=2,
        target_replica=0,
        received=0,
        expected=0,
        missed=worst_missed,
        duplicates=0,
        out_of_order=0,
        worst_instance_missed=worst_missed,
        disconnects=len(outages or []),
        negative_latencies=0,
        outages=outages or [],
    )


def test_a_silence_is_the_fault_last_applied_before_it_began() -> None:
    faults = [
        {"atSeconds": 1, "action": "killReplica", "replica": 1},
        {"atSeconds": 3, "action": "pauseReplica", "replica": 0, "durationSeconds": 2},
    ]
    # The kill is over only at 7 s (the replica's full resync), long after the pause began.
    kill = applied(0, "killReplica", 1.0, target="replica 1", recovered_ns=at(7.0))
    pause = applied(1, "pauseReplica", 3.0, 5.0)
    docs = [
        observer("sync", silences=[(3.0, 5.05)]),  # on the primary: the pause's only
        observer("far", silences=[(1.0, 6.9)]),  # on the killed replica: the kill's only
    ]
    kill_result, pause_result = fault_results(spec(faults), [kill, pause], docs, T0)
    assert [i.outage_ms for i in kill_result.observers] == [0.0, 5900.0]
    assert [i.outage_ms for i in pause_result.observers] == [2050.0, 0.0]


def test_faults_applied_together_share_what_they_did() -> None:
    faults = [
        {"atSeconds": 2, "action": "dropSubscribers", "replica": 0},
        {"atSeconds": 2, "action": "dropSubscribers", "replica": 1},
    ]
    records = [applied(0, "dropSubscribers", 2.0), applied(1, "dropSubscribers", 2.05)]
    docs = [observer("sync", silences=[(2.06, 2.5)])]
    first, second = fault_results(spec(faults), records, docs, T0)
    assert first.observers[0].outage_ms == second.observers[0].outage_ms == 440.0


def test_the_seconds_a_fault_disturbed_are_not_read_as_a_growing_queue() -> None:
    pause = {"atSeconds": 8, "action": "pauseReplica", "replica": 0, "durationSeconds": 1}
    docs = [observer("sync"), observer("sync", 1), observer("far")]
    for second in docs[0].series[8:]:
        second.p50_ms = 900.0  # the pause held the events of its seconds
    writer = WriterResult(
        writer_id=0,
        target_replicas=[0],
        client=CLIENT,
        started_ns=at(-2),
        ended_ns=at(10),
        measured_start_ns=T0,
        sent=1000,
    )

    def merged(records: list[AppliedFault]) -> str:
        result = merge_run(
            benchmark="b",
            run_id="b-1",
            spec=spec([pause]),
            writers=[writer],
            observers=docs,
            engine=EngineFacts(type="redis", replicas=2),
            convergence=Convergence(checked=True, converged=True),
            started_ns=at(-2),
            finished_ns=at(11),
            fault_records=records,
        )
        return result.observers[0].saturation

    assert merged([]).startswith("its latency grew over the run")
    assert merged([applied(0, "pauseReplica", 8.0, 9.0)]) == ""
