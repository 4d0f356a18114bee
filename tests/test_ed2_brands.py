"""Coverage of drug names (rules.md 2nd ed., "Messages, options and names"; issue 11 item 3).

The tables below are the reviewed list of every brand and biosimilar name the SSc-ILD pack ships,
per ingredient, with the public list each came from. Each must resolve to its ingredient through the
public vocabulary, and ``checks/vocabulary.json`` must carry exactly these brands with the same
source, so a brand dropped or moved in the data fails here. RxNorm codes: every code carries a
source and a V/V2/U tag, and a verified product code maps to its ingredient (no contradiction).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderlint.engine import Linter
from orderlint.vocabulary import name_key

DATA = Path(__file__).resolve().parents[1] / "checks" / "orderlint_ssc" / "vocabulary.json"

PB, OB, EMA, CF = "FDA Purple Book", "FDA Orange Book", "EMA EPAR", "clinical-facts.md section 6"
# Official lists a brand is cited from by its identifier in that list (a label, a product listing, a concept).
DAILYMED, NDC, RXNORM = "DailyMed (setid ", "FDA NDC Directory (NDC ", "RxNorm ("
HECORIA = "DailyMed (setid 95b03516-34b0-4438-a05c-918d80f70091)"
FRINDOVYX = "FDA NDC Directory (NDC 83831-119)"
DEXPAK = "RxNorm (847225, 797022, 797023; HL7 PDDI-CDS valueset-dexamethasone)"
MYHIBBIN = "DailyMed (setid d9af72d6-7b3e-4c08-94b9-1d8b499cb7f9)"
FLO_PRED = "RxNorm ('prednisolone 3 MG/ML Oral Suspension [Flo-Pred]'; HL7 PDDI-CDS valueset-prednisolone)"
VERIPRED = "RxNorm ('prednisolone 4 MG/ML Oral Solution [Veripred]'; HL7 PDDI-CDS valueset-prednisolone)"
ARISTOSPAN = "RxNorm ('triamcinolone hexacetonide 20 MG/ML Injectable Suspension [Aristospan]'; HL7 PDDI-CDS valueset-triamcinolone)"
SULFATRIM = "FDA NDC Directory (NDC 0121-0854)"

CATALOG_BRANDS: dict[str, list[tuple[str, str]]] = {
    "mycophenolate mofetil": [("CellCept", OB), ("CellCept", EMA), ("Myfenax", CF), ("Myhibbin", MYHIBBIN)],
    "mycophenolic acid": [("Myfortic", OB)],
    "azathioprine": [("Imuran", OB), ("Azasan", OB), ("Imurek", CF)],
    "cyclophosphamide": [("Cytoxan", CF), ("Endoxan", CF), ("Procytox", CF), ("Frindovyx", FRINDOVYX)],
    "rituximab": [("Rituxan", PB), ("Truxima", PB), ("Ruxience", PB), ("Riabni", PB), ("Rituxan Hycela", PB),
        ("MabThera", EMA), ("Riximyo", EMA), ("Rixathon", EMA), ("Blitzima", EMA), ("Ritemvia", EMA)],
    "tocilizumab": [("Actemra", PB), ("Actemra ACTPen", PB), ("Tofidence", PB), ("Tyenne", PB), ("Avtozma", PB),
        ("RoActemra", EMA)],
    "nintedanib": [("Ofev", OB), ("Vargatef", EMA)],
    "pirfenidone": [("Esbriet", OB)],
    "leflunomide": [("Arava", OB)],
    "methotrexate": [("Trexall", OB), ("Otrexup", OB), ("Rasuvo", OB), ("Xatmep", OB), ("Jylamvo", OB),
        ("RediTrex", OB)],
    "infliximab": [("Remicade", PB), ("Inflectra", PB), ("Renflexis", PB), ("Avsola", PB), ("Ixifi", PB),
        ("Zymfentra", PB), ("Remsima", EMA), ("Zessly", EMA), ("Flixabi", EMA)],
    "adalimumab": [("Humira", PB), ("Amjevita", PB), ("Cyltezo", PB), ("Hyrimoz", PB), ("Hadlima", PB),
        ("Yusimry", PB), ("Hulio", PB), ("Idacio", PB), ("Yuflyma", PB), ("Abrilada", PB), ("Simlandi", PB),
        ("Amgevita", EMA), ("Imraldi", EMA), ("Amsparity", EMA)],
    "etanercept": [("Enbrel", PB), ("Erelzi", PB), ("Eticovo", PB), ("Benepali", EMA), ("Nepexto", EMA)],
    "certolizumab pegol": [("Cimzia", PB)],
    "golimumab": [("Simponi", PB), ("Simponi Aria", PB)],
    "abatacept": [("Orencia", PB), ("Orencia ClickJect", PB)],
    "tofacitinib": [("Xeljanz", OB), ("Xeljanz XR", OB)],
    "baricitinib": [("Olumiant", OB)],
    "upadacitinib": [("Rinvoq", OB), ("Rinvoq LQ", OB)],
    "ruxolitinib": [("Jakafi", OB), ("Opzelura", OB), ("Jakavi", EMA)],
    "tacrolimus": [("Prograf", OB), ("Envarsus XR", OB), ("Astagraf XL", OB), ("Protopic", OB), ("Advagraf", EMA),
        ("Modigraf", EMA), ("Hecoria", HECORIA)],
    "cyclosporine": [("Neoral", OB), ("Sandimmune", OB), ("Gengraf", OB), ("Restasis", OB), ("Cequa", OB),
        ("Verkazia", OB), ("Vevye", OB), ("Sandimmun", CF), ("Ikervis", EMA)],
    "voclosporin": [("Lupkynis", OB)],
    "immune globulin": [("Gammagard Liquid", PB), ("Gammagard S/D", PB), ("Gamunex-C", PB), ("Gammaked", PB),
        ("Privigen", PB), ("Octagam", PB), ("Flebogamma DIF", PB), ("Bivigam", PB), ("Panzyga", PB), ("Asceniv", PB),
        ("Gammaplex", PB), ("Carimune NF", PB), ("Alyglo", PB), ("Kiovig", EMA)],
    "prednisone": [("Rayos", OB), ("Deltasone", CF), ("Prednisone Intensol", OB)],
    "prednisolone": [("Orapred", OB), ("Orapred ODT", OB), ("Millipred", OB), ("Pediapred", OB), ("Pred Forte", OB),
        ("Pred Mild", OB), ("Flo-Pred", FLO_PRED), ("Veripred", VERIPRED)],
    "methylprednisolone": [("Medrol", OB), ("Solu-Medrol", OB), ("Depo-Medrol", OB), ("A-Methapred", OB)],
    "dexamethasone": [("Decadron", CF), ("Hemady", OB), ("Dexamethasone Intensol", OB), ("TaperDex", OB),
        ("Ozurdex", OB), ("Maxidex", OB), ("Dextenza", OB), ("DexPak", DEXPAK), ("DexPak TaperPak", DEXPAK)],
    "hydrocortisone": [("Cortef", OB), ("Solu-Cortef", OB), ("A-Hydrocort", OB), ("Alkindi Sprinkle", OB),
        ("Cortifoam", OB), ("Khindivi", "DailyMed (setid 1ef80500-8386-40ee-b608-516cd687b376)")],
    "betamethasone": [("Celestone Soluspan", OB), ("Diprolene", OB)],
    "triamcinolone": [("Kenalog-10", OB), ("Kenalog-40", OB), ("Kenalog-80", OB), ("Zilretta", OB),
        ("Triesence", OB), ("Nasacort", OB), ("Aristospan", ARISTOSPAN)],
    "deflazacort": [("Emflaza", OB), ("Calcort", CF)],
    "budesonide": [("Entocort EC", OB), ("Uceris", OB), ("Ortikos", OB), ("Tarpeyo", OB), ("Eohilia", OB),
        ("Pulmicort Respules", OB), ("Pulmicort Flexhaler", OB), ("Kinpeygo", EMA)],
    "fludrocortisone": [("Florinef", OB)],
    "sulfamethoxazole-trimethoprim": [("Bactrim", OB), ("Bactrim DS", OB), ("Septra", CF), ("Septra DS", CF),
        ("Septrin", CF), ("Sulfatrim", SULFATRIM)],
    "dapsone": [("Aczone", OB)],
    "atovaquone": [("Mepron", OB), ("Wellvone", CF)],
    "pentamidine": [("Pentam 300", OB), ("NebuPent", OB)],
}

COMEDICATION_BRANDS: dict[str, list[tuple[str, str]]] = {
    "immune globulin subcutaneous": [("Hizentra", PB), ("Cuvitru", PB), ("Xembify", PB), ("Cutaquig", PB),
        ("HyQvia", PB)],
    "mesna": [("Mesnex", OB)],
    "diphenhydramine": [("Benadryl", OB)],
    "cetirizine": [("Zyrtec", OB)],
    "levocetirizine": [("Xyzal", OB)],
    "loratadine": [("Claritin", OB)],
    "fexofenadine": [("Allegra", OB)],
    "hydroxyzine": [("Atarax", OB), ("Vistaril", OB)],
    "acetaminophen": [("Tylenol", OB), ("Ofirmev", OB)],
    "ondansetron": [("Zofran", OB), ("Zofran ODT", OB)],
    "prochlorperazine": [("Compazine", OB), ("Compro", OB)],
    "metoclopramide": [("Reglan", OB)],
    "famotidine": [("Pepcid", OB)],
    "ranitidine": [("Zantac", OB)],
    "cimetidine": [("Tagamet", OB)],
    "nizatidine": [("Axid", OB)],
    "albuterol": [("Proventil HFA", OB), ("Ventolin HFA", OB), ("ProAir HFA", OB)],
    "omeprazole": [("Prilosec", OB)],
    "esomeprazole": [("Nexium", OB)],
    "pantoprazole": [("Protonix", OB)],
    "lansoprazole": [("Prevacid", OB)],
    "amlodipine": [("Norvasc", OB), ("Katerzia", OB)],
    "nifedipine": [("Procardia", OB), ("Procardia XL", OB), ("Adalat CC", OB)],
    "diltiazem": [("Cardizem", OB), ("Cardizem CD", OB), ("Cartia XT", OB), ("Tiazac", OB)],
    "lisinopril": [("Zestril", OB), ("Prinivil", OB), ("Qbrelis", OB)],
    "enalapril": [("Vasotec", OB), ("Epaned", OB)],
    "captopril": [("Capoten", OB)],
    "losartan": [("Cozaar", OB)],
    "valsartan": [("Diovan", OB)],
    "sildenafil": [("Revatio", OB), ("Viagra", OB)],
    "tadalafil": [("Adcirca", OB), ("Alyq", OB), ("Tadliq", OB), ("Cialis", OB)],
    "bosentan": [("Tracleer", OB)],
    "ambrisentan": [("Letairis", OB)],
    "macitentan": [("Opsumit", OB)],
    "riociguat": [("Adempas", OB)],
    "epoprostenol": [("Flolan", OB), ("Veletri", OB)],
    "iloprost": [("Ventavis", OB)],
    "treprostinil": [("Remodulin", OB), ("Tyvaso", OB), ("Orenitram", OB)],
    "selexipag": [("Uptravi", OB)],
    "hydroxychloroquine": [("Plaquenil", OB)],
    "ibuprofen": [("Advil", OB), ("Motrin", OB)],
    "naproxen": [("Aleve", OB), ("Naprosyn", OB), ("Anaprox DS", OB)],
    "tramadol": [("Ultram", OB)],
    "meperidine": [("Demerol", OB)],
    "epinephrine": [("EpiPen", OB)],
}

# US biosimilar proper names (FDA Purple Book): ingredient -> four-letter suffixes.
BIOSIMILAR_SUFFIXES = {
    "rituximab": ["abbs", "pvvr", "arrx"],
    "tocilizumab": ["bavi", "aazg", "anoh"],
    "adalimumab": ["atto", "adbm", "adaz", "bwwd", "aqvh", "fkjp", "aacf", "aaty", "afzb", "ryvk"],
    "infliximab": ["dyyb", "abda", "axxq", "qbtx"],
    "etanercept": ["szzs", "ykro"],
}

# rules.md Terms (systemic routes): known names, but no immunosuppressant or PCP class by their route.
NON_SYSTEMIC = [
    ("Protopic", "tacrolimus", "topical"),
    ("Restasis", "cyclosporine", "ophthalmic"),
    ("Cequa", "cyclosporine", "ophthalmic"),
    ("Verkazia", "cyclosporine", "ophthalmic"),
    ("Aczone", "dapsone", "topical"),
    ("Opzelura", "ruxolitinib", "topical"),
]
RULE_CLASSES = {"immunosuppressant", "pcp-prophylaxis", "calcineurin-inhibitor", "jak-inhibitor"}

# Co-medications and premedications no rule checks (rules.md "Messages, options and names"), by
# generic name, salt and abbreviation (their US brands are in COMEDICATION_BRANDS).
COMEDICATION_NAMES = {
    "diphenhydramine": ["diphenhydramine", "diphenhydramine hydrochloride"],
    "cetirizine": ["cetirizine"],
    "loratadine": ["loratadine"],
    "hydroxyzine": ["hydroxyzine", "hydroxyzine pamoate"],
    "acetaminophen": ["acetaminophen", "paracetamol", "APAP"],
    "ondansetron": ["ondansetron", "ondansetron hydrochloride"],
    "prochlorperazine": ["prochlorperazine", "prochlorperazine maleate"],
    "metoclopramide": ["metoclopramide"],
    "famotidine": ["famotidine"],
    "ranitidine": ["ranitidine"],
    "omeprazole": ["omeprazole"],
    "esomeprazole": ["esomeprazole", "esomeprazole magnesium"],
    "pantoprazole": ["pantoprazole", "pantoprazole sodium"],
    "lansoprazole": ["lansoprazole"],
    "amlodipine": ["amlodipine", "amlodipine besylate"],
    "nifedipine": ["nifedipine"],
    "diltiazem": ["diltiazem"],
    "lisinopril": ["lisinopril"],
    "enalapril": ["enalapril", "enalapril maleate"],
    "captopril": ["captopril"],
    "losartan": ["losartan", "losartan potassium"],
    "valsartan": ["valsartan"],
    "sildenafil": ["sildenafil", "sildenafil citrate"],
    "tadalafil": ["tadalafil"],
    "bosentan": ["bosentan"],
    "ambrisentan": ["ambrisentan"],
    "macitentan": ["macitentan"],
    "epoprostenol": ["epoprostenol"],
    "iloprost": ["iloprost"],
    "treprostinil": ["treprostinil"],
    "selexipag": ["selexipag"],
    "hydroxychloroquine": ["hydroxychloroquine", "HCQ", "hydroxychloroquine sulfate"],
    "calcium carbonate": ["calcium carbonate"],
    "cholecalciferol": ["cholecalciferol", "vitamin D", "vitamin D3"],
    "folic acid": ["folic acid"],
    "ibuprofen": ["ibuprofen"],
    "naproxen": ["naproxen"],
    "tramadol": ["tramadol"],
    "mesna": ["mesna"],
}


@pytest.fixture(scope="module")
def vocab():
    return Linter().vocab


@pytest.fixture(scope="module")
def data():
    return json.loads(DATA.read_text(encoding="utf-8"))["drugs"]


def _cases(table):
    return [(ing, name, src) for ing, brands in table.items() for name, src in brands]


@pytest.mark.parametrize("ingredient,brand,source", _cases(CATALOG_BRANDS) + _cases(COMEDICATION_BRANDS))
def test_brand_resolves_to_its_ingredient(vocab, ingredient, brand, source):
    drug = vocab.drug(brand)
    assert drug is not None, f"{brand} ({source}) is unknown"
    assert drug.name == ingredient


@pytest.mark.parametrize("table", [CATALOG_BRANDS, COMEDICATION_BRANDS], ids=["catalog", "co-medications"])
def test_data_lists_exactly_these_brands_with_their_source(data, table):
    for ingredient, brands in table.items():
        shipped = sorted((b["name"], b["source"]) for b in data[ingredient]["brands"])
        assert shipped == sorted(brands), ingredient


def test_every_shipped_brand_is_in_a_table(data):
    tabled = {(ing, n) for t in (CATALOG_BRANDS, COMEDICATION_BRANDS) for ing, bs in t.items() for n, _ in bs}
    shipped = {(ing, b["name"]) for ing, e in data.items() for b in e.get("brands", ())}
    assert shipped - tabled == set()


def test_every_brand_names_a_public_list_and_a_tag(data):
    for ing, e in data.items():
        for b in e.get("brands", ()):
            assert b["source"] in (PB, OB, EMA, CF) or (
                b["source"].startswith((DAILYMED, NDC, RXNORM)) and b["source"].endswith(")")), (ing, b)
            assert b.get("tag") in ("V", "V2", "U"), (ing, b)
            assert b.get("region"), (ing, b)


@pytest.mark.parametrize("ingredient,suffix", [(i, s) for i, ss in BIOSIMILAR_SUFFIXES.items() for s in ss])
def test_biosimilar_proper_name_with_and_without_hyphen(vocab, ingredient, suffix):
    for spelling in (f"{ingredient}-{suffix}", f"{ingredient} {suffix}", f"{ingredient.upper()}-{suffix.upper()}"):
        drug = vocab.drug(spelling)
        assert drug is not None and drug.name == ingredient, spelling


@pytest.mark.parametrize("brand,ingredient,route", NON_SYSTEMIC)
def test_non_systemic_brand_is_known_but_not_a_checked_class_by_its_route(vocab, brand, ingredient, route):
    res = vocab.resolve(brand)
    assert res.drug is not None and res.drug.name == ingredient
    assert res.route == route  # the brand is sold for this route only
    assert res.drug.tags_for_route(route).isdisjoint(RULE_CLASSES)
    assert not res.drug.tags_for_route("oral").isdisjoint(RULE_CLASSES)  # the ingredient itself is checked


def test_inhaled_pentamidine_stays_a_pcp_agent(vocab):
    res = vocab.resolve("NebuPent")
    assert res.drug.name == "pentamidine" and res.route == "inhaled"
    assert "pcp-prophylaxis" in res.drug.tags_for_route("inhaled")


@pytest.mark.parametrize("ingredient,name", [(i, n) for i, ns in COMEDICATION_NAMES.items() for n in ns])
def test_comedication_is_known_and_checked_by_no_rule(vocab, ingredient, name):
    drug = vocab.drug(name)
    assert drug is not None and drug.name == ingredient, name
    assert drug.classes == frozenset(), f"{ingredient} must carry no rule class"


def test_every_code_carries_a_source_and_a_tag(data):
    n = 0
    for ing, e in data.items():
        codes = ([e["rxcui"]] if e.get("rxcui") else []) + list(e.get("product_codes", ()))
        for c in codes:
            n += 1
            assert isinstance(c, dict), (ing, c)
            assert c["code"].isdigit(), (ing, c)
            assert len(c["source"].strip()) >= 3, (ing, c)
            assert c["tag"] in ("V", "V2", "U"), (ing, c)
    assert n >= 300  # the product codes are shipped, not only ingredient codes


def test_no_code_belongs_to_two_ingredients(data):
    owner: dict[str, str] = {}
    for ing, e in data.items():
        for c in ([e["rxcui"]] if e.get("rxcui") else []) + list(e.get("product_codes", ())):
            assert owner.setdefault(c["code"], ing) == ing, (c["code"], owner[c["code"]], ing)


def test_verified_product_code_maps_to_its_ingredient_and_contradicts_another(vocab, data):
    checked = 0
    for ing, e in data.items():
        for c in e.get("product_codes", ()):
            if c["tag"] not in ("V", "V2"):
                continue
            drug = vocab.drug(ing)
            assert vocab.drug_by_rxcui(c["code"]).name == ing, c
            assert vocab.rxcui_conflict(c["code"], drug) is None, c
            checked += 1
    assert checked >= 300
    # A verified adalimumab product code on a rituximab order is a contradiction.
    humira_code = next(c["code"] for c in data["adalimumab"]["product_codes"] if c["tag"] == "V2")
    assert vocab.rxcui_conflict(humira_code, vocab.drug("rituximab")) == "adalimumab"


def test_names_are_two_characters_or_more_and_mean_one_ingredient(data):
    owner: dict[str, str] = {}
    for ing, e in data.items():
        for n in [ing, *e.get("aliases", ()), *(b["name"] for b in e.get("brands", ()))]:
            key = name_key(n)
            assert len(key.replace(" ", "")) >= 2, (ing, n)
            assert owner.setdefault(key, ing) == ing, f"{n!r} means {owner[key]} and {ing}"


@pytest.mark.parametrize("written, ingredient", [
    ("TaperDex 12-Day", "dexamethasone"), ("TaperDex 6 Day", "dexamethasone"), ("DexPak 10 Day TaperPak", "dexamethasone"),
    ("Dexamethasone 6-Day", "dexamethasone"), ("Medrol 7 days", "methylprednisolone"),
])
def test_a_packs_length_in_a_name_names_no_other_drug(vocab, written, ingredient):
    # 'TaperDex 12-Day' was an unknown drug, a warning: a glucocorticoid pack at any dose passed --fail-on error.
    drug = vocab.drug(written)
    assert drug is not None and drug.name == ingredient


def test_a_qualifier_that_is_no_pack_length_still_names_no_drug(vocab):
    assert vocab.drug("prednisone taper") is None and vocab.drug("HiDex 6-Day Taper Pack") is None
