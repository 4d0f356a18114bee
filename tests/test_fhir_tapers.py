"""fhir.md 2.1, Dose (doseRange: the high bound for maximum and sum checks, the low bound for ILD502)
and Tapers (several dosageInstruction entries: each an order with its own bounds; entries sharing a
`sequence` summed; ILD202/ILD302 on the largest step; no OL004 between steps; the course rules on
the sum of the steps' bounds, open-ended if any step is). One test per row, each through the linter
with its finding placed in the FHIR document."""

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
UC = "http://unitsofmeasure.org"
NS = "https://orderlint.dev/fhir/StructureDefinition/"
ORAL = "26643006"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def cond(cid: str, code: str, phase: Optional[str] = None) -> dict:
    c: dict = {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
               "code": {"coding": [{"system": SN, "code": code}]}}
    if phase:
        c["extension"] = [{"url": NS + "ild-phase", "valueCode": phase}]
    return c


def step(dose: Any, days: Optional[int], seq: Any = None, freq: int = 1, unit: str = "mg") -> dict:
    rep: dict = {"frequency": freq, "period": 1, "periodUnit": "d"}
    if days is not None:
        rep["boundsDuration"] = {"value": days, "code": "d"}
    s: dict = {"route": {"coding": [{"system": SN, "code": ORAL}]}, "timing": {"repeat": rep}}
    if dose is not None:
        s["doseAndRate"] = [{"doseQuantity": {"value": dose, "system": UC, "code": unit}}]
    if seq is not None:
        s["sequence"] = seq
    return s


def ranged(low: Optional[float], high: Optional[float], freq: int = 2) -> dict:
    rng = {k: {"value": v, "system": UC, "code": "mg"} for k, v in (("low", low), ("high", high)) if v is not None}
    s = step(None, None, freq=freq)
    s["doseAndRate"] = [{"doseRange": rng}]
    return s


def req(rid: str, drug: str, *steps: dict) -> dict:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": drug}, "dosageInstruction": list(steps)}


def bundle(*resources: dict, phase: Optional[str] = None) -> dict:
    res = [{"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-01-01"},
           cond("ssc", "89155008", phase), cond("ild", "233703007", phase), *resources]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}


def findings(linter: Linter, *resources: dict, phase: Optional[str] = None) -> list:
    (r,) = lint_fhir(json.dumps(bundle(*resources, phase=phase), indent=1), linter=linter, source="t.json")
    return r.findings


def at(fs: list, code: str) -> list[tuple[Optional[str], str]]:
    return [(f.order, f.pointer) for f in fs if f.code == code]


MR = "/entry/3/resource"


# ------------------------------------------------------------------ doseRange
def test_dose_range_high_bound_for_a_maximum(linter):
    fs = findings(linter, req("mmf", "mycophenolate mofetil", ranged(1000, 2000)))  # 2,000-4,000 mg/day
    assert at(fs, "ILD501") == [("mmf", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/high/value")]
    assert at(fs, "ILD502") == []  # the low bound, 2,000 mg/day, is in range
    (note,) = [f for f in fs if f.code == "OL008"]
    assert note.message.startswith("dose-range: ") and note.pointer == f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange"


def test_dose_range_low_bound_for_ild502(linter):
    fs = findings(linter, req("mmf", "mycophenolate mofetil", ranged(250, 1500)))  # 500-3,000 mg/day
    assert at(fs, "ILD502") == [("mmf", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/low/value")]
    assert "500 mg/day" in [f for f in fs if f.code == "ILD502"][0].message
    assert at(fs, "ILD501") == []  # the high bound, 3,000 mg/day, is the maximum itself
    # 800-1,200 mg/day: the high bound alone is in range, the low bound is not
    assert at(findings(linter, req("mmf", "mycophenolate mofetil", ranged(400, 600))), "ILD502") == [
        ("mmf", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/low/value")]
    assert at(findings(linter, req("mmf", "mycophenolate mofetil", ranged(500, 1500))), "ILD502") == []  # 1,000 mg/day


def test_dose_range_high_bound_for_a_sum(linter):
    fs = findings(linter, req("pred", "prednisone", ranged(5, 20, freq=1)))
    assert at(fs, "ILD202") == [("pred", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/high/value")]
    assert at(findings(linter, req("pred", "prednisone", ranged(5, 15, freq=1))), "ILD202") == []


def test_dose_range_with_no_high_bound_has_no_dose_for_maximum_checks(linter):
    fs = findings(linter, req("mmf", "mycophenolate mofetil", ranged(250, None)))
    # fail closed: the largest dose is unknown, so a maximum cannot be checked (OL003), never read as the low bound
    assert at(fs, "OL003") == [("mmf", f"{MR}/dosageInstruction/0")]
    assert at(fs, "ILD502") == [("mmf", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/low/value")]
    (note,) = [f for f in fs if f.code == "OL008"]
    assert note.message.startswith("dose-range: ") and "no high bound" in note.message
    m = map_fhir(bundle(req("mmf", "mycophenolate mofetil", ranged(250, None))), source="t", vocab=linter.vocab, as_of=AS_OF)[0]
    assert "dose" not in m.data["orders"][0] and m.data["orders"][0]["unit"] == "mg"


def test_dose_range_with_no_low_bound_uses_the_high_bound_for_ild502(linter):
    fs = findings(linter, req("mmf", "mycophenolate mofetil", ranged(None, 400)))
    assert at(fs, "ILD502") == [("mmf", f"{MR}/dosageInstruction/0/doseAndRate/0/doseRange/high/value")]


def test_stu3_dose_range_is_shape_repaired_and_read_like_doseandrate(linter):
    s = ranged(250, 1500)
    s["doseRange"] = s.pop("doseAndRate")[0]["doseRange"]  # STU3: Dosage.doseRange
    fs = findings(linter, req("mmf", "mycophenolate mofetil", s))
    assert at(fs, "ILD502") == [("mmf", f"{MR}/dosageInstruction/0/doseRange/low/value")]
    assert sorted(f.message.split(":")[0] for f in fs if f.code == "OL008") == ["dose-range", "shape-repaired"]


def test_concurrent_dose_ranges_add_up_their_low_bounds(linter):
    fs = findings(linter, req("mmf", "mycophenolate mofetil", {**ranged(200, 500), "sequence": 1}, {**ranged(200, 500), "sequence": 1}))
    msgs = [f.message for f in fs if f.code == "ILD502"]
    assert len(msgs) == 1 and "800 mg/day" in msgs[0]  # (200 + 200) twice a day


# ------------------------------------------------------------------ tapers
def test_every_step_is_checked_as_an_order(linter):
    # nintedanib 200 mg once daily, then 150 mg twice daily: the largest daily step is the second,
    # yet the first is over the 150 mg per administration maximum
    fs = findings(linter, req("nin", "nintedanib", step(200, 14, 1), step(150, 30, 2, freq=2)))
    assert at(fs, "ILD501") == [("nin", f"{MR}/dosageInstruction/0/doseAndRate/0/doseQuantity/value")]


def test_a_step_with_no_dose_is_ol003_not_hidden(linter):
    fs = findings(linter, req("pred", "prednisone", step(10, 30, 1), step(None, 30, 2)))
    assert at(fs, "OL003") == [("pred", f"{MR}/dosageInstruction/1")]


def test_ild202_takes_the_largest_step_not_the_sum(linter):
    fires = findings(linter, req("pred", "prednisone", step(20, 30, 1), step(10, 30, 2)))
    assert at(fires, "ILD202") == [("pred", f"{MR}/dosageInstruction/0/doseAndRate/0/doseQuantity/value")]
    assert at(findings(linter, req("pred", "prednisone", step(15, 30, 1), step(10, 30, 2), step(5, 30, 3))), "ILD202") == []


def test_ild302_takes_the_largest_step_with_the_taper_course(linter):
    # 20 mg for 14 days then 10 mg for 14 days: no step is 28 days long, the taper is
    fs = findings(linter, req("pred", "prednisone", step(20, 14, 1), step(10, 14, 2)))
    assert [f.order for f in fs if f.code == "ILD302"] == ["pred"]
    assert "28 days" in [f.message for f in fs if f.code == "ILD302"][0]
    # 15 mg then 10 mg: summed they would be 25 mg/day; the largest step is 15
    assert at(findings(linter, req("pred", "prednisone", step(15, 30, 1), step(10, 30, 2))), "ILD302") == []


def test_ild203_course_is_the_sum_of_the_steps(linter):
    long = findings(linter, req("pred", "prednisone", step(5, 60, 1), step(2.5, 60, 2)), phase="progression")
    assert [f.order for f in long if f.code == "ILD203"] == ["pred"]  # 120 days > 84, though each step is 60
    short = findings(linter, req("pred", "prednisone", step(5, 40, 1), step(2.5, 40, 2)), phase="progression")
    assert at(short, "ILD203") == []


def test_ild503_course_is_the_sum_of_the_steps_open_ended_if_any_step_is(linter):
    weight = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2026-02-01",
              "valueQuantity": {"value": 100, "system": UC, "code": "kg"}}
    summed = findings(linter, req("cyc", "cyclophosphamide", step(100, 90, 1), step(100, 100, 2)), weight)
    (f,) = [f for f in summed if f.code == "ILD503"]
    assert "190 days" in f.message and f.pointer == f"{MR}/dosageInstruction"  # the taper's course: all its entries
    assert at(findings(linter, req("cyc", "cyclophosphamide", step(100, 90, 1), step(100, 60, 2)), weight), "ILD503") == []
    open_ended = findings(linter, req("cyc", "cyclophosphamide", step(100, 90, 1), step(100, None, 2)), weight)
    assert [f.order for f in open_ended if f.code == "ILD503"] == ["cyc"]


def test_steps_are_never_duplicates_of_each_other_but_another_request_is(linter):
    # two entries of one sequence that cannot be summed (other frequencies): checked apart, said once
    apart = req("pred", "prednisone", step(10, 30, 1), step(5, 30, 1, freq=2))
    fs = findings(linter, apart)
    assert at(fs, "OL004") == []
    (note,) = [f for f in fs if f.code == "OL008"]
    assert note.message.startswith("missing-value: ") and "checked apart" in note.message
    assert note.pointer == f"{MR}/dosageInstruction"
    fs = findings(linter, req("pred", "prednisone", step(10, 30, 1), step(5, 30, 2)), req("other", "prednisone", step(5, 30)))
    assert [f.order for f in fs if f.code == "OL004"] == ["other"]


def test_a_finding_about_the_request_is_said_once_for_all_its_steps(linter):
    weight = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2026-02-01",
              "valueQuantity": {"value": 100, "system": UC, "code": "kg"}}
    fs = findings(linter, req("cyc", "cyclophosphamide", step(100, 30, 1), step(50, 30, 2)), weight)
    assert at(fs, "ILD301") == [("cyc", f"{MR}/medicationCodeableConcept/text")]  # no PCP prophylaxis: one finding


def test_a_sequence_that_is_not_an_integer_is_a_step_of_its_own(linter):
    # ("1", an integer written as a string, is read as 1: tests/test_fhir_mapping_gaps.py.)
    fs = findings(linter, req("pred", "prednisone", step(10, 30, "first"), step(10, 30, 1)))
    notes = [f for f in fs if f.code == "OL008"]
    assert [(n.message.split(":")[0], n.pointer) for n in notes] == [("missing-value", f"{MR}/dosageInstruction/0/sequence")]
    assert at(fs, "OL004") == [] and at(fs, "ILD202") == []  # two steps of 10 mg: the largest is 10


# ------------------------------------------------------------------ sums over orders given at the same time
IV = "47625008"


def single(dose: float, unit: str = "mg/m2", period: int = 1, period_unit: str = "d") -> dict:
    """One IV administration (count 1): a step of one dose, lasting one period."""
    s = step(dose, None, unit=unit)
    s["route"] = {"coding": [{"system": SN, "code": IV}]}
    s["timing"]["repeat"].update({"count": 1, "period": period, "periodUnit": period_unit})
    return s


def test_steps_of_one_request_within_4_weeks_are_summed(linter):
    # six dosage instructions of one MedicationRequest, each one dose of 750 mg/m2 IV, one a day:
    # each step alone is at the maximum per administration; within 4 weeks they are 4500 mg/m2
    fs = findings(linter, req("cyc", "cyclophosphamide", *[single(750) for _ in range(6)]))
    (f,) = [f for f in fs if f.code == "ILD501"]
    assert (f.order, f.pointer) == ("cyc", f"{MR}/dosageInstruction/0/doseAndRate/0/doseQuantity/value")
    assert "together 4500 mg/m² in 4 weeks > 750 mg/m² in 4 weeks" in f.message
    assert all(f"order 'cyc#{n}'" in f.message for n in range(1, 7))  # every step summed is named
    # the same steps a month apart (each one dose every 4 weeks): no window holds two
    assert at(findings(linter, req("cyc", "cyclophosphamide", *[single(750, 4, "wk") for _ in range(6)])), "ILD501") == []


def test_steps_of_one_request_at_the_4_week_maximum(linter):
    # 375 + 375 mg/m2 on two days: 750 mg/m2 within 4 weeks, the maximum itself; 376 + 376 is above it
    assert at(findings(linter, req("cyc", "cyclophosphamide", single(375), single(375))), "ILD501") == []
    fs = findings(linter, req("cyc", "cyclophosphamide", single(376), single(376)))
    assert at(fs, "ILD501") == [("cyc", f"{MR}/dosageInstruction/0/doseAndRate/0/doseQuantity/value")]


def test_successive_steps_are_not_a_daily_total(linter):
    # MMF 1500 mg twice daily for 14 days, then 1500 mg twice daily: each step is 3000 mg/day, the
    # maximum; one after the other they are never 6000 mg/day
    fs = findings(linter, req("mmf", "mycophenolate mofetil", step(1500, 14, 1, freq=2), step(1500, None, 2, freq=2)))
    assert at(fs, "ILD501") == []


def test_two_requests_given_at_the_same_time_are_summed(linter):
    # two MedicationRequests of MMF 1500 mg twice daily, both active: 6000 mg/day (OL004 is a warning)
    fs = findings(linter, req("mmf", "mycophenolate mofetil", step(1500, None, freq=2)),
                  req("mmf2", "CellCept", step(1500, None, freq=2)))
    (f,) = [f for f in fs if f.code == "ILD501"]
    assert (f.order, f.severity) == ("mmf", "error") and "together 6000 mg/day > 3000 mg/day" in f.message
    assert at(fs, "OL004") == [("mmf2", "/entry/4/resource/medicationCodeableConcept/text")]
    # beside a taper whose steps come after each other: each step is given with the other request,
    # one after the other (4000 mg/day for 14 days, then 6000), never all three together
    fs = findings(linter, req("mmf", "mycophenolate mofetil", step(1500, None, freq=2)),
                  req("mmf2", "CellCept", step(500, 14, 1, freq=2), step(1500, None, 2, freq=2)))
    msgs = [f.message for f in fs if f.code == "ILD501"]
    assert [f.order for f in fs if f.code == "ILD501"] == ["mmf", "mmf"]
    assert "order 'mmf2#1'" in msgs[0] and "together 4000 mg/day" in msgs[0] and "mmf2#2" not in msgs[0]
    assert "order 'mmf2#2'" in msgs[1] and "together 6000 mg/day" in msgs[1] and "mmf2#1" not in msgs[1]


def test_concurrent_pulse_requests_are_one_pulse_course(linter):
    def pulse(dose: float, days: int) -> dict:
        s = single(dose, "mg")
        s["timing"]["repeat"].update({"count": days, "period": 1, "periodUnit": "d"})
        return s

    rtx = req("rtx", "rituximab", {**single(1000, "mg", 2, "wk"), "timing": {"repeat": {"count": 2, "frequency": 1, "period": 2, "periodUnit": "wk"}}})
    cond_rp = {"url": NS + "rapidly-progressive", "valueBoolean": True}
    b = bundle(req("mp", "methylprednisolone", pulse(500, 3)), req("mp2", "methylprednisolone", pulse(500, 3)), rtx)
    b["entry"][2]["resource"]["extension"] = [cond_rp]
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert [(f.order, f.severity) for f in r.findings if f.code == "ILD206"] == [("mp", "warning")]
    assert "6 administrations together > 3" in [f.message for f in r.findings if f.code == "ILD206"][0]
    # a pulse in two steps of one request, one after the other: 1250 mg PE on no day, but 6 daily
    # pulses in one course; 2 then 1 are 3, the most
    b = bundle(req("mp", "methylprednisolone", pulse(1000, 3), pulse(500, 3)), rtx)
    b["entry"][2]["resource"]["extension"] = [cond_rp]
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    (f,) = [f for f in r.findings if f.code == "ILD206"]
    assert f.order == "mp" and "6 administrations together > 3" in f.message and "PE/day together" not in f.message
    b = bundle(req("mp", "methylprednisolone", pulse(1000, 2), pulse(500, 1)), rtx)
    b["entry"][2]["resource"]["extension"] = [cond_rp]
    (r,) = lint_fhir(json.dumps(b), linter=linter, source="t.json")
    assert [f.code for f in r.findings if f.code == "ILD207"] and [f for f in r.findings if f.code == "ILD206"] == []


def dated(s: dict, start: str, end: Optional[str] = None) -> dict:
    rep = s["timing"]["repeat"]
    rep.pop("boundsDuration", None)
    rep["boundsPeriod"] = {"start": start, **({"end": end} if end else {})}
    return s


def test_a_step_dated_later_meets_a_request_that_starts_later(linter):
    # MMF 500 mg bid for 14 days, then 1000 mg bid for 14 days (2026-03-16 to 03-30), beside another
    # request of 1500 mg bid from 2026-03-20: the second step and that request are given together
    # (5000 mg/day), though read from as_of, as the main reading does, no step meets that request
    fs = findings(linter, req("mmf", "mycophenolate mofetil", step(500, 14, 1, freq=2), step(1000, 14, 2, freq=2)),
                  req("mmf2", "CellCept", dated(step(1500, None, freq=2), "2026-03-20")))
    (f,) = [f for f in fs if f.code == "ILD501"]
    assert "order 'mmf#2'" in f.message and "order 'mmf2'" in f.message and "mmf#1" not in f.message
    assert "together 5000 mg/day" in f.message
    # the same request from 2026-04-01, after the taper ended: not together
    fs = findings(linter, req("mmf", "mycophenolate mofetil", step(500, 14, 1, freq=2), step(1000, 14, 2, freq=2)),
                  req("mmf2", "CellCept", dated(step(1500, None, freq=2), "2026-04-01")))
    assert at(fs, "ILD501") == []


def test_a_step_dated_before_as_of_meets_a_request_of_that_time(linter):
    # a taper begun 2026-02-01 (14 days, then 14 days: 2026-02-15 to 03-01) beside a request of
    # 2026-02-20 to 02-25: its second step was given with it, though both read as active today
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(1500, None, 1, freq=2), "2026-02-01", "2026-02-15"),
                              step(1500, 14, 2, freq=2)),
                  req("mmf2", "CellCept", dated(step(1500, None, freq=2), "2026-02-20", "2026-02-25")))
    (f,) = [f for f in fs if f.code == "ILD501"]
    assert "order 'mmf#2'" in f.message and "order 'mmf2'" in f.message and "mmf#1" not in f.message


def test_the_dated_reading_is_skipped_only_when_it_cannot_find_more(linter):
    def lazy(*resources: dict) -> list[bool]:
        (m,) = map_fhir(bundle(*resources), source="t", vocab=linter.vocab, as_of=AS_OF)
        return [v.lazy for v in m.variants if "ILD501" in v.codes]

    taper = req("pred", "prednisone", step(20, 14, 1), step(10, 14, 2))
    assert lazy(taper) == [True]  # steps from as_of on: the main reading holds every sum
    assert lazy(taper, req("mmf", "mycophenolate mofetil", dated(step(1000, None, freq=2), "2026-03-20"))) == [False]
    assert lazy(req("pred", "prednisone", dated(step(20, None, 1), "2026-02-01", "2026-02-15"), step(10, 14, 2))) == [False]
    assert lazy(req("pred", "prednisone", step(20, 14, 1))) == []  # one step: no taper, no reading


def _replay(*resources: dict) -> dict:
    """A CDS Hooks order-sign request of these resources, replayed at AS_OF (extension orderlint-as-of)."""
    res = [e["resource"] for e in bundle(*resources)["entry"]]
    of = lambda *types: [{"resource": r} for r in res if r["resourceType"] in types]  # noqa: E731
    return {"hook": "order-sign", "extension": {"orderlint-as-of": AS_OF.isoformat()},
            "context": {"patientId": "p1", "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": of("MedicationRequest")}},
            "prefetch": {"patient": res[0], "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": of("Condition")}}}


def test_a_replay_judges_every_reading_on_its_own_date():
    # replayed at 2026-03-02 by a linter whose own date is today: the taper's steps are dated from
    # 2026-03-02, and the other request, without a start, starts then too (it was read at today's
    # date, after both steps had ended, and the 6000 mg/day passed)
    linter = Linter(Settings(allow_as_of=True))
    request = _replay(req("mmf", "mycophenolate mofetil", step(1500, 14, 1, freq=2), step(1500, 14, 2, freq=2)),
                      req("mmf2", "CellCept", step(1500, None, freq=2)))
    (r,) = lint_fhir(json.dumps(request), linter=linter, source="t.json")
    msgs = [f.message for f in r.findings if f.code == "ILD501"]
    assert len(msgs) == 2 and all("together 6000 mg/day" in m for m in msgs)
    assert "order 'mmf#1'" in msgs[0] and "order 'mmf#2'" in msgs[1]
    # the taper's reading for ILD302 too: prophylaxis until 2026-06-01 protects on 2026-03-02 (it was
    # read at today's date, when its period had ended, and ILD302 fired)
    pcp = req("smx", "sulfamethoxazole-trimethoprim", dated(step(1, None, freq=1, unit="{tbl}"), "2026-02-01", "2026-06-01"))
    pcp["medicationCodeableConcept"]["text"] = "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet"
    taper = req("pred", "prednisone", step(20, 14, 1), step(10, 14, 2))
    (r,) = lint_fhir(json.dumps(_replay(taper, pcp)), linter=linter, source="t.json")
    assert [f for f in r.findings if f.code == "ILD302"] == []
    (r,) = lint_fhir(json.dumps(_replay(taper)), linter=linter, source="t.json")
    assert [f.order for f in r.findings if f.code == "ILD302"] == ["pred"]  # without it, the taper fires


# fhir.md 2.1, Tapers: entries that share no `sequence` are successive steps, but an open-ended step
# is never followed by another. As the steps are dated for ILD501/ILD206 (a step after one whose
# course is not known starts on as_of, given with it), ILD202/ILD302 add up the steps given together.
@pytest.mark.parametrize("first, second", [
    (step(10, None), step(10, None)),  # 08:00 and 20:00, no sequence: the review's split dose
    (step(10, None, 1), step(10, None, 2)),  # numbered steps, the first open-ended
    (step(10, None), step(10, 14)),  # an open-ended step, then a bounded one: both from as_of
])
def test_a_step_after_an_open_ended_step_is_given_with_it(linter, first, second):
    fs = findings(linter, req("pred", "prednisone", first, second))
    assert [f.order for f in fs if f.code == "ILD202"] == ["pred"]
    assert "total 20 mg PE > 15 mg/day" in [f.message for f in fs if f.code == "ILD202"][0]


def test_an_open_ended_last_step_still_follows_the_others(linter):
    # The boundary: a bounded step, then an open-ended one: successive, the largest step (10 mg) is
    # judged, not their sum; at the limit itself, two open-ended steps of 7.5 mg (15 mg) do not fire.
    assert at(findings(linter, req("pred", "prednisone", step(10, 14), step(10, None))), "ILD202") == []
    assert at(findings(linter, req("pred", "prednisone", step(7.5, None), step(7.5, None))), "ILD202") == []
    assert at(findings(linter, req("pred", "prednisone", step(7.5, None), step(7.6, None))), "ILD202") != []


# fhir.md 2.1, Tapers: a split dose is not a taper. Entries whose `boundsPeriod` dates overlap are
# given at the same time, whatever the `sequence` reading; entries with the same bounds and no start
# that differ in their time of day (timing.repeat.timeOfDay / when) are one day's doses, not steps
# (a taper's steps are not told apart by the time of day). ILD202/ILD302 and the dose sums (ILD501)
# add them up; the course rules keep the contract's reading (the sum of the steps' bounds).
def at_time(s: dict, times: list[str], key: str = "timeOfDay") -> dict:
    s["timing"]["repeat"][key] = times
    return s


@pytest.mark.parametrize("key, am, pm", [("timeOfDay", "08:00:00", "20:00:00"), ("when", "MORN", "EVE")])
def test_a_split_dose_by_time_of_day_is_summed(linter, key, am, pm):
    # MMF 2000 mg at 08:00 and 2000 mg at 20:00, each for 90 days: 4000 mg/day (read as two steps, it passed)
    fs = findings(linter, req("mmf", "mycophenolate mofetil", at_time(step(2000, 90), [am], key), at_time(step(2000, 90), [pm], key)))
    (f,) = [f for f in fs if f.code == "ILD501"]
    assert f.order == "mmf" and "together 4000 mg/day > 3000 mg/day" in f.message
    # prednisone 10 mg twice so: 20 mg PE a day, for 90 days (ILD202, and ILD302: no PCP prophylaxis)
    fs = findings(linter, req("pred", "prednisone", at_time(step(10, 90), [am], key), at_time(step(10, 90), [pm], key)))
    assert "total 20 mg PE > 15 mg/day" in [f.message for f in fs if f.code == "ILD202"][0]
    assert [f.order for f in fs if f.code == "ILD302"] == ["pred"]


def test_entries_with_overlapping_dates_are_summed(linter):
    # the same dates stated outright, sequence or not: given together
    for seqs in ((None, None), (1, 2)):
        fs = findings(linter, req("pred", "prednisone", dated(step(10, None, seqs[0]), "2026-03-02", "2026-05-31"),
                                  dated(step(10, None, seqs[1]), "2026-03-02", "2026-05-31")))
        assert "total 20 mg PE > 15 mg/day" in [f.message for f in fs if f.code == "ILD202"][0]
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(2000, None), "2026-03-02", "2026-05-31"),
                              dated(step(2000, None), "2026-03-02", "2026-05-31")))
    assert "together 4000 mg/day > 3000 mg/day" in [f.message for f in fs if f.code == "ILD501"][0]
    # overlapping by a day (2026-03-16): given together on that day
    fs = findings(linter, req("pred", "prednisone", dated(step(10, None), "2026-03-02", "2026-03-17"),
                              dated(step(10, None), "2026-03-16", "2026-03-30")))
    assert "total 20 mg PE > 15 mg/day" in [f.message for f in fs if f.code == "ILD202"][0]


def test_a_taper_at_one_time_of_day_or_with_dates_that_follow_is_not_summed(linter):
    # successive steps at the same time of day: the largest step (10 mg), not 17.5 mg
    am = lambda dose, days, seq=None: at_time(step(dose, days, seq), ["08:00:00"])  # noqa: E731
    assert at(findings(linter, req("pred", "prednisone", am(10, 14), am(7.5, 14))), "ILD202") == []
    assert at(findings(linter, req("pred", "prednisone", am(10, 14, 1), am(7.5, 14, 2))), "ILD202") == []
    # other times of day but other bounds: steps, as fhir.md 2.1 reads entries that share no sequence
    assert at(findings(linter, req("pred", "prednisone", am(10, 14), at_time(step(7.5, 28), ["20:00:00"]))), "ILD202") == []
    # dates that follow each other (the end of one the start of the next: no day given twice)
    fs = findings(linter, req("pred", "prednisone", dated(step(10, None), "2026-03-02", "2026-03-16"),
                              dated(step(10, None), "2026-03-16", "2026-03-30")))
    assert at(fs, "ILD202") == []
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(2000, None), "2026-03-02", "2026-03-16"),
                              dated(step(2000, None), "2026-03-16", "2026-03-30")))
    assert at(fs, "ILD501") == []
    # a real taper keeps its reading: 20 mg for 14 days, then 10 mg (ILD202 on the 20 mg step alone)
    fs = findings(linter, req("pred", "prednisone", am(20, 14), am(10, 14)))
    assert at(fs, "ILD202") == [("pred", f"{MR}/dosageInstruction/0/doseAndRate/0/doseQuantity/value")]
    assert "= 20 mg PE > 15 mg/day" in [f.message for f in fs if f.code == "ILD202"][0]


def test_a_split_dose_at_the_limit(linter):
    def split(drug: str, am: float, pm: float) -> dict:
        return req("x", drug, at_time(step(am, 90), ["08:00:00"]), at_time(step(pm, 90), ["20:00:00"]))

    assert at(findings(linter, split("prednisone", 7.5, 7.5)), "ILD202") == []  # 15 mg, the limit itself
    assert at(findings(linter, split("prednisone", 7.5, 7.6)), "ILD202") != []
    assert at(findings(linter, split("mycophenolate mofetil", 1500, 1500)), "ILD501") == []  # 3000 mg, the maximum
    assert at(findings(linter, split("mycophenolate mofetil", 1500, 1501)), "ILD501") != []


def test_a_titration_whose_steps_have_a_sequence_is_no_split_dose(linter):
    # MMF 1000 mg at 08:00 and 20:00 (sequence 1), then 1500 mg at 08:00 and 20:00 (sequence 2), 14 days
    # each: fhir.md 2.1 reads the sequences as steps; the split-dose reading summed all four entries
    # (5000 mg/day, ILD501, an error on a standard titration). Each step is 2000, then 3000 mg/day.
    def dose(mg: float, seq: int, time: str) -> dict:
        return at_time(step(mg, 14, seq), [time])

    fs = findings(linter, req("mmf", "mycophenolate mofetil", dose(1000, 1, "08:00:00"), dose(1000, 1, "20:00:00"),
                              dose(1500, 2, "08:00:00"), dose(1500, 2, "20:00:00")))
    assert at(fs, "ILD501") == []
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dose(1000, 1, "08:00:00"), dose(1000, 1, "20:00:00"),
                              dose(1600, 2, "08:00:00"), dose(1500, 2, "20:00:00")))
    assert at(fs, "ILD501") != []  # the boundary: a step of 3100 mg/day is still above the maximum


def test_taper_steps_with_start_dates_only_follow_one_another(linter):
    # Prednisone 10 mg from 03-02, 7.5 mg from 03-09, 5 mg from 03-16 (sequence 1-3, boundsPeriod start
    # only): each step ends when the next dated one begins; they were summed (22.5 mg, ILD202 error on a
    # correct taper). Two steps dated the same day are given together (the boundary).
    fs = findings(linter, req("pred", "prednisone", dated(step(10, None, 1), "2026-03-02"),
                              dated(step(7.5, None, 2), "2026-03-09"), dated(step(5, None, 3), "2026-03-16")))
    assert at(fs, "ILD202") == []
    fs = findings(linter, req("pred", "prednisone", dated(step(10, None, 1), "2026-03-02"),
                              dated(step(7.5, None, 2), "2026-03-02")))
    assert at(fs, "ILD202") != []


def test_mmf_titration_steps_with_start_dates_only_are_not_summed(linter):
    # MMF 500, 1000, then 1500 mg twice daily from 03-02, 03-16 and 03-30 (boundsPeriod start only, with
    # or without sequence): successive steps (fhir.md 2.1), each ending when the next dated one begins.
    # ILD501 summed them (6000 mg/day, an error on a standard titration).
    for seqs in ((1, 2, 3), (None, None, None)):
        fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(500, None, seqs[0], freq=2), "2026-03-02"),
                                  dated(step(1000, None, seqs[1], freq=2), "2026-03-16"),
                                  dated(step(1500, None, seqs[2], freq=2), "2026-03-30")))
        assert at(fs, "ILD501") == []
    # the boundary: the last step alone above the maximum fires; two steps dated the same day are given together
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(1000, None, 1, freq=2), "2026-03-02"),
                              dated(step(1501, None, 2, freq=2), "2026-03-16")))
    assert at(fs, "ILD501") != []
    fs = findings(linter, req("mmf", "mycophenolate mofetil", dated(step(1000, None, 1, freq=2), "2026-03-02"),
                              dated(step(1000, None, 2, freq=2), "2026-03-02")))
    assert "together 4000 mg/day > 3000 mg/day" in [f.message for f in fs if f.code == "ILD501"][0]
