"""Tables never cut a verdict or a number: comparisons, matrices, runs and faults laid out for
80, 100 and 150 columns with long names and numbers from 0.0000123 to 123456, every verdict
whole, no line wider than the width, no exponent (1000 reads 1000, not 1e+03)."""

from __future__ import annotations

import json
import re

import pytest
from tests.unit.hostile.hostile_documents import latency, result

from kobench.api.matrix_spec import Matrix, interleaved, plan_cells
from kobench.measure.compare import Labelled, MatrixComparison, compare_sides
from kobench.measure.compare.cell_comparison import matrix_comparison
from kobench.measure.results import RunResult
from kobench.measure.results.fault_docs import FaultImpact, FaultResult
from kobench.present.compare_table import _number, render_comparison, render_matrix
from kobench.present.run_table import render_result
from kobench.present.table_fit import terminal_width

WIDTHS = (80, 100, 150)
LONG = "an-observer-with-a-name-of-forty-chars-x"
EXPONENT = re.compile(r"\d[eE][+-]?\d")
VERDICTS = ("Better", "Worse", "NoDifference", "Inconclusive")


def run(
    p50: float, i: int, *, name: str = LONG, rate: float = 1000.0, missed: int = 0
) -> RunResult:
    document = json.loads(result(p50, run_id=f"r-{p50:g}-{i}").model_dump_json(by_alias=True))
    observer = document["observers"][0]
    observer["name"] = name
    observer["missed"], observer["expected"] = missed, 100_000
    document["writers"]["achievedRate"], document["writers"]["targetRate"] = rate, 1000
    return RunResult.model_validate(document)


def sides(
    base: list[float], cand: list[float], rates: tuple[float, float] = (1000.0, 1000.0)
) -> tuple[list[Labelled], list[Labelled]]:
    a = [Labelled(f"a{i}.json", run(v, i, rate=rates[0] + i)) for i, v in enumerate(base)]
    b = [Labelled(f"b{i}.json", run(v, 10 + i, rate=rates[1] + i)) for i, v in enumerate(cand)]
    return a, b


COMPARISONS = {
    # Worse in latency, Better in rate: big numbers and a large ratio.
    "thousands": sides(
        [1000 + i * 1.3 for i in range(4)], [2000 + i * 7.7 for i in range(4)], (900.0, 1000.0)
    ),
    # Tiny figures: no exponent below 0.0001.
    "tiny": sides(
        [0.0000123 + i * 1e-7 for i in range(4)], [0.0000456 + i * 1e-7 for i in range(4)]
    ),
    # A lean that four repetitions cannot confirm: Inconclusive.
    "inconclusive": sides([1.0, 1.1, 5.0, 1.2], [1.9, 6.0, 2.0, 2.1]),
    "huge": sides([123456.0 + i for i in range(4)], [123456.0 + i for i in range(4)]),
    "too-few": sides([1.0, 1.1], [3.0, 3.1]),
}


def check_text(text: str, width: int) -> None:
    for line in text.splitlines():
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
    assert not EXPONENT.search(text), EXPONENT.search(text)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", sorted(COMPARISONS))
def test_a_comparison_fits_and_keeps_every_verdict_whole(case: str, width: int) -> None:
    base, cand = COMPARISONS[case]
    comparison = compare_sides(base, cand)
    text = render_comparison(comparison, width=width)
    check_text(text, width)
    table = text.split("Mann-Whitney")[0]  # the rule's sentence names verdicts too
    found = re.findall(r"\b(?:Better|Worse|NoDifference|Inconclusive)\b", table)
    told = [f.verdict for f in comparison.figures]
    assert sorted(found) == sorted(told), text  # each row's verdict, whole
    assert "verdict" in text and "NoDiffer\n" not in text and "Inconclu\n" not in text


def test_every_verdict_kind_is_seen_whole() -> None:
    seen = set()
    for base, cand in COMPARISONS.values():
        seen |= {f.verdict for f in compare_sides(base, cand).figures}
    assert seen == set(VERDICTS)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1000.0, "1000"),
        (999.5, "1000"),
        (123456.0, "123456"),
        (1.0, "1"),
        (1.5, "1.5"),
        (0.1234, "0.123"),
        (0.0000123, "0.0000123"),
        (-0.00042, "-0.00042"),
        (0.0, "0"),
        (12.345, "12.3"),
    ],
)
def test_numbers_are_plain(value: float, text: str) -> None:
    # Before: 1000 as `+1e+03` in the diff column.
    assert _number(value) == text


def matrix() -> MatrixComparison:
    spec = {
        "engine": {"type": "redis", "replicas": 1},
        "workload": {"rate": 1000},
        "observers": [{"name": LONG, "mode": "sync"}],
    }
    axes = Matrix(rates=[1000, 2000], observer_modes=["sync", "async"], repetitions=4)
    plans = plan_cells(spec, axes)
    order = interleaved(len(plans), 4)
    outcomes: list[RunResult | str] = []
    for index, repetition in order:
        p50 = (1 + index) * (1000.0 if index % 2 else 0.0123) + repetition / 100
        outcomes.append(run(p50, 100 * index + repetition))
    outcomes[-1] = "engine redis needs `redis-server` on PATH or --server-binary"
    return matrix_comparison("a-matrix-with-a-long-name", 4, plans, order, outcomes)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_matrix_fits(width: int) -> None:
    document = matrix()
    text = render_matrix(document, width=width)
    for line in text.splitlines():
        if line.startswith("a-matrix-with-a-long-name:") or "not carried out" in line:
            continue  # plain sentences: the terminal wraps them
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
    assert not EXPONENT.search(text)
    told = [f.verdict for pair in document.pairs for f in pair.comparison.figures]
    tables = [part.split("Mann-Whitney")[0] for part in text.split("against")[1:]]
    found = re.findall(r"\b(?:Better|Worse|NoDifference|Inconclusive)\b", "".join(tables))
    assert sorted(found) == sorted(told)
    assert "Cells (ms unless said" in text and "Rate sweep" in text


def faulty_run(p50: float, offset: float, lost: int) -> RunResult:
    fault = FaultResult(
        index=0,
        action="killObserver",
        target=f"{LONG}.0",
        at_seconds=0.5,
        applied_at_seconds=0.512,
        worst_outage_ms=float(lost),
        lost=lost,
        observers=[
            FaultImpact(observer=f"{LONG}.0", killed=True),
            FaultImpact(observer=f"{LONG}.1", outage_ms=float(lost), lost=lost),
        ],
    )
    document = run(p50, 1).model_copy(update={"faults": [fault]})
    observer = document.observers[0].model_copy(
        update={"corrected_latency_ms": latency(p50), "clock_offset_ms": offset}
    )
    return document.model_copy(update={"observers": [observer]})


@pytest.mark.parametrize(("wide", "width"), [(False, 80), (False, 100), (False, 150), (True, 150)])
def test_a_run_and_its_faults_fit(width: int, wide: bool) -> None:
    # Figures a run gives: a p50 of 12 ms, a max near a second, a 20 ms clock offset.
    text = render_result(faulty_run(12.345, -20.5, 2500), width=width, wide=wide)
    tables = text.split("\nwriters:")[0]  # the facts below are sentences that wrap
    for line in tables.splitlines()[1:]:
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
    for figure in ("12.345", "49.380", "-20.500", "2500", "killed"):
        assert figure in text, figure


@pytest.mark.parametrize("wide", [False, True])
def test_a_run_with_figures_too_wide_for_80_columns_is_printed_whole(wide: bool) -> None:
    # Two minutes (the histograms' ceiling) in every column: wider than 80, and nothing cut.
    text = render_result(faulty_run(30000.0, -12345.678, 100_000), width=80, wide=wide)
    for figure in ("30000.000", "120000.000", "-12345.678", "100000", "killed"):
        assert figure in text, figure
    assert "…" not in text


def test_the_width_follows_the_terminal_and_never_goes_below_80(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "150")
    assert terminal_width() == 150
    monkeypatch.setenv("COLUMNS", "40")
    assert terminal_width() == 80
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(123) == 123
