"""The regimen document, second edition (regimen-format.md, "Changes in this edition"): what the
document models and the validator accept and refuse, and the messages they give."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from orderlint import model, validate as validate_mod
from orderlint.reader import MAX_DEPTH
from orderlint.validate import canonical_condition, validate
from orderlint.vocabulary import Vocabulary

VOCAB = Vocabulary()


def doc(**top) -> dict:
    d = {
        "id": "ed2", "kind": "order-set", "indication": {"condition": "ssc-ild"},
        "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral",
                    "frequency": "bid"}],
    }
    d.update(top)
    return d


def problems(d) -> list[tuple[str, str]]:
    reg, probs = validate(d, VOCAB)
    assert (reg is None) == bool(probs)
    return probs


# --------------------------------------------------------------- orders[]: optional dose/unit/route/frequency


@pytest.mark.parametrize("field", ["dose", "unit", "route", "frequency"])
def test_order_fields_are_optional_and_absent_is_none(field):
    # regimen-format.md 2nd ed., orders[] note *: dose, unit, route and frequency are optional.
    d = doc()
    del d["orders"][0][field]
    reg, probs = validate(d, VOCAB)
    assert probs == [] and getattr(reg.orders[0], field) is None


def test_an_order_with_only_a_drug_is_valid():
    reg, probs = validate(doc(orders=[{"drug": "rituximab"}]), VOCAB)
    assert probs == [] and (reg.orders[0].dose, reg.orders[0].unit, reg.orders[0].route, reg.orders[0].frequency) == (None,) * 4


@pytest.mark.parametrize("field", ["dose", "unit", "route", "frequency", "strength", "purpose"])
def test_explicit_null_is_ol001_with_omit_the_field_hint(field):
    # regimen-format.md 2nd ed., orders[] note *: "An explicit null is OL001: omit the field instead."
    d = doc()
    d["orders"][0][field] = None
    [(msg, ptr)] = problems(d)
    assert ptr == f"/orders/0/{field}" and "null" in msg and "omit the field instead" in msg


def test_null_in_a_required_field_does_not_suggest_omitting_it():
    d = doc()
    d["orders"][0]["drug"] = None
    [(msg, ptr)] = problems(d)
    assert ptr == "/orders/0/drug" and "must be a string, not null" in msg and "omit" not in msg


def test_purpose_premedication_is_accepted():
    # regimen-format.md 2nd ed.: `purpose: premedication`.
    d = doc()
    d["orders"][0]["purpose"] = "premedication"
    reg, probs = validate(d, VOCAB)
    assert probs == [] and reg.orders[0].purpose == "premedication"
    d["orders"][0]["purpose"] = "premed"
    [(msg, ptr)] = problems(d)
    assert ptr == "/orders/0/purpose" and "'premedication'" in msg


# --------------------------------------------------------------- repeated order ids


def test_repeated_order_id_is_ol001_at_the_repeat():
    # regimen-format.md 2nd ed., orders[].id: "a repeated id is OL001 at the repeat".
    d = doc()
    d["orders"].append({"id": "x", "drug": "prednisone"})
    d["orders"].append({"id": "mmf", "drug": "nintedanib"})
    d["orders"].append({"drug": "omeprazole"})
    [(msg, ptr)] = problems(d)
    assert ptr == "/orders/2/id" and "'mmf'" in msg and "repeated" in msg and "order 0" in msg


def test_each_repeat_is_reported_alongside_other_problems():
    d = doc()
    d["orders"] += [{"id": "mmf", "drug": "a"}, {"id": "mmf", "drug": "b", "dose": "x"}]
    ptrs = sorted(p for _, p in problems(d))
    assert ptrs == ["/orders/1/id", "/orders/2/dose", "/orders/2/id"]


def test_an_id_equal_to_another_orders_index_is_not_a_repeat():
    d = doc()
    d["orders"] = [{"id": "1", "drug": "a"}, {"drug": "b"}]
    assert problems(d) == []


def test_the_example_with_a_repeated_id_is_invalid_at_the_repeat():
    import orderlint
    from conftest import EXAMPLES

    r = orderlint.lint((EXAMPLES / "invalid" / "duplicate-order-id.json").read_text())
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert r.findings[0].pointer.endswith("/id") and r.findings[0].pointer != "/orders/0/id"


# --------------------------------------------------------------- x- fields in every object


def _with_local_fields_everywhere() -> dict:
    d = doc(
        patient={"sex": "male", "x-mrn": "123"},
        history=[{"drug": "MMF", "outcome": "stable", "x-from": "ehr"}],
        tests=[{"test": "cbc", "status": "ordered", "x-lab": {"site": [1, 2]}}],
        waivers=[{"rule": "ILD102", "x-ticket": "CHG-1"}],
        **{"x-top": True},
    )
    d["indication"]["x-code"] = "M34.81"
    o = d["orders"][0]
    o["x-source"] = {"system": "fhir", "path": ["MedicationRequest", 3]}
    o["strength"] = {"value": 500, "unit": "mg", "x-ndc": "0004-0259"}
    o["duration"] = {"value": 6, "unit": "mo", "x-note": None}
    o["frequency"] = {"frequency": 2, "period": 1, "period_unit": "d", "x-timing": "BID"}
    return d


def test_x_fields_are_allowed_in_every_object_in_json_and_yaml():
    # regimen-format.md 2nd ed.: "x- fields in every object".
    import orderlint

    d = _with_local_fields_everywhere()
    before = copy.deepcopy(d)
    reg, probs = validate(d, VOCAB)
    assert probs == [] and reg.orders[0].strength.value == 500
    assert d == before, "the caller's document is not changed"
    for text in (json.dumps(d), yaml.safe_dump(d, sort_keys=False)):
        r = orderlint.lint(text)
        assert r.status != "invalid", [(f.pointer, f.message) for f in r.findings]


def test_other_unknown_fields_stay_invalid_next_to_x_fields():
    d = _with_local_fields_everywhere()
    d["orders"][0]["strength"]["colour"] = "red"
    d["tests"][0]["x_lab"] = 1  # underscore: not a local field
    ptrs = sorted(p for _, p in problems(d))
    assert ptrs == ["/orders/0/strength/colour", "/tests/0/x_lab"]
    msg = dict((p, m) for m, p in problems(d))["/tests/0/x_lab"]
    assert "fields starting with `x-` are free for local use" in msg


@pytest.mark.parametrize("where", [("indication",), ("orders", 0), ("orders", 0, "strength"), ("waivers", 0)])
def test_x_values_keep_the_nesting_limit_in_json_and_yaml(where):
    # The reader refuses a YAML document nested deeper than MAX_DEPTH; a JSON document gets the
    # same limit for values nobody validates, so JSON and YAML agree.
    import orderlint

    def build(n):
        d = doc(waivers=[{"rule": "ILD102"}])
        d["orders"][0]["strength"] = {"value": 500, "unit": "mg"}
        obj = d
        for k in where:
            obj = obj[k]
        obj["x-deep"] = json.loads("[" * n + "]" * n)
        return d

    depth_of_object = 1 + len(where)  # the document itself is level 1
    fits = MAX_DEPTH - depth_of_object
    ok, deep = build(fits), build(fits + 1)
    assert problems(ok) == []
    [(msg, ptr)] = problems(deep)
    assert ptr == "".join(f"/{k}" for k in where) + "/x-deep" and f"deeper than {MAX_DEPTH}" in msg
    for d, status in ((ok, {"checked", "not-applicable"}), (deep, {"invalid"})):
        for text in (json.dumps(d), yaml.safe_dump(d)):
            assert orderlint.lint(text).status in status


def test_a_document_without_x_fields_is_not_walked(monkeypatch):
    # Hot path: the copy without local fields is made only for documents that have some, and
    # top-level ones alone are set aside without walking the orders.
    real = validate_mod._without_local_fields
    calls = []

    def spy(data, shape=None):
        calls.append("top" if shape is not None else "deep")
        return real(data, shape)

    monkeypatch.setattr(validate_mod, "_without_local_fields", spy)
    assert problems(doc()) == [] and calls == []
    d = doc()
    d["orders"][0]["colour"] = 1
    [(_, ptr)] = problems(d)
    assert ptr == "/orders/0/colour" and calls == []
    assert problems(doc(**{"x-batch": 7})) == [] and calls == ["top"]
    d = doc(**{"x-batch": 7})
    d["orders"][0]["x-src"] = "ehr"
    assert problems(d) == [] and calls == ["top", "top", "deep"]


# --------------------------------------------------------------- indication.condition


@pytest.mark.parametrize("text", ["ssc-ild", "SSc-ILD", "ssc-ild ", " SSC__ILD", "ssc ild", "Ssc_-_Ild", "SSC \t ILD", "ssc--ild"])
def test_canonical_condition(text):
    # regimen-format.md 2nd ed., indication.condition: case-insensitive, trimmed, separators as one '-'.
    assert canonical_condition(text) == "ssc-ild"


@pytest.mark.parametrize("text, canon", [("RA ILD", "ra-ild"), ("sscild", "sscild"), ("ssc.ild", "ssc.ild"), ("", "")])
def test_canonical_condition_changes_nothing_else(text, canon):
    assert canonical_condition(text) == canon


# --------------------------------------------------------------- YAML-typed strings get a hint


@pytest.mark.parametrize("field, value", [("rapidly_progressive", "yes"), ("rapidly_progressive", "no"),
                                          ("rapidly_progressive", "True"), ("rapidly_progressive", "off")])
def test_yaml_booleans_as_strings_get_write_true_or_false(field, value):
    # regimen-format.md 2nd ed., YAML: `yes`, `no`, `on`, `off`, `True` are strings; a boolean
    # field given one is OL001 with a "write true or false" hint.
    d = doc()
    d["indication"][field] = value
    [(msg, ptr)] = problems(d)
    assert ptr == f"/indication/{field}" and repr(value) in msg and "write true or false" in msg


def test_reproductive_potential_string_gets_the_boolean_hint():
    d = doc(patient={"sex": "female", "reproductive_potential": "no"})
    [(msg, ptr)] = problems(d)
    assert ptr == "/patient/reproductive_potential" and "write true or false" in msg


@pytest.mark.parametrize("value", ["020", "01600", "0x1F", "0o17", "1_000", "+5", ".5", "1:00"])
def test_yaml_numbers_as_strings_get_the_plain_decimal_hint(value):
    # regimen-format.md 2nd ed., YAML: these are strings, and a number field given one is OL001.
    d = doc()
    d["orders"][0]["dose"] = value
    [(msg, ptr)] = problems(d)
    assert ptr == "/orders/0/dose" and "must be a number" in msg and repr(value) in msg
    assert "plain decimal" in msg and "without leading zeros" in msg


def test_yaml_1_1_scalars_are_ol001_with_hints_end_to_end():
    # regimen-format.md 2nd ed., YAML: `dose: 01600` is the string '01600' (never octal 896) and
    # `yes` a string: OL001, each with its hint, in the document as read from YAML text.
    import orderlint

    text = ("id: a\nkind: order-set\nindication: {condition: ssc-ild, rapidly_progressive: yes}\n"
            "orders:\n  - {drug: MMF, dose: 01600, unit: mg, route: oral, frequency: bid}\n")
    r = orderlint.lint(text)
    assert r.status == "invalid"
    by_ptr = {f.pointer: f.message for f in r.findings}
    assert "'01600'" in by_ptr["/orders/0/dose"] and "without leading zeros" in by_ptr["/orders/0/dose"]
    assert "write true or false" in by_ptr["/indication/rapidly_progressive"]


def test_whole_number_field_gets_the_hint_too():
    d = doc()
    d["orders"][0]["doses"] = "06"
    [(msg, _)] = problems(d)
    assert "must be a whole number" in msg and "plain decimal" in msg


def test_a_word_in_a_number_field_gets_no_number_hint():
    d = doc()
    d["orders"][0]["dose"] = "high"
    [(msg, _)] = problems(d)
    assert "must be a number, not 'high'" in msg and "plain decimal" not in msg


# --------------------------------------------------------------- unchanged rules that live in the models


def test_reproductive_potential_default_stays_undecided_in_the_model():
    # regimen-format.md: "if absent: true unless sex is male" is decided by normalization, so the
    # model keeps "absent" (None), never a default that would hide which was written.
    reg, _ = validate(doc(kind="patient", patient={"sex": "female"}), VOCAB)
    assert reg.patient.reproductive_potential is None
    assert model.fields_of(model.Patient)["reproductive_potential"].default is None


def test_a_resulted_test_needs_a_date():
    [(msg, ptr)] = problems(doc(tests=[{"test": "cbc", "status": "resulted"}]))
    assert ptr == "/tests/0" and "needs its `date`" in msg
    assert problems(doc(tests=[{"test": "cbc", "status": "ordered"}])) == []


# --------------------------------------------------------------- waivers[].expires: any string


@pytest.mark.parametrize("value", ["2026-02-30", "next year", "2026-3-1", "", "2026-03-01T00:00"])
def test_waiver_expires_takes_any_string(value):
    # regimen-format.md 2nd ed., waivers: "The schema takes any string here" (judged by OL005).
    reg, probs = validate(doc(waivers=[{"rule": "ILD102", "expires": value}]), VOCAB)
    assert probs == [] and reg.waivers[0].expires == value


def test_waiver_expires_must_still_be_a_string():
    [(msg, ptr)] = problems(doc(waivers=[{"rule": "ILD102", "expires": 20260301}]))
    assert ptr == "/waivers/0/expires" and "must be a string" in msg


@pytest.mark.parametrize("key", ["col\u202eour", "x\nforged: line", "a\u2066b"])
def test_unknown_field_names_are_quoted_when_not_printable(key):
    d = doc()
    d["orders"][0][key] = 1
    [(msg, _)] = problems(d)
    assert key not in msg and repr(key) in msg
    d = doc(**{"x-" + key: json.loads("[" * 70 + "]" * 70)})
    [(msg, _)] = problems(d)
    assert ("x-" + key) not in msg and "deeper than" in msg


@pytest.mark.slow
def test_thousands_of_unknown_fields_are_reported_in_bounded_time_with_hints_for_the_first():
    # Every unknown field is still reported; the did-you-mean search is spent on the first 50 only,
    # so a document of 20,000 unknown keys costs no 20,000 similarity searches.
    import time

    import orderlint
    from conftest import minimal

    doc = minimal()
    doc.update({f"kindd{i}": 1 for i in range(20_000)})
    t0 = time.perf_counter()
    r = orderlint.lint(doc)
    elapsed = time.perf_counter() - t0
    msgs = [f.message for f in r.findings if f.code == "OL001"]
    assert len(msgs) == 20_000
    assert "did you mean 'kind'" in msgs[0]
    assert elapsed < 30
