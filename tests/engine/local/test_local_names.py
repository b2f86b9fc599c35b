"""A name and a runNonce that Kubernetes and a shell could trip on, run locally for real: the
run id is the one ``kobench run`` promises for them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from kobench.run.local.local_ids import local_run_id


def test_a_dotted_long_name_and_a_slashed_nonce_run_locally(tmp_path: Path) -> None:
    name = "bench.with.dots.and.a.name-longer-than-forty-characters"
    document = {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": {
            "runNonce": "2024/01/01 10:00",
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": 50, "durationSeconds": 1, "warmupSeconds": 0},
            "observers": [{"name": "sync", "mode": "sync"}],
        },
    }
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(document))
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "-q", "-o", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 3), result.stderr  # 3: Invalid on a machine too busy
    run_id = json.loads(report.read_text())["runId"]
    assert run_id == local_run_id(name, "2024/01/01 10:00", random_suffix="")
