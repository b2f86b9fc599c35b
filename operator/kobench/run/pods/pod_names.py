"""Deterministic names and kobench's own labels for a run's children.

Every child of a run is named from the benchmark's name and the run id, so a reconcile that fires
twice (or an operator restarted mid-run) finds the children it made instead of making new ones.
The run id itself is derived from the resource's uid, the ``runNonce`` and the generation the run
started for, so it is stable for the run and new for the next one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kobench.api import GROUP
from kobench.run.plan import Plan, Role

LABEL_PREFIX = GROUP
BENCHMARK_LABEL = f"{LABEL_PREFIX}/benchmark"
RUN_LABEL = f"{LABEL_PREFIX}/run-id"
ROLE_LABEL = f"{LABEL_PREFIX}/role"
OBSERVER_LABEL = f"{LABEL_PREFIX}/observer"
INSTANCE_LABEL = f"{LABEL_PREFIX}/instance"
WRITER_LABEL = f"{LABEL_PREFIX}/writer-id"
RESULT_ANNOTATION = f"{LABEL_PREFIX}/result"
POD_LABEL = f"{LABEL_PREFIX}/pod"
STATEFULSET_POD_LABEL = "statefulset.kubernetes.io/pod-name"
"""Set by the StatefulSet controller on each of its pods."""
"""A digest of a role pod's name: how a fault selects that one pod."""
"""Pod annotation holding a role's result document (only the kubelet-less test source reads it)."""

MANAGED_BY = "kobench-operator"
BASE_NAME_LENGTH = 36
"""Characters of the benchmark name kept in child names (StatefulSet names must stay <= 52)."""
MAX_LABEL = 63


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def pod_digest(pod: str) -> str:
    return _digest(pod, 12)


def label_value(name: str) -> str:
    """A name as a label value (at most 63 characters): a longer one keeps its start and
    ends with a stable hash of the whole, so two long names never share a label."""
    if len(name) <= MAX_LABEL:
        return name
    return f"{name[: MAX_LABEL - 11].rstrip('-.')}-{_digest(name, 10)}"


def child_stem(benchmark: str) -> str:
    """The benchmark's name as the start of a child's name: a DNS-1035 label (Services need
    one: no dots, a letter first), shortened by a stable hash when it is too long."""
    stem = benchmark.replace(".", "-")
    if not stem[0].isalpha():
        stem = f"b-{stem}"
    if len(stem) > BASE_NAME_LENGTH:
        stem = f"{stem[: BASE_NAME_LENGTH - 7].rstrip('-')}-{_digest(benchmark, 6)}"
    return stem


def run_id_for(uid: str, run_nonce: str, generation: int, slot: str = "") -> str:
    """The id of the run started for (uid, runNonce, generation), and spec.schedule's due
    time for a scheduled run: 10 lowercase hex characters."""
    key = f"{uid}:{run_nonce}:{generation}" + (f":{slot}" if slot else "")
    digest = hashlib.sha256(key.encode()).hexdigest()
    return digest[:10]


@dataclass(frozen=True)
class RunNames:
    """The names of one run's children."""

    benchmark: str
    run_id: str

    @property
    def base(self) -> str:
        return f"{child_stem(self.benchmark)}-{self.run_id[:6]}"

    @property
    def secret(self) -> str:
        return f"{self.base}-auth"

    @property
    def tls_secret(self) -> str:
        return f"{self.base}-tls"

    @property
    def engine_config(self) -> str:
        return f"{self.base}-engine"

    @property
    def run_config(self) -> str:
        return f"{self.base}-run"

    @property
    def target_config(self) -> str:
        """spec.target: the roles' configuration once the target's opening found its facts."""
        return f"{self.base}-target"

    @property
    def service(self) -> str:
        return f"{self.base}-engine"

    @property
    def statefulset(self) -> str:
        return f"{self.base}-engine"

    @property
    def results(self) -> str:
        return f"{self.base}-results"

    def engine_pod(self, index: int) -> str:
        return f"{self.statefulset}-{index}"

    def engine_host(self, index: int) -> str:
        """Replica ``index``'s own Service, named like its pod: its DNS name in the namespace."""
        return self.engine_pod(index)

    def observer_pod(self, observer: str, instance: int) -> str:
        return f"{self.base}-obs-{observer}-{instance}"

    def writer_pod(self, writer_id: int) -> str:
        return f"{self.base}-writer-{writer_id}"

    @property
    def faults_pod(self) -> str:
        return f"{self.base}-faults"

    @property
    def probe_pod(self) -> str:
        return f"{self.base}-probe"

    def pod(self, role: Role) -> str:
        """The pod a role of the run runs in."""
        if role.kind == "replica":
            return self.engine_pod(role.index)
        if role.kind == "observer":
            return self.observer_pod(role.observer, role.index)
        if role.kind == "writer":
            return self.writer_pod(role.index)
        if role.kind == "probe":
            return self.probe_pod
        if role.kind in ("target-open", "target-close"):
            return f"{self.base}-{role.kind}"
        return self.faults_pod

    def role_keys(self, plan: Plan) -> dict[str, str]:
        """Pod name -> role key, for every role of the plan."""
        return {self.pod(role): role.key for role in plan.every}

    def child(self, step: int) -> str:
        """A matrix's benchmark of step ``step`` (0-based): stable for the run."""
        return f"{self.base}-{step + 1:03d}"

    def kill_selector(self, pod: str) -> str:
        """A label selector matching exactly one pod of the run (a fault ends it through the
        ``deletecollection`` the operator already has)."""
        if pod.startswith(f"{self.statefulset}-"):
            return f"{self.run_selector()},{STATEFULSET_POD_LABEL}={pod}"
        return f"{self.run_selector()},{POD_LABEL}={pod_digest(pod)}"

    def labels(self, component: str, **extra: str) -> dict[str, str]:
        """kobench's own labels (never a copy of the resource's labels)."""
        return {
            "app.kubernetes.io/name": "kobench",
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            BENCHMARK_LABEL: label_value(self.benchmark),
            RUN_LABEL: self.run_id,
            **extra,
        }

    def selector(self, component: str) -> dict[str, str]:
        return {
            BENCHMARK_LABEL: label_value(self.benchmark),
            RUN_LABEL: self.run_id,
            "app.kubernetes.io/component": component,
        }

    def run_selector(self) -> str:
        """Label selector (string form) matching every child of this run."""
        return f"{RUN_LABEL}={self.run_id},{BENCHMARK_LABEL}={label_value(self.benchmark)}"


def benchmark_selector(benchmark: str) -> str:
    return f"{BENCHMARK_LABEL}={label_value(benchmark)}"
