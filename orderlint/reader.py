"""Read stage: bytes from files or streams -> parsed documents that know their positions.

JSON is parsed by the standard library (fast path) with duplicate keys, NaN/Infinity and
overflowing numbers rejected; line and column of a JSON Pointer are computed lazily, only
for documents that have findings. YAML is composed by PyYAML (libyaml when available) with no
schema at all and built by hand: plain scalars are typed by JSON's rules (so ``020`` and ``yes``
are strings), tags, merge keys and non-string keys are refused, duplicate keys are caught, alias
expansion is bounded by size, and every value keeps its position.
"""

from __future__ import annotations

import bisect
import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]  # public since 2.6, absent from typeshed
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional

#: Largest document accepted (bytes). Larger ones are refused with OL001 before parsing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting accepted; the regimen format needs five levels.
MAX_DEPTH = 64

JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
ALL_SUFFIXES = JSON_SUFFIXES + YAML_SUFFIXES + JSONL_SUFFIXES


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

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing parent."""
        if self._positions is None:
            if self.text is None:
                return self.first_line, 1
            # JSON: built on the first finding only, so a clean document costs nothing here.
            if self._locator is None:
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


# Float literals (few per document) are checked for overflow in Python; integers are parsed in
# C (Python ints are exact, and the model caps the integer fields at 2**53). An integer literal
# too long for Python to convert is a ValueError, reported as OL001.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_bad_constant, parse_float=_parse_float)


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


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


def _fast_loads(text: str) -> Any:
    """The document as the exact parser below reads it, by orjson, or ``_UNSURE``.

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
      (whose limit is 1024 levels) does not: a text with more than 200 brackets has its depth
      measured.
    """
    if _orjson_loads is None:
        return _UNSURE
    try:
        data = _orjson_loads(text)
        out = _orjson_dumps(data)
    except Exception:  # noqa: BLE001 - orjson.JSONDecodeError / JSONEncodeError: the exact parser decides
        return _UNSURE
    if text.count(":") != out.count(b":") or b"e+" in out or "\\u003" in text:
        return _UNSURE
    if len(text) > 400 and text.count("[") + text.count("{") > 200 and _depth_over(data, 200):
        return _UNSURE
    return data


def _depth_over(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > limit:
            return True
        children = v.values() if isinstance(v, dict) else v
        stack.extend((c, d + 1) for c in children if isinstance(c, (dict, list)))
    return False


_UNSURE: Any = object()
_orjson_loads: Optional[Callable[[str], Any]]
try:
    from orjson import dumps as _orjson_dumps
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - orjson is a dependency; without it every text is parsed exactly
    _orjson_loads = None


def parse_json(text: str, source: str, first_line: int = 1) -> Document:
    doc = Document(source=source, text=text, fmt="json", first_line=first_line)
    data = _fast_loads(text)
    if data is not _UNSURE:
        doc.data = data
        return doc
    return _parse_json_exactly(doc, text, first_line)


def _parse_json_exactly(doc: Document, text: str, first_line: int) -> Document:
    try:
        doc.data = _DECODER.decode(text)
    except json.JSONDecodeError as e:
        doc.error = ParseError(f"not valid JSON: {e.msg}", "", e.lineno + first_line - 1, e.colno)
    except _Duplicate as e:
        pointer, line, col = _first_duplicate(text, e.key)
        doc.error = ParseError(
            f"duplicate key {e.key!r}: a repeated key silently replaces the first value",
            pointer,
            line + first_line - 1,
            col,
        )
    except _Overflow as e:
        doc.error = ParseError(
            f"number {e.text} is not finite or overflows a double; every number must be finite",
            "",
            *_find_text(text, e.text, first_line),
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


def _first_duplicate(text: str, key: str) -> tuple[str, int, int]:
    try:
        dups = _scan_json(text)[1]
    except Exception:  # the text has other problems; the duplicate is still reported
        dups = []
    for pointer, line, col in dups:
        if pointer.rsplit("/", 1)[-1] == escape_token(key):
            return pointer, line, col
    return "", 1, 1


_SKIP = json.JSONDecoder()  # plain C-accelerated decoder, used only to skip over values


def unescape_token(token: str) -> str:
    """One JSON Pointer reference token -> the key it names (the inverse of ``escape_token``)."""
    return token.replace("~1", "/").replace("~0", "~")


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


def _scan_json(text: str) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int, int]]]:
    """Walk JSON text and record the (line, column) where each value starts, by JSON Pointer,
    and every repeated key (pointer, line, column).

    Iterative, so deep nesting cannot exhaust the stack. Runs only for documents with findings.
    """
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

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
            if pointer not in positions:
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


# ---------------------------------------------------------------- YAML

# Every node is composed with one of these private tags (see _loaders), so that a standard tag on a
# node can only have been written in the text: any explicit tag is refused, and plain scalars are
# typed here by JSON's rules rather than by any YAML schema.
_PLAIN = "tag:orderlint.invalid,2026:plain"
_QUOTED = "tag:orderlint.invalid,2026:quoted"
_MAP = "tag:orderlint.invalid,2026:map"
_SEQ = "tag:orderlint.invalid,2026:seq"

#: A plain scalar is a number exactly when it matches JSON's number grammar.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
#: YAML's spellings of infinity and not-a-number, refused as JSON refuses NaN and Infinity.
_YAML_NON_FINITE = frozenset(
    s + v for s in ("", "+", "-") for v in (".inf", ".Inf", ".INF")
) | {".nan", ".NaN", ".NAN"}

_LOADERS: Optional[tuple] = None


def _loaders() -> tuple:
    """(pure-Python loader, libyaml loader): compose only, every node under a private tag."""
    global _LOADERS
    if _LOADERS is None:
        from yaml.composer import Composer
        from yaml.nodes import MappingNode, ScalarNode
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.resolver import BaseResolver
        from yaml.scanner import Scanner

        class Resolver(BaseResolver):
            # YAML 1.1 implicit typing (octal 020, sexagesimal 1:00, yes/no) never runs: a plain
            # scalar is typed later by JSON's rules, whatever %YAML directive the text carries.
            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                if kind is ScalarNode:
                    return _PLAIN if implicit[0] else _QUOTED
                return _MAP if kind is MappingNode else _SEQ

        class PyLoader(Reader, Scanner, Parser, Composer, Resolver):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                Composer.__init__(self)
                Resolver.__init__(self)

        try:
            from yaml.cyaml import CParser as c_parser
        except ImportError:  # PyYAML built without libyaml
            c_parser = None
        c_loader: Any = PyLoader
        if c_parser is not None:

            class CLoader(c_parser, Resolver):
                def __init__(self, stream: str) -> None:
                    c_parser.__init__(self, stream)
                    Resolver.__init__(self)

            c_loader = CLoader
        _LOADERS = (PyLoader, c_loader)
    return _LOADERS


def parse_yaml(text: str, source: str) -> Document:
    import yaml  # only documents that are YAML pay for it

    doc = Document(source=source, text=None, fmt="yaml")
    py_loader, c_loader = _loaders()
    # libyaml composes recursively in C, where deep nesting cannot be caught safely. Text that might
    # be deep goes to PyYAML's pure-Python composer instead, whose recursion ends in RecursionError.
    loader_cls = py_loader if _maybe_deep_yaml(text) else c_loader
    try:
        node = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as e:
        if e.context == "expected a single document in the stream":
            doc.error = _many_documents(yaml, text, loader_cls, e.problem_mark)
            return doc
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or e.context or "syntax error"
        doc.error = ParseError(f"not valid YAML: {problem}", "", line, col)
        return doc
    except yaml.YAMLError as e:
        doc.error = ParseError(f"not valid YAML: {e}".splitlines()[0])
        return doc
    except RecursionError:
        doc.error = ParseError(f"document is nested deeper than {MAX_DEPTH} levels")
        return doc
    if node is None:
        doc.error = ParseError("the document is empty")
        return doc
    builder = _YamlBuilder()
    try:
        if "*" in text:  # an alias needs one; a text without any costs nothing here
            builder.check_aliases(node)
        doc.data = builder.build(node, "", 0, True)
        if "!" in text:  # the non-specific tag "!" leaves no trace on a node: find it in the events
            _refuse_tags(yaml, text, loader_cls)
    except _YamlProblem as e:
        doc.data = None
        doc.error = ParseError(e.message, e.pointer, e.line, e.column)
        return doc
    except RecursionError:  # sizing a value nested deeper than any document may be
        doc.data = None
        doc.error = ParseError(f"document is nested deeper than {MAX_DEPTH} levels")
        return doc
    doc._positions = builder.positions
    return doc


def _many_documents(yaml: Any, text: str, loader_cls: Any, second: Any) -> ParseError:
    """One error for a file of several YAML documents, saying how many it holds."""
    count, complete = 0, True
    try:
        for event in yaml.parse(text, Loader=loader_cls):
            if isinstance(event, yaml.DocumentStartEvent):
                count += 1
    except yaml.YAMLError:  # a later document is broken: it still counts, and there may be more
        complete = False
    count = max(count, 2)
    line, col = (second.line + 1, second.column + 1) if second else (1, 1)
    return ParseError(
        f"a file holds one regimen document; this one has {count}{'' if complete else ' or more'} "
        f"(another document starts at line {line}); split them or use JSON Lines",
        "",
        line,
        col,
    )


def _refuse_tags(yaml: Any, text: str, loader_cls: Any) -> None:
    for event in yaml.parse(text, Loader=loader_cls):
        tag = getattr(event, "tag", None)
        if tag is not None:
            mark = event.start_mark
            raise _YamlProblem(_tag_message(tag), "", mark.line + 1, mark.column + 1)


def _tag_message(tag: str) -> str:
    if tag.startswith("tag:yaml.org,2002:"):
        tag = "!!" + tag[len("tag:yaml.org,2002:"):]
    return f"YAML tag {tag!r} is not allowed: values are typed as in JSON; write the value untagged (quoted for a string)"


def _maybe_deep_yaml(text: str) -> bool:
    """Cheap over-estimate of YAML nesting (brackets in strings and comments count too)."""
    depth = 0
    worst = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > worst:
                worst = depth
        elif ch in "]}":
            depth -= 1
    if worst > MAX_DEPTH:
        return True
    # Block style nests by indentation.
    max_indent = max((len(l) - len(l.lstrip(" -")) for l in text.splitlines()), default=0)
    return max_indent > MAX_DEPTH * 8


class _YamlProblem(Exception):
    def __init__(self, message: str, pointer: str, line: int, column: int) -> None:
        self.message, self.pointer, self.line, self.column = message, pointer, line, column


class _YamlBuilder:
    """Composed nodes -> JSON-typed data, positions by pointer, and a bound on alias expansion.

    A node reached a second time is an alias being expanded. Before anything is built,
    ``check_aliases`` charges each expansion the size its values would have written out as JSON
    (scalar text plus two characters per value, computed once per node); the total may not pass
    MAX_DOCUMENT_BYTES, so a document never expands to more than the largest JSON document
    orderlint reads, and one that would is refused without making a single copy. Positions are
    recorded once per node; a pointer inside an expansion is located (through its root's entry) at the
    anchored original.
    """

    def __init__(self) -> None:
        self.positions: dict[str, Any] = {}  # pointer -> (line, column), or alias root -> original pointer
        self.first: dict[int, str] = {}  # id(node) -> pointer where it was first built
        self.sizes: dict[int, int] = {}  # id(node) -> its size written out as JSON (capped)

    def fail(self, message: str, pointer: str, node: Any) -> None:
        raise _YamlProblem(message, pointer, node.start_mark.line + 1, node.start_mark.column + 1)

    def check_aliases(self, root: Any) -> None:
        """Walk the node graph in document order, each node once, charging every alias use."""
        seen: set[int] = set()
        expanded = 0
        stack = [(root, "")]
        while stack:
            node, pointer = stack.pop()
            nid = id(node)
            if nid in seen:
                expanded += self.size(node, pointer)
                if expanded > MAX_DOCUMENT_BYTES:
                    self.fail(
                        f"YAML aliases expand this document by more than {MAX_DOCUMENT_BYTES} characters "
                        "(the document size limit); write the repeated values out once",
                        pointer,
                        node,
                    )
                continue
            seen.add(nid)
            kind = node.id
            if kind == "mapping":
                for knode, vnode in reversed(node.value):
                    key = knode.value if isinstance(knode.value, str) else ""
                    stack.append((vnode, pointer + "/" + escape_token(key)))
                    stack.append((knode, pointer))
            elif kind == "sequence":
                stack.extend((v, f"{pointer}/{i}") for i, v in reversed(list(enumerate(node.value))))

    def size(self, node: Any, pointer: str) -> int:
        nid = id(node)
        known = self.sizes.get(nid)
        if known is not None:
            if known < 0:
                self.fail("a YAML alias refers to a value that contains it", pointer, node)
            return known
        value = node.value
        if isinstance(value, str):
            total = 2 + len(value)
        else:
            self.sizes[nid] = -1  # in progress: meeting it again below is a cycle
            total = 2
            for item in value:
                for part in item if isinstance(item, tuple) else (item,):
                    total += self.size(part, pointer)
                if total > MAX_DOCUMENT_BYTES:
                    break  # already too big: the exact figure is not needed
        self.sizes[nid] = total
        return total

    def seen(self, node: Any, pointer: str, record: bool) -> bool:
        """Note a node about to be built; False while building a repeat (an alias expansion)."""
        nid = id(node)
        first = self.first.get(nid)
        if first is None:
            self.first[nid] = pointer
            if record:
                self.positions.setdefault(pointer, (node.start_mark.line + 1, node.start_mark.column + 1))
            return record
        if record:  # the root of an expansion: located at the original
            self.positions.setdefault(pointer, first)
        return False

    def build(self, node: Any, pointer: str, depth: int, record: bool) -> Any:
        if depth > MAX_DEPTH:
            self.fail(f"document is nested deeper than {MAX_DEPTH} levels", pointer, node)
        record = self.seen(node, pointer, record)
        tag = node.tag
        if tag == _MAP:
            out: dict = {}
            for knode, vnode in node.value:
                key = self.key(knode, pointer, record)
                child = pointer + "/" + escape_token(key)
                if key in out:
                    self.fail(
                        f"duplicate key {key!r}: a repeated key silently replaces the first value", child, knode
                    )
                out[key] = self.build(vnode, child, depth + 1, record)
            return out
        if tag == _SEQ:
            return [self.build(v, f"{pointer}/{i}", depth + 1, record) for i, v in enumerate(node.value)]
        if tag == _PLAIN and not node.style:
            return self.plain(node, pointer)
        if tag == _QUOTED:
            return node.value
        # An explicit tag; or "!" on a quoted scalar, which composes as plain but keeps its quotes.
        self.fail(_tag_message("!" if tag == _PLAIN else tag), pointer, node)

    def key(self, knode: Any, pointer: str, record: bool) -> str:
        if knode.tag == _PLAIN and not knode.style:
            if knode.value == "<<":
                self.fail("YAML merge keys (<<) are not allowed: write the fields out", pointer, knode)
            self.seen(knode, pointer, False)
            key = self.plain(knode, pointer)
            if isinstance(key, str):
                return key
            shown = "null" if key is None else json.dumps(key)
            self.fail(f"a mapping key must be a string, not {shown}: quote it", pointer, knode)
        if knode.tag == _QUOTED:
            self.seen(knode, pointer, False)
            return knode.value
        if knode.tag in (_MAP, _SEQ):
            self.fail("a mapping key must be a string, not a collection", pointer, knode)
        self.fail(_tag_message("!" if knode.tag == _PLAIN else knode.tag), pointer, knode)
        raise AssertionError  # unreachable: fail() raises

    def plain(self, node: Any, pointer: str) -> Any:
        """A plain scalar by JSON's rules: true/false, null (also ~ and empty), a JSON number, else text."""
        value = node.value
        if not value or value in ("null", "~"):
            return None
        if value == "true":
            return True
        if value == "false":
            return False
        m = _JSON_NUMBER.fullmatch(value)
        if m is not None:
            if m.group(1) is None and m.group(2) is None:
                try:
                    return int(value)
                except ValueError:  # longer than Python converts (over 4300 digits)
                    self.fail("a number is too long to be read; every number must fit a double", pointer, node)
            number = float(value)
            if number in (float("inf"), float("-inf")):
                self.fail(f"number {value} is not finite or overflows a double; every number must be finite", pointer, node)
            return number
        if value in _YAML_NON_FINITE:
            self.fail(f"number {value} is not finite; every number must be finite", pointer, node)
        return value


# ---------------------------------------------------------------- inputs


def parse_text(text: str, source: str, fmt: str) -> Document:
    return parse_yaml(text, source) if fmt == "yaml" else parse_json(text, source)


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


def split_source(source: str) -> tuple[str, Optional[int]]:
    """``"runs.jsonl:12"`` -> ``("runs.jsonl", 12)``; any other source -> ``(source, None)``."""
    m = _LINE_SOURCE.match(source)
    if m:
        return m.group("path"), int(m.group("line"))
    return source, None


class FileChangedError(OSError):
    """A regular file gave fewer bytes than its size when it was opened: it was truncated (or
    replaced) while being read, and the documents after that point were never seen."""

    def __init__(self, expected: int, read: int) -> None:
        super().__init__(errno.EIO, f"file changed while being read: {expected} bytes expected, {read} read")


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
        if len(raw) > MAX_DOCUMENT_BYTES and not raw.endswith(b"\n"):
            # Skip the rest of an over-long line without holding it in memory.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_DOCUMENT_BYTES)
            yield source, lineno, None
            continue
        if raw.strip():
            yield source, lineno, raw


def jsonl_document(source: str, lineno: int, raw: Optional[bytes]) -> Document:
    """Parse one JSON Lines line; its findings are located on that line of the stream."""
    name = f"{source}:{lineno}"
    if raw is None:
        return Document(
            source=name,
            error=ParseError(f"line is over the limit of {MAX_DOCUMENT_BYTES} bytes", "", lineno, 1),
            first_line=lineno,
        )
    text, err = decode_bytes(raw.rstrip(b"\r\n"))
    if text is None:
        return Document(source=name, error=ParseError(err or "", "", lineno, 1), first_line=lineno)
    return parse_json(text, name, first_line=lineno)


def iter_jsonl(stream: BinaryIO, source: str) -> Iterator[Document]:
    """One document per non-blank line, in order."""
    for src, lineno, raw in iter_jsonl_lines(stream, source):
        yield jsonl_document(src, lineno, raw)


def iter_paths(paths: list[str], exclude: Iterable[str] = ()) -> Iterator[tuple[str, Optional[str]]]:
    """Expand folders recursively (sorted, symlink loops cut); yields (path, error).

    A file of a folder walk whose resolved path is one of ``exclude`` (the run's own report file)
    is never yielded; a path given explicitly always is.
    """
    skip = {os.path.realpath(e) for e in exclude}
    for p in paths:
        if os.path.isdir(p):
            seen: set = set()
            for root, dirs, files in os.walk(p, followlinks=True):
                real = os.path.realpath(root)
                if real in seen:
                    dirs[:] = []
                    continue
                seen.add(real)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.lower().endswith(ALL_SUFFIXES):
                        path = os.path.join(root, f)
                        if skip and os.path.realpath(path) in skip:
                            continue
                        # A FIFO or device in a folder would block or never end: not read, and said so.
                        if os.path.exists(path) and not os.path.isfile(path):
                            yield path, "not a regular file; not read"
                        else:
                            yield path, None
        elif os.path.exists(p):
            yield p, None
        else:
            yield p, "no such file or directory"
