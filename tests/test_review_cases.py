"""Review: a case file cannot pass while its expected findings are wrong."""

from __future__ import annotations

import pytest

from orderlint.cases import CaseError, check_case, parse_cases

DOC_FIRES = """\
      id: r
      kind: patient
      as_of: 2026-03-02
      indication: {condition: ssc-ild}
      patient: {sex: female, age_years: 47, weight_kg: 59, height_cm: 160, reproductive_potential: false}
      orders:
        - {id: mmf, drug: mycophenolate mofetil, dose: 1500, unit: mg, route: oral, frequency: bid, status: active, start: 2025-04-07}
        - {id: mp, drug: methylprednisolone, dose: 16, unit: mg, route: oral, frequency: daily, duration: {value: 14, unit: d}, purpose: other}
"""
DOC_CLEAN = DOC_FIRES.replace("dose: 16,", "dose: 12,")
FIRING = "      - {code: ILD202, order: mp, pointer: /orders/1/dose}\n"


def _file(*cases: str) -> str:
    return "rule: ILD202\ncases:\n" + "".join(cases)


def _case(name: str, doc: str, expect: str) -> str:
    return f"  - name: {name}\n    document: |\n{doc}    expect:{expect}"


GOOD_FIRING = _case("fires", DOC_FIRES, "\n" + FIRING)
GOOD_PASSING = _case("clean", DOC_CLEAN, " []\n")


def test_well_formed_cases_pass() -> None:
    assert [check_case(c) for c in parse_cases(_file(GOOD_FIRING, GOOD_PASSING), "t.yaml", "ILD202")] == [[], []]


@pytest.mark.parametrize("case", [
    _case("empty-expectation-but-fires", DOC_FIRES, " []\n"),
    _case("misspelt-code", DOC_FIRES, "\n      - {code: ILD2O2, order: mp, pointer: /orders/1/dose}\n"),
    _case("lower-case-code", DOC_FIRES, "\n      - {code: ild202, order: mp, pointer: /orders/1/dose}\n"),
    _case("wrong-order", DOC_FIRES, "\n      - {code: ILD202, order: mmf, pointer: /orders/1/dose}\n"),
    _case("wrong-pointer", DOC_FIRES, "\n      - {code: ILD202, order: mp, pointer: /orders/0/dose}\n"),
    _case("wrong-severity", DOC_FIRES, "\n      - {code: ILD202, severity: warning}\n"),
    _case("claims-suppressed", DOC_FIRES, "\n      - {code: ILD202, suppressed: true}\n"),
    _case("wrong-message", DOC_FIRES, "\n      - {code: ILD202, message: 'renal failure'}\n"),
    _case("expects-on-clean", DOC_CLEAN, "\n" + FIRING),
    _case("one-too-many", DOC_FIRES, "\n" + FIRING + FIRING),
])
def test_a_wrong_expectation_fails(case: str) -> None:
    cases = {c.name: c for c in parse_cases(_file(GOOD_FIRING, GOOD_PASSING, case), "t.yaml", "ILD202")}
    name = case.split("name: ", 1)[1].split("\n", 1)[0]
    assert check_case(cases[name]) != []


@pytest.mark.parametrize("case", [
    _case("misspelt-key", DOC_FIRES, "\n      - {code: ILD202, pointr: /orders/1/dose}\n"),
    _case("no-code", DOC_FIRES, "\n      - {order: mp}\n"),
    "  - name: no-expect\n    document: |\n" + DOC_FIRES,
    "  - name: typo-expected\n    document: |\n" + DOC_FIRES + "    expected: []\n",
])
def test_a_malformed_expectation_is_a_case_error(case: str) -> None:
    with pytest.raises(CaseError):
        parse_cases(_file(GOOD_FIRING, GOOD_PASSING, case), "t.yaml", "ILD202")


def test_a_repeated_document_key_is_a_case_error() -> None:
    case = f"  - name: two-documents\n    document: |\n{DOC_FIRES}    document: |\n{DOC_CLEAN}    expect: []\n"
    with pytest.raises(CaseError):
        parse_cases(_file(GOOD_FIRING, GOOD_PASSING, case), "t.yaml", "ILD202")


def test_a_repeated_expect_key_is_a_case_error() -> None:
    case = _case("two-expects", DOC_CLEAN, "\n" + FIRING) + "    expect: []\n"
    with pytest.raises(CaseError):
        parse_cases(_file(GOOD_FIRING, GOOD_PASSING, case), "t.yaml", "ILD202")


def test_a_repeated_key_in_an_expectation_is_a_case_error() -> None:
    case = _case("two-codes", DOC_FIRES, "\n      - {code: ILD201, code: ILD202, order: mp, pointer: /orders/1/dose}\n")
    with pytest.raises(CaseError):
        parse_cases(_file(GOOD_FIRING, GOOD_PASSING, case), "t.yaml", "ILD202")
