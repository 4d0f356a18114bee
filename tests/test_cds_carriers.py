"""Every CDS Hooks carrier of orders is read as draft orders (README, FHIR: "a CDS Hooks draft order
(`context.draftOrders`, `medications` or `orders`) is an order being signed"). Only the first carrier
was read when it held anything: an IV cyclophosphamide in `context.medications` beside an ondansetron
in `draftOrders` passed without PCP prophylaxis (ILD301 missing, exit 0, no card)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir

FHIR = Path(__file__).resolve().parent.parent / "examples" / "fhir"
ONDANSETRON = {"resourceType": "MedicationRequest", "id": "ond", "status": "draft", "intent": "order",
               "medicationCodeableConcept": {"text": "ondansetron 8 mg"}, "subject": {"reference": "Patient/ssc-301"}}


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def _request() -> dict:
    return json.loads((FHIR / "ILD301-fires.cds-hooks.json").read_text(encoding="utf-8"))


def _codes(data: dict, linter: Linter) -> list[str]:
    (r,) = lint_fhir(data, linter=linter, source="t")
    return [f.code for f in r.findings]


@pytest.mark.parametrize("carrier", ["medications", "orders"])
def test_orders_in_a_second_carrier_are_drafts_too(linter, carrier):
    c = _request()
    drafts = c["context"]["draftOrders"]
    patient = c["context"]["patientId"]
    c["context"][carrier] = drafts
    ond = dict(ONDANSETRON, subject={"reference": f"Patient/{patient}"})
    c["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ond}]}
    assert "ILD301" in _codes(c, linter)


def test_one_order_in_two_carriers_is_one_order(linter):
    c = _request()
    c["context"]["medications"] = copy.deepcopy(c["context"]["draftOrders"])
    alone = _codes(_request(), linter)
    assert _codes(c, linter) == alone and "ILD301" in alone  # not OL004, not summed twice


@pytest.mark.parametrize("intent", [None, "orders", "bogus"])
def test_a_draft_prophylaxis_without_an_r4_intent_still_protects(linter, intent):
    # A draft order is the order being signed: an atovaquone draft sent without intent (or with one
    # that is no R4 code) was read as no protection, and the card asked to add co-trimoxazole beside it.
    c = json.loads((FHIR / "ILD301-clean.cds-hooks.json").read_text(encoding="utf-8"))
    for e in c["context"]["draftOrders"]["entry"]:
        r = e["resource"]
        if intent is None:
            r.pop("intent", None)
        else:
            r["intent"] = intent
    (res,) = lint_fhir(c, linter=linter, source="t")
    codes = [f.code for f in res.findings]
    assert "ILD301" not in codes
    assert any(f.code == "OL008" and "read as an order being signed" in f.message for f in res.findings)


@pytest.mark.parametrize("intent", ["Proposal", "PLAN", "proposal"])
def test_a_draft_proposal_in_any_case_protects_nothing(linter, intent):
    c = json.loads((FHIR / "ILD301-clean.cds-hooks.json").read_text(encoding="utf-8"))
    for e in c["context"]["draftOrders"]["entry"]:
        r = e["resource"]
        if "atovaquone" in json.dumps(r).lower() or "sulfamethoxazole" in json.dumps(r).lower() or "dapsone" in json.dumps(r).lower():
            r["intent"] = intent
    assert "ILD301" in _codes(c, linter)
