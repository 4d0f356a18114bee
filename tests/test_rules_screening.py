"""Baseline screening: ILD401-ILD407 (rules.md, "Baseline screening"; test windows from regimen-format.md).

New orders only; one finding per order, naming every missing test.
"""

from __future__ import annotations

import pytest

from regimen_factory import (
    bactrim,
    clean_patient,
    cyclophosphamide_iv,
    lint,
    mmf,
    none_of,
    only,
    order,
    order_set,
    progression,
    resulted,
    rituximab,
    test_item,
    with_history,
    with_tests,
)

INFLIXIMAB_Q8W = {"frequency": 1, "period": 8, "period_unit": "wk"}

# --------------------------------------------------------------------------- ILD401 baseline-labs-missing

#: (id, order, required tests) from rules.md
REQUIRED_LABS = [
    ("mmf", mmf(id="x"), ["cbc", "lft"]),
    ("mpa", order("Myfortic", 720, "mg", "oral", "bid", id="x"), ["cbc", "lft"]),
    ("azathioprine", order("azathioprine", 2, "mg/kg", id="x"), ["cbc", "lft"]),
    ("cyclophosphamide", cyclophosphamide_iv(id="x"), ["cbc", "renal", "urinalysis"]),
    ("tocilizumab", order("tocilizumab", 162, "mg", "sc", "weekly", id="x"), ["cbc", "lft"]),
    ("rituximab", rituximab(id="x"), ["cbc"]),
    ("nintedanib", order("nintedanib", 150, "mg", "oral", "bid", id="x"), ["lft"]),
    ("pirfenidone", order("pirfenidone", 801, "mg", "oral", "tid", id="x"), ["lft"]),
    ("methotrexate", order("methotrexate", 15, "mg", "oral", "weekly", id="x"), ["cbc", "lft", "renal"]),
    ("leflunomide", order("leflunomide", 20, id="x"), ["cbc", "lft"]),
    ("tofacitinib", order("tofacitinib", 5, "mg", "oral", "bid", id="x"), ["cbc", "lft"]),
    ("tacrolimus", order("tacrolimus", 1, "mg", "oral", "bid", id="x"), ["renal"]),
]
ALL_LABS = ["cbc", "lft", "renal", "urinalysis"]


def plus_prophylaxis(o):
    return [o, bactrim()] if o["drug"] == "cyclophosphamide" else [o]


@pytest.mark.parametrize("name, the_order, required", REQUIRED_LABS, ids=[r[0] for r in REQUIRED_LABS])
def test_ild401_names_every_missing_required_test(name, the_order, required):
    result = lint(clean_patient(*plus_prophylaxis(the_order), drop=ALL_LABS))
    [f] = only(result, "ILD401")
    assert f.order == "x"
    assert f.pointer == "/orders/0/drug"
    assert f.severity == "warning"
    assert the_order["drug"] in f.message
    for t in required:
        assert t in f.message.lower()
    for t in set(ALL_LABS) - set(required):
        assert t not in f.message.lower()


@pytest.mark.parametrize("name, the_order, required", REQUIRED_LABS, ids=[r[0] for r in REQUIRED_LABS])
def test_ild401_one_missing_test_is_enough(name, the_order, required):
    result = lint(clean_patient(*plus_prophylaxis(the_order), drop=[required[-1]]))
    [f] = only(result, "ILD401")
    assert required[-1] in f.message.lower()


@pytest.mark.parametrize("name, the_order, required", REQUIRED_LABS, ids=[r[0] for r in REQUIRED_LABS])
def test_ild401_does_not_fire_when_the_tests_are_ordered(name, the_order, required):
    result = lint(clean_patient(*plus_prophylaxis(the_order), drop=sorted(set(ALL_LABS) - set(required))))
    none_of(result, "ILD401")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild401_new_orders_only(status):
    none_of(lint(clean_patient(mmf(status=status), drop=ALL_LABS)), "ILD401")


def test_ild401_not_for_drugs_without_required_labs():
    none_of(lint(clean_patient(order("omeprazole", 20), drop=ALL_LABS)), "ILD401")


def test_ild401_one_finding_per_order():
    doc = clean_patient(mmf(id="a"), order("nintedanib", 150, "mg", "oral", "bid", id="b"), drop=ALL_LABS)
    assert sorted(f.order for f in only(lint(doc), "ILD401", 2)) == ["a", "b"]


@pytest.mark.parametrize("days_ago, counts", [(0, True), (1, True), (90, True), (91, False), (400, False)])
def test_ild401_cbc_default_90_day_window(days_ago, counts):
    doc = resulted(clean_patient(mmf(id="mmf")), "cbc", days_ago)
    result = lint(doc)
    if counts:
        none_of(result, "ILD401")
    else:
        [f] = only(result, "ILD401")
        assert "cbc" in f.message.lower() and "lft" not in f.message.lower()


def test_ild401_cmp_counts_as_lft_and_renal():
    doc = with_tests(clean_patient(mmf(), drop=["lft", "renal"]), test_item("CMP", 10))
    none_of(lint(doc), "ILD401")
    doc = with_tests(clean_patient(order("methotrexate", 15, "mg", "oral", "weekly"), drop=["lft", "renal"]), test_item("cmp", 10))
    none_of(lint(doc), "ILD401")


@pytest.mark.parametrize("alias", ["CBC with differential", "FBC"])
def test_ild401_test_aliases(alias):
    doc = with_tests(clean_patient(mmf(), drop=["cbc"]), test_item(alias, 5))
    none_of(lint(doc), "ILD401")


@pytest.mark.parametrize("alias", ["liver panel", "Hepatic Panel", "ALT/AST"])
def test_ild401_lft_aliases(alias):
    doc = with_tests(clean_patient(mmf(), drop=["lft"]), test_item(alias))
    none_of(lint(doc), "ILD401")


@pytest.mark.parametrize("days_ago, counts", [(30, True), (31, False)])
def test_ild401_configurable_window(days_ago, counts):
    doc = resulted(clean_patient(mmf()), "cbc", days_ago)
    result = lint(doc, config={"lookback-days": {"cbc": 30}})
    assert (not result.findings) is counts


def test_ild401_in_an_order_set():
    [f] = only(lint(order_set(mmf(id="mmf"), drop=["cbc"])), "ILD401")
    assert f.order == "mmf"


# --------------------------------------------------------------------------- ILD402 boxed-warning-screening-missing

BOXED = [
    ("rituximab", rituximab(id="x"), "hbv"),
    ("Truxima", order("Truxima", 1000, "mg", "iv", "q2w", id="x", doses=2), "hbv"),
    ("tocilizumab", order("tocilizumab", 162, "mg", "sc", "weekly", id="x"), "tb"),
    ("adalimumab", order("adalimumab", 40, "mg", "sc", "q2w", id="x"), "tb"),
    ("infliximab", order("infliximab", 5, "mg/kg", "iv", INFLIXIMAB_Q8W, id="x"), "tb"),
    ("tofacitinib", order("tofacitinib", 5, "mg", "oral", "bid", id="x"), "tb"),
    ("baricitinib", order("baricitinib", 4, id="x"), "tb"),
]


@pytest.mark.parametrize("name, the_order, test", BOXED, ids=[b[0] for b in BOXED])
def test_ild402_fires_without_boxed_warning_screening(name, the_order, test):
    result = lint(clean_patient(the_order, drop=[test]))
    [f] = only(result, "ILD402")
    assert f.order == "x"
    assert f.pointer == "/orders/0/drug"
    assert f.severity == "error"
    assert the_order["drug"] in f.message
    assert test in f.message.lower()


@pytest.mark.parametrize("name, the_order, test", BOXED, ids=[b[0] for b in BOXED])
def test_ild402_does_not_fire_with_screening(name, the_order, test):
    none_of(lint(clean_patient(the_order)), "ILD402")


def test_ild402_rituximab_hbv_is_not_also_ild403():
    result = lint(clean_patient(rituximab(), drop=["hbv"]))
    only(result, "ILD402")
    none_of(result, "ILD403")


def test_ild402_rituximab_does_not_need_tb():
    none_of(lint(clean_patient(rituximab(), drop=["tb"])), "ILD402")


@pytest.mark.parametrize("days_ago, counts", [(90, True), (91, False)])
def test_ild402_hbv_window(days_ago, counts):
    result = lint(resulted(clean_patient(rituximab()), "hbv", days_ago))
    assert bool([f for f in result.findings if f.code == "ILD402"]) is not counts


@pytest.mark.parametrize("alias", ["QuantiFERON", "IGRA", "T-SPOT", "TST", "PPD"])
def test_ild402_tb_aliases(alias):
    doc = with_tests(clean_patient(order("tocilizumab", 162, "mg", "sc", "weekly"), drop=["tb"]), test_item(alias, 10))
    none_of(lint(doc), "ILD402")


@pytest.mark.parametrize("alias", ["HBsAg", "anti-HBc", "hepatitis B serology"])
def test_ild402_hbv_aliases(alias):
    doc = with_tests(clean_patient(rituximab(), drop=["hbv"]), test_item(alias, 10))
    none_of(lint(doc), "ILD402")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild402_new_orders_only(status):
    none_of(lint(clean_patient(mmf(), rituximab(status=status), drop=["hbv"])), "ILD402")


# --------------------------------------------------------------------------- ILD403 infection-screening-missing

OTHER_IMMUNOSUPPRESSANTS = [
    ("mmf", mmf(id="x")),
    ("mpa", order("mycophenolic acid", 720, "mg", "oral", "bid", id="x")),
    ("azathioprine", order("azathioprine", 2, "mg/kg", id="x")),
    ("cyclophosphamide", cyclophosphamide_iv(id="x")),
    ("tocilizumab", order("tocilizumab", 162, "mg", "sc", "weekly", id="x")),
    ("adalimumab", order("adalimumab", 40, "mg", "sc", "q2w", id="x")),
    ("tofacitinib", order("tofacitinib", 5, "mg", "oral", "bid", id="x")),
    ("tacrolimus", order("tacrolimus", 1, "mg", "oral", "bid", id="x")),
    ("leflunomide", order("leflunomide", 20, id="x")),
    ("methotrexate", order("methotrexate", 15, "mg", "oral", "weekly", id="x")),
    ("abatacept", order("abatacept", 125, "mg", "sc", "weekly", id="x")),
]


@pytest.mark.parametrize("name, the_order", OTHER_IMMUNOSUPPRESSANTS, ids=[o[0] for o in OTHER_IMMUNOSUPPRESSANTS])
def test_ild403_fires_without_hbv(name, the_order):
    result = lint(clean_patient(*plus_prophylaxis(the_order), drop=["hbv"]))
    [f] = only(result, "ILD403")
    assert f.order == "x"
    assert f.pointer == "/orders/0/drug"
    assert f.severity == "warning"
    assert the_order["drug"] in f.message
    assert "hbv" in f.message.lower()


@pytest.mark.parametrize("name, the_order", OTHER_IMMUNOSUPPRESSANTS, ids=[o[0] for o in OTHER_IMMUNOSUPPRESSANTS])
def test_ild403_does_not_fire_with_hbv(name, the_order):
    none_of(lint(clean_patient(*plus_prophylaxis(the_order))), "ILD403")


def test_ild403_abatacept_also_needs_tb():
    ab = order("Orencia", 125, "mg", "sc", "weekly", id="aba")
    [f] = only(lint(clean_patient(ab, drop=["tb"])), "ILD403")
    assert f.order == "aba" and "tb" in f.message.lower() and "hbv" not in f.message.lower()
    [f] = only(lint(clean_patient(ab, drop=["tb", "hbv"])), "ILD403")  # one finding naming both
    assert "tb" in f.message.lower() and "hbv" in f.message.lower()


def test_ild403_other_immunosuppressants_do_not_need_tb():
    none_of(lint(clean_patient(mmf(), drop=["tb"])), "ILD403")


@pytest.mark.parametrize(
    "the_order",
    [order("nintedanib", 150, "mg", "oral", "bid"), order("omeprazole", 20), rituximab()],
    ids=["nintedanib", "omeprazole", "rituximab"],
)
def test_ild403_not_for_non_immunosuppressants_or_rituximab(the_order):
    none_of(lint(clean_patient(the_order, drop=["hbv"])), "ILD403")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild403_new_orders_only(status):
    none_of(lint(clean_patient(mmf(status=status), drop=["hbv"])), "ILD403")


# --------------------------------------------------------------------------- ILD404 pregnancy-test-missing

TERATOGENS = [
    ("mmf", mmf(id="x")),
    ("CellCept", order("CellCept", 1000, "mg", "oral", "bid", id="x")),
    ("mpa", order("Myfortic", 720, "mg", "oral", "bid", id="x")),
    ("cyclophosphamide", cyclophosphamide_iv(id="x")),
    ("nintedanib", order("nintedanib", 150, "mg", "oral", "bid", id="x")),
    ("leflunomide", order("leflunomide", 20, id="x")),
    ("methotrexate", order("methotrexate", 15, "mg", "oral", "weekly", id="x")),
]
FEMALE = {"sex": "female"}


@pytest.mark.parametrize("name, the_order", TERATOGENS, ids=[t[0] for t in TERATOGENS])
def test_ild404_fires_for_teratogen_without_pregnancy_test(name, the_order):
    result = lint(clean_patient(*plus_prophylaxis(the_order), patient=FEMALE, drop=["pregnancy"]))
    [f] = only(result, "ILD404")
    assert f.order == "x"
    assert f.pointer == "/orders/0/drug"
    assert f.severity == "error"
    assert the_order["drug"] in f.message


@pytest.mark.parametrize(
    "the_order",
    [order("azathioprine", 2, "mg/kg"), rituximab(), order("tocilizumab", 162, "mg", "sc", "weekly")],
    ids=["azathioprine", "rituximab", "tocilizumab"],
)
def test_ild404_not_for_other_drugs(the_order):
    none_of(lint(clean_patient(the_order, patient=FEMALE, drop=["pregnancy"])), "ILD404")


@pytest.mark.parametrize(
    "patient, fires",
    [
        ({"sex": "male"}, False),
        ({"sex": "female", "reproductive_potential": False}, False),
        ({"sex": "female"}, True),
        ({"sex": "unknown"}, True),
        ({"sex": "other"}, True),
        ({"sex": None}, True),
        ({"sex": "male", "reproductive_potential": True}, True),
        ({"sex": "female", "reproductive_potential": True}, True),
    ],
    ids=["male", "female-no-potential", "female", "unknown", "other", "sex-absent", "male-with-potential", "female-with-potential"],
)
def test_ild404_reproductive_potential(patient, fires):
    result = lint(clean_patient(mmf(id="mmf"), patient=patient, drop=["pregnancy"]))
    if fires:
        assert only(result, "ILD404")[0].order == "mmf"
    else:
        none_of(result, "ILD404")


def test_ild404_fires_in_an_order_set():
    [f] = only(lint(order_set(mmf(id="mmf"), drop=["pregnancy"])), "ILD404")
    assert f.order == "mmf"


def test_ild404_fires_in_an_order_set_even_with_a_male_patient_object():
    doc = order_set(mmf(id="mmf"), drop=["pregnancy"])
    doc["patient"] = {"sex": "male"}
    only(lint(doc), "ILD404")


def test_ild404_not_in_order_set_with_pregnancy_test_ordered():
    none_of(lint(order_set(mmf())), "ILD404")


@pytest.mark.parametrize("days_ago, counts", [(0, True), (14, True), (15, False)])
def test_ild404_pregnancy_window_14_days(days_ago, counts):
    doc = resulted(clean_patient(mmf(), patient=FEMALE), "pregnancy", days_ago)
    result = lint(doc)
    if counts:
        none_of(result, "ILD404")
    else:
        only(result, "ILD404")


@pytest.mark.parametrize("days_ago, counts", [(7, True), (8, False)])
def test_ild404_configurable_pregnancy_window(days_ago, counts):
    doc = resulted(clean_patient(mmf(), patient=FEMALE), "pregnancy", days_ago)
    result = lint(doc, config={"lookback-days": {"pregnancy": 7}})
    assert (not [f for f in result.findings if f.code == "ILD404"]) is counts


@pytest.mark.parametrize("alias", ["hCG", "beta-hCG", "pregnancy test"])
def test_ild404_pregnancy_aliases(alias):
    doc = with_tests(clean_patient(mmf(), patient=FEMALE, drop=["pregnancy"]), test_item(alias, 3))
    none_of(lint(doc), "ILD404")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild404_new_orders_only(status):
    none_of(lint(clean_patient(mmf(status=status), patient=FEMALE, drop=["pregnancy"])), "ILD404")


def test_ild404_one_finding_per_order():
    doc = clean_patient(mmf(id="a"), order("nintedanib", 150, "mg", "oral", "bid", id="b"), patient=FEMALE, drop=["pregnancy"])
    assert sorted(f.order for f in only(lint(doc), "ILD404", 2)) == ["a", "b"]


# --------------------------------------------------------------------------- ILD405 baseline-imaging-missing


@pytest.mark.parametrize("missing", [["hrct"], ["pft"], ["hrct", "pft"]])
def test_ild405_fires_first_line_without_imaging(missing):
    result = lint(clean_patient(mmf(), drop=missing))
    [f] = only(result, "ILD405")
    assert f.order is None
    assert f.severity == "warning"
    assert "mycophenolate" in f.message
    for t in missing:
        assert t in f.message.lower()


def test_ild405_one_finding_per_document():
    doc = clean_patient(mmf(), order("nintedanib", 150, "mg", "oral", "bid", id="nin"), rituximab(), drop=["hrct", "pft"])
    [f] = only(lint(doc), "ILD405")
    assert f.order is None


@pytest.mark.parametrize(
    "the_order",
    [
        order("nintedanib", 150, "mg", "oral", "bid"),
        order("pirfenidone", 801, "mg", "oral", "tid"),
        rituximab(),
        order("tocilizumab", 162, "mg", "sc", "weekly"),
        order("azathioprine", 2, "mg/kg"),
    ],
    ids=["nintedanib", "pirfenidone", "rituximab", "tocilizumab", "azathioprine"],
)
def test_ild405_fires_for_immunosuppressants_and_antifibrotics(the_order):
    only(lint(clean_patient(the_order, drop=["hrct"])), "ILD405")


def test_ild405_only_first_line():
    none_of(lint(progression(clean_patient(mmf(), drop=["hrct", "pft"]))), "ILD405")
    doc = with_history(clean_patient(mmf(), indication={"phase": None}, drop=["hrct", "pft"]), "azathioprine", "progression")
    none_of(lint(doc), "ILD405")


def test_ild405_not_for_purpose_other():
    doc = clean_patient(order("methotrexate", 15, "mg", "oral", "weekly", purpose="other"), drop=["hrct", "pft"])
    none_of(lint(doc), "ILD405")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild405_new_orders_only(status):
    none_of(lint(clean_patient(mmf(status=status), drop=["hrct", "pft"])), "ILD405")


def test_ild405_not_for_non_ild_drugs():
    none_of(lint(clean_patient(order("omeprazole", 20), drop=["hrct", "pft"])), "ILD405")


@pytest.mark.parametrize("test, days_ago, counts", [("hrct", 365, True), ("hrct", 366, False), ("pft", 180, True), ("pft", 181, False)])
def test_ild405_imaging_windows(test, days_ago, counts):
    result = lint(resulted(clean_patient(mmf()), test, days_ago))
    if counts:
        none_of(result, "ILD405")
    else:
        [f] = only(result, "ILD405")
        assert test in f.message.lower()


@pytest.mark.parametrize("alias, drops", [("CT chest", "hrct"), ("HRCT chest", "hrct"), ("spirometry", "pft"), ("DLCO", "pft"), ("pulmonary function tests", "pft")])
def test_ild405_aliases(alias, drops):
    doc = with_tests(clean_patient(mmf(), drop=[drops]), test_item(alias, 30))
    none_of(lint(doc), "ILD405")


# --------------------------------------------------------------------------- ILD406 tpmt-missing

AZA = order("azathioprine", 2, "mg/kg", id="aza")


def test_ild406_fires_without_tpmt():
    result = lint(clean_patient(AZA, drop=["tpmt"]))
    [f] = only(result, "ILD406")
    assert f.order == "aza"
    assert f.pointer == "/orders/0/drug"
    assert f.severity == "warning"
    assert "azathioprine" in f.message


def test_ild406_fires_for_brand():
    assert "Imuran" in only(lint(clean_patient(order("Imuran", 100, "mg", id="aza"), drop=["tpmt"])), "ILD406")[0].message


@pytest.mark.parametrize("date", ["2015-06-01", "2025-12-31"])
def test_ild406_tpmt_result_of_any_date_counts(date):
    doc = with_tests(clean_patient(AZA, drop=["tpmt"]), test_item("TPMT", date=date))
    none_of(lint(doc), "ILD406")


@pytest.mark.parametrize("alias", ["NUDT15", "thiopurine genotype"])
def test_ild406_aliases(alias):
    none_of(lint(with_tests(clean_patient(AZA, drop=["tpmt"]), test_item(alias, 3000))), "ILD406")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild406_new_orders_only(status):
    none_of(lint(clean_patient(mmf(), dict(AZA, status=status), drop=["tpmt"])), "ILD406")


def test_ild406_not_for_other_drugs():
    none_of(lint(clean_patient(mmf(), drop=["tpmt"])), "ILD406")


# --------------------------------------------------------------------------- ILD407 g6pd-missing

DAPSONE = order("dapsone", 100, id="dap")


def test_ild407_fires_without_g6pd():
    result = lint(clean_patient(mmf(), DAPSONE, drop=["g6pd"]))
    [f] = only(result, "ILD407")
    assert f.order == "dap"
    assert f.pointer == "/orders/1/drug"
    assert f.severity == "warning"
    assert "dapsone" in f.message


@pytest.mark.parametrize("date", ["2010-01-01", "2026-03-01"])
def test_ild407_g6pd_of_any_date_counts(date):
    none_of(lint(with_tests(clean_patient(mmf(), DAPSONE, drop=["g6pd"]), test_item("G6PD", date=date))), "ILD407")


@pytest.mark.parametrize("status", ["active", "on-hold", "stopped"])
def test_ild407_new_orders_only(status):
    none_of(lint(clean_patient(mmf(), dict(DAPSONE, status=status), drop=["g6pd"])), "ILD407")


@pytest.mark.parametrize("the_order", [bactrim(), order("atovaquone", 1500)], ids=["bactrim", "atovaquone"])
def test_ild407_not_for_other_prophylaxis(the_order):
    none_of(lint(clean_patient(mmf(), the_order, drop=["g6pd"])), "ILD407")
