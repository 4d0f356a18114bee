"""FHIR Bulk Data export folders (fhir.md section 1): one result per patient in patient-id order,
findings in the file of their line, and memory that stays flat as the number of patients grows."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import bulk
from orderlint.fhir.bulk import CACHE_KIB, bulk_files, connect, is_bulk_folder, iter_bulk

SN = "http://snomed.info/sct"
UC = "http://unitsofmeasure.org"


def write_export(folder: Path, n: int, seed: int = 7, extras: bool = False) -> list[str]:
    """An export of ``n`` patients in shuffled order: Patient, Condition, MedicationRequest (two
    files) and Observation; every third patient's cyclophosphamide has no PCP prophylaxis (ILD301).
    With ``extras``, also one Medication and one line that is not JSON per patient (in files of
    their own), so that every kind of row the reader keeps grows with the patients."""
    folder.mkdir(parents=True, exist_ok=True)
    if extras:
        with (folder / "Medication.ndjson").open("w", encoding="utf-8") as med, \
                (folder / "Procedure.ndjson").open("w", encoding="utf-8") as bad:
            for i in range(n):
                med.write(json.dumps({"resourceType": "Medication", "id": f"m-{i:06d}", "code": {"text": "atovaquone"}}) + "\n")
                bad.write(f"not json {i}\n")
    rnd = random.Random(seed)
    ids = [f"pt-{i:06d}" for i in range(n)]
    order = ids[:]
    rnd.shuffle(order)
    files = {name: (folder / name).open("w", encoding="utf-8") for name in (
        "Patient.ndjson", "Condition.ndjson", "MedicationRequest.000.ndjson", "MedicationRequest.001.ndjson", "Observation.ndjson")}
    try:
        for k, pid in enumerate(order):
            subj = {"reference": f"Patient/{pid}"}
            w = lambda name, r: files[name].write(json.dumps(r, separators=(",", ":")) + "\n")  # noqa: E731
            w("Patient.ndjson", {"resourceType": "Patient", "id": pid, "gender": "male", "birthDate": "1970-01-01"})
            for code in ("89155008", "233703007"):
                w("Condition.ndjson", {"resourceType": "Condition", "id": f"{pid}-{code}", "subject": subj,
                                       "code": {"coding": [{"system": SN, "code": code}]}})
            w("Observation.ndjson", {"resourceType": "Observation", "id": f"{pid}-wt", "status": "final", "subject": subj,
                                     "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                                     "effectiveDateTime": "2026-02-01", "valueQuantity": {"value": 70 + k % 20, "code": "kg"}})
            w(f"MedicationRequest.00{k % 2}.ndjson", {
                "resourceType": "MedicationRequest", "id": f"{pid}-cyc", "status": "active", "intent": "order", "subject": subj,
                "medicationCodeableConcept": {"text": "cyclophosphamide"},
                "dosageInstruction": [{"route": {"coding": [{"system": SN, "code": "47625008"}]},
                                       "timing": {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "count": 6}},
                                       "doseAndRate": [{"doseQuantity": {"value": 600, "system": UC, "code": "mg/m2"}}]}]})
            if int(pid[3:]) % 3:
                w(f"MedicationRequest.00{(k + 1) % 2}.ndjson", {
                    "resourceType": "MedicationRequest", "id": f"{pid}-atov", "status": "active", "intent": "order", "subject": subj,
                    "medicationCodeableConcept": {"text": "atovaquone"},
                    "dosageInstruction": [{"route": {"coding": [{"system": SN, "code": "26643006"}]},
                                           "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                           "doseAndRate": [{"doseQuantity": {"value": 1500, "system": UC, "code": "mg"}}]}]})
    finally:
        for f in files.values():
            f.close()
    return ids


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def test_bulk_files_are_named_by_resource_type(tmp_path):
    for name in ("Patient.ndjson", "Observation.000.ndjson", "notes.ndjson", "Patient.json", "MedicationOrder.ndjson"):
        (tmp_path / name).write_text("")
    assert [t for t, _ in bulk_files(str(tmp_path))] == ["Observation", "Patient"]


def test_results_in_patient_id_order_with_findings_in_their_file(tmp_path, linter):
    ids = write_export(tmp_path / "export", 30)
    results = list(iter_bulk(str(tmp_path / "export"), linter=linter))
    assert [r.patient for r in results] == ids  # sorted, though the files list them shuffled
    for r in results:
        firing = [f for f in r.findings if f.code == "ILD301"]
        assert [f.code for f in r.findings] == (["ILD301"] if int(r.patient[3:]) % 3 == 0 else [])
        for f in firing:
            line = Path(f.file).read_text(encoding="utf-8").splitlines()[f.line - 1]
            assert Path(f.file).name.startswith("MedicationRequest.") and f'"id":"{r.patient}-cyc"' in line
            assert f.order == f"{r.patient}-cyc" and f.pointer == "/medicationCodeableConcept/text"
            assert line[f.column - 1:].startswith('"cyclophosphamide"')
            assert f.to_dict()["file"] == f.file
        assert r.to_dict()["patient"] == r.patient and r.source.startswith(str(tmp_path / "export" / "Patient.ndjson:"))


def test_bad_lines_are_ol001_results_and_a_medication_is_found_by_reference(tmp_path, linter):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\nnot json\n[1]\n', encoding="utf-8")
    (folder / "Condition.ndjson").write_text(json.dumps({
        "resourceType": "Condition", "subject": {"reference": "Patient/a"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M34.81"}]}}) + "\n")
    (folder / "Medication.ndjson").write_text('{"resourceType":"Medication","id":"m","code":{"text":"cyclophosphamide"}}\n')
    (folder / "MedicationRequest.ndjson").write_text(json.dumps({
        "resourceType": "MedicationRequest", "id": "r", "status": "active", "intent": "order", "subject": {"reference": "Patient/a"},
        "medicationReference": {"reference": "Medication/m"}}) + "\n")
    results = list(iter_bulk(str(folder), linter=linter))
    assert [(r.status, r.source) for r in results[:2]] == [("invalid", f"{folder}/Patient.ndjson:2"), ("invalid", f"{folder}/Patient.ndjson:3")]
    (r,) = results[2:]
    assert r.patient == "a"
    ol3 = [f for f in r.findings if f.code == "OL003"]
    assert ol3 and "cyclophosphamide" in ol3[0].message and ol3[0].file.endswith("MedicationRequest.ndjson")


def test_an_export_file_truncated_while_being_read_is_an_error_result(tmp_path, linter, monkeypatch):
    # The file's lines are longer than the read buffer (reader.STREAM_BUFFER), so the truncation
    # removes bytes not read yet: the lines read are kept, and the file is an OL001 result, never a
    # shorter export that passes.
    from orderlint import reader

    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n', encoding="utf-8")
    pad = "p" * reader.STREAM_BUFFER
    lines = [json.dumps({"resourceType": "Observation", "id": f"o{i}", "subject": {"reference": "Patient/a"},
                         "status": "final", "code": {"text": pad}}) for i in range(3)]
    obs = folder / "Observation.ndjson"
    obs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = obs.stat().st_size
    real = reader.jsonl_document

    def truncating(source, lineno, raw):
        if source == str(obs) and lineno == 1:
            os.truncate(obs, size // 3 + 100)
        return real(source, lineno, raw)

    monkeypatch.setattr(reader, "jsonl_document", truncating)
    results = list(iter_bulk(str(folder), linter=linter))
    errors = [f for r in results if r.status == "invalid" for f in r.findings]
    assert any(f.code == "OL001" and f"file changed while being read: {size} bytes expected" in f.message for f in errors)


_PEAK = """
import datetime as dt, sys, tracemalloc, resource
from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir.bulk import iter_bulk
import json, shutil, sqlite3, tempfile, orderlint.fhir.lint, orderlint.fhir.mapping  # loaded on first use: not measured
import orderlint.fhir.bulk
orderlint.fhir.bulk.BATCH_ROWS = 50  # an insert batch fills at either size: what is left is what grows
linter = Linter(Settings(as_of=dt.date(2026, 3, 2)))
tracemalloc.start()
base = tracemalloc.get_traced_memory()[0]
n = fired = 0
for r in iter_bulk(sys.argv[1], linter=linter):
    n += 1
    fired += sum(f.code == "ILD301" for f in r.findings)
peak = tracemalloc.get_traced_memory()[1] - base
tracemalloc.stop()
print(n, fired, peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _measure(folder: Path) -> tuple[int, int, int, int]:
    out = subprocess.run([sys.executable, "-c", _PEAK, str(folder)], capture_output=True, text=True, timeout=600, check=True)
    n, fired, peak, rss = (int(x) for x in out.stdout.split())
    return n, fired, peak, rss


@pytest.mark.slow
def test_memory_stays_flat_from_200_to_2000_patients(tmp_path):
    small, large = tmp_path / "s", tmp_path / "l"
    write_export(small, 200, extras=True)
    write_export(large, 2000, extras=True)
    n1, f1, peak1, rss1 = _measure(small)
    n2, f2, peak2, rss2 = _measure(large)
    # one result per patient and one OL001 result per line that is not JSON
    assert (n1, n2) == (400, 4000) and (f1, f2) == (67, 667)
    # Peak Python heap while linting (tracemalloc) and peak RSS (KiB): the same for ten times the
    # patients, up to what SQLite's bounded page cache and sorter (CACHE_KIB each) may add while
    # they fill. Anything kept per patient, per bad line or per Medication would grow here.
    print(f"tracemalloc peak: 200 patients {peak1 / 1e6:.3f} MB, 2000 patients {peak2 / 1e6:.3f} MB; "
          f"max RSS {rss1 / 1024:.1f} MiB vs {rss2 / 1024:.1f} MiB")
    assert peak2 - peak1 < 32 * 1024
    assert rss2 - rss1 < 2 * CACHE_KIB


def test_the_database_is_set_up_for_the_memory_bound(tmp_path):
    db = connect(str(tmp_path / "x.sqlite3"))
    try:
        got = {p: db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("cache_size", "temp_store", "mmap_size", "threads")}
    finally:
        db.close()
    # a bounded page cache (negative: KiB), temporary b-trees and sort runs in files (1), no memory map
    assert got == {"cache_size": -CACHE_KIB, "temp_store": 1, "mmap_size": 0, "threads": 0}


def test_patients_are_read_back_through_the_index_without_a_temporary_sort(tmp_path):
    db = connect(str(tmp_path / "x.sqlite3"))
    try:
        for stmt in bulk.SCHEMA + bulk.INDEXES:
            db.execute(stmt)
        plans = [" ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + q, args)) for q, args in (
            (bulk.PATIENTS_SQL, ()), (bulk.ROWS_SQL, ("a",)), (bulk.MED_SQL, ("Medication/m",)))]
    finally:
        db.close()
    assert all("USING" in p and "INDEX" in p and "TEMP B-TREE" not in p for p in plans), plans


def test_the_temporary_database_is_removed(tmp_path, linter):
    write_export(tmp_path / "e", 5)
    work = tmp_path / "tmp"
    work.mkdir()
    it = iter_bulk(str(tmp_path / "e"), linter=linter, tmpdir=str(work))
    next(it)
    assert os.listdir(work)
    list(it)
    assert not os.listdir(work)


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "fhir-corpus"


def test_is_bulk_folder_by_file_names(tmp_path):
    import orderlint.fhir

    assert not is_bulk_folder(str(tmp_path))  # empty
    for name in ("notes.ndjson", "Patient.json", "MedicationOrder.ndjson", "patient.ndjson"):
        (tmp_path / name).write_text("")
    assert not is_bulk_folder(str(tmp_path))  # no NDJSON file named by an R4 resource type
    (tmp_path / "Observation.000.ndjson").mkdir()
    assert not is_bulk_folder(str(tmp_path))  # a folder of that name is not a file
    (tmp_path / "Patient.ndjson").write_text("")
    assert is_bulk_folder(str(tmp_path)) and orderlint.fhir.is_bulk_folder(str(tmp_path))
    assert not is_bulk_folder(str(tmp_path / "Patient.ndjson"))  # a file is not a folder
    assert not is_bulk_folder(str(tmp_path / "missing"))


def test_is_bulk_folder_by_export_manifest(tmp_path):
    manifest = {"transactionTime": "2026-03-01T00:00:00Z", "request": "https://ehr.example/$export", "requiresAccessToken": True,
                "output": [{"type": "Patient", "url": "https://ehr.example/files/1.Patient.ndjson"}], "error": []}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert is_bulk_folder(str(tmp_path))
    # another file called manifest.json (a list, or an object with no `output`) is not an export manifest
    for other in ([{"file": "a.json"}], {"output": []}, {"transactionTime": "x", "output": "Patient.ndjson"}, "{not json"):
        (tmp_path / "manifest.json").write_text(other if isinstance(other, str) else json.dumps(other))
        assert not is_bulk_folder(str(tmp_path)), other


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared FHIR corpus is not present")
def test_is_bulk_folder_on_the_corpus():
    assert is_bulk_folder(str(CORPUS / "synthea-bulk-10"))
    assert not is_bulk_folder(str(CORPUS))  # its manifest.json lists the corpus files, not an export
    assert not is_bulk_folder(str(CORPUS / "fhir-r4-spec"))


def test_a_manifest_names_files_by_url_and_a_missing_output_is_an_error(tmp_path, linter):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "1.Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n')
    (folder / "2.Condition.ndjson").write_text(json.dumps({
        "resourceType": "Condition", "subject": {"reference": "Patient/a"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M34.81"}]}}) + "\n")
    (folder / "3.MedicationRequest.ndjson").write_text(json.dumps({
        "resourceType": "MedicationRequest", "id": "cyc", "status": "active", "intent": "order", "subject": {"reference": "Patient/a"},
        "medicationCodeableConcept": {"text": "cyclophosphamide"}}) + "\n")
    base = "https://ehr.example/files/"
    (folder / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-01T00:00:00Z", "output": [
        {"type": "Patient", "url": base + "1.Patient.ndjson"}, {"type": "Condition", "url": base + "2.Condition.ndjson"},
        {"type": "MedicationRequest", "url": base + "3.MedicationRequest.ndjson?token=x"},
        {"type": "MedicationRequest", "url": base + "4.MedicationRequest.ndjson"}]}))
    results = list(iter_bulk(str(folder), linter=linter))
    assert [(r.status, r.source) for r in results[:1]] == [("invalid", str(folder / "manifest.json"))]
    (err,) = results[0].findings
    assert err.code == "OL001" and err.message == f"the export manifest lists {base}4.MedicationRequest.ndjson (MedicationRequest), which is not in the folder"
    (r,) = results[1:]
    assert r.patient == "a" and r.source == f"{folder / '1.Patient.ndjson'}:1"
    # files found through the manifest are read: the Condition places SSc-ILD, the order is checked
    assert "ILD301" in [f.code for f in r.findings] and "OL007" not in [f.code for f in r.findings]


def test_export_paths_are_the_files_named_by_type_or_by_the_manifest_and_the_manifest(tmp_path):
    from orderlint.fhir.bulk import export_paths

    for name in ("Patient.ndjson", "7.Condition.ndjson", "8.Observation.ndjson", "notes.ndjson", "regimen.json"):
        (tmp_path / name).write_text("")
    # Without a manifest, a file numbered as the SMART client saves them is named by its type too.
    assert export_paths(str(tmp_path)) == [str(tmp_path / n) for n in ("7.Condition.ndjson", "8.Observation.ndjson",
                                                                       "Patient.ndjson")]
    # With one, such a file is the export's when the manifest lists it (8.Observation.ndjson is a stray).
    (tmp_path / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-01T00:00:00Z", "output": [
        {"type": "Condition", "url": "https://ehr.example/f/7.Condition.ndjson"}]}))
    assert export_paths(str(tmp_path)) == [str(tmp_path / n) for n in ("7.Condition.ndjson", "Patient.ndjson", "manifest.json")]


def test_a_manifest_output_saved_under_its_type_name_is_not_missing(tmp_path, linter):
    (tmp_path / "Patient.ndjson").write_text('{"resourceType":"Patient","id":"a"}\n')
    (tmp_path / "manifest.json").write_text(json.dumps({"transactionTime": "2026-03-01T00:00:00Z", "output": [
        {"type": "Patient", "url": "https://ehr.example/f/8f3a"}]}))
    results = list(iter_bulk(str(tmp_path), linter=linter))
    assert [r.patient for r in results] == ["a"]



def test_strict_validates_each_patients_resources_at_their_line(tmp_path, linter):
    pytest.importorskip("fhir.resources.R4B", reason="fhir.resources (extra `orderlint[fhir]`) is not installed")
    import orderlint.fhir

    ids = write_export(tmp_path / "e", 3)
    path = tmp_path / "e" / "MedicationRequest.000.ndjson"
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["dosageInstruction"][0]["doseQuantity"] = bad["dosageInstruction"][0].pop("doseAndRate")[0]["doseQuantity"]  # STU3
    lines[0] = json.dumps(bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    strict = list(orderlint.fhir.lint_path(str(tmp_path / "e"), linter=linter, strict=True))
    assert [r.patient for r in strict] == ids
    (invalid,) = [r for r in strict if r.status == "invalid"]
    assert invalid.patient == bad["subject"]["reference"].split("/")[1]
    (f,) = invalid.findings
    assert f.code == "OL001" and "extra_forbidden" in f.message and f.pointer == "/dosageInstruction/0/doseQuantity"
    assert f.file == str(path) and f.line == 1
    lenient = {r.patient: r for r in iter_bulk(str(tmp_path / "e"), linter=linter)}
    assert lenient[invalid.patient].status == "checked"
    assert [r.status for r in strict if r is not invalid] == ["checked", "checked"]


def test_command_line_fhir_strict_reaches_a_bulk_folder_found_in_a_walk(tmp_path):
    # --fhir-strict applies to every FHIR input, a Bulk Data folder inside a walked folder included.
    pytest.importorskip("fhir.resources.R4B", reason="fhir.resources (extra `orderlint[fhir]`) is not installed")
    from click.testing import CliRunner

    from orderlint.cli import cli

    write_export(tmp_path / "tree" / "export", 2)
    path = tmp_path / "tree" / "export" / "MedicationRequest.000.ndjson"
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["dosageInstruction"][0]["doseQuantity"] = bad["dosageInstruction"][0].pop("doseAndRate")[0]["doseQuantity"]
    lines[0] = json.dumps(bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def statuses(*extra: str) -> list:
        r = CliRunner().invoke(cli, ["check", "--format", "json", "--as-of", "2026-03-02", *extra, str(tmp_path / "tree")])
        return sorted(x["status"] for x in json.loads(r.stdout)["results"])

    assert "invalid" not in statuses()
    assert statuses("--fhir-strict").count("invalid") == 1


def _gzip_file(path: Path) -> Path:
    import gzip

    gz = path.with_name(path.name + ".gz")
    gz.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    return gz


def test_a_compressed_export_file_is_read_decompressed(tmp_path, linter):
    # An export saved compressed (`MedicationRequest.000.ndjson.gz`) was not read at all: half the
    # patients' orders were missing, and each of those patients was "no orders" (info).
    write_export(tmp_path / "plain", 12)
    plain = list(iter_bulk(str(tmp_path / "plain"), linter=linter))
    write_export(tmp_path / "gz", 12)
    gz = _gzip_file(tmp_path / "gz" / "MedicationRequest.000.ndjson")
    assert is_bulk_folder(str(tmp_path / "gz")) and str(gz) in [p for _t, p in bulk_files(str(tmp_path / "gz"))]
    got = list(iter_bulk(str(tmp_path / "gz"), linter=linter))
    assert [(r.patient, r.status) for r in got] == [(r.patient, r.status) for r in plain]
    moved = 0
    for a, b in zip(plain, got):
        assert [(f.code, f.message, f.pointer, f.line, f.column) for f in a.findings] == \
               [(f.code, f.message, f.pointer, f.line, f.column) for f in b.findings]
        for f, g in zip(a.findings, b.findings):
            moved += f.file.endswith("MedicationRequest.000.ndjson")
            assert g.file == (str(gz) if f.file.endswith("MedicationRequest.000.ndjson") else f.file.replace("/plain/", "/gz/"))
    assert moved  # some finding is in the compressed file


@pytest.mark.parametrize("damage, says", [
    (lambda raw: raw[: len(raw) // 2], "not a complete gzip file"),
    (lambda raw: b"not gzip at all\n", "Not a gzipped file"),
], ids=["truncated", "not-gzip"])
def test_a_damaged_compressed_export_file_is_an_error_result(tmp_path, linter, damage, says):
    folder = tmp_path / "x"
    write_export(folder, 3)
    gz = _gzip_file(folder / "MedicationRequest.001.ndjson")
    gz.write_bytes(damage(gz.read_bytes()))
    results = list(iter_bulk(str(folder), linter=linter))
    bad = [r for r in results if r.status == "invalid"]
    assert len(bad) == 1 and bad[0].source == str(gz)
    (f,) = bad[0].findings
    assert f.code == "OL001" and says in f.message and f.message.startswith(f"{gz}: ")


def _medication_export(folder: Path, copies: list[str]) -> None:
    """One patient whose MedicationRequest names Medication/m1, written once per text in ``copies``
    (each in its own file, in that order)."""
    folder.mkdir()
    subj = {"reference": "Patient/p1"}
    (folder / "Patient.ndjson").write_text(json.dumps({"resourceType": "Patient", "id": "p1", "gender": "male"}) + "\n")
    (folder / "Condition.ndjson").write_text("".join(
        json.dumps({"resourceType": "Condition", "id": f"c{code}", "subject": subj,
                    "code": {"coding": [{"system": SN, "code": code}]}}) + "\n" for code in ("89155008", "233703007")))
    (folder / "MedicationRequest.ndjson").write_text(json.dumps({
        "resourceType": "MedicationRequest", "id": "r1", "status": "active", "intent": "order", "subject": subj,
        "medicationReference": {"reference": "Medication/m1"},
        "dosageInstruction": [{"route": {"coding": [{"system": SN, "code": "47625008"}]},
                               "timing": {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "count": 6}},
                               "doseAndRate": [{"doseQuantity": {"value": 600, "system": UC, "code": "mg/m2"}}]}]}) + "\n")
    (folder / "Observation.ndjson").write_text(json.dumps({
        "resourceType": "Observation", "id": "bsa", "status": "final", "subject": subj, "effectiveDateTime": "2026-02-01",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8277-6"}]},
        "valueQuantity": {"value": 1.8, "system": UC, "code": "m2"}}) + "\n")
    for i, text in enumerate(copies):
        (folder / f"Medication.{i:03d}.ndjson").write_text(
            json.dumps({"resourceType": "Medication", "id": "m1", "code": {"text": text}}) + "\n")


@pytest.mark.parametrize("copies, status, code", [
    (["cyclophosphamide"], "checked", "ILD301"),
    (["cyclophosphamide", "cyclophosphamide"], "checked", "ILD301"),  # the same twice: read once
    (["folic acid", "cyclophosphamide"], "invalid", "OL001"),  # the first copy alone: folic acid, clean
    (["cyclophosphamide", "folic acid", "cyclophosphamide"], "invalid", "OL001"),
])
def test_a_medication_written_twice_differently_is_ol001_not_its_first_copy(tmp_path, copies, status, code):
    _medication_export(tmp_path / "e", copies)
    settings = Settings()
    settings.as_of = dt.date(2026, 3, 2)
    [result] = list(iter_bulk(str(tmp_path / "e"), linter=Linter(settings)))
    assert result.status == status and code in [f.code for f in result.findings], result.findings
    if code == "OL001":
        [f] = [f for f in result.findings if f.code == "OL001"]
        assert "Medication/m1 is in the input twice with different content" in f.message
        assert "Medication.00" in f.message and "/entry/" not in f.message


def test_a_type_named_file_of_an_export_that_cannot_be_read_is_ol001_in_the_api(tmp_path):
    # The API and Spark listed only regular files: an export whose MedicationRequest.ndjson was a
    # link to nothing read as one with no orders (OL008 info only), clean at --fail-on error.
    import shutil

    import orderlint

    src = Path(__file__).resolve().parent.parent / "examples" / "fhir" / "bulk"
    folder = tmp_path / "export"
    shutil.copytree(src, folder)
    target = folder / "MedicationRequest.ndjson"
    target.unlink()
    os.symlink(tmp_path / "gone.ndjson", target)
    results = list(orderlint.lint_all(folder, as_of="2026-03-02"))
    bad = [f for r in results for f in r.findings if f.code == "OL001"]
    assert bad and "MedicationRequest.ndjson" in bad[0].message and "cannot be read" in bad[0].message
    assert any(r.status == "invalid" for r in results)
