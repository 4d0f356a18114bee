"""lint_fhir_bulk and resources that name no patient (fhir.md section 1, "no subject: the only
patient"): the same rows as the command line's (orderlint.fhir.bulk) for an export of one patient,
of several and of none."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'orderlint[spark]' to run the Spark tests")
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install 'orderlint[spark]' to run the Spark tests")

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

from conftest import ROOT, run_orderlint  # noqa: E402
from test_bulk_subject import hbv_of, patient_resources, write_export  # noqa: E402

AS_OF = "2026-03-02"
NULLS = (None,) * 10


def one_patient(folder: Path) -> None:
    """Patient a; her hbv screening and her rituximab order name no patient."""
    res = patient_resources("ILD402-clean", "a")
    del hbv_of(res)["subject"]
    (mr,) = [r for r in res if r["resourceType"] == "MedicationRequest"]
    del mr["subject"]
    write_export(folder, res)


def two_patients(folder: Path) -> None:
    """Patients a and b, each without hbv screening; one hbv Observation and one rituximab order
    (through a Medication, joined only for a patient) name no patient."""
    a = patient_resources("ILD402-clean", "a")
    b = patient_resources("ILD402-clean", "b")
    orphan = hbv_of(a)
    a.remove(orphan)
    b.remove(hbv_of(b))
    del orphan["subject"]
    orphan["id"] = "nobody-hbv"
    order = {"resourceType": "MedicationRequest", "id": "nobody-rtx", "status": "draft", "intent": "order",
             "medicationReference": {"reference": "Medication/m-rtx"}}
    med = {"resourceType": "Medication", "id": "m-rtx", "code": {"text": "rituximab"}}
    write_export(folder, a + b + [orphan, order, med])


def no_patient(folder: Path) -> None:
    res = [r for r in patient_resources("ILD402-clean", "a") if r["resourceType"] != "Patient"]
    for r in res:
        r.pop("subject", None)
    write_export(folder, res)


def test_the_keys_pass_stops_at_a_files_second_patient(tmp_path):
    from orderlint.spark import _BulkReader, _export_files, _prepare

    two_patients(tmp_path / "e")
    job = _prepare(None, AS_OF, (), True)
    files, _names = _export_files(str(tmp_path / "e"))
    got = {name.rsplit("/", 1)[-1]: list(_BulkReader(job, "keys")._file(fid, path, name)) for fid, path, name in files}
    assert got["Patient.ndjson"] == [("a",), ("b",)]
    assert got["MedicationRequest.ndjson"] == [("a",), ("b",)]  # the order naming no patient gives no key
    assert got["Medication.ndjson"] == []


def test_an_unused_resource_row_is_its_OL008_at_its_line(tmp_path):
    from orderlint.spark import _BulkPatient, _prepare

    job = _prepare(None, AS_OF, (), True)
    text = '{"resourceType":"Observation","id":"o","status":"final"}'
    group = [{"grp": 2, "key": "3:7", "ref": None, "fid": 3, "line": 7, "text": text, "ptr": None, "eline": None, "ecol": None}]
    (row,) = _BulkPatient(job, {3: "e/Observation.ndjson"}).rows(group)
    assert row[:4] == ("e/Observation.ndjson:7", None, "not-applicable", "OL008")
    assert row[6] == "unresolved-reference: Observation names no patient, and the export holds several patients: not used"
    assert row[8:11] == ("", 7, 1)


UNUSED_ORDERS = {
    "MedicationRequest": ('{"resourceType":"MedicationRequest","id":"mr","status":"active","intent":"order","subject":{"display":"x"}}',
                          "MedicationRequest 'mr' names no patient that can be placed (its subject is a display only; the "
                          "export holds several patients): it was not checked", "mr"),
    # A drug the patient takes that no patient is given: its checks would be skipped unseen.
    "MedicationStatement": ('{"resourceType":"MedicationStatement","id":"ms","status":"active",'
                            '"medicationCodeableConcept":{"text":"mycophenolate"}}',
                            "MedicationStatement 'ms' names no patient that can be placed (it has no subject; the "
                            "export holds several patients): it was not checked", "ms"),
}


@pytest.mark.parametrize("rtype", sorted(UNUSED_ORDERS))
def test_an_unused_order_row_is_an_OL001_at_its_line(tmp_path, rtype):
    # An order (or a drug taken) that no patient takes is never checked: an invalid row, not an OL008
    # note (fail closed).
    from orderlint.spark import _BulkPatient, _prepare

    text, message, rid = UNUSED_ORDERS[rtype]
    job = _prepare(None, AS_OF, (), True)
    group = [{"grp": 2, "key": "3:7", "ref": None, "fid": 3, "line": 7, "text": text, "ptr": None, "eline": None, "ecol": None}]
    (row,) = _BulkPatient(job, {3: f"e/{rtype}.ndjson"}).rows(group)
    assert row[:4] == (f"e/{rtype}.ndjson:7", None, "invalid", "OL001")
    assert row[6] == message
    assert (row[7], row[8:11]) == (rid, ("", 7, 1))


def cli_rows(stdout: bytes) -> Counter:
    rows: Counter = Counter()
    for line in stdout.decode().splitlines():
        r = json.loads(line)
        head = (r.get("patient") or r["id"] or r["source"], r["id"], r["status"])
        if not r["findings"]:
            rows[head + NULLS] += 1
        for f in r["findings"]:
            s = f["suppressed"]
            rows[head + (f["code"], f["name"], f["severity"], f["message"], f["order"], f["pointer"], f["line"],
                         f["column"], s is not None, None if s is None else s["reason"])] += 1
    return rows


@pytest.mark.slow  # a local Spark session
def test_spark_gives_the_command_lines_rows_for_resources_that_name_no_patient(tmp_path):
    from pyspark.sql import SparkSession

    from orderlint.spark import lint_fhir_bulk

    spark = (SparkSession.builder.master("local[2]").appName("orderlint-bulk-subject")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    got = {}
    try:
        for name, make in (("one", one_patient), ("two", two_patients), ("none", no_patient)):
            make(tmp_path / name)
            rel = os.path.relpath(tmp_path / name, ROOT)
            rows = Counter(tuple(r) for r in lint_fhir_bulk(spark, rel, as_of=AS_OF).collect())
            out = run_orderlint("check", "--format", "jsonl", "--quiet", "--as-of", AS_OF, "--input-format", "fhir", rel,
                                cwd=ROOT, timeout=300)
            assert out.returncode in (0, 1) and out.stdout, out.stderr.decode()
            assert rows == cli_rows(out.stdout), name
            got[name] = (rel, rows)
    finally:
        spark.stop()
    # one patient: the subject-less screening and order are hers (her order is checked, and clean)
    _rel, one = got["one"]
    assert {r[0] for r in one} == {"a"} and {r[2] for r in one} == {"checked"}
    assert not any(r[3] in ("ILD402", "ILD403") for r in one)
    # several: neither patient has the screening; each unnamed resource is a row at its line: the
    # Observation an OL008 note, the MedicationRequest (an order no patient takes, so never checked)
    # an invalid row with OL001 (fail closed; it was an OL008 note before)
    rel, two = got["two"]
    assert {r[0] for r in two if r[3] == "ILD402"} == {"a", "b"}
    unused = sorted(r for r in two if r[2] == "not-applicable" and r[3] == "OL008" and r[6].startswith("unresolved-reference"))
    def line_of(name: str, rid: str) -> int:
        lines = (tmp_path / "two" / name).read_text(encoding="utf-8").splitlines()
        return next(i for i, x in enumerate(lines, 1) if f'"id":"{rid}"' in x)

    assert [(r[0], r[6].split(",")[0], r[9]) for r in unused] == [
        (f"{rel}/Observation.ndjson:{line_of('Observation.ndjson', 'nobody-hbv')}",
         "unresolved-reference: Observation names no patient", line_of("Observation.ndjson", "nobody-hbv"))]
    unplaced = [r for r in two if r[0] == f"{rel}/MedicationRequest.ndjson:3"]
    assert [(r[2], r[3], r[5], r[7], r[9]) for r in unplaced] == [("invalid", "OL001", "error", "nobody-rtx", 3)]
    assert unplaced[0][6].startswith("MedicationRequest 'nobody-rtx' names no patient that can be placed")
    assert line_of("MedicationRequest.ndjson", "nobody-rtx") == 3
    # none: one regimen of them all
    _rel, none = got["none"]
    assert len({r[0] for r in none}) == 1


def test_a_compressed_export_file_gives_the_same_rows(tmp_path):
    # lint_fhir_bulk reads `MedicationRequest.ndjson.gz` as the command line does (decompressed).
    import gzip

    from orderlint.spark import _BulkReader, _export_files, _prepare

    two_patients(tmp_path / "e")
    job = _prepare(None, AS_OF, (), True)
    plain = tmp_path / "e" / "MedicationRequest.ndjson"
    rows = {mode: list(_BulkReader(job, mode)._file(0, str(plain), "m")) for mode in ("keys", "res", "refs")}
    gz = plain.with_name(plain.name + ".gz")
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    files, _names = _export_files(str(tmp_path / "e"))
    assert str(gz) in [path for _fid, path, _name in files]
    assert {mode: list(_BulkReader(job, mode)._file(0, str(gz), "m")) for mode in rows} == rows


@pytest.mark.parametrize("namespace, fires", [("https://site.example/fhir", True), (None, False)])
def test_a_patient_is_mapped_with_the_sites_fhir_namespace(namespace, fires):
    # fhir.md: the extensions are read under the setting `fhir-namespace`; services.md: lint_fhir_bulk
    # gives the same rows as `orderlint check --format jsonl`.
    # The Spark patient mapping left out `fhir-namespace`, which the command line passes: a site's
    # ild-outcome extension went unread, the progression with it, and ILD203 (an error) was lost.
    from orderlint.spark import _BulkPatient, _prepare

    res = patient_resources("ILD203-fires", "a")
    text = [json.dumps(r).replace("https://orderlint.dev/fhir", "https://site.example/fhir") for r in res]
    job = _prepare({"fhir-namespace": namespace} if namespace else None, AS_OF, (), True)
    group = [{"grp": 0, "key": "a", "ref": None, "fid": 0, "line": i, "text": t, "ptr": None, "eline": None, "ecol": None}
             for i, t in enumerate(text, 1)]
    rows = _BulkPatient(job, {0: "e/all.ndjson"}).rows(group)
    assert ("ILD203" in {r[3] for r in rows}) is fires
