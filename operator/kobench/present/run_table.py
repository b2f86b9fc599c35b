"""The human-readable summary of a run result (the same for local and cluster runs).

It fits 100 columns; ``wide`` adds the columns that need more (mode, p90, duplicates,
superseded reads, end-of-run backlog, p50 as a multiple of the engine's paced round trip).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from kobench.measure.histograms import LatencySummary
from kobench.measure.results import ObserverSummary, RunResult, WritersSummary
from kobench.measure.results.calibration_figures import describe_overhead, describe_round_trip
from kobench.measure.results.fault_verdict import killed_labels
from kobench.present.delivery_lines import delivery_lines
from kobench.present.fault_table import fault_table
from kobench.present.pages.page_data import worst_second
from kobench.present.table_fit import fit, new_table, print_whole

VERDICT_STYLE = {"Passed": "bold green", "Failed": "bold red", "Invalid": "bold yellow"}
WIDTH = 100
WIDE_WIDTH = 160
NARROW_COLUMNS = (
    "observer",
    "replica",
    "received",
    "missed",
    "p50",
    "p99",
    "p99.9",
    "max",
    "rtt p99",
    "offset",
)
WIDE_COLUMNS = (
    "observer",
    "mode",
    "replica",
    "received",
    "missed",
    "dups",
    "superseded",
    "p50",
    "p90",
    "p99",
    "p99.9",
    "max",
    "rtt p99",
    "offset",
    "end lag",
    "x ping",
)


def _ms(summary: LatencySummary | None, field: str) -> str:
    if summary is None:
        return "-"
    return f"{getattr(summary, field):.3f}"


def _cells(obs: ObserverSummary, killed: set[str]) -> dict[str, str]:
    latency = obs.corrected_latency_ms or obs.latency_ms
    name = obs.name if obs.instances == 1 else f"{obs.name} x{obs.instances}"
    if any(label.startswith(f"{obs.name}.") for label in killed):
        name += " (killed)" if obs.instances == 0 else " (one killed)"
    return {
        "observer": name,
        "mode": obs.mode,
        "replica": str(obs.target_replica),
        "received": f"{obs.received}/{obs.expected}",
        "missed": str(obs.missed),
        "dups": str(obs.duplicates),
        "superseded": str(obs.superseded),
        "p50": _ms(latency, "p50"),
        "p90": _ms(latency, "p90"),
        "p99": _ms(latency, "p99"),
        "p99.9": _ms(latency, "p999"),
        "max": _ms(latency, "max"),
        "rtt p99": _ms(obs.handshake_rtt_ms, "p99"),
        "offset": "-" if obs.clock_offset_ms is None else f"{obs.clock_offset_ms:+.3f}",
        "end lag": "-" if obs.end_lag_ms is None else f"{obs.end_lag_ms:.1f}",
        "x ping": _ratio(obs),
    }


def _ratio(obs: ObserverSummary) -> str:
    overhead = obs.tool_overhead
    return "-" if overhead is None or overhead.ratio is None else f"{overhead.ratio:.1f}"


def _calibration_lines(result: RunResult) -> list[str]:
    """Each role's engine round trip, and how far above it each observer's p50 is."""
    if not result.calibration:
        return ["engine round trip: not in this result (written by a kobench without it)"]
    roles = ", ".join(describe_round_trip(entry) for entry in result.calibration)
    lines = [f"engine round trip (PING p50 ms, paced/back to back): {roles}"]
    for obs in result.observers:
        if obs.tool_overhead is not None:
            lines.append(f"tool overhead of {obs.name}: {describe_overhead(obs.tool_overhead)}")
    return lines


def _observer_table(result: RunResult, columns: tuple[str, ...], width: int) -> Table:
    title = "Event latency per observer (ms, written -> observed), of the measured writes"
    table = new_table(title, edges=True)
    killed = killed_labels(result.faults)
    rows = [_cells(obs, killed) for obs in result.observers]
    for column in columns:
        table.add_column(column, justify="left" if column in {"observer", "mode"} else "right")
    cells = [[row[c] for c in columns] for row in rows]
    for row in cells:
        table.add_row(*row)
    # A number is never cut short: only the observer's name (and mode) may fold.
    fit(table, cells, width, folds=("observer", "mode"))
    return table


def _matrix_table(result: RunResult) -> Table | None:
    if len({(c.written_replica, c.observed_replica) for c in result.matrix}) <= 1:
        return None
    matrix = new_table("Replica matrix (ms)", edges=True)
    matrix.padding = (0, 1, 0, 0)
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
    return matrix


def _not_written(count: int, writers: WritersSummary) -> str:
    """The writes the engine refused: when they were due (seconds of the run) and why."""
    runs = writers.not_written_runs
    start = writers.measured_start_ns

    def at(ns: int) -> str:
        return f"{(ns - start) / 1e9:.3f}"

    spans = ", ".join(f"{at(r.first_due_ns)} s ({r.count})" for r in runs[:5])
    more = f" and {len(runs) - 5} more" if len(runs) > 5 else ""
    return (
        f"not written: {count} measured writes the engine refused ({runs[0].reason}), "
        f"due from {spans}{more}: not lost, never made"
    )


def _facts(result: RunResult) -> list[str]:
    writers = result.writers
    count = f"{writers.writers}"
    if writers.silent:
        silent = ", ".join(str(w) for w in writers.silent)
        count += f" of {writers.writers + len(writers.silent)} (no document from writer {silent})"
    lines = [
        f"writers: {count}, sent {writers.sent} measured (+{writers.warmup} warm-up, not "
        f"counted), achieved {writers.achieved_rate:.0f}/s "
        f"of {writers.target_rate}/s each, worst schedule lag {writers.max_lag_ms:.3f} ms"
    ]
    if writers.not_written_runs:
        lines.append(_not_written(writers.not_written, writers))
    for obs in result.observers:
        worst = worst_second(obs)
        if worst is not None:
            lines.append(f"worst second of {obs.name}: {worst.describe()}")
    engine = result.engine
    links = ", ".join(
        f"{s.index}:{s.role}({'up' if s.link_up else 'DOWN'})" for s in engine.replication
    )
    lines.append(f"engine: {engine.server}, replicas {links}")
    lines += _calibration_lines(result)
    lines += delivery_lines(result)
    convergence = result.convergence
    state = (
        "converged"
        if convergence.converged
        else ("NOT converged" if convergence.checked else "not checked")
    )
    lines.append(f"convergence: {state} ({convergence.detail})")
    if result.target is not None:
        lines += result.target.lines()
    if result.client:
        client = result.client
        lines.append(
            f"client: python {client.python}, redis-py {client.redis_py}, "
            f"hiredis {'yes' if client.hiredis else 'no'}"
        )
    return lines


def render_result(
    result: RunResult, *, wide: bool = False, color: bool = False, width: int | None = None
) -> str:
    """The verdict, the per-observer table, the replica matrix and the run's facts as text,
    laid out for ``width`` columns (default 100, 160 wide); nothing is cut to fit."""
    buffer = io.StringIO()
    width = width or (WIDE_WIDTH if wide else WIDTH)
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color)
    style = VERDICT_STYLE.get(result.verdict, "")
    console.print(f"[{style}]{result.verdict}[/] {result.benchmark} (run {result.run_id})")
    for reason in result.reasons:
        console.print(f"  - {reason}", markup=False)
    columns = WIDE_COLUMNS if wide else NARROW_COLUMNS
    print_whole(console, _observer_table(result, columns, width))
    matrix = _matrix_table(result)
    if matrix is not None:
        print_whole(console, matrix)
    faults = fault_table(result, width)
    if faults is not None:
        print_whole(console, faults)
    for line in _facts(result):
        console.print(line, markup=False)
    text = buffer.getvalue()
    if color:
        return text
    return "".join(line.rstrip() + "\n" for line in text.splitlines())  # rich pads to the width
