"""Every hostile result document gets one line naming the file, whichever command reads it:
``kobench compare`` and a baseline (exit status 2, before anything runs), ``kobench report``
(exit status 2 too: an unreadable source is not a Failed run). No traceback, no hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from tests.unit.hostile.hostile_documents import BASELINE_ONLY, DOCUMENTS, VALID, Doc, result

from kobench.present.cli import main

COMMANDS = ("compare", "report", "baseline")


def good_runs(folder: Path, prefix: str, p50: float, count: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i}.json"
        document = result(p50 + i / 100, run_id=f"{prefix}-00000{i}")
        path.write_text(document.model_dump_json(by_alias=True))
        paths.append(str(path))
    return paths


def bench_holding_to(tmp_path: Path, baseline: Path) -> Path:
    document = {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": "held"},
        "spec": {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": 100, "durationSeconds": 1},
            "observers": [{"name": "sync", "mode": "sync"}],
            "baseline": {"resultFile": str(baseline), "p99Ratio": 1.3, "maxMissedIncrease": 0},
        },
    }
    path = tmp_path / "held.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def answer(command: str, path: Path, tmp_path: Path) -> list[str]:
    """The arguments of a command that reads ``path``."""
    if command == "compare":
        others = good_runs(tmp_path / "a", "a", 1.0, 3)
        candidate = good_runs(tmp_path / "b", "b", 2.0, 4)
        return ["compare", "-a", str(path), *others, "-b", *candidate]
    if command == "report":
        return ["report", str(path)]
    return ["validate", str(bench_holding_to(tmp_path, path))]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", DOCUMENTS, ids=[c.id for c in DOCUMENTS])
def test_a_hostile_document_gets_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Doc, command: str
) -> None:
    path = tmp_path / f"{case.id}.json"
    path.write_bytes(case.content())
    started = time.monotonic()
    status = main(answer(command, path, tmp_path))
    assert time.monotonic() - started < 10, "far too slow for one file"
    out, err = capsys.readouterr()
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    prefix = "kobench: spec.baseline.resultFile: " if command == "baseline" else "kobench: "
    assert lines[0].startswith(f"{prefix}{path}: "), err
    words = case.report_words if command == "report" and case.report_words else case.words
    assert words in lines[0], err
    assert out == ""


def test_the_corpus_is_large_and_distinct() -> None:
    cases = DOCUMENTS + BASELINE_ONLY
    assert len({c.id for c in cases}) == len(cases)
    assert len(DOCUMENTS) * len(COMMANDS) + len(BASELINE_ONLY) * 2 >= 150


@pytest.mark.parametrize("case", BASELINE_ONLY, ids=[c.id for c in BASELINE_ONLY])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_baseline_that_cannot_gate_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Doc, command: str
) -> None:
    # Before: NaN, negative or missing figures switched the gate off, and the run Passed.
    path = tmp_path / "last-good.json"
    path.write_bytes(case.content())
    bench = bench_holding_to(tmp_path, path)
    # /bin/false as the server: had the run started, it would have failed otherwise.
    run = ["run", str(bench), "-q", "--server-binary", "/bin/false"]
    args = ["validate", str(bench)] if command == "validate" else run
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"spec.baseline.resultFile: {path}: cannot be held to: " in err
    assert case.words in err
    assert "engine" not in err


def test_the_valid_document_is_read_by_all_three(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "good.json"
    path.write_text(result(1.0, run_id="good-999999").model_dump_json(by_alias=True))
    assert VALID["observers"][0]["name"] == "sync"
    assert main(answer("compare", path, tmp_path)) == 0
    assert main(answer("report", path, tmp_path)) == 0
    assert main(answer("baseline", path, tmp_path)) == 0
    assert "valid KeyDBObserverBenchmark held" in capsys.readouterr().out
