"""Core document rules OL002-OL006, waivers, and engine-wide behaviour (statuses, units, frequencies).

Expected behaviour comes from rules.md and regimen-format.md.
"""

from __future__ import annotations

import pytest

from regimen_factory import (
    AS_OF,
    bactrim,
    clean_patient,
    codes,
    cyclophosphamide_iv,
    drop_tests,
    in_order,
    lint,
    mmf,
    none_of,
    of,
    only,
    order,
    order_set,
    pulse,
    with_history,
    with_waiver,
)

# --------------------------------------------------------------------------- baseline


def test_clean_patient_baseline_lints_clean():
    result = lint(clean_patient())
    assert result.status == "checked"
    assert result.findings == []


def test_clean_order_set_baseline_lints_clean():
    result = lint(order_set())
    assert result.status == "checked"
    assert result.findings == []


def test_other_condition_is_not_applicable():
    result = orderlint_lint(clean_patient(indication={"condition": "ipf"}))
    assert result.status == "not-applicable"
    # rules.md 2nd ed. (OL007): an unknown condition is an error finding, never an empty result.
    assert [(f.code, f.severity) for f in result.findings] == [("OL007", "error")]


def orderlint_lint(doc):
    import orderlint

    return orderlint.lint(doc, as_of=AS_OF)


# --------------------------------------------------------------------------- on-hold / stopped

#: Orders that fire many rules when proposed (new).
NOISY = [
    order("leflunomide", 20, id="lef"),                                     # ILD101
    order("prednisone", 30, id="pred"),                                     # ILD201, ILD202, ILD302
    order("tocilizumab", 8, "mg/kg", "iv", "q4w", id="tcz"),                # ILD103
    order("cyclophosphamide", 800, "mg/m2", "iv", "q4w", id="cyc"),         # ILD301, ILD501, ILD503
    order("CellCept", 2000, "mg", "oral", "bid", id="mmf1"),                # ILD501
    order("mycophenolate mofetil", 500, "mg", "oral", "bid", id="mmf2"),    # OL004
    order("azathioprine", 4, "mg/kg", id="aza"),                            # ILD104, ILD501
    order("Ofev", 200, "mg", "oral", "bid", id="nin"),                      # ILD102, ILD501
    order("methylprednisolone", 1000, "mg", "iv", "daily", id="mp"),       # ILD204
    order("MMF", 2, "tablet", "oral", "bid", id="tab"),                     # OL003
    order("dapsone", 100, id="dap"),                                        # ILD407 (g6pd dropped)
]


def test_noisy_orders_fire_when_new():
    # Sanity check of the fixture for the next test: as new orders they fire many rules.
    result = lint(clean_patient(*NOISY, drop=("g6pd", "hbv", "tb", "cbc", "lft")))
    found = set(codes(result))
    assert {"ILD101", "ILD103", "ILD201", "ILD202", "ILD204", "ILD501", "OL003", "OL004"} <= found


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_on_hold_and_stopped_orders_are_ignored_by_every_check(status):
    orders = [dict(o, status=status) for o in NOISY]
    result = lint(clean_patient(*orders, drop=("g6pd", "hbv", "tb", "cbc", "lft")))
    assert result.findings == []


def test_status_defaults_to_new():
    # A new (default status) leflunomide fires ILD101; the same order marked active does not.
    assert of(lint(clean_patient(order("leflunomide", 20))), "ILD101")
    none_of(lint(clean_patient(order("leflunomide", 20, status="active"))), "ILD101")


# --------------------------------------------------------------------------- OL002 unknown-drug


def test_ol002_fires_for_unknown_drug_and_suggests_close_names():
    doc = clean_patient(
        order("mycofenolate mofetil", 4000, "mg", "oral", "bid", id="typo"),
        order("omeprazole", 20, id="ppi"),
    )
    result = lint(doc)
    [f] = only(result, "OL002")
    assert f.order == "typo"
    assert f.pointer == "/orders/0/drug"
    # rules.md 2nd ed. (OL002): a likely misspelling of a checked drug is an error.
    assert f.severity == "error"
    assert "mycofenolate mofetil" in f.message
    assert "mycophenolate mofetil" in f.message  # the closest known name is offered
    # The order is not evaluated further: no dose rule on its 8000 mg/day, no OL003.
    assert codes(result) == ["OL002"]


def test_ol002_does_not_fire_for_known_drug():
    none_of(lint(clean_patient(mmf())), "OL002")


def test_ol002_fires_for_unknown_history_drug():
    doc = with_history(clean_patient(), "zorblatinib", "progression")
    [f] = only(lint(doc), "OL002")
    assert f.pointer == "/history/0/drug"
    assert "zorblatinib" in f.message


def test_ol002_fires_when_rxcui_disagrees_with_drug():
    # RxCUI 3002 is cyclophosphamide, not mycophenolate mofetil (68149).
    doc = clean_patient(order("mycophenolate mofetil", 2000, "mg", "oral", "bid", id="mmf", rxcui="3002"))
    result = lint(doc)
    [f] = only(result, "OL002")
    assert f.order == "mmf"
    assert f.pointer == "/orders/0/rxcui"
    assert "3002" in f.message and "mycophenolate mofetil" in f.message
    # That order is not evaluated further: its 4000 mg/day is not judged.
    none_of(result, "ILD501")


def test_ol002_does_not_fire_when_rxcui_agrees():
    doc = clean_patient(order("CellCept", 1000, "mg", "oral", "bid", id="mmf", rxcui="68149"))
    assert lint(doc).findings == []


@pytest.mark.parametrize(
    "the_order, rule",
    [
        (order("rituximab-abbs", 1001, "mg", "iv", "q2w", doses=2), "ILD501"),
        (order("Truxima", 1001, "mg", "iv", "q2w", doses=2), "ILD501"),
        (order("Rituxan", 1001, "mg", "iv", "q2w", doses=2), "ILD501"),
        (order("CellCept", 2000, "mg", "oral", "bid"), "ILD501"),
        (order("MMF", 2000, "mg", "oral", "bid"), "ILD501"),
        (order("Myfortic", 1440, "mg", "oral", "bid"), "ILD501"),
        (order("Ofev", 151, "mg", "oral", "daily"), "ILD501"),
        (order("Actemra", 162, "mg", "iv", "weekly"), "ILD103"),
        (order("tocilizumab-aazg", 162, "mg", "iv", "weekly"), "ILD103"),
        (order("Solu-Medrol", 1000, "mg", "iv", "daily", doses=3), "ILD204"),
        (order("Humira", 40, "mg", "sc", "q2w"), "ILD101"),
        (order("infliximab-dyyb", 5, "mg/kg", "iv", "q4w"), "ILD101"),
        (order("Arava", 20, "mg"), "ILD101"),
        (order("infliximab-qbtx", 5, "mg/kg", "iv", "q4w"), "ILD101"),
        (order("mycophenolate mofetil tablets", 2000, "mg", "oral", "bid"), "ILD501"),
    ],
)
def test_brand_names_and_biosimilar_suffixes_resolve(the_order, rule):
    result = lint(clean_patient(the_order))
    none_of(result, "OL002")
    only(result, rule)


@pytest.mark.parametrize(
    "drug",
    [
        "omeprazole", "pantoprazole", "nifedipine", "amlodipine", "captopril", "losartan", "sildenafil",
        "tadalafil", "bosentan", "ambrisentan", "hydroxychloroquine", "ondansetron", "mesna",
        "folic acid", "calcium carbonate", "cholecalciferol", "acetaminophen",
    ],
)
def test_common_comedications_are_known(drug):
    result = lint(clean_patient(mmf(), order(drug, 10, id="co")))
    assert result.findings == []


# --------------------------------------------------------------------------- OL003 unverifiable-dose


def test_ol003_tablet_dose_without_strength_for_dose_checked_drug():
    result = lint(clean_patient(order("CellCept", 4, "tablet", "oral", "bid", id="mmf")))
    [f] = only(result, "OL003")
    assert f.order == "mmf"
    assert f.pointer.startswith("/orders/0")
    assert "CellCept" in f.message
    none_of(result, "ILD501")
    none_of(result, "ILD502")


def test_ol003_not_for_tablet_dose_of_omeprazole():
    result = lint(clean_patient(mmf(), order("omeprazole", 1, "tablet", "oral", "daily", id="ppi")))
    assert result.findings == []


@pytest.mark.parametrize(
    "tablets, strength, daily, rule",
    [
        (1, 250, 500, "ILD502"),
        (1, 500, 1000, None),
        (3, 500, 3000, None),
        (3, 501, 3006, "ILD501"),
        (4, 500, 4000, "ILD501"),
    ],
)
def test_tablets_with_strength_are_computed(tablets, strength, daily, rule):
    doc = clean_patient(order("CellCept", tablets, "tablet", "oral", "bid", id="mmf", strength=(strength, "mg")))
    result = lint(doc)
    none_of(result, "OL003")
    for code in ("ILD501", "ILD502"):
        if code == rule:
            [f] = only(result, code)
            assert str(daily) in f.message
        else:
            none_of(result, code)


def test_cellcept_two_tablets_of_500_bid_is_2000_mg_and_clean():
    doc = clean_patient(order("CellCept", 2, "tablet", "oral", "bid", id="mmf", strength=(500, "mg")))
    assert lint(doc).findings == []


def test_cellcept_four_tablets_of_500_bid_is_4000_mg():
    doc = clean_patient(order("CellCept", 4, "tablet", "oral", "bid", id="mmf", strength=(500, "mg")))
    [f] = only(lint(doc), "ILD501")
    assert f.order == "mmf"
    assert "4000" in f.message and "CellCept" in f.message


@pytest.mark.parametrize(
    "g_order, mg_order",
    [
        (order("Solu-Medrol", 1, "g", "iv", "daily", doses=3), order("Solu-Medrol", 1000, "mg", "iv", "daily", doses=3)),
        (order("MMF", 1.5, "g", "oral", "bid"), order("MMF", 1500, "mg", "oral", "bid")),
        (order("MMF", 1.6, "g", "oral", "bid"), order("MMF", 1600, "mg", "oral", "bid")),
    ],
)
def test_gram_doses_convert_to_mg(g_order, mg_order):
    a, b = lint(clean_patient(g_order)), lint(clean_patient(mg_order))
    assert codes(a) == codes(b)


def test_solu_medrol_1_g_is_a_1250_mg_pe_pulse():
    result = lint(clean_patient(order("Solu-Medrol", 1, "g", "iv", "daily", id="mp", doses=3)))
    [f] = only(result, "ILD204")
    assert "1250" in f.message


def test_mcg_doses_convert_to_mg():
    # 1 500 000 mcg = 1500 mg, bid = 3000 mg/day (at, not above, the maximum).
    none_of(lint(clean_patient(order("MMF", 1500000, "mcg", "oral", "bid"))), "ILD501")
    only(lint(clean_patient(order("MMF", 1600000, "mcg", "oral", "bid"))), "ILD501")


STRUCTURED_BID = {"frequency": 2, "period": 1, "period_unit": "d"}


@pytest.mark.parametrize("dose, fires", [(1500, False), (1501, True)])
def test_structured_frequency_equals_bid(dose, fires):
    structured = lint(clean_patient(order("MMF", dose, "mg", "oral", STRUCTURED_BID, id="mmf")))
    bid = lint(clean_patient(order("MMF", dose, "mg", "oral", "bid", id="mmf")))
    assert codes(structured) == codes(bid)
    assert bool(of(structured, "ILD501")) is fires
    if fires:
        assert "3002" in of(structured, "ILD501")[0].message


def test_structured_weekly_frequency():
    # tocilizumab 162 mg twice per week = 324 mg/week
    twice_weekly = {"frequency": 2, "period": 1, "period_unit": "wk"}
    only(lint(clean_patient(order("tocilizumab", 162, "mg", "sc", twice_weekly))), "ILD501")


def test_ol003_unknown_frequency():
    result = lint(clean_patient(order("MMF", 1500, "mg", "oral", "every blue moon", id="mmf")))
    [f] = only(result, "OL003")
    assert f.order == "mmf"
    assert f.pointer == "/orders/0/frequency"
    assert "MMF" in f.message
    none_of(result, "ILD501")
    none_of(result, "ILD502")


def test_ol003_unknown_route():
    result = lint(clean_patient(order("MMF", 1500, "mg", "intergalactic", "bid", id="mmf")))
    [f] = only(result, "OL003")
    assert f.order == "mmf"
    assert f.pointer == "/orders/0/route"
    assert "MMF" in f.message


def test_ol003_unknown_unit():
    result = lint(clean_patient(order("MMF", 1500, "drops", "oral", "bid", id="mmf")))
    [f] = only(result, "OL003")
    assert f.order == "mmf"
    assert f.pointer == "/orders/0/unit"
    none_of(result, "ILD501")


def test_ol003_absolute_dose_checked_per_kg_without_weight():
    # Azathioprine's limit is per kg: an absolute dose needs the weight, which is missing.
    doc = clean_patient(order("azathioprine", 300, "mg", id="aza"), patient={"weight_kg": None, "height_cm": None})
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.order == "aza"
    assert f.pointer.startswith("/orders/0")
    assert "azathioprine" in f.message
    none_of(result, "ILD501")


def test_mg_per_kg_dose_against_per_kg_limit_needs_no_weight():
    # 4 mg/kg/day > 3 mg/kg/day whatever the weight: the rule can decide without guessing.
    doc = clean_patient(order("azathioprine", 4, "mg/kg", id="aza"), patient={"weight_kg": None, "height_cm": None})
    [f] = only(lint(doc), "ILD501")
    assert f.order == "aza" and "4" in f.message


def test_ol003_does_not_stop_other_orders_being_checked():
    doc = clean_patient(
        order("MMF", 1500, "mg", "oral", "every blue moon", id="mmf"),
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
    )
    result = lint(doc)
    only(result, "OL003")
    [f] = only(result, "ILD501")
    assert f.order == "rtx"


# --------------------------------------------------------------------------- OL004 duplicate-therapy


@pytest.mark.parametrize(
    "first, second",
    [
        (order("CellCept", 500, "mg", "oral", "bid", id="a"), order("mycophenolate mofetil", 500, "mg", "oral", "bid", id="b")),
        (order("MMF", 500, "mg", "oral", "bid", id="a"), order("Myfortic", 360, "mg", "oral", "bid", id="b")),
        (order("prednisone", 5, purpose="other", id="a"), order("prednisone", 5, purpose="other", id="b")),
    ],
)
def test_ol004_duplicate_therapy_fires(first, second):
    result = lint(clean_patient(first, second))
    [f] = only(result, "OL004")
    assert f.order == "b"  # the order that completes the duplicate
    assert in_order(f.pointer, 1)
    assert second["drug"] in f.message


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ol004_not_with_inactive_duplicate(status):
    doc = clean_patient(mmf(id="a"), order("CellCept", 500, "mg", "oral", "bid", id="b", status=status))
    none_of(lint(doc), "OL004")


def test_ol004_active_and_new_duplicate_fires():
    doc = clean_patient(mmf(id="a", status="active"), order("CellCept", 500, "mg", "oral", "bid", id="b"))
    only(lint(doc), "OL004")


def test_ol004_not_for_different_ingredients():
    doc = clean_patient(mmf(), order("omeprazole", 20, id="ppi"), order("pantoprazole", 40, id="ppi2"))
    none_of(lint(doc), "OL004")


# --------------------------------------------------------------------------- waivers: OL005, OL006


def ild102_doc():
    """Active MMF with new nintedanib and no documented progression: ILD102 fires on order 'nin'."""
    return clean_patient(
        mmf(1500, status="active"),
        order("Ofev", 150, "mg", "oral", "bid", id="nin"),
    )


def test_ild102_fixture_fires():
    [f] = only(lint(ild102_doc()), "ILD102")
    assert f.order == "nin" and f.suppressed is None


@pytest.mark.parametrize("rule", ["ILD102", "nintedanib-mycophenolate-upfront"])
def test_valid_waiver_suppresses_but_keeps_the_finding(rule):
    reason = "ATS 2023 combination agreed at the ILD MDT"
    result = lint(with_waiver(ild102_doc(), rule, reason=reason, approved_by="Dr. Lee"))
    [f] = only(result, "ILD102")
    assert f.suppressed is not None
    assert f.suppressed.reason == reason
    assert f.suppressed.approved_by == "Dr. Lee"
    none_of(result, "OL005")
    none_of(result, "OL006")
    assert result.active_findings() == []


def test_waiver_reason_of_exactly_10_characters_is_valid():
    result = lint(with_waiver(ild102_doc(), "ILD102", reason="0123456789"))
    assert of(result, "ILD102")[0].suppressed is not None
    none_of(result, "OL005")


def test_waiver_expiring_today_still_applies():
    # `expires` is the last day it applies: the run's date, the document's as_of and today are all
    # on or before it (here today, the latest of the three).
    import datetime

    result = lint(with_waiver(ild102_doc(), "ILD102", expires=datetime.date.today().isoformat()))
    assert of(result, "ILD102")[0].suppressed is not None
    none_of(result, "OL005")


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"reason": "per MDT"}, "reason"),             # < 10 characters
        ({"reason": "012345678"}, "reason"),           # 9 characters
        ({"reason": None}, "reason"),                  # missing
        ({"approved_by": None}, "approved_by"),        # missing
        ({"expires": "2026-03-01"}, "expires"),        # expired the day before as_of
        ({"rule": "ILD999"}, "rule"),                  # unknown rule
        ({"rule": "no-such-rule"}, "rule"),            # unknown rule name
        ({"order": "nope"}, "order"),                  # unknown order
    ],
)
def test_ol005_invalid_waiver_suppresses_nothing(kw, field):
    kw = dict(kw)
    rule = kw.pop("rule", "ILD102")
    result = lint(with_waiver(ild102_doc(), rule, **kw))
    [f] = only(result, "OL005")
    assert f.severity == "error"
    assert f.pointer.startswith("/waivers/0")
    [target] = only(result, "ILD102")
    assert target.suppressed is None
    none_of(result, "OL006")


def test_ol005_cannot_itself_be_waived_and_valid_waiver_still_applies():
    doc = with_waiver(ild102_doc(), "ILD102", reason="short")
    doc = with_waiver(doc, "ILD102", reason="ATS 2023 combination agreed at MDT")
    result = lint(doc)
    [bad] = only(result, "OL005")
    assert bad.pointer.startswith("/waivers/0")
    assert of(result, "ILD102")[0].suppressed is not None


def test_ol006_valid_waiver_that_matches_nothing():
    doc = with_waiver(clean_patient(), "ILD301", reason="prophylaxis given by the transplant team")
    result = lint(doc)
    [f] = only(result, "OL006")
    assert f.severity == "warning"
    assert f.pointer.startswith("/waivers/0")
    none_of(result, "OL005")


def test_ol006_not_for_a_used_waiver():
    none_of(lint(with_waiver(ild102_doc(), "ILD102")), "OL006")


def test_waiver_scoped_to_one_order_suppresses_only_that_order():
    doc = clean_patient(
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
        order("CellCept", 2000, "mg", "oral", "bid", id="mmf"),
    )
    result = lint(doc)
    assert sorted(f.order for f in only(result, "ILD501", 2)) == ["mmf", "rtx"]

    result = lint(with_waiver(doc, "ILD501", order="rtx", reason="1000 mg plus rounding to vial size"))
    found = {f.order: f for f in only(result, "ILD501", 2)}
    assert found["rtx"].suppressed is not None
    assert found["mmf"].suppressed is None
    none_of(result, "OL005")
    none_of(result, "OL006")


def test_waiver_without_order_covers_every_finding_of_the_rule():
    doc = clean_patient(
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
        order("CellCept", 2000, "mg", "oral", "bid", id="mmf"),
    )
    result = lint(with_waiver(doc, "ILD501", reason="approved high-dose protocol"))
    assert all(f.suppressed is not None for f in only(result, "ILD501", 2))


def test_waiver_scoped_to_an_order_without_that_finding_is_unused():
    doc = clean_patient(mmf(), order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2))
    result = lint(with_waiver(doc, "ILD501", order="mmf", reason="documented exception reason"))
    only(result, "OL006")
    assert of(result, "ILD501")[0].suppressed is None


# --------------------------------------------------------------------------- configuration


def test_ignore_and_select_rules():
    doc = ild102_doc()
    none_of(lint(doc, config={"ignore": ["ILD102"]}), "ILD102")
    result = lint(drop_tests(doc, "lft"), config={"select": ["ILD102"]})
    assert codes(result) == ["ILD102"]


def test_severity_override():
    [f] = only(lint(ild102_doc(), config={"severity": {"ILD102": "error"}}), "ILD102")
    assert f.severity == "error"


def test_ild301_fix_text_from_rules_md():
    [f] = only(lint(clean_patient(cyclophosphamide_iv())), "ILD301")
    assert f.fix is not None
    assert "sulfamethoxazole-trimethoprim 800/160 mg three times weekly" in f.fix
    none_of(lint(clean_patient(cyclophosphamide_iv(), bactrim())), "ILD301")


def test_pulse_helper_sanity():
    # The shared pulse fixture is a 1250 mg PE pulse: outside RP-ILD it is ILD204.
    only(lint(clean_patient(pulse())), "ILD204")


# --------------------------------------------------------------------------- as_of
# (Each rule's firing documents, with the name and severity of every finding, are in its case file:
# tests/test_cases.py runs them.)


def test_document_as_of_wins_over_api_as_of():
    import orderlint

    doc = clean_patient(mmf(), patient={"sex": "female"}, drop=["pregnancy"])
    doc["tests"].append({"test": "pregnancy", "status": "resulted", "date": "2026-02-16"})  # 14 days before AS_OF
    result = orderlint.lint(doc, as_of="2026-06-01")
    none_of(result, "ILD404")


@pytest.mark.parametrize("api_as_of, fires", [("2026-03-15", False), ("2026-03-16", True)])
def test_api_as_of_applies_when_document_has_none(api_as_of, fires):
    import orderlint

    doc = clean_patient(mmf(), patient={"sex": "female"}, drop=["pregnancy"], as_of=None)
    doc["tests"].append({"test": "pregnancy", "status": "resulted", "date": "2026-03-01"})
    result = orderlint.lint(doc, as_of=api_as_of)
    assert bool(of(result, "ILD404")) is fires


def test_lookback_window_of_a_test_is_configurable():
    # 'any' is now refused for a blood count (config.LOOKBACK_MAX: at most 180 days; rules.md 2nd ed.
    # "a typo must never switch a safety rule off"); a longer window still makes an older result count.
    doc = clean_patient(mmf(), drop=["cbc"])
    doc["tests"].append({"test": "cbc", "status": "resulted", "date": "2025-10-01"})
    only(lint(doc), "ILD401")
    none_of(lint(doc, config={"lookback-days": {"cbc": 180}}), "ILD401")


def test_explicit_phase_wins_over_history():
    # phase given as first-line: history of progression does not change it.
    doc = with_history(clean_patient(order("prednisone", 5, id="pred")), "MMF", "progression")
    assert doc["indication"]["phase"] == "first-line"
    only(lint(doc), "ILD201")


# --------------------------------------------------------------------------- more units and routes


@pytest.mark.parametrize("ml, rule", [(7.5, None), (10, "ILD501"), (2.4, "ILD502")])
def test_ml_dose_with_strength_per_ml(ml, rule):
    doc = clean_patient(order("CellCept", ml, "mL", "oral", "bid", id="m", strength=(200, "mg/mL")))
    result = lint(doc)
    none_of(result, "OL003")
    for code in ("ILD501", "ILD502"):
        if code == rule:
            only(result, code)
        else:
            none_of(result, code)


def test_ml_dose_without_strength_is_ol003_for_a_dose_checked_drug():
    [f] = only(lint(clean_patient(order("CellCept", 7.5, "mL", "oral", "bid", id="m"))), "OL003")
    assert f.order == "m"


@pytest.mark.parametrize("strength", [(250, "mg"), (0.25, "g")])
def test_capsules_with_strength(strength):
    ok = clean_patient(order("CellCept", 6, "capsule", "oral", "bid", id="m", strength=strength))
    assert lint(ok).findings == []
    over = clean_patient(order("CellCept", 7, "capsule", "oral", "bid", id="m", strength=strength))
    assert "3500" in only(lint(over), "ILD501")[0].message


@pytest.mark.parametrize("route", ["sc", "subcutaneous", "SC"])
def test_route_aliases_for_sc(route):
    only(lint(clean_patient(order("tocilizumab", 163, "mg", route, "weekly"))), "ILD501")


@pytest.mark.parametrize("route", ["po", "PO", "oral"])
def test_route_aliases_for_oral(route):
    only(lint(clean_patient(order("prednisone", 16, "mg", route, "daily", purpose="other"))), "ILD202")


def test_ol003_and_ol004_severity():
    assert only(lint(clean_patient(order("MMF", 2, "tablet", "oral", "bid"))), "OL003")[0].severity == "warning"
    assert only(lint(clean_patient(mmf(id="a"), mmf(id="b"))), "OL004")[0].severity == "warning"


def test_unknown_dose_is_never_zero_for_the_steroid_sum():
    # prednisone tablets without strength cannot be computed (OL003), and the known
    # methylprednisolone 16 mg (20 mg PE) alone is above the limit.
    doc = clean_patient(
        order("prednisone", 2, "tablet", "oral", "daily", id="p", purpose="other"),
        order("methylprednisolone", 16, purpose="other", id="mp"),
    )
    result = lint(doc)
    assert only(result, "OL003")[0].order == "p"
    assert only(result, "ILD202")[0].order == "mp"


def test_order_without_id_is_named_by_its_index():
    doc = clean_patient(order("omeprazole", 20), order("leflunomide", 20))
    [f] = only(lint(doc), "ILD101")
    assert str(f.order) == "1"
    assert f.pointer == "/orders/1/drug"


def test_findings_carry_the_source_line_of_json_text():
    import json

    import orderlint

    text = json.dumps(clean_patient(mmf(id="mmf"), order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2)), indent=2)
    lines = text.splitlines()
    # the second "dose" key in the file is rituximab's
    dose_lines = [i + 1 for i, line in enumerate(lines) if '"dose": ' in line]
    result = orderlint.lint(text, as_of=AS_OF)
    [f] = only(result, "ILD501")
    assert f.pointer == "/orders/1/dose"
    assert f.line == dose_lines[1]
    assert f.column >= 1


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ol002_ignores_on_hold_and_stopped_orders(status):
    doc = clean_patient(order("zorblatinib", 10, id="z", status=status))
    none_of(lint(doc), "OL002")
    only(lint(clean_patient(order("zorblatinib", 10, id="z", status="active"))), "OL002")
