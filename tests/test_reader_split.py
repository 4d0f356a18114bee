"""orderlint.reader is a package split by concern, importable exactly as the one module it was.

Every name the repository imports from it resolves; the names tests replace on the package
(``_orjson_loads``, ``_maybe_deep_yaml``) take effect in the submodules that use them; importing it
loads no YAML library.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

import orderlint.reader as reader
from conftest import ROOT
from orderlint.reader import document, jsontext, streams, yamltext

SOURCE_DIRS = ("orderlint", "checks", "tests", "benchmarks", "fuzz", "examples")


def _sources_naming_the_reader() -> list:
    found = []
    for d in SOURCE_DIRS:
        for path in sorted((ROOT / d).rglob("*.py")):
            if "orderlint/reader/" in path.as_posix():
                continue
            text = path.read_text(encoding="utf-8")
            if "orderlint.reader" in text or "from orderlint import reader" in text:
                found.append((path, text))
    return found


def _names_used(path, text) -> set:
    names = set()
    tree = ast.parse(text, str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "orderlint.reader":
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "orderlint" and any(a.name == "reader" for a in node.names):
            names.update(re.findall(r"\breader\.([A-Za-z_]\w*)", text))
            names.update(re.findall(r"setattr\(reader, \"(\w+)\"", text))
    return names


def test_every_name_the_repository_imports_from_the_reader_resolves() -> None:
    sources = _sources_naming_the_reader()
    assert len(sources) > 20, "the scan found the modules that import the reader"
    missing = {}
    for path, text in sources:
        for name in _names_used(path, text):
            if name in ("py",):  # "reader.py" in prose
                continue
            if not hasattr(reader, name):
                missing.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not missing, missing


@pytest.mark.parametrize(
    "name, home",
    [
        ("Document", document), ("ParseError", document), ("MAX_DOCUMENT_BYTES", document),
        ("MAX_DEPTH", document), ("escape_token", document), ("unescape_token", document),
        ("parse_json", jsontext), ("_fast_loads", jsontext), ("_parse_json_exactly", jsontext),
        ("_scan_json", jsontext), ("_UNSURE", jsontext),
        ("parse_yaml", yamltext), ("_loaders", yamltext), ("_maybe_deep_yaml", yamltext),
        ("decode_bytes", streams), ("read_bytes", streams), ("read_stream", streams),
        ("iter_jsonl", streams), ("iter_jsonl_lines", streams), ("jsonl_document", streams),
        ("format_for", streams), ("sniff_format", streams), ("split_source", streams),
        ("FileChangedError", streams), ("JSONL_SUFFIXES", streams),
        ("parse_text", streams),
    ],
)
def test_the_package_name_is_the_submodule_object(name: str, home: object) -> None:
    assert getattr(reader, name) is getattr(home, name)
    assert name in reader.__all__


def test_orjson_replaced_on_the_package_sends_every_text_to_the_exact_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reader._fast_loads('{"a": 1}') == {"a": 1}
    monkeypatch.setattr(reader, "_orjson_loads", None)
    assert reader._fast_loads('{"a": 1}') is reader._UNSURE
    doc = reader.parse_json('{"a": 1, "a": 2}', "x")
    assert doc.error is not None and "duplicate key 'a'" in doc.error.message


def test_orjson_loads_replaced_on_the_package_is_the_one_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import orjson

    seen = []

    def loads(text: str) -> object:
        seen.append(text)
        return orjson.loads(text)

    monkeypatch.setattr(reader, "_orjson_loads", loads)
    assert reader.parse_json('{"a": [1, 2]}', "x").data == {"a": [1, 2]}
    assert seen == ['{"a": [1, 2]}']


@pytest.mark.parametrize("deep", [True, False])
def test_maybe_deep_yaml_replaced_on_the_package_chooses_the_composer(monkeypatch: pytest.MonkeyPatch, deep: bool) -> None:
    import yaml

    asked = []
    monkeypatch.setattr(reader, "_maybe_deep_yaml", lambda text: asked.append(text) or deep)
    used = []
    real_compose = yaml.compose

    def compose(text, Loader):  # noqa: N803 - PyYAML's keyword
        used.append(Loader)
        return real_compose(text, Loader=Loader)

    monkeypatch.setattr(yaml, "compose", compose)
    doc = reader.parse_yaml("a: 1\n", "x.yaml")
    assert doc.error is None and doc.data == {"a": 1}
    assert asked == ["a: 1\n"]
    py_loader, c_loader = reader._loaders()
    assert used == [py_loader if deep else c_loader]


def test_a_json_document_locates_a_pointer_through_the_lazily_imported_locator() -> None:
    # An escape in the text: the position is found by the text walk (small texts without escapes
    # are located by counting keys instead, see tests/test_perf3_locate.py).
    doc = reader.parse_json('{\n  "a": [1,\n    {"b": 2}], "c": "\\n"\n}', "x")
    assert doc._locator is None
    assert doc.locate("/a/1/b") == (3, 11)
    assert isinstance(doc._locator, jsontext._JsonLocator)


def test_importing_the_reader_loads_no_yaml_library() -> None:
    code = (
        "import sys, orderlint.reader as r\n"
        "r.read_bytes(b'{\"a\": 1}', 'x.json', 'json').locate('/a')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', '_yaml', 'ruamel')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


def test_only_a_line_the_reader_names_is_split_for_reports() -> None:
    # A whole document in a file named "x.jsonl:3" is not line 3 of x.jsonl: the reports split
    # only the sources the JSON Lines reader makes (a LineSource), which pickle as themselves.
    import pickle

    from orderlint.reader import LineSource, jsonl_document, line_source, split_source, stream_location

    assert stream_location("x.jsonl:3") == ("x.jsonl:3", None)
    doc = jsonl_document("x.jsonl", 3, b'{"a": 1}')
    assert isinstance(doc.source, LineSource) and doc.source == "x.jsonl:3"
    assert stream_location(doc.source) == ("x.jsonl", 3)
    odd = line_source("a:b.json", 12)  # a JSON Lines stream read with --jsonl from any name
    assert stream_location(odd) == ("a:b.json", 12)
    again = pickle.loads(pickle.dumps(odd))
    assert type(again) is LineSource and stream_location(again) == ("a:b.json", 12)
    # Text read back from a report (no LineSource) is still split by its looks.
    assert split_source("runs.jsonl:12") == ("runs.jsonl", 12)
