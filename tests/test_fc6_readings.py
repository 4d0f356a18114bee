"""Readings that let a regimen pass unchecked: routes as order entry writes them, route
abbreviations in product names, and a product description printing two strengths."""

from __future__ import annotations

import pytest

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.normalize import _route
from conftest import vocabulary_pack
from regimen_factory import clean_patient, mmf, none_of, only, order


@pytest.mark.parametrize("written, route", [
    ("orally", "oral"),  # regimen-format.md lists it beside po and by mouth; it was an unknown route
    ("Oral route", "oral"),  # as SNOMED CT displays name routes
    ("intravenously", "iv"), ("IV infusion", "iv"), ("iv push", "iv"), ("IVP", "iv"), ("IV piggyback", "iv"),
    ("IV drip", "iv"), ("Intravenous route", "iv"), ("intravenous infusion", "iv"),
    ("subcutaneously", "sc"), ("SC injection", "sc"), ("Subcutaneous route", "sc"),
    ("intramuscularly", "im"), ("IM injection", "im"),
])
def test_routes_as_order_entry_writes_them(written, route):
    # regimen-format.md 2nd ed., orders[].route: "`oral` (`po`, `by mouth`, `orally`)"; the others are
    # the same routes as order entry and SNOMED CT displays write them.
    assert _route(written) == route


@pytest.mark.parametrize("written", ["infusion", "route", "injection", "iv or po"])
def test_a_route_that_names_no_one_route_stays_unknown(written):
    # 'infusion' may be subcutaneous; 'injection' any of three: unknown (OL003), never guessed.
    assert _route(written) is None


@pytest.mark.parametrize("name, route", [
    ("Actemra IV", "iv"), ("tocilizumab SC", "sc"), ("methylprednisolone IM", "im"), ("Solu-Medrol IV", "iv"),
])
def test_a_route_abbreviated_in_a_product_name_is_the_route_it_states(name, route):
    assert Linter().vocab.resolve(name).route == route


def test_an_order_by_iv_infusion_of_tocilizumab_is_ild103():
    doc = clean_patient(order("tocilizumab", 8, "mg/kg", "IV infusion", "q4w", id="tcz"))
    result = Linter().lint_data(doc)
    only(result, "ILD103")


@pytest.mark.parametrize("name, strength", [
    ("mycophenolate mofetil 250 MG Oral Capsule [CellCept 250 MG]", 250.0),
    ("mycophenolate mofetil 250 MG Oral Capsule [CellCept 0.25 g]", 250.0),
    ("mycophenolate mofetil 250 MG Oral Capsule [CellCept]", 250.0),
    ("mycophenolate mofetil 250 MG Oral Capsule [CellCept 500 MG]", None),
    ("mycophenolate mofetil 250 MG Oral Capsule [CellCept 1,000 MG]", None),
    # RxNorm writes a salt's or base's weight of the same dose in parentheses: no second strength.
    ("mycophenolic acid 360 MG (as mycophenolate sodium 384 MG) Delayed Release Oral Tablet", 360.0),
    ("hydroxychloroquine sulfate 200 MG (155 MG base) Oral Tablet", 200.0),
])
def test_a_bracketed_note_printing_another_strength_leaves_none_printed(name, strength):
    printed = Linter().vocab.resolve(name).printed_strength
    assert (printed[0] if printed else None) == strength


def test_a_capsule_dose_of_a_description_with_two_strengths_is_ol003_not_a_pass():
    # Read as 250 mg a capsule, 6 capsules bid was 3000 mg/day, at the maximum; at 500 mg it is 6000.
    doc = clean_patient(order("mycophenolate mofetil 250 MG Oral Capsule [CellCept 500 MG]", 6, "capsule", "oral", "bid",
                              id="mmf"))
    result = Linter().lint_data(doc)
    [f] = only(result, "OL003")
    assert "needs `strength`" in f.message
    none_of(result, "ILD501")
    # The order's own strength decides: 500 mg a capsule is 6000 mg/day.
    doc["orders"][0]["strength"] = {"value": 500, "unit": "mg"}
    only(Linter().lint_data(doc), "ILD501")


# --------------------------------------------------------------------------- vocabulary by_route
_vocab_pack = vocabulary_pack


@pytest.mark.parametrize("route, name, reads_as", [
    ("iv", "Hizentra", "immune globulin"), ("IV infusion", "scig", "immune globulin"),
    ("sc", "Hizentra", "immune globulin subcutaneous"), ("oral", "Cuvitru", "immune globulin subcutaneous"),
])
def test_an_ingredient_given_by_a_stated_route_reads_as_another(route, name, reads_as):
    from orderlint.normalize import normalize
    from orderlint.validate import validate

    linter = Linter()
    doc, _ = validate(clean_patient(order(name, 1, "g/kg", route, "q4w", id="ig")), linter.vocab)
    reg, _ = normalize(doc, linter.vocab, as_of=doc.as_of, lookback_days=linter._lookback, plan=linter._plan)
    assert reg.orders[0].drug.name == reads_as


@pytest.mark.parametrize("entry, fragment", [
    ({"classes": [], "by_route": {"topical": "immune globulin"}}, "only a systemic route"),
    ({"classes": [], "by_route": {"iv": "no such ingredient"}}, "is no ingredient of the vocabulary"),
])
def test_a_by_route_that_could_not_be_read_is_a_load_error(entry, fragment):
    from orderlint.engine import PluginLoadError

    with pytest.raises(PluginLoadError, match=fragment):
        Linter(plugins=[_vocab_pack({"zz local globulin": entry})])


def test_a_plugin_changing_a_by_route_is_a_load_error():
    # A fact of the SSc-ILD pack: taken away, Hizentra by IV passed again.
    from orderlint.engine import PluginLoadError

    with pytest.raises(PluginLoadError, match="by_route"):
        Linter(plugins=[_vocab_pack({"immune globulin subcutaneous": {"classes": [], "by_route": {"iv": "prednisone"}}})])


# --------------------------------------------------------------------------- weight and height together
@pytest.mark.parametrize("weight, height, age, used", [
    (7.5, 175, 50, False),  # 75 kg meant: BMI 2.4
    (0.5, 30, 0, True),  # a preterm infant: BMI 5.6
    (0.3, 28, 0, True),  # the least weight read, at a preterm length: BMI 3.8
    (2.5, 90, 0, False),  # BMI 3.1, below even a preterm infant's
    (75, 40, 50, False),  # 140 cm meant: BMI 469
    (30, 160, 50, True),  # BMI 11.7: a very thin adult, read
    (24.5, 175, 50, True),  # BMI 8.0, the lower bound from one year of age
    (24.2, 175, 50, False),  # BMI 7.9
    (12, 178, 58, False),  # an adult of 12 kg (BMI 3.8): read, 750 mg/m2 of rituximab passed
    (120, 150, 50, True),
])
def test_a_weight_and_height_that_cannot_go_together_are_not_used(weight, height, age, used):
    patient = {"sex": "male", "weight_kg": weight, "height_cm": height}
    if age is not None:
        patient["age_years"] = age
    doc = clean_patient(order("mycophenolate mofetil", 40, "mg/kg", "oral", "bid", id="mmf"), patient=patient)
    result = Linter().lint_data(doc)
    if used:
        none_of(result, "OL003")
    else:
        [f] = only(result, "OL003")
        assert "body-mass index" in f.message and "neither is used" in f.message
        none_of(result, "ILD502")  # 40 mg/kg of 7.5 kg read as 600 mg/day, below the range: info only


# --------------------------------------------------------------------------- active orders that start later
def _rtx(status: str, start: str) -> dict:
    return order("rituximab", 1000, "mg", "iv", "once", id="rtx", status=status, start=start)


@pytest.mark.parametrize("history", [
    [],  # never taken: an 'active' order starting next month is a start
    [{"drug": "rituximab", "start": "2025-09-01", "stop": "2025-09-15", "outcome": "stable"}],  # the next cycle
    [{"drug": "rituximab", "start": "2021-02-01", "outcome": "intolerance"}],  # a restart after years
])
def test_an_active_order_starting_later_is_a_start_unless_an_order_of_the_drug_is_taken_now(history):
    # regimen-format.md 2nd ed., orders[].status: "`active` = already being taken and continuing".
    # History is prior therapy: a drug only there is started again, and its screening asked again.
    doc = clean_patient(_rtx("active", "2026-03-16"), tests=[], history=history)
    assert "ILD402" in {f.code for f in Linter().lint_data(doc).findings}  # hbv screening of a started rituximab
    # Beside an order of rituximab taken now, the later one is its next step: no start.
    doc = clean_patient(_rtx("active", "2026-03-16"), order("rituximab", 1000, "mg", "iv", "once", id="now", status="active",
                                                             start="2026-02-16"), tests=[], history=history)
    assert "ILD402" not in {f.code for f in Linter().lint_data(doc).findings}


def test_a_later_taper_step_of_a_glucocorticoid_taken_now_is_no_new_glucocorticoid():
    # Prednisone 20 mg taken now, then 15 and 10 mg steps active from later dates: read as new, the
    # steps fired ILD201 (a glucocorticoid started first-line) while the current 20 mg did not.
    doc = clean_patient(
        mmf(status="active", start="2025-01-01"),
        order("prednisone", 20, "mg", "oral", "daily", id="p20", status="active", start="2026-01-01", duration={"value": 10, "unit": "wk"}),
        order("prednisone", 15, "mg", "oral", "daily", id="p15", status="active", start="2026-03-12", duration={"value": 4, "unit": "wk"}),
        order("prednisone", 10, "mg", "oral", "daily", id="p10", status="active", start="2026-04-09"),
    )
    none_of(Linter().lint_data(doc), "ILD201")


@pytest.mark.parametrize("earlier_start, started", [
    ("2025-11-30", True),   # its one day ended 92 days before as_of: more than the 90-day look-back, a restart
    ("2025-12-01", False),  # 91 days: within the window, the next step of what is being taken
    ("2025-01-01", True),
])
def test_an_active_order_of_the_drug_that_ended_long_ago_does_not_make_a_later_one_a_continuation(earlier_start, started):
    # regimen-format.md 2nd ed., orders[].status: "`active` = already being taken and continuing".
    # Rituximab of last year, still marked active, made this year's cycle its continuation: read as
    # active, ILD402 (the boxed-warning hbv screening) never asked.
    doc = clean_patient(_rtx("active", "2026-04-01"), order("rituximab", 1000, "mg", "iv", "once", id="old", status="active",
                                                             start=earlier_start), tests=[])
    assert ("ILD402" in {f.code for f in Linter().lint_data(doc).findings}) is started


def test_the_site_default_look_back_window_decides_how_long_ago():
    doc = clean_patient(_rtx("active", "2026-04-01"), order("rituximab", 1000, "mg", "iv", "once", id="old", status="active",
                                                             start="2025-11-30"), tests=[])
    none_of(Linter(Settings(lookback_days={"default": 180})).lint_data(doc), "ILD402")  # 92 days: within 180
    only(Linter(Settings(lookback_days={"default": 30})).lint_data(doc), "ILD402")
