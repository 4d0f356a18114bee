"""Review: FHIR input holding several patients never passes silently through ``orderlint.lint``;
medication orders that cannot be placed with a patient are never merely informational."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import orderlint

ROOT = Path(__file__).resolve().parent.parent
FIRES = json.loads((ROOT / "examples/fhir/ILD101-fires.bundle.json").read_text(encoding="utf-8"))
CDS = json.loads((ROOT / "examples/fhir/ILD101-fires.cds-hooks.json").read_text(encoding="utf-8"))

Subject = Callable[[str], Optional[dict]]


def _patient_entries(pid: str, tag: str, subject: Subject = lambda pid: {"reference": f"Patient/{pid}"}) -> list[dict]:
    """The ILD101-fires bundle's entries as patient ``pid``'s (ids and fullUrls made unique)."""
    out = []
    for e in copy.deepcopy(FIRES["entry"]):
        r = e["resource"]
        e["fullUrl"] = e["fullUrl"].replace("ild101-fires", tag)
        r["id"] = pid if r["resourceType"] == "Patient" else f"{r['id']}-{tag}"
        if "subject" in r:
            s = subject(pid)
            if s is None:
                del r["subject"]
            else:
                r["subject"] = s
        out.append(e)
    return out


def _bundle(entries: list[dict]) -> dict:
    return {"resourceType": "Bundle", "id": "two", "type": "collection", "entry": entries}


def _meds(entries: list[dict], keep: bool) -> list[dict]:
    return [e for e in entries if (e["resource"]["resourceType"] == "MedicationRequest") == keep]


SEVERAL = {
    "by-reference": _bundle(_patient_entries("a", "A") + _patient_entries("b", "B")),
    "by-urn-uuid": _bundle(_patient_entries("a", "A") + _patient_entries("b", "B", lambda p: {"reference": "urn:uuid:B-0"})),
    "by-absolute-url": _bundle(_patient_entries("a", "A")
                               + _patient_entries("b", "B", lambda p: {"reference": f"https://x.example/fhir/Patient/{p}"})),
    "by-versioned-reference": _bundle(_patient_entries("a", "A")
                                      + _patient_entries("b", "B", lambda p: {"reference": f"Patient/{p}/_history/2"})),
    "second-patient-without-orders": _bundle(_patient_entries("a", "A") + _meds(_patient_entries("b", "B"), False)),
    "orders-of-a-patient-not-in-the-bundle": _bundle(_patient_entries("a", "A") + _meds(_patient_entries("b", "B"), True)),
    "second-patient-by-identifier": _bundle(_patient_entries("a", "A") + _patient_entries(
        "b", "B", lambda p: {"identifier": {"system": "urn:example:mrn", "value": p}})),
    "two-patients-no-subjects": _bundle(_patient_entries("a", "A", lambda p: None) + _patient_entries("b", "B", lambda p: None)),
}


@pytest.mark.parametrize("name", sorted(SEVERAL))
def test_lint_refuses_input_with_several_patients(name: str) -> None:
    r = orderlint.lint(SEVERAL[name])
    assert r.status == "invalid"
    assert [f.code for f in r.findings] == ["OL001"]
    assert "lint_all" in r.findings[0].message


@pytest.mark.parametrize("name", sorted(SEVERAL))
def test_lint_refuses_several_patients_as_text_and_path(name: str, tmp_path: Path) -> None:
    text = json.dumps(SEVERAL[name])
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    for given in (text, text.encode("utf-8"), path):
        r = orderlint.lint(given)
        assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"], given


def test_lint_all_gives_one_result_per_patient() -> None:
    results = orderlint.lint_all(SEVERAL["by-reference"])
    assert [r.patient for r in results] == ["a", "b"]
    assert all(any(f.code == "ILD101" for f in r.findings) for r in results)


def _unplaced_orders_count(results: list[Any]) -> bool:
    """Whether some result carries a finding at warning or above (what makes the default run fail)."""
    return any(f.severity in ("error", "warning") and f.suppressed is None for r in results for f in r.findings)


def test_orders_that_name_no_patient_among_several_are_not_only_info() -> None:
    results = orderlint.lint_all(SEVERAL["two-patients-no-subjects"])
    assert _unplaced_orders_count(results)


def test_orders_placed_by_identifier_only_are_not_only_info() -> None:
    bundle = SEVERAL["second-patient-by-identifier"]
    b_orders = [f"/entry/{i}/resource" for i, e in enumerate(bundle["entry"])
                if e["resource"]["resourceType"] == "MedicationRequest" and "identifier" in e["resource"].get("subject", {})]
    assert len(b_orders) == 2
    results = orderlint.lint_all(bundle)
    about_b_orders = [f for r in results for f in r.findings if any(f.pointer.startswith(p) for p in b_orders)]
    assert about_b_orders and any(f.severity in ("error", "warning") for f in about_b_orders), about_b_orders


def _cds_with_draft_subject(reference: str) -> dict:
    c = copy.deepcopy(CDS)
    for e in c["context"]["draftOrders"]["entry"]:
        e["resource"]["subject"] = {"reference": reference}
    return c


def test_draft_orders_for_another_patient_do_not_pass() -> None:
    r = orderlint.lint(_cds_with_draft_subject("Patient/someone-else"))
    assert _unplaced_orders_count([r]) or r.status == "invalid"


@pytest.mark.slow
def test_cli_does_not_exit_0_on_unplaced_orders(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(SEVERAL["two-patients-no-subjects"]), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "orderlint", "check", str(path)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert "Traceback" not in out.stderr
    assert out.returncode != 0, out.stdout


# ------------------------------------------------------------------ malformed Bundles

MR = {"resourceType": "MedicationRequest", "id": "mtx", "status": "active", "intent": "order",
      "medicationCodeableConcept": {"text": "methotrexate"}, "subject": {"reference": "Patient/p"}}


def _fails(results: list[Any]) -> bool:
    return any(r.status == "invalid" for r in results) or _unplaced_orders_count(results)


@pytest.mark.parametrize("entry", ["oops", ["oops", 1, None]], ids=["string", "non-objects"])
def test_a_bundle_whose_entry_is_not_an_array_of_objects_is_invalid(entry: Any) -> None:
    results = orderlint.lint_all({"resourceType": "Bundle", "type": "collection", "entry": entry})
    assert _fails(results), [(r.status, [(f.code, f.message) for f in r.findings]) for r in results]


def test_a_bundle_whose_entry_is_one_object_is_not_a_pass() -> None:
    results = orderlint.lint_all({"resourceType": "Bundle", "type": "collection", "entry": {"resource": MR}})
    assert _fails(results)


def test_an_entry_resource_without_resource_type_is_not_skipped_silently() -> None:
    mr = {k: v for k, v in MR.items() if k != "resourceType"}
    results = orderlint.lint_all({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": mr}]})
    assert _fails(results), [(r.status, [(f.code, f.message) for f in r.findings]) for r in results]


def test_a_misspelt_resource_type_in_a_bundle_is_not_skipped_silently() -> None:
    mr = dict(MR, resourceType="medicationrequest")
    results = orderlint.lint_all({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": mr}]})
    assert _fails(results), [(r.status, [(f.code, f.message) for f in r.findings]) for r in results]


def test_a_misspelt_resource_type_at_the_top_is_ol001() -> None:
    r = orderlint.lint(dict(MR, resourceType="medicationrequest"))
    assert r.status == "invalid" and r.findings[0].code == "OL001"
