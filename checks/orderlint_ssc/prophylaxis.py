"""Infection prophylaxis (ILD3xx): Pneumocystis (PCP) prophylaxis with cyclophosphamide or steroids."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterator, NamedTuple, Optional

from orderlint.rules import Hit, Need, Option, Options, rule
from orderlint_ssc.common import (
    ACR_VF_2021_URL,
    CONDITION,
    EULAR_2022,
    EULAR_2022_URL,
    PULSE_MIN_PE,
    SEED,
    fmt,
    premedication,
    pulse_threshold,
    src,
)

if TYPE_CHECKING:
    from datetime import date

    from orderlint.normalize import Order, Regimen

#: The class of the PCP prophylaxis agents (rules.md Terms): sulfamethoxazole-trimethoprim, dapsone,
#: atovaquone, pentamidine (inhaled too). The checks look for it; it is not their trigger.
PCP_AGENTS = "pcp-prophylaxis"
#: The agents' amounts, so that one that cannot be computed (a tablet or mL without strength, a unit
#: not known) is OL003: judged against no prophylaxis floor, it counted as protection unsaid.
PCP_NEEDS = [Need(frozenset({PCP_AGENTS}), None, "mg", "day")]

PCP_FIX = "add sulfamethoxazole-trimethoprim 800/160 mg three times weekly, or dapsone, atovaquone or pentamidine"


@rule(
    code="ILD301",
    name="pcp-prophylaxis-missing",
    severity="error",
    summary="Active cyclophosphamide and no active Pneumocystis (PCP) prophylaxis agent.",
    source=src(f"{SEED}; 2021 ACR/Vasculitis Foundation guideline for ANCA-associated vasculitis (PCP prophylaxis with cyclophosphamide), by extrapolation", "seed guidance (extrapolated)", "V2", ACR_VF_2021_URL),
    rationale=(
        "Cyclophosphamide causes profound lymphopenia; Pneumocystis pneumonia is often fatal and prophylaxis prevents "
        "most cases. An agent order counts only when it can protect from the cyclophosphamide's start until its "
        "course ends: recurring (not a single dose, as needed, without a frequency or rarer than monthly), by a route "
        "of a prophylaxis regimen of it that its name does not contradict (not Aczone by mouth, not dapsone by "
        "injection), at least the least regimen by an amount that can be computed, current (not ended before as_of, "
        "not starting later) and lasting as long as the cyclophosphamide (Regimen.protecting). Orders that follow one "
        "another without a gap (a switch of agent) count together; a course whose doses outrun its duration protects "
        "for its duration. The finding names the order that does not count and why."
    ),
    notes=(
        "Below every prophylaxis regimen (clinical-facts.md R11): less than co-trimoxazole 160 mg of trimethoprim, "
        "or one tablet, three times a week; dapsone 200 mg a week; atovaquone 1500 mg a day; pentamidine 300 mg "
        "monthly, and by injection (IV or IM) about 4 mg/kg monthly when the weight is given (clinical-facts.md 3a, U), or 300 mg if less. Co-trimoxazole in mg is read as the least trimethoprim its figure can mean: a multiple of 120 (960, 480, "
        "240) as the whole, a multiple of 100 (800, 400, 200) as sulfamethoxazole, else as trimethoprim; per mL, 48 and 40 mg "
        "alike (the suspension's 240 and 200 mg in 5 mL); a DS tablet is 160 mg and an SS tablet 80 mg of trimethoprim. "
        "An amount that cannot be computed (OL003 says why) does not count, except co-trimoxazole of no stated strength: "
        "three tablets or more a week, or a suspension's mL read at the weakest, 8 mg of trimethoprim a mL; one in mass units so small that it rounds to 0 (10 mcg) is below every regimen."
    ),
    fix=PCP_FIX,
    conditions=CONDITION,
    triggers=["cyclophosphamide"],
    amounts=PCP_NEEDS,
    looks_for=[PCP_AGENTS],
)
def pcp_prophylaxis_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    agents = reg.active(PCP_AGENTS)
    for o in reg.active("cyclophosphamide"):
        # Needed from the cyclophosphamide's start: prophylaxis that starts later leaves a gap.
        by = reg.start_of(o)
        # ... and until its course ends: prophylaxis that ends earlier leaves the rest unprotected.
        if agents and reg.protecting(PCP_AGENTS, True, by, o):
            continue
        yield Hit(f"{o.describe()} is ordered without Pneumocystis prophylaxis{_not_counted(reg, by, o)}", f"{o.pointer}/drug", o.index)


def _not_counted(reg: "Regimen", by: Optional["date"] = None, until: Optional["Order"] = None) -> str:
    """Why the active PCP agent orders do not count (a single dose, as needed, Aczone by mouth, a
    course that ended, one that starts later, one that ends before ``until``), or "" when there are none."""
    why = [f"order {o.ref}, {o.label}, {reg.not_protecting(o, True, by, until)}" for o in reg.active(PCP_AGENTS)]
    return f" (not counted: {'; '.join(why)})" if why else ""


@rule(
    code="ILD302",
    name="pcp-prophylaxis-glucocorticoid",
    severity="warning",
    summary="Active non-pulse systemic glucocorticoids with a course of {min-course-days} days or longer (or open-ended) summing to {min-daily-pe-mg} mg/day prednisone-equivalent or more, without PCP prophylaxis.",
    source=src(f"{EULAR_2022} (prophylaxis with > 15-30 mg/day prednisolone-equivalent for > 2-4 weeks)", "conditional recommendation", "V", EULAR_2022_URL),
    rationale=(
        "Prolonged moderate-to-high steroid doses are the main Pneumocystis risk factor in rheumatic disease; "
        "prophylaxis cut PCP incidence by over 90% in such patients. Only prolonged courses are summed: a short "
        "burst on top of a low maintenance dose is not prolonged exposure; short courses given one after another "
        "without a day between are one course, as a taper's steps are. Pulses and premedication orders with a bounded course "
        "are left out. A prophylaxis order counts as for ILD301 (one that can protect), from when the first summed "
        "glucocorticoid starts, and only when its course lasts while the summed courses still reach the threshold: "
        "prophylaxis is continued while above the steroid threshold."
    ),
    notes=(
        "A course whose length cannot be computed (doses at an unknown frequency, OL003) is read as open-ended, as "
        "ILD203 reads it. Prophylaxis planned with a course that starts next month counts. Protection must last until "
        "the end of the shortest course whose dose, with the longer ones, still reaches the threshold; beside an "
        "open-ended one, any bounded prophylaxis ends too soon. Short courses given one after another (each starting "
        "by the day after the last one ends, and ending later) are one course, counted at the largest daily dose "
        "they keep for the course length together (a week of 40 mg then 5 mg a day: 5 mg), and protected until "
        "the last of them at that dose ends; a course at the threshold that carries a long one on needs protection "
        "until it ends too. A short course on top of a long one is a burst and is not summed."
    ),
    fix=PCP_FIX,
    options={
        "min-daily-pe-mg": Option(
            20,
            "summed daily prednisone-equivalent (mg) at or above which prophylaxis is needed. At most 30: EULAR "
            "2022 advises prophylaxis above 15-30 mg/day; a higher threshold would leave patients above the whole "
            "advised range without it",
            maximum=30,
        ),
        "min-course-days": Option(
            28,
            "course length (days) at or above which an order counts in the sum (open-ended courses always count). "
            "At most 30: EULAR 2022 counts courses over 2-4 weeks, general practice 1 month or more",
            maximum=30,
        ),
    },
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=[Need(frozenset({"systemic-glucocorticoid"}), None, "mg", "day"), *PCP_NEEDS],
    looks_for=[PCP_AGENTS],
    settings=[PULSE_MIN_PE],
)
def pcp_prophylaxis_glucocorticoid(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    min_days = opts["min-course-days"]
    threshold = pulse_threshold(reg)
    parts = []
    short: list[tuple["Order", float]] = []  # courses shorter than min-course-days
    # reg.active(tag) keeps the orders of a plain filter on o.systemic_glucocorticoid, in order.
    for o in reg.active("systemic-glucocorticoid"):
        if premedication(o):
            continue
        pe = reg.daily_pe(o)
        if pe is not None and pe >= threshold:  # is_pulse(reg, o)
            continue
        # rules.md 2nd ed.: only courses of min-course-days or more (or open-ended) are summed. A course
        # whose length is not known (OL003) is read as open-ended, as ILD203 reads it: skipped, 60
        # 'once' doses of prednisone 30 mg went unjudged.
        if o.course_known and o.course_days is not None and o.course_days < min_days:
            if pe is not None:
                short.append((o, pe))
            continue
        if pe is not None:
            parts.append((o, pe))
    # Short courses that follow one another without a day between (_successive) are one course, as the
    # steps of a taper are: prednisone 30 mg for 21 days, then 30 mg for 21 more, was 42 days of 30 mg
    # that no order alone made prolonged. Such a run counts as one part, at the level it keeps for
    # min-course-days (_sustained: a week of 40 mg before 5 mg a day is prolonged 5 mg, no prolonged
    # 40 mg), protected until its last course at that level ends. A short course on top of a long one
    # is a burst, as rules.md says, and is not summed.
    runs: dict[int, _Run] = {}  # the part standing for a run -> the run
    if len(short) > 1:
        pe_of = {o.index: pe for o, pe in short}
        for chain in _successive(reg, [o for o, _ in short]):
            if len(chain) < 2 or chain[-1][1] - chain[0][0] < min_days:
                continue
            level = _sustained(chain, pe_of, min_days)
            if level is None:
                continue
            members = tuple(o for _, _, o in chain)
            at_level = [c for c in chain if pe_of[c[2].index] >= level]
            rep = at_level[0][2]
            runs[rep.index] = _Run(members, sum(last - first for first, last, _ in at_level), members[0],
                                   max(at_level, key=lambda c: c[1])[2])
            parts.append((rep, level))
    total = round(sum(pe for _, pe in parts), 2)
    if not parts or total < opts["min-daily-pe-mg"]:
        return
    until = _exposure_end(reg, [(runs[o.index].last if o.index in runs else o, pe) for o, pe in parts],
                          opts["min-daily-pe-mg"])
    until = _given_on(reg, until, [o for o, pe in (*parts, *short) if pe >= opts["min-daily-pe-mg"]])
    # Protection is needed from when the glucocorticoids start: prophylaxis starting with a
    # prednisone course planned for next month protects it (it was not counted, starting after as_of).
    by = min(reg.start_of(runs[o.index].first if o.index in runs else o) for o, _ in parts)
    if reg.active(PCP_AGENTS) and reg.protecting(PCP_AGENTS, True, by, until):
        return
    top = max(parts, key=lambda p: p[1])[0]
    days = [runs[o.index].days if o.index in runs else o.course_days for o, _ in parts]
    known = [d for d in days if d is not None]
    course = "an open-ended course" if len(known) < len(parts) else f"{fmt(min(known))} days"
    if any(not o.course_known for o, _ in parts):
        course = "a course of unknown length (read as open-ended)"
    arithmetic = " + ".join(f"{_run_words(runs[o.index]) if o.index in runs else o.describe() + ' ='} {fmt(pe)} mg PE"
                            for o, pe in parts)
    if len(parts) > 1:
        arithmetic += f"; total {fmt(total)} mg PE"
    others = (m for o, _ in parts for m in (runs[o.index].members if o.index in runs else (o,)))
    yield Hit(
        f"{arithmetic} >= {fmt(opts['min-daily-pe-mg'])} mg/day for {course}, without Pneumocystis prophylaxis{_not_counted(reg, by, until)}",
        f"{top.pointer}/drug", top.index, None, tuple(dict.fromkeys(m.index for m in others if m is not top)),
    )


class _Run(NamedTuple):
    """Short glucocorticoid courses given one after another (_successive), ``days`` of them at the
    level the run counts at; ``first`` starts it and ``last`` is the last to end at that level."""

    members: "tuple[Order, ...]"
    days: float
    first: "Order"
    last: "Order"


def _run_words(run: _Run) -> str:
    return (f"{len(run.members)} orders given one after another ({', '.join(o.describe() for o in run.members)}), "
            f"{fmt(run.days)} days at")


def _sustained(chain: "list[tuple[float, float, Order]]", pe_of: dict[int, float], min_days: float) -> Optional[float]:
    """The largest daily PE a run of courses keeps for ``min_days`` (its courses at that PE or more
    last that long together), or None: the steps by PE, largest first, until their days reach it."""
    days = 0.0
    for first, last, o in sorted(chain, key=lambda c: -pe_of[c[2].index]):
        days += last - first
        if days >= min_days - 1e-9:
            return pe_of[o.index]
    return None


def _given_on(reg: "Regimen", until: "Order", above: "list[Order]") -> "Order":
    """``until``, or the order at the summed threshold that carries its course on without a day
    between and ends last: 40 mg for 28 days then 30 mg for 21 needs protection for all 49."""
    for chain in _successive(reg, above):
        if any(o is until for _, _, o in chain):
            return max(chain, key=lambda c: c[1])[2]
    return until


def _successive(reg: "Regimen", orders: "list[Order]") -> "list[list[tuple[float, float, Order]]]":
    """The orders in runs where each course extends the run without a day between (it starts no later
    than the day after the run's end, and ends after it): one course given on, as a taper's steps
    are. An order within a run's course (a 7-day burst on top of open-ended maintenance) does not
    extend it and is in no run. Each run is (first day, day after its course, order), by first day."""
    runs: "list[list[tuple[float, float, Order]]]" = []
    end = -math.inf
    for first, last, o in sorted(((*reg.course_span(o), o) for o in orders), key=lambda x: (x[0], x[2].index)):
        if runs and first <= end + 1e-6:
            if last > end + 1e-6:
                runs[-1].append((first, last, o))
                end = last
            continue
        runs.append([(first, last, o)])
        end = last
    return runs


def _exposure_end(reg: "Regimen", parts: list[tuple["Order", float]], minimum: float) -> "Order":
    """The summed order whose course end is the last day the summed daily PE still reaches
    ``minimum`` (the orders that end later, with it, sum to ``minimum`` or more): prophylaxis must
    last until then. Courses are summed whatever their starts, as the rule sums them."""
    ends = [(reg.end_after(o), o, pe) for o, pe in parts]
    running = 0.0
    for end in sorted({e for e, _, _ in ends}, reverse=True):
        # Orders that end on the same day stop together: the sum counts them all.
        running += sum(pe for e, _, pe in ends if e == end)
        if round(running, 2) >= minimum:
            return next(o for e, o, _ in ends if e == end)
    return parts[0][0]  # not reached: the caller's total reaches minimum


RULES = [pcp_prophylaxis_missing, pcp_prophylaxis_glucocorticoid]
