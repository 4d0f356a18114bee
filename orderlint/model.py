"""Validate stage, part 1: the regimen document as pydantic models.

These models are the hot-path form of the contract; ``schemas/regimen.schema.json``
is its published form, and ``tests/test_schema_agreement.py`` proves they agree.
Every scalar field is strict (no "500" -> 500 coercion, no bool as number) and unknown
fields are forbidden, because silently accepting less than the contract is unsafe.

They are pydantic dataclasses (slotted, frozen) rather than ``BaseModel``s: validating a
document into them costs about half as much, and rules read them the same way
(``reg.doc.orders[0].id``). Strictness is declared per field because a strict dataclass
would refuse the dicts it is validated from.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, TypeVar, Union

from pydantic import (
    BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, GetPydanticSchema, Strict, StringConstraints,
    model_validator,
)
from pydantic.dataclasses import dataclass, is_pydantic_dataclass
from pydantic.fields import FieldInfo
from pydantic_core import SchemaValidator, core_schema

from orderlint.validate import NEEDS_PATIENT

if TYPE_CHECKING:
    from pydantic.plugin._schema_validator import PluggableSchemaValidator

#: Largest integer a double holds exactly; the schema declares the same maximum.
MAX_INT = 2**53 - 1


def _json_int(v: object) -> object:
    # JSON has one number type: 3.0 is the integer 3 (as JSON Schema says); True is not a number.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


JsonInt = Annotated[int, BeforeValidator(_json_int), Strict()]
Str = Annotated[str, Strict()]
# A date is written as a string YYYY-MM-DD and checked against the calendar (2026-02-30 is
# refused) by pydantic-core, with no Python call per value; the model holds a datetime.date.
Date = Annotated[_dt.date, GetPydanticSchema(lambda _t, _h: core_schema.chain_schema([
    core_schema.str_schema(strict=True, pattern=r"^\d{4}-\d{2}-\d{2}$"),
    core_schema.date_schema(),
]))]
Text = Annotated[str, Strict(), StringConstraints(min_length=1)]
Bool = Annotated[bool, Strict()]
# allow_inf_nan=False: the API may be handed float("nan"); JSON input never gets this far with one.
Positive = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]

_T = TypeVar("_T")


class _NullRefused:
    """Validate ``Optional[T]`` as ``T``: the schema of the optional without its null branch.

    An optional field is None when it is absent (its default, which is not validated), so its type
    is ``Optional[T]`` for the code that reads it; an explicit null in the input is refused, as the
    JSON Schema refuses it. The core schema is exactly that of ``T``, so validation costs the same.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        return schema["schema"] if schema["type"] == "nullable" else schema


#: An optional field: ``name: Opt[T] = None``.
Opt = Annotated[Optional[_T], _NullRefused()]

#: Every document model: unknown fields forbidden, immutable, slotted. An optional field is
#: declared ``name: Opt[T] = None``: absent, it is None (defaults are not validated); an explicit
#: null is refused, as the schema refuses it.
_model = dataclass(config=ConfigDict(extra="forbid"), slots=True, frozen=True, kw_only=True)


def fields_of(cls: type[Any]) -> dict[str, FieldInfo]:
    """The declared fields of a document model (name -> pydantic FieldInfo)."""
    if not is_pydantic_dataclass(cls):
        raise TypeError(f"{cls!r} is not a document model")
    return cls.__pydantic_fields__


def validate_regimen(data: Any) -> Regimen:
    """Validate a parsed document; raises pydantic.ValidationError."""
    return _validate_regimen(data)


@_model
class Indication:
    condition: Text
    phase: Opt[Literal["first-line", "progression"]] = None
    rapidly_progressive: Bool = False


@_model
class Patient:
    sex: Opt[Literal["female", "male", "other", "unknown"]] = None
    age_years: Opt[NonNegative] = None
    weight_kg: Opt[Positive] = None
    height_cm: Opt[Positive] = None
    bsa_m2: Opt[Positive] = None
    reproductive_potential: Opt[Bool] = None


@_model
class Quantity:
    value: Positive
    unit: Text


@_model
class Duration:
    value: Positive
    unit: Literal["d", "wk", "mo"]


@_model
class StructuredFrequency:
    frequency: Annotated[JsonInt, Field(ge=1, le=MAX_INT)]
    period: Positive
    period_unit: Literal["d", "wk", "mo"]


@_model
class Order:
    id: Opt[Text] = None
    drug: Text
    rxcui: Opt[Str] = None
    # dose, unit, route and frequency are optional (regimen-format.md 2nd ed.): a missing one is OL003
    # on that order when a rule needs it; an explicit null is still refused (omit the field instead).
    dose: Opt[Positive] = None
    unit: Opt[Text] = None
    strength: Opt[Quantity] = None
    route: Opt[Text] = None
    frequency: Opt[Union[Text, StructuredFrequency]] = None
    duration: Opt[Duration] = None
    doses: Opt[Annotated[JsonInt, Field(ge=1, le=MAX_INT)]] = None
    start: Opt[Date] = None
    status: Literal["new", "active", "on-hold", "stopped"] = "new"
    purpose: Literal["ild", "other", "premedication"] = "ild"


@_model
class HistoryItem:
    drug: Text
    start: Opt[Date] = None
    stop: Opt[Date] = None
    outcome: Literal["progression", "intolerance", "response", "stable", "unknown"]


@_model
class TestItem:
    __test__ = False  # not a pytest class
    test: Text
    status: Literal["ordered", "resulted"]
    date: Opt[Date] = None
    result: Opt[Str] = None

    @model_validator(mode="after")
    def _resulted_needs_date(self) -> "TestItem":
        if self.status == "resulted" and self.date is None:
            raise ValueError("a resulted test needs its `date`")
        return self


@_model
class Waiver:
    # Nothing is required here: OL005 judges a bad waiver, so that it never invalidates the document.
    rule: Opt[Str] = None
    order: Opt[Str] = None
    reason: Opt[Str] = None
    approved_by: Opt[Str] = None
    # Any string: a value that is not a calendar date is OL005 on this waiver (waivers.py), never OL001.
    expires: Opt[Str] = None


@_model
class Regimen:
    orderlint: Annotated[JsonInt, Field(ge=1, le=1)] = 1
    id: Text
    kind: Literal["patient", "order-set"]
    as_of: Opt[Date] = None
    indication: Indication
    patient: Opt[Patient] = None
    orders: Annotated[list[Order], Strict(), Field(min_length=1)]
    history: Annotated[list[HistoryItem], Strict()] = Field(default_factory=list)
    tests: Annotated[list[TestItem], Strict()] = Field(default_factory=list)
    waivers: Annotated[list[Waiver], Strict()] = Field(default_factory=list)

    @model_validator(mode="after")
    def _patient_documents_need_patient(self) -> "Regimen":
        if self.kind == "patient" and self.patient is None:
            raise ValueError(NEEDS_PATIENT)
        return self


def _validator_of(cls: type[Any]) -> SchemaValidator | PluggableSchemaValidator:
    if not is_pydantic_dataclass(cls):
        raise TypeError(f"{cls!r} is not a document model")
    return cls.__pydantic_validator__


# The class's own validator, called directly: the per-document hot path has no wrapper.
_validate_regimen = _validator_of(Regimen).validate_python


# ---------------------------------------------------------------- the unchecked validator
#
# validate_regimen calls back into Python for each model validator (once per test item) and three
# times for each JsonInt: about a tenth of its time. The unchecked validator is the same core schema
# with those callbacks taken out, so that it runs in pydantic-core alone:
#  - the model validators named in UNCHECKED_MODEL_VALIDATORS are left out; orderlint/validate.py
#    checks their conditions on what it builds, and validates with validate_regimen whenever one
#    fails, so that the verdict and the messages stay validate_regimen's;
#  - a JsonInt with bounds becomes a strict int schema with the same bounds: the same values for
#    every int, while a float (3.0, which _json_int turns into 3) is refused, and then left to
#    validate_regimen.
# Every other part of the schema, and any callback it does not recognize, is kept as it is. So it
# never accepts what validate_regimen refuses (given those conditions), builds the same objects,
# and refuses a little more; its error messages are never shown.

#: The model validators the unchecked validator leaves out (validate.py checks their conditions).
UNCHECKED_MODEL_VALIDATORS = frozenset({"TestItem._resulted_needs_date", "Regimen._patient_documents_need_patient"})


def _bounded_json_int(s: Any) -> Optional[core_schema.CoreSchema]:
    """The strict int schema equal to a JsonInt with ge/le bounds for every int, or None."""
    ge: Optional[int] = None
    le: Optional[int] = None
    while s["type"] == "function-after" and set(s) <= {"type", "function", "schema", "metadata"}:
        fn = s["function"]["function"]
        kw = getattr(fn, "keywords", None)
        name = getattr(getattr(fn, "func", None), "__name__", "")
        if name == "greater_than_or_equal_validator" and kw is not None and set(kw) == {"ge"} and ge is None:
            ge = kw["ge"]
        elif name == "less_than_or_equal_validator" and kw is not None and set(kw) == {"le"} and le is None:
            le = kw["le"]
        else:
            return None
        s = s["schema"]
    if (s["type"] == "function-before" and s["function"]["function"] is _json_int and set(s) <= {"type", "function", "schema", "metadata"}
            and s["schema"] == {"type": "int", "strict": True}):
        return core_schema.int_schema(strict=True, ge=ge, le=le)
    return None


def _unchecked(s: Any, json_ints: Optional[set[str]] = None) -> Any:
    """A copy of a core schema with the callbacks described above taken out; the names of the
    fields whose JsonInt became a strict int are added to ``json_ints``."""
    if isinstance(s, list):
        return [_unchecked(x, json_ints) for x in s]
    if not isinstance(s, dict):
        return s
    t = s.get("type")
    if t == "dataclass-field" and json_ints is not None:
        inner = s["schema"]["schema"] if s["schema"]["type"] == "default" else s["schema"]
        if inner["type"] == "function-after" and _bounded_json_int(inner) is not None:
            json_ints.add(s["name"])
    if t == "function-after":
        fn = s["function"]["function"]
        if s["schema"].get("type") == "dataclass" and getattr(fn, "__qualname__", None) in UNCHECKED_MODEL_VALIDATORS:
            return _unchecked(s["schema"], json_ints)
        plain = _bounded_json_int(s)
        if plain is not None:
            return plain
    out = {k: _unchecked(v, json_ints) for k, v in s.items()}
    if t == "dataclass" and "generic_origin" not in s:
        # pydantic-core would otherwise reuse the class's own validator (callbacks included) for a
        # nested dataclass; it does not for one with a generic origin. The class itself as its
        # origin changes nothing else: an instance of it is still taken as it is.
        out["generic_origin"] = s["cls"]
    return out


def _unchecked_validator() -> tuple[Any, frozenset[str]]:
    schema = Regimen.__pydantic_core_schema__  # type: ignore[attr-defined]
    config = (schema["schema"] if schema["type"] == "function-after" else schema)["config"]
    json_ints: set[str] = set()
    return SchemaValidator(_unchecked(schema, json_ints), config).validate_python, frozenset(json_ints)


#: Regimen validation without Python callbacks (see above): raises pydantic.ValidationError; what
#: it accepts, validate_regimen accepts with the same result when, on the regimen built, no test
#: is resulted without a date and a patient document has its patient (validate.py checks both).
#: UNCHECKED_JSON_INTS names the fields where it refuses a float that validate_regimen takes.
validate_regimen_unchecked, UNCHECKED_JSON_INTS = _unchecked_validator()
