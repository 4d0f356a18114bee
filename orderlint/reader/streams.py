"""Inputs: bytes -> text, files and streams (whole documents and JSON Lines), paths and formats."""

from __future__ import annotations

import errno
import os
import re
import stat
from typing import Any, BinaryIO, Iterator, Optional

from orderlint.reader.document import MAX_DOCUMENT_BYTES, Document, ParseError
from orderlint.reader.jsontext import _match_end, _skip_ws, parse_json
from orderlint.reader.yamltext import parse_yaml

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
ALL_SUFFIXES = JSON_SUFFIXES + YAML_SUFFIXES + JSONL_SUFFIXES


def decode_bytes(raw: bytes) -> tuple[Optional[str], Optional[str]]:
    """Bytes -> text. Returns (text, None) or (None, error message)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as e:
            return None, f"not valid UTF-16 text ({e.reason} at byte {e.start})"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as e:
        return None, f"not valid UTF-8 text ({e.reason} at byte {e.start})"


def parse_text(text: str, source: str, fmt: str) -> Document:
    if fmt == "yaml":
        return parse_yaml(text, source)
    if "\r" in text:
        # A line ended by CR alone (as YAML reads it, and editors show it): outside strings, where JSON
        # allows no raw CR, it is whitespace, so a line break changes no value, and the positions
        # count it as one (every finding of such a file was placed on line 1).
        text = _LONE_CR.sub("\n", text)
    return parse_json(text, source)


_LONE_CR = re.compile(r"\r(?!\n)")


def format_for(path: str) -> str:
    low = path.lower()
    if low.endswith(YAML_SUFFIXES):
        return "yaml"
    if low.endswith(JSONL_SUFFIXES):
        return "jsonl"
    return "json"


_LEADING_SPACE = re.compile(r"\s*")


def sniff_format(text: str) -> str:
    """For stdin or an unknown suffix: JSON if it starts like JSON, else YAML.

    ``{`` followed by a quoted key, ``}`` or nothing is JSON, with JSON's messages; ``{`` followed by
    anything else cannot be JSON, so it is read as a YAML flow mapping (``{id: x, kind: patient}``).
    """
    i = _match_end(_LEADING_SPACE, text, 0)
    first = text[i : i + 1]
    if first == "[":
        return "json"
    if first == "{":
        j = _skip_ws(text, i + 1)
        return "json" if text[j : j + 1] in ('"', "}", "") else "yaml"
    return "yaml"


def read_bytes(raw: bytes, source: str, fmt: Optional[str]) -> Document:
    if len(raw) > MAX_DOCUMENT_BYTES:
        return Document(
            source=source,
            error=ParseError(f"document is {len(raw)} bytes, over the limit of {MAX_DOCUMENT_BYTES} bytes"),
        )
    text, err = decode_bytes(raw)
    if text is None:
        return Document(source=source, error=ParseError(err or "cannot decode"))
    return parse_text(text, source, fmt or sniff_format(text))


# A line of a JSON Lines input is named "path:LINE"; only files read as JSON Lines (by extension)
# and standard input read with --jsonl are ever named that way.
_LINE_SOURCE = re.compile(r"^(?P<path>.*\.(?:jsonl|ndjson)|<stdin>):(?P<line>[0-9]+)$", re.IGNORECASE)


class LineSource(str):
    """The source of one line of a JSON Lines stream, ``"path:LINE"``, as the reader names it. A
    plain string is the name of a whole document, whatever it reads like: a file named
    ``x.jsonl:3`` is not line 3 of ``x.jsonl``. A str, so it prints, compares and serializes as
    its text, and pickles as itself (--jobs)."""

    __slots__ = ()

    @property
    def path(self) -> str:
        return self.rpartition(":")[0]

    @property
    def line(self) -> int:
        return int(self.rpartition(":")[2])


def line_source(path: str, line: int) -> LineSource:
    """The source of line ``line`` of the JSON Lines stream ``path``."""
    return LineSource(f"{path}:{line}")


def is_pseudo(path: str) -> bool:
    """``<stdin>``, ``<data>``: a source that is no file."""
    return path.startswith("<") and path.endswith(">")


def stream_location(source: str) -> tuple[str, Optional[int]]:
    """(path, line of the stream) of a JSON Lines line's source (a :class:`LineSource`); any other
    source -> ``(source, None)``: a whole document, whatever its name looks like. For reports."""
    if isinstance(source, LineSource):
        return source.path, source.line
    return source, None


def split_source(source: str) -> tuple[str, Optional[int]]:
    """``"runs.jsonl:12"`` -> ``("runs.jsonl", 12)``; any other source -> ``(source, None)``.

    A :class:`LineSource` is split exactly; a plain string (a source read back from a JSON report)
    by its looks, which cannot tell a file named ``x.jsonl:3`` from line 3 of ``x.jsonl``: the
    reports use :func:`stream_location`."""
    if isinstance(source, LineSource):
        return source.path, source.line
    m = _LINE_SOURCE.match(source)
    if m:
        return m.group("path"), int(m.group("line"))
    return source, None


class FileChangedError(OSError):
    """A regular file gave fewer bytes than its size when it was opened: it was truncated (or
    replaced) while being read, and the documents after that point were never seen."""

    def __init__(self, expected: int, read: int) -> None:
        super().__init__(errno.EIO, f"file changed while being read: {expected} bytes expected, {read} read")


class NotUtf8Error(OSError):
    """A JSON Lines stream in UTF-16 or UTF-32 (a byte order mark, or every other byte NUL):
    JSON Lines is UTF-8, and its lines cannot be split at newline bytes."""

    def __init__(self) -> None:
        super().__init__(errno.EILSEQ, "JSON Lines must be UTF-8 text, and this is UTF-16 or UTF-32 (a byte order mark or "
                                       "NUL bytes at its start): convert it, e.g. iconv -f UTF-16 -t UTF-8")


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _size_at_open(stream: Any) -> Optional[tuple[int, int]]:
    """(position, size) of ``stream`` if it is a regular file, else None (pipes, terminals, sockets)."""
    try:
        st = os.fstat(stream.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None
        return stream.tell(), st.st_size
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def read_stream(stream: BinaryIO, limit: int = MAX_DOCUMENT_BYTES + 1) -> bytes:
    """Up to ``limit`` bytes of a whole-document stream.

    Raises FileChangedError (an OSError, whose ``strerror`` is the one-line message) when a regular
    file gives fewer bytes than it held when opened, instead of returning a silently shorter text.
    """
    at_open = _size_at_open(stream)
    raw = stream.read(limit)
    if at_open is not None:
        expected = max(at_open[1] - at_open[0], 0)
        if len(raw) < min(expected, limit):
            raise FileChangedError(expected, len(raw))
    return raw


def open_lines(path: str) -> BinaryIO:
    """``path`` opened for reading line by line, through a large buffer; a ``.gz`` file (a Bulk Data
    export saved compressed: `Observation.ndjson.gz`) is decompressed as it is read. Raises OSError."""
    from orderlint.reader.document import STREAM_BUFFER

    if path.endswith(".gz"):
        return _gunzip(path)
    return open(path, "rb", buffering=STREAM_BUFFER)


def _gunzip(path: str) -> BinaryIO:
    import gzip
    import io
    import zlib

    class Gunzip(gzip.GzipFile):
        # A truncated or corrupt file raises EOFError or zlib.error, which callers that read files
        # do not expect: each is an OSError here, so it is said at the file, never a traceback.
        def readline(self, size: Optional[int] = -1) -> bytes:
            try:
                return super().readline(size)
            except (EOFError, zlib.error) as e:
                raise OSError(f"not a complete gzip file ({e})") from e

        def fileno(self) -> int:
            # The compressed size says nothing of the lines read: no truncation check by size (a
            # truncated gzip file fails by itself, above).
            raise io.UnsupportedOperation("a decompressed stream")

    return Gunzip(path, "rb")  # type: ignore[return-value]


def iter_jsonl_lines(stream: BinaryIO, source: str) -> Iterator[tuple[str, int, Optional[bytes]]]:
    """(source, line number, raw line) for each non-blank line; raw is None for an over-long line.

    Reads one line at a time, so memory stays flat however long the stream is. After the last
    line, raises FileChangedError if a regular file gave fewer bytes than its size at open (it was
    truncated while being read): the lines it no longer holds are never silently dropped.
    """
    at_open = _size_at_open(stream)
    lineno = 0
    while True:
        raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        if not raw:
            if at_open is not None:  # the position at the end counts what was read: nothing per line
                start, size = at_open
                read = stream.tell() - start
                if read < size - start:
                    raise FileChangedError(size - start, read)
            return
        lineno += 1
        if lineno == 1 and (raw.startswith(_UTF16_BOMS) or (len(raw) >= 4 and 2 * raw.count(0) >= len(raw) - 2)):
            # Split at each 0x0A byte, UTF-16 text made one half-line document per line, each a
            # misleading 'Expecting value' (and a count of documents that was not the file's).
            raise NotUtf8Error()
        if len(raw) > MAX_DOCUMENT_BYTES and not raw.endswith(b"\n"):
            # Skip the rest of an over-long line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_DOCUMENT_BYTES)
            yield source, lineno, None
            continue
        if not raw.isspace():  # as raw.strip() (ASCII whitespace), without copying the line
            yield source, lineno, raw


def jsonl_document(source: str, lineno: int, raw: Optional[bytes]) -> Document:
    """Parse one JSON Lines line; its findings are located on that line of the stream."""
    name = line_source(source, lineno)
    if raw is None:
        return Document(
            source=name,
            error=ParseError(f"line is over the limit of {MAX_DOCUMENT_BYTES} bytes", "", lineno, 1),
            first_line=lineno,
        )
    raw = raw.rstrip(b"\r\n")
    if not raw.startswith(_BOMS):  # the usual line: UTF-8 as it is (decode_bytes for the rest)
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            pass
        else:
            return parse_json(text, name, lineno, raw)
    decoded, err = decode_bytes(raw)
    if decoded is None:
        return Document(source=name, error=ParseError(err or "", "", lineno, 1), first_line=lineno)
    return parse_json(decoded, name, first_line=lineno)


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def iter_jsonl(stream: BinaryIO, source: str) -> Iterator[Document]:
    """One document per non-blank line, in order; a stream that is not UTF-8 (NotUtf8Error) is one
    invalid document, so that every input still becomes a result."""
    try:
        for src, lineno, raw in iter_jsonl_lines(stream, source):
            yield jsonl_document(src, lineno, raw)
    except NotUtf8Error as e:
        yield Document(source=line_source(source, 1), error=ParseError(str(e.strerror), "", 1, 1), first_line=1)
