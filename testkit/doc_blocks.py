"""The shell blocks of the README and the docs site: what each needs, the files and ``kobench``
command lines it names, and, for a ``console`` block, the output it shows.

A block that needs more than the repository and Redis says so in its first line
(``# needs: cluster``); the tests skip it by that rule and count it. A ``console`` block is
``$ command`` lines, each followed by the output it shows; ``...`` stands for lines left out.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from testkit.support import REPO

PAGES: tuple[Path, ...] = (REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")))
SHELL = frozenset({"sh", "bash", "shell", "console"})
NEEDS: dict[str, str] = {
    "cluster": "a Kubernetes cluster",
    "keydb": "a keydb-server binary",
    "install": "installs packages on the machine",
    "minutes": "runs too long for the test suite",
    "clone": "rewrites or serves the repository's own files",
}
"""What a block may need beyond the repository and Redis (its first line: ``# needs: NAME``)."""
ELIDED = "..."
FENCE = re.compile(r"^```\s*([\w-]*)")
MARKER = re.compile(r"^#\s*needs:\s*(\S+)\s*$")
HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")
OPERATORS = frozenset({"|", "||", "&", "&&", ";", ";;", "(", ")", "<", ">", ">>", "<<"})


@dataclass(frozen=True)
class Step:
    """One ``$ command`` of a console block and the output lines shown under it."""

    command: str
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    """Line of the opening fence (1-based)."""
    language: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def needs(self) -> str | None:
        first = self.text.split("\n", 1)[0]
        match = MARKER.match(first)
        return match.group(1) if match else None

    @property
    def body(self) -> str:
        """The block without its ``needs`` line."""
        return self.text.split("\n", 1)[1] if self.needs else self.text

    def steps(self) -> list[Step]:
        """A console block's commands (continuation lines joined) and what each shows."""
        steps: list[Step] = []
        command: list[str] = []
        shown: list[str] = []
        for line in self.body.splitlines():
            if command and command[-1].endswith("\\"):
                command.append(line)
            elif line.startswith("$ "):
                if command:
                    steps.append(Step("\n".join(command), tuple(shown)))
                command, shown = [line.removeprefix("$ ")], []
            elif command:
                shown.append(line)
        if command:
            steps.append(Step("\n".join(command), tuple(shown)))
        return steps

    def commands(self) -> list[str]:
        """Every command line, continuations joined and heredoc bodies left out."""
        lines = [s.command for s in self.steps()] if self.language == "console" else []
        if self.language != "console":
            text = re.sub(r"\\\n", " ", self.body)
            ending: str | None = None
            for line in text.splitlines():
                if ending is not None:
                    ending = None if line.strip() == ending else ending
                    continue
                lines.append(line)
                heredoc = HEREDOC.search(line)
                ending = heredoc.group(1) if heredoc else None
        return [" ".join(line.replace("\\\n", " ").split()) for line in lines if line.strip()]


def blocks(page: Path) -> list[Block]:
    """The shell blocks of a Markdown page, in order."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    language = ""
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if fence is None:
            continue
        if start is None:
            start, language = number, fence.group(1)
        else:
            if language in SHELL:
                text = "\n".join(lines[start : number - 1])
                found.append(Block(page, start, language, text))
            start = None
    return found


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def kobench_arguments(command: str) -> Iterator[list[str]]:
    """The arguments of every ``kobench`` invocation in a command line (pipes, ``&&``, ``;``
    and redirections split it; ``#`` starts a comment)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    segment: list[str] = []
    for token in [*lexer, ";"]:
        if token in OPERATORS:
            words = segment[segment.index("kobench") :] if "kobench" in segment[:1] else []
            if words:
                yield words[1:]
            segment = []
        else:
            segment.append(token)


REPO_PATH = re.compile(
    r"(?<![\w./$~-])((?:examples|manifests|helm|hack|benchmarks|docs|tests|testkit|operator)"
    r"/[\w./*-]*[\w*/]|kind-config\.yaml|Dockerfile|Makefile|pyproject\.toml|mkdocs\.yml|"
    r"\.ci/run)"
)
WINGS = ("api", "measure", "plugins", "roles", "run", "controller", "present")
PACKAGE = REPO / "operator" / "kobench"


def missing_path(path: str) -> bool:
    """A path a page names that is not in the repository (a glob must match something)."""
    if "*" in path:
        return not list(REPO.glob(path))
    return not (REPO / path).exists()


def repository_paths(text: str) -> list[str]:
    """Every repository path a text names (``examples/...``, ``helm/...``, ``Makefile`` ...)."""
    return REPO_PATH.findall(text)


def module_paths(text: str) -> list[str]:
    """Inline-code module paths: ``run/machine.py`` (under the package), ``cli.py`` (a file
    name, unique in the package)."""
    spans = re.findall(r"`([^`\s]+)`", text)
    return [s for s in spans if s.endswith(".py") or (s.split("/", 1)[0] in WINGS and "/" in s)]


def missing_module(path: str) -> bool:
    if "/" not in path:  # a file name: file names never repeat in the package
        roots = (PACKAGE, REPO / "benchmarks", REPO / "testkit", REPO / "tests")
        return not any(next(root.rglob(path), None) for root in roots)
    return not (PACKAGE / path).exists() and not (REPO / path).exists()


HEX_ID = re.compile(r"\b(?=[0-9a-f]*[0-9])[0-9a-f]{6,}\b")
NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?")


def normalized(line: str) -> str:
    """A line with its numbers, run ids and column widths made alike."""
    line = NUMBER.sub("#", HEX_ID.sub("#", line))
    return " ".join(re.sub("─+", "─", line).split())


def not_printed(shown: Sequence[str], printed: str) -> list[str]:
    """The lines a page shows (``...`` and blank lines aside) that the program did not print,
    numbers and ids aside: the program's output may hold more lines, in any order."""
    lines = {normalized(line) for line in printed.splitlines()}
    wanted = [line for line in shown if line.strip() and line.strip() != ELIDED]
    return [line for line in wanted if normalized(line) not in lines]
