"""A fault schedule through the phase machine, as plain data: the injector starts before the
writers, the kills come at their time on the injector's clock (once each, also after a restart),
and a killed role is the fault's target, not a failure while another instance of it measures.
How an executor ends one role is its own (a pod by a selector matching that one pod: tested with
the manifests)."""

from __future__ import annotations

from tests.unit.machine.world import World, at, pod, resource, to_running

from kobench.api.fault_spec import AppliedFault
from kobench.api.status import BenchmarkStatus
from kobench.measure.results.fault_docs import FaultsResult
from kobench.run.actions import KeepResult, KillRole
from kobench.run.needs import needs

NS = 1_000_000_000
FAULT_SPEC = {
    "engine": {"replicas": 2},
    "workload": {"writes": 5000, "rate": 1000, "warmupSeconds": 0},
    "observers": [
        {"name": "sync", "mode": "sync", "targetReplica": 1, "replicas": 2},
        {"name": "async", "mode": "async"},
    ],
    "faults": [
        {"atSeconds": 1, "action": "pauseReplica", "replica": 0, "durationSeconds": 0.5},
        {"atSeconds": 2, "action": "killObserver", "observer": "sync"},
        {"atSeconds": 3, "action": "killReplica", "replica": 1},
    ],
    "timeouts": {"engineReadySeconds": 60, "subscribeSeconds": 30, "drainSeconds": 2},
}
CLOCK_NS = int(at(14).timestamp() * NS)
"""The injector's fault clock: writer 0's first measured write was due at t=14."""


def kills(world: World) -> list[str]:
    assert world.last is not None
    return [a.role.key for a in world.last.actions if isinstance(a, KillRole)]


def running_world() -> World:
    world = to_running(World(res=resource(FAULT_SPEC)))
    started = world.started_roles()
    assert "faults" in started
    assert started.index("faults") < min(started.index(w) for w in world.writers())
    world.roles["faults"] = pod()
    return world


def test_kills_wait_for_the_fault_clock_then_come_once_each_at_their_time() -> None:
    world = running_world()
    assert needs(world.status, world.res, world.spec, True).fault_clock
    world.step(13.5, fault_clock_ns=None)
    assert kills(world) == [] and world.last is not None and world.last.wake_in == 0.25
    world.step(14, fault_clock_ns=CLOCK_NS)
    assert world.status.faults is not None and world.status.faults.clock_ns == CLOCK_NS
    assert not needs(world.status, world.res, world.spec, True).fault_clock
    assert world.last is not None and world.last.wake_in == 2.0  # killObserver at 2 s
    world.step(15.9)
    assert kills(world) == []
    world.step(16.1)
    assert kills(world) == ["sync.0"]
    assert world.status.faults.kills[0].index == 1
    world.step(16.2)
    assert kills(world) == [], "a kill recorded in the status is never repeated"
    world.step(17.0)
    assert kills(world) == ["replica-1"]
    applied = [(k.index, k.applied_ns) for k in world.status.faults.kills]
    assert applied == [(1, int(at(16.1).timestamp() * NS)), (2, int(at(17).timestamp() * NS))]


def test_a_restarted_operator_repeats_no_kill() -> None:
    world = running_world()
    world.step(14, fault_clock_ns=CLOCK_NS)
    world.step(16.5)
    saved = BenchmarkStatus.model_validate(world.status.model_dump(by_alias=True, mode="json"))
    restarted = World(res=world.res, status=saved, roles=dict(world.roles))
    restarted.step(16.6)
    assert kills(restarted) == []


def test_a_killed_observer_is_the_faults_target_and_the_run_collects_without_it() -> None:
    world = running_world()
    world.step(14, fault_clock_ns=CLOCK_NS)
    world.step(16.1)
    world.step(17.1)
    world.writers_end(20)
    world.observers_end(20)
    del world.roles["sync.0"], world.documents["sync.0"]
    injected = FaultsResult(
        measured_from_ns=CLOCK_NS,
        applied=[
            AppliedFault(
                index=0,
                action="pauseReplica",
                target="replica 0",
                at_seconds=1,
                applied_ns=CLOCK_NS + NS,
                ended_ns=CLOCK_NS + NS + NS // 2,
            ),
            AppliedFault(
                index=2,
                action="killReplica",
                target="replica 1",
                at_seconds=3,
                applied_ns=0,
                recovered_ns=CLOCK_NS + 4 * NS,
            ),
        ],
    )
    world.roles["faults"] = pod(phase="Succeeded", finished=20)
    world.documents["faults"] = injected.model_dump_json(by_alias=True)
    world.step(21)
    assert world.phase() == "Collecting", world.status.message
    done = world.step(22)
    assert world.phase() == "Succeeded", world.status.message
    assert world.status.verdict == "Passed", world.status.reasons
    (kept,) = [a for a in done.actions if isinstance(a, KeepResult)]
    result = kept.result
    by_index = {f.index: f for f in result.faults}
    assert by_index[0].applied_at_seconds == 1.0 and by_index[0].duration_ms == 500.0
    assert by_index[1].applied_at_seconds == 2.1
    assert by_index[2].applied_at_seconds == 3.1 and by_index[2].resync_ms == 900.0
    # The status's record of the kill says when the engine was whole again, as the result does.
    assert world.status.faults is not None
    (killed_replica,) = [k for k in world.status.faults.kills if k.index == 2]
    assert killed_replica.recovered_ns == killed_replica.applied_ns + 900_000_000
    assert world.status.summary is not None and world.status.summary.faults == 3
