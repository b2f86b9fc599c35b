"""``kobench compare`` on result files: tables, documents, and plain answers to bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from testkit.support import REPO
from tests.unit.compare.runs import resource, run

from kobench.measure.results import RunResult
from kobench.present.cli import main, server_binaries


def write_runs(folder: Path, results: list[RunResult]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, result in enumerate(results):
        path = folder / f"run-{i}.json"
        path.write_text(result.model_dump_json(by_alias=True))
        paths.append(str(path))
    return paths


@pytest.fixture
def sides(tmp_path: Path) -> tuple[list[str], list[str]]:
    baseline = write_runs(tmp_path / "a", [run(1.0 + i / 20) for i in range(4)])
    candidate = write_runs(tmp_path / "b", [run(5.0 + i / 20) for i in range(4)])
    return baseline, candidate


def test_a_table_per_figure_with_the_verdict(
    sides: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate = sides
    assert main(["compare", "--baseline", *baseline, "--candidate", *candidate]) == 0
    out = capsys.readouterr().out
    p50 = next(line for line in out.splitlines() if " p50 " in line)
    assert p50.split()[:3] == ["sync", "p50", "4/4"]
    assert p50.split()[-1] == "Worse"
    assert "+4" in p50


def test_directories_stand_for_their_json_files_and_json_is_the_document(
    tmp_path: Path, sides: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "comparison.json"
    sources = ["-a", str(tmp_path / "a"), "-b", str(tmp_path / "b")]
    code = main(["compare", *sources, "--json", "-o", str(output)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(output.read_text())
    assert printed["kind"] == "Comparison"
    assert len(printed["baseline"]["runs"]) == 4
    # the document is shown again as a table
    assert main(["compare", str(output)]) == 0
    assert "Worse" in capsys.readouterr().out


def test_fail_on_worse_sets_the_exit_status(
    sides: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate = sides
    assert main(["compare", "-a", *baseline, "-b", *candidate, "--fail-on-worse"]) == 1
    assert main(["compare", "-a", *candidate, "-b", *baseline, "--fail-on-worse"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"runId": 3}', "not a kobench result document"),
        (b"\xff\xfe\x00binary", "not a text file"),
    ],
)
def test_a_bad_file_exits_2_naming_it(
    tmp_path: Path,
    sides: tuple[list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    words: str,
) -> None:
    bad = tmp_path / "bad.json"
    if isinstance(content, str):
        bad.write_text(content)
    elif isinstance(content, bytes):
        bad.write_bytes(content)
    baseline, _ = sides
    assert main(["compare", "-a", *baseline, "-b", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: {words}" in err
    assert "Traceback" not in err


def test_sides_that_measured_other_observers_are_told_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = write_runs(tmp_path / "a", [run(1.0, observers=("sync",))])
    candidate = write_runs(tmp_path / "b", [run(1.0, observers=("fast", "slow"))])
    assert main(["compare", "-a", *baseline, "-b", *candidate]) == 2
    assert "different observers: baseline sync; candidate fast, slow" in capsys.readouterr().err


def test_a_side_mixing_benchmarks_names_the_odd_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = write_runs(tmp_path / "a", [run(1.0), run(1.0, engine="valkey")])
    candidate = write_runs(tmp_path / "b", [run(1.0)])
    assert main(["compare", "-a", *baseline, "-b", *candidate]) == 2
    err = capsys.readouterr().err
    assert f"{baseline[1]} measured engine valkey" in err


def test_usage_mistakes_exit_2(
    tmp_path: Path, sides: tuple[list[str], list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate = sides
    assert main(["compare", "-a", *baseline]) == 2
    assert "--candidate: missing" in capsys.readouterr().err
    assert main(["compare", baseline[0]]) == 2
    assert "not a comparison document" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["compare", "-a", str(empty), "-b", *candidate]) == 2
    assert "holds no *.json" in capsys.readouterr().err


def test_server_binaries_are_one_for_all_or_one_per_engine() -> None:
    assert server_binaries(["/usr/bin/redis-server"]) == {"": "/usr/bin/redis-server"}
    assert server_binaries(["keydb=/opt/keydb-server", "/usr/bin/x"]) == {
        "keydb": "/opt/keydb-server",
        "": "/usr/bin/x",
    }
    assert server_binaries(["/opt/a=b/server"]) == {"": "/opt/a=b/server"}


def test_a_matrix_run_refuses_an_unwritable_page_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.yaml"
    spec = {"engine": {"type": "redis"}, "matrix": {"rates": [1]}}
    path.write_text(yaml.safe_dump(resource(spec)))
    page = tmp_path / "missing" / "r.html"
    # /bin/false as the server: had a run started, it would have failed otherwise.
    assert main(["run", str(path), "--html", str(page), "-q", "--server-binary", "/bin/false"]) == 2
    assert f"--html {page}: directory {page.parent} does not exist" in capsys.readouterr().err


def test_without_scipy_the_answer_says_how_to_install_it(
    sides: tuple[list[str], list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # import scipy.stats fails
    baseline, candidate = sides
    assert main(["compare", "-a", *baseline, "-b", *candidate]) == 1
    # The tests run from this checkout: the hint keeps its editable install.
    assert f"pip install -e '.[compare]' (in {REPO})" in capsys.readouterr().err
