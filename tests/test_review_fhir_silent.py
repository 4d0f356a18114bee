"""Review: FHIR input shapes through which an unsafe regimen passed with no error (each failed before
its fix). Unreadable CDS Hooks draft orders or context, a MedicationStatement whose status is absent
or not R4, a frequency that is not a number or that times of day outnumber, a test asked not to be
done, a Bulk Data Bundle line that names no patient, two different copies of one resource (in a
Bundle or across prefetch keys), a modifier extension, an Observation that records no value, and
an empty draftOrders beside context.medications."""

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
from orderlint.findings import Result

ROOT = Path(__file__).resolve().parent.parent
FHIR = ROOT / "examples" / "fhir"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def example(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def errors(results: list[Result]) -> list[tuple[str, str, str]]:
    return [(r.status, f.code, f.pointer) for r in results for f in r.findings if f.severity == "error"]


def refused(data: dict, linter: Linter) -> list[tuple[str, str, str]]:
    """(code, pointer, message) of the findings of input that is refused as a whole."""
    (r,) = lint_fhir(data, linter=linter, source="t")
    assert r.status == "invalid"
    return [(f.code, f.pointer, f.message) for f in r.findings]


def same_findings(data: dict, change: Any, linter: Linter) -> list[tuple[str, str]]:
    """Lint ``data``, then ``change(data)`` and lint again: asserts that both are checked with the
    same findings, and returns them as (code, pointer)."""
    (before,) = lint_fhir(copy.deepcopy(data), linter=linter, source="t")
    change(data)
    (after,) = lint_fhir(data, linter=linter, source="t")
    got = [(f.code, f.pointer) for f in after.findings]
    assert after.status == before.status == "checked"
    assert got == [(f.code, f.pointer) for f in before.findings]
    return got


def _atovaquone(b: dict) -> tuple[int, dict]:
    i = next(i for i, e in enumerate(b["entry"]) if e["resource"].get("id") == "atovaquone")
    return i, b["entry"][i]["resource"]


def resource(data: dict, rtype: str, rid: str) -> dict:
    (r,) = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == rtype and e["resource"].get("id") == rid]
    return r


# ------------------------------------------------------------------ CDS Hooks: the orders being signed
# fhir.md section 1, "CDS Hooks: orders from context.draftOrders, else context.medications ..."


def _no_resource_type(c: dict) -> None:
    del c["context"]["draftOrders"]["resourceType"]


def _as_string(c: dict) -> None:
    c["context"]["draftOrders"] = json.dumps(c["context"]["draftOrders"])


def _references_only(c: dict) -> None:
    c["context"]["draftOrders"] = ["MedicationRequest/cyc"]


def _context_as_string(c: dict) -> None:
    c["context"] = json.dumps(c["context"])


@pytest.mark.parametrize("mutate, pointer, says", [
    (_no_resource_type, "/context/draftOrders", "draft orders: an object without `resourceType`"),
    (_as_string, "/context/draftOrders", "draft orders: a string where"),
    (_references_only, "/context/draftOrders/0", "draft orders: a string where"),
    (_context_as_string, "/context", "the CDS Hooks request's `context` is a string, not an object"),
], ids=["no-resourceType", "string", "references-only", "context-string"])
def test_draft_orders_that_cannot_be_read_are_ol001(linter, mutate, pointer, says):
    c = example("ILD301-fires.cds-hooks.json")
    assert errors(lint_fhir(c, linter=linter, source="t"))[0][1] == "ILD301"  # the order being signed fires
    mutate(c)
    (r,) = lint_fhir(c, linter=linter, source="t")
    assert r.status == "invalid"
    (f,) = [f for f in r.findings if f.code == "OL001"]
    assert f.pointer == pointer and f.message.startswith(says) and f.message.endswith("cannot be read")


# ------------------------------------------------------------------ MedicationStatement status
# fhir.md 2.3, "MedicationStatement active/on-hold/unknown -> order active/on-hold/active", read with
# 2.1, "unknown, absent, not an R4 code -> active (fail closed)"


@pytest.mark.parametrize("status", [None, "Active", "taking"])
def test_a_medication_statement_with_no_r4_status_is_read_as_taken(linter, status):
    # fhir.md 2.1 reads a MedicationRequest's unknown status as active (fail closed); a drug the patient
    # may be taking is not dropped either: the cyclophosphamide still needs PCP prophylaxis (ILD301).
    b = example("ILD301-fires.bundle.json")
    r = resource(b, "MedicationRequest", "cyc")
    r["resourceType"] = "MedicationStatement"
    del r["intent"]
    r["dosage"] = r.pop("dosageInstruction")
    if status is None:
        del r["status"]
    else:
        r["status"] = status
    (res,) = lint_fhir(b, linter=linter, source="t")
    assert res.status == "checked" and "ILD301" in [f.code for f in res.findings]
    (note,) = [f for f in res.findings if f.message.startswith("unknown-status")]
    assert note.message.endswith("read as active (fail closed)")


@pytest.mark.parametrize("status", ["not-taken", "intended", "entered-in-error"])
def test_a_medication_statement_not_taken_is_still_not_a_drug_taken(linter, status):
    b = example("ILD301-fires.bundle.json")
    r = resource(b, "MedicationRequest", "cyc")
    r.update(resourceType="MedicationStatement", status=status, dosage=r.pop("dosageInstruction"))
    del r["intent"]
    (res,) = lint_fhir(b, linter=linter, source="t")
    assert "ILD301" not in [f.code for f in res.findings]
    assert not [f for f in res.findings if f.message.startswith("unknown-status")]


# ------------------------------------------------------------------ frequency
# fhir.md 2.1, frequency from `timing.repeat` (repeat wins over code when it says how often)


def _methylprednisolone_8_mg(repeat: dict) -> dict:
    """ILD202-fires with methylprednisolone 8 mg (10 mg prednisone-equivalent) given by ``repeat``."""
    b = example("ILD202-fires.bundle.json")
    di = resource(b, "MedicationRequest", "mp")["dosageInstruction"][0]
    di["doseAndRate"][0]["doseQuantity"]["value"] = 8
    di["timing"]["repeat"] = repeat
    return b


def test_twice_a_day_is_over_the_limit(linter):
    (r,) = lint_fhir(_methylprednisolone_8_mg({"frequency": 2, "period": 1, "periodUnit": "d"}), linter=linter, source="t")
    assert "ILD202" in [f.code for f in r.findings]
    (r,) = lint_fhir(_methylprednisolone_8_mg({"frequency": 1, "period": 1, "periodUnit": "d"}), linter=linter, source="t")
    assert "ILD202" not in [f.code for f in r.findings]  # 10 mg PE a day: within 15


@pytest.mark.parametrize("times", [{"timeOfDay": ["08:00:00", "20:00:00"]}, {"when": ["MORN", "EVE"]}], ids=["timeOfDay", "when"])
def test_times_of_day_count_as_administrations(linter, times):
    # No frequency (one per period by default) but two times a day: twice a day, 20 mg PE.
    (r,) = lint_fhir(_methylprednisolone_8_mg({"period": 1, "periodUnit": "d", **times}), linter=linter, source="t")
    assert "ILD202" in [f.code for f in r.findings]


@pytest.mark.parametrize("field", ["frequency", "frequencyMax"])
def test_a_frequency_that_is_not_a_number_is_unknown_never_once(linter, field):
    (r,) = lint_fhir(_methylprednisolone_8_mg({"frequency": 1, field: "2", "period": 1, "periodUnit": "d"}), linter=linter,
                     source="t")
    (ol3,) = [f for f in r.findings if f.code == "OL003"]
    assert f"{field} '2' per 1 d" in ol3.message and "ILD202" not in [f.code for f in r.findings]


# ------------------------------------------------------------------ tests asked not to be done
# fhir.md 2.4, "ServiceRequest draft/active -> ordered", read with 2.1's dropped orders
# (`doNotPerform: true`, `intent: option`)


@pytest.mark.parametrize("extra", [{"doNotPerform": True}, {"intent": "option"}], ids=["doNotPerform", "option"])
def test_a_test_asked_not_to_be_done_is_not_an_ordered_test(linter, extra):
    b = example("ILD404-clean.bundle.json")
    b["entry"] = [e for e in b["entry"] if e["resource"].get("id") != "pregnancy"]
    (r,) = lint_fhir(copy.deepcopy(b), linter=linter, source="t")
    assert "ILD404" in [f.code for f in r.findings]  # no pregnancy test: fires
    sr: dict[str, Any] = {"resourceType": "ServiceRequest", "id": "sr1", "status": "active", "intent": "order",
                          "subject": {"reference": "Patient/ssc-ild404-clean"},
                          "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3"}]}}
    b["entry"].append({"resource": dict(sr)})
    (r,) = lint_fhir(copy.deepcopy(b), linter=linter, source="t")
    assert "ILD404" not in [f.code for f in r.findings]  # an ordered pregnancy test counts
    b["entry"][-1]["resource"].update(extra)
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert "ILD404" in [f.code for f in r.findings]
    assert [f.message for f in r.findings if f.message.startswith("dropped-order")] == [
        f"dropped-order: ServiceRequest 'sr1' has {'doNotPerform: true' if 'doNotPerform' in extra else 'intent option'}: "
        "not counted as an ordered test"]


# ------------------------------------------------------------------ Bulk Data: a Bundle line
# fhir.md section 1, "FHIR NDJSON: a resource or Bundle per line", and "no subject: the only patient"


def test_a_bulk_bundle_line_holding_an_order_that_names_no_patient_is_ol001(tmp_path, linter):
    from orderlint.fhir.bulk import iter_bulk

    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b"}\n',
                                           encoding="utf-8")
    order = {"resourceType": "MedicationRequest", "id": "cyc", "status": "active", "intent": "order",
             "medicationCodeableConcept": {"text": "cyclophosphamide"}}
    line = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}
    (folder / "MedicationRequest.ndjson").write_text(json.dumps(line) + "\n", encoding="utf-8")
    results = list(iter_bulk(str(folder), linter=linter))
    (unplaced,) = [r for r in results if r.status == "invalid"]
    (f,) = unplaced.findings
    assert (f.code, f.severity, f.line, f.file) == ("OL001", "error", 1, str(folder / "MedicationRequest.ndjson"))
    assert f.message == ("Bundle (no id) names no patient that can be placed and holds 1 medication resource (the export "
                         "holds several patients): it was not checked")


# ------------------------------------------------------------------ CDS Hooks: prefetch the EHR could not give
# fhir.md section 1, "Patient data: every resource in any prefetch value ... (missing or null: not provided)"


def _with_prefetch(value: Any) -> dict:
    c = example("ILD202-fires.cds-hooks.json")
    c["prefetch"]["medications"] = value
    return c


_TIMED_OUT = {"resourceType": "OperationOutcome",
              "issue": [{"severity": "error", "code": "exception", "diagnostics": "MedicationRequest query timed out"}]}
_ONE_PAGE = {"resourceType": "Bundle", "type": "searchset", "entry": [],
             "link": [{"relation": "next", "url": "https://ehr.example.org/fhir/MedicationRequest?_page=2"}]}


@pytest.mark.parametrize("value, says", [
    (_TIMED_OUT, "is an OperationOutcome in place of the data asked for (MedicationRequest query timed out)"),
    # CDS Hooks: an OperationOutcome in place of a prefetch reports that the query could not be made;
    # whatever its severity, the data asked for is not there.
    ({"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]},
     "is an OperationOutcome in place of the data asked for"),
    (_ONE_PAGE, "is one page of a search result (it links to a next page)"),
    ({"resourceType": "Bundle", "type": "searchset", "total": 2, "entry": []}, "holds 0 of the 2 resources its search found"),
    ({"type": "searchset", "entry": []}, "is an object without `resourceType`, not a FHIR resource or Bundle"),
    ("MedicationRequest?patient=1", "is a string, not a FHIR resource or Bundle"),
], ids=["operation-outcome", "information-outcome", "next-page", "total", "no-resourceType", "string"])
def test_a_prefetch_the_ehr_could_not_give_is_ol001(linter, value, says):
    # Read as "no other medications", such a prefetch hid a second glucocorticoid (ILD202's sum) or
    # mycophenolate (ILD102): the request is OL001 at that prefetch.
    (r,) = lint_fhir(_with_prefetch(value), linter=linter, source="t")
    assert r.status == "invalid"
    (f,) = r.findings
    assert (f.code, f.pointer) == ("OL001", "/prefetch/medications")
    assert f.message == f"prefetch `medications` {says}: the patient's data is incomplete, so the orders were not checked"


@pytest.mark.parametrize("value", [
    None,  # not provided (fhir.md section 1)
    {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": [], "link": [{"relation": "self", "url": "x"}]},
    # An informational outcome inside a complete search (search.mode outcome) says nothing is missing.
    {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": [
        {"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]},
         "search": {"mode": "outcome"}}]},
], ids=["null", "complete-search", "information-in-search"])
def test_a_prefetch_that_is_complete_or_not_provided_is_read(linter, value):
    (r,) = lint_fhir(_with_prefetch(value), linter=linter, source="t")
    assert r.status == "checked" and "ILD202" in [f.code for f in r.findings]


# ------------------------------------------------------------------ tapers: the largest step by amount
# fhir.md 2.1, "ILD202/ILD302 take the largest step, not their sum"


def _step(value: float, code: str, seq: int) -> dict:
    return {"sequence": seq, "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                  "boundsDuration": {"value": 7, "code": "d", "system": "http://unitsofmeasure.org"}}},
            "doseAndRate": [{"doseQuantity": {"value": value, "code": code, "system": "http://unitsofmeasure.org"}}]}


def _taper(*steps: dict, tablet_mg: float = 0) -> dict:
    b = example("ILD202-fires.bundle.json")
    mp = resource(b, "MedicationRequest", "mp")
    mp["dosageInstruction"] = list(steps)
    if tablet_mg:
        del mp["medicationCodeableConcept"]
        mp["contained"] = [{"resourceType": "Medication", "id": "m", "code": {"text": "methylprednisolone 4 MG Oral Tablet"},
                            "ingredient": [{"itemCodeableConcept": {"text": "methylprednisolone"},
                                            "strength": {"numerator": {"value": tablet_mg, "code": "mg", "system": "http://unitsofmeasure.org"},
                                                         "denominator": {"value": 1, "code": "{tbl}", "system": "http://unitsofmeasure.org"}}}]}]
        mp["medicationReference"] = {"reference": "#m"}
    return b


@pytest.mark.parametrize("steps, tablet_mg", [
    ((_step(20, "mg", 1), _step(10, "mg", 2)), 0),
    ((_step(0.02, "g", 1), _step(10, "mg", 2)), 0),  # 20 mg written in grams: the larger step
    ((_step(5, "{tbl}", 1), _step(8, "mg", 2)), 4),  # five 4 mg tablets: 20 mg
], ids=["mg", "g-then-mg", "tablets-then-mg"])
def test_a_taper_is_judged_by_its_largest_step_in_mg(linter, steps, tablet_mg):
    # methylprednisolone 20 mg = 25 mg prednisone-equivalent a day: over 15 (ILD202), whatever its unit.
    (r,) = lint_fhir(_taper(*steps, tablet_mg=tablet_mg), linter=linter, source="t")
    (f,) = [f for f in r.findings if f.code == "ILD202"]
    assert "= 25 mg PE" in f.message


def test_taper_steps_that_cannot_be_compared_are_all_judged(linter):
    # A step in a unit that does not convert to mg (30 drops): read by its number it was the largest and
    # the 20 mg step was held; now no step is held, and the 20 mg step is judged.
    (r,) = lint_fhir(_taper(_step(30, "[drp]", 1), _step(20, "mg", 2)), linter=linter, source="t")
    assert "ILD202" in [f.code for f in r.findings]
    assert not [f for f in r.findings if "held" in f.message]


# ------------------------------------------------------------------ medication[x] given twice
# fhir.md 2.1, "Drug. medicationCodeableConcept, or medicationReference resolved ..." (one of them)


def test_a_drug_given_both_as_a_code_and_as_a_reference_is_ol001(linter):
    # Read by its CodeableConcept ("ondansetron"), the cyclophosphamide the reference names went
    # unchecked (no ILD301): which drug is ordered is not known, so the document is OL001.
    b = example("ILD301-fires.bundle.json")
    cyc = resource(b, "MedicationRequest", "cyc")
    ptr = next(f"/entry/{i}/resource" for i, e in enumerate(b["entry"]) if e["resource"] is cyc)
    cyc["contained"] = [{"resourceType": "Medication", "id": "m", "code": cyc["medicationCodeableConcept"]}]
    cyc["medicationReference"] = {"reference": "#m"}
    cyc["medicationCodeableConcept"] = {"text": "ondansetron"}
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert r.status == "invalid"
    assert [(f.code, f.pointer, f.message) for f in r.findings] == [
        ("OL001", f"{ptr}/medicationReference", "MedicationRequest 'cyc' gives both medicationCodeableConcept and "
                                                "medicationReference (FHIR allows one): the drug ordered is not known")]


_BID = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "BID"}]}


def test_a_repeat_that_states_no_frequency_yields_to_its_timing_code(linter):
    # period 1 d and no frequency (once a day by default) under the code BID: twice a day, 20 mg PE.
    b = _methylprednisolone_8_mg({"period": 1, "periodUnit": "d"})
    resource(b, "MedicationRequest", "mp")["dosageInstruction"][0]["timing"]["code"] = _BID
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert "ILD202" in [f.code for f in r.findings]
    assert [f.message for f in r.findings if f.message.startswith("timing-code")] == [
        "timing-code: MedicationRequest/mp: frequency read from timing.code BID as bid"]


def test_a_repeat_that_states_its_frequency_is_read_before_the_timing_code(linter):
    # fhir.md 2.1: repeat wins over code when it says how often.
    b = _methylprednisolone_8_mg({"frequency": 1, "period": 1, "periodUnit": "d"})
    resource(b, "MedicationRequest", "mp")["dosageInstruction"][0]["timing"]["code"] = _BID
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert "ILD202" not in [f.code for f in r.findings]


# ------------------------------------------------------------------ one resource, two copies
# fhir.md is silent on repeated resources; built fail-closed (section 1: "A resource in both draft
# orders and prefetch is read once, as the draft")


def test_two_different_copies_of_a_resource_are_ol001(linter):
    # The prophylaxis twice, the second copy entered in error: read as two orders, the active copy
    # still cleared ILD301. Which copy is current is not known: OL001.
    b = example("ILD301-clean.bundle.json")
    i, atovaquone = _atovaquone(b)
    later = copy.deepcopy(atovaquone)
    later["status"] = "entered-in-error"
    later["meta"] = {"versionId": "2"}
    b["entry"].append({"resource": later})
    assert refused(b, linter) == [
        ("OL001", f"/entry/{len(b['entry']) - 1}/resource", f"MedicationRequest/atovaquone is in the input twice with "
                                                            f"different content (also at /entry/{i}/resource): which copy "
                                                            "is current is not known")]


def test_the_same_copy_twice_is_read_once(linter):
    # Not two orders of one drug (OL004), and not a reason to refuse the input.
    b = example("ILD301-fires.bundle.json")
    cyc = next(e for e in b["entry"] if e["resource"].get("id") == "cyc")
    got = same_findings(b, lambda b: b["entry"].append(copy.deepcopy(cyc)), linter)
    assert "OL004" not in [code for code, _ in got]


def test_two_prefetch_copies_that_differ_are_ol001(linter):
    # Two prefetch keys holding one resource in different versions: the first was kept silently,
    # so a stopped copy ahead of the active one hid a drug; now the Bundle rule applies (OL001).
    c = example("ILD202-fires.cds-hooks.json")
    stopped = copy.deepcopy(c["prefetch"]["medications"])
    stopped["entry"][0]["resource"]["status"] = "stopped"
    c["prefetch"] = {"earlier": stopped, **c["prefetch"]}
    assert refused(c, linter) == [
        ("OL001", "/prefetch/medications/entry/0/resource", "MedicationRequest/mmf is in the input twice with different "
                                                            "content (also at /prefetch/earlier/entry/0/resource): which "
                                                            "copy is current is not known")]


def test_two_prefetch_copies_that_agree_are_read_once(linter):
    c = example("ILD202-fires.cds-hooks.json")
    got = same_findings(c, lambda c: c["prefetch"].update(again=copy.deepcopy(c["prefetch"]["medications"])), linter)
    assert "OL004" not in [code for code, _ in got]


def test_a_prefetch_copy_of_a_draft_order_is_read_as_the_draft(linter):
    # fhir.md section 1: "A resource in both draft orders and prefetch is read once, as the draft",
    # even when the stored copy differs (the draft is what is being signed).
    c = example("ILD202-fires.cds-hooks.json")
    stored = copy.deepcopy(c["context"]["draftOrders"]["entry"][0])
    stored["resource"]["status"] = "stopped"
    assert "ILD202" in [code for code, _ in same_findings(c, lambda c: c["prefetch"]["medications"]["entry"].append(stored), linter)]


# ------------------------------------------------------------------ modifier extensions
# fhir.md is silent; FHIR R4 (Extensibility): "Implementations processing the data in resources
# SHALL check for modifierExtension" and SHALL NOT ignore one they do not know. Built fail-closed.

_NOT_GIVEN = {"url": "https://ehr.example.org/fhir/StructureDefinition/order-not-given", "valueBoolean": True}


@pytest.mark.parametrize("where, tail", [
    (lambda r: r, "/modifierExtension/0"),
    (lambda r: r["dosageInstruction"][0], "/dosageInstruction/0/modifierExtension/0"),
], ids=["resource", "dosage"])
def test_a_modifier_extension_on_a_resource_read_is_ol001(linter, where, tail):
    # The prophylaxis marked "not given" by a modifier extension still cleared ILD301.
    b = example("ILD301-clean.bundle.json")
    i, r = _atovaquone(b)
    where(r)["modifierExtension"] = [_NOT_GIVEN]
    assert refused(b, linter) == [
        ("OL001", f"/entry/{i}/resource{tail}", f"MedicationRequest 'atovaquone' carries a modifierExtension "
                                                f"({_NOT_GIVEN['url']}) that changes its meaning in a way orderlint "
                                                "does not know: it cannot be read")]


def test_no_modifier_extension_or_one_on_a_resource_not_read_changes_nothing(linter):
    b = example("ILD301-clean.bundle.json")
    pid = next(e["resource"]["id"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")

    def change(b: dict) -> None:
        _atovaquone(b)[1]["modifierExtension"] = []  # empty: no modifier
        b["entry"].append({"resource": {"resourceType": "Encounter", "id": "e1", "status": "finished",
                                        "subject": {"reference": f"Patient/{pid}"}, "modifierExtension": [_NOT_GIVEN]}})

    same_findings(b, change, linter)


# ------------------------------------------------------------------ a result that says it has no value
# fhir.md 2.4 counts final/amended/corrected Observations; it is silent on dataAbsentReason (FHIR R4
# obs-6: present only when there is no value). Built fail-closed: such an Observation is no result.


def test_an_observation_with_no_value_is_not_a_screening_result(linter):
    # A final hepatitis B Observation recording that the test failed ("error") stood for the
    # screening: ILD403 did not fire.
    b = example("ILD401-clean.bundle.json")
    i = next(i for i, e in enumerate(b["entry"]) if e["resource"].get("id") == "hbv")
    hbv = b["entry"][i]["resource"]
    del hbv["interpretation"]
    hbv["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                           "code": "error"}]}
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert r.status == "checked"
    assert "ILD403" in [f.code for f in r.findings]  # hepatitis B screening
    (note,) = [f for f in r.findings if f.code == "OL008"]
    assert (note.pointer, note.message) == (
        f"/entry/{i}/resource/dataAbsentReason",
        "missing-value: Observation of hbv has no value (dataAbsentReason: error): not counted as a result")


def test_an_observation_with_a_value_is_a_screening_result(linter):
    (r,) = lint_fhir(example("ILD401-clean.bundle.json"), linter=linter, source="t")
    assert r.status == "checked" and r.findings == []


# ------------------------------------------------------------------ two carriers of the orders being signed
# fhir.md section 1: "orders from context.draftOrders, else context.medications ...". Silent on an
# empty draftOrders beside a context.medications that holds orders; built fail-closed.


def test_empty_draft_orders_beside_medications_that_hold_orders_is_ol001(linter):
    # The cyclophosphamide order in context.medications went unchecked (no-orders, info).
    c = example("ILD202-fires.cds-hooks.json")
    c["context"]["medications"] = c["context"]["draftOrders"]
    c["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": []}
    assert refused(c, linter) == [
        ("OL001", "/context/draftOrders", "context.draftOrders holds no resources while context.medications does: "
                                          "which holds the orders being signed is not known")]


@pytest.mark.parametrize("other", [None, {"resourceType": "Bundle", "type": "collection", "entry": []}], ids=["null", "empty"])
def test_empty_draft_orders_alone_has_nothing_to_check(linter, other):
    c = example("ILD202-fires.cds-hooks.json")
    c["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": []}
    c["context"]["medications"] = other
    c["prefetch"]["medications"] = None
    (r,) = lint_fhir(c, linter=linter, source="t")
    assert r.status == "not-applicable"
    assert [f.code for f in r.findings] == ["OL008"] and r.findings[0].message.startswith("no-orders")


# ------------------------------------------------------------------ an order with no id
# fhir.md section 3: "`order` is the MedicationRequest `id`"; silent on an order that has none.


def test_an_order_without_id_is_named_in_words_no_fhir_id_can_spell(linter):
    from orderlint.formatters.fhir import detected_issue

    b = example("ILD301-fires.bundle.json")
    cyc = resource(b, "MedicationRequest", "cyc")
    del cyc["id"]
    b["entry"].append({"resource": {**copy.deepcopy(cyc), "id": "order-1", "status": "stopped"}})
    (r,) = lint_fhir(b, linter=linter, source="t")
    (f,) = [f for f in r.findings if f.code == "ILD301"]
    assert f.order == "(no id 1)"
    assert detected_issue(f, r, linter)["implicated"] == [{"display": "MedicationRequest (no id 1)"}]


def test_fhir_report_entries_are_unique_across_the_patients_of_one_bundle(linter):
    # Two patients, each with an order and no Condition: two OL007 DetectedIssues with one fullUrl
    # (FHIR bdl-7); a consumer keying on fullUrl lost one patient's issue.
    import io

    from orderlint.formatters import get_formatter

    b = example("ILD301-fires.bundle.json")
    b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Condition"]
    other = copy.deepcopy(b["entry"])
    for e in other:
        e["resource"]["id"] = "b-" + e["resource"].get("id", "x")
        if "fullUrl" in e:  # one fullUrl, two resources, is itself OL001 (bdl-7)
            e["fullUrl"] += "-b"
        if "subject" in e["resource"]:
            e["resource"]["subject"] = {"reference": "Patient/b-" + e["resource"]["subject"]["reference"].split("/")[-1]}
    b["entry"] += other
    results = lint_fhir(b, linter=linter, source="t")
    assert [r.status for r in results] == ["not-applicable", "not-applicable"]
    out = io.StringIO()
    fmt = get_formatter("fhir", out, linter)
    fmt.start()
    for r in results:
        fmt.result(r)
    fmt.finish(None)
    urls = [e["fullUrl"] for e in json.loads(out.getvalue())["entry"]]
    assert len(urls) == len(set(urls)) == sum(len(r.findings) for r in results) >= 2


def test_days_of_the_week_count_as_administrations_of_a_weekly_repeat(linter):
    # "1 per week" on all seven days is daily: read as weekly, methylprednisolone 16 mg a day
    # (20 mg prednisone-equivalent) was a seventh of that, under the ILD202 limit.
    def lint_weekly(repeat: dict) -> list[str]:
        b = _methylprednisolone_8_mg(repeat)
        resource(b, "MedicationRequest", "mp")["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 16
        (r,) = lint_fhir(b, linter=linter, source="t")
        return [f.code for f in r.findings]

    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert "ILD202" in lint_weekly({"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": every_day})
    assert "ILD202" not in lint_weekly({"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon"]})
    assert "ILD202" not in lint_weekly({"frequency": 2, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "thu"]})


@pytest.mark.parametrize("request_", [
    {"hook": "order-sign"},
    {"hook": "order-sign", "context": {"patientId": "p1"}},
    {"hook": "order-select", "context": {"patientId": "p1", "draftOrders": None, "selections": ["MedicationRequest/x"]}},
    {"hook": "medication-prescribe", "context": {"patientId": "p1"}},
], ids=["no-context", "no-draftOrders", "null-draftOrders", "no-medications"])
def test_an_order_hook_without_its_orders_is_ol001(linter, request_):
    # CDS Hooks makes draftOrders (medications for medication-prescribe) required: without them
    # nothing was checked and the request was "no orders" (info), exit 0.
    (r,) = lint_fhir(request_, linter=linter, source="t")
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert "request has no context." in r.findings[0].message


def test_a_hook_without_orders_of_its_own_has_nothing_to_check(linter):
    (r,) = lint_fhir({"hook": "patient-view", "context": {"patientId": "p1"}}, linter=linter, source="t")
    assert r.status == "not-applicable" and [f.code for f in r.findings] == ["OL008"]
