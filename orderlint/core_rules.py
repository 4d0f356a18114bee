"""Core document rules (OL): the engine's own findings about documents, waivers and itself."""

from __future__ import annotations

from typing import Iterator

from orderlint.rules import Hit, Source, rule

_CORE = Source("orderlint regimen format, version 1 (regimen-format.md)", "format contract", "V")


def _engine(*_args) -> Iterator[Hit]:  # produced by the engine's stages, not by a check
    return iter(())


OL000 = rule(
    code="OL000",
    name="internal-error",
    severity="error",
    summary="A check crashed or a plugin failed to load, so the document was not fully checked.",
    source=_CORE,
    rationale=(
        "A safety check that did not run must never look like a pass: the finding names the rule and the "
        "error, and the run exits 2."
    ),
    fix="Report the message to the rule pack's maintainers; until fixed, verify the regimen by hand.",
)(_engine)

OL001 = rule(
    code="OL001",
    name="invalid-document",
    severity="error",
    summary="The document is not parseable JSON/YAML, repeats a key, or violates the regimen schema.",
    source=_CORE,
    rationale=(
        "A document that does not match the contract cannot be checked safely: a repeated key silently "
        "replaces a dose, and a misspelled field silently drops data. One finding per violation, at the "
        "offending value; an invalid document gets no other finding."
    ),
    fix="Correct the value named in the message; `orderlint schema` prints the contract.",
    failing_example='{"id": "x", "kind": "patient", "orders": [{"drug": "MMF", "dose": "500", ...}]}',
    passing_example='{"id": "x", "kind": "patient", "orders": [{"drug": "MMF", "dose": 500, ...}]}',
)(_engine)

OL002 = rule(
    code="OL002",
    name="unknown-drug",
    severity="warning",
    summary="An order's or history item's drug matches no known ingredient, or its rxcui disagrees with it.",
    source=_CORE,
    rationale=(
        "A drug the linter does not know cannot be checked, and silently passing it would hide exactly the "
        "orders that most need review. The message offers the closest known names; that order is not "
        "evaluated further."
    ),
    fix="Use the generic name, a brand or a common abbreviation; or add the name through a vocabulary plugin.",
    failing_example="orders: [{drug: zorblatinib, dose: 10, unit: mg, route: oral, frequency: daily}]",
    passing_example="orders: [{drug: CellCept, dose: 1000, unit: mg, route: oral, frequency: bid}]",
)(_engine)

OL003 = rule(
    code="OL003",
    name="unverifiable-dose",
    severity="warning",
    summary="A dose cannot be computed: unknown unit, route or frequency, or a needed weight, BSA or strength is missing.",
    source=_CORE,
    rationale=(
        "A dose the linter cannot compute is unknown, never zero: the dose rules that needed it do not guess, "
        "so this finding says the order was not verified."
    ),
    fix="Give a known unit, route and frequency; add `strength` for tablet doses and weight/height (or bsa_m2) for per-kg or per-m2 checks.",
    failing_example="orders: [{drug: azathioprine, dose: 2, unit: mg/kg, route: oral, frequency: daily}]  # no weight",
    passing_example="patient: {weight_kg: 70}\norders: [{drug: azathioprine, dose: 2, unit: mg/kg, route: oral, frequency: daily}]",
)(_engine)

OL005 = rule(
    code="OL005",
    name="invalid-waiver",
    severity="error",
    summary="A waiver names an unknown rule or order, has no reason of 10 or more characters, no approver, or has expired.",
    source=_CORE,
    rationale=(
        "An exception to a safety rule must be documented, approved and current; a malformed waiver "
        "suppresses nothing, so its findings stay active."
    ),
    fix="Give the waiver a known `rule`, a `reason` of at least 10 characters, `approved_by`, and a future `expires`.",
    failing_example="waivers: [{rule: ILD102, reason: ok}]",
    passing_example="waivers: [{rule: ILD102, reason: 'ATS 2023 combination; rheumatology MDT', approved_by: Dr Lee}]",
)(_engine)

OL006 = rule(
    code="OL006",
    name="unused-waiver",
    severity="warning",
    summary="A valid waiver suppresses no finding.",
    source=_CORE,
    rationale="A stale waiver hides intent and could silently suppress a future finding; remove it.",
    fix="Remove the waiver, or point it at the rule and order it was meant for.",
    failing_example="waivers: [{rule: ILD301, reason: 'prophylaxis given elsewhere', approved_by: Dr Lee}]  # no cyclophosphamide",
    passing_example="waivers: []",
)(_engine)


@rule(
    code="OL004",
    name="duplicate-therapy",
    severity="warning",
    summary="Two active orders of the same ingredient, or mycophenolate mofetil and mycophenolic acid together.",
    source=_CORE,
    rationale=(
        "Duplicate orders double the dose (CellCept and 'mycophenolate mofetil' are the same drug; MMF and "
        "MPA are two forms of one drug and must not be combined)."
    ),
    fix="Keep one order per ingredient; for a split dose, use one order with the right frequency.",
    failing_example="orders: [{drug: CellCept, ...}, {drug: mycophenolate mofetil, ...}]",
    passing_example="orders: [{drug: CellCept, dose: 1500, unit: mg, route: oral, frequency: bid}]",
)
def duplicate_therapy(reg, opts) -> Iterator[Hit]:
    first: dict[str, object] = {}
    for o in reg.active():
        key = "mycophenolate" if o.is_a("mycophenolate") else o.drug.name
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


CORE_RULES = [OL000, OL001, OL002, OL003, duplicate_therapy, OL005, OL006]
#: Rules that can never be turned off: a crash or an invalid document always counts.
ALWAYS_ON = frozenset({"OL000", "OL001"})
#: Findings produced by the engine's stages rather than by a check.
ENGINE_CODES = frozenset({"OL000", "OL001", "OL002", "OL003", "OL005", "OL006"})
