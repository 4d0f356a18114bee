"""Fail-closed drug naming (review 5): a checked drug's name with other words, a verified rxcui of a
checked drug beside an unknown name, and the FHIR order of resolution (fhir.md 2.1)."""

from __future__ import annotations

import pytest

from orderlint.engine import Linter


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


@pytest.mark.parametrize("name, ingredient", [
    ("cyclophosphamide induction", "cyclophosphamide"),
    ("prednisone taper", "prednisone"),
    ("prednisone burst", "prednisone"),
    ("Medrol taper", "methylprednisolone"),
    ("CYC pulse", "cyclophosphamide"),
    ("cyclophosphamide - NIH protocol", "cyclophosphamide"),
    ("rituximab biosimilar", "rituximab"),
    ("Solu-Medrol Act-O-Vial", "methylprednisolone"),
    ("21 (methylprednisolone 4 MG Oral Tablet) Pack [Medrol Dosepak]", "methylprednisolone"),
])
def test_a_checked_drug_named_with_other_words_is_an_ol002_error(linter, name, ingredient):
    vocab = linter.vocab
    assert vocab.drug(name) is None  # never read as the drug: a guess could misread a combination
    message, is_error = vocab.unknown_drug(name, linter.checked_drugs)
    assert is_error, message
    assert f"({ingredient})" in message or repr(ingredient) in message
    assert "a checked drug" in message


@pytest.mark.parametrize("name", ["zorblatinib", "Benadryl per protocol", "tacrolimus ointment compounded",
                                  "Pred Forte dropper"])
def test_an_unknown_name_that_names_no_checked_drug_by_a_systemic_route_stays_a_warning(linter, name):
    message, is_error = linter.vocab.unknown_drug(name, linter.checked_drugs)
    assert not is_error, message


def test_contained_names_are_whole_words_only(linter):
    vocab = linter.vocab
    assert vocab.contained_names("cyclophosphamidex protocol") == []
    assert vocab.contained_names("Solu-Medrol Act-O-Vial")[0] == "solu medrol"  # the longest name at a start
    assert "methylprednisolone" in vocab.contained_names("21 (methylprednisolone 4 MG Oral Tablet) Pack [Medrol Dosepak]")


def test_an_unknown_name_with_a_verified_rxcui_of_a_checked_drug_is_an_error(linter):
    message, is_error = linter.vocab.unknown_drug("Zyclonex", linter.checked_drugs, rxcui="3002")
    assert is_error and "rxcui 3002 is cyclophosphamide" in message
    assert not linter.vocab.unknown_drug("Zyclonex", linter.checked_drugs, rxcui="99999991")[1]


def test_lookup_rates_a_qualified_checked_drug_name_as_lint_does(linter):
    from orderlint.lookup import lookup, render

    r = lookup(linter, "CYC pulse")
    assert r["unknown_drug"]["severity"] == "error"
    assert r["unknown_drug"]["names"] == [{"name": "cyc", "ingredient": "cyclophosphamide"}]
    assert "OL002 error" in render(linter, ["CYC pulse"])
    assert "unknown_drug" not in lookup(linter, "zorblatinib")
