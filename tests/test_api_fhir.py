"""orderlint.lint accepts FHIR R4 input as the command line does (issue 12: "orderlint.lint accepts
FHIR too"); input holding several patients never collapses into one silent result.

Follows fhir.md section 1 (one regimen per patient; the result adds `patient`) and interfaces.md,
"Python API" (`lint` returns a typed Result and never raises for a bad document)."""
import json
from pathlib import Path

import pytest

import orderlint

ROOT = Path(__file__).resolve().parents[1]
FHIR = ROOT / "examples" / "fhir"


def _one_firing_bundle() -> Path:
    paths = sorted(p for p in FHIR.rglob("*.json") if "fires" in p.name and "bundle" in p.name.lower())
    assert paths, "the FHIR examples hold firing Bundles"
    return paths[0]


def test_lint_reads_a_fhir_bundle_as_the_command_line_does():
    from click.testing import CliRunner

    from orderlint.cli import cli

    path = _one_firing_bundle()
    r = orderlint.lint(path, as_of="2026-03-02")
    assert r.status == "checked" and r.findings
    cli_out = CliRunner().invoke(cli, ["check", "--format", "json", "--as-of", "2026-03-02", str(path)])
    (expected,) = json.loads(cli_out.stdout)["results"]
    assert [f.code for f in r.findings] == [f["code"] for f in expected["findings"]]
    assert getattr(r, "patient", None) == expected["patient"]


def test_lint_of_a_bundle_of_two_patients_is_an_error_naming_lint_all():
    bundle = json.loads(_one_firing_bundle().read_text(encoding="utf-8"))
    twin = json.loads(json.dumps(bundle).replace("Patient/", "Patient/twin-"))
    for e in twin["entry"]:
        e["resource"]["id"] = "twin-" + e["resource"]["id"]  # the Patient's id matches its references
        e.pop("fullUrl", None)
    for e in bundle["entry"]:
        e.pop("fullUrl", None)
    both = dict(bundle, entry=bundle["entry"] + twin["entry"])
    r = orderlint.lint(both, as_of="2026-03-02")
    assert r.status == "invalid"
    (f,) = r.findings
    assert f.code == "OL001" and "2 patient regimens" in f.message and "lint_all" in f.message
    results = orderlint.lint_all(both, as_of="2026-03-02")
    assert len(results) == 2 and {x.status for x in results} == {"checked"}
    assert [f.code for f in results[0].findings] == [f.code for f in results[1].findings]


def test_input_format_regimen_reads_fhir_as_a_regimen_document_and_fails_it():
    r = orderlint.lint(_one_firing_bundle(), input_format="regimen", as_of="2026-03-02")
    assert r.status == "invalid" and {f.code for f in r.findings} == {"OL001"}


def test_an_unknown_input_format_is_a_usage_error():
    with pytest.raises(ValueError, match="input_format"):
        orderlint.lint({}, input_format="hl7v2")


def test_lint_many_gives_one_result_per_patient_of_fhir_input():
    path = _one_firing_bundle()
    report = orderlint.lint_many([path, ROOT / "examples" / "regimens" / "ILD202-fires.json"], as_of="2026-03-02")
    assert len(report.results) == 2
    assert getattr(report.results[0], "patient", None)
