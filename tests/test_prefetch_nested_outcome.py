"""A prefetch or export that says, one level down, that it is incomplete is never read as complete
(fhir.md section 1: missing or null is "not provided"; data the EHR could not give is not "none").

Each case takes ILD102-fires (a draft nintedanib beside an active mycophenolate in the medications
prefetch) and hides the mycophenolate behind what the EHR reports: the search that would have found
it is on a next page, failed, or was cut short, inside a collection Bundle or a batch-response.
Before, each passed (ILD102 did not fire, no OL001). The same OperationOutcome reading serves Bulk
Data exports (orderlint.fhir.outcome)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir
from orderlint.fhir.bulk import iter_bulk
from orderlint.fhir.outcome import error_issues

ROOT = Path(__file__).resolve().parent.parent
FHIR = ROOT / "examples" / "fhir"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def _request() -> dict:
    return json.loads((FHIR / "ILD102-fires.cds-hooks.json").read_text(encoding="utf-8"))


def _searchset(entries: list, **more: Any) -> dict:
    return {"resourceType": "Bundle", "type": "searchset", "entry": entries, **more}


_NEXT = [{"relation": "next", "url": "https://ehr.example.org/fhir/MedicationRequest?_page=2"}]
_FAILED = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception",
                                                         "diagnostics": "MedicationRequest query timed out"}]}


def _collection(*inner: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": b} for b in inner]}


def _batch(*entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": "batch-response", "entry": list(entries)}


@pytest.mark.parametrize("value, says", [
    (_collection(_searchset([], link=_NEXT)),
     "holds a Bundle (entry 0) that is one page of a search result (it links to a next page)"),
    (_collection(_searchset([{"resource": _FAILED, "search": {"mode": "outcome"}}])),
     "holds a Bundle (entry 0) that holds an OperationOutcome (entry 0) reporting an error (MedicationRequest query timed out)"),
    (_collection(_searchset([], total=1)), "holds a Bundle (entry 0) that holds 0 of the 1 resources its search found"),
    (_batch({"response": {"status": "500 Internal Server Error", "outcome": _FAILED}}),
     "holds a response (entry 0) with status '500 Internal Server Error': that request returned no data"),
    (_batch({"response": {"outcome": _FAILED}}), "holds a response (entry 0) with no status: that request returned no data"),
    (_batch({"resource": _searchset([]), "response": {"status": "200 OK", "outcome": {
        "resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "incomplete", "diagnostics": "limit 100"}]}}}),
     "holds a response (entry 0) whose outcome reports an error (limit 100)"),
    (_batch({"resource": _searchset([], link=_NEXT), "response": {"status": "200 OK"}}),
     "holds a Bundle (entry 0) that is one page of a search result (it links to a next page)"),
    (_batch({"response": "500"}),
     "holds a response (entry 0) that is a string, not an object: whether that request returned data is not known"),
    (_searchset([], total="1"), "holds 0 of the 1 resources its search found"),
    (_searchset([], total="some"), "gives its `total` as a string, not a count: whether it holds all its search found is not known"),
    (_searchset([], total=-1), "gives its `total` as a number, not a count: whether it holds all its search found is not known"),
], ids=["collection-next-page", "collection-outcome", "collection-total", "batch-500", "batch-no-status",
        "batch-outcome-incomplete", "batch-next-page", "batch-response-not-an-object", "total-string", "total-not-a-count", "total-negative"])
def test_an_incomplete_search_one_level_down_is_ol001(linter, value, says):
    c = _request()
    c["prefetch"]["medications"] = value
    (r,) = lint_fhir(c, linter=linter, source="t")
    assert r.status == "invalid"
    (f,) = r.findings
    assert (f.code, f.pointer) == ("OL001", "/prefetch/medications")
    assert f.message == f"prefetch `medications` {says}: the patient's data is incomplete, so the orders were not checked"


@pytest.mark.parametrize("wrap", [
    lambda b: _collection(b),
    lambda b: _batch({"resource": b, "response": {"status": "200 OK", "outcome": {
        "resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}}}),
    lambda b: {**b, "total": str(len(b["entry"]))},
], ids=["collection", "batch-response-200", "total-string-complete"])
def test_a_complete_search_one_level_down_is_read(linter, wrap):
    c = _request()
    c["prefetch"]["medications"] = wrap(c["prefetch"]["medications"])
    (r,) = lint_fhir(c, linter=linter, source="t")
    assert r.status == "checked" and "ILD102" in [f.code for f in r.findings]


@pytest.mark.parametrize("oo, errors", [
    ({"issue": [{"severity": "warning", "code": "not-supported"}]}, None),
    ({"issue": [{"severity": "information", "code": "informational"}, {"severity": "success", "code": "informational"}]}, None),
    ({"issue": {"severity": "error", "code": "exception"}}, [{"severity": "error", "code": "exception"}]),  # an object: one issue
    ({"issue": [{"severity": "warning", "code": "too-costly"}]}, [{"severity": "warning", "code": "too-costly"}]),
    ({"issue": [{"severity": "warning", "code": "processing"}, "broken"]}, ["broken"]),
    ({"issue": [{"code": "exception"}]}, [{"code": "exception"}]),
    ({"issue": []}, []),
    ({}, []),
])
def test_what_an_operation_outcome_reports_as_an_error(oo, errors):
    assert error_issues({"resourceType": "OperationOutcome", **oo}) == errors


# --- Bulk Data: the same reading (before, an export's warning `incomplete`, an unreadable issue
# beside a warning, and one issue given as an object were each read as no error or as none) ---------

BULK = ROOT / "examples" / "fhir" / "bulk"


@pytest.mark.parametrize("issue, says", [
    ([{"severity": "warning", "code": "incomplete", "diagnostics": "MedicationRequest export stopped at 1000"}],
     "incomplete: MedicationRequest export stopped at 1000"),
    ([{"severity": "warning", "code": "processing", "diagnostics": "ok"}, "broken"], "an issue that is not an object"),
    ({"severity": "error", "code": "exception", "diagnostics": "disk full"}, "exception: disk full"),
], ids=["warning-incomplete", "unreadable-issue", "issue-as-object"])
def test_an_export_outcome_read_as_every_outcome_is(tmp_path, linter, issue, says):
    folder = tmp_path / "export"
    shutil.copytree(BULK, folder)
    (folder / "OperationOutcome.ndjson").write_text(json.dumps({"resourceType": "OperationOutcome", "issue": issue}) + "\n")
    messages = [f.message for r in iter_bulk(str(folder), linter=linter) for f in r.findings if f.code == "OL001"]
    assert messages == [f"the export reports an error ({says}): it is incomplete, and the patient data it lacks was not checked"]
