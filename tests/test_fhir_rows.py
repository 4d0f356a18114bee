"""fhir.md table rows that had no test of their own: every SSc and ILD condition code (2.3), each
Condition status that does not count, each Observation status that does (2.2), each MMF product
code (section 5) and the TPMT/NUDT15 row of the screening tests (2.4)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir, map_fhir

AS_OF = dt.date(2026, 3, 2)
SN = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LN = "http://loinc.org"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
UC = "http://unitsofmeasure.org"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def cond(cid: str, system: str, code: str, **extra: Any) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": system, "code": code}]}, **extra}


def mmf(*coding: dict, text: str = "mycophenolate mofetil") -> dict:
    return {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": text, "coding": list(coding)},
            "dosageInstruction": [{"route": {"coding": [{"system": SN, "code": "26643006"}]},
                                   "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": 1000, "system": UC, "code": "mg"}}]}]}


def bundle(*resources: dict) -> dict:
    res = [{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}, *resources]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}


def one(data: dict, linter: Optional[Linter] = None) -> Any:
    (m,) = map_fhir(data, source="t", vocab=linter.vocab if linter else None, as_of=AS_OF)
    return m


SSC = [(SN, "89155008")] + [(ICD, c) for c in ("M34.0", "M34.1", "M34.82", "M34.83", "M34.89", "M34.9")]
ILD = [(SN, "233703007", "V2")] + [(ICD, c, "U") for c in ("J84.9", "J84.10", "J84.89")]


@pytest.mark.parametrize("system,code", SSC)
@pytest.mark.parametrize("ild_system,ild_code,tag", ILD)
def test_every_ssc_and_ild_code_places_ssc_ild(system, code, ild_system, ild_code, tag):
    m = one(bundle(mmf(), cond("ssc", system, code), cond("ild", ild_system, ild_code)))
    assert m.data["indication"]["condition"] == "ssc-ild"
    unverified = [n.pointer for n in m.notes if n.kind == "unverified-code"]
    assert unverified == (["/entry/3/resource/code/coding/0/code"] if tag == "U" else [])


@pytest.mark.parametrize("system,code", SSC)
def test_an_ssc_code_alone_does_not_place_ssc_ild(system, code):
    assert one(bundle(mmf(), cond("ssc", system, code))).data["indication"]["condition"] != "ssc-ild"


def test_m34_81_alone_places_ssc_ild():
    assert one(bundle(mmf(), cond("x", ICD, "M34.81"))).data["indication"]["condition"] == "ssc-ild"


@pytest.mark.parametrize("field,value", [("clinicalStatus", "inactive"), ("clinicalStatus", "remission"), ("clinicalStatus", "resolved"),
                                         ("verificationStatus", "refuted"), ("verificationStatus", "entered-in-error")])
def test_a_condition_that_is_not_current_does_not_count(field, value, linter):
    status = {field: {"coding": [{"code": value}]}}
    b = bundle(mmf(), cond("ssc", SN, "89155008"), cond("ild", SN, "233703007", **status))
    assert one(b).data["indication"]["condition"] != "ssc-ild"
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert r.status == "not-applicable" and "OL007" in [f.code for f in r.findings]
    active = bundle(mmf(), cond("ssc", SN, "89155008"), cond("ild", SN, "233703007", clinicalStatus={"coding": [{"code": "active"}]}))
    assert one(active).data["indication"]["condition"] == "ssc-ild"


@pytest.mark.parametrize("status,counts", [("final", True), ("amended", True), ("corrected", True), ("preliminary", False),
                                           ("registered", False), ("cancelled", False), ("entered-in-error", False)])
def test_a_measurement_counts_when_final_amended_or_corrected(status, counts):
    obs = {"resourceType": "Observation", "status": status, "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": LN, "code": "29463-7"}]}, "effectiveDateTime": "2026-02-01",
           "valueQuantity": {"value": 70, "system": UC, "code": "kg"}}
    assert ("weight_kg" in one(bundle(mmf(), obs)).data["patient"]) == counts


@pytest.mark.parametrize("code", ["200060", "199058", "311881"])
def test_each_mmf_product_code_resolves_to_mmf(code, linter):
    m = one(bundle(mmf({"system": RX, "code": code}, text="CellCept")), linter)
    assert "rxcui" not in m.data["orders"][0] and [p[1] for p in m.products] == [code]
    b = bundle(mmf({"system": RX, "code": code}, text="CellCept"), cond("ssc", SN, "89155008"), cond("ild", SN, "233703007"))
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert "OL002" not in [f.code for f in r.findings]  # a product of the named drug is no contradiction
    other = bundle(mmf({"system": RX, "code": code}, text="azathioprine"), cond("ssc", SN, "89155008"), cond("ild", SN, "233703007"))
    (r,) = lint_fhir(json.dumps(other), linter=linter, source="t.json")
    assert [f.pointer for f in r.findings if f.code == "OL002"] == ["/entry/1/resource/medicationCodeableConcept/coding/0/code"]


@pytest.mark.parametrize("display", ["TPMT gene targeted mutation analysis in Blood or Tissue by Molecular genetics method",
                                     "NUDT15 gene mutations found [Identifier] in Blood or Tissue by Molecular genetics method Nominal",
                                     "Thiopurine methyltransferase [Enzymatic activity/volume] in Red Blood Cells"])
def test_any_tpmt_or_nudt15_code_is_a_tpmt_result_tagged_u(display):
    # the codes here are placeholders, deliberately not real LOINC codes: the row is "any TPMT/NUDT15 code"
    obs = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": "urn:example:lab", "code": "X-1", "display": display}]}, "effectiveDateTime": "2026-02-20"}
    m = one(bundle(mmf(), obs))
    assert m.data["tests"] == [{"test": "tpmt", "status": "resulted", "date": "2026-02-20"}]
    assert [(n.kind, n.pointer) for n in m.notes] == [("unverified-code", "/entry/2/resource/code/coding/0/code")]
    assert m.origin["/tests/0/test"] == "/entry/2/resource/code/coding/0"


def test_tpmt_by_name_only_stays_matched_by_text():
    obs = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
           "code": {"text": "TPMT"}, "effectiveDateTime": "2026-02-20"}
    m = one(bundle(mmf(), obs))
    assert [n.kind for n in m.notes] == ["matched-by-text"] and m.data["tests"][0]["test"] == "TPMT"


def test_an_unrelated_lab_code_is_no_tpmt_result():
    obs = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": "urn:example:lab", "code": "X-2", "display": "Methyltransferase activity of a bacterium"}]},
           "effectiveDateTime": "2026-02-20"}
    assert "tests" not in one(bundle(mmf(), obs)).data


@pytest.mark.parametrize("text,drug", [("mycophenolate mofetil 500 MG Oral Tablet [CellCept]", "mycophenolate mofetil"),
                                       ("24 HR tacrolimus 1 MG Extended Release Oral Tablet", "tacrolimus"),
                                       ("predniSONE 5 MG Oral Tablet", "prednisone"),
                                       ("Nintedanib 150 MG Oral Capsule [Ofev]", "nintedanib")])
def test_a_drug_name_with_strength_dose_form_24_hr_and_bracketed_brand_is_read_as_its_ingredient(text, drug, linter):
    m = one(bundle(mmf(text=text)), linter)
    assert linter.vocab.resolve(m.data["orders"][0]["drug"]).drug.name == drug
    b = bundle(mmf(text=text), cond("ssc", SN, "89155008"), cond("ild", SN, "233703007"))
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert "OL002" not in [f.code for f in r.findings]


def test_reproductive_potential_is_left_to_the_format_default():
    # FHIR says nothing about it: the mapping writes no value, so regimen-format.md's default applies
    m = one(bundle(mmf()))
    assert m.data["patient"] == {"sex": "female", "age_years": 56}
