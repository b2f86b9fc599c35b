"""The README's generated resource reference matches the model."""

from __future__ import annotations

from testkit.support import REPO

from kobench.api.readme_section import with_reference

README = REPO / "README.md"


def test_the_readme_reference_matches_the_model() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_reference(text) == text, "run: kobench reference --update README.md"
