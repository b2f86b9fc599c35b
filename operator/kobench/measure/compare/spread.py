"""Where a figure sits across repetitions: its median and spread (pure)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from kobench.measure.compare.comparison_docs import Spread


def spread(values: Sequence[float]) -> Spread | None:
    """Median, quartiles (inclusive method, so one or two values still have quartiles) and range.

    None for no values: a figure no repetition measured has no spread.
    """
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(
        n=len(ordered),
        median=round(statistics.median(ordered), 6),
        q1=round(q1, 6),
        q3=round(q3, 6),
        min=round(ordered[0], 6),
        max=round(ordered[-1], 6),
        values=[round(v, 6) for v in values],
    )
