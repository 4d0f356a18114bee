"""Normalize stage: a validated regimen -> facts rules can compare.

Doses become mg per administration in the basis they were written in (mg, mg/kg, mg/m2)
and are converted on request with the patient's weight or BSA; frequencies become
administrations per day; courses become days. Whatever cannot be normalized is recorded
as "unverifiable" (OL003) on that order and yields ``None``: never zero, never a guess.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from orderlint.model import Regimen as RegimenDoc
from orderlint.vocabulary import Drug, Vocabulary, clean_name

# mg per unit, and the basis the dose is written in.
_MASS = {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "ug": 0.001, "µg": 0.001, "μg": 0.001}
UNITS: dict[str, tuple[str, float]] = {}
for _u, _f in _MASS.items():
    UNITS[_u] = ("mg", _f)
    UNITS[f"{_u}/kg"] = ("mg/kg", _f)
    UNITS[f"{_u}/m2"] = ("mg/m2", _f)
    UNITS[f"{_u}/m²"] = ("mg/m2", _f)
#: Units counted in pieces; the amount needs `strength`.
COUNT_UNITS = {"tablet": "tablet", "tablets": "tablet", "tab": "tablet", "capsule": "capsule",
               "capsules": "capsule", "cap": "capsule", "ml": "mL"}

ROUTES = {
    "oral": "oral", "po": "oral", "p.o.": "oral", "by mouth": "oral", "enteral": "oral",
    "iv": "iv", "i.v.": "iv", "intravenous": "iv", "ivpb": "iv",
    "sc": "sc", "s.c.": "sc", "subcutaneous": "sc", "subcut": "sc", "sq": "sc", "subq": "sc",
    "im": "im", "i.m.": "im", "intramuscular": "im",
    "inhaled": "inhaled", "inhalation": "inhaled", "inh": "inhaled", "neb": "inhaled",
    "nebulized": "inhaled", "nebulised": "inhaled", "aerosolized": "inhaled",
    "topical": "topical", "cutaneous": "topical",
}
SYSTEMIC_ROUTES = frozenset({"oral", "iv", "im"})

#: Administrations per day for each frequency code; "once" is a single administration.
FREQUENCIES: dict[str, float] = {
    "once": 1.0, "stat": 1.0, "x1": 1.0, "one time": 1.0, "single dose": 1.0,
    "daily": 1.0, "qd": 1.0, "q24h": 1.0, "od": 1.0, "once daily": 1.0, "qday": 1.0,
    "bid": 2.0, "q12h": 2.0, "twice daily": 2.0,
    "tid": 3.0, "q8h": 3.0, "three times daily": 3.0,
    "qid": 4.0, "q6h": 4.0, "four times daily": 4.0,
    "qod": 0.5, "q48h": 0.5, "every other day": 0.5,
    "weekly": 1 / 7, "qw": 1 / 7, "q1w": 1 / 7, "once weekly": 1 / 7,
    "biw": 2 / 7, "twice weekly": 2 / 7,
    "tiw": 3 / 7, "three times weekly": 3 / 7,
    "q2w": 1 / 14, "q3w": 1 / 21, "q4w": 1 / 28,
    "monthly": 1 / 30, "qmonth": 1 / 30, "q1mo": 1 / 30,
}
_QH_RE = re.compile(r"^q(\d{1,3})h$")
PERIOD_DAYS = {"d": 1.0, "wk": 7.0, "mo": 30.0}
#: More administrations a day than this is not a frequency (one a second); treated as unknown.
MAX_PER_DAY = 86_400.0


def parse_frequency(freq: Any) -> tuple[Optional[float], bool]:
    """-> (administrations per day or None if unknown, is a single administration)."""
    if isinstance(freq, str):
        key = clean_name(freq).replace(".", "") if freq not in FREQUENCIES else freq
        if key in FREQUENCIES:
            return FREQUENCIES[key], key in ("once", "stat", "x1", "one time", "single dose")
        m = _QH_RE.match(key)
        if m and 0 < int(m.group(1)) <= 168:
            return 24 / int(m.group(1)), False
        return None, False
    per_day = freq.frequency / (freq.period * PERIOD_DAYS[freq.period_unit])
    # A period so short that the rate is not a finite number is not a frequency anyone can give.
    return (per_day if math.isfinite(per_day) and per_day <= MAX_PER_DAY else None), False


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / 3600.0)


@dataclass(slots=True)
class Order:
    """One order, normalized. ``index`` is its position in the document's ``orders``."""

    index: int
    ref: str
    drug_text: str
    drug: Optional[Drug]
    status: str
    purpose: str
    route: Optional[str]
    route_text: str
    dose: float
    unit_text: str
    per_day: Optional[float]
    single: bool
    basis: Optional[str]  # "mg", "mg/kg" or "mg/m2"; None when the amount is not known
    per_admin: Optional[float]  # mg (or mg/kg, mg/m2) per administration in `basis`
    amount_problem: Optional[tuple[str, str, bool]]  # (why, pointer suffix, report even if unused)
    frequency_text: str
    course_days: Optional[float]  # None: open-ended (or unknown, see course_known)
    course_known: bool
    administrations: Optional[int]  # None: open-ended or unknown
    doses: Optional[int]

    @property
    def pointer(self) -> str:
        return f"/orders/{self.index}"

    @property
    def active(self) -> bool:
        return self.status in ("new", "active")

    @property
    def new(self) -> bool:
        return self.status == "new"

    @property
    def for_ild(self) -> bool:
        return self.purpose == "ild"

    def is_a(self, cls: str) -> bool:
        return self.drug is not None and cls in self.drug.tags

    @property
    def name(self) -> str:
        return self.drug.name if self.drug else self.drug_text

    @property
    def label(self) -> str:
        """'CellCept (mycophenolate mofetil)', or just the name when it is the ingredient."""
        if self.drug is None or clean_name(self.drug_text) == self.drug.name:
            return self.drug_text
        return f"{self.drug_text} ({self.drug.name})"

    def describe(self) -> str:
        """'methylprednisolone 16 mg daily' as written, for messages."""
        freq = self.frequency_text.strip("'") if self.frequency_text != "(structured)" else "(structured frequency)"
        return f"{self.drug_text} {_num(self.dose)} {self.unit_text} {freq}"

    @property
    def systemic_glucocorticoid(self) -> bool:
        return self.is_a("systemic-glucocorticoid") and self.route in SYSTEMIC_ROUTES


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e7 else f"{x:.6g}"


fmt_num = _num


@dataclass
class Regimen:
    """A validated, normalized regimen: what every rule receives."""

    doc: RegimenDoc
    orders: list[Order]
    as_of: _dt.date
    phase: str
    rapidly_progressive: bool
    weight_kg: Optional[float]
    bsa_m2: Optional[float]
    reproductive_potential: bool
    progressed_on: frozenset  # Drugs with a history outcome of progression
    lookback_days: dict[str, Optional[int]]
    test_index: dict[str, list[Optional[_dt.date]]]  # canonical test -> result dates (None: ordered)
    unverifiable: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def order_set(self) -> bool:
        return self.doc.kind == "order-set"

    # -- orders (memoized: many rules ask the same question of one regimen)
    def active(self, cls: Optional[str] = None) -> list[Order]:
        """Active (new or continuing) orders of known drugs, optionally of one class or ingredient."""
        return self._by_tag("a").get(cls, ())  # type: ignore[return-value]

    def new(self, cls: Optional[str] = None) -> list[Order]:
        """New (proposed) orders of known drugs, optionally of one class or ingredient."""
        return self._by_tag("n").get(cls, ())  # type: ignore[return-value]

    def active_tags(self):
        """Every class and ingredient among active orders of known drugs."""
        return self._by_tag("a").keys()

    def _by_tag(self, which: str) -> dict:
        index = self._memo.get(which)
        if index is None:
            index = {None: []}
            for o in self.orders:
                if o.drug is None or not (o.new if which == "n" else o.active):
                    continue
                index[None].append(o)
                for tag in o.drug.tags:
                    index.setdefault(tag, []).append(o)
            self._memo[which] = index
        return index

    def progressed_on_class(self, cls: str) -> bool:
        return any(d.is_a(cls) for d in self.progressed_on)

    # -- amounts
    def unverifiable_dose(self, o: Order, why: str, suffix: str = "/dose") -> None:
        """Record that a needed amount of ``o`` cannot be computed (reported once per reason as OL003)."""
        reasons = self.unverifiable.setdefault(o.index, [])
        if all(r[0] != why for r in reasons):
            reasons.append((why, suffix))

    def amount(self, o: Order, basis: str = "mg", per: str = "admin") -> Optional[float]:
        """Amount of ``o`` in ``basis`` (mg, mg/kg, mg/m2) per administration or per day."""
        if o.per_admin is None:
            why, suffix, _ = o.amount_problem or ("its amount is unknown", "/dose", True)
            self.unverifiable_dose(o, why, suffix)
            return None
        v = o.per_admin
        if o.basis != basis:
            to_mg = {"mg": 1.0, "mg/kg": self.weight_kg, "mg/m2": self.bsa_m2}
            need = {"mg/kg": "the patient's weight (weight_kg)", "mg/m2": "the patient's BSA (bsa_m2, or height_cm and weight_kg)"}
            f_in, f_out = to_mg[o.basis], to_mg[basis]
            if f_in is None or f_out is None:
                missing = o.basis if f_in is None else basis
                self.unverifiable_dose(o, f"converting {o.basis} to {basis} needs {need[missing]}", "/unit")
                return None
            v = v * f_in / f_out
        if per == "day":
            if o.per_day is None:
                self.unverifiable_dose(o, unknown_frequency(o), "/frequency")
                return None
            v = v * o.per_day
        return v

    def daily_pe(self, o: Order) -> Optional[float]:
        """Prednisone-equivalent mg/day of a systemic glucocorticoid, rounded to 2 decimals."""
        mg = self.amount(o, "mg", "day")
        if mg is None or o.drug is None or o.drug.pe_factor is None:
            return None
        return round(mg * o.drug.pe_factor, 2)

    # -- tests
    def test_counts(self, name: str) -> bool:
        """Ordered in this document, or resulted within its look-back window before as_of."""
        key = ("t", name)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._test_counts(name)
        return hit

    def _test_counts(self, name: str) -> bool:
        window = self.lookback_days.get(name, self.lookback_days.get("default", 90))
        for resulted_on in self.test_index.get(name, ()):
            if resulted_on is None:  # ordered in this document
                return True
            age = (self.as_of - resulted_on).days
            if age >= 0 and (window is None or age <= window):
                return True
        return False

    def missing_tests(self, names) -> list[str]:
        return [n for n in names if not self.test_counts(n)]


def unknown_frequency(o: Order) -> str:
    return f"frequency {o.frequency_text} is not a known frequency"


def normalize(
    doc: RegimenDoc,
    vocab: Vocabulary,
    *,
    as_of: _dt.date,
    lookback_days: dict[str, Optional[int]],
) -> tuple[Regimen, list[tuple[str, str, Optional[int]]]]:
    """-> (regimen, unknown-drug problems [(message, pointer, order index)])."""
    patient = doc.patient
    weight = patient.weight_kg if patient else None
    bsa = None
    if patient is not None:
        if patient.bsa_m2 is not None:
            bsa = patient.bsa_m2
        elif patient.height_cm is not None and patient.weight_kg is not None:
            bsa = mosteller_bsa(patient.height_cm, patient.weight_kg)
    if patient is None or doc.kind == "order-set":
        reproductive = True  # an order set applies to anyone
    elif patient.reproductive_potential is not None:
        reproductive = patient.reproductive_potential
    else:
        reproductive = patient.sex != "male"  # fail closed

    unknown: list[tuple[str, str, Optional[int]]] = []
    orders: list[Order] = []
    for i, od in enumerate(doc.orders):
        drug = vocab.drug(od.drug)
        if od.status in ("on-hold", "stopped"):
            pass  # ignored by every check (regimen-format.md), OL002 included
        elif drug is None:
            unknown.append((_unknown_drug_message(od.drug, vocab), f"/orders/{i}/drug", i))
        elif od.rxcui is not None:
            clash = _rxcui_clash(od.rxcui, drug, vocab)
            if clash:
                unknown.append((clash, f"/orders/{i}/rxcui", i))
                drug = None
        orders.append(_order(i, od, drug))

    progressed = set()
    for j, h in enumerate(doc.history):
        hd = vocab.drug(h.drug)
        if hd is None:
            unknown.append((_unknown_drug_message(h.drug, vocab, "history item"), f"/history/{j}/drug", None))
        elif h.outcome == "progression":
            progressed.add(hd)

    test_index: dict[str, list[Optional[_dt.date]]] = {}
    for t in doc.tests:
        when = None if t.status == "ordered" else t.date
        for canonical in vocab.test(t.test) or ():
            test_index.setdefault(canonical, []).append(when)

    phase = doc.indication.phase or ("progression" if any(h.outcome == "progression" for h in doc.history) else "first-line")
    as_of_date = doc.as_of or as_of
    reg = Regimen(
        doc=doc,
        orders=orders,
        as_of=as_of_date,
        phase=phase,
        rapidly_progressive=doc.indication.rapidly_progressive,
        weight_kg=weight,
        bsa_m2=bsa,
        reproductive_potential=reproductive,
        progressed_on=frozenset(progressed),
        lookback_days=lookback_days,
        test_index=test_index,
    )
    for o, od in zip(orders, doc.orders):
        if o.drug is None:
            continue  # OL002: not evaluated further
        if not o.active:
            continue
        # What cannot be normalized at all is OL003 whatever the drug (regimen-format.md).
        if o.route is None:
            reg.unverifiable_dose(o, f"route {od.route!r} is not a known route", "/route")
        if o.per_day is None:
            reg.unverifiable_dose(o, unknown_frequency(o), "/frequency")
        if o.amount_problem is not None and o.amount_problem[2]:
            reg.unverifiable_dose(o, *o.amount_problem[:2])
        if not o.course_known and o.per_day is not None:
            reg.unverifiable_dose(o, "its course length is not a finite number of days", "/duration" if od.duration else "/doses")
    return reg, unknown


def _order(i: int, od: Any, drug: Optional[Drug]) -> Order:
    per_day, single = parse_frequency(od.frequency)
    route = ROUTES.get(od.route) or ROUTES.get(clean_name(od.route))
    unit_key = od.unit if od.unit in UNITS else clean_name(od.unit).replace(" ", "")
    basis: Optional[str] = None
    per_admin: Optional[float] = None
    problem: Optional[tuple[str, str, bool]] = None
    if unit_key in UNITS:
        basis, factor = UNITS[unit_key]
        per_admin = od.dose * factor
    elif unit_key in COUNT_UNITS:
        piece = COUNT_UNITS[unit_key]
        if od.strength is None:
            # Only a problem when a check needs the amount (a dose-checked drug).
            problem = (f"a {piece} dose needs `strength` (mg per {piece})", "/unit", False)
        else:
            s_unit = clean_name(od.strength.unit).replace(" ", "")
            s_unit = s_unit.split("/")[0] if s_unit.split("/")[-1] in (piece.lower(), "tab", "cap", "ml") else s_unit
            if s_unit in _MASS:
                basis, per_admin = "mg", od.dose * od.strength.value * _MASS[s_unit]
            else:
                problem = (f"strength unit {od.strength.unit!r} is not a mass per {piece}", "/strength/unit", True)
    else:
        problem = (f"unit {od.unit!r} is not a known unit", "/unit", True)

    # Course length: duration, else doses x interval, else open-ended.
    course_known = True
    administrations: Optional[int] = None
    if od.duration is not None:
        course = od.duration.value * PERIOD_DAYS[od.duration.unit]
        if not math.isfinite(course):
            course, course_known = None, False  # beyond any calendar: cannot be judged (OL003)
        if od.doses is not None:
            administrations = od.doses
        elif single:
            administrations = 1
        elif per_day is not None and course is not None and math.isfinite(course * per_day):
            administrations = max(1, math.floor(course * per_day + 1e-9))
    elif od.doses is not None:
        administrations = od.doses
        if single:
            course = 1.0
        elif per_day is not None:
            course = od.doses / per_day
            if not math.isfinite(course):
                course, course_known = None, False
        else:
            course, course_known = None, False
    elif single:
        course, administrations = 1.0, 1
    else:
        course = None  # open-ended
    return Order(
        index=i,
        ref=od.id if od.id is not None else str(i),
        drug_text=od.drug,
        drug=drug,
        status=od.status,
        purpose=od.purpose,
        route=route,
        route_text=od.route,
        dose=od.dose,
        unit_text=od.unit,
        per_day=per_day,
        single=single,
        basis=basis,
        per_admin=per_admin,
        amount_problem=problem,
        frequency_text=repr(od.frequency) if isinstance(od.frequency, str) else "(structured)",
        course_days=course,
        course_known=course_known,
        administrations=administrations,
        doses=od.doses,
    )


def _unknown_drug_message(text: str, vocab: Vocabulary, what: str = "order") -> str:
    close = vocab.suggest_drugs(text)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown drug {text!r} in {what}: it matches no known ingredient, so it cannot be checked{hint}"


def _rxcui_clash(rxcui: str, drug: Drug, vocab: Vocabulary) -> Optional[str]:
    other = vocab.drug_by_rxcui(rxcui)
    if other is not None and other.name != drug.name:
        return f"rxcui {rxcui} is {other.name}, but drug names {drug.name}: the order is ambiguous"
    if drug.rxcui is not None and drug.rxcui != rxcui.strip():
        return f"rxcui {rxcui} disagrees with {drug.name} (RxCUI {drug.rxcui}): the order is ambiguous"
    return None
