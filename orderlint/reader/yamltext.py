"""YAML text -> data by JSON's value rules, with positions.

YAML is composed by PyYAML (libyaml when available; PyYAML is imported only when a YAML document
is read) with no schema at all and built by hand: plain scalars are typed by JSON's rules (so
``020`` and ``yes`` are strings), tags, merge keys and non-string keys are refused, duplicate keys
are caught, alias expansion is bounded by size, and every value keeps its position.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

# The package itself (partly initialised while this module loads): names that tests replace on
# ``orderlint.reader`` (``_maybe_deep_yaml``) are read through it at call time.
import orderlint.reader as _pkg
from orderlint.reader.document import LARGEST_DOUBLE_INT, MAX_DEPTH, MAX_DOCUMENT_BYTES, Document, ParseError, escape_token


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
    loader_cls = py_loader if _pkg._maybe_deep_yaml(text) else c_loader
    try:
        if loader_cls is not c_loader and c_loader is not None and (text.startswith("%") or "\n%" in text):
            # Directives as libyaml reads them (%YAML 1.3, an unknown %FOO refused), whichever loader
            # composes: the pure-Python one accepted both, so a comment full of '[' changed the verdict.
            # libyaml's parser keeps its own stack: no recursion, however deep the text.
            for _ in yaml.parse(text, Loader=c_loader):
                pass
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
                    whole = int(value)
                except ValueError:  # longer than Python converts (over 4300 digits)
                    self.fail("a number is too long to be read; every number must fit a double", pointer, node)
                if len(value) > 308 and abs(whole) > LARGEST_DOUBLE_INT:
                    shown = value if len(value) <= 40 else value[:37] + "..."
                    self.fail(f"number {shown} is not finite or overflows a double; every number must be finite", pointer, node)
                return whole
            number = float(value)
            if number in (float("inf"), float("-inf")):
                self.fail(f"number {value} is not finite or overflows a double; every number must be finite", pointer, node)
            return number
        if value in _YAML_NON_FINITE:
            self.fail(f"number {value} is not finite; every number must be finite", pointer, node)
        return value
