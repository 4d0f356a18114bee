"""Review: ``orderlint.lint`` never raises for a bad document (api.py's contract), whatever the
input type; the result is OL001, never a traceback and never a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import orderlint


@pytest.mark.parametrize("document", [
    b"\xff\xfe{", b"\x80abc", "", b"", "   \n", b"\x00", "\ufeff{}", 12, None, [1], 3.5, True, "[]", "null",
    '{"id": "r", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": [{"drug": "\\ud800"}]}',
    '{"dose": 1, "\\u0064ose": 2}', '{"a": 1e400}', "a: .nan\n", "- 1\n- 2\n",
], ids=repr)
def test_bad_documents_are_ol001(document: Any) -> None:
    r = orderlint.lint(document)
    assert r.status == "invalid"
    assert r.findings and all(f.code == "OL001" for f in r.findings)


def test_dev_null_path_is_ol001() -> None:
    r = orderlint.lint(Path("/dev/null"))
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]


# A str can hold a lone surrogate: text read with errors="surrogateescape" (Python's own handler for
# standard input and file names under a C locale) or built from JSON "\ud800" escapes.
SURROGATE_TEXTS = ['{"id": "\ud800"}', "id: \udc00\n", "\udcff"]


@pytest.mark.parametrize("text", SURROGATE_TEXTS, ids=repr)
def test_lint_of_a_str_with_a_lone_surrogate_is_ol001(text: str) -> None:
    r = orderlint.lint(text)
    assert r.status == "invalid" and r.findings[0].code == "OL001"


def test_lint_many_of_a_str_with_a_lone_surrogate_counts_it_invalid() -> None:
    report = orderlint.lint_many(SURROGATE_TEXTS)
    assert report.summary.invalid == len(SURROGATE_TEXTS)
