"""The CRD is generated from the model; the committed copies must not drift from it."""

from __future__ import annotations

import pytest
import yaml
from testkit.support import REPO

from kobench.api.crd import COMMITTED_PATHS, render_crd, render_crd_yaml
from kobench.api.status import BenchmarkStatus


@pytest.mark.parametrize("path", COMMITTED_PATHS)
def test_committed_crd_equals_the_rendered_one(path: str) -> None:
    committed = yaml.safe_load((REPO / path).read_text())
    assert committed == render_crd(), (
        f"{path} drifted from the spec model: regenerate it with 'kobench crd > {path}'"
    )
    assert (REPO / path).read_text() == render_crd_yaml()


def test_names_columns_and_subresources() -> None:
    crd = render_crd()
    names = crd["spec"]["names"]
    assert names["shortNames"] == ["kob"] and names["categories"] == ["kobench"]
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = version["additionalPrinterColumns"]
    default = [c["name"] for c in columns if not c.get("priority")]
    assert default == [
        "Phase",
        "Verdict",
        "Progress",
        "Engine",
        "Mechanism",
        "Replicas",
        "Writes",
        "Missed",
        "P50",
        "P99",
        "RTT-P99",
        "Age",
    ]
    assert all(c.get("priority") == 1 for c in columns[len(default) :])


def _walk(schema: dict[str, object], path: str = "") -> list[tuple[str, dict[str, object]]]:
    found = [(path, schema)]
    for name, child in (schema.get("properties") or {}).items():  # type: ignore[attr-defined]
        found += _walk(child, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        found += _walk(schema["items"], f"{path}[*]")  # type: ignore[arg-type]
    return found


def test_schema_is_structural_and_described() -> None:
    root = render_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node in _walk(root):
        assert "type" in node or node.get("x-kubernetes-preserve-unknown-fields"), path
        for banned in ("$ref", "anyOf", "allOf", "title", "additionalProperties"):
            if banned == "additionalProperties" and isinstance(node.get(banned), dict):
                continue
            assert banned not in node, f"{path} has {banned}"
    spec = root["properties"]["spec"]
    for path, node in _walk(spec, "spec"):
        if path.count(".") <= 2 and path != "spec" and "[*]" not in path:
            assert node.get("description"), f"{path} has no description (kubectl explain)"
    # kopf's bookkeeping lives in status and must survive pruning.
    assert (
        root["properties"]["status"]["properties"]["kopf"]["x-kubernetes-preserve-unknown-fields"]
        is True
    )


def test_status_schema_covers_the_status_model() -> None:
    status = render_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"][
        "status"
    ]
    aliases = {f.alias or n for n, f in BenchmarkStatus.model_fields.items()}
    assert aliases <= set(status["properties"])
    assert "default" not in str(status), "status fields get no defaults"


def _validations(node: object) -> list[dict[str, object]]:
    """Every x-kubernetes-validations entry of a schema, however deep."""
    if isinstance(node, list):
        return [v for item in node for v in _validations(item)]
    if not isinstance(node, dict):
        return []
    own = node.get("x-kubernetes-validations", [])
    return [*own, *(v for value in node.values() for v in _validations(value))]


def test_every_rule_gives_a_reason_the_api_server_accepts() -> None:
    """A reason outside these four makes the API server refuse the whole CRD (helm install)."""
    rules = _validations(render_crd())
    assert rules, "the CRD has CEL rules"
    accepted = {
        "FieldValueDuplicate",
        "FieldValueForbidden",
        "FieldValueInvalid",
        "FieldValueRequired",
    }
    assert {r["reason"] for r in rules if "reason" in r} <= accepted
