"""The source has no unused imports, undefined names or other pyflakes findings."""

from __future__ import annotations

import io

import pytest
from pyflakes.api import checkRecursive
from pyflakes.reporter import Reporter

from conftest import ROOT


@pytest.mark.slow
def test_pyflakes_finds_nothing():
    out, err = io.StringIO(), io.StringIO()
    paths = [str(ROOT / d) for d in ("orderlint", "checks", "tests", "benchmarks", "fuzz", "examples/plugin/orderlint_example_plugin")]
    count = checkRecursive(paths, Reporter(out, err))
    assert count == 0, out.getvalue() + err.getvalue()
