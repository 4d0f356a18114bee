"""Pack-level settings (the SSc-ILD pulse threshold) and rule links.

The pulse threshold is declared once by the ssc-ild pack, set by a site in
[tool.orderlint.packs.ssc-ild] (or, as before, [tool.orderlint.rules.ILD204]), and read by the
glucocorticoid checks and OL004 through orderlint.rules.setting.
"""

from __future__ import annotations

import re
import types

import pytest

from conftest import ROOT, SHARED
from orderlint.config import ConfigError
from orderlint.engine import Linter, PluginLoadError
from orderlint.hookspecs import hookimpl
from orderlint.rules import Option, Pack, Source, rule, setting
from regimen_factory import clean_patient, codes, lint, mmf, order, pulse

PULSE = "pulse-min-daily-pe-mg"
#: Methylprednisolone 200 mg IV daily x3 = 250 mg prednisone-equivalent a day: a pulse at the
#: default threshold, a daily dose at 300.
DOC = clean_patient(mmf(), pulse(200))


def test_the_pulse_threshold_is_declared_once_by_the_pack():
    lt = Linter()
    assert lt.packs["ssc-ild"].settings[PULSE].default == 250
    assert all(PULSE not in r.options for r in lt.rules)
    readers = sorted(r.code for r in lt.rules if PULSE in r.settings)
    assert readers == ["ILD201", "ILD202", "ILD203", "ILD204", "ILD205", "ILD206", "ILD207", "ILD302"]
    assert lt.settings_values[PULSE] == 250


@pytest.mark.parametrize(
    "config",
    [
        {"packs": {"ssc-ild": {PULSE: 300}}},
        {"rules": {"ILD204": {PULSE: 300}}},  # the first spelling keeps working
        {"rules": {"pulse-outside-rpild": {PULSE: 300}}},
        {"packs": {"ssc-ild": {PULSE: 300}}, "rules": {"ILD204": {PULSE: 300}}},  # both, agreeing
    ],
)
def test_both_spellings_set_the_threshold_with_the_same_effect(config):
    assert codes(lint(DOC)) == ["ILD204"]
    # At 300 mg the 250 mg PE order is a daily ILD steroid: ILD201 and ILD202, no pulse rule.
    assert codes(lint(DOC, config=config)) == ["ILD201", "ILD202"]
    lt = Linter(_settings(config))
    assert lt.settings_values[PULSE] == 300
    # ILD204's summary quotes the effective value, as when it was ILD204's option.
    assert lt.options["ILD204"][PULSE] == 300
    assert ">= 300 mg" in lt.by_code["ILD204"].summary_for(lt.options["ILD204"])


def test_ol004_reads_the_same_setting():
    taper = order("methylprednisolone", 32, "mg", "oral", "daily", id="taper", purpose="other", duration=(14, "d"))
    doc = clean_patient(mmf(), pulse(200), taper, indication={"rapidly_progressive": True})
    assert "OL004" not in codes(lint(doc))  # pulse then taper
    assert "OL004" in codes(lint(doc, config={"packs": {"ssc-ild": {PULSE: 300}}}))


def _settings(config):
    from orderlint.config import _apply_table, build_settings

    s = build_settings(discover=False)
    _apply_table(s, config, "test config")
    return s


@pytest.mark.parametrize(
    "config, fragments",
    [
        ({"packs": {"ssc-ilf": {PULSE: 300}}}, ["no installed pack is named 'ssc-ilf'", "did you mean 'ssc-ild'"]),
        ({"packs": {"ssc-ild": {"pulse-min-daily-pe": 300}}}, ["pack ssc-ild has no setting 'pulse-min-daily-pe'", f"did you mean '{PULSE}'"]),
        ({"packs": {"ssc-ild": {PULSE: 20}}}, ["pack ssc-ild setting", PULSE, "at least 100 and at most 1250", "20", "orderlint explain ILD201"]),
        ({"packs": {"ssc-ild": {PULSE: "250"}}}, ["pack ssc-ild setting", "must be a number"]),
        ({"packs": {"ssc-ild": {PULSE: float("inf")}}}, ["must be a finite number"]),
        ({"rules": {"ILD204": {PULSE: 0}}}, ["rule ILD204 option", PULSE, "at least 100"]),
        (
            {"packs": {"ssc-ild": {PULSE: 300}}, "rules": {"ILD204": {PULSE: 400}}},
            ["set twice with different values", "[packs.ssc-ild]", "[rules.ILD204]"],
        ),
    ],
)
def test_a_wrong_pack_setting_is_a_one_line_config_error(config, fragments):
    with pytest.raises(ConfigError) as e:
        Linter(_settings(config))
    msg = str(e.value)
    assert "\n" not in msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_explain_and_rules_json_show_the_settings_a_rule_reads():
    from orderlint.docs import explain_text, rule_dict

    lt = Linter(_settings({"packs": {"ssc-ild": {PULSE: 300}}}))
    r = lt.by_code["ILD202"]
    d = rule_dict(r, lt.options[r.code], settings=lt.settings_values)["settings"][PULSE]
    assert (d["default"], d["minimum"], d["maximum"], d["value"]) == (250, 100, 1250, 300)
    text = explain_text(r, lt.options[r.code], settings=lt.settings_values)
    assert "Pack settings it reads ([tool.orderlint.packs.ssc-ild]):" in text
    assert f"{PULSE} = 250 (configured: 300) (allowed: 100 to 1250)" in text
    assert rule_dict(lt.by_code["ILD101"])["settings"] == {}


def test_setting_without_an_engine_gives_the_default():
    assert setting(types.SimpleNamespace(), PULSE, 250) == 250
    assert setting(types.SimpleNamespace(settings={PULSE: 300}), PULSE, 250) == 300


# --------------------------------------------------------------------------- declaring settings


def _pack(name, settings=None, reads=()):
    def check(reg, opts):
        yield from ()

    r = rule(code="XST001" if name == "one" else "XST002", name=f"setting-reader-{name}", severity="info",
             summary="s.", source=Source("c", "g"), rationale="r", conditions=["ssc-ild"], settings=reads)(check)
    ns = types.SimpleNamespace(__name__=f"pack-{name}")
    ns.orderlint_rules = hookimpl(lambda: [r])
    ns.orderlint_pack = hookimpl(lambda: Pack(settings=settings or {}))
    return ns


def test_a_rule_reading_a_setting_its_pack_does_not_declare_is_a_load_error():
    with pytest.raises(PluginLoadError, match="reads no-such-setting, which its pack does not declare"):
        Linter(plugins=[_pack("one", reads=["no-such-setting"])])


def test_two_packs_declaring_one_setting_name_is_a_load_error():
    with pytest.raises(PluginLoadError, match=f"setting '{PULSE}' is already declared by ssc-ild"):
        Linter(plugins=[_pack("one", settings={PULSE: Option(250, "x", maximum=1000)})])


def test_a_summary_may_quote_a_setting_it_reads_and_not_an_unknown_one():
    with pytest.raises(ValueError, match="quotes limit-x, which is not an option or a setting it reads"):
        rule(code="XST003", name="quotes", severity="info", summary="above {limit-x}.", source=Source("c", "g"), rationale="r")(
            lambda reg, opts: iter(())
        )
    ok = rule(code="XST003", name="quotes", severity="info", summary="above {limit-x}.", source=Source("c", "g"),
              rationale="r", settings=["limit-x"])(lambda reg, opts: iter(()))
    assert ok.settings == ("limit-x",)


def test_pack_settings_are_kebab_case_options():
    with pytest.raises(ValueError, match="kebab-case"):
        Pack(settings={"Pulse_Min": Option(1, "x")})
    with pytest.raises(ValueError, match="rules.Option"):
        Pack(settings={"pulse-min": 250})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- links


def test_help_uri_is_the_sites_docs_or_the_rules_source_never_an_invented_address():
    facts = (SHARED / "guideline" / "clinical-facts.md")
    text = facts.read_text() if facts.exists() else None
    for r in Linter().rules:
        assert r.docs_anchor == f"docs/rules.md#{r.code.lower()}"
        assert r.help_uri("https://pharmacy.example.org/orderlint/rules") == f"https://pharmacy.example.org/orderlint/rules#{r.code.lower()}"
        link = r.help_uri()
        assert "orderlint.dev" not in link
        if r.source.url is None:
            assert link == r.docs_anchor  # the format contract has no public address
            continue
        assert link == r.source.url and link.startswith("https://")
        if text is not None:
            # Every address is one the clinical facts give (a DOI written as its doi.org URL).
            doi = re.match(r"https://doi\.org/(.+)$", link)
            assert (f"doi:{doi.group(1)}" if doi else link) in text, (r.code, link)


def test_the_pack_rules_link_to_their_graded_source():
    lt = Linter()
    assert lt.by_code["ILD202"].help_uri() == "https://doi.org/10.1164/rccm.202306-1113ST"  # ATS 2023
    assert lt.by_code["ILD201"].help_uri() == "https://doi.org/10.1002/acr.25348"  # ACR/CHEST 2023
    assert lt.by_code["ILD406"].help_uri() == "https://doi.org/10.1002/cpt.1304"  # CPIC


def test_explain_prints_the_docs_anchor_and_the_link():
    from orderlint.docs import explain_text

    r = Linter().by_code["ILD202"]
    text = explain_text(r, {}, docs_url="https://pharmacy.example.org/rules")
    assert "Documentation: docs/rules.md#ild202. More: https://pharmacy.example.org/rules#ild202" in text
    assert "More: https://doi.org/10.1164/rccm.202306-1113ST" in explain_text(r, {})


def test_every_rule_has_its_anchor_in_the_reference():
    doc = (ROOT / "docs" / "rules.md").read_text()
    for r in Linter().rules:
        assert f'<a id="{r.code.lower()}"></a>' in doc
    assert "orderlint.dev" not in doc


def test_explain_shows_a_case_that_produces_its_rule():
    # The example explain printed used to be an untested string (OL003's did not produce OL003).
    from orderlint.cases import first_cases
    from orderlint.docs import explain_text

    r = Linter().by_code["OL003"]
    firing, passing = first_cases(r)
    text = explain_text(r, {})
    assert firing is not None and passing is not None
    assert f"Fires on (case {firing.name!r} of OL003.yaml):" in text and "-> OL003 at /orders/0/unit" in text
    assert f"Passes (case {passing.name!r} of OL003.yaml):" in text
