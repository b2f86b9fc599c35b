"""The control plane is real: CRDs, RBAC and garbage collection work as in any cluster."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from testkit.kube import KubeCluster


@pytest.fixture
def widget_crd(kube_control_plane: KubeCluster) -> Iterator[str]:
    """A namespaced CRD with a schema and a status subresource; yields its plural.group."""
    group = f"t{uuid.uuid4().hex[:8]}.smoke.kobench.io"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {
                                        "size": {"type": "integer", "minimum": 1},
                                        "labels": {"type": "array", "items": {"type": "string"}},
                                    },
                                },
                                "status": {
                                    "type": "object",
                                    "properties": {"phase": {"type": "string"}},
                                },
                            },
                        }
                    },
                }
            ],
        },
    }
    kube_control_plane.apply(crd)
    kube_control_plane.kubectl(
        "wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=60s"
    )
    yield f"widgets.{group}"
    kube_control_plane.kubectl("delete", "crd", f"widgets.{group}", "--wait=false", check=False)


def test_custom_resource_round_trips(
    kube_control_plane: KubeCluster, widget_crd: str, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_control_plane)
    group = widget_crd.split(".", 1)[1]
    widget = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "w1"},
        "spec": {"size": 3, "labels": ["a", "b"]},
    }
    kube_control_plane.apply(widget, namespace=ns)

    stored = kube_control_plane.get_json(widget_crd, "w1", "-n", ns)
    assert stored["spec"] == {"size": 3, "labels": ["a", "b"]}

    kube_control_plane.kubectl(
        "patch",
        widget_crd,
        "w1",
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status": {"phase": "Ready"}}',
    )
    assert kube_control_plane.get_json(widget_crd, "w1", "-n", ns)["status"] == {"phase": "Ready"}


def test_schema_rejects_invalid_resource(
    kube_control_plane: KubeCluster, widget_crd: str, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_control_plane)
    group = widget_crd.split(".", 1)[1]
    bad = {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "bad"},
        "spec": {"size": 0},
    }
    result = kube_control_plane.kubectl(
        "apply", "-n", ns, "-f", "-", input=json.dumps(bad), check=False
    )
    assert result.returncode != 0
    assert "spec.size" in result.stderr


def test_rbac_denies_what_was_not_granted(
    kube_control_plane: KubeCluster, kube_namespace: Callable[..., str], tmp_path: Path
) -> None:
    cluster = kube_control_plane
    ns = kube_namespace(cluster)
    cluster.kubectl("create", "serviceaccount", "reader", "-n", ns)
    cluster.kubectl(
        "create", "role", "configmap-reader", "-n", ns, "--verb=get,list", "--resource=configmaps"
    )
    cluster.kubectl(
        "create",
        "rolebinding",
        "reader",
        "-n",
        ns,
        "--role=configmap-reader",
        f"--serviceaccount={ns}:reader",
    )
    token = cluster.kubectl("create", "token", "reader", "-n", ns, "--duration=10m").stdout.strip()

    reader = cluster.with_token(token, tmp_path / "reader.kubeconfig")

    assert reader.kubectl("get", "configmaps", "-n", ns, check=False).returncode == 0
    denied = reader.kubectl("get", "secrets", "-n", ns, check=False)
    assert denied.returncode != 0
    assert "Forbidden" in denied.stderr
    assert f"system:serviceaccount:{ns}:reader" in denied.stderr
    other = reader.kubectl("get", "configmaps", "-n", "default", check=False)
    assert other.returncode != 0 and "Forbidden" in other.stderr


def test_deleting_owner_collects_children(
    kube_control_plane: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    cluster = kube_control_plane
    ns = kube_namespace(cluster)
    cluster.kubectl("create", "configmap", "owner", "-n", ns, "--from-literal=role=owner")
    owner_uid = cluster.get_json("configmap", "owner", "-n", ns)["metadata"]["uid"]
    for i in range(3):
        cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"child-{i}",
                    "labels": {"smoke": "gc"},
                    "ownerReferences": [
                        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner_uid}
                    ],
                },
                "data": {"index": str(i)},
            },
            namespace=ns,
        )
    assert len(cluster.get_json("configmaps", "-n", ns, "-l", "smoke=gc")["items"]) == 3

    cluster.kubectl("delete", "configmap", "owner", "-n", ns)
    deadline = time.monotonic() + 60
    while cluster.get_json("configmaps", "-n", ns, "-l", "smoke=gc")["items"]:
        assert time.monotonic() < deadline, "garbage collector left the children of a deleted owner"
        time.sleep(0.5)
