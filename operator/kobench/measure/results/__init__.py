"""Result documents: what each role emits, and the merged run result with its verdict.

The same merged document comes out of a local run and a cluster run. Roles emit one
:class:`WriterResult` or :class:`ObserverResult` (:mod:`.documents`); :func:`merge_run`
(:mod:`.merge`, pure) turns them, plus the engine facts and the convergence check, into a
:class:`RunResult`, judged by :mod:`.verdict` from the findings of :mod:`.findings`.
"""

from __future__ import annotations

from kobench.measure.results.calibration_docs import (
    Calibration,
    RoleRoundTrip,
    RoundTrip,
    ToolOverhead,
)
from kobench.measure.results.counting import sent_by_writer
from kobench.measure.results.documents import (
    SCHEMA_VERSION,
    ClientInfo,
    ClockSample,
    Convergence,
    EngineFacts,
    LatencyBasis,
    MatrixCell,
    ObserverResult,
    ObserverSummary,
    PairDivergence,
    ReplicaState,
    RunResult,
    Verdict,
    WriterCounts,
    WriterResult,
    WritersSummary,
)
from kobench.measure.results.findings import ClockEstimate, saturation
from kobench.measure.results.merge import merge_run, result_schema
from kobench.measure.results.run_verdict import judge

__all__ = [
    "SCHEMA_VERSION",
    "Calibration",
    "ClientInfo",
    "ClockEstimate",
    "ClockSample",
    "Convergence",
    "EngineFacts",
    "LatencyBasis",
    "MatrixCell",
    "ObserverResult",
    "ObserverSummary",
    "PairDivergence",
    "ReplicaState",
    "RoleRoundTrip",
    "RoundTrip",
    "RunResult",
    "ToolOverhead",
    "Verdict",
    "WriterCounts",
    "WriterResult",
    "WritersSummary",
    "judge",
    "merge_run",
    "result_schema",
    "saturation",
    "sent_by_writer",
]
