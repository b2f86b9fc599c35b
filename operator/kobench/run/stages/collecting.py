"""Collecting: each role's result document, merged and judged by the one collection core
(:mod:`kobench.run.collection`, the local runner's too); the results ConfigMap; then Succeeded."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.measure.results import RunResult
from kobench.measure.results.baseline_rule import held_to_baseline
from kobench.run.actions import WriteResults
from kobench.run.collection import RoleKind, RoleOutput, RoleState, merge_outputs
from kobench.run.draft import Draft, parse_time
from kobench.run.observed import Observed
from kobench.run.pods import role_manifests
from kobench.run.reducers import bounded_reasons, engine_status, summarize_run
from kobench.run.settings import Settings
from kobench.run.stages.kills import killed_pods


def role_outputs(d: Draft, observed: Observed, spec: BenchmarkSpec) -> list[RoleOutput]:
    """What every expected role pod left: its document, or why there is none."""
    expected: list[tuple[RoleKind, str]] = [
        *(("observer", n) for n, _, _ in role_manifests.observer_pods(d.names, spec)),
        *(("writer", n) for n, _ in role_manifests.writer_pods(d.names, spec)),
        *(("faults", n) for n in role_manifests.faults_pods(d.names, spec)),
    ]
    killed = killed_pods(d, spec)
    outputs = []
    for kind, name in expected:
        pod = observed.pods.get(name)
        label = f"pod {name}"
        if name in killed:
            outputs.append(RoleOutput(kind, label, None, "killed"))
        elif pod is None:
            outputs.append(RoleOutput(kind, label, None, "gone", "its result is lost"))
        elif name in observed.unreadable:
            outputs.append(RoleOutput(kind, label, None, "unreadable", observed.unreadable[name]))
        else:
            state: RoleState = "finished" if pod.phase in ("Succeeded", "Failed") else "running"
            outputs.append(RoleOutput(kind, label, observed.documents.get(name), state))
    return outputs


def judged_by_baseline(result: RunResult, observed: Observed, spec: BenchmarkSpec) -> RunResult:
    """The result held to spec.baseline; a baseline gone since the start fails it by name."""
    if spec.baseline is None:
        return result
    if observed.baseline is not None:
        return held_to_baseline(result, observed.baseline, spec.baseline)
    if result.verdict == "Invalid":
        return result
    why = f"spec.baseline.resultsConfigMap: {observed.baseline_error}"
    return result.model_copy(update={"verdict": "Failed", "reasons": [*result.reasons, why]})


def _span_ns(d: Draft) -> tuple[int, int]:
    started = parse_time(d.status.started_at) or d.now
    return int(started.timestamp() * 1e9), int(d.now.timestamp() * 1e9)


def collecting(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    outputs = role_outputs(d, observed, spec)
    unreadable = any(o.state == "unreadable" for o in outputs)
    if unreadable and d.in_phase_seconds() < settings.collect_timeout:
        return  # a log the API cannot serve yet: ask again in the next pass
    result = merge_outputs(
        benchmark=d.resource.name,
        run_id=d.status.run_id,
        spec=spec,
        outputs=outputs,
        span_ns=_span_ns(d),
        fault_records=d.status.faults.kills if d.status.faults else (),
    )
    result = judged_by_baseline(result, observed, spec)
    d.act(
        WriteResults(
            role_manifests.build_results_config_map(
                d.names, d.resource.owner, result, phase="Succeeded"
            )
        )
    )
    d.result = result
    status = d.status
    status.results_config_map = d.names.results
    status.verdict = result.verdict
    status.reasons = bounded_reasons(result.reasons)
    status.summary = summarize_run(result)
    status.engine = engine_status(result)
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
