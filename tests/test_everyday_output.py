"""Output for people (issue 16 items 4, 6, 7): colour on a terminal (NO_COLOR, --color), thousands
separators in summaries, SARIF links that are never invented, and shell completion.

Follows interfaces.md 2nd ed., "Everyday use": Links (help links go to the rule's primary source
and docs/rules.md, or the site's `docs-url`; no invented web addresses) and Long runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, SHARED, run_cli, run_orderlint

ERROR_DOC = EXAMPLES / "regimens" / "ILD301-fires.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("orderlint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "orderlint"]


def _on_a_terminal(args: list[str], env: dict) -> bytes:
    """Run with standard output on a pseudo-terminal; returns what the terminal received."""
    import pty

    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(_cmd() + args, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             env={**os.environ, "ORDERLINT_NO_CONFIG": "1", **env})
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        p.wait(timeout=120)
    finally:
        os.close(master)
    return seen


def _no_color_env() -> dict:
    return {"NO_COLOR": "", "TERM": "xterm-256color"}


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminal")
def test_text_report_is_coloured_on_a_terminal_and_reads_the_same_without_colour():
    coloured = _on_a_terminal(["check", str(ERROR_DOC)], _no_color_env()).decode()
    assert "\x1b[" in coloured
    (finding,) = [x for x in coloured.splitlines() if "ILD301" in x]
    assert "\x1b[1mILD301\x1b[0m \x1b[31m\x1b[1m[error]\x1b[0m " in finding  # code bold, severity red
    plain = run_orderlint("check", str(ERROR_DOC)).stdout.decode()  # a pipe: never coloured
    assert "\x1b" not in plain
    assert ANSI.sub("", coloured).replace("\r\n", "\n") == plain


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminal")
@pytest.mark.parametrize("env, args", [({"NO_COLOR": "1"}, []), ({}, ["--color", "never"]), ({"TERM": "dumb"}, []),
                                       ({}, ["--format", "github"]), ({}, ["--output", "REPORT"])])
def test_no_colour_with_no_color_never_a_dumb_terminal_another_format_or_a_file(env, args, tmp_path):
    args = [str(tmp_path / "report.txt") if a == "REPORT" else a for a in args]
    seen = _on_a_terminal(["check", str(ERROR_DOC), *args], {**_no_color_env(), **env})
    assert b"\x1b" not in seen
    if "--output" in args:
        assert b"\x1b" not in (tmp_path / "report.txt").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_color_always_colours_a_pipe_too_with_the_same_text(jobs):
    plain = run_orderlint("check", str(EXAMPLES / "regimens"), "--jobs", jobs).stdout.decode()
    coloured = run_orderlint("check", str(EXAMPLES / "regimens"), "--color", "always", "--jobs", jobs,
                             env={"NO_COLOR": "1"}).stdout.decode()  # an explicit --color wins over NO_COLOR
    assert coloured.count("\x1b[1m") >= plain.count(": ILD") > 0
    assert ANSI.sub("", coloured) == plain


@pytest.mark.slow
def test_colour_never_carries_escapes_from_a_document(tmp_path):
    doc = json.loads(ERROR_DOC.read_text())
    doc["orders"][0]["drug"] = "cyclophosphamide\x1b[2J"
    p = tmp_path / "evil\x1b[31m.json"
    p.write_text(json.dumps(doc))
    out = run_orderlint("check", str(p), "--color", "always").stdout.decode()
    assert "\x1b[2J" not in out and "evil\x1b[31m" not in out and "\\x1b" in out


# ----------------------------------------------------------------------------- thousands separators


def _stream(tmp_path: Path, n: int) -> Path:
    doc = {"id": "x", "kind": "order-set", "indication": {"condition": "ssc-ild"},
           "orders": [{"id": "ppi", "drug": "pantoprazole", "dose": 40, "unit": "mg", "route": "oral", "frequency": "daily"}]}
    p = tmp_path / "many.jsonl"
    p.write_text((json.dumps(doc) + "\n") * n)
    return p


@pytest.mark.slow
def test_summaries_have_thousands_separators_and_machine_formats_do_not(tmp_path):
    p = _stream(tmp_path, 1234)
    text = run_orderlint("check", str(p), "--jobs", "2")
    assert text.stdout.decode().splitlines()[-1] == "1,234 documents, 1,234 checked: 0 errors, 0 warnings, 0 info."
    js = run_orderlint("check", str(p), "--format", "json", "--jobs", "2")
    assert js.stderr.decode().splitlines() == ["1,234 documents, 1,234 checked: 0 errors, 0 warnings, 0 info."]
    assert json.loads(js.stdout)["summary"]["documents"] == 1234 and b"1,234" not in js.stdout


def test_summary_line_formats_every_count():
    from collections import Counter

    from orderlint.formatters import summary_line

    class S:
        documents, checked, not_applicable, invalid, suppressed = 1234567, 1200000, 1001, 33566, 1000
        findings = Counter(error=12345, warning=1, info=1000)

    assert summary_line(S) == ("1,234,567 documents, 1,200,000 checked, 1,001 not applicable, 33,566 invalid: "
                               "12,345 errors, 1 warning, 1,000 info, 1,000 waived.")


# ----------------------------------------------------------------------------- SARIF links


def _sarif(*args: str) -> dict:
    r = run_cli("check", str(ERROR_DOC), "--format", "sarif", *args)
    assert r.exit_code == 1, r.output
    return json.loads(r.stdout)


def _validate(doc: dict) -> None:
    """Validate against the official schema; called last, so a checkout without ../shared still
    runs every other assertion before it skips."""
    import jsonschema

    path = SHARED / "schemas" / "sarif-schema-2.1.0.json"
    if not path.is_file():
        pytest.skip(f"SARIF schema not found at {path} (the shared reference folder is not checked out)")
    schema = json.loads(path.read_text())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)


def test_sarif_invents_no_address():
    from orderlint.engine import Linter

    doc = _sarif()
    text = json.dumps(doc)
    assert "orderlint.dev" not in text
    driver = doc["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    linter = Linter()
    for desc in driver["rules"]:
        rule = linter.by_code[desc["id"]]
        uri = rule.help_uri()
        if uri.startswith("https://"):
            assert desc["helpUri"] == uri and f"More: {uri}" in desc["help"]["text"]
        else:  # no public source: the rule's section of the project's documentation, in the help text only
            assert "helpUri" not in desc and uri == rule.docs_anchor and uri in desc["help"]["markdown"]
    _validate(doc)


def test_sarif_links_go_to_the_sites_docs_url(tmp_path):
    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text('docs-url = "https://intranet.example.org/orderlint/rules/"\n')
    doc = _sarif("--config", str(cfg))
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://intranet.example.org/orderlint/rules"
    for desc in driver["rules"]:
        assert desc["helpUri"] == f"https://intranet.example.org/orderlint/rules#{desc['id'].lower()}"
        assert desc["helpUri"] in desc["help"]["text"] and desc["helpUri"] in desc["help"]["markdown"]
    _validate(doc)


# ----------------------------------------------------------------------------- shell completion


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef orderlint"),
                                           ("fish", "complete --no-files --command orderlint")])
def test_completion_prints_the_shells_script(shell, marker):
    r = run_orderlint("completion", shell)
    assert r.returncode == 0 and marker in r.stdout.decode() and "_ORDERLINT_COMPLETE" in r.stdout.decode()


def test_completion_of_an_unknown_shell_is_a_usage_error():
    r = run_orderlint("completion", "tcsh")
    assert r.returncode == 2 and b"tcsh" in r.stderr


def _complete(words: str, shell: str = "bash") -> list[str]:
    """Ask the installed command for completions as the shell script does (click's protocol)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"_ORDERLINT_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    r = run_orderlint(env=env)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().splitlines()


@pytest.mark.slow
def test_explain_completes_rule_codes_and_names():
    from orderlint.engine import Linter

    linter = Linter()
    got = _complete("orderlint explain ILD2")
    assert [x.split(",", 1)[1] for x in got] == [r.code for r in linter.rules if r.code.startswith("ILD2")]
    assert all(x.startswith("plain,") for x in got)
    assert [x.split(",", 1)[1] for x in _complete("orderlint explain glucocorticoid-h")] == ["glucocorticoid-high-dose"]
    assert "ol001" not in [x.split(",", 1)[1].lower() for x in _complete("orderlint explain IL")]
    everything = [x.split(",", 1)[1] for x in _complete("orderlint explain ")]
    assert [r.code for r in linter.rules] == everything[: len(linter.rules)] and "value-sets" in everything


@pytest.mark.slow
def test_check_options_and_subcommands_complete():
    assert "plain,--force-exclude" in _complete("orderlint check --force")
    assert "plain,completion" in _complete("orderlint comp")
    zsh = run_orderlint(env={"_ORDERLINT_COMPLETE": "zsh_complete", "COMP_WORDS": "orderlint explain ILD30",
                             "COMP_CWORD": "2"}).stdout.decode()
    assert "ILD301" in zsh and "ILD302" in zsh


@pytest.mark.parametrize("name", ["ILD301-fires.json", "ILD301-fires.yaml"])
def test_an_output_file_that_holds_orders_is_refused_and_left_as_it_is(tmp_path, name):
    # Left out of the walk as the report file, the regimen went unchecked and the report replaced
    # it: exit 0, its ILD301 gone with the file.
    import shutil

    from conftest import EXAMPLES, run_cli

    src = EXAMPLES / "regimens" / "ILD301-fires.json"
    folder = tmp_path / "orders"
    folder.mkdir()
    target = folder / name
    if name.endswith(".yaml"):
        import json

        import yaml

        target.write_text(yaml.safe_dump(json.loads(src.read_text())))
    else:
        shutil.copy(src, target)
    before = target.read_bytes()
    r = run_cli("check", str(folder), "--output", str(target))
    assert r.exit_code == 2 and "holds medication orders" in r.stderr
    assert target.read_bytes() == before
    r = run_cli("check", str(folder), "--write-baseline", str(target))
    assert r.exit_code == 2 and target.read_bytes() == before


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "sarif", "junit", "github", "fhir"])
def test_a_report_file_of_any_format_is_written_again(tmp_path, fmt):
    from conftest import EXAMPLES, run_cli

    report = tmp_path / f"report.{fmt}"
    for source in (EXAMPLES / "regimens" / "ILD301-fires.json", EXAMPLES / "fhir" / "ILD301-fires.bundle.json"):
        for _ in range(2):
            r = run_cli("check", str(source), "--format", fmt, "--output", str(report))
            assert r.exit_code == 1, (fmt, r.stderr)


def _walked_folder_with(tmp_path, name: str, text: str):
    from conftest import EXAMPLES

    folder = tmp_path / "orders"
    folder.mkdir()
    (folder / "clean.json").write_bytes((EXAMPLES / "regimens" / "ILD101-clean.json").read_bytes())
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return folder, target


def _flow_yaml() -> str:
    return ('{id: flow-1, kind: patient, as_of: "2026-03-02", indication: {condition: ssc-ild}, patient: {sex: male, '
            'age_years: 55, weight_kg: 78, height_cm: 175}, orders: [{id: cyc, drug: cyclophosphamide, dose: 600, '
            'unit: mg/m2, route: iv, frequency: q4w, doses: 6}]}\n')


def _escaped_key() -> str:
    from conftest import EXAMPLES

    return (EXAMPLES / "regimens" / "ILD301-fires.json").read_text().replace('"orders"', '"\\u006frders"')


def _late_bundle() -> str:
    import json

    from conftest import EXAMPLES

    bundle = json.loads((EXAMPLES / "fhir" / "ILD301-fires.bundle.json").read_text())
    patient = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    rest = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    patient[0]["resource"]["text"] = {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">"
                                      + "x" * 300_000 + "</div>"}
    bundle["entry"] = patient + rest
    return json.dumps(bundle, indent=1)


@pytest.mark.parametrize("name,make", [("flow.yaml", _flow_yaml), ("escaped.json", _escaped_key),
                                       ("late.bundle.json", _late_bundle)])
@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_regimen_the_walk_reads_is_never_the_report_file(tmp_path, name, make, option):
    # Each of these holds orders the first 256 KB do not show as `"orders":` (YAML flow style, a key
    # written with a JSON escape, a Bundle whose MedicationRequest follows a long narrative): the
    # walk left it out as the report file, and the report replaced it, its ILD301 gone, exit 0.
    from conftest import run_cli

    folder, target = _walked_folder_with(tmp_path, name, make())
    assert run_cli("check", str(folder)).exit_code == 1  # the document itself fires
    before = target.read_bytes()
    r = run_cli("check", str(folder), option, str(target))
    # The Bundle's MedicationRequest (read to the file's end) and the flow-style `orders:` are seen as
    # orders; the escaped key is refused as a file the run reads.
    said = "one of the files this run reads" if name == "escaped.json" else "holds medication orders"
    assert r.exit_code == 2 and said in r.stderr, r.stderr
    assert target.read_bytes() == before
    # Named on the command line, it was linted and then replaced by the report.
    r = run_cli("check", str(target), option, str(target))
    assert r.exit_code == 2 and target.read_bytes() == before


@pytest.mark.parametrize("fmt,name", [("json", "report.json"), ("jsonl", "report.jsonl"), ("sarif", "report.json"),
                                      ("fhir", "report.json"), ("text", "report.txt")])
def test_a_report_in_the_walked_folder_is_written_again_and_not_read(tmp_path, fmt, name):
    from conftest import run_cli

    folder, target = _walked_folder_with(tmp_path, "cyc.yaml", _flow_yaml())
    report = folder / name
    outs = []
    for _ in range(2):
        r = run_cli("check", str(folder), "--format", fmt, "--output", str(report))
        assert r.exit_code == 1, r.stderr
        outs.append(report.read_bytes())
    assert "2 documents" in r.stderr  # the report itself is never a document of the run
    if fmt != "sarif":  # SARIF carries the run's time
        assert outs[0] == outs[1]


def test_a_baseline_in_the_walked_folder_is_written_again(tmp_path):
    from conftest import run_cli

    folder, _ = _walked_folder_with(tmp_path, "cyc.yaml", _flow_yaml())
    base = folder / "base.json"
    for _ in range(2):
        r = run_cli("check", str(folder), "--write-baseline", str(base))
        assert r.exit_code == 0 and "orderlint-baseline" in base.read_text(), r.stderr
    assert run_cli("check", str(folder), "--baseline", str(base)).exit_code == 0


def test_another_program_s_file_outside_the_inputs_may_be_the_report(tmp_path):
    from conftest import EXAMPLES, run_cli

    other = tmp_path / "other.json"
    other.write_text('{"x": 1}\n')
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD301-fires.json"), "--output", str(other))
    assert r.exit_code == 1 and "ILD301" in other.read_text()
    # The same file inside a walked folder is read by the run: refused.
    inside = tmp_path / "orders"
    inside.mkdir()
    (inside / "other.json").write_text('{"x": 1}\n')
    r = run_cli("check", str(inside), "--output", str(inside / "other.json"))
    assert r.exit_code == 2 and (inside / "other.json").read_text() == '{"x": 1}\n'


def _big_report(tmp_path, fmt: str, copies: int) -> bytes:
    """A report of ``fmt`` over ``copies`` documents, as the command line writes it."""
    from conftest import EXAMPLES, run_cli

    one = (EXAMPLES / "regimens" / "ILD301-fires.json").read_text()
    stream = tmp_path / "many.jsonl"
    stream.write_text("".join(one.replace("\n", " ") + "\n" for _ in range(copies)))
    out = tmp_path / f"big.{fmt}"
    assert run_cli("check", str(stream), "--format", fmt, "--output", str(out)).exit_code == 1
    stream.unlink()
    return out.read_bytes()


@pytest.mark.parametrize("fmt", ["jsonl", "fhir"])
def test_a_report_above_the_whole_read_size_is_recognised_a_line_at_a_time(tmp_path, fmt):
    # Read whole, the last run's report (tens of MB) raised the next run's memory before its first
    # document; it is now read one line at a time, however long.
    import tracemalloc

    from orderlint import cli

    text = _big_report(tmp_path, fmt, 600)
    big = tmp_path / f"report.{fmt}"
    big.write_bytes(text * (cli._OWN_OUTPUT_READ // len(text) + 1) if fmt == "jsonl" else text)
    tracemalloc.start()
    try:
        assert cli._own_output(str(big))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024, peak
    # A line that is no result, anywhere in it, and the file is not orderlint's.
    lines = text.splitlines(keepends=True)
    for at in (1, len(lines) // 2, len(lines) - 2):
        bad = lines[:]
        bad[at] = b'{"id":"r","orders":[]}' + (b",\n" if fmt == "fhir" else b"\n")
        big.write_bytes(b"".join(bad))
        assert not cli._own_output(str(big)), at
    # Cut short (a run interrupted): not a report orderlint finished.
    if fmt == "fhir":
        big.write_bytes(b"".join(lines[:-1]))
        assert not cli._own_output(str(big))


def test_a_big_report_in_the_walked_folder_is_written_again_and_a_regimen_line_is_refused(tmp_path):
    from conftest import run_cli

    folder, _ = _walked_folder_with(tmp_path, "cyc.yaml", _flow_yaml())
    report = folder / "report.jsonl"
    report.write_bytes(_big_report(tmp_path, "jsonl", 50))
    r = run_cli("check", str(folder), "--format", "jsonl", "--output", str(report))
    assert r.exit_code == 1 and "2 documents" in r.stderr, r.stderr
    text = report.read_bytes()
    report.write_bytes(text + _flow_yaml().encode())
    r = run_cli("check", str(folder), "--format", "jsonl", "--output", str(report))
    assert r.exit_code == 2 and "holds medication orders" in r.stderr, r.stderr


def test_a_folder_the_walk_cannot_list_is_an_unreadable_input(tmp_path, monkeypatch):
    # interfaces.md, Exit codes: 2 for an unreadable path, never a silent pass.
    # os.walk left out a folder it could not list (no permission): a protocol inside it went
    # unchecked, and the run passed with "1 document, 1 checked".
    import os

    from conftest import EXAMPLES, run_cli

    top = tmp_path / "orders"
    locked = top / "locked"
    locked.mkdir(parents=True)
    (top / "ok.json").write_bytes((EXAMPLES / "regimens" / "ILD101-clean.json").read_bytes())
    (locked / "cyc.json").write_bytes((EXAMPLES / "regimens" / "ILD301-fires.json").read_bytes())
    assert run_cli("check", str(top)).exit_code == 1
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for jobs in ("1", "2"):
        r = run_cli("check", str(top), "--jobs", jobs)
        assert r.exit_code == 2, r.stderr
        assert f"cannot read {locked}: a folder that cannot be listed: permission denied" in r.stderr
    # The named folder itself.
    r = run_cli("check", str(locked))
    assert r.exit_code == 2 and "a folder that cannot be listed" in r.stderr


def test_a_broken_link_in_a_walked_folder_is_said_whatever_its_name(tmp_path):
    # interfaces.md, Exit codes: 2 for an unreadable path.
    # A link to a folder of protocols that is gone is listed by os.walk as a file, which no file
    # pattern takes: the run passed over it without a word.
    import os

    from conftest import EXAMPLES, run_cli

    top = tmp_path / "orders"
    top.mkdir()
    (top / "ok.json").write_bytes((EXAMPLES / "regimens" / "ILD101-clean.json").read_bytes())
    os.symlink(tmp_path / "gone", top / "shared")
    r = run_cli("check", str(top))
    assert r.exit_code == 2 and f"cannot read {top / 'shared'}: a broken symbolic link" in r.stderr, r.stderr
    # A hidden one, or one the site excludes, is not read and not said.
    os.rename(top / "shared", top / ".shared")
    assert run_cli("check", str(top)).exit_code == 0


@pytest.mark.parametrize("stdin", ["", "\n  \n"])
def test_an_empty_json_lines_stream_on_standard_input_is_ol001_beside_other_inputs(stdin):
    # interfaces.md, Exit codes: 1 for findings, an invalid document being one (OL001).
    # As an empty .jsonl file is: beside another file it added nothing, and the run passed.
    from conftest import EXAMPLES, run_cli

    r = run_cli("check", "--jsonl", "-", str(EXAMPLES / "regimens" / "ILD101-clean.json"), input=stdin)
    assert r.exit_code == 1 and "standard input holds no document" in r.stdout, r.stdout + r.stderr
    r = run_cli("check", "--jsonl", input=stdin)
    assert r.exit_code == 1 and "standard input holds no document" in r.stdout


@pytest.mark.parametrize("option", ["--output", "--baseline", "--write-baseline"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_file_name_is_a_usage_error(option, value):
    # interfaces.md, Exit codes: 2 for a usage error.
    # A CI variable that is not set: the report went to standard output, or the baseline was not
    # used or not written, without a word (--config "" was already an error).
    from conftest import EXAMPLES, run_cli

    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD101-clean.json"), option, value)
    assert r.exit_code == 2 and f"{option} is empty" in r.stderr, r.stderr


def test_a_file_that_holds_orders_anywhere_is_never_replaced_as_a_report(tmp_path):
    # Recognised as orderlint's own report first, a regimen whose last line read like a text
    # summary, a finished FHIR report with a regimen after it, and a JSON Lines report with a regimen
    # line past its first 256 KB were replaced (exit 0) and their orders went unchecked.
    from conftest import EXAMPLES, run_cli

    source = EXAMPLES / "regimens" / "ILD101-clean.json"
    regimen_line = (EXAMPLES / "regimens" / "ILD301-fires.json").read_text().replace("\n", " ") + "\n"
    yaml_text = _flow_yaml() + "# 12 documents: reviewed by pharmacy\n"
    fhir_report = _big_report(tmp_path, "fhir", 3).decode()
    jsonl_report = _big_report(tmp_path, "jsonl", 1).decode()
    cases = {
        "reg.yaml": yaml_text,
        "trail.json": fhir_report + " " * 5000 + "\n" + regimen_line,
        "late.jsonl": jsonl_report * (300_000 // len(jsonl_report) + 1) + regimen_line,
    }
    for name, text in cases.items():
        target = tmp_path / name
        target.write_text(text)
        r = run_cli("check", str(source), "--output", str(target))
        assert r.exit_code == 2 and "holds medication orders" in r.stderr, (name, r.stderr)
        assert target.read_text() == text
