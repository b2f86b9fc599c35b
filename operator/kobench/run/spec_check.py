"""An executor's check of a spec before a run starts: the one validation entry point (parsing,
cross-field and plugin rules) plus what this executor can read.

A baseline is read from a file by ``kobench run`` and from a ConfigMap by the operator; each
refuses the other by name rather than ignoring it (a run that quietly skipped its baseline would
pass a regression).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kobench.api import BenchmarkSpec
from kobench.errors import SpecError, SpecErrors
from kobench.plugins.checks import check_spec
from kobench.run.target.target_plan import target_sources_refused

Reads = Literal["files", "configMaps"]

BASELINE_REFUSED: dict[Reads, SpecError] = {
    "configMaps": SpecError(
        "spec.baseline.resultFile",
        "the operator reads no files: put the result in a ConfigMap (kubectl create configmap "
        "NAME --from-file=result.json=FILE) and name it in spec.baseline.resultsConfigMap",
    ),
    "files": SpecError(
        "spec.baseline.resultsConfigMap",
        "a ConfigMap is read by the operator in a cluster; for kobench run give "
        "spec.baseline.resultFile",
    ),
}

SCHEDULE_REFUSED = SpecError(
    "spec.schedule",
    "kobench run makes one run now; a schedule is kept by the operator in a cluster (kubectl "
    "apply the file), or remove spec.schedule to run it here",
)


def executable_spec(spec: Mapping[str, Any], *, reads: Reads) -> BenchmarkSpec:
    """The spec, fully checked for this executor; SpecErrors naming every field."""
    checked = check_spec(spec)
    if checked.target is not None:
        cluster = reads == "configMaps"
        refused = target_sources_refused(checked.target, cluster=cluster, faults=checked.faults)
        if refused:
            raise SpecErrors(refused)
    baseline = checked.baseline
    if baseline is not None:
        from_file = baseline.result_file is not None
        if from_file != (reads == "files"):
            raise BASELINE_REFUSED[reads]
    if checked.schedule is not None and reads == "files":
        raise SCHEDULE_REFUSED
    return checked


def spec_problems(spec: Mapping[str, Any], *, reads: Reads) -> list[str]:
    """What is wrong with ``spec`` for this executor, one line per field; empty when valid."""
    try:
        executable_spec(spec, reads=reads)
    except SpecError as exc:
        errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
        return [str(e) for e in errors]
    return []
