"""The phase machine, one run at a time, from plain data and a fixed clock."""

from __future__ import annotations

from tests.unit.machine.world import (
    SPEC,
    World,
    at,
    forbidden,
    kinds,
    pod,
    resource,
    stamp,
    to_running,
)

from kobench.api.status_terms import PHASES
from kobench.run.actions import KeepResult, PostEvent, RecordRun, StopRoles, StopRun
from kobench.run.pods.pod_views import pod_view


def conditions(world: World) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status, c.reason, c.message) for c in world.status.conditions}


def test_the_happy_path_goes_through_every_phase_in_order() -> None:
    world = World()
    first = world.step(0)
    assert world.phase() == "Pending" and world.status.run_id
    assert kinds(first.actions) == ["PostEvent"]  # nothing is created by starting a run
    assert conditions(world)["Complete"][:2] == ("False", "RunStarted")

    world.step(1)
    assert world.phase() == "Deploying"
    deploy = world.step(2)
    assert world.phase() == "WaitingForEngine"
    assert kinds(deploy.actions) == ["FreezeSpec", "StartEngine", "PostEvent"]
    assert all(a.before_save for a in deploy.actions if not isinstance(a, PostEvent))
    assert world.started == ["spec", "engine"]

    world.roles["replica-0"] = pod(ready=True)
    world.step(5)
    assert world.phase() == "WaitingForEngine"
    assert conditions(world)["EngineReady"] == ("False", "Starting", "1/2 ready")
    world.engine_ready()
    world.step(6)
    assert world.phase() == "Subscribing"
    assert world.started_roles() == world.observers()

    world.subscribe(world.observers()[0])
    world.step(7)
    assert world.phase() == "Subscribing"
    assert not set(world.writers()) & set(world.started_roles()), "the start barrier holds"
    world.subscribe()
    world.step(8)
    assert world.phase() == "Running"
    assert world.started_roles()[-1:] == world.writers()
    assert conditions(world)["ObserversSubscribed"][:2] == ("True", "AllSubscribed")

    world.start_writers()
    world.step(9)
    assert world.phase() == "Running"
    world.writers_end(10)
    world.observers_end(10)
    world.step(11)
    assert world.phase() == "Collecting"

    done = world.step(12)
    assert world.phase() == "Succeeded" and world.status.verdict == "Passed"
    assert world.status.summary is not None and world.status.summary.writes == 200
    assert world.status.results_config_map == world.names.results
    assert world.status.finished_at == stamp(12)
    assert [h.run_id for h in world.status.history] == [world.status.run_id]
    kept = [a for a in done.actions if isinstance(a, KeepResult)]
    assert len(kept) == 1 and kept[0].before_save
    recorded = [a for a in done.actions if isinstance(a, RecordRun)]
    assert len(recorded) == 1 and recorded[0].count and recorded[0].record.result is not None
    cleanup = [a for a in done.actions if isinstance(a, StopRun)]
    assert cleanup == [StopRun(world.status.run_id, before_save=False)]
    assert [e.reason for e in world.events] == [
        "Pending",
        "Deploying",
        "WaitingForEngine",
        "Subscribing",
        "Running",
        "Collecting",
        "Succeeded",
    ]
    assert set(PHASES) >= {e.reason for e in world.events}
    assert len(world.started) == len(set(world.started)), "nothing started twice"


def test_a_pass_with_nothing_new_changes_nothing() -> None:
    world = to_running(World())
    again = world.step(14)
    assert not again.changed and again.actions == ()
    assert again.wait == "active"


def test_the_engine_timeout_names_the_stage_and_the_count() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)  # WaitingForEngine since t=2, engineReadySeconds 60
    world.roles["replica-0"] = pod(ready=True)
    world.step(62)
    assert world.phase() == "WaitingForEngine"
    decision = world.step(63)
    assert world.phase() == "Failed"
    assert world.status.reasons == [
        "engine not ready within 60s (spec.timeouts.engineReadySeconds): 1/2 replicas ready"
    ]
    assert conditions(world)["Complete"][:2] == ("True", "EngineTimeout")
    assert conditions(world)["Passed"][:2] == ("False", "EngineTimeout")
    assert [type(a).__name__ for a in decision.actions] == ["PostEvent", "RecordRun"]
    assert decision.wait == "idle"


def test_an_unschedulable_replica_is_named_while_waiting_and_in_the_timeout() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    scheduler = "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules."
    world.roles["replica-0"] = pod(ready=True)
    world.roles["replica-1"] = pod(phase="Pending", unschedulable=scheduler)
    world.step(10)
    status, reason, message = conditions(world)["EngineReady"]
    assert (status, reason) == ("False", "Unschedulable")
    assert f"engine replica 1 cannot be scheduled: pod a-pod: {scheduler}" in message
    world.step(63)
    assert world.phase() == "Failed"
    assert conditions(world)["Complete"][1] == "EngineTimeout"
    assert world.status.reasons[0].startswith(
        "engine not ready within 60s (spec.timeouts.engineReadySeconds): 1/2 replicas ready"
    )
    assert (
        f"engine replica 1 cannot be scheduled: pod a-pod: {scheduler}" in (world.status.reasons[0])
    )


def test_observers_that_never_subscribe_time_out_without_a_writer() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(3)  # Subscribing since t=3, subscribeSeconds 30
    world.subscribe(world.observers()[0])
    world.step(33)
    assert world.phase() == "Subscribing"
    world.step(34)
    assert world.phase() == "Failed"
    assert world.status.reasons == [
        "observers not subscribed within 30s (spec.timeouts.subscribeSeconds): 1/3 subscribed"
    ]
    assert conditions(world)["ObserversSubscribed"][:2] == ("False", "Subscribing")
    assert conditions(world)["Complete"][1] == "SubscribeTimeout"
    assert not set(world.writers()) & set(world.started_roles())


def test_a_run_past_its_time_limit_is_collected_with_what_there_is() -> None:
    world = to_running(World())  # Running since t=12
    limit = world.spec.run_seconds
    grace = 2 + 10  # the roles stop at the limit by themselves: the drain and a grace
    world.step(12 + limit + grace)
    assert world.phase() == "Running"
    late = world.step(13 + limit + grace)
    assert world.phase() == "Collecting"
    said = f"run did not finish within {limit:.0f}s (spec.timeouts.runSeconds)"
    stop = [a for a in late.actions if isinstance(a, StopRoles)]
    assert [r.key for r in stop[0].roles] == [*world.observers(), *world.writers()]
    world.writers_end(14 + limit + grace)
    world.step(15 + limit + grace)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert world.status.reasons[0] == f"{said}: 4 role(s) running"
    assert "observer sync.0 produced no result: still running" in " ".join(world.status.reasons)


def test_stragglers_are_left_behind_after_the_drain_and_the_grace() -> None:
    world = to_running(World())
    world.writers_end(20)  # observers keep waiting: the writer's end marker never came
    drain, grace = 2, 10.0
    world.step(20 + drain + grace)
    assert world.phase() == "Running"
    late = world.step(20 + drain + grace + 1)
    assert world.phase() == "Collecting"
    assert "collecting without sync.0, async.0, async.1" in world.status.message
    stop = [a for a in late.actions if isinstance(a, StopRoles)]
    assert [r.key for r in stop[0].roles] == world.observers()
    world.step(40)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    reasons = " ".join(world.status.reasons)
    assert "observer sync.0 produced no result: still running" in reasons
    assert "it was still waiting for the writers' end marker" in reasons


def test_the_fault_injector_is_given_its_recovery_wait_before_it_is_left_behind() -> None:
    cut = {"atSeconds": 0.05, "action": "cutReplication", "replica": 1, "durationSeconds": 0.05}
    faulty = {**SPEC, "faults": [cut]}
    world = to_running(World(res=resource(faulty)))
    world.roles["faults"] = pod()
    world.writers_end(20)
    world.observers_end(20)
    world.step(20 + 2 + 10 + 1)
    assert world.phase() == "Running", "the injector watches the engine recover for up to 60 s"
    world.step(20 + 2 + 70 + 1)
    assert world.phase() == "Collecting"
    world.step(100)
    reasons = " ".join(world.status.reasons)
    assert "fault injector produced no result: still running; it was still waiting for the " in (
        reasons
    )
    assert "engine to recover from its faults" in reasons


def test_an_oom_killed_engine_fails_the_run_naming_the_container() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.roles["replica-1"] = pod("bench-engine-1", restarted_after="OOMKilled")
    world.step(3)
    assert world.phase() == "Failed"
    assert conditions(world)["Complete"][1] == "OOMKilled"
    assert world.status.reasons[0].startswith(
        "engine replica 1: pod bench-engine-1 container role restarted after OOMKilled"
    )


def test_a_failed_observer_fails_the_run_and_no_writer_starts() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(3)
    failed = world.observers()[1]
    world.roles[failed] = pod("bench-obs-async-0", phase="Failed", terminated=(2, "Error"))
    world.step(4)
    assert world.phase() == "Failed"
    assert conditions(world)["Complete"][1] == "ChildFailed"
    assert world.status.reasons == [
        "observer async.0: pod bench-obs-async-0 container role: Error (exit code 2)"
    ]
    assert not set(world.writers()) & set(world.started_roles())


def test_a_role_that_fails_once_the_writers_run_is_collected_as_a_reason() -> None:
    world = to_running(World())
    victim = world.observers()[0]
    world.roles[victim] = pod("bench-obs-sync-0", phase="Failed", terminated=(137, "OOMKilled"))
    world.step(20)
    assert world.phase() == "Running", "what the others measure is not lost"
    world.writers_end(21)
    for key in world.observers()[1:]:
        world.roles[key] = pod(phase="Succeeded", finished=21)
        world.documents[key] = world.documents.get(key) or None
    world.observers_end(21)
    world.roles[victim] = pod("bench-obs-sync-0", phase="Failed", terminated=(137, "OOMKilled"))
    world.documents[victim] = None
    world.step(22)
    world.step(23)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert (
        "observer sync.0 produced no result: pod bench-obs-sync-0 container role: OOMKilled "
        "(exit code 137)"
    ) in world.status.reasons


def test_a_replica_that_fails_during_the_run_is_a_reason_of_the_collected_result() -> None:
    world = to_running(World())
    world.roles["replica-0"] = pod("bench-engine-0", restarted_after="OOMKilled")
    world.step(20)
    assert world.phase() == "Running"
    world.writers_end(21)
    world.observers_end(21)
    world.step(22)
    world.step(23)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert world.status.reasons[0].startswith(
        "engine replica 0 failed during the run: pod bench-engine-0 container role restarted "
        "after OOMKilled"
    )


def test_a_log_that_cannot_be_read_yet_is_retried_then_reported() -> None:
    world = to_running(World())
    world.writers_end(20)
    world.observers_end(20)
    world.step(21)  # Collecting since t=21, collect timeout 20 s
    broken = world.observers()[0]
    unreadable = {broken: "cannot read its log: 500 Internal Server Error"}
    waiting = world.step(30, unreadable=unreadable)
    assert world.phase() == "Collecting" and waiting.actions == ()
    world.step(42, unreadable=unreadable)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert (
        f"observer {broken} produced no result: its output cannot be read: "
        "cannot read its log: 500 Internal Server Error"
    ) in world.status.reasons


def test_a_cleanup_policy_of_keep_leaves_the_children() -> None:
    world = to_running(World(res=resource({**SPEC, "cleanup": "Keep"})))
    world.writers_end(20)
    world.observers_end(20)
    world.step(21)
    done = world.step(22)
    assert world.status.verdict == "Passed"
    assert not [a for a in done.actions if isinstance(a, StopRun)]


def test_events_of_failures_are_warnings() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.roles["replica-0"] = pod(phase="Failed", terminated=(1, "Error"))
    decision = world.step(3)
    events = [a for a in decision.actions if isinstance(a, PostEvent)]
    assert [(e.type, e.reason) for e in events] == [("Warning", "Failed")]


def test_api_errors_do_not_move_a_run_on() -> None:
    world = to_running(World())
    decision = world.step(20, api_errors=forbidden())
    assert world.phase() == "Running" and decision.wait == "backoff"


def test_a_stage_that_times_out_on_its_first_pass_still_says_how_far_it_got() -> None:
    # A loaded operator may look again only after the stage's timeout: the stage's condition
    # must still say False with the count, not stay Unknown.
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(3)  # Subscribing, nobody subscribed; next look long after subscribeSeconds
    world.step(100)
    assert world.phase() == "Failed"
    assert conditions(world)["ObserversSubscribed"] == ("False", "Subscribing", "0/3 subscribed")
    slow = World()
    slow.step(0)
    slow.step(1)
    slow.step(2)
    slow.step(500)
    assert slow.phase() == "Failed"
    assert conditions(slow)["EngineReady"] == ("False", "Starting", "0/2 ready")


def test_a_container_the_kubelet_retries_is_a_wait_shown_in_the_status() -> None:
    world = World()
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(3)
    secret = "failed to sync secret cache: timed out waiting for the condition"
    waiting = {"waiting": {"reason": "CreateContainerConfigError", "message": secret}}
    status = {"phase": "Pending", "containerStatuses": [{"name": "role", "state": waiting}]}
    created = stamp(3)
    pod = {"metadata": {"name": "bench-obs-sync-0", "creationTimestamp": created}, "status": status}
    world.roles["sync.0"] = pod_view(pod, at(4))
    decision = world.step(4)
    assert world.phase() == "Subscribing"
    assert "CreateContainerConfigError failed to sync secret cache" in world.status.message
    assert "observer sync.0: pod bench-obs-sync-0 container role" in world.status.message
    assert not [a for a in decision.actions if isinstance(a, PostEvent)], "a wait is no Event"
    world.subscribe()
    world.step(5)
    assert world.phase() == "Running"
