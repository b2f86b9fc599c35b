"""A server that cannot serve yet (LOADING, BUSY, MASTERDOWN, TRYAGAIN) is a pause: the writer
goes on with its schedule, the writes refused are reported as not written (with their times),
and no observer counts them as missed. Pure parts, driven by a fake clock and plain documents."""

from __future__ import annotations

import itertools

import redis
from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    WriterCounts,
    WriterResult,
    merge_run,
)
from kobench.measure.series import MissedWrites, NotWritten, ObserverSecond
from kobench.plugins.connections import busy, busy_reply
from kobench.plugins.observers.book import EventBook
from kobench.plugins.observers.ending import EndMarkers
from kobench.roles.observer_role import observer_context
from kobench.roles.refusals import skip_notes
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.schedule import Progress, Schedule, write_all

RATE = 1000
CLIENT = ClientInfo(python="3.11", redis_py="8.1", hiredis=True, host="h")


def test_the_busy_answers_are_told_from_real_errors() -> None:
    loading = redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory")
    assert busy_reply(loading) == "LOADING Redis is loading the dataset in memory"
    assert busy(redis.ResponseError("BUSY Redis is busy running a script."))
    assert busy(redis.exceptions.MasterDownError("Link with MASTER is down"))
    assert busy(redis.exceptions.TryAgainError("Multiple keys request during rehashing"))
    assert not busy(redis.ResponseError("WRONGTYPE Operation against a key"))
    assert not busy(redis.ConnectionError("Connection refused"))


def test_the_writer_keeps_its_schedule_through_a_refusal_and_backs_off_within_bounds() -> None:
    # The engine refuses every write sent from 1.0 s to 1.3 s after the start (loading).
    clock = FakeClock()
    schedule = Schedule.starting_now(clock, rate=RATE, total=2000, warmup=0)
    progress = Progress(writer=3)
    loading = (schedule.start_mono_ns + 1_000_000_000, schedule.start_mono_ns + 1_300_000_000)
    attempts: list[int] = []

    def send(start: int, stop: int) -> list[tuple[int, str]]:
        now = clock.monotonic_ns()
        clock.advance(0.0001)
        if loading[0] <= now < loading[1]:
            attempts.append(now)
            return [
                (n, "LOADING Redis is loading the dataset in memory") for n in range(start, stop)
            ]
        return []

    write_all(schedule, clock, send, progress)
    assert progress.sent == 2000  # the whole schedule went out
    (run,) = progress.not_written
    # Refused from the write due at 1.0 s; those due while it waited to try again went out late,
    # once the engine served again (at most one longest wait late).
    assert (run.writer, run.first_seq) == (3, 1000) and 250 <= run.count <= 300
    assert progress.max_lag_ns <= 50_200_000
    assert run.first_due_ns == schedule.intended_ns(1000) and run.reason.startswith("LOADING")
    # Attempts while refused: 5 ms apart at first, then doubling to 50 ms, never more often.
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps and min(gaps) >= 5_000_000 and max(gaps) <= 50_200_000


def test_an_end_marker_says_how_many_were_refused_and_the_observer_waits_for_the_rest() -> None:
    end = protocol.End(writer=0, sent=2000, at_ns=5, refused=120)
    prefix = protocol.end_prefix("kobench:hs", "r")
    assert protocol.decode_end_key(protocol.end_key(prefix, end), prefix) == end
    plain = protocol.End(writer=0, sent=10, at_ns=5)
    assert (
        protocol.end_key(prefix, plain).count(":") == protocol.end_key(prefix, end).count(":") - 1
    )
    markers = EndMarkers()
    markers.arrived(end, 10, 10)
    assert markers.made(0) == 1880 and markers.expected() == 1880


def test_shared_mode_skips_the_refused_writes_when_it_numbers_notifications() -> None:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": RATE, "warmupSeconds": 0, "keyMode": "shared"},
            "observers": [{"name": "obs", "mode": "sync", "handshake": False}],
        }
    )
    config = RoleConfig(run_id="r", spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=1)])
    clock = FakeClock()
    book = EventBook(observer_context(config, "obs", 0, None), clock=clock)
    start = clock.wall_ns()
    notes = skip_notes(spec.workload.handshake_key, "r", 0, 60)
    notes.refused(list(range(100, 150)))  # writes 100..149 refused
    (note,) = notes.items()
    for seq in range(300):
        if 100 <= seq < 150:
            continue
        if seq == 150:
            book.on_end(note[0].encode(), start)  # the note goes just before write 150
        intended = start + protocol.schedule_offset_ns(seq, RATE)
        value = protocol.encode_value(Write(0, seq, 0, intended), 64)
        book.on_shared(intended + 200_000, value, intended + 300_000)
    end = protocol.End(0, 300, start, refused=50)
    book.on_end(protocol.end_key(book.context.end_prefix, end).encode(), start)
    assert book.complete()
    result = book.result()
    # Numbered as the writes they are: 0.2 ms each (not 50 ms, as the 50 refused would shift it).
    latency = result.series[0]
    assert latency.max_ms is not None and latency.max_ms < 0.25
    assert (latency.events, latency.missed) == (250, 50)  # the merge takes the 50 out


def test_the_merge_takes_refused_writes_out_of_every_loss() -> None:
    spec = parse_spec(
        {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {
                "rate": RATE,
                "warmupSeconds": 0,
                "durationSeconds": 3,
                "keyMode": "unique",
            },
            "observers": [{"name": "obs", "mode": "sync", "handshake": False}],
        }
    )
    refused = NotWritten(writer=0, first_seq=1200, last_seq=1499, first_due_ns=1_200, reason="x")
    writer = WriterResult(
        writer_id=0,
        target_replicas=[0],
        client=CLIENT,
        started_ns=0,
        ended_ns=1,
        sent=3000,
        warmup_writes=0,
        measured_seconds=3.0,
        achieved_rate=RATE,
        not_written=[refused],
    )
    # The observer saw every write made, and thought the refused ones (and two more) missed.
    observer = ObserverResult(
        name="obs",
        instance=0,
        mode="sync",
        target_replica=0,
        client=CLIENT,
        started_ns=0,
        ended_ns=1,
        writers={"0": WriterCounts(distinct=2698, highest_seq=2999)},
        series=[
            ObserverSecond(t=0, events=1000),
            ObserverSecond(t=1, events=700, missed=300),
            ObserverSecond(t=2, events=998, missed=2),
        ],
        missed_writes=[
            MissedWrites(writer=0, first_seq=1200, last_seq=1499, missed=300, first_due_ns=1_200),
            MissedWrites(writer=0, first_seq=2500, last_seq=2501, missed=2, first_due_ns=2_500),
        ],
    )
    result = merge_run(
        benchmark="b",
        run_id="r",
        spec=spec,
        writers=[writer],
        observers=[observer],
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=0,
        finished_ns=1,
    )
    (obs,) = result.observers
    assert (result.writers.sent, result.writers.not_written) == (2700, 300)
    assert (obs.expected, obs.received, obs.missed) == (2700, 2698, 2)
    assert [s.missed for s in obs.series] == [0, 0, 2]
    assert "observer obs missed 2 of 2700" in " ".join(result.reasons)
