"""``examples/seed-claims-here.yaml`` applied to the real cluster: Redis and Valkey x sync and
async x two rates, every cell twice, each run a child benchmark of the matrix, one at a time;
then the comparison in the status (bounded) and in the results ConfigMap (whole).

The runs are shortened (one replica, one second of writes each, 100-200 writes/s, two
repetitions: 16 runs) so that they fit in the cluster tier's time; the figures are not the point
here, the way through is (every axis, the sweeps, the order, one child at a time). The statistics
themselves are tested with four repetitions and more in the unit and engine tiers."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
import yaml
from testkit.support import REPO, wait_for
from tests.cluster.e2e.bench import Installation

EXAMPLE = REPO / "examples" / "seed-claims-here.yaml"
RATES = [100, 200]
CELLS = 2 * 2 * len(RATES)
REPETITIONS = 2
RUNS = CELLS * REPETITIONS


def shortened() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    spec = document["spec"]
    spec["engine"]["replicas"] = 1  # one replica starts sooner; the observer reads the primary
    spec["observers"][0]["targetReplica"] = 0
    spec["workload"].update({"durationSeconds": 1, "warmupSeconds": 0})
    spec["timeouts"] = {"drainSeconds": 1}
    spec["cleanup"] = "Always"  # each child's pods go once it ended: the nodes stay free
    spec["matrix"].update({"rates": RATES, "repetitions": REPETITIONS})
    return document


@pytest.mark.timeout(60 * 12)
def test_a_matrix_runs_its_cells_as_children_and_compares_them(
    installation: Installation, record_timing: Any
) -> None:
    document = shortened()
    name = document["metadata"]["name"]
    clock = installation.apply(document)
    running = installation.wait_phase(clock, ("RunningCells",), timeout=60)
    assert re.fullmatch(rf"\d+/{RUNS}", running["status"]["progress"]), running["status"]
    body = installation.finish(clock, timeout=60 * 10)
    durations = clock.durations()
    record_timing(f"{name} ({RUNS} runs)", durations)
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status["reasons"]
    assert status["progress"] == f"{RUNS}/{RUNS}"
    matrix = status["matrix"]
    assert matrix["runs"] == matrix["done"] == RUNS
    assert [c["runs"] for c in matrix["cells"]] == [REPETITIONS] * CELLS
    assert all(c["lossPercent"] == 0 for c in matrix["cells"]), matrix["cells"]
    # Pairs that differ on one axis: engine (4), observer mode (4), rate (1 per group of 4).
    axes = [p["axis"] for p in matrix["pairs"]]
    assert sorted(set(axes)) == ["engine", "observerMode", "rate"] and len(axes) == 12
    assert all(
        p["p99"] in ("Better", "Worse", "NoDifference", "Inconclusive") for p in matrix["pairs"]
    )
    assert len(matrix["sweeps"]) == 4 and f"{RUNS} runs compared" in matrix["headline"]
    print(f"matrix headline: {matrix['headline']}")

    comparison = json.loads(
        installation.get("configmap", status["resultsConfigMap"])["data"]["comparison.json"]
    )
    assert comparison["kind"] == "MatrixComparison" and len(comparison["order"]) == RUNS
    # Round-robin: every cell once before any cell a second time.
    assert len(set(comparison["order"][:CELLS])) == CELLS

    children = installation.get("kob", "-l", f"kobench.io/matrix={name}")["items"]
    assert len(children) == RUNS
    cells = {c["metadata"]["annotations"]["kobench.io/cell"] for c in children}
    assert len(cells) == CELLS
    assert all(c["status"]["phase"] == "Succeeded" for c in children)
    # Only one child ran at a time: each started after the one before it finished.
    ordered = sorted(children, key=lambda c: c["metadata"]["name"])
    for before, after in itertools.pairwise(ordered):
        assert before["status"]["finishedAt"] <= after["status"]["startedAt"], (before, after)

    metrics = installation.metrics()
    child = ordered[0]["metadata"]["name"]
    wanted = {
        f'namespace="{installation.namespace}"',
        f'benchmark="{child}"',
        f'matrix="{name}"',
        'repetition="1"',
    }
    info = [line for line in metrics.splitlines() if line.startswith("kobench_run_cell_info{")]
    mine = [line for line in info if all(label in line for label in wanted)]
    assert len(mine) == 1 and 'cell="engine=redis,' in mine[0], info[:5]

    # Deleting the matrix deletes its children (they are owned by it).
    installation.kubectl("delete", "kob", name, "-n", installation.namespace, "--wait=true")
    wait_for(
        "the matrix's children to be deleted",
        lambda: not installation.get("kob", "-l", f"kobench.io/matrix={name}")["items"],
        timeout=120,
        every=1,
    )
