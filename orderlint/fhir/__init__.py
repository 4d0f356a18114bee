"""FHIR R4 input (CDS Hooks requests, Bundles, bare resources, NDJSON, Bulk Data folders).

The contract is fhir.md. Plain-JSON mapping, no extra package. Importing this package is cheap: the
mapping, its value sets and the Bulk Data reader load on first use, so the native-format path and
start-up pay nothing for FHIR support.

- ``looks_like_fhir(data)`` -> whether a parsed JSON value is FHIR input (auto-detection).
- ``is_bulk_folder(path)`` -> whether a folder is a Bulk Data export (NDJSON files named by type, or a manifest).
- ``dispatch(doc, linter, input_format=None, strict=False)`` -> the results of one read Document:
  FHIR (forced, or detected) or a regimen document.
- ``lint_path(path, *, linter, strict=False)`` -> results of a FHIR file, NDJSON file or export folder.
- ``map_fhir(data, *, source, vocab=None, as_of=None, namespace=..., lookback=None, pulse_min=None)`` -> one ``Mapped`` regimen per patient (pure).
- ``lint_fhir(value_or_text, *, linter, source, strict=False)`` -> one ``Result`` per patient.
- ``lint_fhir_ndjson(stream, *, linter, source)`` -> results of FHIR NDJSON, a document per line.
- ``bulk.iter_bulk(folder, *, linter)`` -> results of a Bulk Data export, one per patient, by patient id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional

from orderlint._lazy import lazy_getattr

if TYPE_CHECKING:
    from orderlint.engine import Linter
    from orderlint.findings import Result
    from orderlint.reader import Document

__all__ = ["FhirResult", "Mapped", "Note", "dispatch", "is_bulk_folder", "lint_fhir", "lint_fhir_document",
           "lint_fhir_ndjson", "lint_path", "looks_like_fhir", "map_fhir"]

_LAZY = {
    "FhirResult": "orderlint.fhir.lint", "lint_fhir": "orderlint.fhir.lint", "lint_fhir_document": "orderlint.fhir.lint",
    "lint_fhir_ndjson": "orderlint.fhir.lint", "Mapped": "orderlint.fhir.mapping", "Note": "orderlint.fhir.mapping",
    "map_fhir": "orderlint.fhir.mapping",
}

__getattr__ = lazy_getattr("orderlint.fhir", _LAZY, globals())


def looks_like_fhir(data: Any) -> bool:
    """A parsed JSON value is FHIR input (fhir.md section 1): an object with a string
    `resourceType`, or a CDS Hooks request (`hook` or `context`). A regimen document has neither
    (regimen-format.md allows only its own fields and `x-` fields at the top level)."""
    return isinstance(data, dict) and (isinstance(data.get("resourceType"), str) or "hook" in data or "context" in data)


def is_bulk_folder(path: str) -> bool:
    """A folder is a Bulk Data export when it holds an NDJSON file named by a resource type
    (`Patient.ndjson`, `Observation.000.ndjson`) or an export manifest (``bulk.is_bulk_folder``)."""
    from orderlint.fhir.bulk import is_bulk_folder as _is_bulk_folder

    return _is_bulk_folder(path)


def dispatch(doc: "Document", linter: "Linter", input_format: Optional[str] = None, strict: bool = False,
             fresh: bool = False) -> list["Result"]:
    """The results of one read Document: as FHIR when ``input_format`` is ``"fhir"``, or when it is
    None/``"auto"`` and the document looks like FHIR; as a regimen document otherwise (one result).

    ``fresh``: the caller read the document itself and hands it on to nobody else (a worker of
    ``--jobs``): linted as a regimen, its data stays as parsed until its findings are located, so
    locating them needs no check that it is unchanged (as the command line's own loop does)."""
    if input_format == "fhir" or (input_format in (None, "auto") and doc.error is None and looks_like_fhir(doc.data)):
        from orderlint.fhir.lint import lint_fhir_document

        return lint_fhir_document(doc, linter, strict=strict)
    if fresh:
        doc._sealed = True
    return [linter.lint_document(doc)]


def lint_path(path: str, *, linter: "Linter", strict: bool = False) -> Iterator["Result"]:
    """Results of one path read as FHIR: a Bulk Data folder (one result per patient), an NDJSON
    file (`.ndjson`, `.jsonl`: one document per line, source `path:LINE`), or a JSON file."""
    import os

    from orderlint.fhir.lint import lint_fhir, lint_fhir_document, lint_fhir_ndjson
    from orderlint.reader import JSONL_SUFFIXES, MAX_DOCUMENT_BYTES, Document, ParseError, read_stream

    if os.path.isdir(path):
        from orderlint.fhir.bulk import iter_bulk

        yield from iter_bulk(path, linter=linter, strict=strict)
        return
    try:
        with open(path, "rb") as stream:
            if path.lower().endswith(JSONL_SUFFIXES):
                yield from lint_fhir_ndjson(stream, linter=linter, source=path, strict=strict)
                return
            raw = read_stream(stream)
    except OSError as e:
        yield from lint_fhir_document(Document(source=path, error=ParseError(f"cannot read: {e.strerror or e}")), linter)
        return
    if len(raw) > MAX_DOCUMENT_BYTES:
        err = ParseError(f"document is {len(raw)} bytes, over the limit of {MAX_DOCUMENT_BYTES} bytes")
        yield from lint_fhir_document(Document(source=path, error=err), linter)
        return
    yield from lint_fhir(raw, linter=linter, source=path, strict=strict)
