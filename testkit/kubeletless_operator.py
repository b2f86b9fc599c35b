"""``kobench operator`` for a control plane without kubelets: the same options, and role results
read from pod annotations (:class:`testkit.annotation_results.AnnotationResults`), where the test
playing the kubelet leaves them. Run it as ``python -m testkit.kubeletless_operator ARGS``.

The shipped operator has no such option: results come from pod logs; this passes the source
through the operator's programmatic seam, ``run_operator(..., results_source=...)``.
"""

from __future__ import annotations

import argparse
import inspect
import sys

from kobench.controller import operator_main
from kobench.controller.options import add_operator_arguments
from testkit.annotation_results import AnnotationResults


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if "results_source" not in inspect.signature(operator_main.run_operator).parameters:
        # An operator from before the seam (a benchmark's --ref): its option did the same.
        operator_main.main([*args, "--results-source", AnnotationResults.name])
        return
    parser = argparse.ArgumentParser(prog="python -m testkit.kubeletless_operator")
    add_operator_arguments(parser)
    operator_main.run_operator(parser.parse_args(args), results_source=AnnotationResults())


if __name__ == "__main__":
    main()
