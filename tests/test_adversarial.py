"""Adversarial inputs: hostile, broken or huge files must end in a finding or one clear error line.

Every command-line case runs the real console program in a subprocess with a timeout, and checks:
no traceback, the expected exit code (1: the input is reported as a finding, usually OL001;
2: a tool error, with exactly one `orderlint: error:` line), and that the run ends in time.
Each case that once exposed a bug stays as a regression test.
"""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import orderlint
from orderlint.reader import MAX_DOCUMENT_BYTES

TIMEOUT = 60

#: A first-line patient regimen that lints clean (exit 0).
CLEAN = {
    "id": "adv-clean",
    "kind": "patient",
    "as_of": "2026-03-02",
    "indication": {"condition": "ssc-ild"},
    "patient": {"sex": "male", "age_years": 54, "weight_kg": 85, "height_cm": 180},
    "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 1000, "unit": "mg", "route": "oral", "frequency": "bid"}],
    "tests": [
        {"test": "cbc", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "CMP", "status": "resulted", "date": "2026-02-20", "result": "normal"},
        {"test": "hbv", "status": "resulted", "date": "2026-02-20", "result": "negative"},
        {"test": "hrct", "status": "resulted", "date": "2026-01-15"},
        {"test": "pft", "status": "resulted", "date": "2026-01-15"},
    ],
}
#: The same patient started on methotrexate: ILD101 fires (exit 1).
FIRES = copy.deepcopy(CLEAN)
FIRES["id"] = "adv-fires"
FIRES["orders"] = [{"id": "mtx", "drug": "methotrexate", "dose": 15, "unit": "mg", "route": "oral", "frequency": "weekly"}]

CLEAN_YAML = """\
id: adv-clean-yaml
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

# Runs the console program and reports its peak memory on stderr (stripped before the checks).
# VmHWM is the peak RSS of this process image only; ru_maxrss is not used first because on Linux it
# carries over the parent's peak through vfork + exec (the pytest process, not orderlint).
_WRAPPER = (
    "import resource, runpy, sys\n"
    "def peak():\n"
    "    try:\n"
    "        for line in open('/proc/self/status'):\n"
    "            if line.startswith('VmHWM:'):\n"
    "                return int(line.split()[1])\n"
    "    except OSError:\n"
    "        pass\n"
    "    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "sys.argv = ['orderlint'] + sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_module('orderlint', run_name='__main__')\n"
    "finally:\n"
    "    sys.stderr.write('\\nADV-MAXRSS-KB=%d\\n' % peak())\n"
)


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, seconds: float) -> None:
        self.code = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        self.maxrss_kb = None
        lines = []
        for line in err.splitlines():
            if line.startswith("ADV-MAXRSS-KB="):
                self.maxrss_kb = int(line.split("=", 1)[1])
            elif line:
                lines.append(line)
        self.err_lines = lines
        self.err = "\n".join(lines)
        self.seconds = seconds


def orderlint_run(*args, input: bytes | None = None, timeout: float = TIMEOUT, cwd=None) -> Run:
    env = dict(os.environ, ORDERLINT_NO_CONFIG="1")
    env.pop("ORDERLINT_DEBUG", None)
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *map(str, args)],
        input=input if input is not None else b"",
        capture_output=True, timeout=timeout, env=env, cwd=cwd,
    )
    return Run(proc, time.monotonic() - t0)


def assert_outcome(run: Run, code: int) -> None:
    assert "Traceback" not in run.err and "Traceback" not in run.out, run.err[-2000:]
    assert run.code == code, f"exit {run.code}, expected {code}\nstdout: {run.out[-1500:]}\nstderr: {run.err[-1500:]}"
    errors = [line for line in run.err_lines if line.startswith("orderlint: error:")]
    if code == 2:
        assert len(errors) == 1, run.err_lines
    else:
        assert errors == [], run.err_lines


def ol001(run: Run, text: str = "") -> None:
    assert "OL001" in run.out, run.out[-1500:]
    if text:
        assert text in run.out, run.out[-1500:]


def dump(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- sanity


@pytest.mark.slow
def test_clean_and_firing_baselines(tmp_path):
    assert_outcome(orderlint_run("check", dump(tmp_path / "clean.json", CLEAN)), 0)
    r = orderlint_run("check", dump(tmp_path / "fires.json", FIRES))
    assert_outcome(r, 1)
    assert "ILD101" in r.out


# ----------------------------------------------------------------------------- deep nesting

DEPTH = 100_000


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, text",
    [
        ("arrays.json", "[" * DEPTH + "]" * DEPTH),
        ("objects.json", '{"a":' * DEPTH + "1" + "}" * DEPTH),
        ("in-a-field.json", json.dumps(CLEAN)[:-1] + ', "x-deep": ' + "[" * DEPTH + "]" * DEPTH + "}"),
        ("flow-seq.yaml", "[" * DEPTH + "]" * DEPTH),
        ("flow-map.yaml", "{a: " * DEPTH + "1" + "}" * DEPTH),
        ("block-seq.yaml", "- " * DEPTH + "x\n"),
        ("explicit-keys.yaml", "? " * DEPTH + "x\n"),
        # Block mappings nest by indentation, so 100,000 levels cannot fit in 8 MiB; 3,000 can.
        ("block-map.yaml", "".join(" " * i + "a:\n" for i in range(3000)) + " " * 3000 + "x\n"),
        ("block-mixed.yaml", "".join(" " * i + "- a:\n" for i in range(0, 6000, 2))),
    ],
)
def test_deep_nesting_is_refused(tmp_path, name, text):
    r = orderlint_run("check", dump_text(tmp_path / name, text))
    assert_outcome(r, 1)
    ol001(r)
    assert r.seconds < 30


@pytest.mark.slow
def test_deep_nesting_on_stdin_and_api():
    text = "[" * DEPTH + "]" * DEPTH
    r = orderlint_run("check", "-", input=text.encode())
    assert_outcome(r, 1)
    ol001(r)
    res = orderlint.lint(text)
    assert res.status == "invalid" and [f.code for f in res.findings] == ["OL001"]


def test_nesting_limit_is_the_same_for_json_and_yaml():
    import yaml

    doc = dict(CLEAN, **{"x-deep": json.loads("[" * 70 + "]" * 70)})
    j = orderlint.lint(json.dumps(doc))
    y = orderlint.lint(yaml.safe_dump(doc))
    assert j.status == y.status, (j.status, y.status)


@pytest.mark.parametrize("extra", [
    "x-rule: |\n  " + "-" * 600 + "\n",        # a horizontal rule in a block scalar
    'x-note: "' + "[" * 70 + '"\n',              # brackets inside a quoted string
    "# " + "{" * 70 + "\n",                        # brackets in a comment
])
def test_shallow_yaml_with_brackets_or_dashes_in_text_is_not_too_deep(extra):
    res = orderlint.lint(CLEAN_YAML + extra)
    assert res.status == "checked", [f.message for f in res.findings]


# ----------------------------------------------------------------------------- size limits


@pytest.mark.slow
def test_document_over_8_mib_is_refused_with_bounded_memory(tmp_path):
    big = tmp_path / "big.json"
    pad = 64 * 1024 * 1024  # 64 MiB: memory must not follow the file size
    with open(big, "w", encoding="utf-8") as f:
        f.write(json.dumps(CLEAN)[:-1] + ', "x-pad": "')
        chunk = "A" * (1024 * 1024)
        for _ in range(pad // len(chunk)):
            f.write(chunk)
        f.write('"}')
    r = orderlint_run("check", big)
    assert_outcome(r, 1)
    ol001(r, "over the limit")
    assert r.maxrss_kb is not None and r.maxrss_kb < 200 * 1024, f"peak RSS {r.maxrss_kb} KiB"


@pytest.mark.slow
def test_document_over_8_mib_on_stdin_is_refused():
    data = b'{"x-pad": "' + b"A" * (MAX_DOCUMENT_BYTES + 10) + b'"}'
    r = orderlint_run("check", "-", input=data)
    assert_outcome(r, 1)
    ol001(r, "over the limit")
    assert r.maxrss_kb < 200 * 1024


@pytest.mark.slow
def test_exactly_at_the_limit_is_read(tmp_path):
    text = json.dumps(CLEAN)[:-1] + ', "x-pad": "'
    text += "A" * (MAX_DOCUMENT_BYTES - len(text) - 2) + '"}'
    assert len(text.encode()) == MAX_DOCUMENT_BYTES
    r = orderlint_run("check", dump_text(tmp_path / "limit.json", text))
    assert_outcome(r, 0)


def dump_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_one_million_orders_is_over_the_limit(tmp_path):
    order = json.dumps(CLEAN["orders"][0], separators=(",", ":"))
    head = json.dumps({k: v for k, v in CLEAN.items() if k != "orders"})[:-1] + ', "orders": ['
    path = tmp_path / "million.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write(head)
        f.write(",".join([order] * 1_000_000))
        f.write("]}")
    assert path.stat().st_size > MAX_DOCUMENT_BYTES
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "over the limit")
    assert r.seconds < 20


def _many_orders(n: int, **extra) -> dict:
    doc = copy.deepcopy(CLEAN)
    doc["orders"] = [dict(CLEAN["orders"][0], id=f"o{i}", **extra) for i in range(n)]
    return doc


@pytest.mark.slow
def test_20000_stopped_orders_are_checked_in_bounded_time(tmp_path):
    path = dump(tmp_path / "stopped.json", _many_orders(20_000, status="stopped"))
    assert path.stat().st_size < MAX_DOCUMENT_BYTES
    r = orderlint_run("check", path, timeout=TIMEOUT)
    assert_outcome(r, 0)
    assert "1 checked" in r.out


@pytest.mark.slow
def test_20000_orders_with_findings_in_yaml_are_checked_in_bounded_time(tmp_path):
    import yaml

    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(_many_orders(20_000)), encoding="utf-8")
    r = orderlint_run("check", path, "--format", "jsonl", timeout=TIMEOUT)
    assert_outcome(r, 1)
    [result] = [json.loads(line) for line in r.out.splitlines()]
    assert result["status"] == "checked"
    assert sum(f["code"] == "OL004" for f in result["findings"]) == 19_999


@pytest.mark.slow
def test_20000_orders_with_findings_in_json_are_checked_in_bounded_time(tmp_path):
    path = dump(tmp_path / "many.json", _many_orders(20_000))
    assert path.stat().st_size < MAX_DOCUMENT_BYTES
    r = orderlint_run("check", path, "--format", "jsonl", timeout=TIMEOUT)
    assert_outcome(r, 1)
    [result] = [json.loads(line) for line in r.out.splitlines()]
    assert sum(f["code"] == "OL004" for f in result["findings"]) == 19_999


@pytest.mark.slow
def test_one_megabyte_strings(tmp_path):
    big = "Z" * 1_000_000
    r = orderlint_run("check", dump(tmp_path / "xfield.json", dict(CLEAN, **{"x-note": big})))
    assert_outcome(r, 0)
    doc = copy.deepcopy(CLEAN)
    doc["orders"][0]["drug"] = big
    r = orderlint_run("check", dump(tmp_path / "drug.json", doc))
    assert_outcome(r, 1)
    assert "OL002" in r.out and r.seconds < 30
    doc = copy.deepcopy(CLEAN)
    doc["tests"][0]["test"] = big
    r = orderlint_run("check", dump(tmp_path / "test.json", doc))
    assert_outcome(r, 1)
    ol001(r)
    doc = dict(CLEAN, **{big: 1})
    r = orderlint_run("check", dump(tmp_path / "key.json", doc))
    assert_outcome(r, 1)
    ol001(r)


# ----------------------------------------------------------------------------- encodings


@pytest.mark.slow
def test_invalid_utf8(tmp_path):
    raw = json.dumps(CLEAN).encode()
    path = tmp_path / "bad.json"
    path.write_bytes(raw[:30] + b"\xff\xfe\xc3" + raw[30:])
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "not valid UTF-8")
    path = tmp_path / "bad.yaml"
    path.write_bytes(CLEAN_YAML.encode().replace(b"adv-clean-yaml", b"adv-\xc3\x28"))
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "not valid UTF-8")


@pytest.mark.slow
@pytest.mark.parametrize("name, raw", [
    ("bom.json", b"\xef\xbb\xbf" + json.dumps(CLEAN).encode()),
    ("bom.yaml", b"\xef\xbb\xbf" + CLEAN_YAML.encode()),
    ("utf16le.json", json.dumps(CLEAN).encode("utf-16")),  # BOM + little endian on this platform
    ("utf16be.json", b"\xfe\xff" + json.dumps(CLEAN).encode("utf-16-be")),
    ("utf16.yaml", CLEAN_YAML.encode("utf-16")),
])
def test_byte_order_marks_are_accepted(tmp_path, name, raw):
    path = tmp_path / name
    path.write_bytes(raw)
    r = orderlint_run("check", path)
    assert_outcome(r, 0)
    assert "1 checked" in r.out


@pytest.mark.slow
def test_utf16_without_bom_and_truncated_utf16(tmp_path):
    path = tmp_path / "nobom.json"
    path.write_bytes(json.dumps(CLEAN).encode("utf-16-le"))
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r)
    path = tmp_path / "odd.json"
    path.write_bytes(json.dumps(CLEAN).encode("utf-16")[:-1])
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "UTF-16")


@pytest.mark.slow
def test_control_characters_in_strings(tmp_path):
    doc = copy.deepcopy(CLEAN)
    doc["orders"][0]["drug"] = "zzz\x1b[2J\x1b[31mEVIL\nfake.json:1:1: OK\r\x00"
    doc["id"] = "ctl\x00\x07\x7f"
    r = orderlint_run("check", dump(tmp_path / "escaped.json", doc))
    assert_outcome(r, 1)
    assert "OL002" in r.out
    assert "\x1b" not in r.out and "\x00" not in r.out
    # Raw (unescaped) control characters are not valid JSON or YAML.
    text = json.dumps(CLEAN).replace('"adv-clean"', '"adv\x01\x1bclean"')
    r = orderlint_run("check", dump_text(tmp_path / "raw.json", text))
    assert_outcome(r, 1)
    ol001(r, "control character")
    r = orderlint_run("check", dump_text(tmp_path / "raw.yaml", CLEAN_YAML.replace("adv-clean-yaml", '"adv \x07 bell"')))
    assert_outcome(r, 1)
    ol001(r)


@pytest.mark.slow
def test_text_report_cannot_be_forged_by_control_characters(tmp_path):
    doc = copy.deepcopy(CLEAN)
    doc["orders"] = [{
        "id": "cyc", "drug": "cyclophosphamide", "dose": 600, "route": "iv", "frequency": "q4w", "doses": 6,
        "unit": "mg/m2\nforged.json:9:9: ILD999 [error] forged line\n\x1b[2J\x1b[31mRED",
    }]
    r = orderlint_run("check", dump(tmp_path / "inject.json", doc))
    assert_outcome(r, 1)
    assert "\x1b" not in r.out
    for line in r.out.splitlines():
        assert line.startswith(str(tmp_path / "inject.json")) or line.startswith("1 document"), repr(line)


# ----------------------------------------------------------------------------- numbers


@pytest.mark.slow
@pytest.mark.parametrize("text, expect", [
    ('"dose": NaN', "not finite"),
    ('"dose": Infinity', "not finite"),
    ('"dose": -Infinity', "not finite"),
    ('"dose": 1e400', "overflows"),
    ('"dose": ' + "9" * 5000, ""),
    ('"dose": -0.0', ""),
])
def test_non_finite_and_overlong_numbers_are_invalid(tmp_path, text, expect):
    raw = json.dumps(CLEAN).replace('"dose": 1000', text)
    r = orderlint_run("check", dump_text(tmp_path / "n.json", raw))
    assert_outcome(r, 1)
    ol001(r, expect)


@pytest.mark.slow
def test_huge_but_finite_doses_are_checked(tmp_path):
    # rules.md 2nd ed. (OL003): 1e308 g is an infinite number of mg, an arithmetic result that is not
    # finite, so OL003 (exit 1 at the default --fail-on) and never "inf mg/day";
    # 5e-324 g bid is 1e-320 mg a day, which rounds to 0 at the 2 decimals limits compare: a zero
    # result, OL003 too (it was ILD502's "= 0 mg/day", an info, exit 0).
    for i, (dose, code, exit_code) in enumerate([(1e308, "OL003", 1), (5e-324, "OL003", 1)]):
        doc = copy.deepcopy(CLEAN)
        doc["orders"][0].update(dose=dose, unit="g")
        r = orderlint_run("check", dump(tmp_path / f"d{i}.json", doc))
        assert_outcome(r, exit_code)
        assert code in r.out
        assert "inf " not in r.out


EXTREME_FINITE = [
    {"duration": {"value": 1e308, "unit": "wk"}},
    {"duration": {"value": 5, "unit": "d"}, "frequency": {"frequency": 1, "period": 1e-320, "period_unit": "d"}},
]


@pytest.mark.parametrize("change", EXTREME_FINITE)
def test_api_never_raises_on_extreme_finite_course(change):
    doc = copy.deepcopy(CLEAN)
    doc["orders"][0].update(change)
    res = orderlint.lint(doc)
    assert res.status in ("checked", "invalid")


@pytest.mark.slow
def test_one_extreme_document_does_not_hide_the_others(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    doc = copy.deepcopy(CLEAN)
    doc["orders"][0]["duration"] = {"value": 1e308, "unit": "wk"}
    dump(folder / "a-extreme.json", doc)
    doc = copy.deepcopy(CLEAN)
    doc["orders"][0]["dose"] = 5000
    dump(folder / "b-high-dose.json", doc)
    r = orderlint_run("check", folder, "--format", "jsonl")
    assert "Traceback" not in r.err
    assert "ILD501" in r.out, (r.code, r.err)


# ----------------------------------------------------------------------------- YAML attacks

LAUGHS = "".join(
    f"x-{c}: &{c} [{', '.join(['*' + p] * 10) if p else ', '.join(['lol'] * 10)}]\n"
    for p, c in zip([None, "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi")
)


@pytest.mark.slow
def test_yaml_alias_bomb_is_refused_quickly_with_bounded_memory(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(CLEAN_YAML + LAUGHS, encoding="utf-8")
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "alias")
    assert r.seconds < 30
    assert r.maxrss_kb < 400 * 1024, f"peak RSS {r.maxrss_kb} KiB"
    # Also at the top of a bare document, and inside an order.
    path.write_text(LAUGHS.replace("x-", ""), encoding="utf-8")
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r)


@pytest.mark.slow
@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {m}']",
    "!!python/object/new:os.system ['touch {m}']",
    "!!python/object/apply:subprocess.check_call [[touch, '{m}']]",
    "!!python/object/apply:builtins.exec [\"open('{m}', 'w')\"]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!touch '{m}'",
])
@pytest.mark.parametrize("where", ["id", "top", "order"])
def test_yaml_python_tags_are_never_executed(tmp_path, payload, where):
    marker = tmp_path / "PWNED"
    value = payload.format(m=marker)
    if where == "id":
        text = CLEAN_YAML.replace("id: adv-clean-yaml", f"id: {value}")
    elif where == "top":
        text = value + "\n"
    else:
        text = CLEAN_YAML.replace("drug: mycophenolate mofetil", f"drug: {value}")
    path = tmp_path / "tag.yaml"
    path.write_text(text, encoding="utf-8")
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r)
    res = orderlint.lint(text)
    assert res.status == "invalid"
    assert not marker.exists(), "a YAML tag was executed"


@pytest.mark.slow
def test_multiple_yaml_documents_in_one_file(tmp_path):
    path = tmp_path / "multi.yaml"
    path.write_text(CLEAN_YAML + "---\n" + CLEAN_YAML, encoding="utf-8")
    r = orderlint_run("check", path)
    assert_outcome(r, 1)
    ol001(r, "another document")
    # An explicit start marker on a single document is fine.
    path.write_text("---\n" + CLEAN_YAML + "...\n", encoding="utf-8")
    assert_outcome(orderlint_run("check", path), 0)


# ----------------------------------------------------------------------------- files and folders


@pytest.mark.slow
def test_symlink_loops_in_a_folder_terminate_and_lint_each_file_once(tmp_path):
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    dump(root / "a.json", CLEAN)
    dump(root / "sub" / "b.json", FIRES)
    os.symlink(".", root / "self")
    os.symlink("..", root / "sub" / "up")
    os.symlink(str(root), root / "sub" / "absolute-loop")
    r = orderlint_run("check", root, "--format", "jsonl")
    assert_outcome(r, 1)
    ids = [json.loads(line)["id"] for line in r.out.splitlines()]
    assert sorted(ids) == ["adv-clean", "adv-fires"], ids


@pytest.mark.slow
def test_self_referencing_symlink_file_is_one_error_line(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    dump(root / "a.json", CLEAN)
    os.symlink("loop.json", root / "loop.json")
    r = orderlint_run("check", root)
    assert_outcome(r, 2)
    assert "loop.json" in r.err and "1 checked" in r.out


@pytest.mark.slow
def test_dangling_symlink_given_directly_is_one_error_line(tmp_path):
    link = tmp_path / "gone.json"
    os.symlink(tmp_path / "does-not-exist.json", link)
    r = orderlint_run("check", link)
    assert_outcome(r, 2)
    assert "gone.json" in r.err


@pytest.mark.slow
def test_file_listed_then_unreadable_is_one_error_line_and_others_are_reported(tmp_path):
    # A dangling symlink is listed by the folder walk but cannot be opened, even as root:
    # the same path a file deleted between listing and reading takes.
    root = tmp_path / "tree"
    root.mkdir()
    dump(root / "a.json", FIRES)
    os.symlink(tmp_path / "deleted.json", root / "b.json")
    dump(root / "c.json", CLEAN)
    r = orderlint_run("check", root, "--format", "jsonl")
    assert_outcome(r, 2)
    assert "b.json" in r.err
    # The report says where the unread file stands (status unreadable), between the two others.
    lines = [json.loads(line) for line in r.out.splitlines()]
    assert [(x["id"], x["status"]) for x in lines] == [("adv-fires", "checked"), (None, "unreadable"), ("adv-clean", "checked")]


def test_file_deleted_between_listing_and_reading(tmp_path, monkeypatch):
    """In-process: the folder walk lists b.json, then b.json is deleted before it is read."""
    import orderlint.inputs as inputs
    from click.testing import CliRunner

    from orderlint.cli import cli

    root = tmp_path / "tree"
    root.mkdir()
    dump(root / "a.json", FIRES)
    dump(root / "b.json", CLEAN)
    real = inputs.Selection.walk

    # The folder walk (inputs.Selection.walk, with include/exclude) lists every file first here.
    def listing_then_delete(self, paths, skip_files=(), unit=None):
        listed = list(real(self, paths, skip_files=skip_files, unit=unit))
        (root / "b.json").unlink()
        yield from listed

    monkeypatch.setattr(inputs.Selection, "walk", listing_then_delete)
    res = CliRunner().invoke(cli, ["check", str(root), "--format", "jsonl"], env={"ORDERLINT_NO_CONFIG": "1"})
    assert res.exit_code == 2, (res.output, res.exception)
    errors = [line for line in res.stderr.splitlines() if line.startswith("orderlint: error:")]
    assert len(errors) == 1 and "b.json" in errors[0], res.stderr
    assert "Traceback" not in res.stderr
    # The report says it too, where the file stands (a pipeline reading the lines alone).
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(x["id"], x["status"]) for x in lines] == [("adv-fires", "checked"), (None, "unreadable")]
    assert "b.json" in lines[1]["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_is_one_error_line(tmp_path):
    path = dump(tmp_path / "secret.json", CLEAN)
    path.chmod(0)
    try:
        r = orderlint_run("check", path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert_outcome(r, 2)
    assert "secret.json" in r.err


@pytest.mark.slow
def test_directory_named_like_a_document(tmp_path):
    d = tmp_path / "x.json"
    d.mkdir()
    r = orderlint_run("check", d)
    assert_outcome(r, 2)
    assert "no regimen documents" in r.err
    dump(tmp_path / "y.json", CLEAN)
    r = orderlint_run("check", tmp_path)  # the folder x.json is walked into, not opened
    assert_outcome(r, 0)


@pytest.mark.slow
def test_fifo_inside_a_folder_does_not_hang(tmp_path):
    root = tmp_path / "tree"
    root.mkdir()
    dump(root / "a.json", CLEAN)
    os.mkfifo(root / "pipe.json")
    r = orderlint_run("check", root, timeout=20)
    assert r.code in (0, 2)
    assert "Traceback" not in r.err


@pytest.mark.slow
def test_fifo_given_explicitly_is_read(tmp_path):
    """`orderlint check <(cat doc.json)` passes a pipe: it must be read like a file."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as f:
            f.write(json.dumps(FIRES).encode())

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    r = orderlint_run("check", fifo, timeout=30)
    t.join(5)
    assert_outcome(r, 1)
    assert "ILD101" in r.out


@pytest.mark.slow
@pytest.mark.parametrize("name, content, expect", [
    ("empty.json", "", "not valid JSON"),
    ("blank.json", "  \n\n", "not valid JSON"),
    ("empty.yaml", "", "empty"),
    ("comment.yaml", "# nothing here\n", "empty"),
    ("array.json", "[]", "must be an object"),
    ("array-of-docs.json", json.dumps([CLEAN, FIRES]), "must be an object"),
    ("number.json", "42", "must be an object"),
    ("string.json", '"ssc-ild"', "must be an object"),
    ("null.yaml", "null\n", "must be an object"),
    ("seq.yaml", "- a\n- b\n", "must be an object"),
    ("trailing.json", json.dumps(CLEAN) + " {}", "not valid JSON"),
])
def test_empty_and_non_object_documents(tmp_path, name, content, expect):
    r = orderlint_run("check", dump_text(tmp_path / name, content))
    assert_outcome(r, 1)
    ol001(r, expect)


@pytest.mark.slow
def test_empty_stdin(tmp_path):
    r = orderlint_run("check", "-", input=b"")
    assert_outcome(r, 1)
    ol001(r)
    # An empty JSON Lines stream is OL001 as an empty .jsonl file is (beside other inputs it added
    # nothing without a word; alone it was "no regimen documents", exit 2).
    r = orderlint_run("check", "-", "--jsonl", input=b"")
    assert_outcome(r, 1)
    ol001(r)
    assert "standard input holds no document" in r.out


# ----------------------------------------------------------------------------- JSON Lines


def _jsonl_lines() -> list[bytes]:
    return [
        json.dumps(CLEAN).encode(),           # 1 checked, clean
        b'{"id": "broken", "kind": ',         # 2 invalid JSON
        json.dumps(FIRES).encode(),           # 3 checked, ILD101
        b"",                                  # 4 blank: skipped
        b"[1, 2, 3]",                         # 5 not an object
        b'{"id": "\xff\xfe"}',                # 6 invalid UTF-8
        json.dumps(CLEAN).encode(),           # 7 checked, clean
    ]


EXPECTED_JSONL = [(1, "checked"), (2, "invalid"), (3, "checked"), (5, "invalid"), (6, "invalid"), (7, "checked")]


@pytest.mark.slow
@pytest.mark.parametrize("via", ["file", "stdin"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_json_lines_with_bad_lines_in_the_middle(tmp_path, via, jobs):
    data = b"\n".join(_jsonl_lines()) + b"\n"
    if via == "file":
        path = tmp_path / "stream.jsonl"
        path.write_bytes(data)
        r = orderlint_run("check", path, "--format", "jsonl", "--jobs", jobs)
        source = str(path)
    else:
        r = orderlint_run("check", "-", "--jsonl", "--format", "jsonl", "--jobs", jobs, input=data)
        source = "<stdin>"
    assert_outcome(r, 1)
    results = [json.loads(line) for line in r.out.splitlines()]
    assert [(x["source"], x["status"]) for x in results] == [(f"{source}:{n}", s) for n, s in EXPECTED_JSONL]
    assert [f["code"] for f in results[2]["findings"]] == ["ILD101"]
    for x in results:  # every finding is located on (or, see below, just after) its own line
        n = int(x["source"].rsplit(":", 1)[1])
        assert all(f["line"] in (n, n + 1) for f in x["findings"]), x


@pytest.mark.slow
def test_json_lines_parse_error_is_located_on_its_own_line(tmp_path):
    path = tmp_path / "stream.jsonl"
    path.write_bytes(json.dumps(CLEAN).encode() + b'\n{"id": "broken", "kind": \n' + json.dumps(FIRES).encode() + b"\n")
    r = orderlint_run("check", path, "--format", "jsonl")
    assert_outcome(r, 1)
    broken = [json.loads(line) for line in r.out.splitlines()][1]
    assert broken["source"].endswith(":2")
    assert [f["line"] for f in broken["findings"]] == [2]


@pytest.mark.slow
def test_json_lines_with_an_over_long_line_in_the_middle(tmp_path):
    path = tmp_path / "long.jsonl"
    with open(path, "wb") as f:
        f.write(json.dumps(CLEAN).encode() + b"\n")
        f.write(b'{"x-pad": "' + b"A" * (MAX_DOCUMENT_BYTES + 100) + b'"}\n')
        f.write(json.dumps(FIRES).encode() + b"\n")
    r = orderlint_run("check", path, "--format", "jsonl")
    assert_outcome(r, 1)
    results = [json.loads(line) for line in r.out.splitlines()]
    assert [(x["source"].rsplit(":", 1)[1], x["status"]) for x in results] == [
        ("1", "checked"), ("2", "invalid"), ("3", "checked"),
    ]
    assert r.maxrss_kb < 200 * 1024
