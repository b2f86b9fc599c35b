"""``kobench role target-open`` and ``kobench role target-close``: the opening and the cleanup
of a run against ``spec.target`` as role processes (in a pod, the operator's way: the operator
reads no Secret, the pod gets the password from the user's Secret through its environment).

Each prints one ``KOBENCH_RESULT`` document: the opening what it found (``status.target``, or
why the target is refused), the cleanup its record (the result document's ``target``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kobench.api.target_status import TargetStatus
from kobench.plugins.connections import use_access
from kobench.roles.role_config import RESULT_MARKER, RoleConfig, password_from_env
from kobench.run.target.target_opening import open_target
from kobench.run.target.target_plan import TargetRefused
from kobench.run.target.target_session import close_target, reopened

TARGET_ROLES = ("target-open", "target-close")


def add_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    opening = sub.add_parser("target-open", help="check a target before a run writes to it")
    opening.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    closing = sub.add_parser("target-close", help="remove a run's keys from its target")
    closing.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    closing.add_argument("--opened", required=True, type=Path, help="what the opening found (JSON)")


def open_document(config: RoleConfig, password: str | None) -> TargetStatus:
    """What the opening found, or why the target may not be measured (nothing written)."""
    try:
        session = open_target(
            config.spec, config.run_id, os.environ, access=config.access, password=password
        )
    except TargetRefused as exc:
        return TargetStatus(refused=str(exc))
    return session.status()


def run(args: argparse.Namespace) -> int:
    config = RoleConfig.from_file(args.config)
    target = config.spec.target
    if target is None:
        raise TargetRefused("spec.target: this run has no target")
    use_access(config.access)  # TLS and the ACL user, as every role connects
    password = password_from_env()
    if args.role == "target-open":
        document = open_document(config, password).model_dump_json(by_alias=True)
    else:
        found = TargetStatus.model_validate_json(Path(args.opened).read_text(encoding="utf-8"))
        ttl = config.spec.workload.key_ttl_seconds
        session = reopened(target, found, config.access, password, spec_ttl=ttl)
        document = close_target(session).model_dump_json(by_alias=True)
    sys.stdout.write(RESULT_MARKER + document + "\n")
    sys.stdout.flush()
    return 0
