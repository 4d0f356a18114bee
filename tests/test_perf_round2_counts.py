"""Regimen.test_counts / missing_tests decided once by normalize() against the reference decision.

normalize() decides which tests count while it builds the test index (Regimen._counted); a
Regimen built otherwise, or copied with dataclasses.replace, decides each name on first use.
Both are compared here with the plain definition (07a3fec's Regimen._test_counts), on generated
documents whose tests are mutated around the look-back windows, for several windows and dates.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
from types import MappingProxyType
from typing import Any, Iterator, Optional

import pytest

from orderlint import normalize as N
from orderlint.engine import Linter
from orderlint.validate import validate
from regimen_factory import generated_documents as _generated
from test_perf_normalize_regimen import _test_counts_reference as _reference

AS_OF = dt.date(2026, 11, 30)

_SPELLINGS = ("CBC", " cbc ", "Hepatic Panel", "cmp", "CMP", "egfr", "U&E", "hbsag", "ct chest", "PFT", "fbc",
              "tpmt", "g6pd", "pregnancy", "hrct", "tb", "hbv", "urinalysis", "renal", "lft", "not-a-test")
_LOOKBACKS: list[dict[str, Optional[int]]] = [
    {}, {"default": 0}, {"default": None}, {"default": 30, "hrct": None, "pft": 400, "cbc": 0},
    {"lft": 10_000_000, "default": 1}, {"cbc": None, "tb": 365, "hbv": 365},
]


def _mutated_tests(data: dict, rng: random.Random) -> Iterator[dict]:
    """The document, then copies whose tests lie on either side of the windows, ordered or resulted."""
    yield data
    for _ in range(3):
        d = copy.deepcopy(data)
        tests = []
        for _ in range(rng.randrange(7)):
            status = rng.choice(("ordered", "resulted", "resulted", "resulted"))
            item: dict[str, Any] = {"test": rng.choice(_SPELLINGS), "status": status}
            base = AS_OF if rng.random() < 0.7 else dt.date(2025, 6, 1)
            days = rng.choice((0, 1, -1, 29, 30, 31, 89, 90, 91, 364, 365, 366, 399, 400, 401, 5000))
            if status == "resulted" or rng.random() < 0.5:
                item["date"] = (base - dt.timedelta(days=days)).isoformat()
            tests.append(item)
        d["tests"] = tests
        if rng.random() < 0.3:
            d["as_of"] = rng.choice(("2025-06-01", "2026-12-31", "2026-11-30"))
        elif rng.random() < 0.3:
            d.pop("as_of", None)
        yield d


def _cases(seed: int, count: int) -> Iterator[tuple[Any, Any]]:
    linter = Linter()
    rng = random.Random(seed)
    for data in _generated(seed, count):
        for d in _mutated_tests(data, rng):
            doc, _ = validate(d, linter.vocab)
            if doc is not None:
                yield linter, doc


def _check(linter: Any, doc: Any) -> None:
    vocab = linter.vocab
    names = [*vocab.tests, "not-a-test", "CBC"]
    for lookback in [linter._lookback, *map(MappingProxyType, _LOOKBACKS)]:
        reg, _ = N.normalize(doc, vocab, as_of=AS_OF, lookback_days=lookback, plan=linter._plan)
        assert reg._counted is not None
        # One name at a time, then all at once (with repeats), on the decided and on the lazy path.
        lazy = dataclasses.replace(reg, _counts={})
        assert lazy._counted is None
        for r in (reg, lazy):
            for name in names:
                assert r.test_counts(name) == _reference(r, name), (name, dict(lookback))
            assert r.missing_tests([*names, *names]) == [n for n in [*names, *names] if not _reference(r, n)]
        fresh, _ = N.normalize(doc, vocab, as_of=AS_OF, lookback_days=lookback, plan=linter._plan)
        assert fresh.missing_tests(iter(names)) == [n for n in names if not _reference(fresh, n)]
        # A copy with other windows or another date decides by them, not by what normalize() decided.
        for other in _LOOKBACKS[:3]:
            r = dataclasses.replace(reg, lookback_days=MappingProxyType(other), as_of=dt.date(2025, 1, 1), _counts={})
            assert [r.test_counts(n) for n in names] == [_reference(r, n) for n in names]


def test_test_counts_decided_by_normalize_match_the_reference() -> None:
    seen = 0
    for linter, doc in _cases(5, 150):
        _check(linter, doc)
        seen += 1
    assert seen > 300


@pytest.mark.slow
def test_test_counts_decided_by_normalize_match_the_reference_on_many_documents() -> None:
    seen = 0
    for linter, doc in _cases(23, 1500):
        _check(linter, doc)
        seen += 1
    assert seen > 3000


def test_a_regimen_built_without_normalize_decides_each_name_on_first_use() -> None:
    reg = N.Regimen(
        None, (), AS_OF, "first-line", False, None, None, True, frozenset(), MappingProxyType({"default": 30}),  # type: ignore[arg-type]
        MappingProxyType({"cbc": [AS_OF - dt.timedelta(days=30)], "lft": [AS_OF - dt.timedelta(days=31)], "tb": [None]}),
    )
    assert reg._counted is None
    assert [reg.test_counts(n) for n in ("cbc", "lft", "tb", "hbv")] == [True, False, True, False]
    assert reg.missing_tests(["cbc", "lft", "tb", "hbv"]) == ["lft", "hbv"]


def test_what_normalize_cannot_decide_is_left_to_test_counts() -> None:
    # A datetime as_of (a TOML datetime in the settings is a date to isinstance) cannot be compared
    # with a test's date: test_counts raises in the check that asks, as it did before normalize
    # decided, so that it is an OL000 for that rule, never one for the whole document.
    linter = Linter()
    data = copy.deepcopy(_generated(5, 40)[0])
    data["tests"] = [{"test": "cbc", "status": "resulted", "date": "2026-11-01"}, {"test": "lft", "status": "ordered"}]
    data.pop("as_of", None)
    doc, _ = validate(data, linter.vocab)
    assert doc is not None
    reg, _ = N.normalize(doc, linter.vocab, as_of=dt.datetime(2026, 11, 30, 12), lookback_days=linter._lookback, plan=linter._plan)
    assert reg._counted is None
    assert reg.test_counts("lft") is True
    with pytest.raises(TypeError):
        reg.test_counts("cbc")
    # A look-back window that is not a number: the same.
    reg, _ = N.normalize(doc, linter.vocab, as_of=AS_OF, lookback_days=MappingProxyType({"cbc": "90"}), plan=linter._plan)  # type: ignore[dict-item]
    assert reg._counted is None
    with pytest.raises(TypeError):
        reg.missing_tests(["cbc"])


def test_a_datetime_evaluation_date_is_read_as_its_date() -> None:
    # A datetime as_of given in code made every rule that asks a test's age fail (OL000 for ILD401,
    # ILD403, ILD405, ILD408) and an order's start compared with it fail the document. The Linter
    # reads it as its date: the same findings as with the date itself.
    from orderlint.config import Settings
    from regimen_factory import COMMON_TESTS, clean_patient, mmf, rituximab, test_item

    for doc in (clean_patient(mmf(2000), as_of=None, tests=[test_item(n, days_ago=5) for n in COMMON_TESTS]),
                clean_patient(rituximab(), as_of=None, tests=[test_item("hbv", days_ago=200, result="anti-HBc positive")]),
                clean_patient(mmf(status="active", start="2026-12-15"), as_of=None)):
        with_time, with_date = Settings(), Settings()
        with_time.as_of = dt.datetime(2026, 11, 30, 12)
        with_date.as_of = dt.date(2026, 11, 30)
        got = [(f.code, f.message) for f in Linter(with_time).lint_data(doc).findings]
        assert got == [(f.code, f.message) for f in Linter(with_date).lint_data(doc).findings]
        assert "OL000" not in [c for c, _ in got]
