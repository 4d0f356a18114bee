"""Read stage, second edition of the regimen format (regimen-format.md, "YAML") and issues 10 and 15.

- YAML plain scalars are typed by JSON's rules (never YAML 1.1's octal, base 60 or yes/no);
  tags, merge keys, several documents and non-string keys are OL001 with a position.
- YAML aliases are bounded by the size they expand to, not by a count of nodes.
- A file truncated while being read is reported, never silently cut short.
- A YAML flow mapping on standard input is read as YAML.
- the folder walk (``inputs.Selection.walk(..., skip_files=...)``) leaves the run's own report file out.
- Locating findings is linear: same answers as a straightforward locator, in bounded time.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import orderlint
from orderlint import inputs
from conftest import run_orderlint
from orderlint.reader import (
    MAX_DOCUMENT_BYTES,
    STREAM_BUFFER,
    FileChangedError,
    iter_jsonl_lines,
    parse_json,
    parse_yaml,
    read_bytes,
    read_stream,
    sniff_format,
)

PATIENT_YAML = """\
id: ed2-yaml
kind: patient
as_of: 2026-03-02
indication: {condition: ssc-ild}
patient: {sex: male, age_years: 54, weight_kg: 85, height_cm: 180}
orders:
  - {id: mmf, drug: mycophenolate mofetil, dose: 1000, unit: mg, route: oral, frequency: bid}
tests:
  - {test: cbc, status: resulted, date: 2026-02-20, result: normal}
  - {test: CMP, status: resulted, date: 2026-02-20, result: normal}
  - {test: hbv, status: resulted, date: 2026-02-20, result: negative}
  - {test: hrct, status: resulted, date: 2026-01-15}
  - {test: pft, status: resulted, date: 2026-01-15}
"""


@pytest.fixture(params=["libyaml", "python"])
def composer(request, monkeypatch):
    """Run a test with each YAML composer: libyaml (usual) and PyYAML's (for possibly deep text)."""
    from orderlint import reader

    if request.param == "python":
        monkeypatch.setattr(reader, "_maybe_deep_yaml", lambda text: True)
    else:
        assert reader._loaders()[1].__mro__[1].__module__ == "yaml._yaml", "libyaml is not used"
    return request.param


def value_of(scalar: str):
    doc = parse_yaml(f"v: {scalar}\n", "t.yaml")
    assert doc.error is None, doc.error
    return doc.data["v"]


def error_of(text: str):
    doc = parse_yaml(text, "t.yaml")
    assert doc.error is not None and doc.data is None, doc.data
    return doc.error


# ----------------------------------------------------------------------------- 1. YAML typing


@pytest.mark.parametrize("scalar, expected", [
    ("true", True), ("false", False),
    ("null", None), ("~", None), ("", None),
    ("0", 0), ("-0", 0), ("12", 12), ("1600", 1600), ("-7", -7),
    ("1.5", 1.5), ("1e3", 1000.0), ("-2.5E-3", -0.0025), ("0.0", 0.0), ("1E+2", 100.0),
])
def test_yaml_plain_scalars_of_json_grammar_are_typed_as_in_json(scalar, expected, composer):
    got = value_of(scalar)
    assert got == expected and type(got) is type(expected)
    if scalar not in ("", "~"):  # the same text read as JSON gives the same value and type
        assert got == json.loads(scalar) and type(got) is type(json.loads(scalar))


@pytest.mark.parametrize("scalar", [
    # YAML 1.1 booleans and case variants of the JSON words
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "True", "FALSE", "Null", "NULL",
    # YAML 1.1 / 1.2 integers that are not JSON numbers: octal, hex, base 60, underscores, signs
    "020", "01600", "017", "0x1F", "0x0F", "0o17", "0b101", "1_000", "+5", "1:00", "190:20:30",
    # floats that are not JSON numbers
    ".5", "5.", "1.", "+1.5", "1e", "1_000.5", "1.5e",
    # dates and timestamps stay text, exactly as in JSON
    "2026-03-02", "2026-03-02T10:00:00Z", "2026-3-2",
    # JSON's own non-standard tokens are plain text in YAML (a number field then refuses them)
    "NaN", "Infinity", "-Infinity", "inf", "nan",
])
def test_yaml_plain_scalars_outside_json_grammar_are_strings(scalar, composer):
    assert value_of(scalar) == scalar


@pytest.mark.parametrize("scalar, expected", [
    ('"5"', "5"), ("'true'", "true"), ('"null"', "null"), ("''", ""), ('"020"', "020"),
    ('"1:00"', "1:00"), ("|\n  1600", "1600\n"), (">\n  yes", "yes\n"),
])
def test_yaml_quoted_and_block_scalars_are_always_strings(scalar, expected, composer):
    assert value_of(scalar) == expected


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,12})?([eE][+-]?[0-9]{1,3})?", fullmatch=True))
def test_yaml_and_json_agree_on_every_number(number):
    expected = json.loads(number)
    doc = parse_yaml(f"v: {number}\n", "t.yaml")
    if isinstance(expected, float) and expected in (float("inf"), float("-inf")):
        assert doc.error is not None and "finite" in doc.error.message
        assert parse_json(f'{{"v": {number}}}', "t.json").error is not None
    else:
        assert doc.error is None
        assert doc.data["v"] == expected and type(doc.data["v"]) is type(expected)


@pytest.mark.parametrize("scalar", [".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "1e400", "-1e400"])
def test_yaml_non_finite_numbers_are_refused_like_nan_in_json(scalar, composer):
    err = error_of(f"a: 1\nv: {scalar}\n")
    assert "finite" in err.message and (err.pointer, err.line, err.column) == ("/v", 2, 4)


def _regimen(dose: str = "1000", rp: str = "false", header: str = "") -> str:
    return header + PATIENT_YAML.replace("dose: 1000", f"dose: {dose}").replace(
        "indication: {condition: ssc-ild}", f"indication: {{condition: ssc-ild, rapidly_progressive: {rp}}}"
    )


def test_the_regimen_used_below_lints_clean():
    assert orderlint.lint(_regimen()).status == "checked"
    assert not orderlint.lint(_regimen()).findings


@pytest.mark.parametrize("header", ["", "%YAML 1.2\n---\n", "%YAML 1.1\n---\n"])
@pytest.mark.parametrize("dose", ["01600", "017", "020", "0x0F", "0o17", "1:00", "1_000", "+5", ".5"])
def test_a_dose_that_is_not_a_json_number_is_ol001_never_octal_hex_or_base_60(header, dose, composer):
    # YAML 1.1 read 01600 as 896 mg (and 1:00 as 60): a 3,200 mg/day overdose passed unseen.
    result = orderlint.lint(_regimen(dose=dose, header=header))
    assert result.status == "invalid"
    problems = [(f.code, f.pointer) for f in result.findings]
    assert problems == [("OL001", "/orders/0/dose")], problems
    assert repr(dose) in result.findings[0].message or dose in result.findings[0].message


@pytest.mark.parametrize("header", ["", "%YAML 1.2\n---\n", "%YAML 1.1\n---\n"])
@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "True", "FALSE", "y"])
def test_rapidly_progressive_yes_is_ol001_with_a_true_or_false_hint(header, word, composer):
    result = orderlint.lint(_regimen(rp=word, header=header))
    assert result.status == "invalid"
    [finding] = result.findings
    assert finding.code == "OL001" and finding.pointer == "/indication/rapidly_progressive"
    assert "write true or false" in finding.message
    assert (finding.line, finding.column) == (4 + header.count("\n"), 55)


@pytest.mark.parametrize("header", ["%YAML 1.2\n---\n", "%YAML 1.1\n---\n"])
def test_a_yaml_directive_changes_nothing(header, composer):
    text = _regimen(dose="1600")
    plain, directed = parse_yaml(text, "a.yaml"), parse_yaml(header + text, "b.yaml")
    assert plain.error is None and directed.error is None
    assert plain.data == directed.data
    assert plain.data["orders"][0]["dose"] == 1600 and plain.data["as_of"] == "2026-03-02"


@pytest.mark.parametrize("header", ["%YAML 1.3\n---\n", "%YAML 2.0\n---\n", "%FOO bar\n---\n"])
def test_a_directive_libyaml_refuses_is_refused_by_either_composer(header, composer):
    # The pure-Python composer (chosen for text that may be deep, such as a comment full of '[')
    # accepted what libyaml refuses: the verdict hung on an unrelated comment.
    doc = parse_yaml(header + _regimen(dose="1600"), "d.yaml")
    assert doc.data is None and doc.error is not None and doc.error.message.startswith("not valid YAML")


def test_dates_stay_strings_and_the_document_validates():
    doc = parse_yaml(PATIENT_YAML, "t.yaml")
    assert doc.data["as_of"] == "2026-03-02" and doc.data["tests"][0]["date"] == "2026-02-20"
    assert orderlint.lint(PATIENT_YAML).status == "checked"


@pytest.mark.parametrize("tagged, shown, col", [
    ("!!str 5", "!!str", 4), ("!!int '5'", "!!int", 4), ("!!float 1", "!!float", 4),
    ("!!bool yes", "!!bool", 4), ("!!null ''", "!!null", 4), ("!!timestamp 2026-01-01", "!!timestamp", 4),
    ("!!binary aGVsbG8=", "!!binary", 4), ("!custom x", "!custom", 4), ("! 5", "!", 4), ("! '5'", "!", 4),
    ("!<tag:yaml.org,2002:str> x", "!!str", 4), ("!!map {a: 1}", "!!map", 4), ("!!seq [1]", "!!seq", 4),
    ("!!set {a}", "!!set", 4), ("!!omap [{a: 1}]", "!!omap", 4),
    ("!<tag:orderlint.invalid,2026:plain> 5", "orderlint", 4),  # the reader's own private tags too
])
def test_every_yaml_tag_is_ol001_with_its_position(tagged, shown, col, composer):
    err = error_of(f"id: x\nv: {tagged}\n")
    assert "tag" in err.message and shown in err.message
    assert (err.line, err.column) == (2, col)


def test_yaml_tags_make_the_document_invalid_end_to_end():
    result = orderlint.lint(_regimen(dose="!!int 1600"))
    assert result.status == "invalid" and [f.code for f in result.findings] == ["OL001"]
    assert result.findings[0].line == 7


@pytest.mark.parametrize("text, line, col", [
    ("base: &b {drug: x}\norder:\n  <<: *b\n  dose: 5\n", 3, 3),
    ("order: {<<: {drug: x}, dose: 5}\n", 1, 9),
    ("<<: {id: x}\nkind: patient\n", 1, 1),
])
def test_yaml_merge_keys_are_ol001(text, line, col, composer):
    err = error_of(text)
    assert "merge key" in err.message and (err.line, err.column) == (line, col)


@pytest.mark.parametrize("text, shown, line, col", [
    ("id: x\n1: a\n", "1", 2, 1),
    ("id: x\n1.5: a\n", "1.5", 2, 1),
    ("id: x\ntrue: a\n", "true", 2, 1),
    ("id: x\nnull: a\n", "null", 2, 1),
    ("id: x\n~: a\n", "null", 2, 1),
    ("id: x\n? [a, b]\n: c\n", "collection", 2, 3),
    ("id: x\n{a: 1}: c\n", "collection", 2, 1),
    ("id: x\no: {[a]: b}\n", "collection", 2, 5),
])
def test_yaml_non_string_keys_are_ol001(text, shown, line, col, composer):
    err = error_of(text)
    assert "key must be a string" in err.message and shown in err.message
    assert (err.line, err.column) == (line, col)


def test_quoted_keys_that_look_like_numbers_are_strings(composer):
    doc = parse_yaml('"1": a\n\'true\': b\n"<<": c\n', "t.yaml")
    assert doc.error is None and doc.data == {"1": "a", "true": "b", "<<": "c"}


@pytest.mark.parametrize("count", [2, 3, 5])
def test_several_yaml_documents_in_one_file_say_how_many(count, composer):
    text = PATIENT_YAML + "".join("---\n" + PATIENT_YAML for _ in range(count - 1))
    err = error_of(text)
    assert err.message.startswith("a file holds one regimen document; this one has %d " % count)
    assert err.message.endswith("split them or use JSON Lines")
    assert (err.line, err.column) == (PATIENT_YAML.count("\n") + 1, 1)
    result = orderlint.lint(text)
    assert result.status == "invalid" and [f.code for f in result.findings] == ["OL001"]


def test_several_documents_with_a_broken_later_one_say_at_least(composer):
    err = error_of(PATIENT_YAML + "---\nid: [unclosed\n")
    assert "this one has 2 or more" in err.message


def test_an_explicit_document_start_and_end_on_one_document_is_fine():
    assert parse_yaml("---\n" + PATIENT_YAML + "...\n", "t.yaml").error is None


# ----------------------------------------------------------------------------- 2. alias expansion


def _big_alias_yaml(string_chars: int = 200_000, aliases: int = 5_000) -> str:
    return PATIENT_YAML + f"x-big: &s {'A' * string_chars}\nx-copies: [{', '.join(['*s'] * aliases)}]\n"


def test_aliases_of_a_large_string_are_refused_by_expanded_size(composer):
    text = _big_alias_yaml()
    assert 200_000 < len(text) < 230_000  # the 222 KB file that once gave a 205 MB report
    t0 = time.monotonic()
    doc = parse_yaml(text, "t.yaml")
    assert time.monotonic() - t0 < 5
    assert doc.data is None and "alias" in doc.error.message and str(MAX_DOCUMENT_BYTES) in doc.error.message
    assert (doc.error.line, doc.error.column) == (PATIENT_YAML.count("\n") + 1, 8)  # the anchored string


@pytest.mark.slow
def test_aliases_of_a_large_string_give_one_small_finding_on_the_command_line(tmp_path):
    from test_adversarial import assert_outcome, orderlint_run

    path = tmp_path / "big-alias.yaml"
    path.write_text(_big_alias_yaml(), encoding="utf-8")
    r = orderlint_run("check", path, "--format", "json")
    assert_outcome(r, 1)
    assert r.seconds < 30
    assert len(r.out) < 10_000, len(r.out)  # no copy of the expanded values in the report
    assert r.maxrss_kb < 300 * 1024, f"peak RSS {r.maxrss_kb} KiB"
    [result] = json.loads(r.out)["results"]
    assert [f["code"] for f in result["findings"]] == ["OL001"] and "alias" in result["findings"][0]["message"]


def test_aliases_of_small_collections_are_refused_by_expanded_size_not_node_count():
    # 9 levels of 10x: a billion small values. The charge per copy is its JSON size.
    laughs = "".join(
        f"x-{c}: &{c} [{', '.join(['*' + p] * 10) if p else ', '.join(['{k: lol}'] * 10)}]\n"
        for p, c in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi")
    )
    t0 = time.monotonic()
    doc = parse_yaml(PATIENT_YAML + laughs, "t.yaml")
    assert time.monotonic() - t0 < 5  # refused before any copy is made
    assert doc.data is None and "alias" in doc.error.message
    assert doc.error.pointer == "/x-f/7"  # the first alias use that passes the limit


def test_alias_expansion_just_under_the_limit_is_read_and_an_expansion_just_over_is_not():
    # One copy of an n-character plain string is charged n + 2 characters.
    n = 1000
    copies = MAX_DOCUMENT_BYTES // (n + 2)
    base = f"s: &s {'B' * n}\nc: [{', '.join(['*s'] * copies)}]\n"
    doc = parse_yaml(base, "t.yaml")
    assert doc.error is None and len(doc.data["c"]) == copies
    over = f"s: &s {'B' * n}\nc: [{', '.join(['*s'] * (copies + 1))}]\n"
    assert "alias" in parse_yaml(over, "t.yaml").error.message


@pytest.mark.slow
def test_a_document_of_more_than_200000_values_without_aliases_is_read_as_in_json():
    text = "x-many: [" + ", ".join(["1"] * 250_000) + "]\n"
    assert len(text) < MAX_DOCUMENT_BYTES
    doc = parse_yaml(text, "t.yaml")
    assert doc.error is None and len(doc.data["x-many"]) == 250_000


def test_findings_inside_an_alias_expansion_are_located_at_the_anchored_value(composer):
    text = """\
id: alias-located
kind: order-set
indication: {condition: ssc-ild}
orders:
  - &o {drug: nosuchdrug, dose: 1, unit: mg, route: oral, frequency: daily}
  - *o
  - {drug: otherunknowndrug, dose: 1, unit: mg, route: oral, frequency: daily}
"""
    doc = parse_yaml(text, "t.yaml")
    assert doc.locate("/orders/1/drug") == doc.locate("/orders/0/drug") == (5, 15)
    assert doc.locate("/orders/1") == (5, 5) and doc.locate("/orders/1/no-such") == (5, 5)
    assert doc.locate("/orders/2/drug") == (7, 12)
    result = orderlint.lint(text)
    ol002 = sorted((f.pointer, f.line, f.column) for f in result.findings if f.code == "OL002")
    assert ol002 == [("/orders/0/drug", 5, 15), ("/orders/1/drug", 5, 15), ("/orders/2/drug", 7, 12)]


@pytest.mark.parametrize("text, pointer", [("a: &a [1, *a]\n", "/a/1"), ("a: &a {b: [*a]}\n", "/a/b/0")])
def test_recursive_aliases_are_refused(text, pointer, composer):
    err = error_of(text)
    assert "alias refers to a value that contains it" in err.message and err.pointer == pointer


# ----------------------------------------------------------------------------- 3. truncated while read


def _jsonl_bytes(lines: int = 3, pad: int = 50_000) -> bytes:
    out = []
    for i in range(lines):
        out.append(json.dumps({"id": f"doc-{i}", "x-pad": "p" * pad}).encode() + b"\n")
    return b"".join(out)


def test_a_json_lines_file_truncated_while_being_read_is_reported(tmp_path):
    path = tmp_path / "stream.jsonl"
    data = _jsonl_bytes()
    path.write_bytes(data)
    with open(path, "rb") as f:
        it = iter_jsonl_lines(f, str(path))
        first = next(it)
        assert first[1] == 1
        os.truncate(path, len(data) // 3 + 100)  # lines 2 and 3 vanish while the file is open
        with pytest.raises(FileChangedError) as caught:
            list(it)
    message = caught.value.strerror
    m = re.fullmatch(r"file changed while being read: (\d+) bytes expected, (\d+) read", message)
    assert m and int(m.group(1)) == len(data) and int(m.group(2)) < len(data)
    assert isinstance(caught.value, OSError)


def test_a_truncated_json_lines_file_becomes_an_error_unit_after_the_lines_read(tmp_path):
    """Through orderlint.inputs as it stands: the read lines are kept, then one error unit. The lines
    are longer than the stream's buffer (reader.STREAM_BUFFER), so that the truncation removes bytes
    not read yet (a line cut where the buffer ended is a line unit too, OL001 when parsed)."""
    path = tmp_path / "stream.jsonl"
    data = _jsonl_bytes(pad=STREAM_BUFFER)
    path.write_bytes(data)
    gen = inputs.units([str(path)], False)
    first = next(gen)
    assert first[:3] == ("line", str(path), 1)
    os.truncate(path, len(data) // 3 + 100)
    rest = list(gen)
    assert rest[-1][0] == "error"
    assert rest[-1][1].startswith(f"cannot read {path}: file changed while being read: {len(data)} bytes expected, ")
    assert all(u[0] == "line" for u in rest[:-1])


def test_a_read_error_mid_way_ends_the_lines_with_that_error():
    class FailsOnThirdLine(io.BytesIO):
        calls = 0

        def readline(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls == 3:
                raise OSError(5, "Input/output error")
            return super().readline(size)

    it = iter_jsonl_lines(FailsOnThirdLine(_jsonl_bytes(lines=4, pad=10)), "s")
    assert [next(it)[1], next(it)[1]] == [1, 2]
    with pytest.raises(OSError, match="Input/output error"):
        next(it)


def test_a_whole_file_truncated_while_being_read_is_reported(tmp_path):
    path = tmp_path / "doc.yaml"
    path.write_bytes(PATIENT_YAML.encode() * 10)
    size = path.stat().st_size

    class TruncatedMidRead(io.RawIOBase):
        """A file that another process cuts to half its size just as it is read."""

        def __init__(self) -> None:
            self.f = open(path, "rb")

        def fileno(self) -> int:
            return self.f.fileno()

        def tell(self) -> int:
            return self.f.tell()

        def read(self, n: int = -1) -> bytes:
            os.truncate(path, size // 2)
            return self.f.read(n)

    stream = TruncatedMidRead()
    try:
        with pytest.raises(FileChangedError) as caught:
            read_stream(stream)
    finally:
        stream.f.close()
    assert caught.value.strerror == f"file changed while being read: {size} bytes expected, {size // 2} read"


def test_complete_reads_raise_nothing(tmp_path):
    path = tmp_path / "stream.jsonl"
    data = _jsonl_bytes(lines=4, pad=10)
    path.write_bytes(data)
    with open(path, "rb") as f:
        assert [n for _, n, _ in iter_jsonl_lines(f, "s")] == [1, 2, 3, 4]
    with open(path, "rb") as f:
        assert read_stream(f) == data
    with open(path, "rb") as f:  # only the first bytes are wanted: not a truncation
        assert read_stream(f, 10) == data[:10]
    # Streams with no size at open: pipes and in-memory buffers.
    assert [n for _, n, _ in iter_jsonl_lines(io.BytesIO(data), "s")] == [1, 2, 3, 4]
    assert read_stream(io.BytesIO(data)) == data
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        assert [n for _, n, _ in iter_jsonl_lines(f, "s")] == [1, 2, 3, 4]


def test_a_json_lines_file_that_grows_while_read_is_read_to_its_end(tmp_path):
    path = tmp_path / "stream.jsonl"
    path.write_bytes(_jsonl_bytes(lines=2))
    with open(path, "rb") as f:
        it = iter_jsonl_lines(f, "s")
        next(it)
        with open(path, "ab") as g:
            g.write(json.dumps({"id": "late"}).encode() + b"\n")
        assert [n for _, n, _ in it] == [2, 3]


def test_an_over_long_line_counts_toward_the_bytes_read(tmp_path):
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"id": "a"}\n')
        f.write(b'{"x-pad": "' + b"A" * (MAX_DOCUMENT_BYTES + 100) + b'"}\n')
        f.write(b'{"id": "b"}\n')
    with open(path, "rb") as f:
        assert [(n, raw is None) for _, n, raw in iter_jsonl_lines(f, "s")] == [(1, False), (2, True), (3, False)]


# ----------------------------------------------------------------------------- 4. stdin sniffing

FLOW = (
    "{id: flow-stdin, kind: patient, as_of: 2026-03-02, indication: {condition: ssc-ild},"
    " patient: {sex: male, age_years: 54, weight_kg: 85, height_cm: 180},"
    " orders: [{id: mtx, drug: methotrexate, dose: 15, unit: mg, route: oral, frequency: weekly}]}"
)


@pytest.mark.parametrize("text, fmt", [
    ('{"id": 1}', "json"), ('  \n {\n  "id": 1}', "json"), ("{}", "json"), ("{ }", "json"), ("[1]", "json"),
    ("{", "json"), ("{ \n", "json"),
    (FLOW, "yaml"), ("  {id: x}", "yaml"), ("{\n  # a comment\n  id: x}", "yaml"), ("{'id': 'x'}", "yaml"),
    ("id: x", "yaml"), ("", "yaml"),
])
def test_sniffing(text, fmt):
    assert sniff_format(text) == fmt


def test_a_yaml_flow_mapping_on_stdin_is_read_as_yaml():
    from conftest import run_cli

    doc = read_bytes(FLOW.encode(), "<stdin>", None)
    assert doc.error is None and doc.fmt == "yaml" and doc.data["orders"][0]["dose"] == 15
    r = run_cli("check", "-", input=FLOW.encode())
    assert r.exit_code == 1 and "ILD101" in r.stdout and "OL001" not in r.stdout


def test_text_that_is_clearly_json_keeps_json_messages():
    doc = read_bytes(b'{"id": "x", "dose": 01600}', "<stdin>", None)
    assert doc.fmt == "json" and doc.error.message.startswith("not valid JSON")
    doc = read_bytes(b'{"id": "x", "id": "y"}', "<stdin>", None)
    assert doc.error.message.startswith("duplicate key 'id'")


# ----------------------------------------------------------------------------- 5. the walk's exclude


def iter_paths(paths, exclude=()):
    """(path, error) of the run's folder walk, with the report file given as ``exclude``."""
    from orderlint.inputs import Selection

    return [(p, e) for _kind, p, e in Selection().walk(paths, skip_files=exclude)]


def test_iter_paths_leaves_excluded_files_out_of_a_folder_walk(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    for name in ("a.json", "report.json", "sub/b.yaml", "sub/report.jsonl"):
        (root / name).write_text("{}", encoding="utf-8")
    os.symlink(root / "report.json", tmp_path / "link.json")
    monkeypatch.chdir(tmp_path)
    everything = [p for p, _ in iter_paths([str(root)])]
    assert len(everything) == 4
    # Excluded by relative path, through a symlink, or with dots: compared resolved.
    got = [p for p, _ in iter_paths([str(root)], exclude=["tree/sub/../sub/report.jsonl", str(tmp_path / "link.json")])]
    assert sorted(os.path.basename(p) for p in got) == ["a.json", "b.yaml"]
    # A path given explicitly is always read.
    assert [p for p, _ in iter_paths([str(root / "report.json")], exclude=[str(root / "report.json")])] == [
        str(root / "report.json")
    ]
    # An excluded path that does not exist yet changes nothing.
    assert len(list(iter_paths([str(root)], exclude=[str(root / "new.json")]))) == 4


# ----------------------------------------------------------------------------- 6. linear positions


def reference_locate(text: str, pointer: str) -> tuple[int, int]:
    """A straightforward locator: parse the whole text recursively, record every value's offset."""
    offsets: dict[str, int] = {}
    arrays: set[str] = set()
    decoder = json.JSONDecoder()

    def ws(i: int) -> int:
        while i < len(text) and text[i] in " \t\n\r":
            i += 1
        return i

    def value(i: int, at: str) -> int:
        i = ws(i)
        offsets[at] = i
        if text[i] == "{":
            i = ws(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                key, i = json.decoder.scanstring(text, ws(i) + 1)
                i = ws(i) + 1  # ':'
                i = ws(value(i, at + "/" + key.replace("~", "~0").replace("/", "~1")))
                if text[i] == "}":
                    return i + 1
                i += 1  # ','
        if text[i] == "[":
            arrays.add(at)
            i = ws(i + 1)
            if text[i] == "]":
                return i + 1
            n = 0
            while True:
                i = ws(value(i, f"{at}/{n}"))
                n += 1
                if text[i] == "]":
                    return i + 1
                i += 1
        return decoder.raw_decode(text, i)[1]

    value(0, "")
    p = ""  # follow the pointer down to the deepest value that exists
    for token in pointer.split("/")[1:]:
        if p in arrays and token.isdigit():
            token = str(int(token))  # as the reader always has, "01" names element 1
        if p + "/" + token not in offsets:
            break
        p = p + "/" + token
    off = offsets[p]
    return text.count("\n", 0, off) + 1, off - (text.rfind("\n", 0, off) + 1) + 1


keys = st.text(alphabet=st.sampled_from('ab/~"\\ é\n0'), min_size=0, max_size=3)
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5), max_leaves=40)
layouts = st.sampled_from([dict(), dict(separators=(",", ":")), dict(indent=2), dict(indent="\t", separators=(" ,", " : "))])


def _pointers(value, at=""):
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pointers(v, at + "/" + k.replace("~", "~0").replace("/", "~1"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _pointers(v, f"{at}/{i}")


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(value=values, layout=layouts, seed=st.integers(0, 2**32))
def test_locate_matches_a_straightforward_locator_in_any_order_of_lookups(value, layout, seed):
    text = json.dumps(value, **layout)
    existing = list(_pointers(value))
    asked = existing + [p + "/no-such-key" for p in existing] + [p + "/99" for p in existing] + [p + "/0" for p in existing]
    asked += [p + "/~2" for p in existing] + [p + "/01" for p in existing]
    random.Random(seed).shuffle(asked)  # lookups in any order: resumed walks must give the same answers
    doc = parse_json(text, "x")
    assert doc.error is None
    for pointer in asked:
        assert doc.locate(pointer) == reference_locate(text, pointer), pointer


def test_locate_of_a_json_lines_document_adds_its_first_line():
    doc = parse_json('{"a": [1, {"b": 2}]}', "s.jsonl:40", first_line=40)
    assert doc.locate("/a/1/b") == (40, 17) and doc.locate("/a/5") == (40, 7)


def test_20000_unknown_top_level_keys_are_located_in_bounded_time():
    doc = {"id": "p", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": []}
    doc.update((f"k{i:05d}", i) for i in range(20_000))
    text = json.dumps(doc, indent=0)
    assert len(text) > 250_000
    parsed = parse_json(text, "x")
    t0 = time.monotonic()
    where = [parsed.locate(f"/k{i:05d}") for i in range(19_999, -1, -1)]  # worst order: last key first
    assert time.monotonic() - t0 < 10  # a rescan per key took minutes
    for i in (0, 1, 9_999, 19_999):
        off = text.index(f'"k{i:05d}": ') + 10
        assert where[19_999 - i] == (text.count("\n", 0, off) + 1, off - text.rfind("\n", 0, off))


@pytest.mark.slow
def test_200000_elements_are_located_in_bounded_time():
    doc = {"orders": [{"drug": "x", "dose": i} for i in range(100_000)]}
    text = json.dumps(doc, indent=1)
    parsed = parse_json(text, "x")
    t0 = time.monotonic()
    for i in range(100_000):
        parsed.locate(f"/orders/{i}/drug")
        parsed.locate(f"/orders/{i}/dose")
    assert time.monotonic() - t0 < 20
    off = text.index('"dose": 99999') + 8
    assert parsed.locate("/orders/99999/dose") == (text.count("\n", 0, off) + 1, off - text.rfind("\n", 0, off))


def test_lookups_that_once_corrupted_the_memo_give_the_same_answers_in_any_order():
    # An empty array once answered "/a/0" with the position of its "]" after any other lookup in
    # it, and a lookup of "/a/#far" made the next element lookup in that array raise.
    text = '{"a": [], "b": [10, 20, 30, 40]}'
    for order in (["/a/0/x", "/a/0", "/b/#far", "/b/3"], ["/b/3", "/b/#far", "/a/0", "/a/0/x"]):
        doc = parse_json(text, "x")
        got = {p: doc.locate(p) for p in order}
        assert got == {"/a/0/x": (1, 7), "/a/0": (1, 7), "/b/#far": (1, 16), "/b/3": (1, 29)}


def test_a_whole_file_truncated_while_the_command_line_reads_it_is_an_error_not_a_shorter_document(tmp_path, monkeypatch):
    # regimen-format.md / issue 10 item 12: the bytes that vanish mid-read are said, for .json/.yaml too.
    import builtins
    import os

    from orderlint import inputs

    path = tmp_path / "doc.json"
    path.write_text('{"id": "x", "kind": "order-set", "indication": {"condition": "ssc-ild"}, "orders": []}' + " " * 5000)
    real_open = builtins.open

    class Shrinking:
        def __init__(self, f):
            self.f = f

        def read(self, n=-1):
            os.truncate(path, 10)  # another process cuts the file after it was opened
            return self.f.read(n)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def fake_open(p, mode="r", *a, **kw):
        f = real_open(p, mode, *a, **kw)
        return Shrinking(f) if str(p) == str(path) else f

    monkeypatch.setattr(inputs, "open", fake_open, raising=False)
    got = inputs.load(("file", str(path)))
    assert isinstance(got, str) and "file changed while being read" in got and str(path) in got


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_json_lines_stream_in_utf16_is_one_clear_error_not_half_lines(tmp_path, encoding):
    # Split at 0x0A bytes, UTF-16 text was one broken document per line ('Expecting value'), and the
    # count of documents was not the file's.
    from orderlint.reader import NotUtf8Error, iter_jsonl_lines

    lines = "".join(json.dumps({"id": f"pt-{i}", "kind": "order-set"}) + "\n" for i in range(3))
    path = tmp_path / "u.jsonl"
    path.write_bytes(lines.encode(encoding))
    with open(path, "rb") as f, pytest.raises(NotUtf8Error, match="JSON Lines must be UTF-8 text"):
        list(iter_jsonl_lines(f, str(path)))
    r = run_orderlint("check", str(path))
    assert r.returncode == 2 and b"JSON Lines must be UTF-8 text" in r.stderr
    (res,) = orderlint.lint_all(path)
    assert res.status == "invalid" and "JSON Lines must be UTF-8 text" in res.findings[0].message


def test_a_json_lines_stream_in_utf8_with_a_bom_is_read():
    from orderlint.reader import iter_jsonl_lines

    data = b"\xef\xbb\xbf" + json.dumps({"id": "a"}).encode() + b"\n"
    assert len(list(iter_jsonl_lines(io.BytesIO(data), "<s>"))) == 1


@pytest.mark.parametrize("where", ["top", "order"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_an_integer_beyond_every_double_is_ol001_even_in_an_x_field(where, fmt):
    # regimen-format.md: every number must be finite. 1e400 was refused and 10**400 accepted in an
    # `x-` field, where no model field caps it.
    from orderlint.reader import parse_json

    big = "1" + "0" * 400
    doc = {"id": "a", "kind": "order-set", "indication": {"condition": "ssc-ild"},
           "orders": [{"drug": "prednisone", "dose": 10, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    (doc if where == "top" else doc["orders"][0])["x-n"] = 0
    text = json.dumps(doc).replace('"x-n": 0', f'"x-n": {big}')
    parsed = parse_json(text, "a.json") if fmt == "json" else parse_yaml(text, "a.yaml")
    assert parsed.data is None and "overflows a double" in parsed.error.message
    # The largest integers a double holds are read.
    ok = text.replace(big, str(int(1.7976931348623157e308)))
    assert (parse_json(ok, "a.json") if fmt == "json" else parse_yaml(ok, "a.yaml")).error is None
