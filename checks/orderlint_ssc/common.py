"""Shared pieces of the SSc-ILD pack: the condition it applies to and its sources."""

from __future__ import annotations

from orderlint.rules import Source

CONDITION = ("ssc-ild",)

ACR_CHEST_2023 = "2023 ACR/CHEST guideline for the treatment of ILD in systemic autoimmune rheumatic diseases (Johnson et al., Arthritis Care Res 2024;76(8):1051-69)"
ATS_2023 = "ATS clinical practice guideline: treatment of SSc-ILD (Raghu et al., AJRCCM 2024;209(2):137-52)"
SEED = "orderlint seed summary: treatment of scleroderma-associated ILD (secondary, AI-generated; 2025)"
EULAR_2022 = "2022 EULAR recommendations for screening and prophylaxis of infections in AIIRD (Fragoulis et al., Ann Rheum Dis 2022)"


def src(citation: str, grade: str, verification: str) -> Source:
    return Source(citation=citation, grade=grade, verification=verification)


#: Routes by which a drug acts systemically; an order without a route is read as systemic.
SYSTEMIC_ROUTES = frozenset({"oral", "iv", "im", "sc"})


def systemic(o) -> bool:
    return o.route is None or o.route in SYSTEMIC_ROUTES


def premedication(o) -> bool:
    """A premedication order with a bounded course (rules.md 2nd ed., "Premedication orders").

    Normalization decides it (``Order.premedication``); the fallback reads the same terms from the
    order for a normalizer that does not expose it. An open-ended one is judged as purpose: other.
    """
    flag = getattr(o, "premedication", None)
    if flag is not None:
        return bool(flag)
    return o.purpose == "premedication" and o.course_known and o.course_days is not None


def pulse_threshold(reg) -> float:
    """Daily prednisone-equivalent at or above which an order is a pulse (configured on ILD204)."""
    return reg.options["ILD204"]["pulse-min-daily-pe-mg"]


def is_pulse(reg, o) -> bool:
    pe = reg.daily_pe(o) if o.systemic_glucocorticoid else None
    return pe is not None and pe >= pulse_threshold(reg)


def fmt(x: float) -> str:
    return f"{round(x, 2):g}"
