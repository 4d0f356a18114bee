"""Differential tests of Document.locate's fast path (the key search on orjson's compact form kept
from the parse) against the text walk (jsontext._JsonLocator), which is the reference.

The fast path reads the document's data as parsed when it still serializes to the kept compact
form; the data may have been changed by later stages since, so positions must then come out the
same as from a fresh parse. Keys are drawn to mislead a key search: starting with whitespace or
``,:]}``, equal to string values, repeated at several depths, non-ASCII.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderlint.reader import document as document_module
from orderlint.reader.jsontext import _JsonLocator, parse_json


def _pointers(value: Any, p: str = "") -> Iterator[str]:
    yield p
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pointers(v, f"{p}/{k.replace('~', '~0').replace('/', '~1')}")
        yield f"{p}/nosuch"
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _pointers(v, f"{p}/{i}")
        yield f"{p}/{len(value)}"
        yield f"{p}/01"
    else:
        yield f"{p}/deeper"


def _walked(text: str, pointer: str, first_line: int) -> tuple[int, int]:
    loc = _JsonLocator(text)
    line, col = loc.line_col(loc.offset(pointer))
    return line + first_line - 1, col


def _check(text: str, first_line: int = 1, pointers: Any = None) -> int:
    doc = parse_json(text, "t.jsonl:1", first_line=first_line)
    assert doc.error is None, doc.error
    n = 0
    for p in pointers if pointers is not None else list(_pointers(doc.data)):
        assert doc.locate(p) == _walked(text, p, first_line), (text, p)
        n += 1
    return n


_KEYS = ["dose", "drug", "a", "", " a", ",", ":", "]", "}", "{", "[", "\t", "d,", ":x", "}x", "é", "ü:",
         "dose ", "x y", "~", "a/b", "0", "1"]
_keys = st.sampled_from(_KEYS)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(_KEYS),  # string values spelled like keys
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)
_layouts = st.sampled_from([
    dict(),
    dict(separators=(",", ":")),
    dict(indent=2),
    dict(indent="\t", separators=(" ,", " : ")),
    dict(separators=(" , ", "  :\t")),
    dict(ensure_ascii=False),
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_values, layout=_layouts, pad=st.sampled_from(["", " ", "\n "]), first_line=st.sampled_from([1, 9]))
def test_generated_texts_locate_as_the_walk_does(value: Any, layout: dict, pad: str, first_line: int) -> None:
    _check(pad + json.dumps(value, **layout) + pad, first_line)


def _mutations(data: Any) -> Iterator[tuple[str, Any]]:
    """Ways a later stage could change the parsed data (each applied to a fresh parse)."""
    yield "changed scalar", lambda d: d["orders"][0].__setitem__("dose", 999999)
    yield "removed member", lambda d: d["orders"][1].pop("drug")
    yield "removed nested member", lambda d: d["orders"][1]["frequency"].pop("dose")
    yield "object replaced by a scalar", lambda d: d["orders"][1].__setitem__("frequency", 5)
    yield "list emptied", lambda d: d["orders"].clear()
    yield "added member", lambda d: d.__setitem__("zzz", {"drug": 1})
    yield "reordered members", lambda d: d["orders"].__setitem__(0, dict(reversed(list(d["orders"][0].items()))))
    yield "dict subclass", lambda d: d["orders"].__setitem__(1, OrderedDict(d["orders"][1]))
    yield "nested dict subclass", lambda d: d["orders"][1].__setitem__("frequency", OrderedDict(d["orders"][1]["frequency"]))
    yield "tuple for a list", lambda d: d.__setitem__("orders", tuple(d["orders"]))
    yield "object orjson cannot write", lambda d: d.__setitem__("x", object())
    yield "str subclass value", lambda d: d["orders"][0].__setitem__("drug", type("S", (str,), {})("mmf"))
    yield "emptied", lambda d: d.clear()


_REGIMEN = ('{"id": "r1", "kind": "patient", "history": [{"drug": "mmf", "dose": 1}], '
            '"orders": [{"id": "o1", "drug": "mmf", "dose": 1000, "unit": "mg"}, '
            '{"id": "o2", "drug": "dose", "dose": 2, "frequency": {"dose": 3}}], "tests": []}')


@pytest.mark.parametrize("name", [name for name, _ in _mutations(None)])
def test_data_changed_after_parsing_locates_as_the_text_says(name: str) -> None:
    mutate = dict(_mutations(None))[name]
    original = json.loads(_REGIMEN)
    pointers = list(_pointers(original))
    for order in (pointers, list(reversed(pointers))):
        doc = parse_json(_REGIMEN, "t.jsonl:2", first_line=2)
        assert isinstance(doc._compact, bytes)  # the parse kept orjson's compact form
        mutate(doc.data)
        for p in order:
            assert doc.locate(p) == _walked(_REGIMEN, p, 2), (name, p)


def test_the_kept_compact_form_is_used() -> None:
    doc = parse_json(_REGIMEN, "t.jsonl:1")
    kept = doc._compact
    assert isinstance(kept, bytes) and kept == json.dumps(json.loads(_REGIMEN), separators=(",", ":")).encode()
    assert doc.locate("/orders/1/drug") == _walked(_REGIMEN, "/orders/1/drug", 1)
    assert doc._compact[1] is kept and doc._compact[0] is doc.data  # unchanged data: read as it is
    assert doc._locator is None


@pytest.mark.parametrize("text", [
    # '",":' and '":b"' are found from the closing quote of "x" (compact and spaced texts alike)
    '{"a":"x",":b":1,",":2}',
    '{"a": "x", ":b": 1, ",": 2}',
    '{"a":"x","}":1,"b":{"}":2}}',
    '{"a": ["x", "]"], "]": {"]": 1}}',
    '{"k": "x" , " k": 1, "  k": {" k": 2}}',
])
def test_keys_that_follow_a_closing_quote_locate_as_the_walk_does(text: str) -> None:
    assert _check(text) > 4


@pytest.mark.parametrize("text", [
    # a member found by its value (once in the document) among members of the same key
    '{"orders": [{"dose": 12500, "drug": "mmf"}, {"dose": 1250, "drug": "mmf mofetil"}]}',
    '{"orders": [{"dose": 1250.0}, {"dose": 1250}, {"dose": 1250e0}, {"dose": -1250}]}',
    '{"a": {"dose": -0}, "b": {"dose": 0}, "c": {"dose": 0.0}, "d": [{"dose": -0.0}]}',
    '{"a": {"d": 1E2}, "b": {"d": 100}, "c": {"d": 1.50}, "e": {"d": 10}, "f": {"d": 1}}',
    '{"x": {"drug": "ofev", "dose": "ofev"}, "y": {"drug": "ofev"}, "z": {"drug": "ofevs"}}',
    '{"k": "v", "l": ["k", "v", {"k": "v w"}], "m": {"k": "v"}, "n": {"k" : "vv", "k2": "v"}}',
    '{"é": "ü", "n": {"é": "üü"}, "m": [{"é": "ü ü"}, {"é": true}, {"é": 1}, {"é": 10}]}',
    '{\n "a" :\t"x",\r\n "b":{"a"\n:\n"x y",\n"c": 7},"d": {"a": "x"}, "e": 7, "f": {"e": 77}}',
    '{"t": true, "u": {"t": 1}, "v": {"t": true}, "w": [1, 1], "x": {"w": 1}}',
    # a number spelled so that it starts like the integer looked for, but is another number
    '{"a": {"dose": 1250e-3}, "b": {"dose": 1250}}',
    '{"a":{"dose":1250E-3},"b":{"dose":1250}}',
    '{"a": {"dose" : 1250.5e-1}, "b": {"dose" :1250}, "c": [{"dose": 12}]}',
])
def test_members_found_by_their_value_locate_as_the_walk_does(text: str) -> None:
    assert _check(text) > 8
    assert _check(text, first_line=5) > 8


_small_scalars = st.one_of(st.integers(-2, 12), st.sampled_from(["x", "x y", "dose", "", "é", 1.0, -0.0, True, None]))
_small_values = st.recursive(
    _small_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["dose", "drug", "a", ""]), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_small_values, layout=_layouts)
def test_repeated_keys_and_values_locate_as_the_walk_does(value: Any, layout: dict) -> None:
    # Few keys and values: the same key with the same or a longer value recurs across objects.
    _check(json.dumps(value, **layout))


def test_keys_that_could_be_misread_go_to_the_walk() -> None:
    # A key starting with what may follow a closing quote: the walk answers (same positions).
    text = '{"a": "x", ", ": 1, "b": {"]": [1, {"}": 2}], ": ": "a"}}'
    assert _check(text) > 8
    doc = parse_json(text, "t")
    doc.locate("/b/]/1/}")
    assert doc._locator is not None


def test_texts_without_a_kept_form() -> None:
    # A text over the size bound keeps nothing; a document built directly builds the form itself.
    big = json.dumps({"items": [{"dose": i, "note": "x" * 50} for i in range(200)]})
    assert parse_json(big, "t")._compact is None
    assert _check(big, pointers=["/items/150/dose", "/items/7", "/items/0/note"]) == 3
    text = '{"dose": 1, "x": {"dose": 3}}'
    doc = document_module.Document(source="t", text=text, data=json.loads(text))
    assert doc.locate("/x/dose") == _walked(text, "/x/dose", 1)
