"""The unchecked validator (model.validate_regimen_unchecked: the Regimen core schema without its
Python callbacks) and validate.py's checks on what it builds agree with the full path.

Whenever the unchecked validator accepts a document and the conditions of the model validators it
leaves out hold, validate_regimen accepts it and builds the same values; when a condition fails,
validate_regimen refuses it. And validate.validate gives the same regimen and the same OL001
problems (messages, pointers, order) whether or not it takes the unchecked path, on the examples,
on generated documents and on documents mutated field by field (type confusions, omissions, extra
and `x-` fields, test names as written, repeated order ids, the model validators' cases).
"""

from __future__ import annotations

import json
import random
from typing import Any, Optional

import pytest
from pydantic import ValidationError

from orderlint import model, prepared, validate
from orderlint.engine import Linter
from orderlint.vocabulary import Vocabulary

from test_perf_prepared import BAD_VALUES, documents, mutate, shape, without_top_local
from test_review_prepared import _delete, _set

VOCAB = Linter().vocab

# A valid document with every model and field, as tests/test_review_prepared.py builds it.
BASE: dict[str, Any] = {
    "orderlint": 1, "id": "r1", "kind": "patient", "as_of": "2026-01-10",
    "indication": {"condition": "ssc-ild", "phase": "first-line", "rapidly_progressive": False},
    "patient": {"sex": "female", "age_years": 50, "weight_kg": 70.5, "height_cm": 165, "bsa_m2": 1.8,
                "reproductive_potential": False},
    "orders": [
        {"id": "o1", "drug": "mycophenolate mofetil", "rxcui": "68149", "dose": 1000, "unit": "mg",
         "strength": {"value": 500, "unit": "mg"}, "route": "oral",
         "frequency": {"frequency": 2, "period": 1, "period_unit": "d"},
         "duration": {"value": 12, "unit": "mo"}, "doses": 3, "start": "2026-01-10", "status": "new", "purpose": "ild"},
        {"id": "o2", "drug": "prednisone", "dose": 5, "unit": "mg", "route": "oral", "frequency": "qd"},
    ],
    "history": [{"drug": "prednisone", "start": "2025-01-01", "stop": "2025-06-01", "outcome": "response"}],
    "tests": [{"test": "cbc", "status": "resulted", "date": "2026-01-01", "result": "normal"},
              {"test": "HRCT chest", "status": "ordered"}],
    "waivers": [{"rule": "ILD401", "order": "o1", "reason": "r", "approved_by": "a", "expires": "2026-12-31"}],
}

TEST_NAMES = ["cbc", "CBC", "Cbc", " cbc", "cbc ", "cbc\n", "hrct chest", "HRCT  chest", "HRCT chest ", "hrct-chest",
              "egfr", "eGFR", "no such test", "", "x" * 70, "\u00e9gfr", "cbc\u00ae"]
ORDER_IDS = ["o1", "o2", "O1", "o1 ", "", None]


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, path + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, path + (i,)))
    return out


def mutated_bases() -> list[dict]:
    """BASE with each value replaced by each bad value, each field omitted, and the cross-field cases."""
    out = []
    for path in _paths(BASE):
        for value in BAD_VALUES:
            out.append(_set(BASE, path, value))
        if isinstance(path[-1], str):
            out.append(_delete(BASE, path))
    for i in (0, 1):
        for name in TEST_NAMES:
            out.append(_set(BASE, ("tests", i, "test"), name))
        for status in ("resulted", "ordered", "Resulted"):
            out.append(_set(BASE, ("tests", i, "status"), status))
            if "date" in BASE["tests"][i]:
                out.append(_delete(_set(BASE, ("tests", i, "status"), status), ("tests", i, "date")))
            else:
                out.append(_set(_set(BASE, ("tests", i, "status"), status), ("tests", i, "date"), "2026-01-02"))
        for oid in ORDER_IDS:
            out.append(_set(BASE, ("orders", i, "id"), oid))
            out.append(_delete(BASE, ("orders", i, "id")))
    for kind in ("patient", "order-set"):
        out.append(_delete(_set(BASE, ("kind",), kind), ("patient",)))
    three = _set(BASE, ("orders",), BASE["orders"] + [dict(BASE["orders"][1], id="o1")])
    out += [three, _delete(three, ("orders", 2, "id")), _set(three, ("orders", 2, "id"), "o3")]
    out.append(_set(BASE, ("x-local",), {"a": [1]}))
    # An error elsewhere, with each place where the unchecked validator's errors differ.
    for other in [("id",), ("orders", 1, "route"), ("waivers", 0, "rule"), ("tests", 0, "result"), ("patient", "sex")]:
        broken = _set(BASE, other, 5)
        out += [
            broken,
            _set(broken, ("tests", 1, "status"), "resulted"),                      # TestItem validator
            _set(_set(broken, ("tests", 1, "status"), "resulted"), ("tests", 1, "result"), 5),
            _set(broken, ("orders", 0, "doses"), 3.0), _set(broken, ("orders", 0, "doses"), 2.5),
            _set(broken, ("orderlint",), 1.0), _set(broken, ("orderlint",), 2),
            _set(broken, ("orders", 0, "frequency", "frequency"), 2.0),
            _set(broken, ("orders", 0, "frequency", "frequency"), 0),
            _set(broken, ("orders", 0, "frequency", "period"), 0),
            _delete(broken, ("patient",)),                                            # Regimen validator
            _set(broken, ("orders", 0, "x-local"), 1),
        ]
    out.append(_set(BASE, ("orders", 0, "x-local"), 1))
    out.append(_set(BASE, ("tests", 1, "x-local"), 1))
    return out


def _unchecked(d: Any) -> Optional[Any]:
    try:
        return model.validate_regimen_unchecked(d)
    except ValidationError:
        return None


def _reference(d: Any) -> Optional[Any]:
    try:
        return model.validate_regimen(d)
    except ValidationError:
        return None


def _model_validators_pass(reg: Any) -> bool:
    """The conditions of the left-out model validators, as orderlint/prepared.py states them."""
    return (prepared.AFTER["Regimen._patient_documents_need_patient"](reg)
            and all(prepared.AFTER["TestItem._resulted_needs_date"](t) for t in reg.tests))


def _agrees(d: Any) -> tuple[bool, bool]:
    """(unchecked accepted, reference accepted), after checking that they agree."""
    mine, theirs = _unchecked(d), _reference(d)
    if mine is not None:
        if _model_validators_pass(mine):
            assert theirs is not None, d
            assert shape(mine) == shape(theirs)
        else:
            assert theirs is None, d
    return mine is not None, theirs is not None


def _validate_both(d: Any, monkeypatch: pytest.MonkeyPatch, vocab: Vocabulary = VOCAB) -> None:
    monkeypatch.setattr(validate, "_PREPARED", [0])
    reg, problems = validate.validate(d, vocab)
    with monkeypatch.context() as m:  # every document the full way, as before the unchecked validator
        m.setattr(validate, "_valid_as_built", lambda reg, vocab, data: False)
        m.setattr(validate, "_refused_alike", lambda errors, data: False)
        reg_full, problems_full = validate.validate(d, vocab)
    assert problems == problems_full, d
    assert shape(reg) == shape(reg_full), d


def test_the_unchecked_schema_calls_no_python() -> None:
    found: list[str] = []

    def walk(s: Any) -> None:
        if isinstance(s, dict):
            if str(s.get("type", "")).startswith("function-"):
                found.append(repr(s.get("function")))
            for v in s.values():
                walk(v)
        elif isinstance(s, list):
            for v in s:
                walk(v)

    walk(model._unchecked(getattr(model.Regimen, "__pydantic_core_schema__")))
    assert found == []


def test_it_leaves_out_only_model_validators_whose_conditions_are_stated() -> None:
    names = set()

    def walk(s: Any) -> None:
        if isinstance(s, dict):
            if s.get("type") == "function-after" and s["schema"].get("type") == "dataclass":
                names.add(s["function"]["function"].__qualname__)
            for v in s.values():
                walk(v)
        elif isinstance(s, list):
            for v in s:
                walk(v)

    walk(getattr(model.Regimen, "__pydantic_core_schema__"))
    assert model.UNCHECKED_MODEL_VALIDATORS <= names
    assert model.UNCHECKED_MODEL_VALIDATORS <= set(prepared.AFTER)


def test_the_left_out_model_validators_and_integers_are_the_ones_validate_py_knows() -> None:
    # validate._valid_as_built and validate._refused_alike state these validators' conditions: a
    # change here needs a change there (and in the tests below that make each condition fail).
    assert model.UNCHECKED_MODEL_VALIDATORS == {"TestItem._resulted_needs_date", "Regimen._patient_documents_need_patient"}
    assert model.UNCHECKED_JSON_INTS == {"orderlint", "doses", "frequency"}


def test_an_unknown_callback_is_kept() -> None:
    def other(v: Any) -> Any:
        return v

    s = {"type": "function-after", "function": {"type": "no-info", "function": other}, "schema": {"type": "int", "strict": True}}
    assert model._unchecked(s) == s
    validator = {"type": "function-after", "function": {"type": "no-info", "function": other},
                 "schema": {"type": "dataclass", "cls": int, "schema": {"type": "any"}}}
    kept = model._unchecked(validator)
    assert kept["type"] == "function-after" and kept["function"] == validator["function"]
    assert kept["schema"]["type"] == "dataclass"


def test_base_document_takes_the_unchecked_path() -> None:
    reg = _unchecked(BASE)
    assert reg is not None and validate._valid_as_built(reg, VOCAB, BASE)
    assert _agrees(BASE) == (True, True)


class _Odd(str):
    """A test name that is never equal to itself: the full path refuses it (its strip() differs)."""

    def __ne__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


def test_a_str_subclass_test_name_is_judged_as_the_full_path_judges_it(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _set(BASE, ("tests", 0, "test"), _Odd("cbc"))
    _validate_both(d, monkeypatch)
    assert validate.validate(d, VOCAB)[0] is None


class _ShortList(list):
    """A list that iterates over its first item only (pydantic reads every item)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list.__getitem__(self, slice(0, 1)))


class _LyingDict(dict):
    """A test item whose get() tells another name than the one pydantic reads."""

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return "no such test" if key == "test" else dict.get(self, key, default)


class _HidingDict(dict):
    """A test item that claims to hold a date it does not hold."""

    def __contains__(self, key: object) -> bool:
        return key == "date" or dict.__contains__(self, key)


class _HidingDocument(dict):
    """A document whose get() hides its tests (pydantic reads them)."""

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return None if key == "tests" else dict.get(self, key, default)


@pytest.mark.parametrize("doc", [
    _HidingDocument(_set(_set(BASE, ("id",), 5), ("tests", 1, "status"), "resulted")),
    _set(BASE, ("tests",), _ShortList([{"test": "cbc", "status": "ordered"}, {"test": "cbc", "status": "resulted"}])),
    _set(BASE, ("tests",), _ShortList([{"test": "cbc", "status": "ordered"}, {"test": "unknown", "status": "ordered"}])),
    _set(BASE, ("tests", 0), _LyingDict(BASE["tests"][0])),
    _set(BASE, ("tests", 1), _LyingDict(BASE["tests"][1], status="resulted")),
    # The same, with an error elsewhere (a refusal whose errors may be read as they are).
    # (the odd container set last: a deep copy would make a plain one of it)
    _set(_set(BASE, ("id",), 5), ("tests",), _ShortList([{"test": "cbc", "status": "ordered"}, {"test": "cbc", "status": "resulted"}])),
    _set(_set(BASE, ("id",), 5), ("tests", 1), _LyingDict(BASE["tests"][1], status="resulted")),
    _set(_set(BASE, ("id",), 5), ("tests", 1), _HidingDict(BASE["tests"][1], status="resulted")),
    _set(_set(BASE, ("id",), 5), ("tests", 1), [1]),
], ids=["hiding-document-error", "short-list-resulted", "short-list-unknown", "lying-dict", "lying-dict-resulted", "short-list-error",
        "lying-dict-error", "hiding-dict-error", "list-item-error"])
def test_odd_containers_are_judged_as_the_full_path_judges_them(doc: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    _validate_both(doc, monkeypatch)


def test_an_integral_float_for_an_integer_is_left_to_the_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _set(BASE, ("orders", 0, "doses"), 3.0)
    assert _unchecked(d) is None
    reg, problems = validate.validate(d, VOCAB)
    assert problems == [] and reg is not None and type(reg.orders[0].doses) is int and reg.orders[0].doses == 3


@pytest.mark.parametrize("doc", mutated_bases(), ids=lambda d: str(abs(hash(json.dumps(d, default=repr, sort_keys=True))) % 10**8))
def test_mutated_base_documents(doc: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    _agrees(without_top_local(doc))
    _validate_both(doc, monkeypatch)


@pytest.mark.slow
def test_generated_and_mutated_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(41)
    docs = documents()
    accepted = refused = 0
    for d in docs:  # every valid document of the examples and the stream takes the unchecked path
        d = without_top_local(d)
        theirs = _reference(d)
        if theirs is not None and not _integral_floats_for_integers(d):
            reg = _unchecked(d)
            assert reg is not None and shape(reg) == shape(theirs)
            accepted += 1
    for i in range(4000):
        d = mutate(rng.choice(docs), rng)
        if rng.random() < 0.3 and isinstance(d.get("tests"), list) and d["tests"] and isinstance(d["tests"][0], dict):
            d["tests"][0]["test"] = rng.choice(TEST_NAMES)
        if rng.random() < 0.2 and isinstance(d.get("orders"), list) and len(d["orders"]) > 1:
            if isinstance(d["orders"][-1], dict) and isinstance(d["orders"][0], dict):
                d["orders"][-1]["id"] = d["orders"][0].get("id", "o")
        mine, theirs = _agrees(without_top_local(d))
        accepted += mine
        refused += not theirs
        _validate_both(d, monkeypatch)
    assert accepted > 2000 and refused > 1000


def _integral_floats_for_integers(d: Any) -> bool:
    """Whether an integer field (orderlint, doses, a frequency's frequency) holds a float such as 3.0."""
    if isinstance(d, list):
        return any(_integral_floats_for_integers(v) for v in d)
    if not isinstance(d, dict):
        return False
    return any((k in ("orderlint", "doses", "frequency") and isinstance(v, float)) or _integral_floats_for_integers(v)
               for k, v in d.items())


def test_validating_a_full_document_calls_no_python_function() -> None:
    import sys

    d = _set(BASE, ("orders", 1, "doses"), 2)  # every JsonInt, a structured and a coded frequency
    called: list[str] = []

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            called.append(frame.f_code.co_qualname)

    sys.setprofile(hook)
    try:
        reg = model.validate_regimen_unchecked(d)
    finally:
        sys.setprofile(None)
    assert called == []
    assert shape(reg) == shape(model.validate_regimen(d))


def test_an_instance_of_a_model_is_taken_as_the_models_take_it() -> None:
    order = model.validate_regimen(BASE).orders[0]
    d = _set(BASE, ("orders", 0), order)
    assert _agrees(d) == (True, True)
    reg = _unchecked(d)
    assert reg is not None and reg.orders[0] is model.validate_regimen(d).orders[0] is order


def _nested(depth: int) -> Any:
    v: Any = 1
    for i in range(depth):
        v = [v] if i % 2 else {"a": v}
    return v


@pytest.mark.parametrize("extra", [
    {}, {"x-a": 1}, {"x-": None}, {"X-a": 1}, {1: "int key"}, {"x-a": _nested(62)}, {"x-a": _nested(63)}, {"x-a": _nested(64)},
    {"x-a": _nested(70), "x-b": _nested(80)}, {"x-b": {"x-c": _nested(70)}, "unknown": _nested(70)},
    {"x-\u202e": _nested(70)}, {"x-a/b~c": [_nested(70)]}, {"x-a": {}, "x-b": [], "x-c": "s"},
], ids=lambda e: repr(e)[:40])
def test_top_level_local_fields_are_set_aside_as_before(extra: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    d = dict(BASE, **{k: v for k, v in extra.items() if isinstance(k, str)})
    d.update({k: v for k, v in extra.items() if not isinstance(k, str)})
    mine = validate._without_local_fields(d, validate._FLAT)  # the one loop
    theirs = validate._without_local_fields(d, {})  # an empty shape that is not _FLAT: the general walk, top level only
    assert mine[1] == theirs[1]
    if theirs[1] is None:  # with a problem, validate() returns it and nothing else
        assert mine[0] == theirs[0] and list(mine[0]) == list(theirs[0])
    _validate_both(d, monkeypatch)


WORDS = ["cbc", "CBC", "hrct chst", "egfr ", "dose", "dosee", "Dose", "x" * 64, "x" * 65, "hepatitis b serolgy", "", "\u00e9"]


def test_remembered_hints_are_the_hints() -> None:
    from orderlint.config import did_you_mean

    fields = tuple(model.fields_of(model.Order))
    for word in WORDS:
        for choices in (VOCAB.tests, fields, ("a",), ()):
            for _ in range(2):  # computed, then remembered
                assert validate._did_you_mean(word, choices) == did_you_mean(word, choices)
    long = "dose" * 20
    before = validate._close_to.cache_info().currsize
    assert validate._did_you_mean(long, fields) == did_you_mean(long, fields)
    assert validate._close_to.cache_info().currsize == before  # a long word is not remembered
    assert validate._close_to.cache_info().maxsize == 1024


def test_errors_without_url_context_and_input_give_the_same_messages() -> None:
    seen = 0
    for d in mutated_bases():
        try:
            model.validate_regimen(d)
        except ValidationError as e:
            full = [(x["type"], x["loc"], x["msg"]) for x in e.errors()]
            assert [(x["type"], x["loc"], x["msg"]) for x in validate._errors(e)] == full
            seen += 1
    assert seen > 500


def test_refusing_documents_keeps_nothing_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import tracemalloc

    monkeypatch.setattr(validate, "_PREPARED", [0])

    def refused(i: int) -> dict:  # refused by the unchecked validator, read as it is or validated again
        d = _set(BASE, ("orders", 0, "dose"), "15")
        d["orders"][1]["dosee"] = 1
        d["x-pad"] = ["y" * 100] * 20
        d["id"] = f"d{i}"
        if i % 2:
            d["orders"][0]["doses"] = 3.0
        return d

    assert validate.validate(refused(0), VOCAB)[0] is None
    gc.collect()
    tracemalloc.start()
    try:
        for i in range(200):
            validate.validate(refused(i), VOCAB)
        gc.collect()
        small = tracemalloc.get_traced_memory()[0]
        for i in range(200, 2200):
            validate.validate(refused(i), VOCAB)
        gc.collect()
        large = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert large - small < 64 * 1024, (small, large)


def test_test_names_found_valid_are_remembered_boundedly_and_forgotten_on_add_test() -> None:
    """validate._valid_as_built remembers the test names it found valid (Vocabulary._valid_tests):
    a name added later by a plugin (add_test) is then valid, a name with surrounding spaces never is
    (though vocab.test() reads it), and the set stays bounded."""
    v = Vocabulary()

    def problems_with(name: str) -> list[tuple[str, str]]:
        doc = json.loads(json.dumps(BASE))
        doc["tests"] = [{"test": name, "status": "ordered"}]
        reg, problems = validate.validate(doc, v)
        assert (reg is None) == bool(problems)
        return problems

    for _ in range(2):  # found, then remembered
        assert problems_with("CBC") == []
        assert "CBC" in v._valid_tests
        assert [p for _, p in problems_with(" cbc")] == ["/tests/0/test"] and v.test(" cbc") == ("cbc",)
        assert " cbc" not in v._valid_tests
        assert [p for _, p in problems_with("NT-proBNP")] == ["/tests/0/test"]
    v.add_test("bnp", ["nt-probnp"], "a plugin")  # forgets what was remembered
    assert not v._valid_tests
    assert problems_with("NT-proBNP") == [] and "NT-proBNP" in v._valid_tests
    # Bounded: 10,050 spellings of one known name (its first 14 letters' case), each valid.
    name = "pulmonary function tests"
    letters = [k for k, c in enumerate(name) if c.isalpha()]
    spellings = {"".join(c.upper() if k in letters[:14] and i >> letters.index(k) & 1 else c for k, c in enumerate(name))
                 for i in range(10_050)}
    assert len(spellings) == 10_050
    for spelling in spellings:
        assert problems_with(spelling) == [], spelling
    assert 9_000 < len(v._valid_tests) <= 10_000
