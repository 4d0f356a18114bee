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
from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic.plugin._schema_validator import PluggableSchemaValidator
    from pydantic_core import SchemaValidator

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
            raise ValueError("a `patient` document needs the `patient` object")
        return self


def _validator_of(cls: type[Any]) -> SchemaValidator | PluggableSchemaValidator:
    if not is_pydantic_dataclass(cls):
        raise TypeError(f"{cls!r} is not a document model")
    return cls.__pydantic_validator__


# The class's own validator, called directly: the per-document hot path has no wrapper.
_validate_regimen = _validator_of(Regimen).validate_python
