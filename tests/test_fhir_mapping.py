"""One test per row of fhir.md's mapping tables (sections 1-3) and per OL008 note key.

Each test builds the smallest FHIR input that exercises its row, maps it with ``map_fhir`` and/or
lints it with ``lint_fhir``, and checks the regimen value, the note, or the finding (with its
pointer in the FHIR document).
"""

from __future__ import annotations

import copy
from pathlib import Path
import datetime as dt
import json

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir, looks_like_fhir, map_fhir

AS_OF = dt.date(2026, 3, 2)
SN = "http://snomed.info/sct"
V3R = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
LN = "http://loinc.org"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
UC = "http://unitsofmeasure.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
NS = "https://orderlint.dev/fhir/StructureDefinition/"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def cond(cid: str, system: str = SN, code: str = "89155008", **extra) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": system, "code": code}]}, **extra}


SSC_ILD = [cond("ssc"), cond("ild", code="233703007")]


def mr(mid: str = "m1", drug: str = "mycophenolate mofetil", dose=1000, unit="mg", route=("26643006",),
       timing=None, status="active", **extra) -> dict:
    di: dict = {}
    if dose is not None:
        di["doseAndRate"] = [{"doseQuantity": {"value": dose, "system": UC, "code": unit}}]
    if route is not None:
        di["route"] = {"coding": [{"system": SN, "code": route[0]}]}
    di["timing"] = timing if timing is not None else {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}
    r = {"resourceType": "MedicationRequest", "id": mid, "status": status, "intent": "order",
         "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": drug},
         "dosageInstruction": [di]}
    r.update(extra)
    return r


def bundle(*resources, patient=True) -> dict:
    res = list(resources)
    if patient:
        res.insert(0, {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-01-01"})
    return {"resourceType": "Bundle", "id": "b1", "type": "collection", "entry": [{"resource": r} for r in res]}


def one(data, linter=None) -> "object":
    from orderlint.fhir.lint import _pulse_min

    ms = map_fhir(data, source="t", vocab=linter.vocab if linter else None, as_of=AS_OF,
                  pulse_min=_pulse_min(linter) if linter else None)
    assert len(ms) == 1, ms
    return ms[0]


def notes(m, kind=None):
    return [n for n in m.notes if kind is None or n.kind == kind]


def order(m, i=0) -> dict:
    return m.data["orders"][i]


def lint(data, linter):
    return lint_fhir(json.dumps(data, indent=1), linter=linter, source="t.json")


def codes(results):
    return sorted(f.code for r in results for f in r.findings)


# ------------------------------------------------------------------ section 1: input shapes
def test_cds_hooks_request_one_regimen_for_context_patient_id_bare_or_prefixed():
    for pid in ("p1", "Patient/p1"):
        req = {"hook": "order-sign", "hookInstance": "h1", "context": {"patientId": pid, "draftOrders": bundle(mr(), patient=False)},
               "prefetch": {"patient": {"resourceType": "Patient", "id": "p1", "gender": "female"}}}
        m = one(req)
        assert m.patient == "p1" and m.id == "Patient/p1" and m.data["patient"]["sex"] == "female"
        assert order(m)["drug"] == "mycophenolate mofetil"


def test_cds_hooks_draft_orders_medications_and_orders_are_all_read():
    # fhir.md 1 reads draftOrders, else medications, else orders; a carrier after the first that
    # also held resources was dropped unseen (an IV cyclophosphamide in context.medications beside
    # an ondansetron in draftOrders: no card). Every carrier that holds orders is read (fail closed).
    drafts = bundle(mr("a"), patient=False)
    meds = [mr("b")]
    req = {"hook": "medication-prescribe", "context": {"patientId": "p1", "medications": meds, "orders": bundle(mr("c"), patient=False)}}
    assert [o["id"] for o in one(req).data["orders"]] == ["b", "c"]
    req["context"]["draftOrders"] = drafts
    assert [o["id"] for o in one(req).data["orders"]] == ["a", "b", "c"]
    req = {"hook": "order-review", "context": {"patientId": "p1", "orders": bundle(mr("c"), patient=False)}}
    assert [o["id"] for o in one(req).data["orders"]] == ["c"]
    req = {"hook": "medication-verify", "context": {"patientId": "p1", "order": {"resource": mr("d")}}}
    assert [o["id"] for o in one(req).data["orders"]] == ["d"]


def test_cds_hooks_prefetch_any_key_null_not_provided_and_draft_read_once():
    req = {"hook": "order-sign", "context": {"patientId": "p1", "draftOrders": bundle(mr("m1", status="draft"), patient=False)},
           "prefetch": {"whatever-key": bundle(*SSC_ILD, patient=False), "missing": None,
                        "meds": bundle(mr("m1", status="active"), patient=False)}}
    m = one(req)
    assert m.data["indication"]["condition"] == "ssc-ild"
    assert [o["status"] for o in m.data["orders"]] == ["new"]  # the prefetch copy is not read again


def test_bundle_one_regimen_per_patient_by_reference_forms():
    p2 = {"resourceType": "Patient", "id": "p2", "gender": "female"}
    r2 = mr("m2", subject={"reference": "https://ehr.example.org/fhir/Patient/p2"})
    r3 = mr("m3", subject={"reference": "urn:uuid:abc"})
    b = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1"}}, {"resource": mr("m1")},
        {"fullUrl": "urn:uuid:abc", "resource": p2}, {"resource": r2}, {"resource": r3}]}
    ms = map_fhir(b, source="t")
    assert [(m.patient, [o["id"] for o in m.data["orders"]]) for m in ms] == [("p1", ["m1"]), ("p2", ["m2", "m3"])]


def test_resource_without_subject_belongs_to_the_only_patient():
    r = mr()
    del r["subject"]
    m = one(bundle(r))
    assert m.patient == "p1" and order(m)["id"] == "m1"


def test_bare_medication_request_is_one_regimen_named_by_its_patient_or_id():
    m = one(mr())
    assert m.id == "Patient/p1"
    r = mr()
    del r["subject"]
    assert one(r).id == "m1"


def test_regimen_id_falls_back_to_bundle_id_then_hook_instance():
    r = mr()
    del r["subject"]
    assert one(bundle(r, patient=False)).id == "b1"
    req = {"hook": "order-sign", "hookInstance": "hook-9", "context": {"draftOrders": bundle(r, patient=False)}}
    assert one(req).id == "hook-9"


def test_other_patient_in_a_cds_request_is_not_used(linter):
    req = {"hook": "order-sign", "context": {"patientId": "p1", "draftOrders": bundle(mr(), patient=False)},
           "prefetch": {"c": bundle(*SSC_ILD, cond("x", subject={"reference": "Patient/p9"}), patient=False)}}
    m = one(req)
    (n,) = notes(m, "other-patient")
    assert n.pointer == "/prefetch/c/entry/2/resource" and "Patient/p9" in n.message


def test_no_orders_is_not_applicable_with_ol008_no_orders(linter):
    (r,) = lint(bundle(*SSC_ILD), linter)
    assert r.status == "not-applicable" and [f.code for f in r.findings] == ["OL008"]
    assert r.findings[0].message.startswith("no-orders") and r.findings[0].severity == "info"
    assert r.patient == "p1"


def test_top_level_non_r4_resource_is_ol001_and_inside_a_bundle_skipped_with_a_note(linter):
    old = {"resourceType": "MedicationOrder", "id": "x"}
    (r,) = lint(old, linter)
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert r.findings[0].pointer == "/resourceType"
    m = one(bundle(mr(), old))
    (n,) = notes(m, "unsupported-resource")
    assert n.pointer == "/entry/2/resource/resourceType"


def test_not_json_and_not_fhir_are_ol001(linter):
    for text in ('{"a": 1, "a": 2}', "[1, 2]", '{"id": "x"}', "{", '{"x": NaN}'):
        (r,) = lint_fhir(text, linter=linter, source="t")
        assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"], text


@pytest.mark.parametrize("value, said", [("2026-02-30", "'2026-02-30'"), ({"date": "2026-03-02"}, "a JSON object")])
def test_a_cds_as_of_extension_that_is_no_date_is_ol001_where_it_is_honoured(value, said):
    # With allow-as-of, an unreadable date was dropped without a word and the replay ran at today's date.
    req = {"hook": "order-sign", "extension": {"orderlint-as-of": value},
           "context": {"patientId": "p1", "draftOrders": bundle(mr(), patient=False)}}
    (r,) = lint_fhir(req, linter=Linter(Settings(as_of=AS_OF, allow_as_of=True)), source="t")
    assert r.status == "invalid"
    assert [(f.code, f.pointer, f.message) for f in r.findings] == [
        ("OL001", "/extension/orderlint-as-of", f"extension orderlint-as-of is {said}, not a date YYYY-MM-DD")]
    (r,) = lint_fhir(req, linter=Linter(Settings(as_of=AS_OF)), source="t")  # not honoured: not read at all
    assert r.status != "invalid"


def test_looks_like_fhir_tells_fhir_from_regimen_documents():
    assert looks_like_fhir({"resourceType": "Bundle"}) and looks_like_fhir({"hook": "order-sign"})
    assert not looks_like_fhir({"id": "x", "kind": "patient", "orders": []}) and not looks_like_fhir([])


def test_cds_as_of_extension_only_with_allow_as_of():
    req = {"hook": "order-sign", "extension": {"orderlint-as-of": "2020-01-01"},
           "context": {"patientId": "p1", "draftOrders": bundle(mr(), patient=False)},
           "prefetch": {"p": {"resourceType": "Patient", "id": "p1", "birthDate": "2000-01-01"}}}
    from orderlint.fhir.lint import _as_of

    assert _as_of(req, Linter(Settings(as_of=AS_OF))) == AS_OF
    allowed = Linter(Settings(as_of=AS_OF, allow_as_of=True))
    assert _as_of(req, allowed) == dt.date(2020, 1, 1)


# ------------------------------------------------------------------ 2.1 status and intent
@pytest.mark.parametrize("fhir,native", [("draft", "new"), ("active", "active"), ("on-hold", "on-hold"), ("stopped", "stopped")])
def test_status_maps(fhir, native):
    m = one(bundle(mr(status=fhir)))
    assert order(m)["status"] == native
    assert not notes(m, "unknown-status")


def test_stopped_is_also_history_and_completed_is_history_only(linter):
    m = one(bundle(mr(status="stopped")), linter)
    assert order(m)["status"] == "stopped" and m.data["history"][0]["drug"] == "mycophenolate mofetil"
    m = one(bundle(mr(status="completed")), linter)
    assert "orders" not in m.data and m.data["history"] == [{"drug": "mycophenolate mofetil", "outcome": "unknown"}]


@pytest.mark.parametrize("change,where", [({"status": "cancelled"}, "status"), ({"status": "entered-in-error"}, "status"),
                                          ({"doNotPerform": True}, "doNotPerform"), ({"intent": "option"}, "intent")])
def test_dropped_orders(change, where):
    m = one(bundle(mr(**change)))
    assert "orders" not in m.data
    (n,) = notes(m, "dropped-order")
    assert n.pointer == f"/entry/1/resource/{where}"


@pytest.mark.parametrize("status", ["unknown", None, "in-progress"])
def test_unknown_or_absent_status_is_new_fail_closed(status):
    # Read as new, which is also active: judged by the rules of new orders and by every other rule.
    r = mr(status=status)
    if status is None:
        del r["status"]
    m = one(bundle(r))
    assert order(m)["status"] == "new"
    (n,) = notes(m, "unknown-status")
    assert n.pointer == ("/entry/1/resource/status" if status else "/entry/1/resource")
    assert "read as new" in n.message


# ------------------------------------------------------------------ 2.1 drug
def test_medication_codeable_concept_text_then_display(linter):
    r = mr()
    r["medicationCodeableConcept"] = {"coding": [{"system": "other", "display": "x"}, {"system": RX, "code": "68149", "display": "mycophenolate mofetil"}]}
    m = one(bundle(r), linter)
    assert order(m)["drug"] == "mycophenolate mofetil" and m.origin["/orders/0/drug"].endswith("/coding/1/display")


def test_ingredient_rxcui_goes_in_rxcui_product_code_does_not(linter):
    r = mr(drug="mycophenolate mofetil 500 MG Oral Tablet")
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "200060"}]
    m = one(bundle(r), linter)
    assert "rxcui" not in order(m) and m.products == [(0, "200060", "/entry/1/resource/medicationCodeableConcept/coding/0/code")]
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "68149"}]
    assert order(one(bundle(r), linter))["rxcui"] == "68149"


def test_product_code_of_the_named_drug_is_no_contradiction(linter):
    r = mr(drug="CellCept 500 MG Oral Tablet")
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "200060"}]
    assert "OL002" not in codes(lint(bundle(*SSC_ILD, r), linter))


def test_product_code_of_another_ingredient_is_ol002(linter):
    r = mr(drug="azathioprine", dose=100)
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "200060"}]
    res = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for x in res for f in x.findings if f.code == "OL002"]
    assert f.pointer == "/entry/3/resource/medicationCodeableConcept/coding/0/code" and f.order == "m1"
    assert "mycophenolate mofetil" in f.message and f.severity == "error"


def test_ingredient_code_of_another_drug_is_ol002_through_the_engine(linter):
    r = mr(drug="azathioprine", dose=100)
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "68149"}]
    res = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for x in res for f in x.findings if f.code == "OL002"]
    assert f.pointer == "/entry/3/resource/medicationCodeableConcept/coding/0/code"


def test_drug_named_only_by_a_known_code(linter):
    r = mr()
    r["medicationCodeableConcept"] = {"coding": [{"system": RX, "code": "3002"}]}
    assert order(one(bundle(r), linter))["drug"] == "cyclophosphamide"


def test_medication_reference_contained_and_in_bundle_with_strength(linter):
    med = {"resourceType": "Medication", "id": "med1", "code": {"text": "mycophenolate mofetil"},
           "ingredient": [{"itemCodeableConcept": {"text": "mycophenolate mofetil"}, "strength": {"numerator": {"value": 500, "code": "mg"},
                                                                                "denominator": {"value": 1, "code": "TAB"}}}]}
    r = mr(dose=2, unit="{tbl}")
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "#med1"}
    r["contained"] = [med]
    o = order(one(bundle(r), linter))
    assert o["drug"] == "mycophenolate mofetil" and o["strength"] == {"value": 500, "unit": "mg"} and o["unit"] == "tablet"
    r2 = mr()
    del r2["medicationCodeableConcept"]
    r2["medicationReference"] = {"reference": "Medication/med2"}
    med2 = {"resourceType": "Medication", "id": "med2", "ingredient": [{"itemCodeableConcept": {"text": "azathioprine"}}]}
    m = one(bundle(r2, med2), linter)
    assert order(m)["drug"] == "azathioprine" and m.origin["/orders/0/drug"] == "/entry/2/resource/ingredient/0/itemCodeableConcept/text"


def test_unresolved_reference_and_no_drug_are_ol002_and_ol008(linter):
    r = mr()
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "Medication/nowhere"}
    res = lint(bundle(*SSC_ILD, r), linter)
    got = {(f.code, f.pointer) for x in res for f in x.findings}
    assert ("OL008", "/entry/3/resource/medicationReference") in got
    assert "OL002" in codes(res)
    r = mr()
    del r["medicationCodeableConcept"]
    res = lint(bundle(*SSC_ILD, r), linter)
    assert "OL002" in codes(res)
    assert any(f.message.startswith("unresolved-reference") for x in res for f in x.findings)


def test_u_tagged_code_never_outweighs_the_name(linter):
    r = mr(drug="prednisone", dose=5, timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    r["medicationCodeableConcept"]["coding"] = [{"system": RX, "code": "1592254"}]  # pirfenidone: U in fhir.md section 5
    res = lint(bundle(*SSC_ILD, r), linter)
    assert "OL002" not in codes(res)


# ------------------------------------------------------------------ 2.1 dose
def test_dose_quantity_ordered_type_first():
    r = mr()
    r["dosageInstruction"][0]["doseAndRate"] = [
        {"type": {"coding": [{"code": "calculated"}]}, "doseQuantity": {"value": 9, "code": "mg"}},
        {"type": {"coding": [{"code": "ordered"}]}, "doseQuantity": {"value": 750, "code": "mg"}}]
    m = one(bundle(r))
    assert order(m)["dose"] == 750 and m.origin["/orders/0/dose"].endswith("/doseAndRate/1/doseQuantity/value")


def test_dose_range_high_bound_with_note():
    r = mr()
    r["dosageInstruction"][0]["doseAndRate"] = [{"doseRange": {"low": {"value": 500, "code": "mg"}, "high": {"value": 1500, "code": "mg"}}}]
    m = one(bundle(r))
    assert order(m)["dose"] == 1500 and order(m)["unit"] == "mg"
    (n,) = notes(m, "dose-range")
    assert n.pointer.endswith("/doseAndRate/0/doseRange")


def test_stu3_dose_quantity_is_shape_repaired():
    r = mr()
    di = r["dosageInstruction"][0]
    di["doseQuantity"] = di.pop("doseAndRate")[0]["doseQuantity"]
    m = one(bundle(r))
    assert order(m)["dose"] == 1000
    (n,) = notes(m, "shape-repaired")
    assert n.pointer == "/entry/1/resource/dosageInstruction/0/doseQuantity"


def test_no_structured_dose_is_text_only_sig(linter):
    r = mr(dose=None)
    r["dosageInstruction"][0]["text"] = "500 mg twice a day"
    m = one(bundle(r))
    assert "dose" not in order(m)
    (n,) = notes(m, "text-only-sig")
    assert n.pointer == "/entry/1/resource/dosageInstruction/0/text"
    res = lint(bundle(*SSC_ILD, r), linter)
    ol3 = [f for x in res for f in x.findings if f.code == "OL003"]
    assert ol3 and ol3[0].pointer == "/entry/3/resource/dosageInstruction/0" and ol3[0].order == "m1"


@pytest.mark.parametrize("code,unit", [("mg", "mg"), ("g", "g"), ("ug", "mcg"), ("mL", "mL"), ("mg/kg", "mg/kg"),
                                       ("g/kg", "g/kg"), ("mg/m2", "mg/m2"), ("g/m2", "g/m2"), ("{tbl}", "tablet")])
def test_ucum_units(code, unit):
    m = one(bundle(mr(unit=code)))
    assert order(m)["unit"] == unit
    assert not notes(m, "non-ucum-unit")


@pytest.mark.parametrize("code,system,unit", [("TAB", "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm", "tablet"),
                                              ("mcg", UC, "mcg")])
def test_non_ucum_units_read_with_a_note(code, system, unit):
    r = mr()
    r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 1, "system": system, "code": code}
    m = one(bundle(r))
    assert order(m)["unit"] == unit
    (n,) = notes(m, "non-ucum-unit")
    assert n.pointer.endswith("/doseQuantity/code")


@pytest.mark.parametrize("q", [{"value": 1, "code": "ea"}, {"value": 1, "code": "{patch}"}, {"value": 1, "code": "U"},
                               {"value": 1, "unit": "mg"}, {"value": 1}])
def test_other_units_are_ol003_and_non_ucum_unit(q, linter):
    r = mr()
    r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = q
    res = lint(bundle(*SSC_ILD, r), linter)
    fs = [f for x in res for f in x.findings]
    assert any(f.code == "OL003" and f.order == "m1" for f in fs), fs
    assert any(f.code == "OL008" and f.message.startswith("non-ucum-unit") for f in fs)


# ------------------------------------------------------------------ 2.1 route
ROUTE_ROWS = [("oral", SN, c) for c in ("26643006", "260548002", "394899003")] + [("oral", V3R, "PO")] \
    + [("iv", SN, c) for c in ("47625008", "418114005", "419993007", "255560000")] + [("iv", V3R, c) for c in ("IV", "IVINJ", "IVINJBOL", "IVPUSH")] \
    + [("sc", SN, c) for c in ("34206005", "263887005")] + [("sc", V3R, "SQ")] \
    + [("im", SN, c) for c in ("78421000", "255559005")] + [("im", V3R, "IM")] \
    + [("inhaled", SN, c) for c in ("447694001", "447081004", "420201002", "372452007")] + [("inhaled", V3R, "IPINHL")] \
    + [("topical", SN, c) for c in ("6064005", "448598008", "45890007", "359540000")] + [("topical", V3R, c) for c in ("TOPICAL", "TRNSDERMD")] \
    + [("nasal", SN, "46713006"), ("nasal", V3R, "NASINHL")]


@pytest.mark.parametrize("route,system,code", ROUTE_ROWS)
def test_route_codes(route, system, code):
    r = mr()
    r["dosageInstruction"][0]["route"] = {"coding": [{"system": system, "code": code}]}
    m = one(bundle(r))
    assert order(m)["route"] == route
    assert m.origin["/orders/0/route"] == "/entry/1/resource/dosageInstruction/0/route/coding/0/code"
    assert not notes(m, "route-from-text")


def test_route_from_text_uses_the_format_aliases():
    r = mr()
    r["dosageInstruction"][0]["route"] = {"text": "By mouth"}
    m = one(bundle(r))
    assert order(m)["route"] == "oral"
    (n,) = notes(m, "route-from-text")
    assert n.pointer.endswith("/route/text")


# ------------------------------------------------------------------ 2.1 frequency
@pytest.mark.parametrize("repeat,expected", [
    ({"frequency": 2, "period": 1, "periodUnit": "d"}, {"frequency": 2, "period": 1, "period_unit": "d"}),
    ({"frequency": 1, "period": 1, "periodUnit": "wk"}, {"frequency": 1, "period": 1, "period_unit": "wk"}),
    ({"frequency": 1, "period": 1, "periodUnit": "mo"}, {"frequency": 1, "period": 1, "period_unit": "mo"}),
    ({"frequency": 1, "period": 12, "periodUnit": "h"}, {"frequency": 2, "period": 1, "period_unit": "d"}),
    ({"frequency": 1, "period": 1, "periodUnit": "a"}, {"frequency": 1, "period": 12, "period_unit": "mo"}),
    ({"frequency": 1, "frequencyMax": 3, "period": 1, "periodUnit": "d"}, {"frequency": 3, "period": 1, "period_unit": "d"}),
    ({"frequency": 1, "period": 1, "periodMax": 2, "periodUnit": "d"}, {"frequency": 1, "period": 1, "period_unit": "d"}),
])
def test_timing_repeat(repeat, expected):
    m = one(bundle(mr(timing={"repeat": repeat})))
    assert order(m)["frequency"] == expected


@pytest.mark.parametrize("timing", [{"repeat": {"frequency": 1, "period": 30, "periodUnit": "min"}},
                                    {"repeat": {"frequency": 1, "period": 10, "periodUnit": "s"}}])
def test_seconds_minutes_and_prn_without_timing_are_ol003(timing, linter):
    res = lint(bundle(*SSC_ILD, mr(timing=timing)), linter)
    assert [f.pointer for x in res for f in x.findings if f.code == "OL003"] == ["/entry/3/resource/dosageInstruction/0/timing/repeat"]
    r = mr()
    di = r["dosageInstruction"][0]
    del di["timing"]
    di["asNeededBoolean"] = True
    res = lint(bundle(*SSC_ILD, r), linter)
    assert "OL003" in codes(res)


@pytest.mark.parametrize("code,expected", [
    ("BID", "bid"), ("TID", "tid"), ("QID", "qid"), ("QD", "daily"), ("AM", "daily"), ("PM", "daily"), ("BED", "daily"),
    ("QOD", "qod"), ("WK", "weekly"), ("MO", "monthly"), ("Q6H", "qid"), ("Q8H", "tid"),
    ("Q4H", {"frequency": 6, "period": 1, "period_unit": "d"}), ("Q3H", {"frequency": 8, "period": 1, "period_unit": "d"}),
    ("Q2H", {"frequency": 12, "period": 1, "period_unit": "d"}), ("Q1H", {"frequency": 24, "period": 1, "period_unit": "d"}),
])
def test_timing_codes_with_a_note(code, expected):
    m = one(bundle(mr(timing={"code": {"coding": [{"system": GTS, "code": code}]}})))
    assert order(m)["frequency"] == expected
    (n,) = notes(m, "timing-code")
    assert n.pointer.endswith("/timing/code/coding/0/code")


def test_timing_repeat_wins_over_timing_code():
    m = one(bundle(mr(timing={"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"},
                              "code": {"coding": [{"system": GTS, "code": "BID"}]}})))
    assert order(m)["frequency"] == {"frequency": 3, "period": 1, "period_unit": "d"} and not notes(m, "timing-code")


# ------------------------------------------------------------------ 2.1 course
def test_course_bounds_duration_period_and_count():
    m = one(bundle(mr(timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 2, "code": "wk"}}})))
    assert order(m)["duration"] == {"value": 2, "unit": "wk"}
    m = one(bundle(mr(timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                         "boundsPeriod": {"start": "2026-03-01T08:00:00Z", "end": "2026-03-15"}}})))
    assert order(m)["start"] == "2026-03-01" and order(m)["duration"] == {"value": 14, "unit": "d"}
    m = one(bundle(mr(timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "count": 6, "countMax": 8}})))
    assert order(m)["doses"] == 8


# ------------------------------------------------------------------ 2.1 tapers and shapes
def _step(dose, days, seq=None):
    s = {"doseAndRate": [{"doseQuantity": {"value": dose, "code": "mg"}}], "route": {"coding": [{"system": SN, "code": "26643006"}]},
         "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": days, "code": "d"}}}}
    if seq is not None:
        s["sequence"] = seq
    return s


def _taper_reading(m) -> list:
    (v,) = [v for v in m.variants if "ILD202" in v.codes]
    return v.data["orders"]


def test_taper_steps_are_orders_and_judged_by_the_largest_step(linter):
    r = mr("pred", drug="prednisone", status="active")
    r["dosageInstruction"] = [_step(10, 30, 1), _step(7.5, 30, 2), _step(5, 30, 3)]
    m = one(bundle(r), linter)
    assert [o["id"] for o in m.data["orders"]] == ["pred#1", "pred#2", "pred#3"]
    # each step is an order with its own bounds, checked by every rule ...
    assert [(o["status"], o["duration"]["value"]) for o in m.data["orders"]] == [("active", 30)] * 3
    # ... and ILD202/ILD302 and the course rules read the largest step, with the taper's course: the sum of its steps
    taper = _taper_reading(m)
    assert [o["status"] for o in taper] == ["active", "on-hold", "on-hold"]
    assert taper[0]["duration"] == {"value": 90, "unit": "d"}
    res = lint(bundle(*SSC_ILD, r), linter)
    assert "OL004" not in codes(res) and "ILD202" not in codes(res)  # 10 mg, not 22.5 mg summed


def test_concurrent_taper_entries_sharing_a_sequence_are_summed(linter):
    r = mr("pred", drug="prednisone", status="active")
    r["dosageInstruction"] = [_step(10, 10, 1), _step(10, 10, 1)]
    m = one(bundle(r), linter)
    assert [(o["status"], o.get("dose")) for o in m.data["orders"]] == [("active", 20), ("on-hold", 10)]
    got = codes(lint(bundle(*SSC_ILD, r), linter))
    assert "ILD202" in got and "OL004" not in got  # 20 mg/day together; the entries are not duplicates


def test_concurrent_entries_within_a_taper_and_the_taper_course(linter):
    r = mr("pred", drug="prednisone", status="active")
    r["dosageInstruction"] = [_step(10, 10, 1), _step(5, 14, 1), _step(5, 30, 2), _step(2.5, 30, 3)]
    m = one(bundle(r), linter)
    assert [(o["status"], o.get("dose")) for o in m.data["orders"]] == [("active", 15), ("on-hold", 5), ("active", 5), ("active", 2.5)]
    taper = _taper_reading(m)
    assert [(o["status"], o.get("dose")) for o in taper] == [("active", 15), ("on-hold", 5), ("on-hold", 5), ("on-hold", 2.5)]
    assert taper[0]["duration"] == {"value": 74, "unit": "d"}  # 14 (longest concurrent) + 30 + 30


def test_object_where_an_array_belongs_is_one_item_and_null_is_absent():
    r = mr()
    r["dosageInstruction"] = r["dosageInstruction"][0]
    m = one(bundle(r))
    assert order(m)["dose"] == 1000
    assert [n.pointer for n in notes(m, "shape-repaired")] == ["/entry/1/resource/dosageInstruction"]
    r["dosageInstruction"] = None
    m = one(bundle(r))
    assert "dose" not in order(m) and notes(m, "shape-repaired")


# ------------------------------------------------------------------ 2.1 purpose
def test_purpose_from_reason_code():
    ild = mr(reasonCode=[{"coding": [{"system": SN, "code": "233703007"}]}])
    assert "purpose" not in order(one(bundle(ild)))
    other = mr(reasonCode=[{"coding": [{"system": ICD, "code": "M06.9"}]}])
    assert order(one(bundle(other)))["purpose"] == "other"
    assert "purpose" not in order(one(bundle(mr())))
    ref = mr(reasonReference=[{"reference": "Condition/ra"}])
    ra = cond("ra", ICD, "M06.9")
    assert order(one(bundle(ref, ra)))["purpose"] == "other"


# ------------------------------------------------------------------ 2.2 patient and measurements
def test_patient_gender_and_age_at_as_of_and_partial_birth_date():
    m = one(bundle(mr()))
    assert m.data["patient"] == {"sex": "male", "age_years": 56}
    b = bundle(mr())
    b["entry"][0]["resource"]["birthDate"] = "1970"
    m = one(b)
    assert m.data["patient"]["age_years"] == 56
    (n,) = notes(m, "partial-birth-date")
    assert n.pointer == "/entry/0/resource/birthDate"


def _obs(code, value, unit, when="2026-02-01", status="final"):
    return {"resourceType": "Observation", "status": status, "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": LN, "code": code}]}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "system": UC, "code": unit}}


@pytest.mark.parametrize("code,value,unit,field,expected", [
    ("29463-7", 70, "kg", "weight_kg", 70), ("3141-9", 70000, "g", "weight_kg", 70), ("29463-7", 100, "[lb_av]", "weight_kg", 45.3592),
    ("8302-2", 170, "cm", "height_cm", 170), ("8302-2", 70, "[in_i]", "height_cm", 177.8),
    ("8277-6", 1.8, "m2", "bsa_m2", 1.8), ("3140-1", 1.8, "m2", "bsa_m2", 1.8),
])
def test_measurements_with_unit_conversion(code, value, unit, field, expected):
    m = one(bundle(mr(), _obs(code, value, unit)))
    assert m.data["patient"][field] == pytest.approx(expected)
    assert m.origin[f"/patient/{field}"] == "/entry/2/resource/valueQuantity/value"
    assert bool(notes(m, "unverified-code")) == (code == "3140-1")


@pytest.mark.parametrize("code,value,unit,field", [
    ("29463-7", 0, "kg", "weight_kg"), ("29463-7", -70, "kg", "weight_kg"), ("29463-7", 0, "[lb_av]", "weight_kg"),
    ("8302-2", 1e308, "[in_i]", "height_cm"),  # overflows to infinity once converted to cm
])
def test_a_measurement_that_is_not_a_positive_finite_number_is_a_gap(code, value, unit, field):
    # fhir.md "Nothing lost, nothing silent": OL008 missing-value, never a regimen written invalid.
    m = one(bundle(mr(), _obs(code, value, unit)))
    assert field not in m.data.get("patient", {})
    (n,) = notes(m, "missing-value")
    assert n.pointer == "/entry/2/resource/valueQuantity/value" and "not a positive finite number" in n.message


def test_measurement_latest_final_wins_and_preliminary_is_ignored():
    m = one(bundle(mr(), _obs("29463-7", 80, "kg", "2026-01-01"), _obs("29463-7", 70, "kg", "2026-02-01", "amended"),
                   _obs("29463-7", 60, "kg", "2026-02-20", "preliminary")))
    assert m.data["patient"]["weight_kg"] == 70


@pytest.mark.parametrize("earlier, later", [
    # 80 kg at 2026-03-01T23:00-12:00 (11:00Z on 2 March) is later than 40 kg at
    # 2026-03-02T01:00+14:00 (11:00Z on 1 March): compared as text the 40 kg one won.
    (("2026-03-02T01:00:00+14:00", 40), ("2026-03-01T23:00:00-12:00", 80)),
    (("2026-03-01", 40), ("2026-03-01T08:00:00Z", 80)),
], ids=["time-zones", "date-then-time"])
def test_the_latest_measurement_is_compared_in_time_not_as_text(earlier, later):
    m = one(bundle(mr(), _obs("29463-7", later[1], "kg", later[0]), _obs("29463-7", earlier[1], "kg", earlier[0])))
    assert m.data["patient"]["weight_kg"] == later[1]


@pytest.mark.parametrize("latest,said,kind", [
    ({"valueQuantity": {"value": 110, "unit": "lb"}}, "Body weight in 'lb', not a UCUM code", "non-ucum-unit"),
    ({"valueString": "110 lb"}, "Body weight Observation has no numeric valueQuantity", "missing-value"),
    ({"valueQuantity": {"value": 0, "system": "http://unitsofmeasure.org", "code": "kg"}}, "is not a positive finite number",
     "missing-value"),
])
def test_a_latest_weight_that_cannot_be_read_hides_the_earlier_ones(latest, said, kind):
    # fhir.md 2.2: the latest effective[x] wins (and section 3: a gap is never filled silently).
    # This week's weight in 'lb' (not read) left the 95 kg of 2024 in use, and azathioprine 250 mg a
    # day (5 mg/kg at 50 kg) passed as 2.6 mg/kg. Last year's weight is not today's: none is used (OL003).
    new = _obs("29463-7", 1, "kg", "2026-02-27")
    del new["valueQuantity"]
    new.update(latest)
    m = one(bundle(mr(), _obs("29463-7", 95, "kg", "2024-06-10"), new))
    assert "weight_kg" not in m.data.get("patient", {})
    (n,) = notes(m, kind)  # the same kind as when it is not the latest
    assert said in n.message and n.message.endswith(": neither it nor an earlier one is used")
    # Older than a weight that is read, it is superseded, and said as before.
    m = one(bundle(mr(), _obs("29463-7", 60, "kg", "2026-03-01"), new))
    assert m.data["patient"]["weight_kg"] == 60
    assert [x.message for x in notes(m, kind) if said in x.message]


@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">", "ad"])
@pytest.mark.parametrize("code,unit,field", [("29463-7", "kg", "weight_kg"), ("8277-6", "m2", "bsa_m2")])
def test_a_measurement_given_as_a_bound_is_not_used(comparator, code, unit, field):
    # fhir.md section 3: a missing or unmappable value never vanishes; any other gap is `OL008 missing-value`.
    # "< 120 kg" was read as 120 kg (and "< 2.5 m2" as 2.5), making the mg/kg and mg/m2 that passed.
    o = _obs(code, 120 if unit == "kg" else 2.5, unit, "2026-02-20")
    o["valueQuantity"]["comparator"] = comparator
    m = one(bundle(mr(), _obs(code, 60 if unit == "kg" else 1.5, unit, "2026-01-01"), o))
    # Nor the earlier measurement: the bound is the latest, and last month's weight is not today's.
    assert field not in m.data.get("patient", {})
    (n,) = notes(m, "missing-value")
    assert "a bound and not a measurement: neither it nor an earlier one is used" in n.message
    assert n.pointer == "/entry/3/resource/valueQuantity/comparator"
    # An earlier bound hides nothing later: it is superseded, as any older measurement is.
    later = _obs(code, 60 if unit == "kg" else 1.5, unit, "2026-02-25")
    for order in ((o, later), (later, o)):
        m = one(bundle(mr(), *order))
        assert m.data["patient"][field] == (60 if unit == "kg" else 1.5) and not notes(m, "missing-value")
    # A bound alone: not used.
    (n,) = notes(one(bundle(mr(), o)), "missing-value")
    assert n.message.endswith("a bound and not a measurement: not used")


@pytest.mark.parametrize("values", [(60, 150), (150, 60)])
def test_two_different_measurements_at_the_latest_instant_are_neither_used(linter, values):
    # fhir.md 2.2: "the latest effective[x] wins"; a tie has no latest, and a value is never assumed.
    # Which is right cannot be told: the later in the input won, so the order of two weights decided
    # whether azathioprine 300 mg/day (5 mg/kg at 60 kg) was an error.
    m = one(bundle(mr(), _obs("29463-7", 70, "kg", "2026-01-01"),
                   *[_obs("29463-7", v, "kg", "2026-02-20T09:00:00Z") for v in values]))
    assert "weight_kg" not in m.data.get("patient", {})
    (n,) = notes(m, "missing-value")
    assert f"two values at 2026-02-20 ({values[0]} and {values[1]})" in n.message
    assert n.pointer == "/entry/4/resource/valueQuantity/value"
    # A later measurement settles it; the same value twice is no conflict.
    m = one(bundle(mr(), *[_obs("29463-7", v, "kg", "2026-02-20T09:00:00Z") for v in values],
                   _obs("29463-7", 70, "kg", "2026-02-21")))
    assert m.data["patient"]["weight_kg"] == 70 and not notes(m, "missing-value")
    m = one(bundle(mr(), *[_obs("29463-7", values[0], "kg", "2026-02-20T09:00:00Z")] * 2))
    assert m.data["patient"]["weight_kg"] == values[0] and not notes(m, "missing-value")


def test_a_measurement_after_the_evaluation_date_is_not_used():
    # fhir.md 2.2: "the latest effective[x] wins"; a weight from after as_of was not known then.
    m = one(bundle(mr(), _obs("29463-7", 80, "kg", "2026-03-01"), _obs("29463-7", 40, "kg", "2027-01-01")))
    assert m.data["patient"]["weight_kg"] == 80
    (n,) = notes(m, "missing-value")
    assert "Body weight of 2027-01-01 is after the evaluation date" in n.message and n.pointer == "/entry/3/resource"


# ------------------------------------------------------------------ 2.3 indication, extensions, history
@pytest.mark.parametrize("conds,placed", [
    (SSC_ILD, True), ([cond("x", ICD, "M34.81")], True), ([cond("x", ICD, "M3481")], True),
    # ICD-10-CM in lower case (was not read: OL007 on an SSc-ILD patient)
    ([cond("x", ICD, "m34.81")], True), ([cond("x", ICD, " m3481 ")], True),
    ([cond("ssc", ICD, "m34.9"), cond("ild", ICD, "j84.10")], True),
    # SNOMED CT by its OID, over https, or with its edition in the system (FHIR NamingSystem)
    ([cond("ssc", "urn:oid:2.16.840.1.113883.6.96"), cond("ild", "urn:oid:2.16.840.1.113883.6.96", "233703007")], True),
    ([cond("ssc", "https://snomed.info/sct"), cond("ild", "https://snomed.info/sct", "233703007")], True),
    ([cond("ssc", "http://snomed.info/sct/900000000000207008/version/20230131"),
      cond("ild", "http://snomed.info/sct/731000124108", "233703007")], True),
    ([cond("ssc", "http://snomed.info/sctx"), cond("ild", "urn:oid:2.16.840.1.113883.6.9", "233703007")], False),
    # ICD-10-CM by its OID (C-CDA, EHR exports) or over https (fhir.md 2.3, the ICD-10-CM codes): an
    # SSc-ILD patient was not placed
    ([cond("x", "urn:oid:2.16.840.1.113883.6.90", "M34.81")], True),
    ([cond("x", "https://hl7.org/fhir/sid/icd-10-cm", "M34.81")], True),
    ([cond("x", "urn:oid:2.16.840.1.113883.6.9", "M34.81")], False),
    # ICD-10 codes the value set does not list, read by their category (M34 SSc, J84 ILD)
    ([cond("ssc", ICD, "M34.9"), cond("ild", ICD, "J84.170")], True),
    ([cond("ssc", "http://hl7.org/fhir/sid/icd-10", "M34.9"), cond("ild", "http://hl7.org/fhir/sid/icd-10", "J84.1")], True),
    ([cond("ssc", ICD, "M34.9"), cond("ild", ICD, "J99")], False),  # J99 alone is no ILD
    ([cond("ssc", ICD, "M35.9"), cond("ild", ICD, "J84.10")], False),
    # a system that is no string (not FHIR) is read as none, the code alone (it raised TypeError
    # in the ICD-10 category reading)
    ([cond("ssc", {"a": 1}, "M34.9"), cond("ild", ["x"], "J84.10")], True),
    ([cond("ssc", {"a": 1}, "M34.3"), cond("ild", ["x"], "J84.170")], False),
    ([cond("ssc")], False), ([cond("ssc", ICD, "M34.9"), cond("ild", ICD, "J84.10")], True),
    ([cond("ssc"), cond("ild", code="233703007", clinicalStatus={"coding": [{"code": "resolved"}]})], False),
    ([cond("ssc"), cond("ild", code="233703007", verificationStatus={"coding": [{"code": "refuted"}]})], False),
    # Two codings of one status that disagree (a local 'inactive' beside HL7 'active'): which is
    # current is not known, so the Condition counts (it did not, and the patient was not checked).
    ([cond("ssc"), cond("ild", code="233703007", clinicalStatus={"coding": [
        {"system": "urn:local", "code": "inactive"},
        {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]})], True),
    ([cond("ssc"), cond("ild", code="233703007", verificationStatus={"coding": [
        {"code": "refuted"}, {"code": "confirmed"}]})], True),
    ([cond("ssc"), cond("ild", code="233703007", clinicalStatus={"coding": [{"code": "resolved"}, {"code": "inactive"}]})],
     False),
    # An active clinical status does not undo a refuted verification.
    ([cond("ssc"), cond("ild", code="233703007", clinicalStatus={"coding": [{"code": "active"}]},
                        verificationStatus={"coding": [{"code": "entered-in-error"}]})], False),
])
def test_indication_from_conditions(conds, placed):
    m = one(bundle(mr(), *conds))
    assert (m.data["indication"]["condition"] == "ssc-ild") == placed


@pytest.mark.parametrize("system", ["http://www.nlm.nih.gov/research/umls/rxnorm", "urn:oid:2.16.840.1.113883.6.88"])
def test_a_drug_coded_in_rxnorm_by_its_oid_is_read_by_its_code(linter, system):
    # RxNorm written by its OID (FHIR NamingSystem 2.16.840.1.113883.6.88): was no RxNorm code, so an
    # order named only by code was an unidentified medication.
    m = one(bundle(mr(medicationCodeableConcept={"coding": [{"system": system, "code": "68149"}]}), *SSC_ILD), linter)
    assert m.data["orders"][0]["drug"].lower() == "mycophenolate mofetil"


def _worded(cid: str, display=None, text=None, code: str = "196133001", **extra) -> dict:
    c = cond(cid, SN, code, **extra)
    if display is not None:
        c["code"]["coding"][0]["display"] = display
    if text is not None:
        c["code"]["text"] = text
    return c


@pytest.mark.parametrize("conds, placed", [
    # A code the value set does not list (SNOMED 196133001 'Lung disease with systemic sclerosis'),
    # a local code, or text only: read by the words; was not-applicable (at order time, no card).
    ([_worded("c", display="Lung disease with systemic sclerosis")], True),
    ([_worded("c", text="SSc-ILD", code="L-123")], True),
    ([{"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p1"},
       "code": {"text": "Systemic sclerosis with interstitial lung disease"}}], True),
    ([_worded("s", text="Diffuse cutaneous scleroderma"), _worded("i", display="Nonspecific interstitial pneumonia")], True),
    ([cond("ssc"), _worded("i", text="NSIP pattern on HRCT")], True),
    # One half alone, or words of neither, or lung words of no ILD, place nothing.
    ([_worded("s", text="Scleroderma")], False),
    ([_worded("i", text="Interstitial lung disease")], False),
    ([_worded("p", display="Pulmonary arterial hypertension associated with systemic sclerosis")], False),
    ([cond("ssc"), _worded("x", display="Chronic obstructive lung disease")], False),
    ([_worded("m", display="Multiple sclerosis"), _worded("i", text="pulmonary fibrosis")], False),
    # A resolved Condition is not read by its words either.
    ([cond("ssc"), _worded("i", text="ILD", clinicalStatus={"coding": [{"code": "resolved"}]})], False),
])
def test_a_condition_no_code_places_is_read_by_its_words(conds, placed):
    m = one(bundle(mr(), *conds))
    assert (m.data["indication"]["condition"] == "ssc-ild") == placed
    said = notes(m, "matched-by-text")
    assert bool(said) == (placed and any(c["id"] != "ssc" for c in conds))
    for n in said:
        assert "/code/" in n.pointer and "not by a code" in n.message


def test_a_condition_placed_by_its_code_is_not_read_by_its_words():
    ild = cond("ild", code="233703007")
    ild["code"]["text"] = "pulmonary hypertension"
    m = one(bundle(mr(), cond("ssc"), ild))
    assert m.data["indication"]["condition"] == "ssc-ild" and not notes(m, "matched-by-text")


def test_a_condition_read_by_its_icd10_category_says_so():
    m = one(bundle(mr(), cond("ssc", ICD, "M34.9"), cond("ild", ICD, "J84.170")))
    assert m.data["indication"]["condition"] == "ssc-ild"
    assert any("J84.170" in n.message and "read by its category" in n.message for n in notes(m, "unverified-code"))


def test_ild_code_from_a_u_tagged_icd_code_adds_unverified_code():
    m = one(bundle(mr(), cond("ssc", ICD, "M34.9"), cond("ild", ICD, "J84.10")))
    assert [n.pointer for n in notes(m, "unverified-code")] == ["/entry/3/resource/code/coding/0/code"]


def test_indication_from_order_reason_codes():
    r = mr(reasonCode=[{"coding": [{"system": ICD, "code": "M34.81"}]}])
    assert one(bundle(r)).data["indication"]["condition"] == "ssc-ild"


def _contained_condition(cid: str = "c1", code: str = "M34.81", system: str = ICD) -> dict:
    c = cond(cid, system, code)
    del c["subject"]  # a contained resource takes its container's context
    return c


def test_a_reason_reference_to_a_contained_condition_places_the_indication(linter):
    # FHIR R4 References: "#c1" names a resource contained in the order. Read as the order's
    # reasonCode; unread, this cyclophosphamide order without prophylaxis was not-applicable (at order
    # time: no card).
    r = mr(drug="cyclophosphamide", dose=600, route=None, contained=[_contained_condition()],
           reasonReference=[{"reference": "#c1"}], timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    m = one(bundle(r))
    assert m.data["indication"]["condition"] == "ssc-ild"
    assert "purpose" not in order(m)
    (res,) = lint(bundle(r), linter)
    assert res.status == "checked" and "ILD301" in codes([res])
    # The same code given as a reasonCode reads the same.
    assert one(bundle(mr(drug="cyclophosphamide", reasonCode=[{"coding": [{"system": ICD, "code": "M34.81"}]}]))
               ).data["indication"] == m.data["indication"]


def test_a_contained_condition_of_another_condition_makes_the_order_other_and_places_nothing():
    r = mr(contained=[_contained_condition(code="M06.9")], reasonReference=[{"reference": "#c1"}])
    m = one(bundle(r))
    assert order(m)["purpose"] == "other"
    assert m.data["indication"]["condition"] == "no SSc-ILD condition in the FHIR input"


def test_a_local_reference_names_only_a_condition_of_its_id():
    # Another id, or another type of the same id, is not the reason.
    for contained in ([_contained_condition("c2")],
                      [{"resourceType": "Observation", "id": "c1", "code": {"coding": [{"system": ICD, "code": "M34.81"}]}}]):
        m = one(bundle(mr(contained=contained, reasonReference=[{"reference": "#c1"}])))
        assert m.data["indication"]["condition"] == "no SSc-ILD condition in the FHIR input"


def test_a_local_reference_of_an_order_in_a_group_names_the_groups_contained_condition():
    # An order contained in a draft RequestGroup: its "#c1" is among the group's contained resources.
    med = mr(mid="m1", drug="cyclophosphamide", reasonReference=[{"reference": "#c1"}])
    del med["subject"]
    group = {"resourceType": "RequestGroup", "id": "g1", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "contained": [med, _contained_condition()],
             "action": [{"resource": {"reference": "#m1"}}]}
    m = one(bundle(group))
    assert m.data["indication"]["condition"] == "ssc-ild"
    assert [o["drug"] for o in m.data["orders"]] == ["cyclophosphamide"]


def test_unplaced_indication_is_not_applicable_with_ol007_at_the_first_condition(linter):
    (r,) = lint(bundle(mr(), cond("ra", ICD, "M06.9")), linter)
    assert r.status == "not-applicable"
    (f,) = [f for f in r.findings if f.code == "OL007"]
    assert f.pointer == "/entry/2/resource" and f.line > 1


def test_phase_and_rapidly_progressive_extensions_and_conflicts():
    ssc = cond("ssc", extension=[{"url": NS + "ild-phase", "valueCode": "progression"},
                                 {"url": NS + "rapidly-progressive", "valueBoolean": True}])
    m = one(bundle(mr(), ssc, cond("ild", code="233703007")))
    assert m.data["indication"] == {"condition": "ssc-ild", "phase": "progression", "rapidly_progressive": True}
    ild = cond("ild", code="233703007", extension=[{"url": NS + "ild-phase", "valueCode": "first-line"}])
    m = one(bundle(mr(), ssc, ild))
    assert "phase" not in m.data["indication"] and m.data["indication"]["rapidly_progressive"] is True
    (n,) = notes(m, "conflicting-extension")
    assert n.pointer == "/entry/2/resource/extension/0"


def test_history_from_statements_and_requests_with_outcome(linter):
    ms = {"resourceType": "MedicationStatement", "status": "completed", "subject": {"reference": "Patient/p1"},
          "medicationCodeableConcept": {"text": "mycophenolate mofetil"},
          "effectivePeriod": {"start": "2024-01-01", "end": "2025-06-30"},
          "extension": [{"url": NS + "ild-outcome", "valueCode": "progression"}]}
    stopped = mr("aza", drug="azathioprine", status="stopped", dispenseRequest={"validityPeriod": {"start": "2023-01-01", "end": "2023-12-31"}})
    comedication = mr("ppi", drug="omeprazole", status="completed")
    m = one(bundle(ms, stopped, comedication), linter)
    assert m.data["history"] == [
        {"drug": "mycophenolate mofetil", "start": "2024-01-01", "stop": "2025-06-30", "outcome": "progression"},
        {"drug": "azathioprine", "start": "2023-01-01", "stop": "2023-12-31", "outcome": "unknown"}]  # ILD therapies only


@pytest.mark.parametrize("intent,history", [("proposal", False), ("Plan", False), ("order", True), ("original-order", True)])
@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_a_proposal_or_plan_that_ended_is_no_history(linter, intent, history, status):
    # fhir.md 2.3 (history: what was taken) with 2.1 (a proposal or plan is never counted as given).
    # A completed proposal of mycophenolate with outcome progression was read as a progression on it:
    # nintedanib with mycophenolate then passed ILD102 as an add-on.
    ended = mr("old", status=status, intent=intent, dispenseRequest={"validityPeriod": {"start": "2024-01-01", "end": "2025-06-30"}},
               extension=[{"url": NS + "ild-outcome", "valueCode": "progression"}])
    m = one(bundle(mr(), ended), linter)
    assert bool(m.data.get("history")) is history
    said = [n for n in notes(m, "not-counted") if "history" in n.message]
    assert [(n.message, n.pointer) for n in said] == ([] if history else [
        (f"MedicationRequest/old has intent {intent.lower()}: not read as therapy given (history)", "/entry/2/resource/intent")])


@pytest.mark.parametrize("values", [("response", "progression"), ("progression", "response")])
def test_conflicting_ild_outcomes_on_one_history_item_are_ignored(linter, values):
    # fhir.md: conflicting values are ignored (OL008 conflicting-extension). The last one won, so
    # "progression" then "response" read as a response and the progression phase was lost.
    ms = {"resourceType": "MedicationStatement", "status": "completed", "subject": {"reference": "Patient/p1"},
          "medicationCodeableConcept": {"text": "mycophenolate mofetil"},
          "effectivePeriod": {"start": "2024-01-01", "end": "2025-06-30"},
          "extension": [{"url": NS + "ild-outcome", "valueCode": v} for v in values]}
    m = one(bundle(ms), linter)
    assert m.data["history"][0]["outcome"] == "unknown"
    (n,) = notes(m, "conflicting-extension")
    assert "'progression', 'response'" in n.message and n.pointer.endswith("/extension/0")
    same = {**ms, "extension": [{"url": NS + "ild-outcome", "valueCode": "progression"}] * 2}
    m = one(bundle(same), linter)
    assert m.data["history"][0]["outcome"] == "progression" and not notes(m, "conflicting-extension")


@pytest.mark.parametrize("status,native", [("active", "active"), ("on-hold", "on-hold"), ("unknown", "active"),
                                           ("not-taken", None), ("intended", None), ("entered-in-error", None)])
def test_medication_statement_status(status, native):
    ms = {"resourceType": "MedicationStatement", "status": status, "subject": {"reference": "Patient/p1"},
          "medicationCodeableConcept": {"text": "azathioprine"}}
    m = one(bundle(ms))
    assert (m.data.get("orders") or [{}])[0].get("status") == native


# ------------------------------------------------------------------ 2.4 screening tests
@pytest.mark.parametrize("test,code,tag", [
    ("cbc", "58410-2", "V2"), ("cbc", "57021-8", "V2"), ("cbc", "57782-5", "V2"), ("cmp", "24323-8", "V2"),
    ("lft", "1920-8", "V2"), ("lft", "1742-6", "U"), ("lft", "24325-3", "U"),
    *[("renal", c, "V2") for c in ("24362-6", "24320-4", "24321-2", "51990-0", "2160-0", "62238-1", "98979-8")],
    ("urinalysis", "24356-8", "V2"), ("urinalysis", "24357-6", "V2"),
    *[("hbv", c, "V2") for c in ("5196-1", "5195-3", "16933-4", "13952-7")], ("hcv", "13955-0", "V2"), ("hcv", "16128-1", "V2"),
    ("tb", "71773-6", "V2"), *[("tb", c, "U") for c in ("71775-1", "45323-3", "39263-9")],
    *[("pregnancy", c, "V2") for c in ("2106-3", "2118-8", "2110-5", "2112-1", "80384-1", "80385-8", "19080-1", "21198-7")],
    ("g6pd", "2357-2", "V2"), ("g6pd", "32546-4", "V2"),
    *[("hrct", c, "V2") for c in ("24627-2", "29252-4", "89860-1", "24628-0", "30598-7")],
    *[("pft", c, "V2") for c in ("19868-9", "19870-5", "19911-7", "19913-3")], ("pft", "19872-1", "U"), ("pft", "20150-9", "U"),
])
def test_screening_test_codes(test, code, tag):
    o = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": LN, "code": code}]}, "effectiveDateTime": "2026-02-20"}
    m = one(bundle(mr(), o))
    assert m.data["tests"] == [{"test": test, "status": "resulted", "date": "2026-02-20"}]
    assert m.origin["/tests/0"] == "/entry/2/resource"
    assert bool(notes(m, "unverified-code")) == (tag == "U")


def test_hrct_by_cpt_and_tpmt_by_name_only():
    p = {"resourceType": "Procedure", "status": "completed", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "71250"}]}, "performedDateTime": "2026-01-10"}
    t = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"text": "TPMT"}, "effectiveDateTime": "2020-01-10"}
    m = one(bundle(mr(), p, t))
    assert [x["test"] for x in m.data["tests"]] == ["hrct", "TPMT"]
    assert notes(m, "matched-by-text")[0].pointer == "/entry/3/resource/code/text"


def test_test_resources_and_statuses():
    dr = {"resourceType": "DiagnosticReport", "status": "amended", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": LN, "code": "24627-2"}]}, "issued": "2026-01-05T10:00:00Z"}
    img = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": "Patient/p1"},
           "procedureCode": [{"coding": [{"system": LN, "code": "24627-2"}]}], "started": "2026-01-04"}
    sr = {"resourceType": "ServiceRequest", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": LN, "code": "5196-1"}]}}
    prelim = {"resourceType": "Observation", "status": "preliminary", "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": LN, "code": "58410-2"}]}, "effectiveDateTime": "2026-02-20"}
    m = one(bundle(mr(), dr, img, sr, prelim))
    assert m.data["tests"] == [{"test": "hrct", "status": "resulted", "date": "2026-01-05"},
                               {"test": "hrct", "status": "resulted", "date": "2026-01-04"},
                               {"test": "hbv", "status": "ordered"}]


def test_service_request_in_draft_orders_counts_as_ordered(linter):
    sr = {"resourceType": "ServiceRequest", "status": "draft", "intent": "order", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": LN, "code": "5196-1"}]}}
    req = {"hook": "order-sign", "context": {"patientId": "p1", "draftOrders": bundle(mr(status="draft"), sr, patient=False)}}
    assert one(req).data["tests"] == [{"test": "hbv", "status": "ordered"}]


@pytest.mark.parametrize("intent,said", [(None, "has no intent"), ("ordered", "has intent 'ordered', not an R4 request intent"),
                                         (7, "has intent 7, not an R4 request intent")])
def test_a_service_request_without_an_r4_intent_is_no_ordered_test(intent, said):
    # fhir.md 2.1 (status and intent: unknown, absent, not an R4 code -> fail closed), for a test's
    # request: intent is required; one that names none (or no R4 code) had counted as an ordered HBV serology.
    sr = {"resourceType": "ServiceRequest", "id": "hbv", "status": "active", "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": LN, "code": "5196-1"}]}}
    if intent is not None:
        sr["intent"] = intent
    m = one(bundle(mr(), sr))
    assert "tests" not in m.data
    (n,) = notes(m, "unknown-status")
    assert n.message == f"ServiceRequest 'hbv' {said}: not counted as an ordered test (fail closed)"
    assert n.pointer == "/entry/2/resource" + ("/intent" if intent is not None else "")


@pytest.mark.parametrize("intent", ["directive", "reflex-order", " Order "])
def test_a_service_request_with_an_ordering_intent_counts(intent):
    sr = {"resourceType": "ServiceRequest", "status": "active", "intent": intent, "subject": {"reference": "Patient/p1"},
          "code": {"coding": [{"system": LN, "code": "5196-1"}]}}
    assert one(bundle(mr(), sr)).data["tests"] == [{"test": "hbv", "status": "ordered"}]


def test_undated_result_is_not_counted_with_a_note():
    o = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": LN, "code": "58410-2"}]}}
    m = one(bundle(mr(), o))
    assert "tests" not in m.data
    (n,) = notes(m, "undated-result")
    assert n.pointer == "/entry/2/resource"


@pytest.mark.parametrize("extra,result", [
    ({"interpretation": [{"coding": [{"code": "POS"}]}]}, "positive"), ({"interpretation": [{"coding": [{"code": "NEG"}]}]}, "negative"),
    ({"interpretation": [{"coding": [{"code": "N"}]}]}, "normal"), ({"interpretation": [{"coding": [{"code": "A"}]}]}, "abnormal"),
    ({"valueCodeableConcept": {"coding": [{"system": SN, "code": "10828004"}]}}, "positive"),
    ({"valueCodeableConcept": {"coding": [{"system": SN, "code": "260385009"}]}}, "negative"),
    ({"valueString": "not detected"}, "not detected"),
])
def test_test_result(extra, result):
    o = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": LN, "code": "5196-1"}]}, "effectiveDateTime": "2026-02-20", **extra}
    assert one(bundle(mr(), o)).data["tests"][0]["result"] == f"{result} [5196-1]"  # the test code: its assay


# ------------------------------------------------------------------ section 3: findings in the FHIR document
def test_findings_carry_pointer_line_column_and_medication_request_id(linter):
    b = bundle(*SSC_ILD, mr("cyc-1", drug="cyclophosphamide", dose=600, unit="mg/m2", route=("47625008",),
                           timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "count": 6}}))
    text = json.dumps(b, indent=2)
    (r,) = lint_fhir(text, linter=linter, source="b.json")
    (f,) = [f for f in r.findings if f.code == "ILD301"]
    assert f.order == "cyc-1" and f.pointer == "/entry/3/resource/medicationCodeableConcept/text"
    line = text.splitlines()[f.line - 1]
    assert '"text": "cyclophosphamide"' in line and line.index('"cyclophosphamide"') + 1 == f.column


def test_a_missing_value_points_at_its_nearest_parent(linter):
    r = mr(route=None, drug="azathioprine", dose=100)
    (res,) = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for f in res.findings if f.code == "OL003"]
    assert f.pointer == "/entry/3/resource/dosageInstruction/0" and "route" in f.message


def test_every_ol008_note_is_an_info_finding_even_when_not_applicable(linter):
    r = mr(status="bogus")
    (res,) = lint(bundle(r), linter)  # no Condition: not applicable
    assert res.status == "not-applicable"
    f = [f for f in res.findings if f.code == "OL008"]
    assert f and all(x.severity == "info" for x in f) and f[0].message.startswith("unknown-status") and f[0].order == "m1"


def test_mapping_never_raises_on_hostile_shapes(linter):
    hostile = [
        {"resourceType": "Bundle", "entry": [None, 1, {"resource": []}, {"resource": {"resourceType": 5}}]},
        {"resourceType": "MedicationRequest", "dosageInstruction": [{"doseAndRate": "x", "timing": {"repeat": {"frequency": "2"}},
                                                                     "route": {"coding": "x"}}], "medicationCodeableConcept": {"coding": [None]}},
        {"hook": 1, "context": {"patientId": 5, "draftOrders": [[{"resourceType": "MedicationRequest"}]]}, "prefetch": [1]},
        {"resourceType": "Patient", "birthDate": "99999"},
        {"resourceType": "Observation", "code": {"coding": [{"system": LN, "code": "29463-7"}]}, "status": "final",
         "valueQuantity": {"value": True, "code": "kg"}},
    ]
    for h in hostile:
        for r in lint(h, linter):
            assert r.status in ("checked", "not-applicable", "invalid")
            assert all(f.code != "OL000" for f in r.findings), [f.message for f in r.findings]


def test_map_fhir_is_pure():
    b = bundle(*SSC_ILD, mr())
    before = copy.deepcopy(b)
    map_fhir(b, source="t")
    assert b == before


def test_a_drug_named_only_by_an_unverified_code_says_so(linter):
    r = mr()
    r["medicationCodeableConcept"] = {"coding": [{"system": RX, "code": "5492"}]}  # hydrocortisone: U
    m = one(bundle(r), linter)
    assert order(m)["drug"] == "hydrocortisone"
    (n,) = notes(m, "unverified-code")
    assert n.pointer == "/entry/1/resource/medicationCodeableConcept/coding/0/code"


def test_other_gaps_are_missing_value():
    r = mr(dose=-5, timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsDuration": {"value": 3, "code": "h"}}})
    r["dosageInstruction"][0]["route"] = {"coding": [{"system": SN, "code": "16857009"}]}  # a route code not in the value set
    m = one(bundle(r))
    assert "dose" not in order(m) and "duration" not in order(m) and "route" not in order(m)
    assert sorted(n.pointer.rsplit("/", 2)[-2:][-1] for n in notes(m, "missing-value")) == ["boundsDuration", "route", "value"]


def test_every_note_key_of_the_mapping_is_tested():
    import re

    src = (Path(__file__).resolve().parents[1] / "orderlint" / "fhir" / "mapping.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'Note\("([a-z-]+)"', src)) | set(re.findall(r'self\.note\("([a-z-]+)"', src))
    mine = Path(__file__).read_text(encoding="utf-8")
    assert keys and all(f'"{k}"' in mine for k in keys), sorted(k for k in keys if f'"{k}"' not in mine)


def test_an_unresolved_reference_with_a_display_is_still_ol002(linter):
    r = mr()
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "Medication/nowhere", "display": "mycophenolate mofetil"}
    res = lint(bundle(*SSC_ILD, r), linter)
    fs = [f for x in res for f in x.findings]
    assert [f.code for f in fs if f.code == "OL002"] == ["OL002"]
    (n,) = [f for f in fs if f.code == "OL008"]
    assert n.message.startswith("unresolved-reference") and "display 'mycophenolate mofetil' not used" in n.message


def _with_medication(med: dict) -> dict:
    r = mr(drug="methylprednisolone", dose=16)
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "#m"}
    r["contained"] = [{"resourceType": "Medication", "id": "m", **med}]
    return r


@pytest.mark.parametrize("med, read_as", [
    # fhir.md 2.1 reads `code`, else `ingredient[].itemCodeableConcept`, and is silent on several
    # ingredients: read as the first one, methylprednisolone went unchecked (ILD202 silent).
    ({"ingredient": [{"itemCodeableConcept": {"text": "hydroxychloroquine"}},
                     {"itemCodeableConcept": {"text": "methylprednisolone"}}]}, "hydroxychloroquine / methylprednisolone"),
    ({"code": {"text": "hydroxychloroquine"}, "ingredient": [{"itemCodeableConcept": {"text": "methylprednisolone"}}]},
     "hydroxychloroquine / methylprednisolone"),
], ids=["two-ingredients", "code-against-ingredient"])
def test_a_medication_of_several_drugs_is_an_ambiguous_name_never_its_first(linter, med, read_as):
    (res,) = lint(bundle(*SSC_ILD, _with_medication(med)), linter)
    assert order(one(bundle(*SSC_ILD, _with_medication(med)), linter))["drug"] == read_as
    (f,) = [f for f in res.findings if f.code == "OL002"]
    assert f.severity == "error" and "is ambiguous: it could be hydroxychloroquine or methylprednisolone" in f.message


@pytest.mark.parametrize("med", [
    {"code": {"text": "methylprednisolone 4 MG Oral Tablet"}, "ingredient": [{"itemCodeableConcept": {"text": "methylprednisolone"}}]},
    {"ingredient": [{"itemCodeableConcept": {"text": "methylprednisolone"}},
                    {"itemCodeableConcept": {"text": "lactose"}, "isActive": False}]},
], ids=["product-and-its-ingredient", "inactive-ingredient"])
def test_a_medication_of_one_drug_is_read_as_that_drug(linter, med):
    (res,) = lint(bundle(*SSC_ILD, _with_medication(med)), linter)
    assert "ILD202" in [f.code for f in res.findings] and "OL002" not in [f.code for f in res.findings]


# fhir.md 2.1: "Dose, first found: doseAndRate[].doseQuantity (type ordered first); doseRange (high
# for maximum and sum checks, low for ILD502)". Silent on several doses of one type and on
# Quantity.comparator (a modifier element in R4); built as a range, fail closed.
_DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def _mp(*doses: dict) -> dict:
    r = mr(drug="methylprednisolone", dose=None, timing=_DAILY)
    r["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": {"system": UC, "code": "mg", **d}} for d in doses]
    return r


@pytest.mark.parametrize("doses, high, low", [
    (({"value": 4}, {"value": 16}), 16, 4),  # read as the first, 4 mg hid ILD202
    (({"value": 16}, {"value": 4}), 16, 4),
    (({"value": 16, "comparator": "<="},), 16, None),  # at most 16: 16 for the maximum checks
], ids=["4-then-16", "16-then-4", "at-most"])
def test_several_doses_or_a_bounded_dose_are_a_range(linter, doses, high, low):
    m = one(bundle(*SSC_ILD, _mp(*doses)), linter)
    assert order(m)["dose"] == high
    (res,) = lint(bundle(*SSC_ILD, _mp(*doses)), linter)
    assert "ILD202" in [f.code for f in res.findings]
    notes = [f.message for f in res.findings if f.code == "OL008"]
    assert any(n.startswith("dose-range:") for n in notes), notes


def test_a_dose_bounded_only_from_below_is_no_dose_for_the_maximum_checks(linter):
    # "at least 10 mg" was read as exactly 10 mg (12.5 mg PE, under the ILD202 limit): unknown instead.
    (res,) = lint(bundle(*SSC_ILD, _mp({"value": 10, "comparator": ">="})), linter)
    assert "dose" not in order(one(bundle(*SSC_ILD, _mp({"value": 10, "comparator": ">="})), linter))
    assert [f.code for f in res.findings if f.severity != "info"] == ["OL003"]


def test_doses_in_different_units_are_no_dose(linter):
    r = _mp({"value": 16})
    r["dosageInstruction"][0]["doseAndRate"].append({"doseQuantity": {"value": 0.016, "system": UC, "code": "g"}})
    (res,) = lint(bundle(*SSC_ILD, r), linter)
    assert [f.code for f in res.findings if f.severity != "info"] == ["OL003"]
    assert "2 doses are given in different units: no dose" in " ".join(f.message for f in res.findings)


@pytest.mark.parametrize("when", [None, "sometime", "2026-13-45"])
def test_an_undated_measurement_is_not_used(when):
    # A 200 kg weight with no effective date made the BSA that passed cyclophosphamide 2000 mg IV
    # (620 mg/m2); it may be of any age. As an undated screening result: not counted, said.
    obs = _obs("29463-7", 200, "kg")
    del obs["effectiveDateTime"]
    if when is not None:
        obs["effectiveDateTime"] = when
    m = one(bundle(mr(), obs))
    assert "weight_kg" not in m.data.get("patient", {})
    (n,) = notes(m, "undated-result")
    assert n.pointer == "/entry/2/resource" and "Body weight" in n.message
    # A dated one beside it is used.
    m = one(bundle(mr(), obs, _obs("29463-7", 80, "kg", "2026-02-01")))
    assert m.data["patient"]["weight_kg"] == 80


@pytest.mark.parametrize("coding", [
    [{"system": "http://snomed.info/sct", "code": "387420009", "display": "Cyclophosphamide"}],
    [{"system": RX, "code": "68149"}, {"system": RX, "code": "3002"}],  # the second verified code
    [{"system": "http://example.org/local", "code": "x", "display": "cyclophosphamide 50 MG Oral Capsule"}],
])
def test_a_coding_that_names_another_drug_than_the_name_is_ol002(linter, coding):
    # Text 'mycophenolate mofetil' beside a coding of cyclophosphamide: read as the text alone, the
    # order passed with no ILD301 and no cyclophosphamide dose check. Which drug it is cannot be told.
    r = mr(drug="mycophenolate mofetil")
    r["medicationCodeableConcept"]["coding"] = coding
    res = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for x in res for f in x.findings if f.code == "OL002"]
    assert f.severity == "error" and "cyclophosphamide" in f.message and "mycophenolate mofetil" in f.message
    notes_ = [f.message for x in res for f in x.findings if f.code == "OL008" and "names cyclophosphamide" in f.message]
    assert notes_
    assert "ILD501" not in codes(res)


@pytest.mark.parametrize("display", ["Mycophenolate mofetil", "CellCept 500 MG Oral Tablet", "mycophenolate"])
def test_a_coding_that_names_the_same_drug_or_its_class_is_no_contradiction(linter, display):
    r = mr(drug="mycophenolate mofetil")
    r["medicationCodeableConcept"]["coding"] = [{"system": "http://snomed.info/sct", "code": "1", "display": display}]
    assert "OL002" not in codes(lint(bundle(*SSC_ILD, r), linter))


@pytest.mark.parametrize("intent", [None, "bogus", "orders", {"code": "order"}])
def test_an_intent_that_is_no_r4_intent_is_said_and_protects_nothing(linter, intent):
    # An unknown status was OL008; an unknown or missing intent (R4: required) was read as an order
    # without a word. Judged as an order for every risk, never as a protection.
    r = mr(mid="smx", drug="sulfamethoxazole-trimethoprim", dose=800, timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    if intent is None:
        del r["intent"]
    else:
        r["intent"] = intent
    cyc = mr(mid="cyc", drug="cyclophosphamide", dose=600, unit="mg/m2", route=("47625008",),
             timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    res = lint(bundle(*SSC_ILD, cyc, r), linter)
    notes_ = [f.message for x in res for f in x.findings if f.code == "OL008" and "intent" in f.message and "R4" in f.message
              or f.code == "OL008" and "has no intent" in f.message]
    assert notes_, [f.message for x in res for f in x.findings]
    assert "ILD301" in codes(res)  # the co-trimoxazole of unknown intent is no prophylaxis
    r["intent"] = "order"
    assert "ILD301" not in codes(lint(bundle(*SSC_ILD, cyc, r), linter))


def test_a_coding_object_is_read_and_said(linter):
    # fhir.md 2.1: an object where an array belongs is one item (OL008 shape-repaired); it was read
    # without a word.
    r = mr()
    r["medicationCodeableConcept"] = {"coding": {"system": RX, "code": "68149"}}
    m = one(bundle(r), linter)
    assert order(m)["drug"] == "mycophenolate mofetil"
    (n,) = notes(m, "shape-repaired")
    assert n.pointer == "/entry/1/resource/medicationCodeableConcept/coding"


def test_a_unit_code_of_another_system_is_said(linter):
    # fhir.md 2.1: the unit is the UCUM code; 'g' of http://example.org/units was read as grams silently.
    r = mr(dose=2)
    r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "system": "http://example.org/units", "code": "g"}
    m = one(bundle(r), linter)
    assert order(m)["unit"] == "g"
    (n,) = notes(m, "non-ucum-unit")
    assert n.pointer.endswith("/doseQuantity/system") and "http://example.org/units" in n.message


def test_a_measurement_dated_by_an_effective_timing_is_dated():
    obs = _obs("29463-7", 80, "kg")
    del obs["effectiveDateTime"]
    obs["effectiveTiming"] = {"event": ["2026-01-01", "2026-02-01T08:00:00Z"]}
    m = one(bundle(mr(), obs, _obs("29463-7", 70, "kg", "2026-01-15")))
    assert m.data["patient"]["weight_kg"] == 80 and not notes(m, "undated-result")


def test_a_terminology_s_own_wording_of_another_drug_is_a_disagreement(linter):
    r = mr(drug="mycophenolate mofetil")
    r["medicationCodeableConcept"]["coding"] = [{"system": "http://snomed.info/sct", "code": "1",
                                                 "display": "Product containing cyclophosphamide (medicinal product)"}]
    res = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for x in res for f in x.findings if f.code == "OL002"]
    assert f.severity == "error" and "cyclophosphamide" in f.message


def test_a_recorded_birth_sex_of_female_keeps_a_pregnancy_possible():
    # R4 gender is administrative: gender male with US Core birth sex F read as male alone, and the
    # pregnancy test before a teratogen (ILD404) was not asked for.
    b = bundle(mr())
    b["entry"][0]["resource"]["extension"] = [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                                              "valueCode": "F"}]
    m = one(b)
    assert m.data["patient"]["sex"] == "male" and m.data["patient"]["reproductive_potential"] is True
    (n,) = notes(m, "conflicting-extension")
    assert n.pointer == "/entry/0/resource/extension/0"
    b["entry"][0]["resource"]["extension"][0]["valueCode"] = "M"
    assert "reproductive_potential" not in one(b).data["patient"]


def test_a_lower_case_birth_sex_is_read_and_https_ucum_is_ucum(linter):
    b = bundle(mr())
    b["entry"][0]["resource"]["extension"] = [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                                              "valueCode": "f"}]
    assert one(b).data["patient"]["reproductive_potential"] is True
    r = mr(dose=2)
    r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "system": "https://unitsofmeasure.org", "code": "g"}
    assert not notes(one(bundle(r), linter), "non-ucum-unit")


def test_implicit_rules_make_a_resource_unreadable(linter):
    # R4: implicitRules is a modifier element, as a modifierExtension is: rules the reader does not
    # know may change what the order means. It was read as if absent.
    r = mr()
    r["implicitRules"] = "http://example.org/rules"
    (res,) = lint(bundle(*SSC_ILD, r), linter)
    assert res.status == "invalid"
    (f,) = [f for f in res.findings if f.code == "OL001"]
    assert "implicitRules" in f.message and f.pointer == "/entry/3/resource/implicitRules"


@pytest.mark.parametrize("intent", ["Proposal", "PLAN", " option "])
def test_a_not_yet_ordered_intent_in_another_case_is_read_as_that_intent(linter, intent):
    # 'Proposal' is no R4 code but spells one: read as a proposal, never given more credit than the code.
    r = mr(mid="smx", drug="sulfamethoxazole-trimethoprim", dose=800, timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    r["intent"] = intent
    cyc = mr(mid="cyc", drug="cyclophosphamide", dose=600, unit="mg/m2", route=("47625008",),
             timing={"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk"}})
    assert "ILD301" in codes(lint(bundle(*SSC_ILD, cyc, r), linter))


def test_a_malformed_extension_beside_a_birth_sex_is_skipped():
    b = bundle(mr())
    b["entry"][0]["resource"]["extension"] = [None, "x", {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex",
                                                          "valueCode": "F"}]
    assert one(b).data["patient"]["reproductive_potential"] is True
    b["entry"][0]["resource"]["extension"] = {"url": "x"}
    assert "reproductive_potential" not in one(b).data["patient"]


def _by_contained(*meds) -> dict:
    r = mr(drug="x")
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "#m1"}
    r["contained"] = [{"resourceType": "Medication", "id": "m1", "code": {"text": d}} for d in meds]
    return r


@pytest.mark.parametrize("meds", [("hydroxychloroquine", "mycophenolate mofetil"), ("mycophenolate mofetil", "hydroxychloroquine")])
def test_two_contained_resources_sharing_the_referenced_id_are_ol001(linter, meds):
    # The first was read as the drug ordered: a hydroxychloroquine before a cyclophosphamide of the
    # same id passed the order unchecked, and the order of the two decided the outcome.
    (r,) = lint(bundle(_by_contained(*meds), *SSC_ILD), linter)
    assert r.status == "invalid"
    (f,) = [f for f in r.findings if f.code == "OL001"]
    assert "share the id 'm1' with different content" in f.message
    assert f.pointer == "/entry/1/resource/medicationReference/reference"


def test_a_repeated_identical_contained_medication_is_read(linter):
    (r,) = lint(bundle(_by_contained("mycophenolate mofetil", "mycophenolate mofetil"), *SSC_ILD), linter)
    assert r.status == "checked" and "OL001" not in codes([r]) and "OL002" not in codes([r])


@pytest.mark.parametrize("gender", ["Female", 5, ["female"]])
def test_a_second_patients_gender_that_cannot_be_read_is_a_disagreement(linter, gender):
    # Dropped as unreadable, it left the first Patient's 'male' standing: ILD404 was skipped.
    b = bundle(mr(status="draft"), *SSC_ILD)
    b["entry"].append({"resource": {"resourceType": "Patient", "gender": gender}})
    m = one(b, linter)
    assert "sex" not in m.data["patient"] and len(notes(m, "missing-value")) == 1
    assert "ILD404" in codes(lint(b, linter))


@pytest.mark.parametrize("born", ["1995-13-40", 1950, "2099-01-01"])
def test_a_second_patients_birth_date_that_cannot_be_used_is_a_disagreement(linter, born):
    b = bundle(mr())
    b["entry"].append({"resource": {"resourceType": "Patient", "birthDate": born}})
    m = one(b, linter)
    assert "age_years" not in m.data["patient"] and "disagree on birthDate" in notes(m, "missing-value")[0].message


def test_a_third_patient_resource_does_not_settle_a_disagreement(linter):
    # Male, female, then male again: the third agreed with the first and brought the sex back.
    b = bundle(mr(status="draft"), *SSC_ILD)
    for g in ("female", "male"):
        b["entry"].append({"resource": {"resourceType": "Patient", "gender": g}})
    m = one(b, linter)
    assert "sex" not in m.data["patient"] and len(notes(m, "missing-value")) == 1


@pytest.mark.parametrize("second", [{"gender": "male"}, {"id": "p1", "gender": "male"}, {"gender": "male", "birthDate": "1970-01-01"}])
@pytest.mark.parametrize("first_is_male", [False, True])
def test_patient_resources_that_disagree_on_gender_give_no_sex(linter, second, first_is_male):
    # regimen-format.md 2nd ed., patient.reproductive_potential: "true unless `sex` is `male` (fail closed)".
    # An id-less Patient 'male' read after Patient/p1 'female' replaced her sex (the last one won):
    # ILD404, the pregnancy test before mycophenolate, was skipped; in the other order it fired.
    b = bundle(mr(status="draft"), *SSC_ILD)
    b["entry"][0]["resource"]["gender"] = "male" if first_is_male else "female"
    other = {"resourceType": "Patient", **second, "gender": "female" if first_is_male else "male"}
    b["entry"].append({"resource": other})
    if "id" in second:  # the same id with other content: the input twice, OL001 (already so)
        (r,) = lint(b, linter)
        assert r.status == "invalid"
        return
    m = one(b, linter)
    assert "sex" not in m.data["patient"] and m.data["patient"]["age_years"] == 56
    (n,) = notes(m, "missing-value")
    assert "disagree on gender" in n.message and n.pointer == "/entry/4/resource/gender"
    (r,) = lint(b, linter)
    assert "ILD404" in codes([r])


def test_patient_resources_that_agree_are_read_and_a_birth_date_conflict_gives_no_age(linter):
    b = bundle(mr())
    b["entry"].append({"resource": {"resourceType": "Patient", "gender": "male", "birthDate": "1970-01-01"}})
    m = one(b, linter)
    assert m.data["patient"]["sex"] == "male" and not notes(m, "missing-value")
    b["entry"][-1]["resource"]["birthDate"] = "2000-01-01"
    m = one(b, linter)
    assert m.data["patient"]["sex"] == "male" and "age_years" not in m.data["patient"]
    (n,) = notes(m, "missing-value")
    assert "disagree on birthDate (1970-01-01 at /entry/0/resource/birthDate, 2000-01-01 here)" in n.message


def _deleting(btype: str, *extra_entries: dict) -> dict:
    b = bundle(mr("smx", drug="co-trimoxazole"), mr("m1"), *SSC_ILD)
    b["type"] = btype
    b["entry"] += list(extra_entries)
    return b


_DELETE_SMX = {"fullUrl": "https://ehr.example.org/fhir/MedicationRequest/smx",
               "request": {"method": "DELETE", "url": "MedicationRequest/smx"}, "response": {"status": "204"}}


@pytest.mark.parametrize("btype, extra, said", [
    ("history", [_DELETE_SMX], "deletes MedicationRequest/smx and also holds it"),
    ("transaction", [{"request": {"method": "DELETE", "url": "MedicationRequest/smx"}}], "deletes MedicationRequest/smx"),
    ("transaction", [{"request": {"method": "DELETE", "url": "MedicationRequest?identifier=x|1"}}],
     "deletes MedicationRequest resources by a search"),
    ("transaction", [{"request": {"method": "DELETE", "url": "https://ehr.example.org/fhir/MedicationRequest?identifier=x|1"}}],
     "deletes MedicationRequest resources by a search"),
    ("transaction", [{"request": {"method": "DELETE", "url": "https://ehr.example.org/fhir/MedicationRequest/smx"}}],
     "deletes MedicationRequest/smx"),
    # A DELETE padded, in lower case, or naming its target in a way no resource can be read from:
    # skipped, the deleted co-trimoxazole counted.
    ("transaction", [{"request": {"method": " DELETE ", "url": "MedicationRequest/smx"}}], "deletes MedicationRequest/smx"),
    ("transaction", [{"request": {"method": "DELETE", "url": "medicationrequest/smx"}}], "deletes a resource it names as"),
    ("transaction", [{"request": {"method": "DELETE", "url": "MedicationRequest/sm%78"}}], "deletes a resource it names as"),
    ("transaction", [{"request": {"method": "DELETE"}}], "deletes a resource it names as ''"),
    ("transaction", [{"request": 5}], "request is a number where an object with a method belongs"),
    ("transaction", [{"request": {"method": ["DELETE"]}}], "where an object with a method belongs"),
    ("History", [_DELETE_SMX], "deletes MedicationRequest/smx and also holds it"),
    ("transaction", [{"resource": mr("x", drug="co-trimoxazole"), "request": {"method": "DELETE", "url": "MedicationRequest/x"}}],
     "deletes MedicationRequest/x and also holds it"),  # its own resource was read as current
    ("history", [{"request": {"method": "DELETE", "url": "MedicationRequest/gone"}}], "records a deletion"),
    ("history", [{"resource": mr("smx", drug="co-trimoxazole", status="stopped")}], "several versions of MedicationRequest/smx"),
])
def test_a_bundle_that_deletes_what_it_holds_or_lists_versions_is_ol001(linter, btype, extra, said):
    # fhir.md section 1: Bundles of other types are read alike; interfaces.md: "Nothing is silently skipped."
    # Entries without a resource were skipped: a history Bundle's deletion of the co-trimoxazole was
    # not applied, its older version read as current, and ILD301 passed.
    (r,) = lint(_deleting(btype, *extra), linter)
    assert r.status == "invalid"
    (f,) = [f for f in r.findings if f.code == "OL001"]
    assert said in f.message


@pytest.mark.parametrize("btype, extra", [
    ("history", []), ("transaction", [{"request": {"method": "DELETE", "url": "MedicationRequest/other"}}]),
    ("transaction", [{"request": {"method": "DELETE", "url": "Observation?code=x"}}]),
])
def test_a_bundle_whose_deletions_touch_nothing_it_holds_is_read(linter, btype, extra):
    (r,) = lint(_deleting(btype, *extra), linter)
    assert r.status == "checked"


# ------------------------------------------------------------------ 2.1 tapers the daily-dose rules can read
def test_a_pulse_step_is_never_the_largest_step_of_a_taper(linter):
    # fhir.md 2.1 (ILD202/ILD302 take the largest step) with rules.md (pulses are judged by ILD204-ILD207
    # only): the 3-day pulse was taken as the largest step and held the 60 mg a day after it.
    r = mr("mp", drug="methylprednisolone", status="active")
    pulse = _step(1000, 3, 1)
    pulse["route"] = {"coding": [{"system": SN, "code": "47625008"}]}  # intravenous
    daily = _step(60, 3, 2)
    del daily["timing"]["repeat"]["boundsDuration"]  # then open-ended
    r["dosageInstruction"] = [pulse, daily]
    got = codes(lint(bundle(*SSC_ILD, r), linter))
    assert {"ILD202", "ILD302", "ILD204"} <= set(got), got


def test_a_step_by_a_route_that_is_not_systemic_is_never_the_largest_step(linter):
    r = mr("tri", drug="triamcinolone", status="active")
    joint = _step(40, 1, 1)
    joint["route"] = {"text": "intra-articular"}
    r["dosageInstruction"] = [joint, _step(16, 90, 2)]
    assert "ILD202" in codes(lint(bundle(*SSC_ILD, r), linter))


@pytest.mark.parametrize("text", ["every 6 hours", "q4h", "6 hourly", "Q.I.D."])
def test_a_taper_step_at_a_frequency_read_from_its_text_is_sized_by_it(linter, text):
    # Counted once a day, 10 mg every 6 hours (40 mg) was a smaller step than 12 mg daily.
    r = mr("pred", drug="prednisone", status="active")
    first = _step(10, 7, 1)
    first["timing"] = {"code": {"text": text}, "repeat": {"boundsDuration": {"value": 7, "code": "d"}}}
    r["dosageInstruction"] = [first, _step(12, 7, 2)]
    assert "ILD202" in codes(lint(bundle(*SSC_ILD, r), linter))


def test_entries_sharing_a_sequence_are_summed_over_the_longest_course(linter):
    # The sum kept the first entry's 7 days: beside it, an open-ended 5 mg passed ILD203 and ILD503.
    r = mr("pred", drug="prednisone", status="active")
    open_ended = _step(5, 7, 1)
    del open_ended["timing"]["repeat"]["boundsDuration"]
    r["dosageInstruction"] = [_step(5, 7, 1), open_ended]
    m = one(bundle(r), linter)
    first = m.data["orders"][0]
    assert first["dose"] == 10 and "duration" not in first and "doses" not in first
    r["dosageInstruction"] = [_step(5, 7, 1), _step(5, 30, 1)]
    assert one(bundle(r), linter).data["orders"][0]["duration"] == {"value": 30, "unit": "d"}


def test_route_codings_that_disagree_leave_the_route_missing(linter):
    # The first coding read won: an oral tacrolimus coded topical first was no immunosuppressant.
    r = mr("tac", drug="tacrolimus", dose=2, status="draft")
    r["dosageInstruction"][0]["route"] = {"coding": [{"system": SN, "code": "6064005"}, {"system": V3R, "code": "PO"}]}
    m = one(bundle(r), linter)
    assert "route" not in m.data["orders"][0]
    assert any("route codings disagree (oral, topical)" in n.message for n in notes(m, "missing-value"))
    assert "ILD101" in codes(lint(bundle(*SSC_ILD, r), linter))


def _suspension(den: dict, unit: str, dose) -> dict:
    r = mr("mmf", drug=None, dose=dose, unit=unit, status="active")
    del r["medicationCodeableConcept"]
    r["medicationReference"] = {"reference": "#m"}
    r["contained"] = [{"resourceType": "Medication", "id": "m", "code": {"text": "mycophenolate mofetil oral suspension"},
                       "ingredient": [{"itemCodeableConcept": {"text": "mycophenolate mofetil"}, "isActive": True,
                                       "strength": {"numerator": {"value": 200, "system": UC, "code": "mg"},
                                                    "denominator": den}}]}]
    return r


def test_an_ingredient_strength_per_ml_serves_a_dose_in_ml(linter):
    # 200 mg/mL was dropped without a word: 10 mL twice a day (4000 mg/day of MMF) was OL003, no ILD501.
    r = _suspension({"value": 1, "system": UC, "code": "mL"}, "mL", 10)
    assert order(one(bundle(r), linter))["strength"] == {"value": 200, "unit": "mg"}
    assert "ILD501" in codes(lint(bundle(*SSC_ILD, r), linter))
    r = _suspension({"value": 5, "system": UC, "code": "mL"}, "mL", 10)  # 200 mg in 5 mL: 40 mg/mL
    assert order(one(bundle(r), linter))["strength"] == {"value": 40, "unit": "mg"}


def test_a_strength_per_ml_is_no_strength_of_another_dose_unit(linter):
    r = _suspension({"value": 1, "system": UC, "code": "mL"}, "{tbl}", 2)
    assert "strength" not in order(one(bundle(r), linter))


def test_an_ingredient_strength_that_is_not_read_is_said(linter):
    m = one(bundle(_suspension({"value": 1, "system": UC, "code": "g"}, "mL", 10)), linter)
    assert "strength" not in order(m)
    assert any("ingredient strength is not in mg per tablet or per mL" in n.message for n in notes(m, "missing-value"))


def test_taper_steps_below_the_sites_pulse_threshold_are_daily_steps(linter):
    # 150 mg then 100 mg of prednisone are daily doses at the default threshold (250 mg): the largest
    # step carries the taper's 28 days (ILD302), the other is held, and nothing is summed.
    r = mr("pred", drug="prednisone", status="active")
    r["dosageInstruction"] = [_step(150, 14, 1), _step(100, 14, 2)]
    taper = _taper_reading(one(bundle(r), linter))
    assert [(o["status"], o["dose"]) for o in taper] == [("active", 150), ("on-hold", 100)]
    assert taper[0]["duration"] == {"value": 28, "unit": "d"}
    res = lint(bundle(*SSC_ILD, r), linter)
    (f,) = [f for x in res for f in x.findings if f.code == "ILD302"]
    assert "for 28 days" in f.message and "total" not in f.message


def test_a_taper_step_at_a_frequency_not_read_keeps_the_taper_course(linter):
    r = mr("pred", drug="prednisone", status="active")
    second = _step(20, 60, 2)
    second["timing"] = {"code": {"text": "as directed"}, "repeat": {"boundsDuration": {"value": 60, "code": "d"}}}
    r["dosageInstruction"] = [_step(40, 60, 1), second]
    taper = _taper_reading(one(bundle(r), linter))
    assert taper[0]["status"] == "active" and taper[0]["duration"] == {"value": 120, "unit": "d"}
    # ... and that step, its daily dose not known, is judged as written: never the largest, never held.
    assert taper[1]["status"] == "active" and taper[1]["duration"] == {"value": 60, "unit": "d"}
    r["dosageInstruction"] = [second, _step(10, 30, 3)]  # 'as directed' first, at 20 mg: not the largest
    r["dosageInstruction"][1]["timing"]["repeat"]["frequency"] = 2
    taper = _taper_reading(one(bundle(r), linter))
    assert [o["status"] for o in taper] == ["active", "active"] and taper[1]["duration"] == {"value": 90, "unit": "d"}


def test_the_pulse_threshold_of_a_taper_is_the_sites(linter):
    # 400 mg of prednisone is a pulse at the default threshold (250 mg), a daily step at a site's 500.
    from orderlint.config import build_settings
    from orderlint.engine import Linter

    r = mr("pred", drug="prednisone", status="active")
    r["dosageInstruction"] = [_step(400, 3, 1), _step(20, 30, 2)]
    assert [o["status"] for o in _taper_reading(one(bundle(r), linter))] == ["active", "active"]
    settings = build_settings(discover=False)
    settings.packs = {"ssc-ild": {"pulse-min-daily-pe-mg": 500}}
    site = Linter(settings)
    assert [o["status"] for o in _taper_reading(one(bundle(r), site))] == ["active", "on-hold"]


def test_map_fhir_without_a_pulse_threshold_uses_the_default_one():
    # Called directly (no linter), the mapping told no step a pulse: the pulse was the largest step
    # and held the 48 mg a day after it.
    from orderlint.engine import Linter

    r = mr("mp", drug="methylprednisolone", status="active")
    daily = _step(48, 30, 2)
    r["dosageInstruction"] = [_step(1000, 3, 1), daily]
    m = map_fhir(bundle(r), source="t", vocab=Linter().vocab, as_of=AS_OF)[0]
    assert [o["status"] for o in _taper_reading(m)] == ["active", "active"]


def test_a_taper_whose_every_step_is_at_a_frequency_not_read_is_read_as_before(linter):
    # With no step's daily dose known, the steps are compared as once a day, and the taper's course
    # is the sum of its steps (fhir.md 2.1): 20 mg then 10 mg 'as directed', 60 days each, is 120 days.
    r = mr("pred", drug="prednisone", status="active")
    steps = [_step(20, 60, 1), _step(10, 60, 2)]
    for st in steps:
        st["timing"] = {"code": {"text": "as directed"}, "repeat": {"boundsDuration": {"value": 60, "code": "d"}}}
    r["dosageInstruction"] = steps
    taper = _taper_reading(one(bundle(r), linter))
    assert [o["status"] for o in taper] == ["active", "on-hold"] and taper[0]["duration"] == {"value": 120, "unit": "d"}


def test_a_step_with_one_entry_at_a_frequency_not_read_is_still_a_daily_step(linter):
    # seq 1: 40 mg daily with 5 mg 'as directed' beside it, 14 days; seq 2: 10 mg daily, 60 days. The
    # 40 mg step is the largest and carries the taper's 74 days (ILD302).
    r = mr("pred", drug="prednisone", status="active")
    odd = _step(5, 14, 1)
    odd["timing"] = {"code": {"text": "as directed"}, "repeat": {"boundsDuration": {"value": 14, "code": "d"}}}
    r["dosageInstruction"] = [_step(40, 14, 1), odd, _step(10, 60, 2)]
    taper = _taper_reading(one(bundle(r), linter))
    assert taper[0]["status"] == "active" and taper[0]["duration"] == {"value": 74, "unit": "d"}
    assert "ILD302" in codes(lint(bundle(*SSC_ILD, r), linter))


def _lab(rt: str, code: str, when: str, **extra) -> dict:
    r = {"resourceType": rt, "status": "final", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": LN, "code": code}]}, ("effectiveDateTime"): when}
    r.update(extra)
    return r


_POSITIVE = {"coding": [{"system": SN, "code": "10828004", "display": "Positive"}]}
_NEG = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "NEG"}]}]
_POS = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "POS"}]}]


@pytest.mark.parametrize("conclusion, reading", [(_POSITIVE, "positive"), (_NEG[0], "negative")])
def test_a_reports_coded_conclusion_is_read(linter, conclusion, reading):
    # fhir.md 2.4 and 3: a positive HBsAg given only as a report's coded conclusion was a result-less
    # test, set aside beside an earlier negative: rituximab passed ILD408. An interpretation code
    # (v3 NEG, N) there reads as one.
    from orderlint.normalize import result_reading

    earlier = _lab("Observation", "5196-1", "2026-02-10", interpretation=_NEG)
    later = _lab("DiagnosticReport", "5196-1", "2026-02-20", conclusionCode=[conclusion])
    m = one(bundle(mr(drug="rituximab"), earlier, later), linter)
    assert result_reading(m.data["tests"][1]["result"]) == reading


def test_a_result_only_in_a_value_not_read_is_indeterminate_and_said(linter):
    ratio = _lab("Observation", "16933-4", "2026-02-20", valueRatio={"numerator": {"value": 4.1}, "denominator": {"value": 1}})
    m = one(bundle(mr(drug="rituximab"), ratio), linter)
    assert m.data["tests"][0]["result"].startswith("uninterpretable")
    assert any("valueRatio, which is not read" in n.message for n in notes(m, "missing-value"))
    # Beside a result that is read, an attached rendering adds nothing: a negative stays negative.
    report = _lab("DiagnosticReport", "5196-1", "2026-02-20", conclusionCode=[{"coding": _NEG[0]["coding"]}],
                  presentedForm=[{"contentType": "application/pdf", "data": "JVBERi0="}])
    m = one(bundle(mr(drug="rituximab"), report), linter)
    assert "uninterpretable" not in m.data["tests"][0]["result"] and not notes(m, "missing-value")
    # A report that attaches a PDF (with or without references to its results, read as Observations)
    # says no result itself: beside its own negative Observation it is set aside, as before.
    for refs in ({"result": [{"reference": "Observation/o1"}]}, {}):
        report = _lab("DiagnosticReport", "5196-1", "2026-02-20", presentedForm=[{"contentType": "application/pdf",
                                                                                  "data": "JVBERi0="}], **refs)
        m = one(bundle(mr(drug="rituximab"), report), linter)
        assert "result" not in m.data["tests"][0] and not notes(m, "missing-value")
        neg = _lab("Observation", "5196-1", "2026-02-20", interpretation=_NEG)
        assert "ILD408" not in codes(lint(bundle(*SSC_ILD, mr(drug="rituximab", status="draft"), neg, report), linter))


@pytest.mark.parametrize("loinc", ["http://loinc.org", "https://loinc.org", "http://loinc.org/", "urn:oid:2.16.840.1.113883.6.1"])
def test_two_labs_local_codes_are_two_assays_whatever_the_loinc_spelling(linter, loinc):
    core = _lab("Observation", "16933-4", "2026-02-10", interpretation=_POS)
    core["code"]["coding"] = [{"system": "urn:labA", "code": "1"}, {"system": loinc, "code": "16933-4"}]
    surface = _lab("Observation", "5196-1", "2026-02-20", interpretation=_NEG)
    surface["code"]["coding"] = [{"system": "urn:labB", "code": "1"}, {"system": loinc, "code": "5196-1"}]
    assert "ILD408" in codes(lint(bundle(*SSC_ILD, mr(drug="rituximab", status="draft"), core, surface), linter))


def test_two_labs_local_codes_are_two_assays(linter):
    # The assay key was the first coding's code: local code '1' at two labs made anti-HBc and HBsAg one
    # assay, and the later negative HBsAg hid the positive anti-HBc (ILD408 passed).
    core = _lab("Observation", "16933-4", "2026-02-10", interpretation=_POS)
    core["code"]["coding"].insert(0, {"system": "urn:labA", "code": "1"})
    surface = _lab("Observation", "5196-1", "2026-02-20", interpretation=_NEG)
    surface["code"]["coding"].insert(0, {"system": "urn:labB", "code": "1"})
    m = one(bundle(mr(drug="rituximab"), core, surface), linter)
    assert [t["result"] for t in m.data["tests"]] == ["positive [16933-4]", "negative [5196-1]"]
    assert "ILD408" in codes(lint(bundle(*SSC_ILD, mr(drug="rituximab", status="draft"), core, surface), linter))


@pytest.mark.parametrize("weight", [(50, "kg"), (110, "lbs"), None])
def test_a_bsa_older_than_any_weight_is_not_used_whether_the_weight_is_or_not(weight):
    # With no height beside it, or a weight in a unit not read, the 2019 BSA stood: the mg/m2 dose is
    # then not verified (OL003) rather than judged by a stale BSA.
    extra = [_obs("29463-7", weight[0], weight[1], "2026-02-25")] if weight else []
    m = one(bundle(mr(), *extra, _obs("8277-6", 2.2, "m2", "2019-01-01")))
    assert ("bsa_m2" in m.data["patient"]) is (weight is None)


@pytest.mark.parametrize("bsa_when, used", [("2019-01-01", False), ("2026-02-25", True), ("2026-02-28", True),
                                             ("2026-02-24", False), ("2026-02-25T08:59:00Z", True)])
def test_a_bsa_older_than_the_weight_or_height_is_not_used(bsa_when, used):
    # A BSA of 2019 (2.2 m2) beside this month's 50 kg and 160 cm made 1500 mg of IV cyclophosphamide
    # 682 mg/m2, within the maximum; computed from them, 1006 mg/m2 is over it (ILD501).
    m = one(bundle(mr(), _obs("29463-7", 50, "kg", "2026-02-25"), _obs("8302-2", 160, "cm", "2026-02-25"),
                   _obs("8277-6", 2.2, "m2", bsa_when)))
    assert ("bsa_m2" in m.data["patient"]) is used
    assert bool([n for n in notes(m, "missing-value") if "body surface area" in n.message]) is not used


def _sr(**extra) -> dict:
    r = {"resourceType": "ServiceRequest", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
         "code": {"coding": [{"system": LN, "code": "2106-3"}]}}
    r.update(extra)
    if r.get("intent") is None:
        del r["intent"]
    return r


@pytest.mark.parametrize("extra, counted", [
    ({}, True), ({"intent": "instance-order"}, True), ({"intent": " Order "}, True),
    # Proposed or planned, in any case: no test ordered. (With no intent: see the test below.)
    ({"intent": "Proposal"}, False), ({"intent": "PLAN"}, False),
    # Due within the pregnancy test's window, or far ahead of it.
    ({"occurrenceDateTime": "2026-03-05"}, True), ({"occurrenceDateTime": "2026-09-01"}, False),
    ({"authoredOn": "2026-02-20", "occurrencePeriod": {"start": "2026-10-01"}}, False),
])
def test_a_service_request_counts_as_an_ordered_test_only_when_ordered_now(extra, counted):
    # A pregnancy test proposed ('Proposal') or due six months on passed ILD404.
    m = one(bundle(mr(), _sr(**extra)))
    assert bool(m.data.get("tests")) is counted
    assert bool(notes(m, "dropped-order")) is not counted


# ------------------------------------------------------------------ containers and gaps (review 12)


def test_the_resources_a_parameters_resource_holds_are_read():
    # fhir.md section 3 (a value never vanishes) and section 1 (what is read): an operation's answer
    # (Parameters 'return' holding a Bundle, or the order itself): read as a resource of its own, the
    # cyclophosphamide inside was OL008 no-orders and the run passed.
    inner = bundle(mr("cyc", drug="cyclophosphamide"))
    for data in ({"resourceType": "Parameters", "parameter": [{"name": "return", "resource": inner}]},
                 {"resourceType": "Parameters", "parameter": [{"name": "p", "part": [{"name": "r", "resource": inner}]}]},
                 bundle({"resourceType": "Parameters", "parameter": [{"name": "x", "resource": mr("cyc", drug="cyclophosphamide")}]})):
        m = one(data)
        assert [o["drug"] for o in m.data["orders"]] == ["cyclophosphamide"]


@pytest.mark.parametrize("params, pointer", [
    ({"resourceType": "Parameters", "parameter": "x"}, "/parameter"),
    ({"resourceType": "Parameters", "parameter": [7]}, "/parameter/0"),
    ({"resourceType": "Parameters", "parameter": [{"name": "r", "resource": [1, 2]}]}, "/parameter/0/resource"),
])
def test_parameters_that_cannot_be_read_are_ol001(params, pointer):
    # As a Bundle's entry that cannot be read (fhir.md section 3, fail closed): it might have held an order.
    (m,) = map_fhir(params, source="t", as_of=AS_OF)
    assert [p for _msg, p in m.errors] == [pointer]


def test_a_care_plans_inline_medication_activity_is_said_not_unseen():
    # fhir.md section 3: a missing or unmappable value never vanishes (OL008, as for a MedicationAdministration).
    cp = {"resourceType": "CarePlan", "id": "cp", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
          "activity": [{"detail": {"kind": "MedicationRequest", "status": "in-progress",
                                   "productCodeableConcept": {"text": "cyclophosphamide"}}}]}
    (n,) = notes(one(bundle(cp)), "unsupported-resource")
    assert n.message == ("CarePlan 'cp' has a medication activity given inline (activity.detail), which orderlint does not "
                         "read as an order: not checked") and n.pointer == "/entry/1/resource"
    cp["activity"][0]["detail"] = {"kind": "Appointment", "status": "scheduled"}
    assert not notes(one(bundle(cp)), "unsupported-resource")


@pytest.mark.parametrize("unit,read", [("mL", {"value": 1.0, "unit": "mg", "x-per-ml": True}), ("tablet", {"value": 1.0, "unit": "mg"}),
                                       (" TAB ", {"value": 1.0, "unit": "mg"}), ("puff", None)])
def test_a_strength_per_unit_in_words_is_read_as_its_words(unit, read):
    # fhir.md 2.1: strength in mg per {tbl} or TAB gives strength (per mL only a mL dose). 5 mg per
    # 5 'mL' (no code) was read as 5 mg a tablet: 4 tablets of prednisone passed as 20 mg a day.
    from orderlint.fhir.mapping import _strength

    got = _strength({"numerator": {"value": 5, "system": UC, "code": "mg"}, "denominator": {"value": 5, "unit": unit}})
    assert got == read


@pytest.mark.parametrize("born,why", [("1990-02-30", "is not a date"), ("2030-01-01", "is after the evaluation date")])
def test_a_birth_date_that_cannot_be_read_is_said(born, why):
    # fhir.md section 3: any other gap is OL008 missing-value.
    p = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": born}
    m = one(bundle(p, mr(), patient=False))
    assert "age_years" not in m.data["patient"]
    (n,) = [x for x in notes(m, "missing-value") if "birthDate" in x.message]
    assert n.message == f"birthDate {born!r} {why}: age not read" and n.pointer == "/entry/0/resource/birthDate"
