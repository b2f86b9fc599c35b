"""The corpus' fault-schedule cases (see ``corpus.py``): BASE is Redis with 2 replicas, 2 s of
measured writes at 100/s and one observer, ``sync``. The API server checks the same rules in
CEL (``kobench.api.cel_rules``), so every case here must get the same answer from both."""

from __future__ import annotations

from typing import Any

from testkit.corpus.corpus_specs import DELETE, Row, W, bad, good

F = "spec.faults"
F0 = "spec.faults[0]"


def fault(**fields: Any) -> list[dict[str, Any]]:
    return [{"atSeconds": 0.5, **fields}]


def faulty(case_id: str, faults: Any, field: str, words: str = "") -> Row:
    return bad(case_id, F, faults, field, words)


FAULTS: list[Row] = [
    good("fault-kill-replica", {F: fault(action="killReplica", replica=1)}),
    good("fault-pause", {F: fault(action="pauseReplica", replica=0, durationSeconds=1)}),
    good(
        "fault-pause-to-the-end", {F: fault(action="pauseReplica", replica=0, durationSeconds=1.5)}
    ),
    good("fault-drop", {F: fault(action="dropSubscribers", replica=0)}),
    good("fault-cut-replica", {F: fault(action="cutReplication", replica=1, durationSeconds=1)}),
    good("fault-kill-observer", {F: fault(action="killObserver", observer="sync")}),
    good("fault-kill-writer", {F: fault(action="killWriter", writer=0)}),
    good("fault-at-zero", {F: [{"atSeconds": 0, "action": "killReplica", "replica": 1}]}),
    good("fault-thresholds", {"spec.thresholds": {"faults": {"maxOutageMs": 2000, "maxLost": 0}}}),
    good("faults-empty", {F: []}),
    faulty("fault-replica-out-of-range", fault(action="killReplica", replica=2), f"{F0}.replica"),
    faulty("fault-replica-over-max", fault(action="killReplica", replica=7), f"{F0}.replica"),
    faulty("fault-replica-negative", fault(action="killReplica", replica=-1), f"{F0}.replica"),
    faulty(
        "fault-cut-primary",
        fault(action="cutReplication", replica=0, durationSeconds=1),
        f"{F0}.replica",
        "is the primary",
    ),
    faulty(
        "fault-after-the-run",
        [{"atSeconds": 2, "action": "killReplica", "replica": 1}],
        f"{F0}.atSeconds",
        "during the measured writes",
    ),
    faulty(
        "fault-ends-after-the-run",
        fault(action="pauseReplica", replica=0, durationSeconds=1.6),
        f"{F0}.durationSeconds",
        "after the measured writes",
    ),
    faulty(
        "fault-negative-time",
        fault(atSeconds=-1, action="killReplica", replica=1),
        f"{F0}.atSeconds",
    ),
    faulty(
        "fault-time-string",
        fault(atSeconds="5s", action="killReplica", replica=1),
        f"{F0}.atSeconds",
    ),
    faulty("fault-no-time", [{"action": "killReplica", "replica": 1}], f"{F0}.atSeconds"),
    faulty("fault-no-action", fault(replica=1), f"{F0}.action"),
    faulty("fault-unknown-action", fault(action="reboot", replica=1), f"{F0}.action"),
    faulty("fault-unknown-field", fault(action="killReplica", replica=1, at=5), f"{F0}.at"),
    faulty(
        "fault-pause-no-duration",
        fault(action="pauseReplica", replica=0),
        f"{F0}.durationSeconds",
        "needs durationSeconds",
    ),
    faulty(
        "fault-pause-zero-duration",
        fault(action="pauseReplica", replica=0, durationSeconds=0),
        f"{F0}.durationSeconds",
    ),
    faulty(
        "fault-kill-with-duration",
        fault(action="killReplica", replica=1, durationSeconds=1),
        f"{F0}.durationSeconds",
        "takes no durationSeconds",
    ),
    faulty("fault-kill-no-replica", fault(action="killReplica"), f"{F0}.replica", "needs replica"),
    faulty(
        "fault-drop-with-writer",
        fault(action="dropSubscribers", replica=0, writer=0),
        f"{F0}.writer",
        "takes no writer",
    ),
    faulty(
        "fault-kill-observer-unnamed",
        fault(action="killObserver"),
        f"{F0}.observer",
        "needs observer",
    ),
    faulty(
        "fault-kill-observer-unknown",
        fault(action="killObserver", observer="async"),
        f"{F0}.observer",
        "no observer is named 'async'",
    ),
    faulty(
        "fault-kill-observer-instance",
        fault(action="killObserver", observer="sync", instance=1),
        f"{F0}.instance",
        "below observer sync's replicas",
    ),
    faulty(
        "fault-pause-with-instance",
        fault(action="pauseReplica", replica=0, durationSeconds=1, instance=1),
        f"{F0}.instance",
        "takes no instance",
    ),
    faulty(
        "fault-kill-observer-bad-name",
        fault(action="killObserver", observer="Sync_1"),
        f"{F0}.observer",
    ),
    faulty(
        "fault-kill-writer-out-of-range",
        fault(action="killWriter", writer=1),
        f"{F0}.writer",
        "below workload.writers",
    ),
    faulty(
        "fault-kill-writer-with-replica",
        fault(action="killWriter", writer=0, replica=0),
        f"{F0}.replica",
        "takes no replica",
    ),
    faulty("faults-not-a-list", {"atSeconds": 1, "action": "killReplica", "replica": 1}, F),
    faulty("faults-17", fault(action="killReplica", replica=1) * 17, F),
    (
        "fault-during-counted-writes",
        {
            F: fault(action="killReplica", replica=1),
            f"{W}.writes": 40,
            f"{W}.durationSeconds": DELETE,
        },
        2,
        f"{F0}.atSeconds",
        "during the measured writes",
        None,
    ),
    bad(
        "fault-threshold-outage-zero",
        "spec.thresholds",
        {"faults": {"maxOutageMs": 0}},
        "spec.thresholds.faults.maxOutageMs",
    ),
    bad(
        "fault-threshold-lost-negative",
        "spec.thresholds",
        {"faults": {"maxLost": -1}},
        "spec.thresholds.faults.maxLost",
    ),
    bad(
        "fault-threshold-unknown",
        "spec.thresholds",
        {"faults": {"maxOutage": 5}},
        "spec.thresholds.faults.maxOutage",
    ),
]
