"""Site settings that made an unsafe regimen pass silently (review of the configuration).

rules.md "Messages, options and names": a typo must never switch a safety rule off; interfaces.md
"Configuration". Each test here failed before its fix.
"""

from __future__ import annotations

import pytest

import orderlint
from orderlint.config import ConfigError, Settings
from orderlint.engine import Linter
from regimen_factory import AS_OF, clean_patient, drop_tests, lint, order, only

TOFACITINIB_NO_TB = {
    "id": "tofa-no-tb", "kind": "patient", "as_of": AS_OF,
    "indication": {"condition": "ssc-ild", "rapidly_progressive": True},
    "patient": {"sex": "male", "age_years": 45, "weight_kg": 92, "height_cm": 185},
    "orders": [{"id": "tofa", "drug": "tofacitinib", "dose": 5, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [
        {"test": "cbc", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "lft", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "hbv", "status": "resulted", "date": "2026-02-20", "result": "negative"},
        {"test": "hrct", "status": "resulted", "date": "2026-01-15"},
        {"test": "pft", "status": "resulted", "date": "2026-01-15"},
    ],
}

MMF_NO_PREGNANCY_TEST = {
    "id": "f", "kind": "patient", "as_of": AS_OF, "indication": {"condition": "ssc-ild"},
    "patient": {"sex": "female", "age_years": 30, "weight_kg": 60},
    "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [{"test": t, "status": "ordered"} for t in ("cbc", "lft", "hbv", "hrct", "pft")],
}


# ----------------------------------------------------------------- H3: a site's list adds to the default

def test_a_site_entry_for_rituximab_keeps_tb_screening_for_jak_inhibitors():
    # `[rules.ILD402] required = {rituximab = ["hbv", "hcv"]}` (meant to add HCV) replaced the table:
    # tofacitinib without a TB test passed with exit 0.
    cfg = {"rules": {"ILD402": {"required": {"rituximab": ["hbv", "hcv"]}}}}
    [f] = only(orderlint.lint(TOFACITINIB_NO_TB, as_of=AS_OF, config=cfg), "ILD402")
    assert f.severity == "error" and "tb" in f.message
    required = Linter(Settings(rules=cfg["rules"])).options["ILD402"]["required"]
    assert required["rituximab"] == ["hbv", "hcv"] and required["jak-inhibitor"] == ["tb"]


def test_a_site_drug_list_for_ild404_keeps_mycophenolate():
    for key in ("ILD404", "pregnancy-test-missing"):
        cfg = {"rules": {key: {"drugs": ["leflunomide"]}}}
        [f] = only(orderlint.lint(MMF_NO_PREGNANCY_TEST, as_of=AS_OF, config=cfg), "ILD404")
        assert "mycophenolate" in f.message


def test_a_site_entry_adds_tests_to_the_default_entry():
    cfg = {"rules": {"ILD401": {"required": {"mycophenolate": ["renal"]}}}}
    doc = drop_tests(clean_patient(), "renal")
    [f] = only(lint(doc, config=cfg), "ILD401")
    assert "renal" in f.message
    assert Linter(Settings(rules=cfg["rules"])).options["ILD401"]["required"]["mycophenolate"] == ["cbc", "lft", "renal"]


def _pack_options():
    lt = Linter()
    return lt, [(r.code, k, o) for r in lt.rules if r.plugin != "orderlint"
                for k, o in r.options.items() if o.kind in ("list", "names", "table")]


#: List and table options whose entries make a rule fire less (exemptions, what counts as
#: protection): a site's value replaces the default, so writing a shorter list fires more.
REPLACED = {
    ("ILD101", "rp-ild-exempt"): "drugs exempt with RP-ILD: a shorter list fires more",
    ("ILD205", "partners"): "what counts as the accompanying immunosuppressant: a shorter list fires more",
}


def test_every_list_option_that_makes_a_rule_fire_adds_to_its_default():
    lt, opts = _pack_options()
    assert len(opts) >= 8
    for code, k, o in opts:
        if (code, k) in REPLACED:
            assert not o.additive, (code, k)
            continue
        assert o.additive, f"{code} {k}: a site's value must add to the default (Option(additive=True))"
        default = o.validate(o.default, lt.vocab)
        one = {next(iter(default)): list(default.values())[0]} if o.kind == "table" else [default[0]]
        effective = Linter(Settings(rules={code: {k: one}})).options[code][k]
        assert effective == default, (code, k, effective)
        assert "-remove" in o.description, (code, k)  # explain says how to take an entry out


def test_an_entry_is_taken_out_only_by_name_with_option_remove():
    lt = Linter(Settings(rules={"ILD404": {"drugs-remove": ["methotrexate"]},
                                "ILD402": {"required-remove": ["rituximab"], "required": {"rituximab": ["hcv"]}}}))
    assert "methotrexate" not in lt.options["ILD404"]["drugs"] and "mycophenolate" in lt.options["ILD404"]["drugs"]
    assert lt.options["ILD402"]["required"]["rituximab"] == ["hcv"]  # replaced, visibly
    assert lt.options["ILD402"]["required"]["tocilizumab"] == ["tb"]


@pytest.mark.parametrize(
    "rules, fragments",
    [
        ({"ILD404": {"drugs-remove": ["azathioprine"]}}, ["ILD404", "'drugs-remove'", "'azathioprine'", "not an entry of the default"]),
        ({"ILD404": {"drugs-remove": ["mycofenolate"]}}, ["ILD404", "did you mean"]),
        ({"ILD404": {"drugs-remove": ["mycophenolate", "cyclophosphamide", "nintedanib", "leflunomide", "methotrexate"]}},
         ["ILD404", "would remove every entry", 'ignore = ["ILD404"]']),
        ({"ILD404": {"drug-remove": ["methotrexate"]}}, ["ILD404", "has no option 'drug-remove'", "did you mean 'drugs-remove'"]),
        ({"ILD205": {"partners-remove": ["ivig"]}}, ["ILD205", "has no option 'partners-remove'"]),
    ],
)
def test_a_removal_that_removes_nothing_or_everything_is_a_config_error(rules, fragments):
    with pytest.raises(ConfigError) as e:
        Linter(Settings(rules=rules))
    msg = str(e.value)
    assert "\n" not in msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_explain_and_rules_json_say_a_site_list_adds():
    from orderlint.docs import rule_dict

    lt = Linter(Settings(rules={"ILD402": {"required": {"rituximab": ["hcv"]}}}))
    d = rule_dict(lt.by_code["ILD402"], lt.options["ILD402"])["options"]["required"]
    assert d["additive"] is True and d["value"]["rituximab"] == ["hbv", "hcv"] and d["value"]["jak-inhibitor"] == ["tb"]


def test_a_site_list_naming_a_new_drug_fires_on_it_and_on_the_defaults():
    cfg = {"rules": {"ILD101": {"agents": ["azathioprine"]}}}
    aza = clean_patient(order("azathioprine", 2, "mg/kg", id="aza"))
    assert only(lint(aza, config=cfg), "ILD101")
    mtx = clean_patient(order("methotrexate", 15, "mg", "oral", "weekly", id="mtx"))
    assert only(lint(mtx, config=cfg), "ILD101")


# ----------------------------------------------------------------- H4: OL003 and OL007 are never lowered

def _not_applicable_doc():
    return clean_patient(indication={"condition": "ra-ild"})


@pytest.mark.parametrize("code, sev", [("OL007", "info"), ("OL007", "warning"), ("OL003", "info"),
                                        ("not-applicable", "warning"), ("unverifiable-dose", "info")])
def test_a_severity_that_lowers_ol003_or_ol007_is_a_config_error_naming_the_ignore(code, sev):
    # README: OL002, OL003 and OL007 are turned off only by an ignore that names them; a lower
    # severity passed a not-applicable document (exit 0) and an unverifiable dose under --fail-on.
    with pytest.raises(ConfigError) as e:
        Linter(Settings(severity={code: sev}))
    msg = str(e.value)
    assert "cannot be lowered" in msg and "ignore = [" in msg and "\n" not in msg, msg


def test_ol003_and_ol007_may_be_raised_and_ignored_by_name():
    assert Linter(Settings(severity={"OL003": "error"})).severity["OL003"] == "error"
    assert Linter(Settings(severity={"OL007": "error", "OL003": "warning"})).severity["OL007"] == "error"
    result = orderlint.lint(_not_applicable_doc(), as_of=AS_OF, config={"ignore": ["OL007"]})
    assert result.status == "not-applicable" and not result.findings
    # OL002's warning tier may still be lowered (its error tier stays an error).
    assert Linter(Settings(severity={"OL002": "info"})).severity["OL002"] == "info"


def test_cli_refuses_a_lowered_ol007_with_exit_2(tmp_path):
    import json

    from click.testing import CliRunner

    from orderlint.cli import cli

    doc = tmp_path / "na.json"
    doc.write_text(json.dumps(_not_applicable_doc()))
    for toml in ('severity = {OL007 = "info"}\n', 'fail-on = "error"\nseverity = {OL007 = "warning"}\n'):
        cfg = tmp_path / "cfg.toml"
        cfg.write_text(toml)
        res = CliRunner().invoke(cli, ["check", "--config", str(cfg), str(doc)])
        assert res.exit_code == 2 and "cannot be lowered" in res.output, res.output


# ----------------------------------------------------------------- L1: one rule under two spellings

@pytest.mark.parametrize(
    "settings, fragments",
    [
        (Settings(severity={"ILD301": "error", "ild301": "info"}), ["severity", "'ILD301'", "'ild301'", "give it once"]),
        (Settings(severity={"ILD301": "warning", "pcp-prophylaxis-missing": "info"}), ["'ILD301'", "'pcp-prophylaxis-missing'"]),
        (Settings(rules={"ILD202": {"max-daily-pe-mg": 20}, "glucocorticoid-high-dose": {"max-daily-pe-mg": 30}}),
         ["rules", "'ILD202'", "'glucocorticoid-high-dose'", "give it once"]),
        (Settings(rules={"ILD404": {"drugs": ["azathioprine"]}, "ild404": {"drugs-remove": ["methotrexate"]}}), ["'ILD404'", "'ild404'"]),
    ],
)
def test_one_rule_named_twice_in_a_table_is_a_config_error(settings, fragments):
    with pytest.raises(ConfigError) as e:
        Linter(settings)
    for frag in fragments:
        assert frag in str(e.value), (frag, str(e.value))


def test_two_spellings_in_a_file_exit_2_naming_both(tmp_path):
    from click.testing import CliRunner

    from orderlint.cli import cli

    cfg = tmp_path / "cfg.toml"
    cfg.write_text('severity = {ILD301 = "error", ild301 = "info"}\n')
    res = CliRunner().invoke(cli, ["check", "--config", str(cfg), "--as-of", AS_OF, str(tmp_path)])
    assert res.exit_code == 2 and "'ILD301' and 'ild301'" in res.output and str(cfg) in res.output, res.output


# ----------------------------------------------------------------- H2: a configuration file's as-of

NO_AS_OF = {
    "id": "f", "kind": "patient", "indication": {"condition": "ssc-ild"},
    "patient": {"sex": "male", "age_years": 50, "weight_kg": 80, "height_cm": 180},
    "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [{"test": t, "status": "resulted", "date": "2020-02-25", "result": "negative" if t == "hbv" else "normal"}
              for t in ("cbc", "lft", "hbv")] + [{"test": t, "status": "resulted", "date": "2020-02-25"} for t in ("hrct", "pft")],
}


def _site(tmp_path, monkeypatch, toml: str):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".orderlint.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)


def test_check_says_the_evaluation_date_a_configuration_file_fixes(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from orderlint.cli import cli

    _site(tmp_path, monkeypatch, "as-of = 2020-03-01\n")
    (tmp_path / "doc.json").write_text(json.dumps(NO_AS_OF))
    res = CliRunner().invoke(cli, ["check", "doc.json"])
    assert res.exit_code == 0, res.output  # the old tests count as recent on that day
    assert "evaluation date 2020-03-01, not today" in res.stderr and ".orderlint.toml" in res.stderr, res.stderr
    # Given on the command line, it is what the user asked for: no note.
    res = CliRunner().invoke(cli, ["check", "doc.json", "--as-of", "2026-03-02"])
    assert res.exit_code == 1 and "evaluation date" not in res.stderr, res.stderr


def test_serve_refuses_a_fixed_as_of_without_allow_as_of(tmp_path):
    pytest.importorskip("starlette")
    from orderlint.serve import create_app

    linter = Linter(Settings(as_of=__import__("datetime").date(2020, 3, 1)))
    with pytest.raises(ConfigError) as e:
        create_app({"feedback-db": str(tmp_path / "fb.sqlite3")}, linter)
    assert "as-of = 2020-03-01" in str(e.value) and "allow-as-of = true" in str(e.value) and "\n" not in str(e.value)
    create_app({"feedback-db": str(tmp_path / "fb2.sqlite3"), "allow-as-of": True}, linter)  # tests and replays
    create_app({"feedback-db": str(tmp_path / "fb3.sqlite3")}, Linter())  # today: no fixed date


def test_orderlint_serve_exits_2_on_a_fixed_as_of(tmp_path, monkeypatch):
    pytest.importorskip("uvicorn")
    pytest.importorskip("starlette")
    pytest.importorskip("jwt")
    from click.testing import CliRunner

    from orderlint.cli import cli

    _site(tmp_path, monkeypatch, f'as-of = 2020-03-01\n[serve]\nfeedback-db = "{tmp_path / "fb.sqlite3"}"\n')

    def started(*a, **kw):
        raise SystemExit(99)  # it would listen: the refusal must come before

    monkeypatch.setattr("uvicorn.run", started)
    res = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert res.exit_code == 2, res.output
    assert "as-of = 2020-03-01" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


# ----------------------------------------------------------------- L5: ORDERLINT_NO_CONFIG says what it skipped

def test_orderlint_no_config_says_which_file_it_did_not_read(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from orderlint.cli import cli

    _site(tmp_path, monkeypatch, 'ignore = ["ILD402"]\n')
    (tmp_path / "doc.json").write_text(json.dumps(NO_AS_OF))
    monkeypatch.setenv("ORDERLINT_NO_CONFIG", "1")
    # `orderlint config` says which file the variable kept from being read (check does not repeat it
    # on every run: the variable is set on purpose, as the test suite itself sets it).
    res = CliRunner().invoke(cli, ["config"])
    assert res.exit_code == 0 and "not read: ORDERLINT_NO_CONFIG is set" in res.output, res.output
    assert ".orderlint.toml" in res.output
    monkeypatch.delenv("ORDERLINT_NO_CONFIG")
    res = CliRunner().invoke(cli, ["config"])
    assert "ORDERLINT_NO_CONFIG" not in res.output
