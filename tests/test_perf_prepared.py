"""The prepared validator (orderlint/prepared.py, no pydantic at run time) agrees with the pydantic
models: it is generated from them and up to date; it accepts every valid document of the examples
and of a generated stream and builds the same values; it never accepts a document pydantic
refuses (examples, generated and randomly mutated documents); and linting through it gives the
same results, OL001 messages and pointers included, as linting through pydantic alone."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from orderlint import model, prepared, validate
from orderlint.engine import Linter
from orderlint.reader import parse_json, read_bytes

ROOT = Path(__file__).resolve().parent.parent


def shape(v: Any) -> Any:
    """A built value with class names and exact types spelled out, comparable across both validators."""
    if isinstance(v, list):
        return ["list", [shape(x) for x in v]]
    if hasattr(v, "__slots__") and type(v).__module__ in ("orderlint.model", "orderlint._prepared_models"):
        names = [n for n in getattr(type(v), "__dataclass_fields__", {}) or v.__slots__]
        return [type(v).__name__, sorted((n, shape(getattr(v, n))) for n in names)]
    if isinstance(v, float):
        return ["float", repr(v)]
    if isinstance(v, dt.date):
        return ["date", v.isoformat()]
    return [type(v).__name__, v]


def pydantic_or_none(data: Any) -> Any:
    try:
        return model.validate_regimen(data)
    except ValidationError:
        return None


def _generate(count: int, seed: int = 5) -> list[str]:
    spec = importlib.util.spec_from_file_location("_bench_generate_p", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_bench_generate_p"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return [text for _, _, text in module.Generator(seed).iter_texts(count)]


def documents() -> list[Any]:
    out = []
    for p in sorted((ROOT / "examples").rglob("*")):
        if p.suffix in (".json", ".yaml", ".yml") and p.is_file():
            d = read_bytes(p.read_bytes(), str(p), None)
            if d.error is None:
                out.append(d.data)
    for t in _generate(1500):
        d = parse_json(t, "s")
        if d.error is None:
            out.append(d.data)
    return [d for d in out if isinstance(d, dict)]


def without_top_local(d: dict) -> dict:
    return {k: v for k, v in d.items() if not (isinstance(k, str) and k.startswith("x-"))}


def test_the_committed_table_is_generated_from_the_models() -> None:
    assert (ROOT / "orderlint" / "_prepared_models.py").read_text(encoding="utf-8") == prepared.generate()


@pytest.mark.slow
def test_every_valid_document_is_accepted_with_the_same_values() -> None:
    accepted = 0
    for d in map(without_top_local, documents()):
        theirs = pydantic_or_none(d)
        mine = prepared.prepare(d)
        if theirs is None:
            assert mine is None
            continue
        if mine is None:
            # Only a local `x-` field inside an object stops it (validate() sets those aside first).
            stripped, problem = validate._without_local_fields(d)
            assert problem is None and stripped != d
            mine, theirs = prepared.prepare(stripped), pydantic_or_none(stripped)
        assert shape(mine) == shape(theirs)
        accepted += 1
    assert accepted > 1000


BAD_VALUES = [
    None, True, False, 0, -1, 1, 2.5, 3.0, 1e300, -0.0, 10**400, 2**53, 2**53 - 1, "", " ", "x", "0", "20",
    "2026-02-30", "2026-2-01", "2026-02-01", "\uff12\uff10\uff12\uff16-01-01", "0000-01-01", "9999-12-31",
    "2026-02-01\n", "new", "stopped", "patient", "order-set", "resulted", "ordered", "d", "wk", "bid",
    [], [1], {}, {"frequency": 2, "period": 1, "period_unit": "d"}, {"frequency": 2.0, "period": 1.5, "period_unit": "wk"},
    {"value": 5, "unit": "mg"}, {"value": 0, "unit": "d"}, {"x-a": 1}, float("nan"), float("inf"), "ssc-ild",
]
KEYS = ["x-local", "orderlint", "id", "drug", "dose", "unit", "status", "date", "frequency", "doses", "patient",
        "strength", "duration", "start", "stop", "as_of", "kind", "orders", "tests", "result", "rapidly_progressive", "unknown"]


def _places(d: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(d, dict):
        for k, v in d.items():
            out.extend(_places(v, path + (k,)))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.extend(_places(v, path + (i,)))
    return out


def mutate(d: dict, rng: random.Random) -> dict:
    d = copy.deepcopy(d)
    for _ in range(rng.choice((1, 1, 2))):
        path = rng.choice(_places(d))
        parent: Any = d
        for p in path[:-1]:
            parent = parent[p]
        target = parent[path[-1]] if path else d
        action = rng.random()
        if path and action < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        elif action < 0.4 and isinstance(target, dict):
            target[rng.choice(KEYS)] = copy.deepcopy(rng.choice(BAD_VALUES))
        elif path:
            parent[path[-1]] = copy.deepcopy(rng.choice(BAD_VALUES))
    return d


@pytest.mark.slow
def test_mutated_documents_are_never_accepted_when_pydantic_refuses_them() -> None:
    rng = random.Random(15)
    docs = list(map(without_top_local, documents()))
    refused = accepted = 0
    for i in range(6000):
        d = mutate(rng.choice(docs), rng)
        theirs = pydantic_or_none(d)
        mine = prepared.prepare(d)
        if mine is not None:
            assert theirs is not None, d
            assert shape(mine) == shape(theirs)
            accepted += 1
        elif theirs is None:
            refused += 1
    assert refused > 1000 and accepted > 500


def _lint(texts: list[str], monkeypatch: pytest.MonkeyPatch, use_prepared: bool) -> list[dict]:
    monkeypatch.setattr(validate, "_PREPARED", [10**9 if use_prepared else 0])
    linter = Linter()
    return [linter.lint_document(parse_json(t, "s")).to_dict() for t in texts]


@pytest.mark.slow
def test_lint_results_are_identical_through_either_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(16)
    docs = documents()
    texts = [json.dumps(d) for d in docs]
    texts += [json.dumps(mutate(rng.choice(docs), rng), allow_nan=True) for _ in range(1500)]
    # The prepared path runs even though pydantic is loaded in this process.
    monkeypatch.setattr(validate, "_prepared_first", lambda: True)
    mine = _lint(texts, monkeypatch, True)
    monkeypatch.setattr(validate, "_prepared_first", lambda: False)
    theirs = _lint(texts, monkeypatch, False)
    assert mine == theirs
    assert sum(r["status"] == "invalid" for r in mine) > 300


def test_objects_are_immutable_and_picklable() -> None:
    import pickle

    d = without_top_local(json.loads((ROOT / "examples" / "regimens" / "ILD301-fires.json").read_text()))
    reg = prepared.prepare(d)
    assert reg is not None
    with pytest.raises(AttributeError):
        reg.id = "other"
    again = pickle.loads(pickle.dumps(reg))
    assert again == reg and shape(again) == shape(reg)


def test_a_model_validator_without_a_prepared_condition_stops_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(prepared.AFTER, "TestItem._resulted_needs_date")
    with pytest.raises(ValueError, match="TestItem._resulted_needs_date"):
        prepared.generate()


def test_validating_a_valid_document_does_not_import_pydantic() -> None:
    code = (
        "import sys, json\n"
        "from orderlint.validate import validate\n"
        "from orderlint.vocabulary import Vocabulary\n"
        f"d = json.load(open({str(ROOT / 'examples' / 'regimens' / 'ILD301-fires.json')!r}))\n"
        "reg, problems = validate(d, Vocabulary())\n"
        "print(reg is not None, problems == [], 'pydantic' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "False"]
