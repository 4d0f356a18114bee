"""Site names from pyproject.toml, end to end (interfaces.md 2nd ed., "Local names without a plugin")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # every test runs the installed command in a subprocess
ORDERLINT = str(Path(sys.executable).with_name("orderlint"))

DOC = {
    "id": "site-names", "kind": "patient", "as_of": "2026-03-02",
    "indication": {"condition": "ssc-ild"},
    "patient": {"sex": "male", "age_years": 60, "weight_kg": 80, "height_cm": 178},
    "orders": [{"id": "m", "drug": "MMF-site", "dose": 2000, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [{"test": "cbc", "status": "resulted", "date": "2026-02-20"},
              {"test": "cmp", "status": "resulted", "date": "2026-02-20"},
              {"test": "hbv", "status": "resulted", "date": "2026-02-20", "result": "negative"},
              {"test": "hrct", "status": "resulted", "date": "2026-01-15"},
              {"test": "pft", "status": "resulted", "date": "2026-01-15"}],
}


def _check(tmp_path, pyproject: str):
    (tmp_path / ".git").mkdir()  # discovery stops at the repository root
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "doc.json").write_text(json.dumps(DOC))
    env = {k: v for k, v in os.environ.items() if k != "ORDERLINT_NO_CONFIG"}  # discover it, as a user's run does
    return subprocess.run([ORDERLINT, "check", "doc.json", "--format", "json"], cwd=tmp_path, capture_output=True,
                          timeout=60, env=env)


def test_a_site_name_in_pyproject_is_checked_as_its_ingredient(tmp_path):
    res = _check(tmp_path, '[tool.orderlint.vocabulary]\n"MMF-site" = "mycophenolate mofetil"\n')
    assert res.returncode == 1, res.stderr
    (result,) = json.loads(res.stdout)["results"]
    # 2000 mg twice daily = 4000 mg/day > 3000: the dose rule sees the site name as MMF.
    assert [f["code"] for f in result["findings"]] == ["ILD501"]


def test_without_the_site_name_it_is_an_unknown_drug(tmp_path):
    res = _check(tmp_path, "[tool.orderlint]\n")
    (result,) = json.loads(res.stdout)["results"]
    assert [f["code"] for f in result["findings"]] == ["OL002"]


def test_a_site_name_for_an_unknown_ingredient_is_a_configuration_error(tmp_path):
    res = _check(tmp_path, '[tool.orderlint.vocabulary]\n"MMF-site" = "mycophenolate mofitil"\n')
    assert res.returncode == 2
    lines = res.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "mycophenolate mofitil" in lines[0] and "mycophenolate mofetil" in lines[0]
