"""Glucocorticoids: ILD201-ILD207 (rules.md, "Glucocorticoids", with the PE and pulse terms)."""

from __future__ import annotations

import pytest

from regimen_factory import (
    clean_patient,
    cyclophosphamide_iv,
    bactrim,
    in_order,
    lint,
    mmf,
    none_of,
    of,
    only,
    order,
    progression,
    pulse,
    rituximab,
    rp_ild,
    with_history,
)


def steroid(drug, dose, route="oral", frequency="daily", **kw):
    kw.setdefault("id", "gc")
    kw.setdefault("purpose", "other")  # keeps ILD201 out of the dose tests
    return order(drug, dose, "mg", route, frequency, **kw)


# --------------------------------------------------------------------------- ILD202 glucocorticoid-high-dose

#: (drug, dose mg, frequency, daily PE, fires)
PE_BOUNDARIES = [
    ("prednisone", 15, "daily", "15", False),
    ("prednisone", 15.004, "daily", "15", False),  # rounds to 15.00 before the comparison
    ("prednisone", 15.01, "daily", "15.01", True),
    ("prednisone", 16, "daily", "16", True),
    ("prednisone", 7.5, "bid", "15", False),
    ("prednisone", 8, "bid", "16", True),
    ("prednisolone", 15, "daily", "15", False),
    ("prednisolone", 15.01, "daily", "15.01", True),
    ("methylprednisolone", 12, "daily", "15", False),
    ("methylprednisolone", 16, "daily", "20", True),
    ("dexamethasone", 2.25, "daily", "15", False),
    ("dexamethasone", 3, "daily", "20", True),
    ("hydrocortisone", 60, "daily", "15", False),
    ("hydrocortisone", 20, "tid", "15", False),
    ("hydrocortisone", 61, "daily", "15.25", True),
    ("betamethasone", 2.25, "daily", "15", False),
    ("betamethasone", 3, "daily", "20", True),
    ("triamcinolone", 12, "daily", "15", False),
    ("triamcinolone", 16, "daily", "20", True),
    ("cortisone", 75, "daily", "15", False),
    ("cortisone", 80, "daily", "16", True),
    ("deflazacort", 18, "daily", "15", False),
    ("deflazacort", 24, "daily", "20", True),
]


@pytest.mark.parametrize("drug, dose, freq, pe, fires", PE_BOUNDARIES)
def test_ild202_prednisone_equivalent_boundaries(drug, dose, freq, pe, fires):
    result = lint(clean_patient(mmf(), steroid(drug, dose, frequency=freq)))
    if not fires:
        none_of(result, "ILD202")
        return
    [f] = only(result, "ILD202")
    assert f.order == "gc"
    assert f.pointer == "/orders/1/dose"
    assert f.severity == "error"
    assert drug in f.message
    assert f"{pe} mg PE" in f.message
    assert "15" in f.message


def test_ild202_message_shows_the_arithmetic():
    [f] = only(lint(clean_patient(steroid("methylprednisolone", 16))), "ILD202")
    assert "methylprednisolone 16 mg daily = 20 mg PE > 15 mg/day" in f.message


def test_ild202_sums_orders_and_names_the_largest():
    # prednisone 10 (10 PE) + methylprednisolone 4 (5 PE) = 15: does not fire
    doc = clean_patient(steroid("prednisone", 10, id="pred"), steroid("methylprednisolone", 4, id="mp"))
    none_of(lint(doc), "ILD202")
    # prednisone 10 + methylprednisolone 4.8 (6 PE) = 16: fires on the larger contributor
    doc = clean_patient(steroid("methylprednisolone", 4.8, id="mp"), steroid("prednisone", 10, id="pred"))
    [f] = only(lint(doc), "ILD202")
    assert f.order == "pred"
    assert f.pointer == "/orders/1/dose"
    assert "16" in f.message


@pytest.mark.parametrize("phase", ["first-line", "progression"])
@pytest.mark.parametrize("purpose", ["ild", "other"])
def test_ild202_any_purpose_any_phase(phase, purpose):
    doc = clean_patient(steroid("prednisone", 20, purpose=purpose), indication={"phase": phase})
    only(lint(doc), "ILD202")


def test_ild202_counts_active_orders():
    only(lint(clean_patient(steroid("prednisone", 20, status="active"))), "ILD202")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild202_ignores_inactive_orders(status):
    doc = clean_patient(steroid("prednisone", 10, id="a"), steroid("prednisone", 10, id="b", status=status))
    none_of(lint(doc), "ILD202")


@pytest.mark.parametrize(
    "the_order",
    [
        order("budesonide", 9, "mg", "oral", "daily", purpose="other"),      # oral budesonide is not counted
        order("budesonide", 800, "mcg", "inhaled", "bid", purpose="other"),
        order("hydrocortisone", 100, "mg", "topical", "bid", purpose="other"),
        order("methylprednisolone", 40, "mg", "inhaled", "daily", purpose="other"),
    ],
    ids=["oral-budesonide", "inhaled-budesonide", "topical-hydrocortisone", "inhaled-methylprednisolone"],
)
def test_ild202_non_systemic_glucocorticoids_are_not_counted(the_order):
    none_of(lint(clean_patient(mmf(), the_order)), "ILD202")


def test_ild202_im_route_is_systemic():
    only(lint(clean_patient(steroid("triamcinolone", 40, route="im", frequency="once"))), "ILD202")


def test_ild202_pulse_is_left_out_of_the_sum():
    doc = rp_ild(clean_patient(rituximab(), pulse(200), steroid("prednisone", 10, id="pred")))
    none_of(lint(doc), "ILD202")


def test_ild202_methylprednisolone_199_is_not_a_pulse_and_is_too_high():
    result = lint(clean_patient(steroid("methylprednisolone", 199, route="iv")))
    [f] = only(result, "ILD202")
    assert "248.75" in f.message
    none_of(result, "ILD204")


@pytest.mark.parametrize(
    "dose, fires",
    [(16, False), (16.01, True), (16.8, True)],  # 20 PE, 20.01 PE, 21 PE
)
def test_ild202_configurable_limit(dose, fires):
    result = lint(clean_patient(steroid("methylprednisolone", dose)), config={"rules": {"ILD202": {"max-daily-pe-mg": 20}}})
    assert bool(of(result, "ILD202")) is fires
    if fires:
        assert "20" in of(result, "ILD202")[0].message


# --------------------------------------------------------------------------- ILD201 glucocorticoid-first-line


def test_ild201_fires_for_new_ild_steroid_first_line():
    result = lint(clean_patient(mmf(), steroid("prednisone", 5, purpose="ild", id="pred")))
    [f] = only(result, "ILD201")
    assert f.order == "pred"
    assert f.pointer == "/orders/1/drug"
    assert f.severity == "error"
    assert "prednisone" in f.message


def test_ild201_purpose_defaults_to_ild():
    doc = clean_patient(order("prednisone", 5, id="pred"))
    assert only(lint(doc), "ILD201")[0].order == "pred"


def test_ild201_phase_defaults_to_first_line():
    doc = clean_patient(order("prednisone", 5, id="pred"), indication={"phase": None})
    only(lint(doc), "ILD201")


def test_ild201_phase_first_line_when_history_has_no_progression():
    doc = with_history(clean_patient(order("prednisone", 5), indication={"phase": None}), "MMF", "intolerance")
    only(lint(doc), "ILD201")


def test_ild201_phase_derived_from_history_progression():
    doc = with_history(clean_patient(order("prednisone", 5), indication={"phase": None}), "MMF", "progression")
    none_of(lint(doc), "ILD201")


def test_ild201_not_in_explicit_progression_phase():
    none_of(lint(progression(clean_patient(order("prednisone", 5)))), "ILD201")


def test_ild201_not_for_purpose_other():
    result = lint(clean_patient(mmf(), steroid("prednisone", 5, purpose="other")))
    assert result.findings == []


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild201_only_new_orders(status):
    none_of(lint(clean_patient(mmf(), order("prednisone", 5, status=status))), "ILD201")


def test_ild201_not_for_a_pulse():
    result = lint(clean_patient(pulse(200, purpose="ild")))
    none_of(result, "ILD201")
    only(result, "ILD204")


@pytest.mark.parametrize(
    "the_order",
    [order("budesonide", 9, "mg", "oral", "daily"), order("hydrocortisone", 10, "mg", "topical", "bid")],
    ids=["oral-budesonide", "topical-hydrocortisone"],
)
def test_ild201_not_for_non_systemic(the_order):
    none_of(lint(clean_patient(mmf(), the_order)), "ILD201")


# --------------------------------------------------------------------------- ILD203 glucocorticoid-long-term


def prog(*orders):
    return progression(clean_patient(*orders))


@pytest.mark.parametrize(
    "course, fires, number",
    [
        ({"duration": (84, "d")}, False, None),
        ({"duration": (85, "d")}, True, "85"),
        ({"duration": (12, "wk")}, False, None),
        ({"duration": (13, "wk")}, True, "91"),
        ({"duration": (3, "mo")}, True, "90"),
        ({"doses": 84}, False, None),
        ({"doses": 85}, True, "85"),
        ({"doses": 42, "frequency": "qod"}, False, None),
        ({"doses": 43, "frequency": "qod"}, True, "86"),
        ({}, True, None),  # open-ended
    ],
)
def test_ild203_course_boundaries(course, fires, number):
    course = dict(course)
    freq = course.pop("frequency", "daily")
    doc = prog(order("prednisone", 5, "mg", "oral", freq, id="pred", **course))
    result = lint(doc)
    if not fires:
        none_of(result, "ILD203")
        return
    [f] = only(result, "ILD203")
    assert f.order == "pred"
    assert in_order(f.pointer, 0)
    assert f.severity == "error"
    assert "prednisone" in f.message
    if number:
        assert number in f.message


def test_ild203_fires_for_active_order_with_phase_from_history():
    doc = with_history(
        clean_patient(mmf(1500, status="active"), order("prednisone", 7.5, id="pred", status="active"), indication={"phase": None}),
        "mycophenolate mofetil",
        "progression",
    )
    assert only(lint(doc), "ILD203")[0].order == "pred"


def test_ild203_not_in_first_line_phase():
    none_of(lint(clean_patient(order("prednisone", 5, status="active"))), "ILD203")


def test_ild203_not_for_purpose_other():
    # A purpose-other steroid skips ILD203 but still counts for ILD202.
    result = lint(prog(steroid("prednisone", 20, purpose="other")))
    none_of(result, "ILD203")
    only(result, "ILD202")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild203_ignores_inactive(status):
    none_of(lint(prog(mmf(), order("prednisone", 5, status=status))), "ILD203")


def test_ild203_not_for_an_open_ended_pulse():
    doc = rp_ild(prog(rituximab(), order("methylprednisolone", 1000, "mg", "iv", "daily", id="mp")))
    none_of(lint(doc), "ILD203")


def test_ild203_configurable():
    doc = prog(order("prednisone", 5, id="pred", duration=(85, "d")))
    none_of(lint(doc, config={"rules": {"ILD203": {"max-course-days": 90}}}), "ILD203")


# --------------------------------------------------------------------------- ILD204 pulse-outside-rpild


@pytest.mark.parametrize(
    "drug, dose, pe, is_pulse",
    [
        ("methylprednisolone", 200, "250", True),
        ("methylprednisolone", 199, "248.75", False),
        ("methylprednisolone", 1000, "1250", True),
        ("prednisone", 250, "250", True),
        ("prednisone", 249.99, "249.99", False),
        ("dexamethasone", 37.5, "250", True),
        ("dexamethasone", 37, "246.67", False),
    ],
)
def test_ild204_pulse_threshold(drug, dose, pe, is_pulse):
    result = lint(clean_patient(order(drug, dose, "mg", "iv", "daily", id="p", doses=3)))
    if not is_pulse:
        none_of(result, "ILD204")
        # not a pulse: judged as an ordinary steroid
        only(result, "ILD202")
        only(result, "ILD201")
        return
    [f] = only(result, "ILD204")
    assert f.order == "p"
    assert f.pointer == "/orders/0/dose"
    assert f.severity == "error"
    assert drug in f.message and pe in f.message
    none_of(result, "ILD201")
    none_of(result, "ILD202")


def test_ild204_not_when_rapidly_progressive():
    none_of(lint(rp_ild(clean_patient(rituximab(), pulse()))), "ILD204")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild204_ignores_inactive(status):
    none_of(lint(clean_patient(mmf(), pulse(status=status))), "ILD204")


def test_ild204_fires_for_active_pulse():
    only(lint(clean_patient(pulse(status="active"))), "ILD204")


def test_pulse_threshold_is_configurable():
    cfg = {"rules": {"ILD204": {"pulse-min-daily-pe-mg": 300}}}
    result = lint(clean_patient(pulse(200, purpose="other")), config=cfg)
    none_of(result, "ILD204")
    only(result, "ILD202")


# --------------------------------------------------------------------------- ILD205 pulse-without-immunosuppressant


def test_ild205_fires_for_rp_ild_pulse_alone():
    result = lint(rp_ild(clean_patient(pulse())))
    [f] = only(result, "ILD205")
    assert f.order == "pulse"
    assert in_order(f.pointer, 0)
    assert f.severity == "warning"
    assert "methylprednisolone" in f.message


@pytest.mark.parametrize(
    "partner",
    [
        rituximab(),
        cyclophosphamide_iv(),
        order("IVIG", 2, "g/kg", "iv", "once", id="ivig"),
        mmf(),
        order("Myfortic", 720, "mg", "oral", "bid", id="mpa"),
        order("tacrolimus", 1, "mg", "oral", "bid", id="tac"),
        order("tofacitinib", 5, "mg", "oral", "bid", id="tofa"),
        rituximab(status="active"),
    ],
    ids=["rituximab", "cyclophosphamide", "ivig", "mmf", "mpa", "tacrolimus", "tofacitinib", "active-rituximab"],
)
def test_ild205_not_with_an_rp_ild_immunosuppressant(partner):
    none_of(lint(rp_ild(clean_patient(partner, bactrim(), pulse()))), "ILD205")


@pytest.mark.parametrize(
    "other",
    [
        rituximab(status="stopped"),
        rituximab(status="on-hold"),
        order("azathioprine", 2, "mg/kg", id="aza"),
        order("nintedanib", 150, "mg", "oral", "bid", id="nin"),
        order("tocilizumab", 162, "mg", "sc", "weekly", id="tcz"),
    ],
    ids=["stopped-rituximab", "on-hold-rituximab", "azathioprine", "nintedanib", "tocilizumab"],
)
def test_ild205_fires_without_a_listed_partner(other):
    assert only(lint(rp_ild(clean_patient(other, pulse()))), "ILD205")[0].order == "pulse"


def test_ild205_not_outside_rp_ild():
    result = lint(clean_patient(pulse()))
    none_of(result, "ILD205")
    only(result, "ILD204")


# --------------------------------------------------------------------------- ILD206 pulse-course-exceeds


def rp(*orders):
    return rp_ild(clean_patient(rituximab(), *orders))


@pytest.mark.parametrize(
    "the_order, fires, number",
    [
        (pulse(1000), False, None),
        (pulse(1000.008), True, "1250.01"),
        (pulse(1001), True, "1251.25"),
        (order("prednisone", 1250, "mg", "oral", "daily", id="pulse", doses=3), False, None),
        (order("prednisone", 1250.01, "mg", "oral", "daily", id="pulse", doses=3), True, "1250.01"),
        (pulse(1000, doses=3), False, None),
        (pulse(1000, doses=4), True, "4"),
        (pulse(500, doses=1), False, None),
        (order("methylprednisolone", 1000, "mg", "iv", "daily", id="pulse", duration=(3, "d")), False, None),
        (order("methylprednisolone", 1000, "mg", "iv", "daily", id="pulse", duration=(4, "d")), True, "4"),
        (order("methylprednisolone", 1000, "mg", "iv", "daily", id="pulse"), True, None),  # open-ended
        (order("methylprednisolone", 500, "mg", "iv", "bid", id="pulse", duration=(3, "d")), True, "6"),  # 6 administrations
    ],
    ids=[
        "1000mg", "1000.008mg=1250.01PE", "1001mg", "pred-1250", "pred-1250.01", "3-doses", "4-doses",
        "1-dose", "3-days", "4-days", "open-ended", "500bid-3-days",
    ],
)
def test_ild206_pulse_course_boundaries(the_order, fires, number):
    result = lint(rp(the_order))
    if not fires:
        none_of(result, "ILD206")
        return
    [f] = only(result, "ILD206")
    assert f.order == "pulse"
    assert in_order(f.pointer, 1)
    assert f.severity == "warning"
    assert the_order["drug"] in f.message
    if number:
        assert number in f.message


def test_ild206_not_outside_rp_ild():
    result = lint(clean_patient(pulse(1001, doses=5)))
    none_of(result, "ILD206")
    only(result, "ILD204")


# --------------------------------------------------------------------------- ILD207 pulse-renal-crisis-review


def test_ild207_fires_for_every_rp_ild_pulse():
    result = lint(rp(pulse()))
    [f] = only(result, "ILD207")
    assert f.order == "pulse"
    assert in_order(f.pointer, 1)
    assert f.severity == "info"
    assert "methylprednisolone" in f.message
    assert "1250" in f.message


def test_ild207_not_outside_rp_ild():
    none_of(lint(clean_patient(pulse())), "ILD207")


def test_ild207_not_for_a_non_pulse():
    none_of(lint(rp(steroid("methylprednisolone", 199, route="iv"))), "ILD207")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild207_ignores_inactive_pulse(status):
    none_of(lint(rp(pulse(status=status))), "ILD207")


def test_clean_rp_ild_pulse_only_reminds():
    # A by-the-book RP-ILD pulse with rituximab: the only finding is the ILD207 reminder.
    result = lint(rp(pulse()))
    assert [f.code for f in result.findings] == ["ILD207"]


def test_ild204_applies_whatever_the_purpose():
    [f] = only(lint(clean_patient(mmf(), pulse(purpose="other"))), "ILD204")
    assert f.order == "pulse"
