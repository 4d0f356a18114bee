"""Entry point of the SSc-ILD pack: contributes its rules, its settings and case files, and its drug vocabulary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orderlint.hookspecs import hookimpl

if TYPE_CHECKING:
    from orderlint.rules import Pack, Rule


@hookimpl
def orderlint_rules() -> "list[Rule]":
    # Imported here, not at module import, so that start-up stays cheap.
    from orderlint_ssc import agents, dosing, glucocorticoids, prophylaxis, screening

    return [*agents.RULES, *glucocorticoids.RULES, *prophylaxis.RULES, *screening.RULES, *dosing.RULES]


@hookimpl
def orderlint_pack() -> "Pack":
    from importlib.resources import files

    from orderlint.rules import Pack
    from orderlint_ssc.common import SETTINGS

    # cases/<CODE>.yaml: one case file per rule (orderlint.cases), shipped as package data.
    return Pack(settings=SETTINGS, cases=files("orderlint_ssc").joinpath("cases"))


@hookimpl
def orderlint_vocabulary() -> "dict[str, Any]":
    from orderlint_ssc.vocabulary import DRUGS

    return {"drugs": DRUGS}
