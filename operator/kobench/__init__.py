"""kobench: how fast does a write on one node reach a keyspace-notification observer?

The public surface is small: the resource model in :mod:`kobench.api` and the error family
in :mod:`kobench.errors`. Everything else may move.
"""

from kobench.api import Benchmark, BenchmarkSpec, load_benchmark, parse_spec
from kobench.errors import (
    EngineError,
    EngineUnavailable,
    KobenchError,
    NotReadyYet,
    RoleFailed,
    SpecError,
)

__version__ = "0.1.0"

__all__ = [
    "Benchmark",
    "BenchmarkSpec",
    "EngineError",
    "EngineUnavailable",
    "KobenchError",
    "NotReadyYet",
    "RoleFailed",
    "SpecError",
    "__version__",
    "load_benchmark",
    "parse_spec",
]
