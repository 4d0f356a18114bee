"""Site settings that made an unsafe regimen pass silently (review of the configuration).

rules.md "Messages, options and names": a typo must never switch a safety rule off; interfaces.md
"Configuration". Each test here failed before its fix.
"""

from __future__ import annotations

import pytest

import orderlint
from orderlint.config import ConfigError, Settings
from orderlint.engine import Linter
from regimen_factory import AS_OF, clean_patient, drop_tests, lint, order, only

TOFACITINIB_NO_TB = {
    "id": "tofa-no-tb", "kind": "patient", "as_of": AS_OF,
    "indication": {"condition": "ssc-ild", "rapidly_progressive": True},
    "patient": {"sex": "male", "age_years": 45, "weight_kg": 92, "height_cm": 185},
    "orders": [{"id": "tofa", "drug": "tofacitinib", "dose": 5, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [
        {"test": "cbc", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "lft", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "hbv", "status": "resulted", "date": "2026-02-20", "result": "negative"},
        {"test": "hrct", "status": "resulted", "date": "2026-01-15"},
        {"test": "pft", "status": "resulted", "date": "2026-01-15"},
    ],
}

MMF_NO_PREGNANCY_TEST = {
    "id": "f", "kind": "patient", "as_of": AS_OF, "indication": {"condition": "ssc-ild"},
    "patient": {"sex": "female", "age_years": 30, "weight_kg": 60},
    "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [{"test": t, "status": "ordered"} for t in ("cbc", "lft", "hbv", "hrct", "pft")],
}


# ----------------------------------------------------------------- H3: a site's list adds to the default

def test_a_site_entry_for_rituximab_keeps_tb_screening_for_jak_inhibitors():
    # `[rules.ILD402] required = {rituximab = ["hbv", "hcv"]}` (meant to add HCV) replaced the table:
    # tofacitinib without a TB test passed with exit 0.
    cfg = {"rules": {"ILD402": {"required": {"rituximab": ["hbv", "hcv"]}}}}
    [f] = only(orderlint.lint(TOFACITINIB_NO_TB, as_of=AS_OF, config=cfg), "ILD402")
    assert f.severity == "error" and "tb" in f.message
    required = Linter(Settings(rules=cfg["rules"])).options["ILD402"]["required"]
    assert required["rituximab"] == ["hbv", "hcv"] and required["jak-inhibitor"] == ["tb"]


def test_a_site_drug_list_for_ild404_keeps_mycophenolate():
    for key in ("ILD404", "pregnancy-test-missing"):
        cfg = {"rules": {key: {"drugs": ["leflunomide"]}}}
        [f] = only(orderlint.lint(MMF_NO_PREGNANCY_TEST, as_of=AS_OF, config=cfg), "ILD404")
        assert "mycophenolate" in f.message


def test_a_site_entry_adds_tests_to_the_default_entry():
    cfg = {"rules": {"ILD401": {"required": {"mycophenolate": ["renal"]}}}}
    doc = drop_tests(clean_patient(), "renal")
    [f] = only(lint(doc, config=cfg), "ILD401")
    assert "renal" in f.message
    assert Linter(Settings(rules=cfg["rules"])).options["ILD401"]["required"]["mycophenolate"] == ["cbc", "lft", "renal"]


def _pack_options():
    lt = Linter()
    return lt, [(r.code, k, o) for r in lt.rules if r.plugin != "orderlint"
                for k, o in r.options.items() if o.kind in ("list", "names", "table")]


#: List and table options whose entries make a rule fire less (exemptions, what counts as
#: protection): a site's value replaces the default, so writing a shorter list fires more.
REPLACED = {
    ("ILD101", "rp-ild-exempt"): "drugs exempt with RP-ILD: a shorter list fires more",
    ("ILD205", "partners"): "what counts as the accompanying immunosuppressant: a shorter list fires more",
}


def test_every_list_option_that_makes_a_rule_fire_adds_to_its_default():
    lt, opts = _pack_options()
    assert len(opts) >= 8
    for code, k, o in opts:
        if (code, k) in REPLACED:
            assert not o.additive, (code, k)
            continue
        assert o.additive, f"{code} {k}: a site's value must add to the default (Option(additive=True))"
        default = o.validate(o.default, lt.vocab)
        one = {next(iter(default)): list(default.values())[0]} if o.kind == "table" else [default[0]]
        effective = Linter(Settings(rules={code: {k: one}})).options[code][k]
        assert effective == default, (code, k, effective)
        assert "-remove" in o.description, (code, k)  # explain says how to take an entry out


def test_an_entry_is_taken_out_only_by_name_with_option_remove():
    lt = Linter(Settings(rules={"ILD404": {"drugs-remove": ["methotrexate"]},
                                "ILD402": {"required-remove": ["rituximab"], "required": {"rituximab": ["hcv"]}}}))
    assert "methotrexate" not in lt.options["ILD404"]["drugs"] and "mycophenolate" in lt.options["ILD404"]["drugs"]
    assert lt.options["ILD402"]["required"]["rituximab"] == ["hcv"]  # replaced, visibly
    assert lt.options["ILD402"]["required"]["tocilizumab"] == ["tb"]


@pytest.mark.parametrize(
    "rules, fragments",
    [
        ({"ILD404": {"drugs-remove": ["azathioprine"]}}, ["ILD404", "'drugs-remove'", "'azathioprine'", "not an entry of the default"]),
        ({"ILD404": {"drugs-remove": ["mycofenolate"]}}, ["ILD404", "did you mean"]),
        ({"ILD404": {"drugs-remove": ["mycophenolate", "cyclophosphamide", "nintedanib", "leflunomide", "methotrexate"]}},
         ["ILD404", "would remove every entry", 'ignore = ["ILD404"]']),
        ({"ILD404": {"drug-remove": ["methotrexate"]}}, ["ILD404", "has no option 'drug-remove'", "did you mean 'drugs-remove'"]),
        ({"ILD205": {"partners-remove": ["ivig"]}}, ["ILD205", "has no option 'partners-remove'"]),
    ],
)
def test_a_removal_that_removes_nothing_or_everything_is_a_config_error(rules, fragments):
    with pytest.raises(ConfigError) as e:
        Linter(Settings(rules=rules))
    msg = str(e.value)
    assert "\n" not in msg
    for frag in fragments:
        assert frag in msg, (frag, msg)


def test_explain_and_rules_json_say_a_site_list_adds():
    from orderlint.docs import rule_dict

    lt = Linter(Settings(rules={"ILD402": {"required": {"rituximab": ["hcv"]}}}))
    d = rule_dict(lt.by_code["ILD402"], lt.options["ILD402"])["options"]["required"]
    assert d["additive"] is True and d["value"]["rituximab"] == ["hbv", "hcv"] and d["value"]["jak-inhibitor"] == ["tb"]


def test_a_site_list_naming_a_new_drug_fires_on_it_and_on_the_defaults():
    cfg = {"rules": {"ILD101": {"agents": ["azathioprine"]}}}
    aza = clean_patient(order("azathioprine", 2, "mg/kg", id="aza"))
    assert only(lint(aza, config=cfg), "ILD101")
    mtx = clean_patient(order("methotrexate", 15, "mg", "oral", "weekly", id="mtx"))
    assert only(lint(mtx, config=cfg), "ILD101")
