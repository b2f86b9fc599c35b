"""What a local run's role processes left behind, as the collection core reads it."""

from __future__ import annotations

from kobench.run.collection import RoleKind, RoleOutput, RoleState, result_line
from kobench.run.local.processes import Child


def outputs_of(kind: RoleKind, children: list[Child], killed: set[str]) -> list[RoleOutput]:
    outputs = []
    for child in children:
        document = result_line(child.read_output())
        state: RoleState = "finished" if child.exit_code is not None else "running"
        outputs.append(
            RoleOutput(
                kind=kind,
                label=child.label,
                document=document,
                state="killed" if child.label in killed else state,
                detail="" if document is not None else describe_failure(child),
            )
        )
    return outputs


def describe_failure(child: Child) -> str:
    tail = [line for line in child.read_output().strip().splitlines() if line][-3:]
    code = child.exit_code
    status = "still running" if code is None else f"exit code {code}"
    return f"{status}; " + (" | ".join(tail) if tail else "no output")
