"""The writer's handshake listener: round trips on one clock, and the observer's clock offset."""

from __future__ import annotations

from array import array

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Handshake
from kobench.roles.handshakes import HandshakeListener, glob_escape, handshake_subscription
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.writer_rules import expected_handshakes

PREFIX = protocol.answer_prefix("handshake_key", "r")
SKEW_NS = 20_000_000  # the observer's wall clock runs 20 ms ahead


def listener(warmup: int) -> HandshakeListener:
    total = 100
    sent_wall = array("q", [1_000_000_000 + n * 1_000_000 for n in range(total)])
    sent_mono = array("q", [5_000_000 + n * 1_000_000 for n in range(total)])
    return HandshakeListener(0, PREFIX, sent_wall, sent_mono, warmup=warmup)


def answer(hl: HandshakeListener, seq: int, there_ns: int, back_ns: int) -> None:
    t1 = hl.sent_wall[seq]
    t2 = t1 + there_ns + SKEW_NS  # observer's clock
    t3 = t2 + 30_000
    t4 = t3 - SKEW_NS + back_ns  # writer's clock
    key = protocol.handshake_key(PREFIX, Handshake("obs.0", 0, seq, t2, t3)).encode()
    hl.book(key, t4, hl.sent_mono[seq] + (t4 - t1))


def test_warm_up_answers_give_clock_samples_but_no_round_trip() -> None:
    # Defect fixed: round trips included warm-up writes while event latency excluded them.
    hl = listener(warmup=10)
    for seq in range(100):
        answer(hl, seq, 200_000, 200_000 if seq >= 10 else 5_000_000)
    assert hl.rtt["obs.0"].get_total_count() == 90
    assert hl.rtt["obs.0"].get_max_value() < 500  # us: the slow warm-up answers are not in it
    assert hl.count["obs.0"] == 100


def test_the_clock_offset_is_recovered_within_its_stated_uncertainty() -> None:
    hl = listener(warmup=0)
    for seq in range(100):
        asymmetry = (seq % 7) * 20_000  # up to 120 us more on the way back
        answer(hl, seq, 150_000, 150_000 + asymmetry)
    sample = hl.clock()["obs.0"]
    assert abs(sample.offset_us - SKEW_NS / 1000) <= sample.delay_us / 2
    assert sample.delay_us < 400


def test_answers_for_someone_else_or_for_writes_never_sent_are_ignored() -> None:
    hl = listener(warmup=0)
    other = protocol.handshake_key(PREFIX, Handshake("obs.0", 1, 5, 1, 2)).encode()
    beyond = protocol.handshake_key(PREFIX, Handshake("obs.0", 0, 10_000, 1, 2)).encode()
    hl.book(other, 0, 0)
    hl.book(beyond, 0, 0)
    assert hl.total == 0


def test_with_the_k_flag_the_listener_watches_only_the_handshake_keys_channels() -> None:
    sub = handshake_subscription("KE$", 3, PREFIX)
    assert sub.pattern and sub.channel == f"__keyspace@3__:{PREFIX}*"
    key = protocol.handshake_key(PREFIX, Handshake("obs.0", 0, 5, 1, 2)).encode()
    assert sub.key_of(b"__keyspace@3__:" + key, b"set") == key


def test_a_watched_keys_expire_and_expiry_are_not_taken_for_answers() -> None:
    # With g, x or A among the flags, SET ... EX also fires "expire", and later "expired".
    sub = handshake_subscription("KEA", 0, PREFIX)
    channel = f"__keyspace@0__:{PREFIX}obs.0:0:5:1:2".encode()
    assert sub.key_of(channel, b"expire") is None
    assert sub.key_of(channel, b"expired") is None


def test_without_the_k_flag_the_listener_takes_every_set_from_the_keyevent_channel() -> None:
    sub = handshake_subscription("E$", 0, PREFIX)
    assert (sub.pattern, sub.channel) == (False, "__keyevent@0__:set")
    assert sub.key_of(b"__keyevent@0__:set", b"any-key") == b"any-key"


def test_glob_characters_in_a_prefix_match_only_themselves() -> None:
    assert glob_escape("a*b?[c]\\d") == "a\\*b\\?\\[c\\]\\\\d"


def test_the_writer_waits_for_the_answers_each_observer_samples() -> None:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "observers": [
                {"name": "every", "mode": "sync"},
                {"name": "tenth", "mode": "async", "replicas": 2, "handshakeEvery": 10},
                {"name": "silent", "mode": "async", "handshake": False},
            ],
        }
    )
    config = RoleConfig(run_id="r", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    # 25 writes: "every" answers 25; each "tenth" instance answers 0, 10 and 20.
    assert expected_handshakes(config, 25) == 25 + 2 * 3
