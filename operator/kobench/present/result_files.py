"""Reading the documents a comparison is made of: result files, directories of them, and
comparison documents (``kobench compare -o``, a matrix run's ``-o``).

Every problem is an :class:`~kobench.errors.InputError` that names the file (exit status 2).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kobench.errors import InputError
from kobench.measure.compare.comparison_docs import Comparison, MatrixComparison
from kobench.measure.compare.sides import Labelled
from kobench.measure.results import RunResult

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
"""A matrix document holds every run's histograms; anything larger is not one of ours."""

ComparisonDocument = Comparison | MatrixComparison
M = TypeVar("M", bound=BaseModel)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(document)'}: {error['msg']}"
        for error in exc.errors()[:3]
    )


def read_json(path: Path) -> Any:
    """The JSON document in a file, or an InputError that names the file."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory (give result files, or the directory alone)")
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise InputError(f"{path}: larger than 256 MiB: not a kobench document")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (a result document is JSON)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None


def _validated(model: type[M], document: Any, path: Path, what: str) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InputError(f"{path}: not a kobench {what}: {_problems(exc)}") from None


def comparison_kind(document: Any) -> str | None:
    """'Comparison' or 'MatrixComparison' for a comparison document, None for anything else."""
    kind = document.get("kind") if isinstance(document, dict) else None
    return kind if kind in ("Comparison", "MatrixComparison") else None


def load_comparison(path: Path) -> ComparisonDocument | None:
    """The comparison document in a file, or None when the file holds something else."""
    document = read_json(path)
    kind = comparison_kind(document)
    if kind == "Comparison":
        return _validated(Comparison, document, path, "comparison document")
    if kind == "MatrixComparison":
        return _validated(MatrixComparison, document, path, "matrix comparison document")
    return None


def load_run(path: Path) -> RunResult:
    document = read_json(path)
    if comparison_kind(document):
        raise InputError(
            f"{path}: is a comparison document, not a run's result: show it with "
            f"`kobench compare {path}`"
        )
    return _validated(RunResult, document, path, "result document (kobench run -o)")


def expand(paths: Sequence[str]) -> list[Path]:
    """Files as given; a directory stands for the ``*.json`` files in it (sorted)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise InputError(f"{path}: directory holds no *.json result documents")
            files += found
        else:
            files.append(path)
    return files


def load_side(paths: Sequence[str]) -> list[Labelled]:
    """The run results of one side, each labelled with its file name."""
    return [Labelled(str(path), load_run(path)) for path in expand(paths)]
