"""Dosing and course: ILD501-ILD503 (rules.md, "Dosing and course").

The default patient weighs 80 kg and is 180 cm tall: BSA (Mosteller) = 2.0 m².
"""

from __future__ import annotations

import pytest

from regimen_factory import (
    bactrim,
    clean_patient,
    cyclophosphamide_iv,
    in_order,
    lint,
    mmf,
    none_of,
    only,
    order,
    order_set,
)


def check(the_order, rule, number, *, patient=None, config=None, extra=()):
    """Lint one order (plus `extra`); `rule` fires exactly once on it with `number` in the message,
    or, when `rule` is None, neither ILD501 nor ILD502 fires."""
    orders = [the_order, *extra]
    result = lint(clean_patient(*orders, patient=patient), config=config)
    for code in ("ILD501", "ILD502"):
        if code != rule:
            none_of(result, code)
    if rule is None:
        return result
    [f] = only(result, rule)
    assert f.order == the_order["id"]
    assert f.pointer == "/orders/0/dose"
    assert f.severity == ("error" if rule == "ILD501" else "info")
    assert the_order["drug"] in f.message or the_order["drug"].lower() in f.message.lower()
    assert number in f.message, f.message
    return result


def o(drug, dose, unit="mg", route="oral", frequency="daily", **kw):
    kw.setdefault("id", "x")
    return order(drug, dose, unit, route, frequency, **kw)


# --------------------------------------------------------------------------- mycophenolate


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (o("mycophenolate mofetil", 1500, frequency="bid"), None, None),
        (o("mycophenolate mofetil", 3000), None, None),
        (o("mycophenolate mofetil", 3001), "ILD501", "3001"),
        (o("mycophenolate mofetil", 1501, frequency="bid"), "ILD501", "3002"),
        (o("CellCept", 1000, frequency="tid"), None, None),
        (o("CellCept", 1001, frequency="tid"), "ILD501", "3003"),
        (o("mycophenolate mofetil", 1000), None, None),
        (o("mycophenolate mofetil", 999), "ILD502", "999"),
        (o("mycophenolate mofetil", 500, frequency="bid"), None, None),
        (o("MMF", 499.5, frequency="bid"), "ILD502", "999"),
        (o("mycophenolate mofetil", 250, frequency="bid"), "ILD502", "500"),
    ],
    ids=["1500bid", "3000qd", "3001qd", "1501bid", "1000tid", "1001tid", "1000qd", "999qd", "500bid", "499.5bid", "250bid"],
)
def test_mmf_range(the_order, rule, number):
    check(the_order, rule, number)


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (o("mycophenolic acid", 1080, frequency="bid"), None, None),
        (o("mycophenolic acid", 2160), None, None),
        (o("mycophenolic acid", 2161), "ILD501", "2161"),
        (o("Myfortic", 1081, frequency="bid"), "ILD501", "2162"),
        (o("mycophenolate sodium", 720), None, None),
        (o("mycophenolic acid", 360, frequency="bid"), None, None),
        (o("mycophenolic acid", 719), "ILD502", "719"),
        (o("Myfortic", 180, frequency="bid"), "ILD502", "360"),
    ],
    ids=["1080bid", "2160qd", "2161qd", "1081bid", "720qd", "360bid", "719qd", "180bid"],
)
def test_mpa_range(the_order, rule, number):
    check(the_order, rule, number)


def test_mmf_limit_is_not_applied_to_mpa():
    # 2500 mg/day is fine for MMF but above MPA's 2160 mg/day.
    check(o("mycophenolate mofetil", 1250, frequency="bid"), None, None)
    check(o("mycophenolic acid", 1250, frequency="bid"), "ILD501", "2500")


@pytest.mark.parametrize("config, rule", [({"mmf-max-mg-per-day": 3500}, None), ({"mmf-max-mg-per-day": 2500}, "ILD501")])
def test_mmf_maximum_is_configurable(config, rule):
    check(o("MMF", 1500, frequency="bid"), rule, "3000", config={"rules": {"ILD501": config}})


# --------------------------------------------------------------------------- nintedanib


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (o("nintedanib", 150, frequency="bid"), None, None),              # 150 per dose, 300/day
        (o("nintedanib", 100, frequency="bid"), None, None),              # 200/day
        (o("nintedanib", 100, frequency="tid"), None, None),              # 300/day
        (o("nintedanib", 101, frequency="tid"), "ILD501", "303"),         # 303/day
        (o("Ofev", 99.5, frequency="bid"), "ILD502", "199"),              # 199/day
        (o("nintedanib", 150), "ILD502", "150"),                          # 150/day: below 200
    ],
    ids=["150bid", "100bid", "100tid", "101tid", "99.5bid", "150qd"],
)
def test_nintedanib_range(the_order, rule, number):
    check(the_order, rule, number)


def test_nintedanib_above_150_per_administration():
    # 151 mg once daily: above the per-administration maximum (and below the daily range).
    result = lint(clean_patient(o("nintedanib", 151)))
    [f] = only(result, "ILD501")
    assert f.order == "x" and f.pointer == "/orders/0/dose"
    assert "nintedanib" in f.message and "151" in f.message and "150" in f.message


def test_nintedanib_151_bid_fires():
    result = lint(clean_patient(o("nintedanib", 151, frequency="bid")))
    found = [f for f in result.findings if f.code == "ILD501"]
    assert found and all(f.order == "x" for f in found)
    assert any("151" in f.message or "302" in f.message for f in found)


# --------------------------------------------------------------------------- tocilizumab SC


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (o("tocilizumab", 162, route="sc", frequency="weekly"), None, None),
        (o("tocilizumab", 162, route="sc", frequency="qw"), None, None),
        (o("tocilizumab", 324, route="sc", frequency="weekly"), "ILD501", "324"),
        (o("tocilizumab", 163, route="sc", frequency="weekly"), "ILD501", "163"),
        (o("tocilizumab", 162, route="sc", frequency="q2w"), None, None),
        (o("Actemra", 162, route="sc", frequency="biw"), "ILD501", "324"),
        (o("tocilizumab", 162, route="sc", frequency={"frequency": 1, "period": 1, "period_unit": "wk"}), None, None),
    ],
    ids=["162qw", "162qw-alias", "324qw", "163qw", "162q2w", "162biw", "162-structured-weekly"],
)
def test_tocilizumab_sc_weekly_maximum(the_order, rule, number):
    check(the_order, rule, number)


def test_tocilizumab_iv_is_not_judged_by_the_sc_limit():
    result = lint(clean_patient(o("tocilizumab", 8, "mg/kg", route="iv", frequency="q4w")))
    none_of(result, "ILD501")
    only(result, "ILD103")


# --------------------------------------------------------------------------- rituximab


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (o("rituximab", 1000, route="iv", frequency="q2w", doses=2), None, None),
        (o("rituximab", 1001, route="iv", frequency="q2w", doses=2), "ILD501", "1001"),
        (o("rituximab", 1, "g", route="iv", frequency="q2w", doses=2), None, None),
        (o("Truxima", 1.1, "g", route="iv", frequency="q2w", doses=2), "ILD501", "1100"),
        (o("rituximab", 375, "mg/m2", route="iv", frequency="weekly", doses=4), None, None),   # 750 mg at BSA 2.0
        (o("rituximab", 501, "mg/m2", route="iv", frequency="weekly", doses=4), "ILD501", "1002"),
    ],
    ids=["1000", "1001", "1g", "1.1g", "375mg/m2", "501mg/m2"],
)
def test_rituximab_per_administration_maximum(the_order, rule, number):
    check(the_order, rule, number)


# --------------------------------------------------------------------------- cyclophosphamide IV


def cyc_iv(dose, unit="mg/m2", **kw):
    kw.setdefault("id", "x")
    return cyclophosphamide_iv(dose, unit, **kw)


@pytest.mark.parametrize(
    "the_order, rule, number",
    [
        (cyc_iv(750), None, None),
        (cyc_iv(751), "ILD501", "751"),
        (cyc_iv(0.75, "g/m2"), None, None),
        (cyc_iv(0.751, "g/m2"), "ILD501", "751"),
        (cyc_iv(500), None, None),
        (cyc_iv(499), "ILD502", "499"),
        (cyc_iv(1500, "mg"), None, None),              # 1500 mg / 2.0 m² = 750 mg/m²
        (cyc_iv(1502, "mg"), "ILD501", "751"),         # 751 mg/m²
        (cyc_iv(1.502, "g"), "ILD501", "751"),
        (cyc_iv(1000, "mg"), None, None),              # 500 mg/m²
        (cyc_iv(998, "mg"), "ILD502", "499"),          # 499 mg/m²
    ],
    ids=["750/m2", "751/m2", "0.75g/m2", "0.751g/m2", "500/m2", "499/m2", "1500mg", "1502mg", "1.502g", "1000mg", "998mg"],
)
def test_cyclophosphamide_iv_per_m2(the_order, rule, number):
    check(the_order, rule, number, extra=[bactrim()])


def test_cyclophosphamide_iv_absolute_dose_uses_given_bsa_over_height_weight():
    # bsa_m2 1.5 wins over the computed 2.0: 1500 mg = 1000 mg/m².
    check(cyc_iv(1500, "mg"), "ILD501", "1000", patient={"bsa_m2": 1.5}, extra=[bactrim()])


def test_cyclophosphamide_iv_absolute_dose_with_bsa_m2_and_no_height():
    check(cyc_iv(1502, "mg"), "ILD501", "751", patient={"height_cm": None, "bsa_m2": 2.0}, extra=[bactrim()])


def test_cyclophosphamide_iv_absolute_dose_with_other_height_and_weight():
    # 160 cm x 72 kg: BSA = sqrt(160*72/3600) = sqrt(3.2) = 1.789 m²; 1342 mg = 750.2 mg/m² > 750.
    check(cyc_iv(1342, "mg"), "ILD501", "750.", patient={"height_cm": 160, "weight_kg": 72}, extra=[bactrim()])
    # 1341 mg = 749.6 mg/m²: fine
    check(cyc_iv(1341, "mg"), None, None, patient={"height_cm": 160, "weight_kg": 72}, extra=[bactrim()])


@pytest.mark.parametrize("patient", [{"height_cm": None}, {"height_cm": None, "weight_kg": None}])
def test_cyclophosphamide_iv_absolute_dose_without_bsa_is_ol003_not_ild501(patient):
    doc = clean_patient(cyc_iv(1502, "mg"), bactrim(), patient=patient)
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.order == "x"
    assert f.pointer.startswith("/orders/0")
    assert "cyclophosphamide" in f.message
    none_of(result, "ILD501")
    none_of(result, "ILD502")


def test_cyclophosphamide_iv_per_m2_dose_without_height_is_still_checked():
    # 751 mg/m² > 750 mg/m² whatever the BSA: no guess is needed, so the rule decides.
    check(cyc_iv(751), "ILD501", "751", patient={"height_cm": None}, extra=[bactrim()])


def test_cyclophosphamide_iv_per_m2_in_an_order_set_needs_no_bsa():
    # A protocol written in mg/m² is checked per m² without any patient.
    result = lint(order_set(cyc_iv(751), bactrim()))
    none_of(result, "OL003")
    only(result, "ILD501")
    assert not [f for f in lint(order_set(cyc_iv(600), bactrim())).findings]


def test_cyclophosphamide_iv_absolute_dose_in_an_order_set_is_ol003():
    result = lint(order_set(cyc_iv(1200, "mg"), bactrim()))
    only(result, "OL003")
    none_of(result, "ILD501")


# --------------------------------------------------------------------------- cyclophosphamide oral


def cyc_oral(dose, unit="mg", frequency="daily", **kw):
    kw.setdefault("id", "x")
    kw.setdefault("duration", (6, "mo"))
    return order("cyclophosphamide", dose, unit, "oral", frequency, **kw)


@pytest.mark.parametrize(
    "the_order, patient, rule, number",
    [
        (cyc_oral(2, "mg/kg"), None, None, None),                           # 160 mg/day at 80 kg
        (cyc_oral(2.01, "mg/kg"), None, "ILD501", "2.01"),
        (cyc_oral(160), None, None, None),                                  # 2 mg/kg/day
        (cyc_oral(161), None, "ILD501", "2.01"),                            # 2.01 mg/kg/day
        (cyc_oral(80), None, None, None),                                   # 1 mg/kg/day
        (cyc_oral(79), None, "ILD502", "0.99"),                             # 0.99 mg/kg/day
        (cyc_oral(1, "mg/kg"), None, None, None),
        (cyc_oral(0.99, "mg/kg"), None, "ILD502", "0.99"),
        (cyc_oral(200), {"weight_kg": 110}, None, None),                    # 1.82 mg/kg, 200 mg/day
        (cyc_oral(201), {"weight_kg": 110}, "ILD501", "201"),               # 1.83 mg/kg, > 200 mg/day
        (cyc_oral(1.8, "mg/kg"), {"weight_kg": 120}, "ILD501", "216"),      # 216 mg/day > 200
        (cyc_oral(100, frequency="bid"), {"weight_kg": 110}, None, None),   # 200 mg/day
    ],
    ids=["2mg/kg", "2.01mg/kg", "160mg", "161mg", "80mg", "79mg", "1mg/kg", "0.99mg/kg", "200mg@110", "201mg@110", "1.8mg/kg@120", "100bid@110"],
)
def test_cyclophosphamide_oral(the_order, patient, rule, number):
    check(the_order, rule, number, patient=patient, extra=[bactrim()])


def test_cyclophosphamide_oral_101_bid_is_202_per_day():
    the_order = order("cyclophosphamide", 101, "mg", "oral", "bid", id="x", duration=(6, "mo"))
    check(the_order, "ILD501", "202", patient={"weight_kg": 110}, extra=[bactrim()])


def test_cyclophosphamide_oral_absolute_dose_without_weight_is_ol003():
    doc = clean_patient(cyc_oral(150), bactrim(), patient={"weight_kg": None, "height_cm": None})
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.order == "x"
    none_of(result, "ILD502")


def test_cyclophosphamide_oral_is_not_judged_by_the_iv_limit():
    # 800 mg/day oral is far above the oral limits; the finding is about oral limits, not mg/m².
    result = lint(clean_patient(cyc_oral(800), bactrim()))
    found = [f for f in result.findings if f.code == "ILD501"]
    assert found and all("m²" not in f.message and "m2" not in f.message for f in found)


# --------------------------------------------------------------------------- azathioprine


@pytest.mark.parametrize(
    "the_order, patient, rule, number",
    [
        (o("azathioprine", 3, "mg/kg"), None, None, None),
        (o("azathioprine", 3.01, "mg/kg"), None, "ILD501", "3.01"),
        (o("azathioprine", 240), None, None, None),                       # 3 mg/kg at 80 kg
        (o("azathioprine", 241), None, "ILD501", "3.01"),
        (o("azathioprine", 100, frequency="tid"), None, "ILD501", "3.75"),
        (o("Imuran", 120, frequency="bid"), None, None, None),            # 240/day
        (o("azathioprine", 150), {"weight_kg": 50}, None, None),          # 3 mg/kg
        (o("azathioprine", 175), {"weight_kg": 50}, "ILD501", "3.5"),
    ],
    ids=["3mg/kg", "3.01mg/kg", "240mg", "241mg", "100tid", "imuran120bid", "150@50", "175@50"],
)
def test_azathioprine_per_kg_maximum(the_order, patient, rule, number):
    check(the_order, rule, number, patient=patient)


# --------------------------------------------------------------------------- frequency and unit conversions


@pytest.mark.parametrize(
    "frequency, ok_dose, over_dose",
    [
        ("daily", 3000, 3001),
        ("qd", 3000, 3001),
        ("q24h", 3000, 3001),
        ("bid", 1500, 1501),
        ("q12h", 1500, 1501),
        ("tid", 1000, 1001),
        ("q8h", 1000, 1001),
        ("qid", 750, 751),
        ("q6h", 750, 751),
        # Given every other day, a daily maximum is of the day it is given (6000 mg qod, averaged to
        # 3000 mg/day, passed): 3000 mg that day at most.
        ("qod", 3000, 3001),
        ({"frequency": 2, "period": 1, "period_unit": "d"}, 1500, 1501),
        ({"frequency": 1, "period": 2, "period_unit": "d"}, 3000, 3001),
        ("BID", 1500, 1501),
    ],
    ids=["daily", "qd", "q24h", "bid", "q12h", "tid", "q8h", "qid", "q6h", "qod", "struct-2/d", "struct-1/2d", "BID"],
)
def test_daily_frequencies(frequency, ok_dose, over_dose):
    check(o("MMF", ok_dose, frequency=frequency), None, None)
    check(o("MMF", over_dose, frequency=frequency), "ILD501", "300")


@pytest.mark.parametrize(
    "frequency, ok_dose, over_dose",
    [
        ("weekly", 162, 163),
        ("qw", 162, 163),
        ("biw", 81, 82),
        ("tiw", 54, 55),
        # Any 7 consecutive days (rules.md ILD501, > 162 mg per week): 324 mg every 2 weeks is 324 mg
        # in the week of its dose (it was read as its average, 162 mg a week, and passed).
        ("q2w", 162, 163),
        ({"frequency": 2, "period": 1, "period_unit": "wk"}, 81, 82),
    ],
    ids=["weekly", "qw", "biw", "tiw", "q2w", "struct-2/wk"],
)
def test_weekly_frequencies(frequency, ok_dose, over_dose):
    check(o("tocilizumab", ok_dose, route="sc", frequency=frequency), None, None)
    check(o("tocilizumab", over_dose, route="sc", frequency=frequency), "ILD501", "16")


@pytest.mark.parametrize("frequency, dose", [("q2w", 324), ("q4w", 648), ({"frequency": 1, "period": 12, "period_unit": "wk"}, 1944)])
def test_a_weekly_maximum_is_not_averaged_over_a_longer_interval(frequency, dose):
    # rules.md ILD501, tocilizumab SC > 162 mg per week: the week of a dose holds all of it. Averaged
    # over the interval (162 mg a week each), 1944 mg every 12 weeks passed.
    check(o("tocilizumab", dose, route="sc", frequency=frequency), "ILD501", f"{dose} mg/week > 162 mg/week")


@pytest.mark.parametrize("unit, dose", [("mcg", 3000000), ("ug", 3000000), ("µg", 3000000), ("g", 3),
                                        ("ｍｇ", 3000), ("㎎", 3000), ("㎍", 3000000)])  # compatibility forms (NFKC)
def test_mass_units(unit, dose):
    check(o("MMF", dose, unit), None, None)
    check(o("MMF", dose * 1.001, unit), "ILD501", "3003")


def test_case_insensitive_names_units_routes_and_frequencies():
    check(o("CELLCEPT", 2000, "MG", route="PO", frequency="BID"), "ILD501", "4000")


# --------------------------------------------------------------------------- dose rules skip inactive orders


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_dose_rules_ignore_inactive_orders(status):
    result = lint(clean_patient(mmf(), o("MMF", 4000, status=status), o("nintedanib", 50, id="n", status=status)))
    none_of(result, "ILD501")
    none_of(result, "ILD502")


def test_dose_rules_judge_active_orders():
    check(o("MMF", 4000, status="active"), "ILD501", "4000")


# --------------------------------------------------------------------------- ILD503 cyclophosphamide-course-too-long


@pytest.mark.parametrize(
    "the_order, fires, number",
    [
        (cyc_iv(600, doses=6), False, None),
        (cyc_iv(600, doses=7), True, "7"),
        (cyc_iv(600, doses=None, duration=(168, "d")), False, None),                # days 0, 28, ... 140: six
        (cyc_iv(600, doses=None, duration=(169, "d")), True, "7"),                  # a seventh on day 168
        (cyc_iv(600, doses=None, duration=(180, "d")), True, "7"),
        (cyc_iv(600, doses=None, duration=(181, "d")), True, "181"),
        (cyc_iv(600, doses=None, duration=(6, "mo")), True, "7"),
        (cyc_iv(600, doses=None, duration=(7, "mo")), True, "210"),
        (cyc_iv(600, doses=None), True, None),                                      # open-ended
        (order("cyclophosphamide", 500, "mg/m2", "iv", "q2w", id="x", doses=7), True, "7"),   # 98 days but 7 administrations
        (order("cyclophosphamide", 600, "mg/m2", "iv", "monthly", id="x", doses=6), False, None),
        (cyc_oral(2, "mg/kg", duration=(180, "d")), False, None),
        (cyc_oral(2, "mg/kg", duration=(181, "d")), True, "181"),
        (cyc_oral(2, "mg/kg", duration=(6, "mo")), False, None),
        (cyc_oral(2, "mg/kg", duration=(12, "mo")), True, "360"),
        (cyc_oral(2, "mg/kg", duration=None), True, None),                          # open-ended
        (cyc_oral(2, "mg/kg", duration=None, doses=180), False, None),
        (cyc_oral(2, "mg/kg", duration=None, doses=181), True, "181"),
    ],
    ids=[
        "iv-6-doses", "iv-7-doses", "iv-168d", "iv-169d", "iv-180d", "iv-181d", "iv-6mo", "iv-7mo", "iv-open", "iv-q2w-7-doses",
        "iv-monthly-6", "oral-180d", "oral-181d", "oral-6mo", "oral-12mo", "oral-open", "oral-180-doses", "oral-181-doses",
    ],
)
def test_ild503_course_boundaries(the_order, fires, number):
    the_order = {k: v for k, v in the_order.items() if v is not None}
    result = lint(clean_patient(the_order, bactrim()))
    if not fires:
        none_of(result, "ILD503")
        return
    [f] = only(result, "ILD503")
    assert f.order == "x"
    assert in_order(f.pointer, 0)
    assert f.severity == "warning"
    assert "cyclophosphamide" in f.message
    if number:
        assert number in f.message


def test_ild503_in_an_order_set():
    only(lint(order_set(cyc_iv(600, doses=7), bactrim())), "ILD503")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild503_ignores_inactive(status):
    none_of(lint(clean_patient(mmf(), cyc_iv(600, doses=None, status=status))), "ILD503")


def test_ild503_active_order_counts():
    only(lint(clean_patient(cyc_iv(600, doses=8, status="active"), bactrim())), "ILD503")


def test_ild503_configurable():
    cfg = {"rules": {"ILD503": {"max-course-days": 365}}}
    none_of(lint(clean_patient(cyc_oral(2, "mg/kg", duration=(12, "mo")), bactrim()), config=cfg), "ILD503")
