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
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Iterable, KeysView, Mapping, Optional, Sequence, Union

from orderlint.vocabulary import Drug, Vocabulary, clean_name

if TYPE_CHECKING:
    # Types only: the pydantic models load when a document needs them (validate.py), so building a
    # Linter and checking a document the prepared validator accepts never import pydantic.
    from orderlint.model import Order as OrderDoc
    from orderlint.model import Regimen as RegimenDoc
    from orderlint.model import StructuredFrequency
    from orderlint.rules import Need

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
    "oral": "oral", "po": "oral", "p.o.": "oral", "by mouth": "oral", "enteral": "oral", "orally": "oral",
    "iv": "iv", "i.v.": "iv", "intravenous": "iv", "ivpb": "iv", "intravenously": "iv",
    # How order entry writes an IV administration: read as unknown (OL003), tocilizumab by any of
    # them was never named by ILD103. ("infusion" alone stays unknown: it may be subcutaneous.)
    "iv infusion": "iv", "intravenous infusion": "iv", "iv push": "iv", "ivp": "iv", "iv piggyback": "iv",
    "iv drip": "iv", "iv bolus": "iv", "intravenous injection": "iv", "iv injection": "iv",
    "sc": "sc", "s.c.": "sc", "subcutaneous": "sc", "subcut": "sc", "sq": "sc", "subq": "sc",
    "subcutaneously": "sc", "subcutaneous injection": "sc", "sc injection": "sc",
    "im": "im", "i.m.": "im", "intramuscular": "im", "intramuscularly": "im", "intramuscular injection": "im",
    "im injection": "im",
    # By feeding tube (common in SSc gut disease): enteral, read as oral. Unread, co-trimoxazole 'per
    # G-tube' was no PCP protection.
    "per g-tube": "oral", "g-tube": "oral", "via g-tube": "oral", "peg": "oral", "per peg": "oral", "ng tube": "oral",
    "per ng tube": "oral", "via ng tube": "oral", "ng": "oral", "nasogastric": "oral", "per tube": "oral",
    "via tube": "oral", "po/ng": "oral", "po/peg": "oral", "gastrostomy": "oral", "j-tube": "oral", "per j-tube": "oral",
    "jejunostomy": "oral", "nasojejunal": "oral", "orogastric": "oral", "feeding tube": "oral",
    "nebulizer": "inhaled", "via nebulizer": "inhaled", "nebuliser": "inhaled", "oral inhalation": "inhaled",
    "respiratory tract": "inhaled",
    "inhaled": "inhaled", "inhalation": "inhaled", "inh": "inhaled", "neb": "inhaled",
    "nebulized": "inhaled", "nebulised": "inhaled", "aerosolized": "inhaled",
    "topical": "topical", "cutaneous": "topical", "transdermal": "topical",
    "ophthalmic": "ophthalmic", "eye": "ophthalmic", "intraocular": "ophthalmic",
    "nasal": "nasal", "intranasal": "nasal",
    "intra-articular": "intra-articular", "intraarticular": "intra-articular",
    "rectal": "rectal", "pr": "rectal",
}
#: rules.md: oral, iv, im and sc are systemic; an order without a route is read as systemic.
SYSTEMIC_ROUTES = frozenset({"oral", "iv", "im", "sc"})
#: The route a drug's name states, when it is systemic or states none (history items have no route).
_NAMED_ROUTES_SYSTEMIC = SYSTEMIC_ROUTES | {None}

#: Administrations per day for each frequency code; "once" is a single administration.
FREQUENCIES: dict[str, float] = {
    "once": 1.0, "stat": 1.0, "x1": 1.0, "one time": 1.0, "single dose": 1.0,
    "daily": 1.0, "qd": 1.0, "q24h": 1.0, "od": 1.0, "once daily": 1.0, "qday": 1.0,
    # Once a day at a time of day (US qam/qpm/qhs; UK mane/nocte), as a frequency table reads them.
    "qam": 1.0, "qpm": 1.0, "qhs": 1.0, "nightly": 1.0, "mane": 1.0, "nocte": 1.0,
    # UK abbreviations (BNF) beside od: unknown, they made a dose OL003, a warning, never checked.
    "bid": 2.0, "q12h": 2.0, "twice daily": 2.0, "bd": 2.0,
    "tid": 3.0, "q8h": 3.0, "three times daily": 3.0, "tds": 3.0,
    "qid": 4.0, "q6h": 4.0, "four times daily": 4.0, "qds": 4.0,
    "qod": 0.5, "q48h": 0.5, "every other day": 0.5,
    "weekly": 1 / 7, "qw": 1 / 7, "q1w": 1 / 7, "once weekly": 1 / 7,
    "biw": 2 / 7, "twice weekly": 2 / 7,
    "tiw": 3 / 7, "three times weekly": 3 / 7,
    "q2w": 1 / 14, "q3w": 1 / 21, "q4w": 1 / 28,
    "monthly": 1 / 30, "qmonth": 1 / 30, "q1mo": 1 / 30,
    # Written out (and UK om/on, omni mane/nocte; eod, alt die): unknown, they made a dose OL003, a
    # warning, never checked (MMF 2000 mg 'twice a day' passed). 'every N hours' and 'N hourly' read
    # as qNh (_EVERY_H_RE). A duration after the frequency ('bd x 7 days') stays unknown.
    "once a day": 1.0, "every day": 1.0, "om": 1.0, "on": 1.0,
    "twice a day": 2.0, "three times a day": 3.0, "four times a day": 4.0,
    "eod": 0.5, "alt die": 0.5, "alternate days": 0.5, "every 2 days": 0.5,
    "every week": 1 / 7, "once a week": 1 / 7, "q7d": 1 / 7,
    "every 2 weeks": 1 / 14, "q14d": 1 / 14, "every 3 weeks": 1 / 21, "q21d": 1 / 21,
    "every 4 weeks": 1 / 28, "q28d": 1 / 28,
}
_QH_RE = re.compile(r"^q(\d{1,3})h$")
_EVERY_H_RE = re.compile(r"^(?:every (\d{1,3}) ?(?:hours?|hrs?)|(\d{1,3})[ -]?hourly)$")
_SINGLE = ("once", "stat", "x1", "one time", "single dose")
PERIOD_DAYS = {"d": 1.0, "wk": 7.0, "mo": 30.0}
#: More administrations a day than this is not a frequency (one a second); treated as unknown.
MAX_PER_DAY = 86_400.0
#: Fewer than this (once a century) is not a frequency either: `period: 1e308` would otherwise
#: give a daily amount that rounds to zero, a dose nobody can verify (OL003, never a dose of 0).
MIN_PER_DAY = 1 / 36_500


def parse_frequency(freq: Union[str, StructuredFrequency, None]) -> tuple[Optional[float], bool]:
    """-> (administrations per day or None if unknown, is a single administration)."""
    if isinstance(freq, str):
        key = clean_name(freq).replace(".", "") if freq not in FREQUENCIES else freq
        if key in FREQUENCIES:
            return FREQUENCIES[key], key in _SINGLE
        m = _QH_RE.match(key) or _EVERY_H_RE.match(key)
        hours = int(m.group(1) or m.group(2)) if m else 0
        if 0 < hours <= 168:
            return 24 / hours, False
        return None, False
    if freq is None:
        return None, False
    per_day = freq.frequency / (freq.period * PERIOD_DAYS[freq.period_unit])
    # A rate that is not a finite positive number (a period so short, or so long that it
    # underflows to zero: `period: 1e308`) is not a frequency anyone can give: unknown, never 0.
    return (per_day if MIN_PER_DAY <= per_day <= MAX_PER_DAY else None), False


def _route(text: str) -> Optional[str]:
    """Canonical route of a route as written ('Oral route', as SNOMED CT displays name them, too);
    None when unknown."""
    found = ROUTES.get(text)
    if found is None:
        key = clean_name(text)
        found = ROUTES.get(key)
        if found is None and key.endswith(" route"):
            found = ROUTES.get(key[: -len(" route")])
    return found


def _unit_key(text: str) -> str:
    """The key a unit as written is looked up by in UNITS and COUNT_UNITS."""
    return text if text in UNITS else clean_name(text).replace(" ", "")


def read_unit(text: str) -> tuple[Optional[tuple[str, float]], Optional[str]]:
    """A dose unit as written -> (its (basis, factor to the basis) if it is a mass unit, the piece
    it counts if it is a count unit ('tablet')); (None, None) for a unit not known. One reading
    of units for normalizing orders and for the FHIR mapping's taper steps."""
    key = _unit_key(text)
    return UNITS.get(key), COUNT_UNITS.get(key)


def _as_written(keys: Iterable[str]) -> set[str]:
    """Each key in the capitalizations order systems print ('PO', 'Oral', 'BID', 'MG')."""
    return {v for k in keys for v in (k, k.upper(), k.capitalize(), k.title())}


# Common spellings looked up at once, without clean_name(): each table is computed with the
# reference function above, so it gives what that function gives; other spellings go through it.
_ROUTES_AS_WRITTEN = {v: r for v in _as_written(ROUTES) for r in [_route(v)] if r is not None}
_UNITS_AS_WRITTEN = {v: UNITS[k] for v in _as_written(UNITS) for k in [_unit_key(v)] if k in UNITS}
#: unit as written -> the piece a dose is counted in (a unit in neither table is looked up by _unit_key())
_PIECES_AS_WRITTEN = {
    v: COUNT_UNITS[k] for v in _as_written([*COUNT_UNITS, *COUNT_UNITS.values()]) for k in [_unit_key(v)]
    if k in COUNT_UNITS and k not in UNITS
}
#: frequency as written -> (administrations per day, single administration, Order.frequency_text)
_FREQUENCY_TEXTS = {
    v: (per_day, single, repr(v)) for v in _as_written(FREQUENCIES) for per_day, single in [parse_frequency(v)]
    if per_day is not None
}


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / 3600.0)


class Plan:
    """What normalization decides for every installed rule, built once per Linter.

    ``needs`` are the ``amounts`` (:class:`orderlint.rules.Need`) of every installed rule and
    ``checked`` every tag an installed rule names (its triggers and needs): both are taken from
    the installed rules, enabled or not, so that OL003 never depends on the selection
    (rules.md, "Messages, options and names"). ``class_names`` maps a class-level drug name
    ("mycophenolate") to the specific ingredients with their own dose needs that it could be.
    """

    __slots__ = ("needs", "checked", "class_names", "pulse_min_pe", "_memo", "_decided")

    def __init__(
        self, needs: Iterable[Need] = (), checked: Iterable[str] = (),
        class_names: Optional[Mapping[str, tuple[str, ...]]] = None, pulse_min_pe: float = 250.0,
    ) -> None:
        self.needs = tuple(needs)
        #: rules.md Terms (Pulse): the daily prednisone-equivalent of a pulse (the pack setting
        #: pulse-min-daily-pe-mg, as the Linter resolved it). A glucocorticoid premedication whose
        #: dose per administration reaches it is no premedication (_infusion_premedication).
        self.pulse_min_pe = pulse_min_pe
        self.checked = frozenset(checked) | frozenset(t for n in self.needs for t in n.tags)
        self.class_names: dict[str, tuple[str, ...]] = dict(class_names or {})
        self._memo: dict[tuple[frozenset[str], Optional[str]], tuple[tuple[str, str], ...]] = {}
        self._decided: dict[tuple[str, frozenset[str], Optional[str]], tuple[bool, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {}

    def needed(self, tags: frozenset[str], route: Optional[str]) -> tuple[tuple[str, str], ...]:
        """(basis, per) of every amount some installed rule needs for an order with these tags."""
        key = (tags, route)
        hit = self._memo.get(key)
        if hit is None:
            out: list[tuple[str, str]] = []
            for n in self.needs:
                if (n.routes is None or route in n.routes) and not n.tags.isdisjoint(tags) and (n.basis, n.per) not in out:
                    out.append((n.basis, n.per))
            hit = tuple(out)
            if len(self._memo) < 10_000:
                self._memo[key] = hit
        return hit

    def decide(self, drug: Drug, tags: frozenset[str], route: Optional[str]) -> tuple[bool, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """(checked, needed amounts, OL003 reasons the order's own values do not change: (why,
        pointer suffix)) for an order of ``drug`` with these tags by this route."""
        key = (drug.name, tags, route)
        hit = self._decided.get(key)
        if hit is None:
            # An unknown route is read as systemic (rules.md Terms), so a drug a rule names is checked then.
            if route is None or route in SYSTEMIC_ROUTES:
                checked = not tags.isdisjoint(self.checked)
            else:
                checked = self.is_checked(drug, tags, route)
            problems: list[tuple[str, str]] = []
            salts = self.class_names.get(drug.name)
            if salts:
                problems.append((f"the form is not given ({drug.name} could be {_join(salts, 'or')}), and their dose limits differ", "/drug"))
            if checked and route is not None and route in SYSTEMIC_ROUTES:
                limited = self.limited_routes(drug.name)
                if limited is not None and route not in limited:
                    # A dose limit only for some routes (cyclophosphamide: iv, oral): by another
                    # systemic route the dose was checked by nothing, and passed silently.
                    problems.append((f"no dose limit is known for {drug.name} by route {route!r} (only by "
                                     f"{_join(sorted(limited), 'or')})", "/route"))
            hit = (checked, self.needed(tags, route) if checked else (), tuple(problems))
            if len(self._decided) < 10_000:
                self._decided[key] = hit
        return hit

    def limited_routes(self, name: str) -> Optional[frozenset[str]]:
        """The routes the amounts rules need of the ingredient ``name`` (named itself, not by a
        class) are limited to, when every such need names routes; else None (no need of it, or
        one for any route)."""
        routes: set[str] = set()
        found = False
        for n in self.needs:
            if name in n.tags:
                if n.routes is None:
                    return None
                found = True
                routes |= n.routes
        return frozenset(routes) if found else None

    def is_checked(self, drug: Drug, tags: frozenset[str], route: Optional[str]) -> bool:
        """An order of a checked drug (rules.md): by a systemic or missing route, any tag an
        installed rule names; by another route only a class the data keeps for that route
        (inhaled pentamidine stays a PCP agent; topical tacrolimus is checked by nothing)."""
        if route is None or route in SYSTEMIC_ROUTES:
            return not tags.isdisjoint(self.checked)
        return any(t in self.checked for t in tags if t != drug.name)


EMPTY_PLAN = Plan()


@dataclass(slots=True, eq=False)
class Order:
    """One order, normalized. ``index`` is its position in the document's ``orders``.

    Every field is set by :func:`normalize`; checks only read them.
    """

    index: int
    ref: str
    drug_text: str
    drug: Optional[Drug]
    status: str
    purpose: str  # "premedication" only with a bounded course; an open-ended one reads "other"
    premedication: bool
    route: Optional[str]  # canonical route; None when missing or unknown (read as systemic)
    dose: Optional[float]
    unit_text: Optional[str]
    per_day: Optional[float]
    single: bool
    basis: Optional[str]  # "mg", "mg/kg" or "mg/m2"; None when the amount is not known
    per_admin: Optional[float]  # mg (or mg/kg, mg/m2) per administration in `basis`
    amount_problem: Optional[tuple[str, str, bool]]  # (why, pointer suffix, report even if unused)
    frequency_text: Optional[str]
    frequency_problem: Optional[str]
    course_days: Optional[float]  # None: open-ended (or unknown, see course_known)
    course_known: bool
    administrations: Optional[int]  # None: open-ended or unknown
    doses: Optional[int]
    tags: frozenset[str] = frozenset()  # classes and ingredient by this order's route
    checked: bool = False  # an order of a checked drug (rules.md, Terms)
    missing: tuple[str, ...] = ()  # dose, unit, route, frequency left out of a checked order
    amounts: Optional[Mapping[tuple[str, str], Optional[float]]] = None  # (basis, per) -> amount or None, for every installed rule's need
    pe: Optional[float] = None  # daily prednisone-equivalent, for a systemic glucocorticoid
    # The route given contradicts the one its name states ('Aczone', a topical gel, by mouth): which
    # product is meant is not known. Judged by the route given, but never counted on to protect.
    route_doubt: bool = False
    course_problem: Optional[str] = None  # doses that a duration cannot hold (OL003 when checked)

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
        """Class or ingredient membership by this order's route (rules.md, Systemic routes)."""
        return cls in self.tags

    @property
    def systemic(self) -> bool:
        """By a systemic route; an order without a (known) route is read as systemic."""
        return self.route is None or self.route in SYSTEMIC_ROUTES

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
        """'methylprednisolone 16 mg daily' as written, for messages (missing values left out)."""
        parts = [self.drug_text]
        if self.dose is not None:
            parts.append(_num(self.dose))
        if self.unit_text is not None:
            parts.append(self.unit_text)
        if self.frequency_text is not None:
            if self.frequency_text != "(structured)":
                parts.append(self.frequency_text.strip("'"))
            elif self.per_day is not None:
                # As a rate, one number that grows when it is given more often (a baseline entry of an
                # order every 2 weeks covered the same order 4 times a day: the message was the same).
                parts.append(f"(structured frequency, {self.per_day:.3g} a day)")
            else:
                parts.append("(structured frequency)")
        return " ".join(parts)

    @property
    def systemic_glucocorticoid(self) -> bool:
        return "systemic-glucocorticoid" in self.tags


#: The classes of an ILD therapy (regimen-format.md, ``history[]``: prior ILD therapy; fhir.md 2.3,
#: History: ILD therapies only): immunosuppressants, antifibrotics and the other ILD treatments. One
#: definition for the FHIR mapping's history and the phase a document's history gives.
ILD_THERAPY_CLASSES = frozenset({"immunosuppressant", "antifibrotic", "mycophenolate", "ivig", "jak-inhibitor",
                                 "tnf-inhibitor", "calcineurin-inhibitor", "plasma-exchange"})


def is_ild_therapy(drug: Drug) -> bool:
    """A drug of an ILD therapy (ILD_THERAPY_CLASSES): what a ``history`` item is about."""
    return not ILD_THERAPY_CLASSES.isdisjoint(drug.tags)


_NO_AMOUNTS: Mapping[Any, Any] = MappingProxyType({})
_ACTIVE_STATUSES = ("new", "active")  # Order.active
_NO_DRUGS: frozenset[Drug] = frozenset()
_NO_TESTS: frozenset[str] = frozenset()
_UNSET: Any = object()  # a lookback_days entry not given (None is given: no time limit)


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e7 else f"{x:.6g}"


@dataclass
class Regimen:
    """A validated, normalized regimen: what every rule receives. Read-only for checks: its
    orders are a tuple, its tables read-only mappings, and every amount is computed here."""

    doc: RegimenDoc
    orders: tuple[Order, ...]
    as_of: _dt.date
    phase: str
    rapidly_progressive: bool
    weight_kg: Optional[float]
    bsa_m2: Optional[float]
    reproductive_potential: bool
    progressed_on: frozenset[Drug]  # Drugs with a history outcome of progression
    lookback_days: Mapping[str, Optional[int]]
    test_index: Mapping[str, Sequence[Optional[_dt.date]]]  # read-only: canonical test -> result dates (None: ordered)
    # order index -> ((why, suffix), ...): OL003
    unverifiable: Mapping[int, tuple[tuple[str, str], ...]] = field(default_factory=lambda: _NO_AMOUNTS)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _NO_AMOUNTS)  # rule code -> options
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _counts: dict[str, bool] = field(default_factory=dict, repr=False)  # test name -> test_counts(name)
    # The vocabulary's test lookup (Vocabulary.test), set by normalize(): test_results reads the
    # document's results through it, only when a check asks (most documents are never asked).
    _test_of: Optional[Callable[[str], Optional[tuple[str, ...]]]] = field(default=None, init=False, repr=False, compare=False)
    # The tests that count, decided by normalize() as it builds test_index (every other name does not).
    # Not an __init__ argument: a Regimen built otherwise, or copied with dataclasses.replace (which
    # may change test_index, lookback_days or as_of), decides each name on first use instead.
    _counted: Optional[AbstractSet[str]] = field(default=None, init=False, repr=False, compare=False)
    # The tests resulted without a stated result (Regimen.unstated_results), decided by normalize();
    # None: read from the document when asked.
    _unstated: Optional[AbstractSet[str]] = field(default=None, init=False, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.doc.kind

    @property
    def order_set(self) -> bool:
        return self.doc.kind == "order-set"

    # -- orders (memoized: many rules ask the same question of one regimen)
    def active(self, cls: Optional[str] = None) -> tuple[Order, ...]:
        """Active (new or continuing) orders of known drugs, optionally of one class or ingredient."""
        index = self._memo.get("a")
        if index is None:
            index = self._index_orders()[0]
        return index.get(cls, ())

    def new(self, cls: Optional[str] = None) -> tuple[Order, ...]:
        """New (proposed) orders of known drugs, optionally of one class or ingredient."""
        index = self._memo.get("n")
        if index is None:
            index = self._index_orders()[1]
        return index.get(cls, ())

    def protecting(
        self, cls: str, recurring: bool = False, by: Optional[_dt.date] = None, until: Optional[Order] = None,
    ) -> tuple[Order, ...]:
        """The active orders of ``cls`` that a check may count on to protect (PCP prophylaxis, an
        accompanying immunosuppressant): those ``not_protecting`` finds nothing against."""
        orders = self.active(cls)
        if not orders:
            return orders
        found = tuple(o for o in orders if self.not_protecting(o, recurring, by, until) is None)
        if found or until is None or len(orders) < 2:
            return found
        return self._chained(orders, recurring, by, until)

    def _chained(self, orders: tuple[Order, ...], recurring: bool, by: Optional[_dt.date], until: Order) -> tuple[Order, ...]:
        """Orders of which none protects alone for long enough, but which follow one another without a
        gap from when the protection is needed (``by``, else as_of) to the end of ``until``'s course
        (co-trimoxazole for 90 days, then another order from the day it ends, beside six months of
        cyclophosphamide): all of them, in document order; else none. Each must be one that could
        protect but for its dates (``not_protecting``, without ``by`` and ``until``)."""
        eps = 1e-6  # a hair of float arithmetic is no gap (as in not_protecting)
        need_to = self.end_after(until)
        cur = 0.0 if by is None else float((by - self.as_of).days)
        spans = []
        for o in orders:
            if self._doubt_as_protection(o, recurring) is not None:
                continue
            first, end = self.course_span(o)
            spans.append((first, self._protection_end(o)[0] if o.course_known and o.course_days is not None else end, o))
        chain = []
        for first, end, o in sorted(spans, key=lambda x: (x[0], x[2].index)):
            if first > cur + eps:
                break  # a gap: protection is missing from cur until first
            if end > cur:
                chain.append(o)
                cur = end
            if cur + eps >= need_to:
                return tuple(sorted(chain, key=lambda x: x.index))
        return ()

    def start_of(self, o: Order) -> _dt.date:
        """When an order starts: its ``start``, else as_of."""
        start = self.doc.orders[o.index].start
        return self.as_of if start is None or start < self.as_of else start

    def end_after(self, o: Order) -> float:
        """When an order's course ends, in days after as_of (negative: before it): its ``start``
        (else as_of) plus its course length; ``math.inf`` for an open-ended course, or one whose
        length cannot be computed (it may run on)."""
        return self.course_span(o)[1]

    def day_after(self, days: float) -> str:
        """The date ``days`` after as_of (the day a course ends on), for messages."""
        try:
            return (self.as_of + _dt.timedelta(days=math.floor(days))).isoformat()
        except (OverflowError, ValueError):
            return f"{_num(days)} days after {self.as_of.isoformat()}"

    def course_span(self, o: Order) -> tuple[float, float]:
        """When an order is given, in days from as_of: (its first day, the day after its course).
        It starts on its ``start`` (a past one too: an order that ended before another began is
        not given with it), else on as_of (proposed now, regimen-format.md); its course is as
        normalization reads it (rules.md, Course length). Fail closed: an open-ended course, or
        one whose length cannot be known, never ends, so it overlaps every later order."""
        return _course_span(o, self.doc.orders[o.index].start, self.as_of)

    def given_together(self, orders: Sequence[Order]) -> list[tuple[Order, ...]]:
        """The largest sets of two or more of ``orders`` whose courses (``course_span``) share a
        day: what is given at the same time, for rules that sum concurrent orders (ILD501's
        daily and weekly rows, ILD206). Successive orders (a dose change written as an order
        that ends and one that starts, the steps of a FHIR taper, which the mapping dates one
        after the other) are not together; orders without dates all start on as_of and are.
        Each set in document order; none a subset of another."""
        # A sweep over the first days: the orders given on a first day are a largest set when one
        # of them ends before the next first day (else the next day's set holds them all).
        spans = sorted(((*self.course_span(o), o) for o in orders), key=lambda x: x[0])
        found: list[tuple[Order, ...]] = []
        given: list[tuple[float, Order]] = []  # (end, order) of the orders given on the day
        i, n = 0, len(spans)
        while i < n:
            day = spans[i][0]
            given = [g for g in given if g[0] > day]
            while i < n and spans[i][0] == day:
                given.append((spans[i][1], spans[i][2]))
                i += 1
            if len(given) > 1 and min(g[0] for g in given) <= (spans[i][0] if i < n else math.inf):
                found.append(tuple(sorted((o for _, o in given), key=lambda o: o.index)))
        return sorted(found, key=lambda s: [o.index for o in s])

    def not_protecting(
        self, o: Order, recurring: bool = False, by: Optional[_dt.date] = None, until: Optional[Order] = None,
    ) -> Optional[str]:
        """Why an active order cannot be counted on to protect, or None. An order is judged by what
        it may do, so it counts as a risk whatever its doubts; as a protection it must be sure: its
        route does not contradict its name (Aczone by mouth is topical dapsone, no PCP agent), and
        its course, from a known ``start``, has not ended before as_of. ``recurring`` (prophylaxis):
        nor is it a single administration or without a schedule ('once', 'prn'). ``by``: when the
        protection is needed (the protected order's start; as_of by default): an order that starts
        later protects nothing until then. ``until``: the order whose course the protection must
        last (prophylaxis beside cyclophosphamide): a course that ends before that one's (an
        open-ended one's: any bounded course) leaves the rest of it unprotected. A course whose
        doses outrun its duration (OL003) protects for its duration, the shorter reading."""
        doubt = self._doubt_as_protection(o, recurring)
        if doubt is not None:
            return doubt
        start = self.doc.orders[o.index].start
        if start is not None and start > (by or self.as_of):
            return f"starts on {start.isoformat()}, after {(by or self.as_of).isoformat()}"
        if o.course_known and o.course_days is not None:
            end, short = self._protection_end(o)
            if start is not None:
                # Whole days, as the calendar counts them: a course ending within as_of has ended.
                if math.floor(end) <= 0:
                    return f"ended before {self.as_of.isoformat()} (its course from {start.isoformat()}){short}"
            if until is not None:
                needed = self.end_after(until)
                # The same day (or later) covers it; a hair of float arithmetic (72 doses three times
                # weekly is 168.00000000000003 days) is no gap.
                if needed > 0 and end + 1e-6 < needed:
                    still = ("which is open-ended" if needed == math.inf
                             else f"which runs until {self.day_after(needed)}")
                    return (f"ends on {self.day_after(end)}{short}, before {until.describe()} (order {until.ref}), "
                            f"{still}")
        return None

    def _doubt_as_protection(self, o: Order, recurring: bool) -> Optional[str]:
        """Why an order cannot protect whatever its dates (not_protecting's first tests), or None."""
        if o.route_doubt:
            return f"has route {o.route!r}, which contradicts its name"
        if o.route is None:
            written = self.doc.orders[o.index].route
            if written is not None:
                # An unread route ('topically', 'skin') read as systemic for the risks, but it may be a
                # local form: dapsone gel 'topically' counted as PCP prophylaxis and hid ILD301.
                return f"has route {written!r}, which is not a known route (it may be a local form)"
        if recurring:
            if o.single or o.administrations == 1:
                return "is a single administration"
            if o.per_day is None:
                return f"has no schedule (frequency {o.frequency_text})" if o.frequency_text is not None else "has no frequency"
            if o.per_day < _RAREST_PROPHYLAXIS:
                return f"is given less often than monthly (frequency {o.frequency_text})"
            if o.drug is not None and o.drug.name in _PCP_LEAST_A_WEEK:
                routes = _PCP_ROUTES[o.drug.name]
                if o.route is not None and o.route not in routes:
                    # Dapsone 'sc', atovaquone 'iv': no product of it is given so (a mistyped route, or a
                    # local form), and it counted as prophylaxis beside cyclophosphamide.
                    return (f"is given by route {o.route!r}, by which no prophylaxis regimen of it is given "
                            f"({_join(sorted(routes), 'or')} only)")
                return self._below_prophylaxis(o)
        return None

    def _below_prophylaxis(self, o: Order) -> Optional[str]:
        """Why a PCP agent's order is less than any prophylaxis regimen, or not known to be one (its
        amount cannot be computed), or None."""
        name = o.drug.name  # type: ignore[union-attr]  # checked by the caller
        least, regimen = _PCP_LEAST_A_WEEK[name]
        if name == "pentamidine" and o.route in ("iv", "im"):
            # By injection about 4 mg/kg monthly (clinical-facts.md section 3a, U, "about"): the least is
            # the lesser of that and the 300 mg a month of the inhaled regimen (300 mg alone refused 4
            # mg/kg under 75 kg; 4 mg/kg alone refused 300 mg over it). Without a weight, 300 mg.
            if self.weight_kg is not None and _PENTAMIDINE_IV_MG_PER_KG * self.weight_kg < 300:
                least = _PENTAMIDINE_IV_MG_PER_KG * self.weight_kg * 7 / 31
                regimen = (f"the regimen by injection is about {_num(_PENTAMIDINE_IV_MG_PER_KG)} mg/kg monthly, "
                           f"{_num(round(_PENTAMIDINE_IV_MG_PER_KG * self.weight_kg, 2))} mg at {_num(self.weight_kg)} kg")
            else:
                regimen += (f" (by injection about {_num(_PENTAMIDINE_IV_MG_PER_KG)} mg/kg monthly, or 300 mg"
                            + (": the patient's weight is not given)" if self.weight_kg is None else ")"))
        per_day = o.per_day or 0.0
        mg = self.amount(o, "mg", "day")
        if mg is None and o.basis == "mg" and o.per_admin is not None and math.isfinite(o.per_admin) and per_day:
            # A dose in mass units whose daily amount rounds to 0 (co-trimoxazole 10 mcg three times a
            # week) has no amount for the limits (OL003), yet is known to be below every regimen.
            mg = o.per_admin * per_day
        if mg is not None:
            week = mg * 7
            if name == "sulfamethoxazole-trimethoprim":
                week *= _least_trimethoprim(self.amount(o, "mg", "admin"), o)
            if week + 1e-6 < least:
                return f"is less than prophylaxis ({_num(round(week, 2))} mg a week; {regimen})"
            return None
        tablets = _PCP_LEAST_TABLETS_A_WEEK.get(name)
        unit = (o.unit_text or "").strip().lower()
        least_per_ml = _PCP_LEAST_PER_ML.get(name)
        if least_per_ml is not None and o.dose is not None and COUNT_UNITS.get(unit) == "mL" and o.route == "oral" \
                and self.doc.orders[o.index].strength is None:
            # An oral volume of no stated strength, read at the weakest suspension ('sulfamethoxazole 40
            # MG/ML / trimethoprim 8 MG/ML', two strengths, none read): 20 mL a day is 160 mg of
            # trimethoprim. Not an infusion's volume, nor a strength given but not read: unknown.
            week = o.dose * per_day * 7 * least_per_ml
            if week + 1e-6 < least:
                return f"is less than prophylaxis (at least {_num(round(week, 2))} mg a week; {regimen})"
            return None
        if tablets is not None and o.dose is not None and unit in _TABLET_UNITS:
            week = o.dose * per_day * 7
            if week + 1e-6 < tablets:
                return f"is less than prophylaxis ({_num(round(week, 2))} tablets a week; {regimen})"
            return None
        # Its amount cannot be computed (no strength for its tablets, no weight for a dose per kg;
        # OL003 says why): not known to be prophylaxis. Counted, one dapsone tablet a week (at most
        # 100 mg, half the least regimen) cleared ILD301, an error, with a warning only.
        return f"has an amount that cannot be computed, so it is not known to be prophylaxis ({regimen})"

    def _protection_end(self, o: Order) -> tuple[float, str]:
        """When a bounded course ends as a protection, in days after as_of, and the words saying why
        when that is its duration: more doses than its duration holds are judged over the longer
        course as a risk, over the shorter as a protection (7 days of 1000 doses protected for 6 years)."""
        end = self.end_after(o)
        duration = self.doc.orders[o.index].duration
        if o.course_problem is not None and duration is not None:
            days = duration.value * PERIOD_DAYS[duration.unit]
            if math.isfinite(days):
                start = self.doc.orders[o.index].start
                end = min(end, (0 if start is None else (start - self.as_of).days) + days)
                return end, f" (by its duration of {_num(days)} days; its doses take longer)"
        return end, ""

    def active_tags(self) -> KeysView[Optional[str]]:
        """Every class and ingredient among active orders of known drugs (by their routes); the
        key None stands for all of them."""
        return self._by_tag("a").keys()

    def _by_tag(self, which: str) -> dict[Optional[str], tuple[Order, ...]]:
        index: Optional[dict[Optional[str], tuple[Order, ...]]] = self._memo.get(which)
        if index is None:
            index = self._index_orders()[0 if which == "a" else 1]
        return index

    def _index_orders(self) -> tuple[dict[Optional[str], tuple[Order, ...]], dict[Optional[str], tuple[Order, ...]]]:
        """Both tag -> orders tables (active, new), for a Regimen that normalize() did not build."""
        active = [o for o in self.orders if o.drug is not None and o.status in _ACTIVE_STATUSES]
        a = self._memo["a"] = _by_tag(active)
        n = self._memo["n"] = _by_tag([o for o in active if o.status == "new"])
        return a, n

    def progressed_on_class(self, cls: str) -> bool:
        return any(d.is_a(cls) for d in self.progressed_on)

    # -- amounts: computed by normalize(), looked up here
    def unverifiable_dose(self, o: Order, why: str, suffix: str = "/dose") -> None:
        """Kept for rule packs written for the first edition. OL003 is decided by normalization
        (an installed rule declares the amounts it needs, ``@rule(amounts=[Need(...)])``), so a
        check can no longer add one: it is accepted only when that order already has its OL003,
        and is otherwise an error (OL000 for the rule), never a silent pass."""
        if o.index not in self.unverifiable:
            raise RuntimeError(
                f"a check cannot mark order {o.ref!r} unverifiable ({why}); declare the amount with "
                "@rule(amounts=[Need(...)]) so normalization decides OL003"
            )

    def amount(self, o: Order, basis: str = "mg", per: str = "admin") -> Optional[float]:
        """Amount of ``o`` in ``basis`` (mg, mg/kg, mg/m2) per administration or per day; None when
        it cannot be computed (that is OL003 when an installed rule declared the need)."""
        amounts = o.amounts
        if amounts is not None and (basis, per) in amounts:
            return amounts[(basis, per)]
        # a need no installed rule declared: computed, never stored
        return _amount(o, basis, per, self.weight_kg, self.bsa_m2)[0]

    def daily_pe(self, o: Order) -> Optional[float]:
        """Prednisone-equivalent mg/day of a systemic glucocorticoid, rounded to 2 decimals."""
        return o.pe

    def least_daily_pe(self, o: Order) -> Optional[float]:
        """``daily_pe``; for an order without a schedule (prn, 'as directed', no frequency: OL003 says
        so), that of one administration, the least it gives on a day it is given. For telling a pulse
        (ILD204-ILD207, and the pulses ILD201 and ILD202 leave to them): methylprednisolone 1000 mg
        prn is a pulse whatever its frequency, and was judged by no glucocorticoid rule. Not as a daily
        dose to sum (ILD202) or an exposure over weeks (ILD302): one rescue dose is neither."""
        pe, drug = o.pe, o.drug
        if pe is None and o.per_day is None and not o.single and o.systemic_glucocorticoid and drug is not None \
                and drug.pe_factor is not None:
            one = self.amount(o, "mg", "admin")
            if one is not None:
                return round(one * drug.pe_factor, 2)
        return pe

    # -- tests
    def test_counts(self, name: str) -> bool:
        """Ordered in this document, or resulted within its look-back window before as_of."""
        counted = self._counted
        if counted is not None:
            return name in counted
        hit = self._counts.get(name)
        if hit is None:
            hit = self._counts[name] = self._test_counts(name)
        return hit

    def _test_counts(self, name: str) -> bool:
        dates = self.test_index.get(name)
        if not dates:
            return False
        window = self._window(name)
        for resulted_on in dates:
            if resulted_on is None:  # ordered in this document
                return True
            if self._within(resulted_on, window):
                return True
        return False

    def lookback(self, name: str) -> Optional[int]:
        """The look-back window of test ``name`` in days as this run has it (the site's
        `[lookback-days]`), None for any age: for messages and fixes that quote it."""
        return self._window(name)

    def _window(self, name: str) -> Any:
        """The look-back window of test ``name`` in days (None: any age), else the default's."""
        window = self.lookback_days.get(name, _UNSET)
        return self.lookback_days.get("default", 90) if window is _UNSET else window

    def _within(self, resulted_on: _dt.date, window: Any) -> bool:
        """Whether a result of that date falls within ``window`` days before as_of."""
        age = (self.as_of - resulted_on).days
        return age >= 0 and (window is None or age <= window)

    @property
    def test_results(self) -> tuple[tuple[str, tuple[str, frozenset[str]], _dt.date, str, bool], ...]:
        """(canonical test, assay, date, result, ordered) of each resulted test and each test that
        states a result, in document order; () for a Regimen that normalize() did not build. The
        assay is the test's name as written (trimmed, lower case) with the other words its result
        names ('anti-HBc reactive' and 'HBsAg negative' are two assays of hbv, under any name). A
        resulted test that states no result is read as the result "" (not readable as negative: a
        test on file with no result shows nothing; "done" and "" fired, no result passed). A result
        stated on an ordered test is read too, dated as_of unless it has a date (``ordered``:
        latest_result does not read a negative there, nor words saying it is pending)."""
        hit = self._memo.get("r")
        if hit is None:
            test_of = self._test_of
            out = []
            if test_of is not None:
                for t in self.doc.tests:
                    ordered = t.status == "ordered"
                    result = t.result
                    if result is None:
                        if ordered:
                            continue  # pending: ILD401-ILD407 count it, there is nothing to read
                        result = ""
                    when = t.date if t.date is not None else (self.as_of if ordered else None)
                    if when is None:
                        continue
                    assay = (t.test.strip().lower(), _assay_words(result))
                    for canonical in test_of(t.test) or ():
                        out.append((canonical, assay, when, result, ordered))
            hit = self._memo["r"] = tuple(out)
        return hit

    @property
    def unstated_results(self) -> AbstractSet[str]:
        """The canonical tests of the tests resulted without a stated result (read as ""
        by test_results): decided by normalize(), else read from the document."""
        hit = self._unstated
        if hit is None:
            test_of = self._test_of
            hit = self._unstated = frozenset(
                c for t in self.doc.tests if t.status != "ordered" and t.result is None and test_of is not None
                for c in test_of(t.test) or ())
        return hit

    def latest_result(self, name: str, activity: bool = False, durable: bool = False) -> Optional[tuple[_dt.date, str]]:
        """(date, result) of the result that decides whether test ``name`` reads negative: the latest
        of each assay within the test's look-back window before as_of (on one date, the worse), and
        of those the worse (positive, then indeterminate, then unknown, then negative: fail closed),
        so that a later negative HBsAg does not hide an earlier positive anti-HBc. None when no
        result within the window states one. ``activity``: read as an enzyme activity (result_reading).

        A result stated on an ordered test is read only when it reads positive or indeterminate: an
        ordered test has no result yet (regimen-format.md: ordered is pending, resulted is on file), so
        the contradiction is read fail closed, a positive never ignored and a negative never believed (a
        "negative" on an ordered pregnancy test hid a positive one of 3 days before); a word saying the
        result is not in yet (_PENDING: 'pending') is no result (it fired ILD408 on a correct regimen),
        and any other text there is read ('hCG 1520 mIU/mL' is not negative).

        A test on file with no result stated is read (not negative) only when no other result of the
        test within the window states one.

        ``durable``: a test whose positive result does not turn negative with time (anti-HBc, a
        latent TB test): the latest positive result of an assay before the window counts too, unless
        a later result of that assay, at any age, reads negative. An anti-HBc positive 121 days
        before a recent HBsAg-only negative passed."""
        window = self._window(name)
        latest: dict[Any, tuple[_dt.date, str]] = {}
        older: Optional[dict[Any, tuple[_dt.date, str]]] = {} if durable and window is not None else None
        cleared: dict[Any, _dt.date] = {}  # assay -> its latest result that reads negative (durable)
        for test, assay, when, result, ordered in self.test_results:
            if test != name:
                continue
            reading = result_reading(result, activity) if ordered or older is not None else None
            if ordered and (reading == "negative" or (reading == "unknown" and _PENDING.search(result) is not None)):
                continue  # no result yet: a negative is not believed, 'pending' is no result
            if older is not None and (self.as_of - when).days >= 0:  # as _within reads a date: not after as_of
                if reading == "negative":
                    if assay not in cleared or when > cleared[assay]:
                        cleared[assay] = when
                elif reading == "positive" and not self._within(when, window):
                    before = older.get(assay)
                    if before is None or when > before[0]:
                        older[assay] = (when, result)
            if not self._within(when, window) and not (
                    (self.as_of - when).days < 0 and result_reading(result, activity) in ("positive", "indeterminate")):
                # (A result dated after as_of that reads positive is kept: a date entered wrongly, or a
                # replay before it, never hides an anti-HBc 'reactive'; a later negative is no result yet.)
                continue
            best = latest.get(assay)
            if best is None or when > best[0] or (
                    when == best[0] and _READING_RANK[result_reading(result, activity)] > _READING_RANK[result_reading(best[1], activity)]):
                latest[assay] = (when, result)
        found = list(latest.values())
        if older:
            found.extend(b for assay, b in older.items() if assay not in cleared or cleared[assay] <= b[0])
        if not found:
            return None
        if len(found) > 1 and any(not b[1].strip() for b in found) and any(b[1].strip() for b in found):
            # A test on file with no result stated shows nothing beside one that states its result: a
            # FHIR DiagnosticReport or Procedure of the panel whose Observation reads negative fired.
            found = [b for b in found if b[1].strip()]
        return max(found, key=lambda b: (_READING_RANK[result_reading(b[1], activity)], b[0]))

    def missing_tests(self, names: Iterable[str]) -> list[str]:
        counted = self._counted
        if counted is not None:
            out = []  # a loop, not a comprehension: cheaper for the few names a check asks
            for n in names:
                if n not in counted:
                    out.append(n)
            return out
        counts = self._counts
        out = []
        for n in names:
            hit = counts.get(n)
            if hit is None:
                hit = counts[n] = self._test_counts(n)
            if not hit:
                out.append(n)
        return out


#: Words a test result is read by (result_reading). A negation up to two words before a positive
#: word ("not detected", "no hCG detected") makes it negative; before a negative word ("not
#: negative"), positive. Deficient, poor (metabolizer) and abnormal read positive: for the tests
#: whose result must be negative (TPMT and G6PD activity too), each is the finding. Lab
#: abbreviations and common misspellings are words too ('det', 'react.', 'postive', 'indet.').
_POSITIVE_WORDS = frozenset({"positive", "pos", "reactive", "detected", "present", "abnormal", "deficient",
                             "deficiency", "poor", "pregnant", "det", "react", "postive", "positve", "detectable",
                             "seropositive", "rr", "reac", "positiv"})
_NEGATIVE_WORDS = frozenset({"negative", "neg", "nonreactive", "undetected", "undetectable", "absent", "normal"})
_UNSURE_WORDS = frozenset({"indeterminate", "equivocal", "borderline", "inconclusive", "invalid", "indeterminant",
                           "indet", "equiv", "eqv", "grey", "gray", "doubtful", "unreadable", "uninterpretable",
                           "uncertain", "unreliable", "questionable", "probably", "probable", "possibly", "possible",
                           "likely", "failed", "failure"})
_NEGATIONS = frozenset({"not", "non", "no", "none"})
#: An enzyme activity (TPMT, G6PD): absent or undetected activity is the deficiency.
_ACTIVITY_ABNORMAL = frozenset({"absent", "undetected", "undetectable", "deficient", "deficiency", "poor", "low", "abnormal",
                                "reduced"})
_ACTIVITY_NORMAL = frozenset({"normal", "present", "detected"})
_READING_RANK = {"negative": 0, "unknown": 1, "indeterminate": 2, "positive": 3}
#: Words saying that an ordered test's result is not in yet ('pending'): written as the result of an
#: ordered test they are no result; any other text there that decides nothing ('hCG 1520 mIU/mL')
#: is read, not negative.
_PENDING = re.compile(r"\b(?:pending|await\w*|to follow|not yet|in progress|in process|sent|collected|received|drawn"
                      r"|scheduled|booked|requested|ordered|tbc|tbd|n/?a)\b", re.IGNORECASE)
#: Words saying that a test gave no result: a clause with one of them never reads negative, whatever
#: else it says ('HBsAg negative anti-HBc not done', 'Cancelled - QNS', 'see comment').
_NO_RESULT = re.compile(r"\b(?:pending|await\w*|to follow|not yet|in progress|not done|not performed|not tested|not run"
                        r"|not checked|not received|not available|not sent|outstanding|declined|due|sent|requested|tbc|tbd"
                        r"|cancell?ed|qns|quantity not sufficient|insufficient|ha?emoly[sz]\w*|clotted|rejected|no result"
                        r"|lipa?emic|icteric|leaked|unsuitable|delayed|not valid|cannot be (?:interpreted|read)"
                        r"|not interpretable|unable|see (?:below|above|comment|note|report|attached|lab)"
                        r"|not reliable|not conclusive|non-?diagnostic|with caution|anerg\w*|falsely|to be confirmed"
                        r"|inadequate|processed late|not shaken|wrong tube|not collected|not drawn|lost|no-?show|did not attend"
                        r"|discontinued|entered in error|void(?:ed)?)\b")
#: A result that says only that the test gave none, whatever its status: also refused, not applicable.
_NOT_DONE_ONLY = re.compile(r"\b(?:refused|n/?a|not applicable|not indicated|omitted|deferred)\b")
_READ_WORD_RE = re.compile(r"[a-z]+")
#: Numbers that are no result: dates, times, counts and references ('cancelled 2026-02-20', 'QNS x2',
#: 'see comment #2', '2nd attempt'); and what a result says of an earlier test ('not done - previous
#: result normal'). Neither makes a 'not done' a test done.
_NOT_A_VALUE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?)?\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
                          r"|\b\d{1,2}:\d{2}\b|#\s*\d+|\bx\s*\d+\b|\b\d+\s*x\b|\b\d+(?:st|nd|rd|th)\b")
_EARLIER = re.compile(r"\b(?:previous(?:ly)?|prior|earlier|last|old)\b[\s\S]*")
_STILL_TO_COME = re.compile(r"\b(?:outstanding|due|not yet \w+|results?)\b")


@lru_cache(maxsize=4096)  # a stream repeats few result texts ('normal', 'negative')
def _no_result_given(text: str, ordered: bool) -> bool:
    """Whether a test's result says that no test was done or no result came ('not done',
    'cancelled', 'pending', 'refused', 'specimen hemolyzed', 'see note') and nothing was found: no
    number and no reading word. Such a test is no test done for the rules that ask for one
    (ILD401-ILD405: a CBC 'not done' marked resulted passed as a baseline CBC). On an ordered test,
    a result not in yet ('pending', 'awaiting', 'due') is what an order is: it still counts."""
    low = text.lower()
    if ordered:
        low = _STILL_TO_COME.sub(" ", _PENDING.sub(" ", low))
    if not (_NO_RESULT.search(low) or _NOT_DONE_ONLY.search(low)):
        return False
    low = _EARLIER.sub(" ", _NOT_A_VALUE.sub(" ", low))
    if any(c.isdigit() for c in low):
        return False
    words = set(_READ_WORD_RE.findall(low))
    return words.isdisjoint(_POSITIVE_WORDS) and words.isdisjoint(_NEGATIVE_WORDS) and words.isdisjoint(_UNSURE_WORDS)


#: What a test's quality control failing is written as, without the word 'control' ('high nil', 'low
#: mitogen'), and a result its writer doubts ('possible false negative'): indeterminate. The values are
#: QuantiFERON-TB Gold Plus's own indeterminate results (package insert: nil above 8.0 IU/mL, or
#: mitogen minus nil below 0.5 IU/mL), read conservatively: a nil of 8 or more, a mitogen '< 0.x'.
_QC_FAIL = re.compile(r"\b(?:high|elevated|raised)\s+nil\b|\bnil\b[^,;.]{0,20}?\b(?:high|elevated|raised)\b"
                      r"|\b(?:low|weak|reduced|poor|inadequate)\s+mitogen\b"
                      r"|\bmitogen\b[^,;.]{0,20}?\b(?:low|reduced|poor|weak|non-?reactive|fail\w*|inadequate)\b"
                      r"|\bmitogen(?:[- ]nil)?\s*:?\s*[<\u2264]=?\s*(?:0?\.\d+|0)\b"
                      r"|(?<![-\w])nil\s*:?\s*(?:>\s*)?(?:[89]|\d{2,})(?:\.\d+)?\s*(?:iu/ml)?(?![\d.])"
                      r"|\bno\s+(?:valid|adequate|acceptable)\s+controls?\b|\bcontrols?\s+not\s+(?:valid|ok|acceptable|adequate)\b"
                      r"|\bfalse[- ]neg\w*|\bqc\b")
#: A past hepatitis B infection (anti-HBc positive): the reactivation risk the test is for.
_PAST_HBV = re.compile(r"\b(?:resolved|past|prior|previous|old|cleared)\s+(?:hbv\s+|hepatitis\s+b\s+|hep\s+b\s+)?infection"
                       r"|\bisolated\s+(?:anti-?hbc|core)|\boccult\s+(?:hbv|hepatitis)")
#: Words that say a result turned or shows positive however faintly: a positive reading.
_POSITIVE_PHRASE = re.compile(r"\b(?:faint|weak)\s+(?:\w+\s+)?(?:line|band)|\bconver(?:ted|sion)\b|\bseroconver\w*")
#: A form's answer after a reading word ('Negative: No'): no reading.
_FORM_ANSWER = re.compile(r"\b(?:neg\w*|pos\w*|reactive|detected|pregnant)\s*[:=?]\s*(?:no|yes|true|false|n|y)\b")
#: Words and numbers; '+ve' and '-ve'; a '+' standing alone or after a word ('+', '(+)', 'HBcAb+')
#: or a grade ('1+'); a '-' standing alone or after a word at the end of what it reads ('HBsAg -',
#: 'TB2 -)'). A sign inside a number or a word ('1e+5', 'anti-HBc', 'TB1-nil') is neither, and so is
#: a dash between words ('HBsAg - negative', 'not performed - haemolysed'): a separator.
_RESULT_WORD = re.compile(r"[+-]i?ve\b|[a-z]+|\d+(?:\.\d+)?|(?<![0-9.+-])\++(?![\w.+-])|(?<=\b[1-4])\+(?![\w.+-])"
                          r"|(?<![0-9.+-])-(?![\w.+-])(?!\s*[a-z0-9(])")
#: Where a clause ends: ',', ';', a line, a tab or column gap (two spaces or more), ' / ', '|', a
#: bullet, ' but ', and a sentence's full stop (not a decimal point; not before 'for', whose text
#: goes on about the same reading: 'Neg. for HBsAg and anti-HBc'; with no space after it only
#: between words: 'Negative.Anti-HBc pending', not 'T-SPOT.TB').
_CLAUSE = re.compile(r"[,;\n\r\t|\u2022\u00b7]| {2,}| / | but |(?<!\b[a-z])\.(?=\s|$)(?!\s+for\b)|(?<=[a-z]{3})\.(?=[a-z]{3})")
#: A negation at the end of a line or before a column gap goes with the reading word that begins the
#: next ('Not\nDetected'); not with a line that names a test ('TB contact: No\nIGRA: Positive').
_NEGATION_WRAP = re.compile(r"\b(not|no|non|none)[ \t]*(?:\r\n?|\n|\t| {2,})\s*(?=(?:detected|detectable|reactive|positive|"
                            r"negative|present|pregnant|pos|neg)\b)")
#: Long names of the hepatitis B assays as their short names, so that a negation two words before
#: still reaches the word it negates ('No hepatitis B surface antigen detected').
_HBV_NAMES = ((re.compile(r"\bhep(?:atitis)?[- ]?b(?: virus)? surface (?:antigen|ag)\b|(?<!to )\bsurface antigen\b"), "hbsag"),
              (re.compile(r"\bhep(?:atitis)?[- ]?b(?: virus)? core (?:antibody|ab)\b"), "hbcab"))
#: Immunity from vaccination said beside the result: anti-HBs, not a reading.
_VACCINATED = re.compile(r"\b(?:immune|immunity)\s+(?:by|from|due to|after|post|via)[- ]?vaccin\w*"
                         r"|\b(?:(?:not|non|no)[- ]?)?vaccinated\b(?:\s*[:=]\s*(?:yes|no)\b)?"
                         r"|\bpost[- ]vaccin\w*")
#: A reference range or a cut-off printed beside the result ('Ref range: Negative', '(Ref: Negative)',
#: '(normal < 1.0)', '(Negative: <5 mIU/mL)', '[Negative: <5]', 'negative <1.0', 'normal 24-44'): it is
#: not the result, and is not read. Unbracketed, a reference value is at most four words and ends
#: before a clause end, a bracket or the name of an assay ('HBsAg: Negative Ref: Negative Anti-HBc:
#: Reactive' keeps the anti-HBc result); the word 'reference' alone ('reference lab') is none.
_NUM = r"(?:\d+(?:\.\d+)?|\.\d+)"
_ASSAY_AHEAD = (r"(?!(?:anti|hb[a-z]|core|hcg|b-?hcg|igra|qft|quantiferon|t-?spot|tb\d?\b|nil\b|mitogen|mantoux|ppd|tpmt"
                r"|g6pd|igm\b|tst\b|result|interpretation|confirm\w*|supplement\w*|repeat))")
_REF_MARK = r"\bref(?:erence)?\.?(?:\s+(?:range|interval|values?))?\s*[:=]|\bref(?:erence)?\.?\s+(?:range|interval|values?)\b"
#: What a bracketed reference range may hold: no clause end (it would hide the clause after it).
_IN_BRACKET = r"(?:[^)\];,\n.]|\.(?=\d))*"
_CUTOFF_WORD = r"(?:normal|neg\w*|pos\w*|non-?reactive|reactive|non-?pregnant\w*|cut-?off|expected|ref\w*)"
_REFERENCE = re.compile(
    rf"[(\[]\s*(?:{_REF_MARK}){_IN_BRACKET}[)\]]"
    rf"|[(\[]\s*{_CUTOFF_WORD}\b{_IN_BRACKET}?(?:[<>\u2264\u2265]=?\s*\.?\d|\d\s*-\s*\d){_IN_BRACKET}[)\]]"
    rf"|(?:{_REF_MARK})(?: ?{_ASSAY_AHEAD}[^\s,;()\[\]]+){{1,4}}"
    rf"|\b(?:normal|expected)\s+(?:range|values?|results?)\s*[:=]?(?: ?{_ASSAY_AHEAD}[^\s,;()\[\]]+){{1,4}}"
    rf"|\bnormal\s*[:=]?\s*{_NUM}\s*-\s*{_NUM}"
    rf"|\b(?:non-?)?(?:normal|negative|neg|nonreactive|non-reactive|pregnant|cut-?off)"
    rf"(?:\s+(?:women|females?|range|if|result))?\s*[:=]?\s*[<\u2264]=?\s*{_NUM}"
    rf"(?:\s*(?:m?iu/m?l|u/m?l|s/co|mm|iu/l|ng/ml))?")
#: Hepatitis B surface antibody (anti-HBs, HBsAb): a positive result is immunity (vaccination), not
#: infection. Only its own words are set aside, up to the next assay named, ';', a line or the end
#: of a sentence: setting its whole clause aside hid 'anti-HBc positive' written after it.
_ANTI_HBS = re.compile(r"anti[- ]?hbs\b|\bhbs[- ]?ab\b|\bhbs antibod\w*|\bsurface (?:antibod\w*|ab)\b"
                       r"|\bantibod\w* to (?:the )?(?:hepatitis b surface antigen|hbsag)")
_ANTI_HBS_ENDS = re.compile(r"anti[- ]?hbc|hbc|core\b|\bcab\b|\bhbs[- ]?ag\b|\bhbs antigen|\bhbe|anti-?hbe|\bhbv\b|\bigm\b"
                            r"|\bhep(?:atitis)?[- ]?b\b|\bsurface (?:antigen|ag)\b|\bigra\b|\bqft\b|quantiferon|t-?spot"
                            r"|\btb\d?\b|mantoux|\bppd\b|\btst\b|hcg|tpmt|g6pd|[;\n\t|]| {2,}| / |\.(?=\s|$)|,")
#: A test's control said to be as expected ('positive control (mitogen) reactive', 'controls valid',
#: 'negative control negative'): it says nothing of the patient and is set aside. Any other word
#: about a control stays and is read ('control invalid' is indeterminate, 'negative control
#: positive' is not negative): setting every clause naming a control aside read 'Negative; control
#: invalid' negative.
_OK = r"(?:valid|ok|okay|acceptable|adequate|passed|satisfactory|appropriate|within (?:normal )?limits)"
_PAREN = r"(?:\s*\([^)]*\))?"
_IS = r":?\s*(?:(?:is|are|was|were)\s+)?"
#: Where a control's own 'positive' or 'negative' may stand: at the start of a clause or after 'and',
#: 'with', 'the' or '(' ('Anti-HBc: Positive Controls: Valid' is the patient's positive, then a control).
_START = r"(?:^|(?<=[,;(\n|\x00])|(?<=(?<!\bneg)(?<!\bpos)\.)|(?<=\band )|(?<=\bwith )|(?<=\bthe ))\s*"
_CONTROL_OK = re.compile(
    rf"{_START}pos(?:itive)? and neg(?:ative)? controls?{_PAREN}{_IS}{_OK}"
    rf"|{_START}pos(?:itive)? controls?{_PAREN}{_IS}(?:reactive|positive|{_OK})\b"
    rf"|{_START}neg(?:ative)? controls?{_PAREN}{_IS}(?:non-?reactive|negative|{_OK})\b"
    rf"|{_START}controls? positive\b"
    rf"|\b(?:(?:nil|mitogen)\s+)?controls?{_PAREN}{_IS}{_OK}"
    rf"|(?<!\bno )(?<!\bnot )\b{_OK}\s+controls?\b")
#: Words of a clause that says nothing of the result ('Tested 11/20.', 'Comment: nil value within
#: limits.', 'immune by vaccination', 'CXR clear'), with dates: such a clause is not read (it made
#: 'Negative. Tested 11/20.' not negative). Any other word or a number keeps a clause read.
_SAYS_NOTHING = frozenset({"tested", "test", "on", "date", "dated", "reported", "result", "results", "comment",
                           "comments", "note", "report", "final", "nil", "value", "values", "within", "limit",
                           "limits", "range", "cxr", "chest", "x", "ray", "xray", "clear"})
_DATE = re.compile(r"\b\d{1,4}[/-]\d{1,2}(?:[/-]\d{1,4})?\b")
#: What a clause that says nothing may hold besides its words: spaces, ':', brackets, quotes, a hyphen inside a word.
_NOTHING_CHARS = re.compile(r"(?:[a-z\s:()\[\]'\"\x00]|(?<=[a-z])-(?=[a-z]))*")
_LETTERS = re.compile(r"[a-z]+")
#: Words a clause that only reads the clause before it may have ('urine: negative').
_INTERPRETING = frozenset({"urine", "serum", "plasma", "blood", "interpretation", "interpreted", "as", "overall",
                           "qualitative", "quantitative", "final", "impression", "read", "reads", "result", "is"})
#: A number standing alone (not in a name: 'TB1', 'G6PD'), with the comparator before it.
_NUMBER = re.compile(rf"([<>\u2264\u2265]=?\s*)?(?<![a-z0-9.])({_NUM})")
#: A measurement: a number that is no date, no part of a code ('16933-4') and no part of a name.
_MEASURE = re.compile(rf"([<\u2264]=?\s*)?(?<![a-z0-9./:-])(?!(?:19|20)\d\d\b)({_NUM})(?![\d/:]|-\d)")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_MONTH_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{2,4}})?"
                         rf"|\b{_MONTH}\s+(?:\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:,?\s+\d{{4}})?|\d{{4}})")
#: Words that may stand between a reading and the value it reads ('normal activity (9.8 U/g Hb)').
_OF_THE_VALUE = frozenset({"activity", "level", "levels", "value", "values", "result", "index", "ratio", "titre", "titer"})
#: Units that may stand between a value and the reading after it ('0.31 S/CO negative').
_UNITS = re.compile(r"\b(?:m?iu/m?l|u/m?l|u/g(?: ?hb)?|s/co|iu/l|ng/ml|mm|index|ratio|spots?|induration)\b|[\s()\[\]:=-]")
_WILD_TYPE = re.compile(r"\*1/\*1(?!\d)")  # TPMT's normal genotype (not *1/*16)
#: A diplotype written with star alleles ('*1/*3A', '*3A / *3C'), and the *1 allele (its suballeles
#: *1A, *1S are normal function too).
_STAR_PAIR = re.compile(r"\*(\d+[a-z]?)\s*/\s*\*(\d+[a-z]?)")
_NORMAL_ALLELE = re.compile(r"1[a-z]?")
_DEFICIENCY_NOT_FOUND = re.compile(r"\bdeficien\w*\s*(?:screen\w*|test\w*)?\s*[:=-]?\s*(?:not detected|not present|"
                                   r"not found|none detected|negative|neg|absent)\b")
#: The words of a reading: after the last of them, a measurement is read by no word.
_READING_WORDS = _POSITIVE_WORDS | _NEGATIVE_WORDS | _UNSURE_WORDS
_READING_VOCABULARY = _POSITIVE_WORDS | _NEGATIVE_WORDS | _UNSURE_WORDS | _NEGATIONS | _ACTIVITY_ABNORMAL | _ACTIVITY_NORMAL | {"for", "and", "ve", "result"}


def result_reading(result: str, activity: bool = False) -> str:
    """How a test's stated result reads: "positive", "indeterminate", "negative", or "unknown"
    (free text none of these words decide: '1520 mIU/mL'). Read by clause (see _CLAUSE), the worst
    clause deciding, whatever their order; any positive word or '+' not negated wins over negative
    words ("HBsAg negative, anti-HBc positive" is positive); a clause none of the words decide
    ('anti-HBc 4.1 S/CO') is unknown beside a negative one, and so is one that says the test gave no
    result (_NO_RESULT). Set aside: reference ranges, anti-HBs (immunity), controls said to be as
    expected, and clauses that say nothing of the result (a date, a comment). ``activity``: an enzyme
    activity (TPMT, G6PD), where absent, undetected or low activity is the finding and normal,
    present or '*1/*1' is not. Memoized: a stream repeats few texts."""
    memo = _READINGS[activity]
    hit = memo.get(result)
    if hit is None:
        hit = memo[result] = _reading(result, activity)
        if len(memo) > 4096:  # bounded: a stream of ever-new texts
            memo.clear()
    return hit


_READINGS: tuple[dict[str, str], dict[str, str]] = ({}, {})  # by activity: False, True


def _reading(result: str, activity: bool = False) -> str:
    import unicodedata

    # Full-width and compatibility forms as plain letters; a minus sign or a hyphen as '-', a dash
    # ('–', '—') as '--', a blank in a results grid (no reading).
    text = unicodedata.normalize("NFKC", result).lower().translate(_DASHES)
    text = _NEGATION_WRAP.sub(r"\1 ", text).replace("border-line", "borderline")
    for pattern, short in _HBV_NAMES:
        text = pattern.sub(short, text)
    text = _REFERENCE.sub(_GONE, text)
    if "vaccin" in text:
        text = _VACCINATED.sub(_GONE, text)
    if "hbs" in text or "surface" in text or "antibod" in text:
        text = _without_anti_hbs(text)
    if "control" in text:
        text = _CONTROL_OK.sub(_GONE, text)
    if activity and "*" in text:
        # A TPMT/NUDT15 genotype with an allele other than *1 is the finding, whatever word stands
        # beside it ('normal (*1/*3A)' read normal): one such allele is an intermediate metabolizer
        # (read as 'intermediate' is, indeterminate), two a poor one (CPIC 2018, clinical-facts.md S26).
        other = max((2 - bool(_NORMAL_ALLELE.fullmatch(a)) - bool(_NORMAL_ALLELE.fullmatch(b))
                     for a, b in _STAR_PAIR.findall(text)), default=0)
        if other:
            return "positive" if other == 2 else "indeterminate"
    if activity and "deficien" in text:
        text = _DEFICIENCY_NOT_FOUND.sub("normal", text)
    said: list[tuple[str, str]] = []  # (clause, its reading) of every clause read
    for clause in _CLAUSE.split(text):
        if _says_nothing(clause):
            continue
        if _QC_FAIL.search(clause):
            got = "indeterminate"
        elif not activity and (_PAST_HBV.search(clause) or _POSITIVE_PHRASE.search(clause)):
            got = "positive"
        else:
            got = _activity_clause(clause) if activity else _clause(clause)
            if got == "negative" and _EXCEPTION.search(clause):
                got = _excepted(clause, activity)  # 'all negative except core Ab'
        if got == "positive":
            return got
        if got == "negative" and (_NO_RESULT.search(clause) or _FORM_ANSWER.search(clause) or _measured_after(clause)
                                  or (not activity and _indurated(clause))):
            # A result not given, a measurement after the reading, which no word reads, or a skin
            # test's induration, whose cut-off the lab's 'negative' may not have taken for this patient.
            got = "unknown"
        if (said and said[-1][1] == "unknown" and got != "unknown" and _interprets(clause)
                and _interpretable(said[-1][0], activity)):
            # 'Mantoux 0 mm, negative', 'hCG qualitative, urine: negative': a reading with no
            # words of its own reads the clause before it, which no word decides.
            said[-1] = (said[-1][0], got)
        said.append((clause, got))
    if not said:
        return "unknown"
    return max((r for _c, r in said), key=_READING_RANK.__getitem__)


#: Words that take part of a result out of its reading ('all negative except core Ab').
_EXCEPTION = re.compile(
    r"\b(?:(?:except|xcept)(?:ing|ed)?(?:\s+for)?|exc|excl|excluding|apart(?:\s+from)?|aside(?:\s+from)?|other\s+than|"
    r"save(?:\s+for)?|besides|bar(?:ring)?|but\s+for|unless|outside(?:\s+of)?|not\s+counting|minus|"
    r"(?:with|w/)\s*(?:the\s+|an?\s+|one\s+|1\s+)?exceptions?(?:\s+of)?|(?<!without )(?<!no )exceptions?)\b")
#: Words of an exception that names only hepatitis B immunity (anti-HBs, set aside as elsewhere):
#: one that says immunity, and words that may stand around it. 'Hep B', 'HBs' or 'antibody' alone
#: say no immunity ('negative except hep B' is a positive hepatitis B test).
_IMMUNITY_MARKERS = frozenset({"sab", "hbsab", "antihbs", "immune", "immunity", "immunised", "immunized", "vaccine",
                               "vaccinated", "vaccination"})
_IMMUNITY_AROUND = frozenset({"hep", "hepatitis", "b", "hbs", "hbv", "anti", "surface", "antibody", "antibodies", "ab",
                              "induced", "from", "due", "to", "the", "for", "of", "with", "after"})
_WORD = re.compile(r"[a-z]+")


def _only_immunity(rest: str) -> bool:
    words = set(_WORD.findall(rest))
    if not words or not words <= _IMMUNITY_MARKERS | _IMMUNITY_AROUND:
        return False
    if _GONE in rest:
        return True  # the immunity itself was set aside there (anti-HBs, 'vaccinated'): 'hep B' is its name
    # anti-HBs, HBs antibody, surface antibody: immunity named by its parts
    named = ({"anti", "hbs"} <= words or ("hbs" in words and not words.isdisjoint({"ab", "antibody", "antibodies"}))
             or ("surface" in words and not words.isdisjoint({"ab", "antibody", "antibodies"})))
    return named or not words.isdisjoint(_IMMUNITY_MARKERS)


#: An exception said as a noun ('with one exception', '(1 exception)'): something is not negative
#: even when the clause does not say what.
_EXCEPTION_NOUN = re.compile(r"\bexceptions?\b")


def _excepted(clause: str, activity: bool) -> str:
    """The reading of a clause read negative that names an exception: what follows the exception,
    unless that says nothing (a part set aside, such as anti-HBs) or reads negative itself; then
    not negative ('unknown') or, when it reads so, positive. 'Negative except anti-HBc' passed a
    positive core antibody as negative (ILD408)."""
    m = _EXCEPTION.search(clause)
    if m is None:
        return "negative"
    rest = clause[m.end():]
    if _says_nothing(rest):
        # 'negative except anti-HBs' with the anti-HBs set aside says nothing more; 'negative with one
        # exception' says something is not negative.
        return "unknown" if _EXCEPTION_NOUN.search(m.group()) else "negative"
    if not activity and _only_immunity(rest):
        return "negative"  # 'negative except immune', 'other than vaccine immunity': anti-HBs, set aside
    got = _activity_clause(rest) if activity else _clause(rest)
    if got == "negative":
        return "negative"
    return "positive" if got == "positive" else "unknown"


#: What stands for words set aside: no word, and no space (two spaces end a clause: a column gap).
_GONE = "\x00"
_DASHES = {0x2212: "-", 0x2010: "-", 0x2011: "-", 0x2013: " -- ", 0x2014: " -- "}


def _measured_after(clause: str) -> bool:
    """Whether a measurement other than zero or a value below a limit is read by no word: after the
    clause's last reading word with a name between ('HBsAg negative anti-HBc 4.1 S/CO', 'Negative
    (TB1 0.9)'), or before its first one with a name between ('Anti-HBc 4.1 S/CO HBsAg negative'). A
    measurement just before or after the reading is what the reading reads ('0.31 S/CO negative',
    'Non-reactive (0.2 S/CO)')."""
    if any(c.isdigit() for c in clause):
        clause = _MONTH_DATE.sub(" ", clause)  # '12 March 2024' is a date, not a measurement
    first = last = -1
    for m in _RESULT_WORD.finditer(clause):
        w = m.group()
        if w in _READING_WORDS or w[0] in "+-":
            if first < 0:
                first = m.start()
            last = m.end()
    if last < 0:
        return False
    # Only the measurement farthest from the reading on each side is looked at: the words between a
    # nearer one and the reading are among those between the farthest one and it (one pass, not one
    # scan of the clause per number: a long result of numbers took quadratic time).
    before = after = None
    for n in _MEASURE.finditer(clause):
        if n.group(1) or float(n.group(2)) == 0:
            continue
        if n.start() >= last:
            after = n
        elif n.end() <= first and before is None:
            before = n
    if after is not None and any(w not in _OF_THE_VALUE for w in _LETTERS.findall(clause, last, after.start())):
        return True
    return before is not None and _LETTERS.search(_UNITS.sub(" ", clause[before.end():first])) is not None


#: An induration (a tuberculin skin test) in mm or cm, with the bound before it ('8mm', 'TST:8mm',
#: '< 10 mm', 'less than 5 mm', '12 millimetres', '1.2 cm'), or two diameters ('10x12mm').
_INDURATION = re.compile(rf"([<>\u2264\u2265]=?\s*|(?:less than|under|below)\s+)?(?<![a-z0-9.])({_NUM})"
                         rf"(?:\s*[x\u00d7*]\s*({_NUM}))?\s*(mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?)\b")
#: What an induration's number is not: a reaction's redness, or a cut-off printed beside the result.
_NOT_INDURATION = re.compile(r"(?:erythema|redness|cut-?\s?off|threshold|positive if|ref\w*)\W*$")
#: Words naming a skin test: there a number with no unit beside the reading is the induration in mm
#: ('Mantoux 12 negative', 'TST result (mm): 12 Negative'), here and in the FHIR mapping's reading of
#: an Observation whose code names one.
SKIN_TEST_WORDS = re.compile(r"\b(?:mantoux|tst|ppd|tuberculin|induration|skin test)\b", re.IGNORECASE)
_BARE_INDURATION = re.compile(rf"(?<![\w./:-])(?!(?:19|20)\d\d\b)({_NUM})(?=\s*(?:[-)\]]\s*)?(?:$|[a-z+-]))(?!\s*[a-z]*\s*(?:h|hrs?|hours?|d|days?|wks?|weeks?|mos?|months?|y|yrs?|years?|tu|units?|times)\b)")
#: The lowest cut-off of a positive tuberculin skin test: 5 mm of induration in immunosuppressed
#: patients, those on 15 mg/day of prednisone or more for a month or on TNF inhibitors (CDC,
#: Targeted tuberculin testing, MMWR 2000;49(RR-6); CDC fact sheet "Tuberculin skin testing",
#: https://www.cdc.gov/tb/publications/factsheets/testing/skintestresults.pdf); 10 or 15 mm for others.
TST_POSITIVE_MM = 5.0


def _indurated(clause: str) -> bool:
    """Whether a clause states an induration that may be positive before immunosuppression, 5 mm or
    more, or a bound that allows it ('> 2 mm', '< 10 mm'): a lab's 'negative' beside it may have
    used the cut-off of 10 or 15 mm of a patient at lower risk ('Mantoux 8 mm negative'). Below 5 mm
    ('4 mm', '< 5 mm') is negative at every cut-off. Not an induration: erythema, a cut-off."""
    if "m" in clause:
        for m in _INDURATION.finditer(clause):
            if _NOT_INDURATION.search(clause, max(0, m.start() - 24), m.start()):
                continue
            scale = 10.0 if m.group(4)[0] == "c" else 1.0
            value = max(float(m.group(2)), float(m.group(3) or 0)) * scale
            if _over_cut_off(m.group(1), value):
                return True
    if SKIN_TEST_WORDS.search(clause):
        bare = _INDURATION.sub(" ", clause)
        return any(float(n.group(1)) >= TST_POSITIVE_MM for n in _BARE_INDURATION.finditer(bare))
    return False


def _over_cut_off(bound: Optional[str], value: float) -> bool:
    if bound is None:
        return value >= TST_POSITIVE_MM
    if bound[0] in "<\u2264" or bound[0] in "lub":  # '<', '≤', 'less than', 'under', 'below'
        return value > TST_POSITIVE_MM or (value == TST_POSITIVE_MM and (bound[0] == "\u2264" or "=" in bound))
    return True  # '> 2 mm': at least, with no bound above


def _without_anti_hbs(text: str) -> str:
    out = []
    at = 0
    while (m := _ANTI_HBS.search(text, at)) is not None:
        out.append(text[at:m.start()])
        at = len(text)
        for end in _ANTI_HBS_ENDS.finditer(text, m.end()):
            # A comma inside brackets opened after anti-HBs ('(immune, vaccinated)') does not end it.
            if end.group() != "," or text.count("(", m.end(), end.start()) <= text.count(")", m.end(), end.start()):
                at = end.start()
                break
    out.append(text[at:])
    return _GONE.join(out)


def _interprets(clause: str) -> bool:
    """A clause that is only a reading ('negative', 'urine: negative', 'interpretation positive'):
    no number, and no word but reading words and those of _INTERPRETING."""
    return not any(c.isdigit() for c in clause) and all(
        w in _READING_VOCABULARY or w in _INTERPRETING for w in _LETTERS.findall(clause))


def _interpretable(clause: str, activity: bool) -> bool:
    """A clause an interpretation after it may read: one that does not say the test gave no result
    ('see below'), whose numbers are all zero ('0 mm') or an induration below 5 mm: 'Mantoux 12 mm,
    negative' and 'Mantoux <10 mm, negative' are not read negative (5 mm or more is positive before
    immunosuppression, TST_POSITIVE_MM). An enzyme activity's number is never read so (zero activity
    is the deficiency)."""
    if _NO_RESULT.search(clause):
        return False
    numbers = list(_NUMBER.finditer(clause))
    if activity:
        return not numbers
    if numbers and "m" in clause and not _indurated(clause):
        # An induration below the lowest cut-off ('Mantoux 3 mm, negative') is read as none is.
        bare = _INDURATION.sub(" ", clause)
        if SKIN_TEST_WORDS.search(bare):
            bare = _BARE_INDURATION.sub(" ", bare)
        numbers = list(_NUMBER.finditer(bare))
    return all(not n.group(1) and float(n.group(2)) == 0 for n in numbers)


def _says_nothing(clause: str) -> bool:
    bare = _DATE.sub(" ", clause)
    return _NOTHING_CHARS.fullmatch(bare) is not None and all(w in _SAYS_NOTHING for w in _LETTERS.findall(bare))


def _clause(text: str) -> str:
    if "?" in text:
        # 'negative?', 'pos?': a questioned result screens nothing, unless a positive word is in it.
        return "positive" if _clause(text.replace("?", " ")) == "positive" else "indeterminate"
    found = list(_RESULT_WORD.finditer(text))
    words = [m.group() for m in found]
    reading = "unknown"
    for i, w in enumerate(words):
        negated = _negated(words, i, found, text)
        if w[0] == "+" or w in _POSITIVE_WORDS:
            if not negated:
                return "positive"
            if reading == "unknown":
                reading = "negative"
        elif w in _NEGATIVE_WORDS:
            if negated:
                return "positive"  # 'not negative', 'non-normal'
            if reading == "unknown":
                reading = "negative"
        elif w[0] == "-":
            if reading == "unknown":
                reading = "negative"
        elif w in _UNSURE_WORDS:
            reading = "indeterminate"
    return reading


#: A genotype report's words for a variant (TPMT/NUDT15, G6PD): 'detected' and 'present' there say
#: that the variant is, not the enzyme's activity ('TPMT variant detected' read as normal).
_VARIANT = re.compile(r"\b(?:variants?|mutations?|mutated|pathogenic|risk alleles?|non-?functional alleles?)\b|\bc\.\d+")
#: A zygosity said of a variant allele: a variant found ('heterozygous', 'homozygous c.719A>G',
#: 'carrier'); not 'homozygous wild type' or 'homozygous normal', which is the normal genotype.
_ZYGOSITY = re.compile(r"\b(?:hetero|homo|hemi)zygo\w*\b(?!\s*(?:for\s+(?:the\s+)?)?(?:wild[- ]?type|normal|\*1\b))|\bcarriers?\b")
#: The report saying that none was found, as the whole clause ('No TPMT variants detected',
#: 'negative for the variant', 'variant not detected'): anything more ('... and TPMT c.719A>G
#: detected', 'Specimen no 24-1187 variant detected') reads as a variant found.
_NO_VARIANT = re.compile(
    r"(?:(?:tpmt|nudt15|g6pd)\s*:?\s+)?"
    r"(?:(?:no|negative for(?:\s+the)?|without(?:\s+an?)?)\s+(?:(?:known|pathogenic|likely|deleterious|other|reportable"
    r"|detectable|significant|clinically|actionable|common|tpmt|nudt15|g6pd|c\.\S+)\s+){0,3}"
    r"(?:variants?|mutations?|(?:risk|variant|non-?functional)\s+alleles?)"
    r"(?:\s+(?:(?:was|were|is|are)\s+)?(?:detected|found|identified|present|seen))?"
    r"|(?:(?:tpmt|nudt15|g6pd)\s+)?(?:variants?|mutations?|(?:risk|variant|non-?functional)\s+alleles?)\s+"
    r"(?:(?:was|were|is|are)\s+)?(?:not\s+(?:detected|found|identified|present|seen)|absent|undetected))"
    r"[\s.!]*")


def _activity_clause(text: str) -> str:
    if _ZYGOSITY.search(text):
        return "positive"  # a variant allele carried, whatever else the clause says of others
    if _VARIANT.search(text):
        # Fail closed: a variant named is found unless the clause says, and only says, none was.
        return "negative" if _NO_VARIANT.fullmatch(text.strip()) else "positive"
    found = list(_RESULT_WORD.finditer(text))
    words = [m.group() for m in found]
    # The normal (wild-type) genotype reads negative unless a word of the clause says otherwise
    # ('TPMT *1/*1 with low activity').
    reading = "negative" if _WILD_TYPE.search(text.replace(" ", "")) else "unknown"
    for i, w in enumerate(words):
        negated = _negated(words, i, found, text)
        if w in _ACTIVITY_ABNORMAL:
            if not negated:
                return "positive"
            if reading == "unknown":
                reading = "negative"  # 'not deficient'
        elif w in _ACTIVITY_NORMAL:
            if negated:
                return "positive"  # 'not detected': no activity
            if reading == "unknown":
                reading = "negative"
        elif w[0] == "+":
            return "positive"
        elif w[0] == "-" or w in _NEGATIVE_WORDS:
            if reading == "unknown":
                reading = "negative"
        elif w in _UNSURE_WORDS or w == "intermediate":
            reading = "indeterminate"
    return reading


def _negated(words: list[str], i: int, found: list[Any], text: str) -> bool:
    """Whether a negation stands before word i, or two before it with a word of no reading between
    ('no hCG detected'; not 'non-reactive (negative)', not 'Specimen No 4521 positive'), and no ':'
    between them: 'TB contact: No QFT: Positive' is a form's answer, then a result. 'not non-reactive'
    negates nothing: the 'not' negates the 'non'."""
    if i > 0 and words[i - 1] in _NEGATIONS:
        return ":" not in text[found[i - 1].end():found[i].start()] and not (
            words[i - 1] == "non" and i > 1 and words[i - 2] == "not"
            and text[found[i - 2].end():found[i - 1].start()] in (" ", "-", " - "))
    return (i > 1 and words[i - 2] in _NEGATIONS and words[i - 1] not in _READING_VOCABULARY and words[i - 1].isalpha()
            and ":" not in text[found[i - 2].end():found[i].start()])


def _assay_words(result: str) -> frozenset[str]:
    """The words of a result that name what was measured ('anti-hbc', a code '16933-4'), not how it read."""
    return frozenset(w for w in _ASSAY_WORD.findall(result.lower()) if w not in _READING_VOCABULARY)


_ASSAY_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")


def unknown_frequency(o: Order) -> str:
    return o.frequency_problem or f"frequency {o.frequency_text} is not a known frequency"


_TO_MG_NEEDS = {"mg/kg": "the patient's weight (weight_kg)", "mg/m2": "the patient's BSA (bsa_m2, or height_cm and weight_kg)"}
#: The values a patient's measurements may take to be used (inclusive): far wider than any clinical
#: range, so that only a unit slip is refused (weight in grams, 81000; BSA 10 m2). A value outside
#: is not used: every dose that needs it is OL003 naming the value (a dose per kg against 81000 kg
#: read as tiny, and passed).
PLAUSIBLE = {"weight_kg": (0.3, 650.0, "kg"), "height_cm": (20.0, 280.0, "cm"), "bsa_m2": (0.05, 5.0, "m2")}
(_W_LO, _W_HI, _), (_H_LO, _H_HI, _), (_B_LO, _B_HI, _) = PLAUSIBLE.values()  # read per document
_PER_WORDS = {"admin": "per administration", "day": "per day"}


def _amount(o: Order, basis: str, per: str, weight: Optional[float], bsa: Optional[float],
            needs: Mapping[str, str] = _TO_MG_NEEDS) -> tuple[Optional[float], Optional[tuple[str, str]]]:
    """-> (amount or None, (why, pointer suffix) when it cannot be computed). Pure. ``needs``: what
    a conversion to mg/kg or mg/m2 needs, in words (normalize() says why a given value is not used)."""
    if o.per_admin is None or o.basis is None:
        return None, ((o.amount_problem[0], o.amount_problem[1]) if o.amount_problem else ("its amount is unknown", "/dose"))
    v = o.per_admin
    if o.basis != basis:
        to_mg: dict[str, Optional[float]] = {"mg": 1.0, "mg/kg": weight, "mg/m2": bsa}
        f_in, f_out = to_mg[o.basis], to_mg[basis]
        if f_in is None or f_out is None:
            missing = o.basis if f_in is None else basis
            return None, (f"converting {o.basis} to {basis} needs {needs[missing]}", "/unit")
        v = v * f_in / f_out
    if per == "day":
        if o.per_day is None:
            return None, (unknown_frequency(o), "/frequency")
        v = v * o.per_day
    # Overflow, underflow or inf x 0: an amount that is not a positive finite number is unknown,
    # never a dose of zero, and is never printed (no "inf mg/day" in any message).
    if not (0.0 < v < math.inf):
        return None, (f"the {basis} {_PER_WORDS[per]} does not compute to a positive finite number", "/dose")
    return v, None


_ROUNDS_TO_ZERO = 0.005


#: Body-mass index a weight and height together may give (kg/m2): beyond, one of them is a slip.
_BMI_LO, _BMI_HI = 3.5, 250.0  # (a preterm infant of 0.3 kg at 28 cm is 3.8)
_BMI_LO_AGED = 8.0  # from one year of age (the most wasted bodies measured are near 10): 12 kg at 178 cm is 3.8


def _started_later(later: list[Order], active: list[Order], starts: Sequence[Optional[_dt.date]], as_of: _dt.date,
                   window: Optional[int]) -> None:
    """'active' is already being taken (regimen-format.md): an active order that starts after as_of
    whose drug is not being taken (no active order of it started by as_of, whose course has not
    ended before as_of) is started, so it is read as new. Read as active, nintedanib starting next
    month beside mycophenolate passed ILD102 and the screening rules; the next step of a taper or a
    titration stays active. A drug in history only (prior therapy, stopped: a restart, the next
    cycle of rituximab) is started again, and its screening is asked again (a recent test counts);
    so is one whose other active orders ended by their own dates more than ``window`` days (the
    default look-back window) before as_of: rituximab x2 of last year, still marked active, hid
    the boxed-warning screening of this year's cycle. An order by a route that is not systemic takes
    no drug. ``starts``: each order's ``start`` by index."""
    starting = {o.index for o in later}
    # Taken systemically: Protopic (topical tacrolimus) or Restasis is no calcineurin inhibitor being
    # taken (rules.md Terms), and beside one, oral tacrolimus starting next month passed as active.
    taken = {o.drug.name for o in active if o.drug is not None and o.status == "active" and o.index not in starting
             and (o.route is None or o.route in SYSTEMIC_ROUTES) and not _ended_before(o, starts[o.index], as_of, window)}
    for o in later:
        if o.drug is not None and o.drug.name not in taken:
            o.status = "new"


def _course_span(o: Order, start: Optional[_dt.date], as_of: _dt.date) -> tuple[float, float]:
    """Regimen.course_span of an order whose ``start`` is given (also before the Regimen exists)."""
    first = 0.0 if start is None else float((start - as_of).days)
    if not o.course_known or o.course_days is None:
        return first, math.inf
    return first, first + o.course_days


def _ended_before(o: Order, start: Optional[_dt.date], as_of: _dt.date, window: Optional[int]) -> bool:
    """Whether an order's course, from its ``start``, ended more than ``window`` days before as_of
    by its own dates (an undated, open-ended or unknown course has not ended; a window of None,
    any age, never)."""
    return window is not None and start is not None and _course_span(o, start, as_of)[1] < -window


def _default_window(lookback_days: Mapping[str, Optional[int]]) -> Optional[int]:
    """The default look-back window in days (None: any age); 90 where the setting cannot be read
    as a whole number (test_counts says so in the rules that read it)."""
    w = lookback_days.get("default", 90)
    return w if w is None or (isinstance(w, int) and not isinstance(w, bool)) else 90


def _implausible_pair(weight: float, height: float, needs: Mapping[str, str], low: float = _BMI_LO) -> Mapping[str, str]:
    why = (f"weight_kg {weight:g} at height_cm {height:g} is a body-mass index of {weight / (height * height) * 10000.0:.1f}, "
           f"outside {low:g} to {_BMI_HI:g}, so neither is used")
    out = dict(needs)
    out["mg/kg"] = f"the patient's weight (weight_kg; {why})"
    out["mg/m2"] = f"the patient's BSA (bsa_m2, or height_cm and weight_kg; {why})"
    return out


def _plausible(weight: Optional[float], height: Optional[float], bsa: Optional[float]) -> tuple[
        Optional[float], Optional[float], Optional[float], Mapping[str, str]]:
    """The patient's weight, height and BSA with each value outside PLAUSIBLE left out, and what a
    conversion needs in words, naming the value left out."""
    said: dict[str, str] = {}
    kept: list[Optional[float]] = []
    for field_name, value in (("weight_kg", weight), ("height_cm", height), ("bsa_m2", bsa)):
        low, high, unit = PLAUSIBLE[field_name]
        if value is not None and not low <= value <= high:
            said[field_name] = f"{field_name} {value:g} is outside {low:g} to {high:g} {unit}, so it is not used"
            value = None
        kept.append(value)
    needs = dict(_TO_MG_NEEDS)
    if "weight_kg" in said:
        needs["mg/kg"] = f"the patient's weight (weight_kg; {said['weight_kg']})"
    bsa_why = [said[k] for k in ("bsa_m2", "height_cm", "weight_kg") if k in said]
    if bsa_why:
        needs["mg/m2"] = f"the patient's BSA (bsa_m2, or height_cm and weight_kg; {'; '.join(bsa_why)})"
    return kept[0], kept[1], kept[2], needs


def normalize(
    doc: RegimenDoc,
    vocab: Vocabulary,
    *,
    as_of: _dt.date,
    lookback_days: Mapping[str, Optional[int]],
    plan: Plan = EMPTY_PLAN,
) -> tuple[Regimen, list[tuple[str, str, Optional[int], bool]]]:
    """-> (regimen, unknown-drug problems [(message, pointer, order index, is_error)]).

    Everything a check may ask is computed here, once: route-aware tags, the amounts the
    installed rules declared (``plan``), and every OL003 (``Regimen.unverifiable``).
    """
    patient = doc.patient
    weight = patient.weight_kg if patient else None
    bsa = None
    needs: Mapping[str, str] = _TO_MG_NEEDS
    if patient is not None:
        height = patient.height_cm
        given_bsa = patient.bsa_m2
        if (weight is not None and not _W_LO <= weight <= _W_HI) or (height is not None and not _H_LO <= height <= _H_HI) or (
                given_bsa is not None and not _B_LO <= given_bsa <= _B_HI):
            weight, height, given_bsa, needs = _plausible(weight, height, given_bsa)
        if weight is not None and height is not None:
            low = _BMI_LO if patient.age_years is None or patient.age_years < 1 else _BMI_LO_AGED
            if not low <= weight / (height * height) * 10000.0 <= _BMI_HI:
                # Each plausible alone, not together: 7.5 kg at 175 cm (75 kg meant) made 40 mg/kg of
                # MMF 600 mg/day; neither value is used (mg/kg and a computed BSA: OL003, naming both).
                needs = _implausible_pair(weight, height, needs, low)
                weight = height = None
        if given_bsa is not None:
            bsa = given_bsa
        elif height is not None and weight is not None:
            bsa = mosteller_bsa(height, weight)
            if not _B_LO <= bsa <= _B_HI:
                # Each measurement plausible, their BSA not (600 kg at 250 cm: 6.45 m2): a BSA given as
                # 6.45 is refused, so one computed as 6.45 is too (it made 4500 mg/m2 read as 697).
                needs = dict(needs)
                needs["mg/m2"] = (f"the patient's BSA (the {bsa:.2f} m2 computed from height_cm and weight_kg is outside "
                                  f"{_B_LO:g} to {_B_HI:g} m2, so it is not used)")
                bsa = None
    if patient is None or doc.kind == "order-set":
        reproductive = True  # an order set applies to anyone
    elif patient.reproductive_potential is not None:
        reproductive = patient.reproductive_potential
    else:
        reproductive = patient.sex != "male"  # fail closed

    checked = plan.checked
    unknown: list[tuple[str, str, Optional[int], bool]] = []
    unverifiable: dict[int, list[tuple[str, str]]] = {}
    orders: list[Order] = []
    active: list[Order] = []  # active orders of known drugs
    all_new = True  # every one of them new: then Regimen.new() reads the same table as active()
    premeds = False  # an active order is premedication by its purpose and course
    resolved = vocab._cache  # vocab.drug()'s table of names as written
    as_of = doc.as_of or as_of
    later: list[Order] = []  # active orders that start after as_of
    for i, od in enumerate(doc.orders):
        res = resolved.get(od.drug)
        drug = res.drug if res is not None else vocab.drug(od.drug)
        if drug is not None and drug.by_route and isinstance(od.route, str):
            # By this route the order is of another ingredient (vocabulary by_route): a
            # subcutaneous immune globulin product given IV is IVIG, and was checked by no rule.
            given = _ROUTES_AS_WRITTEN.get(od.route) or _route(od.route)
            other = dict(drug.by_route).get(given) if given is not None else None
            if other is not None:
                drug = vocab.drugs[other]
        status = od.status
        if status == "on-hold" or status == "stopped":
            pass  # ignored by every check (regimen-format.md), OL002 included
        elif drug is None:
            msg, is_error = unknown_drug(vocab, od.drug, checked, rxcui=od.rxcui,
                                         route=_route(od.route) if isinstance(od.route, str) else None)
            unknown.append((msg, f"/orders/{i}/drug", i, is_error))
        elif od.rxcui is not None:
            clash = rxcui_conflict(vocab, od.rxcui, drug, checked)
            if clash:
                unknown.append((clash[0], f"/orders/{i}/rxcui", i, clash[1]))
                drug = None
        o = _order(i, od, drug, vocab)
        if status == "active" and od.start is not None and od.start > as_of and drug is not None:
            later.append(o)  # decided below: started, unless the drug is already being taken
        orders.append(o)
        if drug is not None and (status == "new" or status == "active"):
            _decide(o, drug, od, plan, weight, bsa, unverifiable, res.route if res is not None else vocab.resolve(od.drug).route,
                    needs)
            route = o.route
            if route is not None and route not in SYSTEMIC_ROUTES and not drug.tags.isdisjoint(checked) \
                    and route not in vocab.product_routes(drug.name):
                if drug.pe_factor is None:
                    # A route no product of the drug has (mycophenolate 3000 mg bid 'topical'): read as
                    # not systemic, no rule checked it and the order passed.
                    unverifiable.setdefault(i, []).append((
                        f"route {od.route!r} is not a route {drug.name} is given by (no {route} product of it is "
                        "known), so no rule checks it as ordered", "/route"))
                else:
                    # Glucocorticoids have many local forms the vocabulary does not list (creams, drops),
                    # ordered in applications or drops; a dose in mg by a route no known product has is a
                    # systemic dose misrouted (methylprednisolone 1 g 'topical', Medrol 16 mg 'inhaled'):
                    # read as local, no glucocorticoid rule checked it and the order passed.
                    # Per day where the frequency is known; else per administration (no frequency,
                    # prn: the order still gives a systemic dose each time, which passed unchecked).
                    mg = _amount(o, "mg", "day", weight, bsa)[0]
                    said = None if mg is None else f"{_num(mg)} mg/day"
                    if mg is None:
                        mg = _amount(o, "mg", "admin", weight, bsa)[0]
                        said = f"{_num(mg)} mg a dose" if mg is not None else f"a dose in {o.basis}" if o.basis else None
                    if said is not None:
                        unverifiable.setdefault(i, []).append((
                            f"route {od.route!r} is not a route {drug.name} is given by (no {route} product of it is "
                            f"known), and {said} is a systemic dose, so no glucocorticoid rule checks it "
                            "as ordered", "/route"))
            active.append(o)
            if status != "new":
                all_new = False
            if o.premedication:
                premeds = True
    if premeds:
        _infusion_premedication(active, plan.pulse_min_pe)
    if later:
        _started_later(later, active, [od.start for od in doc.orders], as_of, _default_window(lookback_days))
        all_new = all(o.status == "new" for o in active)

    progressed: set[Drug] = set()
    progression = False
    for j, h in enumerate(doc.history):
        # A progression on a drug started after as_of has not happened yet (a planned or mistyped
        # entry): counted, it passed the first-line rules.
        counts = h.outcome == "progression" and (h.start is None or h.start <= as_of)
        hd = vocab.drug(h.drug)
        if hd is None:
            # Not known to be an ILD therapy: it does not set the phase (OL002 says the name).
            msg, is_error = unknown_drug(vocab, h.drug, checked, "history item")
            unknown.append((msg, f"/history/{j}/drug", None, is_error))
        elif counts and vocab.resolve(h.drug).route in _NAMED_ROUTES_SYSTEMIC:
            # (A name that states a route no rule counts as systemic, Protopic, Restasis: rules.md
            # Terms, "not immunosuppressants for any rule"; a progression on it switched the phase.)
            progressed.add(hd)
            # regimen-format.md: the phase is progression when the ILD progressed on a prior ILD therapy
            # (history[] is prior ILD therapy, as the FHIR mapping reads it). A progression "on"
            # omeprazole switched the phase and so ILD201 off.
            if not progression and is_ild_therapy(hd):
                progression = True

    # test_index: canonical test -> result dates (None: ordered in this document). vocab.test()'s own
    # table of names as written first: the call only for a name it has not seen.
    test_index: dict[str, list[Optional[_dt.date]]] = {}
    # The tests that count (Regimen.test_counts), decided here, once per test the document has: ordered
    # in this document, or resulted within the test's look-back window before as_of.
    counted: Optional[set[str]] = set()  # None: left to test_counts (see below)
    default_window: Any = _UNSET  # lookback_days' default, read for the first dated test
    unstated: Optional[set[str]] = None  # Regimen.unstated_results
    seen_tests = vocab._test_cache
    for t in doc.tests:
        canonicals = seen_tests.get(t.test, _UNSET)
        if canonicals is _UNSET:
            canonicals = vocab.test(t.test)
        if not canonicals:
            continue
        if t.result is not None and _no_result_given(t.result, t.status == "ordered"):
            continue  # 'not done', 'cancelled', 'refused', 'QNS': no test was done (ILD408 reads it too)
        when = None if t.status == "ordered" else t.date
        stale = t.date if when is None and t.date is not None else None  # an order's own date, if it has one
        if when is not None and t.result is None:  # resulted, with no result stated
            if unstated is None:
                unstated = set()
            unstated.update(canonicals)
        for canonical in canonicals:
            if stale is not None and _stale_order(stale, as_of, lookback_days, canonical):
                continue
            dates = test_index.get(canonical)
            if dates is None:
                test_index[canonical] = [when]
            else:
                dates.append(when)
            if counted is None or canonical in counted:
                continue
            if when is None:
                counted.add(canonical)
                continue
            try:
                if default_window is _UNSET:
                    default_window = lookback_days.get("default", 90)
                window = lookback_days.get(canonical, default_window)
                age = (as_of - when).days
                if age >= 0 and (window is None or age <= window):
                    counted.add(canonical)
            except Exception:
                # What cannot be decided here (a datetime as_of from the settings, a window that is not
                # a number) is left to test_counts: it raises in the check that asks, an OL000 for that
                # rule, as before, rather than one for the whole document here.
                counted = None

    indication = doc.indication
    table = _by_tag(active)
    # Positional, in field order: a keyword call cost a measurable share of a document.
    reg = Regimen(
        doc,  # doc
        tuple(orders),  # orders
        as_of,  # as_of
        indication.phase or ("progression" if progression else "first-line"),  # phase
        indication.rapidly_progressive,  # rapidly_progressive
        weight,  # weight_kg
        bsa,  # bsa_m2
        reproductive,  # reproductive_potential
        frozenset(progressed) if progressed else _NO_DRUGS,  # progressed_on
        lookback_days if type(lookback_days) is MappingProxyType else MappingProxyType(lookback_days),  # lookback_days
        MappingProxyType(test_index) if test_index else _NO_AMOUNTS,  # test_index
        MappingProxyType({k: tuple(v) for k, v in unverifiable.items()}) if unverifiable else _NO_AMOUNTS,  # unverifiable
        _NO_AMOUNTS,  # options
        # _memo: the Regimen.active()/new() tables, filled here rather than in a second pass per document
        {"a": table, "n": table if all_new else _by_tag([o for o in active if o.status == "new"])},
    )
    reg._counted = counted
    reg._test_of = vocab.test
    reg._unstated = unstated if unstated is not None else _NO_TESTS
    return reg, unknown


def _stale_order(ordered_on: Any, as_of: Any, lookback_days: Mapping[str, Optional[int]], canonical: str) -> bool:
    """Whether a test ordered on a date longer ago than its look-back window before as_of: an order
    of 2019 is no screening now (regimen-format.md: `ordered` is part of this document, or pending),
    as a FHIR ServiceRequest authored so long ago is not (OL008 dropped-order). Or dated as far
    ahead (a test with no window: 90 days): a pregnancy test ordered for nine months on is no
    baseline test of a drug started now."""
    try:
        window = lookback_days.get(canonical, lookback_days.get("default", 90))
        age = (as_of - ordered_on).days
        if age < 0:
            return -age > (window if window is not None else _FARTHEST_AHEAD)
        return window is not None and age > window
    except Exception:  # a datetime as_of, a window that is not a number: decided where it is read
        return False


#: How far ahead an ordered test with no look-back window (TPMT, G6PD: any date) may be dated.
_FARTHEST_AHEAD = 90


#: rules.md Terms (Pulse): no infusion a premedication goes with is given more often than weekly
#: (rituximab 375 mg/m2 weekly is the most frequent; cyclophosphamide, rituximab, tocilizumab and IVIG
#: infusions are weekly to monthly). An IV order given more often (IV mycophenolate bid, azathioprine
#: daily) is a continuous treatment given by vein, with no premedication.
_RAREST_CONTINUOUS = 1 / 7


def _infusion_premedication(active: list[Order], pulse_min_pe: float = 250.0) -> None:
    """Keep ``purpose: premedication`` on an order of a checked drug only where it can be: a systemic
    glucocorticoid given with intermittent infusions and matched to them, in a dose no pulse is.
    Any other is judged as ``purpose: other`` (rules.md, "Premedication orders": left out of
    ILD201-ILD203, ILD302 and OL004 only as premedication). A premedication of a checked drug must be:

    - a systemic glucocorticoid (a second mycophenolate order labelled premedication is none);
    - given with an infusion: an active IV order of a checked drug that is neither a glucocorticoid nor
      a PCP agent (IV ondansetron, saline or mesna make no premedication), given intermittently: a
      single administration or at most weekly. An IV therapy given more often (IV mycophenolate bid,
      azathioprine daily) is no infusion a premedication goes with: a year of daily prednisone 60 mg
      labelled premedication beside open-ended IV CellCept bid passed every steroid check;
    - not given more often than the infusions together, nor daily (one dose with each infusion);
    - given at most as many times as the infusions can be counted: the administrations of those with a
      bounded count, and one for each open-ended one (a single premedication before its next
      infusion; a course of them needs a bounded infusion to match). The glucocorticoid premedications
      together, too (in count and in rate): else none of them keeps the label;
    - in a dose per administration that is not a pulse's: prednisone-equivalent per administration
      below the pulse threshold (rules.md Terms, Pulse), and known. Standard premedications are far
      below (methylprednisolone 100 mg = 125 mg, hydrocortisone 100 mg = 25 mg, dexamethasone 20 mg =
      133 mg): methylprednisolone 1 g IV q2w beside rituximab q2w, averaged to 89 mg a day, was no
      pulse, and as premedication no rule judged it.

    Unchecked co-medications (diphenhydramine) keep it: no rule reads it."""
    infusions = 0  # the infusions' administrations together (an open-ended one counts one)
    rate = 0.0  # the infusions' administrations per day together
    found = False
    for o in active:
        if o.route == "iv" and o.checked and "systemic-glucocorticoid" not in o.tags and "pcp-prophylaxis" not in o.tags:
            once = o.single or o.administrations == 1
            if not once and (o.per_day is None or o.per_day > _RAREST_CONTINUOUS + 1e-9):
                continue  # a continuous IV therapy, or one whose schedule is not known
            found = True
            rate += 0.0 if once or o.per_day is None else o.per_day
            infusions += 1 if o.administrations is None else o.administrations
    kept: list[Order] = []  # the glucocorticoid premedications that keep the label, each alone
    for o in active:
        if not (o.premedication and o.checked):
            continue
        keep = found and "systemic-glucocorticoid" in o.tags
        if keep:
            once = o.single or o.administrations == 1
            keep = (o.administrations is not None and o.administrations <= infusions
                    # given more often than the infusions (daily beside a monthly one), or daily
                    and (once or (o.per_day is not None and o.per_day <= rate + 1e-9 and o.per_day < 1.0))
                    # its dose per administration, in prednisone-equivalent, below a pulse's
                    and (pe := _pe_per_administration(o)) is not None and pe < pulse_min_pe)
        if not keep:
            o.premedication = False
            o.purpose = "other"
        elif "systemic-glucocorticoid" in o.tags:
            kept.append(o)
    if len(kept) > 1:
        # The glucocorticoid premedications together, too: five orders of methylprednisolone 199 mg with
        # each of two infusions are 995 mg a time. More of them than the infusions, or more often, and
        # which is the premedication is not known: each is judged as purpose other.
        count = sum(o.administrations or 0 for o in kept)
        often = sum(o.per_day or 0.0 for o in kept if not (o.single or o.administrations == 1))
        if count > infusions or often > rate + 1e-9:
            for o in kept:
                o.premedication = False
                o.purpose = "other"


def _pe_per_administration(o: Order) -> Optional[float]:
    """Prednisone-equivalent mg per administration of a systemic glucocorticoid order, rounded to 2
    decimals (rules.md Terms: PE is rounded before any comparison); None when not known. From the
    unrounded mg a day (the daily PE is rounded, and dividing it would round twice)."""
    if o.pe is None or o.per_day is None or o.drug is None or o.drug.pe_factor is None:
        return None
    mg = o.amounts.get(("mg", "day")) if o.amounts is not None else None
    return round(o.pe / o.per_day if mg is None else mg * o.drug.pe_factor / o.per_day, 2)


def _by_tag(orders: list[Order]) -> dict[Optional[str], tuple[Order, ...]]:
    """{None: every order, tag: the orders with that tag}, keys in the order they first appear."""
    table: dict[Optional[str], tuple[Order, ...]] = {None: tuple(orders)}
    get = table.get
    for o in orders:
        one = (o,)
        for tag in o.tags:
            table[tag] = get(tag, ()) + one
    return table


def _decide(
    o: Order, drug: Drug, od: OrderDoc, plan: Plan, weight: Optional[float], bsa: Optional[float],
    out: dict[int, list[tuple[str, str]]], name_route: Optional[str] = None, needs: Mapping[str, str] = _TO_MG_NEEDS,
) -> None:
    """Checked or not, needed amounts, daily PE and OL003 reasons of one active order of ``drug``
    (``o.drug``, known); ``name_route``: the route its name states ('Aczone': topical), if any."""
    tags = o.tags
    route = o.route
    if name_route is not None and route is not None and route != name_route:
        o.route_doubt = True
    checked, needed, fixed_reasons = plan._decided.get((drug.name, tags, route)) or plan.decide(drug, tags, route)
    if checked:
        o.checked = True
        reasons: list[tuple[str, str]] = []
        per_day, problem = o.per_day, o.amount_problem
        # What cannot be normalized is OL003 on an order of a checked drug (regimen-format.md); an
        # order no rule checks needs none of these values ("prn", "1 application": no finding).
        if route is None and od.route is not None:
            reasons.append((f"route {od.route!r} is not a known route", "/route"))
        elif name_route is not None and route is not None and route != name_route:
            # 'Aczone' (a topical gel) by mouth: which one is meant is not known. The route given
            # decides the checks, as before; the contradiction is said.
            reasons.append((f"route {od.route!r} contradicts its name {od.drug!r}, {'an' if name_route[0] in 'aeiou' else 'a'} {name_route} product", "/route"))
        if per_day is None and od.frequency is not None:
            reasons.append((unknown_frequency(o), "/frequency"))
        if problem is not None and problem[2]:
            reasons.append((problem[0], problem[1]))
        if o.course_problem is not None:
            reasons.append((o.course_problem, "/doses"))
        if not o.course_known and per_day is not None:
            if o.single and od.duration is None:
                course = f"frequency {od.frequency!r} is a single administration but doses is {od.doses}, so its course length is not known"
            else:
                course = "its course length is not a finite number of days"
            reasons.append((course, "/duration" if od.duration else "/doses"))
        if od.dose is None or od.unit is None or od.route is None or od.frequency is None:
            # One OL003 naming every missing value (regimen-format.md 2nd ed.).
            missing = tuple(f for f, v in (("dose", od.dose), ("unit", od.unit), ("route", od.route), ("frequency", od.frequency)) if v is None)
            o.missing = missing
            _add(reasons, f"{_join(missing)} {'is' if len(missing) == 1 else 'are'} missing", "")
        for fixed, suffix in fixed_reasons:
            _add(reasons, fixed, suffix)
        if needed:
            amounts: dict[tuple[str, str], Optional[float]] = {}
            for need in needed:  # (basis, per)
                basis, per = need
                # Written in the basis asked for and computing to a positive finite number: what
                # _amount() gives then, without the call; every other case is _amount()'s.
                if basis == o.basis and o.per_admin is not None:
                    if per != "day":
                        fast: Optional[float] = o.per_admin
                    else:
                        fast = None if per_day is None else o.per_admin * per_day
                    if fast is not None and _ROUNDS_TO_ZERO <= fast < math.inf:
                        amounts[need] = fast
                        continue
                v, why = _amount(o, basis, per, weight, bsa, needs)
                if v is not None and v < _ROUNDS_TO_ZERO:
                    # Limits compare amounts at 2 decimals, as messages print them (and rules.md rounds
                    # PE): one that rounds to 0 is a zero result (OL003), not a dose. 1e-320 mg bid was
                    # ILD502's "= 0 mg/day", an info.
                    v, why = None, (f"the {basis} {_PER_WORDS[per]} ({v:.3g} {basis}) rounds to 0 at 2 decimals", "/dose")
                amounts[need] = v
                # A value missing from the order is already named above.
                if why is not None and not (o.missing and _from_missing(o, why)):
                    _add(reasons, *why)
            o.amounts = MappingProxyType(amounts)
        if reasons:
            out[o.index] = reasons
    if drug.pe_factor is not None and "systemic-glucocorticoid" in tags:
        if o.amounts is not None and ("mg", "day") in o.amounts:
            mg = o.amounts[("mg", "day")]
        else:
            mg = _amount(o, "mg", "day", weight, bsa)[0]
        if mg is not None:
            pe = round(mg * drug.pe_factor, 2)
            if 0.0 < pe < math.inf:
                o.pe = pe
            else:
                # rules.md: PE is rounded to 2 decimals before any comparison, and an arithmetic
                # result that is zero or not finite is OL003. A dose whose PE rounds to 0 had none,
                # silently: no rule summed it, and nothing said so.
                o.pe = None
                if o.checked:
                    exact = mg * drug.pe_factor
                    said = (f"its daily prednisone-equivalent ({_num(mg)} mg/day x {drug.pe_factor:.4g} = {exact:.3g} mg) "
                            "rounds to 0 mg at 2 decimals" if math.isfinite(exact)
                            else "its daily prednisone-equivalent does not compute to a finite number of mg")
                    _add(out.setdefault(o.index, []), said, "/dose")


def _add(reasons: list[tuple[str, str]], why: str, suffix: str) -> None:
    if all(r[0] != why for r in reasons):
        reasons.append((why, suffix))


def _from_missing(o: Order, problem: tuple[str, str]) -> bool:
    return problem[0] in (_NO_DOSE, _NO_UNIT, _NO_FREQUENCY)


def _join(words: Iterable[str], last: str = "and") -> str:
    w = list(words)
    return w[0] if len(w) == 1 else f"{', '.join(w[:-1])} {last} {w[-1]}"


#: The least of each PCP prophylaxis agent that is prophylaxis, in mg a week, and the regimen that
#: says so (clinical-facts.md R11 and section 3a, sources S17-S19): co-trimoxazole one double-strength
#: tablet (160 mg trimethoprim) three times a week, read as trimethoprim, its smaller part (a dose in
#: mg of sulfamethoxazole, or of both, is more), or 3 tablets a week; dapsone 200 mg weekly (with
#: pyrimethamine); atovaquone 1500 mg a day; pentamidine 300 mg monthly. Less is no protection: a
#: milligram of atovaquone a day cleared ILD301 beside cyclophosphamide.
_PCP_LEAST_A_WEEK: Mapping[str, tuple[float, str]] = MappingProxyType({
    "sulfamethoxazole-trimethoprim": (480.0, "the least regimen is one double-strength tablet, 160 mg trimethoprim, "
                                             "three times a week"),
    "dapsone": (200.0, "the least regimen is 200 mg a week, with pyrimethamine"),
    "atovaquone": (10500.0, "the regimen is 1500 mg a day"),
    "pentamidine": (300 * 7 / 31, "the regimen is 300 mg inhaled monthly"),
})
_PCP_LEAST_TABLETS_A_WEEK = {"sulfamethoxazole-trimethoprim": 3.0}
#: The least trimethoprim a mL of co-trimoxazole oral suspension holds (240 mg in 5 mL: 40 mg of
#: sulfamethoxazole and 8 of trimethoprim a mL, as ILD301's notes read the suspension per mL).
_PCP_LEAST_PER_ML = {"sulfamethoxazole-trimethoprim": 8.0}
#: The routes a PCP agent protects by (clinical-facts.md section 3a and section 6): co-trimoxazole by
#: mouth (and IV, its injectable form), dapsone and atovaquone by mouth (dapsone's other product,
#: Aczone, is a topical gel), pentamidine inhaled or by injection (NebuPent; Pentam 300 IV/IM).
_PCP_ROUTES: Mapping[str, frozenset[str]] = MappingProxyType({
    "sulfamethoxazole-trimethoprim": frozenset({"oral", "iv"}),
    "dapsone": frozenset({"oral"}),
    "atovaquone": frozenset({"oral"}),
    "pentamidine": frozenset({"inhaled", "iv", "im"}),
})
#: Pentamidine by injection (IV or IM): about 4 mg/kg monthly (clinical-facts.md section 3a, tag U).
_PENTAMIDINE_IV_MG_PER_KG = 4.0
#: Drugs whose one tablet is written by several figures (clinical-facts.md section 3a): co-trimoxazole
#: DS is 160 mg (trimethoprim), 800 mg (sulfamethoxazole) or 960 mg (both); a strength of any of
#: them agrees with the trimethoprim one a name prints ('Bactrim DS', 'SMX-TMP 400-80 mg').
_WRITTEN_AS_PARTS = {"sulfamethoxazole-trimethoprim": (5.0, 6.0)}


def _least_trimethoprim(admin_mg: Optional[float], o: Order) -> float:
    """The least share of trimethoprim a co-trimoxazole figure in mg can mean (clinical-facts.md
    section 3a: written as trimethoprim, 80 or 160 mg, or as the pair, 400/80 or 800/160, and in
    some countries as the whole, 480 or 960 mg): a figure of a multiple of 120 may be the whole
    (1/6 trimethoprim: 960, 480, and the 240 mg of the suspension's 5 mL), of 100 sulfamethoxazole
    (1/5: 800, 400, the suspension's 200 and the paediatric tablet's 100); any other is
    trimethoprim. The figure is the dose, or for tablets their strength; per mL, 48 and 40 mg (the
    suspension's 240 and 200 mg in 5 mL). Read as trimethoprim, co-trimoxazole 960 mg once a week
    passed as 960 mg of trimethoprim, six times the regimen's least, and 240 mg (40 mg of it) three
    times a week as prophylaxis."""
    if admin_mg is None or o.basis in ("mg/kg", "mg/m2"):
        return 1.0  # a dose by weight or surface is written as trimethoprim (5 mg/kg)
    unit = (o.unit_text or "").strip().lower()
    figure = admin_mg
    per_ml = False
    if o.dose and (unit in COUNT_UNITS or unit in _TABLET_UNITS):
        figure = admin_mg / o.dose  # per tablet (or capsule, mL) when the dose counts them
        per_ml = COUNT_UNITS.get(unit) == "mL"
    share = 1.0
    for whole, part in (((40.0, 1 / 5), (48.0, 1 / 6)) if per_ml else ((100.0, 1 / 5), (120.0, 1 / 6))):
        n = figure / whole
        if n >= 1 - 1e-9 and abs(n - round(n)) < 1e-9:
            share = min(share, part)
    return share


#: The tablet units of COUNT_UNITS, and spellings a prescriber writes that it does not read.
_TABLET_UNITS = frozenset({u for u, piece in COUNT_UNITS.items() if piece == "tablet"}
                          | {"tabs", "tbl", "{tbl}", "ds tablet", "ss tablet"})

#: No prophylaxis schedule is rarer than monthly (aerosolized pentamidine 300 mg every 4 weeks or
#: monthly, clinical-facts.md R11): an order given less often protects nothing between doses.
_RAREST_PROPHYLAXIS = 1 / 31

_NO_DOSE = "no dose is given"
_NO_UNIT = "no unit is given"
_NO_FREQUENCY = "no frequency is given"
_NO_DOSE_PROBLEM = (_NO_DOSE, "", False)
_NO_UNIT_PROBLEM = (_NO_UNIT, "", False)
_NO_TAGS: frozenset[str] = frozenset()


def _order(i: int, od: OrderDoc, drug: Optional[Drug], vocab: Vocabulary) -> Order:
    frequency = od.frequency
    per_day: Optional[float]
    frequency_text: Optional[str]
    freq_problem: Optional[str] = None
    fast = _FREQUENCY_TEXTS.get(frequency) if type(frequency) is str else None
    if fast is not None:
        per_day, single, frequency_text = fast
    else:
        per_day, single = parse_frequency(frequency)
        if frequency is None:
            frequency_text, freq_problem = None, _NO_FREQUENCY
        elif isinstance(frequency, str):
            frequency_text = repr(frequency)
        else:
            frequency_text = "(structured)"
            if per_day is None:
                freq_problem = "the structured frequency does not give a positive, finite number of administrations per day"
    route_text = od.route
    route: Optional[str]
    if route_text is not None:
        route = _ROUTES_AS_WRITTEN.get(route_text) or _route(route_text)
    elif drug is not None:
        # A name that states its route ('Aczone' is dapsone gel, '... Topical Ointment') decides it: read
        # as systemic, dapsone gel would count as PCP prophylaxis and hide ILD301.
        route = vocab.resolve(od.drug).route
    else:
        route = None
    dose, unit = od.dose, od.unit
    basis: Optional[str] = None
    per_admin: Optional[float] = None
    problem: Optional[tuple[str, str, bool]] = None
    if dose is None:
        problem = _NO_DOSE_PROBLEM
    elif unit is None:
        problem = _NO_UNIT_PROBLEM
    else:
        piece: Optional[str] = None
        mass = _UNITS_AS_WRITTEN.get(unit)
        if mass is None:
            piece = _PIECES_AS_WRITTEN.get(unit)
            if piece is None:
                mass, piece = read_unit(unit)
        if mass is not None:
            basis, factor = mass
            per_admin = dose * factor
        elif piece is not None:
            basis, per_admin, problem = _pieces(od, dose, piece, drug, vocab)
        else:
            problem = (f"unit {unit!r} is not a known unit", "/unit", True)

    # Course length: duration, else doses x interval, else open-ended.
    course: Optional[float]
    course_known = True
    administrations: Optional[int] = None
    duration, doses = od.duration, od.doses
    course_problem: Optional[str] = None
    if duration is not None:
        course = duration.value * PERIOD_DAYS[duration.unit]
        if not math.isfinite(course):
            course, course_known = None, False  # beyond any calendar: cannot be judged (OL003)
        if doses is not None:
            administrations = doses
            if not single and per_day is not None and course is not None and doses > starts_within(course, per_day):
                # More doses than the duration holds (365 daily doses in 30 days): the longer course is
                # judged (taking the duration passed a year of daily prednisone), and the clash is said.
                longer = doses / per_day
                if math.isfinite(longer):
                    course_problem = (f"doses {doses} at frequency {frequency_text} take {_num(longer)} days, more "
                                      f"than its duration of {_num(course)} days")
                    course = longer
        elif single:
            administrations = 1
        elif per_day is not None and course is not None and math.isfinite(course * per_day):
            # Every administration that starts within the course: daily for 3.5 days is days 0-3, four.
            administrations = starts_within(course, per_day)
    elif doses is not None:
        administrations = doses
        if single:
            # A single administration given as several doses is a contradiction: read as one day,
            # 365 daily doses of prednisone passed the long-term check. Unknown instead (OL003).
            course, course_known = (1.0, True) if doses == 1 else (None, False)
        elif per_day is not None:
            course = doses / per_day
            if not math.isfinite(course):
                course, course_known = None, False
        else:
            course, course_known = None, False
    elif single:
        course, administrations = 1.0, 1
    else:
        course = None  # open-ended
    purpose = od.purpose
    premedication = False
    if purpose == "premedication":
        # rules.md 2nd ed.: a premedication order needs a course that is not open-ended; an open-ended
        # one (or one whose course cannot be computed) is judged as purpose: other.
        premedication = course_known and course is not None
        if not premedication:
            purpose = "other"
    if per_admin is not None and not 0.0 < per_admin < math.inf:
        per_admin, problem = None, ("the dose does not compute to a positive finite number of mg", "/dose", False)
    if drug is None:
        tags = _NO_TAGS
    elif route is None or route in SYSTEMIC_ROUTES:
        tags = drug.tags
    else:
        tags = drug.tags_for_route(route)
    # Positional, in field order (index, ref, drug_text, ... tags): a keyword call of 22 fields cost a
    # measurable share of normalizing an order.
    o = Order(
        i,  # index
        od.id if od.id is not None else str(i),  # ref
        od.drug,  # drug_text
        drug,  # drug
        od.status,  # status
        purpose,  # purpose
        premedication,  # premedication
        route,  # route
        dose,  # dose
        unit,  # unit_text
        per_day,  # per_day
        single,  # single
        basis,  # basis
        per_admin,  # per_admin
        problem,  # amount_problem
        frequency_text,  # frequency_text
        freq_problem,  # frequency_problem
        course,  # course_days
        course_known,  # course_known
        administrations,  # administrations
        doses,  # doses
        tags,  # tags
    )
    if course_problem is not None:
        o.course_problem = course_problem
    return o


def starts_within(course: float, per_day: float) -> int:
    """Administrations that start within ``course`` days at ``per_day`` a day (at least one)."""
    return max(1, math.ceil(course * per_day - 1e-9))


def _mass_per(unit: str, piece: str) -> Optional[float]:
    """mg per unit of a strength unit written per piece ('mg', 'mg/tablet', 'g/mL'), or None."""
    u = clean_name(unit).replace(" ", "")
    if u.split("/")[-1] in (piece.lower(), "tab", "cap", "ml", "tablet", "capsule"):
        u = u.split("/")[0]
    return _MASS.get(u)


def _pieces(od: OrderDoc, dose: float, piece: str, drug: Optional[Drug], vocab: Vocabulary) -> tuple[Optional[str], Optional[float], Optional[tuple[str, str, bool]]]:
    """(basis, mg per administration, problem) for a dose counted in tablets, capsules or mL."""
    printed = _printed_strength(od.drug, piece, vocab) if drug is not None else None
    if od.strength is None:
        if printed is not None:  # the product description prints the strength (regimen-format.md 2nd ed.)
            return "mg", dose * printed, None
        # Only a problem when a check needs the amount (a dose-checked drug).
        return None, None, (f"a {piece} dose needs `strength` (mg per {piece})", "/unit", False)
    per_piece = _MASS_PER_AS_WRITTEN.get((od.strength.unit, piece)) or _mass_per(od.strength.unit, piece)
    if per_piece is None:
        return None, None, (f"strength unit {od.strength.unit!r} is not a mass per {piece}", "/strength/unit", True)
    mg = od.strength.value * per_piece
    if printed is not None and not math.isclose(mg, printed, rel_tol=1e-9) and not (
            drug is not None and drug.name in _WRITTEN_AS_PARTS and any(
                math.isclose(mg, printed * k, rel_tol=1e-9) for k in _WRITTEN_AS_PARTS[drug.name])):
        return None, None, (
            f"strength {_num(od.strength.value)} {od.strength.unit} disagrees with the {_num(printed)} mg per {piece} "
            f"printed in {od.drug!r}", "/strength", True,
        )
    return "mg", dose * mg, None


def _printed_strength(text: str, piece: str, vocab: Vocabulary) -> Optional[float]:
    """mg per ``piece`` printed in a product description, when it is per that piece."""
    printed = vocab.resolve(text).printed_strength
    if printed is None:
        return None
    value, unit, per = printed
    per = clean_name(per)
    if piece == "mL" and per != "ml":
        return None
    if piece in ("tablet", "capsule") and per not in ("tablet", "capsule"):
        return None
    factor = _MASS.get(clean_name(unit))
    return None if factor is None else value * factor


#: (strength unit as written, piece) -> mg per unit, computed with _mass_per() (see _ROUTES_AS_WRITTEN).
_MASS_PER_AS_WRITTEN = {
    (v, piece): mg
    for v in _as_written([*_MASS, *(f"{m}/{p}" for m in ("mg", "g", "mcg") for p in ("tablet", "tab", "capsule", "cap", "ml", "mL"))])
    for piece in set(COUNT_UNITS.values()) for mg in [_mass_per(v, piece)] if mg is not None
}


def unknown_drug(vocab: Vocabulary, text: str, checked: frozenset[str], what: str = "order",
                 rxcui: Optional[str] = None, route: Optional[str] = None) -> tuple[str, bool]:
    """(OL002 message, is an error): an error when the text is likely a misspelling of a checked
    drug, names one with other words (by a systemic or missing ``route``, the order's), or comes
    with a known rxcui of one (Vocabulary.unknown_drug)."""
    return vocab.unknown_drug(text, checked, what, rxcui, route)


def rxcui_conflict(vocab: Vocabulary, rxcui: str, drug: Drug, checked: frozenset[str]) -> Optional[tuple[str, bool]]:
    """(OL002 message, is an error) when the code is known (V or V2) for a *different* ingredient;
    product-level and unverified codes are no contradiction (the vocabulary decides)."""
    other_name = vocab.rxcui_conflict(rxcui, drug)
    if other_name is None:
        return None
    other_drug = vocab.drug(other_name)
    is_error = not drug.tags.isdisjoint(checked) or (other_drug is not None and not other_drug.tags.isdisjoint(checked))
    return f"rxcui {rxcui} is {other_name}, but drug names {drug.name}: the order is ambiguous", is_error
