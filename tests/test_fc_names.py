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


@pytest.mark.parametrize("name, run, ingredient", [
    ("rituxmab inf", "rituxmab", "rituximab"),
    ("cyclophosphamid per protocol", "cyclophosphamid", "cyclophosphamide"),
    ("cyclophosphamidx ab cd", "cyclophosphamidx", "cyclophosphamide"),
    ("mycophenolat mofetl susp compounded", "mycophenolat", "mycophenolate"),
    ("rituximeb per protocol", "rituximeb", "rituximab"),  # one letter for another: 0.89
    ("Cytoxen per protocol", "cytoxen", "cyclophosphamide"),
    ("rituxiamb inf", "rituxiamb", "rituximab"),  # two neighbours swapped
    ("rituxmab\u200b inf", "rituxmab", "rituximab"),  # a zero-width space, invisible in a report
    ("ritux\u00admab inf", "rituxmab", "rituximab"),  # a soft hyphen
])
def test_a_misspelt_checked_drug_among_other_words_is_an_ol002_error(linter, name, run, ingredient):
    # The whole text is below the similarity threshold: 'rituxmab inf' was a warning, and rituximab
    # with no HBV screening passed --fail-on error (rules.md OL002: never passes a misspelt checked drug).
    message, is_error = linter.vocab.unknown_drug(name, linter.checked_drugs)
    assert is_error, message
    assert f"its {run!r} is close to" in message and f"({ingredient}), a checked drug: misspelt?" in message


@pytest.mark.parametrize("name", ["Flexofytol capsule", "sildenafil citrate tablet", "epoprostenol infusion",
                                  "nitrofurantoin macrocrystals", "tacrolimus ointmnt compounded gel", "vitamen d3 drops",
                                  # Near a checked name word by word at 0.8, yet another drug or a plain word:
                                  "bupropion hydrochloride 150 MG Extended Release Oral Tablet", "insulin aspart sliding scale",
                                  "normal saline flush", "Demerol PRN rigors", "pethidine for rigors",
                                  "fludrocortisone 0.1 mg tablet hold for SBP above 140",
                                  # Plain words one letter from a checked name (Prograf, Neoral, Cortef):
                                  "bowel program per protocol", "neural tube supplement", "adrenal cortex extract"])
def test_other_words_close_to_no_checked_drug_stay_a_warning(linter, name):
    message, is_error = linter.vocab.unknown_drug(name, linter.checked_drugs)
    assert not is_error, message
    assert "close to" not in message


def test_a_misspelt_name_by_a_route_no_rule_checks_stays_a_warning(linter):
    message, is_error = linter.vocab.unknown_drug("tacrolimas compounded", linter.checked_drugs, route="topical")
    assert not is_error, message
    assert linter.vocab.unknown_drug("tacrolimas compounded", linter.checked_drugs, route="oral")[1]


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


# ---------------------------------------------------------------- FHIR: RxNorm codings resolve first
import datetime as dt  # noqa: E402
import json  # noqa: E402

from orderlint.config import Settings  # noqa: E402
from orderlint.fhir import lint_fhir, map_fhir  # noqa: E402

AS_OF = dt.date(2026, 3, 2)
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SN = "http://snomed.info/sct"
UC = "http://unitsofmeasure.org"


@pytest.fixture(scope="module")
def fhir_linter() -> Linter:
    return Linter(Settings(as_of=AS_OF))


def _cc(text=None, code=None, display=None) -> dict:
    cc: dict = {}
    if code is not None:
        cc["coding"] = [{"system": RX, "code": code, **({"display": display} if display else {})}]
    if text is not None:
        cc["text"] = text
    return cc


def _mr(medication: dict, dose=750, unit="mg/m2", route="47625008", timing=None) -> dict:
    return {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p1"}, **medication,
            "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": dose, "system": UC, "code": unit}}],
                                   "route": {"coding": [{"system": SN, "code": route}]},
                                   "timing": timing or {"repeat": {"frequency": 1, "period": 4, "periodUnit": "wk", "count": 6}}}]}


def _bundle(*resources) -> dict:
    res = [{"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1970-01-01"},
           {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SN, "code": "89155008"}]}},
           {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": SN, "code": "233703007"}]}}, *resources]
    return {"resourceType": "Bundle", "id": "b1", "type": "collection", "entry": [{"resource": r} for r in res]}


def _drug(linter: Linter, data: dict) -> str:
    (m,) = map_fhir(data, source="t", vocab=linter.vocab, as_of=AS_OF)
    d = linter.vocab.resolve(m.data["orders"][0]["drug"]).drug
    return d.name if d is not None else m.data["orders"][0]["drug"]


def _findings(linter: Linter, data: dict) -> list[tuple[str, str]]:
    return sorted((f.code, f.severity) for r in lint_fhir(json.dumps(data), linter=linter, source="t.json") for f in r.findings)


@pytest.mark.parametrize("text, code, display, drug", [
    ("cyclophosphamide per protocol", "3002", None, "cyclophosphamide"),
    ("zzz", "3002", None, "cyclophosphamide"),
    (None, "3002", "cyclophosphamide per protocol", "cyclophosphamide"),
    ("per protocol", "8640", None, "prednisone"),
])
def test_a_verified_rxnorm_code_resolves_before_a_text_that_names_no_drug(fhir_linter, text, code, display, drug):
    # fhir.md 2.1: RxNorm codings resolve first, "Else the name". Before: OL002 warning, unchecked.
    data = _bundle(_mr({"medicationCodeableConcept": _cc(text, code, display)}))
    assert _drug(fhir_linter, data) == drug


def test_a_verified_code_with_a_qualified_text_is_checked_as_its_drug(fhir_linter):
    data = _bundle(_mr({"medicationCodeableConcept": _cc("cyclophosphamide per protocol", "3002")}))
    found = _findings(fhir_linter, data)
    assert ("ILD301", "error") in found and not any(c == "OL002" for c, _ in found)


def test_a_text_of_another_drug_than_the_verified_code_is_an_ol002_error(fhir_linter):
    data = _bundle(_mr({"medicationCodeableConcept": _cc("prednisone", "3002")}, dose=20, unit="mg", route="26643006",
                       timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}))
    assert ("OL002", "error") in _findings(fhir_linter, data)


def test_a_class_name_text_is_read_as_the_form_its_code_names(fhir_linter):
    # 'mycophenolate' with MMF's product code 200060 (500 mg tablet) is MMF, with the text's printed strength.
    data = _bundle(_mr({"medicationCodeableConcept": _cc("mycophenolate 500 MG Oral Tablet", "200060")},
                       dose=4, unit="{tbl}", route="26643006", timing={"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}))
    assert _drug(fhir_linter, data) == "mycophenolate mofetil"
    assert ("ILD501", "error") in _findings(fhir_linter, data)  # 4 x 500 mg twice a day = 4000 mg/day


def test_a_text_of_the_same_drug_keeps_the_route_its_name_states(fhir_linter):
    data = _bundle(_mr({"medicationCodeableConcept": _cc("tacrolimus 0.1 % Topical Ointment", "42316")}))
    (m,) = map_fhir(data, source="t", vocab=fhir_linter.vocab, as_of=AS_OF)
    assert m.data["orders"][0]["drug"] == "tacrolimus 0.1 % Topical Ointment"


def test_a_medication_whose_code_text_names_no_drug_is_its_coded_ingredient(fhir_linter):
    med = {"resourceType": "Medication", "id": "med1", "code": {"text": "CYC per protocol"},
           "ingredient": [{"itemCodeableConcept": _cc(None, "3002", "cyclophosphamide")}]}
    data = _bundle(_mr({"medicationReference": {"reference": "Medication/med1"}}), med)
    assert _drug(fhir_linter, data) == "cyclophosphamide"
    found = _findings(fhir_linter, data)
    assert ("ILD301", "error") in found and not any(c == "OL002" for c, _ in found)


def test_a_medication_with_two_coded_ingredients_stays_a_combination(fhir_linter):
    med = {"resourceType": "Medication", "id": "med1", "code": {"text": "CYC per protocol"},
           "ingredient": [{"itemCodeableConcept": _cc(None, "3002", "cyclophosphamide")},
                          {"itemCodeableConcept": _cc(None, "8640", "prednisone")}]}
    data = _bundle(_mr({"medicationReference": {"reference": "Medication/med1"}}), med)
    assert ("OL002", "error") in _findings(fhir_linter, data)


# ---------------------------------------------------------------- frequencies
@pytest.mark.parametrize("text, per_day", [
    ("bd", 2.0), ("BD", 2.0), ("b.d.", 2.0), ("tds", 3.0), ("T.D.S.", 3.0), ("qds", 4.0),
    ("nocte", 1.0), ("mane", 1.0), ("qam", 1.0), ("qpm", 1.0), ("qhs", 1.0), ("nightly", 1.0), ("od", 1.0),
])
def test_uk_and_time_of_day_abbreviations_are_frequencies(text, per_day):
    from orderlint.normalize import parse_frequency

    assert parse_frequency(text) == (per_day, False)


def test_a_direction_typed_into_the_drug_field_is_no_part_of_its_name(linter):
    assert linter.vocab.drug("sildenafil 20 mg TDS").name == "sildenafil"


# ---------------------------------------------------------------- site names
@pytest.mark.parametrize("table, fragment", [
    ({"prednisone taper": "prednisone taper"}, "holds 'prednisone', a drug the rules check, so it cannot be a new co-medication"),
    ({"CYC pulse": "ondansetron"}, "holds 'cyc' (cyclophosphamide), a drug the rules check, so it cannot be 'ondansetron'"),
])
def test_a_site_name_holding_a_checked_drug_cannot_hide_it(table, fragment):
    from orderlint.vocabulary import VocabularyError

    v = Linter().vocab
    with pytest.raises(VocabularyError) as e:
        v.add_site_names(table, "pyproject.toml")
    assert fragment in str(e.value)


def test_a_site_name_holding_its_own_drug_or_its_class_is_accepted():
    v = Linter().vocab
    v.add_site_names({"CYC pulse": "cyclophosphamide", "mycophenolate regimen xyz": "mycophenolate mofetil",
                      "herbal tea": "herbal tea"}, "pyproject.toml")
    assert v.drug("CYC pulse").name == "cyclophosphamide"
    assert v.drug("mycophenolate regimen xyz").name == "mycophenolate mofetil"


def test_a_plugin_name_holding_a_checked_drug_is_refused():
    from orderlint.vocabulary import VocabularyError

    v = Linter().vocab
    with pytest.raises(VocabularyError, match="holds the name of 'prednisone', a drug the rules check"):
        v.refuse_misreadings({"prednisone taper": {"classes": []}}, "evil-pack")
    v.refuse_misreadings({"zorblatinib": {"classes": [], "aliases": ["zorb"]}}, "good-pack")  # names no other drug


@pytest.mark.parametrize("text, per_day", [
    ("twice a day", 2.0), ("Twice a day", 2.0), ("every 12 hours", 2.0), ("12 hourly", 2.0), ("12-hourly", 2.0),
    ("three times a day", 3.0), ("every 8 hours", 3.0), ("8 hourly", 3.0), ("four times a day", 4.0),
    ("6 hourly", 4.0), ("every 24 hours", 1.0), ("once a day", 1.0), ("om", 1.0), ("ON", 1.0),
    ("eod", 0.5), ("alt die", 0.5), ("alt. die", 0.5), ("every week", 1 / 7), ("once a week", 1 / 7),
    ("every 2 weeks", 1 / 14), ("every 4 weeks", 1 / 28), ("q28d", 1 / 28),
])
def test_written_out_and_uk_frequencies_are_frequencies(text, per_day):
    from orderlint.normalize import parse_frequency

    assert parse_frequency(text) == (per_day, False)


@pytest.mark.parametrize("text", ["bd x 7 days", "every 0 hours", "200 hourly", "twice a day for 2 weeks"])
def test_a_frequency_with_a_duration_or_out_of_range_stays_unknown(text):
    from orderlint.normalize import parse_frequency

    assert parse_frequency(text) == (None, False)


# ------------------------------------------- a checked drug named only by a coding (review 6a-7)
NDC = "http://hl7.org/fhir/sid/ndc"


def _ol002(linter: Linter, data: dict) -> list[tuple[str, str]]:
    return [(f.severity, f.message) for r in lint_fhir(json.dumps(data), linter=linter, source="t.json")
            for f in r.findings if f.code == "OL002"]


def test_an_ndc_display_of_a_checked_drug_beside_an_unknown_text_is_an_ol002_error(fhir_linter):
    cc = {"text": "chemo per protocol", "coding": [{"system": NDC, "code": "0015-0539-41", "display": "Cytoxan 1 g"}]}
    ((severity, message),) = _ol002(fhir_linter, _bundle(_mr({"medicationCodeableConcept": cc})))
    assert severity == "error" and "'Cytoxan 1 g' names cyclophosphamide" in message
    assert _drug(fhir_linter, _bundle(_mr({"medicationCodeableConcept": cc}))) == "chemo per protocol"  # not resolved


def test_a_u_tagged_rxnorm_code_of_a_checked_drug_beside_an_unknown_text_is_an_ol002_error(fhir_linter):
    cc = _cc("IL-6 blocker per protocol", "612865")
    ((severity, message),) = _ol002(fhir_linter, _bundle(_mr({"medicationCodeableConcept": cc}, dose=162, unit="mg")))
    assert severity == "error" and "RxNorm 612865 (tag U) names tocilizumab" in message


def test_a_medication_ingredient_display_of_a_checked_drug_is_an_ol002_error(fhir_linter):
    med = {"resourceType": "Medication", "id": "med1", "code": {"text": "chemo per protocol"},
           "ingredient": [{"itemCodeableConcept": {"coding": [{"system": NDC, "code": "1", "display": "Cytoxan"}],
                                                   "text": "study kit"}}]}
    data = _bundle(_mr({"medicationReference": {"reference": "Medication/med1"}}), med)
    assert [s for s, _m in _ol002(fhir_linter, data)] == ["error"]


@pytest.mark.parametrize("display, route", [("Benadryl 25 mg", "47625008"), ("hydrocortisone 1 % cream", "6064005")])
def test_a_coding_that_names_no_checked_drug_by_the_orders_route_leaves_a_warning(fhir_linter, display, route):
    cc = {"text": "per protocol", "coding": [{"system": NDC, "code": "1", "display": display}]}
    assert [s for s, _m in _ol002(fhir_linter, _bundle(_mr({"medicationCodeableConcept": cc}, route=route)))] == ["warning"]


def test_an_unknown_name_with_a_u_tagged_rxcui_of_a_checked_drug_is_an_error(linter):
    assert linter.vocab.code("1193326").tag == "U"  # ruxolitinib, unverified in the vocabulary
    message, is_error = linter.vocab.unknown_drug("JAK blocker per protocol", linter.checked_drugs, rxcui="1193326")
    assert is_error and "rxcui 1193326 is ruxolitinib" in message


@pytest.mark.parametrize("name, strength", [
    ("atovaquone 750 mg/5 mL oral suspension", (150.0, "mg", "ml")),
    ("prednisolone 15 mg/5 mL oral solution", (3.0, "mg", "ml")),
    ("atovaquone 150 mg/mL oral suspension", (150.0, "mg", "ml")),
    ("methotrexate 25 mg/2 tab", None),  # per a quantity of pieces: not read
])
def test_a_strength_per_some_ml_is_read_per_ml(linter, name, strength):
    # '750 mg/5 mL', a suspension's label, was no strength: atovaquone 10 mL a day was OL003 and, its
    # amount unknown, no prophylaxis.
    assert linter.vocab.resolve(name).printed_strength == strength
