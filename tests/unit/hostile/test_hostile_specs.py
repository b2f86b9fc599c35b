"""Hostile benchmark files for matrices, baselines and fault schedules, and plugin names of the
wrong case: each answer names the field, wrong-case names get "did you mean", and a file with
several problems gets all of them in one answer. In this process, a share as `kobench validate`
subprocesses (where a traceback or a hang would show)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.unit.hostile.hostile_specs import BASE, MULTI, SPECS, Spec, document

from kobench.errors import SpecErrors
from kobench.plugins.checks import check_benchmark, load_checked
from kobench.present.cli import main

SUBPROCESS_SHARE = 5


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    try:
        load_checked(path)
    except SpecErrors as exc:
        return [(e.field, e.message) for e in exc.errors]
    return []


def test_the_corpus_is_distinct_and_valid_at_its_base() -> None:
    assert len({c.id for c in SPECS}) == len(SPECS) >= 70
    check_benchmark(BASE)


@pytest.mark.parametrize("case", SPECS, ids=[c.id for c in SPECS])
def test_each_file_is_refused_naming_its_field(tmp_path: Path, case: Spec) -> None:
    found = problems(write(tmp_path, case.id, document(case.changes)))
    named = [m for f, m in found if f == case.field]
    assert named, f"no message names {case.field!r}: {found}"
    assert any(case.words in m for m in named), f"{case.words!r} not in {named}"
    for _, message in found:
        assert "^" not in message and "[a-z" not in message, f"a regular expression: {message}"


SHARE = SPECS[::SUBPROCESS_SHARE]


@pytest.mark.parametrize("case", SHARE, ids=[c.id for c in SHARE])
def test_kobench_validate_answers_as_a_subprocess(tmp_path: Path, case: Spec) -> None:
    path = write(tmp_path, case.id, document(case.changes))
    result = subprocess.run(
        [sys.executable, "-m", "kobench", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert f"{case.field}: " in result.stderr and case.words in result.stderr


@pytest.mark.parametrize("name", sorted(MULTI))
def test_every_problem_of_a_file_is_told_in_one_answer(tmp_path: Path, name: str) -> None:
    changes, fields = MULTI[name]
    found = problems(write(tmp_path, name, document(changes)))
    assert sorted(f for f, _ in found) == sorted(fields), found
    assert len(found) == len({(f, m) for f, m in found}), "a problem told twice"


@pytest.mark.parametrize(
    ("engine", "meant"), [("Valkey", "valkey"), ("KEYDB", "keydb"), ("redis-", "redis")]
)
def test_the_engine_option_suggests_the_name_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str, meant: str
) -> None:
    path = write(tmp_path, "bench", BASE)
    assert main(["run", str(path), "--engine", engine, "-q", "--server-binary", "/bin/false"]) == 2
    err = capsys.readouterr().err
    assert f"spec.engine.type: unknown engine {engine!r} (did you mean {meant}?" in err, err


def test_a_name_close_to_none_lists_the_installed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "far", document({"spec.engine.type": "etcd"}))
    ((field, message),) = problems(path)
    assert field == "spec.engine.type"
    assert message == "unknown engine 'etcd'; installed engines: keydb, redis, valkey"
