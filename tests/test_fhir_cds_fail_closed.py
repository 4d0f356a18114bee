"""CDS Hooks and FHIR input that passed silently (a review of the fail-closed round), each now a
finding or an invalid request: the orders being signed whatever status they carry, an order's
reason that the value set does not know, draft orders orderlint does not read, a prefetch search
that reports an error in an entry, and a years-old ServiceRequest standing for a recent test.

Each test builds on a project example (examples/fhir/, expected.toml) and changes one thing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir

FHIR = Path(__file__).resolve().parents[1] / "examples" / "fhir"
AS_OF = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def example(name: str) -> dict:
    return json.loads((FHIR / name).read_text(encoding="utf-8"))


def drafts(req: dict) -> list[dict]:
    """The draft MedicationRequests of a CDS Hooks example."""
    return [e["resource"] for e in req["context"]["draftOrders"]["entry"]
            if e["resource"]["resourceType"] == "MedicationRequest"]


def lint(data, linter):
    return lint_fhir(json.dumps(data, indent=1), linter=linter, source="t.json")


def codes(results) -> list[str]:
    return sorted(f.code for r in results for f in r.findings if f.code != "OL008")


def notes(results, key: str) -> list:
    return [f for r in results for f in r.findings if f.code == "OL008" and f.message.startswith(key + ":")]


# ------------------------------------------------------------------ H1: the orders being signed are new
# fhir.md 1: "CDS Hooks: orders from context.draftOrders ..."; 2.1: "unknown, absent, not an R4 code ->
# active (fail closed)". Read as active, a draft order never met the rules of new orders.
NEW_ONLY = ["ILD404", "ILD402", "ILD201", "ILD101"]


@pytest.mark.parametrize("rule", NEW_ONLY)
@pytest.mark.parametrize("status", [None, "active", "unknown", "bogus", "on-hold", "stopped", "completed"])
def test_a_draft_order_is_new_whatever_its_status(linter, rule, status):
    # stopped and completed too: a draft sent so is still the order being signed; read as history
    # (or as a stopped order), it was checked as no order at all (exit 0, no card).
    req = example(f"{rule}-fires.cds-hooks.json")
    for r in drafts(req):
        if status is None:
            del r["status"]
        else:
            r["status"] = status
    results = lint(req, linter)
    assert [r.status for r in results] == ["checked"]
    assert rule in codes(results)
    said = notes(results, "unknown-status")
    if status == "active":
        assert not said  # an order being signed: nothing lost in reading it as new
    else:
        assert said and all("read as new" in f.message for f in said)


@pytest.mark.parametrize("status", [None, "active", "intended", "unknown", "completed", "stopped"])
def test_a_draft_order_given_as_a_medication_statement_is_new(linter, status):
    req = example("ILD404-fires.cds-hooks.json")
    for r in drafts(req):
        r["resourceType"] = "MedicationStatement"
        r["dosage"] = r.pop("dosageInstruction")
        del r["intent"]
        if status is None:
            del r["status"]
        else:
            r["status"] = status
    results = lint(req, linter)
    assert "ILD404" in codes(results)
    assert any("read as new" in f.message for f in notes(results, "unknown-status"))


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_a_draft_order_that_is_dropped_is_not_new_and_said_so(linter, status):
    req = example("ILD404-fires.cds-hooks.json")
    for r in drafts(req):
        r["status"] = status
    results = lint(req, linter)
    assert "ILD404" not in codes(results)
    assert notes(results, "dropped-order")


@pytest.mark.parametrize("rule", NEW_ONLY)
@pytest.mark.parametrize("status", [None, "unknown", "bogus"])
def test_a_bundle_order_of_unknown_status_is_judged_as_new(linter, rule, status):
    # Outside CDS Hooks an unknown status is read as new, which is also active: checked by both sets of rules.
    b = example(f"{rule}-fires.bundle.json")
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] == "MedicationRequest" and r.get("status") == "draft":
            if status is None:
                del r["status"]
            else:
                r["status"] = status
    results = lint(b, linter)
    assert rule in codes(results)
    (n, *_) = notes(results, "unknown-status")
    assert "read as new" in n.message


def test_a_bundle_order_that_is_active_is_still_active(linter):
    b = example("ILD404-fires.bundle.json")
    for e in b["entry"]:
        if e["resource"]["resourceType"] == "MedicationRequest":
            e["resource"]["status"] = "active"
    assert "ILD404" not in codes(lint(b, linter))  # an order being taken: not started now


# ------------------------------------------------------------------ the service answers the same
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


def post(client, req: dict):
    req = copy.deepcopy(req)
    req["extension"] = {"orderlint-as-of": AS_OF.isoformat()}
    return client.post("/cds-services/orderlint-order-sign", json=req)


def card_codes(resp) -> set[str]:
    assert resp.status_code == 200, resp.text
    out = set()
    for c in resp.json()["cards"]:
        out.add(c["source"]["label"].split()[-1])
        out.update(x for x in ("ILD101", "ILD201", "ILD402", "ILD404", "ILD102", "ILD301") if x in json.dumps(c))
    return out


@pytest.mark.parametrize("status", [None, "active", "unknown"])
def test_the_service_gives_a_card_for_a_draft_order_of_any_status(client, status):
    req = example("ILD404-fires.cds-hooks.json")
    for r in drafts(req):
        if status is None:
            del r["status"]
        else:
            r["status"] = status
    assert "ILD404" in card_codes(post(client, req))


# ------------------------------------------------------------------ H5: a reason the value set does not know
# fhir.md 2.1, Purpose: "another coded reason -> other", read with section 3: "A missing or unmappable
# value ... never vanishes". A code the value set does not know is read by its words, ILD when there
# are none; `other` only when its words name another condition, and always with a note.
def with_reason(reason: dict, shape: str = "cds-hooks") -> dict:
    doc = example(f"ILD201-fires.{shape}.json")
    rs = drafts(doc) if shape == "cds-hooks" else [e["resource"] for e in doc["entry"]
                                                   if e["resource"]["resourceType"] == "MedicationRequest"]
    for r in rs:
        r["reasonCode"] = [copy.deepcopy(reason)]
    return doc


SSC_ILD_TEXT = "systemic sclerosis associated interstitial lung disease"


@pytest.mark.parametrize("shape", ["cds-hooks", "bundle"])
@pytest.mark.parametrize("system,code,text", [
    ("https://hospital.example.org/dx", "SSCILD", SSC_ILD_TEXT),
    ("http://snomed.info/sct", "196133001", SSC_ILD_TEXT),
    ("http://hl7.org/fhir/sid/icd-10", "M34.8", SSC_ILD_TEXT),
    ("http://hl7.org/fhir/sid/icd-10-cm", "J99", SSC_ILD_TEXT),
    ("http://snomed.info/sct", "196133001", None),  # no words: read as ILD, fail closed
    ("https://hospital.example.org/dx", "SSCILD", None),
])
def test_a_reason_the_value_set_does_not_know_does_not_exempt_a_glucocorticoid(linter, shape, system, code, text):
    reason: dict = {"coding": [{"system": system, "code": code}]}
    if text is not None:
        reason["text"] = text
    results = lint(with_reason(reason, shape), linter)
    assert "ILD201" in codes(results)
    said = notes(results, "missing-value")
    assert said and all(code in f.message and "purpose ild" in f.message for f in said)


def test_a_display_naming_ssc_is_read_like_a_text(linter):
    reason = {"coding": [{"system": "http://snomed.info/sct", "code": "196133001",
                          "display": "Lung disease with systemic sclerosis"}]}
    assert "ILD201" in codes(lint(with_reason(reason), linter))


def test_a_reason_naming_another_condition_is_other_with_a_note(linter):
    # The project's ILD202 and ILD302 examples: a local code whose text names another condition.
    reason = {"coding": [{"system": "https://example.org/fhir/CodeSystem/local-reasons", "code": "myositis-flare"}],
              "text": "myositis overlap flare"}
    results = lint(with_reason(reason), linter)
    assert "ILD201" not in codes(results)
    said = notes(results, "missing-value")
    assert said and all("myositis-flare" in f.message and "purpose other" in f.message for f in said)


def test_an_ssc_code_beside_another_reason_is_ild_and_a_known_ssc_code_needs_no_note(linter):
    reasons = [{"coding": [{"system": "http://snomed.info/sct", "code": "89155008"}]},
               {"coding": [{"system": "https://example.org/x", "code": "arthritis"}], "text": "inflammatory arthritis"}]
    doc = example("ILD201-fires.cds-hooks.json")
    for r in drafts(doc):
        r["reasonCode"] = copy.deepcopy(reasons)
    results = lint(doc, linter)
    assert "ILD201" in codes(results) and not notes(results, "missing-value")


def test_a_reason_reference_to_a_condition_with_an_unknown_code_and_no_text_is_ild(linter):
    doc = example("ILD201-fires.bundle.json")
    doc["entry"].append({"resource": {"resourceType": "Condition", "id": "why", "subject": {"reference": "Patient/ssc-ild201-fires"},
                                      "code": {"coding": [{"system": "https://hospital.example.org/dx", "code": "X1"}]}}})
    for e in doc["entry"]:
        if e["resource"]["resourceType"] == "MedicationRequest":
            e["resource"]["reasonReference"] = [{"reference": "Condition/why"}]
    results = lint(doc, linter)
    assert "ILD201" in codes(results)
    assert any("X1" in f.message for f in notes(results, "missing-value"))


@pytest.mark.parametrize("code,purpose", [("M34.8", "ild"), ("M3489", "ild"), ("J84.112", "ild"), ("J99", "ild"),
                                          ("M06.9", "other"), ("M35.1", "other")])
def test_an_icd10_code_the_value_set_does_not_list_is_read_by_its_category(linter, code, purpose):
    from orderlint.fhir import map_fhir

    reason = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]}
    (m,) = map_fhir(with_reason(reason, "bundle"), source="t", vocab=linter.vocab, as_of=AS_OF)
    assert {o.get("purpose", "ild") for o in m.data["orders"]} == {purpose}
    assert [n for n in m.notes if n.kind == "missing-value" and code in n.message and f"purpose {purpose}" in n.message]


# ------------------------------------------------------------------ M4: draft orders orderlint does not read
# fhir.md 1: "A top-level non-R4 resource (DSTU2 MedicationOrder) is OL001; inside a Bundle it is
# skipped, with OL008 unsupported-resource if it is ... a draft order", read with the mapping's own
# rule that draft orders that cannot be read are OL001 (the orders being signed would go unchecked).
def ild301(wrap) -> dict:
    """ILD301-fires with its draft cyclophosphamide order rewritten by ``wrap`` (resource -> entries)."""
    req = example("ILD301-fires.cds-hooks.json")
    (cyc,) = drafts(req)
    req["context"]["draftOrders"]["entry"] = [{"resource": r} for r in wrap(cyc)]
    return req


def request_group(cyc: dict) -> list[dict]:
    c = {k: v for k, v in cyc.items() if k != "subject"}  # a contained order takes the group's patient
    return [{"resourceType": "RequestGroup", "id": "rg", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/ssc-301"}, "contained": [c],
             "action": [{"resource": {"reference": "#cyc"}}]}]


def care_plan(cyc: dict) -> list[dict]:
    return [{"resourceType": "CarePlan", "id": "cp", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/ssc-301"}, "contained": [cyc],
             "activity": [{"reference": {"reference": "#cyc"}}]}]


def nested_group(cyc: dict) -> list[dict]:
    (rg,) = request_group(cyc)
    rg["action"] = [{"title": "cycle", "action": [{"resource": {"reference": "#cyc"}}]}]
    return [rg]


def group_and_entry(cyc: dict) -> list[dict]:
    (rg,) = request_group(cyc)
    rg["contained"] = []
    rg["action"] = [{"resource": {"reference": "MedicationRequest/cyc"}}]
    return [rg, cyc]


@pytest.mark.parametrize("wrap", [request_group, care_plan, nested_group, group_and_entry])
def test_the_orders_of_a_draft_request_group_or_care_plan_are_checked(linter, client, wrap):
    req = ild301(wrap)
    results = lint(req, linter)
    assert [r.status for r in results] == ["checked"] and codes(results) == ["ILD301"]
    assert "ILD301" in card_codes(post(client, req))


def medication_order(cyc: dict) -> list[dict]:
    return [{**cyc, "resourceType": "MedicationOrder"}]


def administration(cyc: dict) -> list[dict]:
    r = {k: v for k, v in cyc.items() if k not in ("intent", "dosageInstruction", "authoredOn")}
    return [{**r, "resourceType": "MedicationAdministration", "status": "in-progress"}]


def dispense(cyc: dict) -> list[dict]:
    r = {k: v for k, v in cyc.items() if k not in ("intent", "authoredOn")}
    return [{**r, "resourceType": "MedicationDispense", "status": "preparation"}]


def group_of_unknown_order(cyc: dict) -> list[dict]:
    (rg,) = request_group(cyc)
    rg["contained"] = []
    rg["action"] = [{"resource": {"reference": "MedicationRequest/elsewhere"}}]
    return [rg]


def group_of_missing_contained(cyc: dict) -> list[dict]:
    (rg,) = request_group(cyc)
    rg["action"] = [{"resource": {"reference": "#nothere"}}]
    return [rg]


def care_plan_inline(cyc: dict) -> list[dict]:
    return [{"resourceType": "CarePlan", "id": "cp", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/ssc-301"},
             "activity": [{"detail": {"kind": "MedicationRequest", "status": "not-started",
                                      "productCodeableConcept": cyc["medicationCodeableConcept"]}}]}]


def group_of_administration(cyc: dict) -> list[dict]:
    (rg,) = request_group(cyc)
    rg["contained"] = administration(cyc)
    return [rg]


@pytest.mark.parametrize("wrap", [medication_order, administration, dispense, group_of_unknown_order,
                                  group_of_missing_contained, care_plan_inline, group_of_administration])
def test_a_draft_order_orderlint_cannot_read_is_invalid(linter, client, wrap):
    req = ild301(wrap)
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"]
    assert [f.code for r in results for f in r.findings] == ["OL001"]
    resp = post(client, req)
    assert resp.status_code == 400 and resp.json()["issue"][0]["code"] == "invalid"


def test_a_medication_order_in_a_plain_bundle_is_still_a_note(linter):
    # Outside the orders being signed, fhir.md 1 holds: another version's order type is skipped with a note.
    b = example("ILD301-fires.bundle.json")
    for e in b["entry"]:
        if e["resource"]["resourceType"] == "MedicationRequest" and e["resource"]["id"] == "cyc":
            e["resource"]["resourceType"] = "MedicationOrder"
    results = lint(b, linter)
    assert [r.status for r in results] != ["invalid"] and notes(results, "unsupported-resource")


# ------------------------------------------------------------------ M1: a search that reports an error in an entry
# fhir.md 1 (prefetch) and the mapping's rule that data the EHR could not give is not "none": an
# OperationOutcome as the whole prefetch value is OL001; one a search Bundle holds as an entry
# (search.mode outcome) says the same.
def oo_entry(severity: str, code: str = "too-costly") -> dict:
    req = example("ILD102-fires.cds-hooks.json")
    said = "search results truncated: too many matches" if code == "too-costly" else "search parameter _count ignored"
    req["prefetch"]["medications"]["entry"].append(
        {"resource": {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": said}]},
         "search": {"mode": "outcome"}})
    return req


@pytest.mark.parametrize("severity", ["error", "fatal"])
def test_a_prefetch_search_reporting_an_error_in_an_entry_is_incomplete(linter, client, severity):
    req = oo_entry(severity)
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"]
    (f,) = [f for r in results for f in r.findings]
    assert f.code == "OL001" and f.pointer == "/prefetch/medications" and "incomplete" in f.message
    resp = post(client, req)
    # The service answers an incomplete prefetch 412 `incomplete` (services.md, Errors), not 400.
    assert resp.status_code == 412 and resp.json()["issue"][0]["code"] == "incomplete"
    assert "prefetch `medications`" in resp.json()["issue"][0]["diagnostics"] and "incomplete" in resp.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("severity, code", [("warning", "timeout"), ("warning", "exception"), ("information", "processing"),
                                            ("warning", "forbidden"), ("warning", "suppressed"), ("information", "informational")])
def test_an_operation_outcome_in_place_of_a_prefetch_is_incomplete_whatever_its_severity(linter, client, severity, code):
    # CDS Hooks: the client could not make the query. A 'warning' there was read as complete data:
    # with the Conditions missing the patient was not applicable, and the answer {"cards": []}.
    req = example("ILD102-fires.cds-hooks.json")
    req["prefetch"]["medications"] = {"resourceType": "OperationOutcome",
                                      "issue": [{"severity": severity, "code": code, "diagnostics": "query timed out"}]}
    assert [r.status for r in lint(req, linter)] == ["invalid"]
    resp = post(client, req)
    assert resp.status_code == 412 and resp.json()["issue"][0]["code"] == "incomplete"
    assert "in place of the data asked for (query timed out)" in resp.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("code, incomplete", [("timeout", True), ("exception", True), ("forbidden", True),
                                              ("suppressed", True), ("not-supported", False), ("informational", False)])
def test_a_search_entry_outcome_that_says_data_is_missing_is_incomplete_even_as_a_warning(linter, client, code, incomplete):
    req = oo_entry("warning", code)
    assert ([r.status for r in lint(req, linter)] == ["invalid"]) == incomplete
    assert (post(client, req).status_code == 412) == incomplete


def _outcome_only(issue: Any, *, entry_as_object: bool = False) -> dict:
    """ILD102-fires with its medications search holding only an OperationOutcome entry."""
    req = example("ILD102-fires.cds-hooks.json")
    oo: dict = {"resourceType": "OperationOutcome"}
    if issue is not ...:
        oo["issue"] = issue
    entry = {"resource": oo, "search": {"mode": "outcome"}}
    req["prefetch"]["medications"]["entry"] = entry if entry_as_object else [entry]
    return req


@pytest.mark.parametrize("req", [
    # FHIR requires an issue: an outcome that states none, or none readable, may hide an error.
    _outcome_only([]), _outcome_only(...), _outcome_only(["error"]),
    # an object where an array belongs is one item (fhir.md 2.1), for the check as for the reading
    _outcome_only([{"severity": "error", "code": "too-costly"}], entry_as_object=True),
], ids=["empty-issue", "no-issue", "issue-not-an-object", "entry-an-object"])
def test_an_outcome_entry_that_says_nothing_readable_or_is_no_array_is_incomplete(linter, req):
    # Each passed ILD102 silently: the active mycophenolate the search could not list was missing.
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"]
    (f,) = [f for r in results for f in r.findings]
    assert f.code == "OL001" and "incomplete" in f.message


def test_a_next_page_link_given_as_an_object_is_incomplete(linter):
    req = example("ILD102-fires.cds-hooks.json")
    req["prefetch"]["medications"]["link"] = {"relation": "next", "url": "https://ehr.example.org/fhir/MedicationRequest?page=2"}
    results = lint(req, linter)
    assert [r.status for r in results] == ["invalid"] and "next page" in results[0].findings[0].message


@pytest.mark.parametrize("severity", ["warning", "information"])
@pytest.mark.parametrize("code", ["too-costly", "incomplete", "throttled"])
def test_a_search_that_says_it_is_incomplete_is_incomplete_whatever_its_severity(linter, severity, code):
    # A truncated search reported as a warning was read on with a note: ILD102 passed with the
    # active mycophenolate the search left out.
    results = lint(oo_entry(severity, code), linter)
    assert [r.status for r in results] == ["invalid"]
    assert [f.code for r in results for f in r.findings] == ["OL001"]


@pytest.mark.parametrize("severity", ["warning", "information"])
def test_a_prefetch_search_with_a_warning_is_read_with_a_note(linter, severity):
    results = lint(oo_entry(severity, "informational"), linter)
    assert [r.status for r in results] == ["checked"] and "ILD102" in codes(results)
    (n,) = notes(results, "missing-value")
    assert n.pointer == "/prefetch/medications" and severity in n.message


# ------------------------------------------------------------------ M3: a years-old ServiceRequest
# fhir.md 2.4: "ServiceRequest draft/active -> ordered"; regimen-format.md: `ordered` = part of this
# document (a protocol's lab orders, or pending). An order older than the test's look-back window is
# neither, unless it is a draft order of this very signing.
def pregnancy_order(authored: str, **extra) -> dict:
    return {"resourceType": "ServiceRequest", "id": "hcg", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/ssc-ild404-fires"}, "authoredOn": authored,
            "code": {"coding": [{"system": "http://loinc.org", "code": "2106-3"}]}, **extra}


def with_order(sr: dict, where: str) -> dict:
    req = example("ILD404-fires.cds-hooks.json")
    if where == "draft":
        req["context"]["draftOrders"]["entry"].append({"resource": sr})
    else:
        req["prefetch"]["serviceRequests"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": sr}]}
    return req


def test_a_years_old_active_service_request_is_no_ordered_test(linter, client):
    req = with_order(pregnancy_order("2023-01-01"), "prefetch")
    results = lint(req, linter)
    assert "ILD404" in codes(results)
    (n,) = notes(results, "dropped-order")
    assert n.pointer == "/prefetch/serviceRequests/entry/0/resource/authoredOn" and "14-day" in n.message
    assert "ILD404" in card_codes(post(client, req))


@pytest.mark.parametrize("authored,where", [("2026-02-20", "prefetch"), ("2023-01-01", "draft")])
def test_a_recent_service_request_or_one_being_signed_counts(linter, authored, where):
    results = lint(with_order(pregnancy_order(authored), where), linter)
    assert "ILD404" not in codes(results) and not notes(results, "dropped-order")


def test_an_old_service_request_due_within_the_window_counts(linter):
    sr = pregnancy_order("2023-01-01", occurrenceDateTime="2026-03-05")
    assert "ILD404" not in codes(lint(with_order(sr, "prefetch"), linter))


def test_the_window_is_the_sites(linter):
    req = with_order(pregnancy_order("2026-02-02"), "prefetch")  # 28 days: beyond the default 14
    assert "ILD404" in codes(lint(req, linter))
    wide = Linter(Settings(as_of=AS_OF, lookback_days={"pregnancy": 30}))
    assert "ILD404" not in codes(lint(req, wide))


def test_an_old_service_request_in_a_bundle_is_no_ordered_test(linter):
    b = example("ILD404-fires.bundle.json")
    b["entry"].append({"resource": pregnancy_order("2024-05-01")})
    assert "ILD404" in codes(lint(b, linter))


@pytest.mark.parametrize("status,counts", [("draft", True), ("active", False)])
def test_a_draft_service_request_of_a_bundle_is_ordered_with_the_prescription(linter, status, counts):
    # A Bundle has no signing context: its draft ServiceRequests are the tests ordered with its draft
    # orders (the project's examples, linted on any later day); a signed (active) one is dated.
    b = example("ILD404-fires.bundle.json")
    b["entry"].append({"resource": pregnancy_order("2024-05-01", status=status)})
    assert ("ILD404" not in codes(lint(b, linter))) is counts


def test_a_draft_service_request_in_prefetch_is_not_part_of_this_signing(linter):
    req = with_order(pregnancy_order("2023-01-01", status="draft"), "prefetch")
    assert "ILD404" in codes(lint(req, linter))


# ------------------------------------------------------------------ a regimen document with `context` or `hook`
_REGIMEN = {"id": "pt-9", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
            "patient": {"sex": "male", "age_years": 55, "weight_kg": 78},
            "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 3000, "unit": "mg", "route": "oral",
                        "frequency": "bid"}]}


@pytest.mark.parametrize("extra", [{"context": {"ward": "5B"}}, {"hook": "nightly"}, {"hook": "order-sign", "context": {}}])
def test_a_regimen_document_with_a_cds_hooks_field_is_ol001_not_a_request_without_orders(linter, extra):
    # fhir.md 1 reads a document with `hook` or `context` as a CDS Hooks request; one that also has a
    # regimen's `orders` (MMF 6000 mg/day here) was a request without orders: OL008 no-orders, exit 0.
    from orderlint import lint as api_lint

    r = api_lint(dict(_REGIMEN, **extra), linter=linter)
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    msg = r.findings[0].message
    assert "`orders`" in msg and "`indication`" in msg and "neither" in msg
    # Without the field, the same document is checked and its dose found.
    assert "ILD501" in [f.code for f in api_lint(_REGIMEN, linter=linter).findings]


@pytest.mark.parametrize("resource_type", ["PlanDefinition", "Bundle", "RequestGroup", "MedicationRequest", "NoSuchType"])
def test_a_regimen_document_with_a_resource_type_is_ol001_not_a_resource_without_orders(linter, resource_type):
    # A protocol author naming the order set a PlanDefinition (FHIR's word for one): read as that
    # resource, the document had no orders (OL008 no-orders, exit 0) and MMF 6000 mg/day passed.
    from orderlint import lint as api_lint

    r = api_lint(dict(_REGIMEN, resourceType=resource_type), linter=linter)
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    msg = r.findings[0].message
    assert "`resourceType`" in msg and "`orders`" in msg and "neither" in msg


def test_a_resource_with_a_kind_field_is_still_a_resource(linter):
    # `kind` is a field of some FHIR resources (ActivityDefinition): alone, it does not make a document a regimen.
    from orderlint import lint as api_lint

    r = api_lint({"resourceType": "ActivityDefinition", "id": "a1", "status": "active", "kind": "MedicationRequest"},
                 linter=linter)
    assert "OL001" not in [f.code for f in r.findings]


def test_a_cds_hooks_request_with_a_patient_field_of_old_drafts_is_still_a_request(linter):
    # `patient` and `id` are no regimen-only fields (early CDS Hooks drafts had a top-level `patient`).
    req = dict(example("ILD301-fires.cds-hooks.json"), patient="p1")
    assert "OL001" not in codes(lint(req, linter)) and "ILD301" in codes(lint(req, linter))


# ------------------------------------------------------------------ one fullUrl, two resources
def _medication(url: str, text: str, rid: str) -> dict:
    return {"fullUrl": url, "resource": {"resourceType": "Medication", "id": rid, "code": {"text": text}}}


def test_two_patients_under_one_full_url_are_ol001_not_the_last_one_s(linter):
    # fhir.md 1, References: `urn:uuid:` matched to fullUrl, which must then name one resource.
    # The later Patient took every `urn:uuid` reference: a woman's mycophenolate order and conditions
    # were read as a man's, and ILD404 went away (FHIR bdl-7: fullUrl is unique in a Bundle).
    b = example("ILD404-fires.bundle.json")
    assert "ILD404" in codes(lint(b, linter))
    for e in b["entry"]:
        if "subject" in e["resource"]:
            e["resource"]["subject"] = {"reference": b["entry"][0]["fullUrl"]}
    assert "ILD404" in codes(lint(b, linter))  # the references alone change nothing
    other = copy.deepcopy(b["entry"][0])
    other["resource"].update(id="someone-else", gender="male")
    b["entry"].append(other)
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert r.status == "invalid"
    assert any(f.code == "OL001" and "names two different resources" in f.message for f in r.findings)
    # The same resource twice under its fullUrl is read once.
    b["entry"][-1] = copy.deepcopy(b["entry"][0])
    assert "ILD404" in codes(lint(b, linter))


@pytest.mark.parametrize("where", ["draftOrders", "prefetch"])
def test_a_medication_full_url_used_twice_in_a_request_is_refused(client, linter, where):
    # fhir.md 1, References; services.md, Errors: 400 for draft orders that are not FHIR.
    # The draft names urn:uuid:med-1, defined in the draft orders as mycophenolate; a folic acid
    # Medication with the same fullUrl (in the draft orders or a prefetch Bundle) replaced it, and
    # a 4 g/day mycophenolate order passed as folic acid: 200 {"cards": []}.
    req = example("ILD501-fires.cds-hooks.json")
    (mr,) = drafts(req)
    mr["medicationReference"] = {"reference": "urn:uuid:med-1"}
    concept = mr.pop("medicationCodeableConcept")
    req["context"]["draftOrders"]["entry"].append(
        {"fullUrl": "urn:uuid:med-1", "resource": {"resourceType": "Medication", "id": "mmf-med", "code": concept}})
    assert "ILD501" in json.dumps(post(client, req).json())
    folic = _medication("urn:uuid:med-1", "folic acid", "folic")
    if where == "draftOrders":
        req["context"]["draftOrders"]["entry"].append(folic)
    else:
        req["prefetch"]["medications"] = {"resourceType": "Bundle", "type": "searchset", "entry": [folic]}
    resp = post(client, req)
    assert resp.status_code == 400 and "names two different resources" in resp.text, resp.text
    (r,) = lint_fhir(req, linter=linter, source="t")
    assert r.status == "invalid"


@pytest.mark.parametrize("edit, said", [
    (lambda b: b.update(link=[{"relation": "next", "url": "https://fhir.example.org/Bundle?page=2"}]),
     "is one page of a search result"),
    # Link relation types are read without regard to case or surrounding space (RFC 8288): 'Next' passed.
    (lambda b: b.update(link=[{"relation": " Next", "url": "https://fhir.example.org/Bundle?page=2"}]),
     "is one page of a search result"),
    (lambda b: b.update(total=len(b["entry"]) + 3), "of the"),
    (lambda b: b["entry"].append({"resource": {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "too-costly"}]}, "search": {"mode": "outcome"}}), "OperationOutcome"),
])
def test_a_search_bundle_read_alone_that_is_not_all_of_the_data_is_ol001(linter, edit, said):
    # fhir.md 1, Input shapes, held to services.md, Calling a service: a partial search is never read as complete.
    # As in a CDS Hooks prefetch: read from a file, the first page of a search whose second page
    # held the PCP prophylaxis was a clean patient.
    b = example("ILD301-fires.bundle.json")
    b["type"] = "searchset"
    b["total"] = len(b["entry"])
    assert "ILD301" in codes(lint(b, linter))  # all of it: read
    edit(b)
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert r.status == "invalid"
    (f,) = r.findings
    assert f.code == "OL001" and said in f.message and "the patient's data is incomplete" in f.message


def _prefetch_daily(req: dict, rid: str, drug: str, mg: int) -> dict:
    """An active daily MedicationRequest of the request's patient, as the request's only prefetch medication."""
    order = {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
             "subject": {"reference": f"Patient/{req['context']['patientId']}"},
             "medicationCodeableConcept": {"text": drug},
             "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                    "doseAndRate": [{"doseQuantity": {"value": mg, "system": "http://unitsofmeasure.org",
                                                                      "code": "mg"}}]}]}
    req["prefetch"]["medications"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": order}]}
    return order


def test_a_prefetch_resource_whose_urn_uuid_patient_is_no_full_url_is_not_another_patient_s(client, linter):
    # fhir.md 1, References: 'another patient' is one a reference names, not one it fails to name.
    # Read as another patient's (an info note), an active azathioprine whose subject named an
    # unresolvable urn:uuid was left out and the antimetabolite combination with the draft MMF passed.
    req = example("ILD501-fires.cds-hooks.json")
    aza = _prefetch_daily(req, "aza", "azathioprine", 100)
    assert "ILD104" in codes(lint(req, linter))
    aza["subject"] = {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}
    results = lint_fhir(req, linter=linter, source="t")
    assert any(f.code == "OL001" and "which is no entry's fullUrl" in f.message for r in results for f in r.findings)
    resp = post(client, req)
    assert resp.status_code == 400 and "which is no entry's fullUrl" in resp.text
    # Another patient named as such is still a note (their data is not this patient's).
    aza["subject"] = {"reference": "Patient/someone-else"}
    assert "ILD104" not in codes(lint(req, linter))
    assert post(client, req).status_code == 200


@pytest.mark.parametrize("resource", [
    {"resourceType": "MedicationAdministration", "id": "aza-given", "status": "in-progress",
     "medicationCodeableConcept": {"text": "azathioprine"}},
    {"resourceType": "MedicationDispense", "id": "aza-dispensed", "status": "completed",
     "medicationCodeableConcept": {"text": "azathioprine"}},
    {"resourceType": "MedicationOrder", "id": "aza-dstu2", "status": "active",
     "medicationCodeableConcept": {"text": "azathioprine"}},
])
def test_a_drug_in_a_resource_orderlint_does_not_read_is_a_card_when_nothing_else_is(client, resource):
    # services.md, Cards: OL008 is never a card of its own; the card says the orders were not checked against all data.
    # Its OL008 note rides on the cards; with no finding at all the answer was {"cards": []}, which
    # reads as nothing found while an azathioprine beside the draft was never checked.
    req = example("ILD301-clean.cds-hooks.json")
    for key in ("activeMeds", "medicationStatements"):
        req["prefetch"].setdefault(key, {"resourceType": "Bundle", "type": "searchset"})
    resp = post(client, req)
    assert resp.status_code == 200 and resp.json() == {"cards": []}, resp.text
    resource = {**resource, "subject": {"reference": f"Patient/{req['context']['patientId']}"}}
    req["prefetch"]["activeMeds"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": resource}]}
    resp = post(client, req)
    assert resp.status_code == 200, resp.text
    (card,) = resp.json()["cards"]
    assert card["indicator"] == "info" and card["summary"] == "Orders not checked against all of the patient's data"
    assert resource["resourceType"] in card["detail"]


def test_a_search_bundle_read_alone_says_the_warning_it_reports(linter):
    # As a prefetch value's warning is an OL008 note: in a Bundle file it was dropped without a word.
    b = example("ILD301-fires.bundle.json")
    b["type"] = "searchset"
    b["entry"].append({"resource": {"resourceType": "OperationOutcome", "issue": [
        {"severity": "warning", "code": "processing", "diagnostics": "results sorted by date"}]}, "search": {"mode": "outcome"}})
    (r,) = lint_fhir(b, linter=linter, source="t")
    assert "ILD301" in [f.code for f in r.findings]
    assert any(f.code == "OL008" and "the Bundle reports" in f.message and "results sorted by date" in f.message
               for f in r.findings)


@pytest.mark.parametrize("subject", [
    {"identifier": {"system": "urn:mrn", "value": "999"}}, {"reference": "Group/1"}, "Patient/other", {"display": "J. Doe"},
])
def test_a_prefetch_resource_whose_subject_is_no_patient_reference_is_ol001(client, linter, subject):
    # fhir.md 1, References (a reference matched to a patient; no subject: the only patient). Read as
    # naming none, an atovaquone about whoever the identifier names counted as the request's
    # patient's PCP prophylaxis, and the cyclophosphamide being signed passed.
    req = example("ILD301-fires.cds-hooks.json")
    atq = _prefetch_daily(req, "atq", "atovaquone", 1500)
    assert "ILD301" not in codes(lint(req, linter))  # the patient's own atovaquone protects
    atq["subject"] = subject
    results = lint_fhir(req, linter=linter, source="t")
    assert any(f.code == "OL001" and "which is no reference to a Patient" in f.message for r in results for f in r.findings)
    assert post(client, req).status_code == 400


def test_a_drug_in_a_resource_orderlint_does_not_read_is_a_card_when_the_site_ignores_ol008(tmp_path):
    # The card was made from the result's OL008 findings: a site that ignores OL008 (info notes it
    # does not want) got {"cards": []} beside an azathioprine being given, read as nothing found.
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    from orderlint.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    linter = Linter(Settings(ignore=["OL008"]))
    app = create_app({"feedback-db": str(tmp_path / "f.sqlite3"), "allow-as-of": True, "required-prefetch": []},
                     linter=linter)
    req = example("ILD301-clean.cds-hooks.json")
    given = {"resourceType": "MedicationAdministration", "id": "aza-given", "status": "in-progress",
             "medicationCodeableConcept": {"text": "azathioprine"},
             "subject": {"reference": f"Patient/{req['context']['patientId']}"}}
    req["prefetch"]["activeMeds"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": given}]}
    req["prefetch"].setdefault("medicationStatements", {"resourceType": "Bundle", "type": "searchset"})
    (r,) = lint_fhir(req, linter=linter, source="t")
    assert "OL008" not in [f.code for f in r.findings]  # ignored as a finding ...
    with TestClient(app, raise_server_exceptions=False) as c:
        resp = post(c, req)
    assert resp.status_code == 200, resp.text
    (card,) = resp.json()["cards"]  # ... yet the card that says the orders were not checked against it stays
    assert card["indicator"] == "info" and card["summary"] == "Orders not checked against all of the patient's data"
    assert "MedicationAdministration" in card["detail"] and "aza-given" in card["detail"], card["detail"]
