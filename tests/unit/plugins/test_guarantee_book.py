"""What each guarantee adds to the EventBook's counting, fed by hand on a fake clock: known
redeliveries, a known coalescing, a known gap delivered late, a group's shared entries, and an
expiry's lag from its due time."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.histograms import decode_histogram, summarize
from kobench.measure.protocol import Write
from kobench.plugins.observers.book import EventBook
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig

RATE = 1000
START = FakeClock().wall_ns()
MS = 1_000_000


def book(
    clock: FakeClock, delivery: dict[str, Any], replicas: int = 1, **workload: Any
) -> EventBook:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
            "workload": {"rate": RATE, "warmupSeconds": 0, **workload},
            "delivery": delivery,
            "observers": [{"name": "obs", "mode": "sync", "replicas": replicas}],
            "timeouts": {"drainSeconds": 2},
        }
    )
    config = RoleConfig(run_id="r", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    return EventBook(observer_context(config, "obs", 0, None), clock=clock)


def intended(seq: int) -> int:
    return START + protocol.schedule_offset_ns(seq, RATE)


def unique(seq: int) -> bytes:
    return protocol.unique_key("kobench", "r", Write(0, seq, 0, intended(seq))).encode()


def value(seq: int) -> bytes:
    return protocol.encode_value(Write(0, seq, 0, intended(seq)), 64)


def end(b: EventBook, sent: int) -> None:
    key = protocol.end_key(b.context.end_prefix, protocol.End(0, sent, intended(sent)))
    b.on_end(key.encode(), intended(sent) + MS)


def test_redeliveries_are_counted_apart_from_losses_and_duplicates() -> None:
    b = book(FakeClock(), {"mechanism": "stream"}, keyMode="unique")
    assert b.context.guarantee == "at-least-once" and b.context.mechanism == "stream:group"
    for seq in range(100):
        b.on_unique(unique(seq), intended(seq) + MS)
    for seq in (40, 41, 42):  # read again from the pending list after a reconnection
        assert b.on_unique(unique(seq), intended(seq) + 900 * MS, again=True) is None
    end(b, 100)
    result = b.result()
    assert result.redelivered == 3
    assert result.writers["0"].distinct == 100 and result.writers["0"].duplicates == 0
    redelivery = summarize(decode_histogram(result.redelivery_latency["0"]))
    assert redelivery is not None and abs(redelivery.p50 - 900) < 1  # from the write's due time
    assert result.mechanism == "stream:group" and result.guarantee == "at-least-once"


def test_an_entry_claimed_from_a_dead_consumer_is_received_once_late() -> None:
    b = book(FakeClock(), {"mechanism": "stream"}, keyMode="unique")
    for seq in range(50):
        if seq != 20:  # taken by a consumer that died before acknowledging it
            b.on_unique(unique(seq), intended(seq) + MS)
    b.on_unique(unique(20), intended(20) + 1200 * MS, again=True)
    end(b, 50)
    result = b.result()
    assert result.writers["0"].distinct == 50  # nothing lost
    assert result.redelivered == 1
    latency = summarize(decode_histogram(result.latency["0"]))
    assert latency is not None and latency.max >= 1199  # its delivery to the app, late


def test_n_writes_between_two_reads_are_one_invalidation_coalescing_them() -> None:
    b = book(FakeClock(), {"mechanism": "tracking"}, keyMode="shared")
    assert b.coalescing and not b.mapped
    b.on_shared(intended(0) + MS, value(0), intended(0) + 2 * MS)  # 0 alone
    # Writes 1..10 while the observer did not read: one invalidation (write 1's), read finds 10.
    b.on_shared(intended(1) + MS, value(10), intended(10) + MS)
    b.on_shared(intended(11) + MS, value(11), intended(11) + 2 * MS)
    end(b, 12)  # write 11 was the last but one: 11 is covered, nothing after it but the end
    result = b.result()
    assert result.coalesced == 9 and result.coalesced_invalidations == 1
    assert result.notifications == 3
    assert result.writers["0"].distinct == 12  # every write is known to the app: 0, 1..10, 11
    latency = summarize(decode_histogram(result.latency["0"]))
    assert latency is not None and abs(latency.max - 1.0) < 0.05  # the first write's, 1 ms


def test_after_an_outage_a_coalescing_observer_misses_what_it_was_not_told() -> None:
    clock = FakeClock()
    b = book(clock, {"mechanism": "tracking"}, keyMode="shared")
    for seq in range(10):
        b.on_shared(intended(seq) + MS, value(seq), intended(seq) + MS)
    clock.elapsed_ns = protocol.schedule_offset_ns(10, RATE)
    b.lost("dropped")
    clock.advance(0.05)
    b.resumed()
    b.resync(value(59))  # tracking again: the key holds write 59, which no invalidation told
    b.on_shared(intended(60) + MS, value(60), intended(60) + MS)
    end(b, 61)
    result = b.result()
    assert result.writers["0"].distinct == 11  # 0..9 and 60
    (outage,) = result.outages
    assert outage.missed == 50  # 10..59: written while it was away, never invalidated


def test_a_gap_an_outage_left_that_arrives_late_is_caught_up_not_missed() -> None:
    clock = FakeClock()
    b = book(clock, {"mechanism": "stream", "variant": "plain"}, keyMode="unique")
    for seq in range(100):
        b.on_unique(unique(seq), intended(seq) + MS)
    clock.elapsed_ns = protocol.schedule_offset_ns(100, RATE)
    b.lost("dropped")
    clock.advance(0.2)  # writes 100..300 are due meanwhile (300 as it subscribes again)
    b.resumed()
    resumed_ns = clock.wall_ns()
    for seq in range(100, 400):
        b.on_unique(unique(seq), max(intended(seq), resumed_ns) + MS)
    end(b, 400)
    result = b.result()
    (outage,) = result.outages
    assert outage.missed == 0 and outage.caught_up == 201
    assert result.writers["0"].distinct == 400


def test_a_consumer_of_a_shared_group_counts_no_loss_of_its_own() -> None:
    b = book(FakeClock(), {"mechanism": "stream"}, replicas=2, keyMode="unique")
    assert b.shared_work
    for seq in range(0, 100, 2):  # the other consumer had the odd ones
        b.on_unique(unique(seq), intended(seq) + MS)
    end(b, 100)
    b.group_audit = (0, 0)
    result = b.result()
    assert result.missed_writes == [] and all(s.missed == 0 for s in result.series)
    assert result.group_audit is not None and result.group_audit.pending == 0


def test_an_expiry_is_timed_from_its_due_time_and_never_answered() -> None:
    b = book(
        FakeClock(),
        {"mechanism": "keyevent"},
        keyMode="unique",
        command="expire",
        expiry={"afterMs": 100},
    )
    assert not b.context.handshake  # an expiry has no round trip to answer
    for seq in range(10):
        due = (intended(seq) // MS + 100) * MS
        assert b.on_unique(unique(seq), due + 7 * MS) is None
    latency = summarize(decode_histogram(b.result().latency["0"]))
    assert latency is not None and abs(latency.p50 - 7.0) < 0.1
