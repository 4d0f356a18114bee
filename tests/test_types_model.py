"""The document models' optional fields are typed ``Optional[T]`` for the code that reads them,
while the validator still refuses an explicit null (the JSON Schema refuses it too)."""
import typing

import pytest
from pydantic import ValidationError

from orderlint import model

OPTIONAL = {
    model.Indication: ["phase"],
    model.Patient: ["sex", "age_years", "weight_kg", "height_cm", "bsa_m2", "reproductive_potential"],
    model.Order: ["id", "rxcui", "dose", "unit", "strength", "route", "frequency", "duration", "doses", "start"],
    model.HistoryItem: ["start", "stop"],
    model.TestItem: ["date", "result"],
    model.Waiver: ["rule", "order", "reason", "approved_by", "expires"],
}


def _doc(**order):
    return {
        "id": "r", "kind": "order-set", "indication": {"condition": "ssc-ild"},
        "orders": [{"drug": "mycophenolate", **order}],
    }


@pytest.mark.parametrize("cls,name", [(c, n) for c, ns in OPTIONAL.items() for n in ns])
def test_an_optional_field_is_typed_optional_and_defaults_to_none(cls, name):
    hints = typing.get_type_hints(cls, include_extras=False)
    assert type(None) in typing.get_args(hints[name]), hints[name]
    assert model.fields_of(cls)[name].default is None


@pytest.mark.parametrize("name", OPTIONAL[model.Order])
def test_an_explicit_null_in_an_optional_order_field_is_refused(name):
    with pytest.raises(ValidationError) as e:
        model.validate_regimen(_doc(**{name: None}))
    assert ("orders", 0, name) == e.value.errors()[0]["loc"][:3]


def test_an_absent_optional_field_is_none():
    reg = model.validate_regimen(_doc())
    assert reg.orders[0].dose is None and reg.orders[0].frequency is None and reg.indication.phase is None


def test_a_null_patient_field_is_refused_and_a_value_is_kept():
    doc = {**_doc(), "kind": "patient", "patient": {"weight_kg": None}}
    with pytest.raises(ValidationError):
        model.validate_regimen(doc)
    doc["patient"] = {"weight_kg": 70.5}
    assert model.validate_regimen(doc).patient.weight_kg == 70.5


def test_fields_of_refuses_a_class_that_is_not_a_document_model():
    with pytest.raises(TypeError):
        model.fields_of(dict)
