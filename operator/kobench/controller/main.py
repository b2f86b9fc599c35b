"""``kobench operator``: start the controller (standalone, one replica), metrics and liveness."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import kopf
from prometheus_client import start_http_server

from kobench.controller.handlers import Memo, registry
from kobench.controller.runtime import Runtime, Settings
from kobench.controller.sources import SOURCES
from kobench.runners.kubernetes.objects import RoleOptions

DEFAULT_IMAGE = "kobench:0.1.0"


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
        "--image-pull-policy", default="IfNotPresent", choices=["Always", "IfNotPresent", "Never"]
    )
    parser.add_argument(
        "--scheduler-name",
        default=None,
        help="schedulerName of the pods kobench creates (default: the cluster's scheduler)",
    )
    parser.add_argument(
        "--results-source",
        default="pod-logs",
        choices=sorted(SOURCES),
        help="where role results are read: pod-logs (always, except in the "
        "kubelet-less control-plane tests)",
    )
    parser.add_argument("--log-format", default="json", choices=["json", "plain", "full"])
    parser.add_argument("--verbose", action="store_true")


def _options(options: argparse.Namespace | Mapping[str, Any]) -> dict[str, Any]:
    values = dict(vars(options)) if isinstance(options, argparse.Namespace) else dict(options)
    defaults = argparse.ArgumentParser()
    add_operator_arguments(defaults)
    return {**vars(defaults.parse_args([])), **values}


def build_runtime(opts: Mapping[str, Any]) -> Runtime:
    role = RoleOptions(
        image=opts["role_image"],
        image_pull_policy=opts["image_pull_policy"],
        engine_pull_policy=opts["image_pull_policy"],
        scheduler_name=opts["scheduler_name"],
    )
    return Runtime(settings=Settings(role=role), source=SOURCES[opts["results_source"]]())


def run_operator(
    options: argparse.Namespace | Mapping[str, Any] | None = None, /, **kwargs: Any
) -> None:
    """Run the operator until interrupted. ``options``: parsed ``kobench operator`` arguments."""
    opts = _options({**(_options(options) if options is not None else {}), **kwargs})
    log_format = {
        "json": kopf.LogFormat.JSON,
        "plain": kopf.LogFormat.PLAIN,
        "full": kopf.LogFormat.FULL,
    }[opts["log_format"]]
    kopf.configure(verbose=opts["verbose"], log_format=log_format)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    runtime = build_runtime(opts)
    if opts["metrics_port"]:
        start_http_server(opts["metrics_port"], registry=runtime.metrics.registry)
    memo = Memo(runtime=runtime, wakeups={})
    namespaces = list(opts["namespace"] or [])
    liveness = f"http://0.0.0.0:{opts['liveness_port']}/healthz" if opts["liveness_port"] else None
    asyncio.run(
        kopf.operator(
            registry=registry,
            standalone=True,
            clusterwide=not namespaces,
            namespaces=namespaces,
            liveness_endpoint=liveness,
            memo=memo,
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kobench operator", description=__doc__)
    add_operator_arguments(parser)
    run_operator(parser.parse_args(argv))
