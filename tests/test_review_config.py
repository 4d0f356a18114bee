"""Review: invalid settings (pack-level, per-rule, API config) are configuration errors, never
silently used nor an internal error; file selection never silently lints nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import orderlint
from orderlint.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent
DOC = json.loads((ROOT / "examples/regimens/ILD204-fires.json").read_text(encoding="utf-8"))
HUGE = 10**320  # TOML reads integers of any length; so does a dict handed to the API
SETTING = "pulse-min-daily-pe-mg"


def _lint(config: Any) -> Any:
    return orderlint.lint(DOC, config=config)


# ------------------------------------------------------------------ pack-level settings


@pytest.mark.parametrize("config, fragment", [
    ({"packs": {"ssc_ild": {SETTING: 250}}}, "no installed pack is named 'ssc_ild'"),
    ({"packs": {"SSc-ILD": {SETTING: 250}}}, "no installed pack"),
    ({"packs": {"orderlint": {SETTING: 250}}}, "has no setting"),
    ({"packs": {"ssc-ild": {"pulse_min_daily_pe_mg": 250}}}, "did you mean"),
    ({"packs": {"ssc-ild": {"pulse-min-daily-pe": 250}}}, "has no setting"),
    ({"packs": {"ssc-ild": {SETTING: True}}}, "must be a number"),
    ({"packs": {"ssc-ild": {SETTING: "250"}}}, "must be a number"),
    ({"packs": {"ssc-ild": {SETTING: None}}}, "must be a number"),
    ({"packs": {"ssc-ild": {SETTING: [250]}}}, "must be a number"),
    ({"packs": {"ssc-ild": {SETTING: {"value": 250}}}}, "must be a number"),
    ({"packs": {"ssc-ild": {SETTING: float("nan")}}}, "finite"),
    ({"packs": {"ssc-ild": {SETTING: float("inf")}}}, "finite"),
    ({"packs": {"ssc-ild": {SETTING: 99}}}, "at least 100"),
    ({"packs": {"ssc-ild": {SETTING: 2**63}}}, "at most"),
    ({"packs": {"ssc-ild": 250}}, "must be a table"),
    ({"packs": 3}, "must be a table"),
    ({"packs": {"ssc-ild": {SETTING: 250}}, "rules": {"ILD204": {SETTING: 500}}}, "set twice"),
    ({"rules": {"ILD204": {SETTING: "500"}}}, "must be a number"),
    ({"rules": {"OL004": {SETTING: 500}}}, "has no option"),
])
def test_bad_pack_settings_are_configuration_errors(config: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=None) as e:
        _lint(config)
    assert fragment in str(e.value)


def test_both_spellings_with_one_value_and_the_new_spelling_take_effect() -> None:
    # methylprednisolone 1000 mg daily is 1250 mg PE/day: a pulse at 250, still one at the 1250 maximum
    assert "ILD204" in [f.code for f in _lint({"packs": {"ssc-ild": {SETTING: 250}}, "rules": {"ILD204": {SETTING: 250.0}}}).findings]
    doc = json.loads(json.dumps(DOC))
    doc["orders"][0]["dose"] = 500  # 625 mg PE/day
    for config in ({"packs": {"ssc-ild": {SETTING: 1000}}}, {"rules": {"ILD204": {SETTING: 1000}}}):
        assert "ILD204" not in [f.code for f in orderlint.lint(doc, config=config).findings], config
    assert "ILD204" in [f.code for f in orderlint.lint(doc).findings]


@pytest.mark.parametrize("config", [
    {"packs": {"ssc-ild": {SETTING: HUGE}}},
    {"rules": {"ILD204": {SETTING: HUGE}}},
    {"rules": {"ILD503": {"max-course-days": HUGE}}},
], ids=["pack", "old-spelling", "rule-option"])
def test_a_huge_integer_setting_is_a_configuration_error(config: dict) -> None:
    with pytest.raises(ConfigError):
        _lint(config)


def test_a_huge_check_timeout_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError):
        _lint({"check-timeout": HUGE})


# ------------------------------------------------------------------ the API's config dict


@pytest.mark.parametrize("severity", ["Error", "fatal", 1, None])
def test_api_config_severity_values_are_checked(severity: Any) -> None:
    with pytest.raises(ConfigError):
        _lint({"severity": {"ILD204": severity}})


def test_settings_object_severity_values_are_checked() -> None:
    with pytest.raises(ConfigError):
        _lint(Settings(severity={"ILD204": "fatal"}))


@pytest.mark.parametrize("config", [{"select": 5}, {"ignore": 5}, {"rules": 5}, {"severity": 5}, {"lookback-days": 5}], ids=str)
def test_api_config_shapes_are_checked(config: dict) -> None:
    with pytest.raises(ConfigError):
        _lint(config)


def test_api_config_unknown_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        _lint({"pakcs": {"ssc-ild": {SETTING: 250}}})


def test_api_config_rule_options_not_a_table_is_an_error() -> None:
    # The API's dict now goes through the file schema first, so the message is the file's.
    with pytest.raises(ConfigError, match=r"rules\.ILD503: Input should be a valid dictionary"):
        _lint({"rules": {"ILD503": 5}})


# ------------------------------------------------------------------ the command line


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERLINT")}
    return subprocess.run([sys.executable, "-m", "orderlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=env)


def _project(tmp_path: Path, toml: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    shutil.copy(ROOT / "examples/regimens/ILD204-fires.json", tmp_path / "pt.json")
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("toml", [
    f"[tool.orderlint.packs.ssc_ild]\n{SETTING} = 250\n",
    "[tool.orderlint.packs.ssc-ild]\npulse_min_daily_pe_mg = 250\n",
    f"[tool.orderlint.packs.ssc-ild]\n{SETTING} = nan\n",
    f"[tool.orderlint.packs.ssc-ild]\n{SETTING} = \"250\"\n",
    f"[tool.orderlint.packs.ssc-ild]\n{SETTING} = 250\n[tool.orderlint.rules.ILD204]\n{SETTING} = 500\n",
])
def test_cli_pack_setting_mistakes_exit_2(tmp_path: Path, toml: str) -> None:
    out = _run(["check", "pt.json"], _project(tmp_path, toml))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    assert out.stdout == ""


@pytest.mark.slow
def test_cli_huge_pack_setting_is_a_configuration_error(tmp_path: Path) -> None:
    out = _run(["check", "pt.json"], _project(tmp_path, f"[tool.orderlint.packs.ssc-ild]\n{SETTING} = 1{'0' * 320}\n"))
    assert out.returncode == 2
    assert "internal error" not in out.stderr and SETTING in out.stderr


# ------------------------------------------------------------------ file selection


def _tree(tmp_path: Path, toml: str = "") -> Path:
    if toml:
        (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    for sub in ("orders/sub", "orders/build"):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "examples/regimens/ILD204-fires.json", tmp_path / sub / "pt.json")
    return tmp_path


@pytest.mark.slow
def test_a_folder_whose_files_are_all_excluded_is_not_a_pass(tmp_path: Path) -> None:
    out = _run(["check", "orders/"], _tree(tmp_path, '[tool.orderlint]\nextend-exclude = ["sub"]\n'))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "no regimen documents found" in out.stderr


@pytest.mark.slow
def test_the_all_excluded_message_says_files_were_excluded(tmp_path: Path) -> None:
    out = _run(["check", "orders/"], _tree(tmp_path, '[tool.orderlint]\nextend-exclude = ["sub"]\n'))
    assert "exclude" in out.stderr


@pytest.mark.slow
def test_force_exclude_of_every_named_path_says_so(tmp_path: Path) -> None:
    out = _run(["check", "--force-exclude", "orders/build/pt.json"], _tree(tmp_path))
    assert out.returncode == 0  # interfaces.md: the pre-commit hook on excluded files only
    assert "every path given is excluded" in out.stderr and "orders/build/pt.json" in out.stderr


@pytest.mark.slow
def test_a_named_excluded_file_is_linted_without_force(tmp_path: Path) -> None:
    out = _run(["check", "orders/build/pt.json"], _tree(tmp_path))
    assert out.returncode == 1 and "ILD204" in out.stdout


# ------------------------------------------------------------------ configuration discovery

# Valid TOML spellings of [tool.orderlint] that a text search for "[tool.orderlint" does not see.
TOOL_SPELLINGS = [
    "[tool]\norderlint.packs.ssc-ild.pulse-min-daily-pe-mg = 100\n",
    "[tool]\norderlint = {packs = {ssc-ild = {pulse-min-daily-pe-mg = 100}}}\n",
    "tool.orderlint.packs.ssc-ild.pulse-min-daily-pe-mg = 100\n",
    '[tool."orderlint".packs.ssc-ild]\npulse-min-daily-pe-mg = 100\n',
    "[ tool.orderlint.packs.ssc-ild ]\npulse-min-daily-pe-mg = 100\n",
]


def test_the_usual_spelling_is_found(tmp_path: Path) -> None:
    from orderlint.config import find_config

    (tmp_path / "pyproject.toml").write_text("[tool.orderlint.packs.ssc-ild]\npulse-min-daily-pe-mg = 100\n", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    assert find_config(tmp_path) == (tmp_path / "pyproject.toml", True)


@pytest.mark.parametrize("toml", TOOL_SPELLINGS, ids=["dotted-under-tool", "inline", "dotted-top", "quoted", "spaced"])
def test_every_toml_spelling_of_the_table_is_found(tmp_path: Path, toml: str) -> None:
    from orderlint.config import find_config

    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    assert find_config(tmp_path) == (tmp_path / "pyproject.toml", True)


@pytest.mark.slow
def test_cli_applies_a_dotted_key_pack_setting(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(TOOL_SPELLINGS[0], encoding="utf-8")
    doc = json.loads(json.dumps(DOC))
    doc["orders"][0]["dose"] = 100
    (tmp_path / "pt.json").write_text(json.dumps(doc), encoding="utf-8")
    out = _run(["check", "pt.json"], tmp_path)
    assert "ILD204" in out.stdout


@pytest.mark.slow
def test_an_empty_json_lines_file_named_with_others_is_mentioned(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples/regimens/ILD204-clean.json", tmp_path / "clean.json")
    (tmp_path / "export.jsonl").write_bytes(b"")
    out = _run(["check", "export.jsonl", "clean.json"], tmp_path)
    assert out.returncode != 0 or "export.jsonl" in out.stdout + out.stderr


@pytest.mark.slow
def test_an_empty_json_file_is_ol001(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples/regimens/ILD204-clean.json", tmp_path / "clean.json")
    (tmp_path / "export.json").write_bytes(b"")
    out = _run(["check", "export.json", "clean.json"], tmp_path)
    assert out.returncode == 1 and "export.json:1:1: OL001" in out.stdout
