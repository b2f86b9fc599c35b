"""Collecting: each role's result document, merged and judged by the one collection core
(:mod:`kobench.run.collection`); the result kept; then Succeeded.

What went wrong on the way is part of the result, not a reason to lose it: a role that failed
or was left behind is named by what it was doing, a replica that failed mid-run is a reason,
and so is a stage that timed out (carried in ``status.reasons`` from the move here).
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.api.status import FaultsStatus
from kobench.measure.results import RunResult
from kobench.measure.results.baseline_rule import held_to_baseline
from kobench.run.actions import KeepResult
from kobench.run.collection import RoleOutput, RoleState, merge_outputs
from kobench.run.draft import Draft, parse_time
from kobench.run.observed import Observed
from kobench.run.plan import plan_run
from kobench.run.reducers import bounded_reasons, engine_status, summarize_run
from kobench.run.settings import STOP_GRACE_SECONDS, Settings
from kobench.run.stages.kills import killed_roles
from kobench.run.stages.targeting import closed, target_record


def role_outputs(d: Draft, observed: Observed, spec: BenchmarkSpec) -> list[RoleOutput]:
    """What every measuring role left: its document, or why there is none."""
    killed = killed_roles(d, spec)
    outputs = []
    for role in plan_run(spec).measuring:
        view = observed.roles.get(role.key)
        if role.key in killed:
            outputs.append(RoleOutput(role, None, "killed"))
        elif view is None:
            outputs.append(RoleOutput(role, None, "gone", "its result is lost"))
        elif role.key in observed.unreadable:
            outputs.append(RoleOutput(role, None, "unreadable", observed.unreadable[role.key]))
        else:
            state: RoleState = "finished" if view.ended else "running"
            detail = view.failure or view.waiting
            outputs.append(RoleOutput(role, observed.documents.get(role.key), state, detail))
    return outputs


def replica_failures(observed: Observed, spec: BenchmarkSpec) -> list[str]:
    """Replicas that failed during the run (not by the schedule: a killed replica comes back)."""
    failures = []
    for role in plan_run(spec).replicas:
        view = observed.roles.get(role.key)
        if view is not None and view.failure:
            failures.append(f"{role.title} failed during the run: {view.failure}")
    return failures


def judged_by_baseline(result: RunResult, observed: Observed, spec: BenchmarkSpec) -> RunResult:
    """The result held to spec.baseline; a baseline gone since the start fails it by name."""
    if spec.baseline is None:
        return result
    if observed.baseline is not None:
        return held_to_baseline(result, observed.baseline, spec.baseline)
    if result.verdict == "Invalid":
        return result
    why = f"{baseline_field(spec)}: {observed.baseline_error}"
    return result.model_copy(update={"verdict": "Failed", "reasons": [*result.reasons, why]})


def baseline_field(spec: BenchmarkSpec) -> str:
    rule = spec.baseline
    file = rule is not None and rule.result_file is not None
    return "spec.baseline.resultFile" if file else "spec.baseline.resultsConfigMap"


def recovered_kills(faults: FaultsStatus | None, result: RunResult) -> FaultsStatus | None:
    """The kills recorded while running, with when the engine was whole again after each (the
    injector watched it: a kill's resync runs from the kill to every link up)."""
    if faults is None:
        return None
    resync = {f.index: f.resync_ms for f in result.faults if f.resync_ms is not None}
    kills = [
        k.model_copy(update={"recovered_ns": k.applied_ns + round(resync[k.index] * 1e6)})
        if k.index in resync and k.applied_ns
        else k
        for k in faults.kills
    ]
    return faults.model_copy(update={"kills": kills})


def _span_ns(d: Draft) -> tuple[int, int]:
    started = parse_time(d.status.started_at) or d.now
    return int(started.timestamp() * 1e9), int(d.now.timestamp() * 1e9)


def collecting(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    outputs = role_outputs(d, observed, spec)
    waited = d.in_phase_seconds()
    if any(o.state == "unreadable" for o in outputs) and waited < settings.collect_timeout:
        return "waiting for role outputs that cannot be read yet"
    stopping = [o.role.key for o in outputs if o.state == "running"]
    if stopping and settings.stops_roles and waited < STOP_GRACE_SECONDS:
        return f"waiting for {', '.join(stopping)} to hand in what they measured"
    plan = plan_run(spec)
    cleaning = closed(d, observed, plan, waited)  # once no role writes again
    if cleaning is not None:
        return cleaning
    result = merge_outputs(
        benchmark=d.resource.name,
        run_id=d.status.run_id,
        spec=spec,
        outputs=outputs,
        reasons=[*d.status.reasons, *replica_failures(observed, spec)],
        engine=observed.engine_facts,
        span_ns=_span_ns(d),
        fault_records=d.status.faults.kills if d.status.faults else (),
    )
    result = judged_by_baseline(result, observed, spec)
    if d.status.target is not None:
        result = result.model_copy(update={"target": target_record(observed, plan, d.status)})
    d.act(KeepResult(result))
    d.result = result
    status = d.status
    status.results_config_map = observed.results_name
    status.verdict = result.verdict
    status.reasons = bounded_reasons(result.reasons)
    status.summary = summarize_run(result)
    status.engine = engine_status(result)
    status.faults = recovered_kills(status.faults, result)
    passed = result.verdict == "Passed"
    d.condition("Complete", "True", "Succeeded", f"verdict {result.verdict}")
    d.condition(
        "Passed", "True" if passed else "False", result.verdict, "; ".join(status.reasons)[:2048]
    )
    d.move(
        "Succeeded",
        f"run {status.run_id} finished: {result.verdict}"
        + ("" if passed else f" ({status.reasons[0] if status.reasons else ''})"),
        warning=not passed,
    )
    return ""
