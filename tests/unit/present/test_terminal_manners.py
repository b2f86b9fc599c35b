"""Manners a person notices at a terminal: every option says what it does, ``kobench report``'s
exit status tells a Failed run from an unreadable input, and the hint for the ``compare`` extra
matches how kobench was installed."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from kobench.measure.compare.decision_rule import checkout_of, compare_install_hint
from kobench.present.cli import build_parser
from kobench.present.cluster_report import print_unfinished
from kobench.present.kubectl_plugin import build_parser as build_plugin_parser
from kobench.present.terminal import (
    EXIT_FAILED,
    EXIT_NOT_FINISHED,
    EXIT_STATUSES_HELP,
    EXIT_USAGE,
)


def undocumented(parser: argparse.ArgumentParser, path: str) -> Iterator[str]:
    """Every subcommand, option and positional argument without help text, by its path."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            for name, sub in action.choices.items():
                if name not in helped:
                    yield f"{path} {name}"
                yield from undocumented(sub, f"{path} {name}")
            continue
        if not action.help or action.help == argparse.SUPPRESS:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}"


@pytest.mark.parametrize(
    "parser", [build_parser(), build_plugin_parser()], ids=["kobench", "kubectl-kobench"]
)
def test_every_option_of_every_subcommand_has_help(parser: argparse.ArgumentParser) -> None:
    assert list(undocumented(parser, parser.prog)) == []


def test_the_walk_finds_an_option_without_help() -> None:
    parser = argparse.ArgumentParser(prog="p")
    sub = parser.add_subparsers()
    sub.add_parser("quiet").add_argument("--loud")
    assert list(undocumented(parser, "p")) == ["p quiet", "p quiet --loud"]


def subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = action.choices[name]
    return found


def test_report_help_lists_its_exit_statuses() -> None:
    text = subcommand(build_parser(), "report").format_help()
    assert EXIT_STATUSES_HELP in text
    for line in ("1    the verdict is Failed", "2    a file or an option", "5    report NAME"):
        assert line in text


@pytest.mark.parametrize(
    ("phase", "status"),
    [("Failed", EXIT_FAILED), ("Error", EXIT_USAGE), ("Running", EXIT_NOT_FINISHED), (None, 4)],
)
def test_a_run_without_a_result_exits_by_its_phase(phase: str | None, status: int) -> None:
    out = io.StringIO()
    assert print_unfinished("b", "ns", {"phase": phase, "reasons": ["why"]}, out) == status
    assert out.getvalue().startswith(f"ns/b: phase {phase or 'Pending'}")


def checkout(root: Path, name: str) -> Path:
    package = root / "operator" / "kobench"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    return package


def test_a_clone_is_told_to_install_the_extra_from_its_checkout(tmp_path: Path) -> None:
    package = checkout(tmp_path / "clone", "kobench")
    assert checkout_of(package) == tmp_path / "clone"
    hint = compare_install_hint(package)
    assert hint.startswith(f"pip install -e '.[compare]' (in {tmp_path / 'clone'})")


@pytest.mark.parametrize("where", ["site-packages", "other-project", "broken-pyproject"])
def test_an_installed_package_is_told_to_install_kobench_compare(
    tmp_path: Path, where: str
) -> None:
    if where == "site-packages":
        package = tmp_path / "lib" / "python3.11" / "site-packages" / "kobench"
        package.mkdir(parents=True)
    elif where == "other-project":
        package = checkout(tmp_path / "other", "something-else")
    else:
        package = checkout(tmp_path / "broken", "kobench")
        (tmp_path / "broken" / "pyproject.toml").write_text("[project\n")
    assert checkout_of(package) is None
    assert compare_install_hint(package) == "pip install 'kobench[compare]' (or pip install scipy)"
