"""interfaces.md, Python API: typed findings as pydantic models. The engine's results are slotted
classes (speed); .model() gives the validated pydantic model of the same data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

import orderlint
from conftest import EXAMPLES

FILES = sorted(p for p in (EXAMPLES / "regimens").glob("*.json")) + sorted((EXAMPLES / "fhir").glob("*.bundle.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_result_is_a_valid_model_of_the_same_data(path: Path):
    from orderlint.result_models import FindingModel, ResultModel

    result = orderlint.lint(path, as_of="2026-03-02")
    model = result.model()
    assert isinstance(model, ResultModel) and isinstance(model, BaseModel)
    assert model.model_dump(exclude_unset=True) == result.to_dict()
    for f, fm in zip(result.findings, model.findings):
        assert isinstance(fm, FindingModel) and f.model() == fm
        assert (fm.code, fm.line, fm.column) == (f.code, f.line, f.column)


def test_a_report_is_a_model_with_its_summary():
    report = orderlint.lint_many([EXAMPLES / "regimens" / "ILD301-fires.json", EXAMPLES / "regimens" / "ILD301-clean.json"],
                                 as_of="2026-03-02")
    m = report.model()
    assert m.summary.documents == 2 and m.summary.findings["error"] == report.summary.findings["error"] >= 1
    assert m.model_dump(exclude_unset=True) == report.to_dict()


def test_the_models_refuse_what_no_result_holds():
    from orderlint.result_models import FindingModel

    good = orderlint.lint(EXAMPLES / "regimens" / "ILD301-fires.json").findings[0].to_dict()
    for bad in ({"severity": "fatal"}, {"line": 0}, {"code": "ild301"}, {"extra": 1}):
        with pytest.raises(ValidationError):
            FindingModel.model_validate({**good, **bad})
    assert "properties" in FindingModel.model_json_schema()


def test_importing_orderlint_does_not_import_the_models():
    code = "import sys, orderlint; orderlint.lint; print('orderlint.result_models' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
