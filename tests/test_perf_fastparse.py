"""The fast JSON parse (orjson) agrees with the exact parser on every text: same data with the same
types, or the same refusal with the same message, pointer, line and column; and linting through
either gives the same findings. A text the fast path is not sure of goes to the exact parser."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderlint import reader
from orderlint.engine import Linter
from orderlint.reader import Document, _fast_loads, _parse_json_exactly, _UNSURE, parse_json

ROOT = Path(__file__).resolve().parent.parent


def typed(v: Any) -> Any:
    """A value with its types spelled out: 1 and 1.0 and True compare different; NaN-safe."""
    if isinstance(v, dict):
        return ("dict", [(k, typed(x)) for k, x in v.items()])
    if isinstance(v, list):
        return ("list", [typed(x) for x in v])
    if isinstance(v, float):
        return ("float", repr(v))
    return (type(v).__name__, v)


def exact(text: str) -> Document:
    return _parse_json_exactly(Document(source="s", text=text, fmt="json"), text, 1)


def same(text: str) -> None:
    fast, slow = parse_json(text, "s"), exact(text)
    assert fast.error == slow.error, text[:200]
    assert typed(fast.data) == typed(slow.data), text[:200]


def corpus() -> list[str]:
    texts = []
    for p in sorted((ROOT / "examples").rglob("*")):
        if p.suffix in (".json", ".jsonl", ".ndjson") and p.is_file():
            raw = p.read_text(encoding="utf-8", errors="replace")
            texts.append(raw)
            if p.suffix != ".json":
                texts.extend(line for line in raw.splitlines() if line.strip())
    for p in sorted((ROOT / "tests" / "data").rglob("*.json*")):
        texts.append(p.read_text(encoding="utf-8", errors="replace"))
    return texts


def generated(count: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("_bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_bench_generate"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return [text for _, _, text in module.Generator(3).iter_texts(count)]


# Each unusual case, in a regimen-like object: the fast path must step aside (or agree).
UNUSUAL = [
    '{"a": 1, "a": 2}',
    '{"orders": [{"id": "o1", "drug": "x", "drug": "y"}]}',
    '{"a": {"b": 1}, "c": 2, "a": {"b": 1}}',
    '{"a": "x:y", "b": 1, "a": 3}',
    '{"a": "\\u003a", "b": 1}',
    '{"a": "\\u003A", "a": 2}',
    '{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}', '{"a": -1e999}',
    '{"a": 18446744073709551616}', '{"a": -9223372036854775809}', '{"a": 9223372036854775807}',
    '{"a": 18446744073709551615}', '{"a": -9223372036854775808}', '{"a": ' + "7" * 400 + "}",
    '{"a": ' + "7" * 5000 + "}", '{"a": 1e16}', '{"a": "e+"}', '{"a": 12345678901234567890.5}',
    '{"a": "\\ud800"}', '{"a": "\\udc00\\ud800"}', '{"a": "\\ud83d\\ude00"}', '{"a": "\t"}',
    '{"a": "\x7f\u2028"}', '{"a": 1,}', '[1,]', '{"a" 1}', "", " ", "{", '{"a": 1} x', "01", "-", "1.",
    '{"a": -0}', '{"a": -0.0}', '{"a": 1E+2}', '{"a": 0.1e-400}', '{"a": 5e-324}', '"\\x"',
    "\ufeff{}", "[" * 150 + "]" * 150, "[" * 250 + "]" * 250, "[" * 990 + "]" * 990,
    "[" * 1030 + "]" * 1030, '{"a":' * 300 + "1" + "}" * 300,
]


@pytest.mark.parametrize("text", UNUSUAL)
def test_unusual_texts_parse_as_the_exact_parser_reads_them(text: str) -> None:
    same(text)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', '{"a": "\\u003a"}', '{"a": NaN}', '{"a": 1e400}', '{"a": 18446744073709551616}',
    '{"a": "\\ud800"}', "[" * 250 + "]" * 250, '{"a": "e+"}',
])
def test_unusual_texts_take_the_exact_parser(text: str) -> None:
    assert _fast_loads(text) is _UNSURE


def test_duplicate_keys_and_non_finite_numbers_are_still_refused() -> None:
    d = parse_json('{"id": "r1",\n "id": "r2"}', "s")
    assert d.error is not None and d.error.message.startswith("duplicate key 'id'")
    assert (d.error.pointer, d.error.line, d.error.column) == ("/id", 2, 2)
    for t in ('{"a": NaN}', '{"a": 1e400}', '{"a": -Infinity}'):
        e = parse_json(t, "s").error
        assert e is not None and "not finite" in e.message


def test_ordinary_documents_take_the_fast_path() -> None:
    texts = generated(300)
    fast = [t for t in texts if _fast_loads(t) is not _UNSURE]
    # The generated mix has about 8% invalid documents; every valid JSON text of it is plain.
    assert len(fast) >= 0.85 * len(texts)
    text = (ROOT / "examples" / "regimens" / "ILD301-fires.json").read_text()
    assert typed(_fast_loads(text)) == typed(json.loads(text))


@pytest.mark.slow
def test_corpus_and_generated_stream_parse_identically() -> None:
    texts = corpus() + generated(2000)
    assert len(texts) > 2000
    for t in texts:
        same(t)


def _mutations(text: str) -> list[str]:
    out = []
    i = text.find('"', 1)
    if text.startswith("{") and i > 0:
        j = text.find('"', i + 1)
        key = text[1: j + 1].strip()
        if key.startswith('"'):
            out.append("{" + key + ": 0, " + text[1:])  # the first key repeated
    out.append(text.replace('"value": ', '"value": 1e400, "x-v": ', 1))
    out.append(text.replace('"value": ', '"value": 99999999999999999999999, "x-v": ', 1))
    out.append(text.replace('"drug": "', '"drug": "\\ud800', 1))
    out.append(text.replace('"drug": "', '"drug": "\\u003a', 1))
    out.append(text.replace("}", ', "orders": 1}', 1))
    out.append(text[: len(text) // 2])
    return out


@pytest.mark.slow
def test_mutated_documents_parse_identically() -> None:
    for t in corpus()[:200] + generated(300):
        for m in _mutations(t):
            same(m)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.booleans(), st.booleans())
def test_any_json_value_parses_identically(value: Any, ascii_only: bool, indent: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=1 if indent else None)
    same(text)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.data())
def test_edited_json_texts_parse_identically(value: Any, data: Any) -> None:
    text = json.dumps(value)
    pos = data.draw(st.integers(min_value=0, max_value=len(text)))
    piece = data.draw(st.sampled_from([
        ",", ":", '"', "{", "}", "[", "]", "\\", "\\u", "\\ud800", "NaN", "1e999", "e+", "0", "-",
        '"k": 1, "k": 2', "\t", "\x00", " ", "99999999999999999999",
    ]))
    cut = data.draw(st.integers(min_value=0, max_value=3))
    same(text[:pos] + piece + text[pos + cut:])


def _lint_all(linter: Linter, texts: list[str]) -> list[Any]:
    out = []
    for t in texts:
        r = linter.lint_document(parse_json(t, "s"))
        out.append(r.to_dict())
    return out


@pytest.mark.slow
def test_findings_are_identical_through_either_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = corpus() + generated(600)
    texts += [m for t in texts[:100] for m in _mutations(t)]
    linter = Linter()
    fast = _lint_all(linter, texts)
    monkeypatch.setattr(reader, "_orjson_loads", None)
    assert _fast_loads("{}") is _UNSURE
    slow = _lint_all(linter, texts)
    assert fast == slow
    assert any(f["findings"] for f in fast)
    assert not any(isinstance(x, float) and math.isnan(x) for x in fast)
