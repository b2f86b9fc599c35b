"""``kubectl kobench fetch NAME``: result documents from their ConfigMaps into files.

What it writes (in ``--output-dir``, the current directory by default), all read by kobench's
commands on a laptop, without a cluster:

- a run, or one run of a matrix fetched by its child benchmark's name: ``NAME-RUNID.json``, the
  result document (what ``kobench run -o`` writes): ``kobench report``, ``kobench export``,
  ``kobench compare --baseline ... --candidate ...``;
- a matrix: ``NAME-RUNID.comparison.json``, its comparison (``kobench compare FILE`` shows it,
  ``--html`` draws it), and ``NAME-RUNID/`` with every run's result document, one file per run
  named by its cell and repetition, ``CELL.repN.json`` (``engine=redis,rate=100`` becomes
  ``engine-redis-rate-100``): ``kobench report NAME-RUNID/*.json``, or ``kobench compare
  -a NAME-RUNID/engine-redis-*.json -b NAME-RUNID/engine-valkey-*.json``.

The run is the last one (``status.resultsConfigMap``) or ``--run RUNID`` from
``status.history``. Every document is checked before it is written, so a file always loads.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kobench.errors import ClusterUnreadable, InputError
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.present.kubectl_client import Kubectl, Obj
from kobench.run.plan import CELL_ANNOTATION, MATRIX_LABEL, REPETITION_ANNOTATION
from kobench.run.pods.child_manifests import COMPARISON_KEY
from kobench.run.pods.pod_names import RUN_LABEL, label_value
from kobench.run.pods.role_manifests import RESULT_KEY

LEFT_OUT_ANNOTATION = "kobench.io/left-out"


def safe_name(text: str) -> str:
    """``text`` as part of a file name: runs of anything but letters, digits, '.', '_' and '-'
    become one '-'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "run"


def run_file(name: str, run_id: str) -> str:
    return f"{safe_name(name)}-{safe_name(run_id)}.json"


def comparison_file(name: str, run_id: str) -> str:
    return f"{safe_name(name)}-{safe_name(run_id)}.comparison.json"


def runs_dir(name: str, run_id: str) -> str:
    return f"{safe_name(name)}-{safe_name(run_id)}"


def cell_files(children: list[tuple[str, str, str]]) -> dict[str, str]:
    """Child benchmark name -> file name, for (child, cell id, repetition) triples; two cells
    that would share a name each keep their child's name too."""
    wanted = {child: f"{safe_name(cell)}.rep{safe_name(rep)}.json" for child, cell, rep in children}
    taken = [f for f in wanted.values()]
    return {
        child: file if taken.count(file) == 1 else f"{file[:-5]}.{safe_name(child)}.json"
        for child, file in wanted.items()
    }


@dataclass(frozen=True)
class Selected:
    """The run of a benchmark that was asked for, and where its results are."""

    name: str
    namespace: str
    run_id: str
    config_map: str
    phase: str
    matrix: bool


def select_run(body: Obj, run_id: str | None = None) -> Selected:
    """The last run, or ``run_id`` from status.history (an InputError naming --run if absent)."""
    meta, status = body.get("metadata") or {}, body.get("status") or {}
    name, namespace = str(meta.get("name", "")), str(meta.get("namespace", ""))
    matrix = bool((body.get("spec") or {}).get("matrix"))
    if run_id is None:
        return Selected(
            name,
            namespace,
            str(status.get("runId") or ""),
            str(status.get("resultsConfigMap") or ""),
            str(status.get("phase") or "Pending"),
            matrix,
        )
    entries = [h for h in status.get("history") or [] if h.get("runId") == run_id]
    if not entries:
        known = ", ".join(str(h.get("runId")) for h in status.get("history") or []) or "none"
        raise InputError(f"--run {run_id}: not in the history of {namespace}/{name} ({known})")
    entry = entries[0]
    return Selected(
        name,
        namespace,
        run_id,
        str(entry.get("resultsConfigMap") or ""),
        str(entry.get("phase") or ""),
        matrix,
    )


def checked(model: type[BaseModel], text: str, where: str) -> Any:
    """The document in ``text`` (JSON), checked against ``model``; pretty, as files hold it."""
    try:
        document = json.loads(text)
        model.model_validate(document)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ClusterUnreadable(f"{where}: not a kobench document: {exc}") from None
    return document


def document_of(kubectl: Kubectl, run: Selected) -> Any:
    """The run's result document (a RunResult), or a matrix's comparison (MatrixComparison)."""
    key, model = (COMPARISON_KEY, MatrixComparison) if run.matrix else (RESULT_KEY, RunResult)
    found = kubectl.within(run.namespace).get("configmap", run.config_map)
    annotations = (found.get("metadata") or {}).get("annotations") or {}
    if LEFT_OUT_ANNOTATION in annotations:
        note = annotations[LEFT_OUT_ANNOTATION]
        print(f"kubectl-kobench: {run.config_map}: left out: {note}", file=sys.stderr)
    text = (found.get("data") or {}).get(key)
    if text is None:
        raise ClusterUnreadable(f"ConfigMap {run.namespace}/{run.config_map} holds no {key}")
    return checked(model, text, f"{run.namespace}/{run.config_map} {key}")


def output_dir(given: str) -> Path:
    path = Path(given)
    if not path.is_dir():
        raise InputError(f"--output-dir {given}: is not a directory")
    if not os.access(path, os.W_OK):
        raise InputError(f"--output-dir {given}: permission denied")
    return path


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def fetch_children(kubectl: Kubectl, run: Selected, into: Path) -> list[Path]:
    """Every finished run of a matrix's run, one result file each (children not finished are
    named on stderr)."""
    selector = f"{MATRIX_LABEL}={label_value(run.name)},{RUN_LABEL}={run.run_id}"
    children = kubectl.within(run.namespace).benchmarks(selector)
    triples = []
    for child in children:
        annotations = child["metadata"].get("annotations") or {}
        cell = str(annotations.get(CELL_ANNOTATION, child["metadata"]["name"]))
        triples.append(
            (child["metadata"]["name"], cell, str(annotations.get(REPETITION_ANNOTATION, "1")))
        )
    files = cell_files(triples)
    into.mkdir(exist_ok=True)
    written = []
    for child in sorted(children, key=lambda c: str(c["metadata"]["name"])):
        selected = select_run(child)
        if not selected.config_map:
            print(
                f"kubectl-kobench: {selected.name}: no results (phase {selected.phase})",
                file=sys.stderr,
            )
            continue
        written.append(write(into / files[selected.name], document_of(kubectl, selected)))
    return written


def fetch(kubectl: Kubectl, name: str, out: Path, run_id: str | None = None) -> list[Path]:
    """Write the documents of ``name``'s run; the files written (none: no results yet)."""
    run = select_run(kubectl.benchmark(name), run_id)
    if not run.config_map:
        return []
    if not run.matrix:
        return [write(out / run_file(run.name, run.run_id), document_of(kubectl, run))]
    comparison = write(out / comparison_file(run.name, run.run_id), document_of(kubectl, run))
    return [comparison, *fetch_children(kubectl, run, out / runs_dir(run.name, run.run_id))]
