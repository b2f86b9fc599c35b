"""The faults of a run as a table: each fault, when it was applied, how long the engine took to
be whole again, and the worst outage and loss it caused (one line per observer instance hit)."""

from __future__ import annotations

from rich.table import Table

from kobench.measure.results import RunResult
from kobench.present.table_fit import fit, new_table


def _ms(value: float | None, *, never: str = "-") -> str:
    return never if value is None else f"{value:.0f}"


def _lost(lost: int, overlapped: int) -> str:
    return f"{lost} ({overlapped} in an overlap)" if overlapped else str(lost)


def fault_table(result: RunResult, width: int = 100) -> Table | None:
    if not result.faults:
        return None
    table = new_table("Faults (ms; outage: last event before to first after)", edges=True)
    columns = ("#", "fault", "applied", "lasted", "resync", "observer", "outage", "lost")
    for column in columns:
        table.add_column(column, justify="left" if column in ("fault", "observer") else "right")
    rows: list[list[str]] = []
    for fault in result.faults:
        applied = "-" if fault.applied_at_seconds is None else f"{fault.applied_at_seconds:.3f}s"
        name = f"{fault.action} {fault.target}"
        if fault.overlaps:
            name += f" (window overlaps #{', #'.join(str(i) for i in fault.overlaps)})"
        head = [str(fault.index), name, applied]
        head += [_ms(fault.duration_ms), _ms(fault.resync_ms)]
        hit = [i for i in fault.observers if i.killed or i.outage_ms != 0 or i.lost]
        lines = [
            [
                impact.observer,
                "killed" if impact.killed else _ms(impact.outage_ms, never="no event after"),
                _lost(impact.lost, impact.lost_in_overlap),
            ]
            for impact in hit
        ]
        # A role that died while the fault lasted is its own event, not an outage.
        lines += [[death, "stopped", "-"] for death in fault.deaths]
        if not lines:
            lines = [[fault.error or "no observer hit", "0", "0"]]
        for n, line in enumerate(lines):
            rows.append([*(head if n == 0 else ["", "", "", "", ""]), *line])
    for row in rows:
        table.add_row(*row)
    # The fault and the observer fold (names have no spaces); a number never does.
    fit(table, rows, width, folds=("fault", "observer"), least=12)
    return table
