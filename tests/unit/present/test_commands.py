"""The operator's subcommands, as ``kobench.present.cli`` registers them."""

from __future__ import annotations

import argparse

import pytest
from testkit.annotation_results import AnnotationResults
from testkit.support import REPO

from kobench.controller.operator_main import _options, build_runtime
from kobench.present.operator_commands import add_subcommands
from kobench.run.pods.result_sources import PodLogResults


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kobench")
    add_subcommands(root.add_subparsers(dest="command", required=True))
    return root


def test_crd_prints_the_committed_crd(capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["crd"])
    assert args.handler(args) == 0
    assert capsys.readouterr().out == (REPO / "manifests" / "crd.yaml").read_text()


def test_operator_options() -> None:
    args = parser().parse_args(
        [
            "operator",
            "-n",
            "a",
            "-n",
            "b",
            "--metrics-port",
            "9000",
            "--role-image",
            "img:2",
            "--scheduler-name",
            "s",
        ]
    )
    opts = _options(args)
    assert opts["namespace"] == ["a", "b"] and opts["metrics_port"] == 9000
    assert opts["role_image"] == "img:2" and opts["scheduler_name"] == "s"
    with pytest.raises(SystemExit):
        parser().parse_args(["operator", "-n", "a", "--all-namespaces"])


def test_the_operator_reads_results_from_pod_logs_and_ships_no_test_seam() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["operator", "--results-source", "kubeletless-test-annotation"])
    opts = _options(parser().parse_args(["operator"]))
    assert "results_source" not in opts
    assert isinstance(build_runtime(opts).source, PodLogResults)
    # The kubelet-less tests hand their own source over the programmatic seam.
    annotations = AnnotationResults()
    assert build_runtime(opts, results_source=annotations).source is annotations


def test_report_options() -> None:
    args = parser().parse_args(["report", "quickstart", "-n", "ns", "--run", "abc", "--json"])
    assert (args.sources, args.namespace, args.run, args.json) == (
        ["quickstart"],
        "ns",
        "abc",
        True,
    )
    args = parser().parse_args(["report", "a.json", "b.json", "--html", "out.html"])
    assert (args.sources, args.html) == (["a.json", "b.json"], "out.html")
