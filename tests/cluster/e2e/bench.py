"""What the end-to-end tests do, in the words of a user: install the chart, apply a benchmark,
watch it, read what it reports.

Everything here goes through the same doors a user has: ``helm``, ``kubectl`` (including
``kubectl get --raw`` through the API server's pod proxy for ``/metrics``) and the ``kobench``
command. Nothing talks to the operator's internals.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.kube import KubeCluster
from testkit.support import REPO, wait_for

CHART = REPO / "helm" / "kobench"
EXAMPLES = REPO / "examples"
IMAGE_BUILD = REPO / "hack" / "images" / "build"
KOBENCH_IMAGE_TAG = os.environ.get("KOBENCH_E2E_IMAGE_TAG", "dev")
"""Tag under which ``hack/images/build`` imports the kobench image."""
METRICS_PORT = 8000
TERMINAL = ("Succeeded", "Failed", "Error")
PHASES = ("Pending", "Deploying", "WaitingForEngine", "Subscribing", "Running", "Collecting")
RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
}


def run(
    command: list[str],
    *,
    timeout: float = 300,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, env=env, cwd=REPO
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}:\n"
            f"{result.stderr[-4000:]}{result.stdout[-4000:]}",
            pytrace=False,
        )
    return result


# --- benchmark documents ---------------------------------------------------------------------


def example(name: str) -> dict[str, Any]:
    """A file from ``examples/``, parsed."""
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    return document


def short_run(
    document: dict[str, Any],
    *,
    name: str | None = None,
    engine: str = "redis",
    rate: int = 300,
    seconds: float = 4,
    **spec: Any,
) -> dict[str, Any]:
    """The same benchmark, on an engine we have, kept short enough for CI; ``spec`` adds or
    replaces top-level spec sections."""
    out = json.loads(json.dumps(document))
    if name:
        out["metadata"]["name"] = name
    body = out["spec"]
    body["engine"]["type"] = engine
    body["engine"].pop("image", None)
    body["workload"].update({"rate": rate, "durationSeconds": seconds, "warmupSeconds": 1})
    body.update(spec)
    return dict(out)


def write_yaml(document: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


# --- watching a run --------------------------------------------------------------------------


@dataclass
class PhaseClock:
    """When each ``status.phase`` of one benchmark was first seen, from ``kubectl get -w``.

    Times are seconds since ``start`` (taken just before ``kubectl apply``), measured on this
    machine's monotonic clock, so they include the watch's own delay (well under a second).
    """

    cluster: KubeCluster
    namespace: str
    name: str
    start: float = field(default_factory=time.monotonic)
    seen: dict[str, float] = field(default_factory=dict)
    _process: subprocess.Popen[str] | None = None
    _thread: threading.Thread | None = None

    def follow(self) -> None:
        command = [
            str(self.cluster.kubectl_path),
            "--kubeconfig",
            str(self.cluster.kubeconfig),
            "get",
            "kob",
            self.name,
            "-n",
            self.namespace,
            "--watch",
            "-o",
            'jsonpath={.status.phase}{"\\n"}',
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            phase = line.strip()
            if phase and phase not in self.seen:
                self.seen[phase] = time.monotonic() - self.start

    def note(self, phase: str | None) -> None:
        """A phase seen by polling (the watch may have been slower or restarted)."""
        if phase and phase not in self.seen:
            self.seen[phase] = time.monotonic() - self.start

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def terminal(self) -> str | None:
        return next((p for p in TERMINAL if p in self.seen), None)

    def durations(self) -> dict[str, float]:
        """Seconds spent in each stage, as the README names them; ``total`` is apply -> verdict."""
        end = self.seen.get(self.terminal() or "", None)

        def at(phase: str) -> float | None:
            return self.seen.get(phase)

        stages = {
            "deploy": (0.0, at("WaitingForEngine")),
            "engine ready": (at("WaitingForEngine"), at("Subscribing")),
            "subscribed": (at("Subscribing"), at("Running")),
            "run": (at("Running"), at("Collecting")),
            "collect": (at("Collecting"), end),
            "total": (0.0, end),
        }
        return {
            k: round(b - a, 2) for k, (a, b) in stages.items() if a is not None and b is not None
        }


# --- the installed operator ------------------------------------------------------------------


@dataclass
class Installation:
    """The chart installed in one restricted namespace, watching that namespace only."""

    cluster: KubeCluster
    namespace: str
    release: str

    @property
    def fullname(self) -> str:
        return f"{self.release}-kobench"

    @property
    def service_account(self) -> str:
        return self.fullname

    def helm(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        if self.cluster.helm_path is None:
            pytest.fail("helm is not built: run hack/cluster build", pytrace=False)
        return run(
            [str(self.cluster.helm_path), "--kubeconfig", str(self.cluster.kubeconfig), *args],
            check=check,
            timeout=timeout,
        )

    def kubectl(
        self, *args: str, check: bool = True, timeout: float = 120, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl(*args, check=check, timeout=timeout, input=input)

    def get(self, *args: str) -> Any:
        return self.cluster.get_json(*args, "-n", self.namespace)

    # operator

    def operator_pods(self) -> list[dict[str, Any]]:
        pods = self.get(
            "pods",
            "-l",
            f"app.kubernetes.io/instance={self.release},app.kubernetes.io/component=operator",
        )["items"]
        return [p for p in pods if not p["metadata"].get("deletionTimestamp")]

    def operator_pod(self) -> str:
        """The name of the running, ready operator pod (waits for one)."""

        def ready() -> str | None:
            for pod in self.operator_pods():
                statuses = pod["status"].get("containerStatuses") or []
                if statuses and all(s.get("ready") for s in statuses):
                    return str(pod["metadata"]["name"])
            return None

        name: str = wait_for("a ready operator pod", ready, timeout=180, every=1)
        return name

    def metrics(self, pod: str | None = None) -> str:
        """The operator's /metrics, through the API server's pod proxy."""
        pod = pod or self.operator_pod()
        path = f"/api/v1/namespaces/{self.namespace}/pods/{pod}:{METRICS_PORT}/proxy/metrics"
        return self.kubectl("get", "--raw", path).stdout

    def operator_logs(self) -> str:
        texts = []
        for pod in self.get("pods", "-l", f"app.kubernetes.io/instance={self.release}")["items"]:
            name = pod["metadata"]["name"]
            for previous in (True, False):
                flag = ["--previous"] if previous else []
                out = self.kubectl("logs", "-n", self.namespace, name, *flag, check=False)
                if out.returncode == 0:
                    texts.append(out.stdout)
        return "\n".join(texts)

    # benchmarks

    def apply(self, document: dict[str, Any]) -> PhaseClock:
        """``kubectl apply`` a benchmark and start timing its phases."""
        name = document["metadata"]["name"]
        clock = PhaseClock(self.cluster, self.namespace, name)
        self.kubectl("apply", "-n", self.namespace, "-f", "-", input=json.dumps(document))
        clock.follow()
        return clock

    def benchmark(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get("kob", name)
        return found

    def wait_phase(
        self, clock: PhaseClock, phases: tuple[str, ...], timeout: float
    ) -> dict[str, Any]:
        """Wait until the benchmark is in one of ``phases``; returns it."""

        def reached() -> dict[str, Any] | None:
            body = self.benchmark(clock.name)
            phase = (body.get("status") or {}).get("phase")
            clock.note(phase)
            return body if phase in phases or any(p in clock.seen for p in phases) else None

        body: dict[str, Any] = wait_for(
            f"{clock.name} to reach {'/'.join(phases)}", reached, timeout=timeout, every=0.5
        )
        return body

    def finish(self, clock: PhaseClock, timeout: float = 150) -> dict[str, Any]:
        """Wait for a terminal phase; the final resource, with the clock stopped."""
        try:
            body = self.wait_phase(clock, TERMINAL, timeout)
        finally:
            clock.stop()
        # The watch may have seen the phase before the status write was readable: read again.
        return self.benchmark(clock.name) if body["status"].get("phase") not in TERMINAL else body

    def pods_of(self, name: str) -> list[dict[str, Any]]:
        pods: list[dict[str, Any]] = self.get("pods", "-l", f"kobench.io/benchmark={name}")["items"]
        return pods

    def engine_password(self, name: str) -> str:
        """The engine password of a benchmark's current run, from the Secret the operator made."""
        run_id = self.benchmark(name)["status"]["runId"]
        found = self.get("secrets", "-l", f"kobench.io/run-id={run_id}")["items"]
        secrets = [s for s in found if "password" in (s.get("data") or {})]  # not <run>-tls
        assert len(secrets) == 1, f"expected one engine Secret for run {run_id}: {secrets}"
        return base64.b64decode(secrets[0]["data"]["password"]).decode()

    def results(self, body: dict[str, Any]) -> dict[str, Any]:
        """The result document in the results ConfigMap that the status names."""
        config_map = self.get("configmap", body["status"]["resultsConfigMap"])
        document: dict[str, Any] = json.loads(config_map["data"]["result.json"])
        return document

    def events(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get("events")["items"]
        return items


def kobench(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """The ``kobench`` command of this checkout."""
    return run([sys.executable, "-m", "kobench", *args], env=env, timeout=timeout, check=check)


def schema_of(value: Any) -> Any:
    """The shape of a JSON document: keys and value types, no values. Lists are described by
    the union of their items' shapes (an empty list says nothing about its items)."""
    if isinstance(value, dict):
        return {k: schema_of(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        shapes: list[Any] = []
        for item in value:
            shape = schema_of(item)
            if shape not in shapes:
                shapes.append(shape)
        return {"[list]": shapes}
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return type(value).__name__


def schema_differences(left: Any, right: Any, path: str = "$") -> Iterator[str]:
    """Where two documents differ in keys or types (values are not compared)."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left:
                yield f"{path}.{key}: only in the second document"
            elif key not in right:
                yield f"{path}.{key}: only in the first document"
            else:
                yield from schema_differences(left[key], right[key], f"{path}.{key}")
        return
    if isinstance(left, list) and isinstance(right, list):
        if left and right:
            merged_left, merged_right = _merge_items(left), _merge_items(right)
            yield from schema_differences(merged_left, merged_right, f"{path}[]")
        return
    if schema_of(left) != schema_of(right):
        yield f"{path}: {schema_of(left)} vs {schema_of(right)}"


def _merge_items(items: list[Any]) -> Any:
    """One representative of a list's items: dicts merged key by key (first value wins)."""
    if all(isinstance(i, dict) for i in items):
        merged: dict[str, Any] = {}
        for item in items:
            for k, v in item.items():
                if k not in merged or merged[k] is None:
                    merged[k] = v
        return merged
    return items[0]
