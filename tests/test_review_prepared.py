"""Review: the prepared validator never accepts a document that the pydantic models refuse.

Every field of every document model is given type-confused values (bool for a number, numeric
strings, floats for integers, null, empty strings, NaN, infinities, huge numbers, dates, lone
surrogates, extra and `x-` fields at depth); whenever ``prepared.prepare`` accepts the document,
``model.validate_regimen`` must accept it too and give the same values.
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from orderlint import model, prepared

BASE: dict[str, Any] = {
    "orderlint": 1,
    "id": "r1",
    "kind": "patient",
    "as_of": "2026-01-10",
    "indication": {"condition": "ssc-ild", "phase": "first-line", "rapidly_progressive": False},
    "patient": {"sex": "female", "age_years": 50, "weight_kg": 70.5, "height_cm": 165, "bsa_m2": 1.8,
                "reproductive_potential": False},
    "orders": [{
        "id": "o1", "drug": "mycophenolate mofetil", "rxcui": "68149", "dose": 1000, "unit": "mg",
        "strength": {"value": 500, "unit": "mg"}, "route": "oral",
        "frequency": {"frequency": 2, "period": 1, "period_unit": "d"},
        "duration": {"value": 12, "unit": "mo"}, "doses": 3, "start": "2026-01-10", "status": "new",
        "purpose": "ild",
    }],
    "history": [{"drug": "prednisone", "start": "2025-01-01", "stop": "2025-06-01", "outcome": "response"}],
    "tests": [{"test": "cbc", "status": "resulted", "date": "2026-01-01", "result": "normal"}],
    "waivers": [{"rule": "ILD401", "order": "o1", "reason": "r", "approved_by": "a", "expires": "2026-12-31"}],
}

# Every value path in BASE (strings are keys, ints are list indices).
PATHS: list[tuple] = []


def _walk(node: Any, path: tuple) -> None:
    if path:
        PATHS.append(path)
    if isinstance(node, dict):
        for k, v in node.items():
            _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk(v, path + (i,))


_walk(BASE, ())

CONFUSIONS: list[Any] = [
    True, False, None, "", " ", "15", "15.0", "1e3", "true", "null", "NaN", 15, 15.0, 15.5, 0, 0.0, -0.0, -1, -1.5,
    1, 1.0, 2, 2.0, float("nan"), float("inf"), float("-inf"), 10**400, -(10**400), 2**53, 2**53 - 1,
    float(2**53), 1e300, "2026-01-10", "2026-02-30", "2026-1-1", "2026-01-10T00:00:00", "20260110",
    "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0661\u0660", dt.date(2026, 1, 10), "\ud800", "a\udc00",
    "mg", "d", "new", "female", "first-line", "ild", "resulted", [], [1], {}, {"x-local": 1},
    {"value": 1, "unit": "mg"}, {"frequency": 1, "period": 1, "period_unit": "d"}, b"bytes",
]


def _set(doc: dict, path: tuple, value: Any) -> dict:
    out = copy.deepcopy(doc)
    node: Any = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


def _delete(doc: dict, path: tuple) -> dict:
    out = copy.deepcopy(doc)
    node: Any = out
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return out


def _pydantic_verdict(doc: Any) -> Any:
    try:
        return model.validate_regimen(doc)
    except Exception as e:  # noqa: BLE001 - ValidationError or anything else: refused
        return e


def _as_tuple(obj: Any) -> Any:
    if hasattr(obj, "__slots__") and hasattr(obj, "_values"):
        return (type(obj).__name__, tuple(_as_tuple(v) for v in obj._values()))
    if hasattr(obj, "__pydantic_fields__"):
        return (type(obj).__name__, tuple(_as_tuple(getattr(obj, n)) for n in obj.__pydantic_fields__))
    if isinstance(obj, list):
        return [_as_tuple(v) for v in obj]
    return (type(obj).__name__, obj)


def _check(doc: Any) -> None:
    got = prepared.prepare(doc)
    if got is None:
        return
    ref = _pydantic_verdict(doc)
    assert not isinstance(ref, Exception), f"prepared accepted what pydantic refuses: {ref}"
    assert _as_tuple(got) == _as_tuple(ref)


def test_base_document_is_accepted_by_both() -> None:
    assert prepared.prepare(BASE) is not None
    _check(BASE)


SAFE = [c for c in CONFUSIONS if not (isinstance(c, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in c))]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "/".join(map(str, p)))
def test_type_confusions_per_field(path: tuple) -> None:
    for value in SAFE:
        _check(_set(BASE, path, value))


@pytest.mark.parametrize("path", [p for p in PATHS if isinstance(p[-1], str)], ids=lambda p: "/".join(map(str, p)))
def test_each_field_omitted(path: tuple) -> None:
    _check(_delete(BASE, path))


@pytest.mark.parametrize("where", [(), ("indication",), ("patient",), ("orders", 0), ("orders", 0, "strength"),
                                   ("orders", 0, "frequency"), ("orders", 0, "duration"), ("history", 0),
                                   ("tests", 0), ("waivers", 0)])
@pytest.mark.parametrize("key", ["x-local", "X-local", "x", "extra", "Dose", "dose ", 1])
def test_extra_and_local_fields_at_depth(where: tuple, key: Any) -> None:
    doc = copy.deepcopy(BASE)
    node: Any = doc
    for p in where:
        node = node[p]
    node[key] = {"deep": [1, {"x-a": True}]}
    _check(doc)


@pytest.mark.parametrize("doc", [
    _set(BASE, ("tests", 0), {"test": "cbc", "status": "resulted"}),        # resulted without its date
    _delete(BASE, ("patient",)),                                              # a patient document without patient
    _set(BASE, ("orders",), []),
    _set(BASE, ("orders",), ({"drug": "x"},)),                                 # a tuple, not a list
    _set(BASE, ("orderlint",), 2), _set(BASE, ("orderlint",), 1.0), _set(BASE, ("orderlint",), True),
    _set(BASE, ("orders", 0, "doses"), 2**53), _set(BASE, ("orders", 0, "doses"), float(2**53)),
    _set(BASE, ("orders", 0, "frequency"), ""), _set(BASE, ("orders", 0, "frequency"), "bid"),
], ids=lambda d: str(abs(hash(repr(d))) % 10**6))
def test_model_validators_and_bounds(doc: Any) -> None:
    _check(doc)


@pytest.mark.parametrize("path", [("id",), ("orders", 0, "drug"), ("indication", "condition"), ("tests", 0, "test"),
                                  ("orders", 0, "unit"), ("orders", 0, "route"), ("orders", 0, "id")])
def test_lone_surrogate_in_a_text_field(path: tuple) -> None:
    # The exact JSON parser reads "\ud800" into such a string, so a file can carry one.
    _check(_set(BASE, path, "a\ud800"))


SCRIPT = textwrap.dedent(r'''
    import sys
    from orderlint import validate
    from orderlint.vocabulary import Vocabulary
    assert "orderlint.model" not in sys.modules
    doc = {"id": "r1", "kind": "order-set", "indication": {"condition": "ssc-ild"},
           "orders": [{"drug": "\ud800", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}]}
    reg, problems = validate.validate(doc, Vocabulary())
    print("accepted" if reg is not None else "refused", problems)
''')


@pytest.mark.slow
def test_validate_verdict_does_not_depend_on_the_path() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("refused"), out.stdout


LOADS_MODEL = textwrap.dedent(r'''
    import sys
    from orderlint.config import Settings
    from orderlint.engine import Linter
    Linter(Settings())
    print("orderlint.model" in sys.modules)
''')


@pytest.mark.slow
def test_building_a_linter_does_not_load_the_pydantic_models() -> None:
    out = subprocess.run([sys.executable, "-c", LOADS_MODEL], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


SURROGATE_KEY = textwrap.dedent(r'''
    import sys
    from orderlint import validate
    from orderlint.vocabulary import Vocabulary
    if sys.argv[1] == "pydantic":
        import orderlint.model  # noqa: F401 - loaded: validate takes the pydantic path
    assert ("orderlint.model" in sys.modules) is (sys.argv[1] == "pydantic")
    doc = {"id": "r1", "kind": "order-set", "indication": {"condition": "ssc-ild"},
           "orders": [{"drug": "prednisone", "dose": 40, "unit": "mg", "route": "oral", "frequency": "daily",
                       sys.argv[2] + "\ud800": 1}]}
    reg, problems = validate.validate(doc, Vocabulary())
    print("accepted" if reg is not None else "refused", problems)
''')


@pytest.mark.slow
@pytest.mark.parametrize("path", ["prepared", "pydantic"])
@pytest.mark.parametrize("key, verdict", [("x-", "accepted"), ("y", "refused")])
def test_a_key_with_a_lone_surrogate_has_one_verdict_on_both_paths(path, key, verdict) -> None:
    # An `x-` field is free in every object (regimen-format.md) whatever its name holds; pydantic
    # refused such a key as unreadable text before it knew the key was extra, so the same document
    # was checked (ILD202) early in a run and invalid (OL001) once pydantic was loaded.
    out = subprocess.run([sys.executable, "-c", SURROGATE_KEY, path, key], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(verdict), out.stdout
