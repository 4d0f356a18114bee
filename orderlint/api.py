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

import dataclasses
import datetime as _dt
import math
import os
import sys
import threading
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Union

from orderlint.config import Settings, build_settings
from orderlint.engine import Linter
from orderlint.findings import Report, Result, Summary
from orderlint.reader import Document, ParseError, format_for, read_bytes

DocumentInput = Union[dict, str, bytes, bytearray, memoryview, "os.PathLike[str]"]


@lru_cache(maxsize=1)
def _default_linter() -> Linter:
    return Linter(Settings())


class _ThreadStdout:
    """sys.stdout while API calls run: what a thread inside one writes goes to standard error, what
    any other thread writes to the standard output it had. contextlib.redirect_stdout swaps the
    process-wide stream, and calls overlapping in threads left it on standard error for good."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def _target(self) -> Any:
        return sys.stderr if getattr(_INSIDE, "depth", 0) else self.original

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


_INSIDE = threading.local()  # .depth: API calls running in this thread
_STDOUT_LOCK = threading.Lock()
_STDOUT: list = [None, 0]  # [the _ThreadStdout installed, API calls running in any thread]


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """A plugin that prints must not write into the embedding program's standard output."""
    with _STDOUT_LOCK:
        if _STDOUT[1] == 0:
            _STDOUT[0] = sys.stdout = _ThreadStdout(sys.stdout)
        _STDOUT[1] += 1
    _INSIDE.depth = getattr(_INSIDE, "depth", 0) + 1
    try:
        yield
    finally:
        _INSIDE.depth -= 1
        with _STDOUT_LOCK:
            _STDOUT[1] -= 1
            if _STDOUT[1] == 0:
                proxy: Any = _STDOUT[0]
                _STDOUT[0] = None
                if sys.stdout is proxy:  # (one the program set meanwhile is left as it is)
                    sys.stdout = proxy.original  # type: ignore[union-attr]


def _the_linter(linter: Optional[Linter], config: Any, as_of: Any) -> Linter:
    """The Linter to use: ``linter`` (config and as_of then belong to it), else one for them."""
    if linter is None:
        return _linter(config, as_of)
    if not isinstance(linter, Linter):
        raise TypeError(f"linter must be an orderlint.Linter, not {type(linter).__name__}")
    if config is not None or as_of is not None:
        # A Linter's settings are fixed when it is built: the evaluation date given here was dropped
        # without a word, and the document was judged as of today.
        given = " and ".join(n for n, v in (("config", config), ("as_of", as_of)) if v is not None)
        raise ValueError(f"{given} cannot be given with linter=: build the Linter with them "
                         "(orderlint.Linter(Settings(as_of=...))) or leave linter out")
    return linter


def _linter(config: Optional[Union[Settings, dict, str, Path]], as_of: Optional[Union[str, _dt.date]]) -> Linter:
    if config is None and as_of is None:
        linter = _default_linter()
        # Built once per process, judged as of today at each call: a long-running program kept
        # the day of its first call (an expired waiver still waived, old results still counted).
        linter._as_of = _dt.date.today()
        return linter
    if isinstance(config, Settings):
        # A copy when as_of is set on it: the caller's Settings, reused for the next call, kept this
        # call's date (six-year-old results counted as baseline screening from then on).
        settings = dataclasses.replace(config) if as_of is not None else config
    elif isinstance(config, (str, os.PathLike)):
        settings = build_settings(config_path=os.fspath(config))
    elif config is None or isinstance(config, dict):
        settings = build_settings(discover=False)
        if config:
            from orderlint.config import ConfigError, _apply_table

            bad = [k for k in config if not isinstance(k, str)]
            if bad:
                raise ConfigError(f"API config: key {bad[0]!r} is not a name; keys are [tool.orderlint] names, as 'select'")
            _apply_table(settings, config, "API config")
    else:
        from orderlint.config import ConfigError

        raise ConfigError(f"config must be a Settings, a dict shaped like [tool.orderlint] or a path, not {type(config).__name__}")
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
            hint = ("; a folder is read by the command line (orderlint check FOLDER), and a Bulk Data export "
                    "folder by orderlint.lint_all(Path(FOLDER))") if document.is_dir() else ""
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
    """json or yaml by the suffix, None (the content decides, as on the command line) for another."""
    fmt = format_for(str(path))
    if fmt == "json" and not str(path).lower().endswith(".json"):
        return None  # format_for's default: a YAML regimen in 'orders.txt' was read as bad JSON
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
    configuration file; without it the built-in settings apply (no configuration file is looked
    for: ``config=orderlint.config.build_settings()`` finds one as ``orderlint check`` does);
    ``as_of`` is the evaluation date when the document gives none.
    Raises :class:`orderlint.engine.PluginLoadError` or :class:`orderlint.config.ConfigError`
    for a broken installation or configuration; never for a bad document.
    """
    with _quiet_stdout():
        lt = _the_linter(linter, config, as_of)
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
    with _quiet_stdout():
        lt = _the_linter(linter, config, as_of)
        if isinstance(document, os.PathLike) and input_format != "regimen":
            folder = _export_folder(Path(document))
            if folder is not None:
                # A Bulk Data export (the folder, or one of its files) is one regimen per patient, as
                # the command line reads it; its NDJSON files read line by line were other regimens.
                from orderlint.fhir.bulk import iter_bulk

                return [r.locate() for r in iter_bulk(folder, linter=lt, strict=fhir_strict)]
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
    if not results:
        # As the command line says it: an empty or blank file is no clean run ([] passed a pipeline
        # that looked for findings).
        err = ParseError("the JSON Lines file holds no document (it is empty or blank)", "", 1, 1)
        results.append(lt.lint_document(Document(source=name, error=err)))
    return results


def _export_folder(path: Path) -> Optional[str]:
    """The Bulk Data export folder ``path`` is, or is one of the files of, else None."""
    from orderlint.fhir import bulk

    try:
        if path.is_dir():
            return str(path) if bulk.is_bulk_folder(str(path)) else None
        folder = str(path.parent)
        if not path.is_file() or not bulk.is_bulk_folder(folder):
            return None
        mine = os.path.realpath(path)
        return folder if any(os.path.realpath(p) == mine for p in bulk.export_paths(folder)) else None
    except OSError:
        return None  # read as a file: its error is the result


def _dispatch(doc: Document, lt: Linter, input_format: str, fhir_strict: bool) -> list[Result]:
    if input_format not in ("auto", "regimen", "fhir"):
        raise ValueError(f"input_format must be 'auto', 'regimen' or 'fhir', not {input_format!r}")
    from orderlint.fhir import dispatch, looks_like_fhir

    if doc.text is None and doc.error is None and input_format != "regimen" and (
            input_format == "fhir" or looks_like_fhir(doc.data)):
        # FHIR given as Python data: held to what JSON text can say, as the regimen models hold a
        # regimen. A Decimal dose (as a database driver returns it) was no number, NaN no error:
        # the dose vanished (OL003, a warning) and ILD202 with it.
        data, problem = _json_value(doc.data)
        doc = replace(doc, data=data) if problem is None else Document(source=doc.source, error=problem)

    return dispatch(doc, lt, input_format, fhir_strict)


def _json_value(value: Any) -> tuple[Any, Optional[ParseError]]:
    """(``value`` as JSON text would give it: a Decimal as an int or a float, a date or datetime
    as its ISO 8601 text, the same objects otherwise copied; None) or (None, an OL001 for the first
    part JSON cannot hold)."""
    from decimal import Decimal

    from orderlint.reader import escape_token

    def problem(what: str, path: list) -> tuple[None, ParseError]:
        pointer = "".join("/" + escape_token(str(p)) for p in path)
        return None, ParseError(f"not a JSON value at {pointer or 'the top'}: {what}", pointer)

    from orderlint.reader.document import MAX_DEPTH

    root: list = [None]
    # (value, container, key, path, the ids of the objects and arrays holding it)
    stack: list[tuple[Any, Any, Any, list, tuple]] = [(value, root, 0, [], ())]
    while stack:
        v, into, key, path, within = stack.pop()
        if isinstance(v, (dict, list)):
            # An object that holds itself (d["entry"].append({"resource": d})) was copied without end
            # while memory grew; JSON text cannot say it, nor nest deeper than the reader reads.
            if id(v) in within:
                return problem("an object or array that holds itself (JSON text cannot)", path)
            if len(path) >= MAX_DEPTH:
                return problem(f"nested deeper than {MAX_DEPTH} levels", path)
            within = (*within, id(v))
        if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
            into[key] = v
        elif isinstance(v, float):
            if not math.isfinite(v):
                return problem(f"the number {v!r} is not finite", path)
            into[key] = v
        elif isinstance(v, Decimal):
            if not v.is_finite():
                return problem(f"the number {v} is not finite", path)
            f = float(v)
            if not math.isfinite(f):
                return problem(f"the number {v} overflows a double", path)
            into[key] = int(v) if v.as_tuple().exponent == 0 else f  # '16' an int, '16.0' a float, as JSON text
        elif isinstance(v, _dt.date):
            # A date or datetime (YAML loaders make them): the FHIR text it stands for, as written in ISO 8601.
            into[key] = v.isoformat()
        elif isinstance(v, dict):
            out: dict = {}
            into[key] = out
            for k, item in v.items():
                if not isinstance(k, str):
                    return problem(f"the key {k!r} is not a string", path)
                stack.append((item, out, k, path + [k], within))
        elif isinstance(v, list):
            items: list = [None] * len(v)
            into[key] = items
            for i, item in enumerate(v):
                stack.append((item, items, i, path + [i], within))
        else:
            return problem(f"a {type(v).__name__} (JSON has objects, arrays, strings, numbers, true, false and null)", path)
    return root[0], None


def lint_many(
    documents: Iterable[DocumentInput],
    *,
    config: Optional[Union[Settings, dict, str, Path]] = None,
    as_of: Optional[Union[str, _dt.date]] = None,
) -> Report:
    """Lint many documents with one linter; returns a :class:`Report` with a summary."""
    if isinstance(documents, (str, bytes, dict)) or not isinstance(documents, Iterable):
        raise TypeError(f"documents must be an iterable of documents, not {type(documents).__name__}")
    with _quiet_stdout():
        lt = _linter(config, as_of)
        report = Report(results=[], summary=Summary())
        for i, d in enumerate(documents):
            # A file is named by its path, as the command line names it (not "<document 3>").
            name = None if isinstance(d, os.PathLike) else f"<document {i}>"
            for r in _dispatch(to_document(d, name), lt, "auto", False):
                r = r.locate()  # collected: positions now, no document kept
                report.results.append(r)
                report.summary.add(r)
    return report
