"""Review: configuration, dates and report paths through which a regimen passed unchecked, or a
run looked clean (each failed before its fix). An empty configuration path that loaded whatever
lay in the working directory, a configuration file that cannot be read, a pyproject.toml that is
not UTF-8, evaluation dates Python reads but the contract does not name, two look-back keys for one
test, a baseline linted as a regimen, and a SARIF run with unreadable inputs marked successful."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

import orderlint
from conftest import EXAMPLES, run_orderlint
from orderlint.config import ConfigError, build_settings, parse_as_of

FIRES = EXAMPLES / "regimens" / "ILD301-fires.json"


def _doc() -> dict:
    return json.loads(FIRES.read_text(encoding="utf-8"))


@pytest.fixture
def ignoring_config(tmp_path, monkeypatch):
    """A working directory whose configuration ignores ILD301."""
    (tmp_path / ".orderlint.toml").write_text('ignore = ["ILD301"]\n', encoding="utf-8")
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# interfaces.md "Python API": config None is the defaults, no discovery.
def test_an_empty_configuration_path_is_an_error_never_discovery(ignoring_config):
    # config=os.environ.get("ORDERLINT_CONFIG", "") loaded the working directory's ignore list.
    with pytest.raises(ConfigError, match="the configuration path is empty"):
        orderlint.lint(_doc(), config="")
    assert [f.code for f in orderlint.lint(_doc(), config=None).findings] == ["ILD301"]
    r = run_orderlint("check", str(FIRES), "--config", "", cwd=ignoring_config)
    assert r.returncode == 2 and b"the configuration path is empty" in r.stderr


@pytest.mark.parametrize("make", [lambda p: p.symlink_to(p.parent / "missing.toml"), lambda p: p.mkdir()],
                         ids=["dangling-link", "folder"])
def test_a_configuration_file_that_cannot_be_read_is_an_error(tmp_path, monkeypatch, make):
    # It was skipped for the next configuration up (or the defaults).
    make(tmp_path / ".orderlint.toml")
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="cannot be read"):
        build_settings(start=tmp_path)


def test_a_pyproject_that_is_not_utf8_is_said_or_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    (tmp_path / "pyproject.toml").write_bytes('[project]\ndescription = "M\xfcller"\n'.encode("latin-1"))
    assert build_settings(start=tmp_path).config_file is None  # another project's file: not orderlint's
    (tmp_path / "pyproject.toml").write_bytes('[tool.orderlint]\nignore = ["M\xfcller"]\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text"):  # was an internal error naming no file
        build_settings(start=tmp_path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_pyproject_holding_the_table_in_another_encoding_is_an_error(tmp_path, monkeypatch, encoding):
    # What some editors save: skipped as "no table", the site's severities and selection were dropped.
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    (tmp_path / "pyproject.toml").write_bytes('[project]\nname = "site"\n\n[tool.orderlint]\nfail-on = "error"\n'
                                              .encode(encoding))
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        build_settings(start=tmp_path)
    (tmp_path / "pyproject.toml").write_bytes('[project]\nname = "other"\n'.encode(encoding))
    assert build_settings(start=tmp_path).config_file is None  # another project's file


def test_a_pyproject_naming_the_table_by_a_toml_escape_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool."\\u006frderlint"]\nfail-on = "error"\n')
    s = build_settings(start=tmp_path)
    assert s.config_file is not None and s.fail_on == "error"


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs /proc/self/mem, a file that cannot be read")
def test_a_pyproject_that_cannot_be_read_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    (tmp_path / "pyproject.toml").symlink_to("/proc/self/mem")
    with pytest.raises(ConfigError, match="cannot read"):
        build_settings(start=tmp_path)


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("YES", True), ("on", True),
                                        ("0", None), ("false", None), ("no", None), ("", None), ("off", None)])
def test_orderlint_no_config_is_1_or_an_error(tmp_path, monkeypatch, value, off):
    # "=0" meant to keep the site's file, and dropped it unsaid.
    (tmp_path / ".orderlint.toml").write_text('fail-on = "error"\n')
    monkeypatch.setenv("ORDERLINT_NO_CONFIG", value)
    if off:
        assert build_settings(start=tmp_path).config_file is None
    else:
        with pytest.raises(ConfigError, match=r"ORDERLINT_NO_CONFIG=.* is not understood: set it to 1"):
            build_settings(start=tmp_path)


# interfaces.md: `--as-of YYYY-MM-DD`.
@pytest.mark.parametrize("value", ["20260302", "2026W101", "2026-02-30", "yesterday", "", 5, b"2026-03-02"])
def test_an_evaluation_date_is_exactly_yyyy_mm_dd(value):
    with pytest.raises(ConfigError, match="must be a date YYYY-MM-DD"):
        parse_as_of(value)
    with pytest.raises(ConfigError):
        orderlint.lint(_doc(), as_of=value)


def test_a_datetime_evaluation_date_is_its_date():
    # A datetime crashed every look-back check (OL000) through the API.
    doc = _doc()
    doc.pop("as_of", None)
    r = orderlint.lint(doc, as_of=dt.datetime(2026, 3, 2, 10, 0))
    assert "OL000" not in [f.code for f in r.findings] and parse_as_of(" 2026-03-02 ") == dt.date(2026, 3, 2)


@pytest.mark.parametrize("windows", [{"lft": 10, "cmp": 100}, {"cmp": 10, "lft": 100}, {"LFT": 100, "lft": 10}],
                         ids=["test-then-alias", "alias-then-test", "two-spellings"])
def test_two_lookback_keys_for_one_test_are_an_error(windows):
    # Whichever was an alias silently won, and could widen the window.
    from orderlint.config import _apply_table
    from orderlint.engine import Linter

    settings = build_settings(discover=False)
    _apply_table(settings, {"lookback-days": windows}, "site")
    with pytest.raises(ConfigError, match="set the window of lft differently; give it once"):
        Linter(settings)


@pytest.mark.parametrize("windows", [{"pregnancy": 14, "hcg": 30}, {"hcg": 30, "Pregnancy": 14}])
def test_a_lookback_key_at_its_default_value_still_conflicts_with_an_alias(windows):
    # pregnancy = 14 is the default: the site's key was not told from the default, and hcg = 30
    # silently widened the pregnancy window to 30 days.
    from orderlint.config import _apply_table
    from orderlint.engine import Linter

    settings = build_settings(discover=False)
    _apply_table(settings, {"lookback-days": windows}, "site")
    with pytest.raises(ConfigError, match="set the window of pregnancy differently; give it once"):
        Linter(settings)
    # An alias alone sets the window (it wins over the default).
    settings = build_settings(discover=False)
    _apply_table(settings, {"lookback-days": {"hcg": 20}}, "site")
    assert Linter(settings)._lookback["pregnancy"] == 20


def test_the_baseline_is_never_linted_by_the_walk_that_uses_it(tmp_path):
    (tmp_path / "pt.json").write_text(FIRES.read_text(encoding="utf-8"), encoding="utf-8")
    base = tmp_path / "baseline.json"
    assert run_orderlint("check", str(tmp_path), "--write-baseline", str(base)).returncode == 0  # recorded, not failed
    r = run_orderlint("check", str(tmp_path), "--baseline", str(base), "--format", "json")
    assert r.returncode == 0, r.stdout[-2000:]
    assert [Path(x["source"]).name for x in json.loads(r.stdout)["results"]] == ["pt.json"]


def test_sarif_of_a_run_with_an_unreadable_input_is_not_successful(tmp_path):
    # Exit 2 and a message on standard error, but the SARIF said executionSuccessful: true, so a
    # code-scanning upload showed a clean run over fewer files.
    (tmp_path / "pt.json").write_text((EXAMPLES / "regimens" / "ILD301-clean.json").read_text(encoding="utf-8"), encoding="utf-8")
    os.symlink(tmp_path / "missing.json", tmp_path / "dangling.json")
    r = run_orderlint("check", str(tmp_path), "--format", "sarif")
    assert r.returncode == 2
    (inv,) = json.loads(r.stdout)["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is False
    assert [n["level"] for n in inv["toolExecutionNotifications"]] == ["error"]
    assert "dangling.json" in inv["toolExecutionNotifications"][0]["message"]["text"]


@pytest.mark.parametrize("fields, named", [
    ({"rules": {"ILD501": [("mmf-max-mg-per-day", 3500)]}}, "Settings.rules"),  # raised AttributeError
    ({"packs": {"ssc-ild": "x"}}, "Settings.packs"),
    ({"ignore": "ILD501"}, "Settings.ignore"),  # was read letter by letter: "unknown rule 'I'"
    ({"select": ("ILD5",)}, "Settings.select"),
    ({"check_timeout": "5"}, "Settings.check_timeout"),
    ({"lookback_days": {"pregnancy": 14.5}}, "Settings.lookback_days"),
    ({"force_exclude": 1}, "Settings.force_exclude"),
])
def test_settings_built_in_code_with_a_wrong_shape_are_a_config_error(fields, named):
    from orderlint.config import Settings

    with pytest.raises(ConfigError, match=rf"^{named} = .* is not "):
        orderlint.lint(_doc(), config=Settings(**fields))


def test_settings_built_in_code_of_the_right_shape_are_taken():
    from orderlint.config import Settings

    r = orderlint.lint(_doc(), config=Settings(rules={"ILD501": {"mmf-max-mg-per-day": 2500}}, ignore=["ILD405"],
                                               lookback_days={"default": 90, "pregnancy": 7}, check_timeout=5))
    assert r.status == "checked"


def test_the_api_reads_bytes_like_and_path_like_documents(tmp_path):
    # A bytearray, a memoryview and a PurePath were "must be an object, not a number".
    import pathlib
    import types

    raw = (EXAMPLES / "regimens" / "ILD501-fires.json").read_bytes()
    (tmp_path / "d.json").write_bytes(raw)
    for document in (bytearray(raw), memoryview(raw), pathlib.PurePosixPath(tmp_path / "d.json")):
        r = orderlint.lint(document)
        assert r.status == "checked" and "ILD501" in [f.code for f in r.findings], type(document)
    for document, name in ((types.MappingProxyType(json.loads(raw)), "mappingproxy"), ({1, 2}, "set")):
        r = orderlint.lint(document)
        assert r.status == "invalid" and r.findings[0].message == (
            f"a regimen document must be an object, not a Python {name} (no JSON value)")
