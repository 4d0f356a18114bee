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
file and line order) and per sign that the export is incomplete, and one OL008 result per file of
drugs that is not read (UNREAD_MEDICATION_TYPES).

A failed or partial export is never a pass (interfaces.md: exit 0 needs every document read and
checked), said as a missing file already is, by an OL001 result of the export (its file, or the
manifest): which patients it leaves out is not known, so no patient's result can carry it.

- an OperationOutcome line, in any file (`OperationOutcome.ndjson`, a manifest's `error` (Bulk
  Data STU 1-3) or `outcome` (STU 4) file), with an issue whose severity is not warning,
  information or success (or with no issue): OL001 at that line;
- the manifest's error file absent from the folder, unless its `countSeverity` counts no error;
  an `output` absent from the folder or with no `url`; a kick-off `request` with `_since` (only
  what changed since then) or with a `_type` that names neither MedicationRequest nor
  MedicationStatement: OL001 at the manifest;
- a file whose non-blank lines are not the `count` its manifest gives: OL001 at the file.

An export with no MedicationRequest or MedicationStatement at all (no file, or an empty one)
cannot be told from patients with no orders; each patient's no-orders note says so
(NO_MEDICATIONS). A Bundle line is read as its one patient's resources (nested Bundles included;
a `urn:uuid:` reference read through the Patient entry's `fullUrl`); one that names several
patients or none is a resource that names no patient (below). Each finding carries ``file`` (the file of its line); its pointer is inside
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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Optional

from orderlint.fhir.r4 import R4_TYPES
from orderlint.fhir.outcome import NOT_ERRORS

if TYPE_CHECKING:  # the reading and linting modules load on first use: is_bulk_folder stays cheap
    import sqlite3

    from orderlint.engine import Linter
    from orderlint.fhir.lint import FhirResult, FileFinding
    from orderlint.fhir.mapping import Mapped
    from orderlint.findings import Finding
    from orderlint.reader import Document

#: SQLite page cache, in KiB; the sorter of CREATE INDEX uses no more than this before it spills
#: to temporary files. The part of the memory bound that does not depend on a patient.
CACHE_KIB = 1024
#: Rows inserted per batch while loading, and the most bytes of raw text a batch holds.
BATCH_ROWS = 1000
BATCH_BYTES = 1 << 20
#: Resource types read from an export (fhir.md section 1), with Bundle (each line one patient's
#: resources, as a FHIR NDJSON line may be) and OperationOutcome (what the export says went wrong:
#: an error or fatal issue is an OL001, the export is incomplete); files of other types are skipped,
#: those of UNREAD_MEDICATION_TYPES with an OL008 note. A manifest's output with no `type` (an
#: export with `outputOrganizedBy`) is a file of several types, read as these are.
TYPES = frozenset({"Patient", "MedicationRequest", "MedicationStatement", "Observation", "Condition", "ServiceRequest",
                   "Procedure", "Medication", "DiagnosticReport", "ImagingStudy", "Bundle", "OperationOutcome"})
#: Types that record drugs but are not read (not orders: fhir.md section 1 reads MedicationRequest
#: and MedicationStatement): a file of one is said once, never skipped silently.
UNREAD_MEDICATION_TYPES = frozenset({"MedicationAdministration", "MedicationDispense"})
# `<Type>.ndjson`, also numbered before the type as the SMART reference client saves them
# (`1.Patient.ndjson`) and as .jsonl: read one line at a time, such an export's orders were each
# checked alone (two prednisone orders of one patient, 20 mg a day together, passed). .gz: read decompressed.
_FILE_NAME = re.compile(r"^(?:[0-9]+\.)?(?P<type>[A-Z][A-Za-z]+)(?:\.[^./]+)*\.(?:ndjson|jsonl)(?:\.gz)?$")
#: The temporary database: one row per resource (`res`), per Medication (`meds`, found by
#: reference) and per line that is not a resource (`bad`: its OL001), indexed once loaded. Patients
#: and their rows are read back through the index (no temporary sort; tested).
SCHEMA = ("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT)",
          "CREATE TABLE res (patient TEXT, file INTEGER, line INTEGER, raw TEXT)",
          "CREATE TABLE meds (ref TEXT, file INTEGER, line INTEGER, raw TEXT)",
          # stream: 1 when source names a line of a file (a LineSource), 0 for a whole file
          "CREATE TABLE bad (source TEXT, message TEXT, pointer TEXT, line INTEGER, col INTEGER, stream INTEGER)")
INDEXES = ("CREATE INDEX res_patient ON res (patient, file, line)", "CREATE INDEX meds_ref ON meds (ref, file, line)")
PATIENTS_SQL = "SELECT DISTINCT patient FROM res ORDER BY patient"
ROWS_SQL = "SELECT file, line, raw FROM res WHERE patient = ? ORDER BY file, line"
MED_SQL = "SELECT file, line, raw FROM meds WHERE ref = ? ORDER BY file, line"
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
    names = _names(folder)
    files = _typed_files(folder, names)
    if MANIFEST in names:
        # A manifest names a numbered file by its url: read when it lists it (_export_files).
        files = [(t, p) for t, p in files if not _numbered(os.path.basename(p))]
    return files


def _numbered_files(folder: str) -> list[tuple[str, str]]:
    """(resource type, path) of the files numbered as a client saves them (`1.Patient.ndjson`)."""
    return [(t, p) for t, p in _typed_files(folder, _names(folder)) if _numbered(os.path.basename(p))]


def _names(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _typed_files(folder: str, names: list[str]) -> list[tuple[str, str]]:
    """(resource type, path) of the regular files among ``names`` that an R4 resource type names."""
    out = []
    for n in names:
        mt = _FILE_NAME.match(n)
        if mt and mt.group("type") in R4_TYPES and os.path.isfile(os.path.join(folder, n)):
            out.append((mt.group("type"), os.path.join(folder, n)))
    return out


def _numbered(name: str) -> bool:
    """A file named `<n>.<Type>.ndjson`, as a client numbers the files it saves."""
    return name[:1].isdigit()


def _typed_names(folder: str) -> list[str]:
    """The names in an export folder that an R4 resource type names, whatever they are."""
    return [n for n in _names(folder) if (mt := _FILE_NAME.match(n)) is not None and mt.group("type") in R4_TYPES]


def problems_at(folder: str) -> str:
    """Where the findings about the export itself are placed: its manifest, or the folder when it
    has none (a file there that cannot be read)."""
    manifest = os.path.join(folder, MANIFEST)
    return manifest if os.path.isfile(manifest) else folder


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


class _Manifest(NamedTuple):
    """What a Bulk Data export manifest says (Bulk Data Access IG, BulkDataManifest): each
    `output` as (type, or '' when the manifest has `outputOrganizedBy`; url; `count`, the
    resources in the file, or None), each `error` (STU 1-3) or `outcome` (STU 4) file of
    OperationOutcomes as (url, whether it may hold an error: not when its `countSeverity` counts
    only warnings and information), and the entries that cannot be used, each an OL001 message."""

    outputs: list[tuple[str, str, Optional[int]]]
    outcomes: list[tuple[str, bool]]
    problems: list[str]


def _manifest(path: str) -> Optional[_Manifest]:
    """The Bulk Data export manifest at ``path``, or None when the file is not one (another file
    may be called manifest.json)."""
    data, _why = _manifest_json(path)
    return None if data is None else _manifest_of(data)


def _manifest_json(path: str) -> tuple[Optional[dict], Optional[str]]:
    """(the JSON of the export manifest at ``path``, None), else (None, why the file there is no
    manifest; None when there is no file)."""
    import json

    if not os.path.lexists(path):
        return None, None
    if not os.path.isfile(path):  # a folder, a dangling link, a pipe (opened, it waited forever)
        return None, "it is not a regular file"
    try:
        if os.path.getsize(path) > _MANIFEST_MAX_BYTES:
            return None, f"it is over {_MANIFEST_MAX_BYTES >> 20} MiB"
        with open(path, "rb") as f:
            data = json.loads(f.read())
    except OSError as e:
        return None, e.strerror or str(e)
    except (ValueError, RecursionError):
        return None, "it is not valid JSON"
    if not isinstance(data, dict) or "transactionTime" not in data or not isinstance(data.get("output"), list):
        return None, "it has no `transactionTime` and `output` array"
    return data, None


def _manifest_of(data: dict) -> _Manifest:
    """What a manifest's JSON (``_manifest_json``) says."""
    outputs: list[tuple[str, str, Optional[int]]] = []
    outcomes: list[tuple[str, bool]] = []
    problems: list[str] = []
    for i, o in enumerate(data["output"], 1):
        o = o if isinstance(o, dict) else {}
        rtype: str = o["type"] if isinstance(o.get("type"), str) else ""
        url = o.get("url")
        if not isinstance(url, str) or not url.strip():
            problems.append(f"the export manifest's output {i}{f' ({rtype})' if rtype else ''} has no `url`: its file cannot be found")
            continue
        count = o.get("count")
        outputs.append((rtype, url, count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None))
    for key in ("error", "outcome"):
        items = data.get(key)
        for i, o in enumerate(items if isinstance(items, list) else [], 1):
            url = o.get("url") if isinstance(o, dict) else None
            if not isinstance(url, str) or not url.strip():
                problems.append(f"the export manifest's {key} {i} has no `url`: the export's error messages cannot be read")
                continue
            cs = o.get("countSeverity")
            known = isinstance(cs, list) and bool(cs) and all(isinstance(c, dict) for c in cs)
            outcomes.append((url, not known or any(c.get("code") not in NOT_ERRORS and c.get("count") != 0 for c in cs)))
    if isinstance(data.get("request"), str):
        problems += _partial_request(data["request"])
    return _Manifest(outputs, outcomes, problems)


def holds_nothing(paths: Iterable[str]) -> bool:
    """Whether none of an export's files (read or not: a MedicationAdministration file too) holds a
    non-blank line, each read up to its first one; no file at all holds nothing (a manifest whose
    `output` is empty). A file that cannot be read, or read whole, is not empty: it is said where
    it is read. Shared with orderlint.spark, so that both say it alike."""
    from orderlint.reader import open_lines

    for p in paths:
        try:
            with open_lines(p) as f:
                for line in f:
                    if line.strip():
                        return False
        except (OSError, ValueError):
            return False
    return True


def empty_message(folder: str) -> str:
    """The OL001 message of an export that holds no resource at all. Shared with orderlint.spark."""
    return (f"the Bulk Data export {folder!r} holds no resource (its files are empty): nothing was checked, and an export "
            "that came out empty is not a pass")


def _partial_request(request: str) -> list[str]:
    """OL001 messages for a kick-off request (the manifest's `request`) that asked for part of
    each patient's data: `_since` (only resources changed since then: a patient's older orders are
    not in the export) or a `_type` with neither MedicationRequest nor MedicationStatement (no order
    at all). Either way, every patient's result would look complete while it is not."""
    from urllib.parse import parse_qs, urlsplit

    try:
        query = parse_qs(urlsplit(request).query)
    except ValueError:
        return []
    out = []
    since = [v for v in query.get("_since", ()) if v.strip()]
    if since:
        out.append(f"the export was requested with _since={since[0][:40]}: it holds only the resources changed since then, "
                   "so each patient's older orders are not in it and its regimen was not checked whole")
    types = {t.strip() for v in query.get("_type", ()) for t in v.split(",") if t.strip()}
    if types and not types & {"MedicationRequest", "MedicationStatement"}:
        out.append(f"the export was requested with _type={','.join(sorted(types))[:200]}: it holds no MedicationRequest "
                   "or MedicationStatement, so no order was checked")
    elif types and "MedicationRequest" not in types:
        out.append(f"the export was requested with _type={','.join(sorted(types))[:200]}: it holds no MedicationRequest, "
                   "so the patients' orders were not checked")
    # A filter on the orders (`MedicationRequest?status=completed`) leaves out the ones it does not
    # match, and `_elements` keeps only some elements of each resource (a dose, a status): either way
    # a patient's result would look complete while it is not.
    filtered = sorted({q.strip() for v in query.get("_typeFilter", ()) for q in v.split(",")
                       if q.strip().split("?", 1)[0] in ("MedicationRequest", "MedicationStatement")})
    if filtered:
        out.append(f"the export was requested with _typeFilter={','.join(filtered)[:200]}: it holds only the orders "
                   "that match, so each patient's regimen was not checked whole")
    elements = [v for v in query.get("_elements", ()) if v.strip()]
    if elements:
        out.append(f"the export was requested with _elements={elements[0][:200]}: each resource holds only those "
                   "elements, so the orders were not checked whole")
    return out


def _url_name(url: str) -> str:
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _export_files(folder: str) -> tuple[list[tuple[str, str]], list[str], list[tuple[list[str], int]]]:
    """The files of an export: those named by type, and those a manifest lists by the last part
    of their url (`1.Patient.ndjson`, `err_file_1.ndjson`), with the manifest's type ('' for an
    output with none: a file of several types; OperationOutcome for its error files); the
    manifest's entries whose file is not in the folder, each an OL001 message (a missing file is
    missing patient data; a missing error file, an export that may have failed, unless its
    `countSeverity` says it holds no error); and the manifest's counts, (files, resources). An
    entry whose url names no file here counts as present while the folder holds an unlisted file
    of its type (saved under its type's name: `MedicationRequest.000.ndjson`)."""
    files = bulk_files(folder)
    # A file named by a type that cannot be read (a dangling link, a folder): its resources are
    # missing. Left out without a word, an export whose MedicationRequest.ndjson was a broken link
    # read as one with no orders (the API and Spark; the command line's walk says it on its own).
    unread = [f"{n} in the export folder cannot be read (not a regular file, or a link to nothing): its resources "
              "were not checked" for n in _typed_names(folder) if not os.path.isfile(os.path.join(folder, n))]
    data, why = _manifest_json(os.path.join(folder, MANIFEST))
    if data is None:
        if why is not None:
            # Read as no manifest, an export whose manifest was cut short lost the check of the files it
            # lists (the API and Spark; the command line's walk linted it as a document on its own).
            unread.append(f"the export's {MANIFEST} cannot be read as a Bulk Data export manifest ({why}): which files "
                          "the export holds, and whether it is complete, is not known")
        return files, unread, []
    m = _manifest_of(data)
    have = {os.path.basename(p) for _t, p in files}
    listed: set[str] = set()
    unmatched: dict[str, list[tuple[str, Optional[int], Optional[bool]]]] = {}
    counts: list[tuple[list[str], int]] = []
    entries = [(t, url, n, None) for t, url, n in m.outputs] + [("OperationOutcome", url, None, err) for url, err in m.outcomes]
    named_by: dict[str, str] = {}  # file name -> the first url that names it
    clashes: list[str] = []
    for rtype, url, count, needed in entries:
        name = _url_name(url)
        if name in named_by and named_by[name] != url and name in have:
            # Two outputs saved under one name the folder holds (part-1/ and part-2/MedicationRequest.ndjson):
            # it is one of them; read as present, the other's orders were left out without a word. (Urls
            # whose names the folder does not hold, `download?file=0`, are matched by type below.)
            clashes.append(f"the export manifest lists {named_by[name]} and {url}, which are saved under one file name "
                           f"{name}: the folder can hold only one of them, so the export is incomplete")
            continue
        named_by.setdefault(name, url)
        listed.add(name)
        path = os.path.join(folder, name)
        if name not in have:
            if name not in ("", ".", "..") and (rtype in R4_TYPES or rtype == "") and os.path.isfile(path):
                files.append((rtype, path))
                have.add(name)
            else:
                unmatched.setdefault(rtype, []).append((url, count, needed))
                continue
        if count is not None:
            counts.append(([path], count))
    missing = unread + list(m.problems) + clashes
    numbered = [(t, p) for t, p in _numbered_files(folder) if os.path.basename(p) not in listed]
    for rtype, items in unmatched.items():
        # Unlisted files of the type stand for the entries whose urls name no file here (an opaque
        # `Binary/a1` saved as `1.Patient.ndjson` or `Patient.000.ndjson`).
        files.extend((t, p) for t, p in numbered if t == rtype)
        spares = [p for t, p in files if t == rtype and os.path.basename(p) not in listed]
        if spares and len(spares) == len(items) and all(n is not None for _u, n, _e in items):
            counts.append((spares, sum(n or 0 for _u, n, _e in items)))
        for url, _n, needed in items[len(spares):]:
            if needed is not None:  # an error (outcome) file
                if needed:
                    missing.append(f"the export manifest lists {url}, the export's error messages, which is not in the folder: "
                                   "whether the export is complete is not known")
            else:
                missing.append(f"the export manifest lists {url} ({rtype or 'resources of several types'}), which is not in the folder")
    files.sort(key=lambda tp: os.path.basename(tp[1]))
    return files, missing, counts


def export_paths(folder: str) -> list[str]:
    """Every file an export folder's lint reads: its NDJSON files (named by type, or listed by its
    manifest) and the manifest itself; for a folder walk that lints the folder as one unit and any
    other file in it on its own."""
    paths = [p for _t, p in _export_files(folder)[0]]
    manifest = os.path.join(folder, MANIFEST)
    if os.path.isfile(manifest):  # one that is no manifest is said by the export's lint (_export_files)
        paths.append(manifest)
    return paths


def _patient_key(r: dict, urls: Optional[dict[str, str]] = None) -> Optional[str]:
    """The patient a line's resource is about; a Bundle line's is the one patient its resources
    name (a Bulk Data line may be a Bundle of one patient's resources), else none."""
    from orderlint.fhir.mapping import _ref_id

    if r.get("resourceType") == "Patient":
        rid = r.get("id")
        return rid if isinstance(rid, str) and rid else None
    if r.get("resourceType") == "Bundle":
        return _bundle_patient(r)
    for f in ("subject", "patient"):
        ref = r.get(f)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            s = ref["reference"].strip()
            if urls and s in urls:
                return urls[s]
            if s.startswith("urn:uuid:"):
                return s[len("urn:uuid:"):]
            if "Patient/" in s:
                return _ref_id(s)
    return None


def _bundle_patient(bundle: dict) -> Optional[str]:
    """The one patient the resources of a Bundle name; None when they name several or none (the
    Bundle is then a resource that names no patient, fhir.md section 1)."""
    keys = _bundle_patients(bundle)
    return keys.pop() if len(keys) == 1 else None


def _bundle_patients(bundle: dict) -> set[str]:
    """The patients the resources of a Bundle (nested Bundles included) name, a reference to a
    Patient entry's `fullUrl` (`urn:uuid:`) read as that Patient's id."""
    resources: list[dict] = []
    urls: dict[str, str] = {}
    stack = [bundle]
    while stack:
        entries = stack.pop().get("entry")
        for e in entries if isinstance(entries, list) else ():
            res = e.get("resource") if isinstance(e, dict) else None
            if not isinstance(res, dict):
                continue
            if res.get("resourceType") == "Bundle":
                stack.append(res)
                continue
            if res.get("resourceType") == "Patient" and isinstance(e.get("fullUrl"), str) and isinstance(res.get("id"), str) and res["id"]:
                urls[e["fullUrl"].strip()] = res["id"]
            resources.append(res)
    return {k for k in (_patient_key(res, urls) for res in resources) if k is not None}


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
        names, missing, counts = _export_files(folder)
        where = problems_at(folder)
        for message in missing:
            _put_bad(db, where, message)
        for path, message in stray_files(folder, names):
            _put_bad(db, path, message)
        read: dict[str, int] = {}  # file -> its lines, for the manifest's counts
        unread: list[tuple[str, str]] = []
        medications = False
        for fid, (rtype, path) in enumerate(names):
            db.execute("INSERT INTO files VALUES (?, ?)", (fid, _blob(path)))
            if rtype in TYPES or rtype == "":
                read[path], held = _load(db, fid, path)
                medications = medications or held
            elif rtype in UNREAD_MEDICATION_TYPES:
                unread.append((rtype, path))
            db.commit()
        for paths, count in counts:
            if all(p in read for p in paths):
                _count_check(db, paths, sum(read[p] for p in paths), count)
        # One test with Spark's; files listed but absent, or not read whole, are said as such.
        if not missing and holds_nothing(p for _t, p in names):
            _put_bad(db, where, empty_message(folder))
        for stmt in INDEXES:
            db.execute(stmt)
        db.commit()
        files = {fid: path for fid, (_t, path) in enumerate(names)}
        for source, message, pointer, line, col, stream in db.execute("SELECT * FROM bad ORDER BY rowid"):
            source, message = _text(source), _text(message)
            if stream:
                source = LineSource(source)
            f = linter._finding("OL001", message, pointer, None, None, (line, col))
            yield FhirResult(source, None, "invalid", None, [f])
        if "OL008" in linter.enabled:
            for rtype, path in unread:
                f = linter._finding("OL008", unread_message(path), "", None, None)
                yield FhirResult(path, None, "not-applicable", None, [f])
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
            for r in _patient(db, pid, files, linter, strict, unnamed=unnamed and len(first) == 1):
                if not medications:  # said where each patient's no-orders is (fhir.md section 1, no-orders)
                    for f in r.findings:
                        if f.code == "OL008" and f.message.startswith("no-orders:"):
                            f.message += NO_MEDICATIONS
                yield r
    finally:
        db.close()
        shutil.rmtree(work, ignore_errors=True)


#: Added to each patient's ``no-orders`` note when the export holds no order at all: with no
#: MedicationRequest or MedicationStatement file (or an empty one), an export that left them out
#: (`_type`) cannot be told from patients with none.
NO_MEDICATIONS = (" (the export holds no MedicationRequest or MedicationStatement at all: an export that left them out "
                  "cannot be told from patients with none)")


def _count_check(db: "sqlite3.Connection", paths: list[str], n: int, count: int) -> None:
    """An OL001 at the file when it does not hold the resources its manifest `count` says: a file
    cut short (or not the one the export wrote) is missing patient data, never a pass."""
    message = count_problem(paths, n, count)
    if message is not None:
        _put_bad(db, paths[0], message)


#: Checksum, signature and backup copies beside an export file: no data of the export.
_SIDECARS = frozenset({"md5", "sha1", "sha256", "sha512", "crc", "sig", "asc", "bak", "orig"})

#: A compression or archive suffix orderlint does not read (it reads `.gz`), on an NDJSON file or a
#: file named by a resource type: `MedicationRequest.ndjson.bz2`, `.ndjson.tar.gz`, `MedicationRequest.zip`.
#: (Checksum and backup sidecars, `.md5`, `.bak`, are no data.)
_PACKED = re.compile(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|tar|bz2|xz|zst|zstd|zip|lz4|lzma|lz|7z|br|z)$")


def stray_files(folder: str, files: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(path, OL001 message) of each NDJSON file under an export folder that is not one of its
    ``files`` (``_export_files``): one whose name is not a resource type's (`MedicationRequest.NDJSON`,
    `.MedicationRequest.ndjson`, `MedicationOrder.ndjson`, `meds.ndjson`), one a manifest does not
    list (`1.MedicationRequest.ndjson`), or one in a folder below it (an export is one folder).
    Left unread, its resources were left out of every patient: the orders in it went unchecked
    (each patient `OL008 no-orders`, exit 0). Shared with orderlint.spark."""
    taken = {os.path.abspath(p) for _t, p in files}
    out = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for n in sorted(names):
            path = os.path.join(root, n)
            low = n.lower()
            if os.path.abspath(path) in taken or low.rsplit(".", 1)[-1] in _SIDECARS:
                continue
            typed = n.split(".", 1)[0] in R4_TYPES
            packed = _PACKED.search(low)
            if packed is not None and not (".ndjson" in low or typed):
                packed = None  # another file that happens to be compressed: not the export's
            if not (low.endswith((".ndjson", ".ndjson.gz")) or packed or ".ndjson" in low or typed):
                continue
            named = _FILE_NAME.match(n)
            if packed is not None:
                # Skipped by its name, a MedicationRequest.ndjson.bz2 left its patients' orders unchecked.
                why = f"it is compressed as .{packed.group(1)}, which orderlint does not read (it reads .ndjson and .ndjson.gz)"
            elif root != folder:
                why = "it is in a folder below the export's, and an export is read from its own folder only"
            elif not low.endswith((".ndjson", ".ndjson.gz")):
                # Renamed or cut short (`.ndjson.part`, `.ndjson.1`, a bare `MedicationRequest`): data not read.
                why = "its name does not end in .ndjson or .ndjson.gz, so it is not read as an export file"
            elif named is None or named.group("type") not in R4_TYPES:
                why = ("its name is no FHIR R4 resource type's (an export file is named `<Type>.ndjson`, as "
                       "`MedicationRequest.ndjson`)") + (", and the export manifest does not list it"
                                                          if os.path.isfile(os.path.join(folder, MANIFEST)) else "")
            elif _numbered(n) and os.path.isfile(os.path.join(folder, MANIFEST)):
                why = ("the export manifest does not list it (a file numbered as a client saves them, `1.Patient.ndjson`, "
                       "is read when the manifest lists it)")
            else:
                continue  # named by its type: read, or said by the manifest's own checks
            out.append((path, f"{os.path.relpath(path, folder)} is not read as part of the Bulk Data export {folder!r}: "
                              f"{why}; the resources it holds would be left out of every patient"))
    return out


def map_patient(bundle: dict, source: str, linter: "Linter") -> list["Mapped"]:
    """One patient's Bundle mapped with the run's settings (namespace, as_of, look-back windows).
    Shared with orderlint.spark, which mapped it without the site's `fhir-namespace`: a site's
    ild-outcome extension went unread there, and ILD203 with it."""
    from orderlint.fhir.lint import _pulse_min
    from orderlint.fhir.mapping import DEFAULT_NAMESPACE, map_fhir

    ns = getattr(linter.settings, "fhir_namespace", None) or DEFAULT_NAMESPACE
    return map_fhir(bundle, source=source, vocab=linter.vocab, as_of=getattr(linter, "_as_of", None), namespace=ns,
                    lookback=getattr(linter, "_lookback", None), pulse_min=_pulse_min(linter))


def unread_message(path: str) -> str:
    """The OL008 message of a file of drugs that is not read (UNREAD_MEDICATION_TYPES). Shared with
    orderlint.spark."""
    return (f"unsupported-resource: {os.path.basename(path)} is not read (a Bulk Data export is read for its "
            "MedicationRequests and MedicationStatements): the drugs it records are not checked")


def count_problem(paths: list[str], n: int, count: int) -> Optional[str]:
    """The OL001 message (at ``paths[0]``) of files holding ``n`` resources that their manifest
    counts ``count``, else None. Shared with orderlint.spark, so that both give the same rows."""
    if n == count:
        return None
    names = ", ".join(os.path.basename(p) for p in paths)
    held = f"{'hold' if len(paths) > 1 else 'holds'} {n} resource{'' if n == 1 else 's'}"
    why = ("the file is not all of the export, and what it lacks was not checked" if n < count else
           "the file is not the one the export listed: which of its resources belong to the export is not known")
    return f"{names} {held}, but the export manifest counts {count}: {why}"


def _outcome_error(r: dict) -> Optional[str]:
    """The OL001 message of an OperationOutcome of an export that reports an error (read as
    orderlint.fhir.outcome reads every OperationOutcome), else None."""
    from orderlint.fhir.outcome import error_issues, issue_text

    errors = error_issues(r)
    if errors is None:
        return None
    if not errors:
        what = "an OperationOutcome with no issue"
    else:
        i = errors[0]
        code = i.get("code") if isinstance(i, dict) and isinstance(i.get("code"), str) else None
        text = issue_text(i)
        what = ": ".join(x.strip()[:200] for x in (code, text) if x and x.strip()) or (
            "an issue with no code or text" if isinstance(i, dict) else "an issue that is not an object")
        if len(errors) > 1:
            what += f"; and {len(errors) - 1} more"
    return f"the export reports an error ({what}): it is incomplete, and the patient data it lacks was not checked"


def _blob(text: str) -> bytes:
    """Text as SQLite can hold it: a file name that is not UTF-8 (surrogate escapes) failed the
    insert with UnicodeEncodeError, an internal error that lost every other input's report."""
    return text.encode("utf-8", "surrogatepass")


def _text(value: Any) -> Any:
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def _put_bad(db: "sqlite3.Connection", source: str, message: str, pointer: str = "", line: Optional[int] = 1,
             col: Optional[int] = 1, stream: bool = False) -> None:
    """A finding about the export or one of its lines, kept on disk (OL001 when read back)."""
    db.execute("INSERT INTO bad VALUES (?, ?, ?, ?, ?, ?)", (_blob(source), _blob(message), pointer, line, col, stream))


def _valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _load(db: "sqlite3.Connection", fid: int, path: str) -> tuple[int, bool]:
    """Load one file; returns its lines (what a manifest's `count` counts) and whether it holds a
    MedicationRequest or MedicationStatement (alone or in a Bundle)."""
    from orderlint.fhir.mapping import MEDICATION_TYPES
    from orderlint.reader import LineSource, iter_jsonl_lines, jsonl_document, line_source, open_lines

    batch: list[tuple[str, int, int, str]] = []
    meds: list[tuple[str, int, int, str]] = []
    size = 0
    lines = 0
    held = False

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
        _put_bad(db, source, message, pointer, line, col, isinstance(source, LineSource))

    try:
        stream = open_lines(path)
    except OSError as e:
        bad(path, f"cannot read {path}: {e.strerror or e}", "", 1, 1)
        return lines, held
    with stream:
        try:
            for src, lineno, raw in iter_jsonl_lines(stream, path):
                lines += 1
                doc = jsonl_document(src, lineno, raw)
                if doc.error is not None:
                    bad(line_source(path, lineno), doc.error.message, doc.error.pointer, doc.error.line, doc.error.column)
                    continue
                r = doc.data
                if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
                    bad(line_source(path, lineno), "not a FHIR resource: a line of a Bulk Data file is one resource object", "", lineno, 1)
                    continue
                text = doc.text or ""
                rtype = r["resourceType"]
                if rtype == "OperationOutcome":  # what the export says went wrong: not a patient's resource
                    message = _outcome_error(r)
                    if message is not None:
                        bad(line_source(path, lineno), message, "", lineno, 1)
                    continue
                held = held or rtype in MEDICATION_TYPES or (rtype == "Bundle" and _medications_in(r) > 0)
                key = f"Medication/{r['id']}" if rtype == "Medication" and isinstance(r.get("id"), str) else (
                    None if rtype == "Medication" else _patient_key(r) or "")
                if key is not None and not _valid_text(key):
                    # A lone surrogate escape in the id ('p\ud800'): as the same Bundle is, OL001.
                    bad(line_source(path, lineno), "the resource names its patient (or its id) with text that is not "
                        "valid Unicode (a lone surrogate escape): whose data it is cannot be read", "", lineno, 1)
                    continue
                if rtype == "Medication":
                    if key is not None:
                        meds.append((key, fid, lineno, text))
                else:
                    batch.append((key or "", fid, lineno, text))
                size += len(text)
                if len(batch) + len(meds) >= BATCH_ROWS or size >= BATCH_BYTES:
                    flush()
        except OSError as e:  # truncated while being read: said, never silently shorter
            bad(path, f"{path}: {e.strerror or e}", "", 1, 1)
    flush()
    return lines, held


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
        what = ("names several patients (a Bundle line of an export is read as one patient's)" if len(_bundle_patients(r)) > 1
                else "names no patient that can be placed")
        f = linter._finding("OL001", f"{name} {what} and holds {held} medication "
                            f"resource{'s' if held != 1 else ''} (the export holds several patients): it was not checked",
                            "", None, None)
        return FhirResult(source, None, "invalid", None, [_relocate(f, [(0, line, raw)], {0: path}, {}, 0)], patient=None)
    message = _outcome_error(r) if rtype == "OperationOutcome" and isinstance(r, dict) else None
    if message is not None:  # both readers report an OperationOutcome at its line; should one come here, the same
        f = linter._finding("OL001", message, "", None, None)
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


def copies(rows: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The rows of one Medication id, in file and line order: the first of each different text, at
    most two. Two that differ are OL001 in the patient's Bundle ("in the input twice with different
    content"), as in a Bundle given whole: the first copy, read alone, made a cyclophosphamide
    order a folic acid one."""
    out: list[tuple[int, int, str]] = []
    for row in rows:
        if all(row[2] != kept[2] for kept in out):
            out.append(row)
            if len(out) == 2:
                break
    return out


def patient_bundle(rows: Iterable[tuple[int, int, str]], medication: Callable[[str], list[tuple[int, int, str]]],
                   files: dict[int, str]) -> tuple[dict, list[tuple[int, int, str]], int, str]:
    """One patient's resources as the Bundle the mapping reads, shared by the command line and
    Spark: ``rows`` (file id, line, raw text) in file and line order, then the Medications they
    reference (``medication(ref)`` -> its ``copies``), each id once. Returns the Bundle, each entry's
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
        for row in medication(ref):
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
    from orderlint.reader import Document

    rows: Iterable[tuple[int, int, str]] = db.execute(ROWS_SQL, (pid,))
    if unnamed:  # two index ranges, each in (file, line) order: merged without a temporary sort
        rows = heapq.merge(rows, db.execute(ROWS_SQL, ("",)), key=lambda row: (row[0], row[1]))
    bundle, places, first, source = patient_bundle(rows, lambda ref: copies(db.execute(MED_SQL, (ref,))), files)
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
    for m in map_patient(bundle, source, linter):
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
    message = f.message
    if "/entry/" in message:  # another entry named in the words ('also at /entry/4/resource'): its line
        message = _ENTRY_IN_TEXT.sub(lambda m: _entry_place(m, places, files), message)
    return FileFinding(f.code, f.name, f.severity, message, f.order, rest, ln, col, f.source, f.fix, f.suppressed,
                       file=files[fid])


_ENTRY_IN_TEXT = re.compile(r"/entry/(\d+)/resource((?:/[^\s)/]+)*)")


def _entry_place(m: "re.Match[str]", places: list[tuple[int, int, str]], files: dict[int, str]) -> str:
    i = int(m.group(1))
    if i >= len(places):
        return m.group(0)
    fid, line, _raw = places[i]
    return f"{files[fid]}:{line}" + (f" at {m.group(2)}" if m.group(2) else "")


__all__ = ["BATCH_BYTES", "BATCH_ROWS", "CACHE_KIB", "MANIFEST", "NO_MEDICATIONS", "TYPES", "UNREAD_MEDICATION_TYPES", "bulk_files", "connect", "count_problem", "export_paths", "is_bulk_folder",
           "iter_bulk", "unread_message", "unused_result"]
