"""A sealed Document (the command line's JSON Lines loop: nobody else holds it until its positions
are read) takes its parsed data as unchanged instead of re-serializing it to check; its positions
are those the text walk gives, and an unsealed one still checks.

Follows interfaces.md, "Everyday use (second edition)", Locations: a JSON Lines finding is
`path:LINE:COL`, LINE the line of the stream; the column is the value's place on that line."""

from __future__ import annotations

import json
from pathlib import Path

from orderlint.reader.jsontext import _JsonLocator, parse_json
from test_perf_reader_locate import _pointers

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _texts():
    for p in sorted((EXAMPLES / "regimens").glob("*.json")) + sorted((EXAMPLES / "protocols").glob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        yield json.dumps(data, ensure_ascii=False)  # one line, as in a JSON Lines stream
        yield json.dumps(data, ensure_ascii=False, indent=2)


def _walked(text: str, pointer: str) -> tuple[int, int]:
    loc = _JsonLocator(text)
    return loc.line_col(loc.offset(pointer))


def test_a_sealed_document_locates_as_the_text_walk():
    n = 0
    for text in _texts():
        doc = parse_json(text, "x")
        assert doc.error is None
        doc._sealed = True
        for pointer in _pointers(doc.data):
            assert doc.locate(pointer) == _walked(text, pointer), pointer
            n += 1
    assert n > 1000


def test_sealing_skips_the_check_only_when_sealed(monkeypatch):
    from orderlint.reader import document

    checks = []
    real = document._serializes_to
    monkeypatch.setattr(document, "_serializes_to", lambda d, o: checks.append(1) or real(d, o))
    text = next(_texts())
    for sealed in (False, True):
        doc = parse_json(text, "x")
        doc._sealed = sealed
        doc.locate("/orders/0/drug")
    assert checks == [1]  # the unsealed document checked, the sealed one did not


def test_an_unsealed_document_changed_after_parsing_is_located_as_its_text_says():
    text = next(_texts())
    doc = parse_json(text, "x")
    doc.data["orders"].insert(0, {"drug": "changed"})  # a caller's change: the text is what counts
    assert doc.locate("/orders/0/drug") == _walked(text, "/orders/0/drug")
