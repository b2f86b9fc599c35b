"""Key, value and handshake formats, and the sequence bookkeeping behind missed/duplicate counts."""

from __future__ import annotations

from kobench.measure import protocol
from kobench.measure.protocol import Handshake, Write
from kobench.measure.sequences import SequenceTracker
from kobench.plugins import connections as clients


def test_a_shared_value_carries_writer_sequence_replica_and_intended_time() -> None:
    write = Write(writer=3, seq=41, replica=2, intended_ns=1_700_000_000_123_456_789)
    value = protocol.encode_value(write, 128)
    assert len(value) == 128
    assert protocol.decode_value(value) == write
    assert protocol.decode_value(b"someone else's value") is None


def test_a_unique_key_is_self_describing_and_scoped_to_the_run() -> None:
    write = Write(0, 7, 1, 123)
    key = protocol.unique_key("kobench", "run-1", write)
    prefix = protocol.unique_key_prefix("kobench", "run-1")
    assert protocol.decode_unique_key(key.encode(), prefix) == write
    assert protocol.decode_unique_key(key, protocol.unique_key_prefix("kobench", "run-2")) is None


def test_a_handshake_key_carries_the_observer_timestamps() -> None:
    prefix = protocol.handshake_key_prefix("handshake_key", "r") + "hs:"
    answer = Handshake("sync.0", 0, 5, 1000, 2000)
    assert protocol.decode_handshake_key(protocol.handshake_key(prefix, answer), prefix) == answer


def test_the_tracker_counts_distinct_duplicate_out_of_order_and_missing() -> None:
    tracker = SequenceTracker()
    for seq in [0, 1, 3, 2, 3, 5, 10_000]:
        tracker.record(seq)
    assert tracker.distinct == 6
    assert tracker.duplicates == 1
    assert tracker.out_of_order == 1  # 2 arrived after 3
    assert tracker.missed_of(6) == 1  # 4 never came (10_000 is beyond the expected range)
    assert tracker.highest == 10_000


def test_an_end_marker_carries_the_writer_its_total_and_when() -> None:
    prefix = protocol.end_prefix("handshake_key", "r")
    end = protocol.End(writer=2, sent=12_000, at_ns=1_700_000_000_000_000_000)
    key = protocol.end_key(prefix, end)
    assert key.startswith("handshake_key:r:end:")
    assert protocol.decode_end_key(key.encode(), prefix) == end
    assert protocol.decode_end_key(key, protocol.end_prefix("handshake_key", "other")) is None
    assert not key.startswith(protocol.answer_prefix("handshake_key", "r"))


def test_one_writes_stamp_gives_every_other_stamp_of_its_writer_exactly() -> None:
    start = 1_700_000_000_000_000_000
    for rate in (1, 3, 7, 1000, 199_999):
        stamps = [start + protocol.schedule_offset_ns(n, rate) for n in range(0, 5000, 37)]
        anchor = stamps[-1] - protocol.schedule_offset_ns(37 * (len(stamps) - 1), rate)
        assert anchor == start


def test_clients_never_retry_so_a_lost_connection_is_seen() -> None:
    client = clients.client("127.0.0.1", 1, None)
    retry = client.get_connection_kwargs()["retry"]
    assert retry.get_retries() == 0
    aclient = clients.async_client("127.0.0.1", 1, None)
    assert aclient.get_connection_kwargs()["retry"].get_retries() == 0


def test_sampled_answers_are_the_multiples_of_n_and_the_writer_can_count_them() -> None:
    for every in (1, 3, 10):
        for sent in (0, 1, 9, 10, 11, 100):
            answered = [seq for seq in range(sent) if protocol.answered(seq, every)]
            assert len(answered) == protocol.answered_below(sent, every)
