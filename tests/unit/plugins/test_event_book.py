"""EventBook, the measurement core of every observer, fed by hand on a fake clock."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.plugins.observers.book import EventBook
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig

RATE = 1000
START = FakeClock().wall_ns()  # the writer's schedule starts with the fake clock


def book(
    clock: FakeClock,
    *,
    handshake_every: int = 1,
    faults: list[dict[str, Any]] | None = None,
    **workload: Any,
) -> EventBook:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "faults": faults or [],
            "workload": {"rate": RATE, "warmupSeconds": 0, **workload},
            "observers": [{"name": "obs", "mode": "sync", "handshakeEvery": handshake_every}],
            "timeouts": {"drainSeconds": 2},
        }
    )
    config = RoleConfig(run_id="r", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    return EventBook(observer_context(config, "obs", 0, None), clock=clock)


def intended(seq: int) -> int:
    return START + protocol.schedule_offset_ns(seq, RATE)


def unique(seq: int, writer: int = 0) -> bytes:
    return protocol.unique_key("kobench", "r", Write(writer, seq, 0, intended(seq))).encode()


def end(b: EventBook, sent: int, writer: int = 0) -> None:
    key = protocol.end_key(b.context.end_prefix, protocol.End(writer, sent, intended(sent)))
    b.on_end(key.encode(), intended(sent) + 1_000_000)


def value(seq: int, writer: int = 0) -> bytes:
    return protocol.encode_value(Write(writer, seq, 0, intended(seq)), 64)


def test_unique_mode_counts_measures_and_files_each_event_under_its_second() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="unique")
    for seq in range(2000):
        if seq in (10, 1500):
            continue  # lost
        b.on_unique(unique(seq), intended(seq) + 300_000)  # 0.3 ms later
    b.on_unique(unique(7), intended(7) + 900_000)  # a duplicate: not measured again
    end(b, 2000)
    assert b.complete() is False  # two writes never came
    result = b.result()
    counts = result.writers["0"]
    assert (counts.distinct, counts.duplicates) == (1998, 1)
    assert [(s.t, s.events, s.missed) for s in result.series] == [(0, 999, 1), (1, 999, 1)]
    p50, peak = result.series[0].p50_ms, result.series[0].max_ms
    assert p50 is not None and peak is not None
    assert abs(p50 - 0.3) < 0.01 and abs(peak - 0.3) < 0.01  # per-second histograms: 1 %


def test_shared_mode_measures_each_notification_from_its_own_write_so_a_stall_shows() -> None:
    # The observer stalls 500 ms at write 500: the notifications queue up, and when it reads,
    # the key already holds the newest write. The read-based figure looks fresh; delivery does not.
    clock = FakeClock()
    b = book(clock, keyMode="shared")
    stall_end = intended(1000)
    for seq in range(1000):
        notified = intended(seq) + 200_000
        if seq >= 500:
            notified = stall_end + (seq - 500) * 1000  # drained at 1 us per event
        newest = 1000 if seq >= 500 else seq
        b.on_shared(notified, value(newest), notified + 50_000)
    end(b, 1000)
    assert b.complete()
    result = b.result()
    assert result.latency_basis == "notification"
    assert result.notifications == 1000 and result.superseded == 499
    delivery = protocol_summary(result.latency)
    read = protocol_summary(result.read_latency)
    assert delivery.max >= 500.0  # the stall, as long as it was
    assert read.max < 1.0  # the proof of concept's definition hides it
    assert result.series[0].max_ms is not None and result.series[0].max_ms >= 500.0


def protocol_summary(encoded: dict[str, str]) -> Any:
    from kobench.measure.histograms import decode_histogram, summarize

    summary = summarize(decode_histogram(encoded["0"]))
    assert summary is not None
    return summary


def test_shared_mode_with_several_writers_says_its_latency_is_read_based() -> None:
    b = book(FakeClock(), keyMode="shared", writers=2)
    for seq in range(10):
        b.on_shared(intended(seq) + 100_000, value(seq, writer=seq % 2), intended(seq) + 150_000)
    assert b.result().latency_basis == "read"


def test_an_outage_records_its_window_losses_and_first_event_after() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="unique")
    for seq in range(300):
        b.on_unique(unique(seq), intended(seq) + 200_000)
    clock.elapsed_ns = protocol.schedule_offset_ns(300, RATE)
    b.lost("connection reset")
    clock.advance(0.1)
    b.resumed()
    for seq in range(450, 1000):
        b.on_unique(unique(seq), intended(seq) + 200_000)
    end(b, 1000)
    result = b.result()
    assert result.disconnects == 1
    (outage,) = result.outages
    assert outage.missed == 150  # 300..449
    assert outage.ended_ns - outage.started_ns == 100_000_000
    assert outage.first_event_after_ms is not None
    assert 149.0 <= outage.first_event_after_ms <= 151.0  # write 450 at +450 ms, lost at +300
    assert result.series[0].missed == 150


def test_a_shared_mode_outage_is_measured_from_the_first_read_after_it() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="shared")
    for seq in range(300):
        b.on_shared(intended(seq) + 200_000, value(seq), intended(seq) + 250_000)
    b.lost("killed")
    b.resumed()
    for seq in range(400, 1000):
        b.on_shared(intended(seq) + 200_000, value(seq), intended(seq) + 250_000)
    end(b, 1000)
    assert not b.complete()  # after an outage, losses are estimates: it waits for the drain
    result = b.result()
    assert (result.notifications, result.lost_notifications) == (900, 100)
    assert result.outages[0].missed == 100
    assert protocol_summary(result.latency).max < 1.0  # the mapping re-synced after the loss
    assert result.negative_latencies == 0


def test_a_shared_mode_outage_is_costed_from_the_writers_total_not_a_late_read() -> None:
    # The first read after the outage found a write 3 newer than the one notified: trusting it
    # would number every later notification 3 too high (15 ms early at 200/s: negative latency).
    b = book(FakeClock(), keyMode="shared")
    for seq in range(300):
        b.on_shared(intended(seq) + 200_000, value(seq), intended(seq) + 250_000)
    b.lost("killed")
    b.resumed()
    for seq in range(400, 1000):
        newest = seq + 3 if seq == 400 else seq
        b.on_shared(intended(seq) + 200_000, value(newest), intended(seq) + 250_000)
    end(b, 1000)
    result = b.result()
    assert result.outages[0].missed == 100 and result.lost_notifications == 100
    assert result.negative_latencies == 0
    assert protocol_summary(result.latency).max < 1.0


def test_the_book_is_done_when_complete_after_the_drain_or_when_asked_to_stop() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="unique")
    now = clock.monotonic_ns() / 1e9
    assert not b.done(now)
    b.on_unique(unique(0), intended(0))
    end(b, 2)  # write 1 never comes
    assert not b.done(clock.monotonic_ns() / 1e9)
    clock.advance(2.0)
    assert b.done(clock.monotonic_ns() / 1e9)  # the drain time has passed
    stopped = book(FakeClock(), keyMode="unique")
    stopped.stop("stopped by SIGTERM")
    assert stopped.done(0.0)
    assert stopped.error == "stopped by SIGTERM after 0 of 1 writer(s) announced their end"


def test_after_an_outage_the_book_stops_once_the_schedule_and_the_drain_are_over() -> None:
    # The end marker went out while the observer was away: waiting for it would lose the
    # document (the runners collect without stragglers), so the schedule tells when to stop.
    clock = FakeClock()
    b = book(clock, keyMode="unique", writes=1000)
    for seq in range(300):
        b.on_unique(unique(seq), intended(seq) + 200_000)
    b.lost("connection reset")
    clock.advance(0.5)
    b.resumed()
    clock.elapsed_ns = protocol.schedule_offset_ns(1000, RATE)  # the last write is due now
    assert not b.done(clock.monotonic_ns() / 1e9)
    clock.advance(2.0 + 2.9)  # drain (2 s) + most of the grace
    assert not b.done(clock.monotonic_ns() / 1e9)
    clock.advance(0.2)
    assert b.done(clock.monotonic_ns() / 1e9)
    assert b.error is not None and "end marker sent during an outage" in b.error
    calm_clock = FakeClock()
    calm = book(calm_clock, keyMode="unique", writes=1000)
    calm.on_unique(unique(0), intended(0))
    calm_clock.advance(60.0)
    assert not calm.done(calm_clock.monotonic_ns() / 1e9)  # no outage: wait for the marker


def test_a_writer_the_schedule_kills_is_not_awaited_past_the_schedule_and_the_drain() -> None:
    clock = FakeClock()
    kill = [{"atSeconds": 0.5, "action": "killWriter", "writer": 1}]
    b = book(clock, faults=kill, keyMode="unique", writes=1000, writers=2)
    for seq in range(1000):
        b.on_unique(unique(seq), intended(seq) + 200_000)
    end(b, 1000)  # writer 0 ends; writer 1 was killed and never will
    clock.elapsed_ns = protocol.schedule_offset_ns(1000, RATE)
    clock.advance(2.0 + 2.9)
    assert not b.done(clock.monotonic_ns() / 1e9)
    clock.advance(0.2)
    assert b.done(clock.monotonic_ns() / 1e9)
    assert b.error is not None and "1 of 2 writer(s) announced their end" in b.error


def test_a_sampling_observer_answers_the_multiples_of_n_and_measures_every_event() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="unique", handshake_every=10)
    answered = [
        seq for seq in range(95) if b.on_unique(unique(seq), intended(seq) + 300_000) is not None
    ]
    assert answered == list(range(0, 95, 10))
    assert b.result().writers["0"].distinct == 95


def test_a_sampling_observer_in_shared_mode_answers_by_the_notified_write() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="shared", handshake_every=4)
    answers = [
        b.on_shared(intended(seq) + 200_000, value(seq), intended(seq) + 250_000)
        for seq in range(9)
    ]
    assert [a.seq for a in answers if a is not None] == [0, 4, 8]


def test_an_event_read_with_the_resubscription_ends_the_outage_no_later_than_itself() -> None:
    clock = FakeClock()
    b = book(clock, keyMode="unique")
    b.on_unique(unique(0), intended(0))
    b.lost("connection closed")
    clock.advance(0.005)
    read_at = clock.wall_ns()  # the event and the subscription's confirmation in one read
    clock.advance(0.000_02)
    b.resumed()
    b.on_unique(unique(5), read_at)
    end(b, 6)
    [outage] = b.result().outages
    assert outage.ended_ns == read_at
    assert outage.first_event_after_ms is not None
    assert outage.first_event_after_ms >= (outage.ended_ns - outage.started_ns) / 1e6
