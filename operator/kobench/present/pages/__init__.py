"""The HTML report on result documents: ``kobench report FILE --html``, ``kobench run --html``.

It renders :class:`kobench.measure.results.RunResult` documents and nothing else: it never
talks to a cluster, so reading a local file needs no kubeconfig.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kobench.api.input_files import read_json
from kobench.errors import InputError, KobenchError
from kobench.measure.results import RunResult
from kobench.present.pages.run_page import render_html


def load_result(path: Path) -> RunResult:
    """A result document from a JSON file (``kobench run -o``, ``kobench report --json``)."""
    try:
        document = read_json(path, what="a result document")
    except InputError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise KobenchError(f"{path}: cannot read the result document: {reason}") from None
    try:
        return RunResult.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(document)'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise KobenchError(f"{path}: not a kobench result document: {problems}") from None


def write_html(
    path: Path,
    results: Sequence[RunResult],
    specs: Sequence[dict[str, Any] | None] | None = None,
) -> None:
    """Write the report page (specs, when given, are shown beside their runs)."""
    try:
        path.write_text(render_html(results, specs), encoding="utf-8")
    except OSError as exc:
        raise KobenchError(f"{path}: cannot write the report: {exc.strerror}") from None


__all__ = ["load_result", "render_html", "write_html"]
