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
from orderlint.fhir.bulk import bulk_files, iter_bulk

SN = "http://snomed.info/sct"
UC = "http://unitsofmeasure.org"


def write_export(folder: Path, n: int, seed: int = 7) -> list[str]:
    """An export of ``n`` patients in shuffled order: Patient, Condition, MedicationRequest (two
    files) and Observation; every third patient's cyclophosphamide has no PCP prophylaxis (ILD301)."""
    folder.mkdir(parents=True, exist_ok=True)
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


_PEAK = """
import datetime as dt, sys, tracemalloc, resource
from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir.bulk import iter_bulk
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


def test_memory_stays_flat_from_200_to_2000_patients(tmp_path):
    small, large = tmp_path / "s", tmp_path / "l"
    write_export(small, 200)
    write_export(large, 2000)
    n1, f1, peak1, rss1 = _measure(small)
    n2, f2, peak2, rss2 = _measure(large)
    assert (n1, n2) == (200, 2000) and (f1, f2) == (67, 667)
    # Peak Python heap while linting (tracemalloc) and peak RSS (KiB): ten times the patients may
    # not cost ten times the memory. A bound that held all patients would grow ~10x.
    print(f"tracemalloc peak: 200 patients {peak1 / 1e6:.2f} MB, 2000 patients {peak2 / 1e6:.2f} MB; "
          f"max RSS {rss1 / 1024:.1f} MiB vs {rss2 / 1024:.1f} MiB")
    assert peak2 < peak1 * 1.5 + 512 * 1024
    assert rss2 < rss1 * 1.25 + 16 * 1024


def test_the_temporary_database_is_removed(tmp_path, linter):
    write_export(tmp_path / "e", 5)
    work = tmp_path / "tmp"
    work.mkdir()
    it = iter_bulk(str(tmp_path / "e"), linter=linter, tmpdir=str(work))
    next(it)
    assert os.listdir(work)
    list(it)
    assert not os.listdir(work)
