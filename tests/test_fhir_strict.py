"""`--fhir-strict` (fhir.md): each fhir.resources R4B error is OL001; nothing is repaired."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir

pytest.importorskip("fhir.resources.R4B", reason="fhir.resources (extra `orderlint[fhir]`) is not installed")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "fhir-corpus"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "fhir"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def test_an_stu3_dose_is_ol001_at_its_place_in_strict_mode_and_repaired_otherwise(linter):
    req = {"hook": "order-sign", "context": {"patientId": "p1", "draftOrders": {
        "resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
            "resourceType": "MedicationRequest", "id": "m", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "azathioprine"},
            "dosageInstruction": [{"doseQuantity": {"value": 100, "code": "mg"}}]}}]}}}
    text = json.dumps(req, indent=2)
    (r,) = lint_fhir(text, linter=linter, source="t", strict=True)
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    f = r.findings[0]
    assert f.pointer == "/context/draftOrders/entry/0/resource/dosageInstruction/0/doseQuantity" and "extra_forbidden" in f.message
    assert '"doseQuantity"' in text.splitlines()[f.line - 1]
    (lenient,) = lint_fhir(text, linter=linter, source="t")
    assert any(x.message.startswith("shape-repaired") for x in lenient.findings)


def test_valid_examples_pass_strict_mode_unchanged(linter):
    for p in sorted(EXAMPLES.glob("*.json")):
        text = p.read_text(encoding="utf-8")
        a = [x.to_dict() for x in lint_fhir(text, linter=linter, source=p.name, strict=True)]
        b = [x.to_dict() for x in lint_fhir(text, linter=linter, source=p.name)]
        assert a == b, p.name


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the external FHIR corpus is not on this machine")
def test_corpus_files_flagged_r4b_are_ol001_in_strict_mode(linter):
    rows = [line for line in (CORPUS / "MANIFEST.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    flagged = [r.split(" | ")[0].strip("| `") for r in rows if "R4B:" in r and "INVALID-JSON" not in r]
    assert flagged
    for rel in flagged:
        results = lint_fhir((CORPUS / rel).read_bytes(), linter=linter, source=rel, strict=True)
        assert any(f.code == "OL001" for r in results for f in r.findings), rel
        assert all(f.code != "OL000" for r in results for f in r.findings), rel
