"""FHIR R4 input (CDS Hooks requests, Bundles, bare resources, NDJSON, Bulk Data folders).

The contract is fhir.md. Plain-JSON mapping, no extra package; imported only when FHIR input is read.

- ``map_fhir(data, *, source, vocab=None, as_of=None)`` -> one ``Mapped`` regimen per patient (pure).
- ``lint_fhir(value_or_text, *, linter, source)`` -> one ``Result`` per patient, located in the FHIR text.
- ``lint_fhir_ndjson(stream, *, linter, source)`` -> results of a FHIR NDJSON stream, a document per line.
- ``bulk.iter_bulk(folder, *, linter)`` -> results of a Bulk Data export, one per patient, in patient-id order.
- ``looks_like_fhir(data)`` -> whether a parsed JSON value is FHIR input (for auto-detection).
"""

from __future__ import annotations

from typing import Any

from orderlint.fhir.lint import FhirResult, lint_fhir, lint_fhir_document, lint_fhir_ndjson
from orderlint.fhir.mapping import Mapped, Note, map_fhir

__all__ = ["FhirResult", "Mapped", "Note", "lint_fhir", "lint_fhir_document", "lint_fhir_ndjson", "looks_like_fhir",
           "map_fhir", "is_bulk_folder"]


def looks_like_fhir(data: Any) -> bool:
    """A parsed JSON value is FHIR input (fhir.md section 1): an object with a string
    `resourceType`, or a CDS Hooks request (`hook` or `context`). A regimen document has neither
    (regimen-format.md allows only its own fields and `x-` fields at the top level)."""
    return isinstance(data, dict) and (isinstance(data.get("resourceType"), str) or "hook" in data or "context" in data)


def is_bulk_folder(path: str) -> bool:
    """A folder is a Bulk Data export when it holds an NDJSON file named by a resource type
    (`Patient.ndjson`, `Observation.000.ndjson`)."""
    from orderlint.fhir.bulk import bulk_files

    return bool(bulk_files(path))
