"""Documents as read: the parsed data or a ParseError, positions by JSON Pointer, and the limits.

A JSON document finds the line and column of a pointer through ``jsontext._JsonLocator``, built on
its first finding only; a YAML document carries the positions its builder recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

if TYPE_CHECKING:
    from orderlint.reader.jsontext import _JsonLocator

#: Largest document accepted (bytes). Larger ones are refused with OL001 before parsing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting accepted; the regimen format needs five levels.
MAX_DEPTH = 64
#: The largest integer a double holds: one beyond it is refused as 1e400 is (every number finite).
LARGEST_DOUBLE_INT = int(1.7976931348623157e308)
#: Buffer size of the streams read line by line (JSON Lines, NDJSON) and of the report file (not on a
#: terminal): a system call per block (Python's default buffer, the file's block size: 4 KiB on the
#: development machine) cost 4-14% of a 100,000-line JSON Lines run, as the machine was loaded.
STREAM_BUFFER = 1 << 20


@dataclass
class ParseError:
    message: str
    pointer: str = ""
    line: int = 1
    column: int = 1


@dataclass
class Document:
    """One regimen document as read: its data, or why it could not be read."""

    source: str
    data: Any = None
    error: Optional[ParseError] = None
    text: Optional[str] = None
    fmt: str = "json"
    first_line: int = 1
    # YAML: pointer -> (line, column); or, for the root of an alias expansion, the pointer of the
    # anchored original (str), where everything inside the expansion is located.
    _positions: Optional[dict[str, Any]] = field(default=None, repr=False)
    _locator: Optional["_JsonLocator"] = field(default=None, repr=False)
    # Small JSON texts: (fresh parse, its compact re-serialization), or False where _member_offset
    # does not apply (see there); built on the first finding, from the compact re-serialization
    # (bytes) that the parse left here when it has one.
    _compact: Any = field(default=None, repr=False)
    # Set by a reader whose documents nobody else holds until their positions are read (the command
    # line's JSON Lines loop): the data is then as parsed, and the compact form needs no check.
    _sealed: bool = field(default=False, repr=False, compare=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing parent."""
        if self._positions is None:
            text = self.text
            if text is None:
                return self.first_line, 1
            # A member of an object in a small JSON text (most findings of a JSON Lines batch):
            # found by counting keys, several times faster than walking the text.
            compact = self._compact
            if compact is not False and len(text) <= _SMALL:
                if compact is None or compact.__class__ is bytes:
                    compact = self._compact = _compact_of(text, compact, self.data, self._sealed)
                offset = None
                if compact is not False and "~" not in pointer:
                    # A member whose key and value occur once (most findings); else the search.
                    offset = _unique_member(text, compact[0], compact[1], pointer)
                    if offset is None:
                        offset = self._member_offset(pointer)
                if offset is not None:
                    nl = text.rfind("\n", 0, offset)
                    if nl < 0:
                        return self.first_line, offset + 1
                    return text.count("\n", 0, offset) + self.first_line, offset - nl
            # JSON: built on the first finding only, so a clean document costs nothing here.
            if self._locator is None:
                # Imported here: jsontext imports this module, and only a document with findings needs it.
                from orderlint.reader.jsontext import _JsonLocator

                self._locator = _JsonLocator(text)
            line, col = self._locator.line_col(self._locator.offset(pointer))
            return line + self.first_line - 1, col
        pos = self._positions
        p = pointer
        while True:
            hit = pos.get(p)
            if hit is not None:
                if hit.__class__ is str:  # inside a YAML alias expansion: the anchored value's place
                    pointer = p = hit + pointer[len(p):]
                    continue
                return hit[0] + self.first_line - 1, hit[1]
            if not p:
                return self.first_line, 1
            p = p[: p.rfind("/")]


    def _member_offset(self, pointer: str) -> Optional[int]:
        """Offset of the value at ``pointer`` exactly as ``_JsonLocator.offset`` gives it, when the
        deepest existing value on the pointer's path is a member of an object; else None (the
        locator decides).

        Only for a text without a backslash, which orjson parses and whose compact re-serialization
        ``out`` has as many colons (no key collapsed as a repeat). Then every ``"`` is a real quote,
        every key is spelled literally, and both texts hold the same tokens in the same order: the
        member is the (k+1)-th key ``"key"`` of the text, where k counts the keys ``"key":`` before
        it in ``out``.

        Only keys that start with neither whitespace nor one of ``,:]}`` (what may follow a
        closing quote) are taken: such a ``"key"`` cannot be matched from a closing quote, so each
        match is a string that is exactly the key, and a member's key exactly when a colon
        follows (in ``out``: ``"key":``, nothing else). A pointer through another key goes to the
        locator.

        The member's place in ``out`` is found by the span of its object there: the only
        ``"key":`` in the span is the member itself; otherwise its offset in the object is the
        length of the compact ``{m0,...,m(n-1)}`` of the members before it. (``locate`` asks
        ``_unique_member`` first.)"""
        compact = self._compact
        if compact is None or compact.__class__ is bytes:
            compact = self._compact = _compact_of(self.text or "", compact, self.data, self._sealed)
        if compact is False:
            return None
        data, out = compact
        if "~" in pointer:
            return None
        cur = data
        at = 0  # offset in ``out`` of ``cur``
        end: Optional[int] = len(out)  # where ``cur`` ends in ``out``, once needed
        key: Optional[str] = None
        member = b""
        key_at = 0
        for raw in pointer.split("/")[1:]:
            cls = cur.__class__
            if cls is dict:
                if raw not in cur:
                    break
                if raw and raw[0] in _AFTER_QUOTE:
                    return None
                # The key as orjson writes it: it holds no quote, backslash or control character
                # (``out`` has no backslash).
                member = f'"{raw}":'.encode()
                if end is None:
                    end = at + len(_dumps(cur))
                if out.count(member, at, end) == 1:
                    key_at = out.find(member, at, end)
                else:
                    n = list(cur).index(raw)
                    key_at = at + (len(_dumps(dict(islice(cur.items(), n)))) if n else 1)
                at = key_at + len(member)
                cur = cur[raw]
                key = raw
            elif cls is list:
                i = _INDEX.get(raw)
                if i is None:
                    if not (raw.isascii() and raw.isdigit()) or (raw[0] == "0" and raw != "0"):
                        return None
                    i = int(raw)
                if i >= len(cur):
                    break
                at += len(_dumps(cur[:i])) if i else 1  # as for an object's members
                cur = cur[i]
                key = None
            elif cls in _SCALARS:
                break
            else:
                return None  # not a value JSON reads (the data was changed since): the locator
            end = None
        if key is None:
            return None  # the root, or an element of an array: the locator
        k = out.count(member, 0, key_at)
        quoted = f'"{key}"'
        n = len(quoted)
        text = self.text or ""
        i = text.find(quoted)
        while i >= 0:
            j = i + n
            if not text.startswith(":", j):
                j = _skip_space(text, j)
            if text.startswith(":", j):
                if not k:
                    return _skip_space(text, j + 1)
                k -= 1
            i = text.find(quoted, i + 1)
        return None  # not reached for a text as described above


def _unique_member(text: str, data: Any, out: bytes, pointer: str) -> Optional[int]:
    """Document._member_offset's answer when the deepest existing value on the pointer's path is
    a member ``"key":value`` with a string or integer value that occurs once in ``out`` (with the
    same conditions on the text and the key); else None (the member search decides).

    Such a member is the only one of the document with that key and value, so in the text it is
    the ``"key"`` followed by a colon and then by the value as spelled: a string with its closing
    quote (strings are spelled literally; no other value starts so), an integer's digits not
    followed by more of a number. No offset in ``out`` is needed."""
    cur = data
    key: Optional[str] = None
    for raw in pointer.split("/")[1:]:
        cls = cur.__class__
        if cls is dict:
            if raw not in cur:
                break
            cur = cur[raw]
            key = raw
        elif cls is list:
            i = _INDEX.get(raw)
            if i is None:
                if not (raw.isascii() and raw.isdigit()) or (raw[0] == "0" and raw != "0"):
                    break
                i = int(raw)
            if i >= len(cur):
                break
            cur = cur[i]
            key = None
        else:
            break
    if key is None or (key and key[0] in _AFTER_QUOTE):
        return None
    cls = cur.__class__
    if cls is str:
        value = f'"{cur}"'
    elif cls is int:
        value = str(cur)  # in the text too, as JSON spells an integer (or as -0: not found there)
    else:
        return None
    compact = f'"{key}":{value}'
    # Once in ``out``: the member itself, and no other (for an integer, a longer number that
    # starts the same counts too, so the test only errs on the safe side).
    if out.count(compact.encode()) != 1:
        return None
    quoted = f'"{key}"'
    # The usual spellings first, each found by one search: a match is the member (its "key" is
    # a key: a string followed by a colon), unless a longer number follows.
    for spelled in (f"{quoted}: {value}", compact):
        i = text.find(spelled)
        while i >= 0:
            end = i + len(spelled)
            if text[end:end + 1] not in _NUMBER_GOES_ON:
                return end - len(value)
            i = text.find(spelled, i + 1)
    n = len(quoted)
    i = text.find(quoted)
    while i >= 0:
        j = _skip_space(text, i + n)
        if text.startswith(":", j):
            j = _skip_space(text, j + 1)
            if text.startswith(value, j) and text[j + len(value):j + len(value) + 1] not in _NUMBER_GOES_ON:
                return j
        i = text.find(quoted, i + 1)
    return None  # -0 spelled so in the text


#: Array indices as JSON Pointer spells them ("0", "1", ... no leading zero) for the usual sizes;
#: any other token is checked digit by digit.
_INDEX = {str(i): i for i in range(1024)}

#: Characters that continue a number literal (a longer number is not the integer looked for).
_NUMBER_GOES_ON = frozenset("0123456789.eE")

#: What may follow a string's closing quote in JSON text; see Document._member_offset.
_AFTER_QUOTE = frozenset(" \t\n\r,:]}")
_SCALARS = (str, int, float, bool, type(None))

#: Texts up to this size take Document._member_offset: each call costs O(size), bounded here,
#: so many findings in a big document stay linear (the locator's walk).
_SMALL = 8192


def _skip_space(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\n\r":
        i += 1
    return i


def _compact_of(text: str, out: Optional[bytes] = None, data: Any = None, sealed: bool = False) -> Any:
    """(parsed value, compact serialization) of a JSON text as Document._member_offset needs it, or
    False.

    ``out``: the compact serialization the parse already made of this text (its colons counted
    against the text's), with ``data`` the document's data as parsed then: taken if it still
    serializes to ``out`` (no later stage changed it; ``sealed``: nobody could have), else parsed
    again from ``out``."""
    if "\\" in text or _loads is None:
        return False
    if out is None:
        try:
            data = _loads(text)
            out = _dumps(data)
        except Exception:  # noqa: BLE001 - not JSON orjson reads: the locator decides
            return False
        if out.count(b":") != text.count(":"):
            return False
    elif not sealed and not _serializes_to(data, out):
        data = _loads(out)
    if b"\\" in out:
        return False
    return data, out


def _serializes_to(data: Any, out: bytes) -> bool:
    try:
        return _dumps(data) == out
    except Exception:  # noqa: BLE001 - a value orjson cannot write (the data was changed since)
        return False


_loads: Optional[Callable[[Union[str, bytes]], Any]]
try:
    from orjson import dumps as _dumps
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency; without it the locator decides
    _loads = None


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """One JSON Pointer reference token -> the key it names (the inverse of ``escape_token``)."""
    return token.replace("~1", "/").replace("~0", "~")
