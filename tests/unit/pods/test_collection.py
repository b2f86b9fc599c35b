"""The one collection core of the lifecycle, from plain documents."""

from __future__ import annotations

import json

from testkit import fake_kubelet as kubelet

from kobench.api import parse_spec
from kobench.measure.results import EngineFacts
from kobench.run.collection import NOT_CHECKED, RoleOutput, merge_outputs, result_line
from kobench.run.plan import Role

WRITER = Role("writer", 0)
SYNC = Role("observer", 0, "sync")
ASYNC = Role("observer", 0, "async")

SPEC = parse_spec(
    {
        "engine": {"replicas": 2},
        "workload": {"writes": 100, "warmupSeconds": 0},
        "observers": [{"name": "sync", "mode": "sync"}, {"name": "async", "mode": "async"}],
    }
)


def outputs(*, writer: str | None = None) -> list[RoleOutput]:
    return [
        RoleOutput(WRITER, writer if writer is not None else kubelet.writer_result(SPEC, 0)),
        RoleOutput(SYNC, kubelet.observer_result(SPEC, "sync", 0)),
        RoleOutput(ASYNC, kubelet.observer_result(SPEC, "async", 0)),
    ]


def test_the_last_result_line_wins_and_other_output_is_ignored() -> None:
    log = (
        'starting\nKOBENCH_RESULT {"a": 1}\nnoise KOBENCH_RESULT x\nKOBENCH_RESULT {"a": 2}\nbye\n'
    )
    assert result_line(log) == '{"a": 2}'
    assert result_line("no marker here\n") is None


def test_complete_documents_merge_to_a_passed_run_with_the_writers_engine_facts() -> None:
    result = merge_outputs(benchmark="b", run_id="r", spec=SPEC, outputs=outputs())
    assert result.verdict == "Passed", result.reasons
    assert result.engine.version == "6.3.4" and result.convergence.checked
    assert result.writers.sent == 100
    assert {o.name for o in result.observers} == {"sync", "async"}
    # The run's span is the roles' own: the fake documents last 2 s each.
    assert (result.finished_ns - result.started_ns) / 1e9 >= 2.0


def test_a_writer_without_engine_facts_falls_back_and_convergence_is_not_checked() -> None:
    bare = json.loads(kubelet.writer_result(SPEC, 0))
    bare.pop("engine")
    bare.pop("convergence")
    result = merge_outputs(
        benchmark="b", run_id="r", spec=SPEC, outputs=outputs(writer=json.dumps(bare))
    )
    assert (result.engine.type, result.engine.replicas, result.engine.version) == ("keydb", 2, "")
    assert result.convergence.checked is False and result.convergence.detail == NOT_CHECKED
    live = EngineFacts(type="keydb", replicas=2, version="6.3.4-live")
    asked = merge_outputs(
        benchmark="b",
        run_id="r",
        spec=SPEC,
        outputs=outputs(writer=json.dumps(bare)),
        engine=live,
    )
    assert asked.engine.version == "6.3.4-live"


def test_roles_without_a_document_are_named_by_what_they_were_doing() -> None:
    items = [
        RoleOutput(WRITER, None, "finished", "exit code -9; no output"),
        RoleOutput(SYNC, None, "running"),
        RoleOutput(ASYNC, None, "gone", "its result is lost"),
        RoleOutput(Role("faults"), None, "running"),
    ]
    result = merge_outputs(
        benchmark="b", run_id="r", spec=SPEC, outputs=items, span_ns=(5, 9), reasons=["timeout"]
    )
    assert result.verdict == "Failed"
    assert result.reasons[:5] == [
        "timeout",
        "writer writer.0 produced no result: exit code -9; no output",
        "observer sync.0 produced no result: still running; "
        "it was still waiting for the writers' end marker",
        "observer async.0 produced no result: it is gone: its result is lost",
        "fault injector produced no result: still running; "
        "it was still waiting for the engine to recover from its faults",
    ]
    assert (result.started_ns, result.finished_ns) == (5, 9)  # no document: the runner's span
    assert result.convergence.detail == NOT_CHECKED


def test_a_broken_document_is_a_reason_not_a_traceback() -> None:
    items = [*outputs()[1:], RoleOutput(WRITER, '{"writerId": "zero"}')]
    result = merge_outputs(benchmark="b", run_id="r", spec=SPEC, outputs=items)
    broken = [r for r in result.reasons if "unreadable result document" in r]
    assert len(broken) == 1 and broken[0].startswith("writer writer.0 left an unreadable")
    assert "writerId" in broken[0]
