"""JSON text -> data: orjson's fast reading when it is sure to agree, else the exact parser.

The exact parser is the standard library's decoder with duplicate keys, NaN/Infinity and
overflowing numbers rejected, each with a message and a position. ``_JsonLocator`` finds the
line and column of a JSON Pointer lazily, only for documents that have findings; ``_scan_json``
records every value's position and every repeated key in one iterative walk.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # public since 2.6, absent from typeshed
from typing import Any, Callable, Optional, Union

# The package itself (partly initialised while this module loads): names that tests replace on
# ``orderlint.reader`` (``_orjson_loads``) are read through it at call time.
import orderlint.reader as _pkg
from orderlint.reader.document import _SMALL, LARGEST_DOUBLE_INT, MAX_DEPTH, Document, ParseError, escape_token, unescape_token


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _Overflow(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def _pairs_hook(pairs: list) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set = set()
        for k, _ in pairs:
            if k in seen:
                raise _Duplicate(k)
            seen.add(k)
    return d


def _bad_constant(name: str) -> Any:
    raise _Overflow(name)


def _parse_float(s: str) -> float:
    v = float(s)
    if v in (float("inf"), float("-inf")):
        raise _Overflow(s)
    return v


def _parse_int(s: str) -> int:
    v = int(s)
    if len(s) > 308 and abs(v) > LARGEST_DOUBLE_INT:
        # Beyond every double (regimen-format.md: every number must be finite), as 1e400 is: in an
        # `x-` field no model caps it, and it passed there while 1e400 was refused.
        raise _Overflow(s)
    return v



# Float literals (few per document) are checked for overflow in Python, and integers too (this
# exact parser reads only the texts orjson does not; the model caps the integer fields at 2**53).
# An integer literal too long for Python to convert is a ValueError, reported as OL001.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_bad_constant, parse_float=_parse_float,
                            parse_int=_parse_int)


def _fast_loads(text: str) -> Any:
    """The document as the exact parser below reads it, by orjson, or ``_UNSURE``."""
    got = _fast_read(text)
    return _UNSURE if got is None else got[0]


def _fast_read(text: str, raw: Optional[bytes] = None) -> Optional[tuple[Any, bytes]]:
    """(the document as the exact parser below reads it, orjson's compact re-serialization of it), or
    None when only the exact parser can be sure.

    orjson is several times faster than the standard library's decoder, and agrees with it on
    every text it accepts except three, each detected here in C-speed checks (then the exact
    parser decides, with its messages and positions); whatever orjson refuses (NaN, Infinity,
    numbers overflowing a double, lone surrogates, every syntax error) goes to the exact parser
    too, so no message comes from orjson.

    - Repeated keys, which orjson silently collapses: every member of every object is one ``:``
      outside strings, and ``:`` is never escaped by orjson nor part of any escape, so the text has
      more colons than orjson's compact re-serialization exactly when a key repeats (or when a
      string spells a colon ``\\u003a``, which is sent to the exact parser).
    - Integers beyond 64 bits, which orjson reads as floats: their floats are at least 9.2e18 and
      orjson writes every float from 1e16 up with ``e+``, which compact JSON has nowhere else but
      in strings (a string holding ``e+`` only costs the slow path).
    - Nesting near the interpreter's recursion limit, where the exact parser stops and orjson
      (whose limit is 1024 levels) does not: a text that could nest more than 200 levels has its
      depth measured. Such a path holds 201 containers, each but the last holding the next: an
      object as a member (a colon), an array as an element, so the text has at least 200 colons
      and ``[`` together (the colons are counted anyway: one count of ``[`` instead of two).

    ``raw``: the UTF-8 bytes ``text`` was decoded from, if the caller has them: orjson reads them
    a little faster than the text, with the same result (a decoded text holds no lone surrogate).

    The compact re-serialization is kept by ``parse_json`` for ``Document.locate`` (same tokens
    in the same order as the text), so that a finding's position needs no second serialization.
    """
    loads = _pkg._orjson_loads  # through the package, where a test may set it to None
    if loads is None:
        return None
    try:
        data = loads(text if raw is None else raw)
        out = _orjson_dumps(data)
    except Exception:  # noqa: BLE001 - orjson.JSONDecodeError / JSONEncodeError: the exact parser decides
        return None
    # The one-character tests first: each is a memchr, the two-character searches are slower.
    colons = text.count(":")
    if colons != out.count(b":") or (_PLUS in out and b"e+" in out) or ("\\" in text and "\\u003" in text):
        return None
    if len(text) > 400 and colons + text.count("[") >= 200 and deeper_than(data, 200):
        return None
    return data, out


def deeper_than(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests more than ``limit`` levels (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        children = v.values() if isinstance(v, dict) else v
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return False


_UNSURE: Any = object()
#: "+" as a byte value: ``_PLUS in out`` is a memchr, several times faster than ``b"+" in out``.
_PLUS = ord("+")
_orjson_loads: Optional[Callable[[Union[str, bytes]], Any]]
try:
    from orjson import dumps as _orjson_dumps
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is a dependency; without it every text is parsed exactly
    _orjson_loads = None


def parse_json(text: str, source: str, first_line: int = 1, raw: Optional[bytes] = None) -> Document:
    """``raw``: the UTF-8 bytes ``text`` was decoded from (strictly), if the caller has them."""
    got = _fast_read(text, raw)
    if got is not None:
        # A small text keeps orjson's compact form: Document.locate reads positions off it.
        return Document(source, got[0], None, text, "json", first_line, _compact=got[1] if len(text) <= _SMALL else None)
    return _parse_json_exactly(Document(source=source, text=text, fmt="json", first_line=first_line), text, first_line)


def _parse_json_exactly(doc: Document, text: str, first_line: int) -> Document:
    try:
        doc.data = _DECODER.decode(text)
    except json.JSONDecodeError as e:
        comma = _trailing_comma(text, e)
        if comma is not None:
            # Said in plain words, at the comma: the decoder's "Expecting value" names the bracket.
            line, col = _line_col(text, comma)
            doc.error = ParseError(f"not valid JSON: a trailing comma before {text[e.pos]!r} (JSON allows no comma "
                                   "after the last item)", "", line + first_line - 1, col)
        else:
            msg = e.msg
            if msg == "Invalid control character at":  # the decoder's words end in 'at', its position apart
                msg = "a control character (a raw line break or tab) inside a string; write it escaped (\\n, \\t)"
            doc.error = ParseError(f"not valid JSON: {msg}", "", e.lineno + first_line - 1, e.colno)
    except _Duplicate as e:
        pointer, line, col = _first_duplicate(text, e.key)
        doc.error = ParseError(
            f"duplicate key {e.key!r}: a repeated key silently replaces the first value",
            pointer,
            line + first_line - 1,
            col,
        )
    except _Overflow as e:
        pointer, line, col = _value_place(text, e.text)
        doc.error = ParseError(
            f"number {e.text if len(e.text) <= 40 else e.text[:37] + '...'} is not finite or overflows a double; "
            "every number must be finite",
            pointer,
            line + first_line - 1,
            col,
        )
    except RecursionError:
        doc.error = ParseError("document is nested too deeply", "", first_line, 1)
    except ValueError:  # an integer literal longer than Python converts (over 4300 digits)
        doc.error = ParseError("a number is too long to be read; every number must fit a double", "", first_line, 1)
    return doc


def _find_text(text: str, needle: str, first_line: int) -> tuple[int, int]:
    i = text.find(needle.rstrip("."))
    if i < 0:
        return first_line, 1
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line + first_line - 1, col


def _value_place(text: str, needle: str) -> tuple[str, int, int]:
    """(JSON Pointer, line, column) of the first value whose text is ``needle`` (a number that
    overflows, NaN), as YAML places it; else where the text first holds it, with no pointer. Found
    by the text alone, the first '1e999' was the one inside a string (`"id": "nan-1e999"`)."""
    try:
        positions = _scan_json(text)[0]
    except Exception:  # the text has other problems; the number is placed where its text is
        positions = {}
    starting: dict[tuple[int, int], str] = {}  # (line, column) -> the pointer of the first value that starts there
    for pointer, place in positions.items():
        starting.setdefault(place, pointer)
    at = text.find(needle)
    while at >= 0 and starting:
        place = _line_col(text, at)
        if place in starting and not text[at + len(needle):at + len(needle) + 1].isalnum():
            return starting[place], *place
        at = text.find(needle, at + 1)
    line, col = _find_text(text, needle, 1)
    return "", line, col


def _first_duplicate(text: str, key: str) -> tuple[str, int, int]:
    """Pointer, line and column of the first repeat of ``key`` in the text (as ``_scan_json``
    lists repeats), else ("", 1, 1). A small text (where the search below, which may decode a
    container once per level it is nested in, stays cheap) is searched; any other is scanned."""
    if len(text) <= _SMALL and "\\" not in text and _orjson_accepts(text):
        try:
            found = _repeat_of(text, key)
        except (RecursionError, ValueError, IndexError):  # nested deeper than the search goes (else not expected)
            found = None
        if found is not None:
            pointer, at = found
            line, col = _line_col(text, at)
            return pointer, line, col
    try:
        dups = _scan_json(text, record=False)[1]
    except Exception:  # the text has other problems; the duplicate is still reported
        dups = []
    for pointer, line, col in dups:
        if pointer.rsplit("/", 1)[-1] == escape_token(key):
            return pointer, line, col
    return "", 1, 1


def _orjson_accepts(text: str) -> bool:
    loads = _pkg._orjson_loads
    if loads is None:
        return False
    try:
        loads(text)
    except Exception:  # noqa: BLE001 - orjson.JSONDecodeError: the full scan decides
        return False
    return True


def _repeat_of(text: str, key: str) -> Optional[tuple[str, int]]:
    """(pointer, offset of its opening quote) of the first member named ``key`` that repeats a
    member of the same object, in text order; for a valid JSON text without a backslash only.

    Then every key is spelled literally, so a container whose text holds no ``"key"`` holds no
    such member and is skipped whole by the C decoder; only the containers that may hold one are
    walked, member by member. Each level decodes its container once more, so the walk goes at
    most MAX_DEPTH levels deep (deeper, it raises ValueError and the full scan decides)."""
    quoted = f'"{key}"'
    if text.find(quoted) < 0:
        return None
    return _repeat_in(text, _skip_ws(text, 0), "", key, quoted, 0)


def _repeat_in(text: str, i: int, pointer: str, key: str, quoted: str, depth: int) -> Optional[tuple[str, int]]:
    if depth > MAX_DEPTH:
        raise ValueError("nested deeper than the search goes")
    skip, comma = _SKIP.raw_decode, _COMMA_RE.match
    c = text[i]
    if c == "{":
        i = _skip_ws(text, i + 1)
        seen = False
        while text[i] != "}":
            m = _KEY_RE.match(text, i)
            if m is None:
                raise ValueError(f"unexpected character at {i}")
            name = m.group(1)
            if name == key:
                if seen:
                    return f"{pointer}/{escape_token(name)}", i
                seen = True
            i = m.end()
            end = skip(text, i)[1]
            if text[i] in "{[" and text.find(quoted, i, end) >= 0:
                found = _repeat_in(text, i, f"{pointer}/{escape_token(name)}", key, quoted, depth + 1)
                if found is not None:
                    return found
            i = comma(text, end).end()  # type: ignore[union-attr]  # matches the empty string
    elif c == "[":
        i = _skip_ws(text, i + 1)
        n = 0
        while text[i] != "]":
            end = skip(text, i)[1]
            if text[i] in "{[" and text.find(quoted, i, end) >= 0:
                found = _repeat_in(text, i, f"{pointer}/{n}", key, quoted, depth + 1)
                if found is not None:
                    return found
            i = comma(text, end).end()  # type: ignore[union-attr]  # matches the empty string
            n += 1
    return None


_SKIP = json.JSONDecoder()  # plain C-accelerated decoder, used only to skip over values



_WS_CHARS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    """Index of the next non-whitespace character; no regex call for the usual zero or one space."""
    if i < len(text) and text[i] in _WS_CHARS:
        i += 1
        if i < len(text) and text[i] in _WS_CHARS:
            i = _match_end(_WS_RE, text, i)
    return i


class _JsonLocator:
    """Offsets and (line, column) of values in one valid JSON text, in O(size + lookups) overall.

    Only the containers on a pointer's path are walked. Each walk of an object or array resumes
    where the previous one stopped and records every member or element it passes (each sibling
    is skipped with one call into the C decoder), so no part of the text is scanned twice however
    many findings there are. Line and column come from a newline index built once.
    """

    __slots__ = ("text", "root", "offsets", "walks", "answers", "line_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = _skip_ws(text, 0)
        self.offsets: dict[str, int] = {}  # canonical pointer of an existing value -> its offset
        # container pointer -> [resume offset, elements passed (arrays), a value to skip first (objects), done]
        self.walks: dict[str, list] = {}
        self.answers: dict[str, int] = {}  # pointer as asked -> offset answered
        self.line_starts: Optional[list[int]] = None

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self.line_starts
        if starts is None:
            starts = self.line_starts = [0]
            text = self.text
            i = text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
        k = bisect.bisect_right(starts, offset) - 1
        return k + 1, offset - starts[k] + 1

    def offset(self, pointer: str) -> int:
        """Offset of the value at ``pointer`` (or its nearest existing parent)."""
        hit = self.answers.get(pointer)
        if hit is not None:
            return hit
        text = self.text
        offsets = self.offsets
        found = self.root
        walked = ""
        try:
            for raw in pointer.split("/")[1:]:
                c = text[found]
                if c == "{":
                    # The member's pointer in canonical form (escape_token of the key it names).
                    child = f"{walked}/{escape_token(unescape_token(raw)) if '~' in raw else raw}"
                    at = offsets.get(child)
                    if at is None:
                        at = self._member(walked, found, child)
                elif c == "[" and raw.isdigit():
                    child = f"{walked}/{raw}" if raw[0] != "0" or raw == "0" else f"{walked}/{int(raw)}"
                    at = offsets.get(child)
                    if at is None:
                        at = self._element(walked, found, int(raw))
                else:
                    break
                if at is None:
                    break  # no such member or element: report the container
                found, walked = at, child
        except (IndexError, ValueError):
            pass
        self.answers[pointer] = found
        return found

    def _member(self, walked: str, start: int, child: str) -> Optional[int]:
        text, offsets = self.text, self.offsets
        w = self.walks.get(walked)
        if w is None:
            w = self.walks[walked] = [_skip_ws(text, start + 1), 0, False, False]
        if w[3]:
            return None
        i = w[0]
        skip, key, comma = _SKIP.raw_decode, _KEY_RE.match, _COMMA_RE.match
        if w[2]:  # the value of the member found last time has not been skipped yet
            i = comma(text, skip(text, i)[1]).end()  # type: ignore[union-attr]  # matches the empty string
            w[2] = False
        while text[i] != "}":
            # One match reads the key and the colon; a key with an escape is decoded exactly.
            m = key(text, i)
            if m is None:
                raise ValueError(f"unexpected character at {i}")
            name = m.group(1)
            if "\\" in name:
                name = scanstring(text, i + 1)[0]
            i = m.end()
            passed = f"{walked}/{escape_token(name) if '~' in name or '/' in name else name}"
            offsets[passed] = i
            if passed == child:
                w[0], w[2] = i, True  # the caller descends into this value; skip it on the next walk
                return i
            i = comma(text, skip(text, i)[1]).end()  # type: ignore[union-attr]  # matches the empty string
        w[0], w[3] = i, True
        return None

    def _element(self, walked: str, start: int, want: int) -> Optional[int]:
        text, offsets = self.text, self.offsets
        w = self.walks.get(walked)
        if w is None:
            i = _skip_ws(text, start + 1)
            w = self.walks[walked] = [i, 0, False, text[i] == "]"]
            if not w[3]:
                offsets[f"{walked}/0"] = i
        if w[3]:
            return None
        i, j = w[0], w[1]
        skip, comma = _SKIP.raw_decode, _COMMA_RE.match
        while j < want:
            i = comma(text, skip(text, i)[1]).end()  # type: ignore[union-attr]  # matches the empty string
            if text[i] == "]":
                w[0], w[1], w[3] = i, j, True
                return None
            j += 1
            offsets[f"{walked}/{j}"] = i
        w[0], w[1] = i, j
        return i


def _match_end(rx: "re.Pattern[str]", text: str, i: int) -> int:
    m = rx.match(text, i)
    if m is None:  # not for the patterns used here, which all match the empty string
        raise ValueError(f"unexpected character at {i}")
    return m.end()


#: A member's key and its colon: the key's text (escapes undecoded) is group 1.
_KEY_RE = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
#: From the end of a member or element: past the whitespace and comma to what follows.
_COMMA_RE = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*)?")


_WS_RE = re.compile(r"[ \t\n\r]*")
_SCALAR_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _scan_json(text: str, record: bool = True) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int, int]]]:
    """Walk JSON text and record the (line, column) where each value starts, by JSON Pointer
    (unless ``record`` is false: then the dict is empty), and every repeated key (pointer, line,
    column).

    Iterative, so deep nesting cannot exhaust the stack. Runs only for documents with findings
    (and, without ``record``, to place a repeated key).
    """
    newlines = []
    at = text.find("\n")
    while at >= 0:
        newlines.append(at)
        at = text.find("\n", at + 1)

    def lc(offset: int) -> tuple[int, int]:
        ln = bisect.bisect_left(newlines, offset)
        start = newlines[ln - 1] + 1 if ln else 0
        return ln + 1, offset - start + 1

    positions: dict[str, tuple[int, int]] = {}
    duplicates: list[tuple[str, int, int]] = []
    ws = _skip_ws
    i = ws(text, 0)
    # stack frames: [pointer, is_object, count, keys]
    stack: list[list] = []
    pointer = ""
    state = "value"
    n = len(text)
    while True:
        if state == "value":
            if record and pointer not in positions:
                positions[pointer] = lc(i)
            c = text[i]
            if c == "{" or c == "[":
                is_obj = c == "{"
                i = ws(text, i + 1)
                close = "}" if is_obj else "]"
                if text[i] == close:
                    i += 1
                    state = "after"
                    continue
                stack.append([pointer, is_obj, 0, set() if is_obj else None])
                if is_obj:
                    state = "key"
                else:
                    pointer = pointer + "/0"
                continue
            if c == '"':
                _, i = scanstring(text, i + 1)
            else:
                m = _SCALAR_RE.match(text, i)
                if not m:
                    raise ValueError(f"unexpected character at {i}")
                i = m.end()
            state = "after"
        elif state == "key":
            frame = stack[-1]
            key_at = i
            key, i = scanstring(text, i + 1)
            pointer = frame[0] + "/" + escape_token(key)
            if key in frame[3]:
                duplicates.append((pointer, *lc(key_at)))
            else:
                frame[3].add(key)
            i = ws(text, i) + 1  # ':'
            i = ws(text, i)
            state = "value"
        else:  # after a value
            i = ws(text, i)
            if not stack:
                break
            frame = stack[-1]
            c = text[i] if i < n else ""
            if c == ",":
                i = ws(text, i + 1)
                frame[2] += 1
                if frame[1]:
                    state = "key"
                else:
                    pointer = f"{frame[0]}/{frame[2]}"
                    state = "value"
            elif c in ("}", "]"):
                stack.pop()
                pointer = frame[0]
                i += 1
            else:
                raise ValueError(f"unexpected character at {i}")
    return positions, duplicates


def _trailing_comma(text: str, e: json.JSONDecodeError) -> Optional[int]:
    """The offset of the comma when the decoder stopped at a `}` or `]` that follows one."""
    if e.msg not in ("Expecting property name enclosed in double quotes", "Expecting value"):
        return None
    if e.pos >= len(text) or text[e.pos] not in "}]":
        return None
    i = e.pos - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    return i if i >= 0 and text[i] == "," else None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
