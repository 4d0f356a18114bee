"""Reports that a consumer reads alone (a jq pipeline over JSON Lines, code scanning, a FHIR client,
a workflow's annotations) say everything the run found: an unreadable input, a document that was
not checked, where a finding of a stream is, which findings failed the run, and the date the
document was judged as of (interfaces.md, SARIF/JUnit/GitHub and JSON output; fhir.md 4)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import EXAMPLES, run_cli, run_orderlint


@pytest.fixture
def folder_with_a_dangling_link(tmp_path):
    folder = tmp_path / "orders"
    folder.mkdir()
    shutil.copy(EXAMPLES / "regimens" / "ILD101-clean.json", folder / "a.json")
    os.symlink(folder / "gone.json", folder / "broken.json")
    return folder


def test_an_unreadable_input_is_in_the_json_report(folder_with_a_dangling_link):
    r = run_cli("check", str(folder_with_a_dangling_link), "--format", "json")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert doc["summary"]["unreadable"] == 1
    assert len(doc["unreadable"]) == 1 and "broken.json" in doc["unreadable"][0]["message"]
    # A run where every input was read keeps its report as it was.
    clean = json.loads(run_cli("check", str(EXAMPLES / "regimens" / "ILD101-clean.json"), "--format", "json").stdout)
    assert "unreadable" not in clean and "unreadable" not in clean["summary"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_input_is_a_line_of_the_json_lines_report_in_input_order(folder_with_a_dangling_link, jobs, tmp_path):
    out = tmp_path / "report.jsonl"
    r = run_cli("check", str(folder_with_a_dangling_link), "--format", "jsonl", "-j", jobs, "--output", str(out))
    assert r.exit_code == 2
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["status"] for x in lines] == ["checked", "unreadable"]  # a.json, then broken.json
    assert "broken.json" in lines[1]["message"] and lines[1]["findings"] == []


def test_an_unreadable_input_is_an_operation_outcome_of_the_fhir_report(folder_with_a_dangling_link):
    r = run_cli("check", str(folder_with_a_dangling_link), "--format", "fhir")
    bundle = json.loads(r.stdout)
    outcomes = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    assert r.exit_code == 2 and len(outcomes) == 1
    issue = outcomes[0]["issue"][0]
    assert issue["severity"] == "error" and "broken.json" in issue["diagnostics"]


@pytest.mark.slow
def test_github_annotations_keep_input_order_with_jobs(tmp_path):
    shutil.copy(EXAMPLES / "regimens" / "ILD301-fires.json", tmp_path / "a.json")
    shutil.copy(EXAMPLES / "regimens" / "ILD301-fires.json", tmp_path / "c.json")
    args = ["check", str(tmp_path / "a.json"), str(tmp_path / "b.json"), str(tmp_path / "c.json"), "--format", "github"]
    one = run_orderlint(*args, "-j", "1")
    two = run_orderlint(*args, "-j", "2")
    assert one.returncode == two.returncode == 2
    assert one.stdout == two.stdout
    titles = [line.split("title=")[1].split("::")[0] for line in one.stdout.decode().splitlines()]
    assert titles == ["ILD301", "orderlint (input not read)", "ILD301"]


def _not_applicable_with_a_note():
    """A FHIR Bundle with no SSc-ILD condition: not-applicable, and an OL008 note of its mapping."""
    bundle = json.loads((EXAMPLES / "fhir" / "ILD104-fires.bundle.json").read_text())
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Condition"]
    return bundle


@pytest.mark.parametrize("fmt,said", [("text", "(not checked)"), ("github", "title=orderlint (document not checked)")])
def test_a_document_not_checked_is_said_beside_its_other_findings(tmp_path, fmt, said):
    # With OL007 ignored, a not-applicable document with an OL008 note printed the note alone, and
    # nothing said the document was not checked (JUnit and SARIF said it).
    path = tmp_path / "na.json"
    path.write_text(json.dumps(_not_applicable_with_a_note()))
    r = run_cli("check", str(path), "--ignore", "OL007", "--format", fmt)
    assert said in r.stdout and "OL008" in r.stdout, r.stdout


@pytest.mark.parametrize("with_note", [False, True])
def test_the_fhir_report_says_a_document_was_not_checked(tmp_path, with_note):
    # With OL007 ignored, --format fhir gave an empty Bundle for a document no pack covers: it read
    # as checked and clean, where every other format says it was not checked.
    from fhir.resources.R4B.bundle import Bundle

    path = tmp_path / "na.json"
    if with_note:
        path.write_text(json.dumps(_not_applicable_with_a_note()))
    else:
        doc = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
        doc["indication"] = {"condition": "ssc-pah"}
        path.write_text(json.dumps(doc))
    r = run_cli("check", str(path), "--ignore", "OL007", "--format", "fhir")
    assert r.exit_code == 0
    bundle = json.loads(r.stdout)
    Bundle.model_validate(bundle)
    outcomes = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "OperationOutcome"]
    [issue] = [i for o in outcomes for i in o["issue"]]
    assert issue["severity"] == "information" and "not checked: no installed rule pack for condition" in issue["diagnostics"]
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == ({"OperationOutcome", "DetectedIssue"} if with_note else {"OperationOutcome"})


def test_github_annotations_of_standard_input_name_the_line():
    lines = [(EXAMPLES / "regimens" / "ILD101-clean.json").read_text(), (EXAMPLES / "regimens" / "ILD301-fires.json").read_text()]
    stream = "\n".join(json.dumps(json.loads(x)) for x in lines) + "\n"
    r = run_cli("check", "-", "--jsonl", "--format", "github", input=stream)
    [line] = [x for x in r.stdout.splitlines() if "title=ILD301" in x]
    assert "::<stdin>:2:" in line and "file=" not in line


def test_github_shows_a_finding_that_fails_the_run_as_at_least_a_warning():
    path = str(EXAMPLES / "regimens" / "ILD207-fires.json")
    default = run_cli("check", path, "--format", "github")
    assert default.exit_code == 0 and "::notice " in default.stdout
    failing = run_cli("check", path, "--format", "github", "--fail-on", "info")
    assert failing.exit_code == 1 and "::warning " in failing.stdout and "::notice " not in failing.stdout


def test_the_fhir_report_dates_a_finding_by_the_document_s_as_of():
    # fhir.md 4: identifiedDateTime is as_of; the document's own (2026-03-02) wins over the run's date.
    path = str(EXAMPLES / "regimens" / "ILD301-fires.json")
    for args in ((), ("--as-of", "2026-05-01"), ("-j", "2")):
        bundle = json.loads(run_cli("check", path, "--format", "fhir", *args).stdout)
        dates = {e["resource"]["identifiedDateTime"] for e in bundle["entry"]}
        assert dates == {"2026-03-02"}, args


def test_sarif_and_github_paths_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "orders").mkdir()
    shutil.copy(EXAMPLES / "regimens" / "ILD301-fires.json", repo / "orders" / "pt.json")
    outside = tmp_path / "elsewhere.json"
    shutil.copy(EXAMPLES / "regimens" / "ILD301-fires.json", outside)
    monkeypatch.chdir(repo / "orders")
    sarif = json.loads(run_cli("check", ".", str(outside), "--format", "sarif").stdout)
    uris = [res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]]
    assert "orders/pt.json" in uris and outside.as_uri() in uris
    github = run_cli("check", ".", "--format", "github").stdout
    assert "file=orders/pt.json," in github


def test_junit_case_names_escape_document_text(tmp_path):
    doc = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    doc["orders"][0]["id"] = "cyc\n::warning::x \u202e \x1b[31m"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    import xml.etree.ElementTree as ET

    root = ET.fromstring(run_cli("check", str(path), "--format", "junit").stdout)
    names = [tc.get("name") for tc in root.iter("testcase")]
    assert names and not any(c in n for n in names for c in ("\n", "\u202e", "\x1b")), names


def test_junit_failure_text_escapes_the_file_name(tmp_path):
    # A newline in a file name made a line of the failure text that read as another finding.
    import xml.etree.ElementTree as ET

    path = tmp_path / "new\nline \u202e.json"
    path.write_text((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    root = ET.fromstring(run_cli("check", str(path), "--format", "junit").stdout)
    bodies = [el.text for el in root.iter("failure")]
    assert bodies and all(b.count("\n") == b.count("\nFix: ") for b in bodies), bodies
    assert not any("\u202e" in b for b in bodies)


def test_sarif_shows_a_finding_that_fails_the_run_as_at_least_a_warning():
    path = str(EXAMPLES / "regimens" / "ILD207-fires.json")

    def levels(*args):
        doc = json.loads(run_cli("check", path, "--format", "sarif", *args).stdout)
        return [(r["level"], r["properties"]["severity"]) for r in doc["runs"][0]["results"]]

    assert levels() == [("note", "info")]
    assert levels("--fail-on", "info") == [("warning", "info")]


def test_a_result_without_a_condition_is_not_said_to_lack_a_rule_pack(tmp_path):
    # A Bulk export without orders: its results are not-applicable with an OL008 note and no
    # condition, and the text said "no installed rule pack for condition None" beside each note.
    src = EXAMPLES / "fhir" / "bulk"
    folder = tmp_path / "export"
    shutil.copytree(src, folder)
    (folder / "MedicationRequest.ndjson").unlink()
    r = run_cli("check", str(folder), "--as-of", "2026-03-02")
    assert "no-orders" in r.stdout and "condition None" not in r.stdout, r.stdout
