"""The delivery mechanism plugins, without a server: found like the engines, what each writer
side sends, and what each receiver makes of what the server pushes."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from kobench.api import parse_spec
from kobench.api.cel_delivery import VARIANTS
from kobench.errors import SpecError
from kobench.measure import protocol
from kobench.plugins.mechanisms import (
    BUILT_IN,
    GROUP,
    Mechanism,
    get_mechanism,
    guarantee_of,
    mechanism_names,
)
from kobench.plugins.mechanisms.commands import classes_of, due_ms, write_commands
from kobench.plugins.mechanisms.mechanism_protocol import CONTROL, EVENT
from kobench.plugins.mechanisms.pubsub_kinds import KeyeventMechanism, KeyspaceMechanism
from kobench.plugins.mechanisms.tracking import invalidations
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig

ROOT = Path(__file__).resolve().parents[3]


def context(**spec: Any) -> Any:
    parsed = parse_spec({"engine": {"type": "redis", "replicas": 1}, **spec})
    config = RoleConfig(run_id="r1", spec=parsed, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    return observer_context(config, parsed.observers[0].name, 0, None)


def test_the_built_in_table_is_the_packages_entry_points() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"][GROUP] == BUILT_IN
    assert mechanism_names() == sorted(BUILT_IN)
    for name in BUILT_IN:
        mechanism = get_mechanism(name)
        assert isinstance(mechanism, Mechanism) and mechanism.name == name
        assert list(mechanism.variants) == VARIANTS[name]  # the CRD's rule knows them
    assert get_mechanism("stream") is get_mechanism("stream")  # resolved once


def test_an_unknown_mechanism_names_the_field_it_came_from() -> None:
    with pytest.raises(SpecError) as caught:
        get_mechanism("telegraph", field="spec.matrix.mechanisms[2]")
    assert caught.value.field == "spec.matrix.mechanisms[2]"


def test_guarantees_follow_mechanism_and_variant() -> None:
    spec = parse_spec
    assert guarantee_of(spec({}).delivery) == "at-most-once"
    assert guarantee_of(spec({"delivery": {"mechanism": "stream"}}).delivery) == "at-least-once"
    plain = {"mechanism": "stream", "variant": "plain"}
    assert guarantee_of(spec({"delivery": plain}).delivery) == "resumable"
    assert guarantee_of(spec({"delivery": {"mechanism": "tracking"}}).delivery) == "coalescing"


def test_each_command_is_one_write_that_cleans_up_after_itself() -> None:
    assert write_commands("set", "k", b"v", 60) == [("SET", "k", b"v", "EX", 60)]
    assert write_commands("set", "shared", b"v", 0) == [("SET", "shared", b"v")]
    assert write_commands("del", "k", b"v", 60) == [("SET", "k", b"v"), ("DEL", "k")]
    assert write_commands("hset", "k", b"v", 60) == [("HSET", "k", "v", b"v"), ("EXPIRE", "k", 60)]
    assert write_commands("lpush", "k", b"v", 60)[0] == ("LPUSH", "k", b"v")
    assert write_commands("xadd", "k", b"v", 60)[0] == ("XADD", "k", "*", "v", b"v")
    due = due_ms(1_700_000_000_123_456_789, 250)
    assert due == 1_700_000_000_123 + 250
    assert write_commands("expire", "k", b"v", 60, due_at_ms=due) == [
        ("SET", "k", b"v", "PXAT", due)
    ]
    assert classes_of("KEA") >= set("g$lshzxetdKE") and "A" not in classes_of("KEA")


def test_each_writer_side_announces_its_own_way() -> None:
    spec = parse_spec({"workload": {"keyMode": "unique"}})
    channel = protocol.run_channel("kobench", "r1")
    stream = protocol.run_stream("kobench", "r1")
    assert get_mechanism("keyevent").announce(spec, "r1", "k", control=False) == []
    assert get_mechanism("publish").announce(spec, "r1", "k", control=True) == [
        ("PUBLISH", channel, "k")
    ]
    assert get_mechanism("spublish").announce(spec, "r1", "k", control=False) == [
        ("SPUBLISH", channel, "k")
    ]
    assert get_mechanism("tracking").announce(spec, "r1", "k", control=False) == []
    assert get_mechanism("tracking").announce(spec, "r1", "end", control=True) == [
        ("PUBLISH", protocol.control_channel("handshake_key", "r1"), "end")
    ]
    assert get_mechanism("stream").announce(spec, "r1", "k", control=False) == [
        ("XADD", stream, "*", "k", "k")
    ]
    control = get_mechanism("stream").announce(spec, "r1", "end", control=True)
    assert control[:2] == [
        ("XADD", stream + ":ctl", "*", "k", "end"),
        ("XADD", stream, "*", "e", "end"),  # wakes a group's blocked consumer
    ]
    assert ("EXPIRE", stream, 600) in control
    plain = parse_spec(
        {"workload": {"keyMode": "unique"}, "delivery": {"mechanism": "stream", "variant": "plain"}}
    )
    plain_control = get_mechanism("stream").announce(plain, "r1", "end", control=True)
    assert [c for c in plain_control if c[0] == "XADD"] == [
        ("XADD", stream + ":ctl", "*", "k", "end")
    ]
    assert not channel.startswith(protocol.unique_key_prefix("kobench", "r1"))
    assert not stream.startswith(protocol.unique_key_prefix("kobench", "r1"))


def test_keyevent_hears_the_event_and_the_writers_sets_apart() -> None:
    ctx = context(workload={"keyMode": "unique", "command": "del"})
    listening = KeyeventMechanism().listening(ctx)
    assert [c for _, c in listening.subscriptions] == ["__keyevent@0__:del", "__keyevent@0__:set"]
    assert listening.interpret([b"message", b"__keyevent@0__:del", b"k1"]) == (b"k1", EVENT)
    assert listening.interpret([b"message", b"__keyevent@0__:set", b"end"]) == (b"end", CONTROL)
    assert listening.interpret([b"message", b"__keyevent@0__:hset", b"k1"]) is None


def test_keyspace_names_the_key_by_its_channel_and_keeps_only_the_event() -> None:
    ctx = context(workload={"keyMode": "unique", "command": "hset"})
    listening = KeyspaceMechanism().listening(ctx)
    patterns = [c for _, c in listening.subscriptions]
    assert patterns[0] == "__keyspace@0__:kobench:r1:*"
    assert patterns[1] == "__keyspace@0__:" + ctx.end_prefix + "*"
    channel = b"__keyspace@0__:kobench:r1:0:5:0:17"
    assert listening.interpret([b"pmessage", b"p", channel, b"hset"]) == (
        b"kobench:r1:0:5:0:17",
        EVENT,
    )
    assert listening.interpret([b"pmessage", b"p", channel, b"expire"]) is None
    assert listening.interpret([b"pmessage", b"p", channel, b"set"]) == (
        b"kobench:r1:0:5:0:17",
        CONTROL,
    )
    shared = KeyspaceMechanism().listening(context())
    assert shared.subscriptions[0] == ("SUBSCRIBE", "__keyspace@0__:shared_key")


def test_invalidations_come_as_resp3_pushes_or_redirected_messages() -> None:
    control = b"handshake_key:r1:ctl"
    pushes: list[tuple[list[object], int]] = [
        ([b"invalidate", [b"a", b"b"]], 1),
        ([b"message", b"__redis__:invalidate", [b"c"]], 2),
        ([b"message", control, b"end"], 3),
        ([b"invalidate", None], 4),  # a flush names no key
        ([b"subscribe", control, 1], 5),
    ]
    assert invalidations(pushes, control) == [
        (b"a", 1, EVENT),
        (b"b", 1, EVENT),
        (b"c", 2, EVENT),
        (b"end", 3, CONTROL),
    ]
