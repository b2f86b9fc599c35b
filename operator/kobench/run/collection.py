"""The one collection core: from what each role left behind to the merged run result.

The collecting stage of the one lifecycle calls it, whichever executor ran the roles: the
``KOBENCH_RESULT`` line is parsed here, a role that left no document is named by what it was
doing, and the same fallbacks apply when writer 0 reported no engine facts or no convergence
check. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from pydantic import ValidationError

from kobench.api import BenchmarkSpec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.results import (
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterResult,
    merge_run,
)
from kobench.measure.results.fault_docs import FaultsResult
from kobench.measure.results.probe_docs import ProbeResult
from kobench.roles.role_config import RESULT_MARKER
from kobench.run.plan import Role, still_doing

NOT_CHECKED = "not checked: writer 0 reported no convergence check"

RoleState = Literal["finished", "running", "gone", "unreadable", "killed"]


def result_line(output: str) -> str | None:
    """The document of the last ``KOBENCH_RESULT`` line of a role's output, without the marker."""
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_MARKER):
            return line[len(RESULT_MARKER) :]
    return None


@dataclass(frozen=True)
class RoleOutput:
    """What one expected role left behind, as its executor found it."""

    role: Role
    document: str | None
    """The JSON text of its result document; None when it left none."""
    state: RoleState = "finished"
    """finished: it ended; running: it was still waiting (a straggler); gone: nothing of it
    is left; unreadable: its output could not be read (``detail`` says why); killed: a fault
    of the schedule ended it (no document is expected)."""
    detail: str = ""
    """Why there is no document, in words (exit code and last lines, an API answer)."""


@dataclass(frozen=True)
class Documents:
    """The parsed documents and one reason for every role that left none (or a broken one)."""

    observers: list[ObserverResult]
    writers: list[WriterResult]
    problems: list[str]
    faults: FaultsResult | None = None
    probe: ProbeResult | None = None


Document = TypeVar("Document", WriterResult, ObserverResult, FaultsResult, ProbeResult)


def _missing(output: RoleOutput) -> str:
    because = {
        "running": f"still running; {still_doing(output.role)}",
        "gone": "it is gone",
        "unreadable": "its output cannot be read",
        "finished": "it printed no KOBENCH_RESULT line",
    }[output.state]
    if output.state == "running" and output.detail:
        because = f"{because} ({output.detail})"
    elif output.detail:
        because = output.detail if output.state == "finished" else f"{because}: {output.detail}"
    return f"{output.role.title} produced no result: {because}"


def _parse(output: RoleOutput, model: type[Document], problems: list[str]) -> Document | None:
    if output.document is None:
        if output.state != "killed":
            problems.append(_missing(output))
        return None
    try:
        return model.model_validate_json(output.document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        problems.append(
            f"{output.role.title} left an unreadable result document "
            f"({exc.error_count()} errors; first: {where}: {first['msg']})"
        )
        return None


def parse_outputs(outputs: Sequence[RoleOutput]) -> Documents:
    """Parse every role's document; roles without a usable one become problems."""
    problems: list[str] = []
    writers: list[WriterResult] = []
    observers: list[ObserverResult] = []
    faults: FaultsResult | None = None
    probe: ProbeResult | None = None
    for output in outputs:
        if output.role.kind == "probe":
            probe = _parse(output, ProbeResult, problems)
        elif output.role.kind == "writer":
            writer = _parse(output, WriterResult, problems)
            writers += [writer] if writer is not None else []
        elif output.role.kind == "faults":
            faults = _parse(output, FaultsResult, problems)
            if faults is not None and faults.error:
                problems.append(f"the fault injector failed: {faults.error}")
        else:
            observer = _parse(output, ObserverResult, problems)
            observers += [observer] if observer is not None else []
    return Documents(
        observers=observers, writers=writers, problems=problems, faults=faults, probe=probe
    )


def bare_engine_facts(spec: BenchmarkSpec) -> EngineFacts:
    """What is known of the engine without asking it: its type and size."""
    return EngineFacts(type=spec.engine.type, replicas=spec.engine.replicas)


def merge_outputs(
    *,
    benchmark: str,
    run_id: str,
    spec: BenchmarkSpec,
    outputs: Sequence[RoleOutput],
    reasons: Sequence[str] = (),
    engine: EngineFacts | None = None,
    span_ns: tuple[int, int] = (0, 0),
    fault_records: Sequence[AppliedFault] = (),
) -> RunResult:
    """Merge and judge a run from its roles' outputs.

    ``reasons``: what the lifecycle found wrong on its own (a replica that failed, a timeout).
    ``engine``: engine facts when writer 0 reported none (default: type and size only).
    ``span_ns``: the run's wall-clock bounds when no role left a document.
    ``fault_records``: the kills the runner applied (the injector's document has the rest).
    """
    docs = parse_outputs(outputs)
    first = next((w for w in docs.writers if w.writer_id == 0), None)
    reported = first.engine if first is not None else None
    facts = reported or engine or bare_engine_facts(spec)
    convergence = first.convergence if first is not None else None
    if convergence is None:
        killed = any(o.state == "killed" and o.role.kind == "writer" for o in outputs)
        detail = "not checked: writer 0 was killed by a fault" if killed else NOT_CHECKED
        convergence = Convergence(checked=False, converged=False, detail=detail)
    injected = docs.faults
    roles: list[ObserverResult | WriterResult] = [*docs.observers, *docs.writers]
    return merge_run(
        benchmark=benchmark,
        run_id=run_id,
        spec=spec,
        writers=docs.writers,
        observers=docs.observers,
        engine=facts,
        convergence=convergence,
        started_ns=min((d.started_ns for d in roles), default=span_ns[0]),
        finished_ns=max((d.ended_ns for d in roles), default=span_ns[1]),
        extra_reasons=[*reasons, *docs.problems],
        fault_records=[*(injected.applied if injected else []), *fault_records],
        measured_from_ns=injected.measured_from_ns if injected else 0,
        probe=docs.probe,
    )


__all__ = [
    "NOT_CHECKED",
    "Documents",
    "RoleOutput",
    "bare_engine_facts",
    "merge_outputs",
    "parse_outputs",
    "result_line",
]
