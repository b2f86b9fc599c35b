"""A run held to an earlier one (``spec.baseline``): the regressions, in words (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from kobench.api.baseline_spec import Baseline
from kobench.measure.results.documents import ObserverSummary, RunResult


def _latency_reasons(now: ObserverSummary, then: ObserverSummary, rule: Baseline) -> list[str]:
    current = now.corrected_latency_ms or now.latency_ms
    earlier = then.corrected_latency_ms or then.latency_ms
    if current is None or earlier is None:
        return []
    reasons = []
    checks = (
        ("p50", current.p50, earlier.p50, rule.p50_ratio, rule.p50_plus_ms),
        ("p99", current.p99, earlier.p99, rule.p99_ratio, rule.p99_plus_ms),
    )
    for label, value, base, ratio, plus in checks:
        if ratio is None:
            continue
        allowed = ratio * base + plus
        if value > allowed:
            reasons.append(
                f"observer {now.name} {label} {value:.3f} ms regressed beyond the baseline's "
                f"{base:.3f} ms (allowed {ratio:g} x {base:.3f} + {plus:g} = {allowed:.3f} ms)"
            )
    return reasons


def regressions(result: RunResult, baseline: RunResult, rule: Baseline) -> list[str]:
    """Why ``result`` fell behind ``baseline`` beyond the rule's allowance (empty: it did not)."""
    earlier = {o.name: o for o in baseline.observers}
    reasons: list[str] = []
    for observer in result.observers:
        then = earlier.get(observer.name)
        if then is None:
            reasons.append(
                f"observer {observer.name} has no baseline in run {baseline.run_id} (it has "
                f"{', '.join(sorted(earlier)) or 'no observers'})"
            )
            continue
        reasons += _latency_reasons(observer, then, rule)
        if rule.max_missed_increase is not None:
            allowed = then.missed + rule.max_missed_increase
            if observer.missed > allowed:
                reasons.append(
                    f"observer {observer.name} missed {observer.missed} events; the baseline "
                    f"missed {then.missed} (allowed {allowed})"
                )
    return reasons


def held_to_baseline(result: RunResult, baseline: RunResult, rule: Baseline) -> RunResult:
    """The result judged against the baseline too: Failed with the regressions as reasons
    (an Invalid run stays Invalid: its numbers are not compared)."""
    if result.verdict == "Invalid":
        return result
    found = regressions(result, baseline, rule)
    if not found:
        return result
    return result.model_copy(update={"verdict": "Failed", "reasons": [*result.reasons, *found]})


def unusable(baseline: RunResult, rule: Baseline, observers: Sequence[str]) -> list[str]:
    """Why ``baseline`` cannot gate a run of these observers, each naming the figure (empty:
    it can). A gate that cannot be evaluated is refused before the run, never skipped."""
    earlier = {o.name: o for o in baseline.observers}
    checks_latency = rule.p50_ratio is not None or rule.p99_ratio is not None
    problems: list[str] = []
    for name in observers:
        then = earlier.get(name)
        if then is None:
            has = ", ".join(sorted(earlier)) or "no observers"
            problems.append(f"observer {name} is not in run {baseline.run_id} (it has {has})")
            continue
        latency = then.corrected_latency_ms or then.latency_ms
        if latency is None:
            if checks_latency:
                problems.append(f"observer {name} has no latency figures (p50, p99, max missing)")
            continue
        for label, value in (("p50", latency.p50), ("p99", latency.p99), ("max", latency.max)):
            if value < 0:
                problems.append(
                    f"observer {name} {label} is {value:g} ms: a latency is not negative"
                )
    return problems
