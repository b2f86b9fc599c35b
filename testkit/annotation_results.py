"""Each role's result document read from its pod's ``kobench.io/result`` annotation.

A control plane without kubelets serves no pod logs, where the shipped operator reads results
(:class:`kobench.run.pods.result_sources.PodLogResults`). The test plays the kubelet there
(:mod:`testkit.fake_kubelet`) and leaves each document in that annotation; the operator reads it
through this source, which :mod:`testkit.kubeletless_operator` hands to it. Not in the product.
"""

from __future__ import annotations

from typing import Any

from kobench.run.pods.kube import Kube
from kobench.run.pods.pod_names import RESULT_ANNOTATION


class AnnotationResults:
    """A :class:`kobench.run.pods.result_sources.ResultsSource` for kubelet-less tests."""

    name = "kubeletless-test-annotation"

    async def fetch(self, kube: Kube, pod: dict[str, Any]) -> str | None:
        annotations = pod["metadata"].get("annotations") or {}
        value = annotations.get(RESULT_ANNOTATION)
        return str(value) if value else None
