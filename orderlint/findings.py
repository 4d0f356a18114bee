"""Typed results: what every stage hands to the reporters and to API callers.

Plain slotted classes, not pydantic models: one Result (and a Finding per problem) is built for
every document on the hot path, where a pydantic ``model_construct`` costs several times more.
Their fields come from already-validated data, so there is nothing left to validate.
``to_dict()`` gives the JSON form that the JSON and JSON Lines reports print.

A finding's line and column are computed when first read (JSON text is walked only along the
finding's pointer): a pipeline that never asks for positions never pays for them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Optional

Severity = Literal["error", "warning", "info"]
Status = Literal["checked", "not-applicable", "invalid"]

#: Rank of each severity, the most severe highest: the one ordering of severities (--fail-on, sorting).
SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True, slots=True)
class Suppression:
    """A documented waiver that suppressed a finding (the finding stays visible)."""

    reason: str
    approved_by: str
    waiver: int  # index of the waiver in the document's `waivers` (-1: a baseline entry)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "approved_by": self.approved_by, "waiver": self.waiver}


class Finding:
    """One problem found in one document."""

    __slots__ = ("code", "name", "severity", "message", "order", "pointer", "source", "fix", "suppressed",
                 "_line", "_column", "_locate")

    def __init__(
        self,
        code: str,
        name: str,
        severity: Severity,
        message: str,
        order: Optional[str] = None,
        pointer: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
        source: str = "",
        fix: Optional[str] = None,
        suppressed: Optional[Suppression] = None,
        *,
        locate: Optional[Callable[[str], tuple[int, int]]] = None,
    ) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.message = message
        self.order = order
        self.pointer = pointer
        self.source = source
        self.fix = fix
        self.suppressed = suppressed
        self._line = 1 if line is None else line
        self._column = 1 if column is None else column
        # pointer -> (line, column), called once when the position is first read.
        self._locate = locate if line is None else None

    def _position(self) -> None:
        if self._locate is not None:
            self._line, self._column = self._locate(self.pointer)
            self._locate = None

    @property
    def line(self) -> int:
        self._position()
        return self._line

    @property
    def column(self) -> int:
        self._position()
        return self._column

    def to_dict(self) -> dict[str, Any]:
        self._position()
        s = self.suppressed
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "order": self.order,
            "pointer": self.pointer,
            "line": self._line,
            "column": self._column,
            "source": self.source,
            "fix": self.fix,
            "suppressed": None if s is None else s.to_dict(),
        }

    def model(self) -> Any:
        """This finding as a validated pydantic model (orderlint.result_models.FindingModel)."""
        from orderlint.result_models import FindingModel

        return FindingModel.model_validate(self.to_dict())

    def __getstate__(self) -> tuple[Any, ...]:
        self._position()  # a pickled finding carries its position, not the document
        return tuple(getattr(self, n) for n in Finding.__slots__[:-1])

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for n, v in zip(Finding.__slots__[:-1], state):
            setattr(self, n, v)
        self._locate = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable (suppressed is set by waivers)

    def __repr__(self) -> str:
        return (f"Finding(code={self.code!r}, severity={self.severity!r}, pointer={self.pointer!r}, "
                f"line={self.line}, column={self.column}, message={self.message!r})")


#: The fix of an OL002 finding of its error tier, which marks it: its severity cannot, as a site may
#: set OL002's severity to error (every unknown co-medication then became unwaivable).
MISSPELT_FIX = ("Correct the drug name: it is likely a checked drug, so the order was not evaluated, and no waiver "
                "or baseline covers it; or map the name in the vocabulary.")


def misspelt_checked_drug(f: Finding) -> bool:
    """An OL002 finding of its error tier: the order's drug is likely a checked drug misspelt or
    among other words, and that order is not evaluated at all. No waiver covers it and no baseline
    records it: either would pass the order unchecked whatever its dose."""
    return f.code == "OL002" and f.fix == MISSPELT_FIX


@dataclass(slots=True)
class Result:
    """The outcome for one input document."""

    source: str
    id: Optional[str] = None
    status: Status = "checked"
    condition: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)
    #: The date the document was judged as of (its as_of, else the run's date); None when it was
    #: not checked. For reports that date a finding (FHIR identifiedDateTime); not in to_dict.
    as_of: Optional[datetime.date] = None

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    def locate(self) -> "Result":
        """Compute every finding's line and column now, so that the result no longer keeps its
        document (text and data) alive; for results that are collected rather than streamed."""
        for f in self.findings:
            f._position()
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "id": self.id,
            "status": self.status,
            "condition": self.condition,
            # Most results of a stream have no finding: no comprehension to set up for them.
            "findings": [f.to_dict() for f in self.findings] if self.findings else [],
        }

    def model(self) -> Any:
        """This result as a validated pydantic model (orderlint.result_models.ResultModel)."""
        from orderlint.result_models import ResultModel

        return ResultModel.model_validate(self.to_dict())


@dataclass(slots=True)
class Summary:
    documents: int = 0
    checked: int = 0
    not_applicable: int = 0
    invalid: int = 0
    findings: dict[str, int] = field(default_factory=lambda: {"error": 0, "warning": 0, "info": 0})
    suppressed: int = 0
    crashed: int = 0

    def add(self, result: Result) -> None:
        self.documents += 1
        if result.status == "checked":
            self.checked += 1
        elif result.status == "invalid":
            self.invalid += 1
        else:
            self.not_applicable += 1
        for f in result.findings:
            if f.suppressed is not None:
                self.suppressed += 1
            else:
                self.findings[f.severity] += 1
            if f.code == "OL000":
                self.crashed += 1

    def merge(self, other: "Summary") -> None:
        """Add the counts of another summary (from a worker process)."""
        self.documents += other.documents
        self.checked += other.checked
        self.not_applicable += other.not_applicable
        self.invalid += other.invalid
        for sev, n in other.findings.items():
            self.findings[sev] += n
        self.suppressed += other.suppressed
        self.crashed += other.crashed

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "checked": self.checked,
            "not_applicable": self.not_applicable,
            "invalid": self.invalid,
            "findings": dict(self.findings),
            "suppressed": self.suppressed,
            "crashed": self.crashed,
        }


@dataclass(slots=True)
class Report:
    """Results of a whole run, as returned by :func:`orderlint.lint_many`."""

    results: list[Result] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results], "summary": self.summary.to_dict()}

    def model(self) -> Any:
        """This report as a validated pydantic model (orderlint.result_models.ReportModel)."""
        from orderlint.result_models import ReportModel

        return ReportModel.model_validate(self.to_dict())
