"""The matrix runner's bookkeeping, with a stand-in for one run: order, cells, failures, pairs.

(The runs themselves are real in ``tests/engine/compare/test_compare_matrix.py``.)
"""

from __future__ import annotations

from typing import Any

from tests.unit.compare.runs import resource, run

from kobench.api import Benchmark
from kobench.errors import EngineUnavailable
from kobench.measure.results import RunResult
from kobench.plugins.checks import check_benchmark
from kobench.run.local.local_loop import Progress, run_matrix

P50 = {"redis": 1.0, "valkey": 2.0}


def matrix_benchmark(matrix: dict[str, Any]) -> Benchmark:
    spec = {
        "engine": {"type": "redis", "replicas": 1},
        "workload": {"rate": 100, "durationSeconds": 1},
        "observers": [{"name": "sync", "mode": "sync"}],
        "matrix": matrix,
    }
    return check_benchmark(resource(spec, name="m"))


class Recorder:
    """Stands in for one local run: records what ran, answers with a known p50 per engine."""

    def __init__(self, *, failing: str = "") -> None:
        self.ran: list[tuple[str, int, str, str | None]] = []
        self.failing = failing
        self.progress: list[tuple[str, float]] = []

    def __call__(self, benchmark: Benchmark, binary: str | None, progress: Progress) -> RunResult:
        spec = benchmark.spec
        engine = spec.engine.type
        self.ran.append((engine, spec.workload.rate, spec.observers[0].mode, binary))
        progress("running", 0.5)
        if engine == self.failing:
            raise EngineUnavailable(f"engine {engine} needs `{engine}-server` on PATH")
        step = sum(1 for r in self.ran if r[0] == engine) / 100
        return run(P50[engine] + step, engine=engine, rate=spec.workload.rate)


def test_cells_run_round_robin_and_pairs_compare_one_axis() -> None:
    recorder = Recorder()
    seen: list[tuple[str, float]] = []
    engines = [{"type": "redis"}, {"type": "valkey"}]
    document = run_matrix(
        matrix_benchmark({"repetitions": 4, "engines": engines, "rates": [100, 200]}),
        server_binaries={"valkey": "/opt/valkey-server"},
        progress=lambda stage, done: seen.append((stage, done)),
        run_one=recorder,
    )
    assert [r[:2] for r in recorder.ran[:4]] == [
        ("redis", 100),
        ("redis", 200),
        ("valkey", 100),
        ("valkey", 200),
    ]
    assert len(recorder.ran) == 16
    assert {r[3] for r in recorder.ran if r[0] == "valkey"} == {"/opt/valkey-server"}
    assert {r[3] for r in recorder.ran if r[0] == "redis"} == {None}
    assert seen[0] == ("run 1/16 engine=redis,rate=100#1: running", 0.5 / 16)
    assert [len(c.runs) for c in document.cells] == [4, 4, 4, 4]
    assert document.order[:4] == [c.id for c in document.cells]
    pairs = {(p.axis, p.a, p.b): p.comparison.verdicts() for p in document.pairs}
    assert len(pairs) == 4
    engine_pair = pairs[("engine", "engine=redis,rate=100", "engine=valkey,rate=100")]
    assert engine_pair[("sync", "p50Ms")] == "Worse"
    rate_pair = pairs[("rate", "engine=redis,rate=100", "engine=redis,rate=200")]
    assert rate_pair[("sync", "p50Ms")] == "NoDifference"
    summary = document.cells[2].summary["sync"]["p50Ms"]
    assert summary.n == 4 and 2.0 < summary.median < 2.1


def test_a_run_that_cannot_be_carried_out_is_recorded_and_the_rest_go_on() -> None:
    document = run_matrix(
        matrix_benchmark({"repetitions": 2, "engines": [{"type": "redis"}, {"type": "valkey"}]}),
        run_one=Recorder(failing="valkey"),
    )
    redis, valkey = document.cells
    assert len(redis.runs) == 2 and not redis.failures
    assert valkey.runs == []
    assert valkey.failures == [
        "repetition 1: benchmark engine=valkey#1 ended Failed: "
        "engine valkey needs `valkey-server` on PATH",
        "repetition 2: benchmark engine=valkey#2 ended Failed: "
        "engine valkey needs `valkey-server` on PATH",
    ]
    assert document.pairs == []  # nothing measured on one side


def test_the_document_round_trips() -> None:
    from kobench.measure.compare import MatrixComparison

    document = run_matrix(
        matrix_benchmark({"repetitions": 4, "observerModes": ["sync", "async"]}),
        run_one=Recorder(),
    )
    text = document.model_dump_json(by_alias=True)
    assert MatrixComparison.model_validate_json(text) == document
    assert document.pairs[0].axis == "observerMode"
