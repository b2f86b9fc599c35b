"""What the merged result, the table and the status say about delivery: the mechanism that ran,
its guarantee and the figures that apply; a stream group counted as one observer, from its
consumers' books and its audit (a consumer killed before acknowledging takes nothing with it)."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_clock import FakeClock

from kobench.api import parse_spec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    WriterResult,
    merge_run,
)
from kobench.measure.results.probe_docs import ProbeResult, ReplicaProbe
from kobench.measure.results.role_docs import GroupAudit
from kobench.plugins.observers.book import EventBook
from kobench.present.run_table import render_result
from kobench.roles.observer_role import observer_context
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.run.reducers import summarize_run

RATE = 1000
TOTAL = 1000
START = FakeClock().wall_ns()
MS = 1_000_000


def spec_of(delivery: dict[str, Any], replicas: int = 1, **workload: Any) -> dict[str, Any]:
    return {
        "engine": {"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
        "workload": {
            "rate": RATE,
            "warmupSeconds": 0,
            "writes": TOTAL,
            "keyMode": "unique",
            **workload,
        },
        "delivery": delivery,
        "observers": [{"name": "app", "mode": "async", "replicas": replicas}],
    }


def words(text: str) -> str:
    """The table's text with its line wrapping undone."""
    return " ".join(text.split())


def intended(seq: int) -> int:
    return START + protocol.schedule_offset_ns(seq, RATE)


def consumer(spec: dict[str, Any], instance: int, seqs: list[int], **set_: Any) -> ObserverResult:
    config = RoleConfig(
        run_id="r", spec=parse_spec(spec), endpoints=[Endpoint(host="127.0.0.1", port=1)]
    )
    book = EventBook(observer_context(config, "app", instance, None), clock=FakeClock())
    for seq in seqs:
        key = protocol.unique_key("kobench", "r", Write(0, seq, 0, intended(seq)))
        book.on_unique(key.encode(), intended(seq) + MS)
    for name, value in set_.items():
        setattr(book, name, value)
    end = protocol.End(0, TOTAL, intended(TOTAL))
    book.on_end(protocol.end_key(book.context.end_prefix, end).encode(), intended(TOTAL))
    return book.result()


def merged(spec: dict[str, Any], observers: list[ObserverResult]) -> RunResult:
    writer = WriterResult(
        writer_id=0,
        target_replicas=[0],
        client=ClientInfo(python="3.11", redis_py="8.1", hiredis=True, host="h"),
        started_ns=START,
        ended_ns=intended(TOTAL),
        measured_start_ns=START,
        sent=TOTAL,
        measured_seconds=TOTAL / RATE,
        achieved_rate=RATE,
    )
    return merge_run(
        benchmark="delivery",
        run_id="r",
        spec=parse_spec(spec),
        writers=[writer],
        observers=observers,
        engine=EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=True, converged=True),
        started_ns=START,
        finished_ns=intended(TOTAL),
        probe=ProbeResult(
            engine="redis",
            mechanism="keyevent",
            command="set",
            started_ns=START,
            ended_ns=START,
            replicas=[ReplicaProbe(index=0, version="redis 7.0.15", hz=10)],
        ),
    )


def test_the_result_says_which_mechanism_ran_and_which_figures_apply() -> None:
    spec = spec_of({"mechanism": "stream"})
    result = merged(spec, [consumer(spec, 0, list(range(TOTAL)), redelivered=4)])
    delivery = result.delivery
    assert (delivery.mechanism, delivery.guarantee) == ("stream:group", "at-least-once")
    assert "redelivered" in delivery.figures and delivery.command == "set"
    (app,) = result.observers
    assert (app.mechanism, app.guarantee, app.redelivered) == ("stream:group", "at-least-once", 4)
    text = words(render_result(result))
    assert "delivery: stream:group, set; at-least-once: acknowledged" in text
    assert "at-least-once of app: redelivered 4" in text
    summary = summarize_run(result)
    assert (summary.mechanism, summary.guarantee) == ("stream:group", "at-least-once")
    assert summary.observers[0].redelivered == 4


def test_a_shared_group_is_one_observer_whose_missed_is_what_it_never_acknowledged() -> None:
    spec = spec_of({"mechanism": "stream"}, replicas=2)
    evens = consumer(spec, 0, list(range(0, 600, 2)))  # then killed: its document is lost
    odds = consumer(
        spec, 1, list(range(1, TOTAL, 2)) + list(range(600, TOTAL, 2)), group_audit=(0, 0)
    )
    result = merged(spec, [odds])
    (app,) = result.observers
    assert (app.expected, app.missed, app.received) == (TOTAL, 0, TOTAL)
    assert app.unacknowledged == 0
    both = merged(spec, [evens, odds.model_copy(update={"group_audit": None})])
    assert both.observers[0].missed == 0 and both.observers[0].expected == TOTAL
    audit = GroupAudit(pending=3, undelivered=2)
    left = merged(spec, [odds.model_copy(update={"group_audit": audit})])
    assert (left.observers[0].missed, left.observers[0].unacknowledged) == (5, 5)
    assert "left unacknowledged by the group 5" in words(render_result(left))


def test_an_expiry_run_states_its_due_times_reads_and_hz() -> None:
    spec = spec_of({"mechanism": "keyevent"}, command="expire", expiry={"afterMs": 50})
    result = merged(spec, [consumer(spec, 0, list(range(TOTAL)))])
    expiry = result.delivery.expiry
    assert expiry is not None and (expiry.after_ms, expiry.read_at_due, expiry.hz) == (
        50,
        False,
        10,
    )
    assert result.delivery.event == "expired"
    text = words(render_result(result))
    assert "delivery: keyevent, expire (event expired); at-most-once" in text
    assert "expiry: keys due 50 ms after their write, never read" in text
    assert "engine hz 10" in text


def test_today_s_run_reads_as_keyevent_at_most_once() -> None:
    spec = spec_of({})
    result = merged(spec, [consumer(spec, 0, list(range(TOTAL)))])
    assert result.delivery.mechanism == "keyevent" and result.delivery.guarantee == "at-most-once"
    assert result.delivery.figures == ["missed", "duplicates", "outages"]
    assert result.observers[0].redelivered == 0 and result.observers[0].unacknowledged is None
