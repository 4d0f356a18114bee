"""Differential tests of the JSON Lines line path: the inlined decoding of a line and the blank-line
test give exactly what the reference (decode_bytes of the line without its line end; a line is
blank when ``raw.strip()`` is empty) gives, for any bytes."""

from __future__ import annotations

import io

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from orderlint.reader import Document, NotUtf8Error, ParseError, decode_bytes, iter_jsonl_lines, jsonl_document, parse_json


def _reference(source: str, lineno: int, raw: bytes) -> Document:
    name = f"{source}:{lineno}"
    text, err = decode_bytes(raw.rstrip(b"\r\n"))
    if text is None:
        return Document(source=name, error=ParseError(err or "", "", lineno, 1), first_line=lineno)
    return parse_json(text, name, first_line=lineno)


def _same(a: Document, b: Document) -> None:
    assert (a.source, a.data, a.error, a.text, a.fmt, a.first_line) == (b.source, b.data, b.error, b.text, b.fmt, b.first_line)


_pieces = st.sampled_from([
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb", b"\xff", b"\xc3\xa9", b"\xc3", b"\xed\xa0\x80",
    b"\r", b"\n", b"\r\n", b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x85", b"\xa0", b"\x00",
    b'{"a": 1}', b'{"dose": "\xc3\xa9"}', b"[1, 2]", b'"x"', b"{", b"}", b'{"a": 1, "a": 2}', b"1e400",
    b'{"k": "\\u00e9"}', "\u00e9".encode("utf-16"), '{"a": 1}'.encode("utf-16"),
])
_lines = st.lists(_pieces, max_size=8).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(raw=_lines, lineno=st.integers(1, 10**6))
def test_a_line_reads_as_the_reference_reads_it(raw: bytes, lineno: int) -> None:
    _same(jsonl_document("s.jsonl", lineno, raw), _reference("s.jsonl", lineno, raw))


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_lines, max_size=6))
def test_blank_lines_are_the_reference_blank_lines(lines: list) -> None:
    data = b"\n".join(lines)
    first = io.BytesIO(data).readline()
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(first) >= 4 and 2 * first.count(0) >= len(first) - 2):
        # UTF-16 or UTF-32 text (a byte order mark, or half its bytes NUL): one error, not its half-lines.
        with pytest.raises(NotUtf8Error):
            list(iter_jsonl_lines(io.BytesIO(data), "s"))
        return
    got = [(n, raw) for _, n, raw in iter_jsonl_lines(io.BytesIO(data), "s")]
    expected = []
    for n, raw in enumerate(io.BytesIO(data).readlines(), 1):
        if raw.strip():
            expected.append((n, raw))
    assert got == expected


def test_every_single_byte_is_blank_exactly_when_strip_says_so() -> None:
    for b in range(256):
        raw = bytes([b]) + b"\n"
        got = [raw for _, _, raw in iter_jsonl_lines(io.BytesIO(raw), "s")]
        assert bool(got) == bool(raw.strip()), b
