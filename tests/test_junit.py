"""`--format junit`: JUnit XML that CI dashboards (GitLab, Jenkins) read as one suite per file."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from orderlint.cli import cli

ROOT = Path(__file__).resolve().parents[1]
COUNTS = ("tests", "failures", "errors", "skipped")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["check", *args], input=input, catch_exceptions=False)


def report(*args: str) -> tuple[str, dict]:
    xml = run(*args, "--format", "junit")
    js = run(*args, "--format", "json")
    assert xml.exit_code == js.exit_code and xml.exit_code in (0, 1), xml.output
    return xml.stdout, json.loads(js.stdout)


def file_of(source: str) -> str:
    path, _, line = source.rpartition(":")
    if path.endswith((".jsonl", ".ndjson")) and line.isdigit():
        return path
    return source


def jsonl_with_a_drug(tmp_path: Path, drug: str) -> str:
    data = json.loads((ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8"))
    data["orders"][0]["drug"] = drug
    clean = json.loads((ROOT / "examples" / "regimens" / "ILD102-clean.json").read_text(encoding="utf-8"))
    lines = [json.dumps(data), json.dumps(data), "", json.dumps(clean)]  # a repeated document on purpose
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "batch.jsonl"


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.fixture
def examples(in_root) -> tuple[ET.Element, dict, str]:
    text, js = report("examples/")
    return ET.fromstring(text.encode("utf-8")), js, text


def suite_files(js: dict) -> list[str]:
    """The suites' files in report order: each result's, and a Bulk Data finding's own file (the
    file of its line, fhir.md 1)."""
    return list(dict.fromkeys(f for r in js["results"] for f in
                              [file_of(r["source"]), *(g["file"] for g in r["findings"] if g.get("file"))]))


def _expected_per_file(js: dict) -> dict[str, Counter]:
    per: dict[str, Counter] = defaultdict(Counter)
    for r in js["results"]:
        c = base = per[file_of(r["source"])]
        if r["status"] == "not-applicable":
            # rules.md 2nd ed. (OL007): a skipped "not checked" case, and its OL007 finding as a failure.
            c["tests"] += 1
            c["skipped"] += 1
        elif not r["findings"]:
            c["tests"] += 1
        for f in r["findings"]:
            c = per[f["file"]] if f.get("file") else base
            c["tests"] += 1
            if f["suppressed"] is not None:
                c["skipped"] += 1
            elif f["code"] == "OL000":
                c["errors"] += 1
            elif f["severity"] in ("error", "warning"):
                c["failures"] += 1
    return per


@pytest.mark.slow
def test_one_suite_per_file_and_counts_match_the_json_report(examples):
    root, js, _ = examples
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    files = suite_files(js)
    assert [s.get("name") for s in suites] == files
    expected = _expected_per_file(js)
    for suite in suites:
        got = {k: int(suite.get(k)) for k in COUNTS}
        assert got == {k: expected[suite.get("name")][k] for k in COUNTS}, suite.get("name")
        cases = suite.findall("testcase")
        assert len(cases) == got["tests"]
        assert sum(c.find("failure") is not None for c in cases) == got["failures"]
        assert sum(c.find("skipped") is not None for c in cases) == got["skipped"]
        assert sum(c.find("error") is not None for c in cases) == got["errors"]
    s = js["summary"]
    assert int(root.get("failures")) == s["findings"]["error"] + s["findings"]["warning"]
    assert int(root.get("skipped")) == s["suppressed"] + s["not_applicable"]
    for k in COUNTS:
        assert int(root.get(k)) == sum(int(x.get(k)) for x in suites)


@pytest.mark.slow
def test_testcases_name_code_and_pointer_and_are_unique_per_suite(examples):
    root, js, _ = examples
    findings = {
        (f.get("file") or file_of(r["source"]), f["code"], f["pointer"] or "(document)")
        for r in js["results"] for f in r["findings"]
    }
    named = set()
    for suite in root.findall("testsuite"):
        names = [c.get("name") for c in suite.findall("testcase")]
        assert len(names) == len(set(names)), names
        for case in suite.findall("testcase"):
            assert case.get("classname") and case.get("file") == suite.get("name")
            assert (ROOT / case.get("file")).is_file()
            if case.find("failure") is not None:
                code = case.find("failure").get("type")
                # A JSON Lines document's cases start with its id (examples/ now holds an NDJSON export).
                jsonl = suite.get("name").endswith((".jsonl", ".ndjson"))
                name = case.get("name").split(": ", 1)[-1] if jsonl else case.get("name")
                assert name.startswith(code + " ")
                named.add((suite.get("name"), code, name.split(" ")[1]))
                assert case.find("failure").get("message") in case.find("failure").text  # body for old GitLab
    assert named <= findings and named


@pytest.mark.slow
def test_documents_without_findings_pass_and_info_findings_are_not_failures(examples):
    root, js, _ = examples
    clean = [r for r in js["results"] if r["status"] == "checked" and not r["findings"]]
    assert clean
    passing = {c.get("name") for c in root.iter("testcase") if len(c) == 0}
    for r in clean:
        assert f"{r['id']}: no findings" in passing
    info = [f for r in js["results"] for f in r["findings"] if f["severity"] == "info" and f["suppressed"] is None]
    outs = [c for c in root.iter("testcase") if c.find("system-out") is not None]
    assert len(outs) == len(info)
    assert all(c.find("failure") is None and c.find("skipped") is None for c in outs)


def test_waived_findings_are_skipped_with_the_reason(in_root):
    path = "examples/regimens/ILD102-waived.json"
    text, js = report(path)
    waived = [f for r in js["results"] for f in r["findings"] if f["suppressed"] is not None]
    assert waived
    skipped = [c.find("skipped") for c in ET.fromstring(text).iter("testcase") if c.find("skipped") is not None]
    assert [s.get("message") for s in skipped] == [
        f"waived: {f['suppressed']['reason']} (approved by {f['suppressed']['approved_by']})" for f in waived
    ]


@pytest.mark.slow
def test_a_real_junit_consumer_reads_it(examples, tmp_path):
    junitparser = pytest.importorskip("junitparser", reason="junitparser is not installed (pip install junitparser)")
    _, js, text = examples
    path = tmp_path / "report.xml"
    path.write_text(text, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == len(suite_files(js))
    failures = skipped = 0
    for suite in suites:
        cases = list(suite)
        assert suite.tests == len(cases)
        for case in cases:
            kinds = {type(res).__name__ for res in case.result}
            failures += "Failure" in kinds
            skipped += "Skipped" in kinds
    s = js["summary"]
    assert failures == s["findings"]["error"] + s["findings"]["warning"]
    assert skipped == s["suppressed"] + s["not_applicable"]


def test_json_lines_documents_share_their_file_suite_and_repeats_get_unique_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = jsonl_with_a_drug(tmp_path, "unheard-of-drug")
    text, js = report(path)
    root = ET.fromstring(text)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == path
    names = [c.get("name") for c in suite.findall("testcase")]
    assert len(names) == len(set(names)) == int(suite.get("tests"))
    assert {c.get("classname") for c in suite.findall("testcase")} == {r["source"] for r in js["results"]}
    assert int(suite.get("failures")) == sum(len(r["findings"]) for r in js["results"])


def test_markup_in_messages_is_escaped_and_round_trips(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = jsonl_with_a_drug(tmp_path, 'a<b> & "c" \'d\' ]]> \u00e9\u4e2d')
    text, js = report(path)
    text.encode("ascii")  # non-ASCII characters travel as character references
    root = ET.fromstring(text)
    messages = [f["message"] for r in js["results"] for f in r["findings"]]
    got = [c.find("failure").get("message") for c in root.iter("testcase") if c.find("failure") is not None]
    assert got == messages and all("a<b> & \"c\"" in m for m in got)


def test_control_characters_and_newlines_keep_the_document_well_formed():
    from orderlint.engine import Linter
    from orderlint.findings import Finding, Result, Summary
    from orderlint.formatters import get_formatter

    message = "first line\nsecond <line> & \x01\x0b end \ud800"
    result = Result(source="dir/a.json", id="doc", status="checked", findings=[
        Finding(code="OL002", name="unknown-drug", severity="warning", message=message, pointer="/orders/0/drug"),
        Finding(code="OL002", name="unknown-drug", severity="warning", message=message, pointer="/orders/0/drug"),
    ])
    out = io.StringIO()
    fmt = get_formatter("junit", out, Linter())
    summary = Summary()
    summary.add(result)
    fmt.start()
    fmt.result(result)
    fmt.finish(summary)
    root = ET.fromstring(out.getvalue())
    cases = list(root.iter("testcase"))
    assert len({c.get("name") for c in cases}) == 2  # same code and pointer twice: still unique
    failure = cases[0].find("failure")
    assert failure.get("message") == "first line\nsecond <line> & \ufffd\ufffd end \ufffd"
    assert "second <line> &" in failure.text


def test_not_applicable_document_is_skipped_not_passed(in_root):
    # rules.md 2nd ed. (OL007): the not-applicable document fails with OL007 instead of passing silently.
    text, js = report("examples/regimens/OL007-fires.json")
    cases = list(ET.fromstring(text).iter("testcase"))
    assert js["results"][0]["status"] == "not-applicable"
    assert any("OL007" in c.get("name") and c.find("failure") is not None for c in cases)


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, in_root):
    out = tmp_path / "junit.xml"
    res = run("examples/regimens/", "--format", "junit", "--output", str(out))
    assert res.exit_code == 1
    assert res.stdout == ""
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and int(root.get("failures")) > 0


@pytest.mark.parametrize("fail_on, failing", [("info", {"error", "warning", "info"}), ("warning", {"error", "warning"}),
                                              ("error", {"error"}), ("never", {"error", "warning"})])
def test_failures_are_the_findings_the_exit_code_counts(in_root, fail_on, failing):
    # At --fail-on info, an info finding failed the run (exit 1) and passed on the dashboard; at
    # --fail-on error, warnings failed on the dashboard of a run that passed.
    xml, js = report("examples/", "--fail-on", fail_on)
    root = ET.fromstring(xml)
    want = sum(1 for r in js["results"] for f in r["findings"]
               if f["suppressed"] is None and f["code"] != "OL000" and f["severity"] in failing)
    assert int(root.get("failures")) == want and want > 0
    assert sum(1 for _ in root.iter("failure")) == want


def test_a_bulk_data_finding_is_at_the_file_of_its_line(in_root, tmp_path):
    # The finding was put at its line of the patient's first file (Patient.ndjson: another patient).
    import shutil

    bulk = tmp_path / "bulk"
    shutil.copytree(EXAMPLES / "fhir" / "bulk", bulk)
    xml = run(str(bulk), "--format", "junit", "--as-of", "2026-03-02").stdout
    cases = [c for c in ET.fromstring(xml).iter("testcase") if c.find("failure") is not None]
    assert cases
    for c in cases:
        body = c.find("failure").text
        assert body.startswith(c.get("file") + ":"), (c.get("file"), body)
    assert any(c.get("file").endswith("MedicationRequest.ndjson") for c in cases)


def test_an_input_that_cannot_be_read_is_an_error_case(tmp_path):
    import shutil

    shutil.copy(EXAMPLES / "regimens" / "ILD101-clean.json", tmp_path)
    (tmp_path / "broken.json").symlink_to(tmp_path / "missing" / "x.json")
    r = run(str(tmp_path), "--format", "junit")
    assert r.exit_code == 2
    root = ET.fromstring(r.stdout)
    assert root.get("errors") == "1"
    (err,) = root.iter("error")
    assert err.get("type") == "unreadable" and "cannot read" in err.get("message") and "broken.json" in err.get("message")
