"""The vocabulary as validated data, structural name reading, suggestions, route-aware classes,
RxNorm conflicts, plugin and site vocabulary (issue 11; rules.md 2nd ed. "Messages, options and
names"; interfaces.md 2nd ed. "Names", "Local names without a plugin")."""

from __future__ import annotations

import copy
import json
import math
from importlib.resources import files

import pytest

from orderlint.vocabulary import SIMILARITY, Vocabulary, VocabularyError, validate_entries
from orderlint_ssc.vocabulary import DRUGS, load

CHECKED = frozenset({"immunosuppressant", "antifibrotic", "systemic-glucocorticoid", "pcp-prophylaxis",
                     "mycophenolate", "ivig", "plasma-exchange"})


def pack_vocab(drugs=None) -> Vocabulary:
    v = Vocabulary()
    v.add_drugs(DRUGS if drugs is None else drugs, "ssc-ild")
    return v


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return pack_vocab()


# --------------------------------------------------------------------------- the data file


def test_pack_data_file_is_format_1_and_validates():
    raw = json.loads(files("orderlint_ssc").joinpath("vocabulary.json").read_text(encoding="utf-8"))
    assert raw["format"] == 1 and set(raw) == {"format", "drugs"}
    assert load() == raw["drugs"] == DRUGS
    entries = validate_entries(DRUGS, "ssc-ild")
    assert len(entries) == len(DRUGS) >= 100


def test_every_code_in_the_pack_carries_a_source_and_a_tag():
    n = 0
    for name, e in DRUGS.items():
        codes = ([e["rxcui"]] if e.get("rxcui") else []) + list(e.get("product_codes", []))
        for c in codes:
            assert isinstance(c, dict), f"{name}: a code without source and tag: {c!r}"
            assert c["tag"] in ("V", "V2", "U") and len(c["source"].strip()) >= 3, (name, c)
            n += 1
    assert n >= 20  # clinical-facts.md section 6 gives at least 20 ingredient codes


def test_pack_keeps_the_facts_the_rules_depend_on(vocab):
    # rules.md Terms: PE factors, and route-aware class membership of inhaled pentamidine.
    factors = {"prednisone": 1, "prednisolone": 1, "methylprednisolone": 1.25, "triamcinolone": 1.25,
               "dexamethasone": 20 / 3, "betamethasone": 20 / 3, "hydrocortisone": 0.25, "cortisone": 0.2,
               "deflazacort": 5 / 6}
    for name, f in factors.items():
        assert math.isclose(vocab.drugs[name].pe_factor, f), name
        assert vocab.drugs[name].is_a("systemic-glucocorticoid")
    assert vocab.drugs["budesonide"].pe_factor is None and not vocab.drugs["budesonide"].is_a("systemic-glucocorticoid")
    assert vocab.drugs["pentamidine"].tags_for_route("inhaled") >= {"pcp-prophylaxis"}


VALID = {"classes": ["immunosuppressant"], "aliases": ["zz-ab"], "pe_factor": None,
         "rxcui": {"code": "99999991", "source": "https://example.org/rxnav", "tag": "V"}}


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"colour": "red"}, "colour"),  # extra fields forbidden
        ({"rxcui": {"code": "1", "source": "somewhere", "tag": "X"}}, "rxcui"),
        ({"rxcui": {"code": "1", "tag": "V"}}, "source"),
        ({"rxcui": {"code": "1", "source": "somewhere"}}, "tag"),
        ({"product_codes": [{"code": "12", "source": "s"}]}, "product_codes"),
        ({"aliases": ["x"]}, "aliases"),
        ({"aliases": ["-x-"]}, "fewer than 2 characters"),
        ({"aliases": [""]}, "aliases"),
        ({"aliases": [3]}, "aliases"),
        ({"pe_factor": float("inf")}, "pe_factor"),
        ({"pe_factor": -1.0}, "pe_factor"),
        ({"pe_factor": True}, "pe_factor"),
        ({"pe_factor": 0.0001}, "pe_factor"),  # understated every dose: 80 mg read as 0.008 mg PE
        ({"pe_factor": 0.09}, "pe_factor"),
        ({"pe_factor": 10.5}, "pe_factor"),
        ({"classes": ["glucocorticoid", "systemic-glucocorticoid"], "pe_factor": None}, "needs a pe_factor"),
        ({"classes": ["systemic-glucocorticoid"]}, "needs a pe_factor"),
        ({"classes": ["Immuno Suppressant"]}, "classes"),
        ({"route_classes": {"oral": ["immunosuppressant"]}}, "systemic route"),
        ({"route_classes": {"inhaled": ["pcp-prophylaxis"]}}, "not classes of the ingredient"),
        ({"brands": [{"name": "Zzbrand"}]}, "source"),
        ({"brands": [{"name": "Zzbrand", "source": "FDA Purple Book", "tag": "maybe"}]}, "tag"),
    ],
)
def test_invalid_data_is_a_load_error_naming_the_entry(change, fragment):
    entry = {**copy.deepcopy(VALID), **change}
    with pytest.raises(VocabularyError) as e:
        pack_vocab({**DRUGS, "zzanumab": entry})
    assert "'zzanumab'" in str(e.value) and fragment in str(e.value)


def test_a_valid_new_entry_loads():
    v = pack_vocab({**DRUGS, "zzanumab": VALID})
    assert v.drug("ZZ-AB").name == "zzanumab" and v.drug("zzanumab").rxcui == "99999991"


def test_an_alias_that_means_another_ingredient_is_a_load_error():
    with pytest.raises(VocabularyError, match="'cellcept' already means 'mycophenolate mofetil'"):
        pack_vocab({**DRUGS, "zzanumab": {**VALID, "aliases": ["cellcept"]}})
    # Also after punctuation is folded: 'TMP/SMX' is the key of 'tmp-smx'.
    with pytest.raises(VocabularyError, match="already means 'sulfamethoxazole-trimethoprim'"):
        pack_vocab({**DRUGS, "zzanumab": {**VALID, "aliases": ["TMP/SMX"]}})


def test_a_code_already_known_for_another_ingredient_is_a_load_error():
    bad = {**VALID, "rxcui": {"code": "3002", "source": "https://example.org", "tag": "V"}}
    with pytest.raises(VocabularyError, match="3002 of 'zzanumab' is already the code of 'cyclophosphamide'"):
        pack_vocab({**DRUGS, "zzanumab": bad})


# --------------------------------------------------------------------------- structural reading


@pytest.mark.parametrize(
    "text, ingredient",
    [
        # case, spacing and punctuation
        ("TMP-SMX", "sulfamethoxazole-trimethoprim"),
        ("TMP/SMX", "sulfamethoxazole-trimethoprim"),
        ("tmp smx", "sulfamethoxazole-trimethoprim"),
        ("  Tmp /  Smx ", "sulfamethoxazole-trimethoprim"),
        ("Solu–Medrol®", "methylprednisolone"),
        # strength designators
        ("TMP-SMX DS", "sulfamethoxazole-trimethoprim"),
        ("sulfamethoxazole-trimethoprim DS", "sulfamethoxazole-trimethoprim"),
        ("TMP-SMX SS", "sulfamethoxazole-trimethoprim"),
        ("Septrin Forte", "sulfamethoxazole-trimethoprim"),
        # salts, hydrates, esters
        ("amlodipine besylate", "amlodipine"),
        ("nintedanib esilate", "nintedanib"),  # the INN spelling of esylate (EMA: 'nintedanib (as esilate)')
        ("methylprednisolone sodium succinate", "methylprednisolone"),
        ("upadacitinib hemihydrate", "upadacitinib"),
        ("prochlorperazine maleate", "prochlorperazine"),
        ("esomeprazole magnesium", "esomeprazole"),
        ("dexamethasone sodium phosphate", "dexamethasone"),
        ("tofacitinib citrate", "tofacitinib"),
        # an explicit alias wins over stripping the salt
        ("mycophenolate sodium", "mycophenolic acid"),
        ("Mycophenolate Sodium 360 MG Delayed Release Oral Tablet", "mycophenolic acid"),
        ("mycophenolate mofetil hydrochloride", "mycophenolate mofetil"),
        ("potassium chloride 20 MEQ Extended Release Oral Tablet", "potassium chloride"),
        # strengths and dose forms as RxNorm and FHIR feeds print them
        ("mycophenolate mofetil 500 MG Oral Tablet", "mycophenolate mofetil"),
        ("mycophenolate mofetil 200 MG/ML Oral Suspension", "mycophenolate mofetil"),
        ("24 HR tacrolimus 4 MG Extended Release Oral Tablet", "tacrolimus"),
        ("tacrolimus 0.1 % Topical Ointment", "tacrolimus"),
        ("methotrexate 25 MG/ML Injectable Solution", "methotrexate"),
        ("1 ML methotrexate 25 MG/ML Injection", "methotrexate"),
        ("sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet", "sulfamethoxazole-trimethoprim"),
        ("methylprednisolone sodium succinate 1000 MG Injection", "methylprednisolone"),
        ("prednisone 5 mg tab", "prednisone"),
        ("folic acid 1 mg tab", "folic acid"),
        ("hydrocortisone 2.5 MG Oral Lozenge", "hydrocortisone"),
        ("prednisolone 0.005 MG/MG Paste", "prednisolone"),
        ("triamcinolone acetonide 0.001 MG/MG Oral", "triamcinolone"),
        # a vehicle and directions typed into the drug field
        ("rituximab 1000 mg in 0.9% NaCl 500 mL", "rituximab"),
        ("cyclophosphamide 750 mg/m2 in D5W 250 ml", "cyclophosphamide"),
        ("sildenafil 20 mg TID", "sildenafil"),
        ("prednisone 10 mg PO daily", "prednisone"),
        # bracketed brands that agree with the ingredient
        ("mycophenolate mofetil 500 MG Oral Tablet [CellCept]", "mycophenolate mofetil"),
        ("24 HR tacrolimus 4 MG Extended Release Oral Tablet [Envarsus]", "tacrolimus"),
        ("[CellCept]", "mycophenolate mofetil"),
        ("mycophenolate 500 MG [CellCept]", "mycophenolate mofetil"),  # the brand says which salt
        ("Solu-Medrol (methylprednisolone sodium succinate)", "methylprednisolone"),
        # US biosimilar suffixes, with and without the hyphen
        ("rituximab-abbs", "rituximab"),
        ("rituximab abbs", "rituximab"),
        ("Rituximab-ABBS 10 MG/ML Injection [Truxima]", "rituximab"),
        ("adalimumab-ryvk", "adalimumab"),
        ("adalimumab ryvk", "adalimumab"),
        ("tocilizumab-aazg", "tocilizumab"),
        ("infliximab-dyyb", "infliximab"),
        # Compatibility characters (NFKC): an input method's fullwidth letters were an unknown drug,
        # a warning only, so --fail-on error passed a fullwidth cyclophosphamide unchecked.
        ("ｃｙｃｌｏｐｈｏｓｐｈａｍｉｄｅ", "cyclophosphamide"),
        ("Ｃｅｌｌｃｅｐｔ", "mycophenolate mofetil"),
        ("dapsone ｇｅｌ", "dapsone"),
    ],
)
def test_structural_reading(vocab, text, ingredient):
    r = vocab.resolve(text)
    assert r.ambiguous == () and r.drug is not None and r.drug.name == ingredient, r
    assert vocab.drug(text) is r.drug


@pytest.mark.parametrize(
    "text, candidates",
    [
        ("mycophenolate mofetil 500 MG Oral Tablet [Myfortic]", {"mycophenolate mofetil", "mycophenolic acid"}),
        ("methotrexate 2.5 MG Oral Tablet [CellCept]", {"methotrexate", "mycophenolate mofetil"}),
        ("prednisone and methotrexate", {"prednisone", "methotrexate"}),
        ("prednisone / cyclophosphamide", {"prednisone", "cyclophosphamide"}),
        ("Medrol (prednisone)", {"methylprednisolone", "prednisone"}),
    ],
)
def test_a_name_that_reads_two_ways_is_ambiguous_never_a_guess(vocab, text, candidates):
    r = vocab.resolve(text)
    assert r.drug is None and vocab.drug(text) is None
    assert set(r.ambiguous) == candidates
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert msg.startswith(f"drug name {text!r} is ambiguous: it could be ")
    assert all(c in msg for c in candidates) and is_error


@pytest.mark.parametrize(
    "text",
    [
        "mycophenolate mofitil",  # a misspelling is suggested, never read as the drug
        "cyclophosphamid",
        "methotrexat",
        "prednisone abcd",  # a four-letter word is a biosimilar suffix only of a biologic
        "mycophenolate acid",
        "zorblatinib",
        "x",
        "",
        "500 MG Oral Tablet",
        "saline in water",
        "methotrexate in prednisone",  # only a vehicle is dropped after 'in'
        "\u0441yclophosphamide",  # a Cyrillic look-alike letter is not a compatibility form
        "cyclophosphamide\u200b",  # nor is a zero-width space
    ],
)
def test_never_fuzzy_matched_into_a_drug(vocab, text):
    assert vocab.drug(text) is None


def test_printed_strength(vocab):
    cases = {
        "mycophenolate mofetil 500 MG Oral Tablet": (500.0, "mg", "tablet"),
        "mycophenolate mofetil 250 MG Oral Capsule": (250.0, "mg", "capsule"),
        "mycophenolate mofetil 200 MG/ML Oral Suspension": (200.0, "mg", "ml"),
        "24 HR tacrolimus 4 MG Extended Release Oral Tablet [Envarsus]": (4.0, "mg", "tablet"),
        "methotrexate 2.5 MG Oral Tablet": (2.5, "mg", "tablet"),
        "azathioprine 0.05 G Oral Tablet": (0.05, "g", "tablet"),
    }
    for text, expected in cases.items():
        assert vocab.resolve(text).printed_strength == expected, text
    for text in ("CellCept", "tacrolimus 0.1 % Topical Ointment", "prednisone 5 mg",
                 "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet"):
        assert vocab.resolve(text).printed_strength is None, text


@pytest.mark.parametrize("text, mg", [
    ("Bactrim DS", 160.0), ("Septra DS", 160.0), ("co-trimoxazole double strength tablet", 160.0),
    ("Septrin Forte", 160.0), ("Bactrim SS", 80.0), ("SMX-TMP single strength", 80.0),
    ("Bactrim", None), ("co-trimoxazole", None), ("Bactrim DS SS", None),  # none, or both: not known
])
def test_a_co_trimoxazole_tablet_named_ds_or_ss_has_its_trimethoprim_strength(vocab, text, mg):
    # clinical-facts.md section 3a: SS = 80/400 mg, DS = 160/800 mg; read as trimethoprim, as a
    # printed 'SMX-TMP 400-80 mg' is. 'Bactrim DS 1 tablet' had no strength.
    got = vocab.resolve(text).printed_strength
    assert got == (None if mg is None else (mg, "mg", "tablet"))
    assert vocab.resolve("CellCept DS").printed_strength is None  # a designator of co-trimoxazole only


def test_the_name_can_state_the_route(vocab):
    assert vocab.resolve("tacrolimus 0.1 % Topical Ointment").route == "topical"
    assert vocab.resolve("mycophenolate mofetil 500 MG Oral Tablet").route == "oral"
    assert vocab.resolve("tacrolimus").route is None


def test_drug_is_cached(vocab):
    text = "Mycophenolate Mofetil 500 MG Oral Tablet [CellCept]"
    first = vocab.drug(text)
    assert text in vocab._cache and vocab.drug(text) is first


# --------------------------------------------------------------------------- classes and routes


def test_tags_for_route(vocab):
    tac = vocab.drugs["tacrolimus"]
    for route in (None, "oral", "iv", "sc", "im"):
        assert tac.tags_for_route(route) == tac.tags and "immunosuppressant" in tac.tags
    assert tac.tags_for_route("topical") == {"tacrolimus"}
    assert vocab.drugs["cyclosporine"].tags_for_route("ophthalmic") == {"cyclosporine"}
    assert vocab.drugs["dapsone"].tags_for_route("topical") == {"dapsone"}
    assert vocab.drugs["pentamidine"].tags_for_route("inhaled") == {"pentamidine", "pcp-prophylaxis"}
    dex = vocab.drugs["dexamethasone"]
    assert "systemic-glucocorticoid" in dex.tags_for_route("sc")  # rules.md 2nd ed.: sc is systemic
    assert dex.tags_for_route("inhaled") == {"dexamethasone"}


def test_classes_lists_every_class(vocab):
    assert {"immunosuppressant", "pcp-prophylaxis", "systemic-glucocorticoid", "tnf-inhibitor",
            "jak-inhibitor", "calcineurin-inhibitor", "mycophenolate", "antifibrotic"} <= vocab.classes
    assert "prednisone" not in vocab.classes


# --------------------------------------------------------------------------- suggestions


def test_similarity_threshold_is_documented_and_used():
    assert SIMILARITY == 0.8


def test_benadryl_suggests_nothing_from_the_catalog():
    drugs = {k: e for k, e in DRUGS.items()
             if "benadryl" not in [a.lower() for a in e.get("aliases", [])]
             and "benadryl" not in [b["name"].lower() for b in e.get("brands", [])]}
    v = pack_vocab(drugs)
    assert v.drug("Benadryl") is None
    assert v.suggest_drugs("Benadryl") == []
    msg, is_error = v.unknown_drug("Benadryl", CHECKED)
    assert "did you mean" not in msg and not is_error
    assert "etanercept" not in msg and "benepali" not in msg


@pytest.mark.parametrize(
    "text, suggestion",
    [("mycophenolate mofitil", "mycophenolate mofetil"), ("cyclophosphamid", "cyclophosphamide"),
     ("mycofenolate mofetil", "mycophenolate mofetil"), ("methotrexat", "methotrexate"),
     ("mycophenolate mofitil 500 MG Oral Tablet", "mycophenolate mofetil")],
)
def test_a_misspelt_checked_drug_is_suggested_and_is_an_error(vocab, text, suggestion):
    assert vocab.drug(text) is None
    assert vocab.suggest_drugs(text)[0] == suggestion
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert f"did you mean '{suggestion}'" in msg and is_error
    assert msg.startswith(f"unknown drug {text!r} in order: ")


def test_a_misspelt_co_medication_is_a_warning(vocab):
    msg, is_error = vocab.unknown_drug("zofram", CHECKED)
    assert "zofran (ondansetron)" in msg and not is_error
    # Nothing is checked (every rule that names the drug disabled): a warning.
    assert vocab.unknown_drug("cyclophosphamid", frozenset())[1] is False


def test_one_suggestion_per_ingredient(vocab):
    names = [s.split(" (")[-1].rstrip(")") for s in vocab.suggest_drugs("mycophenolate mofitil")]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- RxNorm


def test_rxcui_conflict(vocab):
    mmf = vocab.drugs["mycophenolate mofetil"]
    assert vocab.rxcui_conflict("3002", mmf) == "cyclophosphamide"  # V: cyclophosphamide
    assert vocab.rxcui_conflict("68149", mmf) is None  # its own code
    assert vocab.rxcui_conflict(" 68149 ", mmf) is None
    assert vocab.rxcui_conflict("1234567890", mmf) is None  # unknown (e.g. a product code): no conflict
    # 'mycophenolate' (salt unspecified) agrees with the code of either salt form.
    assert vocab.rxcui_conflict("68149", vocab.drugs["mycophenolate"]) is None
    assert vocab.rxcui_conflict("7145", vocab.drugs["mycophenolate"]) is None


def test_rxcui_conflict_ignores_unverified_codes_and_maps_product_codes():
    drugs = {**DRUGS, "zzanumab": {
        "classes": ["immunosuppressant"],
        "rxcui": {"code": "99999991", "source": "one unreviewed list", "tag": "U"},
        "product_codes": [{"code": "99999992", "source": "https://example.org/rxnav", "tag": "V"}],
    }}
    v = pack_vocab(drugs)
    mmf, zz = v.drugs["mycophenolate mofetil"], v.drugs["zzanumab"]
    assert v.rxcui_conflict("99999991", mmf) is None  # tag U: no contradiction
    assert v.rxcui_conflict("99999992", mmf) == "zzanumab"  # a verified product code of zzanumab
    assert v.rxcui_conflict("99999992", zz) is None  # the product code maps to its ingredient


# --------------------------------------------------------------------------- plugin vocabulary


@pytest.mark.parametrize(
    "contribution, fact",
    [
        ({"prednisone": {"pe_factor": 2.0}}, "pe_factor"),
        ({"prednisone": {"pe_factor": None}}, "pe_factor"),
        ({"ondansetron": {"classes": ["pcp-prophylaxis"]}}, "classes"),
        ({"cyclophosphamide": {"classes": []}}, "classes"),
        ({"rituximab": {"rxcui": "3002"}}, "rxcui"),
        # A route that makes a checked drug another ingredient: IV cyclophosphamide read as mesna.
        ({"cyclophosphamide": {"by_route": {"iv": "mesna"}}}, "by_route"),
        ({"methylprednisolone": {"by_route": {"iv": "ondansetron"}}}, "by_route"),
        ({"tacrolimus": {"classes": ["immunosuppressant", "calcineurin-inhibitor"],
                         "route_classes": {"topical": ["immunosuppressant"]}}}, "route_classes"),
    ],
)
def test_a_plugin_may_not_change_a_fact_another_pack_declared(contribution, fact):
    v = pack_vocab()
    with pytest.raises(VocabularyError) as e:
        v.add_drugs(contribution, "evil-pack")
    msg = str(e.value)
    assert "evil-pack" in msg and "ssc-ild" in msg and f"the {fact} of" in msg
    # The same contribution loaded first does not win either: the order of loading does not matter.
    if fact not in ("rxcui", "by_route"):  # (by_route: its target must be known; the next test)
        v2 = Vocabulary()
        v2.add_drugs(contribution, "evil-pack")
        with pytest.raises(VocabularyError, match="evil-pack"):
            v2.add_drugs(DRUGS, "ssc-ild")


def test_a_by_route_loaded_before_the_pack_that_declares_the_drug_is_refused_too():
    v = Vocabulary()
    v.add_drugs({"mesna": {"aliases": ["mesnex"]}, "cyclophosphamide": {"by_route": {"iv": "mesna"}}}, "evil-pack")
    with pytest.raises(VocabularyError, match=r"ssc-ild changes the by_route of 'cyclophosphamide' .*evil-pack"):
        v.add_drugs(DRUGS, "ssc-ild")


def test_a_site_can_allow_a_plugin_to_override():
    v = pack_vocab()
    v.add_drugs({"prednisone": {"pe_factor": 2.0}, "ondansetron": {"classes": ["pcp-prophylaxis"]}},
                "site-pack", allow_override=True)
    assert v.drug("prednisone").pe_factor == 2.0 and v.drug("zofran").is_a("pcp-prophylaxis")


def test_a_plugin_may_add_names_brands_and_new_ingredients():
    v = pack_vocab()
    v.add_drugs({"mycophenolate mofetil": {"aliases": ["myco-m"],
                                           "brands": [{"name": "Zzcept", "source": "site formulary"}]},
                 "prednisone": {"classes": ["glucocorticoid", "systemic-glucocorticoid"], "pe_factor": 1.0},
                 "zzanumab": {"classes": ["immunosuppressant"], "aliases": ["zzb"]}}, "site-pack")
    assert v.drug("myco-m").name == v.drug("Zzcept").name == "mycophenolate mofetil"
    assert v.drug("mycophenolate mofetil").is_a("immunosuppressant")  # facts kept
    assert v.drug("zzb").is_a("immunosuppressant")


def test_a_plugin_alias_that_means_another_drug_is_refused():
    v = pack_vocab()
    with pytest.raises(VocabularyError, match="'cellcept' already means 'mycophenolate mofetil'"):
        v.add_drugs({"prednisone": {"aliases": ["cellcept"]}}, "evil-pack")


# --------------------------------------------------------------------------- site names


def test_site_names_map_local_names_to_known_ingredients():
    v = pack_vocab()
    v.add_site_names({"MMF-site": "mycophenolate mofetil", "pred-x": "Deltasone", "ashwagandha": "ashwagandha"},
                     "pyproject.toml")
    assert v.drug("mmf-site").name == "mycophenolate mofetil"
    assert v.drug("MMF-site 500 MG Oral Tablet").name == "mycophenolate mofetil"
    assert v.drug("pred-x").name == "prednisone"
    herb = v.drug("ashwagandha")
    assert herb is not None and herb.classes == frozenset()  # a co-medication no rule checks
    v.add_site_names({"cyclophosphamid": "cyclophosphamide"}, "pyproject.toml")  # a misspelling of its own drug
    assert v.drug("cyclophosphamid").name == "cyclophosphamide"


@pytest.mark.parametrize(
    "table, fragment",
    [
        ({"m": "mycophenolate mofetil"}, "at least 2 characters"),
        ({"mmf2": "mycophenolate mofitil"}, "did you mean 'mycophenolate mofetil'"),
        ({"zz": "zorblatinib"}, "not a known ingredient"),
        ({"cellcept": "prednisone"}, "already means 'mycophenolate mofetil'"),
        ({"methotrexat": "methotrexat"}, "did you mean 'methotrexate'"),  # a typo is no co-medication
        ({"combo": "prednisone and methotrexate"}, "ambiguous"),
        ({"x1": 5}, "strings"),
        # A likely misspelling of a checked drug mapped to another one: unmapped it is an OL002
        # error; mapped, the misspelt cyclophosphamide became ondansetron and passed.
        ({"cyclo phosphamide": "ondansetron"}, "looks like a misspelling of 'cyclophosphamide', not of 'ondansetron'"),
        ({"mycophenolate mofitil": "azathioprine"}, "looks like a misspelling of 'mycophenolate mofetil'"),
    ],
)
def test_invalid_site_names_are_errors(table, fragment):
    v = pack_vocab()
    with pytest.raises(VocabularyError) as e:
        v.add_site_names(table, "pyproject.toml")
    assert "pyproject.toml" in str(e.value) and fragment in str(e.value)


# --------------------------------------------------------------------------- orderlint lookup


@pytest.fixture(scope="module")
def linter():
    from orderlint.engine import Linter

    return Linter()


def _one(result, kind):
    [m] = [m for m in result["matches"] if m["kind"] == kind]
    return m


def test_lookup_drug_shows_ingredient_classes_codes_and_rules(linter):
    from orderlint.lookup import lookup

    r = lookup(linter, "CellCept")
    m = _one(r, "drug")
    assert m["ingredient"] == "mycophenolate mofetil"
    assert {"immunosuppressant", "mycophenolate"} <= set(m["classes"])
    assert m["rxcui"]["code"] == "68149" and m["rxcui"]["tag"] in ("V", "V2") and m["rxcui"]["source"]
    assert all(c["tag"] in ("V", "V2", "U") and c["source"] for c in m["product_codes"])
    codes = [x["code"] for x in m["checked_by"]]
    assert {"ILD401", "ILD404", "ILD501"} <= set(codes)
    assert r["suggestions"] == {} and r["accepted"] == {}


def test_lookup_lists_only_enabled_rules():
    from orderlint.config import Settings
    from orderlint.engine import Linter
    from orderlint.lookup import lookup

    narrow = Linter(Settings(ignore=["ILD501", "ILD502"]))
    codes = [x["code"] for x in _one(lookup(narrow, "MMF"), "drug")["checked_by"]]
    assert "ILD501" not in codes and "ILD502" not in codes and "ILD401" in codes


def test_lookup_product_description_and_route(linter):
    from orderlint.lookup import lookup

    m = _one(lookup(linter, "mycophenolate mofetil 500 MG Oral Tablet"), "drug")
    assert m["printed_strength"] == {"value": 500.0, "unit": "mg", "per": "tablet"}
    m = _one(lookup(linter, "tacrolimus 0.1 % Topical Ointment"), "drug")
    assert m["route_in_name"] == "topical"
    assert m["checked_by"] and m["checked_by_route"] == {"route": "topical", "rules": []}


def test_lookup_ambiguous_name(linter):
    from orderlint.lookup import lookup

    m = _one(lookup(linter, "prednisone and methotrexate"), "ambiguous-drug")
    assert set(m["ingredients"]) == {"prednisone", "methotrexate"} and m["severity"] == "error"


def test_lookup_test_unit_route_frequency_condition(linter):
    from orderlint.lookup import lookup

    assert _one(lookup(linter, "CBC"), "test")["counts_as"] == ["cbc"]
    assert _one(lookup(linter, "CMP"), "test")["counts_as"] == ["lft", "renal"]
    assert _one(lookup(linter, "mg/m2"), "unit")["basis"] == "mg/m2"
    assert _one(lookup(linter, "g"), "unit")["mg_per_unit"] == 1000
    assert _one(lookup(linter, "tablet"), "unit")["counted_in"] == "tablet"
    assert _one(lookup(linter, "PO"), "route") == {"kind": "route", "route": "oral", "systemic": True}
    assert _one(lookup(linter, "topical"), "route")["systemic"] is False
    assert _one(lookup(linter, "q8h"), "frequency")["per_day"] == 3
    assert _one(lookup(linter, "once"), "frequency")["single_administration"] is True
    assert _one(lookup(linter, "SSc ILD"), "condition")["condition"] == "ssc-ild"


@pytest.mark.parametrize(
    "name, category, suggestion",
    [("mycophenolate mofitil", "drug", "mycophenolate mofetil"), ("mgg", "unit", "mg"),
     ("subcutanous", "route", "subcutaneous"), ("twice daly", "frequency", "twice daily"),
     ("quantiferom", "test", "quantiferon"), ("ssc-ld", "condition", "ssc-ild")],
)
def test_lookup_unknown_name_suggests_close_names(linter, name, category, suggestion):
    from orderlint.lookup import lookup

    r = lookup(linter, name)
    assert r["matches"] == []
    assert suggestion in r["suggestions"][category]
    if category in ("unit", "route", "frequency"):
        assert list(r["accepted"]) == [category] and suggestion in r["accepted"][category]


def test_lookup_far_name_suggests_nothing_and_lists_accepted_values(linter):
    from orderlint.lookup import lookup

    r = lookup(linter, "zorblatinib")
    assert r["matches"] == [] and r["suggestions"] == {}
    assert set(r["accepted"]) == {"unit", "route", "frequency"}
    assert "mg" in r["accepted"]["unit"] and "oral" in r["accepted"]["route"] and "bid" in r["accepted"]["frequency"]


def test_render_text_and_json(linter):
    from orderlint.lookup import render

    text = render(linter, ["CellCept", "q8h", "zorblatinib"])
    lines = text.splitlines()
    assert lines[0] == "CellCept: drug mycophenolate mofetil"
    assert "q8h: frequency, 3 administrations per day" in lines
    assert "zorblatinib: not a known drug, test, unit, route, frequency or condition" in lines
    data = json.loads(render(linter, ["CellCept", "mgg"], fmt="json"))
    assert [r["name"] for r in data["lookup"]] == ["CellCept", "mgg"]
    with pytest.raises(ValueError):
        render(linter, ["x"], fmt="xml")


def test_render_escapes_control_characters(linter):
    from orderlint.lookup import render

    out = render(linter, ["zz\nCellCept: drug forged"])
    assert out.splitlines()[0].startswith("zz\\nCellCept: drug forged: not a known")
    assert "\nCellCept: drug forged" not in out


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DECORATION = st.sampled_from(["", " 500 MG Oral Tablet", " [CellCept]", " DS", " sodium", "-abbs", " (human)",
                               " 0.1 % Topical Ointment", " in 0.9% NaCl 100 mL", " / ", " and "])


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_reading_any_text_never_raises_and_is_consistent(vocab, text):
    r = vocab.resolve(text)
    assert (r.drug is None) or (r.ambiguous == ())
    assert len(r.ambiguous) != 1
    msg, is_error = vocab.unknown_drug(text, CHECKED) if r.drug is None else ("", False)
    assert isinstance(msg, str) and isinstance(is_error, bool)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(DRUGS)), left=_DECORATION, right=_DECORATION)
def test_decorating_a_known_name_never_yields_another_ingredient(vocab, name, left, right):
    # Whatever is printed around an ingredient name, it reads as that ingredient (or a more
    # specific form of it), as ambiguous, or as unknown: never as an unrelated ingredient.
    r = vocab.resolve(f"{name}{left}{right}")
    if r.drug is not None and r.drug.name != name:
        assert name in r.drug.classes or r.drug.name in vocab.drugs[name].classes or (
            # an explicit alias that names a salt form ('mycophenolate sodium')
            vocab._names.get(r.core) == r.drug.name
        ), (name, left, right, r)


def test_a_route_word_that_is_part_of_a_name_is_kept_before_it_is_dropped():
    scig = DRUGS.get("immune globulin subcutaneous", {"classes": [], "aliases": ["scig"]})
    v = pack_vocab({**DRUGS, "immune globulin subcutaneous": scig})
    assert v.drug("Immune Globulin Subcutaneous (Human) 20% Liquid").name == "immune globulin subcutaneous"
    assert v.drug("immune globulin 10% Injectable Solution").name == "immune globulin"
    r = v.resolve("tacrolimus 0.1 % Topical Ointment")
    assert r.drug.name == "tacrolimus" and r.route == "topical"


def test_lookup_counts_a_rules_looks_for_tags(vocab):
    from types import SimpleNamespace

    from orderlint.lookup import lookup

    rule = SimpleNamespace(code="XPCP1", name="pcp-agent-missing", looks_for=frozenset({"pcp-prophylaxis"}))
    fake = SimpleNamespace(vocab=vocab, rules=[rule], enabled=frozenset({"XPCP1"}), _triggers={"XPCP1": None},
                           options={"XPCP1": {}}, conditions=frozenset({"ssc-ild"}))
    assert _one(lookup(fake, "Bactrim DS"), "drug")["checked_by"] == [{"code": "XPCP1", "name": "pcp-agent-missing"}]
    assert _one(lookup(fake, "ondansetron"), "drug")["checked_by"] == []


@pytest.mark.parametrize("text", ["MMF-site", "prednisone-abcd", "methotrexate-xyzw", "azathioprine qrst"])
def test_a_four_letter_suffix_on_a_drug_that_is_no_biologic_is_never_stripped(text):
    # Only biologics have US biosimilar names: 'MMF-site' is a site's own name (interfaces.md 2nd ed.,
    # "Local names without a plugin"), to be mapped explicitly, never guessed as mycophenolate.
    from orderlint.engine import Linter

    assert Linter().vocab.drug(text) is None


@pytest.mark.parametrize(
    "text, name, strength",
    [
        ("mycophenolate mofetil 500 milligrams oral tablet", "mycophenolate mofetil", (500.0, "mg", "tablet")),
        ("Levothyroxine Sodium 75micrograms tablet", "levothyroxine", (75.0, "mcg", "tablet")),
        ("Oral Form Oxycodone (product)", "oxycodone", None),
    ],
)
def test_spelled_out_mass_units_and_snomed_product_names(text, name, strength):
    # Names as the FHIR R4 specification's examples print them: units spelled out (and glued to the
    # number), SNOMED CT's 'Oral form ... (product)'. A spelled-out strength is a printed strength.
    from orderlint.engine import Linter

    res = Linter().vocab.resolve(text)
    assert res.drug is not None and res.drug.name == name
    assert res.printed_strength == strength


@pytest.mark.parametrize(
    "text",
    ["500 MG Oral Tablet immune globulin subcutaneous", "immune globulin subcutaneous oral",
     " 500 MG Oral Tablet immune globulin subcutaneous-abbs"],
)
def test_a_route_word_inside_a_name_stays_with_it_among_other_route_words(text):
    # Found by test_decorating_a_known_name_never_yields_another_ingredient: with another route word
    # beside it, 'subcutaneous' was dropped too and SCIG read as IVIG (a partner drug of ILD205).
    from orderlint.engine import Linter

    res = Linter().vocab.resolve(text)
    assert res.drug is not None and res.drug.name == "immune globulin subcutaneous"


@pytest.mark.parametrize("text, meant", [("Ofeb", "ofev (nintedanib)"), ("0fev", "ofev (nintedanib)"),
                                         ("Ofiv", "ofev (nintedanib)"), ("Ofve", "ofev (nintedanib)"),
                                         ("Imran", "imuran (azathioprine)"), ("Medro", "medrol (methylprednisolone)")])
def test_one_typo_in_a_short_name_of_a_checked_drug_is_an_error(vocab, text, meant):
    # rules.md OL002: a likely misspelling of a checked drug is an error, so that --fail-on error never
    # passes it. A 4-letter name's one typo is 0.75 of it, below the similarity cut-off: 'Ofeb' was a
    # warning with no suggestion, and the nintedanib beside MMF went unchecked.
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert is_error and f"did you mean {meant!r}" in msg


@pytest.mark.parametrize("text", ["Iron", "Zinc", "Xanax", "Plavix", "Keflex", "ASP"])
def test_a_short_unknown_name_two_edits_from_every_checked_name_stays_a_warning(vocab, text):
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert not is_error, msg


@pytest.mark.parametrize("text", ["6-MP", "5-ASA", "6-TG", "6-mp tablet"])
def test_a_number_hyphenated_to_a_short_code_is_one_name_never_the_code_alone(vocab, text):
    # '6-MP' (mercaptopurine) read as 'MP', methylprednisolone: a steroid finding on a thiopurine;
    # '5-ASA' (mesalamine) read as aspirin.
    assert vocab.drug(text) is None


def test_a_packs_length_hyphenated_to_its_unit_still_reads(vocab):
    assert vocab.drug("Kenalog-40").name == "triamcinolone"
    assert vocab.drug("Septra DS 800-160 mg").name == "sulfamethoxazole-trimethoprim"


@pytest.mark.parametrize("name", ["ritуximаb", "CеllCеpt", "ММF", "СУС", "RТХ", "ТСZ", "Суtoxan", "Оfеv",
                                  "cуclоphоsphаmide", "Рrеdnisоne", "nintedanıb", "Αctemra", "ᴍᴍꜰ", "ΜΜϜ"])
def test_a_checked_drug_written_with_look_alike_letters_is_an_error(name):
    # Two or more Cyrillic or Greek letters drawn like Latin ones ('ritуximаb') were no misspelling
    # by the similarity threshold: an unknown co-medication, a warning, passing --fail-on error
    # unchecked, under a name that reads in a report as the checked drug's own.
    import orderlint

    doc = {"id": "x", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 50, "weight_kg": 70, "height_cm": 175},
           "orders": [{"id": "o", "drug": name, "dose": 100, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    (f,) = [f for f in orderlint.lint(doc).findings if f.code == "OL002"]
    assert f.severity == "error" and "look-alike letters that are not plain Latin" in f.message and "U+" in f.message


@pytest.mark.parametrize("name", ["Ζantac", "Тylenol", "ацетаминофен"])
def test_look_alike_letters_of_an_unchecked_name_stay_a_warning(name):
    import orderlint

    doc = {"id": "x", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 50, "weight_kg": 70, "height_cm": 175},
           "orders": [{"id": "o", "drug": name, "dose": 100, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    (f,) = [f for f in orderlint.lint(doc).findings if f.code == "OL002"]
    assert f.severity == "warning"


def test_lookup_says_a_look_alike_name_is_an_error():
    from orderlint.engine import Linter
    from orderlint.lookup import lookup

    r = lookup(Linter(), "CеllCеpt")
    assert r["unknown_drug"]["severity"] == "error" and "CellCept" in r["unknown_drug"]["message"]


def _ol002(name: str):
    import orderlint

    doc = {"id": "x", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 50, "weight_kg": 70, "height_cm": 175},
           "orders": [{"id": "o", "drug": name, "dose": 100, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    (f,) = [f for f in orderlint.lint(doc).findings if f.code == "OL002"]
    return f


@pytest.mark.parametrize("name", ["RTX1000", "MMF.500", "MMF500", "CYC100", "AZA50", "TCZ162", "MMF#500", "MMF=500",
                                  "MMF|500", "MMF~500", "MMF@500", "m.m.f.", "M M F", "C Y C", "m.m.f 500",
                                  "m\u200bm\u200bf"])
def test_a_checked_abbreviation_glued_to_digits_or_spelt_out_is_an_error(name):
    # 'MMF 500', 'MMF:500' and 'MMF_500' were errors; 'MMF500', 'MMF.500' and 'm.m.f.' an unknown
    # co-medication, a warning past --fail-on error, and a site could map them to anything.
    f = _ol002(name)
    assert f.severity == "error" and "a checked drug" in f.message


@pytest.mark.parametrize("name", ["vitamin B12", "CoQ10", "Zantac150", "D3", "K2"])
def test_an_unchecked_name_with_digits_stays_a_warning(name):
    assert _ol002(name).severity == "warning"


def test_a_site_may_say_what_a_name_with_a_glued_abbreviation_is(tmp_path):
    # 'Dex4 glucose tablet' (a glucose brand) holds 'dex' only glued to a digit: an OL002 error
    # unmapped, which no waiver passes, so the site's vocabulary is the way to say what it is. A
    # name that holds a checked drug as a whole word is still refused.
    import json

    from conftest import EXAMPLES, run_cli

    doc = json.loads((EXAMPLES / "regimens" / "ILD101-clean.json").read_text())
    doc["orders"].append({"id": "g", "drug": "Dex4 glucose tablet", "dose": 4, "unit": "g", "route": "oral",
                          "frequency": "daily", "purpose": "other"})
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    assert _ol002("Dex4 glucose tablet").severity == "error"
    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text('[vocabulary]\n"Dex4 glucose tablet" = "Dex4 glucose tablet"\n')
    r = run_cli("check", str(path), "--config", str(cfg))
    assert r.exit_code == 0 and "OL002" not in r.stdout, r.stdout + r.stderr
    cfg.write_text('[vocabulary]\n"MMF induction" = "folic acid"\n')
    r = run_cli("check", str(path), "--config", str(cfg))
    assert r.exit_code == 2 and "holds 'mmf'" in r.stderr


def test_lookup_lists_the_rules_that_check_a_drug_as_check_does():
    # lookup listed ILD403 for rituximab (which ILD403 leaves to ILD402) and ILD407 for topical
    # dapsone (a route that is not systemic is no checked drug's order).
    from orderlint.engine import Linter
    from orderlint.lookup import lookup

    linter = Linter()
    [rtx] = [m for m in lookup(linter, "Rituxan")["matches"] if m["kind"] == "drug"]
    codes = {r["code"] for r in rtx["checked_by"]}
    assert "ILD402" in codes and "ILD403" not in codes
    [aza] = [m for m in lookup(linter, "azathioprine")["matches"] if m["kind"] == "drug"]
    assert "ILD403" in {r["code"] for r in aza["checked_by"]}
    [aczone] = [m for m in lookup(linter, "Aczone")["matches"] if m["kind"] == "drug"]
    assert aczone["checked_by_route"]["route"] == "topical" and aczone["checked_by_route"]["rules"] == []


@pytest.mark.parametrize("name", ["m.m.f.", "m m f", "C Y C", "MMF.500 study"])
def test_a_site_name_spelling_out_or_punctuating_a_checked_drug_is_refused(tmp_path, name):
    # Only an abbreviation glued to digits ('Dex4') may be named by a site: 'm.m.f.' declared a
    # co-medication passed mycophenolate 4000 mg a day with no finding.
    from conftest import EXAMPLES, run_cli

    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text(f'[vocabulary]\n"{name}" = "{name}"\n')
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD101-clean.json"), "--config", str(cfg))
    assert r.exit_code == 2 and ("holds 'mmf'" in r.stderr or "holds 'cyc'" in r.stderr), r.stderr


@pytest.mark.parametrize("name", ["ritуximаb", "ММF"])
def test_a_site_name_in_look_alike_letters_of_a_checked_drug_is_refused(tmp_path, name):
    # 'ritуximаb' (Cyrillic у, а) mapped to ondansetron was accepted: rituximab 2000 mg IV linted clean.
    from conftest import EXAMPLES, run_cli

    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text(f'[vocabulary]\n"{name}" = "ondansetron"\n', encoding="utf-8")
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD101-clean.json"), "--config", str(cfg))
    assert r.exit_code == 2 and "holds" in r.stderr, r.stderr


@pytest.mark.parametrize("name", ["cyclophos", "mycophen", "azathio", "tocilizu", "prednis", "CYCLOPHOSPH 500 MG"])
def test_a_checked_drug_s_name_cut_short_is_an_error(name):
    # Names cut at a fixed width by an exporting system fell below the similarity threshold: an
    # unknown co-medication, a warning, passing --fail-on error unchecked.
    f = _ol002(name)
    # Below the similarity threshold it is said cut short; nearer, the did-you-mean already says it.
    assert f.severity == "error" and ("a name cut short?" in f.message or "did you mean" in f.message)
    if name in ("cyclophos", "mycophen", "azathio"):
        assert "a name cut short?" in f.message


@pytest.mark.parametrize("name", ["Methyl salicylate", "Magnesium oxide", "Sodium bicarbonate", "Methylene blue",
                                  "Cyclobenzaprine", "Azelastine"])
def test_a_co_medication_that_begins_like_a_checked_drug_stays_a_warning(name):
    assert _ol002(name).severity == "warning"


@pytest.mark.parametrize("text", ["immune globulin subq", "IgG SCIG", "immune globulin SubQ", "IVIG scig"])
def test_a_route_word_or_known_name_after_immune_globulin_is_no_biosimilar_suffix(vocab, text):
    # 'subq' and 'scig' are four letters, read as a biosimilar suffix: subcutaneous immune globulin
    # became IVIG, the partner drug of an RP-ILD pulse, and ILD205 passed (rules.md ILD205).
    res = vocab.resolve(text)
    assert res.drug is None or res.drug.name != "immune globulin"
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert is_error, msg
    assert vocab.drug("rituximab abbs").name == "rituximab"  # a real suffix still is one


@pytest.mark.parametrize("route, partner", [("sc", False), ("subcutaneous", False), ("iv", True), (None, True)])
def test_immune_globulin_given_subcutaneously_is_no_ivig_partner_of_a_pulse(route, partner):
    # regimen-format.md: a missing route is read as systemic, so it counts as given IV (ILD205 stays
    # quiet: the order is a partner by every reading); SC immune globulin is the vocabulary's
    # co-medication, as Hizentra is, and the pulse has no partner.
    from orderlint.api import lint

    ig = {"id": "ig", "drug": "immune globulin", "dose": 20, "unit": "g", "frequency": "weekly", "status": "active"}
    if route is not None:
        ig["route"] = route
    doc = {"id": "scig", "kind": "patient", "as_of": "2026-03-02",
           "indication": {"condition": "ssc-ild", "phase": "progression", "rapidly_progressive": True},
           "patient": {"sex": "male", "age_years": 55, "weight_kg": 80, "height_cm": 178},
           "orders": [{"id": "mp", "drug": "methylprednisolone", "dose": 1000, "unit": "mg", "route": "iv",
                       "frequency": "daily", "doses": 3}, ig,
                      {"id": "tmp", "drug": "Bactrim DS", "dose": 1, "unit": "tablet", "route": "oral",
                       "frequency": "tiw", "status": "active"}],
           "tests": [{"test": "cbc", "status": "ordered"}]}
    codes = [f.code for f in lint(doc).findings]
    assert ("ILD205" in codes) is (not partner), codes
    assert "ILD207" in codes


@pytest.mark.parametrize("text", ["mycophenolate DR 360 MG Oral Tablet", "mycophenolate EC 360 mg tab",
                                  "Mycophenolate Delayed-Release 360 MG Oral Tablet", "EC mycophenolate",
                                  "mycophenolate enteric-coated 180 mg tablet"])
def test_a_delayed_release_mycophenolate_is_mycophenolic_acid(vocab, text):
    # Only mycophenolic acid is made delayed-release (enteric-coated): dropped as a form word, 'DR'
    # left bare mycophenolate, and 2880 mg/day of MPA was an OL003 warning, no ILD501 error.
    assert vocab.drug(text).name == "mycophenolic acid"


@pytest.mark.parametrize("text", ["mycophenolate 500 mg tablet", "mycophenolate oral"])
def test_mycophenolate_without_a_delayed_release_word_stays_bare(vocab, text):
    assert vocab.drug(text).name == "mycophenolate"


@pytest.mark.parametrize("text, name", [
    # A form word's known name ('EC mycophenolate': MPA) is taken only when the rest are form words too.
    ("EC mycophenolate mofetil", "mycophenolate mofetil"), ("DR mycophenolate mofetil 500 mg tablet", "mycophenolate mofetil"),
    # ... and other words beside it (a count, a maker, a brand) do not undo it.
    ("mycophenolate EC 360", "mycophenolic acid"), ("mycophenolate DR 2 tabs", "mycophenolic acid"),
    ("Hizentra immune globulin subcutaneous", "immune globulin subcutaneous"), ("ec mps", "mycophenolic acid"),
    # An IV route word, and the same drug named twice, keep IVIG.
    ("IVIG ivpb", "immune globulin"), ("immune globulin ivpb", "immune globulin"), ("immune globulin IVIG", "immune globulin"),
])
def test_a_name_around_a_form_word_keeps_its_drug(vocab, text, name):
    assert vocab.drug(text).name == name


@pytest.mark.parametrize("text", ["tacrolimus XL and prednisone", "mycophenolate EC + tacrolimus", "mycophenolate DR teva",
                                  "nifedipine ER tacrolimus"])
def test_a_form_words_known_name_with_other_words_beside_it_is_never_one_drug_quietly(vocab, text):
    # Taken alone, 'tacrolimus XL' hid the prednisone of 'tacrolimus XL and prednisone' (40 mg a day
    # judged by no rule): a word outside the known name leaves it to the later stages, which say
    # OL002 (an error: it names a checked drug) or that it names two.
    res = vocab.resolve(text)
    assert res.drug is None
    msg, is_error = vocab.unknown_drug(text, CHECKED)
    assert is_error, msg
