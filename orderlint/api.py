"""Python API for pipelines that embed the linter. Never prints, never exits the process: while it
loads plugins and lints, anything a plugin prints goes to standard error, not standard output.

    >>> import orderlint
    >>> result = orderlint.lint({"id": "pt-1", "kind": "order-set", ...})
    >>> [f.code for f in result.findings]

``lint`` accepts a parsed ``dict``, JSON or YAML text (``str``/``bytes``) or a ``Path``, holding a
regimen document or FHIR R4 input for one patient (``lint_all`` gives one result per patient, and
one per line of a JSON Lines ``Path``). A ``Path`` that cannot be read is an ``OL001`` result.
For many documents, build one :class:`orderlint.Linter` and reuse it (``lint_many``), since
loading the rule packs is the expensive part.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from contextlib import redirect_stdout
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Union

from orderlint.config import Settings, build_settings
from orderlint.engine import Linter
from orderlint.findings import Report, Result, Summary
from orderlint.reader import Document, ParseError, format_for, read_bytes

DocumentInput = Union[dict, str, bytes, bytearray, memoryview, "os.PathLike[str]"]


@lru_cache(maxsize=1)
def _default_linter() -> Linter:
    return Linter(Settings())


def _linter(config: Optional[Union[Settings, dict, str, Path]], as_of: Optional[Union[str, _dt.date]]) -> Linter:
    if config is None and as_of is None:
        return _default_linter()
    if isinstance(config, Settings):
        settings = config
    elif isinstance(config, (str, Path)):
        settings = build_settings(config_path=str(config))
    else:
        settings = build_settings(discover=False)
        if config:
            from orderlint.config import _apply_table

            _apply_table(settings, config, "API config")
    if as_of is not None:
        from orderlint.config import parse_as_of

        settings.as_of = parse_as_of(as_of)
    return Linter(settings)


def to_document(document: DocumentInput, source: Optional[str] = None) -> Document:
    if isinstance(document, os.PathLike) and not isinstance(document, Path):
        document = Path(document)  # a PurePath or another path-like names a file as a Path does
    elif isinstance(document, (bytearray, memoryview)):
        document = bytes(document)
    if isinstance(document, Path):
        from orderlint.reader import read_stream

        name = source or str(document)
        if format_for(str(document)) == "jsonl":
            # Fail closed with a way on: a stream read as one document is one OL001 for all of it.
            return Document(source=name, error=ParseError(
                f"{name} is a JSON Lines file (one document per line); orderlint.lint_all(Path({str(document)!r})) "
                "gives one result per line"))
        # At most one byte over the document limit is read, and a file truncated while it is read
        # raises (an OSError) instead of giving a shorter document.
        try:
            with open(document, "rb") as f:
                raw = read_stream(f)
        except OSError as e:
            # A bad document is a result, never an exception (as the command line reports it).
            hint = "; a folder is read by the command line (orderlint check FOLDER)" if document.is_dir() else ""
            return Document(source=name, error=ParseError(f"cannot read {document}: {e.strerror or e}{hint}"))
        return read_bytes(raw, name, _file_format(document))
    if isinstance(document, bytes):
        return read_bytes(document, source or "<bytes>", None)
    if isinstance(document, str):
        # surrogatepass: a lone surrogate (text read with surrogateescape) becomes bytes that are not
        # UTF-8, so it is an OL001 naming its position, never an exception out of lint().
        doc = read_bytes(document.encode("utf-8", "surrogatepass"), source or "<string>", None)
        if not isinstance(doc.data, dict) and _names_a_file(document):
            # lint("orders.yaml") reads the text 'orders.yaml', not the file: say how to lint the file.
            hint = (f"this text is the name of an existing file, not a document; to lint the file, pass a Path: "
                    f"orderlint.lint(Path({document!r}))")
            doc.error = ParseError(hint) if doc.error is None else replace(doc.error, message=f"{doc.error.message}; {hint}")
            doc.data = None
        return doc
    return Document(source=source or "<data>", data=document, text=None)


def _names_a_file(text: str) -> bool:
    if len(text) > 4096 or "\n" in text or not text.strip():
        return False
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):  # a NUL byte, a name too long
        return False


def _file_format(path: Path) -> Optional[str]:
    fmt = format_for(str(path))
    return fmt if fmt in ("json", "yaml") else None


def lint(
    document: DocumentInput,
    *,
    config: Optional[Union[Settings, dict, str, Path]] = None,
    as_of: Optional[Union[str, _dt.date]] = None,
    source: Optional[str] = None,
    linter: Optional[Linter] = None,
    input_format: str = "auto",
    fhir_strict: bool = False,
) -> Result:
    """Lint one regimen document and return its typed :class:`~orderlint.findings.Result`.

    ``document`` is a regimen document or FHIR R4 input (a CDS Hooks request, a Bundle or a bare
    resource, recognized as the command line does, or forced with ``input_format="fhir"``) that
    holds one patient's regimen; FHIR input holding several patients' regimens is an ``OL001``
    result naming :func:`lint_all`, which returns one result per patient.
    ``config`` is a :class:`Settings`, a dict shaped like ``[tool.orderlint]`` or a path to a
    configuration file; ``as_of`` is the evaluation date when the document gives none.
    Raises :class:`orderlint.engine.PluginLoadError` or :class:`orderlint.config.ConfigError`
    for a broken installation or configuration; never for a bad document.
    """
    # A plugin that prints must not write into the embedding program's standard output.
    with redirect_stdout(sys.stderr):
        lt = linter or _linter(config, as_of)
        doc = to_document(document, source)
        results = _dispatch(doc, lt, input_format, fhir_strict)
        if len(results) == 1:
            return results[0]
        # Fail closed: one Result cannot stand for several patients, and none for no regimen.
        patients = sum(1 for r in results if getattr(r, "patient", None) is not None)
        parts = [f"{patients} patient regimen{'s' if patients != 1 else ''}"]
        if len(results) > patients:  # e.g. orders that no patient takes (OL001)
            parts.append(f"{len(results) - patients} other result{'s' if len(results) - patients != 1 else ''}")
        what = f"gives {len(results)} results ({' and '.join(parts)})" if results else "holds no regimen to check"
        err = ParseError(f"this FHIR input {what}; orderlint.lint_all() returns one result per patient")
        return lt.lint_document(Document(source=doc.source, error=err))


def lint_all(
    document: DocumentInput,
    *,
    config: Optional[Union[Settings, dict, str, Path]] = None,
    as_of: Optional[Union[str, _dt.date]] = None,
    source: Optional[str] = None,
    linter: Optional[Linter] = None,
    input_format: str = "auto",
    fhir_strict: bool = False,
) -> list[Result]:
    """Every result of one input: one for a regimen document, one per patient for FHIR input
    (a Bundle or CDS Hooks request; FHIR results carry ``patient``)."""
    with redirect_stdout(sys.stderr):
        lt = linter or _linter(config, as_of)
        if isinstance(document, Path) and format_for(str(document)) == "jsonl":
            return _jsonl_results(document, source, lt, input_format, fhir_strict)
        return _dispatch(to_document(document, source), lt, input_format, fhir_strict)


def _jsonl_results(path: Path, source: Optional[str], lt: Linter, input_format: str, fhir_strict: bool) -> list[Result]:
    """One result per document of a JSON Lines file (per patient for FHIR lines); a file that cannot
    be read is one OL001 result."""
    from orderlint.reader import iter_jsonl

    name = source or str(path)
    results: list[Result] = []
    try:
        with open(path, "rb") as f:
            for doc in iter_jsonl(f, name):
                results.extend(r.locate() for r in _dispatch(doc, lt, input_format, fhir_strict))
    except OSError as e:
        err = ParseError(f"cannot read {path}: {e.strerror or e}")
        results.append(lt.lint_document(Document(source=name, error=err)))
    return results


def _dispatch(doc: Document, lt: Linter, input_format: str, fhir_strict: bool) -> list[Result]:
    if input_format not in ("auto", "regimen", "fhir"):
        raise ValueError(f"input_format must be 'auto', 'regimen' or 'fhir', not {input_format!r}")
    from orderlint.fhir import dispatch

    return dispatch(doc, lt, input_format, fhir_strict)


def lint_many(
    documents: Iterable[DocumentInput],
    *,
    config: Optional[Union[Settings, dict, str, Path]] = None,
    as_of: Optional[Union[str, _dt.date]] = None,
) -> Report:
    """Lint many documents with one linter; returns a :class:`Report` with a summary."""
    with redirect_stdout(sys.stderr):
        lt = _linter(config, as_of)
        report = Report(results=[], summary=Summary())
        for i, d in enumerate(documents):
            for r in _dispatch(to_document(d, f"<document {i}>"), lt, "auto", False):
                r = r.locate()  # collected: positions now, no document kept
                report.results.append(r)
                report.summary.add(r)
    return report
