"""Command expire with readAtDue: each key read once it is due, never before, in order, the
last ones after the schedule; and each item of a batch on the wire."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.roles.schedule import CONTROL, EVENT, READ, Item, Schedule
from kobench.roles.write_items import IDLE_SECONDS, READ_MARGIN_NS, DueReads, ItemCommands

MS = 1_000_000


def spec(**workload: Any) -> Any:
    return parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
            "workload": {"rate": 100, "keyMode": "unique", "command": "expire", **workload},
            "delivery": {"mechanism": "stream"},
        }
    )


def test_each_key_is_read_once_due_and_not_before() -> None:
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=100, total=20, warmup=0)
    reads = DueReads(spec(expiry={"afterMs": 50, "readAtDue": True}), "r", 0, [0])
    due_0 = (schedule.intended_ns(0) // MS + 50) * MS + READ_MARGIN_NS
    assert reads.due(schedule, 10, due_0 - 1) == {}
    (batch,) = reads.due(schedule, 10, due_0).values()
    key = protocol.unique_key("kobench", "r", Write(0, 0, 0, schedule.intended_ns(0)))
    assert batch == [Item(key, b"", 0, READ)]
    assert reads.due(schedule, 10, due_0) == {}  # read once
    later = reads.due(schedule, 3, due_0 + 10_000 * MS)  # only what was written
    assert [item.key.split(":")[3] for item in later[0]] == ["1", "2"]


def test_each_key_is_read_at_its_own_due_time_not_at_the_next_write() -> None:
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=100, total=5, warmup=0)
    reads = DueReads(spec(expiry={"afterMs": 30, "readAtDue": True}), "r", 0, [0])
    sent: list[tuple[int, list[str]]] = []

    def send(due: dict[int, list[Item]]) -> None:
        sent.append((clock.wall_ns(), [item.key for items in due.values() for item in items]))

    reads.run(schedule, lambda: 5, lambda: True, clock, send)
    assert sum(len(keys) for _, keys in sent) == 5
    for at, keys in sent:
        for key in keys:
            seq = int(key.split(":")[3])
            due = (schedule.intended_ns(seq) // MS + 30) * MS
            assert due <= at <= due + READ_MARGIN_NS + IDLE_SECONDS * 1e9  # at its own time
    assert DueReads(spec(expiry={"readAtDue": False}), "r", 0, [0]).due(schedule, 5, 10**20) == {}


def test_items_go_out_as_the_command_and_the_mechanisms_announcement() -> None:
    commands = ItemCommands(spec(expiry={"afterMs": 50}), "r")
    assert commands(Item("k", b"v", 600, READ)) == [("GET", "k")]
    end = commands(Item("end", b"1", 600, CONTROL))
    assert end[0] == ("SET", "end", b"1", "EX", 600) and end[1][0] == "XADD"
    intended = 1_700_000_000_123_456_789
    event = commands(Item("k", b"v", 600, EVENT, intended))
    assert event[0] == ("SET", "k", b"v", "PXAT", 1_700_000_000_123 + 50)
