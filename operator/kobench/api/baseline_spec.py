"""A baseline in the resource: an earlier run's result and how far this run may fall behind it,
so that a pipeline fails on a regression (``p99 at most 1.3 x the baseline's, plus 0.5 ms``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import DNS_SUBDOMAIN, MAX_MS, Model


class Baseline(Model):
    """An earlier run to hold this one to; a figure is checked when its ratio is set."""

    result_file: Annotated[
        str | None,
        Field(
            description="kobench run: the earlier run's result document (kobench run -o), "
            "relative to the benchmark file.",
            min_length=1,
            max_length=4096,
        ),
    ] = None
    results_config_map: Annotated[
        str | None,
        Field(
            description="In a cluster: a ConfigMap in the benchmark's namespace whose "
            "result.json is the earlier run's result (an earlier run's results ConfigMap, or "
            "kubectl create configmap NAME --from-file=result.json=FILE).",
            pattern=DNS_SUBDOMAIN,
            max_length=253,
        ),
    ] = None
    p50_ratio: Annotated[
        float | None,
        Field(description="p50 at most this times the baseline's p50 (plus p50PlusMs).", ge=1),
    ] = None
    p50_plus_ms: Annotated[
        float, Field(description="Added to the p50 allowance.", ge=0, le=MAX_MS)
    ] = 0.0
    p99_ratio: Annotated[
        float | None,
        Field(description="p99 at most this times the baseline's p99 (plus p99PlusMs).", ge=1),
    ] = None
    p99_plus_ms: Annotated[
        float, Field(description="Added to the p99 allowance.", ge=0, le=MAX_MS)
    ] = 0.0
    max_missed_increase: Annotated[
        int | None,
        Field(description="Missed events at most the baseline's plus this, per observer.", ge=0),
    ] = None
