"""JSON Lines lines written by the fast encoder are byte-identical to the standard library's compact
``ensure_ascii=False`` encoding of the same result, for every string (controls, separators, lone
surrogates) and for the results of every example."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderlint.engine import Linter
from orderlint.findings import Finding, Result, Suppression
from orderlint.formatters import jsonout
from orderlint.reader import read_bytes

ROOT = Path(__file__).resolve().parent.parent
STDLIB = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def lines(results: list[Result], linter: Any = None) -> str:
    buf = io.StringIO()
    f = jsonout.make("jsonl", buf, linter)
    f.start()
    for r in results:
        f.result(r)
    return buf.getvalue()


def expected(results: list[Result]) -> str:
    return "".join(STDLIB(r.to_dict()) + "\n" for r in results)


def result_with(text: str) -> Result:
    f = Finding("OL001", text, "error", text, text, "/" + text, 3, 4, text, text, Suppression(text, text, -1))
    return Result(text, text, "invalid", text, [f, Finding("OL002", "n", "warning", "m")])


def test_every_control_and_special_character() -> None:
    specials = "".join(chr(i) for i in range(0x20)) + '"\\/\x7f\u0080\u2028\u2029\ufeff\uffff\U0001f600é'
    rs = [result_with(specials), result_with(""), result_with("\ud800"), result_with("a\udfffb")]
    assert lines(rs) == expected(rs)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string(text: str) -> None:
    rs = [result_with(text)]
    assert lines(rs) == expected(rs)


def test_results_of_every_example() -> None:
    linter = Linter()
    results = []
    for p in sorted((ROOT / "examples").rglob("*.json")):
        results.append(linter.lint_document(read_bytes(p.read_bytes(), str(p), None)))
    assert len(results) > 50 and any(r.findings for r in results)
    assert lines(results) == expected(results)


def test_without_orjson_the_standard_library_writes(monkeypatch: Any) -> None:
    monkeypatch.setattr(jsonout, "_orjson_dumps", None)
    rs = [result_with("x\ny")]
    assert lines(rs) == expected(rs)
