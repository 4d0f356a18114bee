"""Differential tests of where a repeated key is reported: the search that skips containers
without the key (jsontext._repeat_of, for small valid texts without a backslash) against the full
scan (jsontext._scan_json), which is the reference, on generated texts with keys repeated at
several depths, in any layout."""

from __future__ import annotations

import json
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderlint.reader import jsontext
from orderlint.reader.jsontext import _DECODER, _Duplicate, _scan_json, parse_json


def _reference(text: str) -> Optional[tuple[str, int, int]]:
    """(pointer, line, column) of the repeat the exact parser reports, found by the full scan."""
    try:
        _DECODER.decode(text)
    except _Duplicate as e:
        key = e.key
    except Exception:  # noqa: BLE001 - not a repeated key
        return None
    else:
        return None
    try:
        dups = _scan_json(text)[1]
    except Exception:  # noqa: BLE001 - as _first_duplicate: the repeat is reported at the start
        return "", 1, 1
    for pointer, line, col in dups:
        if pointer.rsplit("/", 1)[-1] == key.replace("~", "~0").replace("/", "~1"):
            return pointer, line, col
    return "", 1, 1


def _agree(text: str, first_line: int = 1) -> bool:
    expected = _reference(text)
    doc = parse_json(text, "t.jsonl:1", first_line=first_line)
    if expected is None:
        assert doc.error is None or not doc.error.message.startswith("duplicate key"), (text, doc.error)
        return False
    assert doc.error is not None and doc.error.message.startswith("duplicate key"), (text, doc.error)
    pointer, line, col = expected
    assert (doc.error.pointer, doc.error.line, doc.error.column) == (pointer, line + first_line - 1, col), text
    return True


_keys = st.sampled_from(["dose", "drug", "a", "", "a/b", "~", "é", ":", " x", "dose2", "{", "]"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.sampled_from(["dose", "x", ""]))


def _obj(pairs: list, sep: str) -> str:
    return "{" + sep.join(f"{json.dumps(k, ensure_ascii=False)}: {v}" for k, v in pairs) + "}"


def _build(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    seps = st.sampled_from([", ", ",", " ,\n  ", ",\t"])
    objects = st.builds(_obj, st.lists(st.tuples(_keys, children), max_size=5), seps)
    arrays = st.builds(lambda xs, sep: "[" + sep.join(xs) + "]", st.lists(children, max_size=4), seps)
    return st.one_of(objects, arrays)


_texts = st.recursive(_scalars.map(lambda v: json.dumps(v)), _build, max_leaves=30)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts, pad=st.sampled_from(["", " ", "\n"]), first_line=st.sampled_from([1, 4]))
def test_generated_repeats_are_reported_where_the_full_scan_finds_them(text: str, pad: str, first_line: int) -> None:
    _agree(pad + text + pad, first_line)


HAND_MADE = [
    '{"dose": 1, "dose": 2}',
    '{"a": {"dose": 1, "dose": 2}, "dose": 3, "dose": 4}',
    '{"dose": 1, "a": [{"x": 1}, {"dose": 1, "dose": 2}], "dose": 3}',
    '{"dose": {"dose": 1, "dose": 2}, "dose": 3}',
    '[{"a": 1}, {"b": {"c": [1, {"a": 1, "a": 2}]}}]',
    '{"a": "dose", "b": ["\\"dose\\"", {"dose": 1, "dose": 2}]}',  # a backslash: the full scan
    '{"d\\u006fse": 1, "dose": 2}',
    '{"a/b": 1, "a/b": 2}',
    '{"~": {"~": 1, "~": 2}}',
    '{\n  "orders": [\n    {"dose": 1,\n     "dose": 2}\n  ]\n}',
    '{"é": 1, "x": {"é": [], "é": {}}, "é": 2}',
    '{"a": 1, "a": 2} trailing',
    '{"a": 1, "a": 2, "b": "\\ud800"}',
    '{"x": {"a": 1}, "y": {"a": 1}, "x": 2}',
    '{"k": [[[[{"k": 1, "k": 2}]]]]}',
    '[' * 150 + '{"k": 1, "k": 2}' + ']' * 150,
]


@pytest.mark.parametrize("text", HAND_MADE)
def test_hand_made_repeats(text: str) -> None:
    assert _agree(text)


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2, }', '{"a": NaN, "a": 1}', '{"a": 1, "b": 2}'])
def test_other_problems_come_first(text: str) -> None:
    assert not _agree(text)


def test_the_search_is_taken_for_a_small_valid_text() -> None:
    text = '{"orders": [{"drug": "x", "dose": 1}, {"drug": "y", "dose": 2, "dose": 3}], "tests": []}'
    assert jsontext._repeat_of(text, "dose") == ("/orders/1/dose", text.rindex('"dose"'))
    assert jsontext._repeat_of(text, "drug") is None
    assert _agree(text)


def test_deep_texts_are_scanned() -> None:
    # The search decodes a container once per level: it stops at MAX_DEPTH and the scan decides.
    deep = "[" * 70 + '{"k": 1, "k": 2}' + "]" * 70
    with pytest.raises(ValueError):
        jsontext._repeat_of(deep, "k")
    assert _agree(deep)
    shallow = "[" * 60 + '{"k": 1, "k": 2}' + "]" * 60
    assert jsontext._repeat_of(shallow, "k") == ("/0" * 60 + "/k", shallow.rindex('"k"'))
    assert _agree(shallow)


def test_big_texts_are_scanned() -> None:
    # Over the size bound the search (which may decode a container once per level) is not used.
    filler = ", ".join(f'"k{i}": {i}' for i in range(1200))
    text = '{"a": {' + filler + ', "dose": 1, "dose": 2}}'
    assert len(text) > jsontext._SMALL
    assert _agree(text)
