"""Comparing two sides of runs: check they measured the same things, then judge every figure.

Within a side every run must be a repetition of the same thing (same engine, rate, observers
and modes); across sides the observers must have the same names (what differs between the sides
is the point of the comparison, and is said in each side's description). An Invalid run's
numbers cannot be trusted: it is left out of its side, and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kobench.errors import InputError
from kobench.measure.compare.comparison_docs import (
    Comparison,
    Criteria,
    FigureComparison,
    Side,
    Spread,
)
from kobench.measure.compare.decision_rule import DEFAULT_CRITERIA, decide
from kobench.measure.compare.figures import WRITERS, figures_of, run_figures
from kobench.measure.compare.spread import spread
from kobench.measure.results import RunResult


class MismatchError(InputError):
    """The documents given did not measure the same things: there is nothing to compare."""


@dataclass(frozen=True)
class Labelled:
    """A run result and where it came from (a file name, a cell and repetition)."""

    label: str
    result: RunResult


def _shape(result: RunResult) -> tuple[str, int, tuple[tuple[str, str], ...]]:
    observers = tuple(sorted((o.name, o.mode) for o in result.observers))
    return result.engine.type, result.writers.target_rate, observers


def _describe(shape: tuple[str, int, tuple[tuple[str, str], ...]]) -> str:
    engine, rate, observers = shape
    listed = ", ".join(f"{name} ({mode})" for name, mode in observers)
    return f"engine {engine}, rate {rate}/s, observers {listed}"


def describe_side(label: str, runs: Sequence[Labelled]) -> Side:
    """The side's description; raises MismatchError when its runs measured different things."""
    if not runs:
        raise MismatchError(f"{label}: no result documents")
    first = _shape(runs[0].result)
    for run in runs[1:]:
        if _shape(run.result) != first:
            raise MismatchError(
                f"{label}: {run.label} measured {_describe(_shape(run.result))}, but "
                f"{runs[0].label} measured {_describe(first)}: a side holds repetitions of one "
                "benchmark"
            )
    excluded = [
        f"{r.label}: Invalid ({'; '.join(r.result.reasons) or 'no reason given'})"
        for r in runs
        if r.result.verdict == "Invalid"
    ]
    return Side(
        label=label,
        runs=[r.label for r in runs],
        excluded=excluded,
        engine=first[0],
        target_rate=first[1],
        observers=dict(first[2]),
    )


def check_same_observers(baseline: Side, candidate: Side) -> None:
    if set(baseline.observers) != set(candidate.observers):
        raise MismatchError(
            f"the sides have different observers: {baseline.label} "
            f"{', '.join(sorted(baseline.observers))}; {candidate.label} "
            f"{', '.join(sorted(candidate.observers))} (observers are compared by name)"
        )


def _samples(runs: Sequence[Labelled]) -> dict[tuple[str, str], list[float]]:
    samples: dict[tuple[str, str], list[float]] = {}
    for run in runs:
        if run.result.verdict == "Invalid":
            continue
        for key, value in run_figures(run.result).items():
            samples.setdefault(key, []).append(value)
    return samples


def summarize_runs(runs: Sequence[Labelled]) -> dict[str, dict[str, Spread]]:
    """Subject -> figure -> spread, for a matrix cell (Invalid runs left out)."""
    summary: dict[str, dict[str, Spread]] = {}
    for (subject, figure), values in _samples(runs).items():
        found = spread(values)
        if found is not None:
            summary.setdefault(subject, {})[figure] = found
    return summary


def compare_sides(
    baseline: Sequence[Labelled],
    candidate: Sequence[Labelled],
    *,
    labels: tuple[str, str] = ("baseline", "candidate"),
    criteria: Criteria = DEFAULT_CRITERIA,
) -> Comparison:
    """The candidate against the baseline, figure by figure, observer by observer."""
    base_side, cand_side = describe_side(labels[0], baseline), describe_side(labels[1], candidate)
    check_same_observers(base_side, cand_side)
    base_samples, cand_samples = _samples(baseline), _samples(candidate)
    subjects = [*sorted(base_side.observers), WRITERS]
    figures: list[FigureComparison] = []
    for subject in subjects:
        for figure in figures_of(subject):
            key = (subject, figure.name)
            base, cand = base_samples.get(key, []), cand_samples.get(key, [])
            if not base and not cand:
                continue
            decision = decide(base, cand, better=figure.better, criteria=criteria)
            figures.append(
                FigureComparison(
                    subject=subject,
                    figure=figure.name,
                    unit=figure.unit,
                    better=figure.better,
                    baseline=spread(base),
                    candidate=spread(cand),
                    verdict=decision.verdict,
                    reason=decision.reason,
                    p_value=decision.p_value,
                    cliffs_delta=decision.cliffs_delta,
                    median_difference=decision.median_difference,
                    median_ratio=decision.median_ratio,
                )
            )
    return Comparison(baseline=base_side, candidate=cand_side, criteria=criteria, figures=figures)
