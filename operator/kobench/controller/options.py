"""The options of ``kobench operator`` (no kopf import: ``kobench --help`` stays fast)."""

from __future__ import annotations

import argparse

from kobench import __version__

DEFAULT_IMAGE = f"kobench:{__version__}"


def add_operator_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``kobench operator`` (cli.py adds them to its subcommand)."""
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--namespace", "-n", action="append", default=[], help="watch this namespace (repeatable)"
    )
    scope.add_argument(
        "--all-namespaces",
        "-A",
        action="store_true",
        help="watch every namespace (the default when no --namespace is given)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=8000,
        help="Prometheus /metrics port; 0 disables it (default 8000)",
    )
    parser.add_argument(
        "--liveness-port",
        type=int,
        default=8080,
        help="liveness endpoint /healthz port; 0 disables it (default 8080)",
    )
    parser.add_argument(
        "--standalone",
        action="store_true",
        default=True,
        help="no peering: exactly one operator replica runs (always on)",
    )
    parser.add_argument(
        "--role-image",
        default=DEFAULT_IMAGE,
        help=f"image of the writer and observer pods (default {DEFAULT_IMAGE})",
    )
    parser.add_argument(
        "--image-pull-policy",
        default="IfNotPresent",
        choices=["Always", "IfNotPresent", "Never"],
        help="imagePullPolicy of the pods kobench creates (default IfNotPresent)",
    )
    parser.add_argument(
        "--scheduler-name",
        default=None,
        help="schedulerName of the pods kobench creates (default: the cluster's scheduler)",
    )
    parser.add_argument(
        "--log-format",
        default="json",
        choices=["json", "plain", "full"],
        help="log lines as JSON, plain text or kopf's full format (default json)",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
