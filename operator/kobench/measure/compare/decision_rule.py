"""The verdict for one figure: the candidate's repetitions against the baseline's (pure).

The rule, in order:

1. Fewer than ``min_repetitions`` (4) values on either side: **Inconclusive**. With 3 + 3 the
   smallest two-sided Mann-Whitney p-value is 0.1, so no difference could ever be significant;
   with 4 + 4 it is 0.029.
2. Every value on both sides the same: **NoDifference**.
3. Mann-Whitney U (two-sided, scipy) p < ``alpha``: **Better** or **Worse**, by the side the
   candidate's values lie on and which way the figure is better.
4. Otherwise, no significant difference. It is **NoDifference** when the effect is not large
   (|Cliff's delta| < ``large_effect``, 0.474 after Romano et al.) or the medians are within
   ``tolerance`` (10 %) of each other; **Inconclusive** when the samples lean clearly one way by
   a sizeable amount that the repetitions cannot confirm: more repetitions may decide it.

Each figure is tested on its own, without a correction for testing several: read a lone
``Worse`` among many figures with that in mind.
"""

from __future__ import annotations

import math
import statistics
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kobench.errors import KobenchError
from kobench.measure.compare.comparison_docs import Criteria, Verdict
from kobench.measure.compare.figures import Better


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    p_value: float | None = None
    cliffs_delta: float | None = None
    median_difference: float | None = None
    median_ratio: float | None = None


SCIPY_MISSING = "comparisons test with scipy's Mann-Whitney U, and scipy is not installed: "
PACKAGE_DIR = Path(__file__).resolve().parents[2]
"""Where the ``kobench`` package's files are: in a checkout, ``<checkout>/operator/kobench``."""


def checkout_of(package_dir: Path) -> Path | None:
    """The checkout the package's files live in (pyproject.toml of project kobench beside
    ``operator/``), or None when they were installed from an index or a wheel."""
    if package_dir.parent.name != "operator":
        return None
    pyproject = package_dir.parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return pyproject.parent if project.get("name") == "kobench" else None


def compare_install_hint(package_dir: Path = PACKAGE_DIR) -> str:
    """How to add the ``compare`` extra the way kobench was installed. Files in a checkout mean
    an editable install (or PYTHONPATH): ``-e`` keeps it editable, where a plain ``pip install
    '.[compare]'`` would replace it with a copy that no longer follows the checkout."""
    checkout = checkout_of(package_dir)
    if checkout is not None:
        return f"pip install -e '.[compare]' (in {checkout}), or pip install scipy"
    return "pip install 'kobench[compare]' (or pip install scipy)"


def require_scipy() -> Callable[..., Any]:
    """scipy's ``mannwhitneyu``, imported when first needed (scipy.stats takes half a second to
    import, and is an optional dependency); a clear error when it is not installed."""
    try:
        from scipy.stats import mannwhitneyu
    except ImportError:
        raise KobenchError(SCIPY_MISSING + compare_install_hint()) from None
    test: Callable[..., Any] = mannwhitneyu
    return test


DEFAULT_CRITERIA = Criteria(alpha=0.05, min_repetitions=4, large_effect=0.474, tolerance=0.10)


def cliffs_delta(candidate: Sequence[float], baseline: Sequence[float]) -> float:
    """P(c > b) - P(c < b) over every pair: -1 (all lower) to +1 (all higher)."""
    greater = sum(1 for c in candidate for b in baseline if c > b)
    less = sum(1 for c in candidate for b in baseline if c < b)
    return (greater - less) / (len(candidate) * len(baseline))


def within_tolerance(a: float, b: float, tolerance: float) -> bool:
    """|a - b| at most ``tolerance`` of the larger magnitude (0 and 0 are equal)."""
    return abs(a - b) <= tolerance * max(abs(a), abs(b))


def decide(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    better: Better,
    criteria: Criteria = DEFAULT_CRITERIA,
) -> Decision:
    """The candidate's verdict against the baseline for one figure."""
    sizes = f"{len(baseline)} baseline, {len(candidate)} candidate"
    if min(len(baseline), len(candidate)) < criteria.min_repetitions:
        return Decision(
            "Inconclusive",
            f"fewer than {criteria.min_repetitions} repetitions on a side ({sizes})",
        )
    base_median, cand_median = statistics.median(baseline), statistics.median(candidate)
    difference = round(cand_median - base_median, 6)
    ratio = round(cand_median / base_median, 6) if base_median else None
    delta = round(cliffs_delta(candidate, baseline), 6)
    numbers = dict(cliffs_delta=delta, median_difference=difference, median_ratio=ratio)
    if len(set(baseline) | set(candidate)) == 1:
        return Decision("NoDifference", f"every value is {base_median:g}", p_value=1.0, **numbers)
    mannwhitneyu = require_scipy()
    p_value = float(mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)
    if math.isnan(p_value):  # cannot happen with two distinct values; stay honest if it does
        return Decision("Inconclusive", "the test gave no p-value", **numbers)
    p_value = round(p_value, 6)
    said = f"p={p_value:.3g}, delta={delta:+.2f}, median {base_median:g} -> {cand_median:g}"
    if p_value < criteria.alpha:
        higher = delta > 0
        verdict: Verdict = "Worse" if higher == (better == "lower") else "Better"
        return Decision(verdict, f"{said} ({sizes})", p_value=p_value, **numbers)
    if abs(delta) < criteria.large_effect:
        return Decision(
            "NoDifference", f"{said}: no significant, large effect", p_value=p_value, **numbers
        )
    if within_tolerance(base_median, cand_median, criteria.tolerance):
        return Decision(
            "NoDifference",
            f"{said}: medians within {criteria.tolerance:.0%}",
            p_value=p_value,
            **numbers,
        )
    return Decision(
        "Inconclusive",
        f"{said}: a large effect the repetitions ({sizes}) cannot confirm; add repetitions",
        p_value=p_value,
        **numbers,
    )
