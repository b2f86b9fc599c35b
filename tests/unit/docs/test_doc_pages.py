"""What the README and the docs pages name exists, and every ``kobench`` line they show parses:
a page cannot send a reader to a file, a module or an option that is not there."""

from __future__ import annotations

import contextlib
import io
from collections import Counter

import pytest
from testkit.doc_blocks import (
    NEEDS,
    PAGES,
    Block,
    all_blocks,
    kobench_arguments,
    missing_module,
    missing_path,
    module_paths,
    normalized,
    not_printed,
    repository_paths,
)
from testkit.support import REPO

from kobench.present.cli import build_parser


def parse_problem(arguments: list[str]) -> str | None:
    """argparse's complaint about a ``kobench`` command line, or None when it parses."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            build_parser().parse_args(arguments)
    except SystemExit:
        return errors.getvalue().strip().splitlines()[-1]
    return None


def test_the_readme_is_short_and_maps_the_docs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for section in ("getting-started", "concepts", "guides", "reference", "contributing"):
        assert f"(docs/{section}/" in readme


def test_every_block_is_run_or_needs_something_named() -> None:
    found = all_blocks()
    markers = [b for b in found if b.text.lstrip().startswith("# needs")]
    unknown = [f"{b.where}: {b.needs}" for b in markers if b.needs not in NEEDS]
    assert unknown == [], f"known needs: {', '.join(NEEDS)}"
    counts = Counter(b.needs or "run" for b in found)
    print("shell blocks by what they need:", dict(counts))
    assert all(counts[name] > 0 for name in [*NEEDS, "run"]), counts


def test_every_repository_path_a_page_names_exists() -> None:
    missing = [
        f"{page.relative_to(REPO)}: {path}"
        for page in PAGES
        for path in repository_paths(page.read_text(encoding="utf-8"))
        if missing_path(path)
    ]
    assert missing == []


def test_every_module_a_page_names_exists() -> None:
    missing = [
        f"{page.relative_to(REPO)}: {path}"
        for page in PAGES
        for path in module_paths(page.read_text(encoding="utf-8"))
        if missing_module(path)
    ]
    assert missing == []


def test_every_kobench_command_line_parses() -> None:
    lines = [(b, a) for b in all_blocks() for c in b.commands() for a in kobench_arguments(c)]
    assert len(lines) > 20
    problems = [
        f"{b.where}: kobench {' '.join(a)}: {p}" for b, a in lines if (p := parse_problem(a))
    ]
    assert problems == []


def test_the_checks_catch_a_file_an_option_and_an_output_that_are_gone() -> None:
    """The README's old command list, as the issue found it."""
    text = "kobench run bench.yaml\nkobench report run-1k.json\nsee examples/bench.yaml"
    assert [p for p in repository_paths(text) if missing_path(p)] == ["examples/bench.yaml"]
    assert missing_module("run/machine.py") is False and missing_module("run/nothing.py") is True
    block = Block(REPO / "README.md", 1, "sh", "kobench run x.yaml --colour | less")
    (arguments,) = [a for c in block.commands() for a in kobench_arguments(c)]
    assert arguments == ["run", "x.yaml", "--colour"]
    assert "unrecognized arguments: --colour" in str(parse_problem(arguments))
    shown = ["Passed quickstart (run quickstart-0055cd)", "...", " sync   0  1200/1200  0  2.431"]
    printed = "Passed quickstart (run quickstart-672971)\n sync 0 1200/1200 0 0.419\n"
    assert not_printed(shown, printed) == []
    assert not_printed(["Failed quickstart (run quickstart-0055cd)"], printed) != []
    assert normalized(" p50 ───── 1,200 +0.03") == normalized("p50 ─ 7 -1.5")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_console_blocks_show_commands(page: object) -> None:
    """A console block starts with its command (after a needs line), so its output is checked
    against something."""
    for block in [b for b in all_blocks() if b.page == page and b.language == "console"]:
        assert block.steps(), f"{block.where}: a console block without a $ command"
        assert block.body.startswith("$ "), block.where
