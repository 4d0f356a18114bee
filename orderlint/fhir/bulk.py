"""FHIR Bulk Data export folders: NDJSON files named by resource type, grouped into one regimen per
patient (fhir.md section 1), with bounded memory.

Memory bound: the files are read one line at a time into a temporary SQLite database on disk
(one row per resource: patient id, file, line, raw text), indexed by patient once loaded. Patients
are then read back one at a time in patient-id order. Memory in use is therefore one patient's
resources (plus the Medications they reference) and their findings, plus SQLite's page cache
(``CACHE_KIB``, 8 MiB) and one insert batch while loading (``BATCH_ROWS`` lines), whatever the
number of patients; disk use is about the size of the export. Lines that are not FHIR resources
are kept as OL001 results until the patients are read (one small result per bad line).

Results come in patient-id order, after one OL001 result per line that is not a FHIR resource.
Each finding carries ``file`` (the file of its line); its pointer is inside that line's resource
and its line and column are in that file. A result's ``source`` is ``<file>:<line>`` of the
patient's Patient resource (else of its first resource).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from typing import Any, Iterator, Optional

from orderlint.fhir.lint import FhirResult, FileFinding, lint_mapped
from orderlint.fhir.mapping import R4_TYPES, _ref_id, map_fhir
from orderlint.reader import Document, iter_jsonl_lines, jsonl_document, parse_json

#: SQLite page cache, in KiB: the part of the memory bound that does not depend on a patient.
CACHE_KIB = 8192
#: Rows inserted per batch while loading: a constant part of the bound (about BATCH_ROWS lines).
BATCH_ROWS = 1000
#: Resource types read from an export (fhir.md section 1); files of other types are skipped.
TYPES = frozenset({"Patient", "MedicationRequest", "MedicationStatement", "Observation", "Condition", "ServiceRequest",
                   "Procedure", "Medication", "DiagnosticReport", "ImagingStudy"})
_FILE_NAME = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)(?:\.[^./]+)*\.ndjson$")


def bulk_files(folder: str) -> list[tuple[str, str]]:
    """(resource type, path) of the NDJSON files of an export folder named by an R4 resource type,
    sorted by name (`Patient.ndjson`, `Observation.000.ndjson`, `MedicationRequest.subset.ndjson`)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    out = []
    for n in names:
        mt = _FILE_NAME.match(n)
        if mt and mt.group("type") in R4_TYPES and os.path.isfile(os.path.join(folder, n)):
            out.append((mt.group("type"), os.path.join(folder, n)))
    return out


def _patient_key(r: dict) -> Optional[str]:
    if r.get("resourceType") == "Patient":
        rid = r.get("id")
        return rid if isinstance(rid, str) and rid else None
    for f in ("subject", "patient"):
        ref = r.get(f)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            s = ref["reference"].strip()
            if s.startswith("urn:uuid:"):
                return s[len("urn:uuid:"):]
            if "Patient/" in s:
                return _ref_id(s)
    return None


def iter_bulk(folder: str, *, linter: Any, tmpdir: Optional[str] = None) -> Iterator[FhirResult]:
    """Lint a Bulk Data export folder: one result per patient, in patient-id order."""
    work = tempfile.mkdtemp(prefix="orderlint-bulk-", dir=tmpdir)
    db = sqlite3.connect(os.path.join(work, "bulk.sqlite3"))
    try:
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT)")
        db.execute("CREATE TABLE res (patient TEXT, file INTEGER, line INTEGER, raw TEXT)")
        db.execute("CREATE TABLE meds (ref TEXT, file INTEGER, line INTEGER, raw TEXT)")
        errors: list[FhirResult] = []
        files: dict[int, str] = {}
        for fid, (rtype, path) in enumerate(bulk_files(folder)):
            files[fid] = path
            db.execute("INSERT INTO files VALUES (?, ?)", (fid, path))
            if rtype not in TYPES:
                continue
            errors.extend(_load(db, fid, path, linter))
            db.commit()
        db.execute("CREATE INDEX res_patient ON res (patient, file, line)")
        db.execute("CREATE INDEX meds_ref ON meds (ref)")
        yield from errors
        del errors
        keys = db.cursor()
        keys.execute("SELECT DISTINCT patient FROM res ORDER BY patient")
        for (pid,) in keys:
            yield from _patient(db, pid, files, linter)
    finally:
        db.close()
        shutil.rmtree(work, ignore_errors=True)


def _load(db: sqlite3.Connection, fid: int, path: str, linter: Any) -> list[FhirResult]:
    errors = []
    batch: list[tuple] = []
    meds: list[tuple] = []
    try:
        stream = open(path, "rb")
    except OSError as e:
        f = linter._finding("OL001", f"cannot read {path}: {e.strerror or e}", "", None, None, (1, 1))
        return [FhirResult(path, None, "invalid", None, [f])]
    with stream:
        try:
            for src, lineno, raw in iter_jsonl_lines(stream, path):
                doc = jsonl_document(src, lineno, raw)
                problem = None
                if doc.error is not None:
                    problem = (doc.error.message, doc.error.pointer, doc.error.line, doc.error.column)
                elif not isinstance(doc.data, dict) or not isinstance(doc.data.get("resourceType"), str):
                    problem = ("not a FHIR resource: a line of a Bulk Data file is one resource object", "", lineno, 1)
                if problem is not None:
                    f = linter._finding("OL001", problem[0], problem[1], None, None, (problem[2], problem[3]))
                    errors.append(FhirResult(f"{path}:{lineno}", None, "invalid", None, [f]))
                    continue
                r = doc.data
                text = doc.text
                if r["resourceType"] == "Medication":
                    if isinstance(r.get("id"), str):
                        meds.append((f"Medication/{r['id']}", fid, lineno, text))
                    continue
                batch.append((_patient_key(r) or "", fid, lineno, text))
                if len(batch) >= BATCH_ROWS:
                    db.executemany("INSERT INTO res VALUES (?, ?, ?, ?)", batch)
                    batch.clear()
        except OSError as e:  # truncated while being read: said, never silently shorter
            f = linter._finding("OL001", f"{path}: {e.strerror or e}", "", None, None, (1, 1))
            errors.append(FhirResult(path, None, "invalid", None, [f]))
    if batch:
        db.executemany("INSERT INTO res VALUES (?, ?, ?, ?)", batch)
    if meds:
        db.executemany("INSERT INTO meds VALUES (?, ?, ?, ?)", meds)
    return errors


def _med_refs(r: dict) -> list[str]:
    ref = r.get("medicationReference")
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str) and "Medication/" in ref["reference"]:
        return ["Medication/" + ref["reference"].rsplit("Medication/", 1)[1].split("/_history")[0]]
    return []


def _patient(db: sqlite3.Connection, pid: str, files: dict[int, str], linter: Any) -> Iterator[FhirResult]:
    entries: list[dict] = []
    places: list[tuple[int, int, str]] = []  # entry index -> (file id, line, raw text)
    wanted: list[str] = []
    for fid, line, raw in db.execute("SELECT file, line, raw FROM res WHERE patient = ? ORDER BY file, line", (pid,)):
        r = json.loads(raw)
        entries.append({"resource": r})
        places.append((fid, line, raw))
        wanted.extend(_med_refs(r))
    for ref in dict.fromkeys(wanted):
        row = db.execute("SELECT file, line, raw FROM meds WHERE ref = ? LIMIT 1", (ref,)).fetchone()
        if row is not None:
            entries.append({"resource": json.loads(row[2])})
            places.append(row)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    first = next((i for i, e in enumerate(entries) if e["resource"].get("resourceType") == "Patient"), 0)
    fid0, line0, _raw0 = places[first]
    source = f"{files[fid0]}:{line0}"
    doc = Document(source=source, data=bundle, text=None)
    located: dict[int, Document] = {}
    for m in map_fhir(bundle, source=source, vocab=linter.vocab, as_of=getattr(linter, "_as_of", None)):
        r = lint_mapped(m, linter, doc)
        r.findings = [_relocate(f, places, files, located, first) for f in r.findings]
        yield r


def _relocate(f: Any, places: list, files: dict, located: dict, first: int) -> FileFinding:
    """A finding of the per-patient Bundle, moved to its line: file, pointer inside that line's
    resource, and line and column in that file."""
    parts = f.pointer.split("/")
    idx = first
    rest = ""
    if len(parts) >= 4 and parts[1] == "entry" and parts[2].isdigit() and parts[3] == "resource":
        idx = int(parts[2])
        rest = "/".join([""] + parts[4:]) if len(parts) > 4 else ""
    fid, line, raw = places[idx]
    d = located.get(idx)
    if d is None:
        d = located[idx] = parse_json(raw, f"{files[fid]}:{line}", first_line=line)
    ln, col = d.locate(rest)
    return FileFinding(f.code, f.name, f.severity, f.message, f.order, rest, ln, col, f.source, f.fix, f.suppressed,
                       file=files[fid])


__all__ = ["BATCH_ROWS", "CACHE_KIB", "TYPES", "bulk_files", "iter_bulk"]
