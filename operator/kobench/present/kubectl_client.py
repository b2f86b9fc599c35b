"""The ``kubectl`` that ``kubectl kobench`` talks to the cluster through.

A kubectl plugin is run by the user's kubectl and acts with the user's kubectl: the same
kubeconfig, context, credential plugins and namespace rules. So every call (apply, get, the
results ConfigMaps) goes through ``kubectl`` on PATH, one transport for the whole plugin: what
``apply`` wrote is what ``fetch`` reads. ``--namespace``, ``--context`` and ``--kubeconfig`` are
passed on as given; without ``--namespace`` kubectl's own default (the context's) applies.

Every failure is a :class:`~kobench.errors.ClusterUnreadable` naming the call and kubectl's own
last words (exit status 5).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, replace
from typing import Any

from kobench.api import GROUP, PLURAL
from kobench.errors import ClusterUnreadable

RESOURCE = f"{PLURAL}.{GROUP}"
"""The fully qualified resource: no clash with another API's ``kob``."""
CALL_TIMEOUT_S = 120.0
Obj = dict[str, Any]


@dataclass(frozen=True)
class Kubectl:
    """``kubectl`` with the user's connection options."""

    namespace: str | None = None
    context: str | None = None
    kubeconfig: str | None = None
    binary: str = "kubectl"

    def options(self) -> list[str]:
        found = []
        for flag, value in (
            ("--namespace", self.namespace),
            ("--context", self.context),
            ("--kubeconfig", self.kubeconfig),
        ):
            if value:
                found += [flag, value]
        return found

    def command(self, *args: str) -> list[str]:
        return [self.binary, *self.options(), *args]

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run kubectl, its output captured; a failure raises ClusterUnreadable."""
        try:
            done = subprocess.run(
                self.command(*args),
                input=input,
                capture_output=True,
                text=True,
                timeout=CALL_TIMEOUT_S,
                check=False,
            )
        except FileNotFoundError:
            raise ClusterUnreadable(f"{self.binary} not found on PATH") from None
        except subprocess.TimeoutExpired:
            raise ClusterUnreadable(
                f"kubectl {' '.join(args[:2])}: no answer within {CALL_TIMEOUT_S:.0f} s"
            ) from None
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or ["(nothing)"])[-1]
            raise ClusterUnreadable(f"kubectl {' '.join(args[:3])}: {said}")
        return done

    def passthrough(self, *args: str) -> int:
        """Run kubectl on the user's terminal (``get``, ``get -w``); its exit status."""
        try:
            return subprocess.run(self.command(*args), check=False).returncode
        except FileNotFoundError:
            raise ClusterUnreadable(f"{self.binary} not found on PATH") from None

    def get(self, *args: str) -> Obj:
        """``kubectl get ARGS -o json``, parsed."""
        document: Obj = json.loads(self.run("get", *args, "-o", "json").stdout)
        return document

    def apply(self, manifest: Obj) -> Obj:
        """``kubectl apply`` of one resource; the object as the API server stored it."""
        applied: Obj = json.loads(
            self.run("apply", "-f", "-", "-o", "json", input=json.dumps(manifest)).stdout
        )
        return applied

    def within(self, namespace: str) -> Kubectl:
        """The same kubectl aimed at ``namespace`` (the one a benchmark was found in)."""
        return replace(self, namespace=namespace)

    def benchmark(self, name: str) -> Obj:
        return self.get(RESOURCE, name)

    def benchmarks(self, selector: str) -> list[Obj]:
        items: list[Obj] = self.get(RESOURCE, "-l", selector).get("items") or []
        return items

    def config_map_entry(self, name: str, key: str, *, namespace: str) -> str:
        """One data entry of a ConfigMap (a results ConfigMap's document)."""
        found = self.within(namespace).get("configmap", name)
        data: dict[str, str] = found.get("data") or {}
        if key not in data:
            raise ClusterUnreadable(f"ConfigMap {namespace}/{name} holds no {key}")
        return data[key]
