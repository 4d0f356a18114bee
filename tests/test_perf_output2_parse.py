"""The JSON Lines parse reads a line's UTF-8 bytes with orjson (same result as its text), and
measures the depth of a text only when its colons and ``[`` could make a path 201 levels deep:
every text nested deeper than 200 levels still goes to the exact parser."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderlint.reader import jsonl_document
from orderlint.reader.jsontext import _fast_read, deeper_than, parse_json


def nested(depth: int, rng: random.Random, spaced: bool) -> str:
    """A value ``depth`` levels deep: a random mix of objects (one member leads deeper) and arrays
    (one element leads deeper), with siblings around the path (the fewest colons and ``[`` for
    the depth, and more)."""
    value: Any = rng.choice([{}, [], [1], {"z": "x"}])  # one level
    for _ in range(depth - 1):
        if rng.random() < 0.5:
            value = {"k": value} if rng.random() < 0.7 else {"a": 1, "k": value, "b": "]"}
        else:
            value = [value] if rng.random() < 0.7 else [1, value, "["]
    return json.dumps(value) if spaced else json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize("depth", [2, 50, 150, 198, 199, 200, 201, 202, 210, 300])
def test_texts_deeper_than_200_levels_go_to_the_exact_parser(depth: int) -> None:
    rng = random.Random(depth)
    for i in range(60):
        text = nested(depth, rng, spaced=bool(i % 2))
        data = json.loads(text)
        got = _fast_read(text)
        if deeper_than(data, 200):
            assert got is None, text[:80]
        else:
            assert got is not None and got[0] == data
        doc = parse_json(text, "s")  # either way, the same data
        assert doc.error is None and doc.data == data


def test_only_arrays_and_only_objects() -> None:
    for depth in (199, 200, 201, 202):
        for text in ("[" * depth + "]" * depth, '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1),
                     '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)):
            data = json.loads(text)
            assert (_fast_read(text) is None) == deeper_than(data, 200), (depth, text[:20])


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json, st.booleans())
def test_bytes_read_as_the_text(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        raw = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 line holds it
        return
    assert _fast_read(text, raw) == _fast_read(text)
    line = jsonl_document("s.jsonl", 3, raw + b"\n")
    ref = parse_json(text, "s.jsonl:3", first_line=3)
    assert (line.data, line.error, line.text, line._compact) == (ref.data, ref.error, ref.text, ref._compact)


@pytest.mark.parametrize("raw", [b'{"a": 1, "a": 2}', b'{"a": NaN}', b'{"a": 1e999}', b'{"a": "\\u003a"}',
                                 b'{"a": 18446744073709551616}', b"\xff{}", b'\xef\xbb\xbf{"a": 1}', b"[1,]"])
def test_refused_and_odd_lines_as_before(raw: bytes) -> None:
    line = jsonl_document("s.jsonl", 3, raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        assert line.error is not None and "UTF-8" in line.error.message
        return
    ref = parse_json(text, "s.jsonl:3", first_line=3)
    assert (line.data, line.error) == (ref.data, ref.error)
