"""kobench: how fast does a write on one node reach a keyspace-notification observer?

The public surface is small: the resource model in :mod:`kobench.api` and the error family in
:mod:`kobench.errors` (plugin authors also use :mod:`kobench.plugins`). Everything else may move.
"""

from importlib.metadata import version

from kobench.api import Benchmark, BenchmarkSpec, load_benchmark, parse_spec
from kobench.errors import EngineError, EngineUnavailable, KobenchError, SpecError

__version__ = version("kobench")
"""The installed distribution's version: the one version source (``pyproject.toml``)."""

__all__ = [
    "Benchmark",
    "BenchmarkSpec",
    "EngineError",
    "EngineUnavailable",
    "KobenchError",
    "SpecError",
    "__version__",
    "load_benchmark",
    "parse_spec",
]
