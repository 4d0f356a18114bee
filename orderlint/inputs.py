"""Inputs of a run as small picklable units, so that reading and parsing can happen in workers.

A unit is ``("file", path)``, ``("line", source, lineno, raw)`` for one JSON Lines line, or
``("bytes", source, raw)`` for a whole document read from stdin, or ``("bulk", folder)`` for a
FHIR Bulk Data export (its NDJSON files grouped by patient, fhir.md section 1). ``("error",
message)`` is an input that cannot be read: reported as one error line, and the run exits 2.

:func:`lint_unit` turns a unit into its results: a regimen document gives one, a FHIR document
(detected per document, or forced with ``--input-format fhir``) one per patient.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable, Iterator, Union

from orderlint.fhir import dispatch  # light: the FHIR modules load on first FHIR document
from orderlint.reader import (
    Document,
    format_for,
    iter_jsonl_lines,
    iter_paths,
    jsonl_document,
    read_bytes,
    read_stream,
)

Unit = tuple


def _stdin_closed() -> Unit:
    return ("error", "cannot read standard input: Bad file descriptor (standard input is closed)")


def units(paths: list[str], jsonl_stdin: bool, exclude: Iterable[str] = (), input_format: str = "auto") -> Iterator[Unit]:
    """The run's inputs in order; ``exclude``: files a folder walk must not yield (the report file).

    Unless ``input_format`` is ``regimen``, NDJSON files named by a FHIR resource type
    (``Patient.ndjson``, ``Observation.000.ndjson``) make their folder one Bulk Data unit."""
    bulk_members: dict[str, frozenset] = {}
    bulk_done: set[str] = set()
    for p in paths:
        if p == "-":
            if sys.stdin is None:
                yield _stdin_closed()
                continue
            stream = sys.stdin.buffer
            try:
                if jsonl_stdin:
                    for src, lineno, raw in iter_jsonl_lines(stream, "<stdin>"):
                        yield ("line", src, lineno, raw)
                else:
                    yield ("bytes", "<stdin>", read_stream(stream))
            except OSError as e:  # EIO, a closed descriptor: said so, never an internal error
                yield ("error", f"cannot read standard input: {e.strerror or e}")
            continue
        for path, problem in iter_paths([p], exclude=exclude):
            if problem:
                yield ("error", f"cannot read {path}: {problem}")
            elif format_for(path) == "jsonl":
                if input_format != "regimen":
                    folder = os.path.dirname(path) or "."
                    members = bulk_members.get(folder)
                    if members is None:
                        from orderlint.fhir.bulk import bulk_files

                        members = bulk_members[folder] = frozenset(f for _, f in bulk_files(folder))
                    if path in members:
                        if folder not in bulk_done:
                            bulk_done.add(folder)
                            yield ("bulk", folder)
                        continue
                try:
                    with open(path, "rb") as f:
                        for src, lineno, raw in iter_jsonl_lines(f, path):
                            yield ("line", src, lineno, raw)
                except OSError as e:
                    yield ("error", f"cannot read {path}: {e.strerror or e}")
            else:
                yield ("file", path)


def _several_json_values(raw: bytes) -> bool:
    """Whether a document that failed to parse is a JSON Lines stream (each of its first two
    non-blank lines a JSON value on its own): then the user most likely forgot --jsonl."""
    import json

    lines = [line for line in raw.splitlines()[:50] if line.strip()][:2]
    if len(lines) < 2:
        return False
    try:
        for line in lines:
            json.loads(line)
    except ValueError:
        return False
    return True


def load(unit: Unit) -> Union[Document, str]:
    """A unit -> its parsed Document, or an error message for an unreadable input."""
    kind = unit[0]
    if kind == "document":  # already read (the command line looked at it first)
        return unit[1]
    if kind == "line":
        return jsonl_document(unit[1], unit[2], unit[3])
    if kind == "bytes":
        doc = read_bytes(unit[2], unit[1], None)
        if doc.error is not None and _several_json_values(unit[2]):
            import dataclasses

            hint = "; standard input holds more than one JSON value: read it as JSON Lines with --jsonl"
            doc.error = dataclasses.replace(doc.error, message=doc.error.message + hint)
        return doc
    if kind == "error":
        return unit[1]
    path = unit[1]
    try:
        with open(path, "rb") as f:
            raw = read_stream(f)  # a file truncated while read is an error, never a shorter document
    except OSError as e:
        return f"cannot read {path}: {e.strerror or e}"
    known = path.lower().endswith((".json", ".yaml", ".yml"))
    return read_bytes(raw, path, format_for(path) if known else None)


def lint_unit(linter: Any, unit: Unit, input_format: str = "auto", fhir_strict: bool = False) -> Iterator[Any]:
    """The results of one unit, in order: Result objects, or a str for an unreadable input."""
    if unit[0] == "bulk":
        from orderlint.fhir.bulk import iter_bulk

        yield from iter_bulk(unit[1], linter=linter)
        return
    doc = load(unit)
    if isinstance(doc, str):
        yield doc
        return
    # One decision of what is FHIR, shared with the API and Spark (orderlint.fhir.dispatch).
    yield from dispatch(doc, linter, input_format, fhir_strict)
