"""Baselines: adopt orderlint on an existing repository; only new findings count."""

from __future__ import annotations

import json
import shutil

from conftest import EXAMPLES, run_cli


def test_baseline_roundtrip_only_new_findings_count(tmp_path):
    repo = tmp_path / "protocols"
    repo.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "cyc.yaml")
    base = tmp_path / "baseline.json"
    r = run_cli("check", str(repo), "--write-baseline", str(base))
    assert r.exit_code == 0
    entries = json.loads(base.read_text())["entries"]
    assert [(e["code"], e["key"]) for e in entries] == [("ILD301", "order:cyc")]
    assert all("line" not in e for e in entries), "entries are never keyed by line"

    # Unchanged: exit 0, the finding stays visible but suppressed.
    r = run_cli("check", str(repo), "--baseline", str(base), "--format", "json")
    assert r.exit_code == 0
    (f,) = json.loads(r.stdout)["results"][0]["findings"]
    assert f["code"] == "ILD301" and f["suppressed"]["approved_by"] == "baseline"

    # Lines move (a comment and blank lines above): still matched.
    text = (repo / "cyc.yaml").read_text()
    (repo / "cyc.yaml").write_text("# reviewed 2026\n\n\n" + text)
    assert run_cli("check", str(repo), "--baseline", str(base)).exit_code == 0

    # A new finding in the same file counts.
    (repo / "cyc.yaml").write_text(text.replace("tests:", "  - {id: pred, drug: prednisone, dose: 30, unit: mg, route: oral, frequency: daily, purpose: other}\ntests:", 1))
    r = run_cli("check", str(repo), "--baseline", str(base), "--format", "json")
    active = [f["code"] for f in json.loads(r.stdout)["results"][0]["findings"] if not f["suppressed"]]
    assert r.exit_code == 1 and "ILD202" in active and "ILD301" not in active


def test_rewriting_the_baseline_prunes_fixed_findings(tmp_path):
    repo = tmp_path / "p"
    repo.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "a.yaml")
    base = tmp_path / "b.json"
    run_cli("check", str(repo), "--write-baseline", str(base))
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction-clean.yaml", repo / "a.yaml")
    run_cli("check", str(repo), "--baseline", str(base), "--write-baseline", str(base))
    assert json.loads(base.read_text())["entries"] == []


def test_malformed_baseline_is_a_usage_error(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("[]")
    r = run_cli("check", str(EXAMPLES / "protocols"), "--baseline", str(bad))
    assert r.exit_code == 2 and "malformed" in r.stderr


def test_json_lines_baseline_is_keyed_by_document_id_not_line(tmp_path):
    good = (EXAMPLES / "regimens" / "ILD102-fires.json").read_text()
    stream = tmp_path / "batch.jsonl"
    stream.write_text(json.dumps(json.loads(good)) + "\n")
    base = tmp_path / "b.json"
    run_cli("check", str(stream), "--write-baseline", str(base))
    (entry,) = json.loads(base.read_text())["entries"]
    assert entry["source"] == f"{stream}#{json.loads(good)['id']}" and entry["key"] == "order:nin"
    # Another document inserted above: the finding moves to line 2 and is still baselined.
    other = json.loads((EXAMPLES / "regimens" / "ILD301-clean.json").read_text())
    stream.write_text(json.dumps(other) + "\n" + json.dumps(json.loads(good)) + "\n")
    assert run_cli("check", str(stream), "--baseline", str(base)).exit_code == 0
