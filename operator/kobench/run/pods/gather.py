"""Gathering one pass's :class:`Observed`: the few reads the machine asked for, errors kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import ValidationError

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.roles.injector import fault_clock
from kobench.run.machine import needs
from kobench.run.observed import ApiProblem, ChildView, Observed, Resource, child_view
from kobench.run.pods import engine_manifests, role_manifests
from kobench.run.pods.comparing import compare_cells
from kobench.run.pods.pod_names import RunNames
from kobench.run.pods.pod_views import views_by_name
from kobench.run.pods.runtime import Runtime
from kobench.run.stages.matrix_cells import cells_input

Obj = dict[str, Any]
_STATUS_KEYS = {f.alias or n for n, f in BenchmarkStatus.model_fields.items()}


def read_status(body: Mapping[str, Any]) -> BenchmarkStatus:
    """The status as stored (kopf's own keys left out); an unreadable one reads as empty."""
    raw = {k: v for k, v in (body.get("status") or {}).items() if k in _STATUS_KEYS}
    try:
        return BenchmarkStatus.model_validate(raw)
    except ValueError:
        return BenchmarkStatus()


def problem(call: str, exc: ApiException) -> ApiProblem:
    return ApiProblem(call, int(exc.status or 0), str(exc.reason or ""))


async def _documents(
    rt: Runtime, spec: BenchmarkSpec, names: RunNames, pods: list[Obj]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each role pod's result document, and the pods whose log cannot be read (and why)."""
    by_name = {p["metadata"]["name"]: p for p in pods}
    expected = [n for n, _, _ in role_manifests.observer_pods(names, spec)]
    expected += [n for n, _ in role_manifests.writer_pods(names, spec)]
    expected += role_manifests.faults_pods(names, spec)
    documents: dict[str, str | None] = {}
    unreadable: dict[str, str] = {}
    for name in expected:
        pod = by_name.get(name)
        if pod is None:
            continue
        try:
            documents[name] = await rt.source.fetch(rt.kube, pod)
        except ApiException as exc:
            unreadable[name] = f"cannot read its log: {exc.status} {exc.reason}"
    return documents, unreadable


async def _fault_clock(rt: Runtime, namespace: str, names: RunNames) -> int | None:
    """The fault clock from the injector's log; None until it has printed it (or its log
    cannot be read yet: the pod may still be starting)."""
    try:
        return fault_clock(await rt.kube.pod_log(namespace, names.faults_pod))
    except ApiException:
        return None


async def _result_in(rt: Runtime, resource: Resource, name: str) -> tuple[RunResult | None, str]:
    """The result document a ConfigMap holds (a run's results, a baseline), or why none."""
    found = await rt.kube.get_config_map(resource.namespace, name)
    if found is None:
        return None, f"ConfigMap {name} not found in namespace {resource.namespace}"
    text = (found.get("data") or {}).get(role_manifests.RESULT_KEY)
    if not text:
        return None, f"ConfigMap {name} has no {role_manifests.RESULT_KEY}"
    try:
        return RunResult.model_validate_json(text), ""
    except ValueError as exc:
        count = exc.error_count() if isinstance(exc, ValidationError) else 1
        why = f"{role_manifests.RESULT_KEY} is not a result document ({count} errors)"
        return None, f"ConfigMap {name}: {why}"


async def _stored_result(rt: Runtime, resource: Resource, name: str) -> RunResult | None:
    return (await _result_in(rt, resource, name))[0]


async def _children(rt: Runtime, resource: Resource, names: RunNames) -> dict[str, ChildView]:
    found = await rt.kube.list_benchmarks(resource.namespace, names.run_selector())
    views = (child_view(body) for body in found)
    return {view.name: view for view in views}


async def _comparison(
    rt: Runtime,
    resource: Resource,
    status: BenchmarkStatus,
    spec: BenchmarkSpec,
    children: dict[str, ChildView],
) -> tuple[MatrixComparison | None, str]:
    """Every child's result (from its results ConfigMap), compared in a child process."""
    results = {}
    for view in children.values():
        if view.phase == "Succeeded" and view.results_config_map:
            found = await _stored_result(rt, resource, view.results_config_map)
            if found is not None:
                results[view.name] = found
    names = resource.names(status.run_id)
    return await compare_cells(cells_input(names, spec, children, results))


async def _baseline(
    rt: Runtime, resource: Resource, spec: BenchmarkSpec
) -> tuple[RunResult | None, str]:
    """spec.baseline.resultsConfigMap's result document, or why there is none."""
    name = spec.baseline.results_config_map if spec.baseline else None
    if name is None:
        return None, "not set"
    return await _result_in(rt, resource, name)


async def gather(
    rt: Runtime, resource: Resource, status: BenchmarkStatus, spec: BenchmarkSpec | None
) -> Observed:
    """What the machine needs for this pass; a failed read becomes an ApiProblem."""
    known = (resource.namespace, resource.name) in rt.metrics.known()
    wanted = needs(status, resource, spec, known)
    observed = Observed(
        resource=resource, metrics_known=known, password=engine_manifests.generate_password()
    )
    names = resource.names(status.run_id)
    fields: dict[str, Any] = {}
    call = "list pods"
    try:
        if wanted.pods:
            pods = await rt.kube.list_pods(resource.namespace, names.run_selector())
            fields["pods"] = views_by_name(pods)
            if wanted.fault_clock:
                fields["fault_clock_ns"] = await _fault_clock(rt, resource.namespace, names)
            if wanted.documents and spec is not None:
                call = "read role logs"
                fields["documents"], fields["unreadable"] = await _documents(rt, spec, names, pods)
        if wanted.children:
            call = "list the matrix's benchmarks"
            fields["children"] = await _children(rt, resource, names)
            if wanted.comparison and spec is not None:
                call = "read the matrix's results"
                found = await _comparison(rt, resource, status, spec, fields["children"])
                fields["comparison"], fields["comparison_error"] = found
        if wanted.baseline and spec is not None:
            call = "read the baseline's ConfigMap"
            fields["baseline"], fields["baseline_error"] = await _baseline(rt, resource, spec)
        if wanted.stored_result:
            call = f"get ConfigMap {status.results_config_map}"
            fields["stored_result"] = await _stored_result(rt, resource, status.results_config_map)
    except ApiException as exc:
        fields["api_errors"] = (problem(call, exc),)
    return replace(observed, **fields)
