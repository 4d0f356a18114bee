"""Messages a new user meets (issue 16 item 5): `explain` with a prefix, stdin holding several JSON
values, several YAML documents in one file, a trailing comma, and `lint()` given a file name.

Follows interfaces.md 2nd ed., "Everyday use": Standard input (`-` without `--jsonl` given more
than one JSON value says so) and the Python API section (`lint` never raises for a document)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, minimal, run_cli, run_orderlint


def test_explain_with_a_prefix_lists_the_rules_it_names():
    from orderlint.engine import Linter

    linter = Linter()
    r = run_cli("explain", "ILD20")
    assert r.exit_code == 0, r.output
    head, *rows = r.stdout.splitlines()
    expected = linter.match("ILD20")
    assert len(expected) > 1 and head.startswith("'ILD20' names ") and "orderlint explain CODE" in head
    assert [row.split()[0] for row in rows] == [x.code for x in expected]
    for row, rule in zip(rows, expected):
        code, name, summary = row.split(None, 2)
        assert (code, name, summary) == (rule.code, rule.name, rule.summary_for(linter.options[rule.code]))


@pytest.mark.slow
def test_explain_of_one_rule_and_of_an_unknown_rule_are_as_before():
    from orderlint.docs import explain_text
    from orderlint.engine import Linter

    linter = Linter()
    one = run_cli("explain", "ILD202")
    assert one.exit_code == 0 and one.stdout == explain_text(linter.by_code["ILD202"], linter.options["ILD202"]) + "\n"
    assert run_cli("explain", "glucocorticoid-high-dose").stdout == one.stdout
    unknown = run_orderlint("explain", "ILD9")
    assert unknown.returncode == 2 and b"unknown rule 'ILD9'" in unknown.stderr and unknown.stdout == b""


@pytest.mark.slow
def test_several_yaml_documents_in_one_file_are_said_plainly(tmp_path):
    p = tmp_path / "two.yaml"
    p.write_text("id: a\nkind: order-set\n---\nid: b\nkind: order-set\n")
    r = run_orderlint("check", str(p))
    line = r.stdout.decode().splitlines()[0]
    assert r.returncode == 1 and "OL001" in line
    assert "one regimen document; this one has 2" in line and "JSON Lines" in line, line


@pytest.mark.slow
@pytest.mark.parametrize("text", ['{"id": "a", "kind": "order-set",}\n', '{"id": "a", "orders": [1, 2,]}\n'])
def test_a_trailing_comma_in_json_is_said_plainly(tmp_path, text):
    p = tmp_path / "comma.json"
    p.write_text(text)
    line = run_orderlint("check", str(p)).stdout.decode().splitlines()[0]
    assert "trailing comma" in line, line


@pytest.mark.parametrize("text,line,col,bracket", [
    ('{"id": "a", "kind": "order-set",}', 1, 32, "}"),
    ('{"id": "a",\n "orders": [1, 2,\n ]}', 2, 17, "]"),
])
def test_a_trailing_comma_is_located_at_the_comma_and_other_errors_keep_the_decoders_words(text, line, col, bracket):
    from orderlint.reader import parse_json

    err = parse_json(text, "<t>").error
    assert err is not None and (err.line, err.column) == (line, col)
    assert err.message == f"not valid JSON: a trailing comma before {bracket!r} (JSON allows no comma after the last item)"
    assert parse_json('{"id": ,}', "<t>").error.message == "not valid JSON: Expecting value"
    # In a JSON Lines stream the line is the stream's.
    assert parse_json('[1,]', "<t>", first_line=7).error.line == 7


def test_lint_given_the_name_of_a_file_as_a_str_says_to_pass_a_path(tmp_path, monkeypatch):
    import orderlint

    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.yaml").write_bytes((EXAMPLES / "protocols" / "cyc-induction.yaml").read_bytes())
    for given in ("orders.yaml", str(tmp_path / "orders.yaml")):
        result = orderlint.lint(given)
        (f,) = result.findings
        assert result.status == "invalid" and f.code == "OL001"
        assert "pass a Path" in f.message and f"Path({given!r})" in f.message
    # The Path itself lints the file; text that is a document, or names no file, is read as before.
    assert [f.code for f in orderlint.lint(Path("orders.yaml")).findings] == ["ILD301"]
    assert orderlint.lint(json.dumps(minimal())).status == "checked"
    missing = orderlint.lint("no-such-file.yaml")
    assert missing.status == "invalid" and "Path" not in missing.findings[0].message


def test_iter_lint_is_gone_from_the_api():
    import orderlint.api

    assert not hasattr(orderlint.api, "iter_lint")


def test_a_yaml_date_that_is_no_calendar_date_names_its_field(tmp_path):
    # Issue 16 item 5: the OL001 names the field and is located at it, in YAML as in JSON.
    import yaml

    import orderlint

    doc = minimal()
    doc["as_of"] = "2026-02-30"
    doc["tests"] = [{"test": "cbc", "status": "resulted", "date": "2026-02-31", "result": "normal"}]
    text = yaml.safe_dump(doc, sort_keys=False).replace("'2026-02-30'", "2026-02-30").replace("'2026-02-31'", "2026-02-31")
    assert "as_of: 2026-02-30" in text  # a bare YAML date, as a protocol author writes it
    path = tmp_path / "orders.yaml"
    path.write_text(text)
    result = orderlint.lint(path)
    got = {f.pointer: f for f in result.findings}
    assert got["/as_of"].message == "`as_of` is '2026-02-30': not a calendar date (day value is outside expected range)"
    assert got["/tests/0/date"].message == (
        "`tests/0/date` is '2026-02-31': not a calendar date (day value is outside expected range)")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("as_of:"))
    assert got["/as_of"].line == line


@pytest.mark.parametrize("selector", ["", "   "])
def test_an_empty_selector_names_no_rule(selector):
    # A prefix of nothing must not select every rule (explain, --select, --ignore, ignore = [""]).
    from orderlint.config import ConfigError
    from orderlint.engine import Linter

    with pytest.raises(ConfigError, match="empty rule selector"):
        Linter().match(selector)
    r = run_cli("explain", selector)
    assert r.exit_code == 2 and "empty rule selector" in r.output
