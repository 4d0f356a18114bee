"""Shared pieces of the SSc-ILD pack: the condition it applies to, its sources and its settings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional, Sequence

from orderlint.rules import Option, Source, setting

if TYPE_CHECKING:
    from orderlint.normalize import Order, Regimen

CONDITION = ("ssc-ild",)

ACR_CHEST_2023 = "2023 ACR/CHEST guideline for the treatment of ILD in systemic autoimmune rheumatic diseases (Johnson et al., Arthritis Care Res 2024;76(8):1051-69)"
ATS_2023 = "ATS clinical practice guideline: treatment of SSc-ILD (Raghu et al., AJRCCM 2024;209(2):137-52)"
SEED = "orderlint seed summary: treatment of scleroderma-associated ILD (secondary, AI-generated; 2025)"
EULAR_2022 = "2022 EULAR recommendations for screening and prophylaxis of infections in AIIRD (Fragoulis et al., Ann Rheum Dis 2022)"

# Public addresses of the sources, as clinical-facts.md section 10 gives them (source ids S1...).
# A rule's help link is the address of the source its grade comes from (Rule.help_uri).
ACR_CHEST_2023_URL = "https://doi.org/10.1002/acr.25348"  # S1
ACR_CHEST_SCREENING_URL = "https://doi.org/10.1002/art.42860"  # S41
ATS_2023_URL = "https://doi.org/10.1164/rccm.202306-1113ST"  # S7
EULAR_2022_URL = "https://ard.bmj.com/content/early/2022/11/17/ard-2022-223335"  # S15
ACR_VF_2021_URL = "https://doi.org/10.1002/acr.24634"  # S21
CPIC_2018_URL = "https://doi.org/10.1002/cpt.1304"  # S26
SEED_URL = "https://www.droracle.ai/articles/649160/what-is-the-treatment-for-scleroderma-associated-interstitial-lung-disease"  # seed
TOCILIZUMAB_SSC_ILD_URL = "https://rheumatology.medicinematters.com/systemic-sclerosis-/respiratory-disorders/fda-approves-tocilizumab-for-ssc-ild/18954162"  # S28
RITUXIMAB_LABEL_URL = "https://api.fda.gov/drug/label.json?search=openfda.brand_name%3ARituxan"  # S22
MYCOPHENOLATE_LABEL_URL = "https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22Mycophenolate+Mofetil%22"  # S23
PCP_REGIMENS_URL = "https://pmc.ncbi.nlm.nih.gov/articles/PMC10938896/table/T2"  # S19


def src(citation: str, grade: str, verification: str, url: Optional[str] = None) -> Source:
    return Source(citation=citation, grade=grade, verification=verification, url=url)


#: Pack-level settings (rules.md Terms): declared once here, set by a site in
#: [tool.orderlint.packs.ssc-ild], read by checks with orderlint.rules.setting.
PULSE_MIN_PE = "pulse-min-daily-pe-mg"
SETTINGS = {
    PULSE_MIN_PE: Option(
        250,
        "daily prednisone-equivalent (mg) at or above which an order is a pulse; used by every ILD2xx and ILD302 "
        "rule. From 100 to 1250: a lower threshold would take daily doses for pulses and so leave them out of "
        "ILD201-ILD203 and ILD302 (EULAR 2022's high-dose range ends at 30 mg/day); a higher one would judge "
        "the seed's pulse, methylprednisolone 1000 mg = 1250 mg, as a daily dose",
        minimum=100,
        maximum=1250,
    ),
}

#: Routes by which a drug acts systemically; an order without a route is read as systemic.
SYSTEMIC_ROUTES = frozenset({"oral", "iv", "im", "sc"})


def systemic(o: "Order") -> bool:
    return o.route is None or o.route in SYSTEMIC_ROUTES


def premedication(o: "Order") -> bool:
    """A premedication order with a bounded course (rules.md 2nd ed., "Premedication orders").

    Normalization decides it (``Order.premedication``); the fallback reads the same terms from the
    order for a normalizer that does not expose it. An open-ended one is judged as purpose: other.
    """
    flag = getattr(o, "premedication", None)
    if flag is not None:
        return bool(flag)
    return o.purpose == "premedication" and o.course_known and o.course_days is not None


def pulse_threshold(reg: "Regimen") -> float:
    """Daily prednisone-equivalent at or above which an order is a pulse (the pack setting)."""
    value: float = setting(reg, PULSE_MIN_PE, SETTINGS[PULSE_MIN_PE].default)
    return value


def is_pulse(reg: "Regimen", o: "Order") -> bool:
    pe = reg.daily_pe(o) if o.systemic_glucocorticoid else None
    return pe is not None and pe >= pulse_threshold(reg)


def fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def course_chains(reg: "Regimen", orders: "Sequence[Order]") -> "list[list[tuple[float, float, Order]]]":
    """The orders in runs whose courses (Regimen.course_span, from their starts) overlap or follow
    each other without a day between: one course, as the steps of one taper are (ILD203, ILD503).
    Each run is (first day, day after its course, order) in order of their first days."""
    runs: "list[list[tuple[float, float, Order]]]" = []
    end = -math.inf
    for first, last, o in sorted(((*reg.course_span(o), o) for o in orders), key=lambda x: (x[0], x[2].index)):
        if not runs or first > end:  # a day after every course so far has ended: a new chain
            runs.append([])
            end = last
        else:
            end = max(end, last)
        runs[-1].append((first, last, o))
    return runs


def span_words(reg: "Regimen", first: float, last: float) -> str:
    """An order's course in words for a chain's message: 'from 2026-03-02, 84 days'."""
    since = reg.day_after(first)
    return f"from {since}, open-ended" if last == math.inf else f"from {since}, {fmt(last - first)} days"


def fullest_day(o: "Order") -> Optional[int]:
    """The administrations on an order's fullest calendar day, when a day's number is not whole
    (once a week: one; q16h: two on some days), else None (a whole number a day, or a single
    administration: every day it is given is alike)."""
    per_day = o.per_day
    if o.single or per_day is None or per_day <= 0:
        return None
    k = math.ceil(per_day - 1e-9)
    return k if k - per_day >= 1e-9 else None


def fullest_day_words(k: Optional[int]) -> str:
    return "" if k is None else " on the day it is given" if k == 1 else f" on a day it is given {k} times"


def on_one_day(o: "Order", v: float) -> tuple[float, str]:
    """(the most of an order given on one calendar day, words saying so or ""), from ``v``, its
    amount per day on average (fullest_day; the average itself when every day is alike)."""
    k = fullest_day(o)
    return (v, "") if k is None else (v / o.per_day * k, fullest_day_words(k))  # type: ignore[operator]
