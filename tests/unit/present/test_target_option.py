"""``kobench run FILE --target URL``: the endpoints replaced, the rest of the file kept, and a
URL with a password refused before anything connects, without repeating the password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kobench.api import parse_benchmark
from kobench.errors import SpecErrors
from kobench.present.target_option import with_target

FILE = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "prod"},
    "spec": {
        "target": {"endpoints": ["old:1"], "auth": {"username": "kb", "passwordEnv": "PW"}},
        "workload": {"rate": 100},
    },
}


def test_the_urls_replace_the_endpoints_and_nothing_else() -> None:
    benchmark = with_target(parse_benchmark(FILE), ["rediss://10.0.0.5:6380", "10.0.0.6:6380"])
    target = benchmark.spec.target
    assert target is not None
    assert target.endpoints == ["rediss://10.0.0.5:6380", "10.0.0.6:6380"]
    assert (target.auth.username, target.auth.password_env) == ("kb", "PW")
    assert benchmark.spec.workload.rate == 100


def test_a_file_without_a_target_gets_one() -> None:
    plain = {**FILE, "spec": {"workload": {"rate": 100}}}
    target = with_target(parse_benchmark(plain), ["db:6379"]).spec.target
    assert target is not None and target.endpoints == ["db:6379"]


def test_a_password_in_a_url_is_refused_and_not_repeated(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors, match=r"spec.target.endpoints\[0\]: must be host:port"):
        with_target(parse_benchmark(FILE), ["rediss://kb:hunter2hunter2@db:6380"])
    path = tmp_path / "prod.yaml"
    path.write_text(yaml.safe_dump(FILE))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kobench",
            "run",
            str(path),
            "--target",
            "redis://:hunter2hunter2@db",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert done.returncode == 2
    assert (
        "spec.target.endpoints[0]" in done.stderr
        and "hunter2hunter2" not in done.stderr + done.stdout
    )
