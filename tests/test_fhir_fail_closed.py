"""FHIR input that cannot be read or placed is never a silent pass (fail closed): a Bundle entry that
is not a resource, or a resourceType that is no FHIR type, is OL001 where it is; a MedicationRequest
that no patient takes, in input holding several patients, is OL001 in a result of its own (it would
otherwise never be checked); other resources that no patient takes stay OL008 notes (fhir.md 1)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir
from orderlint.findings import Finding, Result

ROOT = Path(__file__).resolve().parent.parent
FIRES = json.loads((ROOT / "examples/fhir/ILD101-fires.bundle.json").read_text(encoding="utf-8"))
CDS = json.loads((ROOT / "examples/fhir/ILD101-fires.cds-hooks.json").read_text(encoding="utf-8"))
MR = {"resourceType": "MedicationRequest", "id": "mtx", "status": "active", "intent": "order",
      "medicationCodeableConcept": {"text": "methotrexate"}, "subject": {"reference": "Patient/p"}}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def run(data: Any, linter: Linter) -> list[Result]:
    return lint_fhir(data, linter=linter, source="t")


def ol001(results: list[Result]) -> list[tuple[str, str]]:
    return [(f.pointer, f.message) for r in results for f in r.findings if f.code == "OL001"]


def bundle(*entries: Any) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


# ------------------------------------------------------------------ Bundle entries


@pytest.mark.parametrize("entry, kind", [("oops", "a string"), (3, "a number"), (True, "a boolean")])
def test_entry_that_is_not_an_array_is_ol001_at_entry(linter, entry, kind):
    (r,) = run({"resourceType": "Bundle", "type": "collection", "entry": entry}, linter)
    assert r.status == "invalid"
    assert ol001([r]) == [("/entry", f"Bundle `entry` is {kind}, not an array of entries")]


def test_each_entry_that_is_not_an_object_is_ol001_at_its_pointer(linter):
    (r,) = run(bundle({"resource": MR}, "oops", 1, None, []), linter)
    assert r.status == "invalid"
    assert ol001([r]) == [("/entry/1", "Bundle entry is a string, not an object"),
                          ("/entry/2", "Bundle entry is a number, not an object"),
                          ("/entry/3", "Bundle entry is null, not an object"),
                          ("/entry/4", "Bundle entry is an array, not an object")]


def test_null_or_an_object_where_the_entry_array_belongs_are_still_repaired(linter):
    (r,) = run({"resourceType": "Bundle", "type": "collection", "entry": None}, linter)
    assert r.status == "not-applicable" and "OL001" not in [f.code for f in r.findings]
    (r,) = run({"resourceType": "Bundle", "type": "collection", "entry": {"resource": MR}}, linter)
    assert r.status != "invalid" and any(f.message.startswith("shape-repaired") for f in r.findings)


def test_an_entry_without_resource_is_ol001_unless_it_is_a_request_or_response(linter):
    (r,) = run(bundle({"resource": MR}, {"fullUrl": "urn:uuid:1"}), linter)
    assert ol001([r]) == [("/entry/1", "Bundle entry has no `resource` (nor the `request` or `response` that lets an "
                                       "entry have none)")]
    # FHIR R4 bdl-5: a transaction's DELETE and a response's entries have no resource, rightly
    (r,) = run(bundle({"resource": MR}, {"request": {"method": "DELETE", "url": "Observation/1"}},
                      {"response": {"status": "204"}}), linter)
    assert r.status != "invalid" and not ol001([r])


@pytest.mark.parametrize("resource, pointer, message", [
    ("text", "/entry/0/resource", "Bundle entry `resource` is a string, not a resource object"),
    ({k: v for k, v in MR.items() if k != "resourceType"}, "/entry/0/resource", "Bundle entry resource has no `resourceType`"),
    (dict(MR, resourceType=7), "/entry/0/resource/resourceType", "`resourceType` is a number, not a resource type name"),
    (dict(MR, resourceType="medicationrequest"), "/entry/0/resource/resourceType",
     "resourceType 'medicationrequest' is not a FHIR resource type (did you mean 'MedicationRequest'?)"),
    (dict(MR, resourceType="Prescription"), "/entry/0/resource/resourceType",
     "resourceType 'Prescription' is not a FHIR resource type"),
], ids=["not-an-object", "no-resourceType", "number", "wrong-case", "no-such-type"])
def test_an_entry_resource_that_cannot_be_read_is_ol001(linter, resource, pointer, message):
    (r,) = run(bundle({"resource": resource}), linter)
    assert r.status == "invalid" and ol001([r]) == [(pointer, message)]


def test_an_unreadable_entry_in_a_nested_bundle_is_ol001_at_its_pointer(linter):
    inner = bundle({"resource": dict(MR, resourceType="Medicationrequest")})
    (r,) = run(bundle({"resource": MR}, {"resource": inner}), linter)
    assert [p for p, _m in ol001([r])] == ["/entry/1/resource/entry/0/resource/resourceType"]


def test_types_of_other_fhir_versions_keep_their_behaviour_in_a_bundle(linter):
    # DSTU2 MedicationOrder: skipped with OL008 unsupported-resource; R5 NutritionIntake: skipped
    (r,) = run(bundle({"resource": dict(MR, resourceType="MedicationOrder")},
                      {"resource": {"resourceType": "NutritionIntake", "id": "n"}}), linter)
    assert r.status == "not-applicable" and not ol001([r])
    assert [f.message.split(":")[0] for f in r.findings] == ["no-orders", "unsupported-resource"]


def test_a_misspelt_draft_order_of_a_cds_hooks_request_is_ol001(linter):
    c = copy.deepcopy(CDS)
    c["context"]["draftOrders"]["entry"][0]["resource"]["resourceType"] = "medicationRequest"
    (r,) = run(c, linter)
    assert r.status == "invalid"
    assert ol001([r]) == [("/context/draftOrders/entry/0/resource/resourceType",
                           "resourceType 'medicationRequest' is not a FHIR resource type (did you mean 'MedicationRequest'?)")]


def test_an_unreadable_prefetch_bundle_entry_is_ol001(linter):
    c = copy.deepcopy(CDS)
    key, value = next((k, v) for k, v in c["prefetch"].items() if isinstance(v, dict) and v.get("resourceType") == "Bundle")
    value["entry"].append("oops")
    (r,) = run(c, linter)
    assert r.status == "invalid" and [p for p, _m in ol001([r])] == [f"/prefetch/{key}/entry/{len(value['entry']) - 1}"]


# ------------------------------------------------------------------ orders no patient takes


def two_patients(subject_b: Any, bundle: dict = FIRES) -> dict:
    """The ILD101-fires Bundle (or ``bundle``) for patients a and b; b's resources' `subject` is
    ``subject_b`` (None: removed)."""
    entries = []
    for pid in ("a", "b"):
        for e in copy.deepcopy(bundle["entry"]):
            r = e["resource"]
            e["fullUrl"] = f"{e['fullUrl']}-{pid}"
            r["id"] = pid if r["resourceType"] == "Patient" else f"{r['id']}-{pid}"
            if "subject" in r:
                if pid == "a":
                    r["subject"] = {"reference": "Patient/a"}
                elif subject_b is None:
                    del r["subject"]
                else:
                    r["subject"] = subject_b
            entries.append(e)
    return {"resourceType": "Bundle", "id": "two", "type": "collection", "entry": entries}


SUBJECTS = {"missing": None, "identifier": {"identifier": {"system": "urn:example:mrn", "value": "b"}},
            "display": {"display": "Patient B"}, "group": {"reference": "Group/g"}, "lower-case": {"reference": "patient/b"},
            "contained": {"reference": "#b"}, "empty": {}}


@pytest.mark.parametrize("name", sorted(SUBJECTS))
def test_an_order_no_patient_takes_among_several_is_ol001_in_a_result_of_its_own(linter, name):
    data = two_patients(SUBJECTS[name])
    mrs = [(f"/entry/{i}/resource", e["resource"]["id"]) for i, e in enumerate(data["entry"])
           if e["resource"]["resourceType"] == "MedicationRequest" and e["resource"]["id"].endswith("-b")]
    results = run(data, linter)
    assert [(r.patient, r.status) for r in results] == [(None, "invalid"), ("a", "checked"), ("b", "not-applicable")]
    fs = results[0].findings
    assert [(f.code, f.severity, f.pointer, f.order) for f in fs] == [("OL001", "error", p, rid) for p, rid in mrs]
    assert all(f.message.startswith(f"MedicationRequest {rid!r} names no patient that can be placed (")
               and f.message.endswith("; the input holds several patients): it was not checked")
               for f, (_p, rid) in zip(fs, mrs))
    # the other resources no patient takes are still notes (nothing to check in them)
    notes = [f for r in results for f in r.findings if f.message.startswith("unresolved-reference")]
    assert notes and all(f.code == "OL008" and f.severity == "info" for f in notes)
    assert not any(f.pointer in dict(mrs) for f in notes)


def test_a_medication_statement_no_patient_takes_among_several_is_ol001(linter):
    # b is given nintedanib and takes mycophenolate (a statement naming no patient): used by no one,
    # it would leave b's nintedanib-with-mycophenolate check unseen, so it is OL001, not a note.
    fires = json.loads((ROOT / "examples/fhir/ILD102-fires.bundle.json").read_text(encoding="utf-8"))
    entries = two_patients({"reference": "Patient/b"}, fires)["entry"]
    for e in entries:
        r = e["resource"]
        if r["id"] == "mmf-b":
            e["resource"] = {"resourceType": "MedicationStatement", "id": "mmf-b", "status": "active",
                             "medicationCodeableConcept": r["medicationCodeableConcept"]}
    ptr = next(f"/entry/{i}/resource" for i, e in enumerate(entries) if e["resource"]["id"] == "mmf-b")
    results = run({"resourceType": "Bundle", "type": "collection", "entry": entries}, linter)
    assert [(r.patient, r.status) for r in results] == [(None, "invalid"), ("a", "checked"), ("b", "checked")]
    assert [(f.code, f.severity, f.pointer, f.order, f.message) for f in results[0].findings] == [
        ("OL001", "error", ptr, "mmf-b", "MedicationStatement 'mmf-b' names no patient that can be placed (it has no "
                                          "subject; the input holds several patients): it was not checked")]
    assert "ILD102" in [f.code for f in results[1].findings] and "ILD102" not in [f.code for f in results[2].findings]


def _cds_without_patient_id(second_patient: bool) -> dict:
    """ILD102-fires as a CDS Hooks request without context.patientId, its draft order and Condition
    naming no patient; with ``second_patient``, the prefetch also holds another Patient."""
    c = json.loads((ROOT / "examples/fhir/ILD102-fires.cds-hooks.json").read_text(encoding="utf-8"))
    del c["context"]["patientId"]
    for e in c["context"]["draftOrders"]["entry"]:
        del e["resource"]["subject"]
    for e in c["prefetch"]["conditions"]["entry"]:
        del e["resource"]["subject"]
    if second_patient:
        c["prefetch"]["other"] = {"resourceType": "Patient", "id": "someone-else", "gender": "female"}
    return c


def test_a_cds_hooks_request_naming_no_patient_among_several_is_ol001(linter):
    # Checked as "patient None", the draft nintedanib would have lost the patient's active
    # mycophenolate (then only an other-patient note) and ILD102 with it: the request is OL001.
    (r,) = run(_cds_without_patient_id(True), linter)
    assert r.status == "invalid"
    assert ol001([r]) == [("/context", "the CDS Hooks request names no patient (context.patientId) and its resources "
                                       "are about 2 patients (Patient/ssc-102, Patient/someone-else): it was not checked")]


def test_a_cds_hooks_request_naming_no_patient_with_one_patient_is_that_patients(linter):
    # fhir.md section 1, "no subject: the only patient": still checked, ILD102 found.
    (r,) = run(_cds_without_patient_id(False), linter)
    assert (r.status, r.patient) == ("checked", "ssc-102") and "ILD102" in [f.code for f in r.findings]


def test_the_message_says_what_the_subject_is(linter):
    said = {}
    for name in ("missing", "identifier", "display", "group"):
        (f, *_rest) = run(two_patients(SUBJECTS[name]), linter)[0].findings
        said[name] = f.message.split(" (")[1].split(";")[0]
    assert said == {"missing": "it has no subject", "identifier": "its subject is an identifier only",
                    "display": "its subject is a display only",
                    "group": "its subject 'Group/g' is not a reference to a Patient"}


def test_with_one_patient_an_order_with_no_subject_is_still_the_patients(linter):
    data = copy.deepcopy(FIRES)
    for e in data["entry"]:
        e["resource"].pop("subject", None)
    (r,) = run(data, linter)
    assert r.status == "checked" and "ILD101" in [f.code for f in r.findings] and not ol001([r])


def test_the_command_line_fails_on_an_order_no_patient_takes(tmp_path):
    from click.testing import CliRunner

    from orderlint.cli import cli

    path = tmp_path / "two.json"
    path.write_text(json.dumps(two_patients(None)), encoding="utf-8")
    out = CliRunner().invoke(cli, ["check", "--format", "jsonl", "--as-of", "2026-03-02", str(path)])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    assert out.exit_code != 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert rows[0]["status"] == "invalid" and {f["code"] for f in rows[0]["findings"]} == {"OL001"}


# ------------------------------------------------------------------ screening results (ILD408)

RTX_CLEAN = json.loads((ROOT / "examples/fhir/ILD402-clean.bundle.json").read_text(encoding="utf-8"))
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def _with_observation(**fields: Any) -> dict:
    b = copy.deepcopy(RTX_CLEAN)
    subject = next(e["resource"]["subject"] for e in b["entry"] if e["resource"].get("resourceType") == "Observation")
    obs = {"resourceType": "Observation", "id": "extra", "status": "final", "subject": subject,
           "code": {"coding": [{"system": "http://loinc.org", "code": "16933-4"}]}, "effectiveDateTime": "2026-02-01"}
    obs.update(fields)
    b["entry"].append({"fullUrl": "urn:uuid:extra", "resource": obs})
    return b


def _ild408(linter: Linter, data: dict) -> list[str]:
    return [f.message for r in run(data, linter) for f in r.findings if f.code == "ILD408"]


def test_the_base_bundle_has_a_negative_hbsag_and_no_ild408(linter):
    assert _ild408(linter, RTX_CLEAN) == []


@pytest.mark.parametrize("fields, said", [
    # an earlier positive anti-HBc: a later negative HBsAg (mapped to the same test, hbv) hid it
    ({"interpretation": [{"coding": [{"system": _INTERPRETATION, "code": "POS"}]}]}, "is positive ('positive [16933-4]'"),
    # each of these was no result at all: the test counted as done
    ({"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA6576-8", "display": "Positive"}]}}, "is positive ('Positive [16933-4]'"),
    ({"interpretation": [{"coding": [{"system": _INTERPRETATION, "code": "DET", "display": "Detected"}]}]}, "is positive ('Detected [16933-4]'"),
    ({"interpretation": [{"coding": [{"system": _INTERPRETATION, "code": "IND"}]}]}, "is not read as negative ('IND [16933-4]'"),
    ({"valueQuantity": {"value": 5.2, "unit": "S/CO"}}, "is not read as negative ('5.2 S/CO [16933-4]'"),
    ({"valueBoolean": True}, "is positive ('positive [16933-4]'"),
    # an interpretation N hid the valueString beside it
    ({"interpretation": [{"coding": [{"system": _INTERPRETATION, "code": "N"}]}], "valueString": "Reactive"}, "is positive ('normal; Reactive [16933-4]'"),
])
def test_every_stated_reading_of_an_observation_is_read(linter, fields, said):
    [message] = _ild408(linter, _with_observation(**fields))
    assert said in message


def test_a_normal_interpretation_beside_a_number_reads_negative(linter):
    fields = {"interpretation": [{"coding": [{"system": _INTERPRETATION, "code": "N"}]}], "valueQuantity": {"value": 0.1, "unit": "S/CO"}}
    assert _ild408(linter, _with_observation(**fields)) == []


TB_CLEAN = json.loads((ROOT / "examples/fhir/ILD103-clean.bundle.json").read_text(encoding="utf-8"))


def _tb_result(code: dict, interpretation: str, **value: Any) -> dict:
    b = copy.deepcopy(TB_CLEAN)
    for e in b["entry"]:
        r = e["resource"]
        if r.get("id") == "tb":
            r["code"] = code
            r["interpretation"] = [{"coding": [{"system": _INTERPRETATION, "code": interpretation}]}]
            r.update(value)
    return b


def test_the_tb_base_bundle_reads_its_negative_igra(linter):
    assert _ild408(linter, TB_CLEAN) == []


_TST = {"coding": [{"system": "http://loinc.org", "code": "39263-9"}]}
_TST_NAMED = {"coding": [{"system": "http://loinc.org", "code": "39263-9"}], "text": "Tuberculin skin test induration"}
_IGRA = {"coding": [{"system": "http://loinc.org", "code": "71773-6"}]}


@pytest.mark.parametrize("code, interpretation, value, said", [
    # A skin test's induration of 5 mm or more beside the lab's N: the number was dropped and N read
    # negative, although 5 mm is positive in a patient about to be immunosuppressed.
    (_TST, "N", {"valueQuantity": {"value": 8, "unit": "mm"}}, "8 mm normal [39263-9]"),
    (_TST, "NEG", {"valueQuantity": {"value": 12, "system": "http://unitsofmeasure.org", "code": "mm"}}, "12 mm negative"),
    (_TST, "N", {"valueQuantity": {"value": 5, "unit": "mm"}}, "5 mm normal"),
    (_TST, "N", {"valueQuantity": {"value": 10, "comparator": "<", "unit": "mm"}}, "<10 mm normal"),
    # no unit: a number of a tuberculosis test, or on a code named as a skin test, is its induration
    (_TST_NAMED, "N", {"valueInteger": 8}, "8 mm normal"),
    (_TST_NAMED, "N", {"valueQuantity": {"value": 8}}, "8 mm normal"),
    (_TST, "N", {"valueInteger": 8}, "8 mm normal"),
    (_TST, "N", {"valueQuantity": {"value": 8, "unit": "", "code": "mm"}}, "8 mm normal"),
    # a unit of length however it is spelled
    (_TST, "N", {"valueQuantity": {"value": 8, "unit": "millimeter", "code": "mm"}}, "8 mm normal"),
    (_TST, "N", {"valueQuantity": {"value": 8, "unit": "MM"}}, "8 mm normal"),
    (_TST, "N", {"valueQuantity": {"value": 8, "unit": "mm induration"}}, "8 mm normal"),
    (_TST, "N", {"valueQuantity": {"value": 1.2, "unit": "cm"}}, "12 mm normal"),
    # an induration in a component, beside the Observation's own interpretation
    (_TST, "N", {"component": [{"code": {"text": "induration"}, "valueQuantity": {"value": 12, "unit": "mm"}}]},
     "12 mm normal"),
])
def test_a_skin_test_induration_beside_a_negative_interpretation_fires(linter, code, interpretation, value, said):
    [message] = _ild408(linter, _tb_result(code, interpretation, **value))
    assert f"is not read as negative ('{said}" in message


@pytest.mark.parametrize("code, interpretation, value", [
    (_TST, "N", {"valueQuantity": {"value": 0, "unit": "mm"}}),  # no induration
    (_TST, "N", {"valueQuantity": {"value": 4, "unit": "mm"}}),  # below 5 mm: negative at every cut-off
    (_TST, "N", {"valueQuantity": {"value": 5, "comparator": "<", "unit": "mm"}}),
    (_TST, "N", {"valueQuantity": {"value": 0.3, "unit": "cm"}}),
    (_TST, "N", {"valueInteger": 3}),
    (_TST, "N", {}),
    # An IGRA's or other assay's number beside the lab's interpretation is read by it, whatever
    # its unit's spelling (a UCUM code only: '[IU]/mL').
    (_IGRA, "NEG", {"valueQuantity": {"value": 0.2, "unit": "IU/mL"}}),
    (_IGRA, "NEG", {"valueQuantity": {"value": 0.2, "system": "http://unitsofmeasure.org", "code": "[IU]/mL"}}),
    (_IGRA, "N", {"valueInteger": 0}),
])
def test_a_number_read_by_its_negative_interpretation_is_clean(linter, code, interpretation, value):
    assert _ild408(linter, _tb_result(code, interpretation, **value)) == []


def test_a_positive_interpretation_beside_a_number_fires(linter):
    [message] = _ild408(linter, _tb_result(_IGRA, "POS", valueQuantity={"value": 0.2, "unit": "IU/mL"}))
    assert "is positive ('positive [71773-6]'" in message


def test_a_number_alone_keeps_its_comparator(linter):
    # A number with no reading is not read as negative; its message shows it as stated.
    b = _tb_result(_IGRA, "N", valueQuantity={"value": 0.35, "comparator": "<", "unit": "IU/mL"})
    next(e["resource"] for e in b["entry"] if e["resource"].get("id") == "tb").pop("interpretation")
    [message] = _ild408(linter, b)
    assert "is not read as negative ('<0.35 IU/mL [71773-6]'" in message


# ------------------------------------------------------------------ protection (ILD301)

PCP_CLEAN = json.loads((ROOT / "examples/fhir/ILD301-clean.bundle.json").read_text(encoding="utf-8"))


def _atovaquone(change) -> dict:
    b = copy.deepcopy(PCP_CLEAN)
    for e in b["entry"]:
        if e["resource"].get("id") == "atovaquone":
            change(e["resource"])
    return b


def _ild301(linter: Linter, data: dict) -> list[Finding]:
    return [f for r in run(data, linter) for f in r.findings if f.code in ("ILD301", "OL008") and
            (f.code == "ILD301" or "not-counted" in f.message)]


def _as_needed(r: dict) -> None:
    r["dosageInstruction"][0]["asNeededBoolean"] = True


def _status(value: Any) -> Any:
    def change(r: dict) -> None:
        if value is None:
            del r["status"]
        else:
            r["status"] = value
    return change


def _period(start: Any, end: Any) -> Any:
    def change(r: dict) -> None:
        r["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    return change


def test_the_clean_bundle_counts_its_prophylaxis(linter):
    assert _ild301(linter, PCP_CLEAN) == []


@pytest.mark.parametrize("change, why", [
    (_as_needed, "it is given as needed"),
    (_status("unknown"), "its status is not known"),
    (_status(None), "its status is not known"),
    (_period(None, "2025-06-01"), "its period ended on 2025-06-01"),
    (_period("2025-06-01", "2025-01-01"), "its period ended on 2025-01-01"),
    (_period("2026-06-01", "2026-05-01"), "its period ends on 2026-05-01, before it starts"),
])
def test_an_order_read_fail_closed_for_a_risk_is_not_counted_as_a_protection(linter, change, why):
    # Read as active, at its schedule, or with its period unread, the atovaquone counted as PCP
    # prophylaxis beside cyclophosphamide; ILD301 (an error) passed.
    found = _ild301(linter, _atovaquone(change))
    assert [f.code for f in found] == ["ILD301", "OL008"]
    assert found[1].message.endswith(f"is not counted as pcp-prophylaxis: {why}")


def test_a_period_ending_after_the_evaluation_date_still_protects(linter):
    # Running after the evaluation date, until the day the cyclophosphamide (six doses every 4
    # weeks from 2026-03-02: 168 days) ends.
    assert _ild301(linter, _atovaquone(_period("2026-02-01", "2026-08-17"))) == []


def test_a_period_ending_before_the_cyclophosphamide_does_not_protect(linter):
    # Still running on the evaluation date, but ending five months before the cyclophosphamide
    # course it covers: it counted, and ILD301 (an error) passed.
    [found] = _ild301(linter, _atovaquone(_period("2026-02-01", "2026-03-03")))
    assert found.code == "ILD301"
    assert "ends on 2026-03-03, before cyclophosphamide" in found.message
    assert "which runs until 2026-08-17" in found.message


# ------------------------------------------------------------------ proposals and plans (intent)


def _hbv_requested(intent: str) -> dict:
    """ILD402-clean with its HBsAg result replaced by a draft ServiceRequest for one."""
    b = copy.deepcopy(RTX_CLEAN)
    for e in b["entry"]:
        r = e["resource"]
        if r.get("id") == "hbv":
            e["resource"] = {"resourceType": "ServiceRequest", "id": "hbv", "status": "draft", "intent": intent,
                             "subject": r["subject"], "code": r["code"]}
    return b


def _ild402(linter: Linter, data: dict) -> list[Finding]:
    return [f for r in run(data, linter) for f in r.findings if f.code == "ILD402" or
            (f.code == "OL008" and "ServiceRequest" in f.message)]


def test_an_ordered_hbv_serology_counts_as_screening(linter):
    assert _ild402(linter, _hbv_requested("order")) == []


@pytest.mark.parametrize("intent", ["proposal", "plan", "option"])
def test_a_proposed_or_planned_screening_is_not_an_ordered_test(linter, intent):
    # A proposed HBV serology counted as ordered: rituximab passed ILD402 (its boxed warning, an error).
    found = sorted(_ild402(linter, _hbv_requested(intent)), key=lambda f: f.code)
    assert [f.code for f in found] == ["ILD402", "OL008"]
    assert found[1].message == f"dropped-order: ServiceRequest 'hbv' has intent {intent}: not counted as an ordered test"


def _intent(value: str) -> Any:
    def change(r: dict) -> None:
        r["intent"] = value
    return change


@pytest.mark.parametrize("intent", ["proposal", "plan"])
def test_a_proposed_or_planned_prophylaxis_is_no_protection(linter, intent):
    # A proposed atovaquone counted as PCP prophylaxis beside cyclophosphamide: ILD301 (an error) passed.
    found = _ild301(linter, _atovaquone(_intent(intent)))
    assert [f.code for f in found] == ["ILD301", "OL008"]
    assert found[1].message.endswith(f"is not counted as pcp-prophylaxis: its intent is {intent}, not an order")


@pytest.mark.parametrize("intent", ["order", "original-order", "instance-order"])
def test_an_order_of_prophylaxis_protects(linter, intent):
    assert _ild301(linter, _atovaquone(_intent(intent))) == []


def test_a_proposed_drug_is_still_judged_for_its_risks(linter):
    # Only protection is withheld: a proposed cyclophosphamide is checked as if given (fail closed).
    b = copy.deepcopy(PCP_CLEAN)
    for e in b["entry"]:
        r = e["resource"]
        if r.get("resourceType") == "MedicationRequest" and r.get("id") != "atovaquone":
            r["intent"] = "proposal"
    b["entry"] = [e for e in b["entry"] if e["resource"].get("id") != "atovaquone"]
    assert [f.code for f in _ild301(linter, b)] == ["ILD301"]


# ------------------------------------------------------------------ history periods
_ILD102_CLEAN = json.loads((Path(__file__).resolve().parent.parent / "examples" / "fhir" / "ILD102-clean.bundle.json").read_text())


@pytest.mark.parametrize("start, end, backwards", [
    ("2025-11-15", "2025-11", False),  # a partial end is the end of its month
    ("2024-05-01", "2024", False),  # ... of its year
    ("2025-11-30T00:30:00+09:00", "2025-11-29T20:00:00-05:00", False),  # later as an instant
    ("2025-11-15", "2025-10-01", True),  # truly before: the period cannot be placed
])
def test_a_history_period_is_read_as_fhir_reads_a_period(linter, start, end, backwards):
    data = copy.deepcopy(_ILD102_CLEAN)
    [statement] = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    statement["effectivePeriod"] = {"start": start, "end": end}
    [result] = run(data, linter)
    # The patient is checked either way (a partial end read as its start made the whole patient OL001).
    assert result.status == "checked", [(f.code, f.message) for f in result.findings]
    codes = [f.code for f in result.findings]
    if backwards:
        # No progression can be read from it: nintedanib beside mycophenolate is ILD102 again.
        assert "ILD102" in codes
        assert any(f.code == "OL008" and "before it starts" in f.message for f in result.findings)
    else:
        assert "ILD102" not in codes


def _as_statement(period: Any) -> Any:
    """The atovaquone order as an active MedicationStatement (a drug the patient takes), with ``period``."""
    def change(r: dict) -> None:
        r["resourceType"], r["status"] = "MedicationStatement", "active"
        for key in ("intent", "authoredOn", "requester", "dispenseRequest"):
            r.pop(key, None)
        r["dosage"] = r.pop("dosageInstruction")
        if period is not None:
            r["effectivePeriod"] = period
    return change


@pytest.mark.parametrize("period, counted", [
    (None, True), ({"start": "2026-02-01"}, True), ({"start": "2026-02-01", "end": "2026-08-17"}, True),
    ({"start": "2024-01-01", "end": "2024-06-30"}, False), ({"end": "2025-12"}, False),
    # An end that cannot be read may be long past.
    ({"end": "not a date"}, False), ({"end": "2025-13-40"}, False), ({"end": 5}, False), ({"end": ""}, False),
    ("2024-06-30", False),
])
def test_an_active_statement_whose_effective_period_ended_is_not_a_protection(linter, period, counted):
    # 'active' by status, taken until 2024 by its own period: it counted as PCP prophylaxis beside
    # cyclophosphamide, and ILD301 (an error) passed.
    found = _ild301(linter, _atovaquone(_as_statement(period)))
    if counted:
        assert found == []
    else:
        assert [f.code for f in found] == ["ILD301", "OL008"]
        readable = isinstance(period, dict) and period["end"] in ("2024-06-30", "2025-12")
        why = ("its effective period ended on " + ("2024-06-30" if "2024" in period["end"] else "2025-12-31")) if readable \
            else "the end of its effective period cannot be read"
        assert found[1].message.endswith("is not counted as pcp-prophylaxis: " + why)


# ------------------------------------------------------------------ history of a proposal or plan

NINTEDANIB_WITH_MMF = json.loads((ROOT / "examples/fhir/ILD102-fires.bundle.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("intent,fires", [("proposal", True), ("plan", True), ("order", False)])
def test_a_progression_recorded_on_a_proposal_does_not_make_nintedanib_an_add_on(linter, intent, fires):
    # A completed proposal of mycophenolate with ild-outcome progression read as a progression on it:
    # nintedanib started with mycophenolate passed ILD102.
    b = copy.deepcopy(NINTEDANIB_WITH_MMF)
    mmf = next(e["resource"] for e in b["entry"] if e["resource"].get("id") == "mmf")
    ended = {**copy.deepcopy(mmf), "id": "old", "status": "completed", "intent": intent,
             "dispenseRequest": {"validityPeriod": {"start": "2024-01-01", "end": "2025-06-30"}},
             "extension": [{"url": "https://orderlint.dev/fhir/StructureDefinition/ild-outcome", "valueCode": "progression"}]}
    b["entry"].append({"fullUrl": "urn:uuid:0b0e7d3c-5d1f-4c55-9d0e-2d7a0c3f1a11", "resource": ended})
    codes = [f.code for r in run(b, linter) for f in r.findings]
    assert ("ILD102" in codes) is fires
