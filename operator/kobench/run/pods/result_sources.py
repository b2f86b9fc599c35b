"""Where the operator reads each role's result document from.

Roles print one ``KOBENCH_RESULT {json}`` line on stdout. :class:`PodLogResults` reads it from the
pod log through the API server, so it works wherever the operator runs (in the cluster, or on a
laptop against kind) without reaching pod IPs.

:class:`KubeletlessTestAnnotationResults` exists only for the control-plane test tier: there is no
kubelet there to serve logs, so the test, playing the kubelet's part, puts the document in the
pod annotation ``kobench.io/result``. It is never the default.
"""

from __future__ import annotations

from typing import Any, Protocol

from kobench.run.collection import result_line
from kobench.run.pods.kube import Kube
from kobench.run.pods.pod_names import RESULT_ANNOTATION


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


class KubeletlessTestAnnotationResults:
    name = "kubeletless-test-annotation"

    async def fetch(self, kube: Kube, pod: dict[str, Any]) -> str | None:
        annotations = pod["metadata"].get("annotations") or {}
        value = annotations.get(RESULT_ANNOTATION)
        return str(value) if value else None


SOURCES: dict[str, type[PodLogResults] | type[KubeletlessTestAnnotationResults]] = {
    PodLogResults.name: PodLogResults,
    KubeletlessTestAnnotationResults.name: KubeletlessTestAnnotationResults,
}
