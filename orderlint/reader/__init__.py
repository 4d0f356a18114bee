"""Read stage: bytes from files or streams -> parsed documents that know their positions.

One package, split by concern; every name is imported from here (``from orderlint.reader import
parse_json``), as when it was one module:

- ``document``: Document (data or ParseError, line and column by JSON Pointer), the size and depth
  limits, JSON Pointer escaping.
- ``jsontext``: JSON by orjson when it is sure to agree, else by the exact parser (duplicate keys,
  NaN/Infinity and overflowing numbers rejected); positions found lazily, only for documents that
  have findings.
- ``yamltext``: YAML by JSON's value rules (PyYAML imported only for a YAML document).
- ``streams``: bytes -> text, whole-document streams, JSON Lines, formats by suffix, folder walks.

The submodules read ``_orjson_loads`` and ``_maybe_deep_yaml`` through this package at call time,
so replacing them here (as tests do) takes effect.
"""

from __future__ import annotations

from orderlint.reader.document import MAX_DEPTH as MAX_DEPTH
from orderlint.reader.document import MAX_DOCUMENT_BYTES as MAX_DOCUMENT_BYTES
from orderlint.reader.document import Document as Document
from orderlint.reader.document import STREAM_BUFFER as STREAM_BUFFER
from orderlint.reader.document import ParseError as ParseError
from orderlint.reader.document import escape_token as escape_token
from orderlint.reader.document import unescape_token as unescape_token
from orderlint.reader.jsontext import _UNSURE as _UNSURE
from orderlint.reader.jsontext import _fast_loads as _fast_loads
from orderlint.reader.jsontext import _orjson_loads as _orjson_loads
from orderlint.reader.jsontext import _parse_json_exactly as _parse_json_exactly
from orderlint.reader.jsontext import _scan_json as _scan_json
from orderlint.reader.jsontext import parse_json as parse_json
from orderlint.reader.yamltext import _loaders as _loaders
from orderlint.reader.yamltext import _maybe_deep_yaml as _maybe_deep_yaml
from orderlint.reader.yamltext import parse_yaml as parse_yaml
from orderlint.reader.streams import ALL_SUFFIXES as ALL_SUFFIXES
from orderlint.reader.streams import JSON_SUFFIXES as JSON_SUFFIXES
from orderlint.reader.streams import JSONL_SUFFIXES as JSONL_SUFFIXES
from orderlint.reader.streams import YAML_SUFFIXES as YAML_SUFFIXES
from orderlint.reader.streams import FileChangedError as FileChangedError
from orderlint.reader.streams import NotUtf8Error as NotUtf8Error
from orderlint.reader.streams import LineSource as LineSource
from orderlint.reader.streams import decode_bytes as decode_bytes
from orderlint.reader.streams import format_for as format_for
from orderlint.reader.streams import is_pseudo as is_pseudo
from orderlint.reader.streams import iter_jsonl as iter_jsonl
from orderlint.reader.streams import iter_jsonl_lines as iter_jsonl_lines
from orderlint.reader.streams import jsonl_document as jsonl_document
from orderlint.reader.streams import line_source as line_source
from orderlint.reader.streams import open_lines as open_lines
from orderlint.reader.streams import parse_text as parse_text
from orderlint.reader.streams import read_bytes as read_bytes
from orderlint.reader.streams import read_stream as read_stream
from orderlint.reader.streams import sniff_format as sniff_format
from orderlint.reader.streams import split_source as split_source
from orderlint.reader.streams import stream_location as stream_location

__all__ = [
    "ALL_SUFFIXES",
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "STREAM_BUFFER",
    "YAML_SUFFIXES",
    "Document",
    "FileChangedError",
    "NotUtf8Error",
    "LineSource",
    "ParseError",
    "decode_bytes",
    "escape_token",
    "format_for",
    "is_pseudo",
    "iter_jsonl",
    "iter_jsonl_lines",
    "jsonl_document",
    "line_source",
    "open_lines",
    "parse_json",
    "parse_text",
    "parse_yaml",
    "read_bytes",
    "read_stream",
    "sniff_format",
    "split_source",
    "stream_location",
    "unescape_token",
    # Private, reached by tests (tests/test_positions.py, test_perf_fastparse.py, test_review_fastpath.py,
    # test_ed2_reader.py); _orjson_loads and _maybe_deep_yaml are replaced here by monkeypatch.
    "_UNSURE",
    "_fast_loads",
    "_loaders",
    "_maybe_deep_yaml",
    "_orjson_loads",
    "_parse_json_exactly",
    "_scan_json",
]
