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
    # Methylprednisolone 125 mg IV with each of four weekly rituximab infusions: 22.3 mg PE/day for
    # 28 days, a premedication; judged as purpose other, it fires.
    rtx = order("rituximab", 375, "mg/m2", "iv", "weekly", id="rtx", doses=4)
    def mp(purpose):
        return order("methylprednisolone", 125, "mg", "iv", "weekly", id="p", doses=4, purpose=purpose)
    none_of(lint(clean_patient(mmf(), rtx, mp("premedication"))), "ILD302")
    only(lint(clean_patient(mmf(), rtx, mp("other"))), "ILD302")
    # Given more often than the infusions (daily beside monthly IV tocilizumab, however long), or
    # beside no infusion of a checked drug (IV ondansetron), it is no premedication: judged as other.
    toci = order("tocilizumab", 8, "mg/kg", "iv", "q4w", id="t")
    daily = order("prednisone", 25, "mg", "oral", "daily", id="p", duration=(30, "d"), purpose="premedication")
    only(lint(clean_patient(mmf(), toci, daily)), "ILD302")
    only(lint(clean_patient(mmf(), order("ondansetron", 8, "mg", "iv", "q4w", id="o"), daily)), "ILD302")
    only(lint(clean_patient(mmf(), rituximab(), daily)), "ILD302")


def test_a_premedication_in_a_pulse_dose_is_judged_at_the_sites_pulse_threshold():
    # rules.md Terms, "Pulse" and "Premedication orders": a glucocorticoid premedication whose dose
    # per administration reaches the pulse threshold is judged as purpose other. The threshold is the
    # pack setting a site sets: methylprednisolone 100 mg (125 mg PE) with each of two rituximab
    # infusions is a premedication at 250, and none at 120 (q2w it is 8.93 mg a day: ILD202 at 8).
    rtx = order("rituximab", 1000, "mg", "iv", "q2w", id="rtx", doses=2)
    mp = order("methylprednisolone", 100, "mg", "iv", "q2w", id="p", doses=2, purpose="premedication")
    low = {"rules": {"ILD202": {"max-daily-pe-mg": 8}}}
    none_of(lint(at_progression(rtx, mp), config=low), "ILD202")
    [f] = only(lint(at_progression(rtx, mp), config={**low, "packs": {"ssc-ild": {"pulse-min-daily-pe-mg": 120}}}), "ILD202")
    assert f.order == "p" and "8.93 mg PE" in f.message


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


# --------------------------------------------------------------------------- checked drugs

# rules.md Terms, "Checked drug": an ingredient an enabled rule names, by ingredient or class, in
# its trigger or options: "every immunosuppressant, antifibrotic, systemic glucocorticoid and PCP
# prophylaxis agent of the built-in pack". ILD301/ILD302 look for PCP agents inside the check only,
# so until they declared it nothing made a PCP agent a checked drug.

PCP_AGENTS = ("sulfamethoxazole-trimethoprim", "dapsone", "atovaquone", "pentamidine")


def _linter():
    from orderlint.engine import Linter

    return Linter()


def test_rules_declare_the_drugs_they_look_for_without_triggering_on_them():
    lt = _linter()
    for code in ("ILD301", "ILD302"):
        assert "pcp-prophylaxis" in lt.by_code[code].looks_for, code
    for code in ("ILD102", "ILD104"):
        assert "mycophenolate" in lt.by_code[code].looks_for, code
    tags = {c: lt.by_code[c].checked_tags(lt.options[c]) for c in ("ILD205", "ILD301", "ILD302", "ILD407")}
    assert {"cyclophosphamide", "pcp-prophylaxis"} <= tags["ILD301"]
    assert {"systemic-glucocorticoid", "pcp-prophylaxis"} <= tags["ILD302"]
    # ILD205 looks for the RP-ILD partners its `partners` option names; ILD407 triggers on dapsone.
    assert {"rituximab", "cyclophosphamide", "ivig", "mycophenolate", "calcineurin-inhibitor", "jak-inhibitor"} <= tags["ILD205"]
    assert "dapsone" in tags["ILD407"]


def test_every_pcp_agent_and_catalog_class_is_a_checked_drug_of_the_pack():
    lt = _linter()
    checked = frozenset().union(*(r.checked_tags(lt.options[r.code]) for r in lt.rules))
    for name in PCP_AGENTS + ("Bactrim DS", "TMP-SMX", "Mepron", "mycophenolate mofetil", "Ofev", "prednisone"):
        drug = lt.vocab.drug(name)
        assert drug is not None and not drug.tags.isdisjoint(checked), name
    assert {"immunosuppressant", "antifibrotic", "systemic-glucocorticoid", "pcp-prophylaxis"} <= checked
    # Co-medications stay unchecked (rules.md Terms).
    for name in ("mesna", "ondansetron", "diphenhydramine"):
        drug = lt.vocab.drug(name)
        assert drug is not None and drug.tags.isdisjoint(checked), name
    # With these checked tags, a misspelt PCP agent is a likely misspelling of a checked drug.
    message, is_error = lt.vocab.unknown_drug("Bactrm", checked)
    assert is_error and "bactrim" in message.lower()


def test_checked_tags_follow_the_effective_options_and_leave_out_tests():
    from types import MappingProxyType

    from orderlint.config import Settings
    from orderlint.engine import Linter

    # A site's list adds to the default; <option>-remove takes entries out.
    every_401 = list(Linter().options["ILD401"]["required"])
    lt = Linter(Settings(rules={"ILD101": {"agents-remove": ["methotrexate"]},
                                "ILD401": {"required-remove": every_401[1:], "required": {"MMF": ["cbc"]}}}))
    t101 = lt.by_code["ILD101"].checked_tags(lt.options["ILD101"])
    assert "leflunomide" in t101 and "methotrexate" not in t101
    assert {"ivig", "calcineurin-inhibitor", "jak-inhibitor"} <= t101  # rp-ild-exempt names drugs too
    t401 = lt.by_code["ILD401"].checked_tags(lt.options["ILD401"])
    assert t401 == {every_401[0], "mycophenolate mofetil"}  # tests (cbc) are not drugs
    # Read-only copies (tuples, mapping proxies) as checks receive them read the same.
    frozen = MappingProxyType({"required": MappingProxyType({k: tuple(v) for k, v in lt.options["ILD401"]["required"].items()})})
    assert lt.by_code["ILD401"].checked_tags(frozen) == t401
    # Without options: the defaults.
    assert lt.by_code["ILD101"].checked_tags() >= {"methotrexate", "leflunomide"}
    assert isinstance(lt.by_code["OL002"].checked_tags({}), frozenset)


def test_looks_for_is_validated():
    import pytest

    from orderlint.rules import Source, rule

    def check(reg, opts):
        return ()

    kw = dict(code="XYZ001", name="x", severity="info", summary="s", source=Source("c", "g"), rationale="r")
    assert rule(**kw, looks_for="dapsone")(check).looks_for == {"dapsone"}
    with pytest.raises(ValueError, match="looks_for"):
        rule(**kw, looks_for=["dapsone", ""])(check)


def test_every_drug_a_check_asks_about_is_one_of_its_checked_tags(monkeypatch):
    # A drug or class a check looks at that is not among its checked tags would be an unchecked
    # drug to OL002 and OL003 while the rule depends on it (ILD301's PCP agents).
    import sys

    import orderlint
    from conftest import EXAMPLES
    from orderlint import normalize
    from orderlint.config import Settings
    from orderlint.engine import Linter

    asked: list[str] = []

    def from_pack() -> bool:
        f = sys._getframe(2)
        for _ in range(3):
            if f is None:
                return False
            if f.f_globals.get("__name__", "").startswith("orderlint_ssc"):
                return True
            f = f.f_back
        return False

    def spy(name):
        real = getattr(normalize.Regimen if name != "is_a" else normalize.Order, name)

        def wrapped(self, cls=None, *a, **kw):
            if cls is not None and from_pack():
                asked.append(cls)
            return real(self, cls, *a, **kw)

        return wrapped

    for name in ("active", "new", "progressed_on_class"):
        monkeypatch.setattr(normalize.Regimen, name, spy(name))
    monkeypatch.setattr(normalize.Order, "is_a", spy("is_a"))
    docs = sorted(p for p in (EXAMPLES / "regimens").iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    codes = [r.code for r in Linter().rules if r.plugin != "orderlint"]
    seen = set()
    for code in codes:
        lt = Linter(Settings(select=[code]))
        checked = lt.by_code[code].checked_tags(lt.options[code])
        del asked[:]
        for p in docs:
            orderlint.lint(p, linter=lt)
        seen.update(asked)
        # A tag is covered when it is checked, or when every drug carrying it is (ILD403 asks
        # whether an immunosuppressant is rituximab or abatacept).
        stray = sorted(
            t for t in set(asked) - checked
            if not all(not d.tags.isdisjoint(checked) for d in lt.vocab.drugs.values() if t in d.tags)
        )
        assert not stray, (code, stray)
    assert {"pcp-prophylaxis", "mycophenolate"} <= seen


def test_lookup_names_the_rules_that_look_for_a_pcp_agent():
    from orderlint.lookup import lookup, render

    lt = _linter()
    for name in ("TMP-SMX", "Bactrim DS", "atovaquone"):
        codes = {r["code"] for r in lookup(lt, name)["matches"][0]["checked_by"]}
        assert {"ILD301", "ILD302"} <= codes, (name, codes)
    text = render(lt, ["TMP-SMX"])
    assert "ILD301 pcp-prophylaxis-missing" in text and "no enabled rule names it" not in text


def test_misspelt_pcp_agent_is_an_ol002_error():
    # rules.md OL002: an error when a known name of a checked drug lies within the similarity
    # threshold, so `--fail-on error` never passes a misspelt PCP agent next to cyclophosphamide.
    from regimen_factory import cyclophosphamide_iv

    doc = clean_patient(cyclophosphamide_iv(), order("Bactrm", 1, "tablet", "oral", "tiw", strength=(800, "mg"), id="smx"))
    [f] = only(lint(doc), "OL002")
    assert f.order == "smx" and f.severity == "error", f.severity
