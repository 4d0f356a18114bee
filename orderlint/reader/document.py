"""Documents as read: the parsed data or a ParseError, positions by JSON Pointer, and the limits.

A JSON document finds the line and column of a pointer through ``jsontext._JsonLocator``, built on
its first finding only; a YAML document carries the positions its builder recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from orderlint.reader.jsontext import _JsonLocator

#: Largest document accepted (bytes). Larger ones are refused with OL001 before parsing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting accepted; the regimen format needs five levels.
MAX_DEPTH = 64


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
    # does not apply (see there); built on the first finding.
    _compact: Any = field(default=None, repr=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing parent."""
        if self._positions is None:
            if self.text is None:
                return self.first_line, 1
            # A member of an object in a small JSON text (most findings of a JSON Lines batch):
            # found by counting keys, several times faster than walking the text.
            if self._compact is not False and len(self.text) <= _SMALL:
                offset = self._member_offset(pointer)
                if offset is not None:
                    text = self.text
                    nl = text.rfind("\n", 0, offset)
                    if nl < 0:
                        return self.first_line, offset + 1
                    return text.count("\n", 0, offset) + self.first_line, offset - nl
            # JSON: built on the first finding only, so a clean document costs nothing here.
            if self._locator is None:
                # Imported here: jsontext imports this module, and only a document with findings needs it.
                from orderlint.reader.jsontext import _JsonLocator

                self._locator = _JsonLocator(self.text)
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
        has as many colons (no key collapsed as a repeat). Then every ``"`` is a real quote, every
        key is spelled literally, and both texts hold the same tokens in the same order: the
        member is the (k+1)-th ``"key"`` followed by ``:`` in the text, where k counts those before
        it in the compact form, whose offsets are sums of the lengths of the values passed.
        A match counts only if an even number of quotes precede it (it opens a string)."""
        compact = self._compact
        if compact is None:
            compact = self._compact = _compact_of(self.text or "")
            if compact is False:
                return None
        data, out = compact
        if "~" in pointer:
            return None
        cur = data
        at = 0  # offset in ``out`` of ``cur``
        key: Optional[str] = None
        key_at = 0
        for raw in pointer.split("/")[1:]:
            cls = cur.__class__
            if cls is dict:
                if raw not in cur:
                    break
                # The compact ``{m0,...,m(n-1)}`` of the members before it is as long as the
                # member's offset in the compact object.
                n = list(cur).index(raw)
                at += len(_dumps(dict(islice(cur.items(), n)))) if n else 1
                key_at = at
                at += len(_dumps(raw)) + 1
                cur = cur[raw]
                key = raw
            elif cls is list:
                if not (raw.isascii() and raw.isdigit()) or (raw[0] == "0" and raw != "0"):
                    return None
                i = int(raw)
                if i >= len(cur):
                    break
                at += len(_dumps(cur[:i])) if i else 1  # as for an object's members
                cur = cur[i]
                key = None
            else:
                break
        if key is None:
            return None  # the root, or an element of an array: the locator
        quoted = f'"{key}"'
        qb = quoted.encode()
        # Quotes before each match are counted on from the previous match: O(size) a call.
        k = quotes = last = 0
        i = out.find(qb, 0, key_at)
        while i >= 0:
            quotes += out.count(b'"', last, i)
            last = i
            if out[i + len(qb):i + len(qb) + 1] == b":" and not quotes % 2:
                k += 1
            i = out.find(qb, i + 1, key_at)
        text = self.text or ""
        quotes = last = 0
        i = text.find(quoted)
        while i >= 0:
            quotes += text.count('"', last, i)
            last = i
            j = _skip_space(text, i + len(quoted))
            if text[j:j + 1] == ":" and not quotes % 2:
                if not k:
                    return _skip_space(text, j + 1)
                k -= 1
            i = text.find(quoted, i + 1)
        return None  # not reached for a text as described above


#: Texts up to this size take Document._member_offset: each call costs O(size), bounded here,
#: so many findings in a big document stay linear (the locator's walk).
_SMALL = 8192


def _skip_space(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\n\r":
        i += 1
    return i


def _compact_of(text: str) -> Any:
    """(parsed value, compact serialization) of a JSON text as Document._member_offset needs it, or
    False."""
    if "\\" in text:
        return False
    if _loads is None:
        return False
    try:
        data = _loads(text)
        out = _dumps(data)
    except Exception:  # noqa: BLE001 - not JSON orjson reads (or orjson missing): the locator decides
        return False
    if b"\\" in out or out.count(b":") != text.count(":"):
        return False
    return data, out


_loads: Optional[Callable[[str], Any]]
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
