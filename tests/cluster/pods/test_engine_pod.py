"""Cluster tier: the engine pod as the operator builds it keeps its password off every command
line. The engine's children are applied straight from the manifest builders (no operator), the
pod must become Ready (its probe authenticates through ``REDISCLI_AUTH``), and no
``/proc/*/cmdline`` inside it holds the password."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from testkit.kube import KubeCluster

from kobench.api import parse_spec
from kobench.plugins.engines import get_engine
from kobench.run.pods import engine_manifests as engine
from kobench.run.pods import services
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_names import RunNames, run_id_for

PASSWORD = 'cluster "pass" \\ word'


def without_owner(manifest: dict[str, Any]) -> dict[str, Any]:
    """No owner to point at here: the garbage collector would delete an orphan at once."""
    manifest["metadata"].pop("ownerReferences", None)
    return manifest


def test_no_process_in_the_engine_pod_shows_the_password(
    kube_full_node: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_full_node)
    spec = parse_spec({"engine": {"type": "redis", "replicas": 1}})
    plugin = get_engine("redis")
    names = RunNames("cmdline", run_id_for("uid", "", 1))
    owner = Owner(name="cmdline", namespace=ns, uid="uid")
    children = [
        engine.build_secret(names, owner, PASSWORD),
        engine.build_engine_config(names, owner, spec, plugin),
        *services.build_services(names, owner, spec),
        engine.build_statefulset(names, owner, spec, plugin, RoleOptions()),
    ]
    kube_full_node.apply(*[json.dumps(without_owner(c)) for c in children], namespace=ns)
    pod = names.engine_pod(0)
    kube_full_node.kubectl("wait", "--for=create", f"pod/{pod}", "-n", ns, "--timeout=60s")
    kube_full_node.kubectl(
        "wait", "--for=condition=Ready", f"pod/{pod}", "-n", ns, "--timeout=120s", timeout=180
    )
    listing = kube_full_node.kubectl(
        "exec",
        pod,
        "-n",
        ns,
        "--",
        "sh",
        "-c",
        'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
    ).stdout
    assert "redis-server" in listing, listing
    assert PASSWORD not in listing and "requirepass" not in listing, listing
