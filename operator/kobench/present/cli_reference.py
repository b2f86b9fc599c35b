"""The command line as Markdown, read from ``kobench``'s own argparse parser: every command, its
usage and options, and the exit statuses (the one table in :mod:`kobench.present.terminal`)."""

from __future__ import annotations

import argparse

from kobench.present.terminal import EXIT_STATUSES

"""Exit statuses of ``kobench``, most specific command first; ``report`` over several sources
exits with the worst (Invalid over Failed over not finished over Passed)."""


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """(name, help, parser) of each subcommand, in the order they were added."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            found += [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _option_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if action.option_strings:
            names = ", ".join(action.option_strings)
            if action.nargs != 0:
                metavar = action.metavar or action.dest.upper()
                names += f" {metavar if isinstance(metavar, str) else ' '.join(metavar)}"
        else:
            names = str(action.metavar or action.dest)
        choices = f" (one of {', '.join(map(str, action.choices))})" if action.choices else ""
        default = action.default
        shown = "" if default in (None, False, [], argparse.SUPPRESS) else f"`{default}`"
        meaning = _cell(((action.help or "") + choices).strip())
        rows.append(f"| `{_cell(names)}` | {meaning} | {shown} |")
    return rows


def _command(path: str, help_text: str, parser: argparse.ArgumentParser, level: int) -> list[str]:
    usage = parser.format_usage().removeprefix("usage: ").strip()
    usage = " ".join(usage.split())  # argparse wraps to the terminal's width
    lines = [f"{'#' * level} `{path}`", "", _cell(help_text or parser.description or ""), ""]
    lines += ["```text", usage, "```", ""]
    rows = _option_rows(parser)
    if rows:
        lines += ["| argument | meaning | default |", "|---|---|---|", *rows, ""]
    for name, sub_help, sub in _subcommands(parser):
        lines += _command(f"{path} {name}", sub_help, sub, min(level + 1, 4))
    return lines


def cli_markdown(parser: argparse.ArgumentParser) -> str:
    """Every command of ``parser`` with its usage and arguments, then the exit statuses."""
    lines = []
    for name, help_text, sub in _subcommands(parser):
        lines += _command(f"{parser.prog} {name}", help_text, sub, 2)
    lines += ["## Exit statuses", "", "| status | meaning |", "|---|---|"]
    lines += [f"| `{status}` | {_cell(meaning)} |" for status, meaning in EXIT_STATUSES]
    return "\n".join(lines) + "\n"
