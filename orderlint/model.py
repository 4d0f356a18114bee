"""Validate stage, part 1: the regimen document as pydantic models.

These models are the hot-path form of the contract; ``schemas/regimen.schema.json``
is its published form, and ``tests/test_schema_agreement.py`` proves they agree.
Models are strict (no "500" -> 500 coercion, no bool as number) and forbid unknown
fields, because silently accepting less than the contract is unsafe.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator


def _real_date(v: str) -> str:
    _dt.date.fromisoformat(v)  # raises ValueError on 2026-02-30
    return v


#: Largest integer a double holds exactly; the schema declares the same maximum.
MAX_INT = 2**53 - 1


def _json_int(v: object) -> object:
    # JSON has one number type: 3.0 is the integer 3 (as JSON Schema says); True is not a number.
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


JsonInt = Annotated[int, BeforeValidator(_json_int)]
DateStr = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_real_date)]
Text = Annotated[str, StringConstraints(min_length=1)]
# allow_inf_nan=False: the API may be handed float("nan"); JSON input never gets this far with one.
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Indication(_Strict):
    condition: Text
    phase: Optional[Literal["first-line", "progression"]] = None
    rapidly_progressive: bool = False


class Patient(_Strict):
    sex: Optional[Literal["female", "male", "other", "unknown"]] = None
    age_years: Optional[NonNegative] = None
    weight_kg: Optional[Positive] = None
    height_cm: Optional[Positive] = None
    bsa_m2: Optional[Positive] = None
    reproductive_potential: Optional[bool] = None


class Quantity(_Strict):
    value: Positive
    unit: Text


class Duration(_Strict):
    value: Positive
    unit: Literal["d", "wk", "mo"]


class StructuredFrequency(_Strict):
    frequency: Annotated[JsonInt, Field(ge=1, le=MAX_INT)]
    period: Positive
    period_unit: Literal["d", "wk", "mo"]


class Order(_Strict):
    id: Optional[Text] = None
    drug: Text
    rxcui: Optional[str] = None
    dose: Positive
    unit: Text
    strength: Optional[Quantity] = None
    route: Text
    frequency: Union[Text, StructuredFrequency]
    duration: Optional[Duration] = None
    doses: Optional[Annotated[JsonInt, Field(ge=1, le=MAX_INT)]] = None
    start: Optional[DateStr] = None
    status: Literal["new", "active", "on-hold", "stopped"] = "new"
    purpose: Literal["ild", "other"] = "ild"


class HistoryItem(_Strict):
    drug: Text
    start: Optional[DateStr] = None
    stop: Optional[DateStr] = None
    outcome: Literal["progression", "intolerance", "response", "stable", "unknown"]


class TestItem(_Strict):
    __test__ = False  # not a pytest class
    test: Text
    status: Literal["ordered", "resulted"]
    date: Optional[DateStr] = None
    result: Optional[str] = None

    @model_validator(mode="after")
    def _resulted_needs_date(self) -> "TestItem":
        if self.status == "resulted" and self.date is None:
            raise ValueError("a resulted test needs its `date`")
        return self


class Waiver(_Strict):
    # Nothing is required here: OL005 judges a bad waiver, so that it never invalidates the document.
    rule: Optional[str] = None
    order: Optional[str] = None
    reason: Optional[str] = None
    approved_by: Optional[str] = None
    expires: Optional[DateStr] = None


class Regimen(_Strict):
    orderlint: Annotated[JsonInt, Field(ge=1, le=1)] = 1
    id: Text
    kind: Literal["patient", "order-set"]
    as_of: Optional[DateStr] = None
    indication: Indication
    patient: Optional[Patient] = None
    orders: Annotated[list[Order], Field(min_length=1)]
    history: list[HistoryItem] = Field(default_factory=list)
    tests: list[TestItem] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)

    @model_validator(mode="after")
    def _patient_documents_need_patient(self) -> "Regimen":
        if self.kind == "patient" and self.patient is None:
            raise ValueError("a `patient` document needs the `patient` object")
        return self
