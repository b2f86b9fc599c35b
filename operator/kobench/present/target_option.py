"""``kobench run FILE --target URL``: the file's run, against an engine already running."""

from __future__ import annotations

import argparse

from kobench.api import Benchmark
from kobench.plugins.checks import check_benchmark


def add_target_option(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--target",
        action="append",
        metavar="URL",
        help="measure this engine instead of starting one: host:port, redis:// or rediss:// "
        "(repeatable: primary and replicas; no password in it, see spec.target.auth)",
    )


def with_target(benchmark: Benchmark, urls: list[str]) -> Benchmark:
    """The benchmark with ``spec.target.endpoints`` set to ``urls`` (checked again: a password
    in a URL, a rate above the target's limit, an engine field are refused with their field)."""
    document = benchmark.model_dump(by_alias=True, exclude_none=True, exclude_unset=True)
    spec = document.setdefault("spec", {})
    spec["target"] = {**spec.get("target", {}), "endpoints": list(urls)}
    return check_benchmark(document)
