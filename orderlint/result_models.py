"""Pydantic models of the results (interfaces.md, Python API: typed findings as pydantic models).

The results the engine builds are plain slotted classes (orderlint.findings): one is made for every
document of a stream, where a pydantic model costs several times more. ``Finding.model()``,
``Result.model()`` and ``Report.model()`` give these validated models of the same data, for callers
that want pydantic's validation, serialization or JSON Schema (``ResultModel.model_json_schema()``).
Imported only when asked for.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SuppressionModel(_Frozen):
    """A documented waiver (or baseline entry, ``waiver`` -1) that suppressed a finding."""

    reason: str
    approved_by: str
    waiver: int = Field(ge=-1)


class FindingModel(_Frozen):
    """One problem found in one document, as the JSON report prints it."""

    code: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    name: str
    severity: Severity
    message: str
    order: Optional[str]
    pointer: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    source: str
    fix: Optional[str]
    suppressed: Optional[SuppressionModel]


class ResultModel(_Frozen):
    """The outcome for one input document (``patient``: FHIR input's patient id, else None)."""

    source: str
    id: Optional[str]
    status: Literal["checked", "not-applicable", "invalid"]
    condition: Optional[str]
    findings: list[FindingModel]
    patient: Optional[str] = None


class SummaryModel(_Frozen):
    documents: int = Field(ge=0)
    checked: int = Field(ge=0)
    not_applicable: int = Field(ge=0)
    invalid: int = Field(ge=0)
    findings: dict[Severity, int]
    suppressed: int = Field(ge=0)
    crashed: int = Field(ge=0)


class ReportModel(_Frozen):
    results: list[ResultModel]
    summary: SummaryModel
