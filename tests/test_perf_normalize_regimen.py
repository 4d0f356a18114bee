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
import math
import random
from types import MappingProxyType
from typing import Any, Iterator, Optional
import dataclasses

import pytest

from orderlint import normalize as N
from orderlint.engine import Linter
from orderlint.validate import validate
from regimen_factory import generated_documents as _generated



_STATUSES = ("new", "active", "on-hold", "stopped")
_TEST_SPELLINGS = ("CBC", " cbc ", "Hepatic Panel", "cmp", "CMP", "egfr", "U&E", "hbsag", "ct chest", "PFT", "fbc")
_FREQUENCIES = ("bid", "BID", "b.i.d.", "q8h", "Q12H", "q7h", "q0h", "q200h", "once", "stat", "weekly", "every other day",
                "prn", "qod", {"frequency": 3, "period": 1, "period_unit": "wk"}, {"frequency": 1, "period": 2, "period_unit": "mo"})
_ROUTES = ("oral", "PO", "p.o.", "iv", "IV", "Subcutaneous", "topical", "inhaled", "nasal", "sublingual", "by mouth")
_DRUGS = ("mycophenolate", "CellCept", "Aczone", "tacrolimus 0.1 % Topical Ointment", "dapsone", "Bactrim DS",
          "mycophenolate mofetil 500 MG Oral Tablet", "prednisone 5 mg tablet", "unknownium", "Solu-Medrol",
          "methylprednisolone", "cyclophosphamide", "azathioprine", "rituximab-abbs", "pentamidine")
_STRENGTH_UNITS = ("mg", "MG", "g", "mcg", "mg/tablet", "MG/TAB", "mg/mL", "mg / ml", "g/capsule", "mg/dose", "units", "%")
_UNITS = ("mg", "g", "mcg", "mg/kg", "mg/m2", "mg/m²", "MG", "tablet", "tablets", "mL", "units", "mg / kg")


def _mutations(data: dict, rng: random.Random) -> Iterator[dict]:
    """The document, then copies with other statuses, history, tests and order fields."""
    yield data
    d = copy.deepcopy(data)
    for o in d.get("orders", []):
        if isinstance(o, dict):
            o["status"] = rng.choice(_STATUSES)
    if rng.random() < 0.5:
        d["history"] = [{"drug": rng.choice(("rituximab", "mycophenolate mofetil", "not-a-drug", "Imuran", "omeprazole", "prednisone")),
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
            if rng.random() < 0.15:
                o["drug"] = rng.choice(_DRUGS)
            if rng.random() < 0.15:
                o["unit"] = rng.choice(("tablet", "Tablets", "TAB", "mL", "ml", "capsule"))
                if rng.random() < 0.8:
                    o["strength"] = {"value": rng.choice((5, 250, 500, 0.5)),
                                     "unit": rng.choice(_STRENGTH_UNITS)}
            if rng.random() < 0.1:  # amounts that overflow or underflow
                o["dose"] = rng.choice((1e308, 9e307, 5e-324, 1e-310))
    yield d
    d = copy.deepcopy(data)  # premedication beside infusions (normalize._infusion_premedication)
    for o in d.get("orders", []):
        if isinstance(o, dict) and rng.random() < 0.5:
            o["purpose"] = "premedication"
            o["route"] = rng.choice(("iv", "oral", o.get("route", "iv")))
            o["frequency"] = rng.choice(("once", "q2w", "weekly", "daily", "bid", "q4w", o.get("frequency", "once")))
            if rng.random() < 0.5:
                o["doses"] = rng.choice((1, 2, 6, 52))
    yield d


def _documents(seed: int, count: int, patients: bool = False) -> Iterator[Any]:
    """Validated generated documents and their mutations; with ``patients``, also each with other
    patients (amounts in mg/kg and mg/m2 depend on the weight and the BSA)."""
    linter = _linter()
    rng = random.Random(seed)
    for data in _generated(seed, count):
        for d in _mutations(data, rng):
            reg, _ = validate(d, linter.vocab)
            if reg is None:
                continue
            yield reg
            if patients and isinstance(d.get("patient"), dict) and rng.random() < 0.3:
                for change in ({"weight_kg": 37.5, "height_cm": 150}, {"weight_kg": 123, "bsa_m2": 2.4}, {"height_cm": 170}):
                    other = copy.deepcopy(d)
                    other["patient"].update(change)
                    if "weight_kg" not in change:
                        other["patient"].pop("weight_kg", None)
                    reg, _ = validate(other, linter.vocab)
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
    fresh = dataclasses.replace(reg, _memo={}, _counts={})
    assert fresh._by_tag("a") == a and fresh._by_tag("n") == n

    index = _plain_test_index(doc, vocab)
    assert dict(reg.test_index) == index
    assert type(reg.test_index) is MappingProxyType
    assert all(type(v) is list for v in reg.test_index.values())
    # The tests resulted with no result stated (ILD408 reads them as 'done'), decided here, and the
    # same read from the document by a Regimen built otherwise.
    unstated = {c for t in doc.tests if t.status != "ordered" and t.result is None for c in vocab.test(t.test) or ()}
    assert set(reg.unstated_results) == unstated
    copied = dataclasses.replace(reg, _memo={}, _counts={})
    copied._test_of = vocab.test
    assert copied._unstated is None and set(copied.unstated_results) == unstated

    progressed = frozenset(d for h in doc.history if h.outcome == "progression" for d in [vocab.drug(h.drug)] if d is not None)
    assert reg.progressed_on == progressed and type(reg.progressed_on) is frozenset
    # regimen-format.md: progression when the ILD progressed on a prior ILD therapy (an unknown drug, or
    # one of no ILD therapy, says nothing of the ILD's phase).
    plain_phase = doc.indication.phase or ("progression" if any(
        h.outcome == "progression" and d is not None and not N.ILD_THERAPY_CLASSES.isdisjoint(d.tags)
        for h in doc.history for d in [vocab.drug(h.drug)]) else "first-line")
    assert reg.phase == plain_phase
    assert reg.orders == tuple(reg.orders) and [o.index for o in reg.orders] == list(range(len(doc.orders)))
    assert all(type(v) is tuple for v in reg.unverifiable.values())
    assert reg.options == {} and reg.as_of == (doc.as_of or dt.date(2026, 11, 30))
    assert [u[2] for u in unknown if u[2] is not None] == sorted(u[2] for u in unknown if u[2] is not None)
    names = [*vocab.tests, *index, "not-a-test"]
    for lookback in _LOOKBACKS:
        r = reg if lookback is None else dataclasses.replace(reg, lookback_days=MappingProxyType(lookback), _counts={})
        for name in names:
            assert r.test_counts(name) == _test_counts_reference(r, name), (name, lookback)
        assert r.missing_tests(names) == [n for n in names if not _test_counts_reference(r, n)]


_LOOKBACKS: list[Optional[dict[str, Optional[int]]]] = [None, {}, {"default": 0}, {"default": None}, {"default": 30, "hrct": None, "pft": 400, "cbc": 0},
              {"lft": 10_000_000}]


def _test_counts_reference(reg: Any, name: str) -> bool:
    """Regimen._test_counts of 07a3fec."""
    window = reg.lookback_days.get(name, reg.lookback_days.get("default", 90))
    for resulted_on in reg.test_index.get(name, ()):
        if resulted_on is None:  # ordered in this document
            return True
        age = (reg.as_of - resulted_on).days
        if age >= 0 and (window is None or age <= window):
            return True
    return False


@pytest.mark.slow
def test_regimen_tables_index_and_phase_match_their_plain_definitions() -> None:
    count = 0
    for doc in _documents(11, 1200):
        _check_regimen(doc)
        count += 1
    assert count > 2500  # the generated mix and its mutations, nearly all valid


def test_tables_share_one_dict_only_when_every_active_order_is_new() -> None:
    linter = _linter()
    base: dict[str, Any] = {"id": "t", "kind": "order-set", "indication": {"condition": "ssc-ild"},
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


# ---------------------------------------------------------------------------- orders
# The order normalization of orderlint 07a3fec, verbatim but for the module prefix: the reference
# the faster _order() (tables of common spellings) and _decide() (Plan.decide) are compared with.

def _order_reference(i: int, od: Any, drug: Any, vocab: Any) -> Any:
    per_day, single = N.parse_frequency(od.frequency)
    freq_problem: Optional[str] = None
    if od.frequency is None:
        freq_problem = N._NO_FREQUENCY
    elif per_day is None and not isinstance(od.frequency, str):
        freq_problem = "the structured frequency does not give a positive, finite number of administrations per day"
    route = None if od.route is None else (N.ROUTES.get(od.route) or N.ROUTES.get(N.clean_name(od.route)))
    if od.route is None and drug is not None:
        # A name that states its route ('Aczone' is dapsone gel, '... Topical Ointment') decides it: read
        # as systemic, dapsone gel would count as PCP prophylaxis and hide ILD301.
        route = vocab.resolve(od.drug).route
    basis: Optional[str] = None
    per_admin: Optional[float] = None
    problem: Optional[tuple[str, str, bool]] = None
    if od.dose is None:
        problem = (N._NO_DOSE, "", False)
    elif od.unit is None:
        problem = (N._NO_UNIT, "", False)
    else:
        unit_key = od.unit if od.unit in N.UNITS else N.clean_name(od.unit).replace(" ", "")
        if unit_key in N.UNITS:
            basis, factor = N.UNITS[unit_key]
            per_admin = od.dose * factor
        elif unit_key in N.COUNT_UNITS:
            piece = N.COUNT_UNITS[unit_key]
            basis, per_admin, problem = _pieces_reference(od, od.dose, piece, drug, vocab)
        else:
            problem = (f"unit {od.unit!r} is not a known unit", "/unit", True)

    # Course length: duration, else doses x interval, else open-ended.
    course: Optional[float]
    course_known = True
    administrations: Optional[int] = None
    course_problem = None
    if od.duration is not None:
        course = od.duration.value * N.PERIOD_DAYS[od.duration.unit]
        if not math.isfinite(course):
            course, course_known = None, False  # beyond any calendar: cannot be judged (OL003)
        if od.doses is not None:
            administrations = od.doses
            if not single and per_day is not None and course is not None and od.doses > max(1, math.ceil(course * per_day - 1e-9)):
                longer = od.doses / per_day
                if math.isfinite(longer):
                    course_problem = (f"doses {od.doses} at frequency {repr(od.frequency) if isinstance(od.frequency, str) else '(structured)'} take {N._num(longer)} days, more "
                                      f"than its duration of {N._num(course)} days")
                    course = longer
        elif single:
            administrations = 1
        elif per_day is not None and course is not None and math.isfinite(course * per_day):
            administrations = max(1, math.ceil(course * per_day - 1e-9))
    elif od.doses is not None:
        administrations = od.doses
        if single:
            course, course_known = (1.0, True) if od.doses == 1 else (None, False)
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
    # Positional, in field order (index, ref, drug_text, ... tags): a keyword call of 22 fields cost a
    # measurable share of normalizing an order.
    o = N.Order(
        i,  # index
        od.id if od.id is not None else str(i),  # ref
        od.drug,  # drug_text
        drug,  # drug
        od.status,  # status
        purpose,  # purpose
        premedication,  # premedication
        route,  # route
        od.dose,  # dose
        od.unit,  # unit_text
        per_day,  # per_day
        single,  # single
        basis,  # basis
        per_admin,  # per_admin
        problem,  # amount_problem
        None if od.frequency is None else (repr(od.frequency) if isinstance(od.frequency, str) else "(structured)"),  # frequency_text
        freq_problem,  # frequency_problem
        course,  # course_days
        course_known,  # course_known
        administrations,  # administrations
        od.doses,  # doses
        frozenset() if drug is None else drug.tags if route is None or route in N.SYSTEMIC_ROUTES else drug.tags_for_route(route),  # tags
    )
    o.course_problem = course_problem
    return o


def _route_without_limit(plan: Any, drug: Any, route: Optional[str]) -> tuple[tuple[str, str], ...]:
    """The OL003 reason of a systemic route that no dose limit of ``drug``'s own covers, written
    out from the rules' needs."""
    if route is None or route not in N.SYSTEMIC_ROUTES:
        return ()
    own = [n for n in plan.needs if drug.name in n.tags]
    if not own or any(n.routes is None for n in own):
        return ()
    routes = sorted({r for n in own for r in n.routes})
    if route in routes:
        return ()
    return ((f"no dose limit is known for {drug.name} by route {route!r} (only by {N._join(routes, 'or')})", "/route"),)


def _decide_reference(
    o: Any, drug: Any, od: Any, plan: Any, weight: Optional[float], bsa: Optional[float],
    out: dict[int, list[tuple[str, str]]], name_route: Optional[str] = None,
) -> None:
    """Checked or not, needed amounts, daily PE and OL003 reasons of one active order of ``drug``
    (``o.drug``, known)."""
    tags = o.tags
    route = o.route
    o.route_doubt = name_route is not None and route is not None and route != name_route
    # An unknown route is read as systemic (rules.md Terms), so a drug a rule names is checked then.
    if route is None or route in N.SYSTEMIC_ROUTES:
        checked = not tags.isdisjoint(plan.checked)
    else:
        checked = plan.is_checked(drug, tags, route)
    if checked:
        o.checked = True
        reasons: list[tuple[str, str]] = []
        # What cannot be normalized is OL003 on an order of a checked drug (regimen-format.md); an
        # order no rule checks needs none of these values ("prn", "1 application": no finding).
        if route is None and od.route is not None:
            reasons.append((f"route {od.route!r} is not a known route", "/route"))
        elif name_route is not None and route is not None and route != name_route:
            reasons.append((f"route {od.route!r} contradicts its name {od.drug!r}, {'an' if name_route[0] in 'aeiou' else 'a'} {name_route} product", "/route"))
        if o.course_problem is not None:
            reasons.append((o.course_problem, "/doses"))
        if o.per_day is None and od.frequency is not None:
            reasons.append((N.unknown_frequency(o), "/frequency"))
        if o.amount_problem is not None and o.amount_problem[2]:
            reasons.append((o.amount_problem[0], o.amount_problem[1]))
        if not o.course_known and o.per_day is not None:
            if o.single and od.duration is None:
                why = f"frequency {od.frequency!r} is a single administration but doses is {od.doses}, so its course length is not known"
            else:
                why = "its course length is not a finite number of days"
            reasons.append((why, "/duration" if od.duration else "/doses"))
        if od.dose is None or od.unit is None or od.route is None or od.frequency is None:
            # One OL003 naming every missing value (regimen-format.md 2nd ed.).
            missing = tuple(f for f, v in (("dose", od.dose), ("unit", od.unit), ("route", od.route), ("frequency", od.frequency)) if v is None)
            o.missing = missing
            N._add(reasons, f"{N._join(missing)} {'is' if len(missing) == 1 else 'are'} missing", "")
        if plan.class_names:
            salts = plan.class_names.get(drug.name)
            if salts:
                N._add(reasons, f"the form is not given ({drug.name} could be {N._join(salts, 'or')}), and their dose limits differ", "/drug")
        for why, suffix in _route_without_limit(plan, drug, route):
            N._add(reasons, why, suffix)
        needed = plan.needed(tags, route)
        if needed:
            amounts: dict[tuple[str, str], Optional[float]] = {}
            for basis, per in needed:
                v, problem = _amount_reference(o, basis, per, weight, bsa)
                if v is not None and round(v, 2) == 0:  # limits compare amounts at 2 decimals
                    v, problem = None, (f"the {basis} {N._PER_WORDS[per]} ({v:.3g} {basis}) rounds to 0 at 2 decimals", "/dose")
                amounts[(basis, per)] = v
                # A value missing from the order is already named above.
                if problem is not None and not (o.missing and N._from_missing(o, problem)):
                    N._add(reasons, *problem)
            o.amounts = MappingProxyType(amounts)
        if reasons:
            out[o.index] = reasons
    if drug.pe_factor is not None and "systemic-glucocorticoid" in tags:
        if o.amounts is not None and ("mg", "day") in o.amounts:
            mg = o.amounts[("mg", "day")]
        else:
            mg = _amount_reference(o, "mg", "day", weight, bsa)[0]
        if mg is not None:
            pe = round(mg * drug.pe_factor, 2)
            o.pe = pe if 0.0 < pe < math.inf else None
            if o.pe is None and o.checked:  # rules.md OL003: a result that is zero or not finite
                exact = mg * drug.pe_factor
                said = (f"its daily prednisone-equivalent ({N._num(mg)} mg/day x {drug.pe_factor:.4g} = {exact:.3g} mg) "
                        "rounds to 0 mg at 2 decimals" if math.isfinite(exact)
                        else "its daily prednisone-equivalent does not compute to a finite number of mg")
                N._add(out.setdefault(o.index, []), said, "/dose")



def _amount_reference(o: Any, basis: str, per: str, weight: Optional[float], bsa: Optional[float]) -> tuple[Optional[float], Optional[tuple[str, str]]]:
    """-> (amount or None, (why, pointer suffix) when it cannot be computed). Pure."""
    if o.per_admin is None or o.basis is None:
        return None, ((o.amount_problem[0], o.amount_problem[1]) if o.amount_problem else ("its amount is unknown", "/dose"))
    v = o.per_admin
    if o.basis != basis:
        to_mg: dict[str, Optional[float]] = {"mg": 1.0, "mg/kg": weight, "mg/m2": bsa}
        f_in, f_out = to_mg[o.basis], to_mg[basis]
        if f_in is None or f_out is None:
            missing = o.basis if f_in is None else basis
            return None, (f"converting {o.basis} to {basis} needs {N._TO_MG_NEEDS[missing]}", "/unit")
        v = v * f_in / f_out
    if per == "day":
        if o.per_day is None:
            return None, (N.unknown_frequency(o), "/frequency")
        v = v * o.per_day
    # Overflow, underflow or inf x 0: an amount that is not a positive finite number is unknown,
    # never a dose of zero, and is never printed (no "inf mg/day" in any message).
    if not (0.0 < v < math.inf):
        return None, (f"the {basis} {N._PER_WORDS[per]} does not compute to a positive finite number", "/dose")
    return v, None


def _mass_per_reference(unit: str, piece: str) -> Optional[float]:
    """mg per unit of a strength unit written per piece ('mg', 'mg/tablet', 'g/mL'), or None."""
    u = N.clean_name(unit).replace(" ", "")
    if u.split("/")[-1] in (piece.lower(), "tab", "cap", "ml", "tablet", "capsule"):
        u = u.split("/")[0]
    return N._MASS.get(u)


def _pieces_reference(od: Any, dose: float, piece: str, drug: Any, vocab: Any) -> tuple[Optional[str], Optional[float], Optional[tuple[str, str, bool]]]:
    """(basis, mg per administration, problem) for a dose counted in tablets, capsules or mL."""
    printed = N._printed_strength(od.drug, piece, vocab) if drug is not None else None
    if od.strength is None:
        if printed is not None:  # the product description prints the strength (regimen-format.md 2nd ed.)
            return "mg", dose * printed, None
        # Only a problem when a check needs the amount (a dose-checked drug).
        return None, None, (f"a {piece} dose needs `strength` (mg per {piece})", "/unit", False)
    per_piece = _mass_per_reference(od.strength.unit, piece)
    if per_piece is None:
        return None, None, (f"strength unit {od.strength.unit!r} is not a mass per {piece}", "/strength/unit", True)
    mg = od.strength.value * per_piece
    if printed is not None and not math.isclose(mg, printed, rel_tol=1e-9):
        return None, None, (
            f"strength {N._num(od.strength.value)} {od.strength.unit} disagrees with the {N._num(printed)} mg per {piece} "
            f"printed in {od.drug!r}", "/strength", True,
        )
    return "mg", dose * mg, None


_FIELDS = [f for f in N.Order.__dataclass_fields__]


def _reference_orders(doc: Any, linter: Linter, weight: Optional[float], bsa: Optional[float]) -> tuple[list, dict]:
    vocab, plan = linter.vocab, linter._plan
    out: dict = {}
    orders = []
    as_of = doc.as_of or dt.date(2026, 11, 30)
    for i, od in enumerate(doc.orders):
        drug = vocab.drug(od.drug)
        if drug is not None and isinstance(od.route, str):  # by a route that makes it another ingredient
            other = dict(drug.by_route).get(N._route(od.route))
            if other is not None:
                drug = vocab.drugs[other]
        if od.status not in ("on-hold", "stopped") and drug is not None and od.rxcui is not None:
            if N.rxcui_conflict(vocab, od.rxcui, drug, plan.checked):
                drug = None
        o = _order_reference(i, od, drug, vocab)
        if drug is not None and o.active:
            _decide_reference(o, drug, od, plan, weight, bsa, out, vocab.resolve(od.drug).route)
            if (o.route is not None and o.route not in N.SYSTEMIC_ROUTES
                    and drug.tags & plan.checked and o.route not in vocab.product_routes(drug.name)):
                if drug.pe_factor is None:
                    out.setdefault(i, []).append((
                        f"route {od.route!r} is not a route {drug.name} is given by (no {o.route} product of it is known), "
                        "so no rule checks it as ordered", "/route"))
                else:  # a glucocorticoid: only a dose in mg by that route
                    day = N._amount(o, "mg", "day", weight, bsa)[0]
                    dose = N._amount(o, "mg", "admin", weight, bsa)[0]
                    said = (f"{N._num(day)} mg/day" if day is not None else f"{N._num(dose)} mg a dose" if dose is not None
                            else f"a dose in {o.basis}" if o.basis else None)
                    if said is not None:
                        out.setdefault(i, []).append((
                            f"route {od.route!r} is not a route {drug.name} is given by (no {o.route} product of it is "
                            f"known), and {said} is a systemic dose, so no glucocorticoid rule checks it "
                            "as ordered", "/route"))
        orders.append(o)
    # An active order starting after as_of is new unless an active order of its drug started by as_of.
    later = [o for o in orders if o.drug is not None and o.status == "active"
             and doc.orders[o.index].start is not None and doc.orders[o.index].start > as_of]
    starting = {o.index for o in later}
    window = linter._lookback.get("default", 90)

    def ended(o):  # its course, from its start, over more than the default look-back window before as_of
        start = doc.orders[o.index].start
        return (window is not None and start is not None and o.course_known and o.course_days is not None
                and (start - as_of).days + o.course_days < -window)

    taken = {o.drug.name for o in orders if o.drug is not None and o.status == "active" and o.index not in starting and not ended(o)}
    for o in later:
        if o.drug.name not in taken:
            o.status = "new"
    # Premedication of a checked drug: a systemic glucocorticoid beside intermittent IV infusions of
    # other checked drugs (one administration, or at most weekly), given at most as often as they are
    # together and not daily, at most as many times as they are counted (an open-ended one: once),
    # and below a pulse's prednisone-equivalent per administration.
    active = [o for o in orders if o.drug is not None and o.active]
    infusions = [o for o in active if o.route == "iv" and o.checked and not {"systemic-glucocorticoid", "pcp-prophylaxis"} & o.tags
                 and (o.single or o.administrations == 1 or (o.per_day is not None and o.per_day <= 1 / 7 + 1e-9))]
    bound = sum(1 if o.administrations is None else o.administrations for o in infusions)
    rate = sum(o.per_day for o in infusions if not (o.single or o.administrations == 1))
    for o in active:
        if o.premedication and o.checked:
            single = o.single or o.administrations == 1
            ok = bool(infusions) and "systemic-glucocorticoid" in o.tags and (
                o.administrations is not None and o.administrations <= bound) and (
                single or (o.per_day is not None and o.per_day <= rate + 1e-9 and o.per_day < 1)) and (
                o.pe is not None and o.per_day is not None
                and round(o.amounts[("mg", "day")] * o.drug.pe_factor / o.per_day, 2) < plan.pulse_min_pe)
            if not ok:
                o.premedication, o.purpose = False, "other"
    kept = [o for o in active if o.premedication and o.checked and "systemic-glucocorticoid" in o.tags]
    if len(kept) > 1 and (sum(o.administrations for o in kept) > bound or sum(
            o.per_day for o in kept if not (o.single or o.administrations == 1)) > rate + 1e-9):
        for o in kept:
            o.premedication, o.purpose = False, "other"
    return orders, out


def _same(a: Any, b: Any) -> bool:
    """Equal, of the same type, and NaN-free (a NaN would compare unequal to itself)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, MappingProxyType):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _check_orders(doc: Any) -> None:
    linter = _linter()
    reg, _ = N.normalize(doc, linter.vocab, as_of=dt.date(2026, 11, 30), lookback_days=linter._lookback, plan=linter._plan)
    ref, reasons = _reference_orders(doc, linter, reg.weight_kg, reg.bsa_m2)
    assert len(ref) == len(reg.orders)
    for o, r in zip(reg.orders, ref):
        for f in _FIELDS:
            assert _same(getattr(o, f), getattr(r, f)), (f, getattr(o, f), getattr(r, f))
    assert {k: tuple(v) for k, v in reasons.items()} == dict(reg.unverifiable)


@pytest.mark.slow
def test_orders_match_the_reference_normalization() -> None:
    count = 0
    for doc in _documents(5, 1500, patients=True):
        _check_orders(doc)
        count += 1
    assert count > 4000


@pytest.mark.parametrize("written", sorted(N._ROUTES_AS_WRITTEN))
def test_route_table_gives_what_the_route_lookup_gives(written: str) -> None:
    assert N._ROUTES_AS_WRITTEN[written] == (N.ROUTES.get(written) or N.ROUTES.get(N.clean_name(written)))


def test_unit_and_frequency_tables_give_what_the_lookups_give() -> None:
    for written, mass in N._UNITS_AS_WRITTEN.items():
        key = written if written in N.UNITS else N.clean_name(written).replace(" ", "")
        assert N.UNITS[key] == mass, written
    for written, (per_day, single, text) in N._FREQUENCY_TEXTS.items():
        assert N.parse_frequency(written) == (per_day, single) and text == repr(written), written
    # the usual capitalizations are in the tables (each a lookup instead of clean_name)
    assert {"PO", "Oral", "IV", "SC", "Subcutaneous"} <= set(N._ROUTES_AS_WRITTEN)
    assert {"MG", "Mg", "MG/KG", "G"} <= set(N._UNITS_AS_WRITTEN)
    assert {"BID", "Q12H", "Daily", "TID"} <= set(N._FREQUENCY_TEXTS)
    for written, piece in N._PIECES_AS_WRITTEN.items():
        key = written if written in N.UNITS else N.clean_name(written).replace(" ", "")
        assert key not in N.UNITS and N.COUNT_UNITS[key] == piece, written
    for (written, piece), mg in N._MASS_PER_AS_WRITTEN.items():
        assert _mass_per_reference(written, piece) == mg, (written, piece)
    assert {"mL", "tablet", "Tablets", "TAB"} <= set(N._PIECES_AS_WRITTEN)
    assert {("mg", "tablet"), ("MG", "capsule"), ("mg/mL", "mL"), ("g", "tablet")} <= set(N._MASS_PER_AS_WRITTEN)


def test_look_back_windows_at_their_edges() -> None:
    linter = _linter()
    as_of = dt.date(2026, 11, 30)
    tests = [{"test": name, "status": "resulted", "date": (as_of - dt.timedelta(days=age)).isoformat()}
             for name, age in (("cbc", 90), ("lft", 91), ("renal", 0), ("hrct", -1), ("pft", 400), ("hbv", 30))]
    d = {"id": "t", "kind": "order-set", "as_of": as_of.isoformat(), "indication": {"condition": "ssc-ild"},
         "orders": [{"drug": "azathioprine", "dose": 50, "unit": "mg", "route": "oral", "frequency": "daily"}],
         "tests": tests + [{"test": "tb", "status": "ordered"}]}
    doc, problems = validate(d, linter.vocab)
    assert doc is not None, problems
    reg, _ = N.normalize(doc, linter.vocab, as_of=as_of, lookback_days={}, plan=linter._plan)
    names = ["cbc", "lft", "renal", "hrct", "pft", "hbv", "tb", "tpmt"]
    for lookback in _LOOKBACKS[1:]:
        assert lookback is not None
        r = dataclasses.replace(reg, lookback_days=MappingProxyType(lookback), _counts={})
        for name in names:
            assert r.test_counts(name) == _test_counts_reference(r, name), (name, lookback)
    r = dataclasses.replace(reg, lookback_days=MappingProxyType({}), _counts={})
    assert [n for n in names if r.test_counts(n)] == ["cbc", "renal", "hbv", "tb"]  # 90 days by default


def test_vocabulary_test_names_as_written_are_remembered_boundedly_and_forgotten_on_change() -> None:
    from orderlint.vocabulary import Vocabulary, clean_name

    v = Vocabulary()

    def reference(text: str) -> Optional[tuple[str, ...]]:
        hit = v.tests.get(text)
        return v.tests.get(clean_name(text)) if hit is None else hit

    spellings = [*v.tests, *(t.upper() for t in v.tests), *_TEST_SPELLINGS, "lipid panel", "ua ", "Egfr", "ｃｂｃ", ""]
    for _ in range(2):  # computed, then remembered
        for name in spellings:
            assert v.test(name) == reference(name), name
    assert v.test("NT-proBNP") is None
    v.add_test("bnp", ["nt-probnp"], "a plugin")  # a new name forgets what was remembered
    assert v.test("NT-proBNP") == ("bnp",) == reference("NT-proBNP")
    for i in range(10_050):
        assert v.test(f"not a test {i}") is None
    assert len(v._test_cache) <= 10_000
    assert v.test("CBC") == ("cbc",) and v.test("not a test 10049") is None
    # Names are added through add_test only: a direct edit of the table, which test() would not see
    # once it remembered an answer, raises instead.
    with pytest.raises(TypeError):
        v.tests["troponin"] = ("troponin",)  # type: ignore[index]
    with pytest.raises(TypeError):
        del v.tests["cbc"]  # type: ignore[attr-defined]
    assert v.test("troponin") is None and v.test("CBC") == ("cbc",)


def test_plan_decisions_are_what_they_are_computed_from_and_bounded() -> None:
    linter = _linter()
    plan, vocab = linter._plan, linter.vocab
    fresh = N.Plan(plan.needs, plan.checked, plan.class_names)
    routes = [None, "oral", "iv", "sc", "im", "topical", "inhaled", "ophthalmic", "nasal"]
    for drug in vocab.drugs.values():
        for route in routes:
            tags = drug.tags_for_route(route)
            if route is None or route in N.SYSTEMIC_ROUTES:
                checked = not tags.isdisjoint(plan.checked)
            else:
                checked = plan.is_checked(drug, tags, route)
            salts = plan.class_names.get(drug.name)
            form = ((f"the form is not given ({drug.name} could be {N._join(salts, 'or')}), and their dose limits differ", "/drug"),
                    ) if salts else ()
            expected = (checked, plan.needed(tags, route) if checked else (), form + (_route_without_limit(plan, drug, route) if checked else ()))
            assert fresh.decide(drug, tags, route) == expected == fresh.decide(drug, tags, route), (drug.name, route)
    assert any(d[0] for d in fresh._decided.values()) and any(d[2] for d in fresh._decided.values())
    some = next(iter(vocab.drugs.values()))
    for i in range(10_050):
        fresh.decide(some, frozenset({some.name, f"class-{i}"}), None)
    assert len(fresh._decided) <= 10_000
