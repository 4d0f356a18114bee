"""Infection prophylaxis: ILD301, ILD302 (rules.md, "Infection prophylaxis")."""

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
    pulse,
    rituximab,
    rp_ild,
)

PCP_AGENTS = [
    bactrim(),
    order("co-trimoxazole", 960, "mg", "oral", "tiw", id="smx"),
    order("TMP-SMX", 1, "tablet", "oral", "daily", id="smx", strength=(400, "mg")),
    order("Septra DS", 1, "tablet", "oral", "tiw", id="smx", strength=(800, "mg")),
    order("dapsone", 100, "mg", "oral", "daily", id="dap"),
    order("atovaquone", 1500, "mg", "oral", "daily", id="ato"),
    order("pentamidine", 300, "mg", "inhaled", "monthly", id="pent"),
]
PCP_IDS = ["bactrim", "co-trimoxazole", "tmp-smx", "septra", "dapsone", "atovaquone", "pentamidine"]


# --------------------------------------------------------------------------- ILD301


def test_ild301_fires_for_cyclophosphamide_without_prophylaxis():
    result = lint(clean_patient(cyclophosphamide_iv()))
    [f] = only(result, "ILD301")
    assert f.order == "cyc"
    assert in_order(f.pointer, 0)
    assert f.severity == "error"
    assert "cyclophosphamide" in f.message
    assert "sulfamethoxazole-trimethoprim 800/160 mg three times weekly, or dapsone, atovaquone or pentamidine" in f.fix


def test_ild301_fires_in_an_order_set():
    [f] = only(lint(order_set(cyclophosphamide_iv(), order("mesna", 120, "mg/m2", "iv", "q4w", doses=6))), "ILD301")
    assert f.order == "cyc"


def test_ild301_fires_for_oral_and_active_cyclophosphamide():
    doc = clean_patient(order("Cytoxan", 100, "mg", "oral", "daily", id="cyc", status="active", duration=(3, "mo")))
    [f] = only(lint(doc), "ILD301")
    assert f.order == "cyc" and "Cytoxan" in f.message


@pytest.mark.parametrize("agent", PCP_AGENTS, ids=PCP_IDS)
def test_ild301_not_with_an_active_pcp_agent(agent):
    result = lint(clean_patient(cyclophosphamide_iv(), agent))
    none_of(result, "ILD301")


@pytest.mark.parametrize("agent, fires", [
    # Read as the least trimethoprim its figure can mean (clinical-facts.md section 3a): a tablet
    # of 960 mg is a DS tablet written as the whole, once a week 160 mg of trimethoprim.
    (order("co-trimoxazole 960 mg tablet", 1, "tablet", "oral", "weekly", id="smx"), True),
    (order("co-trimoxazole 960 mg tablet", 1, "tablet", "oral", "tiw", id="smx"), False),
    (order("co-trimoxazole", 1, "tablet", "oral", "weekly", id="smx", strength=(960, "mg")), True),
    (order("co-trimoxazole", 480, "mg", "oral", "weekly", id="smx"), True),
    (order("co-trimoxazole", 480, "mg", "oral", "daily", id="smx"), False),  # one SS daily (R11)
    (order("co-trimoxazole", 160, "mg", "oral", "tiw", id="smx"), False),  # trimethoprim as written
    (order("Bactrim DS", 1, "tablet", "oral", "weekly", id="smx"), True),
])
def test_ild301_co_trimoxazole_is_read_as_its_least_trimethoprim(agent, fires):
    result = lint(clean_patient(cyclophosphamide_iv(), agent))
    assert bool(only(result, "ILD301", 1 if fires else 0)) == fires
    none_of(result, "OL003")


@pytest.mark.parametrize("strength, agrees", [(160, True), (800, True), (960, True), (400, False), (480, False)])
def test_a_ds_tablets_strength_written_as_any_part_agrees_with_its_name(strength, agrees):
    # A DS tablet is 160 mg of trimethoprim, 800 of sulfamethoxazole, 960 in all: each agrees with
    # 'Bactrim DS'; an SS figure does not (OL003, strength disagrees).
    result = lint(clean_patient(cyclophosphamide_iv(), order("Bactrim DS", 1, "tablet", "oral", "tiw", id="smx",
                                                             strength=(strength, "mg"))))
    if agrees:
        none_of(result, "OL003")
    else:
        [f] = only(result, "OL003")
        assert "disagrees" in f.message


def test_ild301_clean_cyclophosphamide_regimen():
    assert lint(clean_patient(cyclophosphamide_iv(), bactrim())).findings == []


def test_ild301_continuing_prophylaxis_counts():
    none_of(lint(clean_patient(cyclophosphamide_iv(), bactrim(status="active"))), "ILD301")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild301_inactive_prophylaxis_does_not_count(status):
    only(lint(clean_patient(cyclophosphamide_iv(), bactrim(status=status))), "ILD301")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild301_inactive_cyclophosphamide_is_ignored(status):
    none_of(lint(clean_patient(mmf(), cyclophosphamide_iv(status=status))), "ILD301")


def test_ild301_not_for_other_immunosuppressants():
    none_of(lint(clean_patient(mmf(), rituximab())), "ILD301")


def test_ild301_topical_dapsone_brand_is_not_prophylaxis():
    # Aczone is topical dapsone gel: it must not count (it is unknown or not PCP prophylaxis).
    result = lint(clean_patient(cyclophosphamide_iv(), order("Aczone", 1, "mg", "topical", "daily", id="gel")))
    only(result, "ILD301")


# --------------------------------------------------------------------------- ILD302


def gc(dose, drug="prednisone", **kw):
    kw.setdefault("id", "gc")
    kw.setdefault("purpose", "other")
    return order(drug, dose, "mg", "oral", "daily", **kw)


@pytest.mark.parametrize(
    "the_order, fires",
    [
        (gc(20), True),                               # open-ended
        (gc(19.99), False),
        (gc(20, duration=(28, "d")), True),
        (gc(20, duration=(27, "d")), False),
        (gc(20, duration=(4, "wk")), True),
        (gc(20, duration=(1, "mo")), True),
        (gc(20, doses=28), True),
        (gc(20, doses=27), False),
        (gc(16, drug="methylprednisolone"), True),    # 20 mg PE
        (gc(15.99, drug="methylprednisolone"), False),  # 19.99 mg PE (rounded)
        (gc(3, drug="dexamethasone"), True),          # 20 mg PE
        (gc(80, drug="hydrocortisone"), True),        # 20 mg PE
        (gc(79, drug="hydrocortisone"), False),       # 19.75 mg PE
    ],
    ids=[
        "20-open", "19.99-open", "20-28d", "20-27d", "20-4wk", "20-1mo", "20-28doses", "20-27doses",
        "mp16", "mp15.99", "dex3", "hc80", "hc79",
    ],
)
def test_ild302_dose_and_course_boundaries(the_order, fires):
    result = lint(clean_patient(mmf(), the_order))
    if not fires:
        none_of(result, "ILD302")
        return
    [f] = only(result, "ILD302")
    assert f.order == "gc"
    assert in_order(f.pointer, 1)
    assert f.severity == "warning"
    assert "20" in f.message
    assert "sulfamethoxazole-trimethoprim" in f.fix


@pytest.mark.parametrize("agent", PCP_AGENTS, ids=PCP_IDS)
def test_ild302_not_with_pcp_prophylaxis(agent):
    none_of(lint(clean_patient(mmf(), gc(40), agent)), "ILD302")


def test_ild302_sums_orders_and_names_the_largest():
    # prednisone 12 + methylprednisolone 6.4 (8 PE) = 20 PE, open-ended
    doc = clean_patient(gc(6.4, drug="methylprednisolone", id="mp"), gc(12, id="pred"))
    [f] = only(lint(doc), "ILD302")
    assert f.order == "pred"
    assert in_order(f.pointer, 1)
    assert "20" in f.message


def test_ild302_sum_below_threshold():
    doc = clean_patient(gc(6.4, drug="methylprednisolone", id="mp"), gc(11.99, id="pred"))
    none_of(lint(doc), "ILD302")


def test_ild302_purpose_other_and_ild_both_count():
    # A purpose-other steroid is a safety concern like any other.
    only(lint(clean_patient(gc(20, purpose="other"))), "ILD302")
    only(lint(clean_patient(gc(20, purpose="ild"))), "ILD302")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild302_inactive_steroid_is_ignored(status):
    none_of(lint(clean_patient(mmf(), gc(40, status=status))), "ILD302")


def test_ild302_pulse_is_left_out():
    doc = rp_ild(clean_patient(rituximab(), pulse(), gc(19, id="pred")))
    none_of(lint(doc), "ILD302")


def test_ild302_open_ended_pulse_alone_does_not_fire():
    doc = rp_ild(clean_patient(rituximab(), order("methylprednisolone", 1000, "mg", "iv", "daily", id="mp")))
    none_of(lint(doc), "ILD302")


def test_ild302_configurable_threshold():
    cfg = {"rules": {"ILD302": {"min-daily-pe-mg": 30}}}
    none_of(lint(clean_patient(gc(20)), config=cfg), "ILD302")
    only(lint(clean_patient(gc(30)), config=cfg), "ILD302")


def test_ild302_message_names_the_drug_and_the_number():
    [f] = only(lint(clean_patient(gc(20))), "ILD302")
    assert "20" in f.message
    assert "prednisone" in f.message
