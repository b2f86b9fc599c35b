"""``kobench role writer|observer|faults|probe``: the entry point a pod (or local run) starts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kobench.plugins.connections import use_access
from kobench.roles.injector import Injector
from kobench.roles.observer_role import run_observer
from kobench.roles.probe import Probe
from kobench.roles.role_config import RESULT_MARKER, RoleConfig, password_from_env
from kobench.roles.writer import Writer


def add_arguments(
    parser: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The role subcommands; returns them, so that the run's own roles join them."""
    sub = parser.add_subparsers(dest="role", required=True)
    writer = sub.add_parser("writer", help="write on schedule and measure handshakes")
    writer.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    writer.add_argument(
        "--writer-id", type=int, default=0, help="this writer's index in the run (default 0)"
    )
    observer = sub.add_parser("observer", help="listen for keyspace notifications")
    observer.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    observer.add_argument("--observer", required=True, help="observer name from spec.observers")
    observer.add_argument(
        "--instance", type=int, default=0, help="this instance's index (default 0)"
    )
    observer.add_argument(
        "--ready-file", type=Path, help="created once the subscription is confirmed"
    )
    faults = sub.add_parser("faults", help="send the fault schedule's Redis commands on time")
    faults.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    probe = sub.add_parser("probe", help="ask the engine what the run needs, before it starts")
    probe.add_argument("--config", required=True, type=Path, help="run configuration (JSON)")
    return sub


def run(args: argparse.Namespace) -> int:
    config = RoleConfig.from_file(args.config)
    use_access(config.access)
    password = password_from_env()
    if args.role == "writer":
        document = Writer(config, args.writer_id, password).run().model_dump_json(by_alias=True)
    elif args.role == "faults":
        document = Injector(config, password).run().model_dump_json(by_alias=True)
    elif args.role == "probe":
        document = Probe(config, password).run().model_dump_json(by_alias=True)
    else:
        document = run_observer(
            config, args.observer, args.instance, password, ready_file=args.ready_file
        ).model_dump_json(by_alias=True)
    sys.stdout.write(RESULT_MARKER + document + "\n")
    sys.stdout.flush()
    return 0
