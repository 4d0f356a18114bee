"""Tests that kill mutants which survived mutation testing of the rule pack (checks/).

Each test states a behaviour that rules.md fixes (codes, counts, order ids, pointers, and the drug
and the numbers a message must name) and that the per-rule test files did not pin down. See the
project's contributing notes for the mutmut command; message wording beyond the drug and the
number is not fixed by the spec, so no test here asserts it.
"""

from __future__ import annotations

import pytest

from regimen_factory import (
    bactrim,
    clean_patient,
    lint,
    mmf,
    none_of,
    of,
    only,
    order,
    progression,
)


def steroid(drug, dose, route="oral", frequency="daily", **kw):
    kw.setdefault("purpose", "other")  # keeps ILD201 out of the dose tests
    return order(drug, dose, "mg", route, frequency, **kw)


# --------------------------------------------------------------------------- ILD101


def test_ild101_one_finding_for_an_order_matching_two_configured_agents():
    # "agents" may name a class and one of its ingredients; the order is still one finding.
    config = {"rules": {"ILD101": {"agents": ["jak-inhibitor", "tofacitinib"]}}}
    result = lint(clean_patient(mmf(), order("tofacitinib", 5, frequency="bid", id="tofa")), config=config)
    [f] = only(result, "ILD101")
    assert (f.order, f.pointer) == ("tofa", "/orders/1/drug")
    assert "tofacitinib" in f.message


# --------------------------------------------------------------------------- ILD202


def test_ild202_message_names_every_summed_drug_its_pe_and_the_total():
    doc = clean_patient(mmf(), steroid("prednisone", 10, id="pred"), steroid("methylprednisolone", 6, id="mp"))
    [f] = only(lint(doc), "ILD202")
    # 10 + 7.5 = 17.5 mg PE: the largest contributor carries the finding
    assert (f.order, f.pointer) == ("pred", "/orders/1/dose")
    for number in ("prednisone", "10 mg PE", "methylprednisolone", "7.5 mg PE", "17.5", "15"):
        assert number in f.message, (number, f.message)


# --------------------------------------------------------------------------- ILD203


def test_ild203_an_order_skipped_for_its_purpose_does_not_hide_the_next_one():
    doc = progression(clean_patient(
        mmf(status="active"),
        steroid("prednisone", 5, id="other", purpose="other"),  # not an ILD order: skipped
        order("prednisolone", 5, id="ild"),  # ILD order, open-ended: fires
    ))
    [f] = only(lint(doc), "ILD203")
    assert f.order == "ild"
    assert f.pointer.startswith("/orders/2/")


@pytest.mark.parametrize(
    "course, pointer, number",
    [({"duration": (85, "d")}, "/orders/0/duration", "85"), ({"doses": 85}, "/orders/0/doses", "85")],
    ids=["duration", "doses"],
)
def test_ild203_points_at_the_value_that_sets_the_course(course, pointer, number):
    [f] = only(lint(progression(clean_patient(order("prednisone", 5, id="pred", **course)))), "ILD203")
    assert f.pointer == pointer
    assert number in f.message and "84" in f.message


# --------------------------------------------------------------------------- ILD302


def test_ild302_message_names_the_course_length():
    doc = clean_patient(mmf(), steroid("prednisone", 20, id="pred", duration=(30, "d")), indication={"phase": "progression"})
    [f] = only(lint(doc), "ILD302")
    assert (f.order, f.pointer) == ("pred", "/orders/1/drug")
    assert "30 days" in f.message
    assert "20 mg PE" in f.message


def test_ild302_message_names_every_summed_drug_its_pe_and_the_total():
    doc = clean_patient(
        mmf(),
        steroid("prednisone", 12, id="pred"),
        steroid("methylprednisolone", 8, id="mp", duration=(60, "d")),
    )
    [f] = only(lint(doc), "ILD302")
    # 12 + 10 = 22 mg PE >= 20, for an open-ended course (prednisone has no end)
    assert (f.order, f.pointer) == ("pred", "/orders/1/drug")
    for number in ("prednisone", "12 mg PE", "methylprednisolone", "10 mg PE", "22", "20"):
        assert number in f.message, (number, f.message)
