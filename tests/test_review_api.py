"""Review: ``orderlint.lint`` never raises for a bad document (api.py's contract), whatever the
input type; the result is OL001, never a traceback and never a pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import orderlint
from conftest import EXAMPLES


@pytest.mark.parametrize("document", [
    b"\xff\xfe{", b"\x80abc", "", b"", "   \n", b"\x00", "\ufeff{}", 12, None, [1], 3.5, True, "[]", "null",
    '{"id": "r", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": [{"drug": "\\ud800"}]}',
    '{"dose": 1, "\\u0064ose": 2}', '{"a": 1e400}', "a: .nan\n", "- 1\n- 2\n",
], ids=repr)
def test_bad_documents_are_ol001(document: Any) -> None:
    r = orderlint.lint(document)
    assert r.status == "invalid"
    assert r.findings and all(f.code == "OL001" for f in r.findings)


def test_dev_null_path_is_ol001() -> None:
    r = orderlint.lint(Path("/dev/null"))
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]


# A str can hold a lone surrogate: text read with errors="surrogateescape" (Python's own handler for
# standard input and file names under a C locale) or built from JSON "\ud800" escapes.
SURROGATE_TEXTS = ['{"id": "\ud800"}', "id: \udc00\n", "\udcff"]


@pytest.mark.parametrize("text", SURROGATE_TEXTS, ids=repr)
def test_lint_of_a_str_with_a_lone_surrogate_is_ol001(text: str) -> None:
    r = orderlint.lint(text)
    assert r.status == "invalid" and r.findings[0].code == "OL001"


def test_lint_many_of_a_str_with_a_lone_surrogate_counts_it_invalid() -> None:
    report = orderlint.lint_many(SURROGATE_TEXTS)
    assert report.summary.invalid == len(SURROGATE_TEXTS)


# --- review 6: a path the API cannot read, a JSON Lines path, select = None ----------------------

def test_a_path_that_cannot_be_read_is_an_ol001_result_not_an_exception(tmp_path):
    import orderlint

    # A folder and a missing file raised IsADirectoryError / FileNotFoundError out of lint().
    (r,) = [orderlint.lint(tmp_path)]
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert r.findings[0].message == (f"cannot read {tmp_path}: Is a directory; a folder is read by the command line "
                                     "(orderlint check FOLDER), and a Bulk Data export folder by "
                                     "orderlint.lint_all(Path(FOLDER))")
    r = orderlint.lint(tmp_path / "missing.json")
    assert [(f.code, f.message) for f in r.findings] == [("OL001", f"cannot read {tmp_path / 'missing.json'}: No such file or directory")]


def test_a_json_lines_path_gives_one_result_per_line(tmp_path):

    doc = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(json.dumps(dict(doc, id=f"pt-{i}")) for i in range(3)) + "\n{broken\n")
    results = orderlint.lint_all(path)
    assert [r.id for r in results[:3]] == ["pt-0", "pt-1", "pt-2"]
    assert all("ILD301" in [f.code for f in r.findings] for r in results[:3])
    assert [f.code for f in results[3].findings] == ["OL001"] and results[3].source == f"{path}:4"
    # lint() of the whole stream was one OL001 for every line: it says how to read it.
    (f,) = orderlint.lint(path).findings
    assert f.code == "OL001" and "orderlint.lint_all(Path(" in f.message


def test_select_none_in_an_api_config_is_the_default():
    import orderlint

    doc = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    # It raised TypeError: 'NoneType' object is not iterable.
    assert [f.code for f in orderlint.lint(doc, config={"select": None}).findings] == \
        [f.code for f in orderlint.lint(doc).findings]


def test_an_empty_json_lines_path_is_an_ol001_result_and_lint_many_names_files_by_path(tmp_path):
    import orderlint

    # lint_all(Path("empty.jsonl")) was [], which a pipeline looking for findings read as clean.
    for text in ("", "\n\n  \n"):
        path = tmp_path / "empty.jsonl"
        path.write_text(text)
        (r,) = orderlint.lint_all(path)
        assert r.status == "invalid" and r.findings[0].message == "the JSON Lines file holds no document (it is empty or blank)"
    doc = tmp_path / "a.json"
    doc.write_text((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    report = orderlint.lint_many([doc, {"id": "x"}])
    assert [r.source for r in report.results] == [str(doc), "<document 1>"]


def test_a_json_file_with_lines_ended_by_cr_alone_is_placed_as_with_lf(tmp_path):
    # CR is JSON whitespace and a line break to YAML and editors: every finding was placed on line 1.
    import orderlint

    text = (EXAMPLES / "regimens" / "ILD301-fires.json").read_text()
    where = {}
    for name, eol in (("lf.json", "\n"), ("cr.json", "\r"), ("crlf.json", "\r\n")):
        path = tmp_path / name
        path.write_bytes(text.replace("\n", eol).encode())
        where[name] = [(f.code, f.line, f.column) for f in orderlint.lint(path).findings]
    assert where["lf.json"] == where["cr.json"] == where["crlf.json"] and where["lf.json"][0][1] > 1


def test_an_overflowing_number_is_placed_at_its_value_not_at_the_same_text_in_a_string():
    import orderlint

    text = '{"id": "nan-1e999", "kind": "order-set", "indication": {"condition": "ssc-ild"},\n "orders": [{"drug": "x", "dose": 1e999}]}'
    (f,) = orderlint.lint(text).findings
    assert (f.code, f.pointer, f.line, f.column) == ("OL001", "/orders/0/dose", 2, 35)


def test_a_raw_control_character_in_a_string_is_said_in_words():
    import orderlint

    (f,) = orderlint.lint('{"id": "a\tb"}').findings
    assert f.message == ("not valid JSON: a control character (a raw line break or tab) inside a string; write it "
                         "escaped (\\n, \\t)")
