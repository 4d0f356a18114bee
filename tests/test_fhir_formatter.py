"""`--format fhir`: a Bundle of DetectedIssue resources (fhir.md section 4)."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from pathlib import Path

import pytest

import orderlint
from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir
from orderlint.findings import Summary
from orderlint.formatters import fhir as fhirfmt

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def render(results, linter) -> str:
    out = io.StringIO()
    f = fhirfmt.make("fhir", out, linter)
    f.start()
    s = Summary()
    for r in results:
        f.result(r)
        s.add(r)
    f.finish(s)
    return out.getvalue()


def fhir_results(linter):
    text = (ROOT / "examples" / "fhir" / "ILD301-fires.bundle.json").read_text(encoding="utf-8")
    return lint_fhir(text, linter=linter, source="ILD301-fires.bundle.json")


def test_a_fhir_finding_becomes_a_detected_issue(linter):
    results = fhir_results(linter)
    doc = json.loads(render(results, linter))
    assert doc["resourceType"] == "Bundle" and doc["type"] == "collection"
    (entry,) = doc["entry"]
    uuid.UUID(entry["fullUrl"].removeprefix("urn:uuid:"))
    di = entry["resource"]
    f = results[0].findings[0]
    assert di == {
        "resourceType": "DetectedIssue", "status": "final", "severity": "high",
        "code": {"coding": [{"system": "https://orderlint.dev/fhir/CodeSystem/rules", "code": "ILD301", "display": f.name}]},
        "patient": {"reference": "Patient/ssc-301"}, "implicated": [{"reference": "MedicationRequest/cyc"}],
        "identifiedDateTime": "2026-03-02", "detail": f.message, "reference": linter.by_code["ILD301"].help_uri(),
    }


def test_a_finding_about_a_medication_statement_implicates_that_statement(linter, tmp_path):
    # Ids are unique per resource type only: `MedicationRequest/<statement id>` would name nothing, or
    # another order. A drug taken (a MedicationStatement) is implicated as what it is.
    bundle = json.loads((ROOT / "examples" / "fhir" / "ILD102-fires.bundle.json").read_text(encoding="utf-8"))
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "MedicationRequest" and r["id"] == "mmf":
            e["resource"] = {"resourceType": "MedicationStatement", "id": "taken", "status": "active",
                             "subject": r["subject"], "medicationCodeableConcept": {"text": "mycofenolate"}}
    results = lint_fhir(bundle, linter=linter, source="b.json")
    issues = [e["resource"] for e in json.loads(render(results, linter))["entry"]]
    implicated = {(di["code"]["coding"][0]["code"], di["implicated"][0]["reference"]) for di in issues if "implicated" in di}
    assert ("OL002", "MedicationStatement/taken") in implicated  # the statement's unknown drug
    assert not any(ref == "MedicationRequest/taken" for _c, ref in implicated)
    assert {ref for _c, ref in implicated} <= {"MedicationStatement/taken", "MedicationRequest/nintedanib"}
    # The same for a statement that names no patient among several (its OL001): the Bulk Data path.
    from orderlint.fhir.bulk import iter_bulk

    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n',
                                           encoding="utf-8")
    (folder / "MedicationStatement.ndjson").write_text(
        '{"resourceType":"MedicationStatement","id":"ms","status":"active","medicationCodeableConcept":{"text":"mycophenolate"}}\n',
        encoding="utf-8")
    unplaced = [r for r in iter_bulk(str(folder), linter=linter) if r.status == "invalid"]
    (di,) = [e["resource"] for e in json.loads(render(unplaced, linter))["entry"]]
    assert di["implicated"] == [{"reference": "MedicationStatement/ms"}]


def test_severities_native_orders_and_waivers(linter):
    r = orderlint.lint(ROOT / "examples" / "regimens" / "ILD102-waived.json")
    doc = json.loads(render([r], linter))
    (di,) = [e["resource"] for e in doc["entry"]]
    (f,) = r.findings
    assert di["severity"] == {"error": "high", "warning": "moderate", "info": "low"}[f.severity]
    assert di["implicated"] == [{"display": f.order}] and di["patient"] == {"display": r.id}
    assert di["mitigation"] == [{"action": {"text": f"Waived: {f.suppressed.reason}"}, "author": {"display": f.suppressed.approved_by}}]
    info = json.loads(render(lint_fhir('{"resourceType": "Patient", "id": "p"}', linter=linter, source="p.json"), linter))
    assert [e["resource"]["severity"] for e in info["entry"]] == ["low"]


def test_full_urls_are_derived_and_distinct(linter):
    a = render(fhir_results(linter), linter)
    b = render(fhir_results(linter), linter)
    assert a == b
    r = orderlint.lint(ROOT / "examples" / "regimens" / "ILD205-fires.json")
    urls = [e["fullUrl"] for e in json.loads(render([r], linter))["entry"]]
    assert len(urls) == len(set(urls)) == len(r.findings) >= 2


def test_no_findings_is_a_bundle_without_entries(linter):
    text = (ROOT / "examples" / "fhir" / "ILD301-clean.bundle.json").read_text(encoding="utf-8")
    assert json.loads(render(lint_fhir(text, linter=linter, source="c.json"), linter)) == {"resourceType": "Bundle", "type": "collection"}


def test_output_parses_with_fhir_resources_r4b(linter):
    # fhir.resources is the optional `fhir` extra; without it this structure is checked above only.
    r4b = pytest.importorskip("fhir.resources.R4B.bundle", reason="fhir.resources (extra `orderlint[fhir]`) is not installed")
    results = fhir_results(linter) + [orderlint.lint(ROOT / "examples" / "regimens" / "ILD102-waived.json")]
    results += lint_fhir('{"resourceType": "Patient", "id": "p"}', linter=linter, source="p.json")
    bundle = r4b.Bundle.model_validate(json.loads(render(results, linter)))
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["DetectedIssue"] * 3


def _references(linter) -> dict[str, str]:
    results = []
    for p in sorted((ROOT / "examples" / "fhir").glob("*-fires.bundle.json")):
        results += lint_fhir(p.read_text(encoding="utf-8"), linter=linter, source=p.name)
    doc = json.loads(render(results, linter))
    return {e["resource"]["code"]["coding"][0]["code"]: e["resource"]["reference"] for e in doc["entry"]}


def test_the_reference_is_the_rules_primary_source_never_the_namespace(linter):
    refs = _references(linter)
    assert len(refs) > 10
    for code, ref in refs.items():
        rule = linter.by_code[code]
        assert ref == rule.help_uri() and "orderlint.dev" not in ref, (code, ref)
        assert ref == (rule.source.url or rule.docs_anchor)


def test_the_reference_is_the_sites_docs_url_when_set():
    docs = "https://wiki.example.org/orderlint/rules"
    site = Linter(Settings(as_of=AS_OF, docs_url=docs))
    refs = _references(site)
    assert refs and all(ref == f"{docs}#{code.lower()}" == site.by_code[code].help_uri(docs) for code, ref in refs.items())
