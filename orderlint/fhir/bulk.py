"""FHIR Bulk Data export folders: NDJSON files named by resource type, grouped into one regimen per
patient (fhir.md section 1), with memory that does not depend on the number of patients.

Memory bound. The files are read one line at a time into a temporary SQLite database on disk
(one row per resource: patient id, file, line, raw text; one row per line that is not a FHIR
resource), indexed by patient once loaded, and patients are read back one at a time, in
patient-id order, through streaming cursors. What is held in memory at any time is:

- one patient's resources (the rows of that patient, parsed, plus the Medications they reference),
  its regimen and its findings: this is the only part that grows, and it grows with the largest
  patient, never with the number of patients;
- SQLite's page cache, ``CACHE_KIB`` (1 MiB), and its sorter for ``CREATE INDEX``, which uses no
  more than the page cache before it spills sorted runs to temporary files (``temp_store=FILE``,
  no memory map, no worker threads);
- while loading, one insert batch (``BATCH_ROWS`` lines or ``BATCH_BYTES`` bytes, whichever comes
  first) and one line;
- the list of the folder's files, and the linter's own caches, which are capped by size (names
  and test texts seen), not by patients.

No Python collection grows with the number of patients or resources: lines that are not FHIR
resources are kept in the database too and reported from a cursor. Disk use is about the size of the export, plus the patient index
(and, while it is built, the sorter's temporary files).

Measured (2026-11-30, `orderlint check FOLDER --format jsonl`, exports generated as
benchmarks/run.py does, peak RSS with start-up included, of which start-up is about 40 MB): 1,000
patients 41.5 MB, 10,000 patients 41.9 MB, 100,000 patients 41.9 MB. In process, after the linter is
loaded: 38.2, 38.5 and 38.3 MB (38.9, 45.7 and 52.5 MB before, with an 8 MiB page cache and sorter).
tests/test_fhir_bulk.py checks the bound without timing: the same Python heap peak and RSS (within
what the SQLite cache may add) at 200 and 2,000 patients.

Results come in patient-id order, after one OL001 result per line that is not a FHIR resource (in
file and line order). Each finding carries ``file`` (the file of its line); its pointer is inside
that line's resource and its line and column are in that file. A result's ``source`` is
``<file>:<line>`` of the patient's Patient resource (else of its first resource).

Resources that name no patient (no ``subject``/``patient`` reference to a Patient; a Patient with
no ``id``) follow fhir.md section 1, "no subject: the only patient", as a Bundle's do:

- an export of exactly one patient: they are that patient's, read with its resources in file and
  line order;
- an export of several patients: no patient uses them. Each is a result of its own, before the
  patients' (in file and line order): ``source`` ``<file>:<line>``, no ``id`` or ``patient``,
  status ``not-applicable`` (nothing of it is checked), with one ``OL008`` finding
  ``unresolved-reference: <type> names no patient, and the export holds several patients: not
  used`` at that line (pointer ``""``). A MedicationRequest or MedicationStatement is an order
  (or a drug taken) that would then go unchecked: its result is ``invalid`` instead, with one
  ``OL001`` (``MedicationRequest 'x' names no patient that can be placed (...): it was not
  checked``; its ``order`` is the resource's id). A result per resource keeps memory bounded however many
  there are, and each is reported, never silently dropped. ``--fhir-strict`` does not validate
  them (they are not read into any regimen);
- an export of no patient at all: they are read together as one regimen with no patient.

Whether the export holds one patient or several is read from the index (two keys at most), so
deciding keeps nothing per patient. orderlint.spark decides the same way.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

from orderlint.fhir.r4 import R4_TYPES

if TYPE_CHECKING:  # the reading and linting modules load on first use: is_bulk_folder stays cheap
    import sqlite3

    from orderlint.engine import Linter
    from orderlint.fhir.lint import FhirResult, FileFinding
    from orderlint.findings import Finding
    from orderlint.reader import Document

#: SQLite page cache, in KiB; the sorter of CREATE INDEX uses no more than this before it spills
#: to temporary files. The part of the memory bound that does not depend on a patient.
CACHE_KIB = 1024
#: Rows inserted per batch while loading, and the most bytes of raw text a batch holds.
BATCH_ROWS = 1000
BATCH_BYTES = 1 << 20
#: Resource types read from an export (fhir.md section 1); files of other types are skipped.
TYPES = frozenset({"Patient", "MedicationRequest", "MedicationStatement", "Observation", "Condition", "ServiceRequest",
                   "Procedure", "Medication", "DiagnosticReport", "ImagingStudy"})
_FILE_NAME = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)(?:\.[^./]+)*\.ndjson(?:\.gz)?$")  # .gz: read decompressed
#: The temporary database: one row per resource (`res`), per Medication (`meds`, found by
#: reference) and per line that is not a resource (`bad`: its OL001), indexed once loaded. Patients
#: and their rows are read back through the index (no temporary sort; tested).
SCHEMA = ("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT)",
          "CREATE TABLE res (patient TEXT, file INTEGER, line INTEGER, raw TEXT)",
          "CREATE TABLE meds (ref TEXT, file INTEGER, line INTEGER, raw TEXT)",
          # stream: 1 when source names a line of a file (a LineSource), 0 for a whole file
          "CREATE TABLE bad (source TEXT, message TEXT, pointer TEXT, line INTEGER, col INTEGER, stream INTEGER)")
INDEXES = ("CREATE INDEX res_patient ON res (patient, file, line)", "CREATE INDEX meds_ref ON meds (ref)")
PATIENTS_SQL = "SELECT DISTINCT patient FROM res ORDER BY patient"
ROWS_SQL = "SELECT file, line, raw FROM res WHERE patient = ? ORDER BY file, line"
MED_SQL = "SELECT file, line, raw FROM meds WHERE ref = ? LIMIT 1"
#: Up to two patients of the export (resources that name none are keyed ''): enough to tell no
#: patient, the only patient, or several.
FIRST_PATIENTS_SQL = "SELECT DISTINCT patient FROM res WHERE patient > '' ORDER BY patient LIMIT 2"
#: Whether some resource names no patient.
UNNAMED_SQL = "SELECT 1 FROM res WHERE patient = '' LIMIT 1"
#: The Bulk Data export manifest (the completion response of a kick-off request), as saved by a client.
MANIFEST = "manifest.json"
_MANIFEST_MAX_BYTES = 16 << 20


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


def is_bulk_folder(path: str) -> bool:
    """Whether ``path`` is a Bulk Data export folder, to be linted as one unit: it holds an NDJSON
    file named by an R4 resource type (`Patient.ndjson`, `Observation.000.ndjson`) or an export
    manifest (`manifest.json` with `transactionTime` and an `output` array). Cheap: one directory
    listing, and reads no file but a manifest of that name."""
    try:
        with os.scandir(path) as it:
            names = [e.name for e in it if e.is_file()]
    except OSError:  # not a folder, or unreadable
        return False
    for n in names:
        mt = _FILE_NAME.match(n)
        if mt and mt.group("type") in R4_TYPES:
            return True
    return MANIFEST in names and _manifest(os.path.join(path, MANIFEST)) is not None


def _manifest(path: str) -> Optional[list[tuple[str, str]]]:
    """(type, url) of each `output` of a Bulk Data export manifest, or None when the file is not
    one (another file may be called manifest.json)."""
    import json

    try:
        if os.path.getsize(path) > _MANIFEST_MAX_BYTES:
            return None
        with open(path, "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "transactionTime" not in data or not isinstance(data.get("output"), list):
        return None
    return [(o["type"], o["url"]) for o in data["output"]
            if isinstance(o, dict) and isinstance(o.get("type"), str) and isinstance(o.get("url"), str)]


def _export_files(folder: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The files of an export: those named by type, and those a manifest lists by the last part
    of their url (`1.Patient.ndjson`), with the manifest's type; and the manifest's outputs that
    are not in the folder, each an OL001 (a missing file is missing patient data). An output whose
    url names no file here counts as present while the folder holds an unlisted file of its type
    (saved under its type's name: `MedicationRequest.000.ndjson`)."""
    files = bulk_files(folder)
    outputs = _manifest(os.path.join(folder, MANIFEST))
    if not outputs:
        return files, []
    have = {os.path.basename(p) for _t, p in files}
    listed: set[str] = set()
    unmatched: dict[str, list[str]] = {}
    for rtype, url in outputs:
        name = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        listed.add(name)
        if name in have:
            continue
        path = os.path.join(folder, name)
        if name not in ("", ".", "..") and rtype in R4_TYPES and os.path.isfile(path):
            files.append((rtype, path))
            have.add(name)
        else:
            unmatched.setdefault(rtype, []).append(url)
    missing = []
    for rtype, urls in unmatched.items():
        spare = sum(1 for t, p in files if t == rtype and os.path.basename(p) not in listed)
        missing += [f"the export manifest lists {url} ({rtype}), which is not in the folder" for url in urls[spare:]]
    files.sort(key=lambda tp: os.path.basename(tp[1]))
    return files, missing


def export_paths(folder: str) -> list[str]:
    """Every file an export folder's lint reads: its NDJSON files (named by type, or listed by its
    manifest) and the manifest itself; for a folder walk that lints the folder as one unit and any
    other file in it on its own."""
    paths = [p for _t, p in _export_files(folder)[0]]
    manifest = os.path.join(folder, MANIFEST)
    if _manifest(manifest) is not None:
        paths.append(manifest)
    return paths


def _patient_key(r: dict) -> Optional[str]:
    from orderlint.fhir.mapping import _ref_id

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


def connect(path: str) -> "sqlite3.Connection":
    """The temporary database of an export, with the settings the memory bound relies on."""
    import sqlite3

    db = sqlite3.connect(path)
    for pragma in (f"cache_size=-{CACHE_KIB}", "temp_store=FILE", "mmap_size=0", "threads=0",
                   "journal_mode=OFF", "synchronous=OFF"):
        db.execute(f"PRAGMA {pragma}")
    return db


def iter_bulk(folder: str, *, linter: "Linter", tmpdir: Optional[str] = None, strict: bool = False) -> Iterator["FhirResult"]:
    """Lint a Bulk Data export folder: one result per patient, in patient-id order. ``strict``
    (`--fhir-strict`) validates each patient's resources with fhir.resources R4B first: a patient
    with a resource R4B refuses is an invalid result, each error an OL001 at its line."""
    from orderlint.reader import LineSource
    import shutil
    import tempfile

    from orderlint.fhir.lint import FhirResult

    work = tempfile.mkdtemp(prefix="orderlint-bulk-", dir=tmpdir)
    db = connect(os.path.join(work, "bulk.sqlite3"))
    try:
        for stmt in SCHEMA:
            db.execute(stmt)
        names, missing = _export_files(folder)
        for message in missing:
            db.execute("INSERT INTO bad VALUES (?, ?, '', 1, 1, 0)", (os.path.join(folder, MANIFEST), message))
        for fid, (rtype, path) in enumerate(names):
            db.execute("INSERT INTO files VALUES (?, ?)", (fid, path))
            if rtype in TYPES:
                _load(db, fid, path)
            db.commit()
        for stmt in INDEXES:
            db.execute(stmt)
        db.commit()
        files = {fid: path for fid, (_t, path) in enumerate(names)}
        for source, message, pointer, line, col, stream in db.execute("SELECT * FROM bad ORDER BY rowid"):
            if stream:
                source = LineSource(source)
            f = linter._finding("OL001", message, pointer, None, None, (line, col))
            yield FhirResult(source, None, "invalid", None, [f])
        first = [pid for (pid,) in db.execute(FIRST_PATIENTS_SQL)]
        unnamed = db.execute(UNNAMED_SQL).fetchone() is not None
        if unnamed and len(first) > 1:  # several patients: resources that name none are used by none
            for fid, line, raw in db.execute(ROWS_SQL, ("",)):
                yield unused_result(linter, files[fid], line, raw)
        keys = db.cursor()
        keys.execute(PATIENTS_SQL)
        for (pid,) in keys:
            if pid == "" and first:
                continue  # used by the only patient, or by none
            yield from _patient(db, pid, files, linter, strict, unnamed=unnamed and len(first) == 1)
    finally:
        db.close()
        shutil.rmtree(work, ignore_errors=True)


def _load(db: "sqlite3.Connection", fid: int, path: str) -> None:
    from orderlint.reader import LineSource, iter_jsonl_lines, jsonl_document, line_source, open_lines

    batch: list[tuple[str, int, int, str]] = []
    meds: list[tuple[str, int, int, str]] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if batch:
            db.executemany("INSERT INTO res VALUES (?, ?, ?, ?)", batch)
            batch.clear()
        if meds:
            db.executemany("INSERT INTO meds VALUES (?, ?, ?, ?)", meds)
            meds.clear()
        size = 0

    def bad(source: str, message: str, pointer: str, line: Optional[int], col: Optional[int]) -> None:
        db.execute("INSERT INTO bad VALUES (?, ?, ?, ?, ?, ?)", (source, message, pointer, line, col, isinstance(source, LineSource)))

    try:
        stream = open_lines(path)
    except OSError as e:
        bad(path, f"cannot read {path}: {e.strerror or e}", "", 1, 1)
        return
    with stream:
        try:
            for src, lineno, raw in iter_jsonl_lines(stream, path):
                doc = jsonl_document(src, lineno, raw)
                if doc.error is not None:
                    bad(line_source(path, lineno), doc.error.message, doc.error.pointer, doc.error.line, doc.error.column)
                    continue
                r = doc.data
                if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
                    bad(line_source(path, lineno), "not a FHIR resource: a line of a Bulk Data file is one resource object", "", lineno, 1)
                    continue
                text = doc.text or ""
                if r["resourceType"] == "Medication":
                    if isinstance(r.get("id"), str):
                        meds.append((f"Medication/{r['id']}", fid, lineno, text))
                else:
                    batch.append((_patient_key(r) or "", fid, lineno, text))
                size += len(text)
                if len(batch) + len(meds) >= BATCH_ROWS or size >= BATCH_BYTES:
                    flush()
        except OSError as e:  # truncated while being read: said, never silently shorter
            bad(path, f"{path}: {e.strerror or e}", "", 1, 1)
    flush()


def _med_refs(r: dict) -> list[str]:
    ref = r.get("medicationReference")
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str) and "Medication/" in ref["reference"]:
        return ["Medication/" + ref["reference"].rsplit("Medication/", 1)[1].split("/_history")[0]]
    return []


def unused_result(linter: "Linter", path: str, line: int, raw: str) -> "FhirResult":
    """The result of a resource that names no patient in an export of several patients: used by
    none, said by one OL008 ``unresolved-reference`` at its line (fhir.md section 1); a
    MedicationRequest or MedicationStatement, an order (or a drug taken) that is then never
    checked, is instead an ``invalid`` result with one OL001 (fail closed). Shared with orderlint.spark, so that both give the same rows."""
    from orderlint.reader import line_source
    import json

    from orderlint.fhir.lint import FhirResult

    source = line_source(path, line)
    findings: list[Finding] = []
    r = json.loads(raw)
    rtype = r.get("resourceType") if isinstance(r, dict) else None
    from orderlint.fhir.mapping import MEDICATION_TYPES, _unplaced

    held = _medications_in(r) if rtype == "Bundle" and isinstance(r, dict) else 0
    if held:
        # A Bundle line (fhir.md: a resource or a Bundle per line) holding orders is an order too.
        bid = r.get("id") if isinstance(r.get("id"), str) else None
        name = f"Bundle {bid!r}" if bid else "Bundle (no id)"
        f = linter._finding("OL001", f"{name} names no patient that can be placed and holds {held} medication "
                            f"resource{'s' if held != 1 else ''} (the export holds several patients): it was not checked",
                            "", None, None)
        return FhirResult(source, None, "invalid", None, [_relocate(f, [(0, line, raw)], {0: path}, {}, 0)], patient=None)
    if rtype in MEDICATION_TYPES and isinstance(r, dict):
        rid = r.get("id") if isinstance(r.get("id"), str) else None
        f = linter._finding("OL001", _unplaced(r, "export"), "", rid, None)
        types = {rid: rtype} if rid is not None and rtype != "MedicationRequest" else None
        return FhirResult(source, None, "invalid", None, [_relocate(f, [(0, line, raw)], {0: path}, {}, 0)], patient=None,
                          order_types=types)
    if "OL008" in linter.enabled:
        what = "Patient has no id" if rtype == "Patient" else f"{rtype} names no patient"
        f = linter._finding("OL008", f"unresolved-reference: {what}, and the export holds several patients: not used",
                            "", None, None)
        findings.append(_relocate(f, [(0, line, raw)], {0: path}, {}, 0))
    return FhirResult(source, None, "not-applicable", None, findings, patient=None)


def _medications_in(bundle: dict) -> int:
    """MedicationRequests and MedicationStatements in a Bundle, nested Bundles included."""
    from orderlint.fhir.mapping import MEDICATION_TYPES

    n = 0
    stack = [bundle]
    while stack:
        entries = stack.pop().get("entry")
        for e in entries if isinstance(entries, list) else ():
            res = e.get("resource") if isinstance(e, dict) else None
            if isinstance(res, dict):
                if res.get("resourceType") in MEDICATION_TYPES:
                    n += 1
                elif res.get("resourceType") == "Bundle":
                    stack.append(res)
    return n


def patient_bundle(rows: Iterable[tuple[int, int, str]], medication: Callable[[str], Optional[tuple[int, int, str]]],
                   files: dict[int, str]) -> tuple[dict, list[tuple[int, int, str]], int, str]:
    """One patient's resources as the Bundle the mapping reads, shared by the command line and
    Spark: ``rows`` (file id, line, raw text) in file and line order, then the Medications they
    reference (``medication(ref)`` -> row or None), each once. Returns the Bundle, each entry's
    place, the index of the Patient entry (else 0) and the result's source `file:line`."""
    from orderlint.reader import line_source
    import json

    entries: list[dict] = []
    places: list[tuple[int, int, str]] = []  # entry index -> (file id, line, raw text)
    wanted: list[str] = []
    for fid, line, raw in rows:
        r = json.loads(raw)
        entries.append({"resource": r})
        places.append((fid, line, raw))
        wanted.extend(_med_refs(r))
    for ref in dict.fromkeys(wanted):
        row = medication(ref)
        if row is not None:
            entries.append({"resource": json.loads(row[2])})
            places.append((row[0], row[1], row[2]))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    first = next((i for i, e in enumerate(entries) if e["resource"].get("resourceType") == "Patient"), 0)
    fid0, line0, _raw0 = places[first]
    return bundle, places, first, line_source(files[fid0], line0)


def _patient(db: "sqlite3.Connection", pid: str, files: dict[int, str], linter: "Linter",
             strict: bool = False, *, unnamed: bool = False) -> Iterator["FhirResult"]:
    """One patient's result(s); with ``unnamed``, the resources that name no patient are its too
    (the export's only patient), merged with its own in file and line order."""
    import heapq

    from orderlint.fhir.lint import lint_mapped
    from orderlint.fhir.mapping import DEFAULT_NAMESPACE, map_fhir
    from orderlint.reader import Document

    rows: Iterable[tuple[int, int, str]] = db.execute(ROWS_SQL, (pid,))
    if unnamed:  # two index ranges, each in (file, line) order: merged without a temporary sort
        rows = heapq.merge(rows, db.execute(ROWS_SQL, ("",)), key=lambda row: (row[0], row[1]))
    bundle, places, first, source = patient_bundle(rows, lambda ref: db.execute(MED_SQL, (ref,)).fetchone(), files)
    doc = Document(source=source, data=bundle, text=None)
    located: dict[int, Document] = {}
    if strict:
        from orderlint.fhir.lint import FhirResult
        from orderlint.fhir.strict import strict_problems

        problems = strict_problems(bundle)
        if problems:
            fs = [linter._finding("OL001", msg, ptr, None, doc) for msg, ptr in problems]
            yield FhirResult(source, None, "invalid", None, [_relocate(f, places, files, located, first) for f in fs],
                             patient=pid or None)
            return
    ns = getattr(linter.settings, "fhir_namespace", None) or DEFAULT_NAMESPACE
    for m in map_fhir(bundle, source=source, vocab=linter.vocab, as_of=getattr(linter, "_as_of", None), namespace=ns):
        r = lint_mapped(m, linter, doc)
        if r.patient is None and r.status == "invalid":
            r.patient = pid or None  # a patient's resources that cannot be read: still that patient's result
        r.findings = [_relocate(f, places, files, located, first) for f in r.findings]
        yield r


def _relocate(f: "Finding", places: list[tuple[int, int, str]], files: dict[int, str], located: dict[int, Document],
              first: int) -> "FileFinding":
    """A finding of the per-patient Bundle, moved to its line: file, pointer inside that line's
    resource, and line and column in that file."""
    from orderlint.fhir.lint import FileFinding
    from orderlint.reader import line_source, parse_json

    parts = f.pointer.split("/")
    idx = first
    rest = ""
    if len(parts) >= 4 and parts[1] == "entry" and parts[2].isdigit() and parts[3] == "resource":
        idx = int(parts[2])
        rest = "/".join([""] + parts[4:]) if len(parts) > 4 else ""
    fid, line, raw = places[idx]
    d = located.get(idx)
    if d is None:
        d = located[idx] = parse_json(raw, line_source(files[fid], line), first_line=line)
    ln, col = d.locate(rest)
    return FileFinding(f.code, f.name, f.severity, f.message, f.order, rest, ln, col, f.source, f.fix, f.suppressed,
                       file=files[fid])


__all__ = ["BATCH_BYTES", "BATCH_ROWS", "CACHE_KIB", "MANIFEST", "TYPES", "bulk_files", "connect", "export_paths", "is_bulk_folder",
           "iter_bulk", "unused_result"]
