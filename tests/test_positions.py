"""Line/column lookup: the targeted walk agrees with a full scan of the text, for any JSON."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

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
