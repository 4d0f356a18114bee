"""FHIR dosage instructions that were read as a lower dose or frequency than ordered (fhir.md 2.1):
each case is the ILD501-clean Bundle's mycophenolate mofetil order with its dosage rewritten, and
MMF 2000 mg twice a day (4000 mg/day, over the 3000 mg/day maximum) must fire ILD501 however the
dosage spells it; each silent spelling has a plain twin, which fires, and a correct order, which
does not."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir

ROOT = Path(__file__).resolve().parent.parent
BASE = json.loads((ROOT / "examples/fhir/ILD501-clean.bundle.json").read_text(encoding="utf-8"))
ORAL = {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}
SC = {"coding": [{"system": "http://snomed.info/sct", "code": "34206005"}]}
GTS = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def mg(value: float) -> list:
    return [{"doseQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": "mg"}}]


def dosage(repeat: dict | None = None, dose: float = 2000, code: str | None = None, route: dict = ORAL, **more: Any) -> dict:
    timing: dict = {}
    if repeat is not None:
        timing["repeat"] = repeat
    if code is not None:
        timing["code"] = {"coding": [{"system": GTS, "code": code}]}
    return {"timing": timing, "route": route, "doseAndRate": mg(dose), **more}


def lint(linter: Linter, instructions: list, drug: str = "mmf", **order: Any) -> list[tuple[str, str]]:
    b = copy.deepcopy(BASE)
    for e in b["entry"]:
        r = e["resource"]
        if r.get("id") == "mmf":
            r["dosageInstruction"] = instructions
            if drug == "tocilizumab":
                r["medicationCodeableConcept"] = {"text": "tocilizumab"}
            r.update(order)
    (result,) = lint_fhir(b, linter=linter, source="t")
    return [(f.code, f.message) for f in result.findings if f.code in ("ILD501", "OL001", "OL003")]


def codes(found: list[tuple[str, str]]) -> list[str]:
    return [c for c, _m in found]


@pytest.mark.parametrize("repeat, code", [
    ({"frequency": 2, "period": 1, "periodUnit": "d"}, None),  # the plain twin
    # times of day or events over a day written as 24 hours
    ({"period": 24, "periodUnit": "h", "timeOfDay": ["08:00:00", "20:00:00"]}, None),
    ({"frequency": 1, "period": 24, "periodUnit": "h", "when": ["MORN", "EVE"]}, None),
    # a code of once a day beside two times of day
    ({"timeOfDay": ["08:00:00", "20:00:00"]}, "QD"),
    ({"timeOfDay": ["08:00:00", "20:00:00"]}, "AM"),
    # only the times of day: given each day at each
    ({"timeOfDay": ["08:00:00", "20:00:00"]}, None),
])
def test_two_administrations_a_day_however_written_fire(linter, repeat, code):
    found = lint(linter, [dosage(repeat, code=code)])
    assert "ILD501" in codes(found) and any("4000 mg/day" in m for _c, m in found), found


@pytest.mark.parametrize("repeat, code, week", [
    ({"frequency": 1, "period": 7, "periodUnit": "d", "dayOfWeek": ["mon", "thu"]}, None, "324 mg/week"),
    ({"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "thu"]}, None, "324 mg/week"),
    # Twice on Mondays: several a day on the days named are read on every day (the format has no days
    # of the week; read per week, the fullest day was lost), so the week reads high, never low.
    ({"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon"], "timeOfDay": ["08:00:00", "20:00:00"]}, None,
     "2268 mg/week"),
    ({"dayOfWeek": ["mon", "thu"]}, "WK", "324 mg/week"),
])
def test_tocilizumab_twice_a_week_however_written_fires(linter, repeat, code, week):
    found = lint(linter, [dosage(repeat, dose=162, code=code, route=SC)], drug="tocilizumab")
    assert any(c == "ILD501" and week in m for c, m in found), found


@pytest.mark.parametrize("repeat, code", [
    ({"frequency": 1, "period": 1, "periodUnit": "wk"}, None),
    # once a day, but only on Mondays: weekly (FHIR dayOfWeek), not 1134 mg a week
    ({"frequency": 1, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon"]}, None),
    ({"dayOfWeek": ["mon"]}, "WK"),
])
def test_tocilizumab_once_a_week_does_not_fire(linter, repeat, code):
    assert lint(linter, [dosage(repeat, dose=162, code=code, route=SC)], drug="tocilizumab") == []


def test_a_split_dose_whose_bounds_are_spelled_two_ways_is_summed(linter):
    def half(time: str, bounds: dict) -> dict:
        return dosage({"frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": [time], **bounds})

    same = {"boundsDuration": {"value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
    for other in (same,  # the plain twin
                  {"boundsDuration": {"value": 90, "unit": "day", "code": "d"}},
                  {"boundsDuration": {"value": 90.0, "unit": "d", "system": "http://unitsofmeasure.org", "code": "d"}},
                  {"boundsDuration": {"value": 3, "unit": "mo", "system": "http://unitsofmeasure.org", "code": "mo"}},
                  {"count": 90}):
        found = lint(linter, [half("08:00:00", same), half("20:00:00", other)])
        assert any(c == "ILD501" and "together 4000 mg/day" in m for c, m in found), (other, found)


def test_an_excipients_strength_is_not_the_drugs(linter):
    medication = {"resourceType": "Medication", "id": "m", "code": {"text": "CellCept"}, "ingredient": [
        {"itemCodeableConcept": {"text": "povidone"}, "isActive": False,
         "strength": {"numerator": {"value": 20, "code": "mg"}, "denominator": {"value": 1, "code": "{tbl}"}}},
        {"itemCodeableConcept": {"text": "mycophenolate mofetil"}, "isActive": True,
         "strength": {"numerator": {"value": 500, "code": "mg"}, "denominator": {"value": 1, "code": "{tbl}"}}}]}
    tablets = {"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}, "route": ORAL,
               "doseAndRate": [{"doseQuantity": {"value": 4, "system": "http://unitsofmeasure.org", "code": "{tbl}"}}]}
    order = {"contained": [medication], "medicationReference": {"reference": "#m"}}
    b_found = lint(linter, [tablets], medicationCodeableConcept=None, **order)
    assert any(c == "ILD501" and "4000 mg/day" in m for c, m in b_found), b_found
    # The excipient alone has a strength: no strength of the drug is known, OL003 (was 160 mg/day).
    medication["ingredient"][1].pop("strength")
    assert "OL003" in codes(lint(linter, [tablets], medicationCodeableConcept=None, **order))


@pytest.mark.parametrize("dose_and_rate", [
    # low above high (not FHIR, rng-2): the larger is the dose
    [{"doseRange": {"low": {"value": 2000, "code": "mg"}, "high": {"value": 1000, "code": "mg"}}}],
    # a dose and a range in one entry (dose[x] is one of them): read together
    [{"doseQuantity": {"value": 1000, "code": "mg"},
      "doseRange": {"low": {"value": 1000, "code": "mg"}, "high": {"value": 2000, "code": "mg"}}}],
])
def test_a_malformed_dose_range_is_read_by_its_largest_dose(linter, dose_and_rate):
    d = dosage({"frequency": 2, "period": 1, "periodUnit": "d"})
    d["doseAndRate"] = dose_and_rate
    found = lint(linter, [d])
    assert any(c == "ILD501" and "4000 mg/day" in m for c, m in found), found


def test_a_single_administration_written_as_a_count_of_one_is_once(linter):
    # count 1 and no schedule: one administration, not a missing frequency (OL003)
    assert lint(linter, [dosage({"count": 1}, dose=1000)]) == []


def test_the_correct_order_stays_clean(linter):
    assert lint(linter, [dosage({"frequency": 2, "period": 1, "periodUnit": "d"}, dose=1500)]) == []


@pytest.mark.parametrize("repeat, code", [
    ({"frequency": 2, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon", "wed", "fri"]}, None),
    ({"frequency": 6, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "wed", "fri"]}, None),
    ({"frequency": 6, "period": 7, "periodUnit": "d", "dayOfWeek": ["mon", "wed", "fri"]}, None),
    ({"frequency": 1, "period": 12, "periodUnit": "h", "dayOfWeek": ["mon"]}, None),
    ({"dayOfWeek": ["mon", "wed", "fri"]}, "BID"),
    ({"period": 1, "periodUnit": "d", "dayOfWeek": ["tue"], "timeOfDay": ["08:00:00", "20:00:00"]}, None),
])
def test_twice_a_day_on_some_days_of_the_week_fires_on_the_day_given(linter, repeat, code):
    # Read as 6 a week, MMF 2000 mg twice a day on Mondays, Wednesdays and Fridays was 1714 mg a day
    # on average and passed; each of those days has 4000 mg.
    found = lint(linter, [dosage(repeat, code=code)])
    assert any(c == "ILD501" and "4000 mg/day" in m for c, m in found), found


def test_several_a_day_on_listed_days_is_said_and_once_a_day_on_them_is_weekly(linter):
    b = copy.deepcopy(BASE)
    for e in b["entry"]:
        if e["resource"].get("id") == "mmf":
            e["resource"]["dosageInstruction"] = [dosage({"frequency": 3, "period": 1, "periodUnit": "d",
                                                          "dayOfWeek": ["mon", "wed", "fri"]}, dose=150)]
            e["resource"]["medicationCodeableConcept"] = {"text": "nintedanib"}
    (result,) = lint_fhir(b, linter=linter, source="t")
    notes = [f.message for f in result.findings if f.code == "OL008" and "dayOfWeek" in f.message]
    assert notes and "3 administrations a day on 3 days of the week" in notes[0]
    # Nintedanib 150 mg three times a day on those days: 450 mg on each (> 300), never "below the
    # minimum" from a weekly average, and no dose above the 150 mg per administration.
    dose = [f.message for f in result.findings if f.code in ("ILD501", "ILD502")]
    assert len(dose) == 1 and "450 mg/day > 300 mg/day" in dose[0], dose


@pytest.mark.parametrize("period", ["0.5", {"value": 12}, "6", True])
def test_a_period_that_is_no_number_is_unknown_not_one(linter, period):
    # `period: "0.5"` was read as 1 (2000 mg once a day, not twice): MMF at 4000 mg/day passed. Even
    # with --fhir-strict, since fhir.resources takes the string "0.5" as a decimal.
    found = lint(linter, [dosage({"frequency": 1, "period": period, "periodUnit": "d"})])
    assert "OL003" in codes(found) and "ILD501" not in codes(found), found


def test_a_timing_code_that_says_more_often_than_the_repeat_is_said(linter):
    # fhir.md 2.1: timing.repeat wins over timing.code; QID beside once a day was dropped without a word.
    b = copy.deepcopy(BASE)
    for e in b["entry"]:
        if e["resource"].get("id") == "mmf":
            e["resource"]["dosageInstruction"] = [dosage({"frequency": 1, "period": 1, "periodUnit": "d"}, dose=1500, code="QID")]
    (result,) = lint_fhir(b, linter=linter, source="t")
    notes = [f for f in result.findings if f.code == "OL008" and "says more often" in f.message]
    assert len(notes) == 1 and "QID" in notes[0].message and notes[0].pointer.endswith("/timing/code/coding/0")


@pytest.mark.parametrize("repeat", [
    {"frequency": 12, "period": 2, "periodUnit": "wk", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 26, "period": 1, "periodUnit": "mo", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 1, "period": 12, "periodUnit": "h", "dayOfWeek": ["mon", "wed", "fri"]},
])
def test_two_a_day_on_some_days_by_any_period_fires(linter, repeat):
    found = lint(linter, [dosage(repeat)])
    assert any(c == "ILD501" and re.search(r"= [46]000 mg/day", m) for c, m in found), found


@pytest.mark.parametrize("repeat", [
    {"frequency": 4, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 7, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 12, "period": 14, "periodUnit": "d", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 24, "period": 1, "periodUnit": "mo", "dayOfWeek": ["mon", "wed", "fri"]},
    {"frequency": 6, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "wed", "fri", "xyz"]},
    {"frequency": 6, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "Mon", "wed", "fri"]},
    {"frequency": 6, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", None, "wed", "fri"]},
])
def test_an_uneven_share_of_the_days_named_is_read_at_its_fullest_day(linter, repeat):
    # 4 a week on three days gives one of them two doses: read per week it was 1143 mg a day of MMF
    # 2000 mg, not the 4000 mg of that day. Day codes that are no day, or repeat one, name no more days.
    found = lint(linter, [dosage(repeat)])
    assert any(c == "ILD501" and re.search(r"= [46]000 mg/day", m) for c, m in found), found
