"""Configuration files: discovery, precedence, validation, and `orderlint config`."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES

DOC = EXAMPLES / "regimens" / "ILD202-fires.json"  # methylprednisolone 16 mg = 20 mg PE


def _codes(result):
    return [f["code"] for r in json.loads(result.stdout)["results"] for f in r["findings"]]


def _env():
    import os

    e = dict(os.environ)
    e.pop("ORDERLINT_NO_CONFIG", None)
    return e


def run_in(tmp_path, *args):
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("orderlint")
    return subprocess.run([str(exe), *args], cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=60)


@pytest.mark.slow
def test_pyproject_threshold_applies(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.orderlint.rules.ILD202]\nmax-daily-pe-mg = 20\n')
    r = run_in(tmp_path, "check", str(DOC), "--format", "json")
    assert r.returncode == 0 and _codes(r) == []


@pytest.mark.slow
def test_dedicated_file_wins_over_pyproject_in_the_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.orderlint]\nignore = ["ILD202"]\n')
    (tmp_path / ".orderlint.toml").write_text('fail-on = "error"\n')
    r = run_in(tmp_path, "check", str(DOC), "--format", "json")
    assert _codes(r) == ["ILD202"] and r.returncode == 1


@pytest.mark.slow
def test_closest_file_to_the_working_directory_applies(tmp_path):
    # A project in a git repository: discovery looks above the working directory only up to its
    # root (outside a repository or the home folder, it reads the working directory alone).
    (tmp_path / ".git").mkdir()
    (tmp_path / ".orderlint.toml").write_text('ignore = ["ILD202"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert _codes(run_in(sub, "check", str(DOC), "--format", "json")) == []
    (sub / "pyproject.toml").write_text('[tool.orderlint]\nselect = ["ILD2"]\n')
    assert _codes(run_in(sub, "check", str(DOC), "--format", "json")) == ["ILD202"]


@pytest.mark.slow
def test_explicit_config_overrides_discovery(tmp_path):
    (tmp_path / ".orderlint.toml").write_text('ignore = ["ILD202"]\n')
    other = tmp_path / "site.toml"
    other.write_text('severity = {ILD202 = "info"}\n')
    r = run_in(tmp_path, "check", str(DOC), "--format", "json", "--config", str(other))
    data = json.loads(r.stdout)
    assert [(f["code"], f["severity"]) for f in data["results"][0]["findings"]] == [("ILD202", "info")]
    assert r.returncode == 0  # info is below the default fail-on (warning)


@pytest.mark.slow
def test_command_line_overrides_the_file(tmp_path):
    (tmp_path / ".orderlint.toml").write_text('fail-on = "never"\n')
    assert run_in(tmp_path, "check", str(DOC)).returncode == 0
    assert run_in(tmp_path, "check", str(DOC), "--fail-on", "error").returncode == 1


@pytest.mark.slow
def test_lookback_windows_are_configurable(tmp_path):
    (tmp_path / ".orderlint.toml").write_text('[lookback-days]\npregnancy = 7\ntpmt = "any"\n')
    r = run_in(tmp_path, "config")
    assert "pregnancy=7" in r.stdout and "tpmt=any" in r.stdout
    # A pregnancy test 10 days old counts by default (14 days) but not with a 7-day window.
    doc = {
        "id": "w", "kind": "patient", "as_of": "2026-03-11", "indication": {"condition": "ssc-ild"},
        "patient": {"sex": "female", "weight_kg": 60},
        "orders": [{"id": "mmf", "drug": "CellCept", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
        "tests": [{"test": t, "status": "ordered"} for t in ("cbc", "lft", "hbv", "hrct", "pft")]
        + [{"test": "pregnancy", "status": "resulted", "date": "2026-03-01", "result": "negative"}],
    }
    p = tmp_path / "w.json"
    p.write_text(json.dumps(doc))
    assert _codes(run_in(tmp_path, "check", str(p), "--format", "json")) == ["ILD404"]
    (tmp_path / ".orderlint.toml").unlink()
    assert _codes(run_in(tmp_path, "check", str(p), "--format", "json")) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "content, fragment",
    [
        ('selct = ["ILD2"]\n', "unknown key 'selct' (did you mean 'select'?)"),
        ('fail-on = "sometimes"\n', "fail-on"),
        ('select = ["ILD99"]\n', "unknown rule 'ILD99'"),
        ('[rules.ILD202]\nmax-daily-pe = 20\n', "has no option 'max-daily-pe' (did you mean 'max-daily-pe-mg'?)"),
        ('[rules.ILD202]\nmax-daily-pe-mg = "twenty"\n', "'max-daily-pe-mg': must be a number, not 'twenty'"),
        ('[rules.glucocorticoid-hihg-dose]\nmax-daily-pe-mg = 20\n', "did you mean 'glucocorticoid-high-dose'"),
        ('[severity]\nILD202 = "critical"\n', "severity"),
        ('[severity]\nOL001 = "info"\n', "always error"),
        ('[lookback-days]\npregnancy = -1\n', "whole number of days"),
        ('[lookback-days]\npregnacy = 7\n', "did you mean 'pregnancy'"),
        ('select = [\n', "not valid TOML"),
    ],
)
def test_configuration_mistakes_exit_2_with_one_clear_line(tmp_path, content, fragment):
    (tmp_path / ".orderlint.toml").write_text(content)
    r = run_in(tmp_path, "check", str(DOC))
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1 and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_config_command_shows_values_and_origins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.orderlint]\nfail-on = "error"\n[tool.orderlint.rules.ILD202]\nmax-daily-pe-mg = 20\n')
    r = run_in(tmp_path, "config")
    assert r.returncode == 0
    assert "fail-on = error    # " in r.stdout and "pyproject.toml [tool.orderlint]" in r.stdout
    assert "max-daily-pe-mg = 20    # " in r.stdout
    assert "max-course-days = 84    # default" in r.stdout


@pytest.mark.parametrize("windows", [{}, {"hrct": 365}, {"default": 180}, {"pft": 365, "tpmt": None}])
def test_settings_built_in_code_keep_every_default_window(windows):
    # regimen-format.md, tests[]: each test's default look-back window; rules.md, Configurable, per site.
    # A Settings whose table names some windows replaced the whole table: the pregnancy test then
    # took the 'default' window (90 days, up to 180) for its own 14, and ILD404 passed a woman
    # starting mycophenolate whose pregnancy test was a month old (the API and Spark alike).
    import orderlint
    from orderlint.config import DEFAULT_LOOKBACK, Settings
    from orderlint.engine import Linter

    fires = EXAMPLES / "regimens" / "ILD404-fires.yaml"
    assert [f.code for f in orderlint.lint(fires, config=Settings(lookback_days=dict(windows))).findings] == ["ILD404"]
    effective = Linter(Settings(lookback_days=dict(windows)))._lookback
    assert effective == {**DEFAULT_LOOKBACK, **windows}


def test_no_test_without_its_own_default_window_has_a_limit_below_default_s():
    # Such a test takes the 'default' window, which a site may set up to default's own limit: one
    # whose limit were lower could be given a window longer than its limit without a word.
    from orderlint.config import DEFAULT_LOOKBACK, LOOKBACK_MAX

    ceiling = LOOKBACK_MAX["default"][0]
    for test, (longest, _why) in LOOKBACK_MAX.items():
        if test not in DEFAULT_LOOKBACK:
            assert longest is None or longest >= ceiling, test


def test_settings_built_in_code_refuse_two_windows_for_one_test_as_a_file_does():
    # The same table read from a file was refused; built in code, its pregnancy = 14 (the default's
    # value) did not count as given, and the alias's 30 days silently widened the window.
    import orderlint
    from orderlint.config import ConfigError, Settings

    fires = EXAMPLES / "regimens" / "ILD404-fires.yaml"
    table = {"pregnancy": 14, "hcg": 30}
    for config in (Settings(lookback_days=dict(table)), {"lookback-days": dict(table)}):
        with pytest.raises(ConfigError, match="pregnancy = 14 and hcg = 30 set the window of pregnancy differently"):
            orderlint.lint(fires, config=config)
    # The default table itself, or one alias alone, sets nothing twice.
    assert [f.code for f in orderlint.lint(fires, config=Settings()).findings] == ["ILD404"]
    assert [f.code for f in orderlint.lint(fires, config=Settings(lookback_days={"hcg": 14})).findings] == ["ILD404"]


def test_config_command_shows_every_setting_that_changes_what_is_checked(tmp_path):
    # A site's vocabulary names, the plugins allowed to change drug facts and the time limit were
    # in effect but not shown.
    from conftest import run_cli

    (tmp_path / "site.toml").write_text(
        'check-timeout = 2\nallow-vocabulary-override = ["site-pack"]\ndocs-url = "https://example.org/docs"\n'
        'fhir-namespace = "https://example.org/fhir"\n[vocabulary]\n"MMF-site" = "mycophenolate mofetil"\n')
    r = run_cli("config", "--config", str(tmp_path / "site.toml"))
    assert r.exit_code == 0, r.output
    origin = str(tmp_path / "site.toml")
    for line in ("check-timeout = 2", "allow-vocabulary-override = site-pack", "allow-as-of = false    # default",
                 "fhir-namespace = https://example.org/fhir", "docs-url = https://example.org/docs",
                 "[vocabulary]"):
        assert line in r.stdout, line
    assert f"check-timeout = 2    # {origin}" in r.stdout
    assert "  'MMF-site' = 'mycophenolate mofetil'" in r.stdout
    r = run_cli("config", env={"ORDERLINT_NO_CONFIG": "1"})
    assert "vocabulary = (none)    # default" in r.stdout and "allow-vocabulary-override = (none)    # default" in r.stdout
