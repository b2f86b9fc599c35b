"""A matrix's runs as child benchmarks: one plain benchmark per (cell, repetition), made by the
operator one after another, owned by the matrix (deleting it deletes them).

A child is an ordinary resource: the same operator runs it through the same phases, with its
own results ConfigMap, Events and metrics. Its labels say which run of the matrix made it (so
``kubectl get kob -l kobench.io/matrix=NAME`` lists them); its annotations say which cell and
repetition it measures (the metrics label the cell from them).
"""

from __future__ import annotations

from kobench.api import API_VERSION, KIND
from kobench.api.matrix_spec import CellPlan
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.run.plan import CELL_ANNOTATION, MATRIX_LABEL, REPETITION_ANNOTATION
from kobench.run.pods.manifest_parts import Manifest, Owner, metadata
from kobench.run.pods.pod_names import RunNames, label_value

COMPARISON_KEY = "comparison.json"
MAX_COMPARISON_BYTES = 900_000
"""A ConfigMap holds at most 1 MiB; beyond this the pairs' figures are left out (the cells and
sweeps stay, and each run's result is in its own child's results ConfigMap)."""
LEFT_OUT = ("matrix", "baseline", "runNonce", "schedule", "suspend")
"""Keys of the matrix's spec a child does not take: it is one cell, run once (a scheduled
matrix runs all of its cells at each due time)."""


def child_benchmark(
    names: RunNames, owner: Owner, plan: CellPlan, step: int, repetition: int
) -> Manifest:
    """The benchmark that measures ``plan``'s cell once (repetition is 0-based)."""
    spec = {key: value for key, value in plan.spec.items() if key not in LEFT_OUT}
    meta = metadata(
        names.child(step),
        owner,
        {**names.labels("cell"), MATRIX_LABEL: label_value(owner.name)},
    )
    meta["annotations"] = {
        MATRIX_LABEL: owner.name,
        CELL_ANNOTATION: plan.id,
        REPETITION_ANNOTATION: str(repetition + 1),
    }
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec}


def comparison_config_map(names: RunNames, owner: Owner, comparison: MatrixComparison) -> Manifest:
    """The matrix's comparison document (its runs' documents stay in the children's)."""
    text = comparison.model_dump_json(by_alias=True)
    annotations = {"kobench.io/kind": "MatrixComparison"}
    if len(text) > MAX_COMPARISON_BYTES:
        text = comparison.model_copy(update={"pairs": []}).model_dump_json(by_alias=True)
        annotations["kobench.io/left-out"] = "pairs: the document would not fit in a ConfigMap"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            **metadata(names.results, owner, names.labels("results")),
            "annotations": annotations,
        },
        "data": {COMPARISON_KEY: text},
    }
