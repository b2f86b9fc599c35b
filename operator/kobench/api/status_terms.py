"""The words of a benchmark's status, each declared once with what it means: phases, condition
types, condition reasons, verdicts, and the bounds that keep a status small
(:mod:`kobench.api.status` holds the model that uses them)."""

from __future__ import annotations

from typing import Literal

Verdict = Literal["Passed", "Failed", "Invalid"]
"""A run's verdict (the result document's and the status's)."""
Phase = Literal[
    "Pending",
    "Deploying",
    "WaitingForEngine",
    "Subscribing",
    "Running",
    "Collecting",
    "RunningCells",
    "Comparing",
    "Succeeded",
    "Failed",
    "Error",
]
PHASES: dict[Phase, str] = {
    "Pending": "a run was started in status; nothing is created yet",
    "Deploying": "the run configuration, the engine's Secret, ConfigMap, Service and StatefulSet "
    "are being created",
    "WaitingForEngine": "until every engine replica serves with its replication links up, then "
    "(for a mechanism or command beyond keyevent on set) the capability probe asked it what the "
    "run needs (timeouts.engineReadySeconds)",
    "Subscribing": "observer pods run; until each confirmed its subscription "
    "(timeouts.subscribeSeconds)",
    "Running": "the writers run (started only once every observer is subscribed); until every "
    "role ended or the ones left are past their budget (timeouts.runSeconds)",
    "Collecting": "reading each role's result document, merging and judging them",
    "RunningCells": "a matrix: its runs (cell x repetition) go one after another, each a child "
    "benchmark; status.progress counts them",
    "Comparing": "a matrix: every run ended; their results are compared cell against cell",
    "Succeeded": "the run was carried out; status.verdict says whether it passed",
    "Failed": "the run could not be carried out: a stage timed out or a role failed before the "
    "writers ran (reasons)",
    "Error": "the spec is invalid, or the engine cannot do what it asks (reason Unsupported); "
    "the reasons name the field; fixing it starts the run",
}
"""The phases of a run, in order, and what each means (declared once)."""
TERMINAL_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error"})
ConditionStatus = Literal["True", "False", "Unknown"]
ConditionType = Literal[
    "EngineReady", "ObserversSubscribed", "Complete", "Passed", "Ready", "Reconciling", "Stalled"
]

MAX_REASONS = 16
MAX_REASON_LENGTH = 512
MAX_HISTORY = 10

CONDITION_TYPES: dict[ConditionType, str] = {
    "EngineReady": "True: every engine replica answers PING (not LOADING). False: still starting "
    "(reason Unschedulable: a replica cannot be placed, the message names the pod and the "
    "scheduler's answer) or failed. Unknown: not deployed yet.",
    "ObserversSubscribed": "True: every observer confirmed its subscription, the writer may start. "
    "False: waiting, or an observer failed. Unknown: not started yet.",
    "Complete": "True: the run ended (phase Succeeded, Failed or Error; reason says which). False: "
    "the run is in progress (reason ApiError: the operator cannot make an API call it needs; the "
    "message names the call and the answer, and it retries with a backoff).",
    "Passed": "True: verdict Passed. False: verdict Failed or Invalid (reason), or the run failed. "
    "Unknown: no verdict yet.",
    "Ready": "kstatus (helm --wait, Flux, kubectl wait --for=condition=Ready). True: the run "
    "ended with its result (phase Succeeded; the verdict is in Passed). False: a run is in "
    "progress (reason Progressing) or cannot go on (the reason is Complete's).",
    "Reconciling": "kstatus. True: a run is in progress (reason Progressing; the message says "
    "its phase). False: it ended.",
    "Stalled": "kstatus. True: the run cannot go on without a change to the resource (phase "
    "Failed or Error; the reason is Complete's). False otherwise.",
}
"""Condition types and the meaning of their states, declared once."""

Reason = Literal[
    "RunStarted",
    "Progressing",
    "Starting",
    "Unschedulable",
    "AllReplicasReady",
    "Subscribing",
    "AllSubscribed",
    "ApiError",
    "Succeeded",
    "Passed",
    "Failed",
    "Invalid",
    "InvalidSpec",
    "EngineTimeout",
    "SubscribeTimeout",
    "RunTimeout",
    "OOMKilled",
    "ChildFailed",
    "Compared",
    "RunsNotCarriedOut",
    "CompareFailed",
    "BaselineUnreadable",
    "Unsupported",
    "TargetRefused",
]
REASONS: dict[Reason, str] = {
    "RunStarted": "any condition: a run began; what the condition says is not known yet",
    "Progressing": "Ready False, Reconciling True: a run is in progress",
    "Starting": "EngineReady False: replicas are starting",
    "Unschedulable": "EngineReady False: a replica cannot be scheduled (the message says why)",
    "AllReplicasReady": "EngineReady True",
    "Subscribing": "ObserversSubscribed False: observers are starting or subscribing",
    "AllSubscribed": "ObserversSubscribed True",
    "ApiError": "Complete False: an API call failed; the operator retries with a backoff",
    "Succeeded": "Complete True: the run was carried out and judged",
    "Passed": "Passed True: every threshold held",
    "Failed": "Passed False: a threshold, an allowance or a role failed (reasons)",
    "Invalid": "Passed False: the figures cannot be trusted (clock offset, rate shortfall)",
    "InvalidSpec": "Complete True, Passed False: the spec is invalid (phase Error)",
    "EngineTimeout": "Complete True: the engine was not ready within timeouts.engineReadySeconds",
    "SubscribeTimeout": "Complete True: observers not subscribed within timeouts.subscribeSeconds",
    "RunTimeout": "Complete True: the roles did not finish within timeouts.runSeconds and the "
    "drain and grace after it (the writers stop at the limit themselves)",
    "OOMKilled": "Complete True: a child's container was OOM-killed",
    "ChildFailed": "Complete True: a role failed while the engine started or the observers "
    "subscribed (the message names the role and why: a pod's container state, a process's exit)",
    "Compared": "Complete True, Passed True: a matrix's runs were all carried out and compared",
    "RunsNotCarriedOut": "Passed False: a matrix's run could not be carried out (reasons name it)",
    "BaselineUnreadable": "Complete True: spec.baseline.resultsConfigMap cannot be read (the "
    "message says why); nothing was created",
    "CompareFailed": "Complete True: a matrix's results could not be compared (the message says "
    "why)",
    "Unsupported": "EngineReady False, Complete True (phase Error): the capability probe found "
    "the engine cannot do what the spec asks (the message names the field, the engine, its "
    "version and the feature); nothing was measured, and a matrix leaves the cell out",
    "TargetRefused": "Complete True (phase Failed): spec.target may not be measured as asked (a "
    "missing ACL permission, notification flags, an endpoint not reached); nothing was written",
}
"""Every condition reason kobench writes, and where it appears (declared once)."""
