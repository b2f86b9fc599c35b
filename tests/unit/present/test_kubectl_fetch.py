"""``kubectl kobench fetch``: the files it writes, and ``kobench report`` and ``kobench compare``
reading them back, with a stand-in ``kubectl`` (kubectl_standin.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.unit.compare.runs import run
from tests.unit.present.kubectl_standin import StandinKubectl, results_map
from tests.unit.report.documents import run_result

from kobench.api.matrix_spec import CellPlan
from kobench.measure.compare.cell_comparison import matrix_comparison
from kobench.present import cli
from kobench.present.kubectl_client import RESOURCE
from kobench.present.kubectl_fetch import cell_files, comparison_file, run_file, runs_dir
from kobench.present.kubectl_plugin import main


@pytest.fixture
def kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandinKubectl:
    standin = StandinKubectl(tmp_path)
    for key, value in standin.env.items():
        monkeypatch.setenv(key, value)
    return standin


def test_file_names_read_as_what_they_hold() -> None:
    assert run_file("quickstart", "0a1b2c3d4e") == "quickstart-0a1b2c3d4e.json"
    assert comparison_file("m", "r1") == "m-r1.comparison.json"
    assert runs_dir("m", "r1") == "m-r1"
    files = cell_files(
        [
            ("m-1-001", "engine=redis,rate=100", "1"),
            ("m-1-002", "engine=redis,rate=100", "2"),
            ("m-1-003", "engine=valkey/8.0,rate=100", "1"),
            ("m-1-004", "engine=valkey 8.0,rate=100", "1"),  # the same name once made safe
        ]
    )
    assert files == {
        "m-1-001": "engine-redis-rate-100.rep1.json",
        "m-1-002": "engine-redis-rate-100.rep2.json",
        "m-1-003": "engine-valkey-8.0-rate-100.rep1.m-1-003.json",
        "m-1-004": "engine-valkey-8.0-rate-100.rep1.m-1-004.json",
    }


def matrix(kubectl: StandinKubectl) -> None:
    """Matrix ``m`` (run ``r9``): two cells x two repetitions, each a child with its results."""
    plans = [CellPlan(id=f"engine={e}", values={"engine": e}, spec={}) for e in ("redis", "valkey")]
    order = [(0, 0), (1, 0), (0, 1), (1, 1)]
    outcomes = [
        run(1.0 + i / 10, engine=plans[c].values["engine"]) for i, (c, _) in enumerate(order)
    ]
    comparison = matrix_comparison("m", 2, plans, order, outcomes, keep_runs=False)
    kubectl.add(RESOURCE, {"metadata": {"name": "m"}, "spec": {"matrix": {"engines": ["redis"]}}})
    kubectl.statuses(
        "m", {"phase": "Succeeded", "verdict": "Passed", "runId": "r9", "resultsConfigMap": "m-cmp"}
    )
    kubectl.add(
        "configmap",
        results_map("m-cmp", "comparison.json", comparison.model_dump_json(by_alias=True)),
    )
    for step, ((cell, rep), outcome) in enumerate(zip(order, outcomes, strict=True)):
        child = f"m-r9-00{step + 1}"
        labels = {"kobench.io/matrix": "m", "kobench.io/run-id": "r9"}
        annotations = {"kobench.io/cell": plans[cell].id, "kobench.io/repetition": str(rep + 1)}
        kubectl.add(
            RESOURCE,
            {"metadata": {"name": child, "labels": labels, "annotations": annotations}, "spec": {}},
        )
        kubectl.statuses(
            child,
            {"phase": "Succeeded", "runId": f"c{step}", "resultsConfigMap": f"{child}-results"},
        )
        kubectl.add(
            "configmap",
            results_map(f"{child}-results", "result.json", outcome.model_dump_json(by_alias=True)),
        )


def test_fetch_writes_files_that_report_and_compare_read(
    kubectl: StandinKubectl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kubectl.add(RESOURCE, {"metadata": {"name": "q"}, "spec": {}})
    kubectl.statuses("q", {"phase": "Succeeded", "runId": "0a1b", "resultsConfigMap": "q-results"})
    kubectl.add(
        "configmap",
        results_map("q-results", "result.json", run_result().model_dump_json(by_alias=True)),
    )
    matrix(kubectl)
    out = tmp_path / "fetched"
    out.mkdir()

    assert main(["fetch", "q", "-o", str(out)]) == 0
    assert main(["fetch", "m", "-o", str(out)]) == 0

    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.json")) == [
        "m-r9.comparison.json",
        "m-r9/engine-redis.rep1.json",
        "m-r9/engine-redis.rep2.json",
        "m-r9/engine-valkey.rep1.json",
        "m-r9/engine-valkey.rep2.json",
        "q-0a1b.json",
    ]
    capsys.readouterr()
    assert cli.main(["report", str(out / "q-0a1b.json")]) == 1  # its verdict, Failed
    assert "Failed known (run r1)" in capsys.readouterr().out
    assert cli.main(["compare", str(out / "m-r9.comparison.json")]) == 0
    assert "engine=valkey" in capsys.readouterr().out
    runs = out / "m-r9"
    assert (
        cli.main(
            [
                "compare",
                "-a",
                *map(str, runs.glob("engine-redis.*")),
                "-b",
                *map(str, runs.glob("engine-valkey.*")),
            ]
        )
        == 0
    )
    assert json.loads((runs / "engine-valkey.rep2.json").read_text())["engine"]["type"] == "valkey"


def test_fetch_says_what_it_cannot_fetch(
    kubectl: StandinKubectl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    kubectl.add(RESOURCE, {"metadata": {"name": "q"}, "spec": {}})
    history = [{"runId": "aaa", "phase": "Succeeded", "resultsConfigMap": "q-aaa"}]
    kubectl.statuses("q", {"phase": "Running", "runId": "bbb", "history": history})
    assert main(["fetch", "q", "-o", str(out)]) == 4
    assert "q: no results yet" in capsys.readouterr().err
    assert main(["fetch", "q", "--run", "ccc", "-o", str(out)]) == 2
    assert "--run ccc: not in the history of default/q (aaa)" in capsys.readouterr().err
    assert main(["fetch", "q", "--run", "aaa", "-o", str(out)]) == 5  # its ConfigMap is gone
    assert 'configmaps "q-aaa" not found' in capsys.readouterr().err
    assert list(out.iterdir()) == []
