"""A fault schedule that cannot be applied is refused before anything starts, each problem with
its field named: through ``kobench.plugins.checks`` (what the operator and ``kobench run`` use) and
through the CLI (exit status 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kobench.api import parse_spec
from kobench.errors import SpecErrors
from kobench.plugins.checks import check_spec

F0 = "spec.faults[0]"


def spec(faults: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    """Redis, 3 replicas, 10 s of measured writes, observers sync and async (2 instances)."""
    base: dict[str, Any] = {
        "engine": {"type": "redis", "replicas": 3},
        "workload": {"rate": 100, "durationSeconds": 10, "writers": 2},
        "observers": [
            {"name": "sync", "mode": "sync"},
            {"name": "async", "mode": "async", "replicas": 2},
        ],
        "faults": faults,
    }
    base.update(overrides)
    return base


def problems(data: dict[str, Any]) -> dict[str, str]:
    """Every problem as {field: message}."""
    with pytest.raises(SpecErrors) as caught:
        check_spec(data)
    return {e.field: e.message for e in caught.value.errors}


def test_a_valid_schedule_of_every_action_is_accepted() -> None:
    checked = check_spec(
        spec(
            [
                {"atSeconds": 1, "action": "pauseReplica", "replica": 0, "durationSeconds": 2},
                {"atSeconds": 2, "action": "dropSubscribers", "replica": 1},
                {"atSeconds": 3, "action": "cutReplication", "replica": 2, "durationSeconds": 1},
                {"atSeconds": 5, "action": "killReplica", "replica": 1},
                {"atSeconds": 6, "action": "killObserver", "observer": "async", "instance": 1},
                {"atSeconds": 7, "action": "killWriter", "writer": 1},
            ],
            thresholds={"faults": {"maxOutageMs": 3000, "maxLost": 50}},
        )
    )
    assert [f.target for f in checked.faults] == [
        "replica 0",
        "replica 1",
        "replica 2",
        "replica 1",
        "async.1",
        "writer.1",
    ]
    assert checked.faults[0].describe() == "pauseReplica 0 for 2s at 1s"
    assert checked.faults[2].ends_after_seconds == 4
    assert checked.thresholds.faults.max_outage_ms == 3000


def test_a_replica_out_of_range_is_named() -> None:
    found = problems(spec([{"atSeconds": 1, "action": "killReplica", "replica": 3}]))
    assert found == {f"{F0}.replica": "3 must be below engine.replicas (3)"}


def test_a_fault_after_the_measured_writes_is_named() -> None:
    found = problems(spec([{"atSeconds": 10, "action": "dropSubscribers", "replica": 0}]))
    assert found == {f"{F0}.atSeconds": "10s is not during the measured writes (0 to 10s)"}
    found = problems(
        spec([{"atSeconds": 9, "action": "pauseReplica", "replica": 0, "durationSeconds": 2}])
    )
    assert "after the measured writes (10s)" in found[f"{F0}.durationSeconds"]


def test_the_measured_time_of_a_count_of_writes_is_writes_over_rate() -> None:
    by_count = {"rate": 100, "writes": 300}  # 3 s
    fault = {"atSeconds": 3, "action": "dropSubscribers", "replica": 0}
    assert f"{F0}.atSeconds" in problems(spec([fault], workload=by_count))
    check_spec(spec([{**fault, "atSeconds": 2.9}], workload=by_count))


@pytest.mark.parametrize(
    ("fault", "field", "words"),
    [
        ({"action": "pauseReplica", "replica": 0}, "durationSeconds", "needs durationSeconds"),
        ({"action": "cutReplication", "replica": 1}, "durationSeconds", "needs durationSeconds"),
        ({"action": "killReplica"}, "replica", "killReplica needs replica"),
        ({"action": "killObserver"}, "observer", "killObserver needs observer"),
        ({"action": "killWriter"}, "writer", "killWriter needs writer"),
        (
            {"action": "killReplica", "replica": 1, "durationSeconds": 1},
            "durationSeconds",
            "killReplica takes no durationSeconds",
        ),
        (
            {"action": "killWriter", "writer": 0, "replica": 1},
            "replica",
            "killWriter takes no replica",
        ),
        (
            {"action": "dropSubscribers", "replica": 0, "observer": "sync"},
            "observer",
            "dropSubscribers takes no observer",
        ),
    ],
)
def test_a_missing_or_extra_field_is_named(fault: dict[str, Any], field: str, words: str) -> None:
    found = problems(spec([{"atSeconds": 1, **fault}]))
    assert words in found[f"{F0}.{field}"], found


def test_a_fault_without_a_time_or_with_an_unknown_action_or_field_is_named() -> None:
    assert f"{F0}.atSeconds" in problems(spec([{"action": "killReplica", "replica": 0}]))
    found = problems(spec([{"atSeconds": 1, "action": "reboot", "replica": 0}]))
    assert "killReplica" in found[f"{F0}.action"]
    found = problems(spec([{"atSeconds": 1, "action": "killReplica", "replica": 0, "at": 5}]))
    assert found == {f"{F0}.at": "unknown field"}


def test_an_unknown_observer_or_instance_is_named_with_the_known_ones() -> None:
    found = problems(spec([{"atSeconds": 1, "action": "killObserver", "observer": "fast"}]))
    assert found == {f"{F0}.observer": "no observer is named 'fast' (sync, async)"}
    found = problems(
        spec([{"atSeconds": 1, "action": "killObserver", "observer": "sync", "instance": 1}])
    )
    assert found == {f"{F0}.instance": "1 must be below observer sync's replicas (1)"}


def test_a_writer_out_of_range_is_named() -> None:
    found = problems(spec([{"atSeconds": 1, "action": "killWriter", "writer": 2}]))
    assert found == {f"{F0}.writer": "2 must be below workload.writers (2)"}


@pytest.mark.parametrize("engine", ["redis", "valkey"])
def test_the_primary_of_a_single_primary_engine_has_no_link_to_cut(engine: str) -> None:
    cut = {"atSeconds": 1, "action": "cutReplication", "replica": 0, "durationSeconds": 1}
    found = problems(spec([cut], engine={"type": engine, "replicas": 3}))
    assert f"replica 0 of {engine} is the primary" in found[f"{F0}.replica"]


def test_keydb_may_cut_any_replica_since_every_one_replicates_from_its_peers() -> None:
    cut = {"atSeconds": 1, "action": "cutReplication", "replica": 0, "durationSeconds": 1}
    checked = parse_spec(spec([cut], engine={"type": "keydb", "replicas": 3}))
    assert checked.faults[0].replica == 0
    check_spec(spec([cut], engine={"type": "keydb", "replicas": 3}))


def test_every_bad_fault_is_reported_in_one_answer_with_its_index() -> None:
    found = problems(
        spec(
            [
                {"atSeconds": 1, "action": "killReplica", "replica": 5},
                {"atSeconds": 1, "action": "killReplica", "replica": 0},
                {"atSeconds": 12, "action": "killWriter", "writer": 0},
            ]
        )
    )
    assert set(found) == {"spec.faults[0].replica", "spec.faults[2].atSeconds"}


def test_fault_thresholds_are_checked() -> None:
    fault = [{"atSeconds": 1, "action": "killReplica", "replica": 1}]
    found = problems(spec(fault, thresholds={"faults": {"maxOutageMs": 0, "maxLost": -1}}))
    assert set(found) == {"spec.thresholds.faults.maxOutageMs", "spec.thresholds.faults.maxLost"}


def test_the_cli_refuses_a_bad_schedule_with_exit_status_2_naming_the_fields(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad-faults.yaml"
    bad = spec(
        [
            {"atSeconds": 1, "action": "cutReplication", "replica": 0, "durationSeconds": 1},
            {"atSeconds": 30, "action": "killObserver", "observer": "nobody"},
        ]
    )
    document = {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": "bad-faults"},
        "spec": bad,
    }
    path.write_text(yaml.safe_dump(document))
    for command in ("validate", "run"):
        result = subprocess.run(
            [sys.executable, "-m", "kobench", command, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert "spec.faults[0].replica: replica 0 of redis is the primary" in result.stderr
        assert "spec.faults[1].observer: no observer is named 'nobody'" in result.stderr
        assert "spec.faults[1].atSeconds: 30s is not during the measured writes" in result.stderr
