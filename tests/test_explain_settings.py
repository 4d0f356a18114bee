"""`rules --format json` and `explain` show the effective pack settings and the site's docs-url,
as the run itself uses them (not the declared defaults)."""
import json

from click.testing import CliRunner

from orderlint.cli import cli

CONFIG = """
[tool.orderlint]
docs-url = "https://wiki.example.org/orderlint"

[tool.orderlint.packs.ssc-ild]
pulse-min-daily-pe-mg = 300
"""


def _run(tmp_path, *args):
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    r = CliRunner().invoke(cli, [*args, "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_rules_json_shows_the_configured_pack_setting_and_the_site_link(tmp_path):
    rows = {r["code"]: r for r in json.loads(_run(tmp_path, "rules", "--format", "json"))}
    assert rows["ILD204"]["settings"]["pulse-min-daily-pe-mg"]["value"] == 300
    assert rows["ILD204"]["help_uri"] == "https://wiki.example.org/orderlint#ild204"


def test_explain_shows_the_configured_pack_setting_and_the_site_link(tmp_path):
    text = _run(tmp_path, "explain", "ILD204")
    assert "300" in text and "https://wiki.example.org/orderlint#ild204" in text
