"""The matrix in the resource: its cells, their run order, the pairs compared, its checks."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compare.runs import resource

from kobench.api import parse_benchmark
from kobench.api.matrix_spec import Matrix, interleaved, plan_cells, single_axis_pairs
from kobench.errors import SpecError
from kobench.plugins.checks import check_benchmark

BASE = {
    "engine": {"type": "redis", "replicas": 2, "image": "redis:7"},
    "workload": {"rate": 100, "durationSeconds": 1},
    "observers": [
        {"name": "a", "mode": "sync", "targetReplica": 1},
        {"name": "b", "mode": "async", "targetReplica": 0},
    ],
}


def plans(matrix: dict[str, Any]) -> list[Any]:
    spec = parse_benchmark(resource({**BASE, "matrix": matrix})).spec
    assert spec.matrix is not None
    return plan_cells(spec.model_dump(by_alias=True, exclude_none=True), spec.matrix)


def test_a_cell_per_combination_in_axis_order_with_the_values_put_in() -> None:
    cells = plans({"engines": [{"type": "redis"}, {"type": "valkey"}], "rates": [100, 500]})
    assert [c.id for c in cells] == [
        "engine=redis,rate=100",
        "engine=redis,rate=500",
        "engine=valkey,rate=100",
        "engine=valkey,rate=500",
    ]
    last = cells[3].spec
    assert last["engine"]["type"] == "valkey"
    assert "image" not in last["engine"]  # the resource's image belongs to its own engine
    assert last["engine"]["replicas"] == 2
    assert last["workload"]["rate"] == 500
    assert "matrix" not in last


def test_an_observer_mode_cell_keeps_every_observer_where_it_was() -> None:
    cells = plans({"observerModes": ["sync", "async"]})
    for cell, mode in zip(cells, ["sync", "async"], strict=True):
        observers = cell.spec["observers"]
        assert [(o["name"], o["mode"], o["targetReplica"]) for o in observers] == [
            ("a", mode, 1),
            ("b", mode, 0),
        ]


def test_engine_images_and_threads_and_key_modes() -> None:
    cells = plans(
        {
            "engines": [{"type": "keydb", "image": "eqalpha/keydb:x86_64_v6.3.4"}],
            "serverThreads": [1, 2],
            "keyModes": ["unique"],
        }
    )
    assert cells[1].id == "engine=keydb(eqalpha/keydb:x86_64_v6.3.4),keyMode=unique,serverThreads=2"
    assert cells[1].spec["engine"]["image"] == "eqalpha/keydb:x86_64_v6.3.4"
    assert cells[1].spec["engine"]["serverThreads"] == 2
    assert cells[1].spec["workload"]["keyMode"] == "unique"


def test_runs_go_round_robin_over_the_cells() -> None:
    assert interleaved(3, 2) == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]


def test_pairs_differ_on_exactly_one_axis() -> None:
    cells = plans({"engines": [{"type": "redis"}, {"type": "valkey"}], "rates": [100, 500]})
    assert single_axis_pairs(cells) == [
        ("rate", 0, 1),
        ("engine", 0, 2),
        ("engine", 1, 3),
        ("rate", 2, 3),
    ]


def errors(matrix: dict[str, Any], **spec: Any) -> list[str]:
    with pytest.raises(SpecError) as caught:
        check_benchmark(resource({**BASE, **spec, "matrix": matrix}))
    return str(caught.value).splitlines()


def test_a_matrix_without_axes_is_refused() -> None:
    assert errors({"repetitions": 4}) == [
        "spec.matrix: set at least one axis: engines, observerModes, rates, keyModes, "
        "serverThreads, tls or mechanisms"
    ]


def test_a_value_twice_on_an_axis_is_named() -> None:
    found = errors({"rates": [100, 200, 100]})
    assert found == ["spec.matrix.rates[2]: 100 is already on the axis"]


def test_too_many_runs_are_refused() -> None:
    found = errors({"rates": list(range(1, 17)), "serverThreads": list(range(1, 8))})
    assert found == ["spec.matrix: cells x repetitions makes 448 runs; a matrix holds at most 400"]


def test_unknown_plugins_are_named_by_their_place_on_the_axis() -> None:
    found = errors({"observerModes": ["sync", "nosuch"], "engines": [{"type": "nosuch"}]})
    assert found[0].startswith("spec.matrix.observerModes[1]: unknown observer mode 'nosuch'")
    assert found[1].startswith("spec.matrix.engines[0].type: ")


def test_a_cell_that_breaks_a_rule_is_told_once_with_its_cell() -> None:
    found = errors(
        {"rates": [100, 200_000], "engines": [{"type": "redis"}, {"type": "valkey"}]},
        workload={"rate": 100, "durationSeconds": 60},
    )
    assert len(found) == 1
    assert found[0].startswith(
        "spec.workload: in matrix cell engine=redis,rate=200000 (and 1 more): rate x"
    )


def test_the_model_defaults_to_four_repetitions() -> None:
    assert Matrix(rates=[1]).repetitions == 4


def test_the_operator_takes_a_matrix_and_checks_its_cells() -> None:
    from kobench.run.spec_check import spec_problems

    assert spec_problems({**BASE, "matrix": {"rates": [100, 200]}}, reads="configMaps") == []
    workload = {"rate": 100, "durationSeconds": 60}
    matrix = {"rates": [100, 200_000]}
    problems = spec_problems({**BASE, "workload": workload, "matrix": matrix}, reads="configMaps")
    assert len(problems) == 1 and "in matrix cell rate=200000" in problems[0]
