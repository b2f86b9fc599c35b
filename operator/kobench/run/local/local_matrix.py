"""``kobench run`` of a resource with a matrix: every cell ``repetitions`` times, one run after
another (never two engines at once on this machine), round-robin over the cells, then one
comparison document: per cell its runs and their spread, per pair of cells that differ on one
axis the verdicts.

A run that cannot be carried out (an engine that does not start, a missing binary) is recorded
in its cell and the matrix goes on: the other cells' answers are not lost to one failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kobench.api import Benchmark
from kobench.api.matrix_spec import CellPlan, interleaved, plan_cells
from kobench.errors import KobenchError
from kobench.measure.compare import MatrixComparison
from kobench.measure.compare.cell_comparison import Outcome, matrix_comparison, step_label
from kobench.measure.results import RunResult
from kobench.plugins.checks import check_benchmark
from kobench.run.local.local_run import Progress, run_local

RunOne = Callable[[Benchmark, str | None, Progress], RunResult]
"""Runs one cell's benchmark: (benchmark, server binary or None, progress) -> result."""


def _run_locally(benchmark: Benchmark, server_binary: str | None, progress: Progress) -> RunResult:
    return run_local(benchmark, server_binary=server_binary, progress=progress)


def cell_benchmark(benchmark: Benchmark, plan: CellPlan) -> Benchmark:
    """The resource as one plain benchmark: its metadata, the cell's spec."""
    document: dict[str, Any] = benchmark.model_dump(by_alias=True, exclude_none=True)
    document["spec"] = plan.spec
    return check_benchmark(document)


def _binary(server_binaries: Mapping[str, str], engine: str) -> str | None:
    return server_binaries.get(engine, server_binaries.get("", None))


def run_matrix(
    benchmark: Benchmark,
    *,
    server_binaries: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    run_one: RunOne = _run_locally,
) -> MatrixComparison:
    """Run every cell of the benchmark's matrix and compare the cells.

    ``server_binaries``: engine type -> server executable ("" for every engine).
    """
    matrix = benchmark.spec.matrix
    if matrix is None:
        raise KobenchError("run_matrix: the benchmark has no spec.matrix")
    spec_document = benchmark.spec.model_dump(by_alias=True, exclude_none=True)
    plans = plan_cells(spec_document, matrix)
    benchmarks = [cell_benchmark(benchmark, plan) for plan in plans]
    order = interleaved(len(plans), matrix.repetitions)
    outcomes: list[Outcome] = []
    for step, (index, repetition) in enumerate(order):
        plan = plans[index]
        label = step_label(plan, repetition)

        def cell_progress(stage: str, part: float, step: int = step, label: str = label) -> None:
            if progress is not None:
                total = len(order)
                progress(f"run {step + 1}/{total} {label}: {stage}", (step + part) / total)

        binary = _binary(server_binaries or {}, benchmarks[index].spec.engine.type)
        try:
            outcomes.append(run_one(benchmarks[index], binary, cell_progress))
        except KobenchError as exc:
            outcomes.append(str(exc))
    return matrix_comparison(benchmark.metadata.name, matrix.repetitions, plans, order, outcomes)
