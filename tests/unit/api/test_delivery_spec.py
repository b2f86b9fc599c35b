"""spec.delivery, workload.command and the mechanisms axis: defaults, cells and every refusal
naming its field."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compare.runs import resource

from kobench.api import parse_benchmark, parse_spec
from kobench.api.matrix_spec import plan_cells
from kobench.errors import SpecError
from kobench.plugins.checks import check_benchmark

BASE: dict[str, Any] = {
    "engine": {"type": "redis", "replicas": 1},
    "workload": {"rate": 100, "durationSeconds": 1, "keyMode": "unique"},
    "observers": [{"name": "a", "mode": "sync"}],
}


def problems(**changes: Any) -> list[str]:
    spec = {**BASE, **changes}
    with pytest.raises(SpecError) as caught:
        check_benchmark(resource(spec))
    return str(caught.value).splitlines()


def test_the_default_is_todays_keyevent_on_set() -> None:
    spec = parse_spec({})
    assert spec.delivery.mechanism == "keyevent" and spec.delivery.variant is None
    assert spec.delivery.label == "keyevent"
    assert spec.workload.command == "set"
    assert spec.workload.expiry.after_ms == 100 and not spec.workload.expiry.read_at_due


def test_every_built_in_mechanism_and_variant_is_accepted() -> None:
    for mechanism, variant in [
        ("keyevent", None),
        ("keyspace", None),
        ("publish", None),
        ("spublish", None),
        ("tracking", "resp3"),
        ("tracking", "redirect"),
        ("stream", "group"),
        ("stream", "plain"),
    ]:
        delivery = {"mechanism": mechanism, **({"variant": variant} if variant else {})}
        check_benchmark(resource({**BASE, "delivery": delivery}))


def test_an_unknown_mechanism_or_variant_is_named_with_the_choices() -> None:
    (unknown,) = problems(delivery={"mechanism": "carrier-pigeon"})
    assert unknown.startswith("spec.delivery.mechanism: unknown delivery mechanism")
    assert "keyevent" in unknown and "stream" in unknown
    (variant,) = problems(delivery={"mechanism": "stream", "variant": "resp3"})
    assert variant == (
        "spec.delivery.variant: mechanism stream has no variant 'resp3'; its variants: group, plain"
    )


def test_a_command_other_than_set_needs_unique_keys() -> None:
    workload = {**BASE["workload"], "keyMode": "shared", "command": "del"}
    assert problems(
        workload=workload, engine={"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"}
    ) == [
        "spec.workload.keyMode: command del needs keyMode unique: its event names the key, and "
        "a shared key's event cannot tell one write from another"
    ]


def test_the_engine_must_send_the_commands_events() -> None:
    workload = {**BASE["workload"], "command": "hset"}
    (flags,) = problems(workload=workload)
    assert flags == (
        "spec.engine.notifyKeyspaceEvents: mechanism keyevent with command hset needs "
        "h (hash commands); 'KE$' lacks it"
    )
    engine = {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "E$"}
    (keyspace,) = problems(delivery={"mechanism": "keyspace"}, engine=engine)
    assert keyspace.startswith("spec.engine.notifyKeyspaceEvents: mechanism keyspace with ")
    assert "K (keyspace channels)" in keyspace
    check_benchmark(
        resource(
            {**BASE, "workload": workload, "engine": {**engine, "notifyKeyspaceEvents": "KEA"}}
        )
    )


@pytest.mark.parametrize("mechanism", ["publish", "spublish", "tracking", "stream"])
def test_an_expiry_is_heard_only_through_keyspace_notifications(mechanism: str) -> None:
    workload = {**BASE["workload"], "command": "expire"}
    (refused,) = problems(workload=workload, delivery={"mechanism": mechanism})
    assert refused.startswith(f"spec.workload.command: mechanism {mechanism} cannot deliver expire")


def test_coalescing_and_shared_groups_refuse_what_they_cannot_number() -> None:
    shared = {**BASE["workload"], "keyMode": "shared", "writers": 2}
    (tracking,) = problems(workload=shared, delivery={"mechanism": "tracking"})
    assert tracking.startswith("spec.workload.writers: tracking in keyMode shared")
    observers = [{"name": "a", "mode": "sync", "replicas": 2}]
    workload = {**BASE["workload"], "keyMode": "shared"}
    (group,) = problems(workload=workload, observers=observers, delivery={"mechanism": "stream"})
    assert group.startswith("spec.observers[0].replicas: a stream group's consumers")
    plain = {"mechanism": "stream", "variant": "plain"}
    check_benchmark(
        resource({**BASE, "workload": workload, "observers": observers, "delivery": plain})
    )


def test_the_mechanisms_axis_puts_mechanism_and_variant_in_each_cell() -> None:
    spec = parse_benchmark(
        resource(
            {
                **BASE,
                "delivery": {"mechanism": "stream", "variant": "plain", "redeliverAfterMs": 500},
                "matrix": {"mechanisms": ["keyevent", "tracking:redirect"], "repetitions": 2},
            }
        )
    ).spec
    assert spec.matrix is not None
    cells = plan_cells(spec.model_dump(by_alias=True, exclude_none=True), spec.matrix)
    assert [c.id for c in cells] == ["mechanism=keyevent", "mechanism=tracking:redirect"]
    assert cells[0].spec["delivery"] == {"mechanism": "keyevent", "redeliverAfterMs": 500}
    assert cells[1].spec["delivery"] == {
        "mechanism": "tracking",
        "variant": "redirect",
        "redeliverAfterMs": 500,
    }


def test_an_unknown_mechanism_on_the_axis_is_named_by_its_place() -> None:
    (unknown,) = problems(matrix={"mechanisms": ["keyevent", "smoke-signals"]})
    assert unknown.startswith("spec.matrix.mechanisms[1]: unknown delivery mechanism")


def test_a_cell_whose_mechanism_cannot_deliver_the_command_is_named() -> None:
    workload = {**BASE["workload"], "command": "expire"}
    engine = {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"}
    (cell,) = problems(
        workload=workload, engine=engine, matrix={"mechanisms": ["keyevent", "stream"]}
    )
    assert cell.startswith(
        "spec.workload.command: in matrix cell mechanism=stream: mechanism stream"
    )
