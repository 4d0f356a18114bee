"""Every rule's case file: each case's document gives exactly its expected findings.

The case files (``<CODE>.yaml`` in each installed pack's case folder; the core rules' in
``orderlint/core_cases/``) hold each rule's firing, passing and boundary documents once; `explain`
and docs/rules.md show their first firing and first passing case.
"""

from __future__ import annotations

import pytest

from orderlint.cases import Case, CaseError, assert_case, check_case, first_cases, installed_cases, missing_cases, parse_cases
from orderlint.engine import Linter

LINTER = Linter()
CASES = installed_cases(LINTER)

#: Rules that no document can make fire: OL000 is a crashed check or stage (tests/test_plugins.py
#: and tests/test_engine*.py provoke it with broken plugins).
NO_CASE_FILE = {"OL000"}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case_gives_exactly_its_expected_findings(case: Case):
    assert_case(case, LINTER)


def test_every_rule_has_a_case_file_with_a_firing_and_a_passing_case():
    assert [m for m in missing_cases(LINTER) if m.split()[0] not in NO_CASE_FILE] == []
    for r in LINTER.rules:
        if r.code in NO_CASE_FILE:
            continue
        firing, passing = first_cases(r)
        assert firing is not None and passing is not None, r.code
        assert firing.fires and not passing.fires


def test_case_names_are_unique_per_rule():
    seen = [str(c) for c in CASES]
    assert len(seen) == len(set(seen))


# --------------------------------------------------------------------------- the runner itself

DOC = """\
id: mp-16
kind: patient
as_of: 2026-03-02
indication: {condition: ssc-ild}
patient: {sex: male, age_years: 58, weight_kg: 80, height_cm: 180}
orders:
  - {id: mp, drug: methylprednisolone, dose: 16, unit: mg, route: oral, frequency: daily, purpose: other, duration: {value: 14, unit: d}}
"""


def _case(expect, **kw) -> Case:
    return Case("ILD202", "c", DOC, tuple(expect), **kw)


def test_a_matching_expectation_passes():
    assert check_case(_case([{"code": "ILD202", "order": "mp", "pointer": "/orders/0/dose", "severity": "error"}])) == []


@pytest.mark.parametrize(
    "expect",
    [
        [],                                                              # a finding not expected
        [{"code": "ILD202"}, {"code": "ILD302"}],                         # an expected finding missing
        [{"code": "ILD201"}],                                            # another code
        [{"code": "ILD202", "order": "pred"}],                           # another order
        [{"code": "ILD202", "pointer": "/orders/0/drug"}],               # another pointer
        [{"code": "ILD202", "severity": "warning"}],                     # another severity
        [{"code": "ILD202", "suppressed": True}],                        # not waived
        [{"code": "ILD202", "message": "40 mg"}],                        # a message it does not contain
    ],
)
def test_any_difference_from_the_expected_findings_is_reported(expect):
    problems = check_case(_case(expect))
    assert problems and "findings differ" in problems[0]
    with pytest.raises(AssertionError, match="case 'c'"):
        assert_case(_case(expect))


def test_a_case_config_is_applied():
    # ILD202's limit raised to 20: methylprednisolone 16 mg (20 mg PE) does not fire.
    assert check_case(_case([], config={"rules": {"ILD202": {"max-daily-pe-mg": 20}}})) == []
    assert check_case(_case([]))  # without the config it fires


def test_the_severity_expected_by_default_is_the_configured_one():
    case = _case([{"code": "ILD202"}], config={"severity": {"ILD202": "warning"}})
    assert check_case(case) == []


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("rule: ILD202\n", "exactly `rule` and `cases`"),
        ("rule: ILD203\ncases: []\n", "must be about ILD202"),
        ("rule: ILD202\ncases: []\n", "non-empty list"),
        ("rule: ILD202\ncases:\n  - {name: a, document: 'x: 1', expect: [{code: ILD202}]}\n", "one where it does not"),
        ("rule: ILD202\ncases:\n  - {name: a, document: 'x: 1', expect: []}\n", "one case where ILD202 fires"),
        ("rule: ILD202\ncases:\n  - {name: a, document: 'x: 1', expect: [], extra: 1}\n", "unknown keys"),
        ("rule: ILD202\ncases:\n  - {name: a, document: 'x: 1', expect: [{code: ILD202, ordre: a}]}\n", "each expected finding"),
        ("rule: ILD202\ncases:\n  - {name: a, document: 'x: 1', expect: []}\n  - {name: a, document: 'x: 1', expect: []}\n", "unique"),
        ("rule: ILD202\ncases:\n  - {name: a, document: {x: 1}, expect: []}\n", "document's text"),
        ("rule: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_case_file_is_an_error_naming_it(text, fragment):
    with pytest.raises(CaseError, match=fragment.replace("`", ".").replace("(", r"\(")) as e:
        parse_cases(text, "ILD202.yaml", "ILD202")
    assert "ILD202.yaml" in str(e.value)


def test_case_files_load_from_a_folder(tmp_path):
    from orderlint.cases import load_cases

    (tmp_path / "ILD202.yaml").write_text(
        "rule: ILD202\ncases:\n"
        "  - name: fires\n    document: |\n" + "".join(f"      {line}\n" for line in DOC.splitlines())
        + "    expect: [{code: ILD202, order: mp}]\n"
        "  - name: clean-with-a-higher-limit\n    config: {rules: {ILD202: {max-daily-pe-mg: 20}}}\n    document: |\n"
        + "".join(f"      {line}\n" for line in DOC.splitlines()) + "    expect: []\n"
    )
    (tmp_path / "notes.txt").write_text("not a case file")
    cases = load_cases(tmp_path)
    assert [c.name for c in cases] == ["fires", "clean-with-a-higher-limit"]
    assert [c.fires for c in cases] == [True, False]
    assert all(check_case(c) == [] for c in cases)
