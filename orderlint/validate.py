"""Validate stage: parsed data -> a typed regimen, or OL001 problems located by JSON Pointer."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ValidationError

from orderlint import model
from orderlint.config import did_you_mean
from orderlint.reader import MAX_DEPTH, escape_token
from orderlint.vocabulary import Vocabulary

# Which model describes the object under a given key, for "unknown field" hints.
_MODEL_AT: dict[str, type] = {
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
_UNION_TAGS = ("constrained-str", "StructuredFrequency", "str")
_TOP_FIELDS = frozenset(model.fields_of(model.Regimen))

Problem = tuple[str, str]  # (message, pointer)


def validate(data: Any, vocab: Vocabulary) -> tuple[Optional[model.Regimen], list[Problem]]:
    if not isinstance(data, dict):
        return None, [(f"a regimen document must be an object, not {_kind(data)}", "")]
    if data.keys() - _TOP_FIELDS:  # only then can there be local `x-` fields to set aside
        for k, v in data.items():
            # The schema bounds the depth of every other field; local values get the reader's limit.
            if k.startswith("x-") and isinstance(v, (dict, list)) and _deeper_than(v, MAX_DEPTH - 1):
                return None, [(f"`{k}` is nested deeper than {MAX_DEPTH} levels", "/" + escape_token(k))]
        data = {k: v for k, v in data.items() if not k.startswith("x-")}
    try:
        reg: Optional[model.Regimen] = model.validate_regimen(data)
        problems: list[Problem] = []
    except ValidationError as e:
        reg, problems = None, _problems(e, data)
    # Test names come from the vocabulary (plugins may add some), so they are checked here.
    tests = data.get("tests")
    if isinstance(tests, list):
        for i, t in enumerate(tests):
            name = t.get("test") if isinstance(t, dict) else None
            if isinstance(name, str) and name and (vocab.test(name) is None or name != name.strip()):
                hint = did_you_mean(name.lower(), vocab.tests)
                problems.append((f"unknown test name {name!r}{hint}", f"/tests/{i}/test"))
    return (reg if not problems else None), problems


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        children = v.values() if isinstance(v, dict) else v
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _kind(v: Any) -> str:
    return {list: "an array", dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(v), "a number"
    )


def _problems(e: ValidationError, data: dict) -> list[Problem]:
    out: list[Problem] = []
    seen: set = set()
    for err in e.errors():
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
                    f"{{frequency, period, period_unit}}, not {_kind(value)}",
                    _pointer(loc[:at]),
                ))
                continue
            if tag != wanted:
                continue
            loc = loc[:at] + loc[at + 1 :]
        msg = _message(err, loc, data)
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


def _message(err: dict, loc: list, data: dict) -> str:
    t = err["type"]
    where = _field(loc)
    if t == "missing":
        parent = _field(loc[:-1])
        return f"missing required field `{loc[-1]}` in {parent}"
    if t in ("extra_forbidden", "unexpected_keyword_argument"):
        key = str(loc[-1])
        container = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        allowed = list(model.fields_of(_MODEL_AT.get(container, model.Regimen)))
        extra = " (top-level fields starting with `x-` are free for local use)" if container == "" else ""
        return f"unknown field `{key}`{did_you_mean(key, allowed)}{extra}"
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
        return f"{where} must be {expected}, not {shown}"
    if t == "literal_error":
        return f"{where} is {shown}; {err['msg'][0].lower()}{err['msg'][1:]}"
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
