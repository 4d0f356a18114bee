"""normalize() against a plain, slow restatement of what it computes, on many generated documents.

normalize() builds the Regimen.active()/new() tables, the test index, the phase and the orders in
one pass with shortcuts (a shared table when every active order is new, the vocabulary's test
table read directly, a frequency table for the common codes); each is compared here with its
definition, written the plain way, on generated documents and mutations of them (statuses,
history, test spellings, frequencies, routes, units).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import random
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Optional

import pytest

from orderlint import normalize as N
from orderlint.engine import Linter
from orderlint.validate import validate

ROOT = Path(__file__).resolve().parents[1]


def _generated(seed: int, count: int) -> list[dict]:
    spec = importlib.util.spec_from_file_location("_bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["_bench_generate"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    out = []
    for _, _, text in module.Generator(seed).iter_texts(count):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


_STATUSES = ("new", "active", "on-hold", "stopped")
_TEST_SPELLINGS = ("CBC", " cbc ", "Hepatic Panel", "cmp", "CMP", "egfr", "U&E", "hbsag", "ct chest", "PFT", "fbc")
_FREQUENCIES = ("bid", "BID", "b.i.d.", "q8h", "Q12H", "q7h", "q0h", "q200h", "once", "stat", "weekly", "every other day",
                "prn", "qod", {"frequency": 3, "period": 1, "period_unit": "wk"}, {"frequency": 1, "period": 2, "period_unit": "mo"})
_ROUTES = ("oral", "PO", "p.o.", "iv", "IV", "Subcutaneous", "topical", "inhaled", "nasal", "sublingual", "by mouth")
_UNITS = ("mg", "g", "mcg", "mg/kg", "mg/m2", "mg/m²", "MG", "tablet", "tablets", "mL", "units", "mg / kg")


def _mutations(data: dict, rng: random.Random) -> Iterator[dict]:
    """The document, then copies with other statuses, history, tests and order fields."""
    yield data
    d = copy.deepcopy(data)
    for o in d.get("orders", []):
        if isinstance(o, dict):
            o["status"] = rng.choice(_STATUSES)
    if rng.random() < 0.5:
        d["history"] = [{"drug": rng.choice(("rituximab", "mycophenolate mofetil", "not-a-drug", "Imuran")),
                         "outcome": rng.choice(("progression", "response", "intolerance"))} for _ in range(rng.randrange(3))]
        d.get("indication", {}).pop("phase", None)
    for t in d.get("tests", []):
        if isinstance(t, dict) and rng.random() < 0.3:
            t["test"] = rng.choice(_TEST_SPELLINGS)
    yield d
    d = copy.deepcopy(data)
    for o in d.get("orders", []):
        if isinstance(o, dict):
            r = rng.random()
            if r < 0.25:
                o["frequency"] = copy.deepcopy(rng.choice(_FREQUENCIES))
            elif r < 0.4:
                o.pop(rng.choice(("frequency", "route", "unit", "dose")), None)
            elif r < 0.6:
                o["route"] = rng.choice(_ROUTES)
            elif r < 0.8:
                o["unit"] = rng.choice(_UNITS)
            if rng.random() < 0.2:
                o["doses"] = rng.choice((1, 3, 12))
    yield d


def _documents(seed: int, count: int) -> Iterator[Any]:
    linter = _linter()
    rng = random.Random(seed)
    for data in _generated(seed, count):
        for d in _mutations(data, rng):
            reg, _ = validate(d, linter.vocab)
            if reg is not None:
                yield reg


_LINTER: list[Linter] = []


def _linter() -> Linter:
    if not _LINTER:
        _LINTER.append(Linter())
    return _LINTER[0]


def _plain_tables(orders: tuple) -> tuple[dict, dict]:
    """Regimen.active()/new() tables as rules.md defines them: active (new or continuing) orders of
    known drugs, by tag, keys in the order the tags first appear."""
    tables: tuple[dict, dict] = ({None: []}, {None: []})
    for o in orders:
        if o.drug is None or o.status not in ("new", "active"):
            continue
        for table, wanted in zip(tables, (True, o.status == "new")):
            if wanted:
                table[None].append(o)
                for tag in o.tags:
                    table.setdefault(tag, []).append(o)
    a, n = ({k: tuple(v) for k, v in t.items()} for t in tables)
    return a, n


def _plain_test_index(doc: Any, vocab: Any) -> dict[str, list[Optional[dt.date]]]:
    index: dict[str, list[Optional[dt.date]]] = {}
    for t in doc.tests:
        for canonical in vocab.test(t.test) or ():
            index.setdefault(canonical, []).append(None if t.status == "ordered" else t.date)
    return index


def _check_regimen(doc: Any) -> None:
    linter = _linter()
    vocab = linter.vocab
    reg, unknown = N.normalize(doc, vocab, as_of=dt.date(2026, 11, 30), lookback_days=linter._lookback, plan=linter._plan)
    a, n = _plain_tables(reg.orders)
    assert reg._memo["a"] == a and list(reg._memo["a"]) == list(a)
    assert reg._memo["n"] == n and list(reg._memo["n"]) == list(n)
    for cls in [*a, *n, "not-a-tag"]:
        assert reg.active(cls) == a.get(cls, ())
        assert reg.new(cls) == n.get(cls, ())
    assert list(reg.active_tags()) == list(a)
    assert all(type(v) is tuple for t in (reg._memo["a"], reg._memo["n"]) for v in t.values())
    # A Regimen built otherwise builds the same tables on first use.
    import dataclasses

    fresh = dataclasses.replace(reg, _memo={}, _counts={})
    assert fresh._by_tag("a") == a and fresh._by_tag("n") == n

    index = _plain_test_index(doc, vocab)
    assert dict(reg.test_index) == index
    assert type(reg.test_index) is MappingProxyType
    assert all(type(v) is list for v in reg.test_index.values())

    progressed = frozenset(d for h in doc.history if h.outcome == "progression" for d in [vocab.drug(h.drug)] if d is not None)
    assert reg.progressed_on == progressed and type(reg.progressed_on) is frozenset
    plain_phase = doc.indication.phase or ("progression" if any(h.outcome == "progression" for h in doc.history) else "first-line")
    assert reg.phase == plain_phase
    assert reg.orders == tuple(reg.orders) and [o.index for o in reg.orders] == list(range(len(doc.orders)))
    assert all(type(v) is tuple for v in reg.unverifiable.values())
    assert reg.options == {} and reg.as_of == (doc.as_of or dt.date(2026, 11, 30))
    assert [u[2] for u in unknown if u[2] is not None] == sorted(u[2] for u in unknown if u[2] is not None)


@pytest.mark.slow
def test_regimen_tables_index_and_phase_match_their_plain_definitions() -> None:
    count = 0
    for doc in _documents(11, 1200):
        _check_regimen(doc)
        count += 1
    assert count > 2500  # the generated mix and its mutations, nearly all valid


def test_tables_share_one_dict_only_when_every_active_order_is_new() -> None:
    linter = _linter()
    base = {"id": "t", "kind": "order-set", "indication": {"condition": "ssc-ild"},
            "orders": [{"drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"},
                       {"drug": "prednisone", "dose": 5, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    for statuses in [("new", "new"), ("new", "active"), ("active", "active"), ("stopped", "new"), ("on-hold", "stopped")]:
        d = copy.deepcopy(base)
        for o, s in zip(d["orders"], statuses):
            o["status"] = s
        doc, problems = validate(d, linter.vocab)
        assert doc is not None, problems
        _check_regimen(doc)
        reg, _ = N.normalize(doc, linter.vocab, as_of=dt.date(2026, 11, 30), lookback_days=linter._lookback, plan=linter._plan)
        assert (reg._memo["a"] is reg._memo["n"]) == all(s == "new" for s in statuses if s in ("new", "active"))
        assert reg.new() == tuple(o for o in reg.orders if o.status == "new")
        assert reg.active() == tuple(o for o in reg.orders if o.status in ("new", "active"))
