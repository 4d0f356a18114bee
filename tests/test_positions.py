"""Line/column lookup: the targeted walk agrees with a full scan of the text, for any JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from orderlint.engine import document_order
from orderlint.reader import _scan_json, parse_json

keys = st.text(alphabet=st.sampled_from('ab/~"\\ é\n'), min_size=0, max_size=4)
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=25)
layouts = st.sampled_from([
    dict(),
    dict(separators=(",", ":")),
    dict(indent=2),
    dict(indent="\t", separators=(" ,", " : ")),
    dict(indent=0),
])


@settings(max_examples=300, deadline=None)
@given(value=values, layout=layouts, pad=st.sampled_from(["", " ", "\n\n  "]))
def test_targeted_locate_matches_full_scan(value, layout, pad):
    text = pad + json.dumps(value, **layout) + pad
    expected = _scan_json(text)[0]
    doc = parse_json(text, "x")
    assert doc.error is None
    for pointer in sorted(expected, key=len, reverse=True):  # deepest first: exercises the prefix memo
        assert doc.locate(pointer) == expected[pointer], pointer
    fresh = parse_json(text, "x")
    for pointer in expected:  # a missing child is reported at its nearest existing parent
        assert fresh.locate(pointer + "/no-such-key") == expected[pointer], pointer
        assert fresh.locate(pointer + "/999") == expected[pointer], pointer


@settings(max_examples=300, deadline=None)
@given(value=values, layout=layouts)
def test_document_order_sorts_exactly_as_positions_do(value, layout):
    # Findings are sorted by document_order so that no position has to be computed to sort them.
    text = json.dumps(value, **layout)
    positions = _scan_json(text)[0]
    pointers = [*positions, *(p + "/no-such-key" for p in positions), *(p + "/999" for p in positions)]
    doc = parse_json(text, "x")
    keyed = sorted(((document_order(doc.data, p), doc.locate(p)) for p in pointers), key=lambda kp: kp[0])
    for (k1, pos1), (k2, pos2) in zip(keyed, keyed[1:]):
        assert pos1 <= pos2, (k1, k2)
        if k1 == k2:
            assert pos1 == pos2


def test_findings_of_every_example_are_in_position_order():
    from orderlint import lint

    paths = sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".json", ".yaml", ".yml") and "plugin" not in p.parts)
    with_many = 0
    for path in paths:
        result = lint(path)
        where = [(f.line, f.column) for f in result.findings]
        assert where == sorted(where), path
        with_many += len(where) > 1
    assert with_many >= 3  # the check means something only for documents with several findings


def test_findings_of_a_yaml_document_with_many_problems_are_in_position_order():
    from orderlint import lint

    text = """id: many
kind: order-set
indication: {condition: ssc-ild}
orders:
  - {drug: nosuchdrug, dose: 1, unit: mg, route: oral, frequency: daily}
  - drug: prednisone
    dose: 40
    unit: mg
    route: oral
    frequency: daily
  - {drug: CellCept, dose: 1500, unit: mg, route: oral, frequency: bid}
  - {drug: Ofev, dose: 150, unit: mg, route: oral, frequency: bid}
waivers:
  - {rule: ILD999}
"""
    result = lint(text)
    where = [(f.line, f.column) for f in result.findings]
    assert len(where) >= 5 and where == sorted(where)


def test_a_finding_is_located_when_first_read_and_pickles_with_its_position():
    import pickle

    from orderlint import lint

    text = '{"id": "p", "kind": "order-set", "indication": {"condition": "ssc-ild"},\n "orders": [\n  {"drug": "nosuchdrug", "dose": 1, "unit": "mg", "route": "oral", "frequency": "daily"}]}'
    result = lint(text)
    i = next(i for i, f in enumerate(result.findings) if f.code == "OL002")
    copy = pickle.loads(pickle.dumps(result))  # pickling computes the position: the copy needs no document
    assert (copy.findings[i].line, copy.findings[i].column) == (3, 12)  # the value of "drug"
    assert copy == result and copy.to_dict() == result.to_dict()


def test_collected_results_do_not_keep_their_documents():
    import gc
    import weakref

    from orderlint import lint_many
    from orderlint.reader import Document

    created: list = []
    original = Document.__init__

    def tracking_init(self, *a, **kw):
        original(self, *a, **kw)
        created.append(weakref.ref(self))

    text = '{"id": "p", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": [{"drug": "nosuchdrug", "dose": 1, "unit": "mg", "route": "oral", "frequency": "daily"}]}'
    Document.__init__ = tracking_init
    try:
        report = lint_many([text, text])
    finally:
        Document.__init__ = original
    gc.collect()
    assert len(created) == 2 and all(ref() is None for ref in created)
    assert all(f.line == 1 and f.column > 1 for r in report.results for f in r.findings if f.code == "OL002")
