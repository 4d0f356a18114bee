"""Dosing and course (ILD5xx): per-administration and daily limits, and cyclophosphamide course length.

Limits are data: each row names the drug, the routes it applies to, the basis it is compared
in (mg, mg/kg, mg/m2), and whether it is per administration, per day or per week. A dose that
needs a weight or BSA the document lacks is OL003 (via ``reg.amount``); the rule does not guess.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterator, Mapping, NamedTuple, Optional, Sequence

from orderlint.normalize import starts_within
from orderlint.rules import Hit, Need, Option, Options, render, rule
from orderlint_ssc.common import (
    CONDITION,
    SEED,
    SEED_URL,
    SYSTEMIC_ROUTES,
    course_chains,
    fmt,
    fullest_day,
    fullest_day_words,
    on_one_day,
    span_words,
    src,
)

if TYPE_CHECKING:
    from orderlint.normalize import Order, Regimen


class Limit(NamedTuple):
    option: str
    drug: str
    routes: Optional[tuple[str, ...]]
    basis: str  # mg, mg/kg, mg/m2
    per: str  # admin, day, week, 4wk (the administrations that start within 4 weeks)
    default: float
    # The range a site may set (clinical-facts.md section 5): a maximum can always be lowered (it only
    # fires more) and be raised no further than ``high``; a minimum can be lowered no further than
    # ``low`` (a floor of 0 never fires). ``why`` says where the range ends; `explain` shows it.
    low: float = 0
    high: Optional[float] = None
    why: str = ""


MAXIMA = [
    Limit("mmf-max-mg-per-day", "mycophenolate mofetil", None, "mg", "day", 3000, 0, 3500,
          "the usual maximum is 3 g/day (SLS II: 1500 mg twice daily); at most 3500, so that 2000 mg twice "
          "daily (4 g/day, clinical-facts.md T7) always fires"),
    Limit("mpa-max-mg-per-day", "mycophenolic acid", None, "mg", "day", 2160, 0, 2520,
          "2160 mg/day is the EC-MPS equivalent of MMF 3 g/day (720 mg = 1000 mg MMF); at most 2520, the "
          "equivalent of the MMF ceiling of 3500"),
    Limit("cyclophosphamide-iv-max-mg-per-m2", "cyclophosphamide", ("iv",), "mg/m2", "admin", 750, 0, 1000,
          "the seed gives 500-750 mg/m² a month and RECITAL 600; at most 1000 mg/m² (a design choice: no "
          "source gives a higher monthly ILD dose)"),
    Limit("cyclophosphamide-iv-max-mg-per-m2-per-4-weeks", "cyclophosphamide", ("iv",), "mg/m2", "4wk", 750, 0, 1000,
          "the seed gives 500-750 mg/m2 once a month: more within 4 weeks (daily or weekly infusions; 750 mg/m2 daily "
          "for 6 days is 4500) is no SSc-ILD regimen; at most 1000, the per-administration ceiling"),
    Limit("cyclophosphamide-oral-max-mg-per-kg-per-day", "cyclophosphamide", ("oral",), "mg/kg", "day", 2, 0, 2.5,
          "SLS I and II gave up to 2 mg/kg/day; at most 2.5, one 50 mg tablet a day of rounding at 100 kg"),
    Limit("cyclophosphamide-oral-max-mg-per-day", "cyclophosphamide", ("oral",), "mg", "day", 200, 0, 250,
          "the seed caps oral cyclophosphamide at 100-200 mg/day; at most 250, one 50 mg tablet of rounding"),
    Limit("azathioprine-max-mg-per-kg-per-day", "azathioprine", None, "mg/kg", "day", 3, 0, 3.5,
          "CPIC's normal dose is 2-3 mg/kg/day; at most 3.5, one 50 mg tablet a day of rounding at 100 kg"),
    Limit("nintedanib-max-mg-per-dose", "nintedanib", None, "mg", "admin", 150, 0, 150,
          "150 mg twice daily is the labeled dose and 150 mg the largest capsule; at most 150, so the limit "
          "can only be lowered (200 mg twice daily, clinical-facts.md T12, always fires)"),
    Limit("nintedanib-max-mg-per-day", "nintedanib", None, "mg", "day", 300, 0, 300,
          "the labeled maximum is 300 mg/day; at most 300"),
    Limit("tocilizumab-sc-max-mg-per-week", "tocilizumab", ("sc",), "mg", "week", 162, 0, 162,
          "162 mg SC once weekly is the approved SSc-ILD dose; at most 162"),
    Limit("rituximab-max-mg-per-dose", "rituximab", None, "mg", "admin", 1000, 0, 1000,
          "1000 mg (RECITAL, days 0 and 14) is the largest single dose of any SSc-ILD regimen; at most 1000"),
]
MINIMA = [
    Limit("mmf-min-mg-per-day", "mycophenolate mofetil", None, "mg", "day", 1000, 1000, 3000,
          "500 mg twice daily is the documented starting dose; from 1000 (a lower floor would not flag a "
          "sub-therapeutic dose) to 3000 (the maximum)"),
    Limit("mpa-min-mg-per-day", "mycophenolic acid", None, "mg", "day", 720, 720, 2160,
          "720 mg/day is the EC-MPS equivalent of MMF 1000 mg/day; from 720 to 2160 (the maximum)"),
    Limit("cyclophosphamide-iv-min-mg-per-m2", "cyclophosphamide", ("iv",), "mg/m2", "admin", 500, 500, 750,
          "the seed's range is 500-750 mg/m²; from 500 to 750"),
    Limit("cyclophosphamide-oral-min-mg-per-kg-per-day", "cyclophosphamide", ("oral",), "mg/kg", "day", 1, 1, 2,
          "the seed's range is 1-2 mg/kg/day; from 1 to 2"),
    Limit("nintedanib-min-mg-per-day", "nintedanib", None, "mg", "day", 200, 200, 300,
          "100 mg twice daily is the reduced dose and the label says to stop if it is not tolerated; from 200 "
          "to 300 (the maximum)"),
]


def _option(lim: Limit, word: str) -> Option:
    where = f"{lim.drug}{' ' + '/'.join(lim.routes) if lim.routes else ''}"
    return Option(
        lim.default, f"{where}: {word} in {lim.basis} {_PER_TEXT[lim.per]}. {lim.why[:1].upper()}{lim.why[1:]}",
        minimum=lim.low, maximum=lim.high,
    )
_PER_TEXT = {"admin": "per administration", "day": "/day", "week": "/week", "4wk": " in 4 weeks"}
DOSE_CHECKED = {l.drug for l in MAXIMA + MINIMA}


def _by_drug(limits: list[Limit]) -> dict[str, list[Limit]]:
    out: dict[str, list[Limit]] = {}
    for lim in limits:
        out.setdefault(lim.drug, []).append(lim)
    return out


# Grouped by ingredient, so an order is compared only with its own drug's limits (in list order).
MAXIMA_BY_DRUG = _by_drug(MAXIMA)


def _needs(limits: list[Limit]) -> list[Need]:
    """The amounts the limits compare (a weekly limit: the daily amount, turned into the doses within 7 days)."""
    out: list[Need] = []
    for lim in limits:
        need = Need(frozenset({lim.drug}), frozenset(lim.routes) if lim.routes else None, lim.basis, "admin" if lim.per in ("admin", "4wk") else "day")
        if need not in out:
            out.append(need)
    return out


MINIMA_BY_DRUG = _by_drug(MINIMA)


#: A limit with the amount it is compared with: ``need`` is the (basis, per) that ``reg.amount``
#: gives (a weekly limit: the daily amount, turned into the doses within 7 days by _weekly).
class _Row(NamedTuple):
    lim: Limit
    need: tuple[str, str]
    weekly: bool
    four_weeks: bool  # the amount per administration times the administrations within 28 days


def _rows(by_drug: Mapping[str, list[Limit]]) -> dict[str, tuple[_Row, ...]]:
    return {
        drug: tuple(_Row(lim, (lim.basis, "admin" if lim.per in ("admin", "4wk") else "day"), lim.per == "week", lim.per == "4wk")
                    for lim in limits)
        for drug, limits in by_drug.items()
    }


def _weekly(o: "Order", per_day: float) -> float:
    """An order's most in any 7 consecutive days (rules.md ILD501, "per week"): its amount per
    administration times the administrations that start within 7 days (normalize.starts_within,
    as the 4-week row counts them), never more than its whole course gives. Tocilizumab 162 mg SC
    once is 162 mg, not 1134 mg a week (ILD501 fired on it); 100 mg every 5 days is 200 mg in the
    7 days from a dose, not its average of 140 mg a week."""
    rate = o.per_day if o.per_day and not o.single else 1.0  # a single order: one a day (of its doses)
    n = starts_within(7, rate)
    if o.administrations is not None:
        n = min(n, o.administrations)
    return per_day / rate * n


def _in_four_weeks(o: "Order") -> Optional[int]:
    """Administrations that start within 28 days (days 0 to 27): a single one is one; without a
    schedule (prn, unknown), None."""
    if o.single:
        return 1
    if o.per_day is None:
        return None
    n = starts_within(28, o.per_day)  # counted as courses are (normalize)
    return n if o.administrations is None else min(n, o.administrations)


_MAXIMA_ROWS = _rows(MAXIMA_BY_DRUG)
#: Drugs whose only maxima are per administration (rituximab): their doses on one day add up.
_ADMIN_ONLY = frozenset(drug for drug, limits in MAXIMA_BY_DRUG.items() if all(lim.per == "admin" for lim in limits))
_MINIMA_ROWS = _rows(MINIMA_BY_DRUG)


def _shown(reg: "Regimen", o: "Order", lim: Limit, value: float) -> str:
    unit = lim.basis.replace("m2", "m²")
    text = o.describe()
    if lim.basis == "mg/m2" and o.basis != "mg/m2":
        text += f" (BSA {reg.bsa_m2:.2f} m²)"
    if lim.basis == "mg/kg" and o.basis != "mg/kg" and reg.weight_kg is not None:
        text += f" (weight {fmt(reg.weight_kg)} kg)"
    return f"{text} = {fmt(value)} {unit}{'' if lim.per == 'admin' else _PER_TEXT[lim.per]}"


def _check(reg: "Regimen", opts: Options, by_drug: Mapping[str, tuple[_Row, ...]], above: bool) -> Iterator[Hit]:
    # Maxima: the orders of drugs with limits, and the (order, limit) pairs that fired alone, for the
    # sums over orders given at the same time (_sums); only a drug with two such orders is summed. A
    # list and a set made only when needed: most documents have one such order and no finding.
    limited: Optional[list["Order"]] = [] if above else None
    alone: Optional[set[tuple[int, str]]] = None
    for o in reg.active():
        # Most active orders are of drugs without limits: looked up first, so they cost one dict read.
        # Bare "mycophenolate" has none either: MMF and MPA limits differ, so its dose cannot be
        # verified here; normalization reports it (OL003) from the needs these rules declare, and
        # _bare_mycophenolate judges it against the larger of the two maxima.
        rows = by_drug.get(o.drug.name) if o.drug is not None else None
        if not rows:
            continue
        route = o.route
        if route is not None and route not in SYSTEMIC_ROUTES:  # common.systemic(o), inlined
            continue  # rules.md 2nd ed.: a non-systemic order is not an order of a checked drug
        if limited is not None:
            limited.append(o)
        amounts = o.amounts
        for lim, need, weekly, four_weeks in rows:
            # A missing route is read as systemic (regimen-format.md): every route's maximum applies
            # (OL003 says the route is missing); 5000 mg/m2 of cyclophosphamide without one passed.
            if lim.routes is not None and route not in lim.routes and (route is not None or not above):
                continue
            # reg.amount(o, *need), read from the amounts normalization computed for these needs
            v = amounts[need] if amounts is not None and need in amounts else reg.amount(o, *need)
            if v is None:
                if above and need[1] == "day" and o.per_day is None and not o.single:
                    # No schedule to read a day or week by (prn, 'as directed', none: OL003 says so),
                    # yet one administration is given on some day: above a maximum per day or per
                    # week alone, it is above whatever the schedule (MMF 6000 mg prn passed).
                    hit = _one_above(reg, o, lim, opts[lim.option])
                    if hit is not None:
                        if alone is None:
                            alone = set()
                        alone.add((o.index, lim.option))
                        yield hit
                continue
            if above and lim.drug in _ADMIN_ONLY and o.per_day is not None and o.per_day > 1 + 1e-9 and not o.single:
                # A drug whose only maximum is per administration (rituximab), given more than once a
                # day: the doses of one day add up, as those of several orders on one day do (_summed).
                # Rituximab 1000 mg bid passed, each dose within 1000 mg.
                k = math.ceil(o.per_day - 1e-9)
                day = round(v * k, 2)
                if round(v, 2) <= opts[lim.option] < day:
                    if alone is None:
                        alone = set()
                    alone.add((o.index, lim.option))
                    unit = lim.basis.replace("m2", "m²")
                    yield Hit(f"{o.describe()}: {k} administrations on one day = {fmt(day)} {unit} > {fmt(opts[lim.option])} "
                              f"{unit} per administration, the maximum for {lim.drug} (doses given on one day add up)",
                              f"{o.pointer}/dose", o.index)
                    continue
            x = _weekly(o, v) if weekly else v
            when = ""
            if above and lim.per == "day" and o.per_day is not None and o.per_day % 1.0 > 1e-9 and not o.single:
                # A maximum per day is of the day with most administrations, as the weekly one is of
                # the most in any 7 days: MMF 21 g once a week averaged 3000 mg/day, 2000 mg q16h
                # (twice on some days) too. (A whole number a day: the average itself, no call.)
                x, when = on_one_day(o, v)
            if four_weeks:
                n = _in_four_weeks(o)
                if n is None:
                    continue  # no schedule: OL003 says so
                if n == 1:
                    # One administration in 4 weeks: the maximum per administration judges it, once;
                    # the 4-week one too where a site set it lower (700 mg/m2 q4w passed a 600 in 4 weeks).
                    if v > _admin_bound(by_drug, lim, opts):
                        continue
                x = v * n
            bound = opts[lim.option]
            # The limit compares round(x, 2), as messages print it. Below 1e12, round(x, 2) is within
            # 0.0051 of x, so an amount more than 0.01 on the safe side of the bound is within it
            # without rounding (round() is the slowest step here); the others are compared rounded.
            if x < 1e12 and ((x < bound - 0.01) if above else (x > bound + 0.01)):
                continue
            value = round(x, 2)
            if (value > bound) if above else (value < bound):
                if above:
                    if alone is None:
                        alone = set()
                    alone.add((o.index, lim.option))
                yield _hit(reg, o, lim, value, bound, above, when)
    if limited is not None and len(limited) > 1:
        names = {o.drug.name for o in limited}  # type: ignore[union-attr]  # rows found: o.drug is known
        # Only a drug ordered twice, or both forms of mycophenolate, has anything to sum.
        if len(names) < len(limited) or _FORM_NAMES <= names:
            yield from _sums(reg, opts, by_drug, limited, alone if alone is not None else set())


def _sums(reg: "Regimen", opts: Options, by_drug: Mapping[str, tuple[_Row, ...]], limited: list["Order"],
          alone: set[tuple[int, str]]) -> Iterator[Hit]:
    """ILD501's sums over the orders of drugs with limits (``limited``, two or more), by drug."""
    by_name: dict[str, list["Order"]] = {}
    for o in limited:
        by_name.setdefault(o.drug.name, []).append(o)  # type: ignore[union-attr]  # rows found: o.drug is known
    summed: set[str] = set()  # drugs with a finding on a sum
    for name, orders in by_name.items():
        if len(orders) > 1:
            for hit in _summed(reg, opts, by_drug[name], orders, alone):
                summed.add(name)
                yield hit
    if _FORMS[0][0] in by_name and _FORMS[1][0] in by_name and summed.isdisjoint(f for f, _ in _FORMS):
        yield from _forms_summed(reg, opts, by_name, alone)


def _summed(reg: "Regimen", opts: Options, rows: tuple[_Row, ...], orders: list["Order"], alone: set[tuple[int, str]]) -> Iterator[Hit]:
    """ILD501's rows per day, per week and in 4 weeks over two or more orders of one drug: a daily
    dose split across orders is the dose given (two active orders of MMF 1500 mg twice daily are
    6000 mg/day). Summed are the orders given at the same time (Regimen.given_together; for the
    weekly and 4-week rows, the administrations that start within one window of 7 or 28 days, so
    that single doses on different days add up), so the successive steps of a taper are not a total. An order over a limit alone keeps its own finding, and a sum it is
    part of is said too when another order adds to it (a waiver of that one order must not cover the
    others: 4000 mg/day of MMF, waived, beside another 3000 mg/day passed); a sum of orders that are
    each over the limit alone adds nothing to their own findings. A limit per administration is judged per order,
    except for a drug with no other maximum by its routes (rituximab): there the doses of its orders
    that start on one day add up (two rituximab 1000 mg orders on one day are 2000 mg)."""
    for lim, need, weekly, four_weeks in rows:
        if lim.per == "admin" and any(
                r.lim.per != "admin" and (r.lim.routes is None or lim.routes is None or not set(r.lim.routes).isdisjoint(lim.routes))
                for r in rows):
            continue  # a sum per day, week or 4 weeks judges what is given together (nintedanib, cyclophosphamide IV)
        members: list[tuple["Order", float]] = []
        over: set[int] = set()  # orders over this limit alone
        for o in orders:
            # As the order alone is judged: a missing route meets every route's maximum.
            if lim.routes is not None and o.route is not None and o.route not in lim.routes:
                continue
            amounts = o.amounts
            v = amounts[need] if amounts is not None and need in amounts else reg.amount(o, *need)
            if v is None or ((four_weeks or lim.per == "admin") and o.per_day is None):
                continue  # unknown amount or schedule: OL003 says so
            if (o.index, lim.option) in alone:
                over.add(o.index)
            if weekly and o.per_day:
                v = v / (1.0 if o.single else o.per_day)  # per administration: the window counts them
            elif lim.per == "day":
                v = on_one_day(o, v)[0]  # two weekly orders of MMF 1000 and 2500 mg: 3500 mg on a day
            members.append((o, v))
        if len(members) < 2:
            continue
        bound = opts[lim.option]
        if four_weeks or weekly or lim.per == "admin":
            window, when = (_FOUR_WEEKS, "within 4 weeks") if four_weeks else (_WEEK, "within 7 days") if weekly else (1.0, "on one day")
            for parts in _within(reg, members, bound, window):
                if not all(o.index in over for o, _ in parts):
                    yield _sum_hit(reg, lim, parts, bound, when)
            continue
        amount = {o.index: v for o, v in members}
        for together in reg.given_together([o for o, _ in members]):
            parts = [(o, amount[o.index]) for o in together]
            if not all(o.index in over for o in together) and round(sum(v for _, v in parts), 2) > bound:
                yield _sum_hit(reg, lim, parts, bound, "given at the same time")


#: Two forms of one drug with daily maxima of their own (MPA 2160 mg/day is the equivalent of MMF
#: 3000 mg/day): given at the same time, each counts as its share of its own maximum.
_FORMS = (("mycophenolate mofetil", "mmf-max-mg-per-day"), ("mycophenolic acid", "mpa-max-mg-per-day"))
_FORM_NAMES = frozenset(name for name, _ in _FORMS)


def _forms_summed(reg: "Regimen", opts: Options, limited: Mapping[str, list["Order"]], alone: set[tuple[int, str]]) -> Iterator[Hit]:
    """Mycophenolate mofetil and mycophenolic acid given at the same time (two forms of one drug,
    OL004): each order's daily dose as a share of its own form's maximum, fired when the shares
    together are above 100%. MMF 1500 mg bid (100%) beside MPA 720 mg bid (67%) passed, each form
    within its own maximum. Orders over their maximum alone are counted too, as in _summed; a set of
    such orders only adds nothing to their own findings."""
    members: list[tuple["Order", float, float]] = []  # (order, mg/day, its maximum)
    over: set[int] = set()
    for name, option in _FORMS:
        bound = opts[option]
        for o in limited[name]:
            if (o.index, option) in alone:
                over.add(o.index)
            amounts = o.amounts
            v = amounts[("mg", "day")] if amounts is not None and ("mg", "day") in amounts else reg.amount(o, "mg", "day")
            if v is not None:
                members.append((o, on_one_day(o, v)[0], bound))
    share = {o.index: (v, bound) for o, v, bound in members}
    for together in reg.given_together([o for o, _, _ in members]):
        if len({o.name for o in together}) < 2 or all(o.index in over for o in together):
            continue  # one form: its own sum (_summed) judges it; each over alone: their own findings say it
        hit = _shares_over([(o, *share[o.index]) for o in together],
                           "mycophenolate mofetil and mycophenolic acid are two forms of one drug, each counted against its own maximum")
        if hit is not None:
            yield hit


def _shares_over(parts: list[tuple["Order", float, float]], counted: str) -> Optional[Hit]:
    """The finding of mycophenolate orders given together, (order, mg/day, its maximum) each, when
    their shares of their maxima add up to more than 100%; ``counted`` says how they were counted."""
    total = round(sum(100 * v / bound for _, v, bound in parts), 2)
    if total <= 100:
        return None
    top = max(parts, key=lambda p: p[1] / p[2])[0]
    shown = " + ".join(f"order {o.ref!r} {o.describe()} = {fmt(v)} mg/day, {fmt(100 * v / bound)}% of {fmt(bound)} mg/day"
                       for o, v, bound in parts)
    return Hit(f"{shown}, given at the same time: together {fmt(total)}% of the maximum daily dose of mycophenolate ({counted})",
               f"{top.pointer}/dose", top.index, None, tuple(o.index for o, _, _ in parts if o is not top))


#: The 4-week row's window, in days (administrations that start on days 0 to 27).
_FOUR_WEEKS = 28.0
#: The weekly row's window (any 7 consecutive days): single orders 2 days apart are not
#: "given at the same time", yet three tocilizumab 162 mg SC doses in 5 days are 486 mg in a week.
_WEEK = 7.0
#: Most windows times orders counted for one 4-week sum (beyond: judged as if all were in one window).
_MOST_TIMES = 200_000


def _count_in(first: float, per_day: float, n: Optional[int], t: float, window: float) -> int:
    """Administrations of an order (the k-th on day first + k / per_day, k < n) that start within
    ``window`` days from day t; counted as normalize.starts_within counts them from the order's start."""
    k0 = max(0, math.ceil((t - first) * per_day - 1e-9))
    k1 = math.ceil((t + window - first) * per_day - 1e-9) - 1
    if n is not None:
        k1 = min(k1, n - 1)
    return max(0, k1 - k0 + 1)


def _within(reg: "Regimen", members: list[tuple["Order", float]], bound: float, window: float) -> list[list[tuple["Order", float]]]:
    """The sets of two or more orders whose administrations within one window of ``window`` days
    add up above ``bound``: each (order, amount within the window), in document order. The window
    that holds most starts on an administration, so those are the windows looked at: from one
    window before the other orders start to two windows after the last starts. Orders that go on
    beyond that are judged as if their administrations once fell in one window (fail closed:
    their phases drift)."""
    # (order, amount per administration, first day, administrations a day, administrations; None: no end)
    plan: list[tuple["Order", float, float, float, Optional[int]]] = []
    for o, v in members:
        per_day = 1.0 if o.single else o.per_day
        if per_day is not None:
            plan.append((o, v, reg.course_span(o)[0], per_day, 1 if o.single else o.administrations))
    if len(plan) < 2:
        return []
    starts = [p[2] for p in plan]
    horizon = max(starts) + 2 * window
    best: dict[frozenset[int], tuple[float, list[tuple["Order", float]]]] = {}

    def consider(parts: list[tuple["Order", float]]) -> None:
        total = round(sum(x for _, x in parts), 2)
        if len(parts) > 1 and total > bound:
            key = frozenset(o.index for o, _ in parts)
            if key not in best or total > best[key][0]:
                best[key] = (total, parts)

    def most(v: float, per_day: float, n: Optional[int]) -> float:
        """The amount of the most administrations one window holds (normalize.starts_within)."""
        c = starts_within(window, per_day)
        return v * (c if n is None else min(c, n))

    late = []
    ranges = []  # (first, administrations a day, k0, k1): the administrations k0..k1 start windows
    lowest = sorted(starts)[:2]
    for o, v, first, per_day, n in plan:
        others = lowest[1] if first == lowest[0] else lowest[0]  # the first start of the other orders
        last = math.inf if n is None else first + (n - 1) / per_day
        if last > horizon:
            late.append((o, most(v, per_day, n)))
        k0 = max(0, math.ceil((max(first, others - window) - first) * per_day - 1e-9))
        k1 = math.floor((min(last, horizon) - first) * per_day + 1e-9)
        ranges.append((first, per_day, k0, k1))
    if sum(max(0, k1 - k0 + 1) for _f, _p, k0, k1 in ranges) * len(plan) > _MOST_TIMES:
        # Too many to look at (frequent orders over years, hundreds of orders): judged as if all were
        # given in one window (fail closed).
        consider([(q, most(w, pd, m)) for q, w, _f, pd, m in plan])
        ranges = []
    for first, per_day, k0, k1 in ranges:
        for k in range(k0, k1 + 1):
            t = first + k / per_day
            parts = []
            for q, w, f, pd, m in plan:
                c = _count_in(f, pd, m, t, window)
                if c:
                    parts.append((q, w * c))
            consider(parts)
    if len(late) > 1:
        consider(late)
    kept = [(total, parts) for key, (total, parts) in best.items()
            if not any(other > key and best[other][0] >= total for other in best)]
    return [parts for _, parts in sorted(kept, key=lambda tp: [o.index for o, _ in tp[1]])]


def _sum_hit(reg: "Regimen", lim: Limit, parts: list[tuple["Order", float]], bound: float, when: str) -> Hit:
    """A maximum exceeded by orders together: each order with its share, the total, at the largest
    share (the first of equal ones); ``also`` names the others (a waiver must cover each)."""
    total = round(sum(v for _, v in parts), 2)
    top = max(parts, key=lambda p: p[1])[0]
    unit = lim.basis.replace("m2", "m²")
    limit = f"{unit} per administration" if lim.per == "admin" else unit + _PER_TEXT[lim.per]
    if lim.per != "admin":
        unit = limit
    # A daily row's share is the order's fullest day (on_one_day), said so where it is not its average.
    shares = " + ".join(f"order {o.ref!r} {_shown(reg, o, lim, round(v, 2))}"
                        + (fullest_day_words(fullest_day(o)) if lim.per == "day" else "") for o, v in parts)
    return Hit(
        f"{shares}, {when}: together {fmt(total)} {unit} > {fmt(bound)} {limit}, the maximum for {lim.drug}"
        + (f" by route {'/'.join(lim.routes)}" if lim.routes else ""),
        f"{top.pointer}/dose", top.index, None, tuple(o.index for o, _ in parts if o is not top),
    )


def _admin_bound(by_drug: Mapping[str, tuple[_Row, ...]], lim: Limit, opts: Options) -> float:
    """The maximum per administration of ``lim``'s drug and basis by the routes ``lim`` covers, or
    infinity if there is none."""
    bounds = [opts[r.lim.option] for r in by_drug.get(lim.drug, ()) if r.lim.per == "admin" and r.lim.basis == lim.basis
              and (r.lim.routes is None or lim.routes is None or not set(r.lim.routes).isdisjoint(lim.routes))]
    return min(bounds) if bounds else math.inf


def _one_above(reg: "Regimen", o: "Order", lim: Limit, bound: float) -> Optional[Hit]:
    """ILD501 for an order without a schedule whose one administration is above a maximum per day
    or per week, else None."""
    one = reg.amount(o, lim.basis, "admin")
    if one is None or round(one, 2) <= bound:
        return None
    unit = lim.basis.replace("m2", "m²")
    return Hit(f"{o.describe()}: one administration = {fmt(round(one, 2))} {unit} > {fmt(bound)} {unit}{_PER_TEXT[lim.per]}, "
               f"the maximum for {lim.drug}, whatever its frequency"
               + (f" by route {o.route}" if lim.routes and o.route is not None else ""),
               f"{o.pointer}/dose", o.index)


def _hit(reg: "Regimen", o: "Order", lim: Limit, value: float, bound: float, above: bool, when: str = "") -> Hit:
    word = "maximum" if above else "minimum"
    rel = ">" if above else "<"
    unit = lim.basis.replace("m2", "m²") + ("" if lim.per == "admin" else _PER_TEXT[lim.per])
    per_admin = " per administration" if lim.per == "admin" else ""
    return Hit(
        f"{_shown(reg, o, lim, value)}{when} {rel} {fmt(bound)} {unit}{per_admin}, the {word} for {lim.drug}"
        + ((f" by route {o.route}" if o.route is not None else f" by route {'/'.join(lim.routes)} (the order gives no route)")
           if lim.routes else ""),
        f"{o.pointer}/dose", o.index,
    )


@rule(
    code="ILD501",
    name="dose-above-maximum",
    severity="error",
    summary=(
        "A dose above its maximum: MMF {mmf-max-mg-per-day} mg/day, MPA {mpa-max-mg-per-day} mg/day, "
        "cyclophosphamide IV {cyclophosphamide-iv-max-mg-per-m2} mg/m² an administration and "
        "{cyclophosphamide-iv-max-mg-per-m2-per-4-weeks} mg/m² in 4 weeks, or oral "
        "{cyclophosphamide-oral-max-mg-per-kg-per-day} mg/kg/day and {cyclophosphamide-oral-max-mg-per-day} mg/day, "
        "azathioprine {azathioprine-max-mg-per-kg-per-day} mg/kg/day, nintedanib {nintedanib-max-mg-per-dose} mg a dose "
        "and {nintedanib-max-mg-per-day} mg/day, tocilizumab SC {tocilizumab-sc-max-mg-per-week} mg/week, "
        "rituximab {rituximab-max-mg-per-dose} mg a dose."
    ),
    source=src(f"{SEED}; drug labels; SLS II (MMF 1500 mg twice daily); RECITAL (cyclophosphamide 600 mg/m², rituximab 1000 mg)", "labels and trial regimens", "V2", SEED_URL),
    rationale=(
        "Doses above these limits exceed the labeled or trial-tested maximum and raise marrow, liver and infection "
        "toxicity without evidence of benefit. The daily, weekly and 4-week limits add up the orders of the drug given "
        "at the same time (overlapping courses, an order without a start from as_of; for a week and 4 weeks, the "
        "doses within any 7 or 28 consecutive days), MMF with MPA as shares of their own maxima; successive orders "
        "and taper steps are not added up; bare mycophenolate counts against the larger of the MMF and MPA maxima. "
        "An order over a limit alone has its own finding and is in the sums. Limits per administration are per order, "
        "except for rituximab (no other maximum): its doses on one day add up."
    ),
    notes=("A daily maximum judges the day with most administrations: an order given less often than daily on the day it "
           "is given (MMF 21 g weekly is not 3000 mg/day), one given a number of times a day that is not whole on its fuller "
           "days (MMF 2000 mg q16h: 4000 mg on every other day), in a sum over orders too, and for bare mycophenolate. "
           "An order without a schedule (prn, as directed, no frequency: OL003) whose one administration is "
           "above a maximum per day or per week fires: that administration is given on some day, whatever the frequency. "
           "One administration in 4 weeks is judged by the 4-week maximum as well, where a site set it below the "
           "maximum per administration."),
    fix="Reduce the dose to the maximum or below; check the unit (g versus mg) and the frequency.",
    options={l.option: _option(l, "maximum") for l in MAXIMA},
    conditions=CONDITION,
    triggers=[*DOSE_CHECKED, "mycophenolate"],
    amounts=_needs(MAXIMA),
)
def dose_above_maximum(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    yield from _check(reg, opts, _MAXIMA_ROWS, above=True)
    mycophenolate = reg.active(_BARE)
    for o in mycophenolate:  # a loop, not any() over a generator: half the documents have mycophenolate
        if o.drug is not None and o.drug.name == _BARE:
            yield from _bare_mycophenolate(reg, opts, mycophenolate)
            break


#: The class-level name that may be either form (clinical-facts.md section 6: map it to both).
_BARE = "mycophenolate"
_FORM_OPTION = dict(_FORMS)


def _bare_mycophenolate(reg: "Regimen", opts: Options, active: Sequence["Order"]) -> Iterator[Hit]:
    """Bare 'mycophenolate' may be mycophenolate mofetil or mycophenolic acid (clinical-facts.md
    section 6), so its dose cannot be judged by one form's maximum (OL003 says so). A dose above
    the larger of the two maxima is above the maximum whichever form is meant: 3 g twice daily
    (6 g/day) was only OL003, a warning. Given at the same time as other mycophenolate orders,
    each counts as its share of its own form's maximum, a bare order as its share of the larger
    one (the smallest it can be), as _forms_summed counts MMF with MPA."""
    family = [o for o in active
              if o.drug is not None and (o.route is None or o.route in SYSTEMIC_ROUTES)
              and (o.drug.name == _BARE or o.drug.name in _FORM_OPTION)]
    bare = [o for o in family if o.drug is not None and o.drug.name == _BARE]
    if not bare:
        return
    larger = max(opts[option] for option in _FORM_OPTION.values())
    bounds = {name: opts[option] for name, option in _FORM_OPTION.items()}
    bounds[_BARE] = larger
    shown_limit = (f"the larger of the maximum daily doses of mycophenolate mofetil ({fmt(bounds['mycophenolate mofetil'])} mg/day) "
                   f"and mycophenolic acid ({fmt(bounds['mycophenolic acid'])} mg/day): above the maximum whichever form is meant")
    daily: dict[int, float] = {}
    over: set[int] = set()
    for o in family:
        is_bare = o.drug is not None and o.drug.name == _BARE
        v = reg.amount(o, "mg", "day")
        if v is None:
            one = reg.amount(o, "mg", "admin") if is_bare and o.per_day is None and not o.single else None
            if one is not None and round(one, 2) > larger:
                # No schedule (prn, none: OL003 says so), yet one administration is above the daily maximum.
                over.add(o.index)
                yield Hit(f"{o.describe()}: one administration = {fmt(round(one, 2))} mg > {fmt(larger)} mg/day, "
                          f"whatever its frequency; {shown_limit}", f"{o.pointer}/dose", o.index)
            continue  # OL003 says why
        v, when = on_one_day(o, v)  # the day with most administrations (6000 mg weekly averaged 857 mg/day)
        daily[o.index] = v
        if is_bare and round(v, 2) > larger:
            over.add(o.index)
            yield Hit(f"{o.describe()} = {fmt(round(v, 2))} mg/day{when} > {fmt(larger)} mg/day, {shown_limit}",
                      f"{o.pointer}/dose", o.index)
    counted = [o for o in family if o.index in daily]
    if len(counted) < 2:
        return
    for together in reg.given_together(counted):
        if not any(o.drug is not None and o.drug.name == _BARE for o in together) or all(o.index in over for o in together):
            continue
        hit = _shares_over([(o, daily[o.index], bounds[o.drug.name]) for o in together if o.drug is not None],
                           "each form counted against its own maximum, a mycophenolate order that names no form against the larger")
        if hit is not None:
            yield hit


@rule(
    code="ILD502",
    name="dose-below-range",
    severity="info",
    summary=(
        "A dose below the usual therapeutic range: MMF < {mmf-min-mg-per-day} mg/day, MPA < {mpa-min-mg-per-day} mg/day, "
        "cyclophosphamide IV < {cyclophosphamide-iv-min-mg-per-m2} mg/m² or oral < "
        "{cyclophosphamide-oral-min-mg-per-kg-per-day} mg/kg/day, nintedanib < {nintedanib-min-mg-per-day} mg/day."
    ),
    source=src(f"{SEED} (usual SSc-ILD doses)", "seed guidance", "U", SEED_URL),
    rationale="Doses below the usual range may be a titration step or a reduced dose for intolerance; the finding asks to confirm it is intended.",
    fix="Confirm the dose is an intended titration or reduction; otherwise use the usual dose.",
    options={l.option: _option(l, "minimum") for l in MINIMA},
    conditions=CONDITION,
    triggers=[*DOSE_CHECKED, "mycophenolate"],
    amounts=_needs(MINIMA),
)
def dose_below_range(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    return _check(reg, opts, _MINIMA_ROWS, above=False)


# Quotes the effective options; the check passes it rendered.
FIX_503 = "Give at most {iv-max-administrations} doses (IV every 4 weeks) or a duration of at most {max-course-days} days, then switch to maintenance."


@rule(
    code="ILD503",
    name="cyclophosphamide-course-too-long",
    severity="warning",
    summary="A cyclophosphamide course over {max-course-days} days by any route, more than {iv-max-administrations} IV administrations, or open-ended.",
    source=src(f"{SEED} (6 months); RECITAL (600 mg/m² every 4 weeks x 6)", "seed guidance", "V2", SEED_URL),
    rationale="Cumulative cyclophosphamide dose drives bladder cancer, infertility and marrow toxicity; induction is followed by maintenance with mycophenolate or azathioprine.",
    fix=FIX_503,
    options={
        "iv-max-administrations": Option(
            6,
            "most IV administrations in a course. At most 12: RECITAL gave 6 monthly doses; 12 monthly doses "
            "match the 12-month course of the Scleroderma Lung Studies, the longest in the sources",
            kind="integer",
            maximum=12,
        ),
        "max-course-days": Option(
            180,
            "longest course (days). At most 365: the Scleroderma Lung Studies gave oral cyclophosphamide for "
            "12 months, the longest course in the sources",
            maximum=365,
        ),
    },
    notes="The seed's limit is 6 months (180 days), which matches IV induction (RECITAL). The Scleroderma Lung Studies (SLS I and II) gave oral cyclophosphamide for 12 months; a site following SLS can set max-course-days = 365. An order whose route is missing or not known (OL003) has its administrations counted as IV ones. Orders whose courses overlap or follow each other without a day between (from their starts, by any route) are one course, judged by its length and its IV administrations together; one finding names them.",
    conditions=CONDITION,
    triggers=["cyclophosphamide"],
)
def cyclophosphamide_course_too_long(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    judged: list["Order"] = []  # orders whose course is known: chained below
    over: set[int] = set()  # orders already found too long alone
    for o in reg.active("cyclophosphamide"):
        if not o.course_known:
            # Its length cannot be computed (doses at an unknown frequency; OL003 says why): read as
            # open-ended, as a course with no end is, unless its IV administrations alone are too many.
            too_many = (_as_iv(o) and o.administrations is not None
                        and o.administrations > opts["iv-max-administrations"])
            why = (f"{o.administrations} administrations > {opts['iv-max-administrations']}{_no_route(o)}" if too_many
                   else "its course length cannot be computed, so it is read as open-ended")
            yield Hit(f"{o.describe()} course is too long: {why}", f"{o.pointer}/doses" if o.doses is not None
                      else f"{o.pointer}/duration", o.index, render(FIX_503, opts))
            continue
        judged.append(o)
        if o.course_days is None:  # the course limit applies by any route; only the IV count is IV-only
            over.add(o.index)
            yield Hit(
                f"{o.describe()} has an open-ended course; give doses or a duration of at most {fmt(opts['max-course-days'])} days",
                f"{o.pointer}/frequency", o.index, render(FIX_503, opts),
            )
            continue
        problems = []
        if _as_iv(o) and o.administrations is not None and o.administrations > opts["iv-max-administrations"]:
            problems.append(f"{o.administrations} administrations > {opts['iv-max-administrations']}{_no_route(o)}")
        if o.course_days > opts["max-course-days"]:
            problems.append(f"{fmt(o.course_days)} days > {fmt(opts['max-course-days'])}")
        if problems:
            over.add(o.index)
            yield Hit(f"{o.describe()} course is too long: " + "; ".join(problems), _course_at(o), o.index, render(FIX_503, opts))
    if len(judged) > 1:
        yield from _chained_cyclophosphamide(reg, opts, judged, over)


def _as_iv(o: "Order") -> bool:
    """Whether an order's administrations count as IV ones: by route iv, or with no route read
    (none given, or one not known: OL003 says so). regimen-format.md reads a missing route as
    systemic for every decision; 8 doses of 300 mg/m2 'IV infusion over 60 minutes' passed."""
    return o.route == "iv" or o.route is None


def _no_route(o: "Order") -> str:
    return " (no route read: counted as IV)" if o.route is None else ""


def _course_at(o: "Order") -> str:
    if o.course_days is None:
        return f"{o.pointer}/frequency"
    return f"{o.pointer}/doses" if o.doses is not None else f"{o.pointer}/duration"


def _chained_cyclophosphamide(reg: "Regimen", opts: Options, judged: list["Order"], over: set[int]) -> Iterator[Hit]:
    """ILD503 over cyclophosphamide orders that follow one another without a gap: one course (6 IV
    doses every 4 weeks, then 6 more, are 12 administrations over 44 weeks; judged one order at a
    time, each passed). One finding per chain that exceeds, at the order that carries it furthest,
    naming the others (Hit.also); a chain whose orders each exceed alone adds nothing to their findings."""
    limit, most = opts["max-course-days"], opts["iv-max-administrations"]
    for run in course_chains(reg, judged):
        if len(run) < 2 or all(o.index in over for _, _, o in run):
            continue
        start, stop = run[0][0], max(last for _, last, _ in run)
        given = sum(o.administrations for _, _, o in run if _as_iv(o) and o.administrations is not None)
        problems = []
        if given > most:
            problems.append(f"{given} IV administrations > {most}")
        if stop - start > limit:
            problems.append("open-ended" if stop == math.inf else f"{fmt(stop - start)} days > {fmt(limit)}")
        if not problems:
            continue
        top = min((o for _, last, o in run if last == stop), key=lambda o: o.index)
        names = " + ".join(f"order {o.ref!r} {o.describe()} ({span_words(reg, first, last)})" for first, last, o in run)
        yield Hit(f"{names} follow one another without a gap: one cyclophosphamide course, too long: " + "; ".join(problems),
                  _course_at(top), top.index, render(FIX_503, opts), tuple(sorted(o.index for _, _, o in run if o is not top)))


RULES = [dose_above_maximum, dose_below_range, cyclophosphamide_course_too_long]
