"""orderlint.fhir.lint_path: the one call the CLI makes for a FHIR path (file, NDJSON, export folder)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import is_bulk_folder, lint_path, looks_like_fhir
from orderlint.reader import read_bytes

FHIR = Path(__file__).resolve().parents[1] / "examples" / "fhir"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))


def test_a_json_file_an_ndjson_file_and_an_export_folder(tmp_path, linter):
    (r,) = lint_path(str(FHIR / "ILD301-fires.bundle.json"), linter=linter)
    assert [f.code for f in r.findings] == ["ILD301"]
    nd = tmp_path / "requests.ndjson"
    lines = [json.dumps(json.loads((FHIR / n).read_text())) for n in ("ILD301-fires.cds-hooks.json", "ILD301-clean.cds-hooks.json")]
    nd.write_text("\n".join(lines) + "\n{oops\n", encoding="utf-8")
    results = list(lint_path(str(nd), linter=linter))
    assert [(r.source, [f.code for f in r.findings]) for r in results] == [
        (f"{nd}:1", ["ILD301"]), (f"{nd}:2", []), (f"{nd}:3", ["OL001"])]
    assert is_bulk_folder(str(FHIR / "bulk")) and not is_bulk_folder(str(FHIR)) and not is_bulk_folder(str(nd))
    assert [r.patient for r in lint_path(str(FHIR / "bulk"), linter=linter)] == ["bulk-a", "bulk-b", "bulk-c"]
    (missing,) = lint_path(str(tmp_path / "nope.json"), linter=linter)
    assert missing.status == "invalid" and missing.findings[0].code == "OL001"


def test_auto_detection_from_a_read_document():
    doc = read_bytes((FHIR / "ILD102-fires.cds-hooks.json").read_bytes(), "x.json", None)
    assert looks_like_fhir(doc.data)
    native = read_bytes((FHIR.parent / "regimens" / "ILD102-fires.json").read_bytes(), "y.json", None)
    assert not looks_like_fhir(native.data)


def test_dispatch_lints_fhir_as_fhir_and_regimens_as_regimens(linter):
    from orderlint.fhir import dispatch

    fhir = read_bytes((FHIR / "ILD301-fires.cds-hooks.json").read_bytes(), "a.json", None)
    native = read_bytes((FHIR.parent / "regimens" / "ILD301-fires.json").read_bytes(), "b.json", None)
    (a,) = dispatch(fhir, linter)
    assert a.patient == "ssc-301" and [f.code for f in a.findings] == ["ILD301"]
    (b,) = dispatch(native, linter)
    assert not hasattr(b, "patient") and [f.code for f in b.findings] == ["ILD301"]
    (forced,) = dispatch(native, linter, "fhir")  # --input-format fhir on a regimen: not FHIR
    assert forced.status == "invalid" and forced.findings[0].code == "OL001"
    (as_regimen,) = dispatch(fhir, linter, "regimen")  # --input-format regimen on FHIR: not a regimen
    assert as_regimen.status == "invalid"


def test_importing_the_package_loads_no_mapping():
    import subprocess
    import sys

    code = "import sys, orderlint.fhir; print(sorted(m for m in sys.modules if m.startswith('orderlint.fhir')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['orderlint.fhir']"


def test_results_and_findings_pickle_with_patient_and_file(linter):
    import pickle

    results = list(lint_path(str(FHIR / "bulk"), linter=linter)) + list(lint_path(str(FHIR / "ILD102-fires.bundle.json"), linter=linter))
    for r in results:
        again = pickle.loads(pickle.dumps(r))  # --jobs workers send results to the parent
        assert again.to_dict() == r.to_dict() and again.patient == r.patient
    assert any("file" in f.to_dict() for r in results for f in r.findings)
