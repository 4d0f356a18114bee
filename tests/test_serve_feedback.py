"""The feedback store refuses malformed feedback and counts one outcome per card (services.md,
Feedback; CDS Hooks 2.0, Feedback): otherwise a card reported 2 times accepted and 4 times
overridden counted six times, and outcomes with a timestamp of "yesterday", suggestions of
another card or override reasons the service never offered skewed the override rates."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from test_serve_helpers import SELECT, SIGN, conformant, example  # noqa: E402

from orderlint.serve import create_app, feedback_report  # noqa: E402
from orderlint.serve.cards import NON_ADHERENCE  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402


@pytest.fixture()
def db(tmp_path):
    return str(tmp_path / "feedback.sqlite3")


@pytest.fixture()
def client(db):
    with TestClient(create_app({"feedback-db": db, "allow-as-of": True}), raise_server_exceptions=False) as c:
        yield c


def card_of(client, path=SIGN):
    req = example("ILD301-fires")
    if path == SELECT:
        req["hook"] = "order-select"
        req["context"]["selections"] = [f"MedicationRequest/{e['resource']['id']}" for e in req["context"]["draftOrders"]["entry"]]
    r = client.post(path, json=req)
    assert r.status_code == 200, r.text
    card = conformant(r.json())["cards"][0]
    assert card.get("suggestions")
    return card


def post(client, *items, path=SIGN):
    return client.post(path + "/feedback", json={"feedback": list(items)})


def refused(r, says):
    assert r.status_code == 400, r.text
    diagnostics = r.json()["issue"][0]["diagnostics"]
    assert says in diagnostics, diagnostics
    return diagnostics


def accepted(card, at="2026-03-02T10:00:00Z", suggestion=None):
    return {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": at,
            "acceptedSuggestions": [{"id": suggestion or card["suggestions"][0]["uuid"]}]}


def overridden(card, at="2026-03-02T10:00:00Z", code=None, system=NON_ADHERENCE):
    item = {"card": card if isinstance(card, str) else card["uuid"], "outcome": "overridden", "outcomeTimestamp": at}
    if code is not None:
        item["overrideReason"] = {"reason": {"code": code, **({"system": system} if system else {})}}
    return item


def ild301(db):
    return {r["rule"]: r for r in json.loads(feedback_report(db, fmt="json"))["rules"]}["ILD301"]


@pytest.mark.parametrize("when, says", [
    ("yesterday", "outcomeTimestamp"),
    ("2026-03-02", "outcomeTimestamp"),             # a date, not a date and time
    ("2026-03-02T10:00:00", "outcomeTimestamp"),    # no offset: not an instant (RFC 3339 5.6)
    ("2026-13-02T10:00:00Z", "outcomeTimestamp"),
    ("2999-01-01T00:00:00Z", "in the future"),
])
def test_a_malformed_outcome_timestamp_is_refused(client, db, when, says):
    card = card_of(client)
    refused(post(client, overridden(card, at=when)), says)
    assert ild301(db)["overridden"] == 0


def test_an_outcome_timestamp_with_an_offset_is_read_in_utc(client, db):
    card = card_of(client)
    assert post(client, overridden(card, at="2026-03-02T11:00:00+01:00")).status_code == 200
    assert post(client, accepted(card, at="2026-03-02T10:30:00Z")).status_code == 200  # later: 10:30 UTC after 10:00 UTC
    row = ild301(db)
    assert (row["accepted"], row["overridden"]) == (1, 0)


def test_a_suggestion_that_is_not_the_cards_is_refused(client, db):
    card, other = card_of(client), card_of(client)
    refused(post(client, accepted(card, suggestion=other["suggestions"][0]["uuid"])),
            f"is not a suggestion of card {card['uuid']}")
    refused(post(client, accepted(card, suggestion="made-up")), "is not a suggestion of card")
    # a card the store does not know: its suggestions cannot be known, but one of another card is refused
    refused(post(client, accepted({"uuid": "not-a-card", "suggestions": [{"uuid": other["suggestions"][0]["uuid"]}]})),
            f"is a suggestion of card {other['uuid']}")
    assert post(client, accepted({"uuid": "not-a-card", "suggestions": [{"uuid": "x"}]})).status_code == 200
    assert ild301(db)["accepted"] == 0


def test_two_accepted_suggestions_on_an_at_most_one_card_are_refused(client, db):
    """CDS Hooks, selectionBehavior at-most-one: the user may accept none or one of the card's
    suggestions. Both of a card's suggestions reported accepted was stored as an acceptance."""
    from test_serve_helpers import med, request

    req = request([med("pred", "prednisone", 20, "mg", days=60)],
                  active=(med("mmf", "mycophenolate mofetil", 1000, "mg", freq=2, status="active"),))
    r = client.post(SIGN, json=req)
    assert r.status_code == 200, r.text
    (card,) = conformant(r.json())["cards"]
    assert card["selectionBehavior"] == "at-most-one" and len(card["suggestions"]) == 2
    both = accepted(card)
    both["acceptedSuggestions"] = [{"id": s["uuid"]} for s in card["suggestions"]]
    refused(post(client, both), f"card {card['uuid']} allows at most one accepted suggestion")
    twice = accepted(card)
    twice["acceptedSuggestions"] *= 2  # one suggestion, reported accepted twice in one item
    refused(post(client, twice), "allows at most one accepted suggestion")
    rows = {r["rule"]: r for r in json.loads(feedback_report(db, fmt="json"))["rules"]}
    assert rows["ILD201"]["accepted"] == 0
    # Either one alone is an acceptance.
    assert post(client, accepted(card, suggestion=card["suggestions"][1]["uuid"])).status_code == 200
    rows = {r["rule"]: r for r in json.loads(feedback_report(db, fmt="json"))["rules"]}
    assert rows["ILD201"]["accepted"] == 1


def test_feedback_on_a_card_of_the_other_service_is_refused(client):
    card = card_of(client, SELECT)
    refused(post(client, overridden(card), path=SIGN), "was issued by orderlint-order-select")
    assert post(client, overridden(card), path=SELECT).status_code == 200


def test_an_override_reason_the_service_never_offered_is_refused(client, db):
    card = card_of(client)
    refused(post(client, overridden(card, code="too-busy")), "is not one of the override reasons")
    refused(post(client, overridden(card, code="risk-benefit-ratio", system=None)), "no `system`")
    assert ild301(db)["overridden"] == 0
    assert post(client, overridden(card, code="risk-benefit-ratio")).status_code == 200
    assert ild301(db)["top_override_reasons"] == [{"reason": "risk-benefit-ratio", "count": 1}]


def test_a_clients_own_override_reason_is_kept_apart_from_the_services(client, db):
    # CDS Hooks 2.0, Card: "A CDS Client MAY augment the override reasons presented to the user
    # with its own reasons": a reason of another system is kept, never merged with the service's codes.
    card = card_of(client)
    assert post(client, overridden(card, code="risk-benefit-ratio", system="https://ehr.example/reasons")).status_code == 200
    assert ild301(db)["top_override_reasons"] == [{"reason": "https://ehr.example/reasons|risk-benefit-ratio", "count": 1}]


def test_one_outcome_per_card_the_latest(client, db):
    # The review's case: one card reported 2 times accepted and 4 times overridden counted 6 times.
    card = card_of(client)
    times = ["2026-03-02T10:00:0%dZ" % i for i in range(6)]
    items = [accepted(card, times[0]), overridden(card, times[1]), overridden(card, times[2], code="action-completed"),
             accepted(card, times[3]), overridden(card, times[4]), overridden(card, times[5], code="risk-benefit-ratio")]
    for it in items:
        assert post(client, it).status_code == 200
    row = ild301(db)
    assert (row["accepted"], row["overridden"]) == (0, 1)
    assert row["top_override_reasons"] == [{"reason": "risk-benefit-ratio", "count": 1}]
    # an outcome sent late, with an earlier time, does not replace the later one
    assert post(client, accepted(card, "2026-03-02T09:00:00Z")).status_code == 200
    assert (ild301(db)["accepted"], ild301(db)["overridden"]) == (0, 1)
    assert post(client, accepted(card, "2026-03-02T11:00:00Z")).status_code == 200
    assert (ild301(db)["accepted"], ild301(db)["overridden"]) == (1, 0)


def test_a_refused_item_stores_nothing_of_its_request(client, db):
    card = card_of(client)
    refused(post(client, overridden(card), overridden(card, at="yesterday")), "outcomeTimestamp")
    assert ild301(db)["overridden"] == 0


def test_the_report_is_of_cards_decided_since(client, db):
    card = card_of(client)
    assert post(client, overridden(card)).status_code == 200
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).date().isoformat()
    assert "ILD301" not in feedback_report(db, since=tomorrow)


def test_the_store_reports_the_services_reasons_bare():
    from orderlint.serve.feedback import OWN_SYSTEM

    assert OWN_SYSTEM == NON_ADHERENCE
