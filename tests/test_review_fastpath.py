"""Review: the orjson fast path of the JSON reader gives exactly what the exact parser gives.

``reader.parse_json`` takes orjson's reading when ``_fast_loads`` is sure of it; it must then be
the exact parser's value (same types, same -0.0, same big integers), and every text the exact parser
refuses (repeated keys, also after escape decoding, non-finite numbers, ...) must be refused with
the exact parser's message.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderlint import reader


def _exact(text: str) -> reader.Document:
    return reader._parse_json_exactly(reader.Document(source="x", text=text), text, 1)


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1 vs 1.0 vs True differ; -0.0 vs 0.0 differ)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if not (x == y and math.copysign(1, x) == math.copysign(1, y)):
                return False
        elif isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif x != y:
            return False
    return True


def _agree(text: str) -> None:
    fast = reader.parse_json(text, "x")
    exact = _exact(text)
    assert (fast.error is None) == (exact.error is None), (text[:80], fast.error, exact.error)
    if exact.error is None:
        assert _same(fast.data, exact.data), text[:80]
    else:
        assert fast.error == exact.error, text[:80]


HAND_MADE = [
    # repeated keys: plain, after escape decoding, nested, inside arrays, with colons in strings
    '{"dose": 1, "dose": 2}',
    '{"dose": 1, "\\u0064ose": 2}',
    '{"dose": 1, "\\u0064\\u006f\\u0073\\u0065": 1}',
    '{"a": {"b": 1, "b": 1}}',
    '{"orders": [{"drug": "x", "drug": "y"}]}',
    '[{"a": 1}, {"a": 1, "a": 1}]',
    '{"a:b": 1, "a:b": 2}',
    '{"a": "x:y", "a": "x:y"}',
    '{"k": "\\u003a", "k": "\\u003a"}',
    '{"k": "\\u003A:", "k": 1}',
    '{"k": "::", "j": "::", "k": 1}',
    '{"k\\"": 1, "k\\"": 2}',
    '{"\\ud83d\\ude00": 1, "\\ud83d\\ude00": 2}',
    '{"\u00e9": 1, "\\u00e9": 2}',
    '{"": 1, "": 2}',
    # numbers
    "1e400", "-1e400", "[1E400]", '{"dose": 1e309}', "1.8e308", "1.7976931348623157e308",
    "NaN", "[Infinity]", "-Infinity", '{"a": NaN}',
    "-0", "-0.0", "[-0, -0.0, 0e0, -0e0]", "0.0e-5000", "5e-324", "2.4703282292062328e-324",
    "18446744073709551615", "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    "9007199254740993", "9007199254740993.0", "1" + "0" * 400, "1" + "0" * 5000, "1e16", "1e15",
    "1.00000000000000011102230246251565404236316680908203125", "[1.0, 1, true]",
    '{"e+": "e+", "x": 1e+2}',
    # strings
    '"\\ud800"', '"\\udc00\\ud800"', '{"drug": "\\ud800"}', '"\\u0000"', '"a\x00b"', '"\x1f"', '"\x7f"',
    '"\\/"', '"\ufeff"',
    # whitespace, BOM, NUL, trailing data
    "\ufeff{}", "{}\x00", "\x00{}", " {} ", "{}\u00a0", "{}\x0b", "{} {}", "{},", "[1,]", '{"a":1,}',
    "", " ", "nul", "true", "null", "tru",
    # syntax that one parser might allow and the other not
    "01", "-01", "1.", ".1", "+1", "1e", "1e+", "-", "[1 2]", '"\\x"', '"\\u12"', '"a\tb"', '"a\nb"', '{"a" 1}',
    "{1:2}", "[,]", "[1,,2]", '"\\U0001F600"', '{"a":1}}', '["\\ud800\\udc00"]', '"\\ud800\\u0041"', "1E+2",
    "-0e-0", "0.0000000000000000000000000000000000001e+400", "\u2028{}", "{}\u2028", "[1]\x1a", "true false",
    "Infinity", "-NaN", "1_000", "0x1",
]


@pytest.mark.parametrize("text", HAND_MADE)
def test_fast_path_agrees_with_the_exact_parser(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("depth", [1, 63, 64, 65, 199, 200, 201, 202, 500, 990, 1000, 1023, 1024, 1025, 3000])
@pytest.mark.parametrize("kind", ["[", '{"a":'])
def test_deep_nesting_agrees(depth: int, kind: str) -> None:
    close = "]" if kind == "[" else "}"
    _agree(kind * depth + "1" + close * depth)


def test_deep_nesting_with_long_text_agrees() -> None:
    # over 400 characters and 200 brackets, but shallow: the depth must be measured, not guessed
    _agree("[" + ",".join(["[]"] * 300) + "]")
    _agree('{"pad": "' + "x" * 500 + '", "a": ' + "[" * 210 + "]" * 210 + "}")


def test_repeated_key_in_a_regimen_is_refused_on_the_fast_path() -> None:
    text = json.dumps({"id": "r", "kind": "order-set"})[:-1] + ', "\\u006bind": "patient"}'
    doc = reader.parse_json(text, "x")
    assert doc.error is not None and "duplicate key 'kind'" in doc.error.message


_keys = st.sampled_from(["dose", "\\u0064ose", "d\\u006fse", "a:b", "a\\u003ab", "k", "\\u006b", "", ":", "e+"])
_scalars = st.one_of(
    st.sampled_from(["1", "-0", "-0.0", "1e400", "1e16", "1.5", "18446744073709551616", "true", "null",
                     "NaN", '"x"', '"\\ud800"', '"a:b"', '"\\u003a"', '"e+"', "0.1e-400", "123456789012345678901"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr).filter(lambda s: "inf" not in s),
)


def _build(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    objects = st.lists(st.tuples(_keys, children), max_size=4).map(
        lambda kv: "{" + ", ".join(f'"{k}": {v}' for k, v in kv) + "}"
    )
    arrays = st.lists(children, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
    return st.one_of(objects, arrays)


_texts = st.recursive(_scalars, _build, max_leaves=20)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_generated_texts_agree(text: str) -> None:
    _agree(text)
