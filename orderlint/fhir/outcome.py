"""What a FHIR OperationOutcome says went wrong: one reading for every front end (CDS Hooks
prefetch, Bulk Data export files, Spark), so that none of them reads an error as a pass."""
from __future__ import annotations

from typing import Any, Optional

#: Issue severities that report no error (R4 has warning and information; R5 adds success).
NOT_ERRORS = frozenset({"warning", "information", "success"})
#: Issue types that say data is missing whatever severity is given them (a truncated search or
#: export reported as a warning still lacks what it did not return): the transient ones (a timeout,
#: an exception) and the security ones (data withheld or suppressed) as well as the truncations.
INCOMPLETE_CODES = frozenset({
    "incomplete", "too-costly", "throttled",
    "transient", "lock-error", "no-store", "exception", "timeout",
    "security", "login", "unknown", "expired", "forbidden", "suppressed",
})


def as_list(v: Any) -> list:
    """A list as it is; an object where an array belongs as one item (fhir.md 2.1); anything else
    as none."""
    return v if isinstance(v, list) else [v] if isinstance(v, dict) else []


def is_next_link(link: Any) -> bool:
    """Whether a Bundle link names the next page of a search: its relation read as link relation
    types are, without regard to case or surrounding space (RFC 8288); 'Next' read as some other
    link made a paged search pass as complete."""
    rel = link.get("relation") if isinstance(link, dict) else None
    return isinstance(rel, str) and rel.strip().lower() == "next"


def error_issues(oo: dict) -> Optional[list]:
    """The issues of an OperationOutcome that report an error, else None when it reports none.

    An issue reports an error when its severity is not warning, information or success (missing or
    not a code included), when its type says data is missing (INCOMPLETE_CODES), or when it is no
    object (it cannot be read). An outcome stating no issue is an error too ([]): FHIR requires one,
    and an outcome that says nothing readable may hide an error (fail closed)."""
    issues = as_list(oo.get("issue"))
    if not issues:
        return []
    # A severity or code that is no string (a list, an object) is read as an error: no text to look up.
    bad = [i for i in issues if not isinstance(i, dict) or not isinstance(i.get("severity"), str)
           or i["severity"] not in NOT_ERRORS or (isinstance(i.get("code"), str) and i["code"] in INCOMPLETE_CODES)]
    return bad or None


def issue_text(issue: Any) -> Optional[str]:
    """An issue's diagnostics, else its details.text, else None."""
    if not isinstance(issue, dict):
        return None
    if isinstance(issue.get("diagnostics"), str):
        return issue["diagnostics"]
    details = issue.get("details")
    return details["text"] if isinstance(details, dict) and isinstance(details.get("text"), str) else None
