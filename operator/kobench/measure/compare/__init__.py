"""Comparisons: repetitions of runs summarized per figure, and a verdict per pair of sides.

* ``figures``: which figures are compared and which way is better; read from a run result
* ``spread``: median, quartiles and range over repetitions
* ``verdict``: the decision rule (Mann-Whitney U, Cliff's delta, at least four repetitions)
* ``sides``: two sides of runs checked for sameness, then compared figure by figure
* ``sweep``: with a rate axis, each observer's latency by rate and highest sustained rate
* ``model``: the comparison documents (camel case, like the result documents)
"""

from kobench.measure.compare.comparison_docs import (
    COMPARISON_SCHEMA_VERSION,
    Cell,
    CellPair,
    Comparison,
    Criteria,
    FigureComparison,
    MatrixComparison,
    Side,
    Spread,
    Sweep,
    SweepPoint,
    Verdict,
)
from kobench.measure.compare.decision_rule import DEFAULT_CRITERIA, Decision, cliffs_delta, decide
from kobench.measure.compare.figures import OBSERVER_FIGURES, WRITER_FIGURES, WRITERS, Figure
from kobench.measure.compare.sides import (
    Labelled,
    MismatchError,
    compare_sides,
    describe_side,
    summarize_runs,
)
from kobench.measure.compare.spread import spread
from kobench.measure.compare.sweep import sweeps

__all__ = [
    "COMPARISON_SCHEMA_VERSION",
    "DEFAULT_CRITERIA",
    "OBSERVER_FIGURES",
    "WRITERS",
    "WRITER_FIGURES",
    "Cell",
    "CellPair",
    "Comparison",
    "Criteria",
    "Decision",
    "Figure",
    "FigureComparison",
    "Labelled",
    "MatrixComparison",
    "MismatchError",
    "Side",
    "Spread",
    "Sweep",
    "SweepPoint",
    "Verdict",
    "cliffs_delta",
    "compare_sides",
    "decide",
    "describe_side",
    "spread",
    "summarize_runs",
    "sweeps",
]
