"""Ground truth of the fault schedule: each fault applied by kobench itself (``spec.faults``)
on real Redis and Valkey servers, and the figures it reports checked against what was injected.

Tolerances are for two cores shared with other suites: a process may be off the CPU for a few
hundred milliseconds, so an outage may exceed its fault by up to ``LATE_S``; it cannot be
shorter than the fault by more than one event's delivery (the last event before a pause may
reach its observer just after the pause began), ``EARLY_S``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kobench.api import Benchmark
from kobench.measure.results import ObserverSummary, RunResult
from kobench.measure.results.fault_docs import FaultImpact, FaultResult
from kobench.measure.results.fault_verdict import fault_reasons
from kobench.run.local.local_loop import run_local

ENGINES = ["redis", "valkey"]
RATE = 100
LATE_S = 0.5
EARLY_S = 0.02
RECONNECT_S = 1.0
"""A Redis or Valkey replica retries its primary once a second (replicationCron): after a cut
ends, the link comes back within that."""


def impact(fault: FaultResult, observer: str) -> FaultImpact:
    return next(i for i in fault.observers if i.observer == observer)


def observer(result: RunResult, name: str) -> ObserverSummary:
    return next(o for o in result.observers if o.name == name)


def truth(name: str, result: RunResult) -> None:
    """One TRUTH line per fault with its figures."""
    for fault in result.faults:
        hits = ", ".join(
            f"{i.observer} outage {i.outage_ms} lost {i.lost} p99 after {i.p99_after_ms}"
            + (" killed" if i.killed else "")
            for i in fault.observers
        )
        print(
            f"TRUTH {name}: {fault.action} {fault.target} at {fault.applied_at_seconds}s lasted "
            f"{fault.duration_ms} resync {fault.resync_ms}: {hits}; verdict {result.verdict}"
        )


def two_replicas(engine: str, faults: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    """A primary and a replica, an observer on each; one writer on the primary, unique keys."""
    spec: dict[str, Any] = {
        "engine": {"type": engine, "replicas": 2},
        "workload": {
            "rate": RATE,
            "durationSeconds": 6,
            "warmupSeconds": 0.5,
            "keyMode": "unique",
        },
        "observers": [
            {"name": "near", "mode": "sync", "targetReplica": 0},
            {"name": "far", "mode": "async", "targetReplica": 1},
        ],
        "faults": faults,
    }
    spec.update(more)
    return spec


@pytest.mark.parametrize("engine", ENGINES)
def test_a_paused_primary_gives_every_observer_an_outage_of_the_pause(
    benchmark: Callable[..., Benchmark], engine: str
) -> None:
    pause_s = 2.0
    # Early in 6 s of writes: the catch-up after it is over before the last quarter, which the
    # saturation check compares with the first.
    faults = [{"atSeconds": 1, "action": "pauseReplica", "replica": 0, "durationSeconds": 2}]
    bench = benchmark(
        "pause", **two_replicas(engine, faults, thresholds={"faults": {"maxOutageMs": 3000}})
    )
    result = run_local(bench)
    truth(f"pauseReplica {pause_s}s {engine}", result)
    [pause] = result.faults
    assert pause.error == "" and pause.duration_ms == pause_s * 1000
    assert abs((pause.applied_at_seconds or 0) - 1) < LATE_S
    for name in ("near.0", "far.0"):
        outage = impact(pause, name).outage_ms
        assert outage is not None, name
        assert (pause_s - EARLY_S) * 1000 <= outage <= (pause_s + LATE_S) * 1000, (name, outage)
    # A pause loses nothing: the writes wait and are then delivered, late.
    assert pause.lost == 0
    assert all(o.missed == 0 for o in result.observers)
    # The same figures judged by two bounds: 3000 ms passes, 1500 ms fails each observer.
    assert fault_reasons(bench.spec, result.faults) == []
    assert result.verdict == "Passed", result.reasons
    strict = benchmark(
        "pause", **two_replicas(engine, faults, thresholds={"faults": {"maxOutageMs": 1500}})
    )
    reasons = fault_reasons(strict.spec, result.faults)
    assert len(reasons) == 2 and all("allowed 1500 ms" in r for r in reasons), reasons


@pytest.mark.parametrize("engine", ENGINES)
def test_a_paused_replica_silences_its_own_observers_only(
    benchmark: Callable[..., Benchmark], engine: str
) -> None:
    pause_s = 2.0
    faults = [{"atSeconds": 1, "action": "pauseReplica", "replica": 1, "durationSeconds": 2}]
    result = run_local(benchmark("pause-replica", **two_replicas(engine, faults)))
    truth(f"pauseReplica of replica 1 {pause_s}s {engine}", result)
    [pause] = result.faults
    far, near = impact(pause, "far.0"), impact(pause, "near.0")
    assert far.outage_ms is not None
    assert (pause_s - EARLY_S) * 1000 <= far.outage_ms <= (pause_s + LATE_S) * 1000, far
    # The primary goes on; its observer at most sees the loaded machine's scheduling.
    assert near.outage_ms is not None and near.outage_ms <= LATE_S * 1000, near
    assert pause.lost == 0 and all(o.missed == 0 for o in result.observers)


@pytest.mark.parametrize("engine", ENGINES)
def test_dropped_subscribers_have_one_outage_each_and_lose_what_it_counted(
    benchmark: Callable[..., Benchmark], engine: str
) -> None:
    faults = [{"atSeconds": 2, "action": "dropSubscribers", "replica": 1}]
    spec = two_replicas(
        engine,
        faults,
        observers=[
            {"name": "near", "mode": "sync", "targetReplica": 0},
            {"name": "far", "mode": "sync", "targetReplica": 1, "replicas": 2},
        ],
        thresholds={"faults": {"maxOutageMs": 2000, "maxLost": RATE}},
    )
    result = run_local(benchmark("drop", **spec))
    truth(f"dropSubscribers {engine}", result)
    [drop] = result.faults
    far = next(o for o in result.observers if o.name == "far")
    near = next(o for o in result.observers if o.name == "near")
    per_instance = {
        label: [o for o in far.outages if o.observer == label] for label in ("far.0", "far.1")
    }
    assert all(len(o) == 1 for o in per_instance.values()), far.outages
    assert near.outages == []
    for label, (outage,) in per_instance.items():
        hit = impact(drop, label)
        assert hit.lost == outage.missed, (label, hit, outage)
        assert hit.outage_ms is not None and hit.outage_ms > 0
    assert impact(drop, "near.0").outage_ms == 0.0 and impact(drop, "near.0").lost == 0
    sent = result.writers.sent
    for observer in result.observers:
        assert observer.received + observer.missed == sent * observer.instances, observer.name
    assert far.missed == sum(o.missed for o in far.outages)
    assert result.verdict == "Passed", result.reasons  # the losses are the fault's, within bound


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cut_replica_goes_silent_for_the_cut_and_resyncs_what_it_missed(
    benchmark: Callable[..., Benchmark], engine: str
) -> None:
    cut_s = 2.0
    faults = [{"atSeconds": 1, "action": "cutReplication", "replica": 1, "durationSeconds": 2}]
    spec = two_replicas(
        engine,
        faults,
        thresholds={"faults": {"maxOutageMs": 1000 * (cut_s + RECONNECT_S + LATE_S)}},
    )
    result = run_local(benchmark("cut", **spec))
    truth(f"cutReplication {cut_s}s {engine}", result)
    [cut] = result.faults
    assert cut.error == ""
    far, near = impact(cut, "far.0"), impact(cut, "near.0")
    # The cut as applied (the injector may send it late on a loaded machine): no event can
    # cross it; the link comes back at the replica's next retry after it.
    lasted_s = (cut.duration_ms or 0) / 1000
    assert abs(lasted_s - cut_s) < LATE_S
    assert far.outage_ms is not None
    assert (lasted_s - EARLY_S) * 1000 <= far.outage_ms <= (lasted_s + RECONNECT_S + LATE_S) * 1000
    # The primary's observer is not cut off: at most a scheduling hiccup of the loaded machine.
    assert near.outage_ms is not None and near.outage_ms <= LATE_S * 1000
    assert cut.resync_ms is not None and 0 <= cut.resync_ms <= 1000 * (RECONNECT_S + LATE_S)
    # The replica continued from its backlog (a partial resync): every write was replayed,
    # late, so nothing was lost, and the replicas agree after it.
    assert far.lost == 0 and all(o.missed == 0 for o in result.observers)
    assert result.convergence.converged, result.convergence
    assert result.verdict == "Passed", result.reasons


@pytest.mark.parametrize("engine", ENGINES)
def test_a_killed_replica_comes_back_empty_and_resyncs_in_full(
    benchmark: Callable[..., Benchmark], engine: str
) -> None:
    faults = [{"atSeconds": 1, "action": "killReplica", "replica": 1}]
    spec = two_replicas(
        engine,
        faults,
        workload={"rate": RATE, "durationSeconds": 9, "warmupSeconds": 0.5, "keyMode": "unique"},
        thresholds={"faults": {"maxOutageMs": 9000, "maxLost": 9 * RATE}},
    )
    result = run_local(benchmark("kill", **spec))
    truth(f"killReplica {engine}", result)
    [kill] = result.faults
    assert kill.error == ""
    far = impact(kill, "far.0")
    assert kill.resync_ms is not None, "the injector saw the replica whole again"
    assert far.outage_ms is not None, "the observer on it came back"
    # What was written while the observer had no subscription (the replica dead, then starting)
    # is lost for sure; a full resync fires no events for what its snapshot holds, while the
    # writes buffered during the sync arrive late, replayed. So the loss lies between the time
    # without a subscription and the whole silence, in writes.
    [cut_off] = [o for o in observer(result, "far").outages if o.observer == "far.0"]
    unsubscribed_s = (cut_off.ended_ns - cut_off.started_ns) / 1e9
    outage_s = far.outage_ms / 1000
    assert RATE * (unsubscribed_s - LATE_S) <= far.lost <= RATE * (outage_s + LATE_S), (
        far,
        unsubscribed_s,
    )
    assert far.p99_after_ms is not None  # events flowed again after it
    assert impact(kill, "near.0").lost == 0
    assert result.convergence.converged, result.convergence  # it holds the primary's data
    assert result.verdict == "Passed", result.reasons


def test_killed_roles_are_named_and_the_survivors_go_on_without_invented_loss(
    benchmark: Callable[..., Benchmark],
) -> None:
    faults = [
        {"atSeconds": 1, "action": "killObserver", "observer": "sync", "instance": 1},
        {"atSeconds": 2, "action": "killWriter", "writer": 1},
    ]
    spec = {
        "engine": {"type": "redis", "replicas": 1},
        "workload": {
            "rate": RATE,
            "durationSeconds": 4,
            "warmupSeconds": 0.5,
            "keyMode": "unique",
            "writers": 2,
        },
        "observers": [
            {"name": "sync", "mode": "sync", "replicas": 2},
            {"name": "async", "mode": "async"},
        ],
        "faults": faults,
        "thresholds": {"faults": {"maxOutageMs": 500}},
    }
    result = run_local(benchmark("roles", **spec))
    truth("killObserver+killWriter redis", result)
    killed_observer, _ = result.faults
    assert [(i.observer, i.killed) for i in killed_observer.observers if i.killed] == [
        ("sync.1", True)
    ]
    # Writer 0 wrote all it was asked (counted: the measured writes). Writer 1 left no
    # document: it is credited with what the observers saw of it: some, and not all (it died
    # 2 s before the end of writer 0's schedule; the writers start together at the barrier).
    planned_each = round(RATE * 4)
    assert result.writers.sent == planned_each, result.writers
    for name in ("sync", "async"):
        observer = next(o for o in result.observers if o.name == name)
        assert observer.missed == 0, observer  # nothing invented for the dead writer
        assert observer.received == observer.expected
        credited = observer.expected - planned_each
        assert RATE <= credited <= planned_each - RATE, credited
    # The survivors heard writer 0 throughout: no outage around either kill (a silence of a
    # few tens of ms is the loaded machine's scheduling, not a fault).
    for fault in result.faults:
        for hit in fault.observers:
            assert hit.killed or (hit.outage_ms is not None and hit.outage_ms <= LATE_S * 1000)
    assert result.verdict == "Passed", result.reasons
