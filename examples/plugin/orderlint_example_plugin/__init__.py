"""A minimal third-party orderlint pack: one site-policy rule, its case file, and one local drug name.

Install it next to orderlint (``pip install ./examples/plugin``) and ``orderlint rules``
lists SITE001; ``orderlint check`` runs it on every SSc-ILD regimen; ``orderlint explain SITE001``
shows the first firing and passing case of ``cases/SITE001.yaml``, which ``tests/`` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Option, Options, Pack, Rule, Source, rule

if TYPE_CHECKING:
    from orderlint.normalize import Regimen


@rule(
    code="SITE001",
    name="order-id-missing",
    severity="warning",
    summary="An active order has no `id`, so pharmacy verification cannot refer to it.",
    source=Source("Example hospital pharmacy order-verification policy", "site policy", "V"),
    rationale="Verification notes, waivers and baselines refer to orders by id; an order without one can only be named by its position, which changes when orders are edited.",
    fix="Give every order a short unique `id` (for example 'mmf').",
    options={"statuses": Option(["new", "active"], "order statuses that need an id", min_items=1,
                                choices=("new", "active", "on-hold", "stopped"))},
    conditions=["ssc-ild"],
)
def order_id_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    for o in reg.orders:
        if o.status in opts["statuses"] and reg.doc.orders[o.index].id is None:
            yield Hit(f"order {o.index} ({o.drug_text}) has no id", f"{o.pointer}", o.index)


@hookimpl
def orderlint_rules() -> list[Rule]:
    return [order_id_missing]


@hookimpl
def orderlint_pack() -> Pack:
    from importlib.resources import files

    # cases/SITE001.yaml, shipped as package data (pyproject.toml).
    return Pack(cases=files(__name__).joinpath("cases"))


@hookimpl
def orderlint_vocabulary() -> dict[str, Any]:
    # A local formulary abbreviation for a drug the built-in pack already knows.
    return {"drugs": {"mycophenolate mofetil": {"aliases": ["myco-m"]}}}
