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
from kobench.controller.options import add_operator_arguments
from kobench.controller.runtime import Runtime
from kobench.controller.settings import Settings
from kobench.controller.sources import SOURCES
from kobench.runners.kubernetes.objects import RoleOptions


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
