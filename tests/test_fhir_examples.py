"""The FHIR examples (examples/fhir/) give exactly the findings examples/fhir/expected.toml declares.

Expectations live in a sidecar file so that every example stays plain, valid FHIR (a Bundle has no
free-form member to carry them). They were written from rules.md, independently of the code.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir
from orderlint.fhir.bulk import iter_bulk
from orderlint.findings import Summary

FHIR = Path(__file__).resolve().parents[1] / "examples" / "fhir"
EXPECTED = tomllib.loads((FHIR / "expected.toml").read_text(encoding="utf-8"))
DOCS = sorted(FHIR.glob("*.json"))


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Settings(as_of=dt.date(2026, 3, 2)))  # expected.toml: lint with --as-of 2026-03-02


def test_every_example_has_an_expectation_and_both_shapes():
    assert {p.name for p in DOCS} == set(EXPECTED) - {"bulk"}
    stems = {p.name.split(".")[0] for p in DOCS}
    for stem in stems:
        assert (FHIR / f"{stem}.cds-hooks.json").is_file() and (FHIR / f"{stem}.bundle.json").is_file()
    assert {"ILD301-fires", "ILD301-clean", "ILD102-fires", "ILD202-fires"} <= stems


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_example_gives_exactly_its_expected_findings(path: Path, linter):
    (r,) = lint_fhir(path.read_text(encoding="utf-8"), linter=linter, source=str(path))
    assert r.status == "checked"
    assert Counter(f.code for f in r.findings) == Counter(EXPECTED[path.name]["findings"])
    data = json.loads(path.read_text(encoding="utf-8"))
    for f in r.findings:
        assert f.line > 1
        node = data
        for t in f.pointer.split("/")[1:4 if f.pointer.startswith("/entry") else 6]:
            node = node[int(t)] if isinstance(node, list) else node[t]
        if f.code == "OL008":
            continue  # a lossy conversion is reported at its source element, whatever resource that is
        if f.order is None:
            # A finding about the whole regimen (rules.md: ILD405 has no order) is placed at the
            # first Condition (fhir.md section 3).
            assert f.code == "ILD405" and node["resourceType"] == "Condition"
        else:
            # The finding's order is a MedicationRequest of the example, found at its pointer.
            assert node["resourceType"] == "MedicationRequest" and node["id"] == f.order


def test_bulk_example_gives_each_patient_its_findings(linter):
    expected = EXPECTED["bulk"]["patients"]
    results = list(iter_bulk(str(FHIR / "bulk"), linter=linter))
    assert [r.patient for r in results] == sorted(expected)
    for r in results:
        assert Counter(f.code for f in r.findings) == Counter(expected[r.patient]), r.patient


@pytest.mark.slow
def test_examples_are_valid_r4b_and_their_report_parses(linter):
    pytest.importorskip("fhir.resources.R4B", reason="fhir.resources (extra `orderlint[fhir]`) is not installed")
    from fhir.resources.R4B.bundle import Bundle

    from orderlint.formatters import fhir as fhirfmt

    out = io.StringIO()
    fmt = fhirfmt.make("fhir", out, linter)
    fmt.start()
    for path in DOCS:
        data = json.loads(path.read_text(encoding="utf-8"))
        bundles = [data] if data.get("resourceType") == "Bundle" else [data["context"]["draftOrders"]] + [
            v for v in data["prefetch"].values() if isinstance(v, dict) and v.get("resourceType") == "Bundle"]
        for b in bundles:
            Bundle.model_validate(b)
        for r in lint_fhir(path.read_text(encoding="utf-8"), linter=linter, source=path.name):
            fmt.result(r)
    fmt.finish(Summary())
    report = Bundle.model_validate(json.loads(out.getvalue()))
    assert len(report.entry) == sum(len(EXPECTED[p.name]["findings"]) for p in DOCS)


def test_every_pack_rule_has_a_firing_and_a_clean_fhir_example(linter):
    # Issue 12: for every rule one firing and one clean case, as a CDS Hooks request and a Bundle.
    # OL005/OL006 judge waivers, which FHIR cannot carry; OL007 fires in the bulk example.
    # The rules are the catalog's (rules.md): a contributor's new rule needs its module and case
    # file only (issue 17); without the catalog beside the checkout, every installed rule.
    import re

    from conftest import SHARED

    spec = SHARED / "spec" / "rules.md"
    codes = (set(re.findall(r"^\| ((?:ILD|OL)\d{3}) \|", spec.read_text(encoding="utf-8"), re.M)) if spec.exists()
             else {r.code for r in linter.rules})
    assert len(codes) >= 32
    names = {p.name for p in FHIR.glob("*.json")}
    for r in linter.rules:
        if r.code not in codes or (not r.code.startswith("ILD") and r.code not in ("OL002", "OL003", "OL004")):
            continue
        for case in ("fires", "clean"):
            for kind in ("cds-hooks", "bundle"):
                assert f"{r.code}-{case}.{kind}.json" in names, (r.code, case, kind)
    assert "OL007" in {c for p in EXPECTED["bulk"]["patients"].values() for c in p}
