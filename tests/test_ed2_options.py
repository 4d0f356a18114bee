"""Second edition: option schemas, configuration keys and discovery (issue 10 items 3, 6 and 14).

rules.md 2nd ed., "Messages, options and names": options are validated by a schema per option,
a typo must never switch a safety rule off, and messages, summaries and `explain` quote the
effective option values. interfaces.md "Configuration" and issue 10 item 6: discovery stops at
the repository root or the home folder.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from orderlint.config import ConfigError, Settings, build_settings, find_config
from orderlint.engine import Linter
from orderlint.rules import Need, Option, OptionError, rule
from regimen_factory import clean_patient, lint, mmf, only, order

DOC = EXAMPLES / "regimens" / "ILD202-fires.json"  # methylprednisolone 16 mg = 20 mg PE


def linter_with(**rules) -> Linter:
    return Linter(Settings(rules=rules))


def config_error(**rules) -> str:
    with pytest.raises(ConfigError) as e:
        linter_with(**rules)
    msg = str(e.value)
    assert "\n" not in msg
    return msg


# --------------------------------------------------------------------------- option values

@pytest.mark.parametrize(
    "code, option, value, fragments",
    [
        # issue 10 item 3: each of these silently disabled a safety rule.
        ("ILD101", "agents", ["methotrexat"], ["ILD101", "'agents'", "'methotrexat'", "did you mean 'methotrexate'"]),
        ("ILD402", "required", "x", ["ILD402", "'required'", "'x'", "table"]),
        ("ILD402", "required", "rituxmab", ["ILD402", "'required'", "'rituxmab'"]),
        ("ILD402", "required", {"rituxmab": ["hbv"]}, ["ILD402", "'rituxmab'", "did you mean 'rituximab'"]),
        ("ILD402", "required", {"rituximab": ["hbvv"]}, ["ILD402", "'hbvv'", "did you mean 'hbv'"]),
        ("ILD402", "required", {"rituximab": "hbv"}, ["ILD402", "'rituximab'", "list of test names"]),
        ("ILD401", "required", "cbc", ["ILD401", "'required'", "'cbc'", "table"]),
        ("ILD403", "required", ["hepatitis b serologgy"], ["ILD403", "unknown test"]),
        ("ILD404", "drugs", "mycophenolate", ["ILD404", "list of drug or class names"]),
        ("ILD205", "partners", ["rituximab", "cyclofosfamide"], ["ILD205", "did you mean 'cyclophosphamide'"]),
        # numbers: finite, typed, not negative (rules.md 2nd ed.: a non-finite threshold, a negative window)
        ("ILD202", "max-daily-pe-mg", math.inf, ["ILD202", "'max-daily-pe-mg'", "finite", "inf"]),
        ("ILD202", "max-daily-pe-mg", math.nan, ["ILD202", "finite", "nan"]),
        ("ILD202", "max-daily-pe-mg", -1, ["ILD202", "at least 0", "-1"]),
        ("ILD202", "max-daily-pe-mg", True, ["ILD202", "number", "True"]),
        ("ILD503", "max-course-days", -30, ["ILD503", "'max-course-days'", "-30"]),
        ("ILD503", "iv-max-administrations", 6.5, ["ILD503", "whole number", "6.5"]),
        ("ILD206", "max-administrations", "3", ["ILD206", "whole number", "'3'"]),
    ],
)
def test_invalid_option_is_a_config_error_naming_rule_option_and_value(code, option, value, fragments):
    msg = config_error(**{code: {option: value}})
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_names_in_options_become_canonical_so_aliases_keep_the_rule_working():
    # A site's list adds to the default (Option.additive): methotrexate is taken out first, so
    # that only the alias can bring it back.
    lt = linter_with(ILD101={"agents-remove": ["methotrexate"], "agents": ["MTX", "tnf-inhibitor"]},
                     ILD403={"required": ["HBsAg", "cmp"]})
    agents = lt.options["ILD101"]["agents"]
    assert agents[-1] == "methotrexate" and "MTX" not in agents and agents.count("tnf-inhibitor") == 1
    # A composite test counts as each of its parts.
    assert lt.options["ILD403"]["required"] == ["hbv", "lft", "renal"]
    # The alias still fires the rule: it was a silent no-op before.
    doc = clean_patient(order("methotrexate", 15, "mg", "oral", "weekly", id="mtx"))
    [f] = only(lint(doc, config={"rules": {"ILD101": {"agents-remove": ["methotrexate"], "agents": ["MTX"]}}}), "ILD101")
    assert f.order == "mtx"


def test_integral_float_is_accepted_for_an_integer_option():
    assert linter_with(ILD503={"iv-max-administrations": 8.0}).options["ILD503"]["iv-max-administrations"] == 8


def test_every_default_passes_its_own_schema():
    lt = Linter()
    for r in lt.rules:
        for k, o in r.options.items():
            assert o.validate(o.default, lt.vocab) is not None, (r.code, k)


def test_option_schema_unit():
    o = Option(15, "limit")
    assert o.kind == "number" and o.minimum == 0
    with pytest.raises(OptionError):
        o.validate(float("inf"))
    assert Option(["a"], "plain strings").kind == "list"
    assert Option(["x"], "tests", names="test").kind == "names"
    assert Option({"a": ["b"]}, "table").names == ("drug", "test")
    with pytest.raises(ValueError):
        Option(["x"], "bad", kind="names")  # names= is required
    with pytest.raises(OptionError):
        Option(5, "bounded", maximum=10).validate(11)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "site.toml"
    p.write_text(text)
    return p


@pytest.mark.slow
@pytest.mark.parametrize(
    "toml, fragments",
    [
        ('[rules.ILD202]\nmax-daily-pe-mg = inf\n', ["ILD202", "max-daily-pe-mg", "inf"]),
        ('[rules.ILD101]\nagents = ["methotrexat"]\n', ["ILD101", "agents", "methotrexat", "did you mean 'methotrexate'"]),
        ('[rules.ILD402]\nrequired = "x"\n', ["ILD402", "required", "'x'"]),
        ('[rules.ILD402]\nrequired = "rituxmab"\n', ["ILD402", "required", "'rituxmab'"]),
        ('[rules.ILD401]\nrequired = "cbc"\n', ["ILD401", "required", "'cbc'"]),
        ('check-timeout = 0\n', ["check-timeout", "0"]),
        ('check-timeout = inf\n', ["check-timeout", "inf"]),
        ('select = []\n', ["no rule of pack ssc-ild would run"]),
        ('ignore = ["ALL"]\n', ["no rule of pack ssc-ild would run"]),
        ('select = ["O"]\n', ["no rule of pack ssc-ild would run"]),
        ('select = ["OL"]\n', ["no rule of pack ssc-ild would run"]),
        ('vocabularyy = {}\n', ["unknown key 'vocabularyy'", "did you mean 'vocabulary'"]),
        ('allow-vocabulary-override = [1]\n', ["allow-vocabulary-override"]),
    ],
)
def test_cli_config_mistake_exits_2_with_one_line(tmp_path, toml, fragments):
    cfg = _write(tmp_path, toml)
    exe = Path(sys.executable).with_name("orderlint")
    r = subprocess.run([str(exe), "check", "--config", str(cfg), str(DOC)], capture_output=True, text=True, timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    assert "Traceback" not in r.stderr and r.stdout == ""


# --------------------------------------------------------------------------- selection

@pytest.mark.parametrize(
    "settings",
    [Settings(select=[]), Settings(ignore=["ALL"]), Settings(select=["O"]), Settings(select=["ILD1"], ignore=["ILD"])],
    ids=["select-empty", "ignore-all", "one-letter-core", "select-then-ignore-all"],
)
def test_selection_that_runs_no_pack_rule_is_a_config_error(settings):
    # issue 10 item 14: these ran no check and still said "1 checked".
    with pytest.raises(ConfigError, match="no rule of pack ssc-ild would run"):
        Linter(settings)


def test_selection_of_one_pack_rule_is_fine():
    assert "ILD202" in Linter(Settings(select=["ILD202"])).enabled
    assert Linter(Settings(select=["I"])).enabled >= {"ILD101", "ILD503"}


# --------------------------------------------------------------------------- new keys

def test_new_keys_reach_settings(tmp_path):
    cfg = _write(tmp_path, 'check-timeout = 2.5\nallow-vocabulary-override = ["site-pack"]\n[vocabulary]\n"MMF-site" = "mycophenolate mofetil"\n')
    s = build_settings(config_path=str(cfg))
    assert s.check_timeout == 2.5
    assert s.vocabulary == {"MMF-site": "mycophenolate mofetil"}
    assert s.allow_vocabulary_override == ["site-pack"]
    assert Settings().check_timeout == 5.0 and Settings().vocabulary == {} and Settings().allow_vocabulary_override == []


@pytest.mark.parametrize("value", ["-1", "0", "nan", '"soon"', "true"])
def test_check_timeout_must_be_a_positive_finite_number(tmp_path, value):
    cfg = _write(tmp_path, f"check-timeout = {value}\n")
    with pytest.raises(ConfigError, match="check-timeout"):
        build_settings(config_path=str(cfg))


def test_vocabulary_values_must_be_strings(tmp_path):
    cfg = _write(tmp_path, '[vocabulary]\n"MMF-site" = 3\n')
    with pytest.raises(ConfigError, match="vocabulary"):
        build_settings(config_path=str(cfg))


# --------------------------------------------------------------------------- discovery

def test_discovery_stops_at_the_repository_root(tmp_path, monkeypatch):
    # issue 10 item 6: a `select = []` planted two folders up turned every run into a no-op. It is
    # not read; and since a site's own file above its checkouts was dropped unsaid just the same, a
    # file above the root stops the run, naming it, unless a closer one applies.
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    (tmp_path / ".orderlint.toml").write_text("select = []\n")
    repo = tmp_path / "a" / "repo"
    (repo / ".git").mkdir(parents=True)
    sub = repo / "orders"
    sub.mkdir()
    with pytest.raises(ConfigError, match=r"\.orderlint\.toml was not read: it is above the working directory .*above "
                                          r"the root of the search .*--config.*ORDERLINT_NO_CONFIG=1"):
        find_config(sub)
    (repo / ".orderlint.toml").write_text('fail-on = "error"\n')
    assert find_config(sub) == (repo / ".orderlint.toml", False)
    (tmp_path / ".orderlint.toml").unlink()
    (repo / ".orderlint.toml").unlink()
    assert find_config(sub) is None


def test_discovery_stops_at_the_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home" / "user"
    work = home / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "home" / ".orderlint.toml").write_text("select = []\n")
    with pytest.raises(ConfigError, match="was not read"):
        find_config(work)
    (home / "pyproject.toml").write_text("[tool.orderlint]\nfail-on = \"error\"\n")
    assert find_config(work) == (home / "pyproject.toml", True)


@pytest.mark.slow
def test_planted_ancestor_file_is_not_read_by_the_cli(tmp_path):
    (tmp_path / ".orderlint.toml").write_text("select = []\n")
    repo = tmp_path / "x" / "repo"
    (repo / ".git").mkdir(parents=True)
    doc = repo / "doc.json"
    doc.write_text(DOC.read_text())
    import os

    env = {k: v for k, v in os.environ.items() if k != "ORDERLINT_NO_CONFIG"}
    env["HOME"] = str(tmp_path / "nohome")
    exe = Path(sys.executable).with_name("orderlint")
    r = subprocess.run([str(exe), "check", "--format", "json", str(doc)], cwd=repo, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and f"{tmp_path / '.orderlint.toml'} was not read" in r.stderr, r.stderr
    # Told to use the defaults, the run checks the document, and the planted file is still not read.
    r = subprocess.run([str(exe), "check", "--format", "json", str(doc)], cwd=repo, capture_output=True, text=True,
                       env=dict(env, ORDERLINT_NO_CONFIG="1"), timeout=60)
    assert r.returncode == 1, r.stderr
    codes = [f["code"] for res in json.loads(r.stdout)["results"] for f in res["findings"]]
    assert "ILD202" in codes


# --------------------------------------------------------------------------- effective values

def test_summary_fix_and_explain_quote_effective_values():
    # rules.md 2nd ed.: with max-course-days = 365, ILD503 says 365 days, not 6 months.
    lt = linter_with(ILD503={"max-course-days": 365})
    r = lt.by_code["ILD503"]
    opts = lt.options["ILD503"]
    assert "180 days" in r.summary  # the default rendering
    assert "365 days" in r.summary_for(opts) and "180" not in r.summary_for(opts)
    assert "6 months" not in r.summary_for(opts)
    assert "365 days" in r.fix_for(opts)
    from orderlint.docs import explain_text, rule_dict

    text = explain_text(r, opts)
    assert "365 days" in text.split("Why:")[0]
    assert "365 days" in rule_dict(r, opts)["summary"]
    assert rule_dict(r)["summary"] == r.summary


def test_ild503_open_ended_message_quotes_the_configured_limit():
    doc = clean_patient(order("cyclophosphamide", 600, "mg/m2", "iv", "q4w", id="cyc"), order("Bactrim DS", 1, "tablet", "oral", "tiw", strength=(800, "mg"), id="smx"))
    [f] = only(lint(doc, config={"rules": {"ILD503": {"max-course-days": 365}}}), "ILD503")
    assert "365 days" in f.message and "6 months" not in f.message
    assert "365 days" in f.fix and "180" not in f.fix


def test_ild202_fix_quotes_the_configured_limit():
    doc = clean_patient(order("prednisone", 12, "mg", "oral", "daily", id="p", purpose="other"))
    [f] = only(lint(doc, config={"rules": {"ILD202": {"max-daily-pe-mg": 10}}}), "ILD202")
    assert "10 mg/day" in f.fix and "15" not in f.fix


def test_threshold_summaries_follow_options():
    lt = linter_with(ILD202={"max-daily-pe-mg": 10}, ILD302={"min-course-days": 14}, ILD501={"mmf-max-mg-per-day": 2500})
    assert "above 10 mg" in lt.by_code["ILD202"].summary_for(lt.options["ILD202"])
    assert "14 days" in lt.by_code["ILD302"].summary_for(lt.options["ILD302"])
    assert "MMF 2500 mg/day" in lt.by_code["ILD501"].summary_for(lt.options["ILD501"])


def test_summary_placeholder_must_name_an_option():
    with pytest.raises(ValueError, match="not an option"):
        @rule(code="XX001", name="x", severity="info", summary="Over {limt} mg.", source=None, rationale="r",  # type: ignore[arg-type]
              options={"limit": Option(1, "l")})
        def _x(reg, opts):
            return ()


# --------------------------------------------------------------------------- amounts

def test_need_is_normalized_and_validated():
    n = Need({"systemic-glucocorticoid"}, None, "mg", "day")
    assert n.tags == frozenset({"systemic-glucocorticoid"}) and n.routes is None
    assert Need("cyclophosphamide", ("iv",), "mg/m2", "admin").routes == frozenset({"iv"})
    assert n.applies({"prednisone", "systemic-glucocorticoid"}, "oral")
    assert not Need("cyclophosphamide", ("iv",), "mg/m2", "admin").applies({"cyclophosphamide"}, "oral")
    with pytest.raises(ValueError):
        Need({"x"}, None, "g", "day")
    with pytest.raises(ValueError):
        Need({"x"}, None, "mg", "week")


def test_rules_that_compute_amounts_declare_them():
    lt = Linter()
    gc = Need({"systemic-glucocorticoid"}, None, "mg", "day")
    for code in ("ILD201", "ILD202", "ILD203", "ILD204", "ILD205", "ILD206", "ILD207", "ILD302"):
        assert gc in lt.by_code[code].amounts, code
    assert Need({"cyclophosphamide"}, {"iv"}, "mg/m2", "admin") in lt.by_code["ILD501"].amounts
    assert Need({"tocilizumab"}, {"sc"}, "mg", "day") in lt.by_code["ILD501"].amounts
    assert Need({"cyclophosphamide"}, {"oral"}, "mg/kg", "day") in lt.by_code["ILD502"].amounts
    assert not lt.by_code["ILD503"].amounts  # course length only


def _amount_calls(monkeypatch):
    """Record every (order tags, route, basis, per) a pack check asks of the regimen."""
    import inspect

    from orderlint import normalize

    calls = []
    real_amount = normalize.Regimen.amount

    def spy(self, o, basis="mg", per="admin"):
        if any(f.frame.f_globals.get("__name__", "").startswith("orderlint_ssc") for f in inspect.stack()[1:4]):
            calls.append((frozenset(getattr(o, "tags", None) or o.drug.tags), o.route, basis, per))
        return real_amount(self, o, basis, per)

    monkeypatch.setattr(normalize.Regimen, "amount", spy)
    return calls


@pytest.mark.slow
def test_every_amount_a_check_computes_is_declared(monkeypatch):
    # ENGINE decides OL003 from the declared amounts; an undeclared one would make OL003 depend
    # on the rule selection again (rules.md 2nd ed.).
    import orderlint

    calls = _amount_calls(monkeypatch)
    docs = sorted(p for p in (EXAMPLES / "regimens").iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    assert docs
    # Checks read the amounts normalization stored for the declared needs (``Order.amounts``, which
    # holds nothing else) and call ``Regimen.amount`` only for a need that is not there: every such
    # call is recorded and must be declared. The findings show the checks did read amounts.
    fired = 0
    for code in ("ILD201", "ILD202", "ILD203", "ILD204", "ILD205", "ILD206", "ILD207", "ILD302", "ILD501", "ILD502"):
        lt = Linter(Settings(select=[code]))
        needs = lt.by_code[code].amounts
        del calls[:]
        for p in docs:
            fired += sum(f.code == code for f in orderlint.lint(p, linter=lt).findings)
        for tags, route, basis, per in calls:
            assert any(n.applies(tags, route) and (n.basis, n.per) == (basis, per) for n in needs), (code, tags, route, basis, per)
    assert fired > 0


def test_list_option_summaries_follow_options():
    # Entries are taken out only by <option>-remove: a site's list adds to the default.
    lt = linter_with(ILD101={"agents-remove": ["methotrexate"]},
                     ILD404={"drugs-remove": ["cyclophosphamide", "nintedanib", "leflunomide", "methotrexate"]},
                     ILD402={"required-remove": ["tocilizumab", "tnf-inhibitor", "jak-inhibitor"], "required": {"rituximab": ["hcv"]}})
    s101 = lt.by_code["ILD101"].summary_for(lt.options["ILD101"])
    assert "leflunomide" in s101 and "methotrexate" not in s101
    assert "(mycophenolate)" in lt.by_code["ILD404"].summary_for(lt.options["ILD404"])
    s402 = lt.by_code["ILD402"].summary_for(lt.options["ILD402"])
    assert "rituximab: hbv, hcv" in s402 and "tocilizumab" not in s402


# --------------------------------------------------------------------------- upper limits

# rules.md "Configurable, per site" with "A typo must never switch a safety rule off": a value far
# outside the clinical range (1e9 mg/day, a 1e9-day window) turned a safety rule off as surely as
# inf did. Every numeric option of the built-in pack has a range; values outside it are refused.
def _pack_numeric_options():
    lt = Linter()
    # With the pack settings a rule quotes (the pulse threshold, still set as an option of ILD204).
    return [
        (r.code, k, o) for r in lt.rules if r.plugin != "orderlint"
        for k, o in {**r.options, **{n: r.pack_settings[n] for n in r.quoted_settings()}}.items() if o.kind in ("number", "integer")
    ]


@pytest.mark.parametrize(
    "code, option, value",
    [
        ("ILD202", "max-daily-pe-mg", 1e9),
        ("ILD204", "pulse-min-daily-pe-mg", 1e12),
        ("ILD203", "max-course-days", 1e9),
        ("ILD503", "max-course-days", 100000),
        ("ILD503", "iv-max-administrations", 1000),
        ("ILD206", "max-daily-pe-mg", 1e9),
        ("ILD206", "max-administrations", 100),
        ("ILD302", "min-daily-pe-mg", 1e9),
        ("ILD302", "min-course-days", 100000),
        ("ILD501", "mmf-max-mg-per-day", 1e9),
        ("ILD501", "rituximab-max-mg-per-dose", 1e6),
    ],
)
def test_a_huge_threshold_is_a_config_error_naming_rule_option_value_and_range(code, option, value):
    msg = config_error(**{code: {option: value}})
    r = Linter().by_code[code]
    # The pulse threshold is a pack setting now, still accepted as an option of ILD204.
    spec = r.options.get(option) or r.pack_settings[option]
    for frag in (code, repr(option), repr(value), f"at most {spec.maximum:g}", f"at least {spec.minimum:g}"):
        assert frag in msg, (frag, msg)


def test_every_numeric_pack_option_has_a_documented_range():
    opts = _pack_numeric_options()
    assert len(opts) >= 24  # ILD202-206, ILD302, ILD501-503
    for code, k, o in opts:
        assert o.maximum is not None and math.isfinite(o.maximum), (code, k)
        assert o.minimum is not None and o.minimum <= o.default <= o.maximum, (code, k)
        # The description says why the range ends where it does (explain shows it).
        assert f"{o.maximum:g}" in o.description, (code, k, o.description)
        if o.minimum > 0:
            assert f"{o.minimum:g}" in o.description, (code, k, o.description)


@pytest.mark.slow
def test_every_numeric_pack_option_refuses_just_above_its_maximum_and_accepts_the_maximum():
    for code, k, o in _pack_numeric_options():
        step = 1 if o.kind == "integer" else 0.5
        assert linter_with(**{code: {k: o.maximum}}).options[code][k] == o.maximum
        with pytest.raises(ConfigError, match=f"rule {code} option '{k}'"):
            linter_with(**{code: {k: o.maximum + step}})


@pytest.mark.parametrize(
    "code, option, value",
    [
        # A pulse threshold of 0 makes every steroid a pulse: it leaves ILD201-203 and ILD302.
        ("ILD204", "pulse-min-daily-pe-mg", 0),
        ("ILD204", "pulse-min-daily-pe-mg", 20),
        # A floor of 0 never fires.
        ("ILD502", "mmf-min-mg-per-day", 0),
        ("ILD502", "nintedanib-min-mg-per-day", 100),
        ("ILD502", "cyclophosphamide-iv-min-mg-per-m2", 0),
    ],
)
def test_a_value_below_the_silencing_side_of_the_range_is_refused(code, option, value):
    r = Linter().by_code[code]
    # The pulse threshold is a pack setting now, still accepted as an option of ILD204.
    spec = r.options.get(option) or r.pack_settings[option]
    assert spec.minimum > value
    msg = config_error(**{code: {option: value}})
    assert f"at least {spec.minimum:g}" in msg and repr(value) in msg


def test_pulse_threshold_of_zero_no_longer_hides_a_daily_steroid_from_ild202():
    doc = clean_patient(order("prednisone", 40, "mg", "oral", "daily", id="p", purpose="other"))
    only(lint(doc), "ILD202")
    with pytest.raises(ConfigError, match="pulse-min-daily-pe-mg"):
        lint(doc, config={"rules": {"ILD204": {"pulse-min-daily-pe-mg": 0}}})


def test_a_dose_maximum_of_zero_is_allowed_because_it_only_fires_more():
    [f] = only(lint(clean_patient(mmf()), config={"rules": {"ILD501": {"mmf-max-mg-per-day": 0}}}), "ILD501")
    assert f.order == "mmf"


@pytest.mark.slow
def test_range_error_in_a_file_is_one_line_with_the_range(tmp_path):
    cfg = _write(tmp_path, "[rules.ILD202]\nmax-daily-pe-mg = 1e9\n")
    exe = Path(sys.executable).with_name("orderlint")
    r = subprocess.run([str(exe), "check", "--config", str(cfg), str(DOC)], capture_output=True, text=True, timeout=60)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    for frag in ("ILD202", "max-daily-pe-mg", "1000000000.0", "at most 30", "orderlint explain ILD202"):
        assert frag in lines[0], (frag, lines[0])


def test_explain_and_rules_json_show_the_allowed_range():
    from orderlint.docs import explain_text, rule_dict

    r = Linter().by_code["ILD204"]
    text = explain_text(r, {})
    assert "allowed: 100 to 1250" in text
    d = rule_dict(r)["settings"]["pulse-min-daily-pe-mg"]  # a pack setting, shown with the rules that read it
    assert d["minimum"] == 100 and d["maximum"] == 1250


# --------------------------------------------------------------------------- look-back windows

def _settings(tmp_path, text):
    return build_settings(config_path=str(_write(tmp_path, text)))


@pytest.mark.parametrize(
    "toml, fragments",
    [
        ("[lookback-days]\npregnancy = 1000000000\n", ["lookback-days", "pregnancy", "1000000000", "at most 30"]),
        ("[lookback-days]\ndefault = 100000\n", ["lookback-days", "default", "100000", "at most 180"]),
        ("[lookback-days]\nhrct = 5000\n", ["hrct", "5000", "at most 730"]),
        ('[lookback-days]\ncbc = "any"\n', ["cbc", "'any'", "at most 180"]),
        ('[lookback-days]\npregnancy = "any"\n', ["pregnancy", "'any'"]),
    ],
)
def test_a_huge_lookback_window_is_refused(tmp_path, toml, fragments):
    with pytest.raises(ConfigError) as e:
        Linter(_settings(tmp_path, toml))
    msg = str(e.value)
    assert "\n" not in msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_lookback_limits_also_apply_to_settings_given_through_the_api():
    s = Settings()
    s.lookback_days["pregnancy"] = 10**9
    with pytest.raises(ConfigError, match="pregnancy"):
        Linter(s)


def test_lookback_any_stays_allowed_for_tests_that_do_not_expire(tmp_path):
    lt = Linter(_settings(tmp_path, '[lookback-days]\ntpmt = "any"\ng6pd = 3650\npregnancy = 30\ndefault = 180\n'))
    assert lt.settings.lookback_days["tpmt"] is None and lt.settings.lookback_days["pregnancy"] == 30


def test_lookback_alias_is_read_as_its_test_and_limited_like_it(tmp_path):
    with pytest.raises(ConfigError, match="at most 30"):
        Linter(_settings(tmp_path, '[lookback-days]\n"pregnancy test" = 60\n'))
    lt = Linter(_settings(tmp_path, '[lookback-days]\n"HCG" = 7\n'))
    assert lt.settings.lookback_days["pregnancy"] == 7 and "HCG" not in lt.settings.lookback_days


class _TestPack:
    """A plugin that adds a test the core vocabulary does not know."""

    from orderlint.hookspecs import hookimpl

    @hookimpl
    def orderlint_vocabulary(self):
        return {"tests": {"nt-probnp": ["ntprobnp", "bnp"]}}


def test_lookback_keys_accept_tests_a_plugin_adds(tmp_path):
    s = _settings(tmp_path, "[lookback-days]\nnt-probnp = 30\n")
    lt = Linter(s, plugins=[_TestPack()])
    assert lt.settings.lookback_days["nt-probnp"] == 30


def test_lookback_key_typo_of_a_plugin_test_has_a_did_you_mean(tmp_path):
    s = _settings(tmp_path, "[lookback-days]\nnt-probnpp = 30\n")
    with pytest.raises(ConfigError, match=r"unknown test 'nt-probnpp' \(did you mean 'nt-probnp'\?\)"):
        Linter(s, plugins=[_TestPack()])
    with pytest.raises(ConfigError, match="unknown test 'nt-probnp'"):
        Linter(_settings(tmp_path, "[lookback-days]\nnt-probnp = 30\n"))  # without the plugin


def test_plugin_test_window_has_the_general_limit(tmp_path):
    with pytest.raises(ConfigError, match="at most 365"):
        Linter(_settings(tmp_path, "[lookback-days]\nnt-probnp = 400\n"), plugins=[_TestPack()])


# --------------------------------------------------------------------------- check time limit

@pytest.mark.parametrize("value", ["601", "1e9", "86400"])
def test_check_timeout_has_an_upper_limit(tmp_path, value):
    with pytest.raises(ConfigError, match=r"check-timeout.*at most 600"):
        _settings(tmp_path, f"check-timeout = {value}\n")


def test_check_timeout_of_600_is_accepted(tmp_path):
    assert _settings(tmp_path, "check-timeout = 600\n").check_timeout == 600.0


def test_check_timeout_given_through_the_api_is_checked_too():
    with pytest.raises(ConfigError, match="check-timeout"):
        Linter(Settings(check_timeout=1e9))


@pytest.mark.parametrize("name", ["TPMT", "thiopurine genotype", "nudt15"])
def test_lookback_any_through_an_alias_of_a_test_that_does_not_expire(tmp_path, name):
    lt = Linter(_settings(tmp_path, f'[lookback-days]\n"{name}" = "any"\n'))
    assert lt.settings.lookback_days["tpmt"] is None


def test_lookback_error_for_an_alias_names_what_the_site_wrote(tmp_path):
    with pytest.raises(ConfigError, match=r"lookback-days\.hcg \(read as pregnancy\) = 'any' is not allowed"):
        Linter(_settings(tmp_path, '[lookback-days]\nhcg = "any"\n'))


# --------------------------------------------------------------------------- empty lists and tables

# rules.md "Messages, options and names": a typo must never switch a safety rule off. An emptied
# list or table did exactly that (ILD101 `agents = []` fired on nothing, ILD401 `required = {}`
# required nothing); the way to turn a rule off is `ignore`, and the error says so.
@pytest.mark.parametrize(
    "code, option, value, what",
    [
        ("ILD101", "agents", [], "drug or class name"),
        ("ILD404", "drugs", [], "drug or class name"),
        ("ILD403", "required", [], "test name"),
        ("ILD401", "required", {}, "drug or class name with its test names"),
        ("ILD402", "required", {}, "drug or class name with its test names"),
        # One entry that requires nothing silences the rule for that drug.
        ("ILD401", "required", {"mycophenolate": ["cbc"], "azathioprine": []}, "test name"),
        ("ILD402", "required", {"rituximab": []}, "test name"),
    ],
)
def test_an_empty_list_or_table_is_a_config_error_not_a_rule_switched_off(code, option, value, what):
    msg = config_error(**{code: {option: value}})
    for frag in (f"rule {code}", repr(option), f"must name at least one {what}", f'ignore = ["{code}"]'):
        assert frag in msg, (frag, msg)
    if isinstance(value, dict) and value:
        assert "entry 'azathioprine'" in msg or "entry 'rituximab'" in msg, msg
        assert "not []" in msg, msg
    else:
        assert f"not {value!r}" in msg, msg


def test_an_empty_option_is_refused_through_the_api_too():
    import orderlint

    with pytest.raises(ConfigError, match=r"rule ILD101 option 'agents': must name at least one"):
        orderlint.lint(DOC, config={"rules": {"ILD101": {"agents": []}}})


def test_only_aliases_that_merge_still_name_something():
    # 'MTX' and 'methotrexate' are one drug: one item, which is enough.
    lt = linter_with(ILD101={"agents": ["MTX", "methotrexate"]})
    assert lt.options["ILD101"]["agents"].count("methotrexate") == 1
    required = linter_with(ILD402={"required": {"Rituxan": ["HBsAg"]}}).options["ILD402"]["required"]
    assert required["rituximab"] == ["hbv"]  # merged with the default entry, not a second one


@pytest.mark.slow
@pytest.mark.parametrize(
    "toml, fragments",
    [
        ('[rules.ILD101]\nagents = []\n', ["ILD101", "'agents'", "must name at least one drug or class name", "not []"]),
        ('[rules.ILD404]\ndrugs = []\n', ["ILD404", "'drugs'", "must name at least one"]),
        ('[rules.ILD401]\nrequired = {}\n', ["ILD401", "'required'", "must name at least one", "not {}"]),
        ('[rules.ILD402.required]\nrituximab = []\n', ["ILD402", "entry 'rituximab'", "must name at least one test name"]),
    ],
)
def test_cli_empty_option_exits_2_with_one_line(tmp_path, toml, fragments):
    test_cli_config_mistake_exits_2_with_one_line(tmp_path, toml, fragments)


def test_min_items_schema_unit():
    listed = Option(["a"], "drugs", names="drug", min_items=1)
    with pytest.raises(OptionError) as e:
        listed.validate([])
    assert e.value.empty and "at least one" in str(e.value)
    assert Option(["a"], "plain").validate([]) == []  # no min_items: empty allowed
    with pytest.raises(OptionError, match="at least 2 strings"):
        Option(["a", "b"], "plain", min_items=2).validate(["a"])
    table = Option({"a": ["b"]}, "table", min_items=1)
    with pytest.raises(OptionError, match="entry 'a': must name at least one test name"):
        table.validate({"a": []})
    with pytest.raises(OptionError, match="at least one drug or class name with its test names"):
        table.validate({})
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            Option(["a"], "x", min_items=bad)
    with pytest.raises(ValueError):
        Option(5, "number", min_items=1)  # only lists and tables have items


def _pack_list_options():
    lt = Linter()
    return lt, [(r.code, k, o) for r in lt.rules if r.plugin != "orderlint"
                for k, o in r.options.items() if o.kind in ("list", "names", "table")]


#: List options a site may empty, and why emptying them never silences their rule.
MAY_BE_EMPTY = {
    ("ILD101", "rp-ild-exempt"): "no RP-ILD exemption: the rule fires more",
    ("ILD205", "partners"): "no agent counts as the partner: every RP-ILD pulse fires",
    ("ILD403", "abatacept-extra"): "abatacept needs only the common tests: the rule still fires without them",
}


def test_every_list_option_of_the_pack_refuses_emptiness_or_empty_still_fires():
    lt, opts = _pack_list_options()
    assert len(opts) >= 8
    for code, k, o in opts:
        if o.min_items is None:
            assert (code, k) in MAY_BE_EMPTY, f"{code} {k}: declare min_items, or show that empty still fires"
            # Emptied, the rule still fires on its failing example.
            doc = next((EXAMPLES / "regimens").glob(f"{code}-fires.*"))
            import orderlint

            result = orderlint.lint(doc, config={"rules": {code: {k: {} if o.kind == "table" else []}}})
            assert any(f.code == code for f in result.findings), (code, k)
        else:
            assert (code, k) not in MAY_BE_EMPTY
            with pytest.raises(ConfigError, match="must name at least one"):
                linter_with(**{code: {k: {} if o.kind == "table" else []}})
            # The default names enough, and the description says why it may not be empty.
            assert len(o.validate(o.default, lt.vocab)) >= o.min_items
            assert "empty" in o.description, (code, k)


def test_explain_and_rules_json_show_that_a_list_may_not_be_empty():
    from orderlint.docs import explain_text, rule_dict

    lt = Linter()
    r = lt.by_code["ILD101"]
    assert rule_dict(r)["options"]["agents"]["min_items"] == 1
    assert "min_items" not in rule_dict(r)["options"]["rp-ild-exempt"]
    text = explain_text(r, lt.options["ILD101"])
    assert "(not empty)" in next(l for l in text.splitlines() if l.strip().startswith("agents ="))


def test_fixes_quote_the_look_back_windows_in_effect(tmp_path):
    # rules.md: messages, summaries and explain quote the effective values; ILD404's and ILD405's
    # fixes said 14, 365 and 180 days whatever the site's [lookback-days].
    import orderlint

    doc = {"id": "w", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild", "phase": "first-line"},
           "patient": {"sex": "female", "age_years": 34, "weight_kg": 62, "height_cm": 165},
           "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}]}
    fixes = {f.code: f.fix for f in orderlint.lint(doc, config={"lookback-days": {"pregnancy": 7, "hrct": 200, "pft": 90}}).findings}
    assert fixes["ILD404"].endswith("within 7 days.")
    assert "HRCT resulted within 200 days and PFTs within 90 days" in fixes["ILD405"]
    fixes = {f.code: f.fix for f in orderlint.lint(doc).findings}
    assert fixes["ILD404"].endswith("within 14 days.") and "within 365 days and PFTs within 180 days" in fixes["ILD405"]


def test_rules_and_explain_show_the_site_s_severity_and_selection(tmp_path):
    # `rules` listed ILD402 as an error while `check` reported it as info and exited 0.
    import json

    from conftest import run_cli

    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text('ignore = ["ILD103"]\n[severity]\nILD402 = "info"\n')
    text = run_cli("rules", "--config", str(cfg)).stdout
    line = next(x for x in text.splitlines() if x.startswith("ILD402"))
    assert " info " in line and "severity info by the configuration (default error)" in text
    assert "off: the configuration's selection" in text
    rows = {r["code"]: r for r in json.loads(run_cli("rules", "--format", "json", "--config", str(cfg)).stdout)}
    assert (rows["ILD402"]["severity"], rows["ILD402"]["default_severity"], rows["ILD402"]["enabled"]) == ("info", "error", True)
    assert rows["ILD103"]["enabled"] is False and rows["ILD101"]["severity"] == rows["ILD101"]["default_severity"]
    head = run_cli("explain", "ILD402", "--config", str(cfg)).stdout.splitlines()[0]
    assert head == "ILD402 boxed-warning-screening-missing [info] (configured; default error)"
    assert "Not run" in run_cli("explain", "ILD103", "--config", str(cfg)).stdout


# --------------------------------------------------------------------------- choices (string and list options)

def _choosing_pack(option: Option):
    from orderlint.hookspecs import hookimpl
    from orderlint.rules import Hit, Source

    @rule(code="SITE009", name="status-choice", severity="warning", summary="s", source=Source("c", "g"),
          rationale="r", options={"statuses": option}, conditions=["ssc-ild"])
    def check(reg, opts):
        for o in reg.orders:
            if o.status in opts["statuses"]:
                yield Hit("chosen status", o.pointer, o.index)

    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [check]

    return Pack()


STATUSES = Option(["new", "active"], "statuses", min_items=1, choices=("new", "active", "on-hold", "stopped"))


@pytest.mark.parametrize("value, said", [
    (["actve"], "'actve' is not one of 'new', 'active', 'on-hold', 'stopped' (did you mean 'active'?)"),
    (["new", "Active"], "'Active' is not one of"),
])
def test_a_list_option_value_outside_its_choices_is_a_configuration_error(value, said):
    # rules.md 2nd ed.: options are validated with a did-you-mean; "A typo must never switch a safety rule off."
    # Without choices, `statuses = ["actve"]` matched no order and the rule fired on nothing.
    with pytest.raises(ConfigError) as e:
        Linter(Settings(rules={"SITE009": {"statuses": value}}), plugins=[_choosing_pack(STATUSES)])
    assert "SITE009" in str(e.value) and said in str(e.value)


def test_a_list_option_value_among_its_choices_is_used():
    linter = Linter(Settings(rules={"SITE009": {"statuses": ["active"]}}), plugins=[_choosing_pack(STATUSES)])
    doc = clean_patient(mmf(), order("azathioprine", 100, "mg", "oral", "daily", id="aza", status="active"))
    assert [f.order for f in linter.lint_data(doc).findings if f.code == "SITE009"] == ["aza"]


def test_a_string_option_checks_its_choices():
    o = Option("mg", "unit", choices=("mg", "g"))
    assert o.validate("g") == "g"
    with pytest.raises(OptionError, match="'mcg' is not one of 'mg', 'g'"):
        o.validate("mcg")


@pytest.mark.parametrize("kw, said", [
    ({"default": 1, "choices": ("a",)}, "choices is for string and list options"),
    ({"default": "a", "choices": "ab"}, "non-empty list of strings"),
    ({"default": "a", "choices": ()}, "non-empty list of strings"),
    ({"default": ["a", "c"], "choices": ("a", "b")}, "is not among its choices"),
])
def test_choices_that_cannot_work_are_refused_when_declared(kw, said):
    with pytest.raises(ValueError, match=said):
        Option(description="d", **kw)


def test_explain_shows_an_options_choices_and_its_least_size():
    from orderlint.docs import _allowed

    assert _allowed(STATUSES) == " (allowed: new, active, on-hold, stopped; not empty)"
    assert _allowed(Option("mg", "unit", choices=("mg", "g"))) == " (allowed: mg, g)"


def test_choices_given_as_a_generator_are_read_once_and_a_long_list_is_shown_briefly():
    o = Option(["new"], "statuses", choices=(c for c in ("new", "active")))
    assert o.choices == ("new", "active")
    many = Option("c0", "many", choices=tuple(f"c{i}" for i in range(200_000)))
    with pytest.raises(OptionError) as e:
        many.validate("x")
    assert len(str(e.value)) < 500 and "(200000 in all)" in str(e.value)


@pytest.mark.parametrize("kw, said", [
    ({"maximum": "30"}, "maximum must be a finite number, not '30'"),
    ({"minimum": float("nan")}, "minimum must be a finite number, not nan"),
    ({"maximum": True}, "maximum must be a finite number, not True"),
    ({"minimum": 20, "maximum": 10}, "minimum 20 is above maximum 10"),
])
def test_an_option_bound_that_is_no_number_is_refused_where_it_is_declared(kw, said):
    # maximum="30" raised a bare TypeError at the first value checked, naming no plugin.
    with pytest.raises(ValueError, match=re.escape(said)):
        Option(15, "a threshold", **kw)


def test_a_bound_on_an_option_that_is_no_number_is_refused():
    with pytest.raises(ValueError, match="maximum is for number and integer options, not string"):
        Option("x", "a name", maximum=3)


def test_an_option_bound_beyond_a_double_or_below_the_implied_minimum_is_refused():
    with pytest.raises(ValueError, match="maximum must be a finite number"):
        Option(15, "a threshold", maximum=10**400)
    with pytest.raises(ValueError, match="below 0, the least value an option takes unless it gives a minimum"):
        Option(-5, "a shift", maximum=-1)
    assert Option(-5, "a shift", minimum=-10, maximum=-1).validate(-5) == -5
