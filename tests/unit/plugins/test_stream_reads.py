"""A stream receiver's polls and what it makes of the replies, as the server sends them (RESP2
shapes, as hiredis hands them out), without a server."""

from __future__ import annotations

from kobench.plugins.mechanisms.mechanism_protocol import CONTROL, EVENT, REDELIVERED
from kobench.plugins.mechanisms.stream_reads import StreamReads

MS = 1_000_000


def group() -> StreamReads:
    return StreamReads(
        stream="s", control="s:ctl", group="app", consumer="app.0", claim_after_ms=1000
    )


def entries(*pairs: tuple[bytes, bytes]) -> list[object]:
    return [[entry_id, [b"k", key]] for entry_id, key in pairs]


def test_opening_makes_the_group_and_reads_the_consumers_own_pending_entries() -> None:
    reads = group()
    tags = [tag for tag, _ in reads.opening()]
    assert tags == ["create", "pending"]
    pending = reads.opening()[1][1]
    assert pending[-2:] == ("s", "0")  # its own pending list, not new entries
    reply = [[b"s", entries((b"1-0", b"k1"), (b"2-0", b"k2"))]]
    assert reads.arrivals("pending", reply, 7) == [(b"k1", 7, REDELIVERED), (b"k2", 7, REDELIVERED)]
    assert StreamReads("s", "s:ctl", None, "x", 1000).opening() == []


def test_a_poll_acknowledges_what_was_booked_claims_now_and_then_and_reads() -> None:
    reads = group()
    first = reads.poll(10_000 * MS, 200, 256)
    assert [tag for tag, _ in first] == ["claim", "control", "read"]
    read = dict(first)["read"]
    assert read[:4] == ("XREADGROUP", "GROUP", "app", "app.0")
    assert read[6:8] == ("BLOCK", 10) and read[-1] == ">"  # the end marker heard soon after
    got = reads.arrivals("read", [[b"s", entries((b"5-0", b"k5"))]], 9)
    assert got == [(b"k5", 9, EVENT)]
    reads.acknowledge()
    second = reads.poll(10_005 * MS, 200, 256)
    assert [tag for tag, _ in second] == ["ack", "read"]  # claims every redeliverAfterMs
    assert [tag for tag, _ in reads.poll(10_100 * MS, 200, 256)] == ["control", "read"]
    assert dict(second)["ack"] == ("XACK", "s", "app", b"5-0")
    third = reads.poll(11_000 * MS, 200, 256)
    assert [tag for tag, _ in third] == ["claim", "control", "read"]
    assert reads.poll(11_100 * MS, 0, 1)[-1][1][7] == 1  # BLOCK 0 would wait forever


def test_claimed_entries_are_redelivered_and_the_cursor_moves_on() -> None:
    reads = group()
    reply = [b"7-0", entries((b"3-0", b"k3"), (b"4-0", b"gone-key")), []]
    assert reads.arrivals("claim", reply, 5) == [
        (b"k3", 5, REDELIVERED),
        (b"gone-key", 5, REDELIVERED),
    ]
    assert reads.cursor == b"7-0"
    claim = dict(reads.poll(5_000 * MS, 200, 256))["claim"]
    assert claim[5] == b"7-0"
    reads.acknowledge()
    assert reads.flush() == [("ack", ("XACK", "s", "app", b"3-0", b"4-0"))]


def test_the_control_stream_is_read_in_full_from_where_it_was() -> None:
    reads = group()
    reply = [[b"s:ctl", entries((b"9-0", b"end:0:100:1"))]]
    assert reads.arrivals("control", reply, 3) == [(b"end:0:100:1", 3, CONTROL)]
    assert reads.control_id == b"9-0"
    assert reads.handed == []  # control entries are never acknowledged (no group reads them)


def test_an_end_marker_on_the_data_stream_is_control_and_acknowledged() -> None:
    reads = group()
    reply = [[b"s", [[b"5-0", [b"k", b"k5"]], [b"6-0", [b"e", b"end:0:1:100"]]]]]
    assert reads.arrivals("read", reply, 8) == [(b"k5", 8, EVENT), (b"end:0:1:100", 8, CONTROL)]
    claimed = [b"0-0", [[b"6-0", [b"e", b"end:0:1:100"]]], []]
    assert reads.arrivals("claim", claimed, 9) == [(b"end:0:1:100", 9, CONTROL)]
    reads.acknowledge()
    assert reads.flush() == [("ack", ("XACK", "s", "app", b"5-0", b"6-0", b"6-0"))]


def test_plain_reads_resume_from_the_last_entry_of_each_stream() -> None:
    reads = StreamReads("s", "s:ctl", None, "app.0", 1000)
    (tagged,) = reads.poll(0, 200, 256)
    assert tagged[1][-4:] == ("s", "s:ctl", b"0-0", b"0-0")
    reply = [[b"s", entries((b"1-0", b"k1"), (b"2-0", b"k2"))], [b"s:ctl", entries((b"3-0", b"e"))]]
    assert reads.arrivals("read", reply, 4) == [
        (b"e", 4, CONTROL),
        (b"k1", 4, EVENT),
        (b"k2", 4, EVENT),
    ]
    (again,) = reads.poll(0, 200, 256)
    assert again[1][-2:] == (b"2-0", b"3-0")
    assert reads.flush() == []


def test_the_audit_reads_the_groups_pending_and_lag() -> None:
    reads = group()
    reply = [
        [b"name", b"other", b"consumers", 1, b"pending", 9, b"lag", 9],
        [b"name", b"app", b"consumers", 2, b"pending", 3, b"last-delivered-id", b"5-0", b"lag", 0],
    ]
    assert reads.audit(reply) == (3, 0)
    old = [[b"name", b"app", b"consumers", 2, b"pending", 0, b"lag", None]]
    assert reads.audit(old) == (0, None)
    assert reads.audit([]) is None
