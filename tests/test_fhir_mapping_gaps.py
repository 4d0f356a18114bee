"""FHIR mapping gaps through which an order went unchecked: a Medication coded by NDC alone, doses
split by AM/PM timing codes, a `sequence` written as a string, and a DELETE among a CDS Hooks
request's draft orders of a resource its prefetch holds.

Contract (fhir.md, second edition): 2.1 Drug, "Medication `code`, else
`ingredient[].itemCodeableConcept`"; 2.1 Tapers, "Entries sharing a `sequence` are concurrent and
summed"; section 1, References, "no subject: the only patient" and "Resources about another patient
than the request's: `OL008 other-patient`"; section 3, an unmappable value never vanishes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir

FHIR = Path(__file__).resolve().parents[1] / "examples" / "fhir"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
ORAL = {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def example(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def findings(data: dict, linter: Linter) -> list:
    return [f for r in lint_fhir(json.dumps(data), linter=linter, source="t.json") for f in r.findings]


def codes(data: dict, linter: Linter) -> list[str]:
    return sorted(f.code for f in findings(data, linter) if f.code != "OL008")


def entry(data: dict, rid: str) -> dict:
    (r,) = [e["resource"] for e in data["entry"] if e["resource"].get("id") == rid]
    return r


# ------------------------------------------------------------------ Medication coded by NDC alone

def cyclophosphamide_by_medication(code: dict) -> dict:
    b = copy.deepcopy(example("ILD301-fires.bundle.json"))
    cyc = entry(b, "cyc")
    cyc.pop("medicationCodeableConcept")
    cyc["contained"] = [{"resourceType": "Medication", "id": "med", "code": code,
                         "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "3002"}]}}]}]
    cyc["medicationReference"] = {"reference": "#med"}
    return b


@pytest.mark.parametrize("code", [
    {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0054-4130-25"}]},
    {"coding": [{"system": "urn:oid:2.16.840.1.113883.6.69", "code": "0054413025"}]},
])
def test_a_medication_code_that_names_nothing_gives_way_to_its_ingredient(linter, code):
    # The NDC coding alone named no drug; read as unknown (a warning), the cyclophosphamide of its
    # ingredient went unchecked and ILD301 (an error) passed.
    found = findings(cyclophosphamide_by_medication(code), linter)
    assert "ILD301" in [f.code for f in found]
    assert not [f for f in found if f.code == "OL002"]


def test_the_unread_code_with_a_name_still_reads_the_name(linter):
    code = {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0054-4130-25", "display": "Cytoxan 500 MG Injection"}]}
    assert "ILD301" in codes(cyclophosphamide_by_medication(code), linter)


# ------------------------------------------------------------------ AM / PM doses of one order

def prednisone(*dosages: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (
        {"resourceType": "Patient", "id": "p1", "gender": "male"},
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M34.81"}]}},
        {"resourceType": "MedicationRequest", "id": "pred", "status": "active", "intent": "order",
         "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "prednisone"},
         "dosageInstruction": list(dosages)},
    )]}


def dose(mg: float, code: str, days: int = 90) -> dict:
    return {"route": ORAL, "timing": {"code": {"coding": [{"system": GTS, "code": code}]},
                                      "repeat": {"boundsDuration": {"value": days, "system": "http://unitsofmeasure.org", "code": "d"}}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "system": "http://unitsofmeasure.org", "code": "mg"}}]}


@pytest.mark.parametrize("first, second", [("AM", "PM"), ("AM", "BED"), ("PM", "BED")])
def test_doses_at_times_of_day_named_by_timing_codes_are_one_days_doses(linter, first, second):
    # Read as two taper steps one after the other, 10 mg in the morning and 10 mg in the evening
    # were never 20 mg a day (ILD202, an error, passed).
    found = findings(prednisone(dose(10, first), dose(10, second)), linter)
    (f,) = [f for f in found if f.code == "ILD202"]
    assert "total 20 mg PE > 15" in f.message


def test_the_same_timing_code_twice_is_a_taper(linter):
    # The time of day does not tell a taper's steps apart: 10 mg AM, then 10 mg AM.
    assert "ILD202" not in codes(prednisone(dose(10, "AM"), dose(10, "AM")), linter)


def test_one_days_doses_need_the_same_bounds(linter):
    assert "ILD202" not in codes(prednisone(dose(10, "AM", 90), dose(10, "PM", 60)), linter)


# ------------------------------------------------------------------ a sequence written as a string

def with_sequence(first, second) -> dict:
    a, b = dose(10, "QD", 30), dose(10, "QD", 30)
    a["sequence"], b["sequence"] = first, second
    return prednisone(a, b)


@pytest.mark.parametrize("first, second", [("1", "1"), (" 2 ", 2), (1, "1")])
def test_a_sequence_written_as_an_integer_string_is_that_integer(linter, first, second):
    found = findings(with_sequence(first, second), linter)
    assert "ILD202" in [f.code for f in found]
    assert [f for f in found if f.code == "OL008" and "shape-repaired" in f.message and "`sequence`" in f.message]


@pytest.mark.parametrize("value", ["one", "1.5", ""])
def test_a_sequence_that_is_no_integer_is_still_said(linter, value):
    found = findings(with_sequence(value, value), linter)
    assert [f for f in found if f.code == "OL008" and "is not an integer" in f.message]


# ------------------------------------------------------------------ DELETE across a CDS Hooks request

def deleting_prophylaxis(url: str) -> dict:
    req = copy.deepcopy(example("ILD301-clean.cds-hooks.json"))
    drafts = req["context"]["draftOrders"]
    held = [e for e in drafts["entry"] if e["resource"].get("id") != "cyc"]
    drafts["entry"] = [e for e in drafts["entry"] if e["resource"].get("id") == "cyc"]
    drafts["entry"].append({"request": {"method": "DELETE", "url": url}})
    req["prefetch"]["medications"] = {"resourceType": "Bundle", "type": "searchset",
                                      "entry": [{"resource": {**e["resource"], "status": "active"}} for e in held]}
    return req


def prophylaxis_id() -> str:
    req = example("ILD301-clean.cds-hooks.json")
    (rid,) = [e["resource"]["id"] for e in req["context"]["draftOrders"]["entry"] if e["resource"].get("id") != "cyc"]
    return rid


def test_the_prophylaxis_in_prefetch_protects(linter):
    req = deleting_prophylaxis("MedicationRequest/elsewhere")
    assert codes(req, linter) == []


@pytest.mark.parametrize("url", ["MedicationRequest/{rid}", "MedicationRequest?status=active"])
def test_a_draft_delete_of_what_prefetch_holds_is_ol001(linter, url):
    # Each Bundle read alone, the atovaquone being deleted still counted as current: ILD301 passed.
    found = findings(deleting_prophylaxis(url.format(rid=prophylaxis_id())), linter)
    assert [f.code for f in found] == ["OL001"]
    assert " deletes MedicationRequest" in found[0].message


# ------------------------------------------------------------------ a subject that is no Patient reference

NOT_A_PATIENT = [{"identifier": {"system": "urn:mrn", "value": "999"}}, {"reference": "Group/ward-7"},
                 {"display": "Someone Else"}]


@pytest.mark.parametrize("subject", NOT_A_PATIENT)
def test_a_bundle_resource_of_no_patient_reference_is_not_the_only_patients(linter, subject):
    # Read as naming no patient, the co-trimoxazole of whoever Group/ward-7 is counted as the only
    # patient's PCP prophylaxis, and ILD301 (an error) passed.
    b = copy.deepcopy(example("ILD301-clean.bundle.json"))
    (smx,) = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
              and e["resource"]["id"] != "cyc"]
    smx["subject"] = subject
    results = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert [(r.status, sorted(f.code for f in r.findings if f.code != "OL008")) for r in results] == [
        ("invalid", ["OL001"]), ("checked", ["ILD301"])]
    assert "which is no reference to a Patient" in results[0].findings[0].message


@pytest.mark.parametrize("subject", NOT_A_PATIENT)
def test_a_bulk_resource_of_no_patient_reference_is_not_the_only_patients(linter, subject, tmp_path):
    # One patient's export: a pregnancy test of Group/7 cleared ILD404 (an error) for that patient.
    bulk = FHIR / "bulk"
    lines = {n: (bulk / n).read_text(encoding="utf-8").splitlines() for n in ("Patient.ndjson", "Condition.ndjson",
                                                                           "MedicationRequest.ndjson", "Observation.ndjson")}
    keep = "Patient/bulk-b"
    for name, rows in lines.items():
        rows = [r for r in rows if keep in r or json.loads(r).get("id") == "bulk-b"]
        if name == "MedicationRequest.ndjson":  # started now: its pregnancy test is due (ILD404)
            rows = [r.replace('"status":"active"', '"status":"draft"') for r in rows]
        (tmp_path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = {r.status: sorted(f.code for f in r.findings) for r in orderlint_lint_all(tmp_path, linter)}
    assert "ILD404" in before["checked"]
    preg = {"resourceType": "Observation", "id": "preg", "status": "final", "subject": subject,
            "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3"}]}, "effectiveDateTime": "2026-02-28",
            "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260385009"}]}}
    with open(tmp_path / "Observation.ndjson", "a", encoding="utf-8") as f:
        f.write(json.dumps(preg) + "\n")
    after = [(r.status, sorted(f.code for f in r.findings if f.code != "OL008")) for r in orderlint_lint_all(tmp_path, linter)]
    assert ("invalid", ["OL001"]) in after
    assert [c for s, c in after if s == "checked"][0].count("ILD404") == 1


def orderlint_lint_all(path, linter):
    import orderlint

    return orderlint.lint_all(path, linter=linter)


# ------------------------------------------------------------------ an OperationOutcome given as the input

@pytest.mark.parametrize("severity", ["fatal", "error"])
def test_a_bare_operation_outcome_reporting_an_error_is_ol001(linter, severity):
    # Read as a resource of no patient: OL008 no-orders (info), and the run passed on an export that failed.
    oo = {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": "exception",
                                                         "diagnostics": "export failed: database timeout"}]}
    (r,) = lint_fhir(json.dumps(oo), linter=linter, source="oo.json")
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert "export failed: database timeout" in r.findings[0].message


def test_a_bare_operation_outcome_of_information_only_is_no_orders(linter):
    oo = {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}
    (r,) = lint_fhir(json.dumps(oo), linter=linter, source="oo.json")
    assert r.status == "not-applicable" and [f.message.split(":")[0] for f in r.findings] == ["no-orders"]


# ------------------------------------------------------------------ shapes the fixes above must survive

@pytest.mark.parametrize("coding", [[{"system": GTS, "code": ["AM"]}], [{"system": GTS, "code": {"c": "AM"}}], 5, "AM"])
def test_a_timing_code_of_no_readable_shape_is_no_crash(linter, coding):
    a, b = dose(10, "AM"), dose(10, "PM")
    a["timing"]["code"]["coding"] = coding
    found = findings(prednisone(a, b), linter)
    assert "OL000" not in [f.code for f in found]


@pytest.mark.parametrize("issue, status", [
    ({"severity": ["error"], "code": "exception"}, "invalid"),
    ({"severity": "information", "code": {"c": "x"}}, "not-applicable"),
])
def test_an_operation_outcome_of_odd_shapes_is_no_crash(linter, issue, status):
    (r,) = lint_fhir(json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}), linter=linter, source="oo.json")
    assert r.status == status and "OL000" not in [f.code for f in r.findings]


@pytest.mark.parametrize("subject", [{"display": "Jane Doe"}, {"reference": "#p1"}])
def test_a_bare_order_whose_subject_names_no_patient_reference_is_still_checked(linter, subject):
    # With no patient named anywhere, there is no other patient it could be about: read as before.
    b = example("ILD301-fires.bundle.json")
    cyc = copy.deepcopy(entry(b, "cyc"))
    cyc["subject"] = subject
    cyc["reasonCode"] = [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M34.81"}]}]
    (r,) = lint_fhir(json.dumps(cyc), linter=linter, source="cyc.json")
    assert r.status == "checked" and "ILD301" in [f.code for f in r.findings]
