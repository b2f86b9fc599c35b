"""pytest fixtures for tests against a real Kubernetes.

Registered from ``tests/conftest.py`` with ``pytest_plugins = ["tests.plugins.kube"]``.

* ``kube_control_plane`` (session): etcd, kube-apiserver, kube-controller-manager and
  kube-scheduler. Enough for CRDs, RBAC, garbage collection and controllers; pods stay Pending.
* ``kube_full_node`` (session): the control plane plus a node (containerd, kubelet, bridge CNI,
  kube-proxy, CoreDNS), so pods run, Services route and cluster DNS answers.
* ``kube_three_nodes`` (session): a full cluster with at least three Ready nodes (``hack/cluster
  up --nodes 3`` adds them to a smaller local one); helpers to partition a node or a pod are in
  ``tests.plugins.nodes``.
* ``kube_namespace`` (function): a factory, ``kube_namespace(cluster)`` -> a fresh namespace
  name, deleted after the test.

Both cluster fixtures use the cluster ``hack/cluster up`` started (CI starts it before the
tests); when none is up they start it in the mode they need and leave it running, since
another test session on the machine may be using it by then (``KOBENCH_CLUSTER_TEARDOWN=1``
stops a cluster they started at the end of the session; ``hack/cluster down`` stops it by
hand). When ``KOBENCH_KUBECONFIG`` is set they use that
cluster instead (kind, for example) and start nothing. A missing binary or a cluster that
does not come up is a test failure, never a skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.plugins.nodes import kube_three_nodes

REPO_DIR = Path(__file__).resolve().parents[2]
HACK_CLUSTER = REPO_DIR / "hack" / "cluster"
UP_TIMEOUT_S = 900
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


def _status(env: dict[str, str], field: str = "mode") -> str:
    """A field of ``hack/cluster status``: the mode (none, control-plane or full), or nodes."""
    result = subprocess.run(
        [str(HACK_CLUSTER), "status"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    match = re.search(rf"^{field}:\s+(\S+)", result.stdout, re.MULTILINE)
    return match.group(1) if match else "none"


def _env_lines(env: dict[str, str]) -> dict[str, str]:
    """KUBECONFIG and the cache PATH that ``hack/cluster env`` prints."""
    result = subprocess.run(
        [str(HACK_CLUSTER), "env"], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    found = dict(re.findall(r"^export (\w+)=(.*)$", result.stdout, re.MULTILINE))
    return found


def _external_cluster(kubeconfig: str) -> KubeCluster:
    path = Path(kubeconfig)
    if not path.is_file():
        pytest.fail(f"KOBENCH_KUBECONFIG={kubeconfig} is not a file", pytrace=False)
    cached = _cached_tools()
    kubectl = cached.get("kubectl") or shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "KOBENCH_KUBECONFIG is set but no kubectl is found (hack/cluster build)", pytrace=False
        )
    helm = cached.get("helm") or shutil.which("helm")
    return KubeCluster(
        kubeconfig=path,
        mode="external",
        kubectl_path=Path(kubectl),
        helm_path=Path(helm) if helm else None,
    )


def _cached_tools() -> dict[str, str]:
    """kubectl and helm from the hack/cluster cache, when built."""
    if not HACK_CLUSTER.exists():
        return {}
    path = _env_lines(dict(os.environ)).get("PATH", "")
    found = {}
    for directory in path.split(":")[:2]:
        for tool in ("kubectl", "helm"):
            candidate = Path(directory) / tool
            if candidate.is_file() and os.access(candidate, os.X_OK):
                found[tool] = str(candidate)
    return found


def _local_cluster(mode: str, nodes: int = 1) -> tuple[KubeCluster, bool]:
    """Bring the local cluster up in ``mode`` (with at least ``nodes`` nodes) if needed; returns
    it and whether we started it."""
    env = dict(os.environ)
    before = _status(env)
    satisfied = before == "full" or before == mode
    if mode == "full" and nodes > 1 and before == "full":
        satisfied = int(_status(env, "nodes")) >= nodes
    if not satisfied:
        result = subprocess.run(
            [str(HACK_CLUSTER), "up", "--mode", mode, "--nodes", str(nodes)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=UP_TIMEOUT_S,
        )
        if result.returncode != 0:
            pytest.fail(
                f"hack/cluster up --mode {mode} --nodes {nodes} exited {result.returncode}:\n"
                f"{result.stderr[-6000:]}",
                pytrace=False,
            )
    exports = _env_lines(env)
    tools = _cached_tools()
    if "kubectl" not in tools:
        pytest.fail(
            "kubectl missing from the hack/cluster cache: run hack/cluster build", pytrace=False
        )
    cluster = KubeCluster(
        kubeconfig=Path(exports["KUBECONFIG"]),
        mode=_status(env),
        kubectl_path=Path(tools["kubectl"]),
        helm_path=Path(tools["helm"]) if "helm" in tools else None,
    )
    return cluster, before == "none"


def _cluster_fixture(mode: str, nodes: int = 1) -> Iterator[KubeCluster]:
    external = os.environ.get("KOBENCH_KUBECONFIG")
    if external:
        yield _external_cluster(external)
        return
    cluster, started = _local_cluster(mode, nodes)
    yield cluster
    if started and os.environ.get("KOBENCH_CLUSTER_TEARDOWN") == "1":
        subprocess.run([str(HACK_CLUSTER), "down"], capture_output=True, check=False, timeout=300)


@pytest.fixture(scope="session")
def kube_control_plane() -> Iterator[KubeCluster]:
    """A cluster with at least the control plane (a full one serves too)."""
    yield from _cluster_fixture("control-plane")


@pytest.fixture(scope="session")
def kube_full_node() -> Iterator[KubeCluster]:
    """A cluster where pods run: the control plane plus one node."""
    yield from _cluster_fixture("full")


@pytest.fixture
def kube_namespace(request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """Factory: ``kube_namespace(cluster, prefix="kobench-t")`` creates a namespace, returns its
    name and deletes it (without waiting) after the test."""
    created: list[tuple[KubeCluster, str]] = []

    def make(cluster: KubeCluster, prefix: str = "kobench-t") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        cluster.kubectl("create", "namespace", name)
        # Pods can be created once the namespace's default service account exists.
        deadline = time.monotonic() + 60
        while (
            cluster.kubectl("get", "serviceaccount", "default", "-n", name, check=False).returncode
            != 0
        ):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"namespace {name} got no default service account in 60 s", pytrace=False
                )
            time.sleep(0.2)
        created.append((cluster, name))
        return name

    yield make
    for cluster, name in created:
        cluster.kubectl(
            "delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False
        )


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


__all__ = ["KubeCluster", "kube_three_nodes", "run_pod"]  # kube_three_nodes: registered here
