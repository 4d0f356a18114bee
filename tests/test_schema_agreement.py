"""The published JSON Schema and the pydantic models describe the same contract."""

from __future__ import annotations

import copy
import json
from importlib.resources import files

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import EXAMPLES
from orderlint import model
from orderlint.validate import validate
from orderlint.vocabulary import CORE_TESTS, COMPOSITE_TESTS, Vocabulary

SCHEMA = json.loads(files("orderlint.schemas").joinpath("regimen.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
VOCAB = Vocabulary()


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


def _resolve(node):
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return SCHEMA.get("$defs", SCHEMA.get("definitions", {}))[name]
    return node


def _object_schemas(node):
    """Object schemas reachable from node (through arrays, oneOf/anyOf and $ref)."""
    node = _resolve(node)
    if node.get("type") == "object" or "properties" in node:
        yield node
    if "items" in node:
        yield from _object_schemas(node["items"])
    for key in ("oneOf", "anyOf"):
        for alt in node.get(key, []):
            yield from _object_schemas(alt)


PAIRS = [
    ((), model.Regimen),
    (("indication",), model.Indication),
    (("patient",), model.Patient),
    (("orders",), model.Order),
    (("orders", "strength"), model.Quantity),
    (("orders", "duration"), model.Duration),
    (("orders", "frequency"), model.StructuredFrequency),
    (("history",), model.HistoryItem),
    (("tests",), model.TestItem),
    (("waivers",), model.Waiver),
]


def _schema_at(path):
    node = SCHEMA
    for key in path:
        parents = list(_object_schemas(node))
        node = next(p["properties"][key] for p in parents if key in p.get("properties", {}))
    return next(iter(_object_schemas(node)))


@pytest.mark.parametrize("path, cls", PAIRS, ids=["/".join(p) or "top" for p, _ in PAIRS])
def test_fields_and_required_fields_agree(path, cls):
    obj = _schema_at(path)
    fields = model.fields_of(cls)
    assert set(obj["properties"]) == set(fields), "schema and model name different fields"
    required_model = {n for n, f in fields.items() if f.is_required()}
    assert set(obj.get("required", [])) == required_model
    assert obj.get("additionalProperties") is False
    # regimen-format.md 2nd ed.: `x-` fields are free in every object, and only they.
    assert obj.get("patternProperties") == {"^x-": {}}


def test_test_name_pattern_accepts_exactly_the_vocabulary():
    names = [*CORE_TESTS, *(a for al in CORE_TESTS.values() for a in al), *COMPOSITE_TESTS]
    item = _schema_at(("tests",))
    for n in names:
        for variant in (n, n.upper(), n.title()):
            doc = {"test": variant, "status": "ordered"}
            assert VALIDATOR.evolve(schema=item).is_valid(doc), variant
    for bad in ("xray", "cbcc", "pregnancy tests", "hb"):
        assert not VALIDATOR.evolve(schema=item).is_valid({"test": bad, "status": "ordered"}), bad


def _example_docs():
    for p in sorted(EXAMPLES.rglob("*")):
        # FHIR examples are FHIR R4, not regimen documents (their findings: examples/fhir/expected.toml).
        if p.suffix in (".json", ".yaml", ".yml") and not {"invalid", "plugin", "fhir"} & set(p.parts):
            yield p.name, yaml.safe_load(p.read_text()) if p.suffix != ".json" else json.loads(p.read_text())


def _mutations(doc):
    """Valid and invalid variants of a valid document, each changing one thing."""
    yield "as-is", doc
    for key in ("id", "kind", "indication", "orders"):
        d = copy.deepcopy(doc); d.pop(key); yield f"drop {key}", d
    d = copy.deepcopy(doc); d["unknown"] = 1; yield "unknown top field", d
    d = copy.deepcopy(doc); d["x-ok"] = 1; yield "x- field", d
    d = copy.deepcopy(doc); d["orderlint"] = 2; yield "version 2", d
    d = copy.deepcopy(doc); d["orderlint"] = 1; yield "version 1", d
    d = copy.deepcopy(doc); d["orders"] = []; yield "no orders", d
    d = copy.deepcopy(doc); d["as_of"] = "2026-1-1"; yield "bad date", d
    d = copy.deepcopy(doc); d["indication"]["phase"] = "third-line"; yield "bad phase", d
    d = copy.deepcopy(doc); d["indication"]["rapidly_progressive"] = "yes"; yield "rp string", d
    d = copy.deepcopy(doc); d["patient"] = {"weight_kg": 0}; yield "zero weight", d
    d = copy.deepcopy(doc); d["patient"] = {"sex": "f"}; yield "bad sex", d
    o = doc["orders"][0]
    for field in ("drug", "dose", "unit", "route", "frequency"):
        d = copy.deepcopy(doc); d["orders"][0].pop(field); yield f"order drop {field}", d
    for field, bad in (("dose", "1"), ("dose", True), ("dose", -1), ("unit", 5), ("status", "held"), ("purpose", "ra"),
                       ("doses", 0), ("doses", 2.5), ("doses", 3.0), ("strength", {"value": 1}), ("duration", {"value": 2, "unit": "yr"}),
                       ("frequency", {"frequency": 0, "period": 1, "period_unit": "d"}), ("frequency", {"frequency": 1, "period": 1, "period_unit": "d"}),
                       ("frequency", ["bid"]), ("rxcui", 68149), ("id", "")):
        d = copy.deepcopy(doc); d["orders"][0][field] = bad; yield f"order {field}={bad!r}", d
    d = copy.deepcopy(doc); d["tests"] = [{"test": "cbc", "status": "resulted"}]; yield "resulted without date", d
    d = copy.deepcopy(doc); d["tests"] = [{"test": "cbc", "status": "resulted", "date": "2026-01-01"}]; yield "resulted with date", d
    d = copy.deepcopy(doc); d["waivers"] = [{}]; yield "empty waiver", d
    # regimen-format.md 2nd ed.: `x-` fields in every object, `purpose: premedication`, any string in
    # a waiver's `expires`, and an explicit null in an optional order field still refused.
    d = copy.deepcopy(doc); d["orders"][0]["x-src"] = {"a": [1]}; yield "x- field in an order", d
    d = copy.deepcopy(doc); d["indication"]["x-code"] = "M34"; yield "x- field in indication", d
    d = copy.deepcopy(doc); d["orders"][0]["x_src"] = 1; yield "x_ field in an order", d
    d = copy.deepcopy(doc); d["orders"][0]["X-src"] = 1; yield "X- field in an order", d
    d = copy.deepcopy(doc); d["waivers"] = [{"rule": "ILD102", "x-ticket": 1}]; yield "x- field in a waiver", d
    d = copy.deepcopy(doc); d["orders"][0]["purpose"] = "premedication"; yield "premedication", d
    d = copy.deepcopy(doc); d["waivers"] = [{"rule": "ILD102", "expires": "soon"}]; yield "waiver expires any string", d
    d = copy.deepcopy(doc); d["waivers"] = [{"rule": "ILD102", "expires": 2027}]; yield "waiver expires a number", d
    for field in ("dose", "unit", "route", "frequency"):
        d = copy.deepcopy(doc); d["orders"][0][field] = None; yield f"order {field} null", d
    d = copy.deepcopy(doc); d["waivers"] = [{"rule": "ILD102", "note": "x"}]; yield "waiver extra field", d
    d = copy.deepcopy(doc); d["history"] = [{"drug": "MMF"}]; yield "history without outcome", d
    assert o is doc["orders"][0]


@pytest.mark.parametrize("name, doc", list(_example_docs()))
def test_schema_and_models_give_the_same_verdict(name, doc):
    for label, variant in _mutations(doc):
        data = {k: v for k, v in variant.items()}
        schema_ok = VALIDATOR.is_valid(data)
        model_ok = validate(data, VOCAB)[0] is not None
        assert schema_ok == model_ok, f"{name}: {label}: schema says {schema_ok}, models say {model_ok}"


# One valid document holding every kind of object, so each field can be given a wrong value.
_FULL = {
    "orderlint": 1, "id": "every-object", "kind": "patient", "as_of": "2026-03-01",
    "indication": {"condition": "ssc-ild", "phase": "first-line", "rapidly_progressive": False},
    "patient": {"sex": "female", "age_years": 50, "weight_kg": 60, "height_cm": 165, "bsa_m2": 1.7,
                "reproductive_potential": False},
    "orders": [{"id": "o1", "drug": "mycophenolate mofetil", "rxcui": "68149", "dose": 2, "unit": "tablet",
                "strength": {"value": 500, "unit": "mg"}, "route": "oral",
                "frequency": {"frequency": 2, "period": 1, "period_unit": "d"},
                "duration": {"value": 6, "unit": "mo"}, "doses": 360, "start": "2026-03-02", "status": "new",
                "purpose": "ild", "x-source": {"system": "ehr"}}],
    "history": [{"drug": "cyclophosphamide", "start": "2024-01-01", "stop": "2026-06-01", "outcome": "stable"}],
    "tests": [{"test": "cbc", "status": "resulted", "date": "2026-02-20", "result": "normal"}],
    "waivers": [{"rule": "ILD102", "order": "o1", "reason": "reviewed by the ILD board", "approved_by": "dr x",
                 "expires": "2027-01-01"}],
}
# regimen-format.md 2nd ed.: a local `x-` field in every object changes no verdict.
_FULL["x-site"] = "ward 7"
_FULL["indication"]["x-code"] = "M34.81"
_FULL["patient"]["x-mrn"] = "0001"
for _key in ("strength", "duration", "frequency"):
    _FULL["orders"][0][_key]["x-note"] = _key
for _key in ("history", "tests", "waivers"):
    _FULL[_key][0]["x-note"] = [_key]
_OBJECT_AT = {(): (), ("indication",): ("indication",), ("patient",): ("patient",), ("orders",): ("orders", 0),
              ("orders", "strength"): ("orders", 0, "strength"), ("orders", "duration"): ("orders", 0, "duration"),
              ("orders", "frequency"): ("orders", 0, "frequency"), ("history",): ("history", 0),
              ("tests",): ("tests", 0), ("waivers",): ("waivers", 0)}
# Values a lax validator would coerce into some type ("1" -> 1, 1 -> True, 1.0 -> "1.0" ...), and a few JSON shapes.
_WRONG = ["", "1", "2026-03-01", "true", 1, 0, 2.5, 1.0, True, False, None, [], {}, ["ssc-ild"], [{"drug": "x"}]]


def test_every_field_is_as_strict_as_the_schema():
    assert VALIDATOR.is_valid(_FULL) and validate(_FULL, VOCAB)[0] is not None
    checked = 0
    for path, cls in PAIRS:
        for name in model.fields_of(cls):
            for bad in _WRONG:
                doc = copy.deepcopy(_FULL)
                obj = doc
                for key in _OBJECT_AT[path]:
                    obj = obj[key]
                obj[name] = copy.deepcopy(bad)
                schema_ok = VALIDATOR.is_valid(doc)
                model_ok = validate(doc, VOCAB)[0] is not None
                assert schema_ok == model_ok, f"{'/'.join(path)}.{name} = {bad!r}: schema says {schema_ok}, models say {model_ok}"
                checked += 1
    assert checked > 500


def test_repeated_order_ids_are_refused_where_the_schema_cannot_say_it():
    # regimen-format.md 2nd ed.: a repeated order id is OL001 at the repeat. JSON Schema cannot
    # express uniqueness of one property across array items, so the schema says it in words.
    doc = copy.deepcopy(_FULL)
    doc["orders"].append(dict(doc["orders"][0]))
    assert VALIDATOR.is_valid(doc)
    reg, problems = validate(doc, VOCAB)
    assert reg is None and [p for _, p in problems] == ["/orders/1/id"]
    assert "unique order ids" in SCHEMA["description"] and "OL001 at the repeat" in _schema_at(("orders",))["properties"]["id"]["description"]


@pytest.mark.parametrize("start, stop, refused", [
    ("2026-02-20", "2016-02-20", True),
    ("2026-02-20", "2026-02-19", True),
    ("2026-02-20", "2026-02-20", False),  # a one-day course
    ("2026-02-20", "2026-02-21", False),
])
@pytest.mark.parametrize("prepared", [True, False])
def test_a_history_item_stopping_before_it_starts_is_refused_where_the_schema_cannot_say_it(start, stop, refused, prepared,
                                                                                            monkeypatch):
    # regimen-format.md 2nd ed., history[] (`start`, `stop`; phase: progression when a history item has
    # outcome progression). Read as a progression, a period that ends before it begins switched
    # ILD102 and ILD201 off.
    # Both validators (the prepared one a run starts with, and pydantic's) refuse it.
    from orderlint import validate as validate_module

    monkeypatch.setattr(validate_module, "_PREPARED", [10**9 if prepared else 0])
    monkeypatch.setattr(validate_module, "_prepared_first", lambda: prepared)
    doc = copy.deepcopy(_FULL)
    doc["history"][0].update(start=start, stop=stop, outcome="progression")
    assert VALIDATOR.is_valid(doc)
    reg, problems = validate(doc, VOCAB)
    if refused:
        assert reg is None and problems == [(f"history item 0 stops ({stop}) before it starts ({start})", "/history/0/stop")]
    else:
        assert reg is not None and problems == []
    assert "not before start" in _schema_at(("history",))["properties"]["stop"]["description"]


def test_a_patient_null_is_one_finding_not_two():
    # `patient: null` is one violation (null for an object); the patient-object check added beside
    # other problems must not say it again.
    doc = copy.deepcopy(_FULL)
    doc["patient"] = None
    reg, problems = validate(doc, VOCAB)
    assert reg is None and [p for _m, p in problems] == ["/patient"]
    del doc["patient"]
    doc["orders"][0]["dose"] = "x"
    assert "a `patient` document needs the `patient` object" in [m for m, _p in validate(doc, VOCAB)[1]]
