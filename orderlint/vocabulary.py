"""Normalize stage, part 1: names -> canonical ingredients and test names.

The test names are part of the regimen format, so they live in the core; drug names are
contributed by rule packs through the ``orderlint_vocabulary`` hook (the built-in pack ships
them as data, ``vocabulary.json``) and by a site's ``[tool.orderlint.vocabulary]`` table.

A drug name is read structurally before it is looked up: case, spacing and punctuation,
bracketed brands (``[CellCept]``), strengths and dose forms (``500 MG Oral Tablet``), strength
designators (``DS``), salts, hydrates and esters (``amlodipine besylate``), US biosimilar
suffixes (``adalimumab-ryvk``). A name that reads two ways is ambiguous, never a guess, and
nothing is ever fuzzy-matched into a drug: similarity only produces suggestions.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

if TYPE_CHECKING:
    from pydantic_core import CoreSchema, SchemaValidator
    from pydantic_core.core_schema import TypedDictField

#: Canonical test names and their aliases (regimen-format.md). ``cmp`` counts as lft and renal.
CORE_TESTS: dict[str, list[str]] = {
    "cbc": ["cbc with differential", "fbc"],
    "lft": ["liver panel", "hepatic panel", "alt/ast"],
    "renal": ["creatinine", "egfr", "bmp", "u&e"],
    "urinalysis": ["ua"],
    "hbv": ["hbsag", "anti-hbc", "hepatitis b serology"],
    "hcv": ["anti-hcv", "hepatitis c"],
    "tb": ["igra", "quantiferon", "t-spot", "tst", "ppd"],
    "pregnancy": ["hcg", "beta-hcg", "pregnancy test"],
    "tpmt": ["nudt15", "thiopurine genotype"],
    "g6pd": [],
    "hrct": ["hrct chest", "ct chest"],
    "pft": ["pulmonary function tests", "spirometry", "dlco"],
}
#: Names that count as several tests at once.
COMPOSITE_TESTS: dict[str, tuple[str, ...]] = {"cmp": ("lft", "renal")}

#: rules.md Terms: an order by one of these routes (or without a route) is systemic.
SYSTEMIC_ROUTES = frozenset({"oral", "iv", "sc", "im"})
#: Verification tags of clinical-facts.md: V (primary source), V2 (secondary), U (unverified).
CODE_TAGS = ("V", "V2", "U")
#: Tags that make a code a fact the vocabulary relies on (a contradiction is reported only for these).
VERIFIED_TAGS = frozenset({"V", "V2"})

#: Did-you-mean threshold: difflib ``SequenceMatcher.ratio()`` of the normalized names, >= 0.8.
#: (2 x matching characters / total characters: 'mycophenolate mofitil' -> 0.95,
#: 'cyclophosphamid' -> 0.97, 'Benadryl' vs 'benepali' -> 0.63, 'mtx' vs 'rtx' -> 0.67.)
#: The same threshold decides whether an unknown name is a likely misspelling (OL002 error).
SIMILARITY = 0.8

_SPACE_RE = re.compile(r"\s+")
# Punctuation that only separates words: 'TMP-SMX', 'TMP/SMX' and 'tmp smx' are one key.
_SEP_RE = re.compile(r"[\s\-/,;:+_()\[\]{}'\"*!?]+|\.(?!\d)")
_BRACKET_RE = re.compile(r"\[([^\[\]]*)\]|\(([^()]*)\)")
_NUM = r"\d+(?:[.,]\d+)?"
_MASS_UNITS = {"mg": "mg", "mcg": "mcg", "ug": "mcg", "µg": "mcg", "μg": "mcg", "g": "g", "gm": "g",
               "milligram": "mg", "milligrams": "mg", "microgram": "mcg", "micrograms": "mcg",
               "gram": "g", "grams": "g"}
# A printed strength: '500 MG', '200 MG/ML', '0.1 %', '24 HR', '17 GM', '20 MEQ', '1 ML'.
_STRENGTH_RE = re.compile(
    rf"(?<![\w.])({_NUM})\s*(micrograms?|milligrams?|grams?|mg|mcg|ug|µg|μg|gm|g|ml|l|%|meq|mmol|unt|units?|iu|hr|h|actuat|mg/ml)"
    rf"(?:\s*/\s*({_NUM}\s*)?(ml|l|actuat|hr|h|kg|m2|mg|g|gm|unt|tab|tablet|cap|capsule|dose|spray|drop))?(?![\w])",
    re.IGNORECASE,
)
_RATIO_RE = re.compile(rf"(?<![\w.]){_NUM}(?:\s*/\s*{_NUM})+(?![\w.])")
_NUMBER_RE = re.compile(rf"^{_NUM}%?$")
_THOUSANDS_RE = re.compile(r"[1-9]\d{0,2}[.,]\d{3}$")  # '1,000', '1.000': thousands or three decimals?
_GROUPED_BEFORE_RE = re.compile(r"\d[\s'\u2019]$")
_SUFFIX_RE = re.compile(r"^[a-z]{4}$")
#: A number hyphenated to a short letter code, as drug shorthands are written ('6-MP', '5-ASA',
#: '6-TG'), not a pack's length ('6-Day').
_NUMBERED_CODE_RE = re.compile(r"(?<![\w.])\d+-(?!(?:days?|weeks?|wk|months?|hours?|hr)\b)[a-z]{1,4}\b", re.IGNORECASE)

# Dose forms, release designations and route words as pharmacy systems print them.
_FORM_WORDS = frozenset(
    "tablet tablets tab tabs capsule capsules cap caps caplet caplets injection injectable injectables "
    "infusion solution solutions suspension suspensions oral iv ivpb sc im po er xr xl sr cr dr ec la odt "
    "extended delayed release released sustained controlled enteric coated film filmcoated "
    "chewable disintegrating dispersible effervescent orally soluble hr h "
    "topical ointment cream gel lotion foam shampoo ophthalmic eye drop drops otic nasal spray "
    "inhalation inhaler inhalant inhaled nebulizer nebuliser nebulized aerosol powder metered "
    "dose dry respules rectal suppository enema vaginal transdermal patch "
    "intravenous subcutaneous intramuscular intrathecal emulsion concentrate liquid syrup elixir "
    "drops vial vials ampule ampoule prefilled pre filled syringe syringes pen pens autoinjector "
    "auto injector cartridge kit pack bottle for reconstitution lyophilized single use "
    "pf preservative free product granules granule lozenge lozenges troche troches paste pellet pellets "
    "wafer strip strips sachet packet packets implant insert ring bag premix premixed pill pills "
    # SNOMED CT product names ('Oral form oxycodone (product)'): 'form' names no ingredient.
    "form "
    # A pack's length ('ZCORT 7-Day', 'TaperDex 12-Day', 'Dexabliss 11-Day Dose Pack'): the number
    # goes as a number, 'day' names no ingredient. ('taper' is no form: 'prednisone taper' is OL002.)
    "day days "
    # Directions typed into the drug field ('sildenafil 20 mg TID'): never part of a name.
    "qd bid tid qid qod qhs qam qpm prn daily nightly weekly q4h q6h q8h q12h q24h bd tds qds mane nocte".split()
)
# A vehicle after 'in' ('rituximab 1000 mg in 0.9% NaCl 500 mL') is not an ingredient.
_DILUENT_WORDS = frozenset(
    "in nacl ns normal half saline sodium chloride dextrose glucose d5w d5 d10w d5ns water sterile "
    "for injection lactated ringer ringers lr sw swfi bag ml l of".split()
)
# Known names this short ('hc', 'mp', 'ta') held inside an unknown name do not make it an error
# (Vocabulary.checked_names_in): 'Anusol HC', 'Cipro HC', 'Vitamin D3 MP' are other products.
_SHORT_NAME = 2
#: Routes by which a two-letter alias inside an unknown name still names the drug (no suffix product).
_PARENTERAL = frozenset({"iv", "im", "sc"})
# Dose-form words that say the route (the name then implies it: 'tacrolimus 0.1 % Topical Ointment').
_FORM_ROUTES = {
    "topical": "topical", "ointment": "topical", "cream": "topical", "gel": "topical",
    "lotion": "topical", "foam": "topical", "shampoo": "topical", "transdermal": "topical",
    "ophthalmic": "ophthalmic", "eye": "ophthalmic",
    "inhalation": "inhaled", "inhaler": "inhaled", "inhalant": "inhaled", "inhaled": "inhaled",
    "nebulizer": "inhaled", "nebuliser": "inhaled", "nebulized": "inhaled", "respules": "inhaled",
    "nasal": "nasal", "rectal": "rectal", "suppository": "rectal", "enema": "rectal",
    "vaginal": "vaginal", "otic": "otic",
    "oral": "oral", "po": "oral", "intravenous": "iv", "subcutaneous": "sc", "intramuscular": "im",
    # Abbreviated in product names ('Actemra IV'): unread, such a name stated no route, so an order of
    # it by another route was no contradiction (OL003) and, with no route given, not ILD103's IV.
    "iv": "iv", "sc": "sc", "im": "im", "ivpb": "iv",
}
_PER_PIECE = {"tablet": "tablet", "tablets": "tablet", "tab": "tablet", "tabs": "tablet",
              "caplet": "tablet", "capsule": "capsule", "capsules": "capsule", "cap": "capsule",
              "caps": "capsule", "suppository": "suppository", "patch": "patch", "injection": "injection",
              "vial": "injection", "syringe": "syringe", "pen": "pen", "cartridge": "cartridge"}
_PER_UNIT = {"ml": "ml", "l": "l", "actuat": "actuation", "tab": "tablet", "tablet": "tablet",
             "cap": "capsule", "capsule": "capsule", "dose": "dose"}
# Strength designators: 'Bactrim DS', 'TMP-SMX SS', 'Septrin Forte'.
_DESIGNATORS = frozenset("ds ss forte double single strength".split())
# Salts, hydrates and esters that do not change the ingredient for any rule. An explicit alias
# is looked up first, so 'mycophenolate sodium' stays mycophenolic acid and 'potassium chloride'
# stays a drug of its own.
_SALT_WORDS = frozenset(
    "sodium potassium calcium magnesium zinc aluminum lithium hydrochloride hcl dihydrochloride "
    "hydrobromide hbr bromide chloride besylate besilate maleate hydrogen mesylate mesilate esylate esilate "
    "edisylate isethionate citrate dicitrate succinate phosphate diphosphate acetate diacetate "
    "acetonide hexacetonide diacetate dipropionate propionate valerate butyrate furoate sulfate "
    "sulphate bisulfate tartrate bitartrate fumarate hemifumarate malate lactate gluconate "
    "carbonate hyclate tosylate tromethamine meglumine dimeglumine sodium hemihydrate monohydrate "
    "dihydrate trihydrate sesquihydrate hydrate anhydrous disodium trisodium ethanesulfonate "
    "nitrate oxalate pamoate stearate ethylsuccinate estolate base".split()
)
# Four-letter words that are never a biosimilar suffix.
# Route words too: 'immune globulin subq' (subcutaneous immune globulin) read as a biosimilar of IVIG.
_NOT_SUFFIX = _FORM_WORDS | _SALT_WORDS | frozenset("acid oral plus free with lite mini subq".split())
_COMBINATION_RE = re.compile(r"\s*(?:/|\+|&|\band\b|\bwith\b|,)\s*")


def clean_name(text: str) -> str:
    """Case-fold and tidy a typed name: 'Solu–Medrol®' -> 'solu-medrol'. Compatibility forms
    (fullwidth 'ｃｙｃｌｏｐｈｏｓｐｈａｍｉｄｅ', '㎎', 'm²') read as the characters they stand for
    (Unicode NFKC): an input method's fullwidth name was an unknown drug, a warning only."""
    t = text.lower().replace("®", "").replace("™", "")
    if not t.isascii():
        t = unicodedata.normalize("NFKC", t).lower()
    t = t.replace("\u2013", "-").replace("\u2014", "-").replace("\u2010", "-").replace("\u2011", "-")
    return _SPACE_RE.sub(" ", t).strip()


def name_key(text: str) -> str:
    """The form names are compared in: cleaned, punctuation between words read as a space."""
    return _SEP_RE.sub(" ", clean_name(text).replace("&", " and ")).strip()


#: Punctuation a name may be glued with ('MMF.500', 'm.m.f.'); spread_key reads each run as a space.
_GLUE_PUNCTUATION = r"[#=|~@.$%^<>\\`]+"
_GLUE_NO_DIGITS_RE = re.compile(_GLUE_PUNCTUATION)
#: The same, and the seam between letters and digits ('RTX1000').
_GLUE_RE = re.compile(_GLUE_PUNCTUATION + r"|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def spread_key(text: str, digits: bool = True) -> str:
    """name_key with letters apart from digits and any punctuation a space ('RTX1000' -> 'rtx 1000',
    'MMF.500' -> 'mmf 500'), and a name spelt letter by letter joined ('m.m.f.', 'C Y C' -> 'mmf',
    'cyc'): how a checked drug's abbreviation is found in a name typed around it."""
    cleaned = clean_name(text)
    if not cleaned.isascii():  # zero-width and other invisible characters inside a name ('m\u200bm\u200bf')
        cleaned = "".join(c for c in cleaned if unicodedata.category(c) != "Cf")
    words = name_key((_GLUE_RE if digits else _GLUE_NO_DIGITS_RE).sub(" ", cleaned)).split()
    out: list[str] = []
    run = ""
    for w in words:  # a run of single letters is one word: 'm.m.f. 500' -> 'mmf 500'
        if len(w) == 1 and w.isalpha():
            run += w
            continue
        if run:
            out.append(run)
            run = ""
        out.append(w)
    if run:
        out.append(run)
    return " ".join(out)


@dataclass(frozen=True)
class Drug:
    name: str
    classes: frozenset[str]
    rxcui: Optional[str] = None
    pe_factor: Optional[float] = None
    tags: frozenset[str] = frozenset()  # classes plus the ingredient name: what `is_a` answers
    #: ((route, frozenset of classes kept by that non-systemic route), ...), sorted by route
    route_classes: tuple[tuple[str, frozenset[str]], ...] = ()
    #: ((route, ingredient), ...): by that route an order of this one is an order of that one
    #: (subcutaneous immune globulin given IV is IVIG), sorted by route
    by_route: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", frozenset(self.classes) | {self.name})

    def is_a(self, cls: str) -> bool:
        return cls in self.tags

    def tags_for_route(self, route: Optional[str]) -> frozenset[str]:
        """Tags by route (rules.md Terms): all of them for a systemic or missing route; for any
        other route the ingredient name plus only the classes the data keeps for that route."""
        if route is None or route in SYSTEMIC_ROUTES:
            return self.tags
        for r, classes in self.route_classes:
            if r == route:
                return frozenset(classes) | {self.name}
        return frozenset({self.name})


class Resolution:
    """How a drug name reads: one ingredient, several (ambiguous), or none.

    (A plain slotted class, not a dataclass: dataclass creation costs start-up time.)
    """

    __slots__ = ("drug", "ambiguous", "printed_strength", "route", "core")

    def __init__(
        self,
        drug: Optional[Drug] = None,
        ambiguous: tuple[str, ...] = (),
        printed_strength: Optional[tuple[float, str, str]] = None,
        route: Optional[str] = None,
        core: str = "",
    ) -> None:
        self.drug = drug
        #: ingredient names when the text reads two ways (then ``drug`` is None)
        self.ambiguous = ambiguous
        #: (value, mass unit, per) printed in a product description, e.g. (500.0, 'mg', 'tablet')
        self.printed_strength = printed_strength
        #: the route the name itself states ('... Topical Ointment', a brand sold for one route)
        self.route = route
        #: the name without strengths, forms and brackets: what suggestions are computed on
        self.core = core

    def __repr__(self) -> str:
        return (f"Resolution(drug={self.drug.name if self.drug else None!r}, ambiguous={self.ambiguous!r}, "
                f"printed_strength={self.printed_strength!r}, route={self.route!r})")


class Code:
    """An RxNorm code (ingredient or product) and the ingredient it maps to."""

    __slots__ = ("code", "source", "tag", "ingredient")

    def __init__(self, code: str, source: str, tag: str, ingredient: str) -> None:
        self.code, self.source, self.tag, self.ingredient = code, source, tag, ingredient


class VocabularyError(Exception):
    """Vocabulary data that is invalid or contradicts another pack: a load error, never a silent choice."""


_VALIDATOR: Optional[SchemaValidator] = None
_UNSEEN: Any = object()  # a name not looked up yet (None: looked up, unknown)


def _validator() -> SchemaValidator:
    """The schema of one vocabulary entry, built on first use.

    It is written for pydantic-core (pydantic's validation engine) directly: building pydantic
    model classes costs ~150 ms at start-up, this validator under 1 ms.
    """
    global _VALIDATOR
    if _VALIDATOR is not None:
        return _VALIDATOR
    from pydantic_core import SchemaValidator
    from pydantic_core import core_schema as cs

    def opt(schema: CoreSchema) -> TypedDictField:
        return cs.typed_dict_field(cs.nullable_schema(schema), required=False)

    def req(schema: CoreSchema) -> TypedDictField:
        return cs.typed_dict_field(schema, required=True)

    def obj(fields: dict[str, TypedDictField]) -> CoreSchema:
        return cs.typed_dict_schema(fields, extra_behavior="forbid")

    tag = cs.literal_schema(list(CODE_TAGS))
    name = cs.str_schema(min_length=2, max_length=200)
    source = cs.str_schema(min_length=3, max_length=500)
    kebab = cs.str_schema(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    code = obj({"code": req(cs.str_schema(pattern=r"^[0-9]{1,12}$")), "source": req(source), "tag": req(tag)})
    brand = obj({
        "name": req(name), "source": req(source), "region": opt(cs.str_schema(max_length=60)),
        "tag": opt(tag), "route": opt(kebab),
    })
    entry = obj({
        "classes": opt(cs.list_schema(kebab)),
        "aliases": cs.typed_dict_field(cs.list_schema(name), required=False),
        "brands": cs.typed_dict_field(cs.list_schema(brand), required=False),
        # Known factors run from 0.2 (cortisone) to about 8 (betamethasone); 0.0001 passed any dose.
        "pe_factor": opt(cs.float_schema(strict=True, allow_inf_nan=False, ge=0.1, le=10)),
        "route_classes": cs.typed_dict_field(cs.dict_schema(kebab, cs.list_schema(kebab)), required=False),
        "by_route": cs.typed_dict_field(cs.dict_schema(kebab, name), required=False),
        # A plugin may give a bare code (no source: kept as tag U, never a contradiction).
        "rxcui": opt(cs.union_schema([code, cs.str_schema(pattern=r"^\s*[0-9]{1,12}\s*$")])),
        "product_codes": cs.typed_dict_field(cs.list_schema(code), required=False),
        "checked": opt(cs.bool_schema()),  # accepted and ignored: the engine derives it from the rules
    })
    _VALIDATOR = SchemaValidator(entry, cs.CoreConfig(strict=True))
    return _VALIDATOR


def validate_entries(drugs: Any, owner: str) -> dict[str, dict[str, Any]]:
    """-> {canonical: validated entry}; invalid data raises VocabularyError naming the entry."""
    if not isinstance(drugs, Mapping):
        raise VocabularyError(f"{owner}: 'drugs' must be a table of ingredient -> entry, not {type(drugs).__name__}")
    from pydantic_core import ValidationError

    validator = _validator()
    out = {}
    for canonical, entry in drugs.items():
        where = f"{owner}: vocabulary entry {canonical!r}"
        if not isinstance(canonical, str) or len(name_key(canonical).replace(" ", "")) < 2:
            raise VocabularyError(f"{owner}: ingredient name {canonical!r} is not a name of 2 or more characters")
        try:
            e = validator.validate_python(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "entry"
            raise VocabularyError(f"{where}: {loc}: {err['msg']}") from None
        for n in (*e.get("aliases", ()), *(b["name"] for b in e.get("brands", ()))):
            if len(name_key(n).replace(" ", "")) < 2:
                raise VocabularyError(f"{where}: name {n!r} has fewer than 2 characters")
        classes = set(e.get("classes") or ())
        for route, kept in e.get("route_classes", {}).items():
            if route in SYSTEMIC_ROUTES:
                raise VocabularyError(f"{where}: route_classes.{route}: a systemic route keeps every class")
            if set(kept) - classes:
                raise VocabularyError(
                    f"{where}: route_classes.{route}: {sorted(set(kept) - classes)} are not classes of the ingredient"
                )
        for route in e.get("by_route", {}):
            if route not in SYSTEMIC_ROUTES:
                raise VocabularyError(f"{where}: by_route.{route}: only a systemic route ({', '.join(sorted(SYSTEMIC_ROUTES))}) "
                                      "makes an order of another ingredient")
        out[canonical] = e
    return out


class Vocabulary:
    def __init__(self) -> None:
        self.drugs: dict[str, Drug] = {}
        self._names: dict[str, str] = {}  # name key -> canonical
        self._longest_name_words: Optional[int] = None  # words in the longest name (_known_run), once
        self._owner: dict[str, str] = {}  # name key -> who added it
        self._name_route: dict[str, str] = {}  # name key -> route a brand is only sold for
        self._facts: dict[str, dict[str, tuple[Any, str]]] = {}  # canonical -> fact -> (value, owner)
        self._codes: dict[str, Code] = {}  # RxNorm code (ingredient or product) -> where it points
        self._suffixable: set[str] = set()  # ingredients with US biosimilar names (four-letter suffix)
        self._tests: dict[str, tuple[str, ...]] = {}  # cleaned name -> canonical tests it counts as
        self._cache: dict[str, Resolution] = {}
        self._suggestions: dict[str, list[str]] = {}
        self._test_cache: dict[str, Optional[tuple[str, ...]]] = {}
        # Names as written that test() knows and that have no surrounding spaces: the names that
        # validate accepts, remembered by validate._valid_as_built (bounded; emptied by add_test).
        self._valid_tests: set[str] = set()
        self._classes: Optional[frozenset[str]] = None
        self._product_routes: Optional[dict[str, frozenset[str]]] = None  # product_routes' table, built on first use
        self._cut_candidates: Optional[tuple[str, ...]] = None  # _cut_short's one-word names, built on first use
        # _misspelt_in's names by length for each set of checked tags, and its answers per run of words.
        self._near_pool: dict[frozenset[str], dict[tuple[int, int], tuple[str, ...]]] = {}
        self._near_seen: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}
        self._longest_name = 0  # the most words in a known name (0: not counted yet)
        for canonical, aliases in CORE_TESTS.items():
            self.add_test(canonical, aliases, "orderlint")
        for name, counts in COMPOSITE_TESTS.items():
            self._tests[name] = counts

    @property
    def tests(self) -> Mapping[str, tuple[str, ...]]:
        """Test name (cleaned) -> the canonical tests it counts as. Read-only: test() remembers its
        answers, so a name is added only through add_test (which forgets them); a direct edit
        raises instead of leaving a stale answer in place."""
        return MappingProxyType(self._tests)

    # ------------------------------------------------------------------ building
    def add_test(self, canonical: str, aliases: Iterable[str], owner: str) -> None:
        canonical = clean_name(canonical)
        for n in (canonical, *aliases):
            key = clean_name(n)
            prev = self._tests.get(key)
            if prev is not None and prev != (canonical,):
                raise VocabularyError(f"{owner}: test name {n!r} already means {prev[0]!r}")
            self._tests[key] = (canonical,)
        self._test_cache = {}
        self._valid_tests = set()

    def add_drugs(self, drugs: Mapping[str, Any], owner: str, allow_override: bool = False,
                  known_classes_only: bool = False) -> None:
        """Add a pack's drugs (validated first; invalid data names the entry).

        Two packs may describe the same ingredient (adding names, brands, codes), but a fact one
        pack declared (classes, pe_factor, RxNorm code, route classes) may not be changed by
        another: that would let a plugin switch a safety rule off. ``allow_override`` (a site's
        explicit ``allow-vocabulary-override``) lets this contribution's facts win.
        """
        entries = validate_entries(drugs, owner)
        if known_classes_only:
            self._refuse_misspelt_classes(entries, owner)
        try:
            for canonical, e in entries.items():
                self._add_entry(clean_name(canonical), e, owner, allow_override)
            for canonical, e in entries.items():
                for route, target in e.get("by_route", {}).items():
                    if clean_name(target) not in self.drugs:
                        raise VocabularyError(f"{owner}: vocabulary entry {canonical!r}: by_route.{route}: {target!r} is "
                                              "no ingredient of the vocabulary")
        finally:
            self._changed()

    def _refuse_misspelt_classes(self, entries: Mapping[str, dict[str, Any]], owner: str) -> None:
        """A class (of ``classes`` or ``route_classes``) that is not a class of the vocabulary but looks
        like a misspelling of one: 'immunosupressant' or 'systemic-glucocorticoids' made a drug that no
        class-based rule checks, and its orders passed. A new class (a plugin's own rules' trigger) is free."""
        known = self.classes
        if not known:
            return
        import difflib

        for canonical, e in entries.items():
            for c in [*(e.get("classes") or ()), *(c for kept in e.get("route_classes", {}).values() for c in kept)]:
                close = difflib.get_close_matches(c, sorted(known), n=1, cutoff=0.85) if c not in known else None
                if close:
                    raise VocabularyError(f"{owner}: vocabulary entry {canonical!r}: class {c!r} is no class of the vocabulary; "
                                          f"did you mean {close[0]!r}? (a misspelt class leaves the drug unchecked by that "
                                          "class's rules)")

    def refuse_misreadings(self, drugs: Mapping[str, Any], owner: str) -> None:
        """Refuse a plugin's drug names that the vocabulary already reads as another drug (through
        its spellings, strengths and brackets, not only a name stored as written), or that look like
        a misspelling of another drug: as an alias of a harmless drug, 'cyclophosphamide iv' or
        'cyclophosphamid' was checked by nothing. The same tests as a site's names."""
        entries = validate_entries(drugs, owner)
        self._changed()
        for canonical, e in entries.items():
            target = clean_name(canonical)
            for n in [canonical, *e.get("aliases", ()), *(b["name"] for b in e.get("brands", ()))]:
                res = self.resolve(n)
                if res.ambiguous or (res.drug is not None and res.drug.name != target):
                    already = res.drug.name if res.drug is not None else " or ".join(res.ambiguous)
                    raise VocabularyError(f"{owner}: drug name {n!r} already reads as {already!r}, not {target!r}")
                if res.drug is None:
                    looks_like = sorted({self._names[k] for k in self._close(n)} - {target})
                    if looks_like:
                        raise VocabularyError(f"{owner}: drug name {n!r} looks like a misspelling of "
                                              f"{', '.join(map(repr, looks_like))}, not of {target!r}")
                    mine = self.drugs.get(target)
                    held = sorted({d.name for d in (self.drugs[self._names[k]] for k in self.contained_names(n))
                                   if d.classes and d.name != target and (mine is None or _agree(mine, d) is None)})
                    if held:
                        # 'prednisone taper' as a plugin's co-medication: unmapped an OL002 error, added it
                        # hid prednisone from every rule.
                        raise VocabularyError(f"{owner}: drug name {n!r} holds the name of {', '.join(map(repr, held))}, "
                                              f"a drug the rules check, not of {target!r}")

    def _add_entry(self, canonical: str, e: dict[str, Any], owner: str, allow_override: bool) -> None:
        facts = self._facts.setdefault(canonical, {})
        stated: dict[str, Any] = {}
        if e.get("classes") is not None:
            stated["classes"] = frozenset(e["classes"])
        if "pe_factor" in e:  # an explicit null is a statement too ("no prednisone equivalence")
            stated["pe_factor"] = e["pe_factor"]
        if e.get("route_classes") or e.get("classes") is not None:
            # Stating classes states which survive a non-systemic route too (by default none).
            stated["route_classes"] = tuple(sorted((r, frozenset(c)) for r, c in e.get("route_classes", {}).items()))
        if e.get("by_route"):
            stated["by_route"] = tuple(sorted((r, clean_name(t)) for r, t in e["by_route"].items()))
        elif e.get("classes") is not None:
            # Stating classes states that no route makes it another ingredient: a plugin's
            # {"cyclophosphamide": {"by_route": {"iv": "mesna"}}} made IV cyclophosphamide mesna, and
            # every rule on it passed.
            stated["by_route"] = ()
        rx = e.get("rxcui")
        if rx is not None:
            stated["rxcui"] = rx.strip() if isinstance(rx, str) else rx["code"]
        for fact, value in stated.items():
            prev = facts.get(fact)
            if prev is not None and prev[1] != owner and prev[0] != value and not allow_override:
                raise VocabularyError(
                    f"{owner} changes the {fact} of {canonical!r} from {_show(prev[0])} (declared by "
                    f"{prev[1]}) to {_show(value)}; a site can allow this with allow-vocabulary-override"
                )
            if prev is None or prev[0] != value:
                facts[fact] = (value, owner)  # the first pack to state a fact stays its owner

        def get(fact: str, default: Any) -> Any:
            return facts[fact][0] if fact in facts else default

        drug = self.drugs[canonical] = Drug(
            name=canonical,
            classes=get("classes", frozenset()),
            rxcui=get("rxcui", None),
            pe_factor=get("pe_factor", None),
            route_classes=get("route_classes", ()),
            by_route=get("by_route", ()),
        )
        if drug.pe_factor is None and "systemic-glucocorticoid" in drug.classes:
            # Without a factor its prednisone-equivalent is never computed, and the glucocorticoid
            # dose rules (ILD202, ILD204-ILD206, ILD302) passed 80 mg a day of it without OL003.
            raise VocabularyError(f"{owner}: vocabulary entry {canonical!r}: a systemic-glucocorticoid needs a pe_factor "
                                  "(its prednisone-equivalent factor), else no glucocorticoid dose rule can check it")
        brands = e.get("brands", ())
        names = [canonical, *e.get("aliases", ()), *(b["name"] for b in brands)]
        for n in names:
            self._add_name(n, canonical, owner, allow_override)
        for b in brands:
            if b.get("route"):
                self._name_route[name_key(b["name"])] = b["route"]
        for a in e.get("aliases", ()):
            # An alias that names its dose form ('dapsone gel', 'prednisolone acetate ophthalmic')
            # states its route as the same words do in any other name: read as systemic, dapsone
            # gel counted as PCP prophylaxis and hid ILD301.
            key = name_key(clean_name(a))
            routes = {_FORM_ROUTES[w] for w in key.split() if w in _FORM_ROUTES}
            if len(routes) == 1 and key not in self._name_route:
                self._name_route[key] = routes.pop()
        codes = ([rx] if rx is not None else []) + list(e.get("product_codes", ()))
        for c in codes:
            if isinstance(c, str):  # a plugin's bare code: no source, so no verified fact
                c = {"code": c.strip(), "source": f"plugin {owner}", "tag": "U"}
            prev_code = self._codes.get(c["code"])
            if prev_code is not None and prev_code.ingredient != canonical and not allow_override:
                raise VocabularyError(
                    f"{owner}: RxNorm code {c['code']} of {canonical!r} is already the code of "
                    f"{prev_code.ingredient!r} ({prev_code.source})"
                )
            if prev_code is None or prev_code.tag not in VERIFIED_TAGS or prev_code.ingredient != canonical:
                self._codes[c["code"]] = Code(c["code"], c["source"], c["tag"], canonical)
        prefix = canonical + "-"
        for a in names:  # a US biosimilar proper name ('rituximab-abbs') marks a biologic
            a = a.lower()
            if len(a) == len(prefix) + 4 and a.startswith(prefix) and _SUFFIX_RE.match(a[-4:]):
                self._suffixable.add(canonical)
                break

    def _add_name(self, name: str, canonical: str, owner: str, allow_override: bool = False) -> None:
        key = name_key(name)
        prev = self._names.get(key)
        if prev is not None and prev != canonical and not allow_override:
            raise VocabularyError(
                f"{owner}: drug name {name!r} already means {prev!r} (from {self._owner[key]})"
            )
        self._names[key] = canonical
        self._owner.setdefault(key, owner)
        self._longest_name_words = None

    def add_site_names(self, table: Mapping[str, Any], origin: str) -> None:
        """A site's ``[tool.orderlint.vocabulary]``: local name -> known ingredient.

        A name mapped to itself that no pack knows adds a co-medication that no rule checks,
        unless it looks like a known name (within the did-you-mean threshold): a misspelt
        checked drug must not become a silent co-medication.
        """
        if not isinstance(table, Mapping):
            raise VocabularyError(f"{origin}: vocabulary must be a table of local name = ingredient")
        try:
            for local, target in table.items():
                where = f"{origin}: vocabulary {local!r}"
                if not isinstance(local, str) or not isinstance(target, str):
                    raise VocabularyError(f"{where}: names must be strings, not {target!r}")
                if len(name_key(local).replace(" ", "")) < 2:
                    raise VocabularyError(f"{where}: a local name needs at least 2 characters")
                res = self.resolve(target)
                if res.ambiguous:
                    raise VocabularyError(f"{where}: {target!r} is ambiguous ({' or '.join(res.ambiguous)})")
                if res.drug is None:
                    close = self.suggest_drugs(target)
                    if name_key(local) != name_key(target) or close:
                        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                        raise VocabularyError(f"{where}: {target!r} is not a known ingredient{hint}")
                    self._refuse_held_names(where, local, None)
                    canonical = clean_name(target)
                    self._add_entry(canonical, {"classes": []}, origin, False)
                    continue
                mine = self.resolve(local)
                if mine.ambiguous or (mine.drug is not None and mine.drug.name != res.drug.name):
                    already = mine.drug.name if mine.drug is not None else " or ".join(mine.ambiguous)
                    raise VocabularyError(f"{where}: the name already means {already!r}, not {res.drug.name!r}")
                if mine.drug is None:
                    # A likely misspelling of another drug ('cyclo phosphamide' = ondansetron) would
                    # turn that drug, misspelt, into one no rule checks: the OL002 error it gives
                    # unmapped is the site's only warning, so such a name is refused.
                    looks_like = sorted({self._names[k] for k in self._close(local)} - {res.drug.name})
                    if looks_like:
                        raise VocabularyError(f"{where}: the name looks like a misspelling of {', '.join(map(repr, looks_like))}, "
                                              f"not of {res.drug.name!r}: give a name that cannot be taken for another drug")
                    self._refuse_held_names(where, local, res.drug)
                    self._add_name(local, res.drug.name, origin)
        finally:
            self._changed()

    def _refuse_held_names(self, where: str, local: str, target: Optional[Drug]) -> None:
        """A site name that holds a known name of another drug a rule may check (one with classes)
        as whole words is refused: unmapped, 'prednisone taper' is an OL002 error; mapped to itself
        (a new co-medication) or to another drug, prednisone went unchecked."""
        held = []
        # As unknown_drug reads it ('MMF.500 study', 'm.m.f.'), except an abbreviation glued to digits
        # only: 'Dex4 glucose tablet' is an OL002 error unmapped, and mapping it is the site's way to
        # say what it is.
        latin = local.translate(_LOOKALIKE_LETTERS)  # 'ММF' with Cyrillic letters: mmf
        close: list[str] = []
        if latin != local:
            # Look-alike letters: a name the reader takes for a checked drug's, or for a likely
            # misspelling of one ('ritуximаb' reads 'rityximab'), is never another drug's.
            close = self._close(latin)
        for k in dict.fromkeys([*self.contained_names(local), *self.contained_names(spread_key(local, digits=False)),
                                *self.contained_names(latin), *self.contained_names(spread_key(latin, digits=False)),
                                *close]):
            d = self.drugs[self._names[k]]
            if d.classes and (target is None or _agree(target, d) is None):
                held.append(f"{k!r} ({d.name})" if k != d.name else repr(k))
        if held:
            what = "a new co-medication" if target is None else repr(target.name)
            raise VocabularyError(f"{where}: the name holds {', '.join(held)}, a drug the rules check, so it cannot be "
                                  f"{what}: map it to that drug, or give a name that names no other drug")

    def _changed(self) -> None:
        self._longest_name = 0
        self._cache.clear()
        self._suggestions.clear()
        self._classes = None
        self._product_routes = None
        self._cut_candidates = None
        self._near_pool.clear()
        self._near_seen.clear()

    def product_routes(self, name: str) -> frozenset[str]:
        """The routes an ingredient is given by, as the vocabulary knows its products: every
        systemic route, those of its route_classes, and those its names state ('Protopic':
        topical tacrolimus)."""
        table = self._product_routes
        if table is None:
            found: dict[str, set[str]] = {}
            for key, route in self._name_route.items():
                owner = self._names.get(key)
                if owner is not None:
                    found.setdefault(owner, set()).add(route)
            for drug in self.drugs.values():
                found.setdefault(drug.name, set()).update(r for r, _ in drug.route_classes)
            table = self._product_routes = {n: frozenset(SYSTEMIC_ROUTES | routes) for n, routes in found.items()}
        return table.get(name, SYSTEMIC_ROUTES)

    # ------------------------------------------------------------------ lookups
    @property
    def classes(self) -> frozenset[str]:
        """Every class name any pack declared."""
        if self._classes is None:
            self._classes = frozenset(c for d in self.drugs.values() for c in d.classes)
        return self._classes

    def drug(self, text: str) -> Optional[Drug]:
        """The ingredient a name reads as; None when unknown or ambiguous."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self.resolve(text)
        return hit.drug

    def resolve(self, text: str) -> Resolution:
        hit = self._cache.get(text)
        if hit is None:
            hit = self._resolve(text)
            if len(self._cache) < 100_000:
                self._cache[text] = hit
        return hit

    def _resolve(self, text: str) -> Resolution:
        cleaned = clean_name(text)
        key = name_key(cleaned)
        name = self._names.get(key)
        if name is not None:
            return Resolution(self.drugs[name], (), _designated_for(name, cleaned), self._name_route.get(key), key)
        # Bracketed and parenthesized parts: '... [CellCept]', 'Solu-Medrol (methylprednisolone)'.
        notes = [a or b for a, b in _BRACKET_RE.findall(cleaned)]
        main = _BRACKET_RE.sub(" ", cleaned) if notes else cleaned
        strength = _printed_strength(main)
        if strength is not None and notes and _other_strength(notes, strength):
            # '... 250 MG Oral Capsule [CellCept 500 MG]' prints two strengths: neither is taken (a
            # capsule dose then needs `strength`, OL003), as for two strengths in one name.
            strength = None
        res = self._read(main)
        if notes:
            candidates = [r for r in (self._read(n) for n in notes) if r.drug is not None or r.ambiguous]
            if not main.strip(" -,"):
                if len(candidates) == 1:
                    res = candidates[0]
            elif res.drug is not None:
                for other in candidates:
                    if other.ambiguous:
                        return _ambiguous((res.drug.name, *other.ambiguous), res.core)
                    if other.drug is None:  # not reached: a candidate is known or ambiguous
                        continue
                    merged = _agree(res.drug, other.drug)
                    if merged is None:
                        return _ambiguous((res.drug.name, other.drug.name), res.core)
                    res = Resolution(merged, route=res.route or other.route, core=res.core)
        if res.drug is None:
            return res
        if strength is None:
            strength = _designated_for(res.drug.name, main)
        return Resolution(res.drug, (), strength, res.route, res.core)

    def _read(self, text: str) -> Resolution:
        """Read one name without brackets: strengths, forms, designators, salts, suffixes."""
        if _NUMBERED_CODE_RE.search(text):
            # A number joined to a short code is one name ('6-MP' mercaptopurine, '5-ASA' mesalamine):
            # its number dropped as a count, it read as another drug ('MP' methylprednisolone).
            return Resolution(core=name_key(text))
        hyphenated = set(re.findall(r"-([a-z]{4})\b", text))
        # Strengths go before punctuation is folded ('0.1 %', '200 MG/ML', '800/160').
        stripped = _RATIO_RE.sub(" ", _STRENGTH_RE.sub(" ", text))
        words = name_key(stripped).split()
        if "in" in words[1:]:
            cut = words.index("in", 1)
            if all(w in _DILUENT_WORDS or _NUMBER_RE.match(w) for w in words[cut:]):
                words = words[:cut]
        given = words
        core = " ".join(words)
        seen: set[str] = set()
        for i, stage in enumerate(_STAGES):
            before, words = words, stage(words)
            if not words:
                break
            if i in _FORM_STAGES and len(words) < len(before):
                # A form or route word that is part of a known name stays with it: in 'Oral Tablet
                # immune globulin subcutaneous' the longest known run is SCIG, never IVIG.
                run = self._known_run(before, set(before) - set(words), hyphenated if i == _FORM_STAGES[0] else None)
                if run is not None:
                    words = run.split()
            k = core = " ".join(words)
            if k in seen:
                continue
            seen.add(k)
            name = self._names.get(k) or self._biosimilar(words, hyphenated)
            if name is not None:
                # The route a dropped form word states ('Topical Ointment'), or the brand's own.
                routes = {_FORM_ROUTES[w] for w in given if w in _FORM_ROUTES and w not in words}
                route = routes.pop() if len(routes) == 1 else None
                return Resolution(self.drugs[name], route=self._name_route.get(k, route), core=k)
        # A name made of two known ingredients ('prednisone and methotrexate') reads two ways.
        parts = [p for p in _COMBINATION_RE.split(stripped) if p.strip(" -.")]
        if len(parts) >= 2:
            found: list[str] = []
            for p in parts:
                d = self._read(p).drug
                if d is not None and d.name not in found:
                    found.append(d.name)
            if len(found) >= 2:
                return _ambiguous(tuple(found), core)
        return Resolution(core=core)

    def _known_run(self, words: list[str], dropped: set[str], spare: Optional[set[str]]) -> Optional[str]:
        """The longest run of consecutive ``words`` that is a known name and holds a dropped word,
        every word outside it one the reading drops anyway (a form or route word, a number, a
        designator or salt word, a hyphenated suffix in ``spare``): 'EC mycophenolate mofetil' is
        no 'ec mycophenolate' (MPA) with 'mofetil' over, 'tacrolimus XL and prednisone' no
        tacrolimus alone. Any other word outside it leaves the name to the later stages (an unknown
        name, OL002, or two drugs). ``spare`` None: any word may stand outside it (the route stage,
        where a name states a route: 'Hizentra immune globulin subcutaneous' is SCIG). Runs no longer
        than the longest known name (a long text cost a time cubic in its words)."""
        if not self._names:
            return None
        longest = self._longest_name_words
        if longest is None:
            longest = self._longest_name_words = max(k.count(" ") + 1 for k in self._names)
        for size in range(min(len(words), longest), 1, -1):
            for start in range(len(words) - size + 1):
                run = words[start:start + size]
                if (not dropped.isdisjoint(run) and " ".join(run) in self._names
                        and (spare is None or all(
                            w in dropped or w in _FORM_WORDS or w in spare or w in _DESIGNATORS or w in _SALT_WORDS
                            or _NUMBER_RE.match(w) for w in words[:start] + words[start + size:]))):
                    return " ".join(run)
        return None

    def _biosimilar(self, words: list[str], hyphenated: set[str]) -> Optional[str]:
        """US biosimilar proper names: 'rituximab-abbs' and 'rituximab abbs' -> rituximab."""
        last = words[-1]
        if len(words) < 2 or not _SUFFIX_RE.match(last) or last in _NOT_SUFFIX:
            return None
        name = self._names.get(" ".join(words[:-1]))
        if name is None:
            return None
        if last in self._names:
            # A known name is no suffix: 'IgG SCIG' names two drugs (IVIG, SCIG), never IVIG alone;
            # 'immune globulin IVIG' names one twice.
            return name if self._names[last] == name else None
        # Only biologics have biosimilar names: a hyphen alone is no evidence ('MMF-site' is a site's
        # own name for something, to be mapped explicitly, never read as mycophenolate).
        if name in self._suffixable or name.endswith(("mab", "cept")) or "globulin" in name:
            return name
        return None

    def unknown_drug(self, text: str, checked: frozenset[str] = frozenset(), what: str = "order",
                     rxcui: Optional[str] = None, route: Optional[str] = None) -> tuple[str, bool]:
        """-> (OL002 message, is_error). Error when a suggestion above the threshold, or an
        ambiguity candidate, is a drug that an enabled rule checks (its tags meet ``checked``);
        when the text holds a known name of a checked drug as whole words ('cyclophosphamide
        induction', '21 (methylprednisolone 4 MG Oral Tablet) Pack'); or when ``rxcui`` (the
        order's code) is known, any tag, for a checked drug: a checked drug with a qualifier
        word, or named only by its code, was a warning and went unchecked past --fail-on error.
        ``route``: the order's own route (canonical), which decides whether the contained name is a
        systemic order of its drug (rules.md, Systemic routes)."""
        res = self.resolve(text)
        if res.ambiguous:
            names = [self.drugs[n] for n in res.ambiguous]
            err = any(not d.tags.isdisjoint(checked) for d in names)
            listed = ", ".join(res.ambiguous[:-1]) + " or " + res.ambiguous[-1]
            return f"drug name {text!r} is ambiguous: it could be {listed}", err
        close = self._close(text)
        err = any(not self.drugs[self._names[k]].tags.isdisjoint(checked) for k in close)
        labels = self.suggest_drugs(text)
        hint = f"; did you mean {', '.join(repr(c) for c in labels)}?" if labels else ""
        message = f"unknown drug {text!r} in {what}: it matches no known ingredient, so it cannot be checked{hint}"
        named = self.checked_names_in(text, checked, route) if checked else []
        if not named and checked:
            spread = spread_key(text)
            if spread != name_key(text):
                named = self.checked_names_in(spread, checked, route)  # 'RTX1000', 'MMF.500', 'm.m.f.'
        if named:
            err = True
            first: dict[str, str] = {}  # ingredient -> the first of its names the text holds
            for k in named:
                first.setdefault(self._names[k], k)
            shown = ", ".join(repr(k) if k == c else f"{k!r} ({c})" for c, k in list(first.items())[:3])
            message += (f"; it names {shown}, {'a checked drug' if len(first) == 1 else 'checked drugs'}, with words "
                        "that are not part of a drug name: give the drug name alone (or map the name in the vocabulary)")
        if checked and not err:
            cut = self._cut_short(text, checked, route)
            if cut is not None:
                # A name cut short at a fixed width ('cyclophos', 'mycophen'), as some systems export
                # it: below the similarity threshold, it was an unknown co-medication, a warning.
                err = True
                message += f"; it is the start of {cut!r} ({self._names[cut]}), a checked drug: a name cut short?"
        if checked and not err:
            near = self._misspelt_in(text, checked, route)
            if near is not None:
                # A misspelt name with a word the vocabulary does not read ('rituxmab inf',
                # 'cyclophosphamid per protocol'): the whole text is below the threshold, and the
                # order went unchecked as a co-medication, a warning past --fail-on error.
                err = True
                message += f"; its {near[0]!r} is close to {near[1]!r} ({self._names[near[1]]}), a checked drug: misspelt?"
        if checked and not text.isascii():
            latin = text.translate(_LOOKALIKE_LETTERS)
            if latin != text:
                # Cyrillic or Greek letters that look Latin ('ritуximаb', 'ММF'): a report shows what
                # looks like the checked drug's own name, and the order went unchecked as an unknown
                # co-medication, a warning past --fail-on error.
                d = self.resolve(latin).drug
                if (d is not None and not d.tags.isdisjoint(checked)) or self.unknown_drug(latin, checked, what, None, route)[1]:
                    err = True
                    shown = ", ".join(f"{c!r} U+{ord(c):04X} {unicodedata.name(c, '?')}"
                                      for c in dict.fromkeys(c for c in text if c in _LOOKALIKE_CHARS))
                    message += (f"; it holds look-alike letters that are not plain Latin ({shown}): read as Latin it is "
                                f"{latin!r}, {'a checked drug' if d is not None else 'close to a checked drug'}")
        if rxcui is not None and checked:
            c = self._codes.get(str(rxcui).strip())
            # Any tag: a U code never names the drug, but one of a checked drug beside an unknown
            # name is enough to make the unchecked order an error.
            other = self.drugs.get(c.ingredient) if c is not None else None
            if other is not None and not other.tags.isdisjoint(checked):
                err = True
                message += f"; its rxcui {str(rxcui).strip()} is {other.name}, a checked drug"
        return message, err

    def contained_names(self, text: str) -> list[str]:
        """The known names (name keys) that ``text`` holds as whole words or phrases, in the order
        they start, the longest at each start; brackets, strengths and punctuation only separate
        words ('21 (methylprednisolone 4 MG Oral Tablet) Pack [Medrol Dosepak]' holds
        'methylprednisolone' and 'medrol'). Linear in the words of the text."""
        words = name_key(text).split()
        longest = self._longest_name
        if longest == 0:
            longest = self._longest_name = max((k.count(" ") + 1 for k in self._names), default=1)
        names = self._names
        out: list[str] = []
        for i in range(len(words)):
            for size in range(min(longest, len(words) - i), 0, -1):
                k = " ".join(words[i:i + size])
                if k in names:
                    if k not in out:
                        out.append(k)
                    break
        return out

    def _cut_short(self, text: str, checked: frozenset[str], route: Optional[str]) -> Optional[str]:
        """The one-word name of a checked drug that a word of ``text`` of seven letters or more
        begins, two letters or more short of it, or None."""
        words = [w for w in name_key(text).split() if len(w) >= _CUT_MIN and w.isalpha()]
        if not words:
            return None
        candidates = self._cut_candidates
        if candidates is None:  # built on first use, after every name is in (emptied by _changed)
            candidates = self._cut_candidates = tuple(sorted(k for k in self._names if " " not in k and len(k) >= _CUT_MIN + 2))
        for k in candidates:
            for w in words:
                if len(k) >= len(w) + 2 and k.startswith(w):
                    d = self.drugs[self._names[k]]
                    if self.is_checked_by(d, checked, route):
                        return k
        return None

    def checked_names_in(self, text: str, checked: frozenset[str], route: Optional[str] = None) -> list[str]:
        """contained_names() of a checked drug (its tags by the order's own ``route`` when given,
        else by the route the name or the text's form words state: a brand sold for the eye,
        'ointment', is no systemic order; rules.md, Systemic routes), leaving out names of two
        letters or fewer ('hc', 'mp', 'ta'): inside other words they are mostly a product's
        suffix ('Anusol HC', 'Vitamin D3 MP'), not the drug (the name stays unknown, a warning),
        unless the order is given by injection ('MP pulse' IV 1000 mg passed as a warning)."""
        text_route = _text_route(name_key(text).split())
        order_route = route
        out = []
        for k in self.contained_names(text):
            if len(k) - k.count(" ") <= _SHORT_NAME and order_route not in _PARENTERAL:
                continue  # by injection a product suffix is unlikely: 'MP pulse' IV is methylprednisolone
            d = self.drugs[self._names[k]]
            route = order_route if order_route is not None else self._name_route.get(k, text_route)
            if self.is_checked_by(d, checked, route):
                out.append(k)
        return out

    def _misspelt_in(self, text: str, checked: frozenset[str], route: Optional[str]) -> Optional[tuple[str, str]]:
        """(words of ``text``, the name of a checked drug they are one typo from, or within
        ``_NEAR_SIMILARITY`` of) for a run of one or two whole words of at least ``_NEAR_MIN``
        letters, compared with the names of as many words, or None. A run that is itself a known
        name is no misspelling ('prednisolone', 'hydrochloride' of another drug). Stricter than the whole text's threshold:
        beside other words, a word as near as 0.8 is too often another drug ('pethidine',
        'fludrocortisone') or a plain word ('normal', 'aspart'). Bounded: the first
        ``_NEAR_WORDS`` words; each run's close names are remembered (form words recur)."""
        words = [w for w in (_INVISIBLE_RE.sub("", w) for w in name_key(text).split()[:_NEAR_WORDS]) if w]
        if len(words) < 2:
            return None  # the whole text was compared (_close)
        text_route = None if route is not None else _text_route(words)
        for i in range(len(words)):
            for run in (words[i], f"{words[i]} {words[i + 1]}") if i + 1 < len(words) else (words[i],):
                for k in self._near_run(run, checked):
                    # As checked_names_in: by the order's route, else the one the name or the
                    # text's form words state ('tacrolimus ointment compounded' is no systemic order).
                    by = route if route is not None else self._name_route.get(k, text_route)
                    if self.is_checked_by(self.drugs[self._names[k]], checked, by):
                        return run, k
        return None

    def _near_run(self, run: str, checked: frozenset[str]) -> tuple[str, ...]:
        """The names of as many words, of drugs a rule checks by some route, that ``run`` is one typo
        from or within ``_NEAR_SIMILARITY`` of, the closest first; none for a run that is a known
        name, a form or salt word, or a plain word (_NEAR_WORDS_NOT_NAMES)."""
        memo = self._near_seen
        hit = memo.get((run, checked))
        if hit is not None:
            return hit
        n = len(run)
        if n > _NEAR_LONGEST:
            return ()  # no name is as long: nothing to compare, nothing to remember
        found: list[tuple[float, str]] = []
        by_length = self._near_pool.get(checked)
        if by_length is None:  # built on first use, after every name is in (emptied by _changed)
            by_length = self._near_pool[checked] = self._near_names(checked)
        if n >= _NEAR_MIN and run.replace(" ", "").isalpha() and run not in self._names \
                and run not in _FORM_WORDS and run not in _SALT_WORDS and run not in _NEAR_WORDS_NOT_NAMES:
            spaces = run.count(" ")
            matcher = difflib.SequenceMatcher()
            matcher.set_seq2(run)
            # One typo (an edit or a swap of neighbours: 'rituximeb', 'cytoxen', at 0.86-0.89), or more in
            # a long name at 0.9 or more; ratio >= 0.9 needs the shorter to be at least 9/11 of the longer.
            for length in range(max(_NEAR_MIN, min(n - 1, (9 * n + 10) // 11)), max(n + 1, 11 * n // 9) + 1):
                for k in by_length.get((length, spaces), ()):
                    matcher.set_seq1(k)
                    if abs(length - n) <= 1 and _one_edit(run, k):
                        found.append((-matcher.ratio(), k))
                    elif matcher.real_quick_ratio() >= _NEAR_SIMILARITY and matcher.quick_ratio() >= _NEAR_SIMILARITY:
                        ratio = matcher.ratio()
                        if ratio >= _NEAR_SIMILARITY:
                            found.append((-ratio, k))
        out = tuple(k for _, k in sorted(found))
        if len(memo) >= 10_000:  # bounded (keys are at most _NEAR_LONGEST letters): begun again
            memo.clear()
        memo[(run, checked)] = out
        return out

    def _near_names(self, checked: frozenset[str]) -> dict[tuple[int, int], tuple[str, ...]]:
        """The names (of ``_NEAR_MIN`` letters or more) of drugs a rule checks by some route, by
        (length, spaces)."""
        out: dict[tuple[int, int], list[str]] = {}
        for k, owner in self._names.items():
            d = self.drugs.get(owner)
            if len(k) >= _NEAR_MIN and d is not None and any(
                    self.is_checked_by(d, checked, r) for r in (None, *(r for r, _ in d.route_classes))):
                out.setdefault((len(k), k.count(" ")), []).append(k)
        return {n: tuple(sorted(ks)) for n, ks in out.items()}

    @staticmethod
    def is_checked_by(d: Drug, checked: frozenset[str], route: Optional[str]) -> bool:
        """An order of ``d`` by ``route`` (None: systemic) is one a rule checks (its tags meet
        ``checked``); as Plan.is_checked, by a route that is not systemic only a class it keeps."""
        tags = d.tags_for_route(route)
        if route is not None and route not in SYSTEMIC_ROUTES:
            tags = tags - {d.name}
        return not tags.isdisjoint(checked)

    def _close(self, text: str) -> list[str]:
        """Name keys within the similarity threshold of the text's core, best first."""
        core = self.resolve(text).core or name_key(text)
        hit = self._suggestions.get(core)
        if hit is not None:
            return hit
        n = len(core)
        # ratio >= 0.8 needs the shorter name to be at least 2/3 of the longer one.
        pool = [k for k in self._names if 2 * n <= 3 * len(k) and 2 * len(k) <= 3 * n]
        out = difflib.get_close_matches(core, pool, n=9, cutoff=SIMILARITY)
        if _SHORT_LO <= n <= _SHORT_HI:
            # A short name's one typo is below the ratio ('ofeb' is 0.75 of 'ofev'): within one edit
            # (a digit read as the letter it looks like, '0fev'), it is a likely misspelling too, so
            # that a misspelt checked drug is an error (rules.md OL002), not a warning.
            alt = core.translate(_LOOKALIKE_DIGITS)
            out += [k for k in self._names if k not in out and _SHORT_LO <= len(k) <= _SHORT_HI + 1
                    and abs(len(k) - len(alt)) <= 1 and _one_edit(alt, k)]
        if len(self._suggestions) < 10_000:
            self._suggestions[core] = out
        return out

    def suggest_drugs(self, text: str, n: int = 3) -> list[str]:
        """Known names above the similarity threshold: 'name' or 'name (ingredient)'."""
        out: list[str] = []
        seen: set[str] = set()
        for k in self._close(text):
            canonical = self._names[k]
            if canonical not in seen:  # one suggestion per ingredient, its closest name
                seen.add(canonical)
                out.append(canonical if k == name_key(canonical) else f"{k} ({canonical})")
        return out[:n]

    def rxcui_conflict(self, rxcui: str, drug: Drug) -> Optional[str]:
        """The other ingredient when ``rxcui`` is a code known (tag V or V2) for a different one.

        Unknown codes and U-tagged codes are no contradiction (product codes are normal); nor is
        a code of a more specific form of the named ingredient ('mycophenolate' with MMF's code).
        """
        c = self._codes.get(str(rxcui).strip())
        if c is None or c.tag not in VERIFIED_TAGS or c.ingredient == drug.name:
            return None
        other = self.drugs.get(c.ingredient)
        if other is not None and (drug.name in other.classes or other.name in drug.classes):
            return None
        return c.ingredient

    def code(self, rxcui: str) -> Optional[Code]:
        return self._codes.get(str(rxcui).strip())

    def codes_of(self, drug: Drug) -> list[Code]:
        return [c for c in self._codes.values() if c.ingredient == drug.name]

    def drug_by_rxcui(self, rxcui: str) -> Optional[Drug]:
        c = self._codes.get(str(rxcui).strip())
        return self.drugs[c.ingredient] if c else None

    def test(self, text: str) -> Optional[tuple[str, ...]]:
        # Every name as written, known or not, is remembered (bounded; emptied by add_test), so that
        # normalize() reads a document's tests with one lookup each.
        hit = self._test_cache.get(text, _UNSEEN)
        if hit is _UNSEEN:
            hit = self._tests.get(text)
            if hit is None:
                hit = self._tests.get(clean_name(text))
            if len(self._test_cache) < 10_000:
                self._test_cache[text] = hit
        return hit


# Each stage removes one kind of word that does not name the ingredient; the name is looked up
# after each, so an explicit alias ('mycophenolate sodium', 'potassium chloride') wins.
_NAME_FORM_WORDS = _FORM_WORDS - frozenset(_FORM_ROUTES)
_STAGES = (
    lambda ws: ws,
    # Route words go last among forms: 'immune globulin subcutaneous' is not IVIG.
    lambda ws: [w for w in ws if w not in _NAME_FORM_WORDS],
    lambda ws: [w for w in ws if w not in _FORM_WORDS],
    lambda ws: [w for w in ws if not _NUMBER_RE.match(w)],
    lambda ws: [w for w in ws if w not in _DESIGNATORS],
    lambda ws: [w for w in ws if w not in _SALT_WORDS],
)


#: The stages of _STAGES that drop form words (1) and route words (2), either of which may belong to
#: a known name: SCIG's 'subcutaneous', mycophenolic acid's 'mycophenolate DR' (only MPA is made
#: delayed-release; dropped, 'DR' left bare mycophenolate, whose dose no maximum judges).
_FORM_STAGES = (1, 2)


def _show(value: Any) -> str:
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(value)) + "]"
    if isinstance(value, tuple):
        return "{" + "; ".join(f"{r}: {_show(c)}" for r, c in value) + "}"
    return repr(value)


def _agree(a: Drug, b: Optional[Drug]) -> Optional[Drug]:
    """Two readings of one name agree when they are the same ingredient, or one is the class
    the other belongs to ('mycophenolate [CellCept]' is mycophenolate mofetil)."""
    if b is None or a.name == b.name:
        return a
    if a.name in b.classes:
        return b
    if b.name in a.classes:
        return a
    return None


def _ambiguous(names: tuple[str, ...], core: str) -> Resolution:
    return Resolution(None, tuple(dict.fromkeys(names)), None, None, core)


#: Tablet strengths named by a designator instead of printed, in mg of what a dose of the drug is
#: read as (co-trimoxazole: trimethoprim): SS = 80/400 mg, DS = 160/800 mg (clinical-facts.md section
#: 3a, V2). 'Bactrim DS 1 tablet' had no strength: as prophylaxis it went unweighed.
_DESIGNATED_STRENGTHS: dict[str, tuple[tuple[frozenset[str], float], ...]] = {
    "sulfamethoxazole-trimethoprim": ((frozenset({"ds", "forte", "double strength", "double-strength"}), 160.0),
                                      (frozenset({"ss", "single strength", "single-strength"}), 80.0)),
}


#: Name lengths whose one typo falls below SIMILARITY (4 to 6 letters; 3-letter abbreviations are
#: one edit from too many others to call one a misspelling).
_SHORT_LO, _SHORT_HI = 4, 6
_LOOKALIKE_DIGITS = str.maketrans({"0": "o", "1": "l", "5": "s"})
#: The fewest letters of a word read as a checked drug's name cut short (Vocabulary._cut_short):
#: 'methyl' (methyl salicylate) is no methylprednisolone.
_CUT_MIN = 7


def _text_route(words: list[str]) -> Optional[str]:
    """The one route the form words of a name state ('ointment': topical), else None."""
    routes = {_FORM_ROUTES[w] for w in words if w in _FORM_ROUTES}
    return routes.pop() if len(routes) == 1 else None


#: Misspelt names among other words (Vocabulary._misspelt_in): runs of at least this many letters
#: (shorter words are too often close to some name), in the first so many words of a name.
_NEAR_MIN, _NEAR_WORDS = 6, 32
#: Their threshold beside one typo (the whole text's is SIMILARITY), for names with more than one.
_NEAR_SIMILARITY = 0.9
#: Plain words one typo from a checked drug's name ('program': Prograf; 'neural': Neoral; 'cortex': Cortef).
_NEAR_WORDS_NOT_NAMES = frozenset({"program", "programs", "neural", "cortex"})
#: No name is longer: a run longer than this is compared with none (and not remembered).
_NEAR_LONGEST = 64
#: Characters that show as nothing (zero-width space, soft hyphen, word joiner, BOM): 'rituxmab\u200b inf'.
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
#: Cyrillic and Greek letters drawn like Latin ones (Unicode confusables of drug-name letters),
#: both cases, and the dotless i.
_LOOKALIKE_MAP = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes outside ASCII, small capitals among them
    "ı": "i", "ℓ": "l", "ϝ": "f", "Ϝ": "F",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
    "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
    "ʏ": "y", "ᴢ": "z",
}
_LOOKALIKE_LETTERS = str.maketrans(_LOOKALIKE_MAP)
_LOOKALIKE_CHARS = frozenset(_LOOKALIKE_MAP)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True  # reached only for a digit written for its look-alike letter ('0fev')
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        return a[i + 1:] == b[i + 1:] or (i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:])
    return a[i + 1:] == b[i:] if la > lb else a[i:] == b[i + 1:]


def _designated_for(name: str, text: str) -> Optional[tuple[float, str, str]]:
    """The strength a designator in ``text`` gives a product of ingredient ``name`` ('DS', 'SS'), if any."""
    designators = _DESIGNATED_STRENGTHS.get(name)
    return None if designators is None else _designated_strength(text, designators)


def _designated_strength(text: str, designators: tuple[tuple[frozenset[str], float], ...]) -> Optional[tuple[float, str, str]]:
    """(mg, 'mg', 'tablet') when the name says exactly one of the designators, else None."""
    words = name_key(text).split()
    said = set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])}
    found = {mg for names, mg in designators if not said.isdisjoint(names)}
    return (found.pop(), "mg", "tablet") if len(found) == 1 else None


_MG_PER = {"mg": 1.0, "g": 1000.0, "mcg": 0.001}
#: A note that weighs the printed strength otherwise (its salt, its base), as RxNorm names write it.
_SAME_DOSE_NOTE_RE = re.compile(r"^\s*as\b|\bbase\b|\bequivalent\b", re.IGNORECASE)


def _other_strength(notes: list[str], strength: tuple[float, str, str]) -> bool:
    """Whether a bracketed note prints a mass strength other than ``strength``, or one it cannot read."""
    mg = strength[0] * _MG_PER[strength[1]]
    for note in notes:
        if _SAME_DOSE_NOTE_RE.search(note):
            continue  # '(as mycophenolate sodium 384 MG)', '(155 MG base)': the same dose, weighed otherwise
        for m in _STRENGTH_RE.finditer(note):
            unit = _MASS_UNITS.get(m.group(2).lower())
            if unit is None:
                continue
            value = _strength_number(m.group(1))
            if value is None or not math.isclose(value * _MG_PER[unit], mg, rel_tol=1e-9):
                return True
    return False


def _printed_strength(text: str) -> Optional[tuple[float, str, str]]:
    """(value, mass unit, per) when a description prints exactly one mass strength."""
    found: list[tuple[str, str, str, Optional[str]]] = []
    for m in _STRENGTH_RE.finditer(text):
        if _GROUPED_BEFORE_RE.search(text, 0, m.start()):
            # '1 500 mg', "1'500 mg": digits grouped by a space or an apostrophe, read as 500 (MMF 6 g
            # a day passed as 2 g): neither reading is taken (OL003).
            return None
        unit = m.group(2).lower()
        if unit == "mg/ml":
            found.append((m.group(1), "mg", "ml", None))
        elif unit in _MASS_UNITS:
            found.append((m.group(1), _MASS_UNITS[unit], (m.group(4) or "").lower(), m.group(3)))
    if len(found) != 1:
        return None
    value, unit, per_text, per_amount = found[0]
    if per_amount:
        # '750 mg/5 mL' (a suspension's label): per mL, by the quantity. Per any other quantity
        # ('5 MG/5 tablets') no strength is read.
        amount = _strength_number(per_amount.strip())
        v = _strength_number(value)
        if per_text.lower() == "ml" and amount is not None and v is not None:
            return v / amount, unit, "ml"
        return None
    per: Optional[str]
    if per_text:
        per = _PER_UNIT.get(per_text)
    else:
        words = name_key(_STRENGTH_RE.sub(" ", text)).split()
        per = next((_PER_PIECE[w] for w in reversed(words) if w in _PER_PIECE), None)
    if per is None:
        return None
    v = _strength_number(value)
    return None if v is None else (v, unit, per)


def _strength_number(value: str) -> Optional[float]:
    """A printed strength's number ('0,5' is 0.5), or None when it cannot be read as one positive
    finite number. '1,000 MG': a thousands separator, or a decimal comma with three decimals? Read
    as 1.0 it made 2 tablets of MMF 4 mg/day where 4000 was meant: neither reading is taken (OL003)."""
    if _THOUSANDS_RE.match(value):
        return None
    try:
        v = float(value.replace(",", "."))
    except ValueError:
        return None
    return v if math.isfinite(v) and v > 0 else None
