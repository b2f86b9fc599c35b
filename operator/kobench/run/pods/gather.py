"""Gathering one pass's :class:`Observed` in a cluster: the few reads the machine asked for, as
roles; a failed API call is kept as an :class:`ApiProblem`, never raised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import ValidationError

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.measure.results import RunResult
from kobench.roles.injector import fault_clock
from kobench.run.needs import needs
from kobench.run.observed import ApiProblem, ChildView, Observed, Resource
from kobench.run.plan import plan_run
from kobench.run.pods import role_manifests
from kobench.run.pods.comparing import cells_input, compare_cells
from kobench.run.pods.pod_names import RunNames, run_id_for
from kobench.run.pods.pod_views import role_views
from kobench.run.pods.runtime import Runtime
from kobench.run.spec_check import spec_problems
from kobench.run.stages.matrix_cells import planned

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
    """Each measuring role's result document, and the roles whose log cannot be read (why)."""
    by_name = {p["metadata"]["name"]: p for p in pods}
    documents: dict[str, str | None] = {}
    unreadable: dict[str, str] = {}
    for role in plan_run(spec).documented:
        pod = by_name.get(names.pod(role))
        if pod is None:
            continue
        try:
            documents[role.key] = await rt.source.fetch(rt.kube, pod)
        except ApiException as exc:
            unreadable[role.key] = f"cannot read its log: {exc.status} {exc.reason}"
    return documents, unreadable


async def _fault_clock(rt: Runtime, namespace: str, names: RunNames) -> int | None:
    """The fault clock from the injector's log; None until it has printed it (or its log
    cannot be read yet: the pod may still be starting)."""
    try:
        return fault_clock(await rt.kube.pod_log(namespace, names.faults_pod))
    except ApiException:
        return None


async def result_in(rt: Runtime, resource: Resource, name: str) -> tuple[RunResult | None, str]:
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


async def _children(
    rt: Runtime, resource: Resource, names: RunNames, spec: BenchmarkSpec, *, results: bool
) -> dict[int, ChildView]:
    """The matrix's child benchmarks by step, with their results when asked for."""
    found = await rt.kube.list_benchmarks(resource.namespace, names.run_selector())
    by_name = {body["metadata"]["name"]: body for body in found}
    children: dict[int, ChildView] = {}
    for step in range(len(planned(spec)[1])):
        body = by_name.get(names.child(step))
        if body is None:
            continue
        status = body.get("status") or {}
        reasons = status.get("reasons") or [""]
        phase = str(status.get("phase") or "")
        config_map = str(status.get("resultsConfigMap") or "")
        result = None
        if results and phase == "Succeeded" and config_map:
            result = (await result_in(rt, resource, config_map))[0]
        conditions = status.get("conditions") or []
        children[step] = ChildView(
            name=names.child(step),
            phase=phase,
            verdict=str(status.get("verdict") or ""),
            reason=str(reasons[0]),
            result=result,
            unsupported=any(
                c.get("type") == "Complete" and c.get("reason") == "Unsupported"
                for c in conditions
                if isinstance(c, dict)
            ),
        )
    return children


async def _baseline(
    rt: Runtime, resource: Resource, spec: BenchmarkSpec
) -> tuple[RunResult | None, str]:
    """spec.baseline.resultsConfigMap's result document, or why there is none."""
    name = spec.baseline.results_config_map if spec.baseline else None
    if name is None:
        return None, "not set"
    return await result_in(rt, resource, name)


async def gather(
    rt: Runtime,
    resource: Resource,
    status: BenchmarkStatus,
    spec: BenchmarkSpec | None,
    now: dt.datetime,
) -> Observed:
    """What the machine needs for this pass; a failed read becomes an ApiProblem."""
    known = (resource.namespace, resource.name) in rt.metrics.known()
    wanted = needs(status, resource, spec, known, now)
    names = RunNames(resource.name, status.run_id)
    observed = Observed(
        resource=resource,
        run_id=run_id_for(resource.uid, resource.run_nonce, resource.generation, wanted.slot),
        results_name=names.results,
        metrics_known=known,
    )
    fields: dict[str, Any] = {}
    if wanted.validation:
        fields["spec_problems"] = tuple(spec_problems(resource.spec, reads="configMaps"))
    call = "list pods"
    try:
        if wanted.roles and spec is not None:
            pods = await rt.kube.list_pods(resource.namespace, names.run_selector())
            fields["roles"] = role_views(pods, names.role_keys(plan_run(spec)), now)
            if wanted.fault_clock:
                fields["fault_clock_ns"] = await _fault_clock(rt, resource.namespace, names)
            if wanted.documents:
                call = "read role logs"
                fields["documents"], fields["unreadable"] = await _documents(rt, spec, names, pods)
        if wanted.children and spec is not None:
            call = "list the matrix's benchmarks"
            children = await _children(rt, resource, names, spec, results=wanted.child_results)
            fields["children"] = children
            if wanted.comparison:
                call = "compare the matrix's results"
                document = cells_input(resource.name, spec, children)
                fields["comparison"], fields["comparison_error"] = await compare_cells(document)
        if wanted.baseline and spec is not None:
            call = "read the baseline's ConfigMap"
            fields["baseline"], fields["baseline_error"] = await _baseline(rt, resource, spec)
        if wanted.stored_result:
            call = f"get ConfigMap {status.results_config_map}"
            found = await result_in(rt, resource, status.results_config_map)
            fields["stored_result"] = found[0]
    except ApiException as exc:
        fields["api_errors"] = (problem(call, exc),)
    return replace(observed, **fields)
