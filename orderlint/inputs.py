"""Inputs of a run as small picklable units, so that reading and parsing can happen in workers.

A unit is ``("file", path)``, ``("line", source, lineno, raw)`` for one JSON Lines line, or
``("bytes", source, raw)`` for a whole document read from stdin. ``("error", message)`` is an
input that cannot be read: reported as one error line, and the run exits 2.
"""

from __future__ import annotations

import sys
from typing import Iterable, Iterator, Union

from orderlint.reader import (
    MAX_DOCUMENT_BYTES,
    Document,
    format_for,
    iter_jsonl_lines,
    iter_paths,
    jsonl_document,
    read_bytes,
)

Unit = tuple


def _stdin_closed() -> Unit:
    return ("error", "cannot read standard input: Bad file descriptor (standard input is closed)")


def units(paths: list[str], jsonl_stdin: bool, exclude: Iterable[str] = ()) -> Iterator[Unit]:
    """The run's inputs in order; ``exclude``: files a folder walk must not yield (the report file)."""
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
                    yield ("bytes", "<stdin>", stream.read(MAX_DOCUMENT_BYTES + 1))
            except OSError as e:  # EIO, a closed descriptor: said so, never an internal error
                yield ("error", f"cannot read standard input: {e.strerror or e}")
            continue
        for path, problem in iter_paths([p], exclude=exclude):
            if problem:
                yield ("error", f"cannot read {path}: {problem}")
            elif format_for(path) == "jsonl":
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
            raw = f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as e:
        return f"cannot read {path}: {e.strerror or e}"
    known = path.lower().endswith((".json", ".yaml", ".yml"))
    return read_bytes(raw, path, format_for(path) if known else None)
