"""What the report draws, computed from result documents: pure functions, no HTML.

Every plot is a list of :class:`Line` (x and y values with a label). The page serialises them
to JSON and a small script draws them; the figures themselves are decided here, where they
can be tested against documents with known values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from kobench.measure.histograms import decode_histogram
from kobench.measure.results import ObserverSummary, RunResult
from kobench.measure.series import ObserverSecond
from kobench.measure.series import worst_second as series_worst_second

TICKS_PER_HALF_DISTANCE = 5
"""HdrHistogram's default density of the percentile distribution (its ``outputPercentile``)."""
MIN_TAIL = 100.0
"""The distribution's x axis reaches at least 1 / (1 - 99 %), whatever the count."""


@dataclass(frozen=True)
class Line:
    """One drawn line: ``x`` and ``y`` of equal length, ``None`` for a gap."""

    label: str
    x: list[float]
    y: list[float | None]
    dash: bool = False
    group: int = 0
    """Colour: the same observer has the same colour in every chart; -1 is the writers'."""
    right: bool = False
    """Drawn against the right-hand axis (missed events beside writes sent)."""


@dataclass(frozen=True)
class Band:
    """A marked interval of the time axis (seconds of the measured run), e.g. an outage."""

    label: str
    start: float
    end: float


@dataclass(frozen=True)
class Plot:
    """A chart: its kind tells the page which axes to draw."""

    id: str
    kind: str  # "distribution" | "time" | "counts" | "sweep"
    title: str
    y_label: str
    lines: list[Line]
    bands: list[Band] = field(default_factory=list)
    log_y: bool = False


def tail_x(percentile: float) -> float:
    """The distribution plot's x for a percentile: 1 / (1 - p), so 90 % -> 10, 99.9 % -> 1000."""
    if percentile >= 100.0:
        return math.inf
    return 1.0 / (1.0 - percentile / 100.0)


def percentile_distribution(encoded: str) -> tuple[list[float], list[float]]:
    """(x, latency ms) of an HDR histogram's percentile distribution, denser towards the tail.

    x is :func:`tail_x` of each percentile. N events tell nothing beyond the 1-in-N one, so
    the axis ends at the decade above N; the final 100 % point (the maximum) is placed there,
    since 1 / (1 - 1) has no place on it.
    """
    histogram = decode_histogram(encoded)
    count = histogram.get_total_count()
    if not count:
        return [], []
    end = max(MIN_TAIL, 10.0 ** math.ceil(math.log10(count)))
    xs: list[float] = []
    ys: list[float] = []
    for item in histogram.get_percentile_iterator(TICKS_PER_HALF_DISTANCE):
        x = min(end, tail_x(item.percentile_level_iterated_to))
        value_ms = round(item.value_iterated_to / 1000.0, 4)
        if xs and x <= xs[-1]:
            ys[-1] = max(ys[-1], value_ms)  # the tail's last points collapse onto the maximum
            continue
        xs.append(x)
        ys.append(value_ms)
    return xs, ys


def _label(result: RunResult, observer: ObserverSummary, several: bool) -> str:
    name = f"{observer.name} ({observer.mode})"
    return f"{result.benchmark}/{result.run_id}: {name}" if several else name


LOG_Y_SPAN = 50.0
"""A latency axis whose values span more than this factor is drawn logarithmic, so a fast
observer's line is not flattened against zero by a slow one's."""


def needs_log_axis(lines: Sequence[Line]) -> bool:
    values = [y for line in lines for y in line.y if y is not None and y > 0]
    return bool(values) and max(values) / min(values) > LOG_Y_SPAN


def _groups(results: Sequence[RunResult]) -> dict[tuple[int, str], int]:
    """A colour index per (document, observer), in the order they are listed."""
    keys = [(i, o.name) for i, r in enumerate(results) for o in r.observers]
    return {key: index for index, key in enumerate(keys)}


def distribution_plot(results: Sequence[RunResult]) -> Plot:
    several = len(results) > 1
    groups = _groups(results)
    lines = []
    for i, result in enumerate(results):
        for observer in result.observers:
            xs, ys = percentile_distribution(observer.latency_histogram)
            if xs:
                label = _label(result, observer, several)
                lines.append(Line(label, xs, list(ys), group=groups[(i, observer.name)]))
    return Plot(
        "distribution",
        "distribution",
        "Latency by percentile (HDR histogram, write -> event)",
        "latency (ms)",
        lines,
        log_y=needs_log_axis(lines),
    )


def _per_second(seconds: Sequence[ObserverSecond], attribute: str) -> list[float | None]:
    values: list[float | None] = [getattr(s, attribute) for s in seconds]
    return values


def outage_bands(result: RunResult, origin_ns: int) -> list[Band]:
    """Outages as intervals of the run's time axis; one that never ended lasts to the end."""
    end_s = max(0.0, (result.finished_ns - origin_ns) / 1e9)
    bands = []
    for observer in result.observers:
        for outage in observer.outages:
            start = (outage.started_ns - origin_ns) / 1e9
            end = (outage.ended_ns - origin_ns) / 1e9 if outage.ended_ns else end_s
            bands.append(Band(f"{observer.name}: {outage.reason or 'outage'}", start, end))
    return bands


def fault_bands(result: RunResult, origin_ns: int) -> list[Band]:
    """Each applied fault, from its application until the engine was whole again."""
    return [
        Band(
            f"fault {f.index}: {f.action} {f.target}",
            (f.applied_ns - origin_ns) / 1e9,
            (f.over_ns - origin_ns) / 1e9,
        )
        for f in result.faults
        if f.applied_ns
    ]


def series_origin_ns(result: RunResult) -> int:
    """Wall clock of second 0 of the series: the first measured write's intended time (a
    document from before it was recorded falls back to the run's start, which is earlier)."""
    return result.writers.measured_start_ns or result.started_ns


def time_plots(results: Sequence[RunResult]) -> list[Plot]:
    """Latency per second (p50 solid, p99 dashed), and writes sent with missed events (right
    axis) per second; outages marked on both."""
    several = len(results) > 1
    groups = _groups(results)
    latency: list[Line] = []
    counts: list[Line] = []
    bands: list[Band] = []
    for i, result in enumerate(results):
        bands += outage_bands(result, series_origin_ns(result))
        bands += fault_bands(result, series_origin_ns(result))
        if result.writers.series:
            label = f"{result.benchmark}/{result.run_id}: sent" if several else "writes sent"
            xs = [float(s.t) for s in result.writers.series]
            sent: list[float | None] = [float(s.sent) for s in result.writers.series]
            counts.append(Line(label, xs, sent, group=-1))
        for observer in result.observers:
            if not observer.series:
                continue
            label, group = _label(result, observer, several), groups[(i, observer.name)]
            xs = [float(s.t) for s in observer.series]
            p50, p99 = (
                _per_second(observer.series, "p50_ms"),
                _per_second(observer.series, "p99_ms"),
            )
            latency.append(Line(f"{label} p50", xs, p50, group=group))
            latency.append(Line(f"{label} p99", xs, p99, dash=True, group=group))
            missed: list[float | None] = [float(s.missed) for s in observer.series]
            counts.append(Line(f"{label} missed", xs, missed, group=group, right=True))
    plots = []
    if latency:
        plots.append(
            Plot(
                "time", "time", "Latency over the run (per second)", "latency (ms)", latency, bands
            )
        )
    if counts:
        title = "Writes sent (left) and missed events (right) per second"
        plots.append(Plot("counts", "counts", title, "writes", counts, bands))
    return plots


def sweep_plot(results: Sequence[RunResult]) -> Plot | None:
    """Latency against achieved throughput, per observer, when the documents differ in rate."""
    if len({r.writers.target_rate for r in results}) < 2:
        return None
    by_observer: dict[str, list[tuple[float, float, float]]] = {}
    for result in results:
        throughput = result.writers.achieved_rate * result.writers.writers
        for observer in result.observers:
            latency = observer.corrected_latency_ms or observer.latency_ms
            if latency is not None:
                point = (throughput, latency.p50, latency.p99)
                by_observer.setdefault(f"{observer.name} ({observer.mode})", []).append(point)
    lines = []
    for group, (name, points) in enumerate(sorted(by_observer.items())):
        points.sort()
        xs = [p[0] for p in points]
        lines.append(Line(f"{name} p50", xs, [p[1] for p in points], group=group))
        lines.append(Line(f"{name} p99", xs, [p[2] for p in points], dash=True, group=group))
    return Plot("sweep", "sweep", "Latency against throughput (rate sweep)", "latency (ms)", lines)


def plots(results: Sequence[RunResult]) -> list[Plot]:
    """Every chart of a report on these documents (one: a run; several: overlaid)."""
    found = [distribution_plot(results), *time_plots(results)]
    sweep = sweep_plot(results)
    if sweep is not None:
        found.append(sweep)
    return [p for p in found if p.lines]


@dataclass(frozen=True)
class WorstSecond:
    observer: str
    t: int
    p99_ms: float | None
    """None: every event of that second was missed."""
    missed: int

    def describe(self) -> str:
        latency = "no event arrived" if self.p99_ms is None else f"p99 {self.p99_ms:.3f} ms"
        return f"{self.t} s, {latency}, {self.missed} missed"


def worst_second(observer: ObserverSummary) -> WorstSecond | None:
    """The second the series calls worst (:func:`kobench.measure.series.worst_second`)."""
    worst = series_worst_second(observer.series)
    if worst is None:
        return None
    return WorstSecond(observer.name, worst.t, worst.p99_ms, worst.missed)


@dataclass(frozen=True)
class HeatCell:
    written: int
    observed: int
    count: int
    p50_ms: float
    p99_ms: float
    shade: float  # 0 (fastest p99 of the matrix) .. 1 (slowest)


@dataclass(frozen=True)
class HeatMap:
    written: list[int]
    observed: list[int]
    rows: list[list[HeatCell | None]]  # rows[i][j]: written[i] -> observed[j]


def heat_map(result: RunResult) -> HeatMap | None:
    """The written -> observed matrix as rows (written replica) of cells (observed replica)."""
    if not result.matrix:
        return None
    written = sorted({c.written_replica for c in result.matrix})
    observed = sorted({c.observed_replica for c in result.matrix})
    low = min(c.p99_ms for c in result.matrix)
    high = max(c.p99_ms for c in result.matrix)
    span = high - low
    cells = {(c.written_replica, c.observed_replica): c for c in result.matrix}
    rows: list[list[HeatCell | None]] = []
    for w in written:
        row: list[HeatCell | None] = []
        for o in observed:
            cell = cells.get((w, o))
            if cell is None:
                row.append(None)
                continue
            shade = (cell.p99_ms - low) / span if span > 0 else 0.0
            row.append(HeatCell(w, o, cell.count, cell.p50_ms, cell.p99_ms, round(shade, 4)))
        rows.append(row)
    return HeatMap(written, observed, rows)
