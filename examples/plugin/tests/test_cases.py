"""The pack's own test: every case of its case files, run by orderlint's public case runner.

Run it where the pack is installed: ``pip install . && pytest tests``.
"""

from __future__ import annotations

from importlib.resources import files

import pytest

from orderlint.cases import Case, assert_case, load_cases

CASES = load_cases(files("orderlint_example_plugin").joinpath("cases"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case: Case) -> None:
    assert_case(case)
