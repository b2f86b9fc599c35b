"""Helpers of the operator tests: polling, the operator subprocess, reading benchmarks."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.plugins.kube import KubeCluster
from tests.support import wait_for

REPO = Path(__file__).resolve().parents[2]
CRD_FILE = REPO / "manifests" / "crd.yaml"
CRD_NAME = "keydbobserverbenchmarks.kobench.io"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class OperatorProcess:
    """``kobench operator`` reading results from pod annotations (``python -m
    testkit.kubeletless_operator``), against a namespace."""

    cluster: KubeCluster
    namespace: str
    log_path: Path
    extra: list[str] = field(default_factory=list)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "testkit.kubeletless_operator",
            "--namespace",
            self.namespace,
            "--metrics-port",
            str(self.metrics_port),
            "--liveness-port",
            "0",
            "--log-format",
            "plain",
            # No scheduler places these pods, so no kubelet (when the cluster has a node) runs
            # them: the test is the only kubelet they have.
            "--scheduler-name",
            "kobench-test-unscheduled",
            *self.extra,
        ]
        env = {**self.cluster.env, "PYTHONUNBUFFERED": "1"}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO
        )
        wait_for("the operator's /metrics", self._metrics_up, timeout=30)

    def _metrics_up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"operator exited {self.process.returncode}:\n{self.log()}", pytrace=False)
        try:
            self.metrics()
        except OSError:
            return False
        return True

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]


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


def token_cluster(admin: KubeCluster, token: str, kubeconfig: Path) -> KubeCluster:
    """The same cluster seen with only a bearer token (a service account's): a kubeconfig with
    the admin's server and CA, and no other credentials."""
    view = json.loads(
        admin.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json").stdout
    )
    server = view["clusters"][0]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [server],
        "users": [{"name": "token", "user": {"token": token}}],
        "contexts": [{"name": "token", "context": {"cluster": server["name"], "user": "token"}}],
        "current-context": "token",
    }
    kubeconfig.write_text(json.dumps(config))
    kubeconfig.chmod(0o600)
    return KubeCluster(
        kubeconfig=kubeconfig,
        mode=admin.mode,
        kubectl_path=admin.kubectl_path,
        helm_path=admin.helm_path,
    )
