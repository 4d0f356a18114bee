"""Every example document produces exactly the findings it declares in `x-expect`.

The expectations were written from the spec (rules.md), independently of the code.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import orderlint
from conftest import EXAMPLES

# FHIR examples declare their findings in examples/fhir/expected.toml (tests/test_fhir_examples.py).
DOCS = sorted(
    p for p in EXAMPLES.rglob("*")
    if p.suffix in (".json", ".yaml", ".yml") and "plugin" not in p.parts and "fhir" not in p.parts
)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_gives_exactly_its_expected_findings(path: Path):
    result = orderlint.lint(path)
    if path.parent.name == "invalid":
        assert result.status == "invalid" and {f.code for f in result.findings} == {"OL001"}
        return
    import json

    import yaml

    raw = json.loads(path.read_text()) if path.suffix == ".json" else yaml.safe_load(path.read_text())
    assert Counter(f.code for f in result.findings) == Counter(raw["x-expect"])
    suppressed = Counter(f.code for f in result.findings if f.suppressed)
    assert suppressed == Counter(raw.get("x-expect-suppressed", []))
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1 and f.message and f.source


def test_every_example_is_named_after_an_installed_rule():
    # examples/regimens/ are user-facing examples named <CODE>-fires/-clean; every rule's own firing,
    # passing and boundary documents are its case file (tests/test_cases.py requires one per rule).
    from orderlint.engine import Linter

    codes = {r.code for r in Linter().rules}
    for p in DOCS:
        if p.parent.name == "regimens":
            assert p.name.split("-")[0] in codes, p.name
