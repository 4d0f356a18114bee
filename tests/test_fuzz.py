"""The atheris fuzz target runs for a bounded time in CI (longer by hand: fuzz/README.md)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SECONDS = int(os.environ.get("ORDERLINT_FUZZ_SECONDS", "45"))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris has no wheel for this platform")
def test_fuzz_target_finds_no_crash(tmp_path):
    corpus = tmp_path / "corpus"  # seeded from examples/ by the target itself
    r = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "fuzz_lint.py"), f"-max_total_time={SECONDS}", "-timeout=20",
         f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True, text=True, timeout=SECONDS + 120,
    )
    log = r.stdout + r.stderr
    assert r.returncode == 0, log[-3000:]
    assert "Done" in log and "crash-" not in log
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
    assert any(corpus.iterdir()), "the corpus was seeded from examples/"
