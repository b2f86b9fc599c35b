"""The engine's Services: the headless one the StatefulSet needs, and one per replica.

Roles and peers reach replica ``i`` through its own ClusterIP Service, not through the headless
record ``<pod>.<service>``: a Service's name and address exist before the pod and never change.
A headless record names the pod's current IP, and cluster DNS caches it (30 s in the kubeadm and
kind defaults): after a replica pod is killed, its successor has a new IP, and an observer that
resolves the cached name reaches the dead one ("No route to host") for up to that long. Before
the pods exist, a headless name does not resolve at all and the negative answer is cached too,
which delayed a KeyDB mesh whose peers looked each other up early. Through a ClusterIP, a
connection made while no pod is behind the Service is refused at once and the next one reaches
the successor as soon as kube-proxy sees it.
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.pods.manifest_parts import Manifest, Owner, metadata
from kobench.run.pods.pod_names import STATEFULSET_POD_LABEL, RunNames


def _ports(spec: BenchmarkSpec) -> list[Manifest]:
    return [{"name": "redis", "port": spec.engine.port, "targetPort": spec.engine.port}]


def build_service(names: RunNames, owner: Owner, spec: BenchmarkSpec) -> Manifest:
    """The StatefulSet's governing Service (pod hostnames)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(names.service, owner, names.labels("engine")),
        "spec": {
            "clusterIP": "None",
            # Peers must find each other before they are ready: replication comes first.
            "publishNotReadyAddresses": True,
            "selector": names.selector("engine"),
            "ports": _ports(spec),
        },
    }


def build_replica_service(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, index: int
) -> Manifest:
    """Replica ``index``'s own Service: a stable address in front of whichever pod holds the
    ordinal, routed to before the pod is ready (a replica is not ready until it has reached its
    primary or peers through these very Services)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(names.engine_host(index), owner, names.labels("engine")),
        "spec": {
            "type": "ClusterIP",
            "publishNotReadyAddresses": True,
            "selector": {
                **names.selector("engine"),
                STATEFULSET_POD_LABEL: names.engine_pod(index),
            },
            "ports": _ports(spec),
        },
    }


def build_services(names: RunNames, owner: Owner, spec: BenchmarkSpec) -> list[Manifest]:
    """Every Service of the engine, the governing one first."""
    return [build_service(names, owner, spec)] + [
        build_replica_service(names, owner, spec, i) for i in range(spec.engine.replicas)
    ]
