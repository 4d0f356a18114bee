"""No FHIR input makes the mapping raise: values of every type replaced anywhere in real documents
(the examples and the external corpus) map and lint without OL000 (fail closed, never a traceback)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.fhir import lint_fhir, map_fhir

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "fhir-corpus"
VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"a": 1}, "2026-13-45", "Patient/", "urn:uuid:", "#", 1e308, 10**30,
          "mg", {"value": -3, "code": "mg"}, [{"coding": {}}], {"coding": [{"system": [], "code": {}}]}]


def _documents() -> list:
    docs = []
    paths = sorted((ROOT / "examples" / "fhir").glob("*.json"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.rglob("*.json"))
    for p in paths:
        try:
            docs.append(json.loads(p.read_text(encoding="utf-8")))
        except ValueError:
            pass
    return docs


def _paths(x, pre=()):
    yield pre
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, pre + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _paths(v, pre + (i,))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_mutated_documents_never_crash_the_mapping(seed):
    linter = Linter(Settings(as_of=dt.date(2026, 3, 2)))
    docs = _documents()
    rnd = random.Random(seed)
    for _ in range(400):
        d = json.loads(json.dumps(rnd.choice(docs)))
        spots = [p for p in _paths(d) if p]
        for _ in range(rnd.randint(1, 4)):
            if not spots:
                break
            p = rnd.choice(spots)
            node = d
            try:
                for k in p[:-1]:
                    node = node[k]
                node[p[-1]] = rnd.choice(VALUES)
            except (KeyError, IndexError, TypeError):
                pass
        map_fhir(d, source="m", vocab=linter.vocab)  # raises nothing
        for r in lint_fhir(d, linter=linter, source="m"):
            assert all(f.code != "OL000" for f in r.findings), [f.message for f in r.findings]
            # What the mapping writes is always a valid regimen: gaps are left out, never written wrong.
            assert not any("mapped from FHIR is invalid" in f.message for f in r.findings), [f.message for f in r.findings]
