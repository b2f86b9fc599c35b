"""spec.baseline in the operator: the earlier run's result from a ConfigMap, read before anything
is created and again when the run is judged; a regression beyond the allowance fails the run."""

from __future__ import annotations

from typing import Any

from tests.unit.machine.world import SPEC, World, resource, to_running

from kobench.measure.results import RunResult
from kobench.run.actions import KeepResult, StartEngine, StartRoles
from kobench.run.spec_check import spec_problems

BASELINE_SPEC: dict[str, Any] = {
    **SPEC,
    "baseline": {"resultsConfigMap": "last-good", "p99Ratio": 1.3, "p99PlusMs": 0.5},
}


def started(world: World, **observed: Any) -> World:
    """Drive a fresh world to Running, each pass seeing ``observed``."""
    for seconds in (0, 1, 2):
        world.step(seconds, **observed)
    world.engine_ready()
    world.step(10, **observed)
    world.subscribe()
    world.step(12, **observed)
    world.start_writers()
    world.step(13, **observed)
    assert world.phase() == "Running", world.status.message
    return world


def collected(world: World, **observed: Any) -> RunResult:
    """Drive the world from Running to its verdict; the result it wrote."""
    world.writers_end(14)
    world.observers_end(14)
    world.step(15, **observed)
    assert world.phase() == "Collecting"
    decision = world.step(16, **observed)
    (kept,) = [a for a in decision.actions if isinstance(a, KeepResult)]
    return kept.result


def scaled(result: RunResult, factor: float) -> RunResult:
    """The result with every observer's latencies times ``factor``."""
    observers = []
    for o in result.observers:
        latency = o.latency_ms
        assert latency is not None
        fields = ("mean", "p50", "p90", "p99", "p999", "max")
        faster = latency.model_copy(update={f: getattr(latency, f) * factor for f in fields})
        observers.append(o.model_copy(update={"latency_ms": faster, "corrected_latency_ms": None}))
    return result.model_copy(update={"observers": observers})


def test_an_unreadable_baseline_fails_the_run_before_anything_starts() -> None:
    world = World(res=resource(BASELINE_SPEC))
    world.step(0)
    why = "ConfigMap last-good not found in namespace ns"
    decision = world.step(1, baseline_error=why)
    assert world.phase() == "Failed"
    assert world.status.reasons == [f"spec.baseline.resultsConfigMap: {why}"]
    assert not [a for a in decision.actions if isinstance(a, StartEngine | StartRoles)]


def test_a_run_beyond_the_allowance_fails_with_the_numbers() -> None:
    plain = plain_result()
    assert plain.verdict == "Passed"
    # A baseline a hundred times faster: this run's p99 is far beyond 1.3 x + 0.5 ms.
    baseline = scaled(plain, 0.01)
    world = started(World(res=resource(BASELINE_SPEC)), baseline=baseline)
    judged = collected(world, baseline=baseline)
    assert judged.verdict == "Failed" and world.status.verdict == "Failed"
    assert any("regressed beyond the baseline's" in r for r in judged.reasons), judged.reasons
    # The same run against itself passes.
    again = collected(started(World(res=resource(BASELINE_SPEC)), baseline=plain), baseline=plain)
    assert again.verdict == "Passed", again.reasons


def plain_result() -> RunResult:
    return collected(to_running(World()))


def test_a_baseline_gone_by_the_end_fails_the_run_by_name() -> None:
    world = started(World(res=resource(BASELINE_SPEC)), baseline=plain_result())
    judged = collected(world, baseline_error="ConfigMap last-good not found in namespace ns")
    assert judged.verdict == "Failed"
    assert judged.reasons[-1] == (
        "spec.baseline.resultsConfigMap: ConfigMap last-good not found in namespace ns"
    )


def test_each_executor_names_the_field_of_a_baseline_it_cannot_read() -> None:
    as_file = {**SPEC, "baseline": {"resultFile": "last-good.json", "p99Ratio": 1.3}}
    problems = spec_problems(as_file, reads="configMaps")
    assert problems[0].startswith("spec.baseline.resultFile: the operator reads no")
    as_config_map = {**SPEC, "baseline": {"resultsConfigMap": "last-good"}}
    problems = spec_problems(as_config_map, reads="files")
    assert problems[0].startswith("spec.baseline.resultsConfigMap: a ConfigMap is read by the")
    assert spec_problems(as_file, reads="files") == []
    both = {**SPEC, "baseline": {"resultFile": "a.json", "resultsConfigMap": "a"}}
    assert spec_problems(both, reads="configMaps") == [
        "spec.baseline: set exactly one of resultFile (kobench run) and resultsConfigMap (in a "
        "cluster)"
    ]


def test_a_baseline_that_cannot_gate_the_run_is_refused_before_anything_starts() -> None:
    world = World(res=resource(BASELINE_SPEC))
    world.step(0)
    earlier = plain_result()
    without_sync = earlier.model_copy(
        update={"observers": [o for o in earlier.observers if o.name != "sync"]}
    )
    decision = world.step(1, baseline=without_sync)
    assert world.phase() == "Failed"
    assert world.status.reasons[0].startswith(
        "spec.baseline.resultsConfigMap: observer sync is not in run"
    )
    assert not [a for a in decision.actions if isinstance(a, StartEngine | StartRoles)]
