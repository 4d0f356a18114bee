"""Second edition of the rule catalog (rules.md 2nd ed.): premedication, ILD302 course length,
route-aware class membership, ILD407 for systemic dapsone only, and the catalog itself."""

from __future__ import annotations

from regimen_factory import (
    bactrim,
    clean_patient,
    lint,
    mmf,
    none_of,
    only,
    order,
    progression,
    rituximab,
    with_history,
)


def premed_mp(dose=100, **kw):
    kw.setdefault("id", "premed")
    kw.setdefault("purpose", "premedication")
    return order("Solu-Medrol", dose, "mg", "iv", "once", **kw)


def at_progression(*orders):
    return progression(with_history(clean_patient(*orders), "mycophenolate mofetil", "progression"))


# --------------------------------------------------------------------------- premedication

def test_rituximab_premedication_is_not_ild202():
    # rules.md 2nd ed., "Premedication orders": Solu-Medrol 100 mg IV once (125 mg PE) before
    # rituximab is left out of ILD202 (it fired on every ordinary rituximab order set).
    result = lint(at_progression(mmf(), rituximab(), premed_mp()))
    none_of(result, "ILD202")


def test_premedication_is_left_out_of_the_ild202_sum_but_a_daily_steroid_still_counts():
    doc = at_progression(mmf(), rituximab(), premed_mp(), order("prednisone", 16, id="pred", purpose="other"))
    [f] = only(lint(doc), "ILD202")
    assert f.order == "pred" and "Solu-Medrol" not in f.message


def test_open_ended_premedication_is_judged_as_purpose_other():
    # rules.md 2nd ed.: "An open-ended one is judged as purpose: other."
    doc = at_progression(mmf(), order("methylprednisolone", 16, "mg", "oral", "daily", id="mp", purpose="premedication"))
    only(lint(doc), "ILD202")


def test_premedication_is_not_ild201_or_ild203():
    first_line = clean_patient(mmf(), rituximab(), order("prednisone", 50, "mg", "oral", "daily", id="p", doses=1, purpose="premedication"))
    none_of(lint(first_line), "ILD201")
    long = at_progression(mmf(), order("prednisone", 10, "mg", "oral", "daily", id="p", duration=(120, "d"), purpose="premedication"))
    none_of(lint(long), "ILD203")


def test_premedication_is_left_out_of_ild302():
    doc = clean_patient(mmf(), rituximab(), order("prednisone", 25, "mg", "oral", "daily", id="p", duration=(30, "d"), purpose="premedication"))
    none_of(lint(doc), "ILD302")
    doc = clean_patient(mmf(), rituximab(), order("prednisone", 25, "mg", "oral", "daily", id="p", duration=(30, "d"), purpose="other"))
    only(lint(doc), "ILD302")


# --------------------------------------------------------------------------- ILD302 course length

def gc(dose, **kw):
    kw.setdefault("purpose", "other")
    return order("prednisone", dose, "mg", "oral", "daily", **kw)


def test_ild302_short_burst_on_maintenance_is_not_summed():
    # rules.md 2nd ed. (ILD302): a 7-day burst on top of 10 mg/day is not prolonged exposure.
    doc = clean_patient(mmf(), gc(10, id="maint"), gc(40, id="burst", duration=(7, "d")))
    none_of(lint(doc), "ILD302")


def test_ild302_sums_the_long_courses_only():
    doc = clean_patient(mmf(), gc(10, id="maint"), gc(10, id="second", duration=(60, "d")), gc(40, id="burst", duration=(7, "d")))
    [f] = only(lint(doc), "ILD302")
    assert "burst" not in f.message and "40 mg" not in f.message and "total 20" in f.message


def test_ild302_min_course_days_is_configurable():
    doc = clean_patient(mmf(), gc(20, id="g", duration=(14, "d")))
    none_of(lint(doc), "ILD302")
    [f] = only(lint(doc, config={"rules": {"ILD302": {"min-course-days": 14}}}), "ILD302")
    assert "14 days" in f.message


def test_ild302_still_needs_no_prophylaxis_agent():
    none_of(lint(clean_patient(mmf(), gc(25), bactrim())), "ILD302")


# --------------------------------------------------------------------------- routes

def test_ild407_only_for_systemic_dapsone():
    # rules.md 2nd ed. (ILD407): "new dapsone by a systemic route without g6pd".
    topical = clean_patient(mmf(), order("dapsone", 1, "application", "topical", "daily", id="dap"), drop=("g6pd",))
    none_of(lint(topical), "ILD407")
    oral = clean_patient(mmf(), order("dapsone", 100, "mg", "oral", "daily", id="dap"), drop=("g6pd",))
    [f] = only(lint(oral), "ILD407")
    assert f.order == "dap"


def test_rules_decide_class_membership_through_the_order(monkeypatch):
    # rules.md 2nd ed., "Systemic routes": class membership is route-aware, decided once by
    # normalization (Order.is_a). A rule that read o.drug.tags would still see tacrolimus as a
    # calcineurin inhibitor when applied topically.
    from orderlint import normalize

    real = normalize.Order.is_a

    def topical_is_nothing(self, cls):
        if self.route == "topical":
            return cls == (self.drug.name if self.drug else None)
        return real(self, cls)

    monkeypatch.setattr(normalize.Order, "is_a", topical_is_nothing)
    doc = clean_patient(mmf(), order("tacrolimus", 1, "application", "topical", "bid", id="tac"), drop=("renal",))
    result = lint(doc)
    none_of(result, "ILD401")
    none_of(result, "ILD101")



def test_dose_limits_apply_to_systemic_orders_only():
    # rules.md 2nd ed., "Checked drug": an order by a non-systemic route is not an order of a
    # checked drug, so its amount is not compared with the systemic limits.
    topical = clean_patient(order("mycophenolate mofetil", 5000, "mg", "topical", "bid", id="m"))
    none_of(lint(topical), "ILD501")
    only(lint(clean_patient(order("mycophenolate mofetil", 5000, "mg", "oral", "bid", id="m"))), "ILD501")
