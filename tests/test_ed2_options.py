"""Second edition: option schemas, configuration keys and discovery (issue 10 items 3, 6 and 14).

rules.md 2nd ed., "Messages, options and names": options are validated by a schema per option,
a typo must never switch a safety rule off, and messages, summaries and `explain` quote the
effective option values. interfaces.md "Configuration" and issue 10 item 6: discovery stops at
the repository root or the home folder.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from orderlint.config import ConfigError, Settings, build_settings, find_config
from orderlint.engine import Linter
from orderlint.rules import Need, Option, OptionError, rule
from regimen_factory import clean_patient, lint, only, order

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
    lt = linter_with(ILD101={"agents": ["MTX", "tnf-inhibitor"]}, ILD403={"required": ["HBsAg", "cmp"]})
    assert lt.options["ILD101"]["agents"] == ["methotrexate", "tnf-inhibitor"]
    # A composite test counts as each of its parts.
    assert lt.options["ILD403"]["required"] == ["hbv", "lft", "renal"]
    # The alias still fires the rule: it was a silent no-op before.
    doc = clean_patient(order("methotrexate", 15, "mg", "oral", "weekly", id="mtx"))
    [f] = only(lint(doc, config={"rules": {"ILD101": {"agents": ["MTX"]}}}), "ILD101")
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
    # issue 10 item 6: a `select = []` planted two folders up turned every run into a no-op.
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    (tmp_path / ".orderlint.toml").write_text("select = []\n")
    repo = tmp_path / "a" / "repo"
    (repo / ".git").mkdir(parents=True)
    sub = repo / "orders"
    sub.mkdir()
    assert find_config(sub) is None
    (repo / ".orderlint.toml").write_text('fail-on = "error"\n')
    assert find_config(sub) == (repo / ".orderlint.toml", False)


def test_discovery_stops_at_the_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home" / "user"
    work = home / "work"
    work.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "home" / ".orderlint.toml").write_text("select = []\n")
    assert find_config(work) is None
    (home / "pyproject.toml").write_text("[tool.orderlint]\nfail-on = \"error\"\n")
    assert find_config(work) == (home / "pyproject.toml", True)


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


def test_every_amount_a_check_computes_is_declared(monkeypatch):
    # ENGINE decides OL003 from the declared amounts; an undeclared one would make OL003 depend
    # on the rule selection again (rules.md 2nd ed.).
    import orderlint

    calls = _amount_calls(monkeypatch)
    docs = sorted(p for p in (EXAMPLES / "regimens").iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    assert docs
    seen = 0
    for code in ("ILD201", "ILD202", "ILD203", "ILD204", "ILD205", "ILD206", "ILD207", "ILD302", "ILD501", "ILD502"):
        lt = Linter(Settings(select=[code]))
        needs = lt.by_code[code].amounts
        del calls[:]
        for p in docs:
            orderlint.lint(p, linter=lt)
        seen += len(calls)
        for tags, route, basis, per in calls:
            assert any(n.applies(tags, route) and (n.basis, n.per) == (basis, per) for n in needs), (code, tags, route, basis, per)
    assert seen > 0


def test_list_option_summaries_follow_options():
    lt = linter_with(ILD101={"agents": ["leflunomide"]}, ILD404={"drugs": ["mycophenolate"]}, ILD402={"required": {"rituximab": ["hbv"]}})
    s101 = lt.by_code["ILD101"].summary_for(lt.options["ILD101"])
    assert "(leflunomide)" in s101 and "methotrexate" not in s101
    assert "(mycophenolate)" in lt.by_code["ILD404"].summary_for(lt.options["ILD404"])
    s402 = lt.by_code["ILD402"].summary_for(lt.options["ILD402"])
    assert "rituximab: hbv" in s402 and "tocilizumab" not in s402
