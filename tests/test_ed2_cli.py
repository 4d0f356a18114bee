"""Command line, second edition (issue 10 items 5, 10, 14; interfaces.md 2nd ed.): output faults,
unencodable text, Ctrl-C with --jobs, forged report lines, plugins that print, --jobs bound, the
report file kept out of the walk, `lookup`, and summaries that quote the effective options."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import EXAMPLES, minimal, run_cli, run_orderlint, write_doc

ERROR_DOC = EXAMPLES / "regimens" / "ILD301-fires.json"  # one error (ILD301)
CLEAN_DOC = EXAMPLES / "regimens" / "ILD301-clean.json"
WAIVED_DOC = EXAMPLES / "regimens" / "ILD102-waived.json"
FORMATS = ["text", "json", "jsonl", "sarif", "junit", "github", "fhir"]
TEXT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d{3}) \[(error|warning|info)\] .+$")
GITHUB_LINE = re.compile(r"^::(error|warning|notice)(?: [a-zA-Z]+=[^,:\r\n]*(?:,[a-zA-Z]+=[^,:\r\n]*)*)?::[^\r\n]*$")
ENOSPC = "No space left on device"


def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("orderlint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "orderlint"]


def _run(args: list[str], *, stdout=None, stdin=None, env: dict | None = None, preexec=None, timeout=120):
    full_env = dict(os.environ, ORDERLINT_NO_CONFIG="1")
    full_env.update(env or {})
    return subprocess.run(_cmd() + args, stdout=stdout if stdout is not None else subprocess.PIPE,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=full_env, preexec_fn=preexec, timeout=timeout)


def _one_error_line(stderr: bytes) -> str:
    err = stderr.decode("utf-8", "replace")
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------------------- output faults


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_full_stdout_is_one_line_and_exit_2_never_120(fmt, unbuffered):
    env = {"PYTHONUNBUFFERED": unbuffered}  # "" is unset: block-buffered, the failure comes at the last flush
    with open("/dev/full", "w") as full:
        r = _run(["check", str(ERROR_DOC), "--format", fmt], stdout=full, env=env)
    assert r.returncode == 2
    assert _one_error_line(r.stderr) == f"orderlint: error: cannot write the report to standard output: {ENOSPC}"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["rules"], ["explain", "ILD301"], ["schema"],
                                  ["check", "--help"], ["lookup", "cellcept"]], ids=" ".join)
def test_every_command_reports_a_full_stdout_in_one_line(args):
    with open("/dev/full", "w") as full:
        r = _run(args, stdout=full)
    assert r.returncode == 2
    line = _one_error_line(r.stderr)
    assert line.startswith("orderlint: error: cannot write") and line.endswith(ENOSPC) and "internal error" not in line


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_output_file_names_the_file():
    r = _run(["check", str(ERROR_DOC), "--format", "json", "--output", "/dev/full"])
    assert r.returncode == 2 and r.stdout == b""
    assert _one_error_line(r.stderr) == f"orderlint: error: cannot write /dev/full: {ENOSPC}"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--format", "json"], ["--format", "json", "--exit-zero"], ["missing.json"]],
                         ids=" ".join)
def test_a_full_stderr_is_exit_2_never_the_1_of_findings(args, tmp_path):
    # The summary line (or the error) could not be written to standard error; the interpreter's
    # last attempt then made a clean run, and a run on a missing file, exit 1: "findings".
    paths = [str(tmp_path / "missing.json")] if args == ["missing.json"] else [str(CLEAN_DOC)]
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "orderlint", "check", *paths, *[a for a in args if a != "missing.json"]],
                           stdout=subprocess.DEVNULL, stderr=full, env={**os.environ, "ORDERLINT_NO_CONFIG": "1"})
    assert r.returncode == 2


@pytest.mark.slow
def test_a_closed_pipe_is_reported_not_an_internal_error():
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read the report
    try:
        r = _run(["check", str(ERROR_DOC), "--format", "jsonl"], stdout=write_end)
    finally:
        os.close(write_end)
    assert r.returncode == 2
    assert _one_error_line(r.stderr) == "orderlint: error: cannot write the report to standard output: Broken pipe"


def test_a_closed_stdout_is_reported_not_an_internal_error():
    r = _run(["check", str(ERROR_DOC)], stdout=subprocess.DEVNULL, preexec=lambda: os.close(1))
    assert r.returncode == 2
    line = _one_error_line(r.stderr)
    assert line.startswith("orderlint: error: cannot write the report to standard output: ") and "closed" in line


@pytest.mark.slow
def test_a_closed_stdin_is_reported_not_an_internal_error():
    r = _run(["check", "-", "--jsonl"], preexec=lambda: os.close(0))
    err = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in err and "internal error" not in err
    assert "orderlint: error: cannot read standard input: " in err and "closed" in err


def test_output_is_atomic_an_interrupted_run_leaves_the_old_report(tmp_path, monkeypatch):
    from orderlint.formatters.jsonout import JsonFormatter

    report = tmp_path / "report.json"
    report.write_text("previous report\n")

    def interrupted(self, summary):
        self.out.write('{"half": ')
        raise KeyboardInterrupt

    monkeypatch.setattr(JsonFormatter, "finish", interrupted)
    r = run_cli("check", str(ERROR_DOC), "--format", "json", "--output", str(report))
    assert r.exit_code == 2 and "interrupted" in r.stderr
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"], "no temporary file is left behind"
    monkeypatch.undo()
    r = run_cli("check", str(ERROR_DOC), "--format", "json", "--output", str(report))
    assert r.exit_code == 1 and json.loads(report.read_text())["summary"]["documents"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


# ----------------------------------------------------------------------------- unencodable text


def _check_all_formats(paths: list[str], expect_sources: list[str], cwd: Path) -> None:
    """Every format reports every document, with exit 1 (findings), and parses."""
    for fmt in FORMATS:
        r = run_orderlint("check", *paths, "--format", fmt, cwd=cwd)
        err = r.stderr.decode("utf-8", "replace")
        assert r.returncode == 1, (fmt, err)
        assert "internal error" not in err and "Traceback" not in err
        out = r.stdout.decode("utf-8")  # always valid UTF-8: unencodable characters are escaped
        if fmt == "json":
            assert [x["source"] for x in json.loads(out)["results"]] == expect_sources
        elif fmt == "jsonl":
            assert [json.loads(line)["source"] for line in out.splitlines()] == expect_sources
        elif fmt == "sarif":
            results = json.loads(out)["runs"][0]["results"]
            assert len(results) == len(expect_sources)
        elif fmt == "junit":
            assert len(ET.fromstring(out.encode()).findall("testsuite")) == len(expect_sources)
        elif fmt == "fhir":
            bundle = json.loads(out)
            assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) == len(expect_sources)
        elif fmt == "github":
            lines = out.splitlines()
            assert len(lines) == len(expect_sources) and all(GITHUB_LINE.match(x) for x in lines), lines
        else:
            lines = out.splitlines()
            assert len(lines) == len(expect_sources) + 1 and all(TEXT_LINE.match(x) for x in lines[:-1]), lines


@pytest.mark.slow
def test_lone_surrogate_in_an_id_is_reported_and_the_run_goes_on(tmp_path):
    doc = json.loads(ERROR_DOC.read_text())
    (tmp_path / "a-surrogate.json").write_text(json.dumps(dict(doc, id="\ud800")))  # JSON text "\ud800"
    (tmp_path / "b-fine.json").write_text(json.dumps(doc))
    _check_all_formats(["a-surrogate.json", "b-fine.json"], ["a-surrogate.json", "b-fine.json"], tmp_path)
    r = run_orderlint("check", "a-surrogate.json", "--format", "jsonl", cwd=tmp_path)
    assert json.loads(r.stdout)["id"] == "\ud800", "the id survives, escaped in the JSON text"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes")
def test_file_name_that_is_not_utf8_is_reported_and_the_run_goes_on(tmp_path):
    bad = os.fsdecode(b"bad\xff.json")
    try:
        (tmp_path / bad).write_bytes(ERROR_DOC.read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("file system refuses non-UTF-8 names")
    (tmp_path / "good.json").write_bytes(ERROR_DOC.read_bytes())
    _check_all_formats(["."], [f"./{bad}", "./good.json"], tmp_path)
    sarif = json.loads(run_orderlint("check", ".", "--format", "sarif", cwd=tmp_path).stdout)
    uris = [x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in sarif["runs"][0]["results"]]
    assert uris == ["bad%FF.json", "good.json"]
    text = run_orderlint("check", ".", cwd=tmp_path).stdout.decode()
    assert "./bad\\udcff.json:" in text


# ----------------------------------------------------------------------------- forged lines


FORGING_NAMES = ["a\n::error file=forged.json,line=1::forged.json",
                 "b::error file=x::y.json",
                 "c\nforged.json:1:1: ILD999 [error] forged.json"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="newlines in file names")
def test_file_names_cannot_forge_report_lines(tmp_path):
    for name in FORGING_NAMES:
        (tmp_path / name).write_bytes(ERROR_DOC.read_bytes())
    text = run_orderlint("check", ".", cwd=tmp_path).stdout.decode().splitlines()
    assert len(text) == len(FORGING_NAMES) + 1
    assert all(TEXT_LINE.match(line) and "ILD301" in line for line in text[:-1]), text
    gh = run_orderlint("check", ".", "--format", "github", cwd=tmp_path).stdout.decode().splitlines()
    assert len(gh) == len(FORGING_NAMES) and all(GITHUB_LINE.match(line) and "title=ILD301::" in line for line in gh)
    files = []
    for line in gh:  # each annotation names exactly one of the real files
        props = dict(kv.split("=", 1) for kv in line[2:].split("::")[0].split(" ", 1)[1].split(","))
        value = props["file"]
        for a, b in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            value = value.replace(a, b)
        files.append(value)
    assert sorted(files) == sorted(FORGING_NAMES)


@pytest.mark.slow
def test_newlines_and_bidi_controls_in_file_names_on_stderr_are_escaped():
    r = run_orderlint("check", "missing\nfile\u202e\u2066.json")
    assert r.returncode == 2
    line = _one_error_line(r.stderr)
    assert "missing\\x0afile\\u202e\\u2066.json" in line


def test_bidi_controls_in_waiver_text_are_escaped_in_reports(tmp_path):
    doc = json.loads(WAIVED_DOC.read_text())
    doc["waivers"][0]["reason"] = "agreed at MDT \u202eevil\u202c and \u2067isolate\u2069 " + doc["waivers"][0]["reason"]
    doc["waivers"][0]["approved_by"] = "Dr. \u202dX"
    p = write_doc(tmp_path, doc)
    for fmt in ("text", "github", "junit", "sarif"):
        r = run_cli("check", str(p), "--format", fmt)
        assert r.exit_code == 0, r.stderr
        out = r.stdout
        assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), fmt
        assert "\\u202e" in out and "\\u2067" in out and "\\u202d" in out, fmt


# ----------------------------------------------------------------------------- Ctrl-C with --jobs


@pytest.fixture(scope="module")
def big_stream(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sigint") / "big.jsonl"
    line = json.dumps(json.loads(ERROR_DOC.read_text())) + "\n"
    p.write_text(line * 150_000)
    return p


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
def test_ctrl_c_during_jobs_2_ends_promptly_with_one_line_every_time(big_stream):
    env = dict(os.environ, ORDERLINT_NO_CONFIG="1", PYTHONFAULTHANDLER="1")
    for i in range(10):
        delay = 0.3 + 0.2 * i  # from start-up, through forking, into the steady stream
        p = subprocess.Popen(_cmd() + ["check", str(big_stream), "--format", ["jsonl", "text", "json"][i % 3],
                                       "--jobs", "2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True,
                             # As a terminal's foreground job: Ctrl-C not ignored (a shell's background
                             # job, such as a CI step run with &, starts with SIGINT ignored).
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(delay)
        sent = time.monotonic()
        os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        try:
            _, err = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            ps = subprocess.run(["ps", "-o", "pid,stat,wchan:24,args", "-g", str(p.pid)], capture_output=True, text=True).stdout
            os.killpg(p.pid, signal.SIGABRT)  # with PYTHONFAULTHANDLER: every process prints where it hangs
            time.sleep(1)
            os.killpg(p.pid, signal.SIGKILL)
            _, err = p.communicate()
            pytest.fail(f"run {i} (Ctrl-C after {delay:.1f}s) hung\n{ps}\n{err.decode(errors='replace')[-6000:]}")
        elapsed = time.monotonic() - sent
        assert p.returncode == 2, (i, delay, err)
        assert _one_error_line(err) == "orderlint: error: interrupted", (i, delay)
        assert elapsed < 5, (i, delay, elapsed)
        with pytest.raises(ProcessLookupError):  # no worker is left running
            for _ in range(50):
                os.killpg(p.pid, 0)
                time.sleep(0.1)


# ----------------------------------------------------------------------------- plugins that print

NOISY_SOURCE = """
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule


def check(reg, opts):
    print("NOISE from a check", flush=True)
    return iter(())


@hookimpl
def orderlint_rules():
    print("NOISE while loading")
    return [rule(code="XTR001", name="noisy-rule", severity="warning", summary="s", source=Source("c", "g"),
                 rationale="r", conditions=["ssc-ild"])(check)]
"""


def _noisy_plugin_env(tmp_path: Path) -> dict:
    site = tmp_path / "site-noisy"
    dist = site / "noisy-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: noisy\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[orderlint]\nnoisy = noisy_mod\n")
    (site / "noisy_mod.py").write_text(textwrap.dedent(NOISY_SOURCE))
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


def _assert_clean_report(fmt: str, out: str, n_docs: int) -> None:
    assert "NOISE" not in out
    if fmt == "jsonl":
        assert len([json.loads(line) for line in out.splitlines()]) == n_docs
    else:
        data = json.loads(out)
        if fmt == "json":
            assert len(data["results"]) == n_docs
        else:
            assert data["version"] == "2.1.0"


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["json", "sarif", "jsonl"])
def test_a_plugin_that_prints_does_not_corrupt_the_report_subprocess(tmp_path, fmt, jobs):
    env = _noisy_plugin_env(tmp_path)
    docs = [str(write_doc(tmp_path, minimal(id=f"d{i}"), f"d{i}.json")) for i in range(3)]
    r = run_orderlint("check", *docs, "--format", fmt, "--jobs", jobs, env=env)
    assert r.returncode == 0, r.stderr
    _assert_clean_report(fmt, r.stdout.decode(), 3)
    assert "NOISE from a check" in r.stderr.decode() and "NOISE while loading" in r.stderr.decode()


@pytest.mark.parametrize("fmt", ["json", "sarif", "jsonl"])
def test_a_plugin_that_prints_does_not_corrupt_the_report_in_process(tmp_path, monkeypatch, fmt):
    import importlib.util

    from orderlint.engine import Linter

    spec = importlib.util.spec_from_loader("noisy_inproc", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(textwrap.dedent(NOISY_SOURCE), module.__dict__)
    original = Linter.__init__

    def with_plugin(self, settings=None, **kw):
        kw.setdefault("plugins", [module])
        original(self, settings, **kw)

    monkeypatch.setattr(Linter, "__init__", with_plugin)
    p = write_doc(tmp_path, minimal())
    r = run_cli("check", str(p), "--format", fmt)
    assert r.exit_code == 0, r.stderr
    _assert_clean_report(fmt, r.stdout, 1)
    assert "NOISE from a check" in r.stderr
    assert sys.stdout is not sys.stderr, "standard output is restored after the run"


# ----------------------------------------------------------------------------- item 14


@pytest.mark.parametrize("value", ["30000", "65", "100000000000000000000"])
def test_jobs_has_an_upper_bound(value):
    r = run_orderlint("check", str(CLEAN_DOC), "--jobs", value)
    assert r.returncode == 2 and r.stdout == b""
    assert "--jobs must be at most" in _one_error_line(r.stderr)


def test_jobs_auto_stays_within_the_bound():
    from orderlint.parallel import max_jobs, resolve_jobs

    assert 1 <= resolve_jobs("auto") <= max_jobs() <= 64
    assert resolve_jobs(str(max_jobs())) == max_jobs()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "jsonl", "text"])
def test_the_report_file_is_not_linted_in_a_folder_walk(tmp_path, fmt):
    (tmp_path / "a.json").write_bytes(ERROR_DOC.read_bytes())
    report = tmp_path / f"report.{'jsonl' if fmt == 'jsonl' else 'json'}"
    for _ in range(2):  # the second run finds the first run's report in the folder
        r = run_orderlint("check", str(tmp_path), "--format", fmt, "--output", str(report))
        assert r.returncode == 1, r.stderr
        assert r.stderr.decode().splitlines()[-1].startswith("1 document, 1 checked")
    if fmt == "json":
        assert [Path(x["source"]).name for x in json.loads(report.read_text())["results"]] == ["a.json"]
    elif fmt == "jsonl":
        assert [Path(json.loads(x)["source"]).name for x in report.read_text().splitlines()] == ["a.json"]
    else:
        assert report.read_text().splitlines()[-1].startswith("1 document, 1 checked")


@pytest.mark.slow
def test_a_run_that_executes_no_rule_does_not_claim_documents_were_checked():
    r = run_orderlint("check", str(ERROR_DOC), "--select", "OL001")
    assert r.returncode == 2 and b"checked" not in r.stdout
    assert "no rule" in _one_error_line(r.stderr)


# ----------------------------------------------------------------------------- lookup


def test_lookup_shows_how_a_name_normalizes():
    r = run_cli("lookup", "CellCept", "--format", "json")
    assert r.exit_code == 0, r.stderr
    (entry,) = json.loads(r.stdout)["lookup"]
    assert entry["matches"][0]["kind"] == "drug" and entry["matches"][0]["ingredient"] == "mycophenolate mofetil"
    text = run_cli("lookup", "CellCept")
    assert text.exit_code == 0 and "mycophenolate mofetil" in text.stdout


def test_lookup_of_an_unknown_name_exits_1():
    r = run_cli("lookup", "cellcept", "zzqx-not-a-thing")
    assert r.exit_code == 1 and "zzqx-not-a-thing: not a known" in r.stdout


def test_lookup_fails_closed_when_the_module_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "orderlint.lookup", None)  # import raises ImportError
    r = run_cli("lookup", "cellcept")
    assert r.exit_code == 2 and r.stdout == "" and "lookup is not available" in r.stderr


# ----------------------------------------------------------------------------- effective options


def test_summaries_quote_the_effective_option_values(tmp_path):
    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text("[rules.ILD503]\nmax-course-days = 365\n")
    rules_text = run_cli("rules", "--config", str(cfg)).stdout
    (line,) = [x for x in rules_text.splitlines() if x.startswith("ILD503")]
    assert "365 days" in line and "180 days" not in line
    rows = {x["code"]: x for x in json.loads(run_cli("rules", "--format", "json", "--config", str(cfg)).stdout)}
    assert "365 days" in rows["ILD503"]["summary"]
    explained = run_cli("explain", "ILD503", "--config", str(cfg)).stdout
    assert "365" in explained and "over 180 days" not in explained
    sarif = json.loads(run_cli("check", str(CLEAN_DOC), "--format", "sarif", "--config", str(cfg)).stdout)
    (desc,) = [x for x in sarif["runs"][0]["tool"]["driver"]["rules"] if x["id"] == "ILD503"]
    assert "365 days" in desc["shortDescription"]["text"] and "365 days" in desc["fullDescription"]["text"]
    assert "course over 365 days" in desc["help"]["text"] and "course over 180 days" not in desc["help"]["text"]
    default = json.loads(run_cli("check", str(CLEAN_DOC), "--format", "sarif").stdout)
    (desc,) = [x for x in default["runs"][0]["tool"]["driver"]["rules"] if x["id"] == "ILD503"]
    assert "180 days" in desc["shortDescription"]["text"]


# ----------------------------------------------------------------------------- long runs


@pytest.mark.slow
@pytest.mark.parametrize("fmt, args", [("json", []), ("jsonl", []), ("sarif", []), ("junit", []), ("github", []),
                                       ("fhir", []), ("text", ["--output", "REPORT"])])
def test_summary_line_goes_to_stderr_for_reports_people_do_not_read(tmp_path, fmt, args):
    args = [str(tmp_path / "report") if a == "REPORT" else a for a in args]
    r = run_orderlint("check", str(ERROR_DOC), str(CLEAN_DOC), "--format", fmt, *args)
    assert r.returncode == 1
    assert r.stderr.decode().splitlines() == ["2 documents, 2 checked: 1 error, 0 warnings, 0 info."]
    quiet = run_orderlint("check", str(ERROR_DOC), str(CLEAN_DOC), "--format", fmt, *args, "--quiet")
    assert quiet.returncode == 1 and quiet.stderr == b"" and quiet.stdout == r.stdout


@pytest.mark.slow
def test_text_report_on_stdout_keeps_its_summary_there_only():
    r = run_orderlint("check", str(ERROR_DOC))
    assert r.stderr == b"" and r.stdout.decode().splitlines()[-1] == "1 document, 1 checked: 1 error, 0 warnings, 0 info."


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", ["jsonl", "sarif", "junit", "github", "fhir"])
def test_statistics_work_with_every_format(fmt, jobs):
    r = run_orderlint("check", str(EXAMPLES / "regimens"), "--format", fmt, "--statistics", "--jobs", jobs, "--quiet")
    err = r.stderr.decode().splitlines()
    rows = [re.match(r"^\s*(\d+)\s+([A-Z]+\d{3})\s+([a-z0-9-]+)$", line) for line in err]
    assert err and all(rows), err
    js = json.loads(run_orderlint("check", str(EXAMPLES / "regimens"), "--format", "json", "--statistics").stdout)
    assert [(int(m.group(1)), m.group(2)) for m in rows] == [(x["count"], x["code"]) for x in js["statistics"]]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminal")
def test_progress_on_a_terminal_for_a_long_run_and_never_in_the_report(big_stream, tmp_path):
    import select

    master, slave = os.openpty()
    report = tmp_path / "report.jsonl"
    try:
        with open(report, "wb") as out:
            p = subprocess.Popen(_cmd() + ["check", str(big_stream), "--format", "jsonl"], stdout=out,
                                 stderr=slave, env=dict(os.environ, ORDERLINT_NO_CONFIG="1"))
        os.close(slave)
        seen = b""
        deadline = time.monotonic() + 60
        while b"findings so far" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        p.kill()
        p.wait()
    finally:
        os.close(master)
    assert b"documents, " in seen and b"/s, " in seen and b"findings so far" in seen
    head = report.read_bytes()[:100_000]
    assert b"findings so far" not in head and head.startswith(b'{"source"')


# ----------------------------------------------------------------------------- standard input, locations


@pytest.mark.slow
def test_jsonl_with_no_path_reads_standard_input(tmp_path):
    lines = "".join(json.dumps(minimal(id=f"d{i}")) + "\n" for i in range(3)).encode()
    (tmp_path / "decoy.json").write_bytes(ERROR_DOC.read_bytes())  # the folder must not be linted instead
    r = run_orderlint("check", "--jsonl", "--format", "jsonl", input=lines, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [json.loads(x)["source"] for x in r.stdout.decode().splitlines()] == ["<stdin>:1", "<stdin>:2", "<stdin>:3"]


@pytest.mark.slow
def test_stdin_with_several_json_values_suggests_jsonl():
    lines = (json.dumps(minimal(id="a")) + "\n" + json.dumps(minimal(id="b")) + "\n").encode()
    r = run_orderlint("check", "-", input=lines)
    assert r.returncode == 1
    assert "more than one JSON value" in r.stdout.decode() and "--jsonl" in r.stdout.decode()
    single = run_orderlint("check", "-", input=b'{"id": 1,\n  "broken"\n')
    assert "--jsonl" not in single.stdout.decode(), "a single broken document gets no JSON Lines hint"


@pytest.mark.slow
def test_json_lines_findings_are_path_line_col_without_a_second_line_number(tmp_path):
    doc = json.loads(ERROR_DOC.read_text())
    p = tmp_path / "stream.jsonl"
    p.write_text(json.dumps(minimal()) + "\n" + json.dumps(doc) + "\n")
    (line, summary) = run_orderlint("check", str(p)).stdout.decode().splitlines()
    m = TEXT_LINE.match(line)
    assert m and m.group("path") == str(p) and m.group("line") == "2" and m.group("code") == "ILD301", line
    stdin = run_orderlint("check", "--jsonl", input=p.read_bytes()).stdout.decode().splitlines()[0]
    assert re.match(r"^<stdin>:2:\d+: ILD301 ", stdin), stdin


def test_the_python_api_never_writes_to_stdout_even_when_a_plugin_prints(capsys):
    import importlib.util

    import orderlint
    from orderlint.engine import Linter

    spec = importlib.util.spec_from_loader("noisy_api", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(textwrap.dedent(NOISY_SOURCE), module.__dict__)
    linter = Linter(plugins=[module])
    capsys.readouterr()
    result = orderlint.lint(minimal(), linter=linter)
    assert result.status == "checked"
    results = [orderlint.lint(d, linter=linter) for d in (minimal(), minimal(id="b"))]
    assert [r.status for r in results] == ["checked", "checked"]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("NOISE from a check") == 3


# ----------------------------------------------------------------------------- FHIR input (fhir.md)

FHIR_EXAMPLES = EXAMPLES / "fhir"


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fhir_examples_through_the_command_line_give_the_expected_findings(jobs):
    import tomllib
    from collections import Counter

    expected = tomllib.loads((FHIR_EXAMPLES / "expected.toml").read_text(encoding="utf-8"))
    r = run_orderlint("check", str(FHIR_EXAMPLES), "--as-of", "2026-03-02", "--format", "json", "--jobs", jobs)
    assert r.returncode == 1, r.stderr
    got: dict = {}
    for res in json.loads(r.stdout)["results"]:
        path = Path(res["source"].rsplit(":", 1)[0] if ".ndjson:" in res["source"] else res["source"])
        name = "bulk" if path.parent.name == "bulk" else path.name
        got.setdefault(name, Counter()).update(f["code"] for f in res["findings"] if not f["suppressed"])
    for name, exp in expected.items():
        if name == "bulk":
            continue
        assert got[name] == Counter(exp["findings"]), name
    assert "bulk" in got and got["bulk"]["ILD301"] >= 1  # the export is linted per patient, not per line


@pytest.mark.slow
def test_a_bulk_export_is_one_result_per_patient_and_findings_name_the_file_of_their_line():
    r = run_orderlint("check", str(FHIR_EXAMPLES / "bulk"), "--as-of", "2026-03-02", "--format", "jsonl")
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [x["id"] for x in rows] == sorted(x["id"] for x in rows) and all(x["id"].startswith("Patient/") for x in rows)
    ild301 = [f for x in rows for f in x["findings"] if f["code"] == "ILD301"]
    assert ild301 and all(Path(f["file"]).name == "MedicationRequest.ndjson" for f in ild301)
    text = run_orderlint("check", str(FHIR_EXAMPLES / "bulk"), "--as-of", "2026-03-02").stdout.decode()
    assert re.search(r"MedicationRequest\.ndjson:\d+:\d+: ILD301 ", text), text
    gh = run_orderlint("check", str(FHIR_EXAMPLES / "bulk"), "--as-of", "2026-03-02", "--format", "github").stdout.decode()
    assert re.search(r"file=[^,]*MedicationRequest\.ndjson,line=\d+,col=\d+,title=ILD301::", gh), gh


@pytest.mark.slow
def test_input_format_regimen_reads_fhir_as_regimens_and_fhir_forces_fhir(tmp_path):
    bundle = FHIR_EXAMPLES / "ILD301-fires.bundle.json"
    as_regimen = json.loads(run_orderlint("check", str(bundle), "--input-format", "regimen", "--format", "json").stdout)
    assert as_regimen["results"][0]["status"] == "invalid"
    auto = json.loads(run_orderlint("check", str(bundle), "--as-of", "2026-03-02", "--format", "json").stdout)
    assert [f["code"] for f in auto["results"][0]["findings"]] == ["ILD301"]
    regimen = write_doc(tmp_path, minimal())
    forced = json.loads(run_orderlint("check", str(regimen), "--input-format", "fhir", "--format", "json").stdout)
    assert forced["results"][0]["status"] == "invalid", "a regimen is not FHIR: OL001, never a silent pass"


@pytest.mark.slow
def test_fhir_on_stdin_and_in_json_lines_is_recognized_per_document():
    lines = "".join(json.dumps(json.loads(p.read_text())) + "\n"
                    for p in (FHIR_EXAMPLES / "ILD301-fires.bundle.json", ERROR_DOC))
    r = run_orderlint("check", "--jsonl", "--as-of", "2026-03-02", "--format", "jsonl", input=lines.encode())
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [[f["code"] for f in x["findings"]] for x in rows] == [["ILD301"], ["ILD301"]]
    assert rows[0]["patient"] and "patient" not in rows[1]


def test_fhir_strict_without_its_package_is_one_clear_line():
    import importlib.util

    if importlib.util.find_spec("fhir.resources") is not None:
        pytest.skip("fhir.resources is installed")
    r = run_orderlint("check", str(FHIR_EXAMPLES / "ILD301-fires.bundle.json"), "--fhir-strict")
    assert r.returncode == 2 and "orderlint[fhir]" in _one_error_line(r.stderr)


def test_indented_json_documents_one_after_another_on_stdin_suggest_jsonl():
    # Only values one a line were recognized: two indented documents got "Extra data" alone.
    doc = json.dumps(minimal(id="a"), indent=2)
    r = run_cli("check", "-", input=doc + "\n" + doc + "\n")
    assert r.exit_code == 1 and "more than one JSON value: give one a line and read it as JSON Lines with --jsonl" in r.stdout
    r = run_cli("check", "-", input=doc + "\n junk")
    assert r.exit_code == 1 and "--jsonl" not in r.stdout
