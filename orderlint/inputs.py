"""Inputs of a run as small picklable units, so that reading and parsing can happen in workers.

A unit is ``("file", path)``, ``("line", source, lineno, raw)`` for one JSON Lines line, or
``("bytes", source, raw)`` for a whole document read from stdin, or ``("bulk", folder)`` for a
FHIR Bulk Data export (its NDJSON files grouped by patient, fhir.md section 1). ``("error",
message)`` is an input that cannot be read: reported as one error line, and the run exits 2.

:func:`lint_unit` turns a unit into its results: a regimen document gives one, a FHIR document
(detected per document, or forced with ``--input-format fhir``) one per patient.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Union

from orderlint.fhir import dispatch  # light: the FHIR modules load on first FHIR document
from orderlint.reader import (
    STREAM_BUFFER,
    Document,
    ParseError,
    format_for,
    iter_jsonl_lines,
    jsonl_document,
    read_bytes,
    read_stream,
)

if TYPE_CHECKING:
    from orderlint.config import Settings
    from orderlint.engine import Linter

Unit = tuple


class _Glob:
    """One include or exclude pattern, read as .gitignore reads one: a pattern without '/' matches
    a file or folder name at any depth; one with '/' inside (or at its start) is anchored to the
    selection's root; a trailing '/' matches folders only; '*' and '?' stay within one name, '**'
    spans folders. Names are compared ignoring case, as the file extensions always were."""

    __slots__ = ("text", "dir_only", "anchored", "regex")

    def __init__(self, text: str) -> None:
        self.text = text
        body = text.strip()
        self.dir_only = body.endswith("/")
        body = body.rstrip("/")
        self.anchored = "/" in body
        body = body.lstrip("/")
        if body.startswith("./"):
            body = body[2:]
        self.regex = re.compile(_translate(body), re.IGNORECASE | re.DOTALL)

    def matches(self, name: str, rel: Optional[str], is_dir: bool) -> bool:
        """``name``: the base name; ``rel``: the path relative to the root ('/'-separated), or
        None when the path lies outside it (then only unanchored patterns can match)."""
        if self.dir_only and not is_dir:
            return False
        if self.anchored:
            return rel is not None and self.regex.fullmatch(rel) is not None
        return self.regex.fullmatch(name) is not None


def _translate(glob: str) -> str:
    out = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = i + 1
            if j < n and glob[j] == "!":
                j += 1
            if j < n and glob[j] == "]":  # a ']' first in a class is a member
                j += 1
            end = glob.find("]", j)
            if end < 0:  # no class: a literal '['
                out.append(re.escape(c))
                i += 1
                continue
            inner = glob[i + 1:end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


class Selection:
    """Which files a folder walk lints (``include``) and which files and folders it passes by
    (``exclude``); files named on the command line are excluded only with ``force``.

    Folders whose name starts with a dot are never walked into (a walk has always skipped them);
    name one on the command line to lint it. Picklable, so a worker could hold one."""

    def __init__(self, include: Iterable[str] = (), exclude: Iterable[str] = (), root: Optional[str] = None,
                 force: bool = False) -> None:
        from orderlint.config import DEFAULT_INCLUDE

        self.include = [_Glob(g) for g in (list(include) or DEFAULT_INCLUDE)]
        self.exclude = [_Glob(g) for g in exclude]
        self.root = os.path.abspath(root or os.getcwd())
        self.force = force
        #: Paths named on the command line and left out by ``force``, for the closing message.
        self.forced_out: list[str] = []
        self.named = 0
        #: Folders and included files a walk passed by because an exclude pattern matched them.
        self.walk_excluded = 0
        #: Folders a walk passed by only because their name starts with a dot (no exclude pattern
        #: names them), for the closing note: a regimen in `.orders/` was skipped without a word.
        self.hidden: list[str] = []
        #: Folders named on the command line in which the walk found nothing to read.
        self.empty: list[str] = []

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Selection":
        return cls(settings.include, [*settings.exclude, *settings.extend_exclude], settings.root,
                   settings.force_exclude)

    def _rel(self, path: str) -> Optional[str]:
        rel = os.path.relpath(os.path.abspath(path), self.root)
        if rel == os.curdir:
            return ""
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        return rel.replace(os.sep, "/")

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Whether ``path`` itself matches an exclude pattern."""
        if not self.exclude:
            return False
        name = os.path.basename(os.path.normpath(path))
        rel = self._rel(path)
        return any(g.matches(name, rel, is_dir) for g in self.exclude)

    def included(self, path: str) -> bool:
        name = os.path.basename(path)
        rel = self._rel(path)
        return any(g.matches(name, rel, False) for g in self.include)

    def named_path_excluded(self, path: str) -> bool:
        """With ``force``: whether a path named on the command line, or a folder above it (within
        the root; outside it, by folder name only), is excluded."""
        if not self.force or not self.exclude:
            return False
        if self.excluded(path, os.path.isdir(path)):
            return True
        rel = self._rel(path)
        if rel is None:
            folders = [p for p in os.path.normpath(path).split(os.sep)[:-1] if p not in ("", os.curdir, os.pardir)]
            return any(g.matches(name, None, True) for name in folders for g in self.exclude)
        parts = rel.split("/")[:-1]
        return any(self.excluded(os.path.join(self.root, *parts[:i + 1]), True) for i in range(len(parts)))

    def walk(self, paths: list[str], skip_files: Iterable[str] = (),
             unit: Optional[Callable[[str], Optional[frozenset]]] = None) -> Iterator[tuple[str, str, Optional[str]]]:
        """The folder walk of a run: (kind, path, error) in sorted order, kind
        'file' or 'unit'; excluded folders pruned (never walked into), symlink loops cut, a FIFO or
        device reported unread. ``unit(folder)``: the files of a folder that is read as one unit
        (a Bulk Data export), or None; such a folder is yielded once, before its other files."""
        skip = {os.path.realpath(e) for e in skip_files}
        for p in paths:
            if os.path.isdir(p):
                # A folder that yields nothing is said: beside another path that held documents, a
                # folder of regimens renamed *.txt (or all excluded) passed without a word.
                found = False
                for item in self._walk_folder(p, skip, unit):
                    found = True
                    yield item
                if not found:
                    self.empty.append(p)
            else:
                try:
                    os.stat(p)
                except OSError as e:  # EACCES read as 'no such file' by os.path.exists
                    yield "file", p, _os_error(e)
                else:
                    yield "file", p, None

    def _walk_folder(self, p: str, skip: set, unit: Optional[Callable[[str], Optional[frozenset]]]
                     ) -> Iterator[tuple[str, str, Optional[str]]]:
        seen: set = set()
        # A folder that cannot be listed (no permission, gone while walked) is said, as an
        # unreadable file is: os.walk left it out without a word, and the run passed.
        unlisted: list[OSError] = []
        for root, dirs, files in os.walk(p, followlinks=True, onerror=unlisted.append):
            while unlisted:
                yield _unlisted(unlisted.pop(0), p)
            real = os.path.realpath(root)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            kept = sorted(d for d in dirs if not d.startswith(".")
                          and not self.excluded(os.path.join(root, d), True))
            self.walk_excluded += sum(1 for d in dirs if not d.startswith(".")) - len(kept)
            self.hidden.extend(os.path.join(root, d) for d in sorted(dirs) if d.startswith(".")
                               and not self.excluded(os.path.join(root, d), True))
            dirs[:] = kept
            members = unit(root) if unit is not None else None
            if members is not None:
                yield "unit", root, None
            for f in sorted(files):
                path = os.path.join(root, f)
                if members is not None and path in members:
                    continue
                if not self.included(path):
                    continue
                if self.excluded(path, False):
                    self.walk_excluded += 1
                    continue
                if skip and os.path.realpath(path) in skip:
                    continue
                # A FIFO or device in a folder would block or never end: not read, and said so.
                if os.path.exists(path) and not os.path.isfile(path):
                    yield "file", path, "not a regular file; not read"
                else:
                    yield "file", path, None
            for f in sorted(files):
                path = os.path.join(root, f)
                if (not self.included(path) and not f.startswith(".") and os.path.islink(path)
                        and not os.path.exists(path) and not self.excluded(path, True)):
                    # A broken link whose name no file pattern takes may have been a folder of
                    # documents (os.walk lists it as a file): said, not left out unseen.
                    yield "file", path, f"a broken symbolic link{_link_target(path)}; not read"
        while unlisted:
            yield _unlisted(unlisted.pop(0), p)


def _os_error(e: OSError) -> str:
    if e.errno == errno.ENOENT:
        return "no such file or directory"
    return e.strerror.lower() if e.strerror else str(e)


def _link_target(path: str) -> str:
    try:
        return f" (to {os.readlink(path)!r})"
    except OSError:  # gone or replaced since it was listed
        return ""


def _unlisted(e: OSError, top: str) -> tuple[str, str, Optional[str]]:
    """A folder os.walk could not list, as the walk yields an unreadable file."""
    return "file", e.filename if isinstance(e.filename, str) else top, f"a folder that cannot be listed: {_os_error(e)}"


def _export_members(input_format: str) -> Optional[Callable[[str], Optional[frozenset]]]:
    """For a walk: the files of a FHIR Bulk Data export folder (``orderlint.fhir.bulk.is_bulk_folder``),
    its manifest included, or None for any other folder; None when ``input_format`` is regimen."""
    if input_format == "regimen":
        return None

    def members(folder: str) -> Optional[frozenset]:
        # Imported on the first folder or JSON Lines file: a run over .json files never needs it.
        from orderlint.fhir import bulk

        if not bulk.is_bulk_folder(folder):
            return None
        return frozenset(bulk.export_paths(folder))

    return members


def _stdin_closed() -> Unit:
    return ("error", "cannot read standard input: Bad file descriptor (standard input is closed)")


def units(paths: list[str], jsonl_stdin: bool, exclude: Iterable[str] = (), input_format: str = "auto",
          selection: Optional[Selection] = None) -> Iterator[Unit]:
    """The run's inputs in order; ``exclude``: files a folder walk must not yield (the report file);
    ``selection``: include and exclude patterns (by default the default ones).

    Unless ``input_format`` is ``regimen``, a FHIR Bulk Data export folder
    (``orderlint.fhir.bulk.is_bulk_folder``) found by a walk is one unit, in the place of the
    folder's files; files in it that are not part of the export are linted one by one as anywhere
    else, so nothing goes unread. An export file named on the command line stands for its folder."""
    if selection is None:
        from orderlint.config import DEFAULT_EXCLUDE

        selection = Selection(exclude=DEFAULT_EXCLUDE)
    members_of = _export_members(input_format)
    known: dict[str, Optional[frozenset]] = {}
    bulk_done: set[str] = set()

    def export_of(folder: str) -> Optional[frozenset]:
        if folder not in known:
            known[folder] = members_of(folder) if members_of is not None else None
        return known[folder]

    for p in paths:
        if p == "-":
            if sys.stdin is None:
                yield _stdin_closed()
                continue
            stream = sys.stdin.buffer
            try:
                if jsonl_stdin:
                    yield from _line_units(stream, "<stdin>", "standard input")
                else:
                    yield ("bytes", "<stdin>", read_stream(stream))
            except OSError as e:  # EIO, a closed descriptor: said so, never an internal error
                yield ("error", f"cannot read standard input: {e.strerror or e}")
            continue
        selection.named += 1
        if selection.named_path_excluded(p):
            selection.forced_out.append(p)
            continue
        for kind, path, problem in selection.walk([p], skip_files=exclude, unit=export_of if members_of else None):
            if kind == "unit":
                if path not in bulk_done:
                    bulk_done.add(path)
                    yield ("bulk", path)
            elif problem:
                yield ("error", f"cannot read {path}: {problem}")
            elif format_for(path) == "jsonl":
                if members_of is not None:
                    folder = os.path.dirname(path) or "."
                    members = export_of(folder)
                    # By its folder's name for it: 'export//MedicationRequest.ndjson' (a script's
                    # doubled slash) was read alone, line by line, and its patients' orders each alone.
                    if members is not None and os.path.join(folder, os.path.basename(path)) in members:
                        if folder not in bulk_done:
                            bulk_done.add(folder)
                            yield ("bulk", folder)
                        continue
                try:
                    with open(path, "rb", buffering=STREAM_BUFFER) as f:
                        yield from _line_units(f, path, "the JSON Lines file")
                except OSError as e:
                    yield ("error", f"cannot read {path}: {e.strerror or e}")
            else:
                yield ("file", path)


def _line_units(stream: Any, source: str, what: str) -> Iterator[Unit]:
    """The lines of a JSON Lines stream, each a unit; a stream that holds none is OL001, as an empty
    .json file is: an export or a pipe that came out empty is said, never an input that silently
    adds nothing to a run that passes."""
    lines = 0
    for src, lineno, raw in iter_jsonl_lines(stream, source):
        lines += 1
        yield ("line", src, lineno, raw)
    if not lines:
        err = ParseError(f"{what} holds no document (it is empty or blank)", "", 1, 1)
        yield ("document", Document(source=source, error=err))


def _several_json_values(raw: bytes) -> bool:
    """Whether a document that failed to parse is several JSON values one after the other (a JSON
    Lines stream, or indented documents in a row): then the user most likely forgot --jsonl. The
    first value, and the start of the next, are read (bounded by the text)."""
    import json

    try:
        text = raw.decode("utf-8-sig")
        decoder = json.JSONDecoder()
        _value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
        rest = text[end:].lstrip()
        if not rest:
            return False
        decoder.raw_decode(rest)
    except (ValueError, RecursionError):
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

            hint = "; standard input holds more than one JSON value: give one a line and read it as JSON Lines with --jsonl"
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


def lint_unit(linter: "Linter", unit: Unit, input_format: str = "auto", fhir_strict: bool = False) -> Iterator[Any]:
    """The results of one unit, in order: Result objects, or a str for an unreadable input."""
    if unit[0] == "bulk":
        from orderlint.fhir.bulk import iter_bulk

        yield from iter_bulk(unit[1], linter=linter, strict=fhir_strict)
        return
    doc = load(unit)
    if isinstance(doc, str):
        yield doc
        return
    # One decision of what is FHIR, shared with the API and Spark (orderlint.fhir.dispatch). A document
    # read here from its unit is held by nobody else.
    yield from dispatch(doc, linter, input_format, fhir_strict, fresh=unit[0] != "document")
