"""Property-based tests (hypothesis): invariants that must hold for every valid regimen document.

The strategy below builds VALID documents from the vocabulary of regimen-format.md: known drugs
(generic names, brands, abbreviations, a few co-medications and one unknown name), the documented
units, routes, frequency codes and structured frequencies, durations, dose counts, statuses,
purposes, tests (ordered, or resulted with a date), history and a patient with weight, height, sex.

Invariants:
- lint() never raises and returns one Result; a valid ssc-ild document is `checked`, never `invalid`,
  and no check crashes (OL000);
- adding an active PCP prophylaxis order adds no finding except ones about that new order;
- doubling a dose never removes a dose finding (ILD501/ILD202/ILD302/ILD206) about that order
  (except a glucocorticoid that becomes a pulse, which moves to ILD204-ILD207 by design);
- a valid waiver changes nothing but the `suppressed` field of the findings it covers;
- the JSON and the YAML serialization of a document give the same findings;
- reordering `orders` (all ids unique) changes no (code, order) finding;
- a mutated document (required field deleted, wrong type, unknown field, duplicate key) is
  `invalid` with OL001 findings only, never an exception;
- `orderlint check FILE` on a valid document exits 0 or 1, never 2.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import tempfile
from collections import Counter

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import orderlint
from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.findings import Result
from orderlint.reader import read_bytes

pytestmark = pytest.mark.slow  # hypothesis: hundreds of generated documents per test
AS_OF = "2026-03-02"
AS_OF_DATE = dt.date.fromisoformat(AS_OF)
LINTER = Linter(Settings(as_of=AS_OF_DATE))

PROPS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)

# ----------------------------------------------------------------------------- vocabulary

GLUCOCORTICOIDS = [
    "prednisone", "Deltasone", "prednisolone", "methylprednisolone", "Solu-Medrol", "Medrol",
    "dexamethasone", "Decadron", "hydrocortisone", "Solu-Cortef", "budesonide",
]
DRUGS = [
    # mycophenolate and other immunosuppressants
    "mycophenolate mofetil", "CellCept", "MMF", "Myfortic", "mycophenolic acid", "mycophenolate",
    "azathioprine", "Imuran", "cyclophosphamide", "Cytoxan", "rituximab", "Rituxan", "rituximab-abbs",
    "tocilizumab", "Actemra", "leflunomide", "methotrexate", "Humira", "infliximab", "abatacept",
    "Xeljanz", "tacrolimus", "Prograf", "IVIG",
    # antifibrotics
    "nintedanib", "Ofev", "pirfenidone", "Esbriet",
    # PCP prophylaxis
    "sulfamethoxazole-trimethoprim", "Bactrim", "TMP-SMX", "dapsone", "atovaquone", "pentamidine",
    # co-medications
    "mesna", "ondansetron", "pantoprazole", "nifedipine", "sildenafil", "hydroxychloroquine", "folic acid",
    # not in any vocabulary: OL002
    "zorbimab",
] + GLUCOCORTICOIDS
GC_NAMES = {n.lower() for n in GLUCOCORTICOIDS}
UNITS = ["mg", "g", "mcg", "mg/kg", "mg/m2", "tablet"]
ROUTES = ["oral", "po", "iv", "sc", "im", "inhaled", "topical"]
FREQ_CODES = [
    "once", "daily", "qd", "q24h", "bid", "q12h", "tid", "q8h", "qid", "q6h", "qod",
    "weekly", "qw", "biw", "tiw", "q2w", "q3w", "q4w", "monthly",
]
STATUSES = ["new", "active", "on-hold", "stopped"]
PURPOSES = ["ild", "other"]
TEST_NAMES = [
    "cbc", "CBC with differential", "lft", "liver panel", "renal", "creatinine", "cmp", "CMP",
    "urinalysis", "UA", "hbv", "HBsAg", "hcv", "tb", "QuantiFERON", "IGRA", "pregnancy", "hCG",
    "tpmt", "g6pd", "hrct", "HRCT chest", "pft", "spirometry",
]
OUTCOMES = ["progression", "intolerance", "response", "stable", "unknown"]

PCP_ORDER = {
    "id": "pcp-new", "drug": "sulfamethoxazole-trimethoprim", "dose": 800, "unit": "mg",
    "route": "oral", "frequency": "tiw", "status": "active",
}
DOSE_CODES = {"ILD501", "ILD202", "ILD302", "ILD206"}
PULSE_CODES = {"ILD204", "ILD205", "ILD206", "ILD207"}
UNWAIVABLE = {"OL000", "OL001", "OL005", "OL006"}

# ----------------------------------------------------------------------------- strategies

dates = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 12, 31)).map(dt.date.isoformat)
positive = st.one_of(
    st.sampled_from([0.5, 1, 2, 5, 7.5, 10, 15, 16, 20, 40, 60, 100, 150, 162, 200, 250, 300, 400, 500, 600,
                     750, 800, 1000, 1250, 1500, 2000, 3000]),
    st.integers(min_value=1, max_value=3000),
    st.floats(min_value=0.1, max_value=3000, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 2)),
).filter(lambda x: x > 0)

structured_frequency = st.fixed_dictionaries({
    "frequency": st.integers(min_value=1, max_value=4),
    "period": st.sampled_from([1, 2, 4, 0.5]),
    "period_unit": st.sampled_from(["d", "wk", "mo"]),
})
frequency = st.one_of(st.sampled_from(FREQ_CODES), structured_frequency)
duration = st.fixed_dictionaries({
    "value": st.sampled_from([1, 3, 5, 14, 28, 30, 84, 85, 90, 180, 181]),
    "unit": st.sampled_from(["d", "wk", "mo"]),
})


@st.composite
def order_st(draw):
    unit = draw(st.sampled_from(UNITS))
    o = {
        "drug": draw(st.sampled_from(DRUGS)),
        "dose": draw(positive),
        "unit": unit,
        "route": draw(st.sampled_from(ROUTES)),
        "frequency": draw(frequency),
    }
    if unit == "tablet" and draw(st.booleans()):
        o["strength"] = {"value": draw(st.sampled_from([5, 50, 250, 500, 800])), "unit": "mg"}
    if draw(st.booleans()):
        o["duration"] = draw(duration)
    if draw(st.integers(0, 3)) == 0:
        o["doses"] = draw(st.integers(min_value=1, max_value=12))
    if draw(st.booleans()):
        o["status"] = draw(st.sampled_from(STATUSES))
    if draw(st.integers(0, 3)) == 0:
        o["purpose"] = draw(st.sampled_from(PURPOSES))
    if draw(st.integers(0, 4)) == 0:
        o["start"] = draw(dates)
    return o


@st.composite
def lab_test_st(draw):
    status = draw(st.sampled_from(["ordered", "resulted"]))
    t = {"test": draw(st.sampled_from(TEST_NAMES)), "status": status}
    if status == "resulted" or draw(st.booleans()):
        t["date"] = draw(dates)
    if draw(st.booleans()):
        t["result"] = draw(st.sampled_from(["negative", "positive", "normal", "abnormal", "see note"]))
    return t


@st.composite
def patient_st(draw):
    p = {}
    if draw(st.booleans()):
        p["sex"] = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    if draw(st.booleans()):
        p["age_years"] = draw(st.integers(min_value=18, max_value=90))
    if draw(st.integers(0, 4)) > 0:
        p["weight_kg"] = draw(st.sampled_from([45, 60, 68.5, 80, 95, 120]))
    if draw(st.booleans()):
        p["height_cm"] = draw(st.sampled_from([150, 165, 180, 195]))
    if draw(st.integers(0, 5)) == 0:
        p["bsa_m2"] = draw(st.sampled_from([1.5, 1.8, 2.0, 2.2]))
    if draw(st.integers(0, 3)) == 0:
        p["reproductive_potential"] = draw(st.booleans())
    return p


@st.composite
def regimen_st(draw, *, unique_ids: bool = False, condition=None, max_orders: int = 6):
    kind = draw(st.sampled_from(["patient", "order-set"]))
    n = draw(st.integers(min_value=1, max_value=max_orders))
    orders = [draw(order_st()) for _ in range(n)]
    ids_mode = "all" if unique_ids else draw(st.sampled_from(["all", "some", "none"]))
    for i, o in enumerate(orders):
        if ids_mode == "all" or (ids_mode == "some" and i % 2 == 0):
            o["id"] = f"o{i}"
    indication = {"condition": condition or draw(st.sampled_from(["ssc-ild"] * 6 + ["rheumatoid-arthritis"]))}
    if draw(st.booleans()):
        indication["phase"] = draw(st.sampled_from(["first-line", "progression"]))
    if draw(st.booleans()):
        indication["rapidly_progressive"] = draw(st.booleans())
    doc = {"id": f"prop-{kind}", "kind": kind}
    if draw(st.integers(0, 5)) > 0:
        doc["as_of"] = AS_OF
    doc["indication"] = indication
    if kind == "patient":
        doc["patient"] = draw(patient_st())
    doc["orders"] = orders
    if draw(st.booleans()):
        doc["history"] = [
            {"drug": draw(st.sampled_from(DRUGS)), "outcome": draw(st.sampled_from(OUTCOMES))}
            for _ in range(draw(st.integers(1, 2)))
        ]
    if draw(st.integers(0, 3)) > 0:
        doc["tests"] = draw(st.lists(lab_test_st(), min_size=1, max_size=8))
    return doc


ssc_regimens = regimen_st(condition="ssc-ild")


def lint(doc, **kw):
    return orderlint.lint(doc, linter=LINTER, **kw)


def code_order(result: Result, *, exclude_order=None) -> Counter:
    return Counter((f.code, f.order) for f in result.findings if exclude_order is None or f.order != exclude_order)


# ----------------------------------------------------------------------------- invariants


@PROPS
@given(doc=regimen_st(), as_text=st.sampled_from([None, "json", "yaml"]))
def test_lint_never_raises_and_valid_documents_are_checked(doc, as_text):
    if as_text == "json":
        result = lint(json.dumps(doc))
    elif as_text == "yaml":
        result = lint(yaml.safe_dump(doc, sort_keys=False))
    else:
        result = lint(doc)
    assert isinstance(result, Result)
    expected = "checked" if doc["indication"]["condition"] == "ssc-ild" else "not-applicable"
    assert result.status == expected, [(f.code, f.message) for f in result.findings]
    codes = {f.code for f in result.findings}
    assert "OL001" not in codes and "OL000" not in codes, [(f.code, f.message) for f in result.findings]
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1
        assert f.severity in ("error", "warning", "info")


@settings(PROPS, max_examples=25)
@given(doc=ssc_regimens)
def test_api_as_of_argument_matches_linter_setting(doc):
    assert orderlint.lint(doc, as_of=AS_OF).to_dict() == lint(doc).to_dict()


@PROPS
@given(doc=ssc_regimens)
def test_adding_pcp_prophylaxis_adds_no_finding_about_other_orders(doc):
    before = lint(doc)
    with_pcp = copy.deepcopy(doc)
    with_pcp["orders"].append(dict(PCP_ORDER))
    after = lint(with_pcp)
    assert after.status == "checked"
    added = code_order(after, exclude_order="pcp-new") - code_order(before)
    # OL004 is reported on the later duplicate, i.e. on the new order itself: excluded above.
    assert not added, f"adding PCP prophylaxis added {sorted(added.elements(), key=str)}"


@PROPS
@given(doc=ssc_regimens, data=st.data())
def test_doubling_a_dose_never_removes_a_dose_finding_about_that_order(doc, data):
    i = data.draw(st.integers(min_value=0, max_value=len(doc["orders"]) - 1), label="order index")
    ref = doc["orders"][i].get("id", str(i))
    before = lint(doc)
    raised = copy.deepcopy(doc)
    raised["orders"][i]["dose"] = doc["orders"][i]["dose"] * 2
    after = lint(raised)

    def about(result, codes):
        return Counter(f.code for f in result.findings if f.order == ref and f.code in codes)

    became_pulse = (about(after, {"ILD204", "ILD207"}) and not about(before, {"ILD204", "ILD207"}))
    # By design a glucocorticoid crossing the pulse threshold leaves ILD202/ILD302 for ILD204-207.
    assume(not became_pulse)
    lost = about(before, DOSE_CODES) - about(after, DOSE_CODES)
    assert not lost, f"doubling the dose of order {ref!r} removed {sorted(lost)}"


@PROPS
@given(doc=ssc_regimens, data=st.data())
def test_a_valid_waiver_only_changes_suppressed(doc, data):
    # Findings about several orders (a total, rules.Hit.also: ILD202's daily sum, ILD501's and
    # ILD206's sums of what is given together) as the engine hands them to the waivers: a waiver of
    # one of their orders does not cover them unless every order of the total has one
    # (regimen-format.md: a waiver never covers an order it was not written for).
    import orderlint.waivers as waivers

    totals: set = set()
    real = waivers.apply_waivers

    def spy(linter, reg, findings, doc_, also=None):
        for f in findings:
            if also and id(f) in also:
                totals.add((f.code, f.order, f.pointer, f.message))
        return real(linter, reg, findings, doc_, also)

    waivers.apply_waivers = spy
    try:
        _waiver_only_changes_suppressed(doc, data, totals)
    finally:
        waivers.apply_waivers = real


def _waiver_only_changes_suppressed(doc, data, totals):
    text = json.dumps(doc)
    before = lint(text)
    waivable = [f for f in before.findings if f.code not in UNWAIVABLE]
    assume(waivable)
    target = data.draw(st.sampled_from(waivable), label="waived finding")
    # regimen-format.md 2nd ed. (waivers): OL002 and OL003 may be waived only per order.
    per_order = target.code in ("OL002", "OL003")
    # A waiver names an order by its id (an order without one is OL005: its position is no id).
    named = target.order is not None and target.order in {o.get("id") for o in doc["orders"]}
    assume(named or not per_order)
    scoped = named and (per_order or data.draw(st.booleans(), label="scoped to the order"))
    waiver = {"rule": target.code, "reason": "agreed at the ILD MDT, see note", "approved_by": "Dr. Test"}
    if scoped:
        waiver["order"] = target.order
    waived_doc = dict(doc, waivers=[waiver])
    after = lint(json.dumps(waived_doc))
    assert after.status == before.status

    def key(f):
        return (f.code, f.order, f.pointer, f.message, f.severity, f.line, f.column)

    def partial_total(f):  # a total at the waived order that also involves orders the waiver does not name
        return scoped and (f.code, f.order, f.pointer, f.message) in totals

    # The waiver may then suppress nothing, which OL006 says (naming the orders of the total it misses).
    said = [f for f in after.findings if f.code == "OL006" and any(
        partial_total(g) and g.code == target.code and g.order == target.order for g in after.findings)]
    assert Counter(map(key, (f for f in after.findings if f not in said))) == Counter(map(key, before.findings))
    for f in said:
        assert "is a total that also involves" in f.message, f.message
    for f in after.findings:
        if f in said:
            continue
        covered = f.code == target.code and (not scoped or f.order == target.order) and not partial_total(f)
        if covered:
            assert f.suppressed is not None and f.suppressed.waiver == 0, key(f)
            assert f.suppressed.approved_by == "Dr. Test"
        else:
            assert f.suppressed is None, key(f)


@PROPS
@given(doc=regimen_st(), flow=st.booleans())
def test_json_and_yaml_serializations_give_the_same_findings(doc, flow):
    j = LINTER.lint_document(read_bytes(json.dumps(doc, indent=2).encode(), "d.json", "json"))
    y = LINTER.lint_document(read_bytes(yaml.safe_dump(doc, default_flow_style=flow).encode(), "d.yaml", "yaml"))

    def key(r):
        return sorted((f.code, f.order or "", f.pointer, f.message) for f in r.findings)

    assert (j.status, j.id, j.condition) == (y.status, y.id, y.condition)
    assert key(j) == key(y)


# Rules whose named order depends on position by design: OL004 names the later duplicate;
# ILD202/ILD302 name the largest contributor, ties going to the first, and so does an ILD501 sum
# over orders ("together"; two equal Myfortic orders). Compared by code only.
POSITIONAL = {"OL004", "ILD202", "ILD302"}


def _positional(f) -> bool:
    return f.code in POSITIONAL or (f.code == "ILD501" and "together" in f.message)


@PROPS
@given(doc=regimen_st(unique_ids=True, condition="ssc-ild"), data=st.data())
def test_reordering_orders_changes_no_finding(doc, data):
    shuffled = copy.deepcopy(doc)
    shuffled["orders"] = data.draw(st.permutations(doc["orders"]), label="order permutation")
    a, b = lint(doc), lint(shuffled)

    def key(r):
        return Counter((f.code, None if _positional(f) else f.order) for f in r.findings)

    assert a.status == b.status == "checked"
    assert key(a) == key(b)


# ----------------------------------------------------------------------------- mutations

MUTATIONS = [
    "delete-top", "delete-order-field", "delete-condition", "delete-test-field",
    "wrong-type", "unknown-field", "duplicate-key-json", "duplicate-key-yaml",
]


def _wrong_types(doc):
    """(path, bad value) pairs that the format rejects."""
    out = [
        (("id",), 123), (("kind",), "clinic"), (("orders",), {}), (("orders",), []), (("orders",), "mmf"),
        (("indication",), "ssc-ild"), (("indication", "rapidly_progressive"), "yes"),
        (("as_of",), "2026-02-30"), (("as_of",), 20260302), (("orderlint",), 2),
    ]
    for i in range(len(doc["orders"])):
        out += [
            (("orders", i, "dose"), "500"), (("orders", i, "dose"), 0), (("orders", i, "dose"), -5),
            (("orders", i, "dose"), True), (("orders", i, "route"), 5), (("orders", i, "frequency"), 7),
            (("orders", i, "frequency"), {"frequency": 0, "period": 1, "period_unit": "d"}),
            (("orders", i, "status"), "paused"), (("orders", i, "purpose"), "ILD"), (("orders", i, "drug"), ""),
            (("orders", i, "doses"), 1.5), (("orders", i, "duration"), {"value": 2, "unit": "y"}),
        ]
    if "patient" in doc:
        out += [(("patient", "weight_kg"), "80"), (("patient", "weight_kg"), 0), (("patient", "sex"), "F")]
    for i in range(len(doc.get("tests", []))):
        out += [(("tests", i, "status"), "done"), (("tests", i, "test"), "x-ray of the moon")]
    for i in range(len(doc.get("history", []))):
        out += [(("history", i, "outcome"), "better")]
    return out


def _set(doc, path, value):
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value


@st.composite
def mutated_st(draw):
    """-> (raw bytes, fmt, description) of a document that the format makes invalid."""
    doc = draw(regimen_st())
    bad = copy.deepcopy(doc)
    how = draw(st.sampled_from(MUTATIONS))
    fmt = draw(st.sampled_from(["json", "yaml"]))
    if how == "delete-top":
        keys = ["id", "kind", "indication", "orders"] + (["patient"] if doc["kind"] == "patient" else [])
        k = draw(st.sampled_from(keys))
        del bad[k]
        what = f"deleted {k}"
    elif how == "delete-order-field":
        i = draw(st.integers(0, len(bad["orders"]) - 1))
        k = draw(st.sampled_from(["drug", "dose", "unit", "route", "frequency"]))
        if k == "drug":
            del bad["orders"][i][k]
            what = f"deleted orders/{i}/{k}"
        else:  # regimen-format.md 2nd ed.: these may be left out, but an explicit null is OL001
            bad["orders"][i][k] = None
            what = f"null orders/{i}/{k}"
    elif how == "delete-condition":
        del bad["indication"]["condition"]
        what = "deleted indication/condition"
    elif how == "delete-test-field":
        if not bad.get("tests"):
            bad["tests"] = [{"test": "cbc", "status": "resulted", "date": AS_OF}]
        i = draw(st.integers(0, len(bad["tests"]) - 1))
        choices = ["test", "status"] + (["date"] if bad["tests"][i]["status"] == "resulted" else [])
        k = draw(st.sampled_from(choices))
        del bad["tests"][i][k]
        what = f"deleted tests/{i}/{k}"
    elif how == "wrong-type":
        path, value = draw(st.sampled_from(_wrong_types(doc)))
        _set(bad, path, value)
        what = f"set {path} to {value!r}"
    elif how == "unknown-field":
        where = draw(st.sampled_from(["top", "order", "indication", "patient", "test"]))
        if where == "top":
            bad["dosage_notes"] = "free text"
        elif where == "order":
            bad["orders"][draw(st.integers(0, len(bad["orders"]) - 1))]["dosage"] = 500
        elif where == "indication":
            bad["indication"]["severity"] = "high"
        elif where == "patient":
            bad.setdefault("patient", {})["bmi"] = 24
        else:
            bad.setdefault("tests", [{"test": "cbc", "status": "ordered"}])[0]["value"] = 1
        what = f"unknown field in {where}"
    if how == "duplicate-key-json":
        text = json.dumps(doc)
        where = draw(st.sampled_from(["top", "dose"]))
        if where == "top":
            text = '{"id": "duplicate", ' + text[1:]
        else:
            text = text.replace('"dose": ', '"dose": 1, "dose": ', 1)
        return text.encode(), "json", f"duplicate key ({where}) in JSON text"
    if how == "duplicate-key-yaml":
        text = yaml.safe_dump(doc, sort_keys=False)
        return (text + "id: duplicate\n").encode(), "yaml", "duplicate top-level key in YAML text"
    raw = json.dumps(bad) if fmt == "json" else yaml.safe_dump(bad, sort_keys=False)
    return raw.encode(), fmt, what


@settings(PROPS, max_examples=200)
@given(mutated=mutated_st())
def test_mutated_documents_are_invalid_never_an_exception(mutated):
    raw, fmt, what = mutated
    doc = read_bytes(raw, f"mutated.{fmt}", fmt)
    result = LINTER.lint_document(doc)
    assert isinstance(result, Result)
    assert result.status == "invalid", (what, [(f.code, f.message) for f in result.findings])
    assert result.findings and all(f.code == "OL001" for f in result.findings), what
    for f in result.findings:
        assert f.message and f.line >= 1 and f.column >= 1
    # The API path (sniffed format) agrees.
    assert lint(raw).status == "invalid", what


# ----------------------------------------------------------------------------- command line


@settings(PROPS, max_examples=20)
@given(doc=regimen_st(), fmt=st.sampled_from(["json", "yaml"]))
def test_cli_check_on_a_valid_document_exits_0_or_1(doc, fmt):
    from click.testing import CliRunner

    from orderlint.cli import cli

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"regimen.{fmt}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=2) if fmt == "json" else yaml.safe_dump(doc, sort_keys=False))
        res = CliRunner().invoke(cli, ["check", path, "--as-of", AS_OF], env={"ORDERLINT_NO_CONFIG": "1"})
    assert res.exit_code in (0, 1), (res.exit_code, res.output, repr(res.exception))
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(pytest.main([__file__, "-q"]))


def test_reordering_two_equal_summed_orders_names_either():
    # Found by the property above: two equal Myfortic orders summed (ILD501, 2400 > 2160 mg/day) are
    # named by the first of them, whichever it is; the finding itself stays.
    import itertools

    orders = [{"drug": "Myfortic", "dose": 600, "unit": "mg", "route": "oral", "frequency": "bid", "id": "o0"},
              {"drug": "mycophenolate mofetil", "dose": 0.5, "unit": "mg", "route": "oral", "frequency": "once", "id": "o1"},
              {"drug": "Myfortic", "dose": 600, "unit": "mg", "route": "oral", "frequency": "bid", "id": "o2"}]
    keys = set()
    for perm in itertools.permutations(orders):
        r = lint({"id": "p", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": list(perm)})
        keys.add(tuple(sorted((f.code, None if _positional(f) else f.order) for f in r.findings)))
    assert len(keys) == 1 and ("ILD501", None) in next(iter(keys))
