"""The stop decision and key classification an observer's book relies on, from plain values."""

from __future__ import annotations

from dataclasses import replace

from kobench.measure import protocol
from kobench.measure.protocol import End, Write
from kobench.plugins.observers.ending import (
    AFTER_SCHEDULE_GRACE_S,
    EndMarkers,
    EndState,
    decide_stop,
)
from kobench.plugins.observers.keys import END, OTHER, SHARED, UNIQUE, EventKeys

RUNNING = EndState(
    complete=False,
    ended=0,
    writers=2,
    stopped=None,
    since_last_end_s=None,
    drain_s=2.0,
    end_marker_may_be_lost=False,
    past_schedule_s=None,
    past_deadline=False,
)


def test_a_complete_observer_stops_without_a_reason() -> None:
    decision = decide_stop(replace(RUNNING, complete=True, stopped="SIGTERM", past_deadline=True))
    assert decision.stop and decision.reason is None


def test_an_observer_keeps_going_while_writers_have_not_ended() -> None:
    assert not decide_stop(replace(RUNNING, ended=1, past_schedule_s=100.0)).stop


def test_after_every_end_marker_it_waits_the_drain_and_then_stops_without_blame() -> None:
    ended = replace(RUNNING, ended=2)
    assert not decide_stop(replace(ended, since_last_end_s=1.9)).stop
    late = decide_stop(replace(ended, since_last_end_s=2.0))
    assert late.stop and late.reason is None


def test_a_signal_stops_it_and_says_how_many_writers_had_ended() -> None:
    decision = decide_stop(replace(RUNNING, ended=1, stopped="SIGTERM"))
    assert decision.stop
    assert decision.reason == "SIGTERM after 1 of 2 writer(s) announced their end"


def test_a_lost_end_marker_stops_it_after_the_schedule_the_drain_and_the_grace() -> None:
    lost = replace(RUNNING, end_marker_may_be_lost=True)
    wait = 2.0 + AFTER_SCHEDULE_GRACE_S
    assert not decide_stop(replace(lost, past_schedule_s=wait - 0.1)).stop
    decision = decide_stop(replace(lost, past_schedule_s=wait))
    assert decision.stop and decision.reason is not None
    assert "after the schedule's last write" in decision.reason
    # Without an outage or a killed writer the marker is only late: wait for the deadline.
    assert not decide_stop(replace(RUNNING, past_schedule_s=wait * 10)).stop


def test_the_deadline_stops_it_and_names_the_timeout() -> None:
    decision = decide_stop(replace(RUNNING, past_deadline=True))
    assert decision.stop
    assert decision.reason == "0 of 2 writer(s) announced their end before the run timeout"


def test_end_markers_keep_the_first_lag_of_each_writer_and_the_largest_overall() -> None:
    markers = EndMarkers()
    markers.arrived(End(0, 100, 1_000_000), received_ns=4_000_000, monotonic_ns=7)
    markers.arrived(End(1, 50, 1_000_000), received_ns=2_000_000, monotonic_ns=8)
    markers.arrived(End(0, 100, 1_000_000), received_ns=90_000_000, monotonic_ns=9)  # again
    assert markers.sent == {0: 100, 1: 50}
    assert markers.expected() == 150
    assert markers.lag_ms == 3.0
    assert markers.last_at_ns == 9


def test_keys_are_told_apart_by_the_run_and_the_key_mode() -> None:
    keys = EventKeys(
        shared_key=b"kobench:shared",
        shared_mode=False,
        unique_prefix=protocol.unique_key_prefix("kobench", "run1"),
        end_prefix="kobench:end:run1:",
        handshake_prefix="kobench:hs:",
    )
    write = Write(0, 7, 1, 123)
    own = protocol.unique_key("kobench", "run1", write).encode()
    assert keys.classify(own) == UNIQUE
    assert keys.unique_write(own) == write
    assert keys.classify(protocol.unique_key("kobench", "run2", write).encode()) == OTHER
    assert keys.classify(b"kobench:end:run1:0:5:9") == END
    assert keys.classify(b"kobench:shared") == OTHER  # unique mode: the shared key is not ours
    assert replace(keys, shared_mode=True).classify(b"kobench:shared") == SHARED
