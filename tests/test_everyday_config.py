"""[tool.orderlint.packs.<pack>] tables: parsed raw with their origin; shapes that are not tables rejected."""

from __future__ import annotations

import pytest

from orderlint.config import ConfigError, Settings, build_settings


def _settings(tmp_path, text, name="pyproject.toml"):
    p = tmp_path / name
    p.write_text(text)
    return build_settings(config_path=str(p)), p


def test_pack_table_is_parsed_raw_with_its_origin(tmp_path):
    s, p = _settings(tmp_path, '[tool.orderlint.packs.ssc-ild]\npulse-min-daily-pe-mg = 250\n')
    assert s.packs == {"ssc-ild": {"pulse-min-daily-pe-mg": 250}}
    assert s.pack_origin("ssc-ild") == f"{p} [tool.orderlint]"
    assert s.pack_origin("ssc-ild", "pulse-min-daily-pe-mg") == f"{p} [tool.orderlint]"
    assert s.origin("packs") == f"{p} [tool.orderlint]"


def test_pack_table_in_the_dedicated_file(tmp_path):
    s, p = _settings(tmp_path, '[packs.ssc-ild]\npulse-min-daily-pe-mg = 500\n[packs.other]\nx = "y"\n', ".orderlint.toml")
    assert s.packs == {"ssc-ild": {"pulse-min-daily-pe-mg": 500}, "other": {"x": "y"}}
    assert s.pack_origin("other", "x") == str(p)


def test_no_packs_by_default(tmp_path):
    s, _ = _settings(tmp_path, '[tool.orderlint]\nfail-on = "error"\n')
    assert s.packs == {} and Settings().packs == {}
    assert s.pack_origin("ssc-ild") == "default"


@pytest.mark.parametrize("text, needle", [
    ('[tool.orderlint]\npacks = 3\n', "packs must be a table"),
    ('[tool.orderlint]\npacks = {ssc-ild = 3}\n', "packs.ssc-ild must be a table of settings"),
    ('[tool.orderlint.packs]\nssc-ild = [1, 2]\n', "packs.ssc-ild must be a table of settings"),
])
def test_pack_values_that_are_not_tables_are_one_line_errors(tmp_path, text, needle):
    with pytest.raises(ConfigError) as e:
        _settings(tmp_path, text)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_pack_typo_of_the_key_suggests_packs(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'packs'"):
        _settings(tmp_path, '[tool.orderlint.pack.ssc-ild]\nx = 1\n')


def test_config_command_shows_file_selection_and_pack_settings(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / ".orderlint.toml").write_text(
        'extend-exclude = ["drafts/"]\nforce-exclude = true\n[packs.ssc-ild]\npulse-min-daily-pe-mg = 300\n')
    env = {k: v for k, v in os.environ.items() if k != "ORDERLINT_NO_CONFIG"}
    r = subprocess.run([str(Path(sys.executable).with_name("orderlint")), "config"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    origin = str(tmp_path / ".orderlint.toml")
    assert "include = *.json, *.yaml, *.yml, *.jsonl, *.ndjson    # default" in r.stdout
    assert "exclude = .git, .venv, venv, node_modules, build, dist, __pycache__, .tox, .pre-commit-config.yaml, .github/, .gitlab-ci.yml, .orderlint-baseline.json    # default" in r.stdout
    assert f"extend-exclude = drafts/    # {origin}" in r.stdout
    assert f"force-exclude = true    # {origin}" in r.stdout
    assert f"packs.ssc-ild.pulse-min-daily-pe-mg = 300    # {origin}" in r.stdout
    # Under each rule that reads it, the same origin, not "default" beside the configured value.
    under_rules = [line for line in r.stdout.splitlines() if line.startswith("  pulse-min-daily-pe-mg = ")]
    assert under_rules and all(line == f"  pulse-min-daily-pe-mg = 300    # {origin}" for line in under_rules)
