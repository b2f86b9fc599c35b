"""What ``kubectl kobench run`` and ``wait`` are made of: the resource a file becomes, waiting
for the run that resource started, and the table of a finished run."""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kobench.errors import InputError, SpecError
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.plugins.checks import check_benchmark
from kobench.present.cluster_report import EXIT_CODES, print_unfinished
from kobench.present.kubectl_client import Kubectl, Obj
from kobench.present.kubectl_fetch import document_of, select_run
from kobench.present.terminal import EXIT_FAILED, EXIT_NOT_FINISHED, EXIT_USAGE

TERMINAL = ("Succeeded", "Failed", "Error")
DURATION = re.compile(r"(\d+)(s|m|h)?")
POLL_S = 1.0


def parse_duration(option: str, text: str) -> float:
    """``90``, ``90s``, ``10m`` or ``1h`` in seconds; an InputError naming the option."""
    found = DURATION.fullmatch(text.strip())
    if not found or int(found.group(1)) == 0:
        raise InputError(f"{option} {text}: give a duration like 90s, 10m or 1h")
    return int(found.group(1)) * {"s": 1, "m": 60, "h": 3600}[found.group(2) or "s"]


def new_nonce(now: datetime | None = None) -> str:
    """A runNonce no earlier run of this plugin used (UTC, to the microsecond)."""
    return f"kubectl-kobench-{(now or datetime.now(UTC)).strftime('%Y%m%dT%H%M%S%fZ')}"


def dry_run_document(
    document: Any, nonce: str, namespace: str | None = None, *, found: list[SpecError] | None = None
) -> Obj:
    """The resource ``run`` applies: the file's own document, checked as ``kobench validate``
    checks it (its defaults stay the operator's to fill), without a status, with
    ``spec.runNonce`` set so that it runs. ``found``: problems the YAML parser already saw."""
    resource: Obj = copy.deepcopy(document) if isinstance(document, dict) else {}
    if isinstance(resource.get("spec"), dict):
        resource["spec"] = {**resource["spec"], "runNonce": nonce}
    check_benchmark(resource or document, found=found)
    resource.pop("status", None)
    if namespace:
        metadata = resource.setdefault("metadata", {})
        if metadata.get("namespace") not in (None, namespace):
            raise InputError(
                f"--namespace {namespace}: the file's metadata.namespace is {metadata['namespace']}"
            )
        metadata["namespace"] = namespace
    return resource


def run_outcome(body: Obj, nonce: str | None) -> int | None:
    """The exit status once the run for ``nonce`` ended (any run's when None); None before."""
    status = body.get("status") or {}
    if nonce is not None and (status.get("runNonce") or "") != nonce:
        return None
    phase = status.get("phase")
    if phase not in TERMINAL:
        return None
    if phase == "Succeeded":
        return EXIT_CODES.get(str(status.get("verdict")), EXIT_FAILED)
    return EXIT_USAGE if phase == "Error" else EXIT_FAILED


def wait_for(
    kubectl: Kubectl,
    name: str,
    nonce: str | None,
    timeout_s: float,
    say: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Obj, int]:
    """Poll until the run ends; (the resource, the exit status), EXIT_NOT_FINISHED on time-out."""
    started, last = clock(), ""
    while True:
        body = kubectl.benchmark(name)
        status = body.get("status") or {}
        ours = nonce is None or (status.get("runNonce") or "") == nonce
        phase = str(status.get("phase") or "Pending") if ours else "Pending"
        line = phase + (f" {status['progress']}" if ours and status.get("progress") else "")
        if line != last:
            say(f"{name}: {line} ({clock() - started:.0f} s)")
            last = line
        outcome = run_outcome(body, nonce)
        if outcome is not None:
            return body, outcome
        if clock() - started >= timeout_s:
            return body, EXIT_NOT_FINISHED
        sleep(POLL_S)


def show(
    kubectl: Kubectl, body: Obj, *, run_id: str | None = None, as_json: bool, wide: bool
) -> int:
    """The run's table (or its JSON document); a run without results says its phase."""
    from kobench.present.compare_table import render_matrix
    from kobench.present.run_table import WIDE_WIDTH, render_result
    from kobench.present.table_fit import terminal_width

    run = select_run(body, run_id)
    if not run.config_map:
        return print_unfinished(run.name, run.namespace, body.get("status") or {}, sys.stdout)
    document = document_of(kubectl, run)
    color = sys.stdout.isatty()
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    elif run.matrix:
        matrix = MatrixComparison.model_validate(document)
        sys.stdout.write(render_matrix(matrix, color=color, width=terminal_width()))
    else:
        result = RunResult.model_validate(document)
        width = terminal_width()
        width = max(width, WIDE_WIDTH) if wide else width
        sys.stdout.write(render_result(result, wide=wide, color=color, width=width))
    if run.matrix:
        return EXIT_CODES.get(str((body.get("status") or {}).get("verdict")), EXIT_FAILED)
    return EXIT_CODES[RunResult.model_validate(document).verdict]
