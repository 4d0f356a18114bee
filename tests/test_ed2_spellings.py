"""Drug names as pharmacy systems, FHIR feeds and prescribers write them (issue 11 item 3).

``tests/data/spellings.csv`` holds real-world spellings (brands, RxNorm product descriptions from
public files, salts, abbreviations, biosimilar proper names, bracketed brands, DS/SS/forte
designators, tall-man lettering, misspellings), each with the ingredient it must resolve to or
``OL002``. rules.md 2nd ed. ("Messages, options and names"; OL002): a known spelling resolves to its
ingredient and is not OL002; a misspelling, an unknown name or a name that reads two ways is OL002
and is never guessed into a drug.
"""

from __future__ import annotations

import collections
import csv
from pathlib import Path

import pytest

from orderlint.engine import Linter

TABLE = Path(__file__).resolve().parent / "data" / "spellings.csv"
KINDS = {"product", "brand", "biosimilar", "bracket", "salt", "abbreviation", "designator", "typed", "misspelling", "unknown"}

# Rows the structural resolver does not read yet, each with the reason (strict: they must fail, so a
# fix shows up as XPASS and the mark is removed).
RESOLVER_GAPS: dict[str, str] = {}


def _rows() -> list[dict]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


@pytest.fixture(scope="module")
def linter():
    return Linter()


def _doc(text: str) -> dict:
    order = {"id": "o", "drug": text, "dose": 1, "unit": "mg", "route": "oral", "frequency": "daily"}
    return {"id": "spelling", "kind": "order-set", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
            "orders": [order]}


def _params():
    out = []
    for i, r in enumerate(ROWS):
        marks = ()
        if r["text"] in RESOLVER_GAPS:
            marks = (pytest.mark.xfail(strict=True, reason=RESOLVER_GAPS[r["text"]]),)
        out.append(pytest.param(r["text"], r["expected"], id=f"{i + 2}:{r['kind']}:{r['text'][:40]}", marks=marks))
    return out


def test_table_is_large_and_varied():
    assert len(ROWS) >= 300
    kinds = collections.Counter(r["kind"] for r in ROWS)
    assert set(kinds) <= KINDS, set(kinds) - KINDS
    for kind in ("product", "brand", "biosimilar", "bracket", "salt", "abbreviation", "designator", "misspelling"):
        assert kinds[kind] >= 10 or kind in ("bracket", "designator") and kinds[kind] >= 5, kind
    assert all(r["origin"].strip() for r in ROWS)
    texts = [r["text"] for r in ROWS]
    assert len(texts) == len(set(texts)), "a spelling is listed twice"
    assert sum(r["expected"] == "OL002" for r in ROWS) >= 50


def test_expected_ingredients_exist(linter):
    for r in ROWS:
        if r["expected"] != "OL002":
            assert r["expected"] in linter.vocab.drugs, r


@pytest.mark.parametrize("text,expected", _params())
def test_spelling(linter, text, expected):
    res = linter.vocab.resolve(text)
    findings = linter.lint_data(_doc(text)).findings
    ol002 = [f for f in findings if f.code == "OL002" and f.pointer == "/orders/0/drug"]
    if expected == "OL002":
        assert res.drug is None, f"{text!r} was guessed as {res.drug.name}"
        assert ol002, f"{text!r} gave no OL002"
    else:
        assert res.drug is not None and res.drug.name == expected, (text, res)
        assert not ol002, ol002[0].message
