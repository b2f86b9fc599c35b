"""The plan of a run: the roles it is made of, built from the spec alone, and each role's budget.

Both executors carry out the same plan: a role is an engine replica, the capability probe, an
observer instance, a writer or the fault injector, whether it runs as a process or a pod. The
phase machine decides in terms of these roles and their observed states; each executor maps a
role to its own thing (a pod name, a child process) and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kobench.api import BenchmarkSpec, Fault
from kobench.roles.fault_steps import RECOVERY_SECONDS

RoleKind = Literal[
    "replica", "observer", "writer", "faults", "probe", "target-open", "target-close"
]

STRAGGLER_GRACE_SECONDS = 10.0
"""Beyond ``timeouts.drainSeconds``, how long observers may keep waiting after the last writer
ended before the run is collected without them (a writer that failed never sends its end mark)."""
INJECTOR_GRACE_SECONDS = RECOVERY_SECONDS + STRAGGLER_GRACE_SECONDS
"""How long the fault injector may run after the last writer ended: it watches the engine
recover from its faults for up to ``RECOVERY_SECONDS`` after the measured writes."""


@dataclass(frozen=True, order=True)
class Role:
    """One process of a run, wherever it runs."""

    kind: RoleKind
    index: int = 0
    """The replica's index, the observer's instance, the writer's id."""
    observer: str = ""
    """An observer instance: its observer's name."""

    @property
    def key(self) -> str:
        """How the user knows it in every executor: ``replica-0``, ``sync.0``, ``writer.0``,
        ``faults`` (a local run's process label and output file, a pod's role)."""
        if self.kind == "replica":
            return f"replica-{self.index}"
        if self.kind == "observer":
            return f"{self.observer}.{self.index}"
        if self.kind == "writer":
            return f"writer.{self.index}"
        return str(self.kind)  # "faults", "probe", "target-open", "target-close"

    @property
    def title(self) -> str:
        """The role in a sentence: ``engine replica 0``, ``observer sync.0``, ``writer
        writer.0``, ``fault injector``."""
        if self.kind == "replica":
            return f"engine replica {self.index}"
        if self.kind == "faults":
            return "fault injector"
        if self.kind == "probe":
            return "capability probe"
        if self.kind == "target-open":
            return "target opening"
        if self.kind == "target-close":
            return "target cleanup"
        return f"{self.kind} {self.key}"

    @property
    def measures(self) -> bool:
        """It ends with a result document (the engine's replicas do not)."""
        return self.kind != "replica"


@dataclass(frozen=True)
class Plan:
    """Every role of one run, in the order they start."""

    replicas: tuple[Role, ...]
    observers: tuple[Role, ...]
    writers: tuple[Role, ...]
    injector: Role | None
    probe: Role | None = None
    """The capability probe, when the run asks for more than kobench always measured."""
    target: tuple[Role, ...] = ()
    """A run against spec.target: its opening (the checks before the first write) and its
    cleanup (the run's keys removed, changed settings restored); neither is merged."""

    @property
    def measuring(self) -> tuple[Role, ...]:
        """The roles that end with a document: the probe, observers, writers, the injector."""
        probe = (self.probe,) if self.probe else ()
        return (
            *probe,
            *self.observers,
            *self.writers,
            *((self.injector,) if self.injector else ()),
        )

    @property
    def every(self) -> tuple[Role, ...]:
        return (*self.replicas, *self.target, *self.measuring)

    @property
    def documented(self) -> tuple[Role, ...]:
        """The roles whose document the executor reads: the target's and the measuring ones."""
        return (*self.target, *self.measuring)

    @property
    def opener(self) -> Role | None:
        return self.target[0] if self.target else None

    @property
    def closer(self) -> Role | None:
        return self.target[1] if self.target else None

    def by_key(self) -> dict[str, Role]:
        return {role.key: role for role in self.every}


def plan_run(spec: BenchmarkSpec) -> Plan:
    """The roles ``spec`` asks for (against a target: no engine replica to start)."""
    replicas = 0 if spec.target is not None else spec.engine.replicas
    return Plan(
        replicas=tuple(Role("replica", i) for i in range(replicas)),
        observers=tuple(
            Role("observer", i, o.name) for o in spec.observers for i in range(o.replicas)
        ),
        writers=tuple(Role("writer", n) for n in range(spec.workload.writers)),
        injector=Role("faults") if spec.faults else None,
        probe=Role("probe") if probes(spec) else None,
        target=(Role("target-open"), Role("target-close")) if spec.target is not None else (),
    )


def probes(spec: BenchmarkSpec) -> bool:
    """Whether the run's engine is probed before the observers start: when the run asks for a
    delivery mechanism or a command beyond keyevent on set (what every engine was always
    assumed to do; its runs stay as they were, without a probe)."""
    return spec.delivery.mechanism != "keyevent" or spec.workload.command != "set"


def kill_target(fault: Fault) -> Role:
    """The role a kill of the fault schedule ends."""
    if fault.action == "killReplica":
        return Role("replica", fault.replica or 0)
    if fault.action == "killObserver":
        return Role("observer", fault.instance, fault.observer or "")
    return Role("writer", fault.writer or 0)


def budget_after_writers(role: Role, spec: BenchmarkSpec) -> float:
    """How long a role may legitimately run after the last writer ended (seconds): an observer
    drains and then waits for end markers, the injector watches the engine recover."""
    if role.kind == "faults":
        return spec.timeouts.drain_seconds + INJECTOR_GRACE_SECONDS
    return spec.timeouts.drain_seconds + STRAGGLER_GRACE_SECONDS


def still_doing(role: Role) -> str:
    """What a role still running at collection time was doing, in words."""
    if role.kind == "faults":
        return "it was still waiting for the engine to recover from its faults"
    if role.kind == "probe":
        return "it was still probing the engine"
    if role.kind == "observer":
        return "it was still waiting for the writers' end marker"
    return "it was still writing"


@dataclass(frozen=True)
class CellTag:
    """Which matrix, cell and repetition a child benchmark measures."""

    matrix: str
    cell: str
    repetition: int


MATRIX_LABEL = "kobench.io/matrix"
CELL_ANNOTATION = "kobench.io/cell"
REPETITION_ANNOTATION = "kobench.io/repetition"


def cell_tag(annotations: Mapping[str, Any]) -> CellTag | None:
    """The tag of a child benchmark, from its annotations; None for any other benchmark."""
    matrix, cell = annotations.get(MATRIX_LABEL), annotations.get(CELL_ANNOTATION)
    if not isinstance(matrix, str) or not isinstance(cell, str):
        return None
    repetition = str(annotations.get(REPETITION_ANNOTATION, ""))
    return CellTag(matrix, cell, int(repetition) if repetition.isdigit() else 0)
