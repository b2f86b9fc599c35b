"""A ServiceMonitor as the Prometheus Operator turns it into a scrape job, for a Prometheus that
runs without the operator.

The relabelling follows what the Prometheus Operator generates for a port-based endpoint with
EndpointSlice discovery: keep the Service by its labels and the endpoint by its port name, then
set ``namespace``, ``service``, ``pod``, ``container``, ``job`` and ``endpoint`` as target labels.
So a scraped series that carries one of those labels itself keeps it only with ``honorLabels``
(otherwise Prometheus renames it ``exported_<label>``), exactly as in a cluster with the operator.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def _meta(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def scrape_jobs(
    monitor: dict[str, Any], *, namespace: str, kubeconfig: Path, interval: str
) -> list[dict[str, Any]]:
    """One scrape job per endpoint of the ServiceMonitor ``monitor`` (a rendered manifest).

    ``interval`` replaces the endpoint's own, so a test need not wait for 30 s scrapes.
    """
    assert monitor["kind"] == "ServiceMonitor", monitor["kind"]
    name, spec = monitor["metadata"]["name"], monitor["spec"]
    keep_service = [
        {
            "action": "keep",
            "source_labels": [
                f"__meta_kubernetes_service_label_{_meta(key)}",
                f"__meta_kubernetes_service_labelpresent_{_meta(key)}",
            ],
            "regex": f"({re.escape(str(value))});true",
        }
        for key, value in spec["selector"]["matchLabels"].items()
    ]
    jobs = []
    for index, endpoint in enumerate(spec["endpoints"]):
        port = endpoint["port"]
        target = "__meta_kubernetes_endpointslice_address_target"
        relabel = [
            *keep_service,
            {
                "action": "keep",
                "source_labels": ["__meta_kubernetes_endpointslice_port_name"],
                "regex": re.escape(port),
            },
            {
                "source_labels": [f"{target}_kind", f"{target}_name"],
                "separator": ";",
                "regex": "Pod;(.*)",
                "target_label": "pod",
            },
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            {
                "source_labels": ["__meta_kubernetes_pod_container_name"],
                "target_label": "container",
            },
            {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
            {"target_label": "endpoint", "replacement": port},
        ]
        jobs.append(
            {
                "job_name": f"serviceMonitor/{namespace}/{name}/{index}",
                "honor_labels": bool(endpoint.get("honorLabels", False)),
                "scrape_interval": interval,
                "metrics_path": endpoint.get("path", "/metrics"),
                "kubernetes_sd_configs": [
                    {
                        "role": "endpointslice",
                        "kubeconfig_file": str(kubeconfig),
                        "namespaces": {"names": [namespace]},
                    }
                ],
                "relabel_configs": relabel,
            }
        )
    return jobs
