"""The operator's subcommands of ``kobench``: ``crd``, ``operator`` and ``report``.

``kobench.cli`` adds them with :func:`add_subcommands`; each handler returns an exit code.
kopf is imported only when the operator actually starts.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def cmd_crd(args: argparse.Namespace) -> int:
    del args
    from kobench.crd import render_crd_yaml

    sys.stdout.write(render_crd_yaml())
    return 0


def cmd_operator(args: argparse.Namespace) -> int:
    from kobench.controller.main import run_operator

    run_operator(args)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kobench.controller.report import print_report

    return print_report(args.name, args.namespace, run_id=args.run, as_json=args.json)


def add_subcommands(sub: Any) -> None:
    """Register ``crd``, ``operator`` and ``report`` on ``kobench``'s subparsers."""
    from kobench.controller.options import add_operator_arguments

    crd = sub.add_parser("crd", help="print the CustomResourceDefinition (YAML)")
    crd.set_defaults(handler=cmd_crd)

    operator = sub.add_parser("operator", help="run the Kubernetes operator")
    add_operator_arguments(operator)
    operator.set_defaults(handler=cmd_operator)

    report = sub.add_parser("report", help="print the results of a benchmark run in a cluster")
    report.add_argument("name", help="the KeyDBObserverBenchmark's name")
    report.add_argument("--namespace", "-n", help="its namespace (default: the kubeconfig's)")
    report.add_argument("--run", help="a run id from status.history (default: the last run)")
    report.add_argument("--json", action="store_true", help="print the result document (JSON)")
    report.set_defaults(handler=cmd_report)
