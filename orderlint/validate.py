"""Validate stage: parsed data -> a typed regimen, or OL001 problems located by JSON Pointer."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Optional

from orderlint.config import did_you_mean
from orderlint.prepared import prepare, top_fields
from orderlint.reader import MAX_DEPTH, escape_token
from orderlint.reader.jsontext import deeper_than
from orderlint.vocabulary import Vocabulary

if TYPE_CHECKING:
    from pydantic import ValidationError

    from orderlint import model

#: Regimen's check of a patient document (orderlint.model), said here too beside a document's other
#: problems, where the model's check of the whole document does not run.
NEEDS_PATIENT = "a `patient` document needs the `patient` object"

# pydantic (about 100 ms to import and build the models) is imported only for a document that the
# prepared validator (orderlint/prepared.py) does not accept: an invalid one, whose OL001 messages
# come from pydantic's errors, or an unusual one; a run of valid documents never imports it.


@lru_cache(maxsize=None)
def _model_at() -> dict[str, type]:
    """Which model describes the object under a given key, for "unknown field" hints."""
    from orderlint import model

    return {
        "": model.Regimen,
        "indication": model.Indication,
        "patient": model.Patient,
        "orders": model.Order,
        "history": model.HistoryItem,
        "tests": model.TestItem,
        "waivers": model.Waiver,
        "strength": model.Quantity,
        "duration": model.Duration,
        "frequency": model.StructuredFrequency,
    }


#: Documents left to validate with the prepared validator. It costs about 30 us per document more
#: than pydantic-core, and pydantic about 100 ms to import: so it is used while pydantic is not
#: loaded, for at most the documents whose extra cost adds up to about that import (a start-up,
#: a small folder), and pydantic for the rest of a long run, or once an invalid document loaded it.
_PREPARED = [3000]


def _prepared_first() -> bool:
    if _PREPARED[0] > 0:
        if "orderlint.model" in sys.modules:
            _PREPARED[0] = 0
        else:
            _PREPARED[0] -= 1
            return True
    return False


_UNION_TAGS = ("constrained-str", "StructuredFrequency", "str")
_TOP_FIELDS = top_fields()

# Where the document has objects (which may carry local `x-` fields): key -> (is an array of
# objects, what lies below). Only these places are walked when `x-` fields are set aside.
_FLAT: dict = {}
_ORDER_SHAPE = {"strength": (False, _FLAT), "duration": (False, _FLAT), "frequency": (False, _FLAT)}
_SHAPE = {
    "indication": (False, _FLAT), "patient": (False, _FLAT), "orders": (True, _ORDER_SHAPE),
    "history": (True, _FLAT), "tests": (True, _FLAT), "waivers": (True, _FLAT),
}

Problem = tuple[str, str]  # (message, pointer)

_CONDITION_SEPARATORS = re.compile(r"[\s_-]+")


@lru_cache(maxsize=256)
def canonical_condition(text: str) -> str:
    """The condition as packs name it: trimmed, lower-case, each run of spaces, `_` and `-` one `-`
    (regimen-format.md 2nd ed.: `SSc ILD`, `SSC__ILD` and `ssc-ild ` are all `ssc-ild`)."""
    return _CONDITION_SEPARATORS.sub("-", text.strip().lower())


def validate(data: Any, vocab: Vocabulary) -> tuple[Optional[model.Regimen], list[Problem]]:
    if not isinstance(data, dict):
        return None, [(f"a regimen document must be an object, not {_kind(data)}", "")]
    if not _TOP_FIELDS.issuperset(data):  # only then can there be top-level `x-` fields to set aside
        data, problem = _without_local_fields(data, _FLAT)
        if problem is not None:
            return None, [problem]
    refused: Optional[_Outcome] = None
    if _PREPARED[0] > 0 and _prepared_first():
        reg: Optional[model.Regimen] = prepare(data)
    else:
        # The usual case in a long run: pydantic-core without Python callbacks, and the checks those
        # callbacks and this function make on a valid document. Anything else (an invalid document,
        # a float for an integer, `x-` fields inside objects, an unknown test name) goes the full
        # way below, which makes every OL001 message.
        _, unchecked, ValidationError = _PYDANTIC or _pydantic()
        try:
            reg = unchecked(data)
        except ValidationError as e:
            reg = None
            # Its errors are validate_regimen's but in two cases (_refused_alike): then they are
            # read as validate_regimen's would be, and the document is not validated again.
            errors = _errors(e)
            refused = _refused(errors, data) if _refused_alike(errors, data) else None
        else:
            if _valid_as_built(reg, vocab, data):
                if reg.history:
                    backwards = _history_backwards(reg)
                    if backwards:
                        return None, backwards
                return reg, []
            reg = None
    problems: list[Problem] = []
    if reg is None and _PREPARED[0] > 0:
        # `x-` fields inside objects: set aside as the pydantic path below sets them aside, and tried again.
        stripped, problem = _without_local_fields(data)
        if problem is None:
            reg = prepare(stripped)
            if reg is not None:
                data = stripped
    if reg is None:
        reg, problems, data, problem = refused or _validate_with_pydantic(data)
        if problem is not None:
            return None, [problem]
    if reg is not None:
        if reg.history:
            problems.extend(_history_backwards(reg))
        if len(reg.orders) > 1:  # a set of the ids, walked only when one repeats
            ids = [o.id for o in reg.orders if o.id is not None]
            if len(set(ids)) != len(ids):
                problems = _repeated_ids(data["orders"])
    elif isinstance(data.get("orders"), list):  # reported with the other problems
        problems.extend(_repeated_ids(data["orders"]))
    if reg is None and data.get("kind") == "patient" and "patient" not in data and NEEDS_PATIENT not in (
            m for m, _ in problems):
        # The model's check of the whole document runs only when every field passed: with another
        # problem it was said only once that one was fixed (regimen-format.md: one finding per violation).
        problems.append((NEEDS_PATIENT, ""))
    # Test names come from the vocabulary (plugins may add some), so they are checked here.
    tests = data.get("tests")
    if isinstance(tests, list):
        for i, t in enumerate(tests):
            name = t.get("test") if isinstance(t, dict) else None
            if isinstance(name, str) and name and (vocab.test(name) is None or name != name.strip()):
                hint = _did_you_mean(name.lower(), vocab.tests)
                problems.append((f"unknown test name {name!r}{hint}", f"/tests/{i}/test"))
    return (reg if not problems else None), problems


def _history_backwards(reg: model.Regimen) -> list[Problem]:
    """OL001 for each history item that stops before it starts: such a period cannot be placed, and
    read as a progression it switched ILD102 and (through the phase) ILD201 off."""
    return [(f"history item {j} stops ({h.stop.isoformat()}) before it starts ({h.start.isoformat()})", f"/history/{j}/stop")
            for j, h in enumerate(reg.history) if h.start is not None and h.stop is not None and h.stop < h.start]


def _pydantic() -> tuple[Any, Any, type[ValidationError]]:
    """(orderlint.model.validate_regimen, model.validate_regimen_unchecked, pydantic.ValidationError),
    imported on first use."""
    global _PYDANTIC
    if _PYDANTIC is None:
        from pydantic import ValidationError

        from orderlint.model import validate_regimen, validate_regimen_unchecked

        _PYDANTIC = (validate_regimen, validate_regimen_unchecked, ValidationError)
    return _PYDANTIC


_PYDANTIC: Optional[tuple[Any, Any, type[ValidationError]]] = None


def _valid_as_built(reg: model.Regimen, vocab: Vocabulary, data: dict) -> bool:
    """Whether a regimen that model.validate_regimen_unchecked built from ``data`` is valid: the
    conditions of the model validators it leaves out (model.UNCHECKED_MODEL_VALIDATORS), unique
    order ids, and test names that the vocabulary knows. False sends the document the full way."""
    if reg.kind == "patient" and reg.patient is None:  # Regimen._patient_documents_need_patient
        return False
    orders = reg.orders
    if len(orders) > 1:
        # One set built in C; the loop only when it is smaller (a repeat, or orders without an id).
        if len({o.id for o in orders}) != len(orders):
            ids = set()
            for o in orders:
                oid = o.id
                if oid is not None:
                    if oid in ids:
                        return False
                    ids.add(oid)
    tests = reg.tests
    if tests:
        # The full path tests the names of the items that data.get("tests") yields: here, the same
        # list, item for item, and the very name objects (pydantic makes a new str of a str
        # subclass, whose checks could differ); anything else goes the full way.
        raw = data.get("tests")
        if type(raw) is not list or len(raw) != len(tests):
            return False
        # Names already found valid (known to vocab.test(), no surrounding spaces): one set lookup each.
        valid = vocab._valid_tests
        for t, item in zip(tests, raw):
            name = t.test
            if (t.date is None and t.status == "resulted") or not isinstance(item, dict) or item.get("test") is not name:
                return False  # TestItem._resulted_needs_date, or not the data's own item and name
            if name not in valid:
                if vocab.test(name) is None or name != name.strip():
                    return False
                if len(valid) < 10_000:
                    valid.add(name)
    return True


#: (regimen or None, OL001 problems, the data validated, a problem that ends validation)
_Outcome = tuple[Optional["model.Regimen"], list[Problem], dict, Optional[Problem]]


def _validate_with_pydantic(data: dict) -> _Outcome:
    validate_regimen, _, ValidationError = _PYDANTIC or _pydantic()
    try:
        return validate_regimen(data), [], data, None
    except ValidationError as e:
        return _refused(_errors(e), data)


def _errors(e: ValidationError) -> list[Any]:
    """A refusal's errors (type, loc, msg: what the messages are made of)."""
    return e.errors(include_url=False, include_context=False, include_input=False)


def _refused(errors: list[Any], data: dict) -> _Outcome:
    """The outcome of validate_regimen refusing ``data`` with ``errors``."""
    # `x-` fields inside objects are found only when validation refuses them, so that a
    # document without any costs nothing extra; then they are set aside and it is validated again.
    if any(_is_local_field(err) for err in errors):
        data, problem = _without_local_fields(data)
        if problem is not None:
            return None, [], data, problem
        validate_regimen, _, ValidationError = _PYDANTIC or _pydantic()
        try:
            return validate_regimen(data), [], data, None
        except ValidationError as e2:
            return None, _problems(_errors(e2), data), data, None
    return None, _problems(errors, data), data, None


def _refused_alike(errors: list[Any], data: dict) -> bool:
    """Whether validate_regimen refuses ``data`` with the ``errors`` of the unchecked validator.

    The two share every schema but the JsonInt fields and the model validators they leave out
    (model.UNCHECKED_MODEL_VALIDATORS). So they make the same errors unless one lies at a JsonInt
    field (a float such as 3.0 is refused by one only: any error on a path through a field of that
    name counts), or a test item lacks its date without being exactly "ordered" (validate_regimen's
    TestItem._resulted_needs_date may add an error there). Regimen._patient_documents_need_patient
    adds none: it runs only on a regimen whose fields are all valid, which this one's are not.
    """
    from orderlint.model import UNCHECKED_JSON_INTS

    for err in errors:
        if not UNCHECKED_JSON_INTS.isdisjoint(err["loc"]):
            return False
    if type(data) is not dict:  # what pydantic reads of another mapping is left to it
        return False
    tests = data.get("tests")
    if isinstance(tests, list):
        if type(tests) is not list:
            return False
        for t in tests:
            if type(t) is not dict:
                return False
            if "date" not in t:
                status = t.get("status")
                if type(status) is not str or status != "ordered":
                    return False
    return True


def _repeated_ids(orders: list) -> list[Problem]:
    # Waivers and baselines key on order ids, so a repeated id would let one cover two orders.
    first: dict[str, int] = {}
    out: list[Problem] = []
    for i, o in enumerate(orders):
        oid = o.get("id") if isinstance(o, dict) else None
        if isinstance(oid, str):
            j = first.setdefault(oid, i)
            if j != i:
                out.append((f"order id {oid!r} is repeated (first used by order {j}); order ids must be unique",
                            f"/orders/{i}/id"))
    return out


_EXTRA = ("extra_forbidden", "unexpected_keyword_argument")


def _is_local_field(err: Any) -> bool:
    loc = err["loc"]
    if err["type"] == "string_unicode":
        # A key pydantic cannot read as text (a lone surrogate, `"x-\\ud800"`) is refused before it is
        # known to be extra: it may be an `x-` field, which the prepared validator sets aside, so
        # the document is tried again without them (a key outside them is refused again).
        return True
    return err["type"] in _EXTRA and bool(loc) and isinstance(loc[-1], str) and loc[-1].startswith("x-")


def _without_local_fields(data: dict, shape: Optional[dict] = None) -> tuple[dict, Optional[Problem]]:
    """A copy of the document without `x-` fields in any of its objects (with ``shape`` `_FLAT`:
    at its top level only), the input unchanged; or the problem that an `x-` value is nested
    deeper than the reader's limit."""
    if shape is _FLAT:
        return _without_top_local_fields(data)
    problem: list[Problem] = []

    def strip(obj: dict, shape: dict, pointer: str, depth: int) -> dict:
        out = {}
        for k, v in obj.items():
            if isinstance(k, str) and k.startswith("x-"):
                # The schema bounds the depth of every other field; local values get the reader's
                # limit, counted from the document's top as the reader counts it.
                if not problem and isinstance(v, (dict, list)) and deeper_than(v, MAX_DEPTH - 1 - depth):
                    problem.append((f"{_name(k)} is nested deeper than {MAX_DEPTH} levels", f"{pointer}/{escape_token(k)}"))
                continue
            sub = shape.get(k)
            if sub is not None:
                many, below = sub
                at = f"{pointer}/{escape_token(k)}"
                if many and isinstance(v, list):
                    v = [strip(x, below, f"{at}/{i}", depth + 2) if isinstance(x, dict) else x for i, x in enumerate(v)]
                elif not many and isinstance(v, dict):
                    v = strip(v, below, at, depth + 1)
            out[k] = v
        return out

    stripped = strip(data, _SHAPE if shape is None else shape, "", 0)
    return stripped, (problem[0] if problem else None)


def _without_top_local_fields(data: dict) -> tuple[dict, Optional[Problem]]:
    """``_without_local_fields(data, _FLAT)``, the usual case, in one loop: the document without
    its top-level `x-` fields, or the problem that the first of them is nested too deep (then
    the document is returned as it is: validation ends with the problem)."""
    out = {}
    for k, v in data.items():
        if isinstance(k, str) and k.startswith("x-"):
            if isinstance(v, (dict, list)) and deeper_than(v, MAX_DEPTH - 1):
                return data, (f"{_name(k)} is nested deeper than {MAX_DEPTH} levels", f"/{escape_token(k)}")
            continue
        out[k] = v
    return out, None


def _name(key: str) -> str:
    # A key written by the document is quoted with repr when it holds a control, format or
    # bidirectional character, so that it cannot reorder or forge a report line.
    return f"`{key}`" if key.isprintable() else repr(key)




def _kind(v: Any) -> str:
    kind = _KINDS.get(type(v))
    if kind is not None:
        return kind
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "a number"
    # What the Python API may be handed that no JSON reader makes (a bytearray, a mapping proxy): named
    # by its type, not called a number.
    return f"a Python {type(v).__name__} (no JSON value)"


_KINDS = {list: "an array", dict: "an object", str: "a string", bool: "a boolean", type(None): "null", int: "a number",
          float: "a number"}


def _fields_at(container: str) -> dict[str, Any]:
    from orderlint import model

    return model.fields_of(_model_at().get(container, model.Regimen))


def _problems(errors: list[Any], data: dict) -> list[Problem]:
    out: list[Problem] = []
    seen: set = set()
    for err in errors:
        loc = list(err["loc"])
        # A union (frequency) reports one error per branch: keep the branch matching the input's type.
        tag = next((p for p in loc if p in _UNION_TAGS), None)
        if tag is not None:
            at = loc.index(tag)
            value = _get(data, loc[:at])
            wanted = "StructuredFrequency" if isinstance(value, dict) else "constrained-str"
            if not isinstance(value, (dict, str)):
                key = tuple(loc[:at])
                if key in seen:
                    continue
                seen.add(key)
                out.append((
                    f"{_field(loc[:at])} must be a frequency code such as 'bid' or an object "
                    f"{{frequency, period, period_unit}}, not {_kind(value)}{_NULL_HINT if value is None else ''}",
                    _pointer(loc[:at]),
                ))
                continue
            if tag != wanted:
                continue
            loc = loc[:at] + loc[at + 1 :]
        msg = _message(err, loc, data, hint=len(out) < _HINTED)
        ptr = _pointer(loc[:-1] if err["type"] == "missing" else loc)
        if (msg, ptr) not in seen:
            seen.add((msg, ptr))
            out.append((msg, ptr))
    return out


def _get(data: Any, loc: list) -> Any:
    for p in loc:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _pointer(loc: list) -> str:
    return "".join("/" + escape_token(str(p)) for p in loc)


def _field(loc: list) -> str:
    return "`" + ("/".join(str(p) for p in loc) or "document") + "`"


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    """config.did_you_mean, remembered for short words: a stream repeats its misspellings, and each
    costs a similarity search over every choice (most of an invalid document's time)."""
    choices = tuple(choices)
    return _close_to(word, choices) if len(word) <= _REMEMBERED_LENGTH else did_you_mean(word, choices)


#: Longest word remembered: the cache's size is bounded in entries and in what each holds.
_REMEMBERED_LENGTH = 64


@lru_cache(maxsize=1024)
def _close_to(word: str, choices: tuple[str, ...]) -> str:
    return did_you_mean(word, choices)


#: Problems that get a did-you-mean: a document of thousands of unknown fields must not cost a
#: similarity search each (they were most of the time such a report took).
_HINTED = 50


def _message(err: Any, loc: list, data: dict, hint: bool = True) -> str:
    t = err["type"]
    where = _field(loc)
    if t == "missing":
        parent = _field(loc[:-1])
        return f"missing required field `{loc[-1]}` in {parent}"
    if t in _EXTRA:
        key = str(loc[-1])
        container = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        allowed = list(_fields_at(container))
        close = _did_you_mean(key, allowed) if hint else ""
        return f"unknown field {_name(key)}{close} (fields starting with `x-` are free for local use)"
    value = _get(data, loc)
    shown = _kind(value) if isinstance(value, (dict, list)) or value is None else repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if t == "float_type" and isinstance(value, int) and not isinstance(value, bool):
        return f"{where} is {shown}: it overflows a double; every number must be finite"
    if t in ("string_type", "float_type", "int_type", "bool_type", "list_type", "dict_type", "dataclass_type", "int_from_float"):
        expected = {
            "string_type": "a string", "float_type": "a number", "int_type": "a whole number",
            "bool_type": "true or false", "list_type": "an array", "dict_type": "an object",
            "dataclass_type": "an object", "int_from_float": "a whole number",
        }[t]
        return f"{where} must be {expected}, not {shown}{_hint(t, value, loc)}"
    if t == "literal_error":
        return f"{where} is {shown}; {err['msg'][0].lower()}{err['msg'][1:]}{_hint(t, value, loc)}"
    if t == "string_pattern_mismatch":
        return f"{where} is {shown}; expected a date YYYY-MM-DD"
    if t.startswith("date_"):  # the pattern matched, the calendar did not (2026-02-30)
        why = err["msg"].rsplit(", ", 1)[-1] if ", " in err["msg"] else err["msg"]
        return f"{where} is {shown}: not a calendar date ({why})"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if isinstance(value, (dict, list)) or not loc:
        return f"{where}: {msg}" if loc else msg
    return f"{where} is {shown}: {msg[0].lower()}{msg[1:]}"


_NULL_HINT = ": omit the field instead of writing null"
# A string that a YAML 1.1 reader (or a person) would take for a number: `020`, `0x1F`, `1_000`, `+5`, `.5`, `1:00`.
_NUMBERISH = re.compile(r"^\s*[-+]?(\d|\.\d)")


def _hint(t: str, value: Any, loc: list) -> str:
    """What to write instead, for the wrong values that YAML 1.1 habits and nulls produce."""
    if value is None:
        name = loc[-1] if loc else None
        container = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        fields = _fields_at(container)
        if isinstance(name, str) and name in fields and not fields[name].is_required():
            return _NULL_HINT
        return ""
    if not isinstance(value, str):
        return ""
    if t == "bool_type":
        return ": write true or false (lower case, unquoted)"
    if t in ("float_type", "int_type") and _NUMBERISH.match(value):
        return (": write the number as a plain decimal without leading zeros (no `+`, `_`, `:`, hex or octal; "
                "not quoted), e.g. `20` or `0.5`")
    return ""
