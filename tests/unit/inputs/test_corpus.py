"""Every hostile input gets a clear answer: the exit code, the field named, no traceback, no hang.

The whole corpus goes through the validation entry point in-process (fast); every file-level
case and a share of the resource cases also go through ``kobench validate`` as a real
subprocess, where a traceback, a wrong exit code or a hang would show.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from testkit.corpus.corpus import CASES, FILE_CASES, Case
from testkit.doc_blocks import blocks
from testkit.support import REPO

from kobench.errors import InputError, SpecError, SpecErrors
from kobench.plugins.checks import load_checked

SUBPROCESS_SHARE = 6
"""Every 6th resource case (and every file-level case) also runs as a subprocess; not a case
that names a baseline file, which ``kobench validate`` reads as well (tests/unit/compare/
test_baseline.py): the corpus checks the resource alone."""
SUBPROCESS_CASES = (
    FILE_CASES
    + [c for c in CASES if c not in FILE_CASES and b"resultFile" not in c.content()][
        ::SUBPROCESS_SHARE
    ]
)


def write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"{case.id}.yaml"
    path.write_bytes(case.content())
    return path


def answer(path: Path) -> tuple[int, list[tuple[str, str]]]:
    """(exit code, [(field, message)]) as the entry point gives them."""
    try:
        load_checked(path)
    except SpecErrors as exc:
        return 2, [(e.field, e.message) for e in exc.errors]
    except SpecError as exc:
        return 2, [(exc.field, exc.message)]
    except InputError as exc:
        return 2, [("", str(exc))]
    return 0, []


def test_the_corpus_is_large_and_hostile() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.code == 2 for c in CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_entry_point_answers_every_case(tmp_path: Path, case: Case) -> None:
    started = time.monotonic()
    code, problems = answer(write(tmp_path, case))
    assert time.monotonic() - started < 10, "far too slow for one file"
    assert code == case.code, problems
    if case.code == 0:
        return
    named = [m for f, m in problems if f == case.field]
    assert named, f"no message names {case.field!r}: {problems}"
    assert any(case.words in m for m in named), f"{case.words!r} not in {named}"
    for _, message in problems:
        assert "^" not in message and "[a-z" not in message, f"a regular expression: {message}"


def kobench(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kobench", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


def expect_clear(result: subprocess.CompletedProcess[bytes], code: int, *words: str) -> str:
    stderr = result.stderr.decode(errors="replace")
    assert "Traceback" not in stderr, stderr
    assert result.returncode == code, stderr
    for word in words:
        assert word in stderr, stderr
    return stderr


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.id for c in SUBPROCESS_CASES])
def test_kobench_validate_answers_as_a_subprocess(tmp_path: Path, case: Case) -> None:
    result = kobench("validate", str(write(tmp_path, case)))
    if case.code == 0:
        expect_clear(result, 0)
        assert b"valid KeyDBObserverBenchmark" in result.stdout
        return
    words = [case.words] if case.words else []
    stderr = expect_clear(result, 2, *words)
    if case.field:
        assert f"{case.field}:" in stderr


def test_standard_input_is_read_with_dash() -> None:
    valid = next(c for c in CASES if c.id == "json").content()
    assert kobench("validate", "-", stdin=valid).returncode == 0
    bomb = next(c for c in CASES if c.id == "alias-bomb").content()
    expect_clear(kobench("validate", "-", stdin=bomb), 2, "standard input", "expands")
    expect_clear(kobench("validate", "-", stdin=b""), 2, "standard input: is empty")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_files_that_cannot_be_read_are_named(tmp_path: Path, command: str) -> None:
    expect_clear(kobench(command, str(tmp_path / "missing.yaml")), 2, "no such file")
    expect_clear(kobench(command, str(tmp_path)), 2, "is a directory")
    expect_clear(kobench(command, "/dev/zero"), 2, "/dev/zero", "larger than")
    unreadable = tmp_path / "secret.yaml"
    unreadable.write_text("x: 1\n")
    unreadable.chmod(0)
    if os.geteuid() != 0:  # root reads anything
        expect_clear(kobench(command, str(unreadable)), 2, "permission denied")


def test_run_refuses_a_bad_file_before_starting_anything(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "rate-true")
    result = kobench("run", str(write(tmp_path, case)), "--server-binary", "/bin/false")
    expect_clear(result, 2, "spec.workload.rate: must be an integer, not true (a boolean)")
    assert b"engine replica" not in result.stderr


def test_run_checks_its_output_path_before_the_run(tmp_path: Path) -> None:
    valid = write(tmp_path, next(c for c in CASES if c.id == "json"))
    for output, words in (
        (tmp_path / "no" / "such" / "dir.json", "does not exist"),
        (tmp_path, "is a directory"),
    ):
        started = time.monotonic()
        result = kobench("run", str(valid), "-o", str(output), "--server-binary", "/bin/false")
        expect_clear(result, 2, f"--output {output}", words)
        assert time.monotonic() - started < 30


def test_a_broken_pipe_is_quiet() -> None:
    for command in (["reference"], ["crd"], ["result-schema"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "kobench", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # the reader goes away, as `| head -c 10` does
        stderr = process.stderr.read().decode()
        process.wait(timeout=60)
        assert stderr == "", stderr


def test_reference_docs_needs_a_directory(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text("# a file, not the reference folder\n")
    expect_clear(kobench("reference", "--docs", str(page)), 2, "not a directory")
    expect_clear(kobench("reference", "--docs", str(tmp_path / "nope")), 2, "nope")


def test_report_without_a_kubeconfig_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kobench", "report", "bench"],
        capture_output=True,
        timeout=60,
        env={**os.environ, "KUBECONFIG": str(tmp_path / "none"), "HOME": str(tmp_path)},
        check=False,
    )
    expect_clear(result, 5, "Kubernetes configuration")


def test_a_role_with_a_bad_configuration_says_so(tmp_path: Path) -> None:
    config = tmp_path / "run.json"
    expect_clear(kobench("role", "writer", "--config", str(config)), 1, "No such file")
    config.write_text("{not json")
    expect_clear(kobench("role", "writer", "--config", str(config)), 2, "not valid JSON")
    config.write_text('{"runId": "a b", "spec": {}, "endpoints": []}')
    expect_clear(
        kobench("role", "observer", "--config", str(config), "--observer", "sync"),
        2,
        "runId",
        "endpoints",
    )


def test_the_docs_error_example_is_what_kobench_prints(tmp_path: Path) -> None:
    """docs/getting-started/local.md shows a file with two mistakes and kobench's answer."""
    page = REPO / "docs" / "getting-started" / "local.md"
    made = next(b for b in blocks(page) if "cat > bad.yaml" in b.body).body
    bad = yaml.safe_load(made.split("\n", 1)[1].rsplit("EOF", 1)[0])
    answer = next(s for b in blocks(page) for s in b.steps() if "validate bad.yaml" in s.command)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = kobench("validate", str(path))
    assert answer.shown[-1] == f"exit status {result.returncode}"
    assert expect_clear(result, 2) == "\n".join(answer.shown[:-1]) + "\n"


def test_every_allowed_difference_says_why() -> None:
    allowed: list[Case] = [c for c in CASES if c.api_server is not None]
    assert allowed, "the corpus documents its differences"
    assert all(len(c.api_server or "") > 20 for c in allowed)
