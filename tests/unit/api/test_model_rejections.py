"""The spec model refuses what the CRD refuses (the API server's side is the control-plane
tier's ``test_crd_validation.py``), naming the same field."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.corpus.crd_rejections import CLUSTER_ONLY, INVALID

from kobench.errors import SpecErrors
from kobench.plugins.checks import check_spec
from kobench.run.spec_check import spec_problems


@pytest.mark.parametrize(
    ("spec", "field"), [(s, f) for _, s, f in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_the_model_rejects_the_same_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec(spec)
    fields = [e.field for e in caught.value.errors]
    assert any(f.startswith(field) for f in fields), fields


@pytest.mark.parametrize(
    ("spec", "field"), [(s, f) for _, s, f in CLUSTER_ONLY], ids=[i for i, _, _ in CLUSTER_ONLY]
)
def test_the_operator_refuses_what_only_kobench_run_reads_naming_it(
    spec: dict[str, Any], field: str
) -> None:
    check_spec(spec)  # kobench run reads it
    assert [p.split(":", 1)[0] for p in spec_problems(spec, reads="configMaps")] == [field]
