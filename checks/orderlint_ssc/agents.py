"""Agent choice (ILD1xx): which drugs are recommended for SSc-ILD, and in what combination."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from orderlint.rules import Hit, Option, Options, rule
from orderlint_ssc.common import (
    ACR_CHEST_2023,
    ACR_CHEST_2023_URL,
    ATS_2023,
    CONDITION,
    MYCOPHENOLATE_LABEL_URL,
    SEED,
    SEED_URL,
    TOCILIZUMAB_SSC_ILD_URL,
    src,
)

if TYPE_CHECKING:
    from orderlint.normalize import Regimen

#: Not-recommended agents: class or ingredient -> why (shown in the message).
NOT_RECOMMENDED = {
    "leflunomide": "ACR/CHEST 2023 conditionally recommends against it first-line",
    "methotrexate": "ACR/CHEST 2023 conditionally recommends against it first-line",
    "tnf-inhibitor": "ACR/CHEST 2023 conditionally recommends against TNF inhibitors first-line",
    "abatacept": "ACR/CHEST 2023 conditionally recommends against it first-line",
    "pirfenidone": "ATS 2023 recommends it for research only",
    "jak-inhibitor": "JAK inhibitors are not recommended for SSc-ILD outside rapidly progressive ILD",
    "ivig": "IVIG is not recommended for SSc-ILD outside rapidly progressive ILD",
    "plasma-exchange": "plasma exchange is not recommended for SSc-ILD outside rapidly progressive ILD",
    "calcineurin-inhibitor": "calcineurin inhibitors are not recommended for SSc-ILD outside rapidly progressive ILD",
}


@rule(
    code="ILD101",
    name="not-recommended-agent",
    severity="warning",
    summary="A new ILD order of an agent not recommended for SSc-ILD ({agents}); with rapidly progressive ILD, {rp-ild-exempt} do not fire.",
    source=src(f"{SEED}; {ACR_CHEST_2023} (conditional against leflunomide, methotrexate, TNF inhibitors, abatacept); {ATS_2023} (pirfenidone: research only)", "conditional recommendation against", "V", ACR_CHEST_2023_URL),
    rationale=(
        "The preferred first-line agents are mycophenolate, tocilizumab and rituximab, with cyclophosphamide, "
        "azathioprine and nintedanib as additional options. ACR/CHEST conditionally recommends against "
        "leflunomide, methotrexate, TNF inhibitors and abatacept; methotrexate is missing from the seed's list "
        "but is in the guideline. Pirfenidone is a research recommendation only (ATS). In rapidly progressive "
        "ILD, IVIG, calcineurin inhibitors and JAK inhibitors are options, so they do not fire then."
    ),
    fix="Use a recommended agent: mycophenolate first; tocilizumab, rituximab, cyclophosphamide, azathioprine or nintedanib as alternatives.",
    options={
        "agents": Option(sorted(NOT_RECOMMENDED), "classes or ingredients that fire. At least one: an empty list "
                         "would switch the rule off (ignore it instead). A site's list adds to this one; agents-remove "
                         "names entries to take out", names="drug", min_items=1, additive=True),
        "rp-ild-exempt": Option(["ivig", "calcineurin-inhibitor", "jak-inhibitor"], "classes allowed when rapidly_progressive is true", names="drug"),
    },
    notes="The JAK inhibitor, calcineurin inhibitor, IVIG and plasma-exchange entries come from the seed; no explicit SSc-ILD recommendation against them was verified (clinical-facts.md D4).",
    conditions=CONDITION,
    triggers=lambda o: o["agents"],
)
def not_recommended_agent(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    exempt = set(opts["rp-ild-exempt"]) if reg.rapidly_progressive else set()
    agents = opts["agents"]
    for o in reg.new():
        if not o.for_ild:
            continue
        for cls in agents:  # is_a is route-aware: topical tacrolimus is no calcineurin inhibitor
            if o.is_a(cls) and cls not in exempt:
                why = NOT_RECOMMENDED.get(cls, "it is not recommended for SSc-ILD")
                yield Hit(f"{o.label} is not a recommended SSc-ILD agent: {why}", f"{o.pointer}/drug", o.index)
                break


@rule(
    code="ILD102",
    name="nintedanib-mycophenolate-upfront",
    severity="warning",
    summary="New nintedanib together with active mycophenolate, without documented progression on mycophenolate.",
    source=src(f"{SEED}; disputed by {ATS_2023}, which conditionally recommends nintedanib + mycophenolate", "seed guidance (disputed)", "U", SEED_URL),
    rationale=(
        "The seed asks to add nintedanib to mycophenolate only after ILD progresses on mycophenolate alone, "
        "so that each drug's effect and toxicity can be judged."
    ),
    fix="Start mycophenolate alone and add nintedanib if ILD progresses (record it in `history` with outcome progression), or document a waiver.",
    notes=(
        "Sources disagree. The ATS 2023 guideline conditionally recommends nintedanib plus mycophenolate for "
        "SSc-ILD (very low certainty); only the seed and AI summaries restrict it to progression on "
        "mycophenolate, and the ACR/CHEST text on upfront combination was not retrieved. orderlint follows "
        "the project's rule catalog and warns; a site that follows ATS can turn the rule off "
        "(ignore = [\"ILD102\"]) or waive it per patient."
    ),
    conditions=CONDITION,
    triggers=["nintedanib"],
    looks_for=["mycophenolate"],
)
def nintedanib_mycophenolate_upfront(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    started = reg.new("nintedanib")  # asked first: the cheapest way out
    if not started or not reg.active("mycophenolate") or reg.progressed_on_class("mycophenolate"):
        return
    for o in started:
        yield Hit(
            f"{o.label} is started together with mycophenolate, with no documented ILD progression on mycophenolate",
            f"{o.pointer}/drug", o.index,
        )


@rule(
    code="ILD103",
    name="tocilizumab-iv-route",
    severity="warning",
    summary="Tocilizumab ordered IV: the SSc-ILD approval is 162 mg SC weekly.",
    source=src("FDA Actemra label, SSc-ILD indication (March 2021): 162 mg subcutaneously once weekly; the IV formulation is not approved for SSc-ILD", "label", "V", TOCILIZUMAB_SSC_ILD_URL),
    rationale="The approved SSc-ILD regimen is subcutaneous; IV dosing (mg/kg every 4 weeks) was studied for other indications.",
    fix="Order tocilizumab 162 mg SC once weekly.",
    conditions=CONDITION,
    triggers=["tocilizumab"],
)
def tocilizumab_iv_route(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    for o in reg.active("tocilizumab"):
        if o.route == "iv":
            yield Hit(f"{o.label} is ordered IV; the SSc-ILD approval is 162 mg SC weekly", f"{o.pointer}/route", o.index)


@rule(
    code="ILD104",
    name="antimetabolite-combination",
    severity="warning",
    summary="Active mycophenolate and active azathioprine together (additive marrow suppression).",
    source=src("Mycophenolate labeling: concomitant azathioprine not recommended", "label", "U", MYCOPHENOLATE_LABEL_URL),
    rationale="Both are antimetabolites; together they add marrow suppression without evidence of benefit in SSc-ILD.",
    fix="Use one antimetabolite: stop azathioprine when switching to mycophenolate, or vice versa.",
    conditions=CONDITION,
    triggers=["azathioprine"],
    looks_for=["mycophenolate"],
)
def antimetabolite_combination(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if not reg.active("mycophenolate"):
        return
    for o in reg.active("azathioprine"):
        yield Hit(f"{o.label} is active together with mycophenolate: additive marrow suppression", f"{o.pointer}/drug", o.index)


RULES = [not_recommended_agent, nintedanib_mycophenolate_upfront, tocilizumab_iv_route, antimetabolite_combination]
