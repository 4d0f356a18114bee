"""The read and validate stages: every bad input is OL001 at the offending value, never a crash."""

from __future__ import annotations

import json

import pytest

import orderlint
from conftest import minimal


def _ol001(doc):
    r = orderlint.lint(doc)
    assert r.status == "invalid", r
    assert r.findings and all(f.code == "OL001" for f in r.findings), "an invalid document gets no other finding"
    return r.findings


@pytest.mark.parametrize(
    "text, pointer, fragment",
    [
        ('{"id": "a", "id": "b"}', "/id", "duplicate key 'id'"),
        ('{"id": "a", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": [{"drug": "MMF", "dose": 500, "dose": 5000, "unit": "mg", "route": "oral", "frequency": "bid"}]}', "/orders/0/dose", "duplicate key 'dose'"),
    ],
)
def test_duplicate_json_keys_are_invalid_at_the_second_key(text, pointer, fragment):
    (f,) = _ol001(text)
    assert fragment in f.message
    assert f.pointer == pointer
    assert (f.line, f.column) == (1, text.index(f'"{pointer.rsplit("/", 1)[1]}"', text.index(f'"{pointer.rsplit("/", 1)[1]}"') + 1) + 1)


def test_duplicate_yaml_key_is_invalid_with_its_line():
    text = "id: a\nkind: order-set\nindication: {condition: ssc-ild}\norders:\n  - drug: MMF\n    dose: 500\n    dose: 5000\n"
    (f,) = _ol001(text)
    assert "duplicate key 'dose'" in f.message
    assert (f.pointer, f.line, f.column) == ("/orders/0/dose", 7, 5)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 400])
def test_non_finite_and_overflowing_numbers_are_invalid(token):
    text = json.dumps(minimal()).replace('"dose": 40', f'"dose": {token}')
    (f,) = _ol001(text)
    assert "finite" in f.message


@pytest.mark.parametrize("token", [".nan", ".inf", "-.inf"])
def test_non_finite_yaml_numbers_are_invalid(token):
    text = f"id: a\nkind: order-set\nindication: {{condition: ssc-ild}}\norders:\n  - {{drug: MMF, dose: {token}, unit: mg, route: oral, frequency: bid}}\n"
    (f,) = _ol001(text)
    assert "finite" in f.message and f.pointer == "/orders/0/dose"


def _with_order(**changes):
    doc = minimal()
    doc["orders"][0].update(changes)
    return doc


@pytest.mark.parametrize(
    "doc, pointer, fragment",
    [
        (_with_order(dose="40"), "/orders/0/dose", "must be a number"),
        (_with_order(dose=True), "/orders/0/dose", "must be a number"),
        (_with_order(dose=0), "/orders/0/dose", "greater than 0"),
        (_with_order(dose=-5), "/orders/0/dose", "greater than 0"),
        (_with_order(frequency=2), "/orders/0/frequency", "frequency code"),
        (_with_order(frequency={"frequency": 2, "period": 1, "period_unit": "yr"}), "/orders/0/frequency/period_unit", "'yr'"),
        (_with_order(status="pending"), "/orders/0/status", "'pending'"),
        (_with_order(doses=1.5), "/orders/0/doses", "whole number"),
        (_with_order(start="2026-02-30"), "/orders/0/start", "not a calendar date (day value is outside expected range)"),
        (_with_order(start="03/02/2026"), "/orders/0/start", "YYYY-MM-DD"),
        (_with_order(colour="red"), "/orders/0/colour", "unknown field `colour`"),
        # regimen-format.md 2nd ed.: `x-` fields are allowed in every object, so a plain unknown one here.
        (_with_order(local=1), "/orders/0/local", "unknown field `local` (fields starting with `x-` are free"),
        (minimal(patinet={}), "/patinet", "did you mean 'patient'"),
        (minimal(orderlint=2), "/orderlint", "less than or equal to 1"),
        (minimal(orders=[]), "/orders", "at least 1"),
        (minimal(kind="protocol"), "/kind", "'protocol'"),
        (minimal(kind="patient"), "", "needs the `patient` object"),
        (minimal(tests=[{"test": "cbc", "status": "resulted"}]), "/tests/0", "needs its `date`"),
        (minimal(tests=[{"test": "chest x-ray", "status": "ordered"}]), "/tests/0/test", "unknown test name"),
        (minimal(as_of="2026-13-01"), "/as_of", "month"),
    ],
)
def test_schema_violations_are_located_at_the_offending_value(doc, pointer, fragment):
    findings = _ol001(doc)
    assert any(f.pointer == pointer and fragment in f.message for f in findings), [(f.pointer, f.message) for f in findings]


def test_missing_field_is_located_at_its_nearest_parent():
    doc = minimal()
    del doc["orders"][0]["drug"]  # regimen-format.md 2nd ed.: route is optional, drug is still required
    (f,) = _ol001(doc)
    assert f.pointer == "/orders/0" and "missing required field `drug`" in f.message


def test_one_finding_per_violation():
    doc = minimal(colour="red")
    doc["orders"][0]["dose"] = "x"
    del doc["orders"][0]["drug"]  # regimen-format.md 2nd ed.: unit is optional, drug is still required
    findings = _ol001(doc)
    assert {f.pointer for f in findings} == {"/colour", "/orders/0/dose", "/orders/0"}


def test_x_fields_are_free_at_the_top_level_only():
    assert orderlint.lint(minimal(**{"x-site": {"ward": 7}})).status == "checked"


def test_test_names_and_aliases_are_case_insensitive():
    tests = [{"test": n, "status": "ordered"} for n in ("CBC", "Hepatitis B serology", "QuantiFERON", "CMP", "beta-hCG", "DLCO")]
    assert orderlint.lint(minimal(tests=tests)).status == "checked"


def test_findings_carry_line_and_column_in_json_and_yaml(tmp_path):
    json_text = '{\n  "id": "a",\n  "kind": "order-set",\n  "indication": {"condition": "ssc-ild"},\n  "orders": [\n    {"drug": "pantoprazole", "dose": "40", "unit": "mg", "route": "oral", "frequency": "daily"}\n  ]\n}\n'
    (f,) = _ol001(json_text)
    line6 = json_text.splitlines()[5]
    assert (f.line, f.column) == (6, line6.index('"40"') + 1)
    yaml_text = "id: a\nkind: order-set\nindication: {condition: ssc-ild}\norders:\n  - drug: pantoprazole\n    dose: '40'\n    unit: mg\n    route: oral\n    frequency: daily\n"
    (f,) = _ol001(yaml_text)
    assert (f.pointer, f.line, f.column) == ("/orders/0/dose", 6, 11)


def test_yaml_dates_read_as_strings_like_json():
    text = "id: a\nkind: order-set\nas_of: 2026-03-02\nindication: {condition: ssc-ild}\norders:\n  - {drug: pantoprazole, dose: 40, unit: mg, route: oral, frequency: daily, start: 2026-03-01}\n"
    assert orderlint.lint(text).status == "checked"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be an object"),
        ('"just a string"', "must be an object"),
        ("id: [unclosed\n", "not valid YAML"),
        ("a: !!python/object/apply:os.system ['true']\n", "not allowed"),
        # regimen-format.md 2nd ed., YAML: several documents in one file are OL001, and the message says how many.
        ("---\nid: a\n---\nid: b\n", "this one has 2"),
    ],
)
def test_unparseable_documents_are_ol001(text, fragment):
    (f,) = _ol001(text)
    assert fragment in f.message


def test_invalid_utf8_is_ol001():
    (f,) = _ol001(b'{"id": "\xff"}')
    assert "UTF-8" in f.message


def test_utf8_bom_and_utf16_are_read():
    text = json.dumps(minimal())
    assert orderlint.lint(b"\xef\xbb\xbf" + text.encode()).status == "checked"
    assert orderlint.lint(text.encode("utf-16")).status == "checked"


def test_not_applicable_condition_is_skipped_not_clean():
    # rules.md 2nd ed. (OL007): not applicable is an error finding with a did-you-mean, not an empty result.
    r = orderlint.lint(minimal(indication={"condition": "ra-ild"}))
    assert r.status == "not-applicable" and r.condition == "ra-ild"
    assert [(f.code, f.severity) for f in r.findings] == [("OL007", "error")]
    assert "ra-ild" in r.findings[0].message and "ssc-ild" in r.findings[0].message


@pytest.mark.parametrize("spelling", ["SSc-ILD", "ssc-ild ", " SSC__ILD", "ssc ild", "Ssc_-_Ild"])
def test_condition_is_matched_case_insensitively(spelling):
    # regimen-format.md 2nd ed. (indication.condition): these all name the built-in pack.
    r = orderlint.lint(minimal(indication={"condition": spelling}))
    assert r.status == "checked", [(f.code, f.message) for f in r.findings]
