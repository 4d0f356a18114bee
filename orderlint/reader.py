"""Read stage: bytes from files or streams -> parsed documents that know their positions.

JSON is parsed by the standard library (fast path) with duplicate keys, NaN/Infinity and
overflowing numbers rejected; line and column of a JSON Pointer are computed lazily, only
for documents that have findings. YAML is composed with PyYAML's safe loader (no tags, no
object construction) and built by hand so that duplicate keys are caught and every value
keeps its position.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any, BinaryIO, Iterator, Optional

#: Largest document accepted (bytes). Larger ones are refused with OL001 before parsing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting accepted; the regimen format needs five levels.
MAX_DEPTH = 64
#: Most YAML nodes built for one document (stops alias "billion laughs" expansion).
MAX_YAML_NODES = 200_000

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
    _positions: Optional[dict[str, tuple[int, int]]] = field(default=None, repr=False)
    _offsets: Optional[dict[str, int]] = field(default=None, repr=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing parent."""
        if self._positions is None:
            if self.text is None:
                return self.first_line, 1
            # JSON: walk the text along this pointer only (siblings are skipped by the C decoder).
            if self._offsets is None:
                self._offsets = {}
            offset = _locate_json(self.text, pointer, self._offsets)
            line, col = _line_col(self.text, offset)
            return line + self.first_line - 1, col
        pos = self._positions
        p = pointer
        while True:
            hit = pos.get(p)
            if hit is not None:
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


def parse_json(text: str, source: str, first_line: int = 1) -> Document:
    doc = Document(source=source, text=text, fmt="json", first_line=first_line)
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
        dups = _scan_json(text, want_duplicates=True)[1]
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


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_WS_CHARS = " \t\n\r"


def _skip_ws(text: str, i: int) -> int:
    """Index of the next non-whitespace character; no regex call for the usual zero or one space."""
    if i < len(text) and text[i] in _WS_CHARS:
        i += 1
        if i < len(text) and text[i] in _WS_CHARS:
            i = _WS_RE.match(text, i).end()
    return i


def _locate_json(text: str, pointer: str, memo: dict) -> int:
    """Offset of the value at ``pointer`` (or its nearest existing parent) in valid JSON text.

    Only the containers on the pointer's path are walked; each sibling is skipped with one call
    into the C decoder, so locating a finding costs about one parse of the text at most.
    ``memo`` keeps the offsets of prefixes already walked (findings share their order's path).
    """
    hit = memo.get(pointer)
    if hit is not None:
        return hit
    ws = _skip_ws
    tokens = pointer.split("/")[1:]
    start = 0
    i = ws(text, 0)
    for k in range(len(tokens), 0, -1):
        prefix = "/" + "/".join(tokens[:k])
        if prefix in memo:
            i, start = memo[prefix], k
            break
    found = i
    walked = "/" + "/".join(tokens[:start]) if start else ""
    try:
        for raw_token in tokens[start:]:
            token = unescape_token(raw_token)
            c = text[i]
            if c == "{":
                i = ws(text, i + 1)
                while text[i] != "}":
                    key, i = scanstring(text, i + 1)
                    i = ws(text, ws(text, i) + 1)  # past ':'
                    if key == token:
                        break
                    _, i = _SKIP.raw_decode(text, i)
                    i = ws(text, i)
                    if text[i] == ",":
                        i = ws(text, i + 1)
                else:
                    break  # no such key: report the object
            elif c == "[" and token.isdigit():
                # Elements passed on the way are remembered, so the next lookup in this array resumes
                # from the furthest one reached: locating every element of a long array stays linear.
                want = int(token)
                far_key = walked + "/#far"
                far = memo.get(far_key)
                if far is None:
                    far = (0, ws(text, i + 1))
                    memo[f"{walked}/0"] = far[1]
                j, i = far
                if want < j:
                    i = memo[f"{walked}/{want}"]
                else:
                    while j < want:
                        if text[i] == "]":
                            break
                        _, i = _SKIP.raw_decode(text, i)
                        i = ws(text, i)
                        if text[i] == ",":
                            i = ws(text, i + 1)
                        j += 1
                        memo[f"{walked}/{j}"] = i
                    memo[far_key] = (j, i)
                if text[i] == "]":
                    break
            else:
                break
            found = i
            walked = f"{walked}/{raw_token}"
            memo[walked] = i
    except (IndexError, ValueError):
        pass
    memo[pointer] = found
    return found


_WS_RE = re.compile(r"[ \t\n\r]*")
_SCALAR_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _scan_json(text: str, want_duplicates: bool = False):
    """Walk JSON text and record the (line, column) where each value starts, by JSON Pointer.

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

_YAML_STD = "tag:yaml.org,2002:"


def parse_yaml(text: str, source: str) -> Document:
    import yaml  # only documents that are YAML pay for it

    doc = Document(source=source, text=None, fmt="yaml")
    # libyaml composes recursively in C, where deep nesting cannot be caught safely. Text that might
    # be deep goes to PyYAML's pure-Python composer instead, whose recursion ends in RecursionError.
    loader_cls = yaml.SafeLoader if _maybe_deep_yaml(text) else getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as e:
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
    builder = _YamlBuilder(yaml, loader_cls)
    try:
        doc.data = builder.build(node, "", 0)
    except _YamlProblem as e:
        doc.error = ParseError(e.message, e.pointer, e.line, e.column)
        return doc
    doc._positions = builder.positions
    return doc


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
    def __init__(self, yaml: Any, loader_cls: Any) -> None:
        self.yaml = yaml
        self.constructor = yaml.constructor.SafeConstructor()
        self.positions: dict[str, tuple[int, int]] = {}
        self.count = 0

    def fail(self, message: str, pointer: str, node: Any) -> None:
        raise _YamlProblem(message, pointer, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Any, pointer: str, depth: int) -> Any:
        yaml = self.yaml
        self.count += 1
        if self.count > MAX_YAML_NODES:
            self.fail(f"document expands to more than {MAX_YAML_NODES} values (YAML alias expansion?)", pointer, node)
        if depth > MAX_DEPTH:
            self.fail(f"document is nested deeper than {MAX_DEPTH} levels", pointer, node)
        if pointer not in self.positions:
            self.positions[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _YAML_STD + "map":
                self.fail(f"YAML tag {node.tag!r} is not allowed", pointer, node)
            out: dict = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    self.fail("a mapping key must be a plain string", pointer, knode)
                key = str(self.scalar(knode, pointer))
                child = pointer + "/" + escape_token(key)
                if key in out:
                    self.fail(
                        f"duplicate key {key!r}: a repeated key silently replaces the first value", child, knode
                    )
                out[key] = self.build(vnode, child, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _YAML_STD + "seq":
                self.fail(f"YAML tag {node.tag!r} is not allowed", pointer, node)
            return [self.build(v, f"{pointer}/{i}", depth + 1) for i, v in enumerate(node.value)]
        return self.scalar(node, pointer)

    def scalar(self, node: Any, pointer: str) -> Any:
        tag = node.tag
        if not tag.startswith(_YAML_STD) or tag[len(_YAML_STD):] not in (
            "str", "int", "float", "bool", "null", "timestamp",
        ):
            self.fail(f"YAML tag {tag!r} is not allowed", pointer, node)
        try:
            value = self.constructor.construct_object(node)
        except Exception as e:  # a malformed tagged scalar, e.g. !!int "x"
            self.fail(f"cannot read value: {e}".splitlines()[0], pointer, node)
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            self.fail(f"number {node.value} is not finite; every number must be finite", pointer, node)
        if hasattr(value, "isoformat"):  # dates stay strings, exactly as in JSON
            value = node.value
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


def sniff_format(text: str) -> str:
    """For stdin or an unknown suffix: JSON if it starts like JSON, else YAML."""
    stripped = text.lstrip()
    return "json" if stripped[:1] in ("{", "[") else "yaml"


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


def iter_jsonl_lines(stream: BinaryIO, source: str) -> Iterator[tuple[str, int, Optional[bytes]]]:
    """(source, line number, raw line) for each non-blank line; raw is None for an over-long line.

    Reads one line at a time, so memory stays flat however long the stream is.
    """
    lineno = 0
    while True:
        raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        if not raw:
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


def iter_paths(paths: list[str]) -> Iterator[tuple[str, Optional[str]]]:
    """Expand folders recursively (sorted, symlink loops cut); yields (path, error)."""
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
                        # A FIFO or device in a folder would block or never end: not read, and said so.
                        if os.path.exists(path) and not os.path.isfile(path):
                            yield path, "not a regular file; not read"
                        else:
                            yield path, None
        elif os.path.exists(p):
            yield p, None
        else:
            yield p, "no such file or directory"
