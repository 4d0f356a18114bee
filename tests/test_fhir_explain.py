"""`orderlint explain value-sets` lists the shipped FHIR codes no public source verified (fhir.md section 5)."""

from __future__ import annotations

from click.testing import CliRunner

from orderlint.cli import cli
from orderlint.fhir.valuesets import render_unverified


def test_explain_value_sets_lists_the_unverified_codes():
    res = CliRunner().invoke(cli, ["explain", "value-sets"])
    assert res.exit_code == 0
    assert res.output.strip() == render_unverified().strip()
    assert "U" in res.output and "source" in res.output


def test_explain_of_a_rule_is_unchanged():
    res = CliRunner().invoke(cli, ["explain", "ILD301"])
    assert res.exit_code == 0 and "pcp-prophylaxis-missing" in res.output
