"""A conflict run in the operator: writer 0's pod takes convergence with the same detector as a
local run (:func:`kobench.plugins.engines.divergence.report`), and the collect stage carries its
per-pair counts into the verdict, the status and the results ConfigMap."""

from __future__ import annotations

import json

from tests.unit.machine.world import World, resource, to_running

from kobench.measure.results import RunResult, WriterResult
from kobench.plugins.engines import divergence
from kobench.run.actions import KeepResult

CONFLICT_SPEC = {
    "engine": {"type": "keydb", "replicas": 3},
    "workload": {
        "keyMode": "unique",
        "writers": 2,
        "roundRobin": True,
        "writes": 200,
        "rate": 1000,
        "warmupSeconds": 0,
        "conflict": {"keys": 100, "settleSeconds": 5},
    },
    "observers": [{"name": "sync", "mode": "sync"}],
    "timeouts": {"engineReadySeconds": 60, "subscribeSeconds": 30, "drainSeconds": 2},
}


def diverged_snapshots() -> list[dict[bytes, bytes]]:
    """Truth: replica 2 kept the other writer's value for 12 of 100 keys."""
    keys = {f"kobench.conflict:r:k:{n}".encode(): b"w0" for n in range(100)}
    other = {**keys, **{f"kobench.conflict:r:k:{n}".encode(): b"w1" for n in range(12)}}
    return [keys, keys, other]


def collect(world: World, writer_doc_changes: dict[str, object]) -> RunResult:
    to_running(world)
    world.writers_end(14)
    world.observers_end(14)
    first = world.writers()[0]
    doc = WriterResult.model_validate_json(world.documents[first] or "")
    world.documents[first] = doc.model_copy(update=writer_doc_changes).model_dump_json(
        by_alias=True
    )
    world.step(15)
    assert world.phase() == "Collecting"
    done = world.step(16)
    assert world.phase() == "Succeeded", world.status.message
    (kept,) = [a for a in done.actions if isinstance(a, KeepResult)]
    return kept.result


def test_diverged_keys_fail_the_run_with_per_pair_counts_in_status_and_results() -> None:
    convergence = divergence.report(
        diverged_snapshots(), settle_seconds=5, waited_seconds=5.0, checked_ns=123
    )
    world = World(res=resource(CONFLICT_SPEC))
    result = collect(world, {"convergence": convergence})
    assert world.status.verdict == "Failed"
    assert any("did not converge" in r and "0-2: 12, 1-2: 12" in r for r in world.status.reasons)
    assert world.status.engine is not None and world.status.engine.converged is False
    assert "0-1: 0, 0-2: 12, 1-2: 12" in world.status.engine.convergence_detail
    counts = {(p.a, p.b): p.differing for p in result.convergence.pairs}
    assert counts == {(0, 1): 0, (0, 2): 12, (1, 2): 12}
    assert result.convergence.settle_seconds == 5 and result.convergence.keys_compared == 100
    assert result.convergence.checked_ns == 123
    document = json.loads(result.model_dump_json(by_alias=True))
    assert document["convergence"]["pairs"][1]["examples"][0] == "kobench.conflict:r:k:0"


def test_converged_conflict_run_passes_and_an_unchecked_one_is_never_converged() -> None:
    same = diverged_snapshots()[0]
    calm = divergence.report([same] * 3, settle_seconds=5, waited_seconds=0.1, checked_ns=1)
    world = World(res=resource(CONFLICT_SPEC))
    collect(world, {"convergence": calm})
    assert world.status.verdict == "Passed", world.status.reasons
    assert world.status.engine is not None and world.status.engine.converged is True
    world = World(res=resource(CONFLICT_SPEC))
    result = collect(world, {"convergence": None})
    assert world.status.verdict == "Failed"
    assert not result.convergence.checked and not result.convergence.converged
    assert world.status.engine is not None and world.status.engine.converged is None
