"""Plugins: the built-in pack and third-party packs load through the `orderlint` entry points,
and every way a plugin can fail stops the run (exit 2) with a message naming it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import EXAMPLES, minimal, plugin_site, run_orderlint, write_doc

PLUGIN_SRC = EXAMPLES / "plugin"


def test_builtin_pack_is_registered_through_the_entry_point_group():
    eps = {ep.name: ep.value for ep in entry_points(group="orderlint")}
    assert eps.get("ssc-ild") == "orderlint_ssc.plugin"


@pytest.fixture(scope="module")
def example_plugin(tmp_path_factory) -> Path:
    """pip-install examples/plugin into a private folder (not into the test environment)."""
    target = tmp_path_factory.mktemp("plugin-site")
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(PLUGIN_SRC)]
    if importlib.util.find_spec("setuptools") is not None:
        cmd.insert(5, "--no-build-isolation")  # no network needed
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    assert (target / "orderlint_example_plugin").is_dir()
    return target


@pytest.mark.slow
def test_example_plugin_adds_its_rule(example_plugin, tmp_path):
    env = {"PYTHONPATH": str(example_plugin)}
    rules = run_orderlint("rules", "--format", "json", env=env)
    data = {r["code"]: r for r in json.loads(rules.stdout)}
    assert data["SITE001"]["plugin"] == "example-site" and data["SITE001"]["name"] == "order-id-missing"
    explain = run_orderlint("explain", "order-id-missing", env=env)
    assert explain.returncode == 0 and b"site policy" in explain.stdout

    doc = minimal()
    del doc["orders"][0]["id"]
    p = write_doc(tmp_path, doc)
    r = run_orderlint("check", str(p), "--format", "json", env=env)
    findings = json.loads(r.stdout)["results"][0]["findings"]
    assert [(f["code"], f["order"], f["pointer"]) for f in findings] == [("SITE001", "0", "/orders/0")]
    assert r.returncode == 1
    # Without the plugin the same document is clean.
    assert run_orderlint("check", str(p)).returncode == 0


@pytest.mark.slow
def test_example_plugin_runs_its_own_case_file_with_the_public_runner(example_plugin):
    # The installed pack ships cases/SITE001.yaml (package data) and its own test runs it with
    # orderlint.cases, as a plugin author's CI would.
    assert (example_plugin / "orderlint_example_plugin" / "cases" / "SITE001.yaml").is_file()
    env = {**os.environ, "PYTHONPATH": str(example_plugin)}
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(PLUGIN_SRC / "tests")],
        capture_output=True, text=True, timeout=300, env=env, cwd=str(example_plugin),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 passed" in r.stdout


@pytest.mark.slow
def test_example_plugin_explain_shows_its_first_firing_and_passing_case(example_plugin):
    out = run_orderlint("explain", "SITE001", env={"PYTHONPATH": str(example_plugin)}).stdout.decode()
    assert "Fires on (case 'new-order-without-id' of SITE001.yaml):" in out
    assert "Passes (case 'order-with-id-clean' of SITE001.yaml):" in out
    assert "-> SITE001 at /orders/0 (order 0)" in out


@pytest.mark.slow
def test_example_plugin_vocabulary_is_used(example_plugin, tmp_path):
    doc = minimal(orders=[{"id": "m", "drug": "myco-m", "dose": 5000, "unit": "mg", "route": "oral", "frequency": "daily"}])
    p = write_doc(tmp_path, doc)
    with_plugin = run_orderlint("check", str(p), "--select", "ILD501,OL002", "--format", "json", env={"PYTHONPATH": str(example_plugin)})
    codes = [f["code"] for f in json.loads(with_plugin.stdout)["results"][0]["findings"]]
    assert codes == ["ILD501"]  # the local name resolved to mycophenolate mofetil
    without = run_orderlint("check", str(p), "--select", "ILD501,OL002", "--format", "json")
    assert [f["code"] for f in json.loads(without.stdout)["results"][0]["findings"]] == ["OL002"]


def _fake_plugin(tmp_path: Path, name: str, source: str) -> dict:
    """A plugin 'installed' as a real distribution (dist-info with an entry point) on PYTHONPATH."""
    site = plugin_site(tmp_path / f"site-{name}", name, f"{name}_mod", source, entry=name)
    return {"PYTHONPATH": str(site)}


RULE_HEADER = """
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule

def declare(check, code="XTR001", name="extra-rule"):
    return rule(code=code, name=name, severity="warning", summary="s", source=Source("c", "g"),
                rationale="r", conditions=["ssc-ild"])(check)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "source, fragment",
    [
        ("import not_a_module_anywhere\n", "plugin 'brokenimport' (brokenimport_mod brokenimport 0.1) failed to load: ModuleNotFoundError"),
        ("raise SystemExit(3)\n", "failed to load: SystemExit"),
        (RULE_HEADER + "@hookimpl\ndef orderlint_rules():\n    raise RuntimeError('pack is broken')\n", "failed in orderlint_rules: RuntimeError: pack is broken"),
        (RULE_HEADER + "@hookimpl\ndef orderlint_rules():\n    return ['not a rule']\n", "not a rule declared with @rule"),
        (RULE_HEADER + "@hookimpl\ndef orderlint_rules():\n    return [declare(lambda reg, o: [], code='ILD202', name='dup')]\n", "rule ILD202 is already declared by ssc-ild"),
        (RULE_HEADER + "@hookimpl\ndef orderlint_vocabulary():\n    return {'drugs': {'prednisone': {'aliases': ['cellcept']}}}\n", "vocabulary conflict"),
        (RULE_HEADER + "@hookimpl\ndef orderlint_rulez():\n    return []\n", "orderlint_rulez"),
    ],
    ids=["import-error", "system-exit", "hook-raises", "not-a-rule", "duplicate-code", "vocabulary-conflict", "misnamed-hook"],
)
def test_a_plugin_that_fails_to_load_stops_the_run(tmp_path, source, fragment):
    name = "brokenimport" if "not_a_module" in source else "badpack"
    env = _fake_plugin(tmp_path, name, source)
    p = write_doc(tmp_path, minimal())
    r = run_orderlint("check", str(p), env=env)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert fragment in err and "Traceback" not in err
    assert r.stdout == b"", "no document is reported as checked when a plugin did not load"


@pytest.mark.slow
def test_a_rule_that_raises_gives_OL000_for_that_document_and_exit_2(tmp_path):
    env = _fake_plugin(tmp_path, "crashy", RULE_HEADER + """
def check(reg, opts):
    if reg.doc.id == "crash-me":
        raise ZeroDivisionError("division by zero")
    return iter(())

@hookimpl
def orderlint_rules():
    return [declare(check)]
""")
    ok = write_doc(tmp_path, minimal(id="fine"), "a.json")
    bad = write_doc(tmp_path, minimal(id="crash-me"), "b.json")
    warn = write_doc(tmp_path, json.loads((EXAMPLES / "regimens" / "ILD102-fires.json").read_text()), "c.json")
    r = run_orderlint("check", str(ok), str(bad), str(warn), "--format", "json", env=env)
    assert r.returncode == 2
    results = {Path(x["source"]).name: x for x in json.loads(r.stdout)["results"]}
    assert results["a.json"]["findings"] == []
    (crash,) = results["b.json"]["findings"]
    assert crash["code"] == "OL000" and crash["severity"] == "error"
    assert "XTR001" in crash["message"] and "crash-me" in crash["message"] and "ZeroDivisionError" in crash["message"]
    assert [f["code"] for f in results["c.json"]["findings"]] == ["ILD102"], "other documents are still checked"
    assert "1 check(s) crashed" in r.stderr.decode() and "Traceback" not in r.stderr.decode()


@pytest.mark.slow
def test_a_rule_that_returns_a_malformed_finding_gives_OL000(tmp_path):
    env = _fake_plugin(tmp_path, "sloppy", RULE_HEADER + """
def check(reg, opts):
    yield {"message": "I am a dict, not a Hit"}

@hookimpl
def orderlint_rules():
    return [declare(check)]
""")
    p = write_doc(tmp_path, minimal())
    r = run_orderlint("check", str(p), "--format", "json", env=env)
    (f,) = json.loads(r.stdout)["results"][0]["findings"]
    assert r.returncode == 2 and f["code"] == "OL000" and "malformed finding" in f["message"]


@pytest.mark.slow
def test_exit_zero_still_exits_2_on_a_crash(tmp_path):
    env = _fake_plugin(tmp_path, "crashy2", RULE_HEADER + """
def check(reg, opts):
    raise ValueError("nope")

@hookimpl
def orderlint_rules():
    return [declare(check)]
""")
    p = write_doc(tmp_path, minimal())
    assert run_orderlint("check", str(p), "--exit-zero", env=env).returncode == 2


def test_api_raises_a_clear_error_instead_of_exiting(tmp_path):
    from orderlint.engine import Linter, PluginLoadError

    class Broken:
        from orderlint.hookspecs import hookimpl

        @hookimpl
        def orderlint_rules(self):
            raise RuntimeError("broken")

    with pytest.raises(PluginLoadError) as info:
        Linter(plugins=[Broken()])
    assert "failed in orderlint_rules: RuntimeError: broken" in info.value.messages[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "body, name",
    [
        ("    import sys\n    sys.exit(0)\n", "SystemExit"),
        ("    import asyncio\n    raise asyncio.CancelledError()\n", "CancelledError"),
        ("    raise GeneratorExit()\n", "GeneratorExit"),
    ],
    ids=["sys-exit-0", "cancelled", "generator-exit"],
)
def test_a_check_that_exits_is_OL000_and_the_report_is_kept(tmp_path, body, name):
    # issue 10 item 5: sys.exit(0) in a check ended the run with exit 0 and no report.
    env = _fake_plugin(tmp_path, "exiter", RULE_HEADER + "def check(reg, opts):\n" + body + """
@hookimpl
def orderlint_rules():
    return [declare(check)]
""")
    a = write_doc(tmp_path, minimal(id="one"), "a.json")
    b = write_doc(tmp_path, minimal(id="two"), "b.json")
    r = run_orderlint("check", str(a), str(b), "--format", "json", env=env)
    assert r.returncode == 2, r.stderr.decode()
    results = json.loads(r.stdout)["results"]
    assert len(results) == 2
    for res in results:
        (f,) = res["findings"]
        assert f["code"] == "OL000" and name in f["message"] and "XTR001" in f["message"]
    assert "Traceback" not in r.stderr.decode()


@pytest.mark.slow
def test_a_vocabulary_hook_that_exits_zero_stops_the_run_with_exit_2(tmp_path):
    env = _fake_plugin(tmp_path, "vocexit", RULE_HEADER + "@hookimpl\ndef orderlint_vocabulary():\n    import sys\n    sys.exit(0)\n")
    r = run_orderlint("check", str(write_doc(tmp_path, minimal())), env=env)
    assert r.returncode == 2 and b"failed in orderlint_vocabulary: SystemExit" in r.stderr and r.stdout == b""


@pytest.mark.slow
def test_a_check_that_never_returns_is_OL000_after_check_timeout(tmp_path):
    env = _fake_plugin(tmp_path, "looper", RULE_HEADER + """
def check(reg, opts):
    while True:
        pass

@hookimpl
def orderlint_rules():
    return [declare(check)]
""")
    (tmp_path / ".orderlint.toml").write_text("check-timeout = 0.5\n")
    p = write_doc(tmp_path, minimal())
    r = run_orderlint("check", str(p), "--format", "json", "--config", str(tmp_path / ".orderlint.toml"), env=env, timeout=60)
    assert r.returncode == 2, r.stderr.decode()
    (f,) = json.loads(r.stdout)["results"][0]["findings"]
    assert f["code"] == "OL000" and "XTR001" in f["message"] and "0.5 s" in f["message"]
