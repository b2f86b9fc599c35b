"""What a user sees from ``kobench`` when the input is wrong (no server needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from testkit.support import REPO

EXAMPLES = REPO / "examples"


def kobench(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "kobench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_malformed_file_exits_2_naming_each_bad_field(tmp_path: Path) -> None:
    document = yaml.safe_load((EXAMPLES / "quickstart.yaml").read_text())
    document["spec"]["workload"]["rate"] = "fast"
    document["spec"]["observers"][0]["replicas"] = 0
    result = kobench("run", str(write(tmp_path, document)))
    assert result.returncode == 2
    assert "spec.workload.rate: must be an integer, not 'fast' (a string)" in result.stderr
    assert (
        "spec.observers[0].replicas: Input should be greater than or equal to 1 (got 0)"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_an_unknown_engine_lists_the_installed_ones(tmp_path: Path) -> None:
    document = yaml.safe_load((EXAMPLES / "quickstart.yaml").read_text())
    document["spec"]["engine"]["type"] = "dragonfly"
    result = kobench("run", str(write(tmp_path, document)))
    assert result.returncode == 2
    assert (
        "spec.engine.type: unknown engine 'dragonfly'; installed engines: keydb, redis, valkey"
        in (result.stderr)
    )


def test_a_missing_server_binary_says_how_to_get_one() -> None:
    result = kobench("run", str(EXAMPLES / "cross-replica.yaml"), path="/nonexistent")
    assert result.returncode == 1
    assert "engine keydb needs `keydb-server` on PATH or --server-binary" in result.stderr
    assert "engine: redis works with Debian's package" in result.stderr


def test_validate_accepts_the_examples() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        result = kobench("validate", str(path))
        assert result.returncode == 0, result.stderr
        assert "valid KeyDBObserverBenchmark" in result.stdout
