"""The package and the built-in pack type-check with the project's mypy configuration.

CI runs the test suite, so this is how CI runs mypy: with ``[tool.mypy]`` from pyproject.toml,
from the repository root, exactly as a contributor would type ``mypy``.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_passes_with_the_project_configuration(tmp_path):
    pytest.importorskip("mypy")
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
