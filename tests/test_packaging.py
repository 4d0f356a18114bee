"""The built distribution works outside the source tree: schema and rule pack ship inside it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is needed to build the wheel offline")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (whl,) = out.glob("orderlint-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "orderlint/schemas/regimen.schema.json" in names
    assert "orderlint_ssc/plugin.py" in names and "orderlint_ssc/vocabulary.py" in names
    # The pack vocabulary and the FHIR value sets are data files the installed tool reads.
    assert "orderlint_ssc/vocabulary.json" in names and "orderlint/fhir/valuesets.json" in names
    assert not any(n.startswith(("checks/", "tests/", "examples/")) for n in names), "no top-level names that collide"
    ep = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(ep).decode()
    assert "[orderlint]" in text and "ssc-ild = orderlint_ssc.plugin" in text
    assert "orderlint = orderlint._entry:main" in text


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    env = dict(os.environ, PYTHONPATH=str(target), ORDERLINT_NO_CONFIG="1")
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "cyc.yaml").write_bytes((EXAMPLES / "protocols" / "cyc-induction.yaml").read_bytes())
    code = "import orderlint.cli as c, sys; sys.argv[0] = 'orderlint'; c.main()"
    r = subprocess.run([sys.executable, "-c", code, "check", "cyc.yaml", "--format", "json"], cwd=work, env=env, capture_output=True, timeout=120)
    data = json.loads(r.stdout)
    assert r.returncode == 1 and [f["code"] for f in data["results"][0]["findings"]] == ["ILD301"]
    r = subprocess.run([sys.executable, "-c", "import orderlint; print(orderlint.__file__)"], cwd=work, env=env, capture_output=True, text=True)
    assert r.stdout.startswith(str(target)), "the test must exercise the installed copy, not the checkout"
    r = subprocess.run([sys.executable, "-c", code, "schema"], cwd=work, env=env, capture_output=True, timeout=120)
    assert json.loads(r.stdout)["title"]
