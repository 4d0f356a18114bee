"""Glucocorticoids (ILD2xx): first-line use, daily dose, long courses, and RP-ILD pulses.

Daily prednisone-equivalents (PE) come from normalization (dose x administrations per day x
factor, rounded to 2 decimals). A pulse (daily PE >= the ILD204 threshold) is judged only by
ILD204-ILD207, and is left out of the daily sums. Premedication orders with a bounded course
(rules.md 2nd ed.) are left out of ILD201-ILD203 and are judged by the pulse rules; normalization
keeps the label only on a glucocorticoid matched to intermittent infusions in a dose below a pulse's
per administration (normalize._infusion_premedication).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from orderlint.rules import Hit, Need, Option, Options, render, rule
from orderlint_ssc.common import (
    ACR_CHEST_2023,
    ACR_CHEST_2023_URL,
    ATS_2023,
    ATS_2023_URL,
    CONDITION,
    PULSE_MIN_PE,
    SEED,
    SEED_URL,
    course_chains,
    fmt,
    fullest_day,
    fullest_day_words,
    on_one_day,
    premedication,
    pulse_threshold,
    span_words,
    src,
)

if TYPE_CHECKING:
    from orderlint.normalize import Order, Regimen

STEEN_1998 = "Steen & Medsger, Arthritis Rheum 1998;41:1613-9 (prednisone >= 15 mg/day and scleroderma renal crisis, OR 4.37)"


# Fix suggestions quote the effective options; checks pass them rendered (render(FIX, opts)).
FIX_202 = "Reduce the total to {max-daily-pe-mg} mg/day prednisone-equivalent or less, or use a steroid-sparing agent."
FIX_203 = "Limit the course (duration or doses) to {max-course-days} days or less, or stop the steroid and switch or add another agent."
FIX_206 = "Give at most {max-daily-pe-mg} mg prednisone-equivalent a day (methylprednisolone 1000 mg = 1250 mg) for {max-administrations} doses (doses: {max-administrations})."

#: Every glucocorticoid rule needs the daily prednisone-equivalent (pulse detection uses it too).
PE_NEEDS = [Need(frozenset({"systemic-glucocorticoid"}), None, "mg", "day")]


#: The tag of systemic glucocorticoid orders (Order.systemic_glucocorticoid): reg.active(GC) and
#: reg.new(GC) are the orders a plain filter on it keeps, in the same order.
GC = "systemic-glucocorticoid"


def _non_pulse(reg: "Regimen", orders: Iterable["Order"], least: bool = True) -> list[tuple["Order", Optional[float]]]:
    """(order, daily PE or None) for systemic glucocorticoid orders that are neither pulses nor
    premedication. ``least``: an order without a schedule is judged by one administration
    (Regimen.least_daily_pe); else by its daily PE alone, which it has not (ILD203: its course is
    judged whatever its dose, so an unscheduled pulse is a long course of unknown length too)."""
    out: list[tuple["Order", Optional[float]]] = []
    threshold = pulse_threshold(reg)
    for o in orders:
        if o.systemic_glucocorticoid and not premedication(o):
            pe = reg.least_daily_pe(o) if least else reg.daily_pe(o)
            if pe is None or pe < threshold:  # not a pulse
                out.append((o, pe))
    return out


def _arithmetic(parts: Iterable[tuple["Order", float]]) -> str:
    return " + ".join(f"{o.describe()} = {fmt(pe)} mg PE" + ("" if o.pe is not None else " (one administration, whatever "
                      "its frequency)") for o, pe in parts)


_AS_NEEDED = re.compile(r"\b(?:prn|p\.r\.n\.?|as needed|when needed|if needed|as required|on demand)\b", re.IGNORECASE)


def as_needed(o: "Order") -> bool:
    """Whether an order's frequency says it is given as needed (prn)."""
    return o.frequency_text is not None and _AS_NEEDED.search(o.frequency_text) is not None


@rule(
    code="ILD201",
    name="glucocorticoid-first-line",
    severity="error",
    summary="A new systemic glucocorticoid ordered as ILD treatment in the first-line phase.",
    source=src(f"{ACR_CHEST_2023}: strong recommendation against glucocorticoids as first-line SSc-ILD treatment", "strong recommendation against", "V", ACR_CHEST_2023_URL),
    rationale=(
        "Glucocorticoids have no proven efficacy as first-line SSc-ILD treatment and raise the risk of "
        "scleroderma renal crisis. This is one of the guideline's two strong recommendations. A steroid "
        "given for another condition (purpose: other) is judged by the dose rules, not by this one."
    ),
    fix="Use a steroid-sparing first-line agent (mycophenolate); if the steroid treats another condition, set purpose: other.",
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def glucocorticoid_first_line(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if reg.phase != "first-line":
        return
    for o, _ in _non_pulse(reg, reg.new(GC)):
        if o.for_ild:
            yield Hit(
                f"{o.describe()} is a systemic glucocorticoid ordered for ILD in the first-line phase "
                "(ACR/CHEST 2023: strong recommendation against)",
                f"{o.pointer}/drug", o.index,
            )


@rule(
    code="ILD202",
    name="glucocorticoid-high-dose",
    severity="error",
    summary="The summed daily prednisone-equivalent of active non-pulse systemic glucocorticoids (premedication left out) is above {max-daily-pe-mg} mg.",
    source=src(f"{SEED}; {ATS_2023} best-practice statement (whenever possible <= 15 mg/day prednisone-equivalent); {STEEN_1998}", "best-practice statement", "V", ATS_2023_URL),
    rationale=(
        "In systemic sclerosis, prednisone above 15 mg/day is associated with scleroderma renal crisis. All "
        "active systemic glucocorticoids count, whatever their purpose or phase, except premedication orders "
        "with a bounded course (one infusion premedication is not a daily dose): a glucocorticoid given with "
        "intermittent infusions (one, or at most weekly; not a daily IV therapy), no more often and no more times "
        "than they are given (an open-ended infusion counts once), and below a pulse in prednisone-equivalent per "
        "administration. Any other premedication is judged as purpose: other. Exactly 15 mg/day does not "
        "fire: the ATS statement says the dose should not exceed 15 mg (Steen 1998 counted >= 15 as high "
        "dose; the threshold is configurable)."
    ),
    notes=(
        "The orders given at the same time are summed (undated orders all start on as_of); orders that follow "
        "one another are not, and each set over the limit is a finding. An order without a schedule (as directed, "
        "no frequency: OL003) counts one administration, the least it gives on a day it is given; one given as "
        "needed (prn) is no daily dose. One administration at or above the pulse threshold makes an order a pulse, "
        "judged by ILD204-ILD207 (and by ILD203 while its number of doses is unknown)."
    ),
    fix=FIX_202,
    options={"max-daily-pe-mg": Option(
        15,
        "highest summed daily prednisone-equivalent (mg) that does not fire. At most 30: ATS 2023 and Steen 1998 "
        "put the renal-crisis threshold at 15 mg/day and EULAR 2022's high-dose range ends at 30 mg/day; a higher "
        "limit would pass doses of known risk",
        maximum=30,
    )},
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def glucocorticoid_high_dose(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    parts = _non_pulse(reg, reg.active(GC))
    # An order without a schedule (OL003 says so) gives at least one administration on a day it is
    # given ('as directed', no frequency: prednisone 30 mg for 60 days passed). Not one given as
    # needed: one administration above 15 mg PE is common for a rescue dose (hydrocortisone 100 mg
    # prn beside an infusion), no daily dose.
    known = [(o, pe) for o, pe in parts if pe is not None and (o.pe is not None or not as_needed(o))]
    limit = opts["max-daily-pe-mg"]
    groups = [known]
    if len(known) > 1:
        # The orders given at the same time (Regimen.given_together) are summed, each such set
        # judged (an order given alone, alone): one that ends before another starts is not summed
        # with it (methylprednisolone 12 mg for 3 days, then prednisone 15 mg, read 30 mg a day).
        # Undated orders all start on as_of and are one set, as before.
        pe_of = {o.index: pe for o, pe in known}
        sets = reg.given_together([o for o, _ in known])
        summed = {o.index for together in sets for o in together}
        groups = [[(o, pe_of[o.index]) for o in together] for together in sets] + [[p] for p in known if p[0].index not in summed]
    for group in groups:
        total = round(sum(pe for _, pe in group), 2)
        # Unknown doses (OL003) can only add to the total, so a known total above the limit is certain.
        if total > limit:
            top = max(group, key=lambda p: p[1])[0]
            arithmetic = _arithmetic(group)
            if len(group) > 1:
                arithmetic += f"; total {fmt(total)} mg PE"
            yield Hit(f"{arithmetic} > {fmt(limit)} mg/day (scleroderma renal crisis risk)", f"{top.pointer}/dose", top.index,
                      render(FIX_202, opts), tuple(o.index for o, _ in group if o is not top))


@rule(
    code="ILD203",
    name="glucocorticoid-long-term",
    severity="error",
    summary="In the progression phase, an active ILD non-pulse systemic glucocorticoid with a course over {max-course-days} days or open-ended.",
    source=src(f"{ACR_CHEST_2023}: strong recommendation against long-term glucocorticoids for SSc-ILD progression", "strong recommendation against", "V", ACR_CHEST_2023_URL),
    rationale=(
        "At progression the guideline strongly recommends against long-term glucocorticoids; switch or add an "
        "immunosuppressant or antifibrotic instead. ILD glucocorticoid orders whose courses overlap or follow each "
        "other without a day between (any systemic glucocorticoid, from their starts) are one course: three "
        "consecutive 84-day prednisone orders are 252 days, as the steps of one taper are; one finding names them."
    ),
    notes=("A course whose length cannot be computed (doses at an unknown frequency, OL003) is read as open-ended. "
           "A documented progression on a systemic glucocorticoid (a history item) is judged as progression too, and "
           "so, when the document gives no phase, is a progression on any drug (hydroxychloroquine, an unknown name): the "
           "phase stays first-line for the first-line rules (neither is a first-line ILD therapy), and "
           "long-term glucocorticoids after it are not passed."),
    fix=FIX_203,
    options={"max-course-days": Option(
        84,
        "longest course (days) that does not fire. At most 180: a course over 6 months is long-term by any "
        "reading (Steen 1998 counted steroid exposure in the 6 months before renal crisis)",
        maximum=180,
    )},
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def glucocorticoid_long_term(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    # The progression phase; or, with no phase given, any progression the history records (the ILD
    # progressed on a glucocorticoid, on hydroxychloroquine: regimen-format.md's phase is progression
    # when any history item says so). Normalization keeps such a document first-line for the
    # first-line rules, which judge it too: a progression "on" a drug that is no ILD therapy passed
    # long-term prednisone unseen.
    if reg.phase != "progression" and not _progression_recorded(reg) and not reg.progressed_on_class("systemic-glucocorticoid"):
        return
    limit = opts["max-course-days"]
    judged = []
    over: set[int] = set()  # orders whose own course exceeds: said by their own finding
    threshold = pulse_threshold(reg)
    for o, _ in _non_pulse(reg, reg.active(GC), least=False):
        if not o.for_ild:
            continue
        if o.administrations is not None and (reg.least_daily_pe(o) or 0.0) >= threshold:
            continue  # a pulse by one administration, its doses counted: ILD206 judges the course
        if not o.course_known:
            # Its length cannot be computed (doses at an unknown frequency; OL003 says why): it may
            # run for months, so it is read as open-ended. Left out, 180 doses 'every morning' passed.
            yield Hit(f"{o.describe()}: its course length cannot be computed, so it is read as open-ended at ILD "
                      "progression (long-term glucocorticoids: strong recommendation against)",
                      _course_pointer(o), o.index, render(FIX_203, opts))
            continue
        judged.append(o)
        if o.course_days is None:
            over.add(o.index)
            yield Hit(f"{o.describe()} has an open-ended course at ILD progression (long-term glucocorticoids: strong recommendation against)", f"{o.pointer}/frequency", o.index, render(FIX_203, opts))
        elif o.course_days > limit:
            over.add(o.index)
            yield Hit(f"{o.describe()} runs {fmt(o.course_days)} days, over {fmt(limit)} days, at ILD progression (long-term glucocorticoids: strong recommendation against)", _course_pointer(o), o.index, render(FIX_203, opts))
    if len(judged) > 1:
        yield from _chained_courses(reg, opts, judged, over)


def _progression_recorded(reg: "Regimen") -> bool:
    """With no phase given, whether any history item records a progression by as_of, whatever its
    drug (known or not, by any route): regimen-format.md's phase is then progression."""
    doc = reg.doc
    return doc.indication.phase is None and any(
        h.outcome == "progression" and (h.start is None or h.start <= reg.as_of) for h in doc.history)


def _course_pointer(o: "Order") -> str:
    return f"{o.pointer}/duration" if o.doses is None else f"{o.pointer}/doses"


def _chained_courses(reg: "Regimen", opts: Options, judged: list["Order"], over: set[int]) -> Iterator[Hit]:
    """ILD203 over ILD glucocorticoid orders that follow one another without a gap: one course (three
    consecutive 84-day prednisone orders are 252 days of prednisone, as the steps of one FHIR taper
    are). A chain is a run of orders whose courses (Regimen.course_span, from their starts) overlap or
    follow each other without a day between, any systemic glucocorticoid; it is judged from its first
    day to the end of its last course. One finding per chain that exceeds, naming its orders (Hit.also:
    a waiver of one does not cover the others); a chain of orders that each exceed alone adds nothing
    to their own findings."""
    limit = opts["max-course-days"]
    for run in course_chains(reg, judged):
        if len(run) < 2 or all(o.index in over for _, _, o in run):
            continue
        start, stop = run[0][0], max(last for _, last, _ in run)
        days = stop - start
        if days <= limit:
            continue
        # Reported at the order that carries the course furthest (the first of those that end last).
        top = min((o for _, last, o in run if last == stop), key=lambda o: o.index)
        names = " + ".join(f"order {o.ref!r} {o.describe()} ({span_words(reg, first, last)})" for first, last, o in run)
        length = "an open-ended course" if days == math.inf else f"{fmt(days)} days, over {fmt(limit)} days"
        yield Hit(
            f"{names} follow one another without a gap: one course of {length}, at ILD progression "
            "(long-term glucocorticoids: strong recommendation against)",
            f"{top.pointer}/frequency" if top.course_days is None else _course_pointer(top), top.index,
            render(FIX_203, opts), tuple(sorted(o.index for _, _, o in run if o is not top)),
        )


def _pulses(reg: "Regimen") -> list[tuple["Order", float]]:
    """(order, daily prednisone-equivalent) of every active pulse."""
    out = []
    threshold = pulse_threshold(reg)
    for o in reg.active(GC):
        pe = reg.least_daily_pe(o)
        if pe is not None and pe >= threshold:
            out.append((o, pe))
    return out


@rule(
    code="ILD204",
    name="pulse-outside-rpild",
    severity="error",
    summary="A glucocorticoid pulse (daily prednisone-equivalent >= {pulse-min-daily-pe-mg} mg) when the ILD is not rapidly progressive.",
    source=src(f"{SEED}; {ACR_CHEST_2023} (pulse IV methylprednisolone conditionally recommended as a rapidly progressive ILD treatment only)", "conditional recommendation (RP-ILD only)", "V2", ACR_CHEST_2023_URL),
    rationale="Pulse steroids carry a high risk of scleroderma renal crisis; they are an option only for rapidly progressive ILD, with individual risk-benefit assessment.",
    fix="Do not use pulse steroids outside rapidly progressive ILD; if the ILD is rapidly progressive, set indication.rapidly_progressive: true.",
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def pulse_outside_rpild(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if reg.rapidly_progressive:
        return
    for o, pe in _pulses(reg):
        once = "; one administration, whatever its frequency" if o.pe is None else ""
        yield Hit(f"{o.describe()} is a pulse ({fmt(pe)} mg PE/day{once}) but the ILD is not rapidly progressive",
                  f"{o.pointer}/dose", o.index)


RP_PARTNERS = ["rituximab", "cyclophosphamide", "ivig", "mycophenolate", "calcineurin-inhibitor", "jak-inhibitor"]


@rule(
    code="ILD205",
    name="pulse-without-immunosuppressant",
    severity="warning",
    summary="An RP-ILD pulse with no active accompanying immunosuppressant ({partners}).",
    source=src(f"{SEED}; {ACR_CHEST_2023} RP-ILD treatment options", "conditional recommendation", "V2", ACR_CHEST_2023_URL),
    rationale="In rapidly progressive ILD, pulse steroids are given together with an immunosuppressive agent, never alone. A partner order whose course ended before as_of, or whose route contradicts its name, does not count.",
    fix="Add an RP-ILD immunosuppressant: rituximab, cyclophosphamide, IVIG, mycophenolate, a calcineurin inhibitor or a JAK inhibitor.",
    options={"partners": Option(RP_PARTNERS, "classes or ingredients that count as the accompanying immunosuppressant", names="drug")},
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def pulse_without_immunosuppressant(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if not reg.rapidly_progressive:
        return
    if any(reg.protecting(p) for p in opts["partners"]):
        return
    for o, _ in _pulses(reg):
        yield Hit(f"{o.describe()} pulse for RP-ILD has no accompanying immunosuppressant ({', '.join(opts['partners'])})", f"{o.pointer}/drug", o.index)


@rule(
    code="ILD206",
    name="pulse-course-exceeds",
    severity="warning",
    summary="An RP-ILD pulse above {max-daily-pe-mg} mg prednisone-equivalent a day, over {max-administrations} administrations, or open-ended.",
    source=src(f"{SEED} (pulse methylprednisolone 1000 mg daily for 3 days)", "seed guidance", "U", SEED_URL),
    rationale=(
        "The seed's pulse is methylprednisolone 1000 mg daily (1250 mg prednisone-equivalent) for 3 days; more raises "
        "renal-crisis and infection risk. The guideline text retrieved gives no dose. Pulse orders whose courses "
        "overlap or follow each other without a day between (any systemic glucocorticoid, in prednisone-equivalent) "
        "are one pulse course: the prednisone-equivalent of those given on one day and the administrations of all "
        "are added up, in one finding naming them; an order that exceeds alone has its own finding and is in the sums. "
        "A pulse given less often than daily is judged by the prednisone-equivalent of a day it is given, not its "
        "average over the days between (methylprednisolone 5 g weekly is 6250 mg on that day)."
    ),
    fix=FIX_206,
    options={
        "max-daily-pe-mg": Option(
            1250,
            "highest daily prednisone-equivalent of a pulse (mg). At most 1250: methylprednisolone 1000 mg a "
            "day, the seed's pulse, is the largest pulse dose in the sources",
            maximum=1250,
        ),
        "max-administrations": Option(
            3,
            "most administrations in a pulse course. At most 5: the seed gives 3 daily doses; a 5-day course is "
            "the longest accepted as a pulse (a design choice, no source gives a longer one)",
            kind="integer",
            maximum=5,
        ),
    },
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def pulse_course_exceeds(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if not reg.rapidly_progressive:
        return
    # The PE of a day the pulse is given, not the average over the days between: methylprednisolone
    # 5 g weekly averaged 893 mg PE a day and passed the 1250 mg of a day.
    pulses = []
    when: dict[int, str] = {}
    for o, pe in _pulses(reg):
        k = fullest_day(o)
        if k is not None:
            # From one administration, not the rounded average (5 g weekly: 6250, not 6250.02).
            one = reg.amount(o, "mg", "admin")
            factor = o.drug.pe_factor if o.drug is not None else None
            pe = one * factor * k if one is not None and factor is not None else on_one_day(o, pe)[0]
            when[o.index] = fullest_day_words(k)
        pulses.append((o, round(pe, 2)))
    over_pe: set[int] = set()  # orders whose own daily PE, or own course, exceeds: said by their own finding
    over_course: set[int] = set()
    for o, pe in pulses:
        problems = []
        if pe > opts["max-daily-pe-mg"]:
            problems.append(f"{fmt(pe)} mg PE/day{when.get(o.index, '')} > {fmt(opts['max-daily-pe-mg'])}")
            over_pe.add(o.index)
        if o.administrations is None and o.course_known:
            problems.append(f"the course is open-ended (give doses: {opts['max-administrations']})")
            over_course.add(o.index)
        elif not o.course_known and o.administrations is None:
            # No schedule (prn, no frequency) and no count of doses: how many pulses it gives cannot be told.
            problems.append(f"its course length cannot be computed, so it is read as open-ended (give doses: {opts['max-administrations']})")
            over_course.add(o.index)
        elif o.administrations is not None and o.administrations > opts["max-administrations"]:
            problems.append(f"{o.administrations} administrations > {opts['max-administrations']}")
            over_course.add(o.index)
        if problems:
            yield Hit(f"{o.describe()} pulse exceeds the RP-ILD pulse course: " + "; ".join(problems), f"{o.pointer}/dose", o.index, render(FIX_206, opts))
    if len(pulses) > 1:
        yield from _pulses_together(reg, opts, pulses, over_pe, over_course)


def _pulses_together(reg: "Regimen", opts: Options, pulses: list[tuple["Order", float]],
                     over_pe: set[int], over_course: set[int]) -> Iterator[Hit]:
    """ILD206 over pulse orders of one pulse course (any systemic glucocorticoid, in
    prednisone-equivalent): two methylprednisolone 500 mg IV daily x3 orders side by side are
    1250 mg PE a day over 6 administrations, as one order of 500 mg twice daily x6 is. A course is
    a run of pulse orders whose courses overlap or follow each other without a day between (1000 mg
    x3, then 500 mg x3 from the day after: 6 daily pulses, as the steps of a FHIR taper are read).
    One finding per course, naming its orders: their PE on a day together (orders given at the
    same time, Regimen.given_together) above the maximum, or their administrations together more
    than the most. An order that exceeds alone has its own finding, and is counted in the sums too
    when another order adds to it (a waiver of that order must not cover the others); a sum of
    orders that each exceed alone adds nothing to their own findings."""
    pe_of = {o.index: pe for o, pe in pulses}
    # Runs of courses that overlap or follow without a gap (one pulse course each), and the largest
    # PE a day of two or more orders of a run together, from the sets given at the same time.
    runs = [[o for _, _, o in run] for run in course_chains(reg, [o for o, _ in pulses])]
    run_of = {o.index: r for r, run in enumerate(runs) for o in run}
    daily: dict[int, float] = {}
    for together in reg.given_together([o for o, _ in pulses]):
        if not all(o.index in over_pe for o in together):
            r, pe = run_of[together[0].index], round(sum(pe_of[o.index] for o in together), 2)
            daily[r] = max(pe, daily.get(r, pe))
    limit, most = opts["max-daily-pe-mg"], opts["max-administrations"]
    for r, run in enumerate(runs):
        if len(run) < 2:
            continue
        run.sort(key=lambda o: o.index)
        problems = []
        if r in daily and daily[r] > limit:
            problems.append(f"{fmt(daily[r])} mg PE/day together > {fmt(limit)}")
        counted = [o.administrations for o in run if o.administrations is not None]
        total = sum(counted)
        if len(counted) > 1 and not all(o.index in over_course for o in run) and total > most:
            problems.append(f"{total} administrations together > {most}")
        if problems:
            top = max(run, key=lambda o: pe_of[o.index])  # the largest; the first of equal ones
            names = " + ".join(f"order {o.ref!r} {o.describe()} ({fmt(pe_of[o.index])} mg PE/day)" for o in run)
            yield Hit(f"{names}, one pulse course, exceed the RP-ILD pulse course together: " + "; ".join(problems),
                      f"{top.pointer}/dose", top.index, render(FIX_206, opts), tuple(o.index for o in run if o is not top))


@rule(
    code="ILD207",
    name="pulse-renal-crisis-review",
    severity="info",
    summary="Any RP-ILD pulse: assess scleroderma renal crisis risk and monitor blood pressure and creatinine.",
    source=src(f"{SEED}; {STEEN_1998}", "seed guidance", "U", SEED_URL),
    rationale="High-dose steroids are the strongest modifiable risk factor for scleroderma renal crisis; a pulse needs a documented risk assessment and monitoring.",
    fix="Document renal-crisis risk; monitor blood pressure and creatinine daily during and after the pulse.",
    conditions=CONDITION,
    triggers=["systemic-glucocorticoid"],
    amounts=PE_NEEDS,
    settings=[PULSE_MIN_PE],
)
def pulse_renal_crisis_review(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if not reg.rapidly_progressive:
        return
    for o, pe in _pulses(reg):
        once = "; one administration, whatever its frequency" if o.pe is None else ""
        yield Hit(f"{o.describe()} pulse ({fmt(pe)} mg PE/day{once}): assess scleroderma renal crisis risk; monitor blood pressure "
                  "and creatinine", f"{o.pointer}/dose", o.index)


RULES = [
    glucocorticoid_first_line, glucocorticoid_high_dose, glucocorticoid_long_term,
    pulse_outside_rpild, pulse_without_immunosuppressant, pulse_course_exceeds, pulse_renal_crisis_review,
]
