"""Resources that name no patient in a FHIR Bulk Data export (fhir.md section 1, "no subject: the
only patient"): an export of one patient reads them as that patient's; an export of several uses
them for none and says so with one OL008 `unresolved-reference` per resource, at its file and line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import bulk
from orderlint.fhir.bulk import connect, iter_bulk

from conftest import EXAMPLES

AS_OF = "2026-03-02"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date.fromisoformat(AS_OF)))


def patient_resources(example: str, pid: str) -> list[dict[str, Any]]:
    """The resources of an example Bundle, moved to patient ``pid`` (ids prefixed, so that two
    patients' copies never share an id)."""
    bundle = json.loads((EXAMPLES / "fhir" / f"{example}.bundle.json").read_text(encoding="utf-8"))
    out = []
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Patient":
            r["id"] = pid
        else:
            r["id"] = f"{pid}-{r['id']}"
            if "subject" in r:
                r["subject"] = {"reference": f"Patient/{pid}"}
        out.append(r)
    return out


def write_export(folder: Path, resources: list[dict[str, Any]]) -> None:
    """One NDJSON file per resource type, in the order given."""
    folder.mkdir(parents=True)
    by_type: dict[str, list[str]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(json.dumps(r, separators=(",", ":")))
    for rtype, lines in by_type.items():
        (folder / f"{rtype}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")


def hbv_of(resources: list[dict[str, Any]]) -> dict[str, Any]:
    (hbv,) = [r for r in resources if r["id"].endswith("-hbv")]
    return hbv


def codes(result: Any) -> list[str]:
    return [f.code for f in result.findings]


def test_the_fixture_needs_its_hbv_screening(tmp_path, linter):
    # The clean example is clean because of its hbv Observation: without it, ILD402 fires.
    res = patient_resources("ILD402-clean", "a")
    write_export(tmp_path / "with", res)
    write_export(tmp_path / "without", [r for r in res if r is not hbv_of(res)])
    (clean,) = iter_bulk(str(tmp_path / "with"), linter=linter)
    (fires,) = iter_bulk(str(tmp_path / "without"), linter=linter)
    assert clean.status == "checked" and "ILD402" not in codes(clean)
    assert fires.status == "checked" and "ILD402" in codes(fires)


def test_one_patient_export_a_screening_observation_with_no_subject_is_the_patients(tmp_path, linter):
    res = patient_resources("ILD402-clean", "a")
    del hbv_of(res)["subject"]
    write_export(tmp_path / "e", res)
    results = list(iter_bulk(str(tmp_path / "e"), linter=linter))
    (r,) = results  # no regimen of its own
    assert r.patient == "a" and r.status == "checked"
    assert "ILD402" not in codes(r), "the subject-less hbv screening counts for the only patient"
    assert not [f for f in r.findings if f.code == "OL008" and f.message.startswith("unresolved-reference")]
    assert r.source == f"{tmp_path / 'e' / 'Patient.ndjson'}:1"


def test_one_patient_export_a_medication_request_with_no_subject_is_the_patients(tmp_path, linter):
    res = patient_resources("ILD402-fires", "a")
    (mr,) = [r for r in res if r["resourceType"] == "MedicationRequest"]
    del mr["subject"]
    write_export(tmp_path / "e", res)
    (r,) = iter_bulk(str(tmp_path / "e"), linter=linter)
    assert r.patient == "a" and r.status == "checked"
    (f,) = [f for f in r.findings if f.code == "ILD402"]
    assert f.order == "a-rtx" and Path(f.file).name == "MedicationRequest.ndjson" and f.line == 1


def test_one_patient_export_resources_without_subject_keep_file_and_line_order(tmp_path, linter):
    # The patient's own lines and the subject-less ones interleave in one file: findings are still
    # located at their own line (the merge keeps each entry's place).
    res = patient_resources("ILD402-fires", "a")
    obs = [r for r in res if r["resourceType"] == "Observation"]
    for r in obs[::2]:
        del r["subject"]
    write_export(tmp_path / "e", res)
    (r,) = iter_bulk(str(tmp_path / "e"), linter=linter)
    assert r.patient == "a" and r.status == "checked" and "ILD402" in codes(r)
    located = [f for f in r.findings if f.order is not None]
    assert located
    for f in located:
        assert f'"id":"{f.order}"' in Path(f.file).read_text(encoding="utf-8").splitlines()[f.line - 1]


def test_several_patients_a_resource_with_no_subject_is_used_by_none_and_said(tmp_path, linter):
    a = patient_resources("ILD402-clean", "a")
    b = patient_resources("ILD402-clean", "b")
    orphan = hbv_of(a)
    a.remove(orphan)
    b.remove(hbv_of(b))
    del orphan["subject"]
    orphan["id"] = "nobody-hbv"
    resources = a + b + [orphan]
    write_export(tmp_path / "e", resources)
    results = list(iter_bulk(str(tmp_path / "e"), linter=linter))
    assert [r.patient for r in results] == [None, "a", "b"]
    unused, pa, pb = results
    # neither patient uses the hbv screening: both miss it
    assert "ILD402" in codes(pa) and "ILD402" in codes(pb)
    # the resource is reported at its file and line, by a result of its own
    obs_file = tmp_path / "e" / "Observation.ndjson"
    line = obs_file.read_text(encoding="utf-8").splitlines().index(json.dumps(orphan, separators=(",", ":"))) + 1
    assert (unused.source, unused.id, unused.status) == (f"{obs_file}:{line}", None, "not-applicable")
    (f,) = unused.findings
    assert f.code == "OL008" and f.severity == "info"
    assert f.message == "unresolved-reference: Observation names no patient, and the export holds several patients: not used"
    assert (f.file, f.line, f.column, f.pointer, f.order) == (str(obs_file), line, 1, "", None)
    d = unused.to_dict()
    assert d["patient"] is None and d["findings"][0]["file"] == str(obs_file)


def test_several_patients_each_unnamed_resource_is_its_own_result_in_file_and_line_order(tmp_path, linter):
    a = patient_resources("ILD402-fires", "a")
    b = patient_resources("ILD402-fires", "b")
    (mr,) = [r for r in b if r["resourceType"] == "MedicationRequest"]
    del mr["subject"]
    anon = {"resourceType": "Patient", "gender": "female"}  # a Patient with no id names no patient either
    write_export(tmp_path / "e", a + b + [anon])
    results = list(iter_bulk(str(tmp_path / "e"), linter=linter))
    # The MedicationRequest is an order no patient takes, never checked: invalid with OL001 (fail
    # closed; it was not-applicable with an OL008 note before), the Patient with no id an OL008 note.
    assert [(r.patient, r.status) for r in results] == [(None, "invalid"), (None, "not-applicable"), ("a", "checked"),
                                                        ("b", "not-applicable")]
    assert [r.source for r in results[:2]] == [f"{tmp_path / 'e' / 'MedicationRequest.ndjson'}:2",
                                               f"{tmp_path / 'e' / 'Patient.ndjson'}:3"]
    assert [(f.code, f.severity, f.order, f.message.split(" (")[0]) for r in results[:2] for f in r.findings] == [
        ("OL001", "error", "b-rtx", "MedicationRequest 'b-rtx' names no patient that can be placed"),
        ("OL008", "info", None, "unresolved-reference: Patient has no id, and the export holds several patients: not used")]
    assert [(f.file, f.line, f.pointer) for f in results[0].findings] == [(str(tmp_path / "e" / "MedicationRequest.ndjson"), 2, "")]
    # b's order was not hers to check: she has none
    assert [f.message.split(":")[0] for f in results[3].findings if f.code == "OL008"] == ["no-orders"]


@pytest.mark.parametrize("subject", [None, {"identifier": {"system": "urn:example:mrn", "value": "b"}}, {"display": "B"},
                                     {"reference": "Group/g"}, {"reference": "patient/b"}, {"reference": "#b"}, {}],
                         ids=["missing", "identifier", "display", "group", "lower-case", "contained", "empty"])
def test_several_patients_an_order_that_names_no_patient_is_invalid_whatever_its_subject(tmp_path, linter, subject):
    a = patient_resources("ILD402-fires", "a")
    b = patient_resources("ILD402-fires", "b")
    (mr,) = [r for r in b if r["resourceType"] == "MedicationRequest"]
    if subject is None:
        del mr["subject"]
    else:
        mr["subject"] = subject
    write_export(tmp_path / "e", a + b)
    results = list(iter_bulk(str(tmp_path / "e"), linter=linter))
    assert [(r.patient, r.status) for r in results] == [(None, "invalid"), ("a", "checked"), ("b", "not-applicable")]
    (f,) = results[0].findings
    assert (f.code, f.severity, f.order, f.line) == ("OL001", "error", "b-rtx", 2)
    assert f.message.endswith("the export holds several patients): it was not checked")


def test_without_OL008_an_unused_order_is_still_OL001(tmp_path):
    quiet = Linter(Settings(as_of=dt.date.fromisoformat(AS_OF), ignore=["OL008"]))
    a = patient_resources("ILD402-fires", "a")
    b = patient_resources("ILD402-fires", "b")
    (mr,) = [r for r in b if r["resourceType"] == "MedicationRequest"]
    del mr["subject"]
    write_export(tmp_path / "e", a + b)
    results = list(iter_bulk(str(tmp_path / "e"), linter=quiet))
    assert [(r.patient, r.status, codes(r)) for r in results[:1]] == [(None, "invalid", ["OL001"])]


def test_without_OL008_the_unused_resource_is_still_a_result(tmp_path):
    quiet = Linter(Settings(as_of=dt.date.fromisoformat(AS_OF), ignore=["OL008"]))
    a = patient_resources("ILD402-clean", "a")
    b = patient_resources("ILD402-clean", "b")
    del hbv_of(a)["subject"]
    write_export(tmp_path / "e", a + b)
    results = list(iter_bulk(str(tmp_path / "e"), linter=quiet))
    # the same result as with OL008 on (no regimen of its own), only without its finding
    assert [(r.patient, r.id, r.status, codes(r)) for r in results[:1]] == [(None, None, "not-applicable", [])]
    assert "ILD402" not in codes(results[2]) and "ILD402" in codes(results[1])
    assert [r.patient for r in results] == [None, "a", "b"]


def test_no_patient_at_all_the_unnamed_resources_are_one_regimen(tmp_path, linter):
    res = [r for r in patient_resources("ILD402-clean", "a") if r["resourceType"] != "Patient"]
    for r in res:
        r.pop("subject", None)
    write_export(tmp_path / "e", res)
    (r,) = iter_bulk(str(tmp_path / "e"), linter=linter)
    assert r.patient is None and r.status == "checked" and "ILD402" not in codes(r)


def test_deciding_one_or_several_patients_reads_the_index(tmp_path):
    db = connect(str(tmp_path / "x.sqlite3"))
    try:
        for stmt in bulk.SCHEMA + bulk.INDEXES:
            db.execute(stmt)
        plans = [" ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + q, args)) for q, args in (
            (bulk.FIRST_PATIENTS_SQL, ()), (bulk.UNNAMED_SQL, ()), (bulk.ROWS_SQL, ("",)))]
    finally:
        db.close()
    assert all("USING" in p and "INDEX" in p and "TEMP B-TREE" not in p for p in plans), plans


@pytest.mark.slow  # two subprocesses, exports of 200 and 2,000 patients
def test_memory_stays_flat_with_many_resources_that_name_no_patient(tmp_path):
    from test_fhir_bulk import _measure
    from test_fhir_bulk import write_export as write_patients

    folders = []
    for n in (200, 2000):
        folder = tmp_path / str(n)
        write_patients(folder, n)
        with (folder / "Observation.000.ndjson").open("w", encoding="utf-8") as f:
            for i in range(n):  # one subject-less weight per patient: each is a result of its own
                f.write(json.dumps({"resourceType": "Observation", "id": f"nobody-{i}", "status": "final",
                                    "code": {"text": "weight"}}) + "\n")
        folders.append(folder)
    (n1, f1, peak1, rss1), (n2, f2, peak2, rss2) = (_measure(folder) for folder in folders)
    assert (n1, n2) == (400, 4000) and (f1, f2) == (67, 667)
    print(f"tracemalloc peak: {peak1 / 1e6:.3f} MB vs {peak2 / 1e6:.3f} MB; max RSS {rss1 / 1024:.1f} vs {rss2 / 1024:.1f} MiB")
    assert peak2 - peak1 < 32 * 1024
    assert rss2 - rss1 < 2 * bulk.CACHE_KIB


def _taken_instead(resources: list[dict[str, Any]], rid_suffix: str) -> dict[str, Any]:
    """The MedicationRequest whose id ends with ``rid_suffix``, replaced in place by the
    MedicationStatement saying the patient takes that drug (status active)."""
    (i,) = [n for n, r in enumerate(resources) if r["resourceType"] == "MedicationRequest" and r["id"].endswith(rid_suffix)]
    mr = resources[i]
    ms = {"resourceType": "MedicationStatement", "id": mr["id"], "status": "active",
          "medicationCodeableConcept": mr["medicationCodeableConcept"], "subject": mr["subject"],
          "dosage": mr.get("dosageInstruction", [])}
    resources[i] = ms
    return ms


def test_one_patient_export_a_medication_statement_with_no_subject_is_the_patients(tmp_path, linter):
    # The drug the patient takes counts: nintedanib started with mycophenolate taken (ILD102).
    res = patient_resources("ILD102-fires", "a")
    del _taken_instead(res, "-mmf")["subject"]
    write_export(tmp_path / "e", res)
    (r,) = iter_bulk(str(tmp_path / "e"), linter=linter)
    assert (r.patient, r.status) == ("a", "checked") and "ILD102" in codes(r)


def test_several_patients_a_medication_statement_that_names_no_patient_is_invalid(tmp_path, linter):
    # b takes mycophenolate (a MedicationStatement with no subject) and starts nintedanib: as a note
    # (info), the statement would be used by no one and b's ILD102 would pass unseen; it is OL001.
    a = patient_resources("ILD102-fires", "a")
    b = patient_resources("ILD102-fires", "b")
    del _taken_instead(b, "-mmf")["subject"]
    write_export(tmp_path / "e", a + b)
    results = list(iter_bulk(str(tmp_path / "e"), linter=linter))
    assert [(r.patient, r.status) for r in results] == [(None, "invalid"), ("a", "checked"), ("b", "checked")]
    (f,) = results[0].findings
    assert (f.code, f.severity, f.order, f.line, f.file) == ("OL001", "error", "b-mmf", 1,
                                                             str(tmp_path / "e" / "MedicationStatement.ndjson"))
    assert f.message == ("MedicationStatement 'b-mmf' names no patient that can be placed (it has no subject; the "
                         "export holds several patients): it was not checked")
    assert "ILD102" in codes(results[1]) and "ILD102" not in codes(results[2])
