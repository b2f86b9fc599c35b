"""The human-readable summary of a run result (the same for local and cluster runs)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from kobench.results import RunResult
from kobench.stats import LatencySummary

VERDICT_STYLE = {"Passed": "bold green", "Failed": "bold red", "Invalid": "bold yellow"}


def _ms(summary: LatencySummary | None, field: str) -> str:
    if summary is None:
        return "-"
    return f"{getattr(summary, field):.3f}"


def render_result(result: RunResult, *, width: int = 140, color: bool = False) -> str:
    """The verdict, the per-observer table, the replica matrix and the run's facts as text."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color)
    style = VERDICT_STYLE.get(result.verdict, "")
    console.print(f"[{style}]{result.verdict}[/] {result.benchmark} (run {result.run_id})")
    for reason in result.reasons:
        console.print(f"  - {reason}", markup=False)
    table = Table(
        title="Event latency per observer (ms, written -> observed)", title_justify="left"
    )
    for column in (
        "observer",
        "mode",
        "replica",
        "received",
        "missed",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "rtt p99",
        "offset",
    ):
        table.add_column(column, justify="left" if column in {"observer", "mode"} else "right")
    for obs in result.observers:
        latency = obs.corrected_latency_ms or obs.latency_ms
        table.add_row(
            f"{obs.name} x{obs.instances}",
            obs.mode,
            str(obs.target_replica),
            f"{obs.received}/{obs.expected}",
            str(obs.missed),
            _ms(latency, "p50"),
            _ms(latency, "p90"),
            _ms(latency, "p99"),
            _ms(latency, "p999"),
            _ms(latency, "max"),
            _ms(obs.handshake_rtt_ms, "p99"),
            "-" if obs.clock_offset_ms is None else f"{obs.clock_offset_ms:+.3f}",
        )
    console.print(table)
    if len({(c.written_replica, c.observed_replica) for c in result.matrix}) > 1:
        matrix = Table(title="Replica matrix (ms)", title_justify="left")
        for column in ("written", "observed", "events", "p50", "p99"):
            matrix.add_column(column, justify="right")
        for cell in result.matrix:
            matrix.add_row(
                str(cell.written_replica),
                str(cell.observed_replica),
                str(cell.count),
                f"{cell.p50_ms:.3f}",
                f"{cell.p99_ms:.3f}",
            )
        console.print(matrix)
    writers = result.writers
    console.print(
        f"writers: {writers.writers}, sent {writers.sent}, achieved {writers.achieved_rate:.0f}/s "
        f"of {writers.target_rate}/s each, worst schedule lag {writers.max_lag_ms:.3f} ms",
        markup=False,
    )
    engine = result.engine
    links = ", ".join(
        f"{s.index}:{s.role}({'up' if s.link_up else 'DOWN'})" for s in engine.replication
    )
    console.print(f"engine: {engine.type} {engine.version}, replicas {links}", markup=False)
    convergence = result.convergence
    state = (
        "converged"
        if convergence.converged
        else ("NOT converged" if convergence.checked else "not checked")
    )
    console.print(f"convergence: {state} ({convergence.detail})", markup=False)
    if result.client:
        client = result.client
        console.print(
            f"client: python {client.python}, redis-py {client.redis_py}, "
            f"hiredis {'yes' if client.hiredis else 'no'}",
            markup=False,
        )
    return buffer.getvalue()
