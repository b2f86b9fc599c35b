"""Where the operator reads each role's result document from.

Roles print one ``KOBENCH_RESULT {json}`` line on stdout. :class:`PodLogResults` reads it from the
pod log through the API server, so it works wherever the operator runs (in the cluster, or on a
laptop against kind) without reaching pod IPs. Another source (the tests' own, on a control plane
without kubelets) is handed to ``run_operator(..., results_source=...)``.
"""

from __future__ import annotations

from typing import Any, Protocol

from kobench.run.collection import result_line
from kobench.run.pods.kube import Kube


class ResultsSource(Protocol):
    name: str

    async def fetch(self, kube: Kube, pod: dict[str, Any]) -> str | None:
        """The role's result document (JSON text), or None when the pod left none."""
        ...


class PodLogResults:
    name = "pod-logs"

    async def fetch(self, kube: Kube, pod: dict[str, Any]) -> str | None:
        meta = pod["metadata"]
        return result_line(await kube.pod_log(meta["namespace"], meta["name"]))


SOURCES: dict[str, type[PodLogResults]] = {
    PodLogResults.name: PodLogResults,
}
