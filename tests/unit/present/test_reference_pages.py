"""The docs site's generated reference pages match the code, and say what a user looks up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testkit.support import REPO
from tests.unit.report.test_dashboard import operator_series

from kobench.api.status_terms import CONDITION_TYPES, PHASES, REASONS
from kobench.present.cli import build_parser
from kobench.present.reference_pages import PAGES, cli_page, metrics_page, stale_pages, status_page
from kobench.present.terminal import EXIT_STATUSES

REFERENCE = REPO / "docs" / "reference"


def test_the_committed_pages_match_the_code() -> None:
    assert stale_pages(REFERENCE) == [], "run: kobench reference --docs docs/reference"


def test_a_page_that_drifted_is_found_and_rewritten(tmp_path: Path) -> None:
    def reference(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "kobench", "reference", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert sorted(stale_pages(tmp_path)) == sorted(PAGES)
    assert reference("--docs", str(tmp_path)).returncode == 0
    assert stale_pages(tmp_path) == []
    page = tmp_path / "status.md"
    page.write_text(page.read_text().replace("| `Running` |", "| `Runing` |"))
    assert stale_pages(tmp_path) == ["status.md"]
    again = reference("--docs", str(tmp_path))
    assert (again.returncode, again.stdout.strip()) == (0, f"{tmp_path}: wrote status.md")
    assert reference("--docs", str(tmp_path)).stdout.strip().endswith("already up to date")


def test_every_phase_condition_and_reason_has_its_meaning() -> None:
    page = status_page()
    for declared in (PHASES, CONDITION_TYPES, REASONS):
        for name, meaning in declared.items():
            assert f"| `{name}` | {meaning} |" in page


def test_the_metrics_page_lists_what_a_scrape_shows() -> None:
    """The page's names and labels against the series of an operator that finished a run with
    a fault (the dashboard test's scrape)."""
    page = metrics_page()
    series = operator_series()
    assert any(name.startswith("kobench_fault_") for name in series)
    for sample, labels in series.items():
        family = sample.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
        if family.endswith("_created"):  # prometheus_client's creation time of the counter
            family = family.removesuffix("_created") + "_total"
        row = next((line for line in page.splitlines() if line.startswith(f"| `{family}` |")), "")
        assert row, f"{family} is exported but not on the page"
        for label in labels - {"le"}:
            assert f"`{label}`" in row, f"{family}: label {label} missing on the page"


def test_the_cli_page_has_every_command_and_exit_status() -> None:
    page = cli_page()
    for name in ("run", "compare", "validate", "result-schema", "reference", "crd", "operator"):
        assert f"## `kobench {name}`" in page
    assert "`--fail-on-worse`" in page and "`--server-binary [ENGINE=]PATH`" in page
    assert "### `kobench role writer`" in page
    for status, _ in EXIT_STATUSES:
        assert f"| `{status}` |" in page
    assert "usage" not in page.split("## `kobench run`")[1].split("```")[1]
    assert build_parser().prog == "kobench"
