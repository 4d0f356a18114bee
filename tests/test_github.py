"""`--format github`: GitHub Actions workflow commands, one per finding, escaped as the runner expects."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from orderlint.cli import cli
from orderlint.reader import split_source

ROOT = Path(__file__).resolve().parents[1]
COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
# A workflow command: ::name key=value,key=value::message, where escaped property values hold no
# raw ',' ':' CR or LF, and the message holds no raw CR or LF.
LINE = re.compile(r"^::(?P<cmd>error|warning|notice)(?: (?P<props>[a-zA-Z]+=[^,:\r\n]*(?:,[a-zA-Z]+=[^,:\r\n]*)*))?::(?P<msg>[^\r\n]*)$")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["check", *args], input=input, catch_exceptions=False)


def unescape(text: str, prop: bool = False) -> str:
    # Reverse order of escaping: %25 last, so "%253A" stays a literal "%3A".
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for a, b in pairs:
        text = text.replace(a, b)
    return text.replace("%25", "%")


def parse(output: str) -> list[dict]:
    rows = []
    for line in output.splitlines():
        m = LINE.match(line)
        assert m, f"not a workflow command: {line!r}"
        props = {}
        if m.group("props"):
            for kv in m.group("props").split(","):
                k, _, v = kv.partition("=")
                props[k] = unescape(v, prop=True)
        rows.append({"cmd": m.group("cmd"), "props": props, "msg": unescape(m.group("msg"))})
    return rows


def as_json(*args: str) -> dict:
    return json.loads(run(*args, "--format", "json").stdout)


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_every_line_is_a_workflow_command_matching_the_json_findings(in_root):
    res = run("examples/", "--format", "github")
    assert res.exit_code == 1
    rows = parse(res.stdout)
    js = as_json("examples/")
    expected = []
    for r in js["results"]:
        if r["status"] == "not-applicable" and not r["findings"]:
            # rules.md 2nd ed. (OL007): a not-applicable document is annotated with its OL007 finding.
            expected.append(("notice", r["source"], None, None, None))
            continue
        for f in r["findings"]:
            cmd = "notice" if f["suppressed"] else COMMAND[f["severity"]]
            # A JSON Lines document (examples/ now holds an .ndjson folder) names its file, not path:LINE.
            # fhir.md section 1: a Bulk Data finding names the file of its line.
            file = f.get("file") or split_source(r["source"])[0]
            expected.append((cmd, file, str(f["line"]), str(f["column"]), f["code"]))
    got = [(x["cmd"], x["props"].get("file"), x["props"].get("line"), x["props"].get("col"),
            x["props"].get("title") if x["props"].get("line") else None) for x in rows]
    assert got == expected
    assert {x["cmd"] for x in rows} == {"error", "warning", "notice"}
    messages = [f["message"] for r in js["results"] for f in r["findings"] if not f["suppressed"]]
    active = [x["msg"] for x in rows if "(waived:" not in x["msg"] and x["props"].get("line")]
    assert active == messages


def test_waived_findings_are_notices_with_the_reason(in_root):
    path = "examples/regimens/ILD102-waived.json"
    finding = next(f for r in as_json(path)["results"] for f in r["findings"] if f["suppressed"])
    row = next(x for x in parse(run(path, "--format", "github").stdout) if finding["code"] in x["props"]["title"])
    assert row["cmd"] == "notice"
    assert row["msg"].startswith(finding["message"])
    assert f"(waived: {finding['suppressed']['reason']}" in row["msg"]


def test_commas_colons_and_percent_are_escaped_in_properties_and_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = json.loads((ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8"))
    data["orders"][0]["drug"] = "foo, bar: 100% baz"
    name = "odd, name: 50%.json"
    (tmp_path / name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    out = run(name, "--format", "github").stdout
    (line,) = [x for x in out.splitlines() if "OL002" in x]
    assert "file=odd%2C name%3A 50%25.json," in line
    assert "foo, bar: 100%25 baz" in line  # in the message only % (and CR, LF) are escaped
    (row,) = [x for x in parse(out) if "OL002" in x["props"]["title"]]
    assert row["props"]["file"] == name
    expected = next(f["message"] for r in as_json(name)["results"] for f in r["findings"] if f["code"] == "OL002")
    assert row["msg"] == expected


def test_newlines_in_a_message_stay_on_one_line():
    from orderlint.engine import Linter
    from orderlint.findings import Finding, Result, Summary
    from orderlint.formatters import get_formatter

    message = "first line\r\nsecond: a, b %0A literal 100%"
    result = Result(source="dir/a,b:c.json", id="doc", status="checked", findings=[
        Finding(code="OL002", name="unknown-drug", severity="info", message=message, line=3, column=0),
    ])
    out = io.StringIO()
    fmt = get_formatter("github", out, Linter())
    fmt.start()
    fmt.result(result)
    fmt.finish(Summary())
    text = out.getvalue()
    assert text.count("\n") == 1 and "\r" not in text
    assert text.rstrip("\n").endswith("::first line%0D%0Asecond: a, b %250A literal 100%25")
    (row,) = parse(text)
    assert row == {"cmd": "notice", "msg": message,
                   "props": {"file": "dir/a,b:c.json", "line": "3", "col": "1", "title": "OL002"}}


def test_stdin_findings_carry_no_file_property(in_root):
    text = (ROOT / "examples" / "regimens" / "OL002-fires.json").read_text(encoding="utf-8")
    rows = parse(run("-", "--format", "github", input=text).stdout)
    assert rows and all("file" not in x["props"] for x in rows)


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path, in_root):
    out = tmp_path / "annotations.txt"
    res = run("examples/regimens/", "--format", "github", "--output", str(out))
    assert res.exit_code == 1
    assert res.stdout == ""
    assert parse(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_named_like_a_json_lines_line_is_annotated_as_itself(tmp_path, monkeypatch, jobs):
    # A whole document in a file named "x.jsonl:3" was annotated as line 3 of x.jsonl (a file that
    # does not exist), and its findings' own lines were dropped: its source was split by its looks.
    monkeypatch.chdir(tmp_path)
    text = (ROOT / "examples" / "regimens" / "ILD301-fires.json").read_text(encoding="utf-8")
    (tmp_path / "x.jsonl:3").write_text(text, encoding="utf-8")
    (tmp_path / "y.jsonl").write_text("\n\n" + json.dumps(json.loads(text)) + "\n", encoding="utf-8")
    expected = {f["code"]: f["line"] for r in as_json("x.jsonl:3")["results"] for f in r["findings"]}
    out = run("x.jsonl:3", "y.jsonl", "--jobs", jobs, "--format", "github").stdout
    rows = parse(out)
    whole = [x for x in rows if x["props"]["file"] == "x.jsonl:3"]
    assert "file=x.jsonl%3A3," in out
    assert {x["props"]["title"]: int(x["props"]["line"]) for x in whole} == expected
    assert expected["ILD301"] != 3
    # A line of a real JSON Lines file still names that file and the line of the stream.
    lines = [x for x in rows if x["props"]["file"] != "x.jsonl:3"]
    assert lines and {(x["props"]["file"], x["props"]["line"]) for x in lines} == {("y.jsonl", "3")}


def test_a_bad_line_of_a_bulk_export_names_its_file_and_line(tmp_path, monkeypatch):
    # The Bulk Data reader keeps a bad line's source through its temporary database: read back,
    # it is still a line of that file, not a file named "MedicationRequest.ndjson:4".
    import shutil

    shutil.copytree(ROOT / "examples" / "fhir" / "bulk", tmp_path / "bulk")
    with open(tmp_path / "bulk" / "MedicationRequest.ndjson", "a", encoding="utf-8") as f:
        f.write("{not json\n")
    monkeypatch.chdir(tmp_path)
    n = len((tmp_path / "bulk" / "MedicationRequest.ndjson").read_text(encoding="utf-8").splitlines())
    (row,) = [x for x in parse(run("bulk", "--format", "github").stdout) if x["props"].get("title") == "OL001"]
    assert (row["props"]["file"], row["props"]["line"]) == ("bulk/MedicationRequest.ndjson", str(n))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_input_that_cannot_be_read_is_an_error_annotation(tmp_path, jobs):
    # The workflow's annotations showed a clean run over fewer files; the exit code (2) said otherwise.
    import shutil

    shutil.copy(Path(__file__).resolve().parents[1] / "examples" / "regimens" / "ILD101-clean.json", tmp_path)
    (tmp_path / "broken.json").symlink_to(tmp_path / "missing" / "x.json")
    r = CliRunner().invoke(cli, ["check", str(tmp_path), "--format", "github", "--jobs", jobs], catch_exceptions=False)
    assert r.exit_code == 2
    assert [ln for ln in r.stdout.splitlines() if ln.startswith("::error title=orderlint (input not read)::cannot read ")]
