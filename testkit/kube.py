"""A running Kubernetes cluster as the tests and benchmarks see it: ``kubectl`` against it, and
what they read from it or make in it (namespaces, the CRD, pods run to completion, benchmarks).

Which cluster that is (the one ``hack/cluster`` runs, or ``KOBENCH_KUBECONFIG``) is
:mod:`testkit.cluster_up`'s business; the pytest fixtures are in :mod:`testkit.kube_fixtures`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testkit.support import REPO

CRD_FILE = REPO / "manifests" / "crd.yaml"
CRD_NAME = "keydbobserverbenchmarks.kobench.io"
Manifest = dict[str, Any] | str


@dataclass(frozen=True)
class KubeCluster:
    """A running cluster and the kubectl that talks to it."""

    kubeconfig: Path
    """Admin kubeconfig (cluster-admin)."""
    mode: str
    """``control-plane``, ``full`` or ``external`` (``KOBENCH_KUBECONFIG``)."""
    kubectl_path: Path
    helm_path: Path | None = None
    """Helm v3 built by ``hack/cluster build``; None when not built."""

    @property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses (kubectl, helm, the operator) aimed at this cluster."""
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl; with ``check`` a non-zero exit fails the test with kubectl's stderr."""
        command = [str(self.kubectl_path), "--kubeconfig", str(self.kubeconfig), *args]
        result = subprocess.run(
            command, input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"kubectl {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stderr}{result.stdout}",
                pytrace=False,
            )
        return result

    def get_json(self, *args: str) -> Any:
        """``kubectl get ARGS -o json``, parsed."""
        return json.loads(self.kubectl("get", *args, "-o", "json").stdout)

    def with_token(self, token: str, kubeconfig: Path) -> KubeCluster:
        """The same cluster seen with a bearer token (a service account's, say): writes a
        kubeconfig with this cluster's server and CA and no other credentials."""
        view = json.loads(
            self.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json").stdout
        )
        cluster = view["clusters"][0]
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [cluster],
            "users": [{"name": "token", "user": {"token": token}}],
            "contexts": [
                {"name": "token", "context": {"cluster": cluster["name"], "user": "token"}}
            ],
            "current-context": "token",
        }
        kubeconfig.write_text(json.dumps(config))
        kubeconfig.chmod(0o600)
        return KubeCluster(
            kubeconfig=kubeconfig,
            mode=self.mode,
            kubectl_path=self.kubectl_path,
            helm_path=self.helm_path,
        )

    def apply(self, *manifests: Manifest, namespace: str | None = None) -> None:
        """``kubectl apply`` documents given as dicts or YAML/JSON text."""
        texts = [m if isinstance(m, str) else json.dumps(m) for m in manifests]
        ns_args = ["--namespace", namespace] if namespace else []
        for text in texts:
            self.kubectl("apply", *ns_args, "-f", "-", input=text)


def run_pod(
    cluster: KubeCluster,
    namespace: str,
    name: str,
    image: str,
    command: Sequence[str],
    *,
    timeout_s: int = 120,
) -> str:
    """Run a pod to completion and return its logs; fails the test if it does not succeed."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {"name": name, "image": image, "imagePullPolicy": "Never", "command": list(command)}
            ],
        },
    }
    cluster.apply(pod, namespace=namespace)
    cluster.kubectl(
        "wait",
        "-n",
        namespace,
        f"pod/{name}",
        "--for=jsonpath={.status.phase}=Succeeded",
        f"--timeout={timeout_s}s",
        check=False,
        timeout=timeout_s + 30,
    )
    phase = cluster.kubectl(
        "get", "-n", namespace, f"pod/{name}", "-o", "jsonpath={.status.phase}"
    ).stdout
    logs = cluster.kubectl("logs", "-n", namespace, f"pod/{name}", check=False)
    if phase != "Succeeded":
        describe = cluster.kubectl("describe", "-n", namespace, f"pod/{name}", check=False).stdout
        pytest.fail(
            f"pod {namespace}/{name} ended {phase or 'unknown'}:\n{logs.stdout}{logs.stderr}\n"
            f"{describe[-3000:]}",
            pytrace=False,
        )
    return logs.stdout


def get_kob(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    result: dict[str, Any] = cluster.get_json("kob", name, "-n", namespace)
    return result


def status_of(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    return dict(get_kob(cluster, namespace, name).get("status") or {})


def pod_names(cluster: KubeCluster, namespace: str, selector: str) -> list[str]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json").stdout
    return sorted(
        p["metadata"]["name"]
        for p in json.loads(out)["items"]
        if not p["metadata"].get("deletionTimestamp")
    )


def ensure_crd(cluster: KubeCluster) -> KubeCluster:
    """The committed CRD applied and established; returns the cluster."""
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_FILE))
    cluster.kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s")
    return cluster


def new_namespace(cluster: KubeCluster, prefix: str) -> str:
    """A fresh namespace ``PREFIX-xxxxxxxx`` whose default service account exists (pods can be
    created in it from then on)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    deadline = time.monotonic() + 60
    while (
        cluster.kubectl("get", "serviceaccount", "default", "-n", name, check=False).returncode != 0
    ):
        if time.monotonic() > deadline:
            pytest.fail(f"namespace {name} got no default service account in 60 s", pytrace=False)
        time.sleep(0.2)
    return name


def delete_namespace(cluster: KubeCluster, namespace: str) -> None:
    """Drop the benchmarks' finalizers (their operator may be gone), then the namespace, without
    waiting."""
    names = cluster.kubectl("get", "kob", "-n", namespace, "-o", "name", check=False).stdout
    for name in names.split():
        cluster.kubectl(
            "patch",
            name,
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"metadata":{"finalizers":[]}}',
            check=False,
        )
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
