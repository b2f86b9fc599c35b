"""Starting a run: whether the resource asks for one, validating its spec, superseding a run.

A run is started by a new ``spec.runNonce`` (or the first pass over a resource, or a fixed spec
after phase Error); any other spec change waits for the next run. :func:`validate` is the one
place the operator checks a spec, plugin rules included, before anything is created.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kobench.api import BenchmarkSpec
from kobench.api.status import TERMINAL_PHASES, BenchmarkStatus
from kobench.errors import SpecError, SpecErrors
from kobench.plugins.checks import check_spec
from kobench.run.actions import CountRun, DeleteRun, PostEvent
from kobench.run.draft import Draft, time_text
from kobench.run.observed import Resource
from kobench.run.pods.pod_names import run_id_for
from kobench.run.reducers import bounded_reasons
from kobench.run.stages.finishing import push_entry


def validate(spec: Mapping[str, Any]) -> BenchmarkSpec:
    """The spec through the validation entry point (parsing, cross-field and plugin rules in
    one call, as ``kobench validate`` and ``kobench run``); SpecErrors naming every field.

    A baseline given as a file is refused by name rather than ignored: the operator reads
    none, and a run that quietly skipped it would pass a regression."""
    checked = check_spec(spec)
    if checked.baseline is not None and checked.baseline.result_file is not None:
        raise SpecError(
            "spec.baseline.resultFile",
            "the operator reads no files: put the result in a ConfigMap (kubectl create "
            "configmap NAME --from-file=result.json=FILE) and name it in "
            "spec.baseline.resultsConfigMap",
        )
    return checked


def spec_problems(spec: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``spec``, one line per field; empty when it is valid."""
    try:
        validate(spec)
    except SpecError as exc:
        errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
        return [str(e) for e in errors]
    return []


def wants_new_run(status: BenchmarkStatus, resource: Resource) -> bool:
    if not status.run_id or status.phase is None:
        return True
    if resource.run_nonce != status.run_nonce:
        return True
    # A spec that was invalid and has been fixed starts the run it could not start before.
    return status.phase == "Error" and status.run_generation != resource.generation


def in_progress(status: BenchmarkStatus) -> bool:
    return bool(status.run_id) and status.phase is not None and status.phase not in TERMINAL_PHASES


def supersede(d: Draft) -> None:
    """A new runNonce arrived mid-run: delete that run's children and record it as Failed."""
    old = d.status
    d.act(DeleteRun(d.names.run_selector(), before_save=True))
    push_entry(d, phase="Failed", verdict="", finished_at=time_text(d.now))
    d.act(
        PostEvent(
            "Warning",
            "Superseded",
            f"run {old.run_id} stopped in phase {old.phase}: runNonce changed",
        )
    )


def start_run(d: Draft) -> None:
    """Begin a new run in status (its children come in the next passes), or end in Error."""
    status, resource = d.status, d.resource
    status.run_nonce = resource.run_nonce
    status.run_generation = resource.generation
    status.run_id = run_id_for(resource.uid, status.run_nonce, resource.generation)
    status.started_at = time_text(d.now)
    status.finished_at = ""
    status.verdict = None
    status.reasons = []
    status.summary = None
    status.engine = None
    status.faults = None
    status.results_config_map = ""
    status.conditions = []
    problems = spec_problems(resource.spec)
    if problems:
        invalid_spec(d, problems)
        return
    for type_ in ("EngineReady", "ObserversSubscribed", "Passed"):
        d.condition(type_, "Unknown", "RunStarted")
    d.condition("Complete", "False", "RunStarted", f"run {status.run_id}")
    d.move("Pending", f"run {status.run_id} started (runNonce {status.run_nonce!r})")


def invalid_spec(d: Draft, problems: list[str]) -> None:
    """Phase Error, naming every field at fault; nothing was (or will be) created for it."""
    d.status.reasons = bounded_reasons(problems)
    d.condition("Complete", "True", "InvalidSpec", "; ".join(d.status.reasons))
    d.condition("Passed", "False", "InvalidSpec", "the spec is invalid")
    d.move("Error", f"invalid spec: {d.status.reasons[0]}", warning=True)
    d.act(CountRun("Error"))
