"""``kubectl kobench`` on the real cluster, through the real kubectl's plugin mechanism: ``run``
of the quickstart (shortened), ``get``, ``wait``, ``fetch`` of that run and of the seed claims'
matrix (shortened), then ``kobench report``, ``kobench compare`` and ``kobench export`` on the
fetched files, on this machine, without the cluster.

The matrix is the cluster tier's only one besides the one-lifecycle comparison's: Redis and
Valkey x two rates, once each (4 runs of 1 s, one replica, the observer on the primary), each
run a child benchmark, one at a time, then the comparison in the status (bounded) and in the
results ConfigMap (whole). The figures are not the point here, the way through is. The observer
mode axis expands like the engine axis, and the round-robin order of repetitions and the
statistics are the unit and engine tiers' (four repetitions and more).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from testkit.support import REPO, wait_for
from tests.cluster.e2e.bench import Installation, example, kobench, run, short_run, write_yaml

RATES = [100, 200]
MATRIX_RUNS = 2 * len(RATES)


@pytest.fixture(scope="module")
def plugin(installation: Installation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment in which ``kubectl kobench`` is this checkout's plugin: a
    ``kubectl-kobench`` (what pip's console script does) first on PATH, beside our kubectl."""
    bin_dir = tmp_path_factory.mktemp("plugin-bin")
    executable = bin_dir / "kubectl-kobench"
    executable.write_text(
        f"#!{sys.executable}\nimport sys\nfrom kobench.present.kubectl_plugin import main\n"
        "sys.exit(main())\n"
    )
    executable.chmod(0o755)
    kubectl_dir = installation.cluster.kubectl_path.parent
    return {
        **installation.cluster.env,
        "PATH": os.pathsep.join([str(bin_dir), str(kubectl_dir), os.environ["PATH"]]),
        "PYTHONPATH": os.pathsep.join([str(REPO / "operator"), str(REPO)]),
        # Both sides of a comparison are laid out alike: the same width, whatever the
        # environment pytest's own processes inherit.
        "COLUMNS": "100",
    }


def kubectl_kobench(
    env: dict[str, str], installation: Installation, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    kubectl = str(installation.cluster.kubectl_path)
    return run(
        [kubectl, "kobench", *args, "-n", installation.namespace],
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def quickstart(
    installation: Installation, plugin: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``kubectl kobench run`` of the quickstart on Redis, 200 writes/s for 3 s."""
    document = short_run(example("quickstart"), rate=200, seconds=3)
    file = write_yaml(document, tmp_path_factory.mktemp("quickstart") / "quickstart.yaml")
    return file, kubectl_kobench(plugin, installation, "run", str(file), "--timeout", "4m")


def test_kubectl_kobench_run_applies_waits_and_prints_the_table(
    installation: Installation, quickstart: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    _, done = quickstart
    assert done.returncode in (0, 1), done.stderr  # the verdict; 1: a threshold on a busy node
    assert "quickstart: Running" in done.stderr and "quickstart: Succeeded" in done.stderr
    assert "redis" in done.stdout and "sync" in done.stdout and "async" in done.stdout
    status = installation.benchmark("quickstart")["status"]
    assert status["phase"] == "Succeeded"
    assert status["runNonce"].startswith("kubectl-kobench-")
    assert done.returncode == {"Passed": 0, "Failed": 1}[status["verdict"]]


def test_get_and_wait_read_the_same_run(
    installation: Installation,
    plugin: dict[str, str],
    quickstart: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    listed = kubectl_kobench(plugin, installation, "get")
    assert listed.returncode == 0 and "quickstart" in listed.stdout, listed.stderr
    table = kubectl_kobench(plugin, installation, "get", "quickstart")
    assert table.stdout == quickstart[1].stdout
    waited = kubectl_kobench(plugin, installation, "wait", "quickstart", "--timeout", "30s")
    run_id = installation.benchmark("quickstart")["status"]["runId"]
    assert waited.stdout.startswith("quickstart: Succeeded, verdict ") and run_id in waited.stdout
    assert waited.returncode == quickstart[1].returncode


def test_fetch_of_a_run_is_read_by_report_and_export(
    installation: Installation,
    plugin: dict[str, str],
    quickstart: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    run_id = installation.benchmark("quickstart")["status"]["runId"]
    fetched = kubectl_kobench(plugin, installation, "fetch", "quickstart", "-o", str(tmp_path))
    assert fetched.returncode == 0, fetched.stderr
    file = tmp_path / f"quickstart-{run_id}.json"
    assert fetched.stdout.split() == [str(file)]
    report = kobench("report", str(file), env=plugin)
    assert report.returncode == quickstart[1].returncode, report.stderr
    assert report.stdout == quickstart[1].stdout  # the same table, now from a laptop's file
    memtier = kobench(
        "export", "--format", "memtier", str(file), "-o", str(tmp_path / "m.json"), env=plugin
    )
    assert memtier.returncode == 0, memtier.stderr
    totals = json.loads((tmp_path / "m.json").read_text())["ALL STATS"]["Totals"]
    assert totals["Count"] > 0 and totals["Percentile Latencies"]["p99.00"] > 0


def seed_claims_matrix() -> dict[str, Any]:
    """``examples/seed-claims-here.yaml``, shortened: Redis and Valkey x two rates, once each."""
    document = example("seed-claims-here")
    spec = document["spec"]
    spec["engine"]["replicas"] = 1  # one replica starts sooner; the observer reads the primary
    spec["observers"][0]["targetReplica"] = 0
    spec["workload"].update({"durationSeconds": 1, "warmupSeconds": 0})
    spec["timeouts"] = {"drainSeconds": 1}
    spec["cleanup"] = "Always"  # each child's pods go once it ended: the nodes stay free
    del spec["matrix"]["observerModes"]
    spec["matrix"].update({"rates": RATES, "repetitions": 1})
    return document


def compared_in_status(status: dict[str, Any]) -> None:
    """Every cell ran once, without loss, and its pairs and sweeps are compared."""
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status["reasons"]
    assert status["progress"] == f"{MATRIX_RUNS}/{MATRIX_RUNS}"
    matrix = status["matrix"]
    assert matrix["runs"] == matrix["done"] == MATRIX_RUNS
    assert [c["runs"] for c in matrix["cells"]] == [1] * MATRIX_RUNS
    assert all(c["lossPercent"] == 0 for c in matrix["cells"]), matrix["cells"]
    # Pairs that differ on one axis: engine (one per rate), rate (one per engine).
    axes = sorted(p["axis"] for p in matrix["pairs"])
    assert axes == ["engine", "engine", "rate", "rate"], matrix["pairs"]
    assert all(
        p["p99"] in ("Better", "Worse", "NoDifference", "Inconclusive") for p in matrix["pairs"]
    )
    assert len(matrix["sweeps"]) == 2 and f"{MATRIX_RUNS} runs compared" in matrix["headline"]


def children_ran_one_at_a_time(installation: Installation, name: str) -> str:
    """Each cell's run is a child benchmark that started after the one before it finished;
    the first child's name."""
    children = installation.get("kob", "-l", f"kobench.io/matrix={name}")["items"]
    assert len(children) == MATRIX_RUNS
    cells = {c["metadata"]["annotations"]["kobench.io/cell"] for c in children}
    assert len(cells) == MATRIX_RUNS
    assert all(c["status"]["phase"] == "Succeeded" for c in children)
    ordered = sorted(children, key=lambda c: c["metadata"]["name"])
    for before, after in itertools.pairwise(ordered):
        assert before["status"]["finishedAt"] <= after["status"]["startedAt"], (before, after)
    first: str = ordered[0]["metadata"]["name"]
    return first


def fetched_files_are_read(
    env: dict[str, str], installation: Installation, name: str, out: Path, table: str
) -> None:
    """``fetch`` writes the comparison and each run's document; the comparison shows the same
    tables, and ``compare`` and ``report`` read the runs."""
    run_id = installation.benchmark(name)["status"]["runId"]
    fetched = kubectl_kobench(env, installation, "fetch", name, "-o", str(out))
    assert fetched.returncode == 0, fetched.stderr
    runs = out / f"{name}-{run_id}"
    assert sorted(p.name for p in runs.iterdir()) == [
        f"engine-{engine}-rate-{rate}.rep1.json" for engine in ("redis", "valkey") for rate in RATES
    ]
    comparison = out / f"{name}-{run_id}.comparison.json"
    shown = kobench("compare", str(comparison), env=env)
    assert shown.returncode == 0 and shown.stdout == table, shown.stderr
    order = json.loads(comparison.read_text())["order"]
    assert len(order) == len(set(order)) == MATRIX_RUNS
    pair = kobench(
        "compare",
        "-a",
        str(runs / f"engine-redis-rate-{RATES[0]}.rep1.json"),
        "-b",
        str(runs / f"engine-valkey-rate-{RATES[0]}.rep1.json"),
    )
    assert pair.returncode == 0, pair.stderr
    report = kobench("report", *map(str, sorted(runs.glob("*.json"))), env=env)
    assert report.returncode in (0, 1), report.stderr
    assert report.stdout.count("valkey") >= 2


@pytest.mark.timeout(60 * 10)
def test_a_matrix_runs_its_cells_one_at_a_time_and_is_fetched_compared_and_reported(
    installation: Installation, plugin: dict[str, str], tmp_path: Path
) -> None:
    document = seed_claims_matrix()
    name = document["metadata"]["name"]
    file = write_yaml(document, tmp_path / "matrix.yaml")
    done = kubectl_kobench(plugin, installation, "run", str(file), "--timeout", "8m", timeout=540)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"{name}: RunningCells \d/{MATRIX_RUNS} ", done.stderr), done.stderr
    assert "engine=valkey" in done.stdout  # the matrix's tables
    print(f"matrix: {done.stdout}")
    status = installation.benchmark(name)["status"]
    compared_in_status(status)
    comparison = json.loads(
        installation.get("configmap", status["resultsConfigMap"])["data"]["comparison.json"]
    )
    assert comparison["kind"] == "MatrixComparison" and len(comparison["order"]) == MATRIX_RUNS
    first = children_ran_one_at_a_time(installation, name)

    metrics = installation.metrics()
    wanted = {
        f'namespace="{installation.namespace}"',
        f'benchmark="{first}"',
        f'matrix="{name}"',
        'repetition="1"',
    }
    info = [line for line in metrics.splitlines() if line.startswith("kobench_run_cell_info{")]
    mine = [line for line in info if all(label in line for label in wanted)]
    assert len(mine) == 1 and 'cell="engine=redis,' in mine[0], info[:5]

    out = tmp_path / "fetched"
    out.mkdir()
    fetched_files_are_read(plugin, installation, name, out, done.stdout)

    # Deleting the matrix deletes its children (they are owned by it).
    installation.kubectl("delete", "kob", name, "-n", installation.namespace, "--wait=true")
    wait_for(
        "the matrix's children to be deleted",
        lambda: not installation.get("kob", "-l", f"kobench.io/matrix={name}")["items"],
        timeout=120,
        every=1,
    )
