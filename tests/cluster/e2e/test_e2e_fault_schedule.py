"""The fault schedule in pods, for real: a paused primary, a killed replica pod (its
StatefulSet brings it back empty) and a killed observer pod, each at its time on the writers'
schedule, and what the run reports about them.

Truth: the pause lasts 2 s, so every observer's outage around it is about 2 s; the killed
replica's observer goes without events until the replica is back and resynced, and the resync
is measured; the killed observer is the fault's target and fails nothing.
"""

from __future__ import annotations

from typing import Any

from tests.cluster.e2e.bench import Installation, example, short_run

PAUSE_S = 2.0


def _run_to_a_pass(
    installation: Installation, document: dict[str, Any], record_timing: Any, what: str
) -> dict[str, Any]:
    """Apply the benchmark and wait for its end: it must have Succeeded and Passed."""
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=240)
    record_timing(f"fault-schedule ({what})", clock.durations())
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status["reasons"]
    return body


def test_a_fault_schedule_runs_to_a_verdict_with_outages_that_match_the_faults(
    installation: Installation, record_timing: Any
) -> None:
    name = "fault-schedule"
    document = short_run(
        example("cross-replica"),
        name=name,
        rate=200,
        seconds=22,  # the killed replica's pod is back and resolvable well before the end
        cleanup="Keep",
        thresholds={"faults": {"maxOutageMs": 20000, "maxLost": 5000}},
        timeouts={"runSeconds": 180, "drainSeconds": 5},
        observers=[
            {"name": "near", "mode": "async", "targetReplica": 0},
            {"name": "far", "mode": "async", "targetReplica": 1},
            # Two instances: the kill takes instance 0; a run whose observer measured nothing
            # is never Passed.
            {"name": "doomed", "mode": "sync", "targetReplica": 0, "replicas": 2},
        ],
        faults=[
            {"atSeconds": 2, "action": "pauseReplica", "replica": 0, "durationSeconds": PAUSE_S},
            {"atSeconds": 5, "action": "killObserver", "observer": "doomed"},
            {"atSeconds": 6, "action": "killReplica", "replica": 1},
        ],
    )
    document["spec"]["engine"]["replicas"] = 2
    body = _run_to_a_pass(
        installation, document, record_timing, "pause 2 s, observer and replica killed"
    )
    assert body["status"]["summary"]["faults"] == 3, body["status"]["summary"]
    result = installation.results(body)
    pause, kill_observer, kill_replica = result["faults"]
    print(f"TRUTH cluster fault schedule: {result['faults']}")
    for impact in pause["observers"]:
        if not impact["killed"]:
            assert PAUSE_S * 1000 <= impact["outageMs"] <= PAUSE_S * 1000 + 600, pause
    assert abs(pause["appliedAtSeconds"] - 2) < 0.5 and pause["durationMs"] == 2000.0
    assert abs(kill_observer["appliedAtSeconds"] - 5) < 1.0, kill_observer
    # The killed instance left no document: it is listed as the fault's target, killed.
    hit = {i["observer"]: i["killed"] for i in kill_observer["observers"]}
    assert hit == {"near.0": False, "far.0": False, "doomed.0": True, "doomed.1": False}, hit
    assert abs(kill_replica["appliedAtSeconds"] - 6) < 1.0, kill_replica
    assert kill_replica["resyncMs"] is not None and kill_replica["resyncMs"] > 0, kill_replica
    far = next(i for i in kill_replica["observers"] if i["observer"] == "far.0")
    assert far["outageMs"] is not None and far["outageMs"] > 500, far
    pods = {p["metadata"]["name"] for p in installation.pods_of(name)}
    assert not any(p.endswith("-obs-doomed-0") for p in pods), pods
    wide = installation.kubectl("get", "kob", name, "-n", installation.namespace, "-o", "wide")
    assert "WORST-OUTAGE" in wide.stdout and "FAULTS" in wide.stdout, wide.stdout


def test_dropped_stream_consumers_and_a_killed_writer_in_pods(
    installation: Installation, record_timing: Any
) -> None:
    """Valkey, delivery through a stream with consumer groups (at least once): the consumers
    on the primary dropped at 2 s (they reconnect and read on from their group: an outage,
    nothing lost, what was written meanwhile caught up), and writer 1's pod killed at 5 s
    (writer 0 goes on). A pub/sub subscriber loses what was sent while it was away (the gap
    truth of the engine tier); a group consumer loses nothing."""
    name = "fault-drop-kill-writer"
    document = short_run(
        example("cross-replica"),
        name=name,
        engine="valkey",
        rate=100,
        seconds=8,
        cleanup="Keep",
        thresholds={"faults": {"maxOutageMs": 5000, "maxLost": 500}},
        timeouts={"runSeconds": 180, "drainSeconds": 5},
        # A group is read and acknowledged where the writers add (XREADGROUP writes the
        # group's state): both observers on the primary, one sync and one async.
        observers=[
            {"name": "near", "mode": "async", "targetReplica": 0},
            {"name": "near-sync", "mode": "sync", "targetReplica": 0},
        ],
        delivery={"mechanism": "stream", "variant": "group"},
        faults=[
            {"atSeconds": 2, "action": "dropSubscribers", "replica": 0},
            {"atSeconds": 5, "action": "killWriter", "writer": 1},
        ],
    )
    document["spec"]["engine"]["replicas"] = 2
    document["spec"]["workload"]["writers"] = 2
    body = _run_to_a_pass(
        installation, document, record_timing, "subscribers dropped, writer killed"
    )
    result = installation.results(body)
    drop, kill_writer = result["faults"]
    print(f"TRUTH cluster drop and kill writer: {result['faults']}")
    assert abs(drop["appliedAtSeconds"] - 2) < 0.5, drop
    for impact in drop["observers"]:  # both consumers were cut; neither lost a write
        assert impact["lost"] == 0, impact
    assert body["status"]["summary"]["mechanism"] == "stream:group"
    assert body["status"]["summary"]["guarantee"] == "at-least-once"
    for observer in result["observers"]:
        print(
            f"TRUTH cluster stream group, consumers dropped: {observer['name']} received "
            f"{observer['received']} of {observer['expected']}, missed {observer['missed']}, "
            f"caught up {observer['caughtUp']}, redelivered {observer['redelivered']}, "
            f"duplicates {observer['duplicates']}, disconnects {observer['disconnects']}"
        )
        assert observer["mechanism"] == "stream:group", observer
        assert observer["disconnects"] >= 1, observer  # the drop did cut it
        assert observer["missed"] == 0 and observer["duplicates"] == 0, observer
        assert observer["received"] == observer["expected"] > 0, observer
    probe = result["probe"]  # the probe pod asked the primary before the observers started
    assert probe["answers"] and all(a["supported"] for a in probe["answers"]), probe
    assert abs(kill_writer["appliedAtSeconds"] - 5) < 1.0, kill_writer
    assert result["writers"]["writers"] == 1 and result["writers"]["silent"] == [1], result[
        "writers"
    ]
    pods = {p["metadata"]["name"] for p in installation.pods_of(name)}
    assert not any(p.endswith("-writer-1") for p in pods), pods


def test_a_replaced_primary_is_linked_again_within_seconds_of_being_ready(
    installation: Installation, record_timing: Any
) -> None:
    """Redis, three replicas: the primary's pod killed at 2 s. Its StatefulSet starts a
    successor under the same Service; the replicas must link to it within seconds of it being
    ready, not after their replication timeout (60 s by default: the connection they opened
    while the departed pod still terminated hung). The same happened to KeyDB's peers. (The
    writer, on the primary, loses its engine: the run is Failed, and collected.)"""
    name = "fault-replaced-primary"
    document = short_run(
        example("cross-replica"),
        name=name,
        rate=100,
        seconds=20,
        cleanup="Keep",
        timeouts={"runSeconds": 180, "drainSeconds": 5},
        observers=[{"name": "far", "mode": "async", "targetReplica": 1}],
        faults=[{"atSeconds": 2, "action": "killReplica", "replica": 0}],
    )
    document["spec"]["engine"]["replicas"] = 3
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=240)
    record_timing("fault-schedule (primary replaced)", clock.durations())
    assert body["status"]["phase"] == "Succeeded", body["status"]
    (kill,) = installation.results(body)["faults"]
    print(f"TRUTH replaced primary: resync {kill['resyncMs']} ms, {kill}")
    # The successor starts and loads nothing in about two seconds; the links follow at once.
    assert kill["resyncMs"] is not None and kill["resyncMs"] < 12_000, kill
    recorded = body["status"]["faults"]["kills"][0]
    assert recorded["recoveredNs"] > recorded["appliedNs"], recorded
