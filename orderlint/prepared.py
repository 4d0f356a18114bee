"""The document models' validation, prepared ahead so that a run need not import pydantic.

``orderlint/_prepared_models.py`` is generated from the pydantic models of ``orderlint/model.py``
(their pydantic-core schemas: every field's type, strictness, bounds, default and the model
validators) by ``python -m orderlint.prepared --write`` and committed; ``tests/test_perf_prepared.py``
fails when it is out of date, and checks on every example and on generated and mutated documents
that this validator agrees with pydantic.

It only ever *accepts*: ``prepare(data)`` returns the regimen (plain slotted, immutable classes
with the models' names, fields and defaults) when the document is valid, and ``None`` whenever it
is not sure (any invalid value, anything unusual), after which the caller validates with pydantic,
whose errors make the OL001 messages. So a valid document is never refused here, an invalid one
is never accepted, and every message stays pydantic's.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from typing import Any, Callable, Optional

#: The model validators (``@model_validator(mode="after")``) by qualified name, as conditions on
#: the built object: True when the document passes. A model validator missing here stops
#: ``--write`` (write its condition here first).
AFTER: dict[str, Callable[[Any], bool]] = {
    "TestItem._resulted_needs_date": lambda o: not (o.status == "resulted" and o.date is None),
    "Regimen._patient_documents_need_patient": lambda o: not (o.kind == "patient" and o.patient is None),
}


class _Unsure(Exception):
    pass


_UNSURE = _Unsure()
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A lone surrogate (which the JSON parser accepts from a \ud800 escape) is refused by pydantic-core on
# constrained strings: such text is left to pydantic, so both paths give the same verdict.
_SURROGATE = re.compile("[\ud800-\udfff]")
_date = _dt.date.fromisoformat


def _value(check: tuple, v: Any) -> Any:
    kind = check[0]
    t = type(v)
    if kind == "str":
        if t is str and len(v) >= check[1] and (v.isascii() or not _SURROGATE.search(v)):
            return v
    elif kind == "lit":
        if t is str and v in check[1]:
            return v
    elif kind == "float":
        if (t is float or t is int) and v == v:
            try:
                f = float(v)
            except OverflowError:
                raise _UNSURE from None
            gt, ge = check[1], check[2]
            if f not in (_INF, _NINF) and (gt is None or f > gt) and (ge is None or f >= ge):
                return f
    elif kind == "model":
        return _model(check[1], v)
    elif kind == "list":
        if t is list and len(v) >= check[2]:
            item = check[1]
            return [_value(item, x) for x in v]
    elif kind == "int":
        if check[3] and t is float and v.is_integer():
            v, t = int(v), int
        if t is int and (check[1] is None or v >= check[1]) and (check[2] is None or v <= check[2]):
            return v
    elif kind == "bool":
        if t is bool:
            return v
    elif kind == "date":
        if t is str and len(v) == 10 and _DATE.fullmatch(v):
            try:
                return _date(v)
            except ValueError:
                pass
    elif kind == "union":
        for choice in check[1]:
            try:
                return _value(choice, v)
            except _Unsure:
                _UNSURE.__traceback__ = None
                continue
    raise _UNSURE


def _model(name: str, v: Any) -> Any:
    if type(v) is not dict:
        raise _UNSURE
    fields, after, names = _MODELS[name]
    if not names.issuperset(v):  # an unknown field (or a key that is not a string)
        raise _UNSURE
    args = []
    for fname, check, required, default, factory in fields:
        x = v.get(fname, _ABSENT)
        if x is _ABSENT:
            if required:
                raise _UNSURE
            args.append(factory() if factory is not None else default)
        else:
            args.append(_value(check, x))
    obj = _CLASSES[name](*args)
    if after is not None and not AFTER[after](obj):
        raise _UNSURE
    return obj


_ABSENT: Any = object()
_INF, _NINF = float("inf"), float("-inf")
_MODELS: dict[str, tuple] = {}
_CLASSES: dict[str, Any] = {}


def _load() -> None:
    from orderlint import _prepared_models as pm

    for name, (fields, after) in pm.TABLE.items():
        rows = tuple((f, c, req, d, list if fac == "list" else None) for f, c, req, d, fac in fields)
        _MODELS[name] = (rows, after, frozenset(f[0] for f in fields))
        _CLASSES[name] = getattr(pm, name)


def prepare(data: Any) -> Optional[Any]:
    """The validated regimen, or None when pydantic must decide (see the module's docstring)."""
    if not _MODELS:
        _load()
    try:
        return _model("Regimen", data)
    except _Unsure:
        # One shared exception object: each raise would add its frames to its traceback, keeping
        # every document's frames and data alive (memory growing with the stream). Cleared here.
        _UNSURE.__traceback__ = None
        _UNSURE.__context__ = None
        return None
    except RecursionError:
        return None


def top_fields() -> frozenset:
    """The top-level fields of a regimen document."""
    if not _MODELS:
        _load()
    return _MODELS["Regimen"][2]


# ---------------------------------------------------------------- generation (needs pydantic)


def _check_of(s: dict, models: dict, order: list) -> tuple:
    """One pydantic-core schema -> the check tuple the validator above reads."""
    t = s["type"]
    if t == "str":
        if s.get("strict") is not True or set(s) - {"type", "strict", "min_length", "metadata"}:
            raise ValueError(f"unsupported string schema {s}")
        return ("str", s.get("min_length", 0))
    if t == "literal":
        if not all(type(e) is str for e in s["expected"]):
            raise ValueError(f"unsupported literal {s}")
        return ("lit", tuple(s["expected"]))
    if t == "float":
        if s.get("strict") is not True or s.get("allow_inf_nan", True) or set(s) - {"type", "strict", "gt", "ge", "allow_inf_nan", "metadata"}:
            raise ValueError(f"unsupported float schema {s}")
        return ("float", s.get("gt"), s.get("ge"))
    if t == "bool":
        if s.get("strict") is not True:
            raise ValueError(f"unsupported bool schema {s}")
        return ("bool",)
    if t == "chain":
        steps = s["steps"]
        if (len(steps) == 2 and steps[0]["type"] == "str" and steps[0].get("strict") is True
                and steps[0].get("pattern") == r"^\d{4}-\d{2}-\d{2}$" and steps[1]["type"] == "date" and len(steps[1]) == 1):
            return ("date",)
        raise ValueError(f"unsupported chain {s}")
    if t in ("function-after", "function-before"):
        fn = s["function"]["function"]
        inner = _check_of(s["schema"], models, order)
        func = getattr(fn, "func", fn)
        kw = getattr(fn, "keywords", {})
        if inner[0] == "int" and func.__name__ == "greater_than_or_equal_validator" and set(kw) == {"ge"}:
            return ("int", kw["ge"] if inner[1] is None else max(inner[1], kw["ge"]), inner[2], inner[3])
        if inner[0] == "int" and func.__name__ == "less_than_or_equal_validator" and set(kw) == {"le"}:
            return ("int", inner[1], kw["le"] if inner[2] is None else min(inner[2], kw["le"]), inner[3])
        if inner[0] == "int" and t == "function-before" and getattr(fn, "__qualname__", "") == "_json_int":
            return ("int", inner[1], inner[2], True)
        if inner[0] == "model" and t == "function-after":
            qual = fn.__qualname__
            if qual not in AFTER:
                raise ValueError(f"model validator {qual} has no prepared condition in orderlint/prepared.py AFTER")
            models[inner[1]] = (models[inner[1]][0], qual)
            return inner
        raise ValueError(f"unsupported validator {fn!r} on {inner}")
    if t == "int":
        if s.get("strict") is not True or set(s) - {"type", "strict", "metadata"}:
            raise ValueError(f"unsupported int schema {s}")
        return ("int", None, None, False)
    if t == "union":
        choices = tuple(_check_of(c, models, order) for c in s["choices"])
        kinds = [c[0] for c in choices]
        if len(set(kinds)) != len(kinds) or set(kinds) - {"str", "model"} or s.get("mode", "smart") != "smart":
            raise ValueError(f"unsupported union {s}")  # only unions whose branches take different input types
        return ("union", choices)
    if t == "list":
        if s.get("strict") is not True or set(s) - {"type", "strict", "items_schema", "min_length", "metadata"}:
            raise ValueError(f"unsupported list schema {s}")
        return ("list", _check_of(s["items_schema"], models, order), s.get("min_length", 0))
    if t == "dataclass":
        cls = s["cls"]
        name = cls.__name__
        if name not in models:
            if s.get("config", {}).get("extra_fields_behavior") != "forbid" or s["schema"]["type"] != "dataclass-args":
                raise ValueError(f"unsupported dataclass schema for {name}")
            models[name] = ((), None)
            fields = []
            for f in s["schema"]["fields"]:
                fs = f["schema"]
                required, default, factory = True, None, None
                if fs["type"] == "default":
                    required = False
                    if "default_factory" in fs:
                        if fs["default_factory"] is not list:
                            raise ValueError(f"unsupported default factory on {name}.{f['name']}")
                        factory = "list"
                    else:
                        default = fs["default"]
                        if default is not None and type(default) not in (str, int, bool):
                            raise ValueError(f"unsupported default on {name}.{f['name']}")
                    fs = fs["schema"]
                fields.append((f["name"], _check_of(fs, models, order), required, default, factory))
            rank = {n: i for i, n in enumerate(s.get("fields", ()))}  # the class's own field order
            fields.sort(key=lambda f: rank.get(f[0], len(rank)))
            models[name] = (tuple(fields), models[name][1])
            order.append(name)
        return ("model", name)
    raise ValueError(f"unsupported schema type {t!r}")


HEADER = '''"""GENERATED by ``python -m orderlint.prepared --write`` from orderlint/model.py: do not edit.

The document models as plain slotted, immutable classes, and the table that orderlint/prepared.py
validates documents with (no pydantic import at run time).
"""

# fmt: off
from __future__ import annotations

from typing import Any

_set = object.__setattr__
'''


def generate() -> str:
    from orderlint import model

    models: dict[str, tuple] = {}
    order: list[str] = []
    root = _check_of(getattr(model.Regimen, "__pydantic_core_schema__"), models, order)
    assert root == ("model", "Regimen")
    lines = [HEADER]
    for name in order:
        fields = models[name][0]
        names = [f[0] for f in fields]
        lines.append(f"\n\nclass {name}:")
        lines.append(f"    __slots__ = {tuple(names)!r}")
        lines.append("")
        for n in names:
            lines.append(f"    {n}: Any")
        lines.append("")
        lines.append(f"    def __init__(self, {', '.join(n + ': Any' for n in names)}) -> None:")
        for n in names:
            lines.append(f"        _set(self, {n!r}, {n})")
        lines.append("")
        lines.append("    def __setattr__(self, name: str, value: Any) -> None:")
        lines.append(f"        raise AttributeError(f'{name} is immutable: cannot assign to {{name!r}}')")
        lines.append("")
        lines.append("    def __delattr__(self, name: str) -> None:")
        lines.append(f"        raise AttributeError(f'{name} is immutable: cannot delete {{name!r}}')")
        lines.append("")
        lines.append("    def _values(self) -> tuple:")
        lines.append(f"        return ({''.join(f'self.{n}, ' for n in names)})")
        lines.append("")
        lines.append("    def __eq__(self, other: object) -> bool:")
        lines.append("        return isinstance(other, self.__class__) and self._values() == other._values()")
        lines.append("")
        lines.append("    def __hash__(self) -> int:")
        lines.append("        return hash(self._values())")
        lines.append("")
        lines.append("    def __reduce__(self) -> tuple:")
        lines.append("        return (self.__class__, self._values())")
        lines.append("")
        lines.append("    def __repr__(self) -> str:")
        lines.append(f"        return '{name}(' + ', '.join(f'{{n}}={{getattr(self, n)!r}}' for n in self.__slots__) + ')'")
    lines.append("\n\n# name -> (fields: (name, check, required, default, default factory), model validator)")
    lines.append("TABLE: dict[str, tuple] = {")
    for name in order:
        fields, after = models[name]
        lines.append(f"    {name!r}: (")
        lines.append("        (")
        for f in fields:
            lines.append(f"            {f!r},")
        lines.append("        ),")
        lines.append(f"        {after!r},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    import os

    args = sys.argv[1:] if argv is None else argv
    text = generate()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_prepared_models.py")
    if args == ["--write"]:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    if args == ["--check"]:
        with open(path, encoding="utf-8") as f:
            same = f.read() == text
        print("up to date" if same else f"{path} is out of date: run python -m orderlint.prepared --write")
        return 0 if same else 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
