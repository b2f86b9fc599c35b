"""``kobench run``: the phase machine, the local executor, and a loop with the real clock.

Each pass is the operator's: observe, decide, carry out the actions that precede the save, keep
the status, carry out the effects. The stages, time limits, fault kills, matrix order, baseline
judgement, verdict reasons and messages are therefore the operator's, word for word. Every
process started is stopped on the way out, also on Ctrl-C, SIGTERM, SIGHUP or SIGQUIT or an
error, and the temporary directory removed.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kobench.api import Benchmark
from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.errors import KobenchError, SpecError, SpecErrors, Unsupported
from kobench.measure.compare.cell_comparison import step_label
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.plugins.checks import check_benchmark
from kobench.plugins.connections import Access, use_access
from kobench.run.actions import PostEvent, StartChild
from kobench.run.draft import parse_time
from kobench.run.local.local_executor import LocalExecutor, LocalOptions
from kobench.run.local.local_ids import local_run_id
from kobench.run.local.local_servers import PeerLinks
from kobench.run.local.processes import ProcessGroup, sigterm_as_interrupt
from kobench.run.machine import decide
from kobench.run.observed import ChildView, Resource
from kobench.run.settings import Settings
from kobench.run.stages.matrix_cells import planned
from kobench.run.target.target_opening import open_target
from kobench.run.target.target_plan import target_sources_refused
from kobench.run.target.target_session import close_target, target_benchmark

POLL_SECONDS = 0.1
SETTINGS = Settings(active_interval=POLL_SECONDS, idle_interval=POLL_SECONDS, stops_roles=True)
"""A local run looks again every 0.1 s (processes and files are cheap to look at), and can
ask a role to hand in its document (SIGTERM)."""
Progress = Callable[[str, float], None]
"""Called with a stage description and the fraction of the run done (0..1)."""
RunOne = Callable[[Benchmark, str | None, Progress], RunResult]
"""Runs one step of a matrix: (its benchmark, its engine's server binary or None, progress) ->
its result, or a KobenchError saying why it could not be carried out."""


class RunNotCarriedOut(KobenchError):
    """The run ended before anything could be measured (a stage timed out, a role failed)."""


@dataclass(frozen=True)
class LocalOutcome:
    """How a local run ended: its status (as a cluster's would read), result or comparison."""

    status: BenchmarkStatus
    result: RunResult | None
    comparison: MatrixComparison | None
    events: tuple[PostEvent, ...]


def _no_progress(stage: str, fraction: float) -> None:
    del stage, fraction


def resource_for(benchmark: Benchmark) -> Resource:
    """The benchmark file as the machine sees a resource."""
    spec: dict[str, Any] = benchmark.spec.model_dump(by_alias=True, exclude_none=True)
    return Resource(
        name=benchmark.metadata.name,
        namespace=benchmark.metadata.namespace or "default",
        uid=secrets.token_hex(8),
        generation=1,
        spec=spec,
    )


def done_fraction(status: BenchmarkStatus, benchmark: Benchmark, now: dt.datetime) -> float:
    """How far the run is, for a progress bar: the writes' schedule while Running."""
    if status.phase == "Running":
        since = parse_time(status.phase_since) or now
        workload = benchmark.spec.workload
        expected = workload.total_writes / workload.rate
        return min(1.0, (now - since).total_seconds() / expected)
    return 1.0 if status.phase == "Collecting" or status.phase in TERMINAL_PHASES else 0.0


def _drive(
    executor: LocalExecutor, benchmark: Benchmark, report: Progress
) -> tuple[BenchmarkStatus, list[PostEvent]]:
    """The phase machine with the real clock, its actions carried out by ``executor``, until
    the run ends: its last status and the events it posted."""
    status, events = BenchmarkStatus(), list[PostEvent]()
    while True:
        now = dt.datetime.now(dt.UTC)
        spec = benchmark.spec if status.run_id else None
        decision = decide(status, executor.observe(status, spec, now), spec, now, settings=SETTINGS)
        for action in decision.before_save:
            executor.apply(action, spec)
        moved = decision.status.phase != status.phase
        status = decision.status
        for action in decision.after_save:
            executor.apply(action, spec)
        events += [a for a in decision.after_save if isinstance(a, PostEvent)]
        if benchmark.spec.matrix is None:
            report(status.message, done_fraction(status, benchmark, now))
        if status.phase in TERMINAL_PHASES:
            return status, events
        if not moved:  # a phase just begun is looked at again at once
            wake = decision.wake_in if decision.wake_in is not None else POLL_SECONDS
            time.sleep(max(0.005, min(POLL_SECONDS, wake)))


def run_locally(
    benchmark: Benchmark,
    *,
    options: LocalOptions | None = None,
    progress: Progress | None = None,
    run_one: RunOne | None = None,
) -> LocalOutcome:
    """Run a benchmark (or a matrix) on this machine through the phase machine. ``run_one``:
    how a matrix's step is run (default: as a local run of its own)."""
    options = options or LocalOptions()
    report = progress or _no_progress
    resource = resource_for(benchmark)
    suffix = secrets.token_hex(3)
    run_id = local_run_id(resource.name, resource.run_nonce, random_suffix=suffix)
    with sigterm_as_interrupt():
        session = None
        target = benchmark.spec.target
        if target is not None and not target_sources_refused(target, cluster=False):
            # checked before any process starts (a refused source ends as Error, unconnected)
            session = open_target(benchmark.spec, run_id, os.environ)
            benchmark = target_benchmark(benchmark, session)
            options, resource = replace(options, target=session), resource_for(benchmark)
        group = ProcessGroup(Path(tempfile.mkdtemp(prefix="kobench-")))
        record = None
        try:

            def run_child(action: StartChild) -> ChildView:
                return run_step(benchmark, action, options, report, run_one or _run_one(options))

            executor = LocalExecutor(resource, run_id, group, options, run_child)
            status, events = _drive(executor, benchmark, report)
        finally:
            group.close()  # every child stopped and the directory removed, whatever comes
            record = executor.target_record  # the run's own cleanup stage, when it got there
            if session is not None and record is None:  # interrupted, or failed before it
                unfinished = sys.exc_info()[0] is not None or executor.result is None
                record = close_target(session, interrupted=unfinished)
            use_access(Access())  # the next run of this process (a matrix's) sets its own
    result = executor.result
    if result is not None and record is not None and result.target is None:
        result = result.model_copy(update={"target": record})
    return LocalOutcome(status, result, executor.comparison, tuple(events))


def cell_benchmark(benchmark: Benchmark, cell: Mapping[str, Any]) -> Benchmark:
    """The resource as one plain benchmark of a matrix: its metadata, the cell's spec."""
    document: dict[str, Any] = benchmark.model_dump(by_alias=True, exclude_none=True)
    document["spec"] = {k: v for k, v in cell.items() if k not in ("matrix", "runNonce")}
    return check_benchmark(document)


def _run_one(options: LocalOptions) -> RunOne:
    def run_one(benchmark: Benchmark, binary: str | None, progress: Progress) -> RunResult:
        binaries = {benchmark.spec.engine.type: binary} if binary else {}
        step = LocalOptions(server_binaries=binaries, base_dir=options.base_dir)
        outcome = run_locally(benchmark, options=step, progress=progress)
        if outcome.result is None:
            raise _not_carried_out(outcome.status)
        return outcome.result

    return run_one


def run_step(
    benchmark: Benchmark,
    action: StartChild,
    options: LocalOptions,
    progress: Progress,
    run_one: RunOne,
) -> ChildView:
    """One step of a matrix, run to its end (a local run of its own), as the machine sees it."""
    label = step_label(action.cell, action.repetition)
    total = len(planned(benchmark.spec)[1])

    def step_progress(stage: str, part: float) -> None:
        progress(f"run {action.step + 1}/{total} {label}: {stage}", (action.step + part) / total)

    try:
        child = cell_benchmark(benchmark, action.cell.spec)
        binary = options.server_binary(child.spec.engine.type)
        result = run_one(child, binary, step_progress)
    except Unsupported as exc:  # the engine cannot run the cell: left out of the comparison
        return ChildView(name=label, phase="Error", reason=str(exc), unsupported=True)
    except KobenchError as exc:
        return ChildView(name=label, phase="Failed", verdict="Failed", reason=str(exc))
    reasons = [*result.reasons, ""]
    return ChildView(
        name=label, phase="Succeeded", verdict=result.verdict, reason=reasons[0], result=result
    )


def _not_carried_out(status: BenchmarkStatus) -> KobenchError:
    """Why a run has no result, as the error ``kobench run`` reports (exit status 2 for an
    invalid spec, 1 otherwise)."""
    if status.phase == "Error":
        errors = [
            SpecError(*r.split(": ", 1)) if ": " in r else SpecError("", r) for r in status.reasons
        ]
        complete = next((c for c in status.conditions if c.type == "Complete"), None)
        if complete is not None and complete.reason == "Unsupported":
            return Unsupported(errors or [SpecError("spec", status.message)])
        return SpecErrors(errors or [SpecError("spec", status.message)])
    return RunNotCarriedOut(status.message)


def run_local(
    benchmark: Benchmark,
    *,
    server_binary: str | None = None,
    progress: Progress | None = None,
    role_env: Mapping[str, Mapping[str, str]] | None = None,
    peer_links: PeerLinks | None = None,
    base_dir: Path | None = None,
) -> RunResult:
    """Run a benchmark on this machine and return its merged result (or raise why none)."""
    options = LocalOptions(
        server_binaries={"": server_binary} if server_binary else {},
        base_dir=base_dir or Path("."),
        role_env=role_env or {},
        peer_links=peer_links,
    )
    outcome = run_locally(benchmark, options=options, progress=progress)
    if outcome.result is None:
        raise _not_carried_out(outcome.status)
    return outcome.result


def run_matrix(
    benchmark: Benchmark,
    *,
    server_binaries: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    base_dir: Path | None = None,
    run_one: RunOne | None = None,
) -> MatrixComparison:
    """Run every cell of the benchmark's matrix and compare the cells.

    ``server_binaries``: engine type -> server executable ("" for every engine).
    """
    if benchmark.spec.matrix is None:
        raise KobenchError("run_matrix: the benchmark has no spec.matrix")
    options = LocalOptions(server_binaries=server_binaries or {}, base_dir=base_dir or Path("."))
    outcome = run_locally(benchmark, options=options, progress=progress, run_one=run_one)
    if outcome.comparison is None:
        raise _not_carried_out(outcome.status)
    return outcome.comparison


__all__ = ["LocalOutcome", "RunNotCarriedOut", "run_local", "run_locally", "run_matrix"]
