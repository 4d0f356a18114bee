"""A Bulk Data export that failed or is partial is never a pass (fhir.md section 1, Bulk Data;
interfaces.md, exit codes: 0 only when every document was read and checked).

The Bulk Data Access IG's completion manifest: `output[]` (`type`, `url`, optional `count`, the
number of resources in the file), `error[]` (STU 1-3) or `outcome[]` (STU 4, with optional
`countSeverity`): files of OperationOutcome resources saying what went wrong. Each case is
examples/fhir/bulk with one change, as the review's repro folders (bk/oo, bk/cnt2, bk/noMR,
bk/emptyMR, bk/bundle)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir.bulk import export_paths, iter_bulk

from conftest import EXAMPLES

BULK = EXAMPLES / "fhir" / "bulk"
BASE = "https://ehr.example.org/files/"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def lines(name: str) -> list[str]:
    return [ln for ln in (BULK / name).read_text().splitlines() if ln.strip()]


def export(tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(BULK, folder)
    for name in drop:
        (folder / name).unlink()
    return folder


def manifest(folder: Path, outputs: list[dict[str, Any]] | None = None, **more: Any) -> None:
    if outputs is None:
        outputs = [{"type": n.split(".")[0], "url": BASE + n, "count": len(lines(n))} for n in sorted(os.listdir(BULK))]
    (folder / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-02T00:00:00Z", "request": "https://ehr.example.org/fhir/$export",
                                                      "requiresAccessToken": True, "output": outputs, **more}))


OO_FAILED = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception",
                                                            "diagnostics": "MedicationRequest export failed: timeout"}]}


def errors(results: list) -> list[tuple[str, str]]:
    return [(r.source, f.message) for r in results for f in r.findings if f.code == "OL001"]


def run_cli(folder: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ORDERLINT_NO_CONFIG="1", PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "checks")]))
    return subprocess.run([sys.executable, "-m", "orderlint", "check", str(folder), "--as-of", "2026-03-02"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_example_export_with_its_full_manifest_reads_as_without_one(tmp_path, linter):
    folder = export(tmp_path)
    before = [(r.patient, r.status, sorted(f.code for f in r.findings)) for r in iter_bulk(str(folder), linter=linter)]
    manifest(folder)
    after = [(r.patient, r.status, sorted(f.code for f in r.findings)) for r in iter_bulk(str(folder), linter=linter)]
    assert after == before and ("bulk-a", "checked", ["ILD301"]) in before  # the manifest adds nothing when it agrees
    assert not errors(list(iter_bulk(str(folder), linter=linter)))


# --- the export says it failed -------------------------------------------------------------------

def test_an_operation_outcome_file_with_an_error_fails_closed_without_a_manifest(tmp_path, linter):
    # bk/oo: OperationOutcome.ndjson says the MedicationRequest export failed, and there is no
    # MedicationRequest file: before, every patient was OL008 no-orders and the exit code 0.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    (folder / "OperationOutcome.ndjson").write_text(json.dumps(OO_FAILED) + "\n")
    results = list(iter_bulk(str(folder), linter=linter))
    assert errors(results) == [(f"{folder / 'OperationOutcome.ndjson'}:1",
                                "the export reports an error (exception: MedicationRequest export failed: timeout): "
                                "it is incomplete, and the patient data it lacks was not checked")]
    assert results[0].status == "invalid" and results[0].findings[0].line == 1
    done = run_cli(folder)
    assert done.returncode == 1 and "MedicationRequest export failed" in done.stdout, done.stdout + done.stderr


def test_a_manifest_error_entry_is_read_and_its_error_fails_closed(tmp_path, linter):
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    (folder / "err_file_1.ndjson").write_text(json.dumps(OO_FAILED) + "\n")
    outputs = [{"type": n.split(".")[0], "url": BASE + n} for n in ("Patient.ndjson", "Condition.ndjson", "Observation.ndjson")]
    manifest(folder, outputs, error=[{"type": "OperationOutcome", "url": BASE + "err_file_1.ndjson"}])
    results = list(iter_bulk(str(folder), linter=linter))
    assert [s for s, _m in errors(results)] == [f"{folder / 'err_file_1.ndjson'}:1"]
    assert str(folder / "err_file_1.ndjson") in export_paths(str(folder))  # read with the export, not on its own


def test_a_manifest_error_or_outcome_file_that_is_not_in_the_folder_fails_closed(tmp_path, linter):
    folder = export(tmp_path)
    for key in ("error", "outcome"):  # STU 1-3 name the array `error`, STU 4 `outcome`
        manifest(folder, None, **{key: [{"type": "OperationOutcome", "url": BASE + "err_file_1.ndjson"}]})
        assert errors(list(iter_bulk(str(folder), linter=linter))) == [(
            str(folder / "manifest.json"),
            f"the export manifest lists {BASE}err_file_1.ndjson, the export's error messages, which is not in the folder: "
            "whether the export is complete is not known")]
    # countSeverity says what the absent file holds: information only is not an error
    manifest(folder, None, outcome=[{"url": BASE + "err_file_1.ndjson", "countSeverity": [{"code": "information", "count": 2}]}])
    assert not errors(list(iter_bulk(str(folder), linter=linter)))
    manifest(folder, None, outcome=[{"url": BASE + "err_file_1.ndjson", "countSeverity": [{"code": "fatal", "count": 1}]}])
    assert len(errors(list(iter_bulk(str(folder), linter=linter)))) == 1


def test_an_operation_outcome_of_warnings_or_information_is_not_an_error(tmp_path, linter):
    folder = export(tmp_path)
    (folder / "OperationOutcome.ndjson").write_text(json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": "_typeFilter ignored"},
        {"severity": "warning", "code": "not-supported", "diagnostics": "Prefer: handling=lenient"}]}) + "\n")
    results = list(iter_bulk(str(folder), linter=linter))
    assert not errors(results) and [r.patient for r in results] == ["bulk-a", "bulk-b", "bulk-c"]


@pytest.mark.parametrize("issues, says", [
    ([{"severity": "fatal", "code": "timeout"}], "timeout"),
    ([{"code": "exception", "details": {"text": "disk full"}}], "exception: disk full"),  # no severity: an error
    ([], "an OperationOutcome with no issue"),
])
def test_fatal_unknown_or_empty_operation_outcomes_fail_closed(tmp_path, linter, issues, says):
    folder = export(tmp_path)
    (folder / "OperationOutcome.ndjson").write_text(json.dumps({"resourceType": "OperationOutcome", "issue": issues}) + "\n")
    ((_source, message),) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert f"the export reports an error ({says})" in message


# --- the manifest's count -----------------------------------------------------------------------

def test_a_file_with_fewer_resources_than_its_manifest_count_fails_closed(tmp_path, linter):
    # bk/cnt2: the manifest counts 3 MedicationRequests, the file holds 1 (the cyclophosphamide
    # order is missing): before, exit 0.
    folder = export(tmp_path)
    (folder / "MedicationRequest.ndjson").write_text(lines("MedicationRequest.ndjson")[1] + "\n")
    manifest(folder, [{"type": n.split(".")[0], "url": BASE + n, "count": 3 if n.startswith("Med") else len(lines(n))}
                      for n in sorted(os.listdir(BULK))])
    results = list(iter_bulk(str(folder), linter=linter))
    assert errors(results) == [(str(folder / "MedicationRequest.ndjson"),
                                "MedicationRequest.ndjson holds 1 resource, but the export manifest counts 3: the file is not "
                                "all of the export, and what it lacks was not checked")]
    done = run_cli(folder)
    assert done.returncode == 1 and "the export manifest counts 3" in done.stdout


def test_a_file_with_more_resources_than_its_manifest_count_fails_closed(tmp_path, linter):
    folder = export(tmp_path)
    manifest(folder, [{"type": n.split(".")[0], "url": BASE + n, "count": 2 if n.startswith("Med") else len(lines(n))}
                      for n in sorted(os.listdir(BULK))])
    ((_source, message),) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert message.startswith("MedicationRequest.ndjson holds 3 resources, but the export manifest counts 2")


def test_a_count_is_checked_for_a_file_saved_under_its_type_name(tmp_path, linter):
    folder = export(tmp_path)
    (folder / "MedicationRequest.ndjson").write_text(lines("MedicationRequest.ndjson")[1] + "\n")
    manifest(folder, [{"type": "MedicationRequest", "url": "https://ehr.example.org/f/8f3a", "count": 3}])
    ((_source, message),) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert "holds 1 resource, but the export manifest counts 3" in message


# --- files the manifest lists that are absent, and no manifest --------------------------------

def test_a_manifest_output_absent_from_the_folder_fails_the_command_line(tmp_path):
    # bk/noMR with a manifest that lists the MedicationRequest file
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    manifest(folder)
    done = run_cli(folder)
    assert done.returncode == 1 and "MedicationRequest.ndjson (MedicationRequest), which is not in the folder" in done.stdout


@pytest.mark.parametrize("empty", [False, True])
def test_without_a_manifest_an_export_with_no_order_at_all_says_so(tmp_path, linter, empty):
    # bk/noMR and bk/emptyMR: with no manifest, an export that left the orders out cannot be told
    # from patients with none: still OL008 no-orders, but each says the export holds no order at all.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    if empty:
        (folder / "MedicationRequest.ndjson").write_text("")
    results = list(iter_bulk(str(folder), linter=linter))
    assert [(r.patient, r.status) for r in results] == [("bulk-a", "not-applicable"), ("bulk-b", "not-applicable"), ("bulk-c", "not-applicable")]
    for r in results:
        (note,) = [f for f in r.findings if f.code == "OL008"]
        assert note.message == ("no-orders: no medication order to check (the export holds no MedicationRequest or "
                                "MedicationStatement at all: an export that left them out cannot be told from patients with none)")


def test_a_patient_with_no_order_in_an_export_with_orders_is_a_plain_no_orders(tmp_path, linter):
    folder = export(tmp_path)
    (folder / "MedicationRequest.ndjson").write_text(lines("MedicationRequest.ndjson")[0] + "\n")
    notes = [f.message for r in iter_bulk(str(folder), linter=linter) for f in r.findings if f.code == "OL008"]
    assert notes == ["no-orders: no medication order to check"] * 2


# --- Bundles and files of types that are not read -------------------------------------------

def test_a_bundle_file_of_one_patient_per_line_is_read(tmp_path, linter):
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    with (folder / "Bundle.ndjson").open("w") as f:
        for ln in lines("MedicationRequest.ndjson"):
            r = json.loads(ln)
            f.write(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r}]}) + "\n")
    results = list(iter_bulk(str(folder), linter=linter))
    a = next(r for r in results if r.patient == "bulk-a")
    (ild301,) = [f for f in a.findings if f.code == "ILD301"]
    assert ild301.file == str(folder / "Bundle.ndjson") and ild301.line == 1 and ild301.pointer.startswith("/entry/0/resource")
    assert not errors(results)


def test_a_bundle_file_of_several_patients_fails_closed(tmp_path, linter):
    # bk/bundle: one Bundle line holds the three patients' MedicationRequests: before, it was
    # skipped (Bundle was not a type read) and every patient was no-orders, exit 0.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson", "Observation.ndjson"))
    (folder / "Bundle.ndjson").write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": json.loads(ln)} for ln in lines("MedicationRequest.ndjson")]}) + "\n")
    ((source, message),) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert source == f"{folder / 'Bundle.ndjson'}:1" and message == (
        "Bundle (no id) names several patients (a Bundle line of an export is read as one patient's) and holds 3 "
        "medication resources (the export holds several patients): it was not checked")
    assert run_cli(folder).returncode == 1


def test_a_bundle_with_a_patient_by_urn_uuid_is_that_patients(tmp_path, linter):
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    mr = json.loads(lines("MedicationRequest.ndjson")[0])
    mr["subject"] = {"reference": "urn:uuid:0b5e-a"}
    (folder / "Bundle.ndjson").write_text(json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:0b5e-a", "resource": json.loads(lines("Patient.ndjson")[0])}, {"resource": mr}]}) + "\n")
    a = next(r for r in iter_bulk(str(folder), linter=linter) if r.patient == "bulk-a")
    assert "ILD301" in [f.code for f in a.findings]


def test_a_file_of_medication_events_that_are_not_read_is_said(tmp_path, linter):
    folder = export(tmp_path)
    (folder / "MedicationAdministration.ndjson").write_text(json.dumps({
        "resourceType": "MedicationAdministration", "status": "completed", "subject": {"reference": "Patient/bulk-b"},
        "medicationCodeableConcept": {"text": "rituximab"}}) + "\n")
    results = list(iter_bulk(str(folder), linter=linter))
    notes = [(r.source, r.status, f.message) for r in results for f in r.findings
             if f.code == "OL008" and "unsupported-resource" in f.message]
    assert notes == [(str(folder / "MedicationAdministration.ndjson"), "not-applicable",
                      "unsupported-resource: MedicationAdministration.ndjson is not read (a Bulk Data export is read for "
                      "its MedicationRequests and MedicationStatements): the drugs it records are not checked")]


def untyped_export(tmp_path: Path, count: int | None = None) -> Path:
    """The example export as one file of several types, listed by a manifest organized by patient
    (`outputOrganizedBy`: its output has no `type`)."""
    folder = tmp_path / "export"
    folder.mkdir()
    with (folder / "file_1.ndjson").open("w") as f:
        for n in ("Patient.ndjson", "Condition.ndjson", "Observation.ndjson", "MedicationRequest.ndjson"):
            for ln in lines(n):
                f.write(ln + "\n")
    output: dict[str, Any] = {"url": BASE + "file_1.ndjson"}
    if count is not None:
        output["count"] = count
    manifest(folder, [output], outputOrganizedBy="Patient")
    return folder


def test_untyped_outputs_of_a_manifest_organized_by_patient_are_read(tmp_path, linter):
    # `outputOrganizedBy`: output entries have no `type`, each file holds several types. Before,
    # they were dropped from the manifest's outputs and never read.
    folder = untyped_export(tmp_path)
    results = list(iter_bulk(str(folder), linter=linter))
    assert [r.patient for r in results] == ["bulk-a", "bulk-b", "bulk-c"]
    assert "ILD301" in [f.code for f in results[0].findings]
    assert export_paths(str(folder)) == [str(folder / "file_1.ndjson"), str(folder / "manifest.json")]


def test_a_manifest_output_with_no_url_fails_closed(tmp_path, linter):
    folder = export(tmp_path)
    manifest(folder, [{"type": "MedicationRequest", "count": 3}])
    assert errors(list(iter_bulk(str(folder), linter=linter))) == [(
        str(folder / "manifest.json"), "the export manifest's output 1 (MedicationRequest) has no `url`: its file cannot be found")]


def test_an_operation_outcome_line_that_names_no_patient_is_an_error_where_unused_results_are_made(linter):
    # orderlint.spark keys every line of the files it reads; an OperationOutcome names no patient
    from orderlint.fhir.bulk import unused_result

    r = unused_result(linter, "OperationOutcome.ndjson", 1, json.dumps(OO_FAILED))
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    ok = {"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]}
    assert unused_result(linter, "OperationOutcome.ndjson", 1, json.dumps(ok)).status == "not-applicable"


@pytest.mark.parametrize("request_url, says", [
    ("https://ehr.example.org/fhir/$export?_since=2026-02-01T00:00:00Z", "requested with _since=2026-02-01T00:00:00Z"),
    ("https://ehr.example.org/fhir/Group/g/$export?_type=Patient,Condition&_type=Observation",
     "requested with _type=Condition,Observation,Patient: it holds no MedicationRequest or MedicationStatement"),
    # A filter on the orders keeps only those it matches (the cyclophosphamide order of a patient
    # left out by status=completed passed ILD301); _elements keeps only some elements of each resource.
    ("https://ehr.example.org/fhir/$export?_typeFilter=MedicationRequest%3Fstatus%3Dcompleted",
     "requested with _typeFilter=MedicationRequest?status=completed: it holds only the orders that match"),
    ("https://ehr.example.org/fhir/$export?_typeFilter=Observation%3Fcategory%3Dlaboratory,MedicationStatement%3Fstatus%3Dactive",
     "requested with _typeFilter=MedicationStatement?status=active"),
    ("https://ehr.example.org/fhir/$export?_type=Patient,Condition,MedicationStatement",
     "it holds no MedicationRequest, so the patients' orders were not checked"),
    ("https://ehr.example.org/fhir/$export?_elements=id,medicationCodeableConcept",
     "requested with _elements=id,medicationCodeableConcept: each resource holds only those elements"),
])
def test_a_manifest_whose_request_asked_for_part_of_each_patient_fails_closed(tmp_path, linter, request_url, says):
    # An incremental (`_since`) export lacks each patient's older orders; one whose `_type` leaves
    # the orders out lacks all: every patient would look checked while its regimen is not whole.
    folder = export(tmp_path)
    manifest(folder, None, request=request_url)
    ((source, message),) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert source == str(folder / "manifest.json") and says in message


@pytest.mark.parametrize("query", [
    "_type=Patient,Condition,Observation,MedicationRequest",
    # a filter on other types only leaves out data whose absence checks more (fewer results)
    "_type=Patient,Condition,Observation,MedicationRequest&_typeFilter=Observation%3Fcategory%3Dlaboratory",
])
def test_a_manifest_whose_request_asks_for_the_orders_is_not_partial(tmp_path, linter, query):
    folder = export(tmp_path)
    manifest(folder, None, request=f"https://ehr.example.org/fhir/$export?{query}")
    assert not errors(list(iter_bulk(str(folder), linter=linter)))


def test_the_sites_look_back_windows_reach_the_mapping(tmp_path, monkeypatch):
    # A ServiceRequest older than its test's look-back window is no ordered test (fhir.md 2.4, read
    # with regimen-format.md's windows): the site's windows, not the defaults, must decide that here
    # too (the export reader called map_fhir without them).
    import orderlint.fhir.mapping as mapping

    seen: list[Any] = []
    real = mapping.map_fhir

    def spy(*a: Any, **kw: Any) -> Any:
        seen.append(kw.get("lookback"))
        return real(*a, **kw)

    monkeypatch.setattr(mapping, "map_fhir", spy)
    site = Linter(Settings(as_of=dt.date(2026, 3, 2), lookback_days={"pregnancy": 30}))
    list(iter_bulk(str(BULK), linter=site))
    assert seen and all(lb is site._lookback and lb["pregnancy"] == 30 for lb in seen)


# --- NDJSON files under the export folder that are not part of it ----------------------------------

def _moved(folder: Path, to: str) -> Path:
    """The export with its MedicationRequest file moved to ``to`` (a name, or a path below it)."""
    target = folder / to
    target.parent.mkdir(parents=True, exist_ok=True)
    (folder / "MedicationRequest.ndjson").rename(target)
    return target


STRAYS = ["MedicationRequest.NDJSON", ".MedicationRequest.ndjson", "MedicationOrder.ndjson", "meds.ndjson.gz",
          "meds/MedicationRequest.ndjson", ".incoming/MedicationRequest.ndjson"]


@pytest.mark.parametrize("to", STRAYS)
def test_an_ndjson_file_of_the_export_folder_that_is_not_read_fails_closed(tmp_path, linter, to):
    # Left out of the export, bulk-a's cyclophosphamide went unchecked: every patient OL008 no-orders
    # (info), exit 0 through Spark, which reads the export folder only.
    folder = export(tmp_path)
    target = _moved(folder, to)
    results = list(iter_bulk(str(folder), linter=linter))
    (got,) = errors(results)
    assert got[0] == str(target) and got[1].startswith(f"{to} is not read as part of the Bulk Data export")
    assert ("below the export's" in got[1]) == ("/" in to)


def test_a_file_the_manifest_lists_is_read_and_one_it_does_not_list_fails_closed(tmp_path, linter):
    folder = export(tmp_path)
    _moved(folder, "1.MedicationRequest.ndjson")
    listed = [{"type": n.split(".")[0], "url": BASE + n} for n in ("Patient.ndjson", "Condition.ndjson", "Observation.ndjson")]
    manifest(folder, listed + [{"type": "MedicationRequest", "url": BASE + "1.MedicationRequest.ndjson"}])
    results = list(iter_bulk(str(folder), linter=linter))
    assert not errors(results) and any(f.code == "ILD301" for r in results for f in r.findings)
    manifest(folder, listed)
    (got,) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert got[0] == str(folder / "1.MedicationRequest.ndjson") and "the export manifest does not list it" in got[1]


def test_other_files_of_the_export_folder_are_no_stray(tmp_path, linter):
    folder = export(tmp_path)
    (folder / "README.txt").write_text("export of 2026-03-02\n")
    (folder / "notes").mkdir()
    (folder / "notes" / "a.json").write_text("{}\n")
    assert not errors(list(iter_bulk(str(folder), linter=linter)))


@pytest.mark.parametrize("name, suffix", [
    ("MedicationRequest.ndjson.bz2", "bz2"), ("MedicationRequest.ndjson.xz", "xz"), ("MedicationRequest.ndjson.zst", "zst"),
    ("MedicationRequest.ndjson.zip", "zip"), ("MedicationRequest.ndjson.BZ2", "bz2"), ("MedicationRequest.ndjson.tar.gz", "tar.gz"),
    ("MedicationRequest.zip", "zip"), ("MedicationRequest.000.7z", "7z"), ("meds.ndjson.zst", "zst"),
])
def test_an_export_file_compressed_in_a_form_that_is_not_read_fails_closed(tmp_path, linter, name, suffix):
    # interfaces.md 2nd ed.: "Nothing is silently skipped."
    # Skipped by its name, MedicationRequest.ndjson.bz2 left bulk-a's cyclophosphamide unchecked:
    # every patient OL008 no-orders (info), exit 0.
    folder = export(tmp_path)
    target = _moved(folder, name)
    (got,) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert got[0] == str(target) and f"it is compressed as .{suffix}, which orderlint does not read" in got[1]


@pytest.mark.parametrize("name, why", [
    ("MedicationRequest.ndjson.bz2.gz", "does not end in .ndjson or .ndjson.gz"),
    ("MedicationRequest.ndjson.part", "does not end in .ndjson or .ndjson.gz"),
    ("MedicationRequest.ndjson.1", "does not end in .ndjson or .ndjson.gz"),
    ("MedicationRequest", "does not end in .ndjson or .ndjson.gz"),
    ("MedicationRequest.gz", "does not end in .ndjson or .ndjson.gz"),
])
def test_an_export_file_renamed_or_cut_short_fails_closed(tmp_path, linter, name, why):
    # Its name matched none of the export's patterns, so it was skipped: every patient no-orders, exit 0.
    folder = export(tmp_path)
    target = _moved(folder, name)
    (got,) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert got[0] == str(target) and why in got[1]


@pytest.mark.parametrize("name", ["Patient.ndjson.md5", "Patient.ndjson.bak", ".MedicationRequest.ndjson.crc", "notes.zip",
                                  "export-log.tar.gz", "Patient.ndjson.sha256"])
def test_sidecars_and_other_archives_of_the_export_folder_are_no_stray(tmp_path, linter, name):
    folder = export(tmp_path)
    (folder / name).write_bytes(b"x")
    assert not errors(list(iter_bulk(str(folder), linter=linter)))


def test_an_export_file_compressed_as_gzip_is_read(tmp_path, linter):
    import gzip

    folder = export(tmp_path)
    raw = (folder / "MedicationRequest.ndjson").read_bytes()
    (folder / "MedicationRequest.ndjson").unlink()
    (folder / "MedicationRequest.ndjson.gz").write_bytes(gzip.compress(raw))
    results = list(iter_bulk(str(folder), linter=linter))
    assert not errors(results) and any(f.code == "ILD301" for r in results for f in r.findings)


@pytest.mark.parametrize("text, why", [
    ('{"transactionTime": "2026-03-02T00:00:00Z", "output": [{"type": "Patient", "url": "x"}', "it is not valid JSON"),
    ('{"output": []}', "it has no `transactionTime` and `output` array"),
    ('[]', "it has no `transactionTime` and `output` array"),
])
def test_a_manifest_that_cannot_be_read_is_said_by_the_export_and_the_api(tmp_path, linter, text, why):
    # Read as no manifest, the files it lists went unchecked without a word (the API and Spark): a
    # listed MedicationRequest file missing from the folder was no finding.
    from orderlint import lint_all

    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    (folder / "manifest.json").write_text(text)
    want = f"the export's manifest.json cannot be read as a Bulk Data export manifest ({why})"
    for results in (list(iter_bulk(str(folder), linter=linter)), lint_all(folder, config=Settings(as_of=dt.date(2026, 3, 2)))):
        assert [(s, m[:len(want)]) for s, m in errors(results)] == [(str(folder / "manifest.json"), want)]
    out = run_cli(folder)
    assert out.returncode == 1 and out.stdout.count("OL001") == 1, out.stdout


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_an_export_whose_files_are_empty_is_ol001(tmp_path, linter, content):
    # interfaces.md 2nd ed., exit 0: "every document was read and checked".
    # It added nothing, and beside a clean document the run exited 0.
    folder = tmp_path / "empty"
    folder.mkdir()
    for name in ("Patient.ndjson", "MedicationRequest.ndjson"):
        (folder / name).write_bytes(content)
    (got,) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert got == (str(folder), f"the Bulk Data export {str(folder)!r} holds no resource (its files are empty): nothing was "
                                "checked, and an export that came out empty is not a pass")
    from orderlint.fhir.bulk import holds_nothing

    assert holds_nothing([str(folder / "Patient.ndjson")]) and not holds_nothing([str(BULK / "Patient.ndjson")])


def test_an_export_with_no_file_or_only_empty_files_of_any_type_is_ol001(tmp_path, linter):
    # A manifest whose output is empty gave no result at all (the API, Spark); empty files beside an
    # empty MedicationAdministration file gave only its OL008 note, exit 0.
    none = tmp_path / "none"
    none.mkdir()
    (none / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-02T00:00:00Z", "output": []}))
    assert [m for _s, m in errors(list(iter_bulk(str(none), linter=linter)))] == [
        f"the Bulk Data export {str(none)!r} holds no resource (its files are empty): nothing was checked, and an "
        "export that came out empty is not a pass"]
    unread = tmp_path / "unread"
    unread.mkdir()
    for name in ("Patient.ndjson", "MedicationRequest.ndjson", "MedicationAdministration.ndjson"):
        (unread / name).write_text("")
    assert len(errors(list(iter_bulk(str(unread), linter=linter)))) == 1


def test_a_damaged_file_is_said_and_the_export_is_not_called_empty(tmp_path, linter):
    folder = tmp_path / "damaged"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text("")
    (folder / "MedicationRequest.ndjson.gz").write_bytes(b"not gzip at all")
    (got,) = errors(list(iter_bulk(str(folder), linter=linter)))
    assert got[0] == str(folder / "MedicationRequest.ndjson.gz") and "holds no resource" not in got[1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_manifest_that_is_a_named_pipe_is_said_not_waited_on(tmp_path, linter):
    # Opened to be read as a manifest, a pipe with no writer held the run forever.
    folder = export(tmp_path)
    os.mkfifo(folder / "manifest.json")
    assert [m[:80] for _s, m in errors(list(iter_bulk(str(folder), linter=linter)))] == [
        "the export's manifest.json cannot be read as a Bulk Data export manifest (it is not a regular file)"[:80]]


# --- outputs saved under one name ------------------------------------------------------------------

@pytest.mark.parametrize("counts", [False, True])
def test_two_outputs_saved_under_one_file_name_are_ol001(tmp_path, linter, counts):
    # part-1/ and part-2/MedicationRequest.ndjson: the folder holds one; the other's orders (a
    # cyclophosphamide without prophylaxis) were left out, and each patient said no-orders (info).
    folder = export(tmp_path)
    n = len(lines("MedicationRequest.ndjson"))
    outputs = [{"type": t.split(".")[0], "url": BASE + t, **({"count": len(lines(t))} if counts else {})}
               for t in ("Patient.ndjson", "Condition.ndjson", "Observation.ndjson")]
    outputs += [{"type": "MedicationRequest", "url": f"{BASE}part-{i}/MedicationRequest.ndjson", **({"count": n} if counts else {})}
                for i in (1, 2)]
    manifest(folder, outputs)
    said = errors(list(iter_bulk(str(folder), linter=linter)))
    assert [m for _s, m in said] == [
        f"the export manifest lists {BASE}part-1/MedicationRequest.ndjson and {BASE}part-2/MedicationRequest.ndjson, which "
        "are saved under one file name MedicationRequest.ndjson: the folder can hold only one of them, so the export is "
        "incomplete"]
    assert run_cli(folder).returncode == 1


def test_one_output_listed_twice_is_no_clash(tmp_path, linter):
    folder = export(tmp_path)
    manifest(folder)
    before = [(r.patient, r.status, sorted(f.code for f in r.findings)) for r in iter_bulk(str(folder), linter=linter)]
    data = json.loads((folder / "manifest.json").read_text())
    data["output"].append(dict(data["output"][0]))  # the same url twice: one file, listed twice
    (folder / "manifest.json").write_text(json.dumps(data))
    after = list(iter_bulk(str(folder), linter=linter))
    assert not [m for _s, m in errors(after) if "one file name" in m]
    assert [(r.patient, r.status, sorted(f.code for f in r.findings)) for r in after if r.patient] == \
        [b for b in before if b[0]]


def test_outputs_of_one_url_name_the_folder_does_not_hold_are_matched_by_type(tmp_path, linter):
    # `download?file=0` to `file=3`: one url name, none of them in the folder, which holds the files by
    # type name. Read as clashing, a complete export was OL001 three times.
    folder = export(tmp_path)
    outputs = [{"type": n.split(".")[0], "url": f"https://ehr.example.org/download?file={i}", "count": len(lines(n))}
               for i, n in enumerate(sorted(os.listdir(BULK)))]
    manifest(folder, outputs)
    assert not errors(list(iter_bulk(str(folder), linter=linter)))


def _cli_codes(*args: str) -> tuple[int, list[str]]:
    from conftest import run_cli as run_in_process

    r = run_in_process("check", *args, "--as-of", "2026-03-02", "--format", "json")
    return r.exit_code, sorted(f["code"] for res in json.loads(r.stdout)["results"] for f in res["findings"])


@pytest.mark.parametrize("rename", [lambda n: f"1.{n}", lambda n: n.replace(".ndjson", ".jsonl")], ids=["numbered", "jsonl"])
def test_an_export_saved_with_other_file_names_is_read_as_one_export(tmp_path, rename):
    # Saved as the SMART reference client names them (1.Patient.ndjson), or as .jsonl, the export's
    # files were read line by line, each resource on its own: every order checked alone.
    folder = export(tmp_path)
    expected = _cli_codes(str(folder))
    for n in os.listdir(folder):
        (folder / n).rename(folder / rename(n))
    assert _cli_codes(str(folder)) == expected and "ILD301" in expected[1]


def test_an_export_file_named_with_a_doubled_slash_stands_for_its_export(tmp_path):
    folder = export(tmp_path)
    expected = _cli_codes(str(folder / "MedicationRequest.ndjson"))
    assert _cli_codes(f"{folder}//MedicationRequest.ndjson") == expected and "ILD301" in expected[1]


def test_a_file_name_or_patient_id_that_is_not_valid_unicode_is_no_internal_error(tmp_path):
    # A file name that is not UTF-8, or a patient id with an escaped lone surrogate: the insert into
    # the grouping database failed, an internal error (exit 2) that lost the other inputs' report.
    folder = export(tmp_path)
    odd = os.fsdecode(b"Observation.caf\xe9.ndjson")
    (folder / "Observation.ndjson").rename(folder / odd)
    code, found = _cli_codes(str(folder))
    assert code == 1 and "ILD301" in found
    sur = export(tmp_path / "sur")
    text = (sur / "MedicationRequest.ndjson").read_text()
    (sur / "MedicationRequest.ndjson").write_text(text.replace('"reference":"Patient/', '"reference":"Patient/\\ud800', 1)
                                                  .replace('"reference": "Patient/', '"reference": "Patient/\\ud800', 1))
    code, found = _cli_codes(str(sur))
    assert code == 1 and "OL001" in found


def test_numbered_files_stand_for_manifest_entries_whose_urls_name_no_file(tmp_path):
    # A manifest of opaque urls (Binary/a1) and the files saved as 1.Patient.ndjson: each entry was
    # "not in the folder" and each file "not part of the export", then linted line by line.
    folder = export(tmp_path)
    expected = _cli_codes(str(folder))
    outputs = []
    for i, n in enumerate(sorted(os.listdir(folder))):
        (folder / n).rename(folder / f"1.{n}")
        outputs.append({"type": n.split(".")[0], "url": f"https://ehr.example.org/fhir/Binary/a{i}", "count": len(lines(n))})
    manifest(folder, outputs)
    assert _cli_codes(str(folder)) == expected
