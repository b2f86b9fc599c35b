"""A matrix in the phase machine: one step at a time in the interleaved order, then the
comparison written down; from plain data (steps as their benchmarks' statuses say) and a fixed
clock. How the pods executor makes a step's child benchmark is checked here too, through the
manifest builder it uses."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.compare.runs import run
from tests.unit.machine.world import SPEC, World, kinds, resource

from kobench.measure.results import RunResult
from kobench.run.actions import KeepComparison, StartChild
from kobench.run.machine import poll_seconds
from kobench.run.observed import ChildView
from kobench.run.plan import CELL_ANNOTATION, MATRIX_LABEL, REPETITION_ANNOTATION, cell_tag
from kobench.run.pods.child_manifests import (
    COMPARISON_KEY,
    child_benchmark,
    comparison_config_map,
)
from kobench.run.pods.comparing import cells_input
from kobench.run.pods.comparison_job import compare_input
from kobench.run.pods.manifest_parts import Owner
from kobench.run.pods.pod_executor import owners
from kobench.run.pods.pod_names import RUN_LABEL
from kobench.run.settings import Settings

MATRIX_SPEC: dict[str, Any] = {
    **SPEC,
    "runNonce": "one",
    "matrix": {
        "repetitions": 2,
        "engines": [{"type": "redis"}, {"type": "valkey"}],
        "observerModes": ["sync", "async"],
    },
}
ORDER = [
    "engine=redis,observerMode=sync",
    "engine=redis,observerMode=async",
    "engine=valkey,observerMode=sync",
    "engine=valkey,observerMode=async",
] * 2


def matrix_world() -> World:
    world = World(res=resource(MATRIX_SPEC))
    world.step(0)
    assert world.phase() == "Pending"
    return world


OWNER = Owner("bench", "ns", "uid-1")


def created_children(world: World) -> list[dict[str, Any]]:
    """The child benchmarks the pods executor creates for this pass's actions."""
    assert world.last is not None
    steps = [a for a in world.last.actions if isinstance(a, StartChild)]
    return [child_benchmark(world.names, OWNER, a.cell, a.step, a.repetition) for a in steps]


def test_children_run_one_at_a_time_in_the_interleaved_order() -> None:
    world = matrix_world()
    children: dict[int, ChildView] = {}
    for step, cell in enumerate(ORDER):
        world.step(1 + step, children=children)
        assert world.phase() == "RunningCells"
        if step == 0:  # the matrix's spec is frozen for its run, as any run's
            assert world.started[0] == "spec"
        (child,) = created_children(world)
        name = world.names.child(step)
        assert child["kind"] == "KeyDBObserverBenchmark" and child["metadata"]["name"] == name
        assert child["metadata"]["annotations"][CELL_ANNOTATION] == cell
        assert child["metadata"]["annotations"][REPETITION_ANNOTATION] == str(step // 4 + 1)
        assert child["metadata"]["labels"][RUN_LABEL] == world.status.run_id
        assert child["metadata"]["labels"][MATRIX_LABEL] == "bench"
        assert child["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
        assert world.status.progress == f"{step}/8"
        # The child is one cell, run once: no matrix, no nonce of the parent's.
        assert "matrix" not in child["spec"] and "runNonce" not in child["spec"]
        engine, mode = (part.split("=")[1] for part in cell.split(","))
        assert child["spec"]["engine"]["type"] == engine
        assert {o["mode"] for o in child["spec"]["observers"]} == {mode}
        # While it runs, nothing else is created.
        children[step] = ChildView(name=name, phase="Running")
        world.step(1.5 + step, children=children)
        assert created_children(world) == []
        assert world.status.matrix is not None and world.status.matrix.current == name
        children[step] = ChildView(name=name, phase="Succeeded")
    world.step(20, children=children)
    assert world.phase() == "Comparing" and world.status.progress == "8/8"


def test_a_restarted_operator_finds_the_children_and_goes_on() -> None:
    world = matrix_world()
    names = [world.names.child(step) for step in range(3)]
    children = {
        0: ChildView(name=names[0], phase="Succeeded"),
        1: ChildView(name=names[1], phase="Failed", reason="engine not ready"),
    }
    world.step(1, children=children)
    (child,) = created_children(world)
    assert child["metadata"]["name"] == names[2] and world.status.progress == "2/8"


def with_results(children: dict[int, ChildView], p50: dict[int, float]) -> dict[int, ChildView]:
    results: dict[int, RunResult] = {
        step: run(p50[step], run_id=view.name) for step, view in children.items() if step in p50
    }
    return {
        step: ChildView(
            name=view.name,
            phase=view.phase,
            verdict=view.verdict,
            reason=view.reason,
            result=results.get(step),
        )
        for step, view in children.items()
    }


def finished_world() -> tuple[World, dict[int, ChildView]]:
    world = matrix_world()
    children = {
        step: ChildView(name=world.names.child(step), phase="Succeeded") for step in range(8)
    }
    world.step(1, children=children)
    assert world.phase() == "Comparing"
    return world, children


def test_the_comparison_is_written_down_and_bounded_in_status() -> None:
    world, children = finished_world()
    # Async at 3 ms, sync at 1 ms on both engines; step 7 left no result.
    p50 = {step: (3.0 if step % 2 else 1.0) + step / 100 for step in children if step != 7}
    children[7] = ChildView(
        name=world.names.child(7), phase="Failed", reason="engine not ready within 60s"
    )
    children = with_results(children, p50)
    comparison = compare_input(cells_input("bench", world.spec, children))
    decision = world.step(2, children=children, comparison=comparison)
    assert world.phase() == "Succeeded" and world.status.verdict == "Failed"
    (kept,) = [a for a in decision.actions if isinstance(a, KeepComparison)]
    written = comparison_config_map(world.names, OWNER, kept.comparison)
    stored = json.loads(written["data"][COMPARISON_KEY])
    assert stored["kind"] == "MatrixComparison" and len(stored["cells"]) == 4
    assert all(cell["runs"] == [] for cell in stored["cells"])  # each run is in its child's
    matrix = world.status.matrix
    assert matrix is not None
    assert [c.runs for c in matrix.cells] == [2, 2, 2, 1]
    assert world.status.reasons == [
        "not carried out: engine=valkey,observerMode=async repetition 2: benchmark "
        f"{world.names.child(7)} ended Failed: engine not ready within 60s"
    ]
    mode_pairs = [p for p in matrix.pairs if p.axis == "observerMode"]
    # Two repetitions a side can never decide: the verdict says so, not "no difference".
    assert mode_pairs and all(p.p99 == "Inconclusive" for p in mode_pairs)
    assert "4 cells, 7 runs compared, 1 not carried out" in matrix.headline
    assert "RecordRun" in kinds(decision.actions)


def test_a_comparison_that_could_not_be_made_fails_the_run_with_why() -> None:
    world, children = finished_world()
    world.step(2, children=children, comparison_error="the comparison took longer than 300s")
    assert world.phase() == "Failed"
    assert world.status.reasons == ["the comparison took longer than 300s"]


def test_a_child_says_which_cell_it_measures() -> None:
    annotations = {MATRIX_LABEL: "m", CELL_ANNOTATION: "rate=100", REPETITION_ANNOTATION: "3"}
    tag = cell_tag(annotations)
    assert tag is not None and (tag.matrix, tag.cell, tag.repetition) == ("m", "rate=100", 3)
    assert cell_tag({}) is None


def test_a_phase_just_begun_is_looked_at_again_soon_and_a_long_wait_slowly() -> None:
    settings = Settings(active_interval=2.0)
    assert poll_seconds(0, settings) == 0.25 and poll_seconds(8, settings) == 1.0
    assert poll_seconds(600, settings) == 2.0


def test_a_child_that_ends_wakes_the_matrix_that_owns_it() -> None:
    body: dict[str, object] = {
        "metadata": {
            "ownerReferences": [
                {"kind": "KeyDBObserverBenchmark", "uid": "matrix-uid"},
                {"kind": "ConfigMap", "uid": "other"},
            ]
        }
    }
    assert owners(body) == ["matrix-uid"] and owners({"metadata": {}}) == []
