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
    to_running,
)

from kobench.api.status import TERMINAL_PHASES, BenchmarkStatus
from kobench.measure.results import RunResult
from kobench.run.actions import CountRun, Create, DeleteRun, PostEvent, RecordRun, RunRecord
from kobench.run.machine import decide, needs
from kobench.run.pods.gather import read_status
from kobench.run.pods.pod_views import PodView


@dataclass(frozen=True)
class Saved:
    status: BenchmarkStatus
    pods: dict[str, PodView]
    documents: dict[str, str | None]
    created: list[str]
    seconds: float


def happy_path() -> tuple[World, list[Saved]]:
    """A whole run, with what was saved (and seen) after every pass."""
    world = World()
    saved: list[Saved] = []

    def step(seconds: float) -> None:
        world.step(seconds)
        saved.append(
            Saved(
                world.status, dict(world.pods), dict(world.documents), list(world.created), seconds
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


def test_a_restart_in_every_phase_creates_nothing_twice_and_counts_nothing_twice() -> None:
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
            pods=point.pods,
            documents=point.documents,
            metrics_known=False,
            stored_result=result,
        )
        decision = decide(status, observed, world.spec, at(point.seconds + 1))
        again = decide(status, observed, world.spec, at(point.seconds + 1))
        assert decision == again, "a repeated pass (a failed save) asks for the same things"
        made = [
            f"{a.manifest['kind']}/{a.manifest['metadata']['name']}"
            for a in decision.actions
            if isinstance(a, Create)
        ]
        assert not set(made) & set(point.created), f"{point.status.phase}: created twice"
        assert set(made) <= set(world.created), f"{point.status.phase}: a name nobody expects"
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
        RecordRun(RunRecord(phase="Succeeded", verdict="Passed", result=result), count=False),
        DeleteRun(world.names.run_selector(), before_save=False),  # the cleanup it missed
    )
    assert not final.changed and final.wait == "idle"
    quiet = decide(read_back(saved[-1].status), world.observed(pods={}), world.spec, at(100))
    assert quiet.actions == () and not quiet.changed


def test_what_a_pass_gathers_follows_from_the_status() -> None:
    world, saved = happy_path()
    spec, res = world.spec, world.res
    by_phase = {s.status.phase: s.status for s in saved}
    assert not needs(BenchmarkStatus(), res, None, True).pods
    assert not needs(by_phase["Pending"], res, spec, True).pods
    assert needs(by_phase["Running"], res, spec, True).pods
    collecting = needs(by_phase["Collecting"], res, spec, True)
    assert collecting.pods and collecting.documents
    done = by_phase["Succeeded"]
    assert needs(done, res, spec, False).stored_result
    assert not needs(done, res, spec, True).stored_result
    assert needs(done, res, spec, True).pods  # DeleteOnSuccess and Passed: cleanup to check
    kept = resource({**SPEC, "cleanup": "Keep"})
    assert not needs(done, kept, spec.model_copy(update={"cleanup": "Keep"}), True).pods


def test_a_new_run_nonce_mid_run_supersedes_the_run() -> None:
    world = to_running(World())
    old = world.status
    world.res = replace(world.res, spec={**SPEC, "runNonce": "second"})
    decision = world.step(20)
    status = world.status
    assert status.run_id != old.run_id and status.run_nonce == "second"
    assert status.phase == "Pending"
    stop = DeleteRun(world.res.names(old.run_id).run_selector(), before_save=True)
    assert decision.actions[0] == stop
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
    decision = decide(saved[-1].status, world.observed(pods={}), world.spec, at(50))
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


def test_an_unknown_observer_mode_is_an_error_before_any_child_exists() -> None:
    modes = [{"name": "sync", "mode": "sync"}, {"name": "odd", "mode": "telepathy"}]
    world = World(res=resource({**SPEC, "observers": modes}))
    decision = decide(BenchmarkStatus(), world.observed(), None, at(0))
    assert decision.status.phase == "Error"
    assert any(r.startswith("spec.observers[1].mode:") for r in decision.status.reasons)
    assert not [a for a in decision.actions if isinstance(a, Create)]


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
    world = to_running(World(res=resource({**SPEC, "cleanup": "Keep"})))
    world.step(13 + world.spec.run_seconds + 1)
    assert world.phase() == "Failed"
    restart = decide(
        read_back(world.status), world.observed(metrics_known=False), world.spec, at(10_000)
    )
    record: RunResult | None = None
    assert restart.actions == (
        RecordRun(RunRecord(phase="Failed", verdict="Failed", result=record), count=False),
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


def test_a_role_pod_deleted_before_collecting_is_named() -> None:
    world = to_running(World())
    world.writers_end(20)
    world.observers_end(20)
    world.step(21)
    gone = world.observers()[2]
    del world.pods[gone]
    world.step(22)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    assert (
        f"observer pod {gone} produced no result: it is gone: its result is lost"
        in world.status.reasons
    )
