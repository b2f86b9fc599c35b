"""Collecting: read each role's result document, merge them, judge, write the results ConfigMap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import ValidationError

from kobench.results import (
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterResult,
    merge_run,
)
from kobench.runners.kubernetes import roles as role_manifests
from kobench.spec import BenchmarkSpec
from kobench.status import bounded_reasons, engine_status, summarize_run

if TYPE_CHECKING:
    from kobench.controller.state import Pass


async def _documents(
    p: Pass, spec: BenchmarkSpec
) -> tuple[list[ObserverResult], list[WriterResult], list[str]] | None:
    """Parsed documents and the problems found; None when logs are not readable yet."""
    raw = {
        pod["metadata"]["name"]: pod
        for pod in await p.rt.kube.list_pods(p.namespace, p.names.run_selector())
    }
    observers: list[ObserverResult] = []
    writers: list[WriterResult] = []
    problems: list[str] = []
    expected: list[tuple[str, type[ObserverResult] | type[WriterResult]]] = [
        *((n, ObserverResult) for n, _, _ in role_manifests.observer_pods(p.names, spec)),
        *((n, WriterResult) for n, _ in role_manifests.writer_pods(p.names, spec)),
    ]
    for pod_name, model in expected:
        pod = raw.get(pod_name)
        if pod is None:
            problems.append(f"pod {pod_name} is gone; its result is lost")
            continue
        try:
            text = await p.rt.source.fetch(p.rt.kube, pod)
        except ApiException as exc:
            if p.in_phase_seconds() < p.rt.settings.collect_timeout:
                return None
            problems.append(f"pod {pod_name}: cannot read its log ({exc.status} {exc.reason})")
            continue
        if text is None:
            running = (pod.get("status") or {}).get("phase") != "Succeeded"
            problems.append(
                f"pod {pod_name} was still waiting for the writers' end marker; no result"
                if running
                else f"pod {pod_name} printed no KOBENCH_RESULT line"
            )
            continue
        try:
            document = model.model_validate_json(text)
        except ValidationError as exc:
            problems.append(
                f"pod {pod_name}: unreadable result document ({exc.error_count()} errors)"
            )
            continue
        if isinstance(document, ObserverResult):
            observers.append(document)
        else:
            writers.append(document)
    return observers, writers, problems


def merge(
    p: Pass,
    spec: BenchmarkSpec,
    observers: list[ObserverResult],
    writers: list[WriterResult],
    problems: list[str],
) -> RunResult:
    first = next((w for w in writers if w.writer_id == 0), None)
    engine: Any = getattr(first, "engine", None)
    convergence: Any = getattr(first, "convergence", None)
    if not isinstance(engine, EngineFacts):
        engine = EngineFacts(type=spec.engine.type, replicas=spec.engine.replicas)
    if not isinstance(convergence, Convergence):
        convergence = Convergence(checked=False, converged=False, detail="not checked")
    stamps = [d.started_ns for d in observers] + [d.started_ns for d in writers]
    ends = [d.ended_ns for d in observers] + [d.ended_ns for d in writers]
    return merge_run(
        benchmark=p.name,
        run_id=p.status.run_id,
        spec=spec,
        writers=writers,
        observers=observers,
        engine=engine,
        convergence=convergence,
        started_ns=min(stamps, default=0),
        finished_ns=max(ends, default=0),
        extra_reasons=problems,
    )


async def collect(p: Pass, spec: BenchmarkSpec) -> None:
    """Collecting: read, merge, judge and store the run's results; then Succeeded."""
    found = await _documents(p, spec)
    if found is None:
        return
    observers, writers, problems = found
    result = merge(p, spec, observers, writers, problems)
    manifest = role_manifests.build_results_config_map(p.names, p.owner, result, phase="Succeeded")
    await p.rt.kube.replace_config_map(manifest)
    p.rt.results[p.status.run_id] = result
    status = p.status
    status.results_config_map = p.names.results
    status.verdict = result.verdict
    status.reasons = bounded_reasons(result.reasons)
    status.summary = summarize_run(result)
    status.engine = engine_status(result)
    passed = result.verdict == "Passed"
    p.condition("Complete", "True", "Succeeded", f"verdict {result.verdict}")
    p.condition(
        "Passed", "True" if passed else "False", result.verdict, "; ".join(status.reasons)[:2048]
    )
    p.move(
        "Succeeded",
        f"run {status.run_id} finished: {result.verdict}"
        + ("" if passed else f" ({status.reasons[0] if status.reasons else ''})"),
        warning=not passed,
    )
