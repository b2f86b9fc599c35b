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
from kobench.present.result_files import ComparisonDocument
from kobench.present.terminal import EXIT_FAILED, check_output, progress_bar, write_output


def load_baseline(file: str, benchmark: Benchmark) -> RunResult | None:
    """The result document ``spec.baseline.resultFile`` names, relative to the benchmark file."""
    rule = benchmark.spec.baseline
    if rule is None:
        return None
    from kobench.present.result_files import load_run

    if rule.result_file is None:
        raise InputError(
            "spec.baseline.resultsConfigMap: a ConfigMap is read by the operator in a cluster; "
            "for kobench run give spec.baseline.resultFile"
        )
    path = Path(rule.result_file)
    if not path.is_absolute() and file != "-":
        path = Path(file).parent / path
    try:
        return load_run(path)
    except InputError as exc:
        raise InputError(f"spec.baseline.resultFile: {exc}") from None


def run_matrix_file(
    args: argparse.Namespace, benchmark: Benchmark, binaries: dict[str, str]
) -> int:
    """Every cell of the matrix, then the comparison: the tables, or the document."""
    from kobench.measure.compare.decision_rule import require_scipy
    from kobench.present.compare_table import render_matrix
    from kobench.run.local.local_loop import run_matrix

    if args.html:
        check_output(args.html, option="--html")  # before the runs: a typo costs no run
    require_scipy()  # before the runs, not after them
    with progress_bar(not args.quiet, terminal=sys.stderr.isatty()) as update:
        document = run_matrix(benchmark, server_binaries=binaries, progress=update)
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        write_output(args.output, text, option="--output")
    if args.html:
        write_matrix_page(args.html, document)
    if args.json:
        sys.stdout.write(text)
    else:
        sys.stdout.write(render_matrix(document, color=sys.stdout.isatty()))
    failed = [f"{cell.id} {why}" for cell in document.cells for why in cell.failures]
    for failure in failed:
        print(f"kobench: not carried out: {failure}", file=sys.stderr)
    return EXIT_FAILED if failed else 0


def write_matrix_page(path: str, document: MatrixComparison) -> None:
    """The matrix's page: its sweeps' latency-throughput curves, cells and pairs."""
    from kobench.present.pages.matrix_page import render_matrix_html

    write_output(path, render_matrix_html(document), option="--html")


def cmd_compare(args: argparse.Namespace) -> int:
    from kobench.measure.compare import Comparison, MatrixComparison, compare_sides
    from kobench.measure.compare.decision_rule import require_scipy
    from kobench.present.compare_table import render_comparison, render_matrix
    from kobench.present.result_files import load_comparison, load_side

    require_scipy()

    sides = (args.baseline, args.candidate)
    if args.documents and any(sides):
        raise InputError("give either a comparison document or --baseline and --candidate")
    if args.output:
        check_output(args.output)
    if args.html:
        check_output(args.html, option="--html")
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
        document = compare_sides(load_side(args.baseline), load_side(args.candidate))
    else:
        missing = "--baseline" if not args.baseline else "--candidate"
        raise InputError(f"{missing}: missing (give both sides' result files or directories)")
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        write_output(args.output, text, option="--output")
    if args.html:
        if not isinstance(document, MatrixComparison):
            raise InputError("--html: the page shows a matrix's comparison (kobench run -o)")
        write_matrix_page(args.html, document)
    color = sys.stdout.isatty()
    if args.json:
        sys.stdout.write(text)
    elif isinstance(document, Comparison):
        sys.stdout.write(render_comparison(document, color=color))
    else:
        sys.stdout.write(render_matrix(document, color=color))
    return EXIT_FAILED if args.fail_on_worse and _any_worse(document) else 0


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
