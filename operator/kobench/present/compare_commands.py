"""``kobench compare``, a matrix run and a run held to its baseline: the comparison commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kobench.api import Benchmark
from kobench.errors import InputError
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult
from kobench.present.output_files import Output, check_outputs, unwritten, write_text
from kobench.present.result_files import ComparisonDocument
from kobench.present.table_fit import terminal_width
from kobench.present.terminal import EXIT_FAILED, progress_bar


def baseline_path(file: str, benchmark: Benchmark) -> Path | None:
    """The file ``spec.baseline.resultFile`` names, relative to the benchmark file."""
    rule = benchmark.spec.baseline
    if rule is None or rule.result_file is None:
        return None
    path = Path(rule.result_file)
    if not path.is_absolute() and file != "-":
        path = Path(file).parent / path
    return path


def load_baseline(file: str, benchmark: Benchmark) -> RunResult | None:
    """The result document ``spec.baseline.resultFile`` names, checked that it can gate a run."""
    rule = benchmark.spec.baseline
    if rule is None:
        return None
    from kobench.measure.results.baseline_rule import unusable
    from kobench.present.result_files import load_run

    path = baseline_path(file, benchmark)
    if path is None:
        raise InputError(
            "spec.baseline.resultsConfigMap: a ConfigMap is read by the operator in a cluster; "
            "for kobench run give spec.baseline.resultFile"
        )
    try:
        baseline = load_run(path)
    except InputError as exc:
        raise InputError(f"spec.baseline.resultFile: {exc}") from None
    problems = unusable(baseline, rule, [o.name for o in benchmark.spec.observers])
    if problems:
        raise InputError(
            f"spec.baseline.resultFile: {path}: cannot be held to: {'; '.join(problems)}"
        )
    return baseline


def local_matrix_problems(benchmark: Benchmark) -> list[str]:
    """Axis values that mean nothing without a cluster: engines that differ only by image
    would both be the one local server, and a comparison of it with itself."""
    matrix = benchmark.spec.matrix
    engines = (matrix.engines if matrix else None) or []
    problems = []
    first: dict[str, int] = {}
    for index, choice in enumerate(engines):
        if choice.type not in first:
            first[choice.type] = index
            continue
        other = engines[first[choice.type]]
        problems.append(
            f"spec.matrix.engines[{index}]: {choice.label} differs from "
            f"spec.matrix.engines[{first[choice.type]}] ({other.label}) only by its image; images "
            f"apply in a cluster, and kobench run would start the same local {choice.type} server "
            "for both (compare engine types here, or apply the resource in a cluster)"
        )
    return problems


def run_matrix_file(
    args: argparse.Namespace, benchmark: Benchmark, binaries: dict[str, str]
) -> int:
    """Every cell of the matrix, then the comparison: the tables, or the document."""
    problems = local_matrix_problems(benchmark)
    if problems:
        raise InputError("\n".join(problems))
    from kobench.measure.compare.decision_rule import require_scipy
    from kobench.present.compare_table import render_matrix
    from kobench.run.local.local_loop import run_matrix

    require_scipy()  # before the runs, not after them
    with progress_bar(not args.quiet, terminal=sys.stderr.isatty()) as update:
        document = run_matrix(benchmark, server_binaries=binaries, progress=update)
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    unwritten_outputs = _write_comparison(args, document, text)
    if args.json:
        sys.stdout.write(text)
    else:
        sys.stdout.write(render_matrix(document, color=sys.stdout.isatty(), width=terminal_width()))
    failed = [f"{cell.id} {why}" for cell in document.cells for why in cell.failures]
    for failure in failed:
        print(f"kobench: not carried out: {failure}", file=sys.stderr)
    if unwritten_outputs:
        sys.stdout.flush()
        return unwritten(document.benchmark, text, unwritten_outputs)
    return EXIT_FAILED if failed else 0


def _write_comparison(
    args: argparse.Namespace, document: ComparisonDocument, text: str
) -> list[str]:
    """Write ``-o`` and ``--html`` (a matrix's page); the reasons of those not written."""
    failures = []
    if args.output:
        failures.append(write_text(Output("--output", args.output), text))
    if args.html and isinstance(document, MatrixComparison):
        from kobench.present.pages.matrix_page import render_matrix_html

        failures.append(write_text(Output("--html", args.html), render_matrix_html(document)))
    return [f for f in failures if f is not None]


def cmd_compare(args: argparse.Namespace) -> int:
    from kobench.measure.compare import Comparison, MatrixComparison, compare_sides
    from kobench.measure.compare.decision_rule import require_scipy
    from kobench.present.compare_table import render_comparison, render_matrix
    from kobench.present.result_files import load_comparison, load_side, refuse_repeated_runs

    require_scipy()

    sides = (args.baseline, args.candidate)
    if args.documents and any(sides):
        raise InputError("give either a comparison document or --baseline and --candidate")
    check_outputs(
        [Output("--output", args.output or ""), Output("--html", args.html or "")],
        _input_files([*args.documents, *(args.baseline or []), *(args.candidate or [])]),
    )
    document: ComparisonDocument
    if args.documents:
        if len(args.documents) > 1:
            raise InputError(
                f"{args.documents[1]}: one comparison document at a time (to compare result "
                "files, give them with --baseline and --candidate)"
            )
        found = load_comparison(Path(args.documents[0]))
        if found is None:
            raise InputError(
                f"{args.documents[0]}: not a comparison document; to compare result files, "
                "give them with --baseline and --candidate"
            )
        document = found
    elif all(sides):
        require_scipy()  # before reading many files
        baseline, candidate = load_side(args.baseline), load_side(args.candidate)
        document = compare_sides(baseline, candidate)  # first: are they alike at all?
        refuse_repeated_runs(baseline, candidate)
    else:
        missing = "--baseline" if not args.baseline else "--candidate"
        raise InputError(f"{missing}: missing (give both sides' result files or directories)")
    if args.html and not isinstance(document, MatrixComparison):
        raise InputError("--html: the page shows a matrix's comparison (kobench run -o)")
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    failures = _write_comparison(args, document, text)
    color = sys.stdout.isatty()
    if args.json:
        sys.stdout.write(text)
    elif isinstance(document, Comparison):
        sys.stdout.write(render_comparison(document, color=color, width=terminal_width()))
    else:
        sys.stdout.write(render_matrix(document, color=color, width=terminal_width()))
    if failures:
        sys.stdout.flush()
        return unwritten("comparison", text, failures)
    return EXIT_FAILED if args.fail_on_worse and _any_worse(document) else 0


def _input_files(given: list[str]) -> list[tuple[str, Path]]:
    """Every file the command reads (a directory's result files too): none may be written."""
    files: list[Path] = []
    for path in map(Path, given):
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return [("an input", path) for path in files]


def _any_worse(document: ComparisonDocument) -> bool:
    from kobench.measure.compare import Comparison

    comparisons = (
        [document] if isinstance(document, Comparison) else [p.comparison for p in document.pairs]
    )
    return any(f.verdict == "Worse" for c in comparisons for f in c.figures)


def add_compare_parser(sub: Any) -> None:
    """The ``compare`` command's arguments."""
    compare = sub.add_parser(
        "compare",
        help="compare repetitions of two sides (result files) figure by figure, with a verdict",
    )
    compare.add_argument(
        "documents",
        nargs="*",
        metavar="COMPARISON",
        help="a comparison document (kobench compare -o, a matrix run's -o) to show again",
    )
    compare.add_argument(
        "--baseline",
        "-a",
        nargs="+",
        metavar="RESULT",
        help="the baseline's result files (kobench run -o) or directories of them",
    )
    compare.add_argument(
        "--candidate",
        "-b",
        nargs="+",
        metavar="RESULT",
        help="the candidate's result files or directories; the verdicts are the candidate's",
    )
    compare.add_argument("--output", "-o", help="write the comparison document (JSON) here")
    compare.add_argument("--json", action="store_true", help="print the document, not tables")
    compare.add_argument(
        "--html", metavar="FILE", help="a matrix's page: rate sweep curves, cells and pairs"
    )
    compare.add_argument(
        "--fail-on-worse", action="store_true", help="exit status 1 when any figure is Worse"
    )
    compare.set_defaults(handler=cmd_compare)
