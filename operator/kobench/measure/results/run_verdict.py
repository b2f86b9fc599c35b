"""The verdict of a merged run and its reasons (pure: the figures in, words out).

Invalid wins over Failed: numbers that cannot be trusted are not judged.
"""

from __future__ import annotations

from collections.abc import Sequence

from kobench.api import BenchmarkSpec
from kobench.measure.results.documents import ObserverSummary, RunResult, Verdict
from kobench.measure.results.fault_docs import FaultResult
from kobench.measure.results.fault_verdict import (
    disconnects_outside,
    excused_missed,
    fault_reasons,
    killed_labels,
    killing_fault,
    unexcused_errors,
)

WALL_STEP_MS = 0.5
"""A step of the wall clock this large during a run explains events seen "early"."""


def _clock_reasons(obs: ObserverSummary, spec: BenchmarkSpec, step_ms: float = 0.0) -> list[str]:
    """Invalid reasons from the clocks: a shared clock that is not, or an offset too large."""
    offset, uncertainty = obs.clock_offset_ms, obs.clock_uncertainty_ms
    reasons: list[str] = []
    if offset is not None and uncertainty is not None:
        bound = spec.validity.max_clock_offset_ms
        if obs.clock_same_host and abs(offset) > uncertainty:
            reasons.append(
                f"observer {obs.name} clock offset {offset:+.3f} ms (+-{uncertainty:.3f}) on the "
                "writer's host: the clocks are not shared after all (or the host names lie)"
            )
        elif abs(offset) - uncertainty > bound:
            reasons.append(
                f"observer {obs.name} clock offset {offset:+.3f} ms (+-{uncertainty:.3f}) "
                f"exceeds validity.maxClockOffsetMs {bound:g}"
            )
    if obs.clock_same_host and obs.negative_latencies:
        cause = ""
        if abs(step_ms) >= WALL_STEP_MS:
            cause = (
                f" (the host's wall clock stepped {step_ms:+.3f} ms against its monotonic clock "
                "during the run, and every stamp with it)"
            )
        reasons.append(
            f"observer {obs.name} saw {obs.negative_latencies} event(s) before their write was "
            f"due, on a shared clock{cause}"
        )
    return reasons


def _threshold_reasons(obs: ObserverSummary, spec: BenchmarkSpec) -> list[str]:
    thresholds = spec.thresholds
    failed: list[str] = []
    latency = obs.corrected_latency_ms or obs.latency_ms
    if latency is not None:
        checks = (
            ("p50", latency.p50, thresholds.p50_latency_ms),
            ("p99", latency.p99, thresholds.p99_latency_ms),
            ("max", latency.max, thresholds.max_latency_ms),
        )
        for label, value, bound in checks:
            if bound is not None and value > bound:
                failed.append(
                    f"observer {obs.name} {label} latency {value:.3f} ms is above the "
                    f"threshold {bound:g} ms"
                )
    rtt, rtt_bound = obs.handshake_rtt_ms, thresholds.handshake_rtt_p99_ms
    if rtt_bound is not None and rtt is not None and rtt.p99 > rtt_bound:
        failed.append(
            f"observer {obs.name} handshake p99 {rtt.p99:.3f} ms is above the threshold "
            f"{rtt_bound:g} ms"
        )
    return failed


def _count_reasons(
    obs: ObserverSummary, spec: BenchmarkSpec, faults: Sequence[FaultResult]
) -> list[str]:
    thresholds = spec.thresholds
    failed: list[str] = []
    missed = obs.worst_instance_missed - excused_missed(obs, spec, faults)
    if missed > thresholds.max_missed:
        worst = f"worst instance {obs.worst_instance_missed}; " if obs.instances > 1 else ""
        failed.append(
            f"observer {obs.name} missed {obs.missed} of {obs.expected} events "
            f"({worst}allowed {thresholds.max_missed} per instance)"
        )
    if obs.worst_instance_duplicates > thresholds.max_duplicates:
        failed.append(f"observer {obs.name} saw {obs.duplicates} duplicate events")
    allowed = thresholds.max_disconnects
    if disconnects_outside(obs, faults) > allowed:
        windows = ", ".join(
            f"{(o.ended_ns - o.started_ns) / 1e6:.0f} ms" if o.ended_ns else "never recovered"
            for o in obs.outages[:5]
        )
        failed.append(
            f"observer {obs.name} lost its connection {obs.disconnects} time(s) (outages: "
            f"{windows}; allowed {allowed} per instance); pub/sub drops events while disconnected"
        )
    return failed


def observer_reasons(
    obs: ObserverSummary,
    spec: BenchmarkSpec,
    faults: Sequence[FaultResult] = (),
    step_ms: float = 0.0,
) -> tuple[list[str], list[str]]:
    """(invalid, failed) reasons for one observer."""
    failed: list[str] = unexcused_errors(obs.errors, faults)
    if obs.instances == 0:
        named = next(o for o in spec.observers if o.name == obs.name)
        labels = [f"{obs.name}.{i}" for i in range(named.replicas)]
        killed = [f"{label} by {why}" for label in labels if (why := killing_fault(label, faults))]
        if not killed:
            return [], [*failed, f"observer {obs.name} produced no result"]
        # A killed instance is no failure while another one measures; here none is left.
        return [], [
            *failed,
            f"observer {obs.name} measured nothing: every instance was killed "
            f"({', '.join(killed)}), so no figure of it can pass (keep one instance running)",
        ]
    failed += _count_reasons(obs, spec, faults)
    if obs.saturation and not spec.thresholds.allow_saturation:
        failed.append(f"observer {obs.name} could not keep up: {obs.saturation}")
    if obs.latency_ms is None:
        failed.append(
            f"observer {obs.name} measured nothing: no measured event reached any of its "
            f"{obs.instances} instance(s)"
        )
    return _clock_reasons(obs, spec, step_ms), failed + _threshold_reasons(obs, spec)


def _writer_reasons(spec: BenchmarkSpec, result: RunResult) -> list[str]:
    """Nothing written is nothing measured: some writer must report measured writes."""
    writers = result.writers
    if writers.sent > 0 or writers.not_written > 0:
        return []
    why = [
        f"writer {w} was killed by {fault}" if fault else f"writer {w} left no document"
        for w in writers.silent
        for fault in [killing_fault(f"writer.{w}", result.faults)]
    ]
    if writers.writers:
        why.append(f"{writers.writers} writer(s) sent {writers.warmup} writes, all in the warm-up")
    return [
        f"the writers sent no measured writes ({'; '.join(why)}), so nothing was measured "
        f"(spec.workload.writers: {spec.workload.writers})"
    ]


def judge(spec: BenchmarkSpec, result: RunResult) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons."""
    validity = spec.validity
    writers = result.writers
    invalid: list[str] = []
    failed: list[str] = [*writers.errors, *_writer_reasons(spec, result)]
    shortfall = (
        100.0 * (1.0 - writers.achieved_rate / writers.target_rate) if writers.target_rate else 0
    )
    if writers.sent and writers.rate_measured and shortfall > validity.max_rate_shortfall_percent:
        invalid.append(
            f"writers achieved {writers.achieved_rate:.0f} writes/s, {shortfall:.0f}% below the "
            f"target {writers.target_rate}/s (bound {validity.max_rate_shortfall_percent:g}%)"
        )
    for obs in result.observers:
        more_invalid, more_failed = observer_reasons(
            obs, spec, result.faults, writers.wall_clock_step_ms
        )
        invalid += more_invalid
        failed += more_failed
    failed += fault_reasons(spec, result.faults)
    convergence = result.convergence
    unchecked_by_fault = not convergence.checked and "writer.0" in killed_labels(result.faults)
    if validity.require_convergence and not convergence.converged and not unchecked_by_fault:
        if convergence.checked:
            failed.append(f"replicas did not converge: {convergence.detail}")
        else:
            failed.append(f"convergence could not be checked: {convergence.detail}")
    if invalid:
        return "Invalid", invalid + failed
    if failed:
        return "Failed", failed
    return "Passed", []
