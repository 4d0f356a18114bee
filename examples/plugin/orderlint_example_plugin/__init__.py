"""A minimal third-party orderlint pack: one site-policy rule and one local drug name.

Install it next to orderlint (``pip install ./examples/plugin``) and ``orderlint rules``
lists SITE001; ``orderlint check`` runs it on every SSc-ILD regimen.
"""

from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Option, Source, rule


@rule(
    code="SITE001",
    name="order-id-missing",
    severity="warning",
    summary="An active order has no `id`, so pharmacy verification cannot refer to it.",
    source=Source("Example hospital pharmacy order-verification policy", "site policy", "V"),
    rationale="Verification notes, waivers and baselines refer to orders by id; an order without one can only be named by its position, which changes when orders are edited.",
    fix="Give every order a short unique `id` (for example 'mmf').",
    options={"statuses": Option(["new", "active"], "order statuses that need an id")},
    failing_example="orders: [{drug: CellCept, dose: 1000, unit: mg, route: oral, frequency: bid}]",
    passing_example="orders: [{id: mmf, drug: CellCept, dose: 1000, unit: mg, route: oral, frequency: bid}]",
    conditions=["ssc-ild"],
)
def order_id_missing(reg, opts):
    for o in reg.orders:
        if o.status in opts["statuses"] and reg.doc.orders[o.index].id is None:
            yield Hit(f"order {o.index} ({o.drug_text}) has no id", f"{o.pointer}", o.index)


@hookimpl
def orderlint_rules():
    return [order_id_missing]


@hookimpl
def orderlint_vocabulary():
    # A local formulary abbreviation for a drug the built-in pack already knows.
    return {"drugs": {"mycophenolate mofetil": {"aliases": ["myco-m"]}}}
