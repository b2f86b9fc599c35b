"""The exact Redis commands of each fault and when each step is due (pure). KeyDB cannot run
here, so its path is pinned by these: the same commands reach every engine, and KeyDB's
cutReplication cuts the links to every peer at once."""

from __future__ import annotations

from typing import Any

import pytest

from kobench.api import Fault, parse_spec
from kobench.roles.fault_commands import end_commands, receivers_of, redacted, start_commands
from kobench.roles.fault_steps import NS, Step, steps

ENGINES = ["keydb", "redis", "valkey"]
WRONG = "kobench-cut-0123456789abcdef"


def fault(**fields: Any) -> Fault:
    return Fault.model_validate({"atSeconds": 1, **fields})


@pytest.mark.parametrize("engine", ENGINES)
def test_a_pause_is_one_client_pause_of_every_command_for_its_duration(engine: str) -> None:
    spec = parse_spec(
        {
            "engine": {"type": engine, "replicas": 2},
            "faults": [
                {"atSeconds": 1, "action": "pauseReplica", "replica": 1, "durationSeconds": 2.5}
            ],
        }
    )
    pause = spec.faults[0]
    assert start_commands(pause, wrong_password=WRONG) == [("CLIENT", "PAUSE", "2500", "ALL")]
    assert end_commands(pause, password="pw") == []  # the server lifts it on its own clock


def test_a_pause_of_a_fraction_of_a_millisecond_is_rounded() -> None:
    pause = fault(action="pauseReplica", replica=0, durationSeconds=0.0016)
    assert start_commands(pause, wrong_password=WRONG) == [("CLIENT", "PAUSE", "2", "ALL")]


def test_dropping_subscribers_kills_every_pubsub_client_of_the_replica() -> None:
    drop = fault(action="dropSubscribers", replica=0)
    assert start_commands(drop, wrong_password=WRONG) == [("CLIENT", "KILL", "TYPE", "pubsub")]
    assert end_commands(drop, password="pw") == []  # observers resubscribe on their own


def test_a_cut_sets_a_wrong_masterauth_then_kills_every_link_to_a_master() -> None:
    cut = fault(action="cutReplication", replica=1, durationSeconds=2)
    # Order matters: the password first, so the link killed cannot come back before the end.
    assert start_commands(cut, wrong_password=WRONG) == [
        ("CONFIG", "SET", "masterauth", WRONG),
        ("CLIENT", "KILL", "TYPE", "master"),
    ]
    assert end_commands(cut, password="run-password") == [
        ("CONFIG", "SET", "masterauth", "run-password")
    ]
    assert end_commands(cut, password=None) == [("CONFIG", "SET", "masterauth", "")]


def test_on_keydb_the_cut_reaches_every_peer_of_the_replica() -> None:
    # A KeyDB replica of a 3-node mesh replicates from both peers; CLIENT KILL TYPE master
    # closes every client of type master (one per peer), and the wrong masterauth applies to
    # every link, so no peer link survives the cut. The same two commands cut a Redis replica.
    spec = parse_spec(
        {
            "engine": {"type": "keydb", "replicas": 3},
            "faults": [
                {"atSeconds": 1, "action": "cutReplication", "replica": 0, "durationSeconds": 1}
            ],
        }
    )
    commands = start_commands(spec.faults[0], wrong_password=WRONG)
    kills = [c for c in commands if c[:2] == ("CLIENT", "KILL")]
    assert kills == [("CLIENT", "KILL", "TYPE", "master")]  # by type, not one peer's ADDR
    assert ("CONFIG", "SET", "masterauth", WRONG) in commands


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "killReplica", "replica": 0},
        {"action": "killObserver", "observer": "sync"},
        {"action": "killWriter", "writer": 0},
    ],
)
def test_kills_are_not_redis_commands(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not a Redis-command fault"):
        start_commands(fault(**fields), wrong_password=WRONG)


def test_a_logged_command_shows_no_password_right_or_wrong() -> None:
    assert redacted(("CONFIG", "SET", "masterauth", WRONG), [WRONG, "pw"]) == (
        "CONFIG SET masterauth ***"
    )
    assert redacted(("CONFIG", "SET", "masterauth", "pw"), [WRONG, "pw"]) == (
        "CONFIG SET masterauth ***"
    )


SCHEDULE = parse_spec(
    {
        "engine": {"type": "redis", "replicas": 3},
        "workload": {"rate": 100, "durationSeconds": 10, "writers": 2},
        "faults": [
            {"atSeconds": 4, "action": "killReplica", "replica": 1},
            {"atSeconds": 1.5, "action": "pauseReplica", "replica": 0, "durationSeconds": 2},
            {"atSeconds": 2, "action": "cutReplication", "replica": 2, "durationSeconds": 0.25},
            {"atSeconds": 3, "action": "killWriter", "writer": 1},
            {"atSeconds": 0, "action": "dropSubscribers", "replica": 2},
            {"atSeconds": 3, "action": "killObserver", "observer": "async"},
        ],
    }
)


def test_the_injector_gets_the_redis_command_faults_applied_and_lifted_in_time_order() -> None:
    start = 1_000 * NS
    assert steps(SCHEDULE, start, kills=False) == [
        Step(start, 4, "apply"),
        Step(start + 1_500_000_000, 1, "apply"),
        Step(start + 2 * NS, 2, "apply"),
        Step(start + 2_250_000_000, 2, "lift"),
        Step(start + 3_500_000_000, 1, "lift"),
    ]


def test_the_runner_gets_the_kills_once_each_never_lifted() -> None:
    start = 7 * NS
    assert steps(SCHEDULE, start, kills=True) == [
        Step(start + 3 * NS, 3, "apply"),
        Step(start + 3 * NS, 5, "apply"),  # same instant: in schedule order
        Step(start + 4 * NS, 0, "apply"),
    ]


def test_no_schedule_no_steps() -> None:
    spec = parse_spec({})
    assert steps(spec, NS, kills=False) == steps(spec, NS, kills=True) == []


def test_dropping_subscribers_also_cuts_every_other_receiving_connection_of_an_observer() -> None:
    listed = (
        "id=7 addr=127.0.0.1:1 laddr=127.0.0.1:2 fd=8 name=kobench-observer.r.app.0 age=3 "
        "flags=N db=0 sub=0 psub=0 cmd=xreadgroup user=default resp=2\n"
        "id=8 addr=127.0.0.1:3 laddr=127.0.0.1:2 fd=9 name= age=3 flags=N cmd=set\n"
        "id=9 addr=127.0.0.1:4 laddr=127.0.0.1:2 fd=10 name=kobench-observer.r.app.1.tracked "
        "age=1 flags=t cmd=ping\n"
    )
    assert receivers_of(listed, "kobench-observer.") == [
        ("CLIENT", "KILL", "ID", "7"),
        ("CLIENT", "KILL", "ID", "9"),
    ]


def test_against_a_target_only_this_runs_own_observers_are_dropped_by_id() -> None:
    drop = fault(action="dropSubscribers", replica=1)
    assert start_commands(drop, wrong_password=WRONG, own_only=True) == []  # no TYPE pubsub
    listed = (
        "id=3 addr=10.0.0.9:1 fd=8 name=app-worker age=9 flags=P sub=1 psub=0 cmd=subscribe\n"
        "id=4 addr=10.0.0.9:2 fd=9 name= age=9 flags=P sub=1 psub=0 cmd=subscribe\n"
        "id=5 addr=10.0.0.7:1 fd=10 name=kobench-observer.other-run.sync.0 flags=P cmd=subscribe\n"
        "id=6 addr=10.0.0.7:2 fd=11 name=kobench-observer.run-1.sync.0 flags=P cmd=subscribe\n"
    )
    assert receivers_of(listed, "kobench-observer.run-1.") == [("CLIENT", "KILL", "ID", "6")]
