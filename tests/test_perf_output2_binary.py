"""JSON Lines written as bytes to the report stream's binary layer (cli._Output.binary) give the
same file, byte for byte, as the same lines written as text, for every string (lone surrogates
included), and text written around them stays in order.

Follows interfaces.md, "JSON output": `--format jsonl` writes one result object per line, in input
order."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orderlint.cli import _Output
from orderlint.engine import Linter
from orderlint.findings import Finding, Result, Suppression
from orderlint.formatters import jsonout
from orderlint.reader import read_bytes

ROOT = Path(__file__).resolve().parent.parent


def result_with(text: str) -> Result:
    f = Finding("OL001", text, "error", text, text, "/" + text, 3, 4, text, text, Suppression(text, text, -1))
    return Result(text, text, "invalid", text, [f, Finding("OL002", "n", "warning", "m")])


def text_path(results: list[Result]) -> bytes:
    """The lines as the text layer encodes them (a StringIO has no binary layer)."""
    buf = io.StringIO()
    f = jsonout.make("jsonl", buf, None)
    f.start()
    for r in results:
        f.result(r)
    return buf.getvalue().encode("utf-8", "backslashreplace")


def binary_path(results: list[Result], tmp: Path, before: str = "", after: str = "") -> bytes:
    path = tmp / "report.jsonl"
    with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
        out = _Output(stream, str(path), plain=True)
        out.write(before)
        f = jsonout.make("jsonl", out, None)
        f.start()
        assert f._binary is not None  # the bytes path is the one under test
        for r in results:
            f.result(r)
        out.write(after)
        f.finish(None)
        out.flush()
    return path.read_bytes()


def test_every_control_and_special_character(tmp_path: Path) -> None:
    specials = "".join(chr(i) for i in range(0x20)) + '"\\/\x7f\u0080\u2028\u2029\ufeff\uffff\U0001f600é'
    rs = [result_with(specials), result_with(""), result_with("\ud800"), result_with("a\udfffb"), result_with("x")]
    assert binary_path(rs, tmp_path) == text_path(rs)
    assert b"\\ud800" in binary_path(rs, tmp_path)  # the lone surrogate as the text layer escapes it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4))
def test_any_strings(tmp_path_factory, texts: list[str]) -> None:
    rs = [result_with(t) for t in texts]
    assert binary_path(rs, tmp_path_factory.mktemp("b")) == text_path(rs)


def test_text_written_before_and_after_stays_in_order(tmp_path: Path) -> None:
    rs = [result_with("a"), result_with("\udc80"), result_with("b")]
    got = binary_path(rs, tmp_path, before="first\n", after="last\n")
    assert got == b"first\n" + text_path(rs) + b"last\n"


def test_results_of_every_example(tmp_path: Path) -> None:
    linter = Linter()
    results = [linter.lint_document(read_bytes(p.read_bytes(), str(p), None))
               for p in sorted((ROOT / "examples").rglob("*.json"))]
    assert len(results) > 50 and any(r.findings for r in results)
    assert binary_path(results, tmp_path) == text_path(results)


def test_only_plain_utf8_streams_take_bytes(tmp_path: Path) -> None:
    path = tmp_path / "r"
    with open(path, "w", encoding="utf-8", newline="\n") as s:
        assert _Output(s, "r", plain=True).binary() is not None
        assert _Output(s, "r").binary() is None  # newline translation unknown
    with open(path, "w", encoding="latin-1", newline="\n") as s:
        assert _Output(s, "r", plain=True).binary() is None
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1) as s:  # line-buffered, as a terminal
        assert _Output(s, "r", plain=True).binary() is None
    assert _Output(io.StringIO(), "r", plain=True).binary() is None
    raw = io.BytesIO()
    s = io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=True)
    assert _Output(s, "r", plain=True).binary() is None
