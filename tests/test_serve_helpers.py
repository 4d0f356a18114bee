"""Builders of CDS Hooks requests for the service tests (imported by tests/test_serve_*.py), and the
conformance checks every response of those tests passes through."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Optional

from orderlint.serve.models import check_discovery, check_response

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "fhir"
AS_OF = "2026-03-02"
REQUIRED = ("patient", "activeMeds", "observations", "conditions", "medicationStatements")
SIGN = "/cds-services/orderlint-order-sign"
SELECT = "/cds-services/orderlint-order-select"


def empty_bundle() -> dict:
    return {"resourceType": "Bundle", "type": "searchset"}


def complete(req: dict) -> dict:
    """Every required prefetch key present (a missing one is filled with an empty Bundle: no data)."""
    req = copy.deepcopy(req)
    pre = req.setdefault("prefetch", {})
    for k in REQUIRED:
        if pre.get(k) is None:
            pre[k] = empty_bundle()
    req.setdefault("extension", {})["orderlint-as-of"] = AS_OF
    return req


def example(name: str) -> dict:
    return complete(json.loads((EXAMPLES / f"{name}.cds-hooks.json").read_text(encoding="utf-8")))


def med(rid: str, drug: str, dose: float, unit: str, *, route: str = "26643006", freq: int = 1, period: float = 1,
        period_unit: str = "d", days: Optional[int] = None, status: str = "draft", patient: str = "p1") -> dict:
    rep: dict = {"frequency": freq, "period": period, "periodUnit": period_unit}
    if days:
        rep["boundsDuration"] = {"value": days, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "medicationCodeableConcept": {"text": drug},
        "dosageInstruction": [{
            "timing": {"repeat": rep},
            "route": {"coding": [{"system": "http://snomed.info/sct", "code": route}]},
            "doseAndRate": [{"doseQuantity": {"value": dose, "system": "http://unitsofmeasure.org", "code": unit}}],
        }],
    }


def condition(cid: str, system: str, code: str, patient: str = "p1", phase: Optional[str] = None) -> dict:
    c = {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{patient}"},
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
         "code": {"coding": [{"system": system, "code": code}]}}
    if phase:
        c["extension"] = [{"url": "https://orderlint.dev/fhir/StructureDefinition/ild-phase", "valueCode": phase}]
    return c


def result(oid: str, loinc: str, patient: str = "p1", when: str = "2026-02-20") -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final", "subject": {"reference": f"Patient/{patient}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]}, "effectiveDateTime": when}


#: Every baseline test on file (fhir.md 2.4 codes): only the rule under test fires.
ALL_TESTS = {"cbc": "58410-2", "cmp": "24323-8", "urinalysis": "24356-8", "hbsag": "5196-1", "hbc": "16933-4",
             "hcv": "13955-0", "tb": "71773-6", "pregnancy": "2106-3", "g6pd": "2357-2", "hrct": "24627-2",
             "pft": "19868-9"}


def request(drafts: list[dict], *, hook: str = "order-sign", tests: Optional[dict] = None, sex: str = "male",
            birth: str = "1970-01-01", extra: tuple = (), active: tuple = (), phase: Optional[str] = None,
            instance: str = "instance-0001") -> dict:
    tests = ALL_TESTS if tests is None else tests
    obs = [result(f"obs-{k}", code) for k, code in tests.items()]
    obs += [{"resourceType": "Observation", "id": "tpmt", "status": "final", "subject": {"reference": "Patient/p1"},
             "code": {"text": "thiopurine genotype"}, "effectiveDateTime": "2025-01-01"}] if "tpmt" not in tests or tests.get("tpmt") else []
    ctx: dict = {"userId": "Practitioner/dr-1", "patientId": "p1",
                 "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                 "entry": [{"resource": d} for d in drafts]}}
    if hook == "order-select":
        ctx["selections"] = [f"MedicationRequest/{d['id']}" for d in drafts[-1:]]
    return {
        "hookInstance": instance, "hook": hook, "fhirServer": "https://ehr.example.org/fhir", "context": ctx,
        "extension": {"orderlint-as-of": AS_OF},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": "p1", "gender": sex, "birthDate": birth},
            "activeMeds": _bundle(list(active)),
            "observations": _bundle(obs + [x for x in extra if x["resourceType"] == "Observation"]),
            "conditions": _bundle([condition("ssc", "http://snomed.info/sct", "89155008", phase=phase),
                                   condition("ild", "http://snomed.info/sct", "233703007", phase=phase)]),
            "medicationStatements": _bundle([x for x in extra if x["resourceType"] == "MedicationStatement"]),
        },
    }


def _bundle(resources: list) -> dict:
    b = empty_bundle()
    if resources:
        b["entry"] = [{"resource": r} for r in resources]
    return b


def codes_of(card: dict) -> list[str]:
    """Rule codes a card's detail names, in order (each finding starts with **CODE name**)."""
    import re

    return re.findall(r"\*\*((?:ILD|OL)\d{3}) ", card.get("detail", ""))


def all_codes(resp: dict) -> set[str]:
    return {c for card in resp["cards"] for c in codes_of(card)}


def accept(req: dict, suggestion: dict, prefix: str = "accepted") -> dict:
    """What an EHR sends after accepting a suggestion: creates join the draft orders (with ids the
    EHR assigns), deletes leave them."""
    req = copy.deepcopy(req)
    entries = req["context"]["draftOrders"].setdefault("entry", [])
    for i, a in enumerate(suggestion["actions"]):
        if a["type"] == "create":
            r = copy.deepcopy(a["resource"])
            r["id"] = f"{prefix}-{i}"
            entries.append({"resource": r})
        elif a["type"] == "delete":
            rtype, rid = a["resourceId"].split("/", 1)
            entries[:] = [e for e in entries if not (e["resource"]["resourceType"] == rtype and e["resource"].get("id") == rid)]
    return req


def conformant(resp: dict) -> dict:
    check_response(resp)
    return resp


def conformant_discovery(resp: dict) -> dict:
    check_discovery(resp)
    return resp


def test_helpers_build_valid_requests() -> None:
    # The builder's request passes the service's own request model.
    from orderlint.serve.models import CDSHooksRequest, OrderSignContext

    r = request([med("m1", "mycophenolate mofetil", 1000, "mg", freq=2)])
    OrderSignContext.model_validate(CDSHooksRequest.model_validate(r).context)
    assert accept(r, {"actions": [{"type": "delete", "resourceId": "MedicationRequest/m1", "description": "x"}]})[
        "context"]["draftOrders"]["entry"] == []
