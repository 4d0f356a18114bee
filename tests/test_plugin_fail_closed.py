"""A misbehaving plugin never makes an unsafe regimen pass: its check gets a regimen of its own, a
check that outlives the time limit is OL000 even when it catches the stop, declarations that could
never run are load errors, and a plugin's drug names are held to a site's tests."""

from __future__ import annotations

import signal
import time

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter, PluginLoadError
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Need, Source, rule
from orderlint.rules import Pack as PackDeclaration
from regimen_factory import clean_patient, cyclophosphamide_iv, mmf, none_of, only, order


def _pack(check, code="AAA001", name="mutating-check", **kw):
    kw.setdefault("conditions", ["ssc-ild"])

    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [rule(code=code, name=name, severity="warning", summary="s", source=Source("c", "g"),
                         rationale="r", **kw)(check)]

    return Pack()


def _edits(*edits):
    def check(reg, opts):
        for o in reg.orders:
            for attr, value in edits:
                setattr(o, attr, value)
        reg._memo.clear()
        reg.doc.orders.clear()
        return ()

    return check


@pytest.mark.parametrize("edits, doc, code", [
    ([("pe", 0.0)], clean_patient(mmf(), order("prednisone", 40, "mg", "oral", "daily", id="p")), "ILD202"),
    ([("amounts", None), ("per_admin", 1.0), ("per_day", 1.0)], clean_patient(mmf(2000)), "ILD501"),
    ([("status", "stopped")], clean_patient(cyclophosphamide_iv()), "ILD301"),
])
def test_a_plugin_check_that_writes_into_the_regimen_hides_no_other_finding(edits, doc, code):
    # Rules run in code order, so AAA001 runs first; its writes reached every later rule and hid
    # their errors. Each check of a plugin now reads a copy of its own.
    assert only(Linter().lint_data(doc), code)
    result = Linter(plugins=[_pack(_edits(*edits))]).lint_data(doc)
    assert only(result, code) and not [f for f in result.findings if f.code == "OL000"]


def test_a_plugin_check_sees_the_same_regimen():
    seen = []

    def check(reg, opts):
        seen.append((len(reg.orders), reg.orders[0].pe, reg.as_of, dict(reg.options)))
        yield Hit("seen", "/orders/0", 0)

    result = Linter(plugins=[_pack(check)]).lint_data(clean_patient(order("prednisone", 40, "mg", "oral", "daily", id="p")))
    [(n, pe, as_of, options)] = seen
    assert n == 1 and pe == 40.0 and "ILD202" in options
    assert only(result, "AAA001")[0].order == "p"


def test_a_check_that_catches_the_time_limit_is_still_ol000():
    # A bare except around a slow call swallowed the stop; the check then reported nothing, and the
    # document passed after the limit.
    def check(reg, opts):
        try:
            time.sleep(5)
            score = 10
        except BaseException:  # noqa: BLE001 - the plugin's mistake under test
            score = 0
        if score > 5:
            yield Hit("risky", "", None)

    settings = Settings()
    settings.check_timeout = 0.3
    result = Linter(settings, plugins=[_pack(check)]).lint_data(clean_patient(mmf()))
    [f] = only(result, "OL000")
    assert "time limit of 0.3 s" in f.message and "caught the stop" in f.message and "AAA001" in f.message
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_check_that_replaces_the_signal_handler_is_still_ol000():
    def check(reg, opts):
        signal.signal(signal.SIGALRM, lambda *_: None)
        time.sleep(0.6)
        return ()

    settings = Settings()
    settings.check_timeout = 0.2
    linter = Linter(settings, plugins=[_pack(check)])
    result = linter.lint_data(clean_patient(mmf()))
    [f] = only(result, "OL000")
    assert "ran past the time limit of 0.2 s" in f.message
    # the next document has orderlint's handler again, and a quick one is clean
    assert not [f for f in Linter(settings).lint_data(clean_patient(mmf())).findings if f.code == "OL000"]


@pytest.mark.parametrize("kw", [{"conditions": "ssc-ild"}, {"triggers": "mycophenolate mofetil"}])
def test_a_bare_string_is_one_name_not_a_set_of_letters(kw):
    def check(reg, opts):
        yield Hit("fires", "", None)

    result = Linter(plugins=[_pack(check, **kw)]).lint_data(clean_patient(mmf()))
    assert only(result, "AAA001")


@pytest.mark.parametrize("kw, fragment", [
    ({"triggers": ["cyclophosphamid"]}, "'cyclophosphamid', which is no drug or class of the vocabulary (did you mean 'cyclophosphamide'?)"),
    ({"looks_for": ["pcp-prophylaxsis"]}, "'pcp-prophylaxsis', which is no drug or class"),
    ({"conditions": ["ssc-lid"]}, "condition 'ssc-lid' looks like a misspelling of 'ssc-ild'"),
])
def test_a_declaration_that_could_never_run_is_a_load_error(kw, fragment):
    with pytest.raises(PluginLoadError) as e:
        Linter(plugins=[_pack(lambda reg, opts: (), **kw)])
    assert fragment in str(e.value)


def test_a_new_condition_unlike_any_other_loads():
    linter = Linter(plugins=[_pack(lambda reg, opts: (), conditions=["ssc-pah"])])
    assert "ssc-pah" in linter.conditions


def test_a_rules_hook_that_returns_none_is_a_load_error():
    class Pack:
        @hookimpl
        def orderlint_rules(self):
            pass  # a forgotten return

    with pytest.raises(PluginLoadError) as e:
        Linter(plugins=[Pack()])
    assert "returned None" in str(e.value)


@pytest.mark.parametrize("kw, fragment", [
    ({"source": "a plain string"}, "is not an orderlint.rules.Source"),
    ({"options": {"x": 3}}, "option 'x' is not an orderlint.rules.Option"),
])
def test_a_malformed_declaration_is_refused_where_it_is_made(kw, fragment):
    args = {"code": "AAA002", "name": "bad", "severity": "warning", "summary": "s", "source": Source("c", "g"), "rationale": "r"}
    args.update(kw)
    with pytest.raises(ValueError) as e:
        rule(**args)(lambda reg, opts: ())
    assert fragment in str(e.value)


@pytest.mark.parametrize("field, value, fragment", [
    ("conditions", 123, "conditions must be a non-empty list of names, not int 123"),
    ("triggers", 5, "triggers must be a non-empty list of names or a callable, not int 5"),
    ("amounts", 7, "amounts must be a list of rules.Need, not int 7"),
    ("looks_for", 1.5, "looks_for must be drug or class names, not float 1.5"),
    ("settings", 3, "settings must be a list of setting names, not int 3"),
    ("options", 4, "options must be a mapping of option names to orderlint.rules.Option, not int 4"),
    ("options", [1], "options must be a mapping of option names to orderlint.rules.Option, not list [1]"),
])
def test_a_declared_list_that_is_no_list_names_the_field_and_the_rule(field, value, fragment):
    # conditions=123 raised Python's own "'int' object is not iterable", naming neither.
    args = {"code": "AAA002", "name": "bad", "severity": "warning", "summary": "s", "source": Source("c", "g"), "rationale": "r"}
    args[field] = value
    with pytest.raises(ValueError) as e:
        rule(**args)(lambda reg, opts: ())
    assert str(e.value).startswith("rule AAA002: ")
    assert fragment in str(e.value)


@pytest.mark.parametrize("make, fragment", [
    (lambda: Need(3), "Need: tags must be a list of names, not int 3"),
    (lambda: Need("cyclophosphamide", 4), "Need: routes must be a list of names, not int 4"),
    (lambda: PackDeclaration(settings=123), "pack settings must be a mapping of setting names to rules.Option, not int 123"),
])
def test_a_need_or_pack_list_that_is_no_list_names_the_field(make, fragment):
    with pytest.raises(ValueError) as e:
        make()
    assert fragment in str(e.value)


def test_a_plugin_declaring_conditions_123_fails_to_load_naming_the_field():
    with pytest.raises(PluginLoadError) as e:
        Linter(plugins=[_pack(lambda reg, opts: (), conditions=123)])
    assert "conditions must be a non-empty list of names, not int 123" in str(e.value)


@pytest.mark.parametrize("returned, fragment", [
    (123, "rule AAA001 failed to name its drugs: ValueError: its triggers callable returned int 123, not a list of names"),
    (None, "its triggers callable returned NoneType None, not a list of names"),
    (["mycophenolate", 3], "its triggers callable returned ['mycophenolate', 3], not a list of names"),
    ([" "], "its triggers callable returned [' '], not a list of names"),
])
def test_a_triggers_callable_returning_no_list_names_what_it_returned(returned, fragment):
    # It failed to load with Python's own "'int' object is not iterable".
    with pytest.raises(PluginLoadError) as e:
        Linter(plugins=[_pack(lambda reg, opts: (), triggers=lambda opts: returned)])
    assert fragment in str(e.value)


def test_a_site_option_that_leaves_a_triggers_callable_no_drug_is_a_load_error():
    # interfaces.md, Plugins (pluggy) and Exit codes: a plugin that fails to load is an error (exit 2).
    # `drugs = []` for the option the callable reads: the rule never ran on any document, yet
    # `orderlint config` listed it as enabled, and a cyclophosphamide regimen passed it.
    from orderlint.rules import Option

    pack = _pack(lambda reg, opts: (Hit("fires", "", 0) for _ in range(1)),
                 options={"drugs": Option(["mycophenolate"], "drugs that make it run", names="drug")}, triggers=lambda opts: opts["drugs"])
    settings = Settings()
    settings.rules = {"AAA001": {"drugs": []}}
    with pytest.raises(PluginLoadError) as e:
        Linter(settings, plugins=[pack])
    assert "rule AAA001 failed to name its drugs" in str(e.value)
    assert "returned no drug names with the options drugs = [], so the rule could never run" in str(e.value)
    # Turned off with `ignore`, as the message says, the same option loads.
    settings.ignore = ["AAA001"]
    assert "AAA001" not in Linter(settings, plugins=[pack]).enabled
    # The default fires where the rule's drug is ordered.
    assert only(Linter(plugins=[pack]).lint_data(clean_patient(mmf())), "AAA001")


def test_a_triggers_callable_returning_one_name_names_one_drug():
    # A bare string was read as its letters: "names 'a', which is no drug or class".
    linter = Linter(plugins=[_pack(lambda reg, opts: (), triggers=lambda opts: "mycophenolate")])
    assert linter.by_code["AAA001"].trigger_tags({}) == frozenset({"mycophenolate"})


@pytest.mark.parametrize("order_index", [-1, True])
def test_a_hit_naming_no_order_of_the_document_is_ol000(order_index):
    def check(reg, opts):
        yield Hit("bad index", "/orders/0", order_index)

    result = Linter(plugins=[_pack(check)]).lint_data(clean_patient(mmf()))
    [f] = only(result, "OL000")
    assert "malformed finding" in f.message
    none_of(result, "AAA001")


def _vocab_pack(aliases):
    class Pack:
        @hookimpl
        def orderlint_vocabulary(self):
            return {"drugs": {"zz-local-saline": {"classes": [], "aliases": aliases}}}

    return Pack()


@pytest.mark.parametrize("alias, fragment", [
    ("cyclophosphamide iv", "already reads as 'cyclophosphamide'"),
    ("cytoxan 500 mg", "already reads as 'cyclophosphamide'"),
    ("cyclophosphamid", "looks like a misspelling of 'cyclophosphamide'"),
    ("cyclo-phosphamide", "cyclophosphamide"),
])
def test_a_plugin_name_that_reads_as_another_drug_is_refused(alias, fragment):
    # As an alias of saline, each of these left IV cyclophosphamide without PCP prophylaxis unchecked.
    with pytest.raises(PluginLoadError) as e:
        Linter(plugins=[_vocab_pack([alias])])
    assert fragment in str(e.value)


def test_a_plugin_name_for_a_new_drug_loads():
    linter = Linter(plugins=[_vocab_pack(["ward flush kit"])])
    assert linter.vocab.drug("ward flush kit").name == "zz-local-saline"


def test_a_lone_surrogate_in_a_finding_does_not_fail_a_spark_batch():
    # services.md: a crash on one document is an OL000 row, never a lost row or a failed job; a
    # message Arrow could not encode failed the whole task and lost its rows.
    pytest.importorskip("pyspark")
    pytest.importorskip("pyarrow")
    from orderlint.spark import _arrow_schema, _batch

    good = ("d1", "d1", "checked", "AAA001", "x", "warning", "fine", None, "", 1, 1, False, None)
    bad = ("d2", "d2", "checked", "AAA001", "x", "warning", "bad \udc80 byte", None, "", 1, 1, False, None)
    batch = _batch([good, bad], _arrow_schema())
    assert batch.num_rows == 2
    assert batch.column(6).to_pylist() == ["fine", "bad \\udc80 byte"]


@pytest.mark.parametrize("returned", ["", b"", {}, {"order": "too high"}, "too high", bytearray()])
def test_a_check_returning_text_or_a_mapping_is_ol000(returned):
    # interfaces.md 2nd ed.: "A check that raises produces OL000 and exit 2. Nothing is silently skipped."
    # Text and mappings iterate, but never into hits: an empty one ran as "nothing found" and the
    # document passed with this rule unchecked.
    result = Linter(plugins=[_pack(lambda reg, opts: returned)]).lint_data(clean_patient(mmf()))
    [f] = only(result, "OL000")
    assert "AAA001" in f.message and "not an iterable of Hit" in f.message and type(returned).__name__ in f.message
    none_of(result, "AAA001")


@pytest.mark.parametrize("returned", [(), [], iter(()), set(), frozenset()])
def test_a_check_returning_an_empty_collection_of_hits_finds_nothing(returned):
    result = Linter(plugins=[_pack(lambda reg, opts: returned)]).lint_data(clean_patient(mmf()))
    none_of(result, "OL000")
    none_of(result, "AAA001")
