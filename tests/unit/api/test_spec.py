"""The resource model: defaults, and bad input rejected with the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testkit.support import REPO

from kobench.api import load_benchmark, parse_benchmark, parse_spec
from kobench.errors import InputError, SpecError, SpecErrors
from kobench.plugins.checks import check_spec, load_checked

EXAMPLES = sorted(REPO.joinpath("examples").glob("*.yaml"))


def resource(spec: dict[str, object]) -> dict[str, object]:
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": "t"},
        "spec": spec,
    }


def test_an_empty_spec_gets_the_documented_defaults() -> None:
    spec = parse_spec({})
    assert spec.engine.type == "keydb"
    assert spec.engine.replicas == 3
    assert spec.engine.notify_keyspace_events == "KE$"  # K: the writers hear only answers
    assert all(o.handshake_every == 1 for o in spec.observers)
    assert spec.workload.key_mode == "shared"
    assert spec.workload.measured_writes == 10 * spec.workload.rate
    assert [(o.name, o.mode) for o in spec.observers] == [("sync", "sync"), ("async", "async")]
    assert spec.cleanup == "DeleteOnSuccess"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_is_a_valid_resource(path: Path) -> None:
    load_checked(path)


BAD = [
    ({"workload": {"keyMode": "both"}}, "spec.workload.keyMode", "'shared' or 'unique'"),
    ({"workload": {"rate": 0}}, "spec.workload.rate", "greater than or equal to 1"),
    ({"workload": {"durationSeconds": 5, "writes": 10}}, "spec.workload", "not both"),
    ({"engine": {"replicas": 9}}, "spec.engine.replicas", "less than or equal to 7"),
    ({"engine": {"type": "Mongo"}}, "spec.engine.type", "must be a plugin name"),
    ({"engine": {"notifyKeyspaceEvents": "K$"}}, "spec.engine.notifyKeyspaceEvents", "include E"),
    (
        {"engine": {"replicas": 2}, "workload": {"targetReplica": 2}},
        "spec.workload.targetReplica",
        "below engine.replicas",
    ),
    ({"observers": []}, "spec.observers", "at least 1"),
    (
        {"observers": [{"name": "Bad_Name", "mode": "sync"}]},
        "spec.observers[0].name",
        "must be a DNS label",
    ),
    (
        {"observers": [{"name": "a", "mode": "sync"}, {"name": "a", "mode": "async"}]},
        "spec.observers[1].name",
        "used by another observer",
    ),
    ({"observers": [{"name": "a"}]}, "spec.observers[0].mode", "Field required"),
    ({"thresholds": {"p99LatencyMs": -1}}, "spec.thresholds.p99LatencyMs", "greater than 0"),
    ({"cleanup": "Never"}, "spec.cleanup", "'Keep', 'DeleteOnSuccess' or 'Always'"),
    ({"workload": {"rates": 5}}, "spec.workload.rates", "unknown field"),
]


@pytest.mark.parametrize(("spec", "field", "words"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_spec_names_the_field_and_what_is_allowed(
    spec: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        parse_benchmark(resource(spec))
    errors = caught.value.errors if isinstance(caught.value, SpecErrors) else [caught.value]
    assert any(e.field == field and words in e.message for e in errors), str(caught.value)


def test_unknown_plugins_are_named_with_the_installed_choices() -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec({"engine": {"type": "mongo"}, "observers": [{"name": "x", "mode": "psychic"}]})
    text = str(caught.value)
    assert (
        "spec.engine.type: unknown engine 'mongo'; installed engines: keydb, redis, valkey" in text
    )
    assert "spec.observers[0].mode: unknown observer mode 'psychic'" in text
    assert "async, sync" in text


def test_a_primary_replica_engine_refuses_writes_to_a_replica_and_round_robin() -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec(
            {
                "engine": {"type": "redis", "replicas": 2},
                "workload": {"targetReplica": 1, "roundRobin": True},
            }
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"spec.workload.roundRobin", "spec.workload.targetReplica"}


def test_a_file_that_is_not_a_resource_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(SpecError, match="one YAML mapping"):
        load_benchmark(path)
    path.write_text("kind: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_benchmark(path)


def test_a_wrong_kind_is_named(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}))
    with pytest.raises(SpecError) as caught:
        load_benchmark(path)
    assert "apiVersion" in str(caught.value) and "kind" in str(caught.value)


def test_every_problem_of_a_file_in_one_answer_and_none_twice() -> None:
    document = resource(
        {
            "engine": {"type": "Redis", "replicas": True, "port": 0},
            "workload": {"rate": "100", "durationSeconds": float("nan"), "sharedKey": "a b"},
            "observers": [{"name": "x"}],
            "cleanup": "Never",
        }
    )
    document["metadata"] = {"name": "Bad_Name"}
    with pytest.raises(SpecErrors) as caught:
        parse_benchmark(document)
    fields = [e.field for e in caught.value.errors]
    assert sorted(fields) == sorted(
        [
            "metadata.name",
            "spec.engine.type",
            "spec.engine.replicas",
            "spec.engine.port",
            "spec.workload.rate",
            "spec.workload.durationSeconds",
            "spec.workload.sharedKey",
            "spec.observers[0].mode",
            "spec.cleanup",
        ]
    ), str(caught.value)
    assert "NaN" in str(caught.value) and "^" not in str(caught.value)
