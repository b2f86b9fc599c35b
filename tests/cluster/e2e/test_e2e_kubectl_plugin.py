"""``kubectl kobench`` on the real cluster, through the real kubectl's plugin mechanism: ``run``
of the quickstart (shortened), ``get``, ``wait``, ``fetch`` of that run and of a small matrix,
then ``kobench report``, ``kobench compare`` and ``kobench export`` on the fetched files, on
this machine, without the cluster.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from testkit.support import REPO
from tests.cluster.e2e.bench import Installation, example, kobench, run, short_run, write_yaml

MATRIX_RUNS = 4


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


def small_matrix() -> dict[str, Any]:
    """Redis against Valkey, twice each, one observer, 1 s of writes per run."""
    document = short_run(example("quickstart"), name="kubectl-matrix", rate=100, seconds=1)
    spec = document["spec"]
    spec["observers"] = [{"name": "sync", "mode": "sync"}]
    spec["timeouts"] = {"drainSeconds": 1}
    spec["cleanup"] = "Always"
    spec["thresholds"] = {"allowSaturation": True}
    spec["matrix"] = {"repetitions": 2, "engines": [{"type": "redis"}, {"type": "valkey"}]}
    return document


@pytest.mark.timeout(60 * 10)
def test_fetch_of_a_matrix_is_read_by_compare_and_report(
    installation: Installation, plugin: dict[str, str], tmp_path: Path
) -> None:
    file = write_yaml(small_matrix(), tmp_path / "matrix.yaml")
    done = kubectl_kobench(plugin, installation, "run", str(file), "--timeout", "8m", timeout=540)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"kubectl-matrix: RunningCells \d/{MATRIX_RUNS} ", done.stderr), done.stderr
    assert "engine=valkey" in done.stdout  # the matrix's tables
    run_id = installation.benchmark("kubectl-matrix")["status"]["runId"]
    out = tmp_path / "fetched"
    out.mkdir()
    fetched = kubectl_kobench(plugin, installation, "fetch", "kubectl-matrix", "-o", str(out))
    assert fetched.returncode == 0, fetched.stderr
    runs = out / f"kubectl-matrix-{run_id}"
    assert sorted(p.name for p in runs.iterdir()) == [
        "engine-redis.rep1.json",
        "engine-redis.rep2.json",
        "engine-valkey.rep1.json",
        "engine-valkey.rep2.json",
    ]
    shown = kobench("compare", str(out / f"kubectl-matrix-{run_id}.comparison.json"), env=plugin)
    assert shown.returncode == 0 and shown.stdout == done.stdout, shown.stderr
    pair = kobench(
        "compare",
        "-a",
        *map(str, sorted(runs.glob("engine-redis.*"))),
        "-b",
        *map(str, sorted(runs.glob("engine-valkey.*"))),
    )
    assert pair.returncode == 0, pair.stderr
    report = kobench("report", *map(str, sorted(runs.glob("*.json"))), env=plugin)
    assert report.returncode in (0, 1), report.stderr
    assert report.stdout.count("valkey") >= 2
    children = installation.get("kob", "-l", "kobench.io/matrix=kubectl-matrix")["items"]
    assert len(children) == MATRIX_RUNS
