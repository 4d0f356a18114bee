"""lint_fhir_bulk and a failed or partial Bulk Data export (fhir.md section 1, Bulk Data;
services.md section 2, Spark): the same rows as the command line's reader (orderlint.fhir.bulk
iter_bulk) for each repro export of tests/test_bulk_incomplete.py: an OperationOutcome with an
error (in OperationOutcome.ndjson, or a manifest's error file), a manifest whose error file or
output is not in the folder, an output with no url, a file whose resources are not its manifest
`count`, a kick-off request with `_since` or a `_type` without the orders, an export with no order
at all, and a file of drugs that is not read. Before, lint_fhir_bulk ignored the manifest, and
each of these passed (or, in an export of one patient, an OperationOutcome was merged into the
patient and ignored)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'orderlint[spark]' to run the Spark tests")
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install 'orderlint[spark]' to run the Spark tests")

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

from orderlint.config import Settings  # noqa: E402
from orderlint.engine import Linter  # noqa: E402
from orderlint.fhir.bulk import NO_MEDICATIONS, iter_bulk  # noqa: E402

from test_bulk_incomplete import BASE, BULK, OO_FAILED, export, lines, manifest, untyped_export  # noqa: E402

pytestmark = pytest.mark.slow  # a local Spark session: seconds to start, seconds per job

AS_OF = "2026-03-02"
NULLS = (None,) * 10


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("orderlint-bulk-incomplete")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date.fromisoformat(AS_OF)))


def reader_rows(folder: Path, linter: Linter) -> Counter:
    """iter_bulk's results (what `orderlint check FOLDER` prints) as findings-table rows:
    document_id the patient, else the result's source (`<file>:<line>`, a file, the manifest)."""
    rows: Counter = Counter()
    for r in iter_bulk(str(folder), linter=linter):
        head = (r.patient or r.id or str(r.source), r.id, r.status)
        if not r.findings:
            rows[head + NULLS] += 1
        for f in r.findings:
            s = f.suppressed
            rows[head + (f.code, f.name, f.severity, f.message, f.order, f.pointer, f.line, f.column,
                         s is not None, None if s is None else s.reason)] += 1
    return rows


def same_rows(spark: Any, folder: Path, linter: Linter) -> Counter:
    from orderlint.spark import lint_fhir_bulk

    got = Counter(tuple(r) for r in lint_fhir_bulk(spark, str(folder), as_of=AS_OF).collect())
    want = reader_rows(folder, linter)
    assert got == want, f"only Spark: {sorted(got - want, key=str)}\nonly the reader: {sorted(want - got, key=str)}"
    return got


def errors(rows: Counter) -> list[tuple[str, str, int]]:
    return sorted((r[0], r[6], r[9]) for r in rows if r[3] == "OL001")


def outputs(**counts: int) -> list[dict[str, Any]]:
    """The manifest's outputs for the files of examples/fhir/bulk, with their counts (or those given)."""
    return [{"type": n.split(".")[0], "url": BASE + n, "count": counts.get(n.split(".")[0], len(lines(n)))}
            for n in sorted(os.listdir(BULK))]


def only_patient(folder: Path, pid: str = "bulk-a") -> None:
    """Keep one patient's lines in each file: an export of one patient."""
    for p in folder.glob("*.ndjson"):
        keep = [ln for ln in p.read_text().splitlines() if f'"{pid}"' in ln or f"Patient/{pid}" in ln]
        p.write_text("".join(ln + "\n" for ln in keep))


FAILED_MESSAGE = ("the export reports an error (exception: MedicationRequest export failed: timeout): "
                  "it is incomplete, and the patient data it lacks was not checked")


# --- the export says it failed -------------------------------------------------------------------

def test_an_operation_outcome_file_with_an_error_gives_the_readers_rows(spark, linter, tmp_path):
    # bk/oo: OperationOutcome.ndjson says the MedicationRequest export failed, and there is no
    # MedicationRequest file. Before: each patient's no-orders note did not say the export holds no
    # order at all.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    (folder / "OperationOutcome.ndjson").write_text(json.dumps(OO_FAILED) + "\n")
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(f"{folder / 'OperationOutcome.ndjson'}:1", FAILED_MESSAGE, 1)]
    notes = {r[6] for r in rows if r[3] == "OL008"}
    assert notes == {"no-orders: no medication order to check" + NO_MEDICATIONS}


def test_an_operation_outcome_error_in_an_export_of_one_patient_is_not_merged_into_the_patient(spark, linter, tmp_path):
    # Before: the OperationOutcome names no patient, so it was read as the only patient's resource
    # and ignored by the mapping: the patient was checked and the failed export passed.
    folder = export(tmp_path)
    only_patient(folder)
    (folder / "OperationOutcome.ndjson").write_text(json.dumps(OO_FAILED) + "\n")
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(f"{folder / 'OperationOutcome.ndjson'}:1", FAILED_MESSAGE, 1)]
    assert {r[0] for r in rows if r[3] != "OL001"} == {"bulk-a"}


def test_an_operation_outcome_of_information_only_is_skipped_as_the_reader_skips_it(spark, linter, tmp_path):
    # Before: in an export of several patients it was a resource that names no patient, an OL008
    # unresolved-reference row the command line does not give.
    folder = export(tmp_path)
    (folder / "OperationOutcome.ndjson").write_text(json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": "_typeFilter ignored"}]}) + "\n")
    rows = same_rows(spark, folder, linter)
    assert {r[0] for r in rows} == {"bulk-a", "bulk-b", "bulk-c"} and not errors(rows)


def test_a_manifest_error_file_is_read_and_its_error_is_an_OL001_row(spark, linter, tmp_path):
    # err_file_1.ndjson is not named by a type: only the manifest lists it. Before, it was not read.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    (folder / "err_file_1.ndjson").write_text(json.dumps(OO_FAILED) + "\n")
    manifest(folder, [{"type": n.split(".")[0], "url": BASE + n} for n in ("Patient.ndjson", "Condition.ndjson", "Observation.ndjson")],
             error=[{"type": "OperationOutcome", "url": BASE + "err_file_1.ndjson"}])
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(f"{folder / 'err_file_1.ndjson'}:1", FAILED_MESSAGE, 1)]


@pytest.mark.parametrize("key", ["error", "outcome"])  # STU 1-3 name the array `error`, STU 4 `outcome`
def test_a_manifest_error_file_not_in_the_folder_is_an_OL001_row_at_the_manifest(spark, linter, tmp_path, key):
    folder = export(tmp_path)
    manifest(folder, None, **{key: [{"type": "OperationOutcome", "url": BASE + "err_file_1.ndjson"}]})
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(str(folder / "manifest.json"),
                             f"the export manifest lists {BASE}err_file_1.ndjson, the export's error messages, which is not "
                             "in the folder: whether the export is complete is not known", 1)]
    # countSeverity says what the absent file holds: information only is not an error
    manifest(folder, None, **{key: [{"url": BASE + "err_file_1.ndjson", "countSeverity": [{"code": "information", "count": 2}]}]})
    assert not errors(same_rows(spark, folder, linter))


# --- the manifest's outputs ----------------------------------------------------------------------

def test_a_manifest_output_not_in_the_folder_is_an_OL001_row_at_the_manifest(spark, linter, tmp_path):
    # bk/noMR with a manifest that lists the MedicationRequest file: before, every patient no-orders.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    manifest(folder)
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(str(folder / "manifest.json"), f"the export manifest lists {BASE}MedicationRequest.ndjson "
                             "(MedicationRequest), which is not in the folder", 1)]


def test_a_manifest_output_with_no_url_is_an_OL001_row_at_the_manifest(spark, linter, tmp_path):
    folder = export(tmp_path)
    manifest(folder, [{"type": "MedicationRequest", "count": 3}])
    rows = same_rows(spark, folder, linter)
    assert errors(rows) == [(str(folder / "manifest.json"),
                             "the export manifest's output 1 (MedicationRequest) has no `url`: its file cannot be found", 1)]


def test_a_file_whose_resources_are_not_its_manifest_count_is_an_OL001_row_at_the_file(spark, linter, tmp_path):
    # bk/cnt2: the manifest counts 3 MedicationRequests, the file holds 1. Before: no row said so.
    folder = export(tmp_path)
    mr = folder / "MedicationRequest.ndjson"
    mr.write_text(lines("MedicationRequest.ndjson")[1] + "\n")
    manifest(folder, outputs(MedicationRequest=3))
    assert errors(same_rows(spark, folder, linter)) == [(str(mr), "MedicationRequest.ndjson holds 1 resource, but the export "
                                                         "manifest counts 3: the file is not all of the export, and what it "
                                                         "lacks was not checked", 1)]
    # more than the count; the count agreeing (no row); a file saved under its type's name, and a
    # blank line, which is no resource
    mr.write_text("\n".join(lines("MedicationRequest.ndjson")) + "\n\n")
    manifest(folder, outputs(MedicationRequest=2))
    ((_doc, message, _line),) = errors(same_rows(spark, folder, linter))
    assert message.startswith("MedicationRequest.ndjson holds 3 resources, but the export manifest counts 2")
    manifest(folder, outputs())
    assert not errors(same_rows(spark, folder, linter))
    manifest(folder, [{"type": "MedicationRequest", "url": "https://ehr.example.org/f/8f3a", "count": 4}])
    ((_doc, message, _line),) = errors(same_rows(spark, folder, linter))
    assert "holds 3 resources, but the export manifest counts 4" in message


def test_files_saved_under_their_type_names_are_counted_together(spark, linter, tmp_path):
    # Two outputs whose urls name no file here, and two unlisted MedicationRequest files: their
    # resources are counted together against the manifest's total (orderlint.fhir.bulk._export_files).
    folder = export(tmp_path)
    mr = lines("MedicationRequest.ndjson")
    (folder / "MedicationRequest.ndjson").unlink()
    (folder / "MedicationRequest.000.ndjson").write_text(mr[0] + "\n")
    (folder / "MedicationRequest.001.ndjson").write_text(mr[1] + "\n")
    manifest(folder, [{"type": "MedicationRequest", "url": "https://ehr.example.org/f/a1", "count": 2},
                      {"type": "MedicationRequest", "url": "https://ehr.example.org/f/a2", "count": 2}])
    ((doc, message, _line),) = errors(same_rows(spark, folder, linter))
    assert doc == str(folder / "MedicationRequest.000.ndjson") and message.startswith(
        "MedicationRequest.000.ndjson, MedicationRequest.001.ndjson hold 2 resources, but the export manifest counts 4")


def test_a_folder_of_only_a_manifest_whose_files_are_all_absent_gives_the_readers_rows(spark, linter, tmp_path):
    # Before: refused as "not a Bulk Data export folder" (no file named by a type), where the
    # command line says which files are missing.
    folder = tmp_path / "export"
    folder.mkdir()
    manifest(folder)
    rows = same_rows(spark, folder, linter)
    assert len(errors(rows)) == 4 and {r[0] for r in rows} == {str(folder / "manifest.json")}

def test_untyped_outputs_of_a_manifest_organized_by_patient_are_read(spark, linter, tmp_path):
    # `outputOrganizedBy`: no file is named by a type. Before: "not a Bulk Data export folder".
    folder = untyped_export(tmp_path, count=12)
    rows = same_rows(spark, folder, linter)
    assert ("bulk-a", "ILD301") in {(r[0], r[3]) for r in rows}


@pytest.mark.parametrize("request_url, says", [
    ("https://ehr.example.org/fhir/$export?_since=2026-02-01T00:00:00Z", "requested with _since=2026-02-01T00:00:00Z"),
    ("https://ehr.example.org/fhir/Group/g/$export?_type=Patient,Condition&_type=Observation",
     "requested with _type=Condition,Observation,Patient: it holds no MedicationRequest or MedicationStatement"),
])
def test_a_manifest_whose_request_asked_for_part_of_each_patient_is_an_OL001_row(spark, linter, tmp_path, request_url, says):
    folder = export(tmp_path)
    manifest(folder, None, request=request_url)
    ((doc, message, line),) = errors(same_rows(spark, folder, linter))
    assert doc == str(folder / "manifest.json") and says in message and line == 1


# --- no order at all, and drugs that are not read ------------------------------------------------

@pytest.mark.parametrize("empty", [False, True])
def test_an_export_with_no_order_at_all_says_so_in_each_no_orders_note(spark, linter, tmp_path, empty):
    # bk/noMR and bk/emptyMR, no manifest. Before: plain no-orders notes.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    if empty:
        (folder / "MedicationRequest.ndjson").write_text("")
    rows = same_rows(spark, folder, linter)
    assert sorted((r[0], r[2], r[6]) for r in rows) == [
        (p, "not-applicable", "no-orders: no medication order to check" + NO_MEDICATIONS) for p in ("bulk-a", "bulk-b", "bulk-c")]


def test_an_order_in_a_bundle_line_is_an_order_of_the_export(spark, linter, tmp_path):
    # The orders only in Bundle.ndjson: the export holds orders, no note says it holds none.
    folder = export(tmp_path, drop=("MedicationRequest.ndjson",))
    with (folder / "Bundle.ndjson").open("w") as f:
        for ln in lines("MedicationRequest.ndjson")[:1]:
            f.write(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": json.loads(ln)}]}) + "\n")
    rows = same_rows(spark, folder, linter)
    assert {r[6] for r in rows if r[3] == "OL008"} == {"no-orders: no medication order to check"}
    # and none of it at all (the Bundle holds no order): the notes say so
    (folder / "Bundle.ndjson").write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": json.loads(lines("Observation.ndjson")[0])}]}) + "\n")
    rows = same_rows(spark, folder, linter)
    assert {r[6] for r in rows if r[3] == "OL008"} == {"no-orders: no medication order to check" + NO_MEDICATIONS}


def test_a_file_of_medication_events_that_are_not_read_is_an_OL008_row(spark, linter, tmp_path):
    folder = export(tmp_path)
    path = folder / "MedicationAdministration.ndjson"
    path.write_text(json.dumps({"resourceType": "MedicationAdministration", "status": "completed",
                                "subject": {"reference": "Patient/bulk-b"}, "medicationCodeableConcept": {"text": "rituximab"}}) + "\n")
    rows = same_rows(spark, folder, linter)
    assert [(r[0], r[2], r[3]) for r in rows if r[0] == str(path)] == [(str(path), "not-applicable", "OL008")]



@pytest.mark.parametrize("to", ["MedicationRequest.NDJSON", "meds/MedicationRequest.ndjson"])
def test_an_ndjson_file_that_is_not_part_of_the_export_is_the_same_ol001_row(spark, linter, tmp_path, to):
    # Spark read the export folder only and said nothing of the file: every patient OL008 no-orders.
    from test_bulk_incomplete import _moved

    folder = export(tmp_path)
    target = _moved(folder, to)
    rows = same_rows(spark, folder, linter)
    assert [(doc, line) for doc, _m, line in errors(rows)] == [(str(target), 1)]


def test_an_export_whose_files_are_empty_is_the_same_ol001_row(spark, linter, tmp_path):
    # Spark gave no row at all, so an export that came out empty read as nothing wrong.
    folder = tmp_path / "empty"
    folder.mkdir()
    for name in ("Patient.ndjson", "MedicationRequest.ndjson"):
        (folder / name).write_text("\n")
    rows = same_rows(spark, folder, linter)
    assert [(doc, line) for doc, _m, line in errors(rows)] == [(str(folder), 1)]


def test_a_manifest_that_cannot_be_read_and_a_bz2_file_are_the_same_ol001_rows(spark, linter, tmp_path):
    folder = export(tmp_path)
    (folder / "MedicationRequest.ndjson").rename(folder / "MedicationRequest.ndjson.bz2")
    (folder / "manifest.json").write_text('{"transactionTime": "2026-03-02T00:00:00Z", "output": [')
    rows = same_rows(spark, folder, linter)
    assert [doc for doc, _m, _line in errors(rows)] == [str(folder / "MedicationRequest.ndjson.bz2"), str(folder / "manifest.json")]


def test_an_export_of_no_file_and_a_damaged_one_give_the_readers_rows(spark, linter, tmp_path):
    none = tmp_path / "none"
    none.mkdir()
    (none / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-02T00:00:00Z", "output": []}))
    assert len(errors(same_rows(spark, none, linter))) == 1
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "Patient.ndjson").write_text("")
    (damaged / "MedicationRequest.ndjson.gz").write_bytes(b"not gzip at all")
    assert [doc for doc, _m, _l in errors(same_rows(spark, damaged, linter))] == [str(damaged / "MedicationRequest.ndjson.gz")]
