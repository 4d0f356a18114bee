"""Baseline screening (ILD4xx): tests that must count before a new drug starts.

A test counts when it is ordered in the document, or resulted within its look-back window
before the evaluation date (windows are core settings: `lookback-days`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, Optional

from orderlint.rules import Hit, Option, Options, rule
from orderlint_ssc.common import (
    ACR_CHEST_SCREENING_URL,
    CONDITION,
    CPIC_2018_URL,
    EULAR_2022,
    EULAR_2022_URL,
    MYCOPHENOLATE_LABEL_URL,
    PCP_REGIMENS_URL,
    RITUXIMAB_LABEL_URL,
    SEED,
    SEED_URL,
    src,
    systemic,
)

from orderlint.normalize import result_reading

if TYPE_CHECKING:
    from orderlint.normalize import Order, Regimen

#: Required baseline labs by class or ingredient (ILD401).
BASELINE_LABS = {
    "mycophenolate": ["cbc", "lft"],
    "azathioprine": ["cbc", "lft"],
    "cyclophosphamide": ["cbc", "renal", "urinalysis"],
    "tocilizumab": ["cbc", "lft"],
    "rituximab": ["cbc"],
    "nintedanib": ["lft"],
    "pirfenidone": ["lft"],
    "methotrexate": ["cbc", "lft", "renal"],
    "leflunomide": ["cbc", "lft"],
    "jak-inhibitor": ["cbc", "lft"],
    "calcineurin-inhibitor": ["renal"],
}


#: id(table) -> (table, {order tags: tests needed}): the tests a table requires depend only on the
#: order's (route-aware) tags, and a stream repeats few tag sets. The table is kept so its id stays its own.
_NEEDED: dict[int, tuple[Mapping[str, Iterable[str]], dict[frozenset[str], tuple[str, ...]]]] = {}


def _missing_by_order(reg: "Regimen", table: Mapping[str, Iterable[str]]) -> Iterator[tuple["Order", list[str]]]:
    """(new order, the tests the table requires for it that do not count), for each new order that lacks one."""
    orders = reg.new()
    if not orders:
        return
    by_tags = _needed_by_tags(table)
    for o in orders:
        needed = by_tags.get(o.tags)
        if needed is None:
            needed = _needed(by_tags, o.tags, table)
        if needed:
            missing = reg.missing_tests(needed)
            if missing:
                yield o, missing


def _needed_by_tags(table: Mapping[str, Iterable[str]]) -> dict[frozenset[str], tuple[str, ...]]:
    entry = _NEEDED.get(id(table))
    if entry is None or entry[0] is not table:
        if len(_NEEDED) >= 64:  # bounded: tables come from Linters, few per process
            _NEEDED.clear()
        entry = _NEEDED[id(table)] = (table, {})
    return entry[1]


def _needed(by_tags: dict[frozenset[str], tuple[str, ...]], tags: frozenset[str], table: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for cls, tests in table.items():
        if cls in tags:  # tags are route-aware: topical tacrolimus needs no renal baseline
            out.extend(t for t in tests if t not in out)
    if len(by_tags) >= 4096:
        by_tags.clear()
    needed = by_tags[tags] = tuple(out)
    return needed


def _test_table(default: Mapping[str, list[str]], what: str) -> Option:
    """The `required` option of a screening rule: class or ingredient -> tests, never empty."""
    return Option(default, f"{what}. At least one entry, each with at least one test: an empty table or entry "
                  "would switch the rule off (ignore it instead). A site's table adds to this one (its tests are "
                  "added to an entry's), so a new entry never drops another; required-remove names entries to "
                  "take out", min_items=1, additive=True)


def _fmt_tests(tests: Iterable[str]) -> str:
    return ", ".join(tests)


@rule(
    code="ILD401",
    name="baseline-labs-missing",
    severity="warning",
    summary="A new drug's required baseline labs are neither ordered nor recent ({required}).",
    source=src(f"{SEED} (CBC with differential and LFTs at baseline for mycophenolate); drug labels", "seed guidance; labels", "V2", SEED_URL),
    rationale="Baseline counts and organ function are needed to dose safely and to recognize toxicity later.",
    fix="Order the missing tests with the regimen, or record recent results (status: resulted, with date).",
    options={"required": _test_table(BASELINE_LABS, "tests required for each class or ingredient")},
    conditions=CONDITION,
    triggers=lambda o: o["required"],
)
def baseline_labs_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    for o, missing in _missing_by_order(reg, opts["required"]):
        yield Hit(f"{o.label} is started without baseline {_fmt_tests(missing)}", f"{o.pointer}/drug", o.index)


BOXED = {"rituximab": ["hbv"], "tocilizumab": ["tb"], "tnf-inhibitor": ["tb"], "jak-inhibitor": ["tb"]}


@rule(
    code="ILD402",
    name="boxed-warning-screening-missing",
    severity="error",
    summary="A new drug with a boxed warning for hepatitis B or tuberculosis reactivation without its screening ({required}).",
    source=src("FDA boxed warnings: rituximab (hepatitis B reactivation), tocilizumab and TNF inhibitors (serious infections including tuberculosis), JAK inhibitors", "boxed warning", "V", RITUXIMAB_LABEL_URL),
    rationale="These drugs carry boxed warnings for reactivation of hepatitis B or tuberculosis, which can be fatal; screening before the first dose is required.",
    fix="Order HBsAg and anti-HBc (hbv) before rituximab; an IGRA or TST (tb) before tocilizumab, TNF or JAK inhibitors.",
    options={"required": _test_table(BOXED, "screening tests required by boxed warning, by class or ingredient")},
    conditions=CONDITION,
    triggers=lambda o: o["required"],
)
def boxed_warning_screening_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    for o, missing in _missing_by_order(reg, opts["required"]):
        yield Hit(f"{o.label} is started without {_fmt_tests(missing)} screening (boxed warning)", f"{o.pointer}/drug", o.index)


#: What ILD403 leaves to ILD402 (a boxed warning for the same screening).
_LEFT_TO_ILD402 = ("rituximab",)


@rule(
    code="ILD403",
    name="infection-screening-missing",
    severity="warning",
    summary="A new immunosuppressant (other than rituximab) without {required} screening; abatacept also without {abatacept-extra}.",
    source=src(f"{SEED} (screen for infections before immunosuppression); {EULAR_2022}", "recommendation", "V", EULAR_2022_URL),
    rationale="EULAR recommends defining hepatitis B status before any antirheumatic immunosuppression, and TB screening before biologics.",
    fix="Order hepatitis B serology (hbv; and tb for abatacept) before starting.",
    options={
        "required": Option(["hbv"], "tests every new immunosuppressant needs. At least one: an empty list would "
                           "leave only abatacept checked (ignore the rule instead). A site's list adds to this one; "
                           "required-remove names tests to take out", names="test", min_items=1, additive=True),
        "abatacept-extra": Option(["tb"], "additional tests for abatacept. A site's list adds to this one; "
                                  "abatacept-extra-remove names tests to take out", names="test", additive=True),
    },
    conditions=CONDITION,
    triggers=["immunosuppressant"],
    leaves=_LEFT_TO_ILD402,
)
def infection_screening_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    required = opts["required"]
    every: Optional[list[str]] = None  # the missing tests of every order but abatacept's, asked once
    for o in reg.new("immunosuppressant"):
        tags = o.tags  # o.is_a(cls), route-aware
        if not tags.isdisjoint(_LEFT_TO_ILD402):
            continue  # rituximab's hepatitis B screening is a boxed warning: ILD402
        if "abatacept" in tags:
            missing = reg.missing_tests([*required, *opts["abatacept-extra"]])
        else:
            if every is None:
                every = reg.missing_tests(required)
            missing = every
        if missing:
            yield Hit(f"{o.label} is started without {_fmt_tests(missing)} screening", f"{o.pointer}/drug", o.index)


TERATOGENS = ["mycophenolate", "cyclophosphamide", "nintedanib", "leflunomide", "methotrexate"]


@rule(
    code="ILD404",
    name="pregnancy-test-missing",
    severity="error",
    summary="A new teratogen ({drugs}) for a patient with reproductive potential, or in an order set, without a pregnancy test.",
    source=src("FDA boxed warnings (embryofetal toxicity: mycophenolate, leflunomide, methotrexate); mycophenolate REMS; nintedanib and cyclophosphamide labels", "boxed warning", "V", MYCOPHENOLATE_LABEL_URL),
    rationale="These drugs cause miscarriage and birth defects; a negative pregnancy test is needed before the first dose. Reproductive potential is assumed unless the patient is male or it is documented false (fail closed).",
    fix="Order a pregnancy test (hCG) before starting, or record one resulted within the pregnancy look-back window (14 days unless `[lookback-days]` sets another; each finding quotes the window in effect).",
    options={"drugs": Option(TERATOGENS, "classes or ingredients that need a pregnancy test. At least one: an empty "
                             "list would switch the rule off (ignore it instead). A site's list adds to this one; "
                             "drugs-remove names entries to take out", names="drug", min_items=1, additive=True)},
    conditions=CONDITION,
    triggers=lambda o: o["drugs"],
)
def pregnancy_test_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if not reg.reproductive_potential or reg.test_counts("pregnancy"):
        return
    who = "in an order set" if reg.order_set else "for a patient with reproductive potential"
    fix = f"Order a pregnancy test (hCG) before starting, or record one resulted {_within(reg.lookback('pregnancy'))}."
    for o in reg.new():
        if any(o.is_a(c) for c in opts["drugs"]):
            yield Hit(f"{o.label} is started {who} without a pregnancy test (embryofetal toxicity)", f"{o.pointer}/drug",
                      o.index, fix=fix)


@rule(
    code="ILD405",
    name="baseline-imaging-missing",
    severity="warning",
    summary="First-line phase, a new ILD immunosuppressant or antifibrotic, and no recent HRCT or pulmonary function tests.",
    source=src(f"{SEED}; 2023 ACR/CHEST guideline for screening and monitoring of ILD in SARDs (HRCT plus PFTs)", "conditional recommendation", "V2", ACR_CHEST_SCREENING_URL),
    rationale="HRCT and full PFTs (spirometry, lung volumes, DLCO) at baseline are needed to judge response and progression later. One finding per document.",
    fix="Order HRCT chest and PFTs (or record results within their look-back windows: 365 and 180 days unless `[lookback-days]` sets others; each finding quotes the windows in effect).",
    conditions=CONDITION,
    triggers=["immunosuppressant", "antifibrotic"],
)
def baseline_imaging_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if reg.phase != "first-line":
        return
    # Asked first: the tests are usually there, and then no order needs a look.
    missing = reg.missing_tests(_IMAGING)
    if not missing:
        return
    starting = [o for o in reg.new() if o.for_ild and not o.tags.isdisjoint(_IMAGING_CLASSES)]
    if starting:
        names = ", ".join(sorted({o.drug.name for o in starting if o.drug is not None}))
        fix = (f"Order HRCT chest and PFTs (or record an HRCT resulted {_within(reg.lookback('hrct'))} and PFTs "
               f"{_within(reg.lookback('pft'))}).")
        yield Hit(f"first-line ILD treatment ({names}) is started without baseline {_fmt_tests(missing)}",
                  "/tests" if reg.doc.tests else "/indication", fix=fix)


_IMAGING = ("hrct", "pft")


def _within(days: "int | None") -> str:
    """A look-back window as a fix quotes it (None: a result of any age counts)."""
    return "with any date" if days is None else f"within {days} day{'s' if days != 1 else ''}"
#: o.is_a("immunosuppressant") or o.is_a("antifibrotic")
_IMAGING_CLASSES = frozenset({"immunosuppressant", "antifibrotic"})


@rule(
    code="ILD406",
    name="tpmt-missing",
    severity="warning",
    summary="New azathioprine without TPMT/NUDT15 testing.",
    source=src("CPIC guideline for thiopurine dosing by TPMT and NUDT15 genotype (2018 update)", "guideline (pharmacogenomic)", "V", CPIC_2018_URL),
    rationale="Patients with low TPMT or NUDT15 activity develop life-threatening myelosuppression on standard doses; the FDA label only says to consider testing, CPIC doses by genotype.",
    fix="Order TPMT/NUDT15 genotype or activity before starting azathioprine (any earlier result counts).",
    conditions=CONDITION,
    triggers=["azathioprine"],
)
def tpmt_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if reg.test_counts("tpmt"):
        return
    for o in reg.new("azathioprine"):
        yield Hit(f"{o.label} is started without TPMT/NUDT15 testing", f"{o.pointer}/drug", o.index)


@rule(
    code="ILD407",
    name="g6pd-missing",
    severity="warning",
    summary="New dapsone by a systemic route without G6PD testing.",
    source=src("PCP prophylaxis regimen references (dapsone: check G6PD first)", "reference", "V2", PCP_REGIMENS_URL),
    rationale="Systemic dapsone causes haemolysis in G6PD deficiency; topical dapsone (Aczone) is not judged.",
    fix="Order G6PD before starting dapsone (any earlier result counts), or choose another prophylaxis agent.",
    conditions=CONDITION,
    triggers=["dapsone"],
)
def g6pd_missing(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    if reg.test_counts("g6pd"):
        return
    for o in reg.new("dapsone"):
        if not systemic(o):  # rules.md 2nd ed.: only dapsone by a systemic route
            continue
        yield Hit(f"{o.label} is started without G6PD testing (haemolysis risk)", f"{o.pointer}/drug", o.index)


#: Screening tests whose result must not be positive before a new drug of each class starts (ILD408).
MUST_BE_NEGATIVE = {
    **{drug: ["pregnancy"] for drug in TERATOGENS},
    "immunosuppressant": ["hbv"],
    "tocilizumab": ["tb"], "tnf-inhibitor": ["tb"], "jak-inhibitor": ["tb"], "abatacept": ["tb"],
    # Activity tests whose finding is the contraindication: TPMT poor metabolizer (CPIC: a non-thiopurine
    # alternative), G6PD deficiency (dapsone haemolysis). ILD406/ILD407 count them once done.
    "azathioprine": ["tpmt"], "dapsone": ["g6pd"],
}
_WHY_NEGATIVE = {
    "pregnancy": "embryofetal toxicity",
    "hbv": "hepatitis B reactivation: antiviral prophylaxis or specialist review first",
    "tb": "latent tuberculosis: treat it first",
    "tpmt": "low TPMT activity: CPIC advises a reduced dose, and a non-thiopurine alternative for a poor metabolizer",
    "g6pd": "G6PD deficiency: dapsone causes haemolysis",
}
#: How each reading is said in the finding.
_SAID = {"positive": "is positive", "indeterminate": "is indeterminate", "unknown": "is not read as negative"}
_ACTIVITY_TESTS = frozenset({"tpmt", "g6pd"})  # a finding there is abnormal activity, not a positive test
#: Tests whose positive result passes with time: a pregnancy ends, and ILD404 asks for a test within
#: its 14-day window. Every other test's positive result is read at any age until a later result of
#: its assay reads negative (Regimen.latest_result, durable): anti-HBc stays positive for life after
#: hepatitis B, a latent TB infection stays until treated, TPMT and G6PD are inherited.
_PASSING = frozenset({"pregnancy"})


@rule(
    code="ILD408",
    name="screening-result-positive",
    severity="error",
    summary="A new drug is started although the latest result of a screening test it needs negative is positive, indeterminate or not readable as negative ({required}).",
    source=src("FDA boxed warnings (embryofetal toxicity: mycophenolate, leflunomide, methotrexate; hepatitis B "
               "reactivation: rituximab; tuberculosis: tocilizumab, TNF inhibitors, whose labels say to treat latent "
               f"TB first); {EULAR_2022} (define hepatitis B status before immunosuppression); CPIC 2018 (TPMT: avoid "
               "thiopurines in poor metabolizers); PCP regimen references (dapsone: G6PD first)", "boxed warning", "V",
               RITUXIMAB_LABEL_URL),
    rationale=(
        "A screening test counts for ILD401-ILD404 once done, whatever it found. A positive pregnancy, hepatitis B "
        "or tuberculosis test, poor TPMT activity or G6PD deficiency contraindicates the drug or calls for treatment "
        "first. A result indeterminate or not readable as negative (a number, 'done', none stated) screens nothing. "
        "The latest result of each assay within the look-back window counts, and the worst assay decides (a later "
        "negative HBsAg does not hide a positive anti-HBc); a positive result counts at any age until a later "
        "negative of its assay (anti-HBc and latent TB do not pass with time), except a pregnancy test's."
    ),
    notes=(
        "Results are read by their words: positive, reactive, detected, abnormal, deficient, poor or a lone '+' "
        "read positive (unless negated: 'not detected'); negative, non-reactive, normal or a lone '-' read "
        "negative (negated, positive: 'not negative'); indeterminate, equivocal, borderline, inconclusive or "
        "invalid (and lab abbreviations, doubt: 'indet.', 'equiv', 'grey zone', 'possible', 'failed') read "
        "indeterminate; so do a failed control ('high nil', 'low mitogen', 'control invalid', QuantiFERON's nil "
        "of 8 IU/mL or more, a mitogen response written as '< 0.5') and 'false negative'. A negation does not "
        "reach across ':' ('TB contact: No QFT: Positive'). A negative with an exception ('all negative except core Ab', "
        "'apart from', 'other than', 'save for', 'excluding') is read by what is excepted: not negative, positive where "
        "that reads positive, negative only where it is set aside (anti-HBs) or negative itself. Each clause (',', ';', a line, a column gap, ' / ', "
        "'but', a sentence) is read and the worst decides, whatever their order. Not negative beside a negative "
        "clause: a clause no word decides ('anti-HBc 4.1 S/CO'); one saying no result was given ('pending', 'not "
        "done', 'cancelled', 'QNS', 'see comment'); a measurement after the reading, or before it, with another "
        "name between ('Negative (TB1 0.9)', 'Anti-HBc 4.1 S/CO HBsAg negative'); a skin test's induration of 5 mm "
        "or more ('Mantoux 8 mm negative', '10x12mm', '1.2 cm', or a number with no unit beside a skin test's name: "
        "positive before immunosuppression, where a lab's negative may use the 10 or 15 mm cut-off of a patient at "
        "lower risk; CDC; erythema is no induration). A reading alone after a clause whose numbers are "
        "zero or an induration below 5 mm reads it ('Mantoux 0 mm, negative'). 'not non-reactive' is reactive. "
        "Set aside: reference ranges "
        "and cut-offs ('Ref range: Negative', '(normal < 1.0)'); anti-HBs (immunity), up to the next test named "
        "or the clause's end; a control said to be as expected ('positive control reactive'); a date or comment. "
        "On one date the worse result of an assay counts. A test resulted with no result stated reads as "
        "'done'. A positive result before the look-back window counts until a later result of its assay reads "
        "negative (anti-HBc, a latent TB test, TPMT, G6PD); a positive pregnancy test only within its window (a pregnancy ends, and ILD404 asks for a test within 14 days). A result "
        "written on an ordered test (which has none yet) is read unless it reads negative or says it is pending: a "
        "negative there never hides an earlier positive, 'pending' is no result, and 'hCG 1520 mIU/mL' is read. "
        "A test on file with no result stated counts only when no other result of that test states one (a "
        "DiagnosticReport beside its Observation). A result dated after as_of counts when it reads positive or "
        "indeterminate (a negative so dated is no result yet). A TPMT or NUDT15 genotype reads by its star "
        "alleles, whatever word stands beside it: one allele other than *1 (an intermediate metabolizer, CPIC) "
        "indeterminate, two positive ('normal (*1/*3A)' is indeterminate). A TPMT, NUDT15 or G6PD result that names "
        "a variant ('variant detected', 'heterozygous', 'c.415C>T') reads positive unless it says none was found "
        "('no variants detected'). A result that says only that no test "
        "was done ('not done', 'cancelled', 'refused'), whatever dates, counts or earlier results it mentions "
        "('cancelled 2026-02-20', 'QNS x2', 'not done - previous result normal'), is no test done for ILD401-ILD405."
    ),
    fix="Hold the drug until the result is addressed (pregnancy excluded, hepatitis B prophylaxis planned, latent TB treated, another drug chosen for low TPMT or G6PD activity) and waive this with the reason, or record the later negative result in words ('negative').",
    options={"required": _test_table(MUST_BE_NEGATIVE, "tests whose latest result must be negative, by class or ingredient")},
    conditions=CONDITION,
    triggers=lambda o: o["required"],
)
def screening_result_positive(reg: "Regimen", opts: Options) -> Iterable[Hit]:
    # The usual case first, without making a generator: every stated result reads negative (one
    # memoized reading each, read from the document: no test names looked up).
    unstated = reg.unstated_results
    if unstated and not unstated.isdisjoint(_tests_of(opts["required"])):
        return _positive_results(reg, opts)  # a needed test on file with no result: not negative
    settled = _SETTLED
    for t in reg.doc.tests:
        result = t.result
        if result is not None:
            negative = settled.get(result)
            if negative is None:
                # Negative read either way (as a test, as an activity): then no needed test can fire.
                negative = result_reading(result) not in _NOT_NEGATIVE and result_reading(result, True) not in _NOT_NEGATIVE
                if len(settled) < 4096:
                    settled[result] = negative
            if not negative:
                return _positive_results(reg, opts)
    return ()


_SETTLED: dict[str, bool] = {}  # result text -> whether it reads negative both ways
#: id(table) -> (table, every test it names): whether a test resulted without a result may be needed.
_TESTS_OF: dict[int, tuple[Mapping[str, Iterable[str]], frozenset[str]]] = {}


def _tests_of(table: Mapping[str, Iterable[str]]) -> frozenset[str]:
    entry = _TESTS_OF.get(id(table))
    if entry is None or entry[0] is not table:
        if len(_TESTS_OF) >= 64:  # bounded: tables come from Linters, few per process
            _TESTS_OF.clear()
        entry = _TESTS_OF[id(table)] = (table, frozenset(t for tests in table.values() for t in tests))
    return entry[1]


def _positive_results(reg: "Regimen", opts: Options) -> Iterator[Hit]:
    orders = reg.new()
    if not orders:
        return
    by_tags = _needed_by_tags(opts["required"])
    for o in orders:
        if not systemic(o):
            continue  # rules.md Terms: an order by a route that is not systemic is no checked drug's (Aczone)
        needed = by_tags.get(o.tags)
        if needed is None:
            needed = _needed(by_tags, o.tags, opts["required"])
        for test in needed:
            activity = test in _ACTIVITY_TESTS
            latest = reg.latest_result(test, activity, test not in _PASSING)
            if latest is None:
                continue
            reading = result_reading(latest[1], activity)
            if reading in _NOT_NEGATIVE:
                said = "is abnormal" if reading == "positive" and test in _ACTIVITY_TESTS else _SAID[reading]
                stated = repr(latest[1]) if latest[1].strip() else "no result stated"
                yield Hit(f"{o.label} is started although the {test} result of {latest[0].isoformat()} {said} "
                          f"({stated}; {_WHY_NEGATIVE.get(test, 'it must be negative')})", f"{o.pointer}/drug", o.index)


#: What a result that must be negative may not read as: a text none of the words decide (a number,
#: 'done') does not show it negative.
_NOT_NEGATIVE = frozenset({"positive", "indeterminate", "unknown"})


RULES = [
    baseline_labs_missing, boxed_warning_screening_missing, infection_screening_missing,
    pregnancy_test_missing, baseline_imaging_missing, tpmt_missing, g6pd_missing, screening_result_positive,
]
