"""A run against spec.target in the one lifecycle: the opening role before any observer, the
roles made of what it found, the cleanup role after the last write (its record in the result),
and the cleanup of a run that failed half-way, also after an operator restart."""

from __future__ import annotations

from typing import Any

from tests.unit.machine.world import World, pod, resource

from kobench.api.status import BenchmarkStatus
from kobench.api.target_status import TargetStatus
from kobench.measure.results.target_docs import TargetRecord
from kobench.run.actions import KeepResult, StartRoles, StopRun
from kobench.run.stages.targeting import CLEANUP_SECONDS

TARGET: dict[str, Any] = {
    "target": {
        "endpoints": ["redis-0.redis:6379", "redis-1.redis:6379"],
        "auth": {"username": "kobench", "passwordSecretRef": {"name": "app-redis"}},
    },
    "workload": {"writes": 200, "rate": 500, "warmupSeconds": 0},
    "timeouts": {"subscribeSeconds": 30, "drainSeconds": 2},
}
FOUND = TargetStatus(
    endpoints=["redis-0.redis:6379", "redis-1.redis:6379"],
    roles=["primary", "replica"],
    write_endpoint=0,
    observe_endpoint=1,
    engine="redis",
    version="7.0.15",
    key_prefix="kobench:abc:",
    notify_keyspace_events="KE$",
)


def record(left: int = 0) -> str:
    return TargetRecord(
        endpoints=FOUND.endpoints,
        write_endpoint=0,
        observe_endpoint=1,
        roles=FOUND.roles,
        username="kobench",
        key_prefix=FOUND.key_prefix,
        max_rate=1000,
        notify_keyspace_events="KE$",
        keys_removed=402,
        keys_left=left,
    ).model_dump_json(by_alias=True)


def to_opening(cleanup: str = "DeleteOnSuccess") -> World:
    world = World(res=resource({**TARGET, "cleanup": cleanup}))
    world.step(0)
    world.step(1)
    world.step(2)
    assert world.phase() == "WaitingForEngine"
    world.step(3)
    return world


def opened(world: World, at: float = 5) -> World:
    world.roles["target-open"] = pod(phase="Succeeded", finished=at - 1)
    world.documents["target-open"] = FOUND.model_dump_json(by_alias=True)
    world.step(at)
    return world


def test_the_opening_runs_before_any_observer_and_its_findings_make_the_roles() -> None:
    world = to_opening()
    assert world.started_roles() == ["target-open"]
    assert "engine" not in world.started, "a target run deploys no engine"
    world.roles["target-open"] = pod()
    world.step(4)
    assert world.started_roles() == ["target-open"], "no observer before the target is open"
    last = opened(world).last
    assert world.phase() == "Subscribing"
    assert world.status.target == FOUND
    assert last is not None
    starts = [a for a in last.actions if isinstance(a, StartRoles)]
    assert [r.key for r in starts[0].roles] == world.observers()
    assert starts[0].target == FOUND, "the observers are made of what the opening found"


def test_a_refused_target_fails_the_run_naming_why_and_needs_no_cleanup() -> None:
    world = to_opening()
    why = "the ACL user 'kobench' may not SET keys kobench:abc:probe on redis-0.redis:6379"
    world.roles["target-open"] = pod(phase="Succeeded", finished=4)
    world.documents["target-open"] = TargetStatus(refused=why).model_dump_json(by_alias=True)
    world.step(5)
    assert world.phase() == "Failed"
    assert world.status.reasons == [why]
    complete = next(c for c in world.status.conditions if c.type == "Complete")
    assert complete.reason == "TargetRefused"
    assert world.status.target is None
    world.step(6)
    assert world.started_roles() == ["target-open"], "no observer, no cleanup: nothing written"


def test_an_opening_that_crashed_fails_the_run_naming_its_pod() -> None:
    world = to_opening()
    world.roles["target-open"] = pod(phase="Failed", terminated=(1, "Error"), finished=4)
    world.step(5)
    assert world.phase() == "Failed"
    assert "exit" in world.status.reasons[0].lower() or "code 1" in world.status.reasons[0]


def test_the_cleanup_runs_after_the_last_write_and_its_record_joins_the_result() -> None:
    world = opened(to_opening())
    world.subscribe()
    world.step(6)
    world.start_writers()
    world.step(7)
    world.writers_end(8)
    world.observers_end(8)
    world.step(9)
    assert world.phase() == "Collecting"
    world.step(10)
    assert world.phase() == "Collecting", "the result waits for the cleanup"
    assert world.started_roles()[-1] == "target-close"
    last = world.last
    assert last is not None
    close = next(a for a in last.actions if isinstance(a, StartRoles))
    assert close.target == FOUND, "the cleanup knows the prefix and what to restore"
    world.roles["target-close"] = pod(phase="Succeeded", finished=11)
    world.documents["target-close"] = record()
    done = world.step(12)
    assert world.phase() == "Succeeded" and world.status.verdict == "Passed"
    kept = next(a for a in done.actions if isinstance(a, KeepResult))
    assert kept.result.target is not None
    assert (kept.result.target.keys_removed, kept.result.target.keys_left) == (402, 0)
    assert world.status.target is not None and world.status.target.cleaned
    assert world.status.target.keys_left == 0
    assert [a for a in done.actions if isinstance(a, StopRun)], "the cleanup policy follows"
    assert world.started.count("target-close") == 1


def failed_after_opening() -> World:
    world = opened(to_opening(cleanup="Always"))
    world.roles["sync.0"] = pod(phase="Failed", terminated=(1, "Error"), finished=6)
    world.step(7)
    assert world.phase() == "Failed"
    return world


def test_a_run_that_failed_after_the_opening_still_cleans_the_target() -> None:
    world = failed_after_opening()
    assert world.last is not None
    assert not [a for a in world.last.actions if isinstance(a, StopRun)], "the cleanup first"
    decision = world.step(8)
    assert world.started_roles()[-1] == "target-close"
    assert decision.wait == "active", "a cleanup in progress is looked at again soon"
    world.roles["target-close"] = pod(phase="Succeeded", finished=9)
    world.documents["target-close"] = record()
    decision = world.step(10)
    assert world.status.target is not None and world.status.target.cleaned
    assert (world.status.target.keys_removed, world.status.target.keys_left) == (402, 0)
    assert world.phase() == "Failed" and decision.wait == "idle"
    assert [a for a in decision.actions if isinstance(a, StopRun)], "cleanup: Always, after it"


def test_a_restarted_operator_cleans_up_what_the_saved_status_says_is_due() -> None:
    saved = failed_after_opening().status
    again = BenchmarkStatus.model_validate(saved.model_dump())
    restarted = World(res=resource({**TARGET, "cleanup": "Always"}), status=again)
    restarted.step(30)
    assert restarted.started_roles() == ["target-close"]


def test_a_cleanup_that_never_reports_ends_with_the_keys_left_unknown() -> None:
    world = failed_after_opening()
    world.step(8)
    world.roles["target-close"] = pod()
    world.step(8 + CLEANUP_SECONDS / 2)
    assert world.status.target is not None and not world.status.target.cleaned
    world.step(8 + CLEANUP_SECONDS + 1)
    assert world.status.target.cleaned and world.status.target.keys_left == -1
    assert "target cleanup" in str(world.status.target.cleanup_error)


def test_a_new_run_opens_the_target_again_and_says_what_it_could_not_clean() -> None:
    world = failed_after_opening()
    world.res = resource({**TARGET, "cleanup": "Always", "runNonce": "again"})
    world.step(8)
    assert world.status.target is None, "the new run has its own prefix and findings"
    assert [e.reason for e in world.events][-2:] == ["TargetNotCleaned", "Pending"]
    world.roles.clear()  # the new run's pods are other pods
    world.documents.clear()
    world.step(9)
    world.step(10)
    world.step(11)
    assert world.started_roles().count("target-open") == 2
