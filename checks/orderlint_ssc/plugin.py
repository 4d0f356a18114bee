"""Entry point of the SSc-ILD pack: contributes its rules and its drug vocabulary."""

from __future__ import annotations

from orderlint.hookspecs import hookimpl


@hookimpl
def orderlint_rules() -> list:
    # Imported here, not at module import, so that start-up stays cheap.
    from orderlint_ssc import agents, dosing, glucocorticoids, prophylaxis, screening

    return [*agents.RULES, *glucocorticoids.RULES, *prophylaxis.RULES, *screening.RULES, *dosing.RULES]


@hookimpl
def orderlint_vocabulary() -> dict:
    from orderlint_ssc.vocabulary import DRUGS

    return {"drugs": DRUGS}
