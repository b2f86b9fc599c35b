"""Reading the documents a comparison is made of: result files, directories of them, and
comparison documents (``kobench compare -o``, a matrix run's ``-o``).

Every problem is an :class:`~kobench.errors.InputError` that names the file (exit status 2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kobench.api.input_files import read_json as read_json_file
from kobench.errors import InputError
from kobench.measure.compare.comparison_docs import Comparison, MatrixComparison
from kobench.measure.compare.sides import Labelled
from kobench.measure.results import RunResult

ComparisonDocument = Comparison | MatrixComparison
M = TypeVar("M", bound=BaseModel)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(document)'}: {error['msg']}"
        for error in exc.errors()[:3]
    )


def read_json(path: Path) -> Any:
    """The JSON document in a file, or an InputError that names the file."""
    return read_json_file(path, what="a kobench document")


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


def _identity(result: RunResult) -> tuple[str, str]:
    """A run is its run id and its content: a copy of a file is the same run."""
    content = hashlib.sha256(result.model_dump_json(by_alias=True).encode()).hexdigest()
    return result.run_id, content


def refuse_repeated_runs(baseline: Sequence[Labelled], candidate: Sequence[Labelled]) -> None:
    """One run counts once: the same run twice on a side would pass for two repetitions, and
    on both sides it is compared with itself."""
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for side, runs in (("--baseline", baseline), ("--candidate", candidate)):
        for run in runs:
            key = _identity(run.result)
            if key not in seen:
                seen[key] = (side, run.label)
                continue
            first_side, first = seen[key]
            where = "also on" if first_side == side else "on"
            raise InputError(
                f"{run.label}: the same run as {first} (run {key[0]}, {where} {first_side}): "
                "each run counts once; give every result once and a run on one side only"
            )
