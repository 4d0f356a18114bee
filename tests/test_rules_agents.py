"""Agent choice: ILD101-ILD104 (rules.md, "Agent choice")."""

from __future__ import annotations

import pytest

from regimen_factory import (
    clean_patient,
    lint,
    mmf,
    none_of,
    of,
    only,
    order,
    order_set,
    progression,
    rp_ild,
    with_history,
)

INFLIXIMAB_Q8W = {"frequency": 1, "period": 8, "period_unit": "wk"}

#: One new ILD order of every not-recommended agent: (label, order, exempt when rapidly progressive)
NOT_RECOMMENDED = [
    ("leflunomide", order("leflunomide", 20, id="x"), False),
    ("methotrexate", order("methotrexate", 15, "mg", "oral", "weekly", id="x"), False),
    ("adalimumab", order("adalimumab", 40, "mg", "sc", "q2w", id="x"), False),
    ("infliximab", order("infliximab", 5, "mg/kg", "iv", INFLIXIMAB_Q8W, id="x"), False),
    ("etanercept", order("etanercept", 50, "mg", "sc", "weekly", id="x"), False),
    ("certolizumab", order("certolizumab pegol", 200, "mg", "sc", "q2w", id="x"), False),
    ("golimumab", order("golimumab", 50, "mg", "sc", "monthly", id="x"), False),
    ("abatacept", order("abatacept", 125, "mg", "sc", "weekly", id="x"), False),
    ("pirfenidone", order("pirfenidone", 801, "mg", "oral", "tid", id="x"), False),
    ("plasma exchange", order("plasma exchange", 3000, "mL", "iv", "once", id="x"), False),
    ("tofacitinib", order("tofacitinib", 5, "mg", "oral", "bid", id="x"), True),
    ("baricitinib", order("baricitinib", 4, id="x"), True),
    ("IVIG", order("IVIG", 2, "g/kg", "iv", "once", id="x"), True),
    ("tacrolimus", order("tacrolimus", 1, "mg", "oral", "bid", id="x"), True),
    ("cyclosporine", order("cyclosporine", 100, "mg", "oral", "bid", id="x"), True),
]
IDS = [n for n, _, _ in NOT_RECOMMENDED]


# --------------------------------------------------------------------------- ILD101


@pytest.mark.parametrize("label, the_order, _exempt", NOT_RECOMMENDED, ids=IDS)
def test_ild101_fires_first_line(label, the_order, _exempt):
    result = lint(clean_patient(mmf(), the_order))
    [f] = only(result, "ILD101")
    assert f.order == "x"
    assert f.pointer == "/orders/1/drug"
    assert f.severity == "warning"
    assert the_order["drug"] in f.message


@pytest.mark.parametrize("label, the_order, _exempt", NOT_RECOMMENDED, ids=IDS)
def test_ild101_fires_in_progression_phase(label, the_order, _exempt):
    only(lint(progression(clean_patient(the_order))), "ILD101")


@pytest.mark.parametrize("label, the_order, exempt", NOT_RECOMMENDED, ids=IDS)
def test_ild101_rapidly_progressive_exempts_only_ivig_cni_jaki(label, the_order, exempt):
    result = lint(rp_ild(clean_patient(the_order)))
    if exempt:
        none_of(result, "ILD101")
    else:
        [f] = only(result, "ILD101")
        assert f.order == "x"


def test_ild101_rapidly_progressive_still_fires_for_leflunomide():
    [f] = only(lint(rp_ild(clean_patient(order("Arava", 20, id="lef")))), "ILD101")
    assert f.order == "lef" and "Arava" in f.message


@pytest.mark.parametrize(
    "the_order",
    [
        mmf(),
        order("rituximab", 1000, "mg", "iv", "q2w", doses=2),
        order("tocilizumab", 162, "mg", "sc", "weekly"),
        order("azathioprine", 2, "mg/kg"),
        order("nintedanib", 150, "mg", "oral", "bid"),
    ],
    ids=["mmf", "rituximab", "tocilizumab", "azathioprine", "nintedanib"],
)
def test_ild101_does_not_fire_for_recommended_agents(the_order):
    none_of(lint(clean_patient(the_order)), "ILD101")


def test_ild101_does_not_fire_for_purpose_other():
    # Methotrexate for arthritis, not for the ILD.
    doc = clean_patient(mmf(), order("methotrexate", 15, "mg", "oral", "weekly", purpose="other"))
    none_of(lint(doc), "ILD101")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild101_only_new_orders(status):
    doc = clean_patient(mmf(), order("leflunomide", 20, status=status))
    none_of(lint(doc), "ILD101")


def test_ild101_in_an_order_set():
    only(lint(order_set(order("leflunomide", 20, id="lef"))), "ILD101")


def test_ild101_one_finding_per_order():
    doc = clean_patient(order("leflunomide", 20, id="a"), order("Humira", 40, "mg", "sc", "q2w", id="b"))
    assert sorted(f.order for f in only(lint(doc), "ILD101", 2)) == ["a", "b"]


# --------------------------------------------------------------------------- ILD102

NINTEDANIB = order("Ofev", 150, "mg", "oral", "bid", id="nin")


def test_ild102_fires_new_nintedanib_with_active_mycophenolate():
    result = lint(clean_patient(mmf(1500, status="active"), NINTEDANIB))
    [f] = only(result, "ILD102")
    assert f.order == "nin"  # the order that completes the combination
    assert f.pointer == "/orders/1/drug"
    assert f.severity == "warning"
    assert "Ofev" in f.message or "nintedanib" in f.message


def test_ild102_fires_when_both_are_new():
    [f] = only(lint(clean_patient(mmf(1500), NINTEDANIB)), "ILD102")
    assert f.order == "nin"


def test_ild102_fires_with_mpa():
    doc = clean_patient(order("Myfortic", 720, "mg", "oral", "bid", id="mpa", status="active"), NINTEDANIB)
    assert only(lint(doc), "ILD102")[0].order == "nin"


def test_ild102_nintedanib_first_then_mycophenolate():
    doc = clean_patient(NINTEDANIB, mmf(1500, status="active"))
    [f] = only(lint(doc), "ILD102")
    assert f.order == "nin" and f.pointer == "/orders/0/drug"


@pytest.mark.parametrize("history_drug", ["mycophenolate mofetil", "CellCept", "MMF", "Myfortic", "mycophenolate"])
def test_ild102_not_after_progression_on_mycophenolate(history_drug):
    doc = with_history(clean_patient(mmf(1500, status="active"), NINTEDANIB), history_drug, "progression")
    none_of(lint(doc), "ILD102")


@pytest.mark.parametrize("outcome", ["intolerance", "response", "stable", "unknown"])
def test_ild102_fires_when_history_outcome_is_not_progression(outcome):
    doc = with_history(clean_patient(mmf(1500, status="active"), NINTEDANIB), "mycophenolate mofetil", outcome)
    assert only(lint(doc), "ILD102")[0].order == "nin"


def test_ild102_fires_when_progression_was_on_another_drug():
    doc = with_history(clean_patient(mmf(1500, status="active"), NINTEDANIB), "azathioprine", "progression")
    only(lint(doc), "ILD102")


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild102_not_when_mycophenolate_is_inactive(status):
    none_of(lint(clean_patient(mmf(1500, status=status), NINTEDANIB)), "ILD102")


def test_ild102_not_for_continuing_nintedanib():
    doc = clean_patient(mmf(1500), dict(NINTEDANIB, status="active"))
    none_of(lint(doc), "ILD102")


def test_ild102_not_for_nintedanib_alone():
    none_of(lint(clean_patient(NINTEDANIB)), "ILD102")


# --------------------------------------------------------------------------- ILD103


@pytest.mark.parametrize("drug", ["tocilizumab", "Actemra", "tocilizumab-aazg"])
def test_ild103_fires_for_iv_tocilizumab(drug):
    result = lint(clean_patient(order(drug, 8, "mg/kg", "iv", "q4w", id="tcz")))
    [f] = only(result, "ILD103")
    assert f.order == "tcz"
    assert f.pointer == "/orders/0/route"
    assert f.severity == "warning"
    assert drug in f.message


def test_ild103_fires_for_active_iv_tocilizumab():
    only(lint(clean_patient(order("tocilizumab", 8, "mg/kg", "iv", "q4w", status="active"))), "ILD103")


def test_ild103_fires_with_route_alias():
    only(lint(clean_patient(order("tocilizumab", 8, "mg/kg", "intravenous", "q4w"))), "ILD103")


def test_ild103_not_for_sc_tocilizumab():
    result = lint(clean_patient(order("tocilizumab", 162, "mg", "sc", "weekly")))
    assert result.findings == []


@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild103_not_for_inactive_order(status):
    none_of(lint(clean_patient(mmf(), order("tocilizumab", 8, "mg/kg", "iv", "q4w", status=status))), "ILD103")


# --------------------------------------------------------------------------- ILD104

AZA = order("azathioprine", 2, "mg/kg", id="aza")


def test_ild104_fires_mycophenolate_and_azathioprine():
    result = lint(clean_patient(mmf(status="active"), AZA))
    [f] = only(result, "ILD104")
    assert f.order == "aza"
    assert f.pointer == "/orders/1/drug"
    assert f.severity == "warning"
    assert "azathioprine" in f.message


def test_ild104_names_the_azathioprine_order_even_when_it_comes_first():
    [f] = only(lint(clean_patient(AZA, mmf())), "ILD104")
    assert f.order == "aza" and f.pointer == "/orders/0/drug"


def test_ild104_fires_with_mpa():
    doc = clean_patient(order("mycophenolate sodium", 720, "mg", "oral", "bid", id="mpa"), dict(AZA, status="active"))
    assert only(lint(doc), "ILD104")[0].order == "aza"


@pytest.mark.parametrize("which", ["mmf", "aza"])
@pytest.mark.parametrize("status", ["on-hold", "stopped"])
def test_ild104_not_when_one_is_inactive(which, status):
    m = mmf(status=status) if which == "mmf" else mmf()
    a = dict(AZA, status=status) if which == "aza" else AZA
    none_of(lint(clean_patient(m, a)), "ILD104")


def test_ild104_not_for_azathioprine_alone():
    result = lint(clean_patient(AZA))
    assert result.findings == []
    assert not of(result, "ILD104")
