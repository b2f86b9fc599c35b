"""Restarts, superseded runs and invalid specs: the machine decides from the status read back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tests.unit.machine.world import (
    SPEC,
    World,
    at,
    kinds,
    resource,
    stamp,
    started_by,
    to_running,
)

from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.measure.results import RunResult
from kobench.run.actions import (
    CountRun,
    PostEvent,
    RecordRun,
    RunRecord,
    StartEngine,
    StartRoles,
    StopRun,
)
from kobench.run.machine import decide
from kobench.run.needs import needs
from kobench.run.observed import RoleView
from kobench.run.pods.gather import read_status


@dataclass(frozen=True)
class Saved:
    status: BenchmarkStatus
    roles: dict[str, RoleView]
    documents: dict[str, str | None]
    started: list[str]
    seconds: float


def happy_path() -> tuple[World, list[Saved]]:
    """A whole run, with what was saved (and seen) after every pass."""
    world = World()
    saved: list[Saved] = []

    def step(seconds: float) -> None:
        world.step(seconds)
        saved.append(
            Saved(
                world.status, dict(world.roles), dict(world.documents), list(world.started), seconds
            )
        )

    step(0)
    step(1)
    step(2)
    world.engine_ready()
    step(3)
    world.subscribe()
    step(4)
    world.start_writers()
    world.writers_end(5)
    world.observers_end(5)
    step(6)
    step(7)
    return world, saved


def read_back(status: BenchmarkStatus) -> BenchmarkStatus:
    """The status as a restarted operator reads it: through the API's JSON, kopf's keys too."""
    stored: dict[str, Any] = status.model_dump(by_alias=True, mode="json")
    stored["kopf"] = {"progress": {}}
    return read_status({"status": stored})


def test_a_restart_in_every_phase_starts_nothing_twice_and_counts_nothing_twice() -> None:
    world, saved = happy_path()
    phases = [s.status.phase for s in saved]
    assert phases == [
        "Pending",
        "Deploying",
        "WaitingForEngine",
        "Subscribing",
        "Running",
        "Collecting",
        "Succeeded",
    ]
    assert world.last is not None
    result = next(a for a in world.last.actions if isinstance(a, RecordRun)).record.result
    for point in saved:
        status = read_back(point.status)
        assert status == point.status
        observed = world.observed(
            roles=point.roles,
            documents=point.documents,
            metrics_known=False,
            stored_result=result,
        )
        decision = decide(status, observed, world.spec, at(point.seconds + 1))
        again = decide(status, observed, world.spec, at(point.seconds + 1))
        assert decision == again, "a repeated pass (a failed save) asks for the same things"
        made = [s for a in decision.actions for s in started_by(a)]
        assert not set(made) & set(point.started), f"{point.status.phase}: started twice"
        assert set(made) <= set(world.started), f"{point.status.phase}: a role nobody expects"
        counted = [a for a in decision.actions if isinstance(a, RecordRun) and a.count]
        # A run is counted by the pass that saves its end, and only by that one: a restart
        # before that save (Collecting) counts it once, a restart after it never again.
        ends_here = point.status.phase not in TERMINAL_PHASES and decision.status.phase in (
            TERMINAL_PHASES
        )
        assert len(counted) == (1 if ends_here else 0), f"{point.status.phase}: counted twice"
    final = decide(
        read_back(saved[-1].status),
        world.observed(metrics_known=False, stored_result=result),
        world.spec,
        at(100),
    )
    assert final.actions == (
        RecordRun(
            RunRecord(
                phase="Succeeded",
                verdict="Passed",
                result=result,
                finished_at=world.status.finished_at,
            ),
            count=False,
        ),
        StopRun(world.status.run_id, before_save=False),  # the cleanup it missed
    )
    assert not final.changed and final.wait == "idle"
    quiet = decide(read_back(saved[-1].status), world.observed(roles={}), world.spec, at(100))
    assert quiet.actions == () and not quiet.changed


def test_what_a_pass_gathers_follows_from_the_status() -> None:
    world, saved = happy_path()
    spec, res = world.spec, world.res
    by_phase = {s.status.phase: s.status for s in saved}
    fresh = needs(BenchmarkStatus(), res, None, True)
    assert fresh.validation and not fresh.roles
    assert not needs(by_phase["Pending"], res, spec, True).roles
    assert needs(by_phase["Running"], res, spec, True).roles
    collecting = needs(by_phase["Collecting"], res, spec, True)
    assert collecting.roles and collecting.documents and collecting.engine_facts
    done = by_phase["Succeeded"]
    assert needs(done, res, spec, False).stored_result
    assert not needs(done, res, spec, True).stored_result
    assert needs(done, res, spec, True).roles  # DeleteOnSuccess and Passed: cleanup to check
    kept = resource({**SPEC, "cleanup": "Keep"})
    assert not needs(done, kept, spec.model_copy(update={"cleanup": "Keep"}), True).roles


def test_a_new_run_nonce_mid_run_supersedes_the_run() -> None:
    world = to_running(World())
    old = world.status
    world.res = replace(world.res, spec={**SPEC, "runNonce": "second"})
    decision = world.step(20)
    status = world.status
    assert status.run_id != old.run_id and status.run_nonce == "second"
    assert status.phase == "Pending"
    assert decision.actions[0] == StopRun(old.run_id, before_save=True)
    assert [(h.run_id, h.phase) for h in status.history] == [(old.run_id, "Failed")]
    superseded = next(a for a in decision.actions if isinstance(a, PostEvent))
    assert superseded.reason == "Superseded" and old.run_id in superseded.message
    assert not [a for a in decision.actions if isinstance(a, RecordRun)]


def test_a_spec_change_other_than_the_nonce_does_not_disturb_the_run() -> None:
    world = to_running(World())
    before = world.status
    world.res = replace(world.res, generation=2, spec={**SPEC, "thresholds": {"p99LatencyMs": 50}})
    decision = world.step(20)
    assert world.status.run_id == before.run_id and world.phase() == "Running"
    assert [a for a in decision.actions if not isinstance(a, PostEvent)] == []


def test_a_finished_run_stays_finished_when_its_resource_is_replaced() -> None:
    world, saved = happy_path()
    world.res = replace(world.res, generation=3)
    decision = decide(saved[-1].status, world.observed(roles={}), world.spec, at(50))
    assert decision.status.phase == "Succeeded" and decision.actions == ()


def test_an_invalid_spec_ends_in_error_naming_the_field_and_creates_nothing() -> None:
    bad = {**SPEC, "workload": {"rate": "fast"}}
    world = World(res=resource(bad))
    decision = decide(BenchmarkStatus(), world.observed(), None, at(0))
    status = decision.status
    assert status.phase == "Error"
    assert status.reasons[0].startswith("spec.workload.rate:")
    assert kinds(decision.actions) == ["PostEvent", "CountRun"]
    assert CountRun("Error") in decision.actions
    complete = {c.type: c for c in status.conditions}["Complete"]
    assert (complete.status, complete.reason) == ("True", "InvalidSpec")
    # Seen again: nothing more happens (and nothing is counted again).
    again = decide(status, world.observed(), None, at(5))
    assert again.actions == () and not again.changed


def test_an_unknown_observer_mode_is_an_error_before_anything_starts() -> None:
    modes = [{"name": "sync", "mode": "sync"}, {"name": "odd", "mode": "telepathy"}]
    world = World(res=resource({**SPEC, "observers": modes}))
    decision = decide(BenchmarkStatus(), world.observed(), None, at(0))
    assert decision.status.phase == "Error"
    assert any(r.startswith("spec.observers[1].mode:") for r in decision.status.reasons)
    assert not [a for a in decision.actions if isinstance(a, StartEngine | StartRoles)]


def test_a_fixed_spec_starts_the_run_it_could_not_start() -> None:
    world = World(res=resource({**SPEC, "engine": {"type": "memcached"}}))
    world.step(0)
    assert world.phase() == "Error" and "spec.engine.type" in world.status.reasons[0]
    world.res = replace(world.res, generation=2, spec=SPEC)
    world.step(1)
    assert world.phase() == "Pending" and world.status.run_generation == 2


def test_a_deleted_benchmark_is_left_alone() -> None:
    world = to_running(World())
    world.res = replace(world.res, deleting=True)
    decision = world.step(20)
    assert decision.actions == () and decision.wait == "idle"


def test_a_restored_failed_run_without_results_exposes_its_verdict() -> None:
    world = World(res=resource({**SPEC, "cleanup": "Keep"}))
    world.step(0)
    world.step(1)
    world.step(2)
    world.step(2 + 61)  # the engine never came up
    assert world.phase() == "Failed"
    restart = decide(
        read_back(world.status), world.observed(metrics_known=False), world.spec, at(10_000)
    )
    record: RunResult | None = None
    assert restart.actions == (
        RecordRun(
            RunRecord(phase="Failed", verdict="Failed", result=record, finished_at=stamp(2 + 61)),
            count=False,
        ),
    )


def test_a_run_whose_spec_is_gone_and_invalid_ends_in_error() -> None:
    # The run ConfigMap was deleted by hand and the resource's spec edited into an invalid one:
    # the run cannot go on, and the status names the field.
    world = to_running(World())
    world.res = replace(world.res, spec={**SPEC, "engine": {"replicas": 0}})
    decision = decide(world.status, world.observed(), None, at(20))
    assert decision.status.phase == "Error"
    assert decision.status.reasons[0].startswith("spec.engine.replicas:")
    assert CountRun("Error") in decision.actions


def test_a_role_gone_before_collecting_is_named() -> None:
    world = to_running(World())
    world.writers_end(20)
    world.observers_end(20)
    world.step(21)
    gone = world.observers()[2]
    del world.roles[gone]
    world.step(22)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert (
        f"observer {gone} produced no result: it is gone: its result is lost"
        in world.status.reasons
    )
