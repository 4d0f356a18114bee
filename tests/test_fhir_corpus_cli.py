"""Every file of the external FHIR corpus (../shared/fhir-corpus, see its MANIFEST.md) through the
command line (`orderlint check`, forced FHIR and auto-detected, JSON Lines and `--format fhir`) and
through the FHIR API (``orderlint.fhir.lint_path``): no traceback, no OL000, one result per document
(per patient), and the command line gives what the API gives."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import run_orderlint
from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_path
from orderlint.fhir.bulk import is_bulk_folder

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "fhir-corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the external FHIR corpus (shared/fhir-corpus) is not on this machine")
AS_OF = "2026-03-02"
_LINE = re.compile(r":[0-9]+$")


def _units() -> list[Path]:
    """What a walk of the corpus lints: each JSON file, and each Bulk Data folder as one export."""
    out: list[Path] = []
    for p in sorted(CORPUS.rglob("*")):
        if p.is_dir() and is_bulk_folder(str(p)):
            out.append(p)
        elif p.suffix == ".json" and p.is_file() and not is_bulk_folder(str(p.parent)):
            out.append(p)
    return out


def _unit_of(source: str, units: set[str]) -> str:
    path = _LINE.sub("", source)
    return path if path in units else str(Path(path).parent)


@pytest.fixture(scope="module")
def api_results() -> dict[str, list]:
    linter = Linter(Settings(as_of=dt.date(2026, 3, 2)))
    return {str(u): list(lint_path(str(u), linter=linter)) for u in _units()}


def _check(results: list, unit: str) -> None:
    assert results, unit
    for r in results:
        assert r["status"] in ("checked", "not-applicable", "invalid"), unit
        assert r["status"] == "checked" or r["findings"], f"{unit}: a document that is not checked says why"
        assert all(f["code"] != "OL000" for f in r["findings"]), (unit, r["findings"])
    patients = [r.get("patient") for r in results]
    assert len(patients) == len(set(patients)), f"{unit}: one result per patient"


def test_the_api_reads_every_file_with_one_result_per_document(api_results):
    assert sum(1 for u in api_results if Path(u).is_dir()) == 1  # synthea-bulk-10, as one export
    assert len(api_results) == len(list(CORPUS.rglob("*.json"))) + 1
    for unit, results in api_results.items():
        _check([r.to_dict() for r in results], unit)


@pytest.mark.slow
@pytest.mark.parametrize("input_format", ["fhir", "auto"])
def test_the_command_line_reads_every_file_as_the_api_does(api_results, input_format, tmp_path):
    out = tmp_path / "report.jsonl"
    r = run_orderlint("check", str(CORPUS), "--input-format", input_format, "--as-of", AS_OF, "--format", "jsonl",
                      "--output", str(out), timeout=300)
    err = r.stderr.decode()
    assert r.returncode in (0, 1) and "Traceback" not in err, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_unit: dict[str, list] = {}
    for row in rows:
        by_unit.setdefault(_unit_of(row["source"], set(api_results)), []).append(row)
    assert set(by_unit) == set(api_results)
    for unit, results in by_unit.items():
        _check(results, unit)
        if input_format == "fhir":  # the same results, in the same order, as the API's
            api = [x.to_dict() for x in api_results[unit]]
            assert [(x["source"], x.get("patient"), x["status"], [f["code"] for f in x["findings"]]) for x in results] == [
                (x["source"], x.get("patient"), x["status"], [f["code"] for f in x["findings"]]) for x in api], unit
        else:  # FHIR recognized per document: what is not FHIR is read as a regimen document (OL001)
            api = api_results[unit]
            if any(x.status != "invalid" for x in api):
                assert [x.get("patient") for x in results] == [x.patient for x in api], unit
    assert sum(len(v) for v in by_unit.values()) == len(rows)
    summary = err.strip().splitlines()[-1]
    assert summary.startswith(f"{len(rows)} documents"), summary


@pytest.mark.slow
def test_the_fhir_report_of_the_corpus_parses_with_r4b(tmp_path):
    pytest.importorskip("fhir.resources.R4B.bundle")
    from fhir.resources.R4B.bundle import Bundle

    out = tmp_path / "report.json"
    r = run_orderlint("check", str(CORPUS), "--input-format", "fhir", "--as-of", AS_OF, "--format", "fhir",
                      "--output", str(out), timeout=300)
    assert r.returncode in (0, 1) and b"Traceback" not in r.stderr, r.stderr.decode()
    data = json.loads(out.read_text(encoding="utf-8"))
    bundle = Bundle.model_validate(data) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(data)
    issues = Counter(e.resource.code.coding[0].code for e in bundle.entry)
    assert issues["OL008"] > 0 and issues["OL001"] > 0 and "OL000" not in issues
    assert len({e.fullUrl for e in bundle.entry}) == len(bundle.entry)
