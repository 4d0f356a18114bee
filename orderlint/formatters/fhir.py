"""`--format fhir`: a FHIR R4 Bundle (type collection) of DetectedIssue resources, one per finding
(fhir.md section 4), written incrementally: the Bundle is opened by ``start``, each result's
entries are written as they come, and ``finish`` closes it. Plain JSON; no FHIR package needed.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, Optional, TextIO

from orderlint.fhir.r4 import FHIR_ID
from orderlint.formatters import Formatter, says_not_checked

if TYPE_CHECKING:
    from orderlint.engine import Linter
    from orderlint.findings import Finding, Result

#: fhir.md section 2.3: the default of the setting `fhir-namespace`, an identifier for the rule code
#: system (and the extensions), which need not resolve; never used as a help link.
DEFAULT_NAMESPACE = "https://orderlint.dev/fhir"
SEVERITY = {"error": "high", "warning": "moderate", "info": "low"}
#: UUIDs of entries are derived (uuid5) from source, code, pointer and message, so a report is
#: reproducible and an entry keeps its fullUrl from one run to the next.
_UUID_NS = uuid.UUID("6f1c2b1e-8f0e-5b7a-9d3c-0a1e2f3b4c5d")


def detected_issue(finding: "Finding", result: "Result", linter: Optional["Linter"]) -> dict:
    """The DetectedIssue resource of one finding. Its `reference` is the rule's help link
    (interfaces.md, Links): the site's `docs-url` anchor when set, else the rule's primary source."""
    settings = getattr(linter, "settings", None)
    ns = (getattr(settings, "fhir_namespace", None) or DEFAULT_NAMESPACE).rstrip("/")
    rule = linter.by_code.get(finding.code) if linter is not None else None
    issue: dict = {
        "resourceType": "DetectedIssue",
        "status": "final",
        "severity": SEVERITY.get(finding.severity, "low"),
        "code": {"coding": [{"system": f"{ns}/CodeSystem/rules", "code": finding.code, "display": finding.name}]},
    }
    patient = getattr(result, "patient", None)
    if patient:
        issue["patient"] = {"reference": f"Patient/{patient}"}
    elif result.id:
        issue["patient"] = {"display": result.id}  # native input: the regimen, not a FHIR Patient
    if finding.order is not None:
        if hasattr(result, "patient"):  # FHIR input: order is the id of the MedicationRequest (or MedicationStatement)
            rtype = (getattr(result, "order_types", None) or {}).get(finding.order, "MedicationRequest")
            if FHIR_ID.fullmatch(finding.order):  # an id a reference may name
                issue["implicated"] = [{"reference": f"{rtype}/{finding.order}"}]
            else:  # an order that has no id in the input: named, never a made-up reference
                issue["implicated"] = [{"display": f"{rtype} {finding.order}"}]
        else:
            issue["implicated"] = [{"display": str(finding.order)}]
    # fhir.md 4: the document's as_of (a native document's own wins over --as-of), else the run's.
    as_of = getattr(result, "as_of", None) or getattr(linter, "_as_of", None)
    if as_of is not None:
        issue["identifiedDateTime"] = as_of.isoformat()
    issue["detail"] = finding.message
    docs = getattr(settings, "docs_url", None)
    if rule is not None:
        issue["reference"] = rule.help_uri(docs)
    elif docs:  # a code no loaded rule declares: still the site's page for it
        issue["reference"] = f"{docs.rstrip('#')}#{finding.code.lower()}"
    s = finding.suppressed
    if s is not None:
        issue["mitigation"] = [{"action": {"text": f"Waived: {s.reason}"}, "author": {"display": s.approved_by}}]
    return issue


def entry_url(result: "Result", finding: "Finding", repeat: int = 0) -> str:
    """The entry's `fullUrl`: a UUID derived from source, code, pointer and message; for the
    ``repeat``-th entry with those (several patients of one Bundle, each with its OL007), also
    from the patient and the count, as a Bundle's fullUrls must be unique (FHIR bdl-7)."""
    key = "\x1f".join((result.source, finding.code, finding.pointer, finding.message))
    if repeat:
        key += f"\x1f{getattr(result, 'patient', None) or ''}\x1f{repeat}"
    return _uuid_url(key)


def _uuid_url(key: str) -> str:
    """`urn:uuid:` of the uuid5 of ``key`` in the namespace of orderlint's entries."""
    import hashlib

    # uuid5 by hand: a file name that is not UTF-8 (surrogate escapes) still gets its stable UUID.
    digest = hashlib.sha1(_UUID_NS.bytes + key.encode("utf-8", "surrogatepass")).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=5)}"


class FhirFormatter(Formatter):
    def start(self) -> None:
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self._first = True
        self._source: Optional[str] = None
        self._seen: dict[tuple[str, str, str], int] = {}  # the entries of the current source so far
        # `entry` is opened with the first DetectedIssue: FHIR JSON has no empty arrays.
        self.out.write('{"resourceType":"Bundle","type":"collection"')

    def result(self, r: "Result") -> None:
        if self.statistics:
            self.tally(r)
        if r.source != self._source:  # entries can repeat only within one source: memory stays bounded
            self._source, self._seen = r.source, {}
        if says_not_checked(r):
            # With OL007 ignored, a document no pack covers had no entry at all: the Bundle read as
            # checked and clean. An informational OperationOutcome says it was not checked.
            said = f"{r.source}: not checked: no installed rule pack for condition {r.condition!r}"
            patient = getattr(r, "patient", None)
            self._entry({"fullUrl": _uuid_url(f"not-checked\x1f{r.source}\x1f{patient or ''}"),
                         "resource": {"resourceType": "OperationOutcome",
                                      "issue": [{"severity": "information", "code": "not-supported", "diagnostics":
                                                 said + (f" (Patient/{patient})" if patient else "")}]}})
        for f in r.findings:
            key = (f.code, f.pointer, f.message)
            repeat = self._seen.get(key, 0)
            self._seen[key] = repeat + 1
            self._entry({"fullUrl": entry_url(r, f, repeat), "resource": detected_issue(f, r, self.linter)})

    def unreadable(self, message: str) -> None:
        """An OperationOutcome entry where the input stands: left out, the Bundle read as a clean
        run over fewer files."""
        self._entry({"fullUrl": _uuid_url("unreadable\x1f" + message),
                     "resource": {"resourceType": "OperationOutcome",
                                  "issue": [{"severity": "error", "code": "exception", "diagnostics": message}]}})

    def _entry(self, entry: dict) -> None:
        """One entry on a line of its own; `entry` is opened with the first (FHIR JSON has no empty arrays)."""
        self.out.write((',"entry":[\n' if self._first else ",\n") + self._dumps(entry))
        self._first = False

    def finish(self, summary: Any) -> None:
        self.out.write("}\n" if self._first else "\n]}\n")


def make(fmt: str, out: TextIO, linter: "Linter", **kw: Any) -> Formatter:
    return FhirFormatter(out, linter, fmt=fmt, **kw)
