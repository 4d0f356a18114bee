"""Engine, normalization and core rules, second edition (rules.md and regimen-format.md, 2nd ed.).

Each test names the clause it follows; each failed on the first-edition engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest

import orderlint
from orderlint.config import ConfigError, Settings
from orderlint.engine import Linter, PluginLoadError
from orderlint.hookspecs import hookimpl
from orderlint.rules import Source, rule
from conftest import vocabulary_pack
from regimen_factory import (
    AS_OF,
    clean_patient,
    codes,
    cyclophosphamide_iv,
    lint,
    mmf,
    none_of,
    of,
    only,
    order,
    order_set,
    pulse,
    rp_ild,
)


def _drop(o: dict, *fields: str) -> dict:
    return {k: v for k, v in o.items() if k not in fields}


# ------------------------------------------------------------------ condition (OL007)


@pytest.mark.parametrize("spelling", ["SSc-ILD", "ssc-ild ", "SSC__ILD", "ssc ild"])
def test_condition_spellings_are_checked_by_the_pack(spelling):
    # regimen-format.md 2nd ed. (indication.condition): matched case-insensitively, spaces/_/- runs as one -.
    result = orderlint.lint(clean_patient(order("prednisone", 10, id="pred"), indication={"condition": spelling}), as_of=AS_OF)
    assert result.status == "checked" and result.condition == "ssc-ild"
    only(result, "ILD201")


def test_unknown_condition_is_ol007_error_naming_value_and_closest_condition():
    # rules.md 2nd ed. (OL007): not-applicable, an error with a did-you-mean; no other rule runs.
    doc = clean_patient(order("prednisone", 30, id="pred"), order("zorblatinib", 1, id="z"), indication={"condition": "ssc-lid"})
    result = orderlint.lint(doc, as_of=AS_OF)
    assert result.status == "not-applicable"
    [f] = result.findings
    assert (f.code, f.name, f.severity, f.pointer) == ("OL007", "not-applicable", "error", "/indication/condition")
    assert "'ssc-lid'" in f.message and "'ssc-ild'" in f.message


def test_ol007_can_be_ignored_for_mixed_streams():
    # rules.md 2nd ed. (OL007): "Can be ignored by a site whose stream mixes conditions".
    result = orderlint.lint(clean_patient(indication={"condition": "ra-ild"}), as_of=AS_OF, config={"ignore": ["OL007"]})
    assert result.status == "not-applicable" and result.findings == []


def test_ol007_fails_the_run_at_fail_on_error(tmp_path):
    from conftest import run_cli, write_doc

    p = write_doc(tmp_path, clean_patient(indication={"condition": "ipf"}))
    assert run_cli("check", str(p), "--fail-on", "error").exit_code == 1
    assert run_cli("check", str(p), "--ignore", "OL007").exit_code == 0


@pytest.mark.parametrize("code, name, severity", [("OL007", "not-applicable", "error"), ("OL008", "input-mapping", "info")])
def test_new_core_rules_are_declared_with_full_metadata(code, name, severity):
    # rules.md 2nd ed. (Core document rules): OL007 and OL008 in the catalog.
    r = Linter().by_code[code]
    assert (r.name, r.severity, r.plugin) == (name, severity, "orderlint")
    assert r.summary and r.rationale and r.fix and r.source.text()


# ------------------------------------------------------------------ OL003 decided in normalization


def test_ol003_for_a_tablet_dose_does_not_depend_on_enabled_rules():
    # rules.md 2nd ed. (Messages, options and names): OL003 never depends on which rules are enabled.
    doc = clean_patient(order("CellCept", 4, "tablet", "oral", "bid", id="mmf"))
    for config in (None, {"ignore": ["ILD501", "ILD502"]}, {"select": ["ILD101", "OL003"]}):
        [f] = only(lint(doc, config), "OL003")
        assert f.order == "mmf" and "strength" in f.message


def test_ol003_for_a_steroid_tablet_does_not_depend_on_the_steroid_rules():
    doc = clean_patient(mmf(), order("prednisone", 2, "tablet", "oral", "daily", id="p", purpose="other"))
    ignore_all_gc = {"ignore": ["ILD2", "ILD302"]}
    assert only(lint(doc), "OL003")[0].order == "p"
    assert only(lint(doc, ignore_all_gc), "OL003")[0].order == "p"


def test_missing_fields_of_a_checked_drug_are_one_ol003_naming_them():
    # regimen-format.md 2nd ed. (orders[]): one OL003 naming what is missing; the rest is still checked.
    doc = clean_patient(
        _drop(mmf(id="mmf"), "route", "frequency"),
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
    )
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.order == "mmf" and f.pointer == "/orders/0"
    assert "route and frequency are missing" in f.message
    assert only(result, "ILD501")[0].order == "rtx"


@pytest.mark.parametrize(
    "the_order",
    [
        _drop(order("Bactrim DS", 1, "tablet", "oral", "tiw", id="pcp", strength=(800, "mg")), "frequency"),
        _drop(order("pentamidine", 300, "mg", "inhaled", "q4w", id="pcp"), "dose"),
    ],
    ids=["looked-for-by-ILD301", "inhaled-pentamidine"],
)
def test_a_pcp_agent_is_a_checked_drug(the_order):
    # rules.md 2nd ed. (Terms, "Checked drug"): named in a rule's trigger *or options* (ILD301 looks for
    # PCP agents); inhaled pentamidine is the exception to "non-systemic is not checked".
    result = lint(clean_patient(cyclophosphamide_iv(), the_order))
    [f] = only(result, "OL003")
    assert f.order == "pcp" and "missing" in f.message
    if "frequency" in the_order:  # without a dose its amount is not known: not counted on as prophylaxis
        assert ("(not counted: order pcp, pentamidine, has an amount that cannot be computed, so it is not known to be "
                "prophylaxis" in only(result, "ILD301")[0].message)
    else:  # without a frequency it gives no schedule: not counted on as prophylaxis
        assert "(not counted: order pcp, Bactrim DS (sulfamethoxazole-trimethoprim), has no frequency)" in only(result, "ILD301")[0].message


def test_missing_fields_of_an_unchecked_drug_are_no_finding():
    doc = clean_patient(mmf(), _drop(order("omeprazole", 20, id="ppi"), "dose", "unit", "route", "frequency"))
    assert lint(doc).findings == []


def test_values_no_rule_needs_are_no_finding_on_a_comedication():
    # rules.md 2nd ed. (Terms, "Checked drug"): co-medications no rule names need none of the values.
    doc = clean_patient(mmf(), order("acetaminophen", 650, "mg", "oral", "prn", id="apap"),
                        order("hydroxychloroquine", 1, "application", "topical", "daily", id="hcq"))
    assert lint(doc).findings == []
    # the same unknown frequency on a checked drug is OL003
    assert only(lint(clean_patient(order("MMF", 1000, "mg", "oral", "prn", id="m"))), "OL003")[0].order == "m"


def test_a_missing_route_is_read_as_systemic():
    # rules.md 2nd ed. (Systemic routes): an order without a route is read as systemic.
    result = lint(clean_patient(mmf(), _drop(order("prednisone", 30, id="pred", purpose="other"), "route")))
    only(result, "ILD202")
    assert "route is missing" in only(result, "OL003")[0].message


@pytest.mark.parametrize(
    "the_order",
    [
        # period 1e308 days: the daily amount underflows towards zero
        order("MMF", 1000, "mg", "oral", {"frequency": 2, "period": 1e308, "period_unit": "d"}, id="m"),
        # 1e308 weeks overflows to infinity: 2 / inf = 0 administrations a day
        order("MMF", 1000, "mg", "oral", {"frequency": 2, "period": 1e308, "period_unit": "wk"}, id="m", doses=3),
        # 1e308 g is infinite mg (inf, and inf x 0 elsewhere)
        order("MMF", 1e308, "g", "oral", "bid", id="m"),
        order("CellCept", 1e308, "tablet", "oral", "bid", id="m", strength=(1e308, "mg")),
    ],
    ids=["period-underflow", "period-overflow", "dose-overflow", "tablet-overflow"],
)
def test_arithmetic_that_is_zero_or_not_finite_is_ol003_never_a_dose(the_order):
    # rules.md 2nd ed. (OL003): an arithmetic result that is zero, negative or not finite.
    result = lint(clean_patient(the_order))
    assert only(result, "OL003")[0].order == "m"
    none_of(result, "ILD501")
    none_of(result, "ILD502")
    assert result.status == "checked" and not of(result, "OL000")
    for f in result.findings:
        assert "inf" not in f.message.replace("infection", "").lower(), f.message
        assert "nan" not in f.message.lower(), f.message


def test_printed_product_strength_serves_as_strength():
    # regimen-format.md 2nd ed. (orders[]): the strength printed in a product description.
    doc = clean_patient(order("mycophenolate mofetil 500 MG Oral Tablet", 4, "tablet", "oral", "bid", id="mmf"))
    result = lint(doc)
    none_of(result, "OL003")
    assert "4000" in only(result, "ILD501")[0].message


@pytest.mark.parametrize("printed", ["1,000", "2,500", "1.000", "1 500", "1\u202f500", "1'500"])
def test_a_printed_strength_with_a_thousands_comma_is_not_read(printed):
    # '1,000 MG' read as a decimal comma (1.0 mg) made 2 tablets twice daily 4 mg/day of MMF, an
    # ILD502 info where 4000 mg/day is ILD501. Neither reading is taken: the dose is OL003.
    doc = clean_patient(order(f"mycophenolate mofetil {printed} MG Oral Tablet", 2, "tablet", "oral", "bid", id="mmf"))
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.order == "mmf" and "strength" in f.message
    none_of(result, "ILD502")


def test_a_printed_decimal_with_three_places_below_one_is_still_read():
    # 0.125: no thousands separator can follow a 0.
    doc = clean_patient(order("dexamethasone 0,125 MG Oral Tablet", 4, "tablet", "oral", "daily", id="dex"))
    assert _normalized(doc).orders[0].per_admin == 0.5


def test_a_printed_decimal_comma_is_still_read():
    doc = clean_patient(order("methotrexate 2,5 MG Oral Tablet", 6, "tablet", "oral", "weekly", id="mtx"))
    reg = _normalized(doc)
    assert reg.orders[0].per_admin == 15.0


def test_strength_that_disagrees_with_the_printed_one_is_ol003():
    doc = clean_patient(order("mycophenolate mofetil 500 MG Oral Tablet", 2, "tablet", "oral", "bid", id="mmf", strength=(250, "mg")))
    result = lint(doc)
    [f] = only(result, "OL003")
    assert f.pointer == "/orders/0/strength" and "500" in f.message
    none_of(result, "ILD502")


def _normalized(doc: dict):
    from orderlint.normalize import normalize
    from orderlint.validate import validate

    linter = Linter()
    regimen, problems = validate(doc, linter.vocab)
    assert regimen is not None, problems
    reg, _ = normalize(regimen, linter.vocab, as_of=dt.date(2026, 3, 2), lookback_days={"default": 90}, plan=linter._plan)
    return reg


def test_amount_and_daily_pe_are_lookups_that_never_write_into_the_regimen():
    # issue 10 item 8: checks never write into the normalized regimen.
    reg = _normalized(clean_patient(order("azathioprine", 150, "mg", id="aza"), order("prednisone", 10, purpose="other"), patient={"weight_kg": None, "height_cm": None}))
    before = dict(reg.unverifiable)
    aza, pred = reg.orders
    assert reg.amount(aza, "mg/kg", "day") is None  # no weight: unknown, and already OL003
    assert reg.amount(aza, "mg/m2", "admin") is None  # a need no rule declared: computed, not recorded
    assert reg.daily_pe(pred) == 10
    assert dict(reg.unverifiable) == before and 0 in before
    assert isinstance(reg.orders, tuple)
    with pytest.raises(TypeError):
        reg.unverifiable[1] = (("x", ""),)
    with pytest.raises(TypeError):
        aza.amounts[("mg", "day")] = 0


def test_a_check_cannot_add_an_ol003():
    class Pack:
        @hookimpl
        def orderlint_rules(self):
            def check(reg, opts):
                for o in reg.active():
                    reg.unverifiable_dose(o, "made up by a check")
                return iter(())

            return [rule(code="XTR003", name="writes-ol003", severity="warning", summary="s", source=Source("c", "g"),
                         rationale="r", conditions=["ssc-ild"])(check)]

    result = Linter(plugins=[Pack()]).lint_data(clean_patient())
    none_of(result, "OL003")
    assert "XTR003" in only(result, "OL000")[0].message


# ------------------------------------------------------------------ routes decide class membership


def test_sc_dexamethasone_is_a_systemic_glucocorticoid():
    # rules.md 2nd ed. (Systemic routes): sc is systemic. 4 mg x 20/3 = 26.67 mg PE > 15.
    [f] = only(lint(clean_patient(mmf(), order("dexamethasone", 4, "mg", "sc", "daily", id="dex", purpose="other"))), "ILD202")
    assert f.order == "dex" and "26.67" in f.message


@pytest.mark.parametrize("drug, route", [("tacrolimus", "topical"), ("cyclosporine", "ophthalmic")])
def test_topical_and_eye_forms_are_not_immunosuppressants(drug, route):
    doc = clean_patient(mmf(), order(drug, 1, "mL", route, "bid", id="x"), drop=("renal",))
    result = lint(doc)
    assert result.findings == [], [(f.code, f.message) for f in result.findings]


def test_topical_dapsone_is_not_a_pcp_agent_and_needs_no_dose():
    doc = clean_patient(cyclophosphamide_iv(), _drop(order("dapsone", 1, "mL", "topical", "daily", id="gel"), "dose", "unit"), drop=("g6pd",))
    result = lint(doc)
    only(result, "ILD301")  # the gel is no prophylaxis
    none_of(result, "OL003")  # and not an order of a checked drug
    none_of(result, "ILD407")


def test_inhaled_pentamidine_is_a_pcp_agent():
    doc = clean_patient(cyclophosphamide_iv(), order("pentamidine", 300, "mg", "inhaled", "q4w", id="pent"))
    none_of(lint(doc), "ILD301")


def test_order_tags_follow_the_route():
    reg = _normalized(clean_patient(order("tacrolimus", 1, "mL", "topical", "bid"), order("tacrolimus", 2, "mg", "oral", "bid")))
    top, oral = reg.orders
    assert not top.is_a("immunosuppressant") and oral.is_a("immunosuppressant")
    assert top.is_a("tacrolimus") and not top.checked and oral.checked
    assert reg.active("immunosuppressant") == (oral,)


# ------------------------------------------------------------------ OL004


def test_ol004_not_for_comedications_no_rule_checks():
    # rules.md 2nd ed. (OL004): mesna IV + oral is not duplicate therapy.
    doc = order_set(cyclophosphamide_iv(), order("mesna", 120, "mg/m2", "iv", "q4w", id="a", doses=6),
                    order("mesna", 240, "mg/m2", "oral", "q4w", id="b", doses=6), order("Bactrim DS", 1, "tablet", "oral", "tiw", strength=(800, "mg")))
    none_of(lint(doc), "OL004")


def test_ol004_not_for_pulse_then_taper():
    doc = rp_ild(clean_patient(mmf(), pulse(), order("methylprednisolone", 32, "mg", "oral", "daily", id="taper", purpose="other")))
    none_of(lint(doc), "OL004")
    # two pulses of one ingredient are still a duplicate
    only(lint(rp_ild(clean_patient(mmf(), pulse(), pulse(id="pulse2")))), "OL004")


def test_ol004_not_for_premedication_with_a_bounded_course():
    premed = order("Solu-Medrol", 100, "mg", "iv", "once", id="premed", purpose="premedication")
    rtx = order("rituximab", 1000, "mg", "iv", "q2w", id="rtx", doses=2)
    doc = clean_patient(mmf(), order("methylprednisolone", 4, "mg", "oral", "daily", id="mp", purpose="other"), premed, rtx)
    none_of(lint(doc), "OL004")
    # Premedication is premedication of an infusion: without one, the order is judged as purpose other.
    doc = clean_patient(mmf(), order("methylprednisolone", 4, "mg", "oral", "daily", id="mp", purpose="other"), premed)
    assert only(lint(doc), "OL004")[0].order == "premed"


def test_open_ended_premedication_is_judged_as_other():
    # rules.md 2nd ed. (Premedication orders): an open-ended one is judged as purpose: other.
    reg = _normalized(clean_patient(order("prednisone", 5, id="open", purpose="premedication"),
                                    order("prednisone", 5, id="once", frequency="once", purpose="premedication"),
                                    order("rituximab", 1000, "mg", "iv", "q2w", id="rtx", doses=2)))
    open_ended, once, _ = reg.orders
    assert (open_ended.premedication, open_ended.purpose) == (False, "other")
    assert (once.premedication, once.purpose) == (True, "premedication")
    doc = clean_patient(mmf(), order("prednisone", 5, id="a", purpose="premedication"), order("prednisone", 5, id="b", purpose="other"))
    only(lint(doc), "OL004")


def test_ol004_still_fires_for_checked_duplicates():
    only(lint(clean_patient(mmf(id="a"), order("CellCept", 500, "mg", "oral", "bid", id="b"))), "OL004")


# ------------------------------------------------------------------ OL002 severity


def test_ol002_is_an_error_for_a_likely_misspelt_checked_drug():
    # rules.md 2nd ed. (OL002): --fail-on error never passes a misspelt checked drug.
    [f] = only(lint(clean_patient(order("mycophenolate mofitil", 1000, "mg", "oral", "bid", id="t"))), "OL002")
    assert f.severity == "error" and "mycophenolate mofetil" in f.message
    assert only(lint(clean_patient(order("cyclophosphamid", 600, "mg/m2", "iv", "q4w", doses=6))), "OL002")[0].severity == "error"


def test_ol002_is_a_warning_for_a_name_unlike_any_checked_drug():
    assert only(lint(clean_patient(mmf(), order("zorblatinib", 10, id="z"))), "OL002")[0].severity == "warning"


def test_an_ambiguous_name_is_ol002_naming_both_readings():
    # rules.md 2nd ed. (OL002): ambiguous names are OL002; an error when a reading is a checked drug.
    result = lint(clean_patient(mmf(), order("mmf (azathioprine)", 100, id="amb")))
    [f] = only(result, "OL002")
    assert f.order == "amb" and f.severity == "error"
    assert "ambiguous" in f.message and "azathioprine" in f.message and "mycophenolate mofetil" in f.message
    none_of(result, "OL004")  # the ambiguous order is not evaluated further


@pytest.mark.parametrize("site", ["warning", "info"])
def test_site_severity_of_ol002_sets_the_warning_tier_only(site):
    # rules.md (OL002): the error tier is there so that --fail-on error never passes a misspelt
    # checked drug; a site's `OL002 = "info"` (to quiet co-medication names) made it pass.
    misspelt = clean_patient(order("mycophenolate mofitil", 1000, "mg", "oral", "bid", id="t"))
    assert only(lint(misspelt, {"severity": {"OL002": site}}), "OL002")[0].severity == "error"
    unknown = clean_patient(mmf(), order("zorblatinib", 10, id="z"))
    assert only(lint(unknown, {"severity": {"OL002": site}}), "OL002")[0].severity == site


# ------------------------------------------------------------------ plugins and checks


def _pack(check, code="XTR001", **kw):
    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [rule(code=code, name="extra-rule", severity="warning", summary="s", source=Source("c", "g"),
                         rationale="r", conditions=["ssc-ild"], **kw)(check)]

    return Pack()


def _sys_exit(reg, opts):
    import sys

    sys.exit(0)


def _cancelled(reg, opts):
    raise asyncio.CancelledError()


def _generator_exit(reg, opts):
    raise GeneratorExit()


@pytest.mark.parametrize("check, name", [(_sys_exit, "SystemExit"), (_cancelled, "CancelledError"), (_generator_exit, "GeneratorExit")])
def test_any_base_exception_from_a_check_is_ol000_and_the_report_is_kept(check, name):
    # issue 10 item 5: sys.exit(0) in a check must not end the run with exit 0 and no report.
    linter = Linter(plugins=[_pack(check)])
    result = linter.lint_data(clean_patient(mmf(2000)))
    [f] = only(result, "OL000")
    assert "XTR001" in f.message and name in f.message
    only(result, "ILD501")  # the other rules' findings are kept
    assert linter.lint_data(clean_patient()).status == "checked"  # and the next document is checked


def test_keyboard_interrupt_from_a_check_still_stops_the_run():
    def check(reg, opts):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Linter(plugins=[_pack(check)]).lint_data(clean_patient())


def test_a_check_that_never_returns_is_ol000_after_the_time_limit():
    def check(reg, opts):
        while True:
            try:
                pass
            except Exception:  # a check's own broad except must not swallow the limit
                pass

    settings = Settings()
    settings.check_timeout = 0.3
    linter = Linter(settings, plugins=[_pack(check)])
    result = linter.lint_data(clean_patient(mmf(2000)))
    [f] = only(result, "OL000")
    assert "XTR001" in f.message and "0.3 s" in f.message and "time limit" in f.message
    # the timer is off again: a slow stage afterwards is not interrupted
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_checks_run_without_a_timer_outside_the_main_thread():
    out = []
    t = threading.Thread(target=lambda: out.append(Linter().lint_data(clean_patient(mmf(2000)))))
    t.start()
    t.join(30)
    assert [f.code for f in out[0].findings] == ["ILD501"]


def test_options_handed_to_checks_are_read_only_for_later_documents():
    # issue 10 item 14: a rule can change the shared options for every later document.
    seen = []

    def check(reg, opts):
        seen.append(opts["agents"])
        try:
            opts["agents"] = ()
        except TypeError:
            pass
        try:
            opts["agents"].append("x")
        except AttributeError:
            pass
        return iter(())

    from orderlint.rules import Option

    linter = Linter(plugins=[_pack(check, options={"agents": Option(["leflunomide"], "drugs", kind="list")})])
    linter.lint_data(clean_patient())
    linter.lint_data(clean_patient())
    assert seen[0] == seen[1] == ("leflunomide",)
    # the pack's own options are shared read-only too
    with pytest.raises(TypeError):
        linter._frozen_options["ILD202"]["max-daily-pe-mg"] = 1000


@pytest.mark.parametrize("hook", ["orderlint_vocabulary", "orderlint_rules"])
def test_a_hook_that_exits_is_a_load_error(hook):
    # issue 10 item 5: a plugin hook calling sys.exit(0) must not end the run with exit 0.
    ns: dict = {}
    exec(f"def {hook}(self):\n    import sys\n    sys.exit(0)\n", ns)
    Pack = type("Pack", (), {hook: hookimpl(ns[hook])})
    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[Pack()])
    assert f"failed in {hook}: SystemExit" in info.value.messages[0]


_vocab_pack = vocabulary_pack


@pytest.mark.parametrize(
    "drugs",
    [
        {"prednisone": {"classes": ["systemic-glucocorticoid"], "pe_factor": 0.5}},
        {"ondansetron": {"classes": ["pcp-prophylaxis"]}},
    ],
    ids=["pe-factor", "class"],
)
def test_plugin_vocabulary_that_changes_a_pack_fact_is_a_load_error(drugs):
    # issue 10 item 5: a plugin must not silently remove ILD202/ILD301 by changing a built-in fact.
    pack = _vocab_pack(drugs)
    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[pack])
    text = info.value.messages[0]
    assert "ssc-ild" in text and "Vocab" in text


def test_site_can_allow_a_plugin_to_override_vocabulary():
    pack = _vocab_pack({"prednisone": {"classes": ["systemic-glucocorticoid"], "pe_factor": 0.5}})
    settings = Settings()
    settings.allow_vocabulary_override = ["Vocab-0"]
    Linter(settings, plugins=[pack])  # loads


def test_site_names_extend_the_vocabulary_and_are_validated():
    settings = Settings()
    settings.vocabulary = {"myco-house": "mycophenolate mofetil"}
    result = Linter(settings).lint_data(clean_patient(order("myco-house", 2000, "mg", "oral", "bid")))
    assert codes(result) == ["ILD501"]
    bad = Settings()
    bad.vocabulary = {"house-x": "mycophenolate mofitil"}
    with pytest.raises(ConfigError):
        Linter(bad)


def test_a_callable_trigger_that_raises_is_a_load_error():
    # issue 10 item 5: whatever a plugin's code raises at load time is a load error naming it.
    def triggers(opts):
        raise SystemExit(0)

    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[_pack(lambda reg, opts: iter(()), triggers=triggers)])
    assert "XTR001" in info.value.messages[0] and "SystemExit" in info.value.messages[0]


def test_a_bad_site_name_is_a_configuration_error_exit_2(tmp_path):
    from conftest import run_cli, write_doc

    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text('[vocabulary]\nhouse-x = "mycophenolate mofitil"\n')
    r = run_cli("check", str(write_doc(tmp_path, clean_patient())), "--config", str(cfg))
    assert r.exit_code == 2 and "mycophenolate mofitil" in r.output
    cfg.write_text('[vocabulary]\nhouse-x = "mycophenolate mofetil"\n')
    doc = clean_patient(order("house-x", 2000, "mg", "oral", "bid", id="h"))
    r = run_cli("check", str(write_doc(tmp_path, doc)), "--config", str(cfg), "--format", "json")
    assert r.exit_code == 1 and '"ILD501"' in r.output


def test_checked_drugs_do_not_depend_on_the_selection():
    # rules.md 2nd ed. (Messages, options and names): decided from every installed rule.
    full = Linter().checked_drugs
    assert {"immunosuppressant", "systemic-glucocorticoid", "pcp-prophylaxis", "antifibrotic"} <= full
    assert "mesna" not in full
    assert Linter(Settings(select=["ILD101"])).checked_drugs == full


@pytest.mark.parametrize("name", ["Aczone", "dapsone 7.5 % Topical Gel"])
def test_a_name_that_states_a_non_systemic_route_decides_a_missing_route(name):
    # rules.md 2nd ed. (Systemic routes): dapsone gel is no PCP agent. With its route left out, the
    # name still says topical; read as systemic it would hide ILD301 for cyclophosphamide.
    doc = {"id": "x", "kind": "order-set", "indication": {"condition": "ssc-ild"},
           "orders": [{"id": "cyc", "drug": "cyclophosphamide", "dose": 600, "unit": "mg/m2", "route": "iv",
                       "frequency": "q4w", "doses": 6},
                      {"id": "gel", "drug": name, "dose": 1, "unit": "mL", "frequency": "daily"}]}
    result = Linter().lint_data(doc)
    assert "ILD301" in [f.code for f in result.findings]
    assert not [f for f in result.findings if f.order == "gel"]  # a topical order of no checked drug


MIZORIBINE = {"id": "mz", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
              "patient": {"sex": "female", "age_years": 30, "weight_kg": 60, "height_cm": 165},
              "orders": [{"id": "m", "drug": "mizoribine", "dose": 150, "unit": "mg", "route": "oral", "frequency": "daily"}]}


@pytest.mark.parametrize("classes", [["immunosupressant"], ["immunosuppressants"], ["systemic-glucocorticoids"],
                                     ["antifibrotics"], ["pcp-prophylaxes"], {"immunosupressant"},
                                     frozenset({"systemic-glucocorticoids"}), ("immunosupressant",)])
def test_a_plugin_class_that_looks_like_a_misspelt_class_is_a_load_error(classes):
    # rules.md 2nd ed., Messages, options and names: plugin vocabulary is validated when it loads;
    # "A typo must never switch a safety rule off."
    # 'immunosupressant' made mizoribine a drug of no known class: ILD403/ILD405 never ran, exit 0.
    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[_vocab_pack({"mizoribine": {"classes": classes}})])
    text = info.value.messages[0]
    assert f"class {next(iter(classes))!r} is no class of the vocabulary; did you mean" in text and "'mizoribine'" in text


def test_a_plugin_class_of_its_own_loads_and_a_known_class_checks_the_drug():
    Linter(plugins=[_vocab_pack({"mizoribine": {"classes": ["antimetabolite"]}})])  # a new class: free
    linter = Linter(plugins=[_vocab_pack({"mizoribine": {"classes": ["immunosuppressant"]}})])
    assert {"ILD403", "ILD405"} <= {f.code for f in linter.lint_data(MIZORIBINE).findings}


@pytest.mark.parametrize("returned, said", [
    ({"drug": {"mizoribine": {"classes": ["immunosuppressant"]}}}, "unknown key 'drug' (did you mean 'drugs'?)"),
    ({"Drugs": {}}, "unknown key 'Drugs'"),
    ({"drugs": {}, "test": {}}, "unknown key 'test' (did you mean 'tests'?)"),
    (["drugs"], "not a table with `drugs` and `tests`"),
    ([], "not a table with `drugs` and `tests`"),  # read as an empty vocabulary
    ("", "not a table with `drugs` and `tests`"),
    ({"tests": {"nt-probnp": "ntprobnp"}}, "`tests` must be a table of test name -> list of aliases"),  # read letter by letter
    ({"tests": {"": []}}, "`tests` must be a table of test name -> list of aliases"),
    ({"tests": None}, "`tests` must be a table of test name -> list of aliases"),
    ({"tests": {"x": [5]}}, "`tests` must be a table of test name -> list of aliases"),
])
def test_a_vocabulary_with_an_unknown_key_is_a_load_error(returned, said):
    # rules.md 2nd ed.: "A typo must never switch a safety rule off"; interfaces.md: "Nothing is silently skipped."
    # Its names were dropped without a word: a misspelt `drugs` table added nothing.
    from orderlint.hookspecs import hookimpl

    class Vocab:
        @hookimpl
        def orderlint_vocabulary(self):
            return returned

    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[Vocab()])
    assert said in info.value.messages[0]


@pytest.mark.parametrize("factor", [0.1, 1.0, 10.0])
def test_a_plugin_glucocorticoid_with_a_factor_in_range_is_checked(factor):
    drugs = {"fluocortolone": {"classes": ["glucocorticoid", "systemic-glucocorticoid"], "pe_factor": factor}}
    doc = {"id": "f", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild", "phase": "progression"},
           "patient": {"sex": "male", "weight_kg": 80, "height_cm": 180},
           "orders": [{"id": "s", "drug": "fluocortolone", "dose": 20 / factor, "unit": "mg", "route": "oral", "frequency": "daily",
                       "duration": {"value": 14, "unit": "d"}, "purpose": "other"}]}
    codes = {f.code for f in Linter(plugins=[_vocab_pack(drugs)]).lint_data(doc).findings}
    assert "ILD202" in codes  # 20 mg PE a day > 15


def test_a_plugin_class_list_of_another_type_is_the_validators_message():
    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[_vocab_pack({"mizoribine": {"classes": 5}})])
    assert "classes" in info.value.messages[0] and "TypeError" not in info.value.messages[0]
