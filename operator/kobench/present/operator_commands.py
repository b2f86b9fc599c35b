"""The operator's subcommands of ``kobench``: ``crd``, ``operator`` and ``report``.

``kobench.present.cli`` adds them with :func:`add_subcommands`; each handler returns an exit code.
kopf is imported only when the operator actually starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_crd(args: argparse.Namespace) -> int:
    del args
    from kobench.api.crd import render_crd_yaml

    sys.stdout.write(render_crd_yaml())
    return 0


def cmd_operator(args: argparse.Namespace) -> int:
    from kobench.controller.operator_main import run_operator

    run_operator(args)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kobench.present.cluster_report import is_file_source, report
    from kobench.present.output_files import Output, check_outputs

    if args.html:  # before any source is read or fetched
        files = [("a source", Path(s)) for s in args.sources if is_file_source(s)]
        check_outputs([Output("--html", args.html)], files)

    return report(
        args.sources,
        namespace=args.namespace,
        run_id=args.run,
        as_json=args.json,
        html=Path(args.html) if args.html else None,
        wide=args.wide,
    )


def add_subcommands(sub: Any) -> None:
    """Register ``crd``, ``operator`` and ``report`` on ``kobench``'s subparsers."""
    from kobench.controller.options import add_operator_arguments

    crd = sub.add_parser("crd", help="print the CustomResourceDefinition (YAML)")
    crd.set_defaults(handler=cmd_crd)

    operator = sub.add_parser("operator", help="run the Kubernetes operator")
    add_operator_arguments(operator)
    operator.set_defaults(handler=cmd_operator)

    from kobench.present.terminal import EXIT_STATUSES_HELP

    report = sub.add_parser(
        "report",
        help="show the results of runs: result files or benchmarks in a cluster",
        description="Show the results of runs (the table of kobench run), from result files "
        "or from benchmarks in a cluster.",
        epilog=EXIT_STATUSES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a result file (kobench run -o) or a KeyDBObserverBenchmark's name; several for "
        "a comparison",
    )
    report.add_argument(
        "--namespace", "-n", help="the benchmarks' namespace (default: kubeconfig's)"
    )
    report.add_argument("--run", help="a run id from status.history (default: the last run)")
    report.add_argument("--json", action="store_true", help="print the result document (JSON)")
    report.add_argument("--html", metavar="FILE", help="write the report page (self-contained)")
    report.add_argument("--wide", action="store_true", help="all columns (wider than 100)")
    report.set_defaults(handler=cmd_report)
