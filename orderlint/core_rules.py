"""Core document rules (OL): the engine's own findings about documents, waivers and itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from orderlint.rules import Hit, Options, Pack, Source, rule, setting

if TYPE_CHECKING:
    from orderlint.normalize import Regimen

_CORE = Source("orderlint regimen format, version 1 (regimen-format.md)", "format contract", "V")


def _engine(reg: "Regimen", opts: Options) -> Iterator[Hit]:  # produced by the engine's stages, not by a check
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
)(_engine)

OL002 = rule(
    code="OL002",
    name="unknown-drug",
    severity="warning",
    summary="An order's or history item's drug matches no known ingredient (error when it is likely a misspelt checked drug), or its rxcui is known for another ingredient.",
    source=_CORE,
    rationale=(
        "A drug the linter does not know cannot be checked, and silently passing it would hide exactly the "
        "orders that most need review. The message offers the closest known names; that order is not "
        "evaluated further. It is an error when a checked drug's known name is close to the text "
        "(`mycophenolate mofitil`), or lies in it with other words in an order by a systemic or missing route "
        "(`CYC pulse`; not a two-letter alias: `Anusol HC`), or when an rxcui of any tag, or a FHIR coding's "
        "display, names a checked drug the text does not, "
        "so `--fail-on error` never passes a misspelt checked drug; a severity set in the configuration is that of the other (warning) findings, never of these errors."
    ),
    fix="Use the generic name, a brand or a common abbreviation; or add the name through a vocabulary plugin.",
    notes=("A checked drug's name is also found glued to digits or punctuation or spelt letter by letter "
           "(`RTX1000`, `MMF.500`, `m.m.f.`), and written with Cyrillic or Greek letters that look Latin "
           "(`ritуximаb`: the message names each such letter), or cut short at seven letters or more (`cyclophos`, "
           "as some systems export names at a fixed width), or misspelt beside other words (`rituxmab inf`, "
           "`Cytoxen per protocol`: a word, or two, of six letters or more, no known name or plain word itself, one typo "
           "(an edit or a swap of neighbours) from a checked drug's name of as many words, or at 0.9 similarity to it): "
           "each is an error."),
)(_engine)

OL003 = rule(
    code="OL003",
    name="unverifiable-dose",
    severity="warning",
    summary="An order of a checked drug lacks dose, unit, route or frequency, or a needed amount cannot be computed (unknown unit, route or frequency; missing weight, BSA or strength; a result that is not a positive finite number).",
    source=_CORE,
    rationale=(
        "A dose the linter cannot compute is unknown, never zero: the dose rules that needed it do not guess, "
        "so this finding says the order was not verified. Normalization decides it once, from what every "
        "installed rule needs, so it never depends on which rules are enabled."
    ),
    fix="Give a known unit, route and frequency; add `strength` for tablet doses and weight/height (or bsa_m2) for per-kg or per-m2 checks.",
    notes=("Also an order whose route contradicts what it is: a route its name states otherwise ('Actemra IV' by sc), "
           "or a local route no product of a checked drug has (mycophenolate 'topical', nintedanib 'inhaled'), which "
           "would leave it checked by no rule; for a glucocorticoid, whose many local forms (creams, drops) the "
           "vocabulary does not list, only when the order gives a dose in mg, mg/kg or mg/m2 (methylprednisolone "
           "1 g 'topical', with or without a frequency); and a weight and height that no body goes "
           "with (a body-mass index outside 3.5 to 250, or below 8 from one year of age), which are not used for per-kg or per-m2 doses."),
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
    notes=("A waiver has expired once its `expires` date is before the document's `as_of`, the run's date "
           "(`--as-of`) or today: `expires` is a date in the world, and as_of and `--as-of` only place look-back "
           "windows (a rule case is a replay on its document's date). "
           "OL000, OL001, OL005 and OL006 cannot be waived, nor a likely misspelling of a checked drug (OL002's "
           "error tier), whose order is not checked at all; OL002 and OL003 otherwise only for a named order."),
)(_engine)

OL006 = rule(
    code="OL006",
    name="unused-waiver",
    severity="warning",
    summary="A valid waiver suppresses no finding.",
    source=_CORE,
    rationale="A stale waiver hides intent and could silently suppress a future finding; remove it.",
    fix="Remove the waiver, or point it at the rule and order it was meant for.",
)(_engine)


OL007 = rule(
    code="OL007",
    name="not-applicable",
    severity="error",
    summary="No installed rule pack covers the document's indication.condition, so no rule checked it.",
    source=_CORE,
    rationale=(
        "A document whose condition no pack covers was not checked at all; passing it silently would let an "
        "unchecked regimen through (a misspelt condition used to). The condition is matched case-insensitively, "
        "with spaces, `_` and `-` runs read as one `-`; the message names the value and the closest known "
        "condition. The document's status is not-applicable and no other rule runs. A site whose stream "
        "mixes conditions can ignore OL007."
    ),
    fix="Correct indication.condition (for the built-in pack: ssc-ild), install the pack for that condition, or ignore OL007 for mixed streams.",
    notes=("Also a document whose condition a pack covers but whose rules the selection (select, ignore) leaves out "
           "entirely: with a second pack installed, ignoring every rule of one no longer passes its documents as "
           "checked. A selection that leaves no rule of any pack is refused outright."),
)(_engine)

OL008 = rule(
    code="OL008",
    name="input-mapping",
    severity="info",
    summary="A lossy conversion from another input format (FHIR): what was dropped, repaired or reduced.",
    source=Source("orderlint FHIR input mapping (fhir.md)", "format contract", "V"),
    rationale=(
        "Converting another format into a regimen document can lose information: a dropped cancelled order, "
        "a repaired STU3 shape, a dose range reduced to one bound, a text-only instruction, a non-UCUM unit. "
        "Each conversion is reported at its source element, so the reader knows what was checked."
    ),
    fix="Review the source element; give the structured value in the source system if it matters.",
)(_engine)


@rule(
    code="OL004",
    name="duplicate-therapy",
    severity="warning",
    summary="Two active orders of the same checked ingredient, or mycophenolate mofetil and mycophenolic acid together.",
    source=_CORE,
    rationale=(
        "Duplicate orders double the dose (CellCept and 'mycophenolate mofetil' are the same drug; MMF and "
        "MPA are two forms of one drug and must not be combined). Only ingredients a rule checks count "
        "(mesna IV then oral is not a duplicate); premedication orders (a glucocorticoid given with an infusion) and a glucocorticoid pulse followed "
        "by a taper of the same ingredient are not duplicates."
    ),
    fix="Keep one order per ingredient; for a split dose, use one order with the right frequency.",
)
def duplicate_therapy(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    # rules.md 2nd ed. (OL004): checked ingredients only, not premedication orders, and a pulse is
    # not a duplicate of a non-pulse order of its ingredient (pulse then taper).
    active = reg.active()
    if len(active) < 2:  # most documents: nothing to duplicate
        return
    threshold = None  # read for the first glucocorticoid with a daily PE
    first: dict[tuple, Any] = {}
    for o in active:
        if not o.checked or o.premedication:
            continue
        if o.drug is None:  # reg.active() holds orders of known drugs only
            continue
        tags = o.tags  # o.systemic_glucocorticoid, o.is_a(cls): membership in the route-aware tags
        pulse = False
        # A pulse as the glucocorticoid rules tell one (Regimen.least_daily_pe): without a frequency,
        # by one administration. By o.pe alone, Solu-Medrol 1 g with no frequency beside a daily
        # methylprednisolone pulse was the 'non-pulse' of a pulse, and no duplicate.
        pe = reg.least_daily_pe(o) if "systemic-glucocorticoid" in tags else None
        if pe is not None:
            if threshold is None:
                threshold = setting(reg, PULSE_SETTING, DEFAULT_PULSE_MIN_PE)
            pulse = pe >= threshold
        key = ("mycophenolate" if "mycophenolate" in tags else o.drug.name, pulse)
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


#: rules.md, Terms (Pulse): the pack-level setting a pack declares for the pulse threshold, and
#: its value when no installed pack declares it.
PULSE_SETTING = "pulse-min-daily-pe-mg"
DEFAULT_PULSE_MIN_PE = 250

#: The core rules form a pack of their own: no settings, and their case files beside this module.
CORE_PACK = Pack(cases=Path(__file__).with_name("core_cases"))

CORE_RULES = [OL000, OL001, OL002, OL003, duplicate_therapy, OL005, OL006, OL007, OL008]
#: Rules that can never be turned off: a crash or an invalid document always counts.
ALWAYS_ON = frozenset({"OL000", "OL001"})
#: Rules that say a drug, a dose or a whole document went unchecked: a selection (`select`) or a
#: prefix (`ignore = ["OL"]`) never turns them off, only an ignore that names the rule itself
#: (rules.md: `--fail-on error` never passes a misspelt checked drug; a site "ignores OL007
#: explicitly").
NAMED_OFF_ONLY = frozenset({"OL002", "OL003", "OL007"})
#: Of those, the rules whose severity a site may raise but never lower: a lower tier passed what
#: went unchecked under `--fail-on` (OL007 as info or warning: a not-applicable document exited 0).
#: OL002 is not here: its warning tier may be lowered, its error tier stays an error (engine).
NEVER_LOWERED = frozenset({"OL003", "OL007"})
#: Findings produced by the engine's stages rather than by a check.
ENGINE_CODES = frozenset({"OL000", "OL001", "OL002", "OL003", "OL005", "OL006", "OL007", "OL008"})
