"""The faults of a run as a table: each fault, when it was applied, how long the engine took to
be whole again, and the worst outage and loss it caused (one line per observer instance hit)."""

from __future__ import annotations

from rich.table import Table

from kobench.measure.results import RunResult
from kobench.present.table_fit import fit, new_table


def _ms(value: float | None, *, never: str = "-") -> str:
    return never if value is None else f"{value:.0f}"


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
        head = [str(fault.index), f"{fault.action} {fault.target}", applied]
        head += [_ms(fault.duration_ms), _ms(fault.resync_ms)]
        hit = [i for i in fault.observers if i.killed or i.outage_ms != 0 or i.lost]
        if not hit:
            rows.append([*head, fault.error or "no observer hit", "0", "0"])
        for n, impact in enumerate(hit):
            outage = "killed" if impact.killed else _ms(impact.outage_ms, never="no event after")
            cells = head if n == 0 else ["", "", "", "", ""]
            rows.append([*cells, impact.observer, outage, str(impact.lost)])
    for row in rows:
        table.add_row(*row)
    # The fault and the observer fold (names have no spaces); a number never does.
    fit(table, rows, width, folds=("fault", "observer"), least=12)
    return table
