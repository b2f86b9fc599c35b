"""The spec model refuses what the CRD refuses (the API server's side is the control-plane
tier's ``test_crd_validation.py``), naming the same field."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.corpus.crd_rejections import INVALID

from kobench.errors import SpecErrors
from kobench.plugins.checks import check_spec


@pytest.mark.parametrize(
    ("spec", "field"), [(s, f) for _, s, f in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_the_model_rejects_the_same_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec(spec)
    fields = [e.field for e in caught.value.errors]
    assert any(f.startswith(field) for f in fields), fields
