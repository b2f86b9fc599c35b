"""What the run's table says of a target: where it wrote and listened, as whom and how it
verified the server, the rate limit, the keys it removed, and a cleanup that failed."""

from __future__ import annotations

from kobench.measure.results.target_docs import TargetRecord

RECORD = TargetRecord(
    endpoints=["10.0.0.5:6380", "10.0.0.6:6380"],
    write_endpoint=0,
    observe_endpoint=1,
    roles=["primary", "replica"],
    username="kobench",
    tls=True,
    key_prefix="kobench:run-1:",
    max_rate=1000,
    notify_keyspace_events="KE$",
    keys_removed=1501,
)


def test_the_target_in_words() -> None:
    assert RECORD.lines() == [
        "target: 10.0.0.5:6380 (primary, written), 10.0.0.6:6380 (replica, observed); "
        "user kobench, TLS, verified",
        "rate limit: 1000 writes/s in total (spec.target.maxRate)",
        "target keys: 1501 removed under kobench:run-1:, 0 left; configuration unchanged",
    ]


def test_unverified_tls_and_a_failed_cleanup_are_said() -> None:
    record = RECORD.model_copy(
        update={"tls_verified": False, "keys_left": -1, "cleanup_error": "Connection refused"}
    )
    lines = record.lines()
    assert lines[0].endswith("user kobench, TLS, NOT verified")
    assert lines[2] == "target keys under kobench:run-1: NOT removed: Connection refused"
