"""The command line contract: formats, inputs, selection and exit codes 0/1/2."""

from __future__ import annotations

import json
import re

import pytest

import orderlint
from conftest import EXAMPLES, minimal, run_cli, run_orderlint, write_doc

LINE_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d{3}) \[(?P<sev>error|warning|info)\] .+$")
WARNING_DOC = EXAMPLES / "regimens" / "ILD102-fires.json"  # one warning
ERROR_DOC = EXAMPLES / "regimens" / "ILD301-fires.json"  # one error
CLEAN_DOC = EXAMPLES / "regimens" / "ILD301-clean.json"
INFO_DOC = EXAMPLES / "regimens" / "ILD502-fires.json"  # one info


def test_version():
    r = run_cli("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"orderlint {orderlint.__version__}"


def test_help_teaches_with_examples():
    r = run_cli("check", "--help")
    assert r.exit_code == 0
    for word in ("--format", "--select", "--fail-on", "--exit-zero", "--as-of", "--jsonl", "Examples:"):
        assert word in r.stdout


@pytest.mark.parametrize(
    "path, args, code",
    [
        (CLEAN_DOC, [], 0),
        (WARNING_DOC, [], 1),
        (ERROR_DOC, [], 1),
        (INFO_DOC, [], 0),
        (INFO_DOC, ["--fail-on", "info"], 1),
        (WARNING_DOC, ["--fail-on", "error"], 0),
        (ERROR_DOC, ["--fail-on", "error"], 1),
        (ERROR_DOC, ["--fail-on", "never"], 0),
        (ERROR_DOC, ["--exit-zero"], 0),
        (EXAMPLES / "invalid" / "nan-dose.json", [], 1),
        (EXAMPLES / "regimens" / "ILD102-waived.json", [], 0),  # a waived finding does not count
        # rules.md 2nd ed. (OL007): an unknown condition is an error, so it fails at the default --fail-on
        (EXAMPLES / "regimens" / "OL007-fires.json", [], 1),
        (EXAMPLES / "regimens" / "OL007-fires.json", ["--ignore", "OL007"], 0),
    ],
    ids=lambda v: v.name if hasattr(v, "name") else str(v),
)
def test_exit_codes(path, args, code):
    r = run_cli("check", str(path), *args)
    assert r.exit_code == code, r.stdout + r.stderr


@pytest.mark.slow
def test_exit_2_for_a_missing_path_and_one_error_line():
    r = run_orderlint("check", "does-not-exist.json")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("orderlint: error:") == 1 and "does-not-exist.json" in err and "Traceback" not in err


def test_exit_2_for_a_folder_without_documents(tmp_path):
    r = run_cli("check", str(tmp_path))
    assert r.exit_code == 2 and "no regimen documents found" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("args, fragment", [
    (["--select", "ILD9"], "unknown rule 'ILD9'"),
    (["--select", "glucocorticoid-hig-dose"], "did you mean 'glucocorticoid-high-dose'"),
    (["--ignore", "OL001"], "cannot be ignored"),
    (["--as-of", "2026-02-30"], "as-of must be a date"),
])
def test_usage_errors_exit_2_with_one_line(args, fragment):
    r = run_orderlint("check", str(CLEAN_DOC), *args)
    err = r.stderr.decode()
    assert r.returncode == 2 and fragment in err and "Traceback" not in err, err


def test_text_format_lines_and_summary():
    r = run_cli("check", str(EXAMPLES / "regimens"))
    lines = r.stdout.strip().splitlines()
    finding_lines = [l for l in lines[:-1] if "skipped:" not in l]
    assert finding_lines and all(LINE_RE.match(l) for l in finding_lines), finding_lines[:3]
    # rules.md 2nd ed. (OL007): a not-applicable document is an error finding, not a quiet skip
    assert re.match(r"^\d+ documents, \d+ checked, 1 not applicable: \d+ errors?, \d+ warnings?, \d+ info, \d+ waived\.$", lines[-1]), lines[-1]


def test_json_format_matches_the_interface():
    r = run_cli("check", str(EXAMPLES / "regimens"), "--format", "json", "--exit-zero")
    data = json.loads(r.stdout)
    assert data["orderlint"] == orderlint.__version__
    s = data["summary"]
    assert set(s) >= {"documents", "checked", "not_applicable", "invalid", "findings", "suppressed"}
    assert s["documents"] == len(data["results"]) == s["checked"] + s["not_applicable"] + s["invalid"]
    assert s["suppressed"] == sum(1 for res in data["results"] for f in res["findings"] if f["suppressed"])
    keys = {"code", "name", "severity", "message", "order", "pointer", "line", "column", "source", "fix", "suppressed"}
    for res in data["results"]:
        assert res["status"] in ("checked", "not-applicable", "invalid")
        for f in res["findings"]:
            assert set(f) == keys and f["line"] >= 1 and f["column"] >= 1


def test_summary_counts_equal_the_findings():
    r = run_cli("check", str(EXAMPLES), "--format", "json", "--exit-zero")
    data = json.loads(r.stdout)
    counted = {"error": 0, "warning": 0, "info": 0}
    for res in data["results"]:
        for f in res["findings"]:
            if not f["suppressed"]:
                counted[f["severity"]] += 1
    assert counted == data["summary"]["findings"]


def test_jsonl_output_one_line_per_document_in_input_order(tmp_path):
    files = sorted((EXAMPLES / "regimens").glob("*.json"))[:5]
    r = run_cli("check", *map(str, files), "--format", "jsonl", "--exit-zero")
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert [row["source"] for row in rows] == [str(f) for f in files]


def test_jsonl_stdin_names_sources_by_line_and_keeps_going_after_a_bad_line():
    good = json.dumps(minimal())
    bad_warning = json.dumps(json.loads(WARNING_DOC.read_text()))
    stream = "\n".join([good, "{not json", "", bad_warning]) + "\n"
    r = run_cli("check", "-", "--jsonl", "--format", "jsonl", input=stream)
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert [row["source"] for row in rows] == ["<stdin>:1", "<stdin>:2", "<stdin>:4"]
    assert [row["status"] for row in rows] == ["checked", "invalid", "checked"]
    assert rows[1]["findings"][0]["line"] == 2
    assert [f["code"] for f in rows[2]["findings"]] == ["ILD102"]
    assert r.exit_code == 1


def test_jsonl_file_is_recognized_by_extension(tmp_path):
    p = tmp_path / "batch.ndjson"
    p.write_text(json.dumps(minimal()) + "\n" + json.dumps(minimal(id="two")) + "\n")
    r = run_cli("check", str(p), "--format", "jsonl")
    assert [json.loads(l)["source"] for l in r.stdout.splitlines()] == [f"{p}:1", f"{p}:2"] and r.exit_code == 0


def test_stdin_yaml_document():
    r = run_cli("check", "-", input=(EXAMPLES / "protocols" / "cyc-induction.yaml").read_text())
    assert r.exit_code == 1 and "<stdin>:" in r.stdout and "ILD301" in r.stdout


def test_select_and_ignore_by_code_prefix_and_name():
    doc = EXAMPLES / "regimens" / "ILD302-fires.yaml"  # ILD202 + ILD302
    codes = lambda *a: {json.loads(run_cli("check", str(doc), "--format", "json", "--exit-zero", *a).stdout)["results"][0]["findings"][i]["code"]
                        for i in range(len(json.loads(run_cli("check", str(doc), "--format", "json", "--exit-zero", *a).stdout)["results"][0]["findings"]))}
    assert codes() == {"ILD202", "ILD302"}
    assert codes("--select", "ILD3") == {"ILD302"}
    assert codes("--ignore", "glucocorticoid-high-dose") == {"ILD302"}
    assert codes("--select", "ILD2,ILD3", "--ignore", "ILD302") == {"ILD202"}


def test_as_of_option_sets_the_evaluation_date(tmp_path):
    doc = minimal(kind="patient", patient={"sex": "female", "weight_kg": 60},
                  orders=[{"id": "mmf", "drug": "CellCept", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
                  tests=[{"test": t, "status": "ordered"} for t in ("cbc", "lft", "hbv", "hrct", "pft")]
                  + [{"test": "pregnancy", "status": "resulted", "date": "2026-03-01", "result": "negative"}])
    del doc["as_of"]
    p = write_doc(tmp_path, doc)
    assert run_cli("check", str(p), "--as-of", "2026-03-10").exit_code == 0
    r = run_cli("check", str(p), "--as-of", "2026-03-20")
    assert r.exit_code == 1 and "ILD404" in r.stdout


def test_output_file(tmp_path):
    out = tmp_path / "report.json"
    r = run_cli("check", str(ERROR_DOC), "--format", "json", "--output", str(out))
    assert r.stdout == "" and json.loads(out.read_text())["summary"]["findings"]["error"] == 1 and r.exit_code == 1


def test_statistics_in_text_and_json():
    r = run_cli("check", str(EXAMPLES / "regimens"), "--statistics", "--exit-zero")
    assert re.search(r"^\s+\d+\s+ILD207\s+pulse-renal-crisis-review$", r.stdout, re.M)
    data = json.loads(run_cli("check", str(EXAMPLES / "regimens"), "--statistics", "--format", "json", "--exit-zero").stdout)
    stats = {s["code"]: s["count"] for s in data["statistics"]}
    assert stats["ILD207"] == sum(1 for res in data["results"] for f in res["findings"] if f["code"] == "ILD207")


def test_rules_lists_every_rule_in_text_and_json():
    from orderlint.engine import Linter

    codes = [r.code for r in Linter().rules]
    text = run_cli("rules").stdout
    assert all(c in text for c in codes)
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    assert [d["code"] for d in data] == codes
    for d in data:
        assert d["name"] and d["severity"] in ("error", "warning", "info") and d["summary"] and d["rationale"]
        assert d["source"]["citation"] and d["source"]["grade"] and d["source"]["verification"] in ("V", "V2", "U")


@pytest.mark.slow
def test_explain_every_rule_by_code_and_name():
    from orderlint.engine import Linter

    for rule in Linter().rules:
        for key in (rule.code, rule.name):
            r = run_cli("explain", key)
            assert r.exit_code == 0
            for part in (rule.code, rule.name, "Why:", "Source:", "Evidence:"):
                assert part in r.stdout
            if rule.code != "OL000":  # every other rule has a case file (tests/test_cases.py)
                assert "Fires on (case" in r.stdout and "Passes (case" in r.stdout


def test_explain_tells_about_source_disagreements():
    assert "ATS 2023" in run_cli("explain", "ILD102").stdout and "conditionally recommends" in run_cli("explain", "ILD102").stdout
    assert "12 months" in run_cli("explain", "ILD503").stdout
    out = run_cli("explain", "ILD202").stdout
    assert "max-daily-pe-mg = 15" in out and "Steen" in out


@pytest.mark.slow
def test_explain_unknown_rule_exits_2_with_a_hint():
    r = run_orderlint("explain", "ILD1O2")
    assert r.returncode == 2 and "did you mean" in r.stderr.decode()


def test_schema_command_prints_the_shipped_schema():
    data = json.loads(run_cli("schema").stdout)
    assert data["$schema"].startswith("https://json-schema.org/") and "orders" in data["properties"]


def test_no_traceback_on_internal_error(monkeypatch):
    from orderlint.engine import Linter

    def boom(self, doc):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Linter, "lint_document", boom)
    r = run_cli("check", str(CLEAN_DOC))
    assert r.exit_code == 2 and "internal error: RuntimeError: simulated bug" in r.stderr and "Traceback" not in r.stderr


def test_the_command_lines_choices_are_the_configurations_and_the_formatters():
    # cli spells them out for a light start-up; a format or fail-on level added in one place only
    # would be refused by one front end and taken by the other.
    from orderlint import cli, config
    from orderlint.formatters import FORMATS

    assert tuple(cli.FAIL_ON) == tuple(config.FAIL_ON)
    assert sorted(cli.FORMAT_CHOICES) == sorted(FORMATS)


# rules.md: OL002 is an error "so `--fail-on error` never passes a misspelt checked drug"; OL007 "so an
# unchecked document fails", and "a site whose stream mixes conditions ignores OL007 explicitly". A
# selection of the pack's rules, or an ignore by prefix, passed both with exit 0.
_MISSPELT = {"orders": [{"id": "c", "drug": "cyclophosphamid", "dose": 600, "unit": "mg", "route": "iv", "frequency": "once"}]}
_UNCOVERED = {"indication": {"condition": "ssc-ild-x"}}
_NO_DOSE = {"orders": [{"id": "c", "drug": "cyclophosphamide", "unit": "mg", "route": "iv", "frequency": "once"}]}


@pytest.mark.parametrize("doc, args, code", [
    (_MISSPELT, ["--select", "ILD"], "OL002"),
    (_MISSPELT, ["--ignore", "OL00"], "OL002"),
    (_MISSPELT, ["--ignore", "OL"], "OL002"),
    (_UNCOVERED, ["--select", "ILD202"], "OL007"),
    (_UNCOVERED, ["--select", "ILD,OL004"], "OL007"),
    (_NO_DOSE, ["--select", "ILD3"], "OL003"),
], ids=["select-pack", "ignore-OL00", "ignore-OL", "select-rule", "select-list", "no-dose"])
def test_a_selection_or_a_prefix_never_turns_off_the_unchecked_findings(tmp_path, doc, args, code):
    p = write_doc(tmp_path, minimal(**doc))
    r = run_cli("check", str(p), "--format", "json", *args)
    assert [f["code"] for res in json.loads(r.stdout)["results"] for f in res["findings"]].count(code) == 1
    assert r.exit_code == 1


@pytest.mark.parametrize("doc, ignore", [
    (_MISSPELT, "OL002"), (_MISSPELT, "unknown-drug"), (_UNCOVERED, "ol007"), (_UNCOVERED, "not-applicable"),
])
def test_an_ignore_that_names_the_rule_turns_it_off(tmp_path, doc, ignore):
    p = write_doc(tmp_path, minimal(**doc))
    r = run_cli("check", str(p), "--format", "json", "--ignore", ignore)
    assert [f for res in json.loads(r.stdout)["results"] for f in res["findings"]] == []
    assert r.exit_code == 0
