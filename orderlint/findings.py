"""Typed results: what every stage hands to the reporters and to API callers."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning", "info"]
Status = Literal["checked", "not-applicable", "invalid"]

#: Order of severities, most severe first; used for --fail-on and sorting.
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


class Suppression(BaseModel):
    """A documented waiver that suppressed a finding (the finding stays visible)."""

    model_config = ConfigDict(frozen=True)

    reason: str
    approved_by: str
    waiver: int  # index of the waiver in the document's `waivers`


class Finding(BaseModel):
    """One problem found in one document."""

    code: str
    name: str
    severity: Severity
    message: str
    order: Optional[str] = None
    pointer: str = ""
    line: int = 1
    column: int = 1
    source: str = ""
    fix: Optional[str] = None
    suppressed: Optional[Suppression] = None


class Result(BaseModel):
    """The outcome for one input document."""

    source: str
    id: Optional[str] = None
    status: Status
    condition: Optional[str] = None
    findings: list[Finding] = []

    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]


class Summary(BaseModel):
    documents: int = 0
    checked: int = 0
    not_applicable: int = 0
    invalid: int = 0
    findings: dict[str, int] = {"error": 0, "warning": 0, "info": 0}
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


class Report(BaseModel):
    """Results of a whole run, as returned by :func:`orderlint.lint_many`."""

    results: list[Result] = []
    summary: Summary = Summary()
