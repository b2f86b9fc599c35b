"""The Faults table as a user reads it: one line per observer instance hit, killed roles named,
a fault that hit nobody said so, and no table without faults."""

from __future__ import annotations

import io

from rich.console import Console
from tests.unit.report.documents import run_result

from kobench.measure.results.fault_docs import FaultImpact, FaultResult
from kobench.present.fault_table import fault_table


def text(faults: list[FaultResult]) -> str:
    table = fault_table(run_result().model_copy(update={"faults": faults}))
    assert table is not None
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(table)
    return out.getvalue()


def test_no_faults_no_table() -> None:
    assert fault_table(run_result()) is None


def test_each_instance_hit_has_its_line_and_the_fault_its_figures_once() -> None:
    cut = FaultResult(
        index=0,
        action="cutReplication",
        target="replica 1",
        at_seconds=2,
        applied_at_seconds=2.02,
        duration_ms=1996.4,
        resync_ms=1012.3,
        observers=[
            FaultImpact(observer="on-primary.0", outage_ms=0.0),
            FaultImpact(observer="on-cut.0", outage_ms=2830.2, lost=0),
            FaultImpact(observer="on-cut.1", outage_ms=None, lost=17),
        ],
    )
    lines = [line for line in text([cut]).splitlines() if line.strip()]
    rows = [line for line in lines if "on-" in line]
    assert len(rows) == 2  # the primary's observer was not hit
    assert rows[0].split() == [
        "0",
        "cutReplication",
        "replica",
        "1",
        "2.020s",
        "1996",
        "1012",
        "on-cut.0",
        "2830",
        "0",
    ]
    assert rows[1].split() == ["on-cut.1", "no", "event", "after", "17"]


def test_a_killed_instance_is_named_and_a_fault_that_hit_nobody_says_so() -> None:
    kill = FaultResult(
        index=0,
        action="killObserver",
        target="sync.1",
        at_seconds=1,
        applied_at_seconds=1.05,
        observers=[
            FaultImpact(observer="sync.0", outage_ms=0.0),
            FaultImpact(observer="sync.1", outage_ms=None, killed=True),
        ],
    )
    drop = FaultResult(
        index=1,
        action="dropSubscribers",
        target="replica 1",
        at_seconds=3,
        applied_at_seconds=3.0,
        observers=[FaultImpact(observer="sync.0", outage_ms=0.0)],
    )
    late = FaultResult(
        index=2, action="pauseReplica", target="replica 0", at_seconds=4, error="not applied"
    )
    rendered = text([kill, drop, late])
    assert "sync.1" in rendered and "killed" in rendered
    assert "no observer hit" in rendered
    assert [line.split()[:3] for line in rendered.splitlines() if "pauseReplica" in line] == [
        ["2", "pauseReplica", "replica"]
    ]
    assert "not applied" in rendered
