"""Normalize stage, part 1: names -> canonical ingredients and test names.

The test names are part of the regimen format, so they live in the core; drug names are
contributed by rule packs through the ``orderlint_vocabulary`` hook.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterable, Optional

#: Canonical test names and their aliases (regimen-format.md). ``cmp`` counts as lft and renal.
CORE_TESTS: dict[str, list[str]] = {
    "cbc": ["cbc with differential", "fbc"],
    "lft": ["liver panel", "hepatic panel", "alt/ast"],
    "renal": ["creatinine", "egfr", "bmp", "u&e"],
    "urinalysis": ["ua"],
    "hbv": ["hbsag", "anti-hbc", "hepatitis b serology"],
    "hcv": ["anti-hcv", "hepatitis c"],
    "tb": ["igra", "quantiferon", "t-spot", "tst", "ppd"],
    "pregnancy": ["hcg", "beta-hcg", "pregnancy test"],
    "tpmt": ["nudt15", "thiopurine genotype"],
    "g6pd": [],
    "hrct": ["hrct chest", "ct chest"],
    "pft": ["pulmonary function tests", "spirometry", "dlco"],
}
#: Names that count as several tests at once.
COMPOSITE_TESTS: dict[str, tuple[str, ...]] = {"cmp": ("lft", "renal")}

_SPACE_RE = re.compile(r"\s+")
_BIOSIMILAR_RE = re.compile(r"^(.+?)-[a-z]{4}$")
# Words that name a dosage form, then a salt, rather than the ingredient. Forms are dropped
# first so that "mycophenolate sodium tablets" stays mycophenolic acid.
_FORM_WORDS = frozenset(
    "tablet tablets tab tabs capsule capsules cap caps injection infusion solution suspension "
    "oral iv sc po er xr sr dr ec".split()
)
_SALT_WORDS = frozenset(
    "sodium potassium hydrochloride hcl acetate phosphate succinate citrate esylate mesylate "
    "isethionate monohydrate".split()
)


def clean_name(text: str) -> str:
    """Case-fold and tidy a typed name: 'Solu–Medrol®' -> 'solu-medrol'."""
    t = text.lower().replace("®", "").replace("™", "")
    t = t.replace("\u2013", "-").replace("\u2014", "-").replace("\u2010", "-")
    return _SPACE_RE.sub(" ", t).strip()


@dataclass(frozen=True)
class Drug:
    name: str
    classes: frozenset
    rxcui: Optional[str] = None
    pe_factor: Optional[float] = None
    tags: frozenset = frozenset()  # classes plus the ingredient name: what `is_a` answers

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", frozenset(self.classes) | {self.name})

    def is_a(self, cls: str) -> bool:
        return cls in self.tags


class VocabularyError(Exception):
    """Two plugins disagree about a name: a configuration error, never a silent choice."""


class Vocabulary:
    def __init__(self) -> None:
        self.drugs: dict[str, Drug] = {}
        self._names: dict[str, str] = {}  # any cleaned name -> canonical
        self._owner: dict[str, str] = {}
        self.tests: dict[str, tuple[str, ...]] = {}  # cleaned name -> canonical tests it counts as
        self._by_rxcui: dict[str, str] = {}
        self._cache: dict[str, Optional[Drug]] = {}
        self._suggestions: dict[str, list[str]] = {}
        self._test_cache: dict[str, Optional[tuple[str, ...]]] = {}
        for canonical, aliases in CORE_TESTS.items():
            self.add_test(canonical, aliases, "orderlint")
        for name, counts in COMPOSITE_TESTS.items():
            self.tests[name] = counts

    # -- building
    def add_test(self, canonical: str, aliases: Iterable[str], owner: str) -> None:
        canonical = clean_name(canonical)
        for n in (canonical, *aliases):
            key = clean_name(n)
            prev = self.tests.get(key)
            if prev is not None and prev != (canonical,):
                raise VocabularyError(f"{owner}: test name {n!r} already means {prev[0]!r}")
            self.tests[key] = (canonical,)
        self._test_cache = {}

    def add_drugs(self, drugs: dict[str, dict], owner: str) -> None:
        for canonical, entry in drugs.items():
            canonical = clean_name(canonical)
            known = self.drugs.get(canonical)
            drug = Drug(
                name=canonical,
                classes=frozenset(entry.get("classes", ())) | (known.classes if known else frozenset()),
                rxcui=entry.get("rxcui") or (known.rxcui if known else None),
                pe_factor=entry.get("pe_factor", known.pe_factor if known else None),
            )
            self.drugs[canonical] = drug
            for n in (canonical, *entry.get("aliases", ())):
                key = clean_name(n)
                prev = self._names.get(key)
                if prev is not None and prev != canonical:
                    raise VocabularyError(
                        f"{owner}: drug name {n!r} already means {prev!r} (from {self._owner[key]})"
                    )
                self._names[key] = canonical
                self._owner.setdefault(key, owner)
            if drug.rxcui:
                self._by_rxcui[drug.rxcui] = canonical
        self._cache.clear()
        self._suggestions.clear()

    # -- lookups
    def drug(self, text: str) -> Optional[Drug]:
        hit = self._cache.get(text, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        found = self._resolve(clean_name(text))
        if len(self._cache) < 100_000:
            self._cache[text] = found
        return found

    def _resolve(self, key: str) -> Optional[Drug]:
        name = self._names.get(key)
        if name is None:
            m = _BIOSIMILAR_RE.match(key)  # US biosimilars: rituximab-abbs -> rituximab
            if m and m.group(1) in self._names:
                name = self._names[m.group(1)]
        words = key.split(" ")
        for noise in (_FORM_WORDS, _FORM_WORDS | _SALT_WORDS):
            if name is not None:
                break
            kept = [w for w in words if w not in noise]
            if kept and len(kept) < len(words):
                name = self._names.get(" ".join(kept))
        return self.drugs[name] if name is not None else None

    def drug_by_rxcui(self, rxcui: str) -> Optional[Drug]:
        name = self._by_rxcui.get(rxcui.strip())
        return self.drugs[name] if name else None

    def suggest_drugs(self, text: str, n: int = 3) -> list[str]:
        key = clean_name(text)
        hit = self._suggestions.get(key)
        if hit is not None:
            return hit
        # Only names of similar length can reach the cutoff; this keeps difflib cheap on streams.
        slack = max(3, len(key) // 3)
        pool = [name for name in self._names if abs(len(name) - len(key)) <= slack]
        matches = difflib.get_close_matches(key, pool, n=n * 3, cutoff=0.6)
        out: list[str] = []
        for m in matches:
            label = m if m == self._names[m] else f"{m} ({self._names[m]})"
            if label not in out:
                out.append(label)
        out = out[:n]
        if len(self._suggestions) < 10_000:
            self._suggestions[key] = out
        return out

    def test(self, text: str) -> Optional[tuple[str, ...]]:
        hit = self.tests.get(text)
        if hit is None:
            hit = self._test_cache.get(text, False)
            if hit is False:
                hit = self.tests.get(clean_name(text))
                if len(self._test_cache) < 10_000:
                    self._test_cache[text] = hit
        return hit  # type: ignore[return-value]

    def suggest_tests(self, text: str) -> list[str]:
        return difflib.get_close_matches(clean_name(text), list(self.tests), n=3, cutoff=0.6)
