#!/usr/bin/env python3
"""Seeded generator of realistic regimen documents for the orderlint benchmarks.

The documents follow the regimen format (docs: shared spec ``regimen-format.md``) and are built
from the project's own examples (``examples/regimens`` and ``examples/protocols``), varied so
that a stream does not repeat the same few texts:

* ids, order ids, dates (every date of a document shifted by the same number of days, so that
  look-back windows keep their meaning), patient age, weight and height;
* drug names (brands, abbreviations and salt forms of the same ingredient, in various cases),
  routes (``po``, ``IV``, ``subcutaneous``), frequencies (``q12h``, ``BID``, structured
  ``{frequency, period, period_unit}``), test names (aliases such as ``FBC``, ``hepatic panel``);
* doses: re-expressed (1000 mg as 1 g, or 2 tablets of 500 mg), and for dose-checked drugs moved
  only within the same band (below / inside / above the default range), so that a clean
  template stays clean and a flagged one stays flagged.

Mix (by category, drawn per document): ~44% clean patient regimens, ~1% not-applicable
(another condition), ~35% flagged patient regimens (every ILD/OL rule with an example),
~12% order sets, ~8% invalid documents (bad types, unknown fields, duplicate keys written as
raw text, truncated JSON, NaN, unknown test names, missing required fields).

The output is deterministic for a given ``--seed``, and the first N documents of a run with
``--count M`` (M > N) are the documents of a run with ``--count N``.

    python benchmarks/generate.py --seed 1 --count 10000 --out benchmarks/out/data/s.jsonl
    python benchmarks/generate.py --seed 1 --count 2000 --dir benchmarks/out/data/folder
    python benchmarks/generate.py --seed 1 --count 5000 --out /dev/null --verify

``--verify`` lints what it generated (needs orderlint installed) and prints how each category
came out, to check that clean documents lint clean and invalid ones are invalid.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

#: Categories and their share of the stream.
MIX: tuple[tuple[str, float], ...] = (
    ("clean", 0.44),
    ("not-applicable", 0.01),
    ("flagged", 0.35),
    ("order-set", 0.12),
    ("invalid", 0.08),
)

#: Ways a document is made invalid, and their share among invalid documents.
INVALID_KINDS: tuple[tuple[str, float], ...] = (
    ("bad-type", 0.25),
    ("unknown-field", 0.20),
    ("duplicate-key", 0.20),
    ("truncated", 0.20),
    ("nan", 0.05),
    ("unknown-test", 0.05),
    ("missing-required", 0.05),
)

# ----------------------------------------------------------------------------- vocabulary

#: Names users type for an ingredient (same canonical drug, so the rules see the same thing).
#: Taken from the installed SSc-ILD pack when available, else this small fallback table.
_FALLBACK_ALIASES: dict[str, list[str]] = {
    "mycophenolate mofetil": ["mycophenolate mofetil", "MMF", "CellCept"],
    "mycophenolic acid": ["mycophenolic acid", "Myfortic", "mycophenolate sodium"],
    "azathioprine": ["azathioprine", "Imuran", "AZA"],
    "cyclophosphamide": ["cyclophosphamide", "Cytoxan", "CYC"],
    "rituximab": ["rituximab", "Rituxan", "Truxima", "rituximab-abbs"],
    "nintedanib": ["nintedanib", "Ofev"],
    "prednisone": ["prednisone", "Deltasone"],
    "methylprednisolone": ["methylprednisolone", "Solu-Medrol", "Medrol"],
    "sulfamethoxazole-trimethoprim": ["sulfamethoxazole-trimethoprim", "Bactrim", "TMP-SMX", "co-trimoxazole"],
    "omeprazole": ["omeprazole", "Prilosec"],
    "ondansetron": ["ondansetron", "Zofran"],
    "mesna": ["mesna", "Mesnex"],
}
#: Brands are written capitalised; abbreviations of up to 4 letters in capitals.
_BRAND_CASE = {"cellcept": "CellCept", "solu-medrol": "Solu-Medrol", "tmp-smx": "TMP-SMX", "smx-tmp": "SMX-TMP",
               "tmp/smx": "TMP/SMX", "smx/tmp": "SMX/TMP", "bactrim ds": "Bactrim DS", "septra ds": "Septra DS"}


def _alias_table() -> dict[str, list[str]]:
    try:
        from orderlint_ssc.vocabulary import DRUGS  # the built-in pack's vocabulary (pure data)
    except Exception:  # orderlint not installed: the fallback still gives realistic variety
        return {k: list(v) for k, v in _FALLBACK_ALIASES.items()}
    table: dict[str, list[str]] = {}
    for canonical, entry in DRUGS.items():
        names = [canonical, *entry.get("aliases", ())]
        table[canonical] = names
    return table


def _cased(rng: random.Random, name: str) -> str:
    """How a person might type a name: lower case, Title Case, brand casing, ABBREVIATION."""
    if name in _BRAND_CASE and rng.random() < 0.7:
        return _BRAND_CASE[name]
    r = rng.random()
    if len(name) <= 4 and name.isalpha():
        return name.upper() if r < 0.8 else name
    if r < 0.55:
        return name
    if r < 0.9:
        return name[:1].upper() + name[1:]
    return name.title()


ROUTE_ALIASES = {
    "oral": ["oral", "oral", "oral", "po", "PO", "p.o.", "by mouth", "Oral"],
    "iv": ["iv", "iv", "IV", "IV", "intravenous", "i.v.", "IVPB"],
    "sc": ["sc", "SC", "subcutaneous", "subcut", "SQ"],
    "im": ["im", "IM", "intramuscular"],
}
#: Frequency codes -> what people write (strings) and the structured form.
FREQ_ALIASES: dict[str, list[Any]] = {
    "bid": ["bid", "bid", "bid", "BID", "q12h", "twice daily", {"frequency": 2, "period": 1, "period_unit": "d"}],
    "daily": ["daily", "daily", "daily", "qd", "q24h", "once daily", "QD", {"frequency": 1, "period": 1, "period_unit": "d"}],
    "tid": ["tid", "TID", "q8h", "three times daily"],
    "qid": ["qid", "QID", "q6h"],
    "weekly": ["weekly", "weekly", "qw", "once weekly", {"frequency": 1, "period": 1, "period_unit": "wk"}],
    "tiw": ["tiw", "tiw", "three times weekly", "TIW", {"frequency": 3, "period": 1, "period_unit": "wk"}],
    "q2w": ["q2w", "q2w", "Q2W", {"frequency": 1, "period": 2, "period_unit": "wk"}],
    "q4w": ["q4w", "q4w", "Q4W", {"frequency": 1, "period": 4, "period_unit": "wk"}],
}
PER_DAY = {"once": 1.0, "daily": 1.0, "bid": 2.0, "tid": 3.0, "qid": 4.0, "weekly": 1 / 7, "tiw": 3 / 7,
           "q2w": 1 / 14, "q4w": 1 / 28}
#: Test names -> aliases of the same test (regimen-format.md).
TEST_ALIASES = {
    "cbc": ["cbc", "CBC", "CBC", "CBC with differential", "FBC"],
    "lft": ["lft", "LFT", "liver panel", "hepatic panel", "ALT/AST"],
    "renal": ["renal", "creatinine", "eGFR", "BMP", "U&E"],
    "cmp": ["cmp", "CMP", "CMP"],
    "urinalysis": ["urinalysis", "UA", "urinalysis"],
    "hbv": ["hbv", "HBV", "HBsAg", "hepatitis B serology", "anti-HBc"],
    "hcv": ["hcv", "anti-HCV", "hepatitis C"],
    "tb": ["tb", "IGRA", "QuantiFERON", "T-SPOT"],
    "quantiferon": ["QuantiFERON", "IGRA", "T-SPOT"],
    "pregnancy": ["pregnancy", "pregnancy test", "hCG", "beta-hCG"],
    "beta-hcg": ["beta-hCG", "hCG", "pregnancy test"],
    "tpmt": ["tpmt", "TPMT", "NUDT15", "thiopurine genotype"],
    "g6pd": ["g6pd", "G6PD"],
    "hrct": ["hrct", "HRCT", "HRCT chest", "CT chest"],
    "pft": ["pft", "PFT", "pulmonary function tests", "spirometry", "DLCO"],
}
RESULTS = {"normal": ["normal", "normal", "WNL: normal"], "negative": ["negative", "negative", "non-reactive (negative)"]}

#: Dose bands of the dose-checked drugs (defaults of ILD501/ILD502): per-administration candidates
#: in mg, and the per-day (and per-dose) limits that decide the band.
DOSE_BANDS: dict[str, dict[str, Any]] = {
    "mycophenolate mofetil": {"unit": "mg", "cands": [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500],
                              "day": (1000, 3000)},
    "mycophenolic acid": {"unit": "mg", "cands": [180, 360, 540, 720, 900, 1080, 1440], "day": (720, 2160)},
    "nintedanib": {"unit": "mg", "cands": [100, 150, 200], "day": (200, 300), "dose_max": 150},
    "rituximab": {"unit": "mg", "cands": [500, 750, 1000, 1500], "dose_max": 1000},
    "cyclophosphamide": {"unit": "mg/m2", "cands": [400, 500, 600, 700, 750, 1000], "dose": (500, 750)},
}
#: Tablet strengths (mg) for re-expressing an oral mg dose as tablets.
STRENGTHS = {"mycophenolate mofetil": [250, 500], "mycophenolic acid": [180, 360], "azathioprine": [50],
             "prednisone": [5, 10, 20], "nintedanib": [100, 150]}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RULE_PREFIX_RE = re.compile(r"^(ild|ol)\d{3}-")


# ----------------------------------------------------------------------------- templates


class Template:
    __slots__ = ("name", "category", "text", "slug", "drugs")

    def __init__(self, name: str, category: str, data: dict) -> None:
        self.name = name
        self.category = category
        self.text = json.dumps(data)  # a fresh copy per document is one json.loads away
        self.slug = _RULE_PREFIX_RE.sub("", str(data.get("id", "regimen")))
        self.drugs = [o.get("drug") for o in data.get("orders", [])]


def _plain(v: Any) -> Any:
    """YAML dates -> 'YYYY-MM-DD' strings (as the reader keeps them)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()[:10]
    return v


def _load(path: Path) -> Optional[dict]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    try:
        import yaml
    except ImportError:
        return None
    return _plain(yaml.safe_load(text))


def load_templates(examples: Path = EXAMPLES) -> dict[str, list[Template]]:
    pools: dict[str, list[Template]] = {"clean": [], "not-applicable": [], "flagged": [], "order-set": []}
    for path in sorted((examples / "regimens").glob("*")) + sorted((examples / "protocols").glob("*")):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        data = _load(path)
        if not isinstance(data, dict):
            continue
        expect = data.get("x-expect", [])
        data = {k: v for k, v in data.items() if not k.startswith("x-")}
        if data.get("kind") == "order-set":
            cat = "order-set"
        elif data.get("indication", {}).get("condition") != "ssc-ild":
            cat = "not-applicable"
        else:
            cat = "flagged" if expect else "clean"
        pools[cat].append(Template(path.name, cat, data))
        # Patient templates whose orders are all new also make order sets (protocol documents).
        if cat in ("clean", "flagged") and not data.get("history") and not data.get("waivers") and all(
            o.get("status", "new") == "new" for o in data.get("orders", [])
        ):
            oset = {k: v for k, v in data.items() if k not in ("patient",)}
            oset["kind"] = "order-set"
            oset["id"] = data["id"] + "-protocol"
            oset["tests"] = [{"test": t["test"], "status": "ordered"} for t in data.get("tests", [])]
            pools["order-set"].append(Template(path.name + "#order-set", "order-set", oset))
    missing = [k for k, v in pools.items() if not v]
    if missing:
        raise SystemExit(f"generate.py: no templates for {', '.join(missing)} under {examples}")
    return pools


# ----------------------------------------------------------------------------- variation


def _shift(date: Any, days: int) -> Any:
    if isinstance(date, str) and _DATE_RE.match(date):
        try:
            return (_dt.date.fromisoformat(date) + _dt.timedelta(days=days)).isoformat()
        except ValueError:
            return date
    return date


def _canonical(names: dict[str, str], text: str) -> Optional[str]:
    return names.get(" ".join(text.lower().split()))


def _band(drug: str, per_admin: float, per_day: Optional[float]) -> Optional[tuple]:
    spec = DOSE_BANDS[drug]
    key = []
    if "day" in spec:
        if per_day is None:
            return None
        lo, hi = spec["day"]
        daily = per_admin * per_day
        key.append(-1 if daily < lo else (1 if daily > hi else 0))
    if "dose" in spec:
        lo, hi = spec["dose"]
        key.append(-1 if per_admin < lo else (1 if per_admin > hi else 0))
    if "dose_max" in spec:
        key.append(1 if per_admin > spec["dose_max"] else 0)
    return tuple(key)


class Generator:
    def __init__(self, seed: int, examples: Path = EXAMPLES) -> None:
        self.rng = random.Random(seed)
        self.pools = load_templates(examples)
        self.aliases = _alias_table()
        self.names = {n.lower(): c for c, ns in self.aliases.items() for n in ns}
        self._cats = [c for c, _ in MIX]
        self._cat_w = [w for _, w in MIX]
        self._inv = [c for c, _ in INVALID_KINDS]
        self._inv_w = [w for _, w in INVALID_KINDS]
        # Order sets: the hand-written protocols are weighted up against derived ones.
        self._oset_w = [3.0 if "#" not in t.name else 1.0 for t in self.pools["order-set"]]
        self._same_band: dict[tuple, list] = {}

    # -- one document
    def document(self, i: int) -> tuple[str, str, Any]:
        """-> (category, invalid kind or '', dict or a raw-text corruption plan)."""
        rng = self.rng
        cat = rng.choices(self._cats, self._cat_w)[0]
        if cat == "order-set":
            t = rng.choices(self.pools["order-set"], self._oset_w)[0]
            return cat, "", self._vary(t, i, order_set=True)
        if cat == "invalid":
            base = rng.choice(self.pools["clean"] + self.pools["flagged"])
            d = self._vary(base, i)
            kind = rng.choices(self._inv, self._inv_w)[0]
            return cat, kind, self._corrupt(d, kind)
        t = rng.choice(self.pools[cat])
        return cat, "", self._vary(t, i)

    def _vary(self, t: Template, i: int, order_set: bool = False) -> dict:
        rng = self.rng
        d = json.loads(t.text)
        if order_set:
            d["id"] = f"{t.slug}-{rng.choice(('site', 'ward', 'onc', 'rheum'))}{rng.randrange(1, 60)}-v{rng.randrange(1, 9)}"
        else:
            d["id"] = f"{rng.choice(('pt', 'pt', 'mrn', 'enc'))}-{rng.randrange(10_000, 9_999_999)}-{t.slug}"
        shift = rng.randrange(-700, 300)
        for key in ("as_of",):
            if key in d:
                d[key] = _shift(d[key], shift)
        if order_set and rng.random() < 0.3:
            d.pop("as_of", None)

        p = d.get("patient")
        if isinstance(p, dict):
            if "age_years" in p:
                p["age_years"] = max(18, p["age_years"] + rng.randrange(-6, 7))
            if "weight_kg" in p:
                w = p["weight_kg"] + rng.randrange(-4, 5)
                p["weight_kg"] = round(w + rng.choice((0, 0, 0.5, 0.2)), 1) if rng.random() < 0.4 else w
            if "height_cm" in p:
                p["height_cm"] = p["height_cm"] + rng.randrange(-5, 6)

        # Orders: ids, names, doses, routes, frequencies.
        id_map: dict[str, str] = {}
        style = rng.random()
        for n, o in enumerate(d.get("orders", [])):
            if "id" in o:
                old = o["id"]
                new = old if style < 0.5 else (f"{old}-{rng.randrange(1, 99)}" if style < 0.8 else f"ord{n + 1}")
                id_map[old] = new
                o["id"] = new
            if "start" in o:
                o["start"] = _shift(o["start"], shift)
            self._vary_order(o)
        for w in d.get("waivers", []):
            if w.get("order") in id_map:
                w["order"] = id_map[w["order"]]
            if "expires" in w:
                w["expires"] = _shift(w["expires"], shift)
        for h in d.get("history", []):
            for k in ("start", "stop"):
                if k in h:
                    h[k] = _shift(h[k], shift)
            c = _canonical(self.names, h.get("drug", ""))
            if c and rng.random() < 0.5:
                h["drug"] = _cased(rng, rng.choice(self.aliases[c]))
        tests = d.get("tests")
        if tests:
            for tst in tests:
                key = tst["test"].lower()
                if key in TEST_ALIASES and rng.random() < 0.5:
                    tst["test"] = rng.choice(TEST_ALIASES[key])
                if "date" in tst:
                    tst["date"] = _shift(tst["date"], shift)
                if tst.get("result") in RESULTS and rng.random() < 0.2:
                    tst["result"] = rng.choice(RESULTS[tst["result"]])
            if rng.random() < 0.3:
                rng.shuffle(tests)

        # A few extra co-medications and local fields, as real exports carry them.
        if rng.random() < 0.12 and not any(
            (_canonical(self.names, str(o.get("drug", ""))) or "").endswith("prazole") for o in d["orders"]
        ):
            d["orders"].append({"drug": rng.choice(("omeprazole", "Prilosec", "pantoprazole", "Protonix")),
                                "dose": rng.choice((20, 40)), "unit": "mg", "route": rng.choice(("oral", "po")),
                                "frequency": rng.choice(("daily", "qd")), "purpose": "other"})
        if rng.random() < 0.1:
            d["x-source"] = {"system": rng.choice(("epic", "cerner", "pharmacy-queue")), "encounter": f"enc-{rng.randrange(10**8):08d}"}
        if rng.random() < 0.15:
            d = {"orderlint": 1, **d}
        return d

    def _vary_order(self, o: dict) -> None:
        rng = self.rng
        canonical = _canonical(self.names, o.get("drug", ""))
        freq = o.get("frequency")
        unit = o.get("unit")
        route = o.get("route")
        # Dose: move within the same band for dose-checked drugs.
        if canonical in DOSE_BANDS and isinstance(freq, str) and freq in PER_DAY and unit == DOSE_BANDS[canonical]["unit"]:
            per_day = PER_DAY[freq]
            band = _band(canonical, o["dose"], per_day)
            if band is not None and rng.random() < 0.7:
                key = (canonical, freq, band)
                same = self._same_band.get(key)
                if same is None:
                    same = [c for c in DOSE_BANDS[canonical]["cands"] if _band(canonical, c, per_day) == band]
                    self._same_band[key] = same
                if same:
                    o["dose"] = rng.choice(same)
        # Re-express: mg as g, or as tablets with a strength.
        if unit == "mg" and isinstance(o.get("dose"), (int, float)):
            r = rng.random()
            dose = o["dose"]
            if r < 0.08 and dose >= 500 and dose % 250 == 0:
                o["dose"] = dose / 1000 if dose % 1000 else dose // 1000
                o["unit"] = "g"
            elif r < 0.16 and route in ("oral", "po") and canonical in STRENGTHS and "strength" not in o:
                fits = [s for s in STRENGTHS[canonical] if dose % s == 0 and dose // s <= 4]
                if fits:
                    s = rng.choice(fits)
                    o["dose"] = dose // s
                    o["unit"] = rng.choice(("tablet", "tablet", "tablets", "tab"))
                    o["strength"] = {"value": s, "unit": "mg"}
        elif unit == "mg/m2" and rng.random() < 0.2:
            o["unit"] = "mg/m²"
        if canonical is not None and rng.random() < 0.6:
            o["drug"] = _cased(rng, rng.choice(self.aliases[canonical]))
        if route in ROUTE_ALIASES and rng.random() < 0.4:
            o["route"] = rng.choice(ROUTE_ALIASES[route])
        if isinstance(freq, str) and freq in FREQ_ALIASES and rng.random() < 0.4:
            o["frequency"] = rng.choice(FREQ_ALIASES[freq])

    # -- invalid documents
    def _corrupt(self, d: dict, kind: str) -> Any:
        rng = self.rng
        orders = d.get("orders") or [{}]
        o = rng.choice(orders)
        if kind == "bad-type":
            choice = rng.randrange(6)
            if choice == 0 and "dose" in o:
                o["dose"] = str(o["dose"])  # "500"
            elif choice == 1 and isinstance(d.get("patient"), dict) and "weight_kg" in d["patient"]:
                d["patient"]["weight_kg"] = f"{d['patient']['weight_kg']} kg"
            elif choice == 2 and "as_of" in d:
                y, m, dd = d["as_of"].split("-")
                d["as_of"] = f"{m}/{dd}/{y}"
            elif choice == 3:
                d["indication"]["rapidly_progressive"] = rng.choice(("yes", "no", 1))
            elif choice == 4:
                o["doses"] = rng.choice((2.5, "6", True))
            else:
                o["status"] = rng.choice(("held", "discontinued", "Active"))
            return d
        if kind == "unknown-field":
            choice = rng.randrange(4)
            if choice == 0 and "patient" in d:
                d = {("patinet" if k == "patient" else k): v for k, v in d.items()}
            elif choice == 1 and "dose" in o:
                o["dosage"] = o.pop("dose")
            elif choice == 2:
                d[rng.choice(("comment", "notes", "prescriber"))] = "entered by pharmacy"
            else:
                o[rng.choice(("indication", "prn", "instructions"))] = "take with food"
            return d
        if kind == "unknown-test":
            d.setdefault("tests", []).append({"test": rng.choice(("lipid panel", "cbc panel", "hba1c", "ferritin")),
                                              "status": "ordered"})
            return d
        if kind == "missing-required":
            key = rng.choice(("kind", "indication", "orders", "id"))
            if key == "orders":
                d["orders"] = []
            else:
                d.pop(key, None)
            return d
        # Raw-text corruptions are applied after serialization (they are not JSON data).
        return ("raw", kind, d, rng.random(), rng.choice((250, 500, 1000, 1500, 3000)))

    # -- streams
    def iter_texts(self, count: int, pretty: bool = False) -> Iterator[tuple[str, str, str]]:
        """-> (category, invalid kind, text) per document; text has no trailing newline."""
        for i in range(count):
            cat, kind, d = self.document(i)
            if isinstance(d, tuple):
                _, kind, data, r, alt = d
                text = _dumps(data, pretty)
                text = _raw_corrupt(text, kind, r, alt)
            else:
                text = _dumps(d, pretty)
            yield cat, kind, text


def _dumps(d: Any, pretty: bool) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) if pretty else json.dumps(d, ensure_ascii=False)


_DOSE_RE = re.compile(r'"dose": (-?\d+(?:\.\d+)?)')


def _raw_corrupt(text: str, kind: str, r: float, alt: int) -> str:
    if kind == "duplicate-key":
        # An order repeats "dose": the parser must refuse it, json.loads keeps the last one.
        if '"dose": ' in text:
            return text.replace('"dose": ', f'"dose": {alt}, "dose": ', 1)
        return text.replace('"id": ', '"id": "dup", "id": ', 1)
    if kind == "truncated":
        # Any proper prefix of a JSON object is invalid; cut between 20% and 95% of the text.
        cut = max(1, int(len(text) * (0.2 + 0.75 * r)))
        return text[:cut].rstrip()
    if kind == "nan":
        return _DOSE_RE.sub('"dose": NaN', text, count=1)
    raise ValueError(kind)


# ----------------------------------------------------------------------------- writers


def write_jsonl(path: str, seed: int, count: int) -> Counter:
    stats: Counter = Counter()
    gen = Generator(seed)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        buf: list[str] = []
        for cat, kind, text in gen.iter_texts(count):
            stats[cat] += 1
            if kind:
                stats[f"invalid:{kind}"] += 1
            buf.append(text)
            if len(buf) >= 2000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    return stats


def file_name(i: int) -> str:
    return f"regimen-{i:06d}.json"


def write_dir(folder: str, seed: int, count: int) -> Counter:
    stats: Counter = Counter()
    os.makedirs(folder, exist_ok=True)
    gen = Generator(seed)
    for i, (cat, kind, text) in enumerate(gen.iter_texts(count, pretty=True)):
        stats[cat] += 1
        if kind:
            stats[f"invalid:{kind}"] += 1
        with open(os.path.join(folder, file_name(i)), "w", encoding="utf-8", newline="\n") as f:
            f.write(text + "\n")
    return stats


def verify(seed: int, count: int) -> str:
    """Lint the generated documents in process and tabulate category x outcome."""
    import io

    from orderlint.engine import Linter
    from orderlint.reader import iter_jsonl

    gen = Generator(seed)
    cats: list[str] = []
    lines: list[str] = []
    for cat, kind, text in gen.iter_texts(count):
        cats.append(cat if not kind else f"invalid:{kind}")
        lines.append(text)
    linter = Linter()
    table: Counter = Counter()
    codes: Counter = Counter()
    stream = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))
    for cat, doc in zip(cats, iter_jsonl(stream, "<gen>")):
        r = linter.lint_document(doc)
        active = r.active_findings()
        if r.status != "checked":
            outcome = r.status
        elif active:
            outcome = "findings"
        else:
            outcome = "suppressed-only" if r.findings else "clean"
        table[(cat, outcome)] += 1
        for f in r.findings:
            codes[f.code] += 1
    out = ["category x outcome (status; 'clean' = checked with no active finding):"]
    for (cat, outcome), n in sorted(table.items()):
        out.append(f"  {cat:<28} {outcome:<16} {n}")
    out.append("findings by code: " + ", ".join(f"{c}={n}" for c, n in sorted(codes.items())))
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=10_000)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--out", help="write one document per line to this .jsonl file")
    where.add_argument("--dir", help="write one pretty-printed .json file per document into this folder")
    ap.add_argument("--verify", action="store_true", help="also lint the documents and print category x outcome")
    args = ap.parse_args(argv)
    if not args.out and not args.dir and not args.verify:
        ap.error("give --out FILE.jsonl or --dir FOLDER (or --verify)")
    stats: Counter = Counter()
    if args.out:
        stats = write_jsonl(args.out, args.seed, args.count)
    elif args.dir:
        stats = write_dir(args.dir, args.seed, args.count)
    if stats:
        total = sum(v for k, v in stats.items() if ":" not in k)
        parts = ", ".join(f"{k} {v} ({100 * v / total:.1f}%)" for k, v in sorted(stats.items()))
        print(f"generated {total} documents (seed {args.seed}): {parts}", file=sys.stderr)
    if args.verify:
        print(verify(args.seed, args.count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
