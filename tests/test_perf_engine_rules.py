"""The rule checks made cheaper for issue 15 give exactly the hits of their plain versions.

The reference checks below are the checks as they were before the per-document work was cut
(shared tag tables instead of filters, limits read from precomputed rows, quick ways out asked
first). Both run on the same normalized regimens: generated documents (benchmarks/generate.py)
and mutations of them (statuses, routes, purposes, doses, phase, tests), with the default
options and with a site's options, and must yield the same hits in the same order.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from typing import Any, Callable, Iterator, Optional

import pytest

from orderlint.config import Settings
from orderlint.core_rules import DEFAULT_PULSE_MIN_PE, PULSE_SETTING
from orderlint.engine import Linter
from orderlint.normalize import normalize
from orderlint.rules import Hit, render, setting
from orderlint.validate import canonical_condition, validate
from orderlint_ssc.agents import NOT_RECOMMENDED
from orderlint_ssc.common import fmt, is_pulse, premedication, systemic
from orderlint_ssc.dosing import _PER_TEXT, FIX_503, MAXIMA_BY_DRUG, MINIMA_BY_DRUG, _shown, _sum_hit
from orderlint_ssc.glucocorticoids import FIX_202, FIX_203, FIX_206, _arithmetic, as_needed
from orderlint_ssc.prophylaxis import PCP_AGENTS
from orderlint_ssc.screening import _fmt_tests
from regimen_factory import generated_documents as _generated


# --------------------------------------------------------------------------- reference checks


def ref_ol004(reg, opts):
    threshold = setting(reg, PULSE_SETTING, DEFAULT_PULSE_MIN_PE)
    first: dict = {}
    for o in reg.active():
        if not o.checked or o.premedication:
            continue
        if o.drug is None:
            continue
        pe = reg.least_daily_pe(o) if o.systemic_glucocorticoid else None
        pulse = pe is not None and pe >= threshold
        key = ("mycophenolate" if o.is_a("mycophenolate") else o.drug.name, pulse)
        prev = first.get(key)
        if prev is None:
            first[key] = o
            continue
        yield Hit(
            f"{o.label} duplicates order {prev.ref!r} ({prev.label}): "
            "two active orders of the same drug",
            f"{o.pointer}/drug",
            o.index,
        )


def ref_ild101(reg, opts):
    exempt = set(opts["rp-ild-exempt"]) if reg.rapidly_progressive else set()
    agents = opts["agents"]
    for o in reg.new():
        if not o.for_ild:
            continue
        for cls in agents:
            if o.is_a(cls) and cls not in exempt:
                why = NOT_RECOMMENDED.get(cls, "it is not recommended for SSc-ILD")
                yield Hit(f"{o.label} is not a recommended SSc-ILD agent: {why}", f"{o.pointer}/drug", o.index)
                break


def ref_ild102(reg, opts):
    if not reg.active("mycophenolate") or reg.progressed_on_class("mycophenolate"):
        return
    for o in reg.new("nintedanib"):
        yield Hit(
            f"{o.label} is started together with mycophenolate, with no documented ILD progression on mycophenolate",
            f"{o.pointer}/drug", o.index,
        )


def _ref_least_pe(reg, o):
    """The daily PE; without a schedule (no administrations a day known), that of one administration."""
    pe = reg.daily_pe(o)
    if pe is None and o.per_day is None and not o.single and o.systemic_glucocorticoid and o.drug.pe_factor is not None:
        one = reg.amount(o, "mg", "admin")
        pe = None if one is None else round(one * o.drug.pe_factor, 2)
    return pe


def _ref_is_pulse(reg, o):
    pe = _ref_least_pe(reg, o) if o.systemic_glucocorticoid else None
    return pe is not None and pe >= setting(reg, PULSE_SETTING, DEFAULT_PULSE_MIN_PE)


def _ref_non_pulse(reg, orders, least=True):
    out = []
    for o in orders:
        if o.systemic_glucocorticoid and not premedication(o) and not (_ref_is_pulse(reg, o) if least else is_pulse(reg, o)):
            out.append((o, _ref_least_pe(reg, o) if least else reg.daily_pe(o)))
    return out


def ref_ild201(reg, opts):
    if reg.phase != "first-line":
        return
    for o in reg.new():
        if o.for_ild and o.systemic_glucocorticoid and not premedication(o) and not _ref_is_pulse(reg, o):
            yield Hit(
                f"{o.describe()} is a systemic glucocorticoid ordered for ILD in the first-line phase "
                "(ACR/CHEST 2023: strong recommendation against)",
                f"{o.pointer}/drug", o.index,
            )


def ref_ild202(reg, opts):
    parts = _ref_non_pulse(reg, reg.active())
    known = [(o, pe) for o, pe in parts if pe is not None and (reg.daily_pe(o) is not None or not as_needed(o))]
    pe_of = {o.index: pe for o, pe in known}
    limit = opts["max-daily-pe-mg"]
    groups = [known]
    if len(known) > 1:  # each set given together (_ref_together), then each order given alone
        sets = _ref_together(reg, [o for o, _ in known])
        together = {o.index for x in sets for o in x}
        groups = [[(o, pe_of[o.index]) for o in x] for x in sets] + [[p] for p in known if p[0].index not in together]
    for group in groups:
        total = round(sum(pe for _, pe in group), 2)
        if total > limit:
            top = max(group, key=lambda p: p[1])[0]
            arithmetic = _arithmetic(group)
            if len(group) > 1:
                arithmetic += f"; total {fmt(total)} mg PE"
            yield Hit(f"{arithmetic} > {fmt(limit)} mg/day (scleroderma renal crisis risk)", f"{top.pointer}/dose", top.index,
                      render(FIX_202, opts), tuple(o.index for o, _ in group if o is not top))


def _ref_chains(reg, judged):
    """(course span by order index, the chains of two or more orders in order of their first days):
    orders whose courses overlap or touch, joined pairwise until nothing changes (ILD203, ILD503)."""
    span = {o.index: reg.course_span(o) for o in judged}
    group = {o.index: {o.index} for o in judged}
    changed = True
    while changed:
        changed = False
        for a in judged:
            for b in judged:
                (af, al), (bf, bl) = span[a.index], span[b.index]
                if group[a.index] is not group[b.index] and af <= bl and bf <= al:
                    merged = group[a.index] | group[b.index]
                    for i in merged:
                        group[i] = merged
                    changed = True
    chains = {id(g): g for g in group.values() if len(g) > 1}.values()
    return span, sorted(chains, key=lambda g: min((span[i][0], i) for i in g))


def _ref_names(reg, span, by_index, members):
    """A chain's orders in words: "order 'a' <order> (from <day>, N days) + ..."."""
    def words(i):
        f, l = span[i]
        since = reg.day_after(f)
        return f"from {since}, open-ended" if l == math.inf else f"from {since}, {fmt(l - f)} days"

    return " + ".join(f"order {by_index[i].ref!r} {by_index[i].describe()} ({words(i)})" for i in members)


def ref_ild203(reg, opts):
    recorded = reg.doc.indication.phase is None and any(
        h.outcome == "progression" and (h.start is None or h.start <= reg.as_of) for h in reg.doc.history)
    if reg.phase != "progression" and not recorded \
            and not any(d.is_a("systemic-glucocorticoid") for d in reg.progressed_on):
        return
    limit = opts["max-course-days"]
    for o, _ in _ref_non_pulse(reg, reg.active(), least=False):
        if not o.for_ild or (o.administrations is not None and _ref_is_pulse(reg, o)):
            continue
        if not o.course_known:  # a length that cannot be computed is read as open-ended
            yield Hit(f"{o.describe()}: its course length cannot be computed, so it is read as open-ended at ILD "
                      "progression (long-term glucocorticoids: strong recommendation against)",
                      f"{o.pointer}/duration" if o.doses is None else f"{o.pointer}/doses", o.index, render(FIX_203, opts))
            continue
        if o.course_days is None:
            yield Hit(f"{o.describe()} has an open-ended course at ILD progression (long-term glucocorticoids: strong recommendation against)", f"{o.pointer}/frequency", o.index, render(FIX_203, opts))
        elif o.course_days > limit:
            yield Hit(f"{o.describe()} runs {fmt(o.course_days)} days, over {fmt(limit)} days, at ILD progression (long-term glucocorticoids: strong recommendation against)", f"{o.pointer}/duration" if o.doses is None else f"{o.pointer}/doses", o.index, render(FIX_203, opts))
    # Chains (rules.md ILD203 with Course length): orders whose courses overlap or touch, joined
    # pairwise until nothing changes, judged from their first day to the end of the last course.
    judged = [o for o, _ in _ref_non_pulse(reg, reg.active(), least=False) if o.for_ild and o.course_known
              and not (o.administrations is not None and _ref_is_pulse(reg, o))]
    span, groups = _ref_chains(reg, judged)
    by_index = {o.index: o for o in judged}
    for g in groups:
        members = sorted(g, key=lambda i: (span[i][0], i))
        alone = [by_index[i] for i in members if by_index[i].course_days is None or by_index[i].course_days > limit]
        first, last = min(span[i][0] for i in g), max(span[i][1] for i in g)
        if len(alone) == len(members) or last - first <= limit:
            continue
        top = by_index[min(i for i in g if span[i][1] == last)]
        names = _ref_names(reg, span, by_index, members)
        length = "an open-ended course" if last == math.inf else f"{fmt(last - first)} days, over {fmt(limit)} days"
        at = f"{top.pointer}/frequency" if top.course_days is None else (f"{top.pointer}/duration" if top.doses is None else f"{top.pointer}/doses")
        yield Hit(f"{names} follow one another without a gap: one course of {length}, at ILD progression "
                  "(long-term glucocorticoids: strong recommendation against)", at, top.index, render(FIX_203, opts),
                  tuple(sorted(i for i in g if i != top.index)))


def _ref_pulses(reg):
    out = []
    for o in reg.active():
        pe = _ref_least_pe(reg, o) if o.systemic_glucocorticoid else None
        if pe is not None and _ref_is_pulse(reg, o):
            out.append((o, pe))
    return out


def ref_ild204(reg, opts):
    if reg.rapidly_progressive:
        return
    for o, pe in _ref_pulses(reg):
        once = "; one administration, whatever its frequency" if o.pe is None else ""
        yield Hit(f"{o.describe()} is a pulse ({fmt(pe)} mg PE/day{once}) but the ILD is not rapidly progressive", f"{o.pointer}/dose", o.index)


def ref_ild205(reg, opts):
    if not reg.rapidly_progressive:
        return
    if any(reg.protecting(p) for p in opts["partners"]):
        return
    for o, _ in _ref_pulses(reg):
        yield Hit(f"{o.describe()} pulse for RP-ILD has no accompanying immunosuppressant ({', '.join(opts['partners'])})", f"{o.pointer}/drug", o.index)


def ref_ild206(reg, opts):
    if not reg.rapidly_progressive:
        return
    pulses = _ref_day_pulses(reg)
    for o, pe in pulses:
        problems = []
        if pe > opts["max-daily-pe-mg"]:
            less_than_daily = o.per_day is not None and not o.single and 0 < o.per_day < 1
            words = " on the day it is given" if less_than_daily else (
                f" on a day it is given {math.ceil(o.per_day)} times" if o.per_day is not None and not o.single
                and o.per_day % 1 > 1e-9 else "")
            problems.append(f"{fmt(pe)} mg PE/day{words} > {fmt(opts['max-daily-pe-mg'])}")
        if o.administrations is None and o.course_known:
            problems.append(f"the course is open-ended (give doses: {opts['max-administrations']})")
        elif not o.course_known and o.administrations is None:
            problems.append(f"its course length cannot be computed, so it is read as open-ended (give doses: {opts['max-administrations']})")
        elif o.administrations is not None and o.administrations > opts["max-administrations"]:
            problems.append(f"{o.administrations} administrations > {opts['max-administrations']}")
        if problems:
            yield Hit(f"{o.describe()} pulse exceeds the RP-ILD pulse course: " + "; ".join(problems), f"{o.pointer}/dose", o.index, render(FIX_206, opts))
    yield from _ref_pulses_together(reg, opts, pulses)


def _ref_day_pulses(reg):
    """(pulse, PE of a day it is given): an order given on some days only (weekly, q48h, q16h) is
    judged by its fullest day, from one administration's amount."""
    out = []
    for o, pe in _ref_pulses(reg):
        if o.per_day is not None and not o.single and o.per_day > 0 and o.per_day % 1 > 1e-9:
            k = math.ceil(o.per_day)
            one = reg.amount(o, "mg", "admin")
            pe = one * o.drug.pe_factor * k if one is not None else pe / o.per_day * k
        out.append((o, round(pe, 2)))
    return out


def _ref_span(reg, o):
    """(first day, day after the course) from as_of, as rules.md reads a course (open-ended: never ends)."""
    start = reg.doc.orders[o.index].start
    first = 0 if start is None else (start - reg.as_of).days
    return first, (math.inf if not o.course_known or o.course_days is None else first + o.course_days)


def _ref_together(reg, orders):
    """The largest sets of two or more orders given on one day, by looking at every first day."""
    sets = []
    for first, _ in (_ref_span(reg, o) for o in orders):
        here = [o for o in orders if _ref_span(reg, o)[0] <= first < _ref_span(reg, o)[1]]
        if len(here) > 1 and here not in sets:
            sets.append(here)
    sets = [x for x in sets if not any(len(y) > len(x) and all(o in y for o in x) for y in sets)]
    return sorted((sorted(x, key=lambda o: o.index) for x in sets), key=lambda x: [o.index for o in x])


def _ref_pulses_together(reg, opts, pulses):
    if len(pulses) < 2:
        return
    pe_of = {o.index: pe for o, pe in pulses}
    over_pe = {o.index for o, pe in pulses if pe > opts["max-daily-pe-mg"]}
    over_course = {o.index for o, _ in pulses if o.administrations is None
                   or (o.administrations is not None and o.administrations > opts["max-administrations"])}
    orders = [o for o, _ in pulses]
    # runs: orders joined while their courses overlap or follow without a day between, by first day
    runs: list[list] = []
    for o in sorted(orders, key=lambda o: _ref_span(reg, o)[0]):
        if runs and _ref_span(reg, o)[0] <= max(_ref_span(reg, q)[1] for q in runs[-1]):
            runs[-1].append(o)
        else:
            runs.append([o])
    sets = _ref_together(reg, orders)
    for run in runs:
        if len(run) < 2:
            continue
        run = sorted(run, key=lambda o: o.index)
        problems = []
        # An order over alone is summed too, unless every order of the set is (their own findings say it).
        daily = [round(sum(pe_of[o.index] for o in t), 2) for t in sets
                 if t[0] in run and any(o.index not in over_pe for o in t)]
        if daily and max(daily) > opts["max-daily-pe-mg"]:
            problems.append(f"{fmt(max(daily))} mg PE/day together > {fmt(opts['max-daily-pe-mg'])}")
        counted = [o.administrations for o in run if o.administrations is not None]
        if len(counted) > 1 and any(o.index not in over_course for o in run) and sum(counted) > opts["max-administrations"]:
            problems.append(f"{sum(counted)} administrations together > {opts['max-administrations']}")
        if problems:
            top = max(run, key=lambda o: pe_of[o.index])
            names = " + ".join(f"order {o.ref!r} {o.describe()} ({fmt(pe_of[o.index])} mg PE/day)" for o in run)
            yield Hit(f"{names}, one pulse course, exceed the RP-ILD pulse course together: " + "; ".join(problems),
                      f"{top.pointer}/dose", top.index, render(FIX_206, opts), tuple(o.index for o in run if o is not top))


def ref_ild207(reg, opts):
    if not reg.rapidly_progressive:
        return
    for o, pe in _ref_pulses(reg):
        once = "; one administration, whatever its frequency" if o.pe is None else ""
        yield Hit(f"{o.describe()} pulse ({fmt(pe)} mg PE/day{once}): assess scleroderma renal crisis risk; monitor blood pressure and creatinine", f"{o.pointer}/dose", o.index)


def _ref_not_counted(reg, until=None):
    why = [f"order {o.ref}, {o.label}, {reg.not_protecting(o, recurring=True, until=until)}" for o in reg.active(PCP_AGENTS)]
    return f" (not counted: {'; '.join(why)})" if why else ""


def _ref_exposure_end(reg, parts, minimum):
    """The summed order with the latest course end at which the orders ending then or later still
    sum to ``minimum`` (the first such order in the document)."""
    best = None
    for o, _ in parts:
        end = reg.end_after(o)
        if round(sum(pe for q, pe in parts if reg.end_after(q) >= end), 2) >= minimum:
            if best is None or end > reg.end_after(best):
                best = o
    return best


def _ref_runs(reg, orders):
    """Orders given one after another: each extends the run (starts by the day after its end and
    ends later); one that ends within the run extends nothing and is in none."""
    runs = []
    for o in sorted(orders, key=lambda o: (reg.course_span(o)[0], o.index)):
        first, last = reg.course_span(o)
        if runs and first <= runs[-1][1] + 1e-6:
            if last > runs[-1][1] + 1e-6:
                runs[-1][0].append(o)
                runs[-1][1] = last
        else:
            runs.append([[o], last])
    return [members for members, _end in runs]


def _ref_days(reg, o):
    first, last = reg.course_span(o)
    return last - first


def ref_ild302(reg, opts):
    min_days, min_pe = opts["min-course-days"], opts["min-daily-pe-mg"]
    parts, short = [], []
    for o in reg.active():
        if not o.systemic_glucocorticoid or premedication(o) or is_pulse(reg, o):
            continue
        pe = reg.daily_pe(o)
        if pe is None:
            continue
        if o.course_known and o.course_days is not None and o.course_days < min_days:
            short.append((o, pe))  # (a course of unknown length is read as open-ended)
        else:
            parts.append((o, pe))
    pe_of = dict((o.index, pe) for o, pe in parts + short)
    run_of = {}
    if len(short) > 1:
        for members in _ref_runs(reg, [o for o, _ in short]):
            span = reg.course_span(members[-1])[1] - reg.course_span(members[0])[0]
            if len(members) < 2 or span < min_days:
                continue
            level = None  # the largest PE whose courses at it or above last min_days together
            for cand in sorted({pe_of[o.index] for o in members}, reverse=True):
                if sum(_ref_days(reg, o) for o in members if pe_of[o.index] >= cand) >= min_days - 1e-9:
                    level = cand
                    break
            if level is None:
                continue
            at = [o for o in members if pe_of[o.index] >= level]
            last = max(at, key=lambda o: (reg.course_span(o)[1], -at.index(o)))
            run_of[at[0].index] = (members, sum(_ref_days(reg, o) for o in at), last)
            parts.append((at[0], level))
    total = round(sum(pe for _, pe in parts), 2)
    if not parts or total < min_pe:
        return
    until = _ref_exposure_end(reg, [(run_of[o.index][2] if o.index in run_of else o, pe) for o, pe in parts], min_pe)
    for members in _ref_runs(reg, [o for o, pe in parts + short if pe >= min_pe]):
        if until in members:
            until = max(members, key=lambda o: (reg.course_span(o)[1], -members.index(o)))
    if reg.protecting(PCP_AGENTS, recurring=True, until=until):
        return
    top = max(parts, key=lambda p: p[1])[0]
    days = [run_of[o.index][1] if o.index in run_of else o.course_days for o, _ in parts]
    course = "an open-ended course" if None in days else f"{fmt(min(days))} days"
    if any(not o.course_known for o, _ in parts):
        course = "a course of unknown length (read as open-ended)"
    said = []
    for o, pe in parts:
        if o.index in run_of:
            members, n, _last = run_of[o.index]
            said.append(f"{len(members)} orders given one after another ({', '.join(m.describe() for m in members)}), "
                        f"{fmt(n)} days at {fmt(pe)} mg PE")
        else:
            said.append(f"{o.describe()} = {fmt(pe)} mg PE")
    arithmetic = " + ".join(said)
    if len(parts) > 1:
        arithmetic += f"; total {fmt(total)} mg PE"
    also = []
    for o, _ in parts:
        for m in run_of[o.index][0] if o.index in run_of else [o]:
            if m is not top and m.index not in also:
                also.append(m.index)
    yield Hit(
        f"{arithmetic} >= {fmt(min_pe)} mg/day for {course}, without Pneumocystis prophylaxis{_ref_not_counted(reg, until)}",
        f"{top.pointer}/drug", top.index, None, tuple(also),
    )


def _ref_needed_for(tags, table):
    out: list[str] = []
    for cls, tests in table.items():
        if cls in tags:
            out.extend(t for t in tests if t not in out)
    return tuple(out)


def _ref_missing_for(reg, o, table):
    needed = _ref_needed_for(o.tags, table)
    return reg.missing_tests(needed) if needed else []


def ref_ild401(reg, opts):
    for o in reg.new():
        missing = _ref_missing_for(reg, o, opts["required"])
        if missing:
            yield Hit(f"{o.label} is started without baseline {_fmt_tests(missing)}", f"{o.pointer}/drug", o.index)


def ref_ild402(reg, opts):
    for o in reg.new():
        missing = _ref_missing_for(reg, o, opts["required"])
        if missing:
            yield Hit(f"{o.label} is started without {_fmt_tests(missing)} screening (boxed warning)", f"{o.pointer}/drug", o.index)


def ref_ild403(reg, opts):
    for o in reg.new("immunosuppressant"):
        if o.is_a("rituximab"):
            continue
        needed = list(opts["required"]) + (list(opts["abatacept-extra"]) if o.is_a("abatacept") else [])
        missing = reg.missing_tests(needed)
        if missing:
            yield Hit(f"{o.label} is started without {_fmt_tests(missing)} screening", f"{o.pointer}/drug", o.index)


def ref_ild405(reg, opts):
    if reg.phase != "first-line":
        return
    starting = [o for o in reg.new() if o.for_ild and (o.is_a("immunosuppressant") or o.is_a("antifibrotic"))]
    if not starting:
        return
    missing = reg.missing_tests(["hrct", "pft"])
    if missing:
        names = ", ".join(sorted({o.drug.name for o in starting if o.drug is not None}))

        def within(days):
            return "with any date" if days is None else f"within {days} day{'s' if days != 1 else ''}"

        fix = (f"Order HRCT chest and PFTs (or record an HRCT resulted {within(reg.lookback('hrct'))} and PFTs "
               f"{within(reg.lookback('pft'))}).")
        yield Hit(f"first-line ILD treatment ({names}) is started without baseline {_fmt_tests(missing)}",
                  "/tests" if reg.doc.tests else "/indication", fix=fix)


def _ref_fullest(o):
    """Administrations on an order's fullest day when a day's number is not whole (weekly: 1;
    q16h: 2), else None: a daily maximum judges that day."""
    if o.single or o.per_day is None or o.per_day <= 0:
        return None
    k = math.ceil(o.per_day - 1e-9)
    return k if k - o.per_day > 1e-9 else None


def _ref_fullest_words(o):
    k = _ref_fullest(o)
    return "" if k is None else " on the day it is given" if k == 1 else f" on a day it is given {k} times"


def _ref_day(o, v):
    """A daily amount on the order's fullest day."""
    k = _ref_fullest(o)
    return v if k is None else v / o.per_day * k


def _ref_admin_bound(limits, lim, opts):
    bounds = [opts[other.option] for other in limits if other.per == "admin" and other.basis == lim.basis
              and (other.routes is None or lim.routes is None or set(other.routes) & set(lim.routes))]
    return min(bounds) if bounds else math.inf


def _ref_amount(reg, o, lim, admin_bound=math.inf):
    per = "admin" if lim.per in ("admin", "4wk") else "day"
    v = reg.amount(o, lim.basis, per)
    if v is None:
        return None
    if lim.per == "4wk":  # the administrations that start within 28 days, when more than one
        if o.single or o.per_day is None:
            return None
        n = max(1, math.ceil(28 * o.per_day - 1e-9))
        if o.administrations is not None:
            n = min(n, o.administrations)
        if n == 1 and v > admin_bound:
            return None  # one administration: its maximum per administration judges it
        v = v * n
    if lim.per == "week":
        return round(_ref_week(reg, o, lim), 2)
    return round(v, 2)


def _ref_week(reg, o, lim):
    """The most in any 7 consecutive days: a dose times the administrations that start within
    7 days (a single order: one a day, as many as its doses), no more than the whole course gives."""
    rate = 1.0 if o.single else o.per_day
    n = max(1, math.ceil(7 * rate - 1e-9))
    if o.administrations is not None:
        n = min(n, o.administrations)
    return reg.amount(o, lim.basis, "day") / rate * n


def _ref_dose_check(reg, opts, by_drug, above, alone=None):
    for o in reg.active():
        limits = by_drug.get(o.drug.name) if o.drug is not None else None
        if not limits or not systemic(o):
            continue
        for lim in limits:
            if lim.routes is not None and o.route not in lim.routes and (o.route is not None or not above):
                continue
            value = _ref_amount(reg, o, lim, _ref_admin_bound(limits, lim, opts))
            if value is None:
                # no schedule: one administration above a maximum per day or per week is above it
                one = reg.amount(o, lim.basis, "admin")
                if (above and lim.per in ("day", "week") and o.per_day is None and not o.single and one is not None
                        and round(one, 2) > opts[lim.option]):
                    if alone is not None:
                        alone.add((o.index, lim.option))
                    unit = lim.basis.replace("m2", "m²")
                    yield Hit(f"{o.describe()}: one administration = {fmt(round(one, 2))} {unit} > {fmt(opts[lim.option])} "
                              f"{unit}{_PER_TEXT[lim.per]}, the maximum for {lim.drug}, whatever its frequency"
                              + (f" by route {o.route}" if lim.routes and o.route is not None else ""),
                              f"{o.pointer}/dose", o.index)
                continue
            # a daily maximum is of the order's fullest day (weekly: the day it is given; q16h: two doses)
            fuller = above and lim.per == "day" and _ref_fullest(o) is not None
            if fuller:
                value = round(_ref_day(o, reg.amount(o, lim.basis, "day")), 2)
            bound = opts[lim.option]
            only_per_admin = all(other.per == "admin" for other in limits)
            if above and only_per_admin and not o.single and o.per_day is not None and o.per_day > 1 + 1e-9 \
                    and value <= bound:
                # more than one administration a day of a drug with only a maximum per administration
                k = math.ceil(o.per_day - 1e-9)
                if round(value * k, 2) > bound:
                    if alone is not None:
                        alone.add((o.index, lim.option))
                    unit = lim.basis.replace("m2", "m²")
                    yield Hit(f"{o.describe()}: {k} administrations on one day = {fmt(round(value * k, 2))} {unit} > "
                              f"{fmt(bound)} {unit} per administration, the maximum for {lim.drug} (doses given on one day add up)",
                              f"{o.pointer}/dose", o.index)
                    continue
            if (value > bound) if above else (value < bound):
                if alone is not None:
                    alone.add((o.index, lim.option))
                word = "maximum" if above else "minimum"
                rel = ">" if above else "<"
                unit = lim.basis.replace("m2", "m²") + ("" if lim.per == "admin" else _PER_TEXT[lim.per])
                per_admin = " per administration" if lim.per == "admin" else ""
                yield Hit(
                    f"{_shown(reg, o, lim, value)}{_ref_fullest_words(o) if fuller else ''} {rel} {fmt(bound)} "
                    f"{unit}{per_admin}, the {word} for {lim.drug}"
                    + ((f" by route {o.route}" if o.route is not None else f" by route {'/'.join(lim.routes)} (the order gives no route)")
                       if lim.routes else ""),
                    f"{o.pointer}/dose", o.index,
                )


def ref_ild501(reg, opts):
    alone: set = set()  # (order, limit) of each order over a limit alone
    yield from _ref_dose_check(reg, opts, MAXIMA_BY_DRUG, above=True, alone=alone)
    limited: dict = {}
    for o in reg.active():
        if o.drug is not None and o.drug.name in MAXIMA_BY_DRUG and systemic(o):
            limited.setdefault(o.drug.name, []).append(o)
    summed = set()
    for name, orders in limited.items():
        if len(orders) < 2:
            continue
        limits = MAXIMA_BY_DRUG[name]
        for lim in limits:
            if lim.per == "admin" and any(other.per != "admin" and (other.routes is None or lim.routes is None
                                                                   or set(other.routes) & set(lim.routes)) for other in limits):
                continue
            members = []
            for o in orders:
                if lim.routes is not None and o.route is not None and o.route not in lim.routes:
                    continue
                per = "admin" if lim.per in ("admin", "4wk") else "day"
                v = reg.amount(o, lim.basis, per)
                if v is None or (per == "admin" and o.per_day is None):
                    continue
                if lim.per == "week":  # a dose: administrations within any 7 days are summed
                    members.append((o, v / (1.0 if o.single else o.per_day)))
                elif lim.per == "day":  # each order's fullest day
                    members.append((o, _ref_day(o, v)))
                else:
                    members.append((o, v))
            if len(members) < 2:
                continue
            bound = opts[lim.option]
            if lim.per in ("admin", "4wk", "week"):
                window, when = {"4wk": (28.0, "within 4 weeks"), "week": (7.0, "within 7 days"), "admin": (1.0, "on one day")}[lim.per]
                found = _ref_windows(reg, members, bound, window)
            else:
                amount = dict((o.index, v) for o, v in members)
                found = [[(o, amount[o.index]) for o in t] for t in _ref_together(reg, [o for o, _ in members])]
                found = [f for f in found if round(sum(v for _, v in f), 2) > bound]
                when = "given at the same time"
            for parts in found:
                if all((o.index, lim.option) in alone for o, _ in parts):
                    continue  # each over alone: their own findings say it
                summed.add(name)
                yield _sum_hit(reg, lim, parts, bound, when)
    forms = [("mycophenolate mofetil", "mmf-max-mg-per-day"), ("mycophenolic acid", "mpa-max-mg-per-day")]
    if all(f in limited for f, _ in forms) and not summed & {f for f, _ in forms}:
        share = {}
        for name, option in forms:
            for o in limited[name]:
                v = reg.amount(o, "mg", "day")
                if v is not None:
                    share[o.index] = (o, _ref_day(o, v), opts[option])
        for t in _ref_together(reg, [o for o, _, _ in share.values()]):
            if len({o.drug.name for o in t}) < 2 or all(
                    (o.index, dict(forms)[o.drug.name]) in alone for o in t):
                continue
            parts = [share[o.index] for o in t]
            total = round(sum(100 * v / b for _, v, b in parts), 2)
            if total > 100:
                top = max(parts, key=lambda p: p[1] / p[2])[0]
                shown = " + ".join(f"order {o.ref!r} {o.describe()} = {fmt(v)} mg/day, {fmt(100 * v / b)}% of {fmt(b)} mg/day" for o, v, b in parts)
                yield Hit(f"{shown}, given at the same time: together {fmt(total)}% of the maximum daily dose of mycophenolate "
                          "(mycophenolate mofetil and mycophenolic acid are two forms of one drug, each counted against its own maximum)",
                          f"{top.pointer}/dose", top.index, None, tuple(o.index for o, _, _ in parts if o is not top))
    yield from _ref_bare_mycophenolate(reg, opts)


def _ref_bare_mycophenolate(reg, opts):
    """Bare mycophenolate against the larger of the MMF and MPA daily maxima, alone and as its share
    of that maximum beside other mycophenolate orders given at the same time."""
    bounds = {"mycophenolate mofetil": opts["mmf-max-mg-per-day"], "mycophenolic acid": opts["mpa-max-mg-per-day"]}
    bounds["mycophenolate"] = max(bounds.values())
    family = [o for o in reg.active() if o.drug is not None and o.drug.name in bounds and systemic(o)]
    if not any(o.drug.name == "mycophenolate" for o in family):
        return
    daily, over = {}, set()
    larger = (f"the larger of the maximum daily doses of mycophenolate mofetil ({fmt(bounds['mycophenolate mofetil'])} "
              f"mg/day) and mycophenolic acid ({fmt(bounds['mycophenolic acid'])} mg/day): above the maximum whichever form is meant")
    for o in family:
        v = reg.amount(o, "mg", "day")
        if v is None:
            one = reg.amount(o, "mg", "admin")
            if (o.drug.name == "mycophenolate" and o.per_day is None and not o.single and one is not None
                    and round(one, 2) > bounds["mycophenolate"]):
                over.add(o.index)
                yield Hit(f"{o.describe()}: one administration = {fmt(round(one, 2))} mg > {fmt(bounds['mycophenolate'])} "
                          f"mg/day, whatever its frequency; {larger}", f"{o.pointer}/dose", o.index)
            continue
        v = _ref_day(o, v)
        daily[o.index] = v
        if o.drug.name == "mycophenolate" and round(v, 2) > bounds["mycophenolate"]:
            over.add(o.index)
            yield Hit(f"{o.describe()} = {fmt(round(v, 2))} mg/day{_ref_fullest_words(o)} > {fmt(bounds['mycophenolate'])} "
                      f"mg/day, {larger}", f"{o.pointer}/dose", o.index)
    counted = [o for o in family if o.index in daily]
    for t in _ref_together(reg, counted):
        if not any(o.drug.name == "mycophenolate" for o in t) or all(o.index in over for o in t):
            continue
        parts = [(o, daily[o.index], bounds[o.drug.name]) for o in t]
        total = round(sum(100 * v / b for _, v, b in parts), 2)
        if total > 100:
            top = max(parts, key=lambda p: p[1] / p[2])[0]
            shown = " + ".join(f"order {o.ref!r} {o.describe()} = {fmt(v)} mg/day, {fmt(100 * v / b)}% of {fmt(b)} mg/day"
                               for o, v, b in parts)
            yield Hit(f"{shown}, given at the same time: together {fmt(total)}% of the maximum daily dose of mycophenolate "
                      "(each form counted against its own maximum, a mycophenolate order that names no form against the larger)",
                      f"{top.pointer}/dose", top.index, None, tuple(o.index for o, _, _ in parts if o is not top))


def _ref_windows(reg, members, bound, window):
    """Every window of ``window`` days that starts on an administration of one of the orders (up to
    two windows after the last first day), and the orders that run on beyond as if aligned."""
    plan = []
    for o, v in members:
        per_day = 1.0 if o.single else o.per_day
        n = 1 if o.single else o.administrations
        plan.append((o, v, _ref_span(reg, o)[0], per_day, n))
    horizon = max(p[2] for p in plan) + 2 * window

    def count(first, per_day, n, t):
        ks = [k for k in range(0, int((t + window - first) * per_day) + 2) if (n is None or k < n)
              and t <= first + k / per_day + 1e-9 / per_day and first + k / per_day < t + window - 1e-9 / per_day]
        return len(ks)

    def most(v, per_day, n):
        c = max(1, math.ceil(window * per_day - 1e-9))
        return v * (c if n is None else min(c, n))

    found: dict = {}

    def consider(parts):
        total = round(sum(x for _, x in parts), 2)
        key = frozenset(o.index for o, _ in parts)
        if len(parts) > 1 and total > bound and (key not in found or total > found[key][0]):
            found[key] = (total, parts)

    for o, v, first, per_day, n in plan:
        k = 0
        while (n is None or k < n) and first + k / per_day <= horizon + 1e-9:
            t = first + k / per_day
            consider([(q, w * c) for q, w, f, pd, m in plan for c in [count(f, pd, m, t)] if c])
            k += 1
    late = [(o, most(v, pd, n)) for o, v, first, pd, n in plan if n is None or first + (n - 1) / pd > horizon]
    if len(late) > 1:
        consider(late)
    kept = [(t, p) for key, (t, p) in found.items() if not any(other > key and found[other][0] >= t for other in found)]
    return [p for _, p in sorted(kept, key=lambda tp: [o.index for o, _ in tp[1]])]


def ref_ild502(reg, opts):
    yield from _ref_dose_check(reg, opts, MINIMA_BY_DRUG, above=False)


def ref_ild503(reg, opts):
    for o in reg.active("cyclophosphamide"):
        at = f"{o.pointer}/doses" if o.doses is not None else f"{o.pointer}/duration"
        if not o.course_known:  # read as open-ended, unless its IV administrations alone are too many
            if o.route in ("iv", None) and o.administrations is not None and o.administrations > opts["iv-max-administrations"]:
                why = f"{o.administrations} administrations > {opts['iv-max-administrations']}{_ref_no_route(o)}"
            else:
                why = "its course length cannot be computed, so it is read as open-ended"
            yield Hit(f"{o.describe()} course is too long: {why}", at, o.index, render(FIX_503, opts))
            continue
        if o.course_days is None:
            yield Hit(
                f"{o.describe()} has an open-ended course; give doses or a duration of at most {fmt(opts['max-course-days'])} days",
                f"{o.pointer}/frequency", o.index, render(FIX_503, opts),
            )
            continue
        problems = []
        if o.route in ("iv", None) and o.administrations is not None and o.administrations > opts["iv-max-administrations"]:
            problems.append(f"{o.administrations} administrations > {opts['iv-max-administrations']}{_ref_no_route(o)}")
        if o.course_days > opts["max-course-days"]:
            problems.append(f"{fmt(o.course_days)} days > {fmt(opts['max-course-days'])}")
        if problems:
            at = f"{o.pointer}/doses" if o.doses is not None else f"{o.pointer}/duration"
            yield Hit(f"{o.describe()} course is too long: " + "; ".join(problems), at, o.index, render(FIX_503, opts))
    # Chains (rules.md ILD503 with Course length): orders whose courses overlap or touch, joined
    # pairwise until nothing changes, judged as one course: its days and its IV administrations.
    judged = [o for o in reg.active("cyclophosphamide") if o.course_known]
    span, groups = _ref_chains(reg, judged)
    by_index = {o.index: o for o in judged}
    limit, most = opts["max-course-days"], opts["iv-max-administrations"]

    def alone_too_long(o):
        return o.course_days is None or o.course_days > limit or (
            o.route in ("iv", None) and o.administrations is not None and o.administrations > most)

    for g in groups:
        members = sorted(g, key=lambda i: (span[i][0], i))
        if all(alone_too_long(by_index[i]) for i in members):
            continue
        first, last = min(span[i][0] for i in g), max(span[i][1] for i in g)
        given = sum(by_index[i].administrations for i in g
                    if by_index[i].route in ("iv", None) and by_index[i].administrations is not None)
        problems = ([f"{given} IV administrations > {most}"] if given > most else []) + (
            (["open-ended"] if last == math.inf else [f"{fmt(last - first)} days > {fmt(limit)}"]) if last - first > limit else [])
        if not problems:
            continue
        top = by_index[min(i for i in g if span[i][1] == last)]
        names = _ref_names(reg, span, by_index, members)
        at = f"{top.pointer}/frequency" if top.course_days is None else (f"{top.pointer}/doses" if top.doses is not None else f"{top.pointer}/duration")
        yield Hit(f"{names} follow one another without a gap: one cyclophosphamide course, too long: " + "; ".join(problems),
                  at, top.index, render(FIX_503, opts), tuple(sorted(i for i in g if i != top.index)))


def _ref_no_route(o):
    return " (no route read: counted as IV)" if o.route is None else ""


#: Every check whose code was changed, by rule code. The other checks are unchanged.
REFERENCE: dict[str, Callable[[Any, Any], Iterator[Hit]]] = {
    "OL004": ref_ol004, "ILD101": ref_ild101, "ILD102": ref_ild102,
    "ILD201": ref_ild201, "ILD202": ref_ild202, "ILD203": ref_ild203, "ILD204": ref_ild204,
    "ILD205": ref_ild205, "ILD206": ref_ild206, "ILD207": ref_ild207, "ILD302": ref_ild302,
    "ILD401": ref_ild401, "ILD402": ref_ild402, "ILD403": ref_ild403, "ILD405": ref_ild405,
    "ILD501": ref_ild501, "ILD502": ref_ild502, "ILD503": ref_ild503,
}

# --------------------------------------------------------------------------- inputs


ROUTES = ["oral", "iv", "sc", "im", "topical", "inhaled", "PO", "nasal spray", None]
STATUSES = ["new", "active", "stopped", "on-hold", None]
PURPOSES = ["ild", "other", "premedication", None]
DRUGS = ["mycophenolate mofetil", "mycophenolic acid", "mycophenolate", "azathioprine", "cyclophosphamide",
         "nintedanib", "tocilizumab", "rituximab", "abatacept", "prednisone", "methylprednisolone",
         "dexamethasone", "tacrolimus", "dapsone", "sulfamethoxazole-trimethoprim", "methotrexate",
         "tofacitinib", "ivig", "leflunomide", "omeprazole"]
UNITS = ["mg", "g", "mg/kg", "mg/m2", "tablet", "mcg", None]
FREQUENCIES = ["daily", "bid", "tid", "weekly", "q4w", "once", "prn", None]
TESTS = ["cbc", "lft", "renal", "urinalysis", "hbv", "tb", "pregnancy", "tpmt", "g6pd", "hrct", "pft"]


def _mutate(doc: dict, rng: random.Random) -> dict:
    d = copy.deepcopy(doc)
    orders = d.get("orders")
    if isinstance(orders, list):
        if rng.random() < 0.3:
            orders.append({"drug": rng.choice(DRUGS), "dose": rng.choice([5, 50, 500, 1000, 2000]),
                           "unit": "mg", "route": "oral", "frequency": "daily"})
        if orders and rng.random() < 0.3:
            orders.append(copy.deepcopy(rng.choice(orders)))  # a duplicate order
        for o in orders:
            if not isinstance(o, dict):
                continue
            for key, choices in (("route", ROUTES), ("status", STATUSES), ("purpose", PURPOSES),
                                 ("unit", UNITS), ("frequency", FREQUENCIES), ("drug", DRUGS)):
                if rng.random() < 0.15:
                    value = rng.choice(choices)
                    if value is None:
                        o.pop(key, None)
                    else:
                        o[key] = value
            if isinstance(o.get("dose"), (int, float)) and rng.random() < 0.4:
                o["dose"] = o["dose"] * rng.choice([0.1, 0.5, 0.99, 1.01, 2, 3, 10, 100])
            if rng.random() < 0.1:
                o["duration"] = {"value": rng.choice([1, 3, 14, 28, 84, 85, 180, 200]), "unit": "d"}
            if rng.random() < 0.1:
                o["doses"] = rng.choice([1, 3, 4, 6, 7, 13])
    ind = d.get("indication")
    if isinstance(ind, dict):
        if rng.random() < 0.3:
            ind["phase"] = rng.choice(["first-line", "progression"])
        if rng.random() < 0.3:
            ind["rapidly_progressive"] = rng.random() < 0.5
    tests = d.get("tests")
    if isinstance(tests, list) and tests and rng.random() < 0.5:
        del tests[rng.randrange(len(tests)):]
    elif rng.random() < 0.2:
        d["tests"] = [{"test": t, "status": "ordered"} for t in TESTS if rng.random() < 0.5]
    if rng.random() < 0.1 and isinstance(d.get("patient"), dict):
        d["patient"].pop("weight_kg", None)
    return d


SITE = Settings(
    rules={
        "ILD401": {"required": {"mycophenolate": ["renal"], "immunosuppressant": ["cbc", "tb"], "tacrolimus": ["lft"]}},
        "ILD402": {"required": {"rituximab": ["hbv", "tb"], "abatacept": ["tb"]}},
        "ILD403": {"required": ["hbv", "hcv"], "abatacept-extra": ["tb", "hbv"]},
        "ILD205": {"partners": ["rituximab"]},
        "ILD501": {"mmf-max-mg-per-day": 2000, "nintedanib-max-mg-per-dose": 100},
        "ILD502": {"mmf-min-mg-per-day": 3000, "nintedanib-min-mg-per-day": 300},
        "ILD202": {"max-daily-pe-mg": 5},
        "ILD302": {"min-daily-pe-mg": 5, "min-course-days": 1},
    },
    packs={"ssc-ild": {"pulse-min-daily-pe-mg": 100}},
)


def _regimens(linter: Linter, docs: list[dict]) -> Iterator[Any]:
    for data in docs:
        regimen, _ = validate(data, linter.vocab)
        if regimen is None or canonical_condition(regimen.indication.condition) not in linter.conditions:
            continue
        reg, _ = normalize(regimen, linter.vocab, as_of=linter._as_of, lookback_days=linter._lookback, plan=linter._plan)
        reg.options = linter._frozen_options
        setattr(reg, "settings", linter._frozen_settings)
        yield reg


def _hits(check: Callable, reg: Any, opts: Any) -> list:
    try:
        return list(check(reg, opts))
    except Exception as e:  # both must fail alike
        return [type(e).__name__]


@pytest.mark.slow
@pytest.mark.parametrize("settings", [None, SITE], ids=["defaults", "site-options"])
def test_each_changed_check_gives_the_hits_of_its_reference(settings: Optional[Settings]) -> None:
    linter = Linter(copy.deepcopy(settings) if settings is not None else None)
    rng = random.Random(15)
    base = _generated(7, 1500)
    docs = base + [_mutate(rng.choice(base), rng) for _ in range(4000)]
    fired: dict[str, int] = dict.fromkeys(REFERENCE, 0)
    regs = 0
    for reg in _regimens(linter, docs):
        regs += 1
        for code, ref in REFERENCE.items():
            opts = linter._frozen_options[code]
            fast = _hits(linter.by_code[code].check, reg, opts)
            assert fast == _hits(ref, reg, opts), (code, reg.doc.id)
            fired[code] += bool(fast)
    assert regs > 3000
    # the inputs exercise every changed check's findings, not only its quiet path
    assert all(n > 0 for n in fired.values()), fired


def test_a_document_with_one_order_has_no_duplicate_and_two_have_one() -> None:
    from regimen_factory import clean_patient, mmf

    linter = Linter()
    assert not [f for f in linter.lint_data(clean_patient(mmf())).findings if f.code == "OL004"]
    [f] = [f for f in linter.lint_data(clean_patient(mmf(), mmf(id="again"))).findings if f.code == "OL004"]
    assert f.order == "again"


def test_an_amount_clear_of_a_dose_limit_is_within_it_rounded_too() -> None:
    # ILD501/ILD502 skip round(x, 2) for an amount more than 0.01 on the safe side of the bound.
    rng = random.Random(501)
    bounds = [0, 0.5, 1, 2, 2.5, 150, 162, 200, 720, 750, 1000, 2160, 3000, 3500, 1e11, 999999999999.99]
    for _ in range(200_000):
        bound = rng.choice(bounds)
        x = abs(bound + rng.choice([1, 0.1, 0.02, 0.011, 0.0101, 0.01, 0.0099, 0.005]) * rng.uniform(-1.5, 1.5))
        x = x or 1e-9
        if x >= 1e12:
            continue
        if x < bound - 0.01:
            assert not round(x, 2) > bound, (x, bound)
        if x > bound + 0.01:
            assert not round(x, 2) < bound, (x, bound)


AS_OF = dt.date(2026, 3, 2)


def _concurrent_document(rng: random.Random, n: int) -> dict:
    """Orders of one regimen that may be given at the same time: several orders of the drugs ILD501
    and ILD206 sum (IV and oral cyclophosphamide, MMF and MPA, rituximab, tocilizumab, pulses),
    with starts around as_of, courses of a few doses or open-ended, some ended, some later."""
    kinds = [
        ("cyclophosphamide", "mg/m2", "iv", [250, 375, 500, 600, 750], ["once", "daily", "weekly", "q2w", "q3w", "q4w", "monthly"]),
        ("cyclophosphamide", "mg", "oral", [50, 100, 150], ["daily", "bid"]),
        ("mycophenolate mofetil", "mg", "oral", [500, 1000, 1500], ["bid", "daily"]),
        ("mycophenolic acid", "mg", "oral", [360, 720], ["bid"]),
        ("rituximab", "mg", "iv", [375, 500, 1000], ["once", "q2w", "weekly"]),
        ("tocilizumab", "mg", "sc", [81, 162], ["weekly", "q2w", "once", "q72h"]),
        ("methylprednisolone", "mg", "iv", [250, 500, 1000], ["daily", "once"]),
        ("dexamethasone", "mg", "iv", [40, 80], ["daily"]),
    ]
    drug, unit, route, doses, freqs = rng.choice(kinds)
    orders = []
    for i in range(n):
        if rng.random() < 0.3:  # now and then another drug of the table
            drug, unit, route, doses, freqs = rng.choice(kinds)
        o: dict = {"id": f"o{i}", "drug": drug, "dose": rng.choice(doses), "unit": unit,
                   "route": rng.choice([route, route, route, None]), "frequency": rng.choice(freqs),
                   "status": rng.choice(["new", "active", "active"])}
        r = rng.random()
        if r < 0.5:
            o["doses"] = rng.randint(1, 8)
        elif r < 0.7:
            o["duration"] = {"value": rng.randint(1, 60), "unit": "d"}
        if rng.random() < 0.6:
            o["start"] = (AS_OF + dt.timedelta(days=rng.randint(-60, 60))).isoformat()
        orders.append(o)
    return {"id": "sum", "kind": "patient", "as_of": AS_OF.isoformat(),
            "indication": {"condition": "ssc-ild", "rapidly_progressive": rng.random() < 0.7},
            "patient": {"sex": "male", "age_years": 50, "weight_kg": 80, "height_cm": 180}, "orders": orders}


@pytest.mark.parametrize("settings", [None, SITE], ids=["defaults", "site-options"])
def test_the_sums_over_orders_give_the_hits_of_their_plain_versions(settings: Optional[Settings]) -> None:
    # ILD501's and ILD206's sums over orders given at the same time (a sweep and a window search)
    # against plain versions that look at every first day and every administration.
    linter = Linter(copy.deepcopy(settings) if settings is not None else None)  # each document gives its as_of
    rng = random.Random(501)
    docs = [_concurrent_document(rng, rng.randint(2, 6)) for _ in range(1500)]
    summed = dict.fromkeys(["ILD501 given at the same time", "ILD501 within 4 weeks", "ILD501 within 7 days", "ILD501 on one day",
                            "ILD501 mycophenolate", "ILD206"], 0)
    for reg in _regimens(linter, docs):
        for code in ("ILD501", "ILD206"):
            opts = linter._frozen_options[code]
            fast = _hits(linter.by_code[code].check, reg, opts)
            assert fast == _hits(REFERENCE[code], reg, opts), (code, reg.doc.orders)
            for h in fast:
                if h.also:
                    if code == "ILD206" or "the maximum daily dose of mycophenolate" in h.message:
                        key = code if code == "ILD206" else "ILD501 mycophenolate"
                    else:
                        key = next(k for k in summed if k.startswith("ILD501") and k[7:] in h.message)
                    summed[key] += 1
    assert all(n > 0 for n in summed.values()), summed  # every kind of sum is exercised, not only quiet paths


def _glucocorticoid_chain_document(rng: random.Random) -> dict:
    """ILD glucocorticoid orders at progression that may follow one another (ILD203 chains): starts
    around as_of, courses of days, weeks or doses, now and then open-ended, other purposes, pulses."""
    orders = []
    day = rng.randint(-120, 10)
    for i in range(rng.randint(1, 5)):
        drug, dose = rng.choice([("prednisone", 5), ("prednisone", 10), ("methylprednisolone", 4), ("dexamethasone", 1),
                                 ("methylprednisolone", 1000)])
        o: dict = {"id": f"g{i}", "drug": drug, "dose": dose, "unit": "mg", "route": "oral",
                   "frequency": rng.choice(["daily", "daily", "qod", "bid"]), "status": rng.choice(["new", "active"]),
                   "purpose": rng.choice(["ild", "ild", "ild", "other"])}
        length = rng.choice([14, 28, 42, 43, 60, 84, 85])
        r = rng.random()
        if r < 0.45:
            o["duration"] = {"value": length, "unit": "d"}
        elif r < 0.9:
            o["doses"] = length
        o["start"] = (AS_OF + dt.timedelta(days=day)).isoformat()
        orders.append(o)
        day += rng.choice([length, length, length + 1, length - 10, 0, 200]) if "doses" not in o else rng.choice([length // 2, 0, 100])
    return {"id": "chain", "kind": "patient", "as_of": AS_OF.isoformat(),
            "indication": {"condition": "ssc-ild", "phase": "progression", "rapidly_progressive": rng.random() < 0.5},
            "patient": {"sex": "male", "age_years": 50, "weight_kg": 80, "height_cm": 180}, "orders": orders}


def _cyclophosphamide_chain_document(rng: random.Random) -> dict:
    """Cyclophosphamide orders that may follow one another (ILD503 chains): IV every 4 weeks by
    doses, by mouth by duration, now and then open-ended, with starts that touch, overlap or leave a gap."""
    orders = []
    day = rng.randint(-200, 10)
    for i in range(rng.randint(1, 4)):
        o: dict = {"id": f"c{i}", "drug": "cyclophosphamide", "status": rng.choice(["new", "active"])}
        if rng.random() < 0.6:
            n = rng.randint(1, 7)
            o.update(dose=600, unit="mg/m2", route="iv", frequency="q4w", doses=n)
            length = 28 * n
        else:
            length = rng.choice([30, 60, 90, 120, 150, 181])
            o.update(dose=100, unit="mg", route="oral", frequency="daily")
            if rng.random() < 0.9:
                o["duration"] = {"value": length, "unit": "d"}
        o["start"] = (AS_OF + dt.timedelta(days=day)).isoformat()
        orders.append(o)
        day += rng.choice([length, length, length + 1, length - 10, 0, 300])
    return {"id": "cyc-chain", "kind": "patient", "as_of": AS_OF.isoformat(), "indication": {"condition": "ssc-ild"},
            "patient": {"sex": "male", "age_years": 50, "weight_kg": 80, "height_cm": 180}, "orders": orders}


@pytest.mark.parametrize("code, make", [("ILD203", _glucocorticoid_chain_document), ("ILD503", _cyclophosphamide_chain_document)])
def test_chains_give_the_hits_of_their_plain_version(code, make) -> None:
    # rules.md Course length: orders that follow one another without a gap are one course (ILD203's
    # glucocorticoids; ILD503's cyclophosphamide, where 6 + 6 IV doses passed one order at a time).
    linter = Linter()
    rng = random.Random(int(code[3:]))
    opts = linter._frozen_options[code]
    chains = 0
    for reg in _regimens(linter, [make(rng) for _ in range(1500)]):
        fast = _hits(linter.by_code[code].check, reg, opts)
        assert fast == _hits(REFERENCE[code], reg, opts), reg.doc
        chains += sum("follow one another" in h.message for h in fast if isinstance(h, Hit))
    assert chains > 50, chains  # the documents exercise the chains, not only single orders
