"""Every file of the external FHIR corpus (../shared/fhir-corpus: real public FHIR R4, CDS Hooks and
Bulk Data files, many messy or invalid as published) is read with no crash or traceback, gives a
result per document (per patient), and each gap its MANIFEST.md flags is a finding (fhir.md section 6).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir, lint_fhir_ndjson
from orderlint.fhir.bulk import bulk_files, iter_bulk
from orderlint.reader import unescape_token

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "fhir-corpus"  # shared/ lies beside the work tree (and CI's clone)
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the external FHIR corpus (shared/fhir-corpus) is not on this machine")

JSON_FILES = sorted(CORPUS.rglob("*.json")) if CORPUS.is_dir() else []
JSON_FILES = [p for p in JSON_FILES if p.name != "manifest.json"]
NDJSON_FILES = sorted(CORPUS.rglob("*.ndjson")) if CORPUS.is_dir() else []
#: Flagged "non-UCUM dose unit" in MANIFEST.md for a non-UCUM unit elsewhere than the dose (the
#: dispense quantity in TAB): the dose itself is UCUM `mg`, so there is no dose-unit gap to report.
NON_UCUM_ELSEWHERE = {"fhir-r4-spec/medicationrequest0331.json"}


def _flags() -> dict[str, list[str]]:
    out = {}
    if not CORPUS.is_dir():
        return out
    for line in (CORPUS / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 5 and cells[2].isdigit():  # file, repo path, bytes, drugs, flags
            out[cells[0].strip("`")] = [f.strip() for f in cells[4].split(";") if f.strip() not in ("-", "")]
    return out


FLAGS = _flags()


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def _resolves(data, pointer: str) -> bool:
    node = data
    for raw in pointer.split("/")[1:] if pointer else ():
        t = unescape_token(raw)
        if isinstance(node, dict) and t in node:
            node = node[t]
        elif isinstance(node, list) and t.isdigit() and int(t) < len(node):
            node = node[int(t)]
        else:
            return False
    return True


def test_the_manifest_lists_every_file():
    listed = set(FLAGS)
    on_disk = {str(p.relative_to(CORPUS)) for p in JSON_FILES + NDJSON_FILES}
    assert on_disk <= listed | {"synthea-bulk-10/MedicationRequest.subset.ndjson"}
    assert len(JSON_FILES) + len(NDJSON_FILES) == 126


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_json_file_gives_results_with_every_gap_a_finding(path: Path, linter):
    import json

    rel = str(path.relative_to(CORPUS))
    flags = FLAGS.get(rel, [])
    results = lint_fhir(path.read_bytes(), linter=linter, source=rel)
    assert results, rel
    patients = [r.patient for r in results]
    assert len(patients) == len(set(patients)), "one result per patient"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        data = None
    findings = [f for r in results for f in r.findings]
    for r in results:
        assert r.status in ("checked", "not-applicable", "invalid")
        assert r.status == "checked" or r.findings, "a document that is not checked says why"
    for f in findings:
        assert f.code != "OL000", f.message
        assert f.line >= 1 and f.column >= 1 and f.message and f.source
        if data is not None:
            assert _resolves(data, f.pointer), (f.code, f.pointer)
    keys = {f.message.split(":")[0] for f in findings if f.code == "OL008"}
    codes = {f.code for f in findings}
    if "INVALID-JSON" in flags:
        assert [r.status for r in results] == ["invalid"] and codes == {"OL001"}
        return
    # A CDS Hooks request whose draft order is a DSTU2 MedicationOrder is refused as a whole (OL001:
    # the order being signed cannot be checked), so the STU3 shapes inside that order are not noted.
    refused = codes == {"OL001"} and any(fl.startswith("DSTU2") for fl in flags)
    if any(fl.startswith("STU3") for fl in flags):
        assert keys & {"shape-repaired", "unsupported-resource"} or refused, keys
    if any(fl.startswith("DSTU2") for fl in flags):
        assert "unsupported-resource" in keys or codes == {"OL001"}
    if "non-UCUM dose unit" in flags and rel not in NON_UCUM_ELSEWHERE:
        assert "non-ucum-unit" in keys, keys
    if "free-text/no structured dose" in flags:
        assert keys & {"text-only-sig", "unsupported-resource"} or refused, keys


def test_the_bulk_data_folder_gives_one_result_per_patient_in_patient_id_order(linter):
    folder = CORPUS / "synthea-bulk-10"
    assert [t for t, _ in bulk_files(str(folder))] == ["MedicationRequest", "Patient"]
    patients = [line for line in (folder / "Patient.ndjson").read_text(encoding="utf-8").splitlines() if line.strip()]
    results = list(iter_bulk(str(folder), linter=linter))
    ids = [r.patient for r in results]
    assert len(results) == len(patients) and ids == sorted(ids)
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in folder.glob("*.ndjson")}
    seen_mr = 0
    for r in results:
        assert r.source.startswith(str(folder / "Patient.ndjson") + ":")
        for f in r.findings:
            assert f.code != "OL000" and f.file and f.line >= 1
            name = Path(f.file).name
            line = lines[name][f.line - 1]
            if f.order is not None:
                assert f'"id":"{f.order}"' in line.replace(" ", "")  # the finding's line is its MedicationRequest
                seen_mr += 1
    assert seen_mr > 0


@pytest.mark.parametrize("path", NDJSON_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_ndjson_file_read_as_fhir_ndjson_gives_a_result_per_line(path: Path, linter):
    n = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with path.open("rb") as stream:
        results = list(lint_fhir_ndjson(stream, linter=linter, source=str(path)))
    assert len(results) == n
    for i, r in enumerate(results, 1):
        assert r.source == f"{path}:{i}"
        assert all(f.code != "OL000" and f.line == i for f in r.findings)
