"""Draft orders a CDS Hooks request holds in shapes orderlint did not read, each of which passed
silently (OL008 no-orders, or the order left out): an activity or action of a draft group that may
order a drug orderlint cannot see, a MedicationRequest inside another, and a draft sent with
intent option. fhir.md 1: "CDS Hooks: orders from context.draftOrders"; section 3: "A missing or
unmappable value never invalidates the document and never vanishes"; the mapping's own rule for
draft orders it cannot read (a DSTU2 MedicationOrder, a MedicationAdministration, a group's
medication activity given inline): OL001, since the order being signed would go unchecked.

Each test builds on a project example (examples/fhir/, expected.toml) and changes one thing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Optional

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir, map_fhir

FHIR = Path(__file__).resolve().parents[1] / "examples" / "fhir"
AS_OF = dt.date(2026, 3, 2)
PATIENT = {"reference": "Patient/ssc-301"}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from orderlint.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    db = str(tmp_path_factory.mktemp("serve") / "feedback.sqlite3")
    app = create_app({"feedback-db": db, "allow-as-of": True, "required-prefetch": []})
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def post(client, req: dict, service: str = "orderlint-order-sign"):
    req = copy.deepcopy(req)
    req["extension"] = {"orderlint-as-of": AS_OF.isoformat()}
    return client.post(f"/cds-services/{service}", json=req)


def example(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def drafts(req: dict) -> list[dict]:
    return [e["resource"] for e in req["context"]["draftOrders"]["entry"]
            if e["resource"]["resourceType"] == "MedicationRequest"]


def lint(data, linter):
    return lint_fhir(json.dumps(data, indent=1), linter=linter, source="t.json")


def codes(results) -> list[str]:
    return sorted(f.code for r in results for f in r.findings if f.code != "OL008")


def notes(results, key: str) -> list:
    return [f for r in results for f in r.findings if f.code == "OL008" and f.message.startswith(key + ":")]


def rewrite(name: str, wrap) -> dict:
    """The CDS Hooks example ``name`` with its draft MedicationRequests rewritten by ``wrap``
    (list of resources -> list of resources)."""
    req = example(name)
    req["context"]["draftOrders"]["entry"] = [{"resource": r} for r in wrap(drafts(req))]
    return req


def ild301(wrap) -> dict:
    return rewrite("ILD301-fires.cds-hooks.json", wrap)


def group(rt: str = "RequestGroup", **extra) -> dict:
    return {"resourceType": rt, "id": "rg", "status": "draft", "intent": "order", "subject": PATIENT, **extra}


def local(r: dict, **extra) -> dict:
    """``r`` as a contained resource: the container names the patient."""
    return {**{k: v for k, v in r.items() if k != "subject"}, **extra}


# ------------------------------------------------------------------ 1: what a draft group holds that orderlint cannot read
def care_plan_code_only(rs):
    (cyc,) = rs
    return [group("CarePlan", activity=[{"detail": {"status": "not-started", "code": cyc["medicationCodeableConcept"]}}])]


def care_plan_unknown_kind(rs):
    (cyc,) = rs
    return [group("CarePlan", activity=[{"detail": {"kind": "Medication", "status": "not-started",
                                                    "code": cyc["medicationCodeableConcept"]}}])]


def orchestration_by_definition(rs):
    return [group("RequestOrchestration", action=[{"definitionCanonical": "https://example.org/ActivityDefinition/cyc"}])]


def group_by_definition_uri(rs):
    return [group(action=[{"title": "cycle 1", "action": [{"definitionUri": "https://example.org/order-sets/cyc"}]}])]


def group_of_a_definition_resource(rs):
    return [group(action=[{"resource": {"reference": "ActivityDefinition/cyc"}}])]


def group_of_a_group_elsewhere(rs):
    return [group(action=[{"resource": {"reference": "RequestGroup/cycle-1"}}])]


def care_plan_r5_planned_elsewhere(rs):
    return [group("CarePlan", activity=[{"plannedActivityReference": {"reference": "MedicationRequest/cyc-elsewhere"}}])]


def group_containing_a_string(rs):
    (cyc,) = rs
    return [group(contained=[local(cyc), "cyc"], action=[{"resource": {"reference": "#cyc"}}])]


@pytest.mark.parametrize("wrap", [care_plan_code_only, care_plan_unknown_kind, orchestration_by_definition,
                                  group_by_definition_uri, group_of_a_definition_resource, group_of_a_group_elsewhere,
                                  care_plan_r5_planned_elsewhere, group_containing_a_string])
def test_a_draft_order_orderlint_cannot_read_is_never_no_orders(linter, client, wrap):
    # Each was OL008 no-orders (not-applicable, no card) or checked without the order: the draft
    # cyclophosphamide went unchecked. It is OL001, as a draft DSTU2 MedicationOrder is, and the
    # service answers 400 (its card-less answer would read as "nothing to say").
    req = ild301(wrap)
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"]
    fs = [f for r in results for f in r.findings]
    assert [f.code for f in fs] == ["OL001"] and "cannot" in fs[0].message
    resp = post(client, req)
    assert resp.status_code == 400 and resp.json()["issue"][0]["code"] == "invalid"


def test_the_findings_point_at_what_cannot_be_read(linter):
    (f,) = lint(ild301(care_plan_code_only), linter)[0].findings
    assert f.pointer == "/context/draftOrders/entry/0/resource/activity/0/detail"
    assert "no kind" in f.message
    (f,) = lint(ild301(orchestration_by_definition), linter)[0].findings
    assert f.pointer == "/context/draftOrders/entry/0/resource/action/0/definitionCanonical"
    assert "https://example.org/ActivityDefinition/cyc" in f.message


def with_a_test_activity(rs):
    # A group's activity or action that orders no drug hides no medication order: the cyclophosphamide is checked.
    (cyc,) = rs
    return [group("CarePlan", contained=[local(cyc)],
                  activity=[{"reference": {"reference": "#cyc"}},
                            {"detail": {"kind": "ServiceRequest", "status": "not-started",
                                        "code": {"coding": [{"system": "http://loinc.org", "code": "58410-2"}]}}},
                            {"reference": {"reference": "ServiceRequest/cbc-elsewhere"}}])]


def with_a_definition_made_a_resource(rs):
    (cyc,) = rs
    return [group("RequestOrchestration", contained=[local(cyc)],
                  action=[{"definitionCanonical": "https://example.org/ActivityDefinition/cyc",
                           "resource": {"reference": "#cyc"}}])]


def with_contained_orders_of_one_id(rs):
    # Two contained orders under one id: the first (the cyclophosphamide) was silently left out.
    (cyc,) = rs
    folate = {**local(cyc), "medicationCodeableConcept": {"text": "folic acid"}}
    return [group(contained=[local(cyc), folate], action=[{"resource": {"reference": "#cyc"}}])]


def with_a_contained_order_without_id(rs):
    (cyc,) = rs
    return [group(contained=[{k: v for k, v in local(cyc).items() if k != "id"}])]


def with_a_definition_made_sub_actions(rs):
    # A plan's action that records its PlanDefinition and holds the actions made from it.
    (cyc,) = rs
    return [group("RequestOrchestration", contained=[local(cyc)],
                  action=[{"definitionCanonical": "https://example.org/PlanDefinition/cyc-protocol",
                           "action": [{"resource": {"reference": "#cyc"}}]}])]


@pytest.mark.parametrize("wrap", [with_a_test_activity, with_a_definition_made_a_resource,
                                  with_a_definition_made_sub_actions])
def test_a_draft_group_that_orders_no_unread_drug_is_checked(linter, wrap):
    results = lint(ild301(wrap), linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]


def test_contained_orders_sharing_an_id_are_not_one_left_out(linter):
    results = lint(ild301(with_contained_orders_of_one_id), linter)
    assert [r.status for r in results] == ["invalid"] and "twice with different content" in results[0].findings[0].message


def test_a_contained_order_without_id_is_read(linter):
    results = lint(ild301(with_a_contained_order_without_id), linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]


def service_request_for_a_drug(rs):
    (cyc,) = rs
    return [{"resourceType": "ServiceRequest", "id": "cyc-infusion", "status": "draft", "intent": "order",
             "subject": cyc["subject"], "code": cyc["medicationCodeableConcept"]}]


def group_of_a_service_request_for_a_drug(rs):
    (sr,) = service_request_for_a_drug(rs)
    return [group(contained=[local(sr)], action=[{"resource": {"reference": "#cyc-infusion"}}])]


@pytest.mark.parametrize("wrap", [service_request_for_a_drug, group_of_a_service_request_for_a_drug])
def test_a_draft_service_request_coded_as_a_drug_is_invalid(linter, wrap):
    # RxNorm names drugs only: an infusion ordered as a ServiceRequest coded so was read as a test
    # orderlint does not know (OL008 no-orders): the cyclophosphamide went unchecked.
    results = lint(ild301(wrap), linter)
    assert [r.status for r in results] == ["invalid"] and [f.code for f in results[0].findings] == ["OL001"]


def service_request_in_words(text: str, coding: Optional[dict] = None):
    def wrap(rs):
        (cyc,) = rs
        code: dict = {"text": text}
        if coding is not None:
            code["coding"] = [coding]
        return [{"resourceType": "ServiceRequest", "id": "infusion", "status": "draft", "intent": "order",
                 "subject": cyc["subject"], "code": code}]
    return wrap


@pytest.mark.parametrize("text", ["cyclophosphamide infusion", "Cytoxan IV infusion", "Infusion: rituximab 1000 mg"])
def test_a_draft_service_request_naming_a_drug_in_words_is_invalid(linter, text):
    # An infusion ordered as a ServiceRequest and named only in words was read as a test orderlint does
    # not know: OL008 no-orders, not applicable, no card, and the drug being signed went unchecked.
    results = lint(ild301(service_request_in_words(text)), linter)
    assert [r.status for r in results] == ["invalid"] and [f.code for f in results[0].findings] == ["OL001"]
    assert "names the drug" in results[0].findings[0].message and results[0].findings[0].pointer.endswith("/code")


def test_a_draft_service_request_whose_code_is_a_bare_string_naming_a_drug_is_invalid(linter):
    # Not FHIR (code is a CodeableConcept), read leniently: the string was no code at all, so the
    # rituximab being signed was OL008 no-orders and went unchecked.
    def wrap(rs):
        (cyc,) = rs
        return [{"resourceType": "ServiceRequest", "id": "infusion", "status": "draft", "intent": "order",
                 "subject": cyc["subject"], "code": "rituximab infusion"}]
    results = lint(ild301(wrap), linter)
    assert [r.status for r in results] == ["invalid"] and "OL001" in [f.code for f in results[0].findings]
    assert any("names the drug rituximab" in f.message for f in results[0].findings)


@pytest.mark.parametrize("text, coding", [
    ("IV iron infusion", None),  # no drug the vocabulary knows
    ("Rituximab infusion chair booking", None),  # not a drug name: words around it that are no dose form
    ("PFT", None),  # a test
    ("Methotrexate", {"system": "http://loinc.org", "code": "14836-1"}),  # coded in LOINC: a test
])
def test_a_draft_service_request_for_no_drug_is_not_invalid(linter, text, coding):
    results = lint(ild301(service_request_in_words(text, coding)), linter)
    assert [r.status for r in results] != ["invalid"]


def test_a_draft_test_order_is_still_a_test(linter):
    # The boundary: a draft ServiceRequest coded in LOINC is an ordered test (fhir.md 2.4), as before.
    req = example("ILD404-fires.cds-hooks.json")
    req["context"]["draftOrders"]["entry"].append({"resource": {
        "resourceType": "ServiceRequest", "id": "hcg", "status": "draft", "intent": "order",
        "subject": drafts(req)[0]["subject"], "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3"}]}}})
    results = lint(req, linter)
    assert [r.status for r in results] == ["checked"] and "ILD404" not in codes(results)


# ------------------------------------------------------------------ 2: a MedicationRequest inside a MedicationRequest
def folate_based_on_cyc(rs):
    (cyc,) = rs
    folate = copy.deepcopy(cyc)
    folate.update(id="folate", medicationCodeableConcept={"text": "folic acid"}, contained=[local(cyc, id="inner")],
                  basedOn=[{"reference": "#inner"}])
    folate["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 1, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    return [folate]


def test_an_order_contained_in_a_draft_order_is_a_draft_order(linter, client):
    # It was left out: the draft folic acid was checked, the cyclophosphamide inside it never was.
    req = ild301(folate_based_on_cyc)
    results = lint(req, linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]
    (f,) = [f for f in results[0].findings if f.code == "ILD301"]
    assert f.order == "inner" and f.pointer.startswith("/context/draftOrders/entry/0/resource/contained/0")
    resp = post(client, req)
    assert resp.status_code == 200 and [c["source"]["label"] for c in resp.json()["cards"]] == ["orderlint ILD301"]


@pytest.mark.parametrize("link", ["basedOn", "priorPrescription"])
def test_the_request_an_order_fulfils_or_replaces_for_the_same_drug_is_that_order(linter, link):
    # A draft cyclophosphamide based on (or replacing) the plan it holds: one therapy. Read as two
    # orders, their doses were added up (OL004, and ILD501 above the maximum): a false error.
    def wrap(rs):
        (cyc,) = rs
        plan = local(cyc, id="plan", intent="plan", status="active")
        return [{**cyc, "contained": [plan], link: [{"reference": "#plan"}] if link == "basedOn" else {"reference": "#plan"}}]

    results = lint(ild301(wrap), linter)
    assert codes(results) == ["ILD301"]
    (n,) = notes(results, "dropped-order")
    assert n.message.startswith("dropped-order: MedicationRequest/plan is the request MedicationRequest/cyc ")
    assert n.pointer == "/context/draftOrders/entry/0/resource/contained/0"


def test_a_draft_order_containing_a_medication_type_orderlint_does_not_read_is_invalid(linter):
    req = ild301(lambda rs: [{**rs[0], "contained": [{**local(rs[0]), "resourceType": "MedicationAdministration",
                                                     "id": "given"}]}])
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"]
    (f,) = results[0].findings
    assert f.code == "OL001" and f.pointer == "/context/draftOrders/entry/0/resource/contained/0/resourceType"


def test_an_order_contained_in_an_order_of_a_bundle_is_read(linter):
    b = example("ILD301-fires.bundle.json")
    (e,) = [e for e in b["entry"] if e["resource"].get("id") == "cyc"]
    (e["resource"],) = folate_based_on_cyc([e["resource"]])
    results = lint(b, linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]


def by_group_medication(rs):
    # FHIR R4 References: a contained resource names another of its container's as "#id" (contained
    # resources contain none), so a group's order names the group's Medication.
    (cyc,) = rs
    med = {"resourceType": "Medication", "id": "med", "code": cyc["medicationCodeableConcept"]}
    order = {k: v for k, v in local(cyc).items() if k != "medicationCodeableConcept"}
    return [group(contained=[med, {**order, "medicationReference": {"reference": "#med"}}],
                  action=[{"resource": {"reference": "#cyc"}}])]


def by_container_medication(rs):
    (folate,) = folate_based_on_cyc(rs)
    inner = folate["contained"][0]
    folate["contained"].append({"resourceType": "Medication", "id": "med", "code": inner.pop("medicationCodeableConcept")})
    inner["medicationReference"] = {"reference": "#med"}
    return [folate]


@pytest.mark.parametrize("wrap,med", [(by_group_medication, 0), (by_container_medication, 1)])
def test_a_contained_order_names_its_containers_medication(linter, wrap, med):
    # It was OL002 'unidentified medication' (a warning) with OL008 unresolved-reference: the
    # cyclophosphamide's ILD301 (an error) was never found.
    results = lint(ild301(wrap), linter)
    assert codes(results) == ["ILD301"] and not notes(results, "unresolved-reference")
    (m,) = map_fhir(ild301(wrap), source="t", vocab=linter.vocab, as_of=AS_OF)
    (i,) = [i for i, o in enumerate(m.data["orders"]) if o["drug"] == "cyclophosphamide"]
    assert m.origin[f"/orders/{i}/drug"].startswith(f"/context/draftOrders/entry/0/resource/contained/{med}/code")


# ------------------------------------------------------------------ 3: a draft order sent with intent option
def as_option(rs):
    return [{**r, "intent": "option"} for r in rs]


def test_a_draft_order_with_intent_option_is_checked(linter, client):
    # It was dropped (OL008 dropped-order, then no-orders): not-applicable, no card.
    req = ild301(as_option)
    results = lint(req, linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]
    (n,) = notes(results, "unknown-status")
    assert "intent option" in n.message and "read as new" in n.message
    assert n.pointer == "/context/draftOrders/entry/0/resource/intent"
    assert not notes(results, "dropped-order")
    resp = post(client, req)
    assert resp.status_code == 200 and [c["source"]["label"] for c in resp.json()["cards"]] == ["orderlint ILD301"]


def test_a_draft_option_is_no_protection(linter):
    # Judged as given for a risk, an option is not yet an order: it protects no one (as a proposal).
    req = rewrite("ILD301-clean.cds-hooks.json", as_option)
    results = lint(req, linter)
    assert codes(results) == ["ILD301"]
    assert [n for n in notes(results, "not-counted") if "intent is option" in n.message]


def group_of_options(rs, **action):
    return [group(contained=[local(r, intent="option") for r in rs],
                  action=[{**action, "action": [{"resource": {"reference": f"#{r['id']}"}} for r in rs]}])]


def test_the_options_of_a_draft_request_group_are_its_orders(linter):
    # R4 RequestIntent option: "a component or option for a RequestGroup". Each was dropped (ILD301
    # passed on the fires example); an order group orders its components, so its co-prophylaxis protects.
    assert codes(lint(ild301(group_of_options), linter)) == ["ILD301"]
    results = lint(rewrite("ILD301-clean.cds-hooks.json", group_of_options), linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == []


def test_alternatives_of_a_draft_request_group_are_no_protection(linter):
    # Options the prescriber chooses among (selectionBehavior at-most-one) may not all be given.
    results = lint(rewrite("ILD301-clean.cds-hooks.json", lambda rs: group_of_options(rs, selectionBehavior="at-most-one")),
                   linter)
    assert codes(results) == ["ILD301"]


@pytest.mark.parametrize("shape", ["bundle", "bare"])
def test_the_orders_of_a_request_group_outside_a_cds_request_are_read(linter, shape):
    # A Bundle (or a bare resource, read as a one-entry Bundle) holding a RequestGroup of orders: its
    # contained orders were never read (OL008 no-orders, or the group's cyclophosphamide missing).
    b = example("ILD301-fires.bundle.json")
    (e,) = [e for e in b["entry"] if e["resource"].get("id") == "cyc"]
    (e["resource"],) = group_of_options([e["resource"]])
    if shape == "bundle":
        results = lint(b, linter)
        assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]
    else:
        results = lint(e["resource"], linter)
        assert [r.status for r in results] != ["invalid"]
        (m,) = map_fhir(e["resource"], source="t", vocab=linter.vocab, as_of=AS_OF)
        assert [o["drug"] for o in m.data["orders"]] == ["cyclophosphamide"]


# ------------------------------------------------------------------ 4: the service and orders a draft holds
def card_codes(resp) -> set[str]:
    import re

    assert resp.status_code == 200, resp.text
    return {c for card in resp.json()["cards"] for c in re.findall(r"\*\*((?:ILD|OL)\d{3}) ", card["detail"])}


def in_a_group(rs):
    return [group(contained=[local(r) for r in rs], action=[{"resource": {"reference": f"#{r['id']}"}} for r in rs],
                  subject=rs[0]["subject"])]


def folate_holding_mtx(rs):
    mtx, folate = rs
    return [{**folate, "contained": [local(mtx)], "basedOn": [{"reference": "#mtx"}]}]


def accept(req: dict, suggestion: dict) -> dict:
    """What an EHR sends after accepting a suggestion: an update replaces the draft of its id, a
    delete takes it out."""
    req = copy.deepcopy(req)
    entries = req["context"]["draftOrders"]["entry"]
    for a in suggestion["actions"]:
        if a["type"] == "update":
            key = (a["resource"]["resourceType"], a["resource"]["id"])
            entries[:] = [{"resource": a["resource"]} if (e["resource"]["resourceType"], e["resource"].get("id")) == key
                          else e for e in entries]
        else:
            assert a["type"] == "delete"
            entries[:] = [e for e in entries if "/".join((e["resource"]["resourceType"], e["resource"].get("id", ""))) != a["resourceId"]]
    return req


def removal_of(resp, code: str) -> dict:
    from orderlint.serve.models import check_response

    check_response(resp.json())
    (card,) = [c for c in resp.json()["cards"] if f"**{code} " in c["detail"]]
    (s,) = [s for s in card.get("suggestions", ()) if s["label"] == "Remove this draft order"]
    return s


@pytest.mark.parametrize("name,code", [("ILD101-fires", "ILD101"), ("ILD201-fires", "ILD201")])
def test_an_order_a_draft_group_holds_gets_a_removal_that_clears_its_card(client, name, code):
    # services.md: "ILD101, ILD201 | Remove this draft order"; "Accepting a suggestion and sending the
    # changed draft orders back must not return the same card". There was no removal for an order
    # inside a RequestGroup: a contained order has no id outside its group (a delete of
    # MedicationRequest/<id> could remove another resource), so the group is updated without it.
    req = rewrite(f"{name}.cds-hooks.json", in_a_group)
    s = removal_of(post(client, req), code)
    (a,) = s["actions"]
    assert a["type"] == "update" and a["resource"]["resourceType"] == "RequestGroup" and a["resource"]["id"] == "rg"
    held = [c["id"] for c in a["resource"]["contained"]]
    assert len(held) == 1 and [x["resource"]["reference"] for x in a["resource"]["action"]] == [f"#{held[0]}"]
    assert code not in card_codes(post(client, accept(req, s)))


def in_a_group_by_medication(rs):
    # The methotrexate names the group's Medication (FHIR R4 References: "#id" in the container).
    (g,) = in_a_group(rs)
    mtx = g["contained"][0]
    g["contained"].insert(0, {"resourceType": "Medication", "id": "med-mtx", "code": mtx.pop("medicationCodeableConcept")})
    mtx["medicationReference"] = {"reference": "#med-mtx"}
    return [g]


def test_the_removal_takes_the_orders_medication_with_it(client):
    # FHIR R4 dom-3: a contained resource SHALL be referenced from elsewhere in the resource.
    req = rewrite("ILD101-fires.cds-hooks.json", in_a_group_by_medication)
    (a,) = removal_of(post(client, req), "ILD101")["actions"]
    assert a["type"] == "update" and [c["id"] for c in a["resource"]["contained"]] == ["folate"]
    assert "ILD101" not in card_codes(post(client, accept(req, {"actions": [a]})))


def test_a_group_holding_only_the_order_is_deleted(client):
    req = rewrite("ILD101-fires.cds-hooks.json", lambda rs: in_a_group(rs[:1]) + rs[1:])
    s = removal_of(post(client, req), "ILD101")
    assert [(a["type"], a["resourceId"]) for a in s["actions"]] == [("delete", "RequestGroup/rg")]
    assert "ILD101" not in card_codes(post(client, accept(req, s)))


def test_an_order_inside_an_order_is_removed_from_it(client):
    req = rewrite("ILD101-fires.cds-hooks.json", folate_holding_mtx)
    s = removal_of(post(client, req), "ILD101")
    (a,) = s["actions"]
    assert a["type"] == "update" and a["resource"]["id"] == "folate"
    assert "contained" not in a["resource"] and "basedOn" not in a["resource"]
    assert "ILD101" not in card_codes(post(client, accept(req, s)))


def test_a_top_level_draft_order_is_still_deleted_by_its_id(client):
    s = removal_of(post(client, example("ILD101-fires.cds-hooks.json")), "ILD101")
    assert s["actions"] == [{"type": "delete", "description": "Remove this draft order", "resourceId": "MedicationRequest/mtx"}]


def grouping(which):
    def wrap(rs):
        named = [r for r in rs if r["id"] in which]
        return [group(action=[{"resource": {"reference": f"MedicationRequest/{r['id']}"}} for r in named],
                      subject=rs[0]["subject"])] + rs
    return wrap


@pytest.mark.parametrize("which,group_action", [(("mtx", "folate"), "update"), (("mtx",), "delete")])
def test_removing_a_draft_order_a_group_names_takes_it_out_of_the_group(client, which, group_action):
    # The delete alone left the group naming an order no longer in the request: the changed draft
    # orders sent back were a 400 (the mapping's OL001 for a group naming an order it cannot read).
    req = rewrite("ILD101-fires.cds-hooks.json", grouping(which))
    s = removal_of(post(client, req), "ILD101")
    assert [a["type"] for a in s["actions"]] == ["delete", group_action]
    assert s["actions"][0]["resourceId"] == "MedicationRequest/mtx"
    if group_action == "update":
        assert s["actions"][1]["resource"]["action"] == [{"resource": {"reference": "MedicationRequest/folate"}}]
    else:
        assert s["actions"][1]["resourceId"] == "RequestGroup/rg"
    assert "ILD101" not in card_codes(post(client, accept(req, s)))


@pytest.mark.parametrize("selection", ["MedicationRequest/cyc", "#cyc", "RequestGroup/rg#cyc",
                                       "https://ehr.example.org/fhir/MedicationRequest/cyc"])
def test_order_select_accepts_a_selection_inside_a_draft_group(client, selection):
    # It was a 400 ("names no draft order in context.draftOrders"): the selected order had no card.
    req = ild301(in_a_group)
    req["hook"] = "order-select"
    req["context"]["selections"] = [selection]
    assert "ILD301" in card_codes(post(client, req, "orderlint-order-select"))


def test_order_select_still_refuses_a_selection_of_no_draft_order(client):
    req = ild301(in_a_group)
    req["hook"] = "order-select"
    req["context"]["selections"] = ["MedicationRequest/elsewhere"]
    resp = post(client, req, "orderlint-order-select")
    assert resp.status_code == 400 and "names no draft order" in resp.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("selection,shown", [("MedicationRequest/mtx", True), ("MedicationRequest/folate", False)])
def test_order_select_answers_about_the_selected_order_inside_a_group(client, selection, shown):
    # The methotrexate's ILD101 is about the selected order, or not (it stays without the folic acid).
    req = rewrite("ILD101-fires.cds-hooks.json", in_a_group)
    req["hook"] = "order-select"
    req["context"]["selections"] = [selection]
    assert ("ILD101" in card_codes(post(client, req, "orderlint-order-select"))) is shown


# ------------------------------------------------------------------ a draft given as a MedicationStatement, of another patient
def test_a_draft_statement_about_another_patient_is_not_checked_and_said_so(linter):
    # A draft order given as a MedicationStatement is an order being signed (read as new); about
    # another patient it was a note (OL008 other-patient, then no-orders), where a draft
    # MedicationRequest is OL001.
    def statement(rs):
        (cyc,) = rs
        r = {k: v for k, v in cyc.items() if k not in ("intent", "authoredOn", "dosageInstruction")}
        return [{**r, "resourceType": "MedicationStatement", "status": "active", "dosage": cyc["dosageInstruction"],
                 "subject": {"reference": "Patient/someone-else"}}]

    results = lint(ild301(statement), linter)
    assert results[0].status == "invalid"
    (f,) = results[0].findings
    assert f.code == "OL001" and "draft MedicationStatement 'cyc' is about Patient/someone-else" in f.message
    assert f.order == "cyc" and results[0].order_types == {"cyc": "MedicationStatement"}


def _bundle_with(extra: dict) -> dict:
    b = example("ILD301-fires.bundle.json")
    b["entry"].append({"resource": extra})
    return b


@pytest.mark.parametrize("extra", [
    {"resourceType": "MedicationAdministration", "id": "ma", "status": "in-progress", "subject": PATIENT,
     "medicationCodeableConcept": {"text": "cyclophosphamide"}, "effectiveDateTime": "2026-03-01"},
    {"resourceType": "ServiceRequest", "id": "inf", "status": "active", "intent": "order", "subject": PATIENT,
     "code": {"text": "rituximab infusion"}},
])
def test_a_drug_in_a_bundle_resource_that_is_not_read_is_said(linter, extra):
    # A drug given or ordered in a Bundle as a resource orderlint does not read as a drug order was left
    # out unseen; it is an OL008 unsupported-resource note at that resource (fhir.md 1: a request type
    # orderlint does not read in a Bundle is skipped with OL008 unsupported-resource).
    results = lint(_bundle_with(extra), linter)
    said = notes(results, "unsupported-resource")
    assert len(said) == 1 and f"'{extra['id']}' gives or orders a drug" in said[0].message


def test_a_test_ordered_in_a_bundle_is_no_unread_drug(linter):
    extra = {"resourceType": "ServiceRequest", "id": "pft", "status": "active", "intent": "order", "subject": PATIENT,
             "code": {"text": "PFT"}}
    assert notes(lint(_bundle_with(extra), linter), "unsupported-resource") == []
