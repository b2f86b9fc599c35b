"""``kobench operator``: start the controller (standalone, one replica), metrics and liveness.

Nothing heavy is imported at module level: :func:`run_operator` first makes
``kubernetes_asyncio.client`` lazy (see :func:`load_kubernetes_client_lazily`), then imports kopf
and the handlers.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import importlib
import importlib.util
import logging
import re
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kobench.controller.options import add_operator_arguments

if TYPE_CHECKING:
    from kobench.run.pods.result_sources import ResultsSource
    from kobench.run.pods.runtime import Runtime

CLIENT_PACKAGES = ("kubernetes_asyncio.client", "models", "api")
"""The package whose ``__init__`` imports every API class and model, and its two subpackages."""
_IMPORTED = re.compile(r"^from (kubernetes_asyncio\.client[\w.]*) import (\w+)\s*$", re.MULTILINE)
MIN_NAMES = 100
"""Fewer names than this in ``kubernetes_asyncio.client``'s ``__init__`` means its layout is not
the one parsed here: the client is then imported as usual."""
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter (``malloc.h``)."""
MMAP_THRESHOLD_BYTES = 128 * 1024
"""Blocks of this size or more are mapped on their own and unmapped when freed (glibc's
starting value, kept fixed)."""


class _LazyPackage(types.ModuleType):
    """A package whose ``__init__`` is not run: each name it would import (``where``: name ->
    defining module) is imported on first use, and a submodule on first access."""

    def __init__(self, name: str, directory: Path, where: dict[str, str]) -> None:
        super().__init__(name)
        init = directory / "__init__.py"
        self.__path__ = [str(directory)]
        self.__file__ = str(init)
        self.__package__ = name
        self.__spec__ = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(directory)]
        )
        self._where = where

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        target = self._where.get(attr)
        if target is not None:
            value = getattr(importlib.import_module(target), attr)
        else:
            submodule = f"{self.__name__}.{attr}"
            try:
                value = importlib.import_module(submodule)
            except ModuleNotFoundError as exc:
                if exc.name != submodule:
                    raise
                missing = f"module {self.__name__!r} has no attribute {attr!r}"
                raise AttributeError(missing) from None
        setattr(self, attr, value)
        return value

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._where})


def load_kubernetes_client_lazily() -> bool:
    """Make ``kubernetes_asyncio.client`` import its API classes and models on first use.

    Its ``__init__`` imports all of them (1,150 modules, 58 MB of the operator's RSS); the
    operator uses three API classes and the few dozen models their answers are made of. kopf
    imports the client too, whenever it is installed. Call before anything imports
    ``kubernetes_asyncio``; returns False (and changes nothing) when something already has, or
    when the package's ``__init__`` does not read as expected. Names resolve to the very
    objects the eager import gives (a unit test compares every one of them).
    """
    if "kubernetes_asyncio" in sys.modules:
        return False
    found = importlib.util.find_spec("kubernetes_asyncio")  # finds, does not import
    if found is None or not found.submodule_search_locations:
        return False
    root = Path(next(iter(found.submodule_search_locations))) / "client"
    name, *subpackages = CLIENT_PACKAGES
    packages: dict[str, tuple[Path, dict[str, str]]] = {}
    for full, directory in [(name, root)] + [(f"{name}.{s}", root / s) for s in subpackages]:
        try:
            source = (directory / "__init__.py").read_text()
        except OSError:
            return False
        packages[full] = (directory, {attr: module for module, attr in _IMPORTED.findall(source)})
    if len(packages[name][1]) < MIN_NAMES:
        return False
    modules = {full: _LazyPackage(full, d, where) for full, (d, where) in packages.items()}
    sys.modules.update(modules)
    for sub in subpackages:
        setattr(modules[name], sub, modules[f"{name}.{sub}"])
    # The top package now, as an eager import would: its __init__ (config, watch...) takes a few
    # names from the client, and the client's modules expect it to be there.
    importlib.import_module("kubernetes_asyncio")
    return True


def keep_large_blocks_mapped() -> bool:
    """Have malloc return every freed block of 128 KiB or more to the system at once.

    glibc maps such blocks on their own, but after the first one is freed it raises the
    threshold to that block's size and serves later ones from its heap, which it rarely gives
    back. Each TLS connection to the API server holds a 128 KiB buffer: 50 benchmarks created
    at once opened 100 connections, which closed when idle, yet RSS kept 40 MB. With the
    threshold fixed (what ``MALLOC_MMAP_THRESHOLD_=131072`` does), RSS fell back by 25 MB. Does
    nothing (False) where the C library has no ``mallopt``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def _options(options: argparse.Namespace | Mapping[str, Any]) -> dict[str, Any]:
    values = dict(vars(options)) if isinstance(options, argparse.Namespace) else dict(options)
    defaults = argparse.ArgumentParser()
    add_operator_arguments(defaults)
    return {**vars(defaults.parse_args([])), **values}


def build_runtime(
    opts: Mapping[str, Any], *, results_source: ResultsSource | None = None
) -> Runtime:
    """What the handlers share. ``results_source``: where role results are read (default: pod
    logs; the kubelet-less tests pass their own)."""
    from kobench.controller.metrics import Metrics
    from kobench.run.pods.manifest_parts import RoleOptions
    from kobench.run.pods.result_sources import PodLogResults
    from kobench.run.pods.runtime import Runtime
    from kobench.run.settings import Settings

    role = RoleOptions(
        image=opts["role_image"],
        image_pull_policy=opts["image_pull_policy"],
        engine_pull_policy=opts["image_pull_policy"],
        scheduler_name=opts["scheduler_name"],
    )
    source = results_source if results_source is not None else PodLogResults()
    return Runtime(settings=Settings(), role=role, source=source, metrics=Metrics())


def run_operator(
    options: argparse.Namespace | Mapping[str, Any] | None = None,
    /,
    *,
    results_source: ResultsSource | None = None,
    **kwargs: Any,
) -> None:
    """Run the operator until interrupted. ``options``: parsed ``kobench operator`` arguments;
    ``results_source``: where role results are read (default: pod logs)."""
    load_kubernetes_client_lazily()
    keep_large_blocks_mapped()
    import kopf
    from prometheus_client import start_http_server

    from kobench.controller.handlers import Memo, registry
    from kobench.controller.metrics import Metrics

    opts = _options({**(_options(options) if options is not None else {}), **kwargs})
    log_format = {
        "json": kopf.LogFormat.JSON,
        "plain": kopf.LogFormat.PLAIN,
        "full": kopf.LogFormat.FULL,
    }[opts["log_format"]]
    kopf.configure(verbose=opts["verbose"], log_format=log_format)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    runtime = build_runtime(opts, results_source=results_source)
    if opts["metrics_port"] and isinstance(runtime.metrics, Metrics):
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
