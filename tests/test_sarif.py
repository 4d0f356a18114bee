"""`--format sarif`: valid SARIF 2.1.0 that GitHub code scanning can ingest and track across runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orderlint.cli import cli
from orderlint.engine import Linter

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["check", *args], input=input, catch_exceptions=False)


def sarif(*args: str, input: str | None = None) -> dict:
    res = run(*args, "--format", "sarif", input=input)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


def as_json(*args: str) -> dict:
    res = run(*args, "--format", "json")
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def examples(in_root) -> dict:
    return sarif("examples/")


def test_output_validates_against_the_sarif_schema(examples):
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (the shared reference folder is not checked out)")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(examples), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert examples["version"] == "2.1.0"
    assert examples["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert len(examples["runs"]) == 1


def test_driver_lists_every_rule_with_required_metadata(examples):
    import orderlint

    linter = Linter()
    driver = examples["runs"][0]["tool"]["driver"]
    assert driver["name"] == "orderlint"
    assert driver["version"] == driver["semanticVersion"] == orderlint.__version__
    assert "informationUri" not in driver  # no invented address; a site's docs-url when set
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in linter.rules]
    for desc, rule in zip(rules, linter.rules):
        assert desc["name"] == rule.name
        assert desc["shortDescription"]["text"] == rule.summary
        assert desc["fullDescription"]["text"] == rule.full_description()
        assert rule.rationale in desc["help"]["text"] and rule.source.citation in desc["help"]["text"]
        assert desc["help"]["markdown"].strip()
        if rule.fix:
            assert rule.fix in desc["help"]["text"]
        assert desc.get("helpUri") == (rule.help_uri() if rule.help_uri().startswith("https://") else None)
        assert desc["defaultConfiguration"]["level"] == LEVEL[linter.severity[rule.code]]
        props = desc["properties"]
        assert props["source"] == rule.source.citation
        assert 0 < len(props["tags"]) <= 20 and all(isinstance(t, str) for t in props["tags"])


def test_default_level_follows_the_effective_severity(tmp_path):
    linter = Linter()
    rule = next(r for r in linter.rules if r.severity == "warning" and not r.code.startswith("OL"))
    config = tmp_path / ".orderlint.toml"
    config.write_text(f'severity = {{ {rule.code} = "info" }}\n', encoding="utf-8")
    doc = sarif(str(ROOT / "examples" / "regimens" / "ILD102-clean.json"), "--config", str(config))
    desc = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == rule.code)
    assert desc["defaultConfiguration"]["level"] == "note"
    assert desc["properties"]["problem.severity"] == "recommendation"


def test_results_point_at_their_rules_with_relative_uris_and_1_based_regions(examples):
    run_ = examples["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    assert results
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["message"]["text"].strip()
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert "\\" not in uri and not uri.startswith("/") and ":" not in uri
        assert (ROOT / uri).is_file(), uri
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
        assert len(res["partialFingerprints"]) >= 1


def test_results_match_the_json_report(in_root, examples):
    report = as_json("examples/")
    # interfaces.md 2nd ed. (a JSON Lines document names its file) and fhir.md section 1 (a Bulk Data
    # finding names the file of its line): examples/ now holds an NDJSON export.
    from orderlint.reader import split_source

    expected = [
        (f.get("file") or split_source(r["source"])[0], f["code"], LEVEL[f["severity"]], f["message"], f["line"],
         f["column"], f["suppressed"] is not None)
        for r in report["results"] for f in r["findings"]
    ]
    got = [
        (
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], res["ruleId"], res["level"],
            res["message"]["text"], res["locations"][0]["physicalLocation"]["region"]["startLine"],
            res["locations"][0]["physicalLocation"]["region"]["startColumn"], "suppressions" in res,
        )
        for res in examples["runs"][0]["results"]
    ]
    assert got == expected


def test_waived_finding_carries_an_in_source_suppression_with_the_justification(in_root):
    path = "examples/regimens/ILD102-waived.json"
    finding = next(f for r in as_json(path)["results"] for f in r["findings"] if f["code"] == "ILD102")
    waiver = finding["suppressed"]
    assert waiver is not None
    res = next(r for r in sarif(path)["runs"][0]["results"] if r["ruleId"] == "ILD102")
    (sup,) = res["suppressions"]
    assert sup["kind"] == "inSource"
    assert sup["justification"] == f"{waiver['reason']} (approved by {waiver['approved_by']})"
    unwaived = [r for r in sarif(path)["runs"][0]["results"] if "suppressions" not in r]
    assert all(r["ruleId"] != "ILD102" for r in unwaived)


def test_baseline_findings_are_external_suppressions(tmp_path, in_root):
    path = "examples/regimens/ILD301-fires.json"
    baseline = tmp_path / "baseline.json"
    assert run(path, "--write-baseline", str(baseline)).exit_code == 0
    results = sarif(path, "--baseline", str(baseline))["runs"][0]["results"]
    assert results
    for res in results:
        (sup,) = res["suppressions"]
        assert sup["kind"] == "external"
        assert "(approved by baseline)" in sup["justification"]


def _two_unknown_drugs(extra_order: bool) -> str:
    data = json.loads((ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8"))
    data["orders"].append({"id": "aza", "drug": "azathiopryne", "dose": 100, "unit": "mg", "route": "oral", "frequency": "daily"})
    if extra_order:  # an unrelated, known drug above the findings: every pointer and line below it moves
        data["orders"].insert(0, {"id": "hcq", "drug": "hydroxychloroquine", "dose": 200, "unit": "mg",
                                  "route": "oral", "frequency": "daily"})
        return "\n\n" + json.dumps(data, indent=2)
    return json.dumps(data, indent=2)


def _by_order(doc: dict) -> dict:
    out = {}
    for res in doc["runs"][0]["results"]:
        out[(res["ruleId"], res["properties"]["order"])] = res
    return out


def test_fingerprints_survive_moved_lines_and_an_inserted_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "regimen.json"
    target.write_text(_two_unknown_drugs(extra_order=False), encoding="utf-8")
    before = _by_order(sarif("regimen.json"))
    target.write_text(_two_unknown_drugs(extra_order=True), encoding="utf-8")
    after = _by_order(sarif("regimen.json"))

    assert set(before) == set(after) == {("OL002", "mmf"), ("OL002", "aza")}
    for key in before:
        line_before = before[key]["locations"][0]["physicalLocation"]["region"]["startLine"]
        line_after = after[key]["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert line_before != line_after, "the edit should have moved the finding"
        assert before[key]["properties"]["pointer"] != after[key]["properties"]["pointer"]
        assert before[key]["partialFingerprints"] == after[key]["partialFingerprints"]
    # Two different findings of the same rule in one file are told apart.
    assert before[("OL002", "mmf")]["partialFingerprints"] != before[("OL002", "aza")]["partialFingerprints"]


def test_json_lines_input_names_the_file_and_the_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = json.loads((ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8"))
    other = dict(data, id="second")
    lines = ["", json.dumps(data), "", json.dumps(other), "{not json"]
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = sarif("batch.jsonl")["runs"][0]["results"]
    by_doc = {}
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "batch.jsonl"
        by_doc.setdefault(res["properties"]["documentId"], set()).add((res["ruleId"], loc["region"]["startLine"]))
    assert by_doc == {data["id"]: {("OL002", 2)}, "second": {("OL002", 4)}, None: {("OL001", 5)}}
    prints = [json.dumps(r["partialFingerprints"]) for r in results]
    assert len(set(prints)) == len(prints)


def test_stdin_uri(in_root):
    text = (ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8")
    results = sarif("-", input=text)["runs"][0]["results"]
    assert results
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"stdin"}


def test_not_applicable_documents_are_reported_with_ol007(in_root):
    # rules.md 2nd ed. (OL007): a not-applicable document is an error result, never silently absent.
    path = "examples/regimens/OL007-fires.json"
    assert as_json(path)["results"][0]["status"] == "not-applicable"
    run_ = sarif(path)["runs"][0]
    assert [(r["ruleId"], r["level"]) for r in run_["results"]] == [("OL007", "error")]
    assert "ra-ild" in run_["results"][0]["message"]["text"]
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == [path]
    assert run_["properties"]["summary"]["not_applicable"] == 1


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, in_root):
    out = tmp_path / "report.sarif"
    res = run("examples/regimens/", "--format", "sarif", "--output", str(out))
    assert res.exit_code == 1
    assert res.stdout == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0" and doc["runs"][0]["results"]


def _fingerprinted(tmp_path, name: str, orders: list) -> list[tuple[str, str]]:
    doc = {"id": "fp", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild", "phase": "progression"},
           "patient": {"sex": "female", "age_years": 65, "weight_kg": 60, "reproductive_potential": False},
           "history": [{"drug": "mycophenolate mofetil", "start": "2024-01-01", "outcome": "progression"}],
           "tests": [{"test": t, "date": "2026-02-20", "status": "resulted", "result": "normal"} for t in ("lft", "cbc")],
           "orders": orders}
    (tmp_path / "doc.json").write_text(json.dumps(doc), encoding="utf-8")
    results = sarif(str(tmp_path / "doc.json"), "--select", "ILD501")["runs"][0]["results"]
    return [(r["message"]["text"], r["partialFingerprints"]["orderlint/v1"]) for r in results]


def _nintedanib(dose: float, frequency: str, **more) -> dict:
    return {"drug": "nintedanib", "dose": dose, "unit": "mg", "route": "oral", "frequency": frequency, "status": "active", **more}


def test_a_fingerprint_is_never_handed_to_another_finding_of_the_rule_at_that_place(tmp_path, monkeypatch):
    # The dose and the daily amount of one order are two ILD501 findings at one place: when the first
    # went away, the second took its fingerprint, and a dismissed alert hid the new overdose.
    monkeypatch.chdir(tmp_path)
    before = _fingerprinted(tmp_path, "n1", [_nintedanib(200, "bid", id="nin")])
    assert len(before) == 2 and len({fp for _t, fp in before}) == 2
    (per_dose,) = [fp for text, fp in before if "per administration" in text]
    after = _fingerprinted(tmp_path, "n2", [_nintedanib(140, "tid", id="nin")])
    assert len(after) == 1 and per_dose not in [fp for _t, fp in after]


def test_a_fingerprint_stays_when_only_the_numbers_change(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = _fingerprinted(tmp_path, "a", [_nintedanib(200, "bid", id="nin")])
    b = _fingerprinted(tmp_path, "b", [_nintedanib(160, "bid", id="nin")])
    assert len(a) == 2 and sorted(fp for _t, fp in a) == sorted(fp for _t, fp in b)


def test_an_order_without_id_is_fingerprinted_apart_from_an_order_whose_id_is_its_index(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    both = _fingerprinted(tmp_path, "both", [_nintedanib(200, "bid"), _nintedanib(200, "bid", id="0")])
    assert len(both) >= 4 and len({fp for _t, fp in both}) == len(both)
    # Fixing one order's overdose never hands its fingerprints to the other's.
    alone = _fingerprinted(tmp_path, "alone", [_nintedanib(120, "bid"), _nintedanib(200, "bid", id="0")])
    first = _fingerprinted(tmp_path, "first", [_nintedanib(200, "bid"), _nintedanib(120, "bid", id="0")])
    own = [[fp for t, fp in found if "together" not in t] for found in (alone, first)]  # (the two orders' sum aside)
    assert len(own[0]) == len(own[1]) == 2 and not set(own[0]) & set(own[1])
