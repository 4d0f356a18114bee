"""The CDS Hooks service through the ASGI test client (services.md section 1): settings, prefetch,
errors, cards, suggestions (an accepted suggestion never fires the same card again), order-select,
feedback and its report, log hygiene. Every response is validated against the CDS Hooks models."""

from __future__ import annotations

import copy
import json
import logging
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from test_serve_helpers import (  # noqa: E402
    ALL_TESTS, SELECT, SIGN, accept, all_codes, codes_of, conformant, conformant_discovery, example, med, request,
)

from orderlint.config import ConfigError  # noqa: E402
from orderlint.serve import create_app, feedback_report, parse_settings  # noqa: E402
from orderlint.serve.cards import _cut, missing_tests  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return str(tmp_path_factory.mktemp("serve") / "feedback.sqlite3")


@pytest.fixture(scope="module")
def client(db):
    app = create_app({"feedback-db": db, "allow-as-of": True, "max-request-bytes": 200_000})
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def sign(client, req, path=SIGN):
    r = client.post(path, json=req)
    assert r.status_code == 200, r.text
    return conformant(r.json())


def without(*keys):
    return {k: v for k, v in ALL_TESTS.items() if k not in keys}


def problem(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == code
    return body["issue"][0]["diagnostics"]


# ------------------------------------------------------------------ settings
def test_settings_defaults_and_unknown_key():
    s = parse_settings({})
    assert s.required_prefetch == ("patient", "activeMeds", "observations", "conditions", "medicationStatements")
    assert s.max_request_bytes == 5 * 1024 * 1024 and s.feedback_db == "orderlint-feedback.sqlite3"
    with pytest.raises(ConfigError, match="unknown key 'fetch-prefech'.*did you mean 'fetch-prefetch'"):
        parse_settings({"fetch-prefech": True})


@pytest.mark.parametrize("table, message", [
    ({"required-prefetch": ["patient", "labs"]}, "unknown prefetch key 'labs'"),
    ({"max-request-bytes": 10}, "max-request-bytes"),
    ({"fetch-prefetch": "yes"}, "true or false"),
    ({"auth": {"issuers": {"https://ehr.example.org": {"jwks": "k.json"}}}}, "base-url: required"),
    ({"base-url": "http://cds.example.org"}, "must be https"),
    ({"auth": {"issuers": {}}, "base-url": "https://cds.example.org"}, "at least one issuer"),
    ({"auth": {"issuers": {"https://e": {"jwks": "k.json", "jwk": []}}}, "base-url": "https://c.org"}, "unknown key 'jwk'"),
    # Files read only when first needed are checked at start: a missing CA file made every EHR call a 500.
    ({"ssl-certfile": "no-such-c.pem"}, "'no-such-c.pem' is not a file"),
    ({"fetch-ca-file": "/nonexistent/ca.pem"}, "fetch-ca-file: cannot read '/nonexistent/ca.pem' as CA certificates"),
    ({"feedback-db": ":memory:"}, "feedback-db: must be a file"),
])
def test_settings_errors(table, message):
    with pytest.raises(ConfigError, match=message):
        parse_settings(table)


def test_a_certificate_without_its_key_is_refused(tmp_path):
    cert = tmp_path / "c.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(ConfigError, match="go together"):
        parse_settings({"ssl-certfile": str(cert)})


def test_the_feedback_database_is_its_owners_only(tmp_path):
    import os
    import stat

    from orderlint.serve.feedback import FeedbackStore

    store = FeedbackStore(str(tmp_path / "fb.sqlite3"))
    store.close()
    assert stat.S_IMODE(os.stat(tmp_path / "fb.sqlite3").st_mode) == 0o600


def test_serve_paths_are_read_from_the_configuration_files_folder(tmp_path, monkeypatch):
    import shutil

    import certifi

    from orderlint.cli import _serve_table
    from orderlint.config import build_settings

    etc, run = tmp_path / "etc", tmp_path / "run"
    etc.mkdir()
    run.mkdir()
    shutil.copy(certifi.where(), etc / "ca.pem")
    (etc / "pyproject.toml").write_text('[tool.orderlint.serve]\nfetch-ca-file = "ca.pem"\n')
    monkeypatch.chdir(run)  # run from another folder: ca.pem is not here
    table = _serve_table(build_settings(config_path="../etc/pyproject.toml"))
    # The CA file is found (and checked) beside the configuration, and the default database sits
    # there too, wherever `serve` or `feedback report` runs.
    settings = parse_settings(table)
    assert settings.fetch_ca_file == str(etc / "ca.pem")
    assert settings.feedback_db == str(etc / "orderlint-feedback.sqlite3")
    (etc / "ca.pem").unlink()
    with pytest.raises(ConfigError, match="fetch-ca-file: cannot read"):
        build_settings(config_path="../etc/pyproject.toml")


def test_non_loopback_host_without_auth_refuses_to_start():
    from orderlint.serve.app import check_bind

    check_bind("127.0.0.1", parse_settings({}))
    check_bind("::1", parse_settings({}))
    with pytest.raises(ConfigError, match="authentication is off"):
        check_bind("0.0.0.0", parse_settings({}))
    auth = parse_settings({"base-url": "https://cds.example.org",
                           "auth": {"issuers": {"https://ehr.example.org": {"jwks": "keys.json"}}}})
    check_bind("0.0.0.0", auth)


# ------------------------------------------------------------------ discovery, health
def test_health_and_discovery(client):
    assert client.get("/healthz").json()["status"] == "ok"
    d = conformant_discovery(client.get("/cds-services").json())
    by_id = {s["id"]: s for s in d["services"]}
    assert by_id["orderlint-order-sign"]["hook"] == "order-sign"
    assert by_id["orderlint-order-select"]["hook"] == "order-select"
    pre = by_id["orderlint-order-sign"]["prefetch"]
    assert pre["patient"] == "Patient/{{context.patientId}}"
    assert pre["activeMeds"] == "MedicationRequest?patient={{context.patientId}}&status=active"
    assert "http://loinc.org|58410-2" in pre["observations"] and "http://loinc.org|29463-7" in pre["observations"]
    assert pre["observations"].endswith("&_sort=-date&_count=200")
    assert set(pre) == {"patient", "activeMeds", "observations", "conditions", "medicationStatements",
                        "serviceRequests", "diagnosticReports", "procedures"}


# ------------------------------------------------------------------ examples on both hooks
@pytest.mark.parametrize("name, codes", [
    ("ILD301-fires", {"ILD301"}), ("ILD301-clean", set()), ("ILD102-fires", {"ILD102"}), ("ILD102-clean", set()),
    ("ILD202-fires", {"ILD202"}), ("ILD202-clean", set()),
])
def test_examples_order_sign(client, name, codes):
    assert all_codes(sign(client, example(name))) == codes


@pytest.mark.parametrize("name, codes", [
    ("ILD301-fires", {"ILD301"}), ("ILD102-fires", {"ILD102"}), ("ILD202-fires", set()), ("ILD301-clean", set()),
])
def test_examples_order_select(client, name, codes):
    req = example(name)
    req["hook"] = "order-select"
    req["context"]["selections"] = [f"MedicationRequest/{e['resource']['id']}" for e in req["context"]["draftOrders"]["entry"]]
    # ILD202 (a dose finding) is for order-sign only.
    assert all_codes(sign(client, req, SELECT)) == codes


def test_order_select_only_selected_orders_or_completed_combinations(client):
    # Cyclophosphamide was selected earlier (its ILD301 card was shown then); selecting MMF now shows
    # nothing about cyclophosphamide, while order-sign shows everything.
    cyc = med("cyc", "cyclophosphamide", 600, "mg/m2", route="47625008", period=4, period_unit="wk")
    req = request([cyc, med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2)], hook="order-select")
    assert req["context"]["selections"] == ["MedicationRequest/mmf"]
    assert "ILD301" not in all_codes(sign(client, req, SELECT))
    sign_req = dict(req, hook="order-sign")
    assert "ILD301" in all_codes(sign(client, sign_req))
    # Azathioprine completes the antimetabolite combination with the earlier MMF draft: shown even if the
    # finding sits on the MMF order.
    combo = request([med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2), med("aza", "azathioprine", 100, "mg")],
                    hook="order-select")
    assert "ILD104" in all_codes(sign(client, combo, SELECT))


def test_order_select_shows_a_selected_order_whose_drug_is_not_known(client):
    # services.md, Calling a service: order-select's drug-choice findings, and (beyond its list) OL002.
    # No drug-choice rule can read an unknown drug: a misspelt cyclophosphamide was selected with
    # {"cards": []}, where the same order spelt right gives the ILD301 card.
    cyc = med("cyc", "cyclophosphamid", 600, "mg/m2", route="47625008", period=4, period_unit="wk")
    req = request([cyc], hook="order-select")
    assert req["context"]["selections"] == ["MedicationRequest/cyc"]
    assert all_codes(sign(client, req, SELECT)) == {"OL002"}
    # Another, unselected order whose drug is not known, no checked drug's likely misspelling (OL002's
    # warning tier), is for order-sign.
    other = med("zz", "zzqvine elixir", 5, "mg")
    req = request([other, med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2)], hook="order-select")
    assert req["context"]["selections"] == ["MedicationRequest/mmf"]
    assert "OL002" not in all_codes(sign(client, req, SELECT))
    assert "OL002" in all_codes(sign(client, dict(req, hook="order-sign")))


def test_order_select_shows_a_likely_misspelt_checked_drug_among_the_other_orders(client):
    # 'mycophenolate mofetill' beside a selected azathioprine: no combination rule (ILD104) could read
    # it, and order-select answered {"cards": []}, where the name spelt right gives the ILD104 card.
    for name, codes in (("mycophenolate mofetil", {"ILD104"}), ("mycophenolate mofetill", {"OL002"})):
        req = request([med("mmf", name, 1000, "mg", freq=2), med("aza", "azathioprine", 100, "mg")], hook="order-select")
        req["context"]["selections"] = ["MedicationRequest/aza"]
        assert codes <= all_codes(sign(client, req, SELECT)), name


def test_not_applicable_patient_has_no_cards(client):
    req = request([med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2)])
    req["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset"}
    assert sign(client, req) == {"cards": []}


@pytest.mark.parametrize("ignore", [False, True])
def test_conditions_about_another_patient_are_said_not_an_empty_answer(db, ignore):
    # Every Condition of the conditions prefetch names another patient: dropped, they left the
    # patient not-applicable, and an unprotected cyclophosphamide got {"cards": []}. services.md,
    # Calling a service: `{"cards": []}` only when there is nothing to say (fail closed: data not read is said).
    from orderlint.config import Settings
    from orderlint.engine import Linter

    app = create_app({"feedback-db": db, "allow-as-of": True}, Linter(Settings(ignore=["OL008"] if ignore else [])))
    cyc = med("cyc", "cyclophosphamide", 600, "mg", route="47625008", period=4, period_unit="wk")
    req = request([cyc])
    for e in req["prefetch"]["conditions"]["entry"]:
        e["resource"]["subject"] = {"reference": "Patient/zzz"}
    with TestClient(app, raise_server_exceptions=False) as c:
        (card,) = sign(c, req)["cards"]
    assert card["summary"] == "Orders not checked against all of the patient's data" and card["indicator"] == "info"
    assert "other-patient: Condition is about Patient/zzz" in card["detail"]


def test_an_order_whose_condition_is_contained_in_it_is_checked(client):
    # The SSc-ILD condition given only as a Condition contained in the draft order ("#c1", FHIR R4
    # References): the patient is not not-applicable, and the missing prophylaxis is on a card.
    cyc = med("cyc", "cyclophosphamide", 600, "mg", route="47625008", period=4, period_unit="wk")
    cyc["contained"] = [{"resourceType": "Condition", "id": "c1",
                         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M34.81"}]}}]
    cyc["reasonReference"] = [{"reference": "#c1"}]
    req = request([cyc])
    req["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset"}
    assert "ILD301" in all_codes(sign(client, req))


# ------------------------------------------------------------------ cards
def test_card_fields(client):
    card = sign(client, example("ILD202-fires"))["cards"][0]
    assert card["indicator"] == "critical"  # ILD202 is an error
    # The help link is the rule's primary source (the ATS guideline, S7 of the clinical facts), never
    # an invented address.
    doi = "https://doi.org/10.1164/rccm.202306-1113ST"
    assert card["source"] == {"label": "orderlint ILD202", "url": doi}
    assert card["summary"] == "Methylprednisolone: glucocorticoid dose above limit"
    assert "16 mg" in card["detail"] and "= 20 mg PE > 15 mg/day" in card["detail"]
    assert "evidence tag" in card["detail"] and f"[ILD202 rule documentation]({doi})" in card["detail"]
    assert "orderlint.dev" not in json.dumps(card)
    assert [r["code"] for r in card["overrideReasons"]] == [
        "patient-ineligible", "action-completed", "risk-benefit-ratio", "expert-contradicts"]
    assert all(r["system"] == "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes" for r in card["overrideReasons"])


def test_uuids_are_new_on_every_card_and_suggestion(client):
    a = sign(client, example("ILD301-fires"))["cards"][0]
    b = sign(client, example("ILD301-fires"))["cards"][0]
    ids = [a["uuid"], b["uuid"], a["suggestions"][0]["uuid"], b["suggestions"][0]["uuid"]]
    assert len(set(ids)) == 4


def test_findings_about_one_order_form_one_card(client):
    # Prednisone 20 mg for 60 days in first-line phase: ILD201, ILD202, ILD302 on one order -> one card,
    # its indicator the most severe, its source the most severe rule with the lowest code.
    req = request([med("pred", "prednisone", 20, "mg", days=60)],
                  active=(med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2, status="active"),))
    cards = sign(client, req)["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert codes_of(card) == ["ILD201", "ILD202", "ILD302"]
    assert card["indicator"] == "critical" and card["source"]["label"] == "orderlint ILD201"
    assert card["summary"] == "Prednisone: glucocorticoid as first-line ILD treatment (+2 more issues)"
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == ["Add sulfamethoxazole-trimethoprim 800/160 mg three times weekly", "Remove this draft order"]
    assert [s.get("isRecommended") for s in card["suggestions"]] == [None, True]  # the delete fixes the errors
    assert card["selectionBehavior"] == "at-most-one"


def test_ol008_notes_are_listed_on_their_orders_card_never_cards(client):
    m = med("cyc", "cyclophosphamide", 600, "mg/m2", route="47625008", period=4, period_unit="wk")
    m["status"] = "bogus"
    m["dosageInstruction"][0]["timing"]["code"] = {"text": "x"}
    card = sign(client, request([m]))["cards"][0]
    assert "OL008" not in codes_of(card)
    assert "**Data orderlint could not read**" in card["detail"] and "unknown-status" in card["detail"]


@pytest.mark.parametrize("how", ["contained", "no-id"])
def test_the_summary_names_the_drug_however_the_order_gives_it(client, how):
    # services.md, Cards: `summary` is "drug and problem". A drug given by a contained Medication, or
    # a draft without an id: "Medication order: no PCP prophylaxis" and "(no id 1): ...", though the
    # detail said cyclophosphamide.
    cyc = med("cyc", "cyclophosphamide", 600, "mg", route="47625008", period=4, period_unit="wk")
    if how == "contained":
        del cyc["medicationCodeableConcept"]
        cyc["contained"] = [{"resourceType": "Medication", "id": "m1", "code": {"text": "cyclophosphamide"}}]
        cyc["medicationReference"] = {"reference": "#m1"}
    else:
        del cyc["id"]
    (card,) = sign(client, request([cyc]))["cards"]
    assert card["summary"].startswith("Cyclophosphamide: no PCP prophylaxis")


def test_a_long_drug_name_is_cut_at_a_word_in_the_summary(client):
    # services.md, Cards: `summary` under 140 characters, "cut at a word with '…' if needed".
    name = "Amoxicillin 120 MG/ML / clavulanate potassium 8.58 MG/ML Oral Suspension"
    (card,) = sign(client, request([med("amx", name, 5, "mL", freq=2)]))["cards"]
    assert card["summary"] == "Amoxicillin 120 MG/ML / clavulanate potassium 8.58 MG/ML…: unknown drug"


def test_summary_cut_at_a_word_under_140():
    s = _cut("word " * 60)
    assert len(s) < 140 and s.endswith("…") and not s.endswith(" …")
    assert _cut("short") == "short"


def test_missing_tests_read_from_messages():
    assert missing_tests("ILD401", "x is started without baseline cbc, renal, urinalysis") == ["cbc", "renal", "urinalysis"]
    assert missing_tests("ILD402", "x is started without hbv, tb screening (boxed warning)") == ["hbv", "tb"]
    assert missing_tests("ILD406", "anything") == ["tpmt"]
    assert missing_tests("ILD401", "unreadable") is None


def test_internal_error_is_one_critical_card(db, monkeypatch):
    # A fault of the mapping is OL000 (fhir/lint.py): one critical card, never a pass.
    import orderlint.fhir.mapping as mapping

    def boom(*a, **k):
        raise RuntimeError("mapping fault")

    app = create_app({"feedback-db": db, "allow-as-of": True})
    monkeypatch.setattr(mapping, "map_fhir", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        cards = sign(c, example("ILD301-fires"))["cards"]
    assert len(cards) == 1 and cards[0]["indicator"] == "critical"
    assert cards[0]["summary"] == "orderlint could not check these orders; review them without it"
    assert cards[0]["source"]["label"] == "orderlint OL000"


# ------------------------------------------------------------------ suggestions: accepted ones never fire again
SUGGESTION_CASES = {
    "ILD301": (request([med("cyc", "cyclophosphamide", 600, "mg/m2", route="47625008", period=4, period_unit="wk")]),
               "Add sulfamethoxazole-trimethoprim"),
    "ILD302": (request([med("pred", "prednisone", 20, "mg", days=60)], phase="progression",
                       active=(med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2, status="active"),)),
               "Add sulfamethoxazole-trimethoprim"),
    "ILD401": (request([med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2)], tests=without("cbc", "cmp")), "Order"),
    "ILD402": (request([med("rtx", "rituximab", 1000, "mg", route="47625008", period=2, period_unit="wk")],
                       tests=without("hbsag", "hbc")), "Order"),
    "ILD403": (request([med("aza", "azathioprine", 100, "mg")], tests=without("hbsag", "hbc")), "Order"),
    "ILD404": (request([med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2)], sex="female", birth="1990-01-01",
                       tests=without("pregnancy")), "Order"),
    "ILD406": (request([med("aza", "azathioprine", 100, "mg")], tests={**ALL_TESTS, "tpmt": None}), "Order"),
    "ILD407": (request([med("dap", "dapsone", 100, "mg")], tests=without("g6pd")), "Order"),
    "ILD101": (request([med("mtx", "methotrexate", 15, "mg", period=1, period_unit="wk")]), "Remove this draft order"),
    "ILD201": (request([med("pred", "prednisone", 10, "mg", days=10)], phase="first-line"), "Remove this draft order"),
}


@pytest.mark.parametrize("code", sorted(SUGGESTION_CASES))
def test_accepted_suggestion_does_not_fire_again(client, code):
    req, label = SUGGESTION_CASES[code]
    cards = [c for c in sign(client, req)["cards"] if code in codes_of(c)]
    assert len(cards) == 1
    card = cards[0]
    sugg = [s for s in card["suggestions"] if s["label"].startswith(label)]
    assert len(sugg) == 1 and all(a["description"] for a in sugg[0]["actions"])
    again = sign(client, accept(req, sugg[0]))
    assert code not in all_codes(again)
    assert card["summary"] not in [c["summary"] for c in again["cards"]]


def test_created_orders_are_as_specified(client):
    card = sign(client, SUGGESTION_CASES["ILD402"][0])["cards"][0]
    acts = card["suggestions"][0]["actions"]
    assert [a["resource"]["code"]["coding"][0]["code"] for a in acts] == ["5196-1", "16933-4"]
    for a in acts:
        r = a["resource"]
        assert (r["resourceType"], r["status"], r["intent"], r["subject"]) == (
            "ServiceRequest", "draft", "order", {"reference": "Patient/p1"})
    pcp = sign(client, SUGGESTION_CASES["ILD301"][0])["cards"][0]["suggestions"][0]["actions"][0]["resource"]
    assert pcp["medicationCodeableConcept"]["coding"][0]["code"] == "10831"
    assert pcp["dosageInstruction"][0]["timing"]["repeat"] == {"frequency": 3, "period": 1, "periodUnit": "wk"}
    assert pcp["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["code"] == "{tbl}"
    tpmt = sign(client, SUGGESTION_CASES["ILD406"][0])["cards"][0]
    tp = [a for s in tpmt["suggestions"] for a in s["actions"]][0]["resource"]
    assert "coding" not in tp["code"] and tp["code"]["text"]
    labs = sign(client, SUGGESTION_CASES["ILD401"][0])["cards"][0]["suggestions"][0]["actions"]
    assert [a["resource"]["code"]["coding"][0]["code"] for a in labs] == ["58410-2", "24323-8"]  # lft: one CMP
    delete = sign(client, SUGGESTION_CASES["ILD101"][0])["cards"][0]["suggestions"][0]["actions"][0]
    assert delete == {"type": "delete", "description": "Remove this draft order", "resourceId": "MedicationRequest/mtx"}


@pytest.mark.parametrize("given", ["p1", "Patient/p1", " p1 ", "https://ehr.example.org/fhir/Patient/p1"])
def test_suggested_orders_are_for_the_patient_however_the_request_names_them(client, given):
    # services.md, Suggestions: the created order is for "the patient". The subject was built from
    # context.patientId as sent: 'Patient/https://ehr.example.org/...'.
    req = copy.deepcopy(SUGGESTION_CASES["ILD301"][0])
    req["context"]["patientId"] = given
    pcp = sign(client, req)["cards"][0]["suggestions"][0]["actions"][0]["resource"]
    assert pcp["subject"] == {"reference": "Patient/p1"}


@pytest.mark.parametrize("given", [" ", "Patient/", "p 1", "x" * 65])
def test_a_patient_id_that_is_no_fhir_id_is_400(client, given):
    # services.md, Errors: 400 when the body fails the request model (patientId: the FHIR Patient.id).
    req = copy.deepcopy(SUGGESTION_CASES["ILD301"][0])
    req["context"]["patientId"] = given
    assert "patientId" in problem(client.post(SIGN, json=req), 400, "invalid")


# ------------------------------------------------------------------ prefetch
def test_missing_required_prefetch_is_412_naming_the_keys(client):
    req = example("ILD301-fires")
    del req["prefetch"]["activeMeds"]
    req["prefetch"]["conditions"] = None
    msg = problem(client.post(SIGN, json=req), 412, "incomplete")
    assert "activeMeds" in msg and "conditions" in msg and "patient" not in msg


def test_empty_bundles_are_no_data_and_optional_keys_may_be_missing(client):
    req = example("ILD301-fires")
    req["prefetch"]["medicationStatements"] = {"resourceType": "Bundle", "type": "searchset"}
    assert "serviceRequests" not in req["prefetch"]
    assert all_codes(sign(client, req)) == {"ILD301"}


def test_no_prefetch_at_all_is_412(client):
    req = example("ILD301-fires")
    del req["prefetch"]
    assert "patient" in problem(client.post(SIGN, json=req), 412, "incomplete")


def test_fetch_needs_https_fhir_server(db):
    app = create_app({"feedback-db": db, "fetch-prefetch": True})
    req = example("ILD301-fires")
    del req["prefetch"]["activeMeds"]
    req["fhirServer"] = "http://ehr.example.org/fhir"
    req["fhirAuthorization"] = {"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "x", "subject": "s"}
    with TestClient(app, raise_server_exceptions=False) as c:
        assert "https" in problem(c.post(SIGN, json=req), 412, "incomplete")


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("body", [
    b"{not json", b'{"a": 1, "a": 2}', b"[]", b'{"hook": "order-sign"}', b'{"x": NaN}',
])
def test_malformed_bodies_are_400(client, body):
    problem(client.post(SIGN, content=body, headers={"content-type": "application/json"}), 400, "invalid")


def test_request_model_violations_are_400(client):
    req = example("ILD301-fires")
    req["hook"] = "order-select"
    assert "does not match" in problem(client.post(SIGN, json=req), 400, "invalid")
    req = example("ILD301-fires")
    req["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": {"no": "type"}}]}
    problem(client.post(SIGN, json=req), 400, "invalid")
    req = example("ILD301-fires")
    req["context"]["draftOrders"] = [1, 2]
    problem(client.post(SIGN, json=req), 400, "invalid")
    req = example("ILD301-fires")
    del req["context"]["patientId"]
    problem(client.post(SIGN, json=req), 400, "invalid")
    req = example("ILD301-fires")
    req["prefetch"]["patient"] = "Patient/1"
    problem(client.post(SIGN, json=req), 400, "invalid")
    req = example("ILD301-fires")
    req["hook"] = "order-select"  # order-select needs selections
    problem(client.post(SELECT, json=req), 400, "invalid")


def test_unknown_service_and_path_are_404(client):
    problem(client.post("/cds-services/nope", json=example("ILD301-fires")), 404, "not-found")
    problem(client.get("/nowhere"), 404, "not-found")
    problem(client.post("/cds-services/nope/feedback", json={"feedback": []}), 404, "not-found")


def test_body_over_limit_is_413(client):
    req = example("ILD301-fires")
    req["extension"]["padding"] = "x" * 250_000
    problem(client.post(SIGN, json=req), 413, "too-long")


def test_unexpected_exception_is_500_with_operation_outcome(db, caplog):
    from orderlint.engine import Linter

    linter = Linter()
    app = create_app({"feedback-db": db, "allow-as-of": True}, linter)
    app.state.store.record_cards = None  # a fault after linting
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO, "orderlint.serve"):
        problem(c.post(SIGN, json=example("ILD301-fires")), 500, "exception")
    assert "TypeError" in caplog.text and "Traceback" not in caplog.text


def test_a_locked_feedback_database_never_withholds_cards_and_the_store_recovers(tmp_path, caplog):
    # services.md, Feedback and Errors (500 only for the unexpected). A write lock held elsewhere (a
    # backup) made the service answer 500 "not checked" for every card from then on: the failed write
    # left the connection inside its transaction.
    import sqlite3

    path = str(tmp_path / "fb.sqlite3")
    app = create_app({"feedback-db": path, "allow-as-of": True})
    req = example("ILD301-fires")
    fb = {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-03-02T10:00:00Z"}]}

    def shown() -> int:
        con = sqlite3.connect(path)
        try:
            return con.execute("SELECT count(*) FROM cards").fetchone()[0]
        finally:
            con.close()

    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.INFO, "orderlint.serve"):
        assert "ILD301" in all_codes(sign(c, req)) and shown() == 1
        lock = sqlite3.connect(path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            assert "ILD301" in all_codes(sign(c, req))  # answered, not recorded
            problem(c.post(SIGN + "/feedback", json=fb), 503, "transient")
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert "ILD301" in all_codes(sign(c, req))
        assert c.post(SIGN + "/feedback", json=fb).status_code == 200
    assert shown() == 2
    assert "feedback store: OperationalError: cards not recorded" in caplog.text


# ------------------------------------------------------------------ feedback
def test_feedback_stored_once_and_reported(db, client):
    card = sign(client, example("ILD301-fires"))["cards"][0]
    s_uuid = card["suggestions"][0]["uuid"]
    fb = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": s_uuid}],
                        "outcomeTimestamp": "2026-03-02T10:00:00Z"}]}
    assert client.post(SIGN + "/feedback", json=fb).status_code == 200
    assert client.post(SIGN + "/feedback", json=fb).status_code == 200  # a repeat is stored once
    card2 = sign(client, example("ILD301-fires"))["cards"][0]
    over = {"feedback": [{"card": card2["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-03-02T10:01:00Z",
                          "overrideReason": {"reason": {"code": "risk-benefit-ratio",
                                                        "system": "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"},
                                             "userComment": "SENTINEL-COMMENT"}}]}
    assert client.post(SIGN + "/feedback", json=over).status_code == 200
    unknown = {"feedback": [{"card": "not-a-card", "outcome": "overridden", "outcomeTimestamp": "2026-03-02T10:02:00Z",
                             "overrideReason": {"userComment": "x"}}]}
    assert client.post(SIGN + "/feedback", json=unknown).status_code == 200
    rows = {r["rule"]: r for r in json.loads(feedback_report(db, fmt="json"))["rules"]}
    assert rows["ILD301"]["accepted"] == 1 and rows["ILD301"]["overridden"] == 1
    assert rows["ILD301"]["override_rate"] == 0.5
    assert rows["ILD301"]["top_override_reasons"] == [{"reason": "risk-benefit-ratio", "count": 1}]
    assert rows["ILD301"]["shown"] >= 2
    assert rows["unknown rule"]["overridden"] == 1
    text = feedback_report(db)
    assert "ILD301" in text and "50%" in text and "risk-benefit-ratio (1)" in text
    assert "ILD301" not in feedback_report(db, since="2999-01-01")
    import sqlite3

    con = sqlite3.connect(db)
    dump = "\n".join(con.iterdump())
    con.close()
    assert "SENTINEL-COMMENT" not in dump  # store-comments is off
    assert "p1" not in dump and "ssc-301" not in dump and "cyclophosphamide" not in dump


@pytest.mark.parametrize("item", [
    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-03-02T10:00:00Z"},
    {"card": "c", "outcome": "dismissed", "outcomeTimestamp": "2026-03-02T10:00:00Z"},
    {"card": "c", "outcome": "overridden", "overrideReason": {}, "outcomeTimestamp": "2026-03-02T10:00:00Z"},
    {"card": "c", "outcome": "overridden"},
    # Before the first or after the last instant a datetime holds, once in UTC: a 500 saying "the
    # orders were not checked" on a feedback call.
    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "0001-01-01T00:00:00+14:00"},
    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "9999-12-31T23:59:59-14:00"},
])
def test_invalid_feedback_is_400(client, item):
    problem(client.post(SIGN + "/feedback", json={"feedback": [item]}), 400, "invalid")


def test_feedback_is_bounded(client):
    # 20,000 unknown card ids, or one of 4 MB, were each stored: the database grew without bound.
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-03-02T10:00:00Z"}
    assert client.post(SIGN + "/feedback", json={"feedback": [item]}).status_code == 200
    problem(client.post(SIGN + "/feedback", json={"feedback": [item] * 1001}), 400, "invalid")
    problem(client.post(SIGN + "/feedback", json={"feedback": [dict(item, card="x" * 201)]}), 400, "invalid")
    assert client.post(SIGN + "/feedback", json={"feedback": [item] * 1000}).status_code == 200


@pytest.mark.parametrize("path", [SIGN + "/", SIGN + "/feedback/", "/cds-services/"])
def test_a_trailing_slash_is_a_404_operation_outcome_not_a_redirect(client, path):
    # A 307 to a Location built from the Host header sent the body and token wherever Host said.
    r = client.post(path, json={}, headers={"Host": "evil.example.com"}) if path != "/cds-services/" else client.get(path)
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json()["resourceType"] == "OperationOutcome"


def test_report_format_and_missing_db(tmp_path):
    with pytest.raises(ValueError):
        feedback_report(str(tmp_path / "x.sqlite3"), fmt="xml")
    with pytest.raises(FileNotFoundError):
        feedback_report(str(tmp_path / "x.sqlite3"))


# ------------------------------------------------------------------ logs
def test_logs_hold_no_patient_data(db, caplog):
    app = create_app({"feedback-db": db, "allow-as-of": True})
    req = request([med("SENTINEL-ORDER", "cyclophosphamide", 600, "mg/m2", route="47625008", period=4,
                       period_unit="wk", patient="SENTINEL-PATIENT")], instance="hook-instance-42")
    req["context"]["patientId"] = "SENTINEL-PATIENT"
    req["prefetch"]["patient"]["id"] = "SENTINEL-PATIENT"
    req["prefetch"]["patient"]["name"] = [{"family": "SENTINEL-NAME"}]
    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.DEBUG):
        assert c.post(SIGN, json=req).status_code == 200
        c.post(SIGN, content=b'{"hook": "SENTINEL-BAD', headers={"content-type": "application/json"})
    assert "hook-instance-42" in caplog.text and "POST /cds-services/orderlint-order-sign 200" in caplog.text
    assert "SENTINEL" not in caplog.text and "cyclophosphamide" not in caplog.text


def test_run_refuses_non_loopback_host_without_auth_before_listening():
    from orderlint.serve import run

    with pytest.raises(ConfigError, match="refusing to listen on 0.0.0.0"):
        run("0.0.0.0", 0, settings={})


def test_as_of_extension_needs_allow_as_of(db):
    # Results dated February 2026 are baselines on 2026-03-02 (the extension) but not months later
    # (today): without allow-as-of the extension is ignored and the screening rules fire.
    req = example("ILD301-fires")
    with TestClient(create_app({"feedback-db": db, "allow-as-of": True}), raise_server_exceptions=False) as c:
        assert all_codes(sign(c, req)) == {"ILD301"}
    with TestClient(create_app({"feedback-db": db}), raise_server_exceptions=False) as c:
        assert all_codes(sign(c, req)) > {"ILD301"}


def test_feedback_answer_is_200_without_body(client):
    card = sign(client, example("ILD301-fires"))["cards"][0]
    r = client.post(SIGN + "/feedback", json={"feedback": [{"card": card["uuid"], "outcome": "overridden",
                                                             "outcomeTimestamp": "2026-03-02T11:00:00Z"}]})
    assert r.status_code == 200 and r.content == b""


def test_grouped_card_creates_form_one_suggestion(client):
    # Cyclophosphamide with no PCP prophylaxis (ILD301) and no baseline labs (ILD401): one card, all
    # creates in one suggestion; accepting it clears both.
    req = request([med("cyc", "cyclophosphamide", 600, "mg/m2", route="47625008", period=4, period_unit="wk")],
                  tests=without("cbc", "cmp", "urinalysis"))
    cards = sign(client, req)["cards"]
    card = [c for c in cards if "ILD301" in codes_of(c)][0]
    assert {"ILD301", "ILD401"} <= set(codes_of(card))
    assert len(card["suggestions"]) == 1 and card["suggestions"][0]["isRecommended"] is True
    kinds = [a["resource"]["resourceType"] for a in card["suggestions"][0]["actions"]]
    assert kinds == ["MedicationRequest", "ServiceRequest", "ServiceRequest", "ServiceRequest"]
    again = sign(client, accept(req, card["suggestions"][0]))
    assert not {"ILD301", "ILD401"} & all_codes(again)


def test_user_comment_stored_only_with_store_comments(tmp_path):
    import sqlite3

    for store, expect in ((False, None), (True, "patient refused")):
        db = str(tmp_path / f"fb-{store}.sqlite3")
        with TestClient(create_app({"feedback-db": db, "store-comments": store})) as c:
            r = c.post(SIGN + "/feedback", json={"feedback": [{
                "card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-03-02T10:00:00Z",
                "overrideReason": {"userComment": "patient refused"}}]})
            assert r.status_code == 200
        con = sqlite3.connect(db)
        assert con.execute("SELECT comment FROM feedback").fetchall() == [(expect,)]
        con.close()


def test_request_model_invariants():
    from pydantic import ValidationError

    from orderlint.serve.models import CDSHooksRequest

    base = {"hook": "order-sign", "hookInstance": "i", "context": {}}
    auth = {"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "user/*.read", "subject": "s"}
    with pytest.raises(ValidationError, match="requires fhirServer"):
        CDSHooksRequest.model_validate({**base, "fhirAuthorization": auth})
    with pytest.raises(ValidationError, match="patient/ scopes"):
        CDSHooksRequest.model_validate({**base, "fhirServer": "https://e", "fhirAuthorization": {**auth, "scope": "patient/*.read"}})
    CDSHooksRequest.model_validate({**base, "fhirServer": "https://e", "fhirAuthorization": {**auth, "patient": "p1"}})


@pytest.mark.parametrize("card, message", [
    ({"summary": "x" * 140, "indicator": "info", "source": {"label": "l"}}, "139"),
    ({"summary": "s", "indicator": "hard-stop", "source": {"label": "l"}}, "indicator"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "suggestions": [{"label": "a"}]}, "selectionBehavior"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "selectionBehavior": "at-most-one",
      "suggestions": [{"label": "a", "isRecommended": True}, {"label": "b", "isRecommended": True}]}, "one isRecommended"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "selectionBehavior": "any",
      "suggestions": [{"label": "a", "actions": [{"type": "delete", "description": "d"}]}]}, "resourceId"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "selectionBehavior": "any",
      "suggestions": [{"label": "a", "actions": [{"type": "create", "resource": {"resourceType": "X"}}]}]}, "description"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "overrideReasons": [{"code": "c"}]}, "display"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"},
      "links": [{"label": "l", "url": "https://x", "type": "absolute", "appContext": "a"}]}, "appContext"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l"}, "detail": ""}, "empty"),
    ({"summary": "s", "indicator": "info", "source": {"label": "l", "url": None}}, "empty"),
])
def test_response_model_rejects(card, message):
    from orderlint.serve.models import check_response

    with pytest.raises(ValueError, match=message):
        check_response({"cards": [card]})


def test_report_of_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_text("hello" * 100)
    with pytest.raises(ValueError, match="cannot read feedback database"):
        feedback_report(str(bad))
    with pytest.raises(ValueError, match="--since"):
        feedback_report(str(bad), since="last tuesday")


def test_feedback_db_that_cannot_be_opened_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="feedback-db: cannot open"):
        create_app({"feedback-db": str(tmp_path / "no-such-folder" / "fb.sqlite3")})


def test_a_draft_without_id_never_borrows_another_drafts_id(client):
    # The methotrexate draft has no id; it was named "order-1", the real id of the mycophenolate draft,
    # and its card's "Remove this draft order" removed MedicationRequest/order-1, the safe order.
    mtx = med("x", "methotrexate", 15, "mg", period=1, period_unit="wk")
    del mtx["id"]
    mmf = med("order-1", "mycophenolate mofetil", 1000, "mg", freq=2)
    cards = sign(client, request([mtx, mmf]))["cards"]
    deletes = [a["resourceId"] for c in cards for s in c.get("suggestions", ()) for a in s["actions"] if a["type"] == "delete"]
    assert "MedicationRequest/order-1" not in deletes
    about_mtx = [c for c in cards if "ILD101" in c["detail"]]
    assert about_mtx and not any("order-1" in c["summary"].lower() for c in about_mtx)


@pytest.mark.parametrize("selection", ["MedicationRequest/mtx", "mtx", "https://ehr.example.org/fhir/MedicationRequest/mtx",
                                       "MedicationRequest/mtx/_history/2"])
def test_order_select_reads_each_way_to_name_a_draft(client, selection):
    req = request([med("mtx", "methotrexate", 15, "mg", period=1, period_unit="wk")], hook="order-select")
    req["context"]["selections"] = [selection]
    assert "ILD101" in all_codes(sign(client, req, SELECT))


def _order_set(container: str = "RequestGroup", urn: bool = False) -> dict:
    """ILD301-fires (cyclophosphamide without PCP prophylaxis) with a methotrexate draft (ILD101), both
    top-level draft orders that a draft order set names (not contained in it)."""
    req = example("ILD301-fires")
    entries = req["context"]["draftOrders"]["entry"]
    cyc = entries[0]["resource"]
    mtx = med("mtx", "methotrexate", 15, "mg", period=1, period_unit="wk", patient=cyc["subject"]["reference"].split("/")[-1])
    entries.append({"fullUrl": "urn:uuid:3f1d2c4b-0000-4000-8000-000000000002", "resource": mtx})
    if urn:
        entries[0]["fullUrl"] = "urn:uuid:3f1d2c4b-0000-4000-8000-000000000001"
    refs = ["urn:uuid:3f1d2c4b-0000-4000-8000-000000000001" if urn else "MedicationRequest/cyc", "MedicationRequest/mtx"]
    group = {"resourceType": container, "id": "set", "status": "draft", "intent": "order", "subject": cyc["subject"]}
    if container == "RequestGroup":
        group["action"] = [{"resource": {"reference": r}} for r in refs]
    else:
        group["activity"] = [{"reference": {"reference": r}} for r in refs]
    entries.append({"fullUrl": "urn:uuid:3f1d2c4b-0000-4000-8000-000000000003", "resource": group})
    req["hook"] = "order-select"
    return req


@pytest.mark.parametrize("container, urn", [("RequestGroup", False), ("RequestGroup", True), ("CarePlan", False)])
def test_selecting_an_order_set_selects_the_orders_it_names(client, container, urn):
    # services.md (Calling a service): order-select returns the findings "about orders in
    # context.selections"; a selected set's orders are selected. Before: 200 {"cards": []}: only
    # orders contained in the set were its orders, so the findings on the cyclophosphamide and the
    # methotrexate it names were "not about the selection".
    req = _order_set(container, urn)
    req["context"]["selections"] = [f"{container}/set"]
    codes = all_codes(sign(client, req, SELECT))
    assert {"ILD301", "ILD101"} <= codes, codes


@pytest.mark.parametrize("selected, expected", [("MedicationRequest/cyc", "ILD301"), ("MedicationRequest/mtx", "ILD101")])
def test_selecting_one_order_of_an_order_set_is_not_400(client, selected, expected):
    # Before: 400 "draft RequestGroup 'set' names the order ..., which is not in the request": the
    # service's own copy without the selected order left the set naming it.
    req = _order_set()
    req["context"]["selections"] = [selected]
    assert expected in all_codes(sign(client, req, SELECT))


def test_a_full_url_of_another_draft_does_not_take_over_a_selection(client):
    # A ServiceRequest whose fullUrl reads MedicationRequest/cyc took the selection: no card for cyc.
    req = example("ILD301-fires")
    req["hook"] = "order-select"
    subject = req["context"]["draftOrders"]["entry"][0]["resource"]["subject"]
    req["context"]["draftOrders"]["entry"].append({"fullUrl": "MedicationRequest/cyc", "resource": {
        "resourceType": "ServiceRequest", "id": "sr1", "status": "draft", "intent": "order", "subject": subject,
        "code": {"coding": [{"system": "http://loinc.org", "code": "58410-2"}]}}})
    req["context"]["selections"] = ["MedicationRequest/cyc"]
    assert "ILD301" in all_codes(sign(client, req, SELECT))


@pytest.mark.parametrize("selection", ["MedicationRequest/zzz", "Observation/mtx", "urn:uuid:0c3f8a0e-1b7e-4c7a-9a55-5f1f0b9c2d11"])
def test_order_select_with_a_selection_that_names_no_draft_is_400(client, selection):
    # Read as naming nothing, it returned no cards for the methotrexate the clinician had selected.
    req = request([med("mtx", "methotrexate", 15, "mg", period=1, period_unit="wk")], hook="order-select")
    req["context"]["selections"] = [selection]
    r = client.post(SELECT, json=req)
    assert "names no draft order" in problem(r, 400, "invalid")


# ------------------------------------------------------------------ review 6b-6: card links
@pytest.mark.parametrize("name", ["OL002-fires", "OL003-fires"])
def test_core_rule_cards_carry_no_relative_url(client, db, name):
    # Before: source.url "docs/rules.md#ol002" and a relative link in the detail.
    cards = sign(client, example(name))["cards"]
    core = [c for c in cards if c["source"]["label"].startswith("orderlint OL")]
    assert core
    for c in cards:
        assert c["source"].get("url", "https://").startswith("https://")
        assert "docs/rules.md" not in c["detail"] and "](docs/" not in c["detail"]
    assert all("url" not in c["source"] for c in core)
    # With the site's docs-url, every card links there (absolute).
    app = create_app({"feedback-db": db, "allow-as-of": True, "docs-url": "https://wiki.example.org/orderlint"})
    with TestClient(app, raise_server_exceptions=False) as c:
        for card in sign(c, example(name))["cards"]:
            code = card["source"]["label"].split()[-1]
            assert card["source"]["url"] == f"https://wiki.example.org/orderlint#{code.lower()}"
            assert f"](https://wiki.example.org/orderlint#{code.lower()})" in card["detail"]


# ------------------------------------------------------------------ review 6b-2, 6b-5: incomplete and missing prefetch
def one_page(entries=()):
    """The first page of a search result the client gave: more matches than the page holds."""
    return {"resourceType": "Bundle", "type": "searchset", "total": 250, "entry": list(entries),
            "link": [{"relation": "self", "url": "https://ehr.example.org/fhir/Observation?_count=200"},
                     {"relation": "next", "url": "https://ehr.example.org/fhir/Observation?_count=200&page=2"}]}


def test_a_prefetch_search_given_as_one_page_is_412_incomplete_naming_the_key(client):
    # Before: 400 "draft orders are not valid FHIR: prefetch `observations` is one page ...", no cards.
    req = example("ILD301-fires")
    req["prefetch"]["observations"] = one_page()
    msg = problem(client.post(SIGN, json=req), 412, "incomplete")
    assert "prefetch `observations`" in msg and "incomplete" in msg and "next page" in msg
    assert "draft orders" not in msg and "not valid" not in msg
    # Fewer entries than the total, without a next link: incomplete as well.
    req["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset", "total": 3}
    assert "prefetch `observations`" in problem(client.post(SIGN, json=req), 412, "incomplete")


def test_a_discovery_key_not_provided_is_a_note_on_every_card(client):
    # Before: an optional key not provided was read as no data with nothing said.
    req = example("ILD301-fires")
    for k in ("serviceRequests", "diagnosticReports", "procedures"):
        assert k not in req["prefetch"]
    req["prefetch"]["procedures"] = None  # null is not provided either
    (card,) = sign(client, req)["cards"]
    for k in ("serviceRequests", "diagnosticReports", "procedures"):
        assert f"prefetch \\`{k}\\`" in card["detail"] and "was not provided" in card["detail"]
    # Given (an empty Bundle is "no data"), nothing is said.
    for k in ("serviceRequests", "diagnosticReports", "procedures"):
        req["prefetch"][k] = {"resourceType": "Bundle", "type": "searchset"}
    (card,) = sign(client, req)["cards"]
    assert "was not provided" not in card["detail"]


def test_data_left_out_of_required_prefetch_and_not_provided_is_a_card_of_its_own(db):
    # services.md (Calling a service): '{"cards": []} when there is nothing to say'; orders checked
    # without the patient's medications (a site left them out of required-prefetch, the client did
    # not send them) have something to say. Before: {"cards": []}.
    app = create_app({"feedback-db": db, "allow-as-of": True, "required-prefetch": ["patient", "observations", "conditions"]})
    req = example("ILD301-clean")
    with TestClient(app, raise_server_exceptions=False) as c:
        assert sign(c, req)["cards"] == []  # every default key given: nothing to say
        for k in ("activeMeds", "medicationStatements"):
            req["prefetch"].pop(k, None)
        (card,) = sign(c, req)["cards"]
    assert card["indicator"] == "info" and "not checked against" in card["summary"]
    for k in ("activeMeds", "medicationStatements"):
        assert f"prefetch \\`{k}\\`" in card["detail"] and "was not provided" in card["detail"]


def test_conditions_not_provided_is_a_card_though_no_patient_could_be_placed(db):
    # Without the conditions no SSc-ILD can be placed: the patient read not-applicable, {"cards": []}.
    app = create_app({"feedback-db": db, "allow-as-of": True, "required-prefetch": ["patient", "activeMeds", "observations"]})
    req = example("ILD301-fires")
    req["prefetch"].pop("conditions")
    with TestClient(app, raise_server_exceptions=False) as c:
        (card,) = sign(c, req)["cards"]
    assert card["indicator"] == "info" and "prefetch \\`conditions\\`" in card["detail"]


def test_optional_keys_not_provided_make_no_card_of_their_own(client):
    # The boundary: keys outside the default required set (serviceRequests, diagnosticReports,
    # procedures) are notes on the cards there are, never a card alone (one on every request).
    req = example("ILD301-clean")
    for k in ("serviceRequests", "diagnosticReports", "procedures"):
        assert k not in req["prefetch"]
    assert sign(client, req)["cards"] == []


def test_a_key_left_out_of_required_prefetch_is_a_note_when_not_provided(db):
    app = create_app({"feedback-db": db, "allow-as-of": True, "required-prefetch": ["patient", "observations", "conditions"]})
    req = example("ILD301-fires")
    del req["prefetch"]["medicationStatements"]
    with TestClient(app, raise_server_exceptions=False) as c:
        (card,) = sign(c, req)["cards"]
    assert "prefetch \\`medicationStatements\\` (MedicationStatement data) was not provided" in card["detail"]
    assert "prefetch \\`activeMeds\\`" not in card["detail"]  # given (an empty Bundle)


def test_a_jwks_url_that_failed_is_not_fetched_again_at_once(monkeypatch):
    # Each token naming the issuer waited for the fetch (2 s when the host is slow): a failed
    # fetch is remembered for JWKS_RETRY seconds.
    import httpx

    from orderlint.serve.auth import AuthError, Verifier
    from orderlint.serve.settings import Issuer

    calls = []

    def failing_get(*a, **kw):
        calls.append(a)
        raise httpx.ConnectTimeout("slow")

    monkeypatch.setattr(httpx, "get", failing_get)
    v = Verifier((Issuer("https://ehr.example.org", "https://ehr.example.org/jwks"),), "https://cds.example.org")
    with pytest.raises(AuthError, match="ConnectTimeout"):
        v._load_jwks("https://ehr.example.org/jwks")
    with pytest.raises(AuthError, match="failed moments ago"):
        v._load_jwks("https://ehr.example.org/jwks")
    assert len(calls) == 1
