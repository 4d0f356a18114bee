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


def test_a_jobs_worker_seals_the_regimen_documents_it_reads_itself(monkeypatch):
    # --jobs workers lint the units they read themselves (orderlint.inputs.lint_unit), as the command
    # line's own loop does: a regimen document is sealed there, a FHIR one and a document the caller
    # already holds (unit "document") are not; the results are those of the unsealed reading.
    from orderlint.engine import Linter
    from orderlint.inputs import lint_unit

    linter = Linter()
    sealed: list[bool] = []
    real = linter.lint_document
    monkeypatch.setattr(linter, "lint_document", lambda d: sealed.append(d._sealed) or real(d))
    text = next(_texts())
    fhir = (EXAMPLES / "fhir" / "ILD301-fires.bundle.json").read_text(encoding="utf-8")
    fhir_line = json.dumps(json.loads(fhir)).encode()
    got = list(lint_unit(linter, ("line", "s.jsonl", 1, text.encode() + b"\n")))
    held = list(lint_unit(linter, ("document", parse_json(text, "s.jsonl"))))
    list(lint_unit(linter, ("line", "s.jsonl", 2, fhir_line + b"\n")))
    assert sealed[:2] == [True, False]
    assert len(sealed) > 2 and not any(sealed[2:])  # the FHIR line's mapped regimens
    assert [r.to_dict() for r in got] == [dict(r.to_dict(), source="s.jsonl:1") for r in held]
