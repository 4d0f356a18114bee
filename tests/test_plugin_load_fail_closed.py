"""A plugin that loads wrong, or reports wrong, never turns into a pass: a condition written in
another case still runs its rules, a plugin with no hook implementation or under the core's own
name fails to load, an exception whose words cannot be read is still OL000, a malformed ``fix``,
pointer or ``also`` is OL000, every installed pack keeps a rule, an unreadable entry-point list
stops the run, and a check that outlives the time limit outside the main thread is OL000.

Contract: interfaces.md, Plugins: "one that fails to load is reported by name and the run exits 2.
A check that raises produces `OL000` and exit 2. Nothing is silently skipped." """

from __future__ import annotations

import sys
import threading
import time

import pluggy
import pytest

from orderlint.config import ConfigError, Settings
from orderlint.engine import Linter, PluginLoadError
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule
from conftest import one_rule_pack, plugin_site
from regimen_factory import clean_patient, cyclophosphamide_iv, mmf, none_of, only


_pack = one_rule_pack


def _always(reg, opts):
    yield Hit("fired", "/orders/0", 0)


# --------------------------------------------------------------------------- conditions
@pytest.mark.parametrize("written", ["SSc-ILD", "ssc_ild", "ssc ild", " SSC-ILD "])
def test_a_rule_declared_for_a_condition_in_another_spelling_runs(written):
    # Linter.conditions read the declaration canonically, dispatch did not: the document counted
    # as checked and the rule never ran.
    result = Linter(plugins=[_pack(_always, conditions=(written,))]).lint_data(clean_patient(mmf()))
    assert result.status == "checked"
    only(result, "AAA001")


def test_a_pack_for_a_new_condition_in_mixed_case_checks_its_documents():
    doc = clean_patient(mmf())
    doc["indication"]["condition"] = "ssc-pah"
    result = Linter(plugins=[_pack(_always, conditions=("SSc-PAH",))]).lint_data(doc)
    assert result.status == "checked"
    only(result, "AAA001")


# --------------------------------------------------------------------------- loading
def test_a_plugin_without_hook_implementations_fails_to_load():
    class Forgotten:  # @hookimpl left out: the rule was never seen, and every document passed
        def orderlint_rules(self):
            return [rule(code="AAA001", name="plugin-check", severity="error", summary="s",
                         source=Source("c", "g"), rationale="r", conditions=["ssc-ild"])(_always)]

    with pytest.raises(PluginLoadError, match="implements no orderlint hook"):
        Linter(plugins=[Forgotten()])


def test_a_plugin_marked_for_another_project_fails_to_load():
    other = pluggy.HookimplMarker("orderlint-site")

    class Marked:
        @other
        def orderlint_rules(self):
            return []

    with pytest.raises(PluginLoadError, match="implements no orderlint hook"):
        Linter(plugins=[Marked()])


def _site_rule():
    return rule(code="AAA001", name="plugin-check", severity="error", summary="s", source=Source("c", "g"),
                rationale="r", conditions=["ssc-ild"])(_always)


def test_an_optional_hook_of_a_misspelt_name_fails_to_load():
    # pluggy takes an optionalhook implementation of any name: orderlint_rule was never called, its
    # rule was missing, and every document passed.
    class Misspelt:
        @hookimpl(optionalhook=True)
        def orderlint_rule(self):
            return [_site_rule()]

    with pytest.raises(PluginLoadError, match="implements orderlint_rule, which is no orderlint hook "
                                               r"\(did you mean orderlint_rules\?\)"):
        Linter(plugins=[Misspelt()])


def test_a_hook_left_unmarked_beside_a_marked_one_fails_to_load():
    class HalfMarked:
        @hookimpl
        def orderlint_vocabulary(self):
            return {"drugs": {}}

        def orderlint_rules(self):  # @hookimpl forgotten here only
            return [_site_rule()]

    with pytest.raises(PluginLoadError, match="its orderlint_rules is not marked with orderlint.hookimpl"):
        Linter(plugins=[HalfMarked()])


def test_a_plugin_with_every_hook_marked_loads():
    class Marked:
        @hookimpl
        def orderlint_vocabulary(self):
            return {"drugs": {}}

        @hookimpl
        def orderlint_rules(self):
            return [_site_rule()]

    only(Linter(plugins=[Marked()]).lint_data(clean_patient(mmf())), "AAA001")


MUTATOR = """
from orderlint.hookspecs import hookimpl
from orderlint.rules import Source, rule

def mutate(reg, opts):
    for o in reg.orders:
        o.pe = 0.0 if o.pe is not None else None
    return iter(())

@hookimpl
def orderlint_rules():
    return [rule(code="AAA001", name="mutator", severity="info", summary="s", source=Source("c", "g"),
                 rationale="r", conditions=["ssc-ild"])(mutate)]
"""


def test_an_entry_point_named_orderlint_from_another_distribution_fails_to_load(tmp_path, monkeypatch):
    # Under the core's name, its check read the shared regimen: setting every prednisone-equivalent
    # to 0 hid ILD202, and `explain` showed the rule as orderlint's own.
    site = plugin_site(tmp_path / "site", "sitepack", "olt_named_orderlint", MUTATOR, entry="orderlint")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PluginLoadError, match="the name 'orderlint' is orderlint's own"):
        Linter()
    sys.modules.pop("olt_named_orderlint", None)


@pytest.mark.parametrize("how", ["folder", "not-utf8"])
def test_an_unreadable_entry_point_list_stops_the_run(tmp_path, monkeypatch, how):
    # Skipped, the plugin it declares was left out without a word and its error rule never ran.
    site = tmp_path / "site"
    info = site / "unreadable-0.1.dist-info"
    info.mkdir(parents=True)
    if how == "folder":
        (info / "entry_points.txt").mkdir()
    else:
        (info / "entry_points.txt").write_bytes(b"[orderlint]\nx = \xff\xfe\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PluginLoadError) as e:
        Linter()
    assert "cannot read" in str(e.value) and "entry_points.txt" in str(e.value)


# --------------------------------------------------------------------------- words that cannot be read
class _Unprintable(Exception):
    def __str__(self):
        raise SystemExit(0)

    def __repr__(self):
        raise SystemExit(0)


def test_a_check_raising_an_exception_whose_message_raises_is_ol000_naming_the_rule():
    def check(reg, opts):
        raise _Unprintable()

    doc = clean_patient(cyclophosphamide_iv())
    result = Linter(plugins=[_pack(check)]).lint_data(doc)
    [f] = only(result, "OL000")
    assert "AAA001" in f.message and "_Unprintable (its message could not be read)" in f.message
    only(result, "ILD301")  # the other rules' findings are kept


def test_a_rules_hook_returning_an_unprintable_object_fails_to_load():
    class Odd:
        def __repr__(self):
            raise SystemExit(0)

    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [Odd()]

    with pytest.raises(PluginLoadError, match="returned an object of type Odd .not printable., which is not a rule"):
        Linter(plugins=[Pack()])


def test_a_plugin_failing_to_load_with_an_unprintable_exception_is_named():
    class Pack:
        @hookimpl
        def orderlint_rules(self):
            raise _Unprintable()

    with pytest.raises(PluginLoadError, match="failed in orderlint_rules: _Unprintable"):
        Linter(plugins=[Pack()])


# --------------------------------------------------------------------------- malformed findings
@pytest.mark.parametrize("hit", [
    Hit("fix is no text", "/orders/0", 0, fix=object()),  # type: ignore[arg-type]
    Hit("fix is a number", "/orders/0", 0, fix=123),  # type: ignore[arg-type]
    Hit("no JSON Pointer", "garbage", 0),
    Hit("also names no order", "/orders/0", 0, also=(5,)),
    Hit("also names a bool", "/orders/0", 0, also=(True,)),  # type: ignore[arg-type]
])
def test_a_malformed_finding_is_ol000_and_no_finding(hit):
    def check(reg, opts):
        yield hit

    result = Linter(plugins=[_pack(check)]).lint_data(clean_patient(mmf()))
    [f] = only(result, "OL000")
    assert "AAA001" in f.message
    none_of(result, "AAA001")


def test_a_well_formed_finding_with_fix_and_also_is_reported():
    def check(reg, opts):
        yield Hit("both", "/orders/0", 0, fix="do this", also=(1,))

    doc = clean_patient(mmf(), cyclophosphamide_iv())
    result = Linter(plugins=[_pack(check)]).lint_data(doc)
    [f] = only(result, "AAA001")
    assert f.fix == "do this"
    none_of(result, "OL000")


# --------------------------------------------------------------------------- selection per condition
@pytest.mark.parametrize("conditions", [("ssc-pah",), None])
def test_ignoring_every_rule_of_a_condition_leaves_its_documents_not_checked(conditions):
    # With a pack for another condition (or one for any condition) installed, ignoring every SSc-ILD
    # rule was accepted and SSc-ILD documents passed as checked. They are now not checked (OL007).
    other = _pack(_always, code="PAH001", name="pah-check", conditions=conditions)
    linter = Linter(Settings(ignore=["ILD"]), plugins=[other])
    result = linter.lint_data(clean_patient(cyclophosphamide_iv()))
    assert result.status == "not-applicable"
    [f] = only(result, "OL007")
    assert "covered by pack ssc-ild" in f.message and "runs none of its rules" in f.message


@pytest.mark.parametrize("select", [["ILD301"], ["SITE901"], ["SITE901", "ILD301"]])
def test_a_selection_keeping_a_rule_for_the_condition_checks_its_documents(select):
    # A site rule for SSc-ILD checks SSc-ILD documents: selected alone, it is what was asked for.
    site = _pack(_always, code="SITE901", name="site-check")
    linter = Linter(Settings(select=select), plugins=[site])
    assert set(select) <= linter.enabled
    assert linter.lint_data(clean_patient(cyclophosphamide_iv())).status == "checked"


def test_selecting_one_rule_with_a_pack_for_another_condition_is_accepted():
    # Its documents (none here) would be not checked; the SSc-ILD ones are checked by the rule selected.
    pah = _pack(_always, code="PAH001", name="pah-check", conditions=("ssc-pah",))
    linter = Linter(Settings(select=["ILD301"]), plugins=[pah])
    only(linter.lint_data(clean_patient(cyclophosphamide_iv())), "ILD301")
    doc = clean_patient(mmf())
    doc["indication"]["condition"] = "ssc-pah"
    [f] = only(linter.lint_data(doc), "OL007")
    assert "covered by pack" in f.message


# --------------------------------------------------------------------------- time limit outside the main thread
def _linted_in_a_thread(check):
    """The result of linting a clean MMF regimen in a worker thread, with a 1 s time limit."""
    linter = Linter(Settings(check_timeout=1.0), plugins=[_pack(check)])
    out = []
    t = threading.Thread(target=lambda: out.append(linter.lint_data(clean_patient(mmf()))))
    t.start()
    t.join(30)
    [result] = out
    return result


def test_a_slow_check_in_a_worker_thread_is_ol000_when_it_returns():
    # Signals reach the main thread only: in a server's worker thread the check ran 12 s and its
    # findings were reported as if within the limit.
    def check(reg, opts):
        time.sleep(1.3)
        yield Hit("slow", "/orders/0", 0)

    [f] = only(_linted_in_a_thread(check), "OL000")
    assert "past the time limit of 1 s" in f.message and "outside the main thread" in f.message


def test_a_quick_check_in_a_worker_thread_is_no_ol000():
    result = _linted_in_a_thread(_always)
    none_of(result, "OL000")
    only(result, "AAA001")


def test_a_pack_whose_cases_is_no_folder_fails_to_load_naming_the_plugin():
    from orderlint.rules import Pack as PackDeclaration

    class Pack:
        @hookimpl
        def orderlint_pack(self):
            return PackDeclaration(cases=123)

    with pytest.raises(PluginLoadError, match="failed in orderlint_pack: ValueError: pack cases must be a folder"):
        Linter(plugins=[Pack()])


def test_settings_built_in_code_with_a_misspelt_fail_on_are_refused():
    with pytest.raises(ConfigError, match="Settings.fail_on = 'eror'"):
        Linter(Settings(fail_on="eror"))  # type: ignore[arg-type]


@pytest.mark.parametrize("kw, fragment", [
    ({"citation": "", "grade": "g"}, "Source.citation must be a non-empty string"),
    ({"citation": "c", "grade": "  "}, "Source.grade must be a non-empty string"),
    ({"citation": "c", "grade": "g", "verification": "bogus"}, "Source.verification must be one of V, V2, U"),
    ({"citation": "c", "grade": "g", "url": "javascript:alert(1)"}, "Source.url must be an http\\(s\\) address"),
    ({"citation": "c", "grade": "g", "url": "https://example.org/a b"}, "Source.url must be an http\\(s\\) address"),
])
def test_a_source_that_names_nothing_or_links_nowhere_is_refused(kw, fragment):
    # explain, the docs and SARIF help show the source and link it.
    with pytest.raises(ValueError, match=fragment):
        Source(**kw)


def test_a_source_with_a_web_address_is_accepted():
    assert Source("c", "g", "V2", url="https://doi.org/10.1002/acr.25348").url.startswith("https://")
