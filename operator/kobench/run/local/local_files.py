"""Files a local run reads besides the benchmark: a baseline's result document."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import ValidationError

from kobench.measure.results import RunResult

MAX_RESULT_BYTES = 256 * 1024 * 1024
"""A result document holds a run's histograms; anything larger is not one of ours."""


def read_result_file(path: Path) -> tuple[RunResult | None, str]:
    """(the result document in ``path``, "") or (None, why it cannot be read), bounded: only a
    regular file, at most :data:`MAX_RESULT_BYTES` actually read."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None, f"{path}: not a regular file"
        with path.open("rb") as file:
            data = file.read(MAX_RESULT_BYTES + 1)
    except OSError as exc:
        return None, f"{path}: cannot be read: {exc.strerror or exc}"
    if len(data) > MAX_RESULT_BYTES:
        return None, f"{path}: larger than {MAX_RESULT_BYTES // 2**20} MiB: not a result document"
    try:
        return RunResult.model_validate_json(data), ""
    except (ValidationError, ValueError) as exc:
        count = exc.error_count() if isinstance(exc, ValidationError) else 1
        return None, f"{path}: not a kobench result document ({count} errors)"
