"""Keep generated sections of the README in step with the code (used by a test and by hand)."""

from __future__ import annotations

from pathlib import Path

from kobench.api.reference import BEGIN, END, reference_markdown


def with_reference(readme: str) -> str:
    """The README with its reference section replaced by the generated one."""
    start = readme.index(BEGIN)
    stop = readme.index(END) + len(END)
    return readme[:start] + reference_markdown() + readme[stop:]


def update(path: Path) -> bool:
    """Rewrite the section in place; True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = with_reference(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
