"""Document.locate's key-counting path for small JSON texts gives exactly the positions of the
text walk (jsontext._JsonLocator) for every pointer, existing or not, on texts chosen to mislead
a key search: keys repeated at several depths, strings that look like keys, whitespace and line
breaks anywhere, non-ASCII text, numbers spelled otherwise than orjson writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from orderlint.reader import document as document_module
from orderlint.reader.jsontext import _JsonLocator, parse_json

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _pointers(value: Any, p: str = "") -> Iterator[str]:
    yield p
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pointers(v, f"{p}/{k.replace('~', '~0').replace('/', '~1')}")
        yield f"{p}/nosuch"
        yield f"{p}/nosuch/0"
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _pointers(v, f"{p}/{i}")
        yield f"{p}/{len(value)}"
        yield f"{p}/01"
        yield f"{p}/x"
    else:
        yield f"{p}/deeper"


def _walked(text: str, pointer: str, first_line: int) -> tuple[int, int]:
    loc = _JsonLocator(text)
    line, col = loc.line_col(loc.offset(pointer))
    return line + first_line - 1, col


def _assert_same(text: str, first_line: int = 1) -> int:
    doc = parse_json(text, "t.jsonl:1", first_line=first_line)
    assert doc.error is None, doc.error
    loc = _JsonLocator(text)
    n = 0
    for p in _pointers(doc.data):
        line, col = loc.line_col(loc.offset(p))
        assert doc.locate(p) == (line + first_line - 1, col), (text, p)
        n += 1
    return n


MISLEADING = [
    '{"dose": 1, "orders": [{"dose": 2}, {"x": {"dose": 3}, "dose": 4}], "z": {"dose": {"dose": 5}}}',
    '{"a": ["p", ":q"], ",": 1, " ": [":", ": ", "dose"], "dose": "dose"}',
    '{"a": ", ", "b": ":", ":": {"": {"": 0}}, "": [1, {"": 2}]}',
    '{\n  "id" :\t"x" ,\r\n "orders" : [ {"dose" : 1.50 , "unit": "mg"} ,\n{"dose":1e2,"unit":"g"} ] }',
    '{"nom": "créatinine", "données": {"dose": "µg", "clé": [1, 2]}, "dose": 10}',
    '{"a/b": 1, "c~d": {"e": 2}, "f": [[], {}, [[0]]], "g": {"h": null, "i": true, "j": false}}',
    '{"x": -0, "y": 0.0, "z": 1E+2, "w": 12345678901234567890, "v": [ -1.0e-3 ]}',
    '[{"dose": 1}, [{"dose": 2}], {"dose": {"dose": 3}}]',
    '  {"k": {"k": {"k": "k"}}, "kk": "k", "k2": ["k", {"k": 1}]}  ',
]


@pytest.mark.parametrize("text", MISLEADING)
@pytest.mark.parametrize("first_line", [1, 7])
def test_same_positions_as_the_text_walk(text: str, first_line: int) -> None:
    assert _assert_same(text, first_line) > 5


def test_texts_it_does_not_take_are_located_by_the_walk() -> None:
    # A backslash anywhere, or a text over the size bound: the walk answers, same as before.
    escaped = '{"a": "say \\"dose\\": 1", "d\\u006fsx": 2, "dose": 3}'
    assert document_module._compact_of(escaped) is False
    assert _assert_same(escaped) > 3
    big = json.dumps({"items": [{"dose": i, "note": "x" * 50} for i in range(200)]})
    assert len(big) > document_module._SMALL
    assert _assert_same(big) > 200
    # Repeated keys (which orjson would collapse) in a text located directly: the walk answers.
    repeated = '{"dose": 1, "dose": 2, "x": {"dose": 3}}'
    assert document_module._compact_of(repeated) is False
    doc = document_module.Document(source="t", text=repeated, data={"dose": 2, "x": {"dose": 3}})
    assert doc.locate("/x/dose") == _walked(repeated, "/x/dose", 1)


def test_same_positions_on_the_examples() -> None:
    n = 0
    for path in sorted(EXAMPLES.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        doc = parse_json(text, str(path))
        if doc.error is not None or len(text) > document_module._SMALL:
            continue
        n += _assert_same(text)
        n += _assert_same(json.dumps(doc.data, ensure_ascii=False), first_line=3)
    assert n > 100


def test_the_key_counting_path_is_taken() -> None:
    # The path under test answers a member pointer itself (the walk is never built).
    text = '{"a": {"b": 1}, "c": [{"b": 2}]}'
    doc = parse_json(text, "t.jsonl:4", first_line=4)
    assert doc.locate("/c/0/b") == (4, text.index("2") + 1) == _walked(text, "/c/0/b", 4)
    assert doc._locator is None
