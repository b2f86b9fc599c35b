"""Tables that fit the terminal and never cut a verdict or a number.

rich narrows a too-wide table by wrapping columns only until they are all equally wide, then
narrows every column alike, cutting verdicts (``Inconclu``) and headers (``ver``). Here the
widths are chosen first: columns that may wrap (names, ranges) give up room, widest first and
never below their longest word; the others keep their whole width. If even that is too wide,
the table is printed wider than the terminal, which then wraps its lines: nothing is lost.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

DEFAULT_WIDTH = 100
"""Without a terminal (a pipe, a file) and without COLUMNS."""
MIN_WIDTH = 80
"""Narrower terminals get 80 columns: their lines wrap, and nothing is cut."""
GAP = 1
"""The space between two columns (the box's vertical line, a space in SIMPLE_HEAD)."""


def terminal_width(columns: int | None = None) -> int:
    """The width tables are laid out for: ``columns``, else the terminal's (or COLUMNS), at
    least 80."""
    found = columns or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(MIN_WIDTH, found)


def new_table(title: str, *, edges: bool = False) -> Table:
    """A table of kobench's look: title on the left, a simple head, one space between columns;
    ``edges``: a space before the first column and after the last (the run's tables), none
    where every column counts (80 columns hold a comparison whole)."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=0,
        pad_edge=False,
        show_edge=edges,
    )


def _plain(cell: str) -> str:
    return Text.from_markup(cell).plain


def _longest_line(cells: Sequence[str]) -> int:
    return max((len(line) for cell in cells for line in _plain(cell).splitlines()), default=0)


def _longest_word(cells: Sequence[str]) -> int:
    return max((len(word) for cell in cells for word in _plain(cell).split()), default=0)


def _capped(natural: list[int], least: list[int], room: int) -> list[int]:
    """Widths of the wrapping columns: the widest ones cut down to one cap, as high as the room
    allows, never below a column's least width."""
    if sum(natural) <= room:
        return natural
    low, high = 0, max(natural)
    while low < high:  # the highest cap that fits
        cap = (low + high + 1) // 2
        if sum(max(n if n <= cap else cap, m) for n, m in zip(natural, least, strict=True)) <= room:
            low = cap
        else:
            high = cap - 1
    return [max(min(n, low), m) for n, m in zip(natural, least, strict=True)]


def fit(
    table: Table,
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    wraps: Sequence[str] = (),
    folds: Sequence[str] = (),
    least: int = 8,
) -> None:
    """Set the widths of the columns named in ``wraps`` (they break between words: ranges) and
    ``folds`` (they may break inside a word, never below ``least``: names) so that the table
    fits ``width``; every other column keeps its whole width. ``rows``: the cells as added."""
    headers = [str(column.header) for column in table.columns]
    cells = [[headers[i], *(row[i] for row in rows)] for i in range(len(headers))]
    flexible = [i for i, h in enumerate(headers) if h in wraps or h in folds]
    for i in range(len(headers)):
        table.columns[i].no_wrap = i not in flexible
    edges = 2 if table.show_edge else 0
    if sum(_longest_line(c) for c in cells) + 2 * len(headers) + edges <= width:
        table.padding = (0, 1, 0, 0)  # room to spare: two spaces between columns
        return
    fixed = sum(_longest_line(cells[i]) for i in range(len(headers)) if i not in flexible)
    room = width - fixed - GAP * (len(headers) - 1) - (2 if table.show_edge else 0)
    natural = [_longest_line(cells[i]) for i in flexible]
    least_widths = [
        min(least, natural[n]) if headers[i] in folds else _longest_word(cells[i])
        for n, i in enumerate(flexible)
    ]
    for i, chosen in zip(flexible, _capped(natural, least_widths, room), strict=True):
        table.columns[i].width = chosen
        table.columns[i].overflow = "fold"
    if sum(least_widths) > room:  # too narrow even so: wider than the terminal, nothing cut
        table.min_width = width + sum(least_widths) - room


def print_whole(console: Console, table: Table) -> None:
    """The table at the console's width, or wider when its words cannot fit (:func:`fit`)."""
    width = console.width
    console.width = max(width, table.min_width or 0)  # print(width=...) can only narrow
    try:
        console.print(table)
    finally:
        console.width = width
