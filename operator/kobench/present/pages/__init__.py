"""The HTML report on result documents: ``kobench report FILE --html``, ``kobench run --html``.

It renders :class:`kobench.measure.results.RunResult` documents and nothing else: it never
talks to a cluster, so reading a local file needs no kubeconfig.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kobench.errors import KobenchError
from kobench.measure.results import RunResult
from kobench.present.pages.run_page import render_html


def load_result(path: Path) -> RunResult:
    """A result document from a JSON file (``kobench run -o``, ``kobench report --json``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KobenchError(f"{path}: cannot read the result document: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KobenchError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
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
