"""Command line: `orderlint check | rules | explain | lookup | schema | config | completion | serve | feedback`.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (an invalid document is
a finding); 2 usage or configuration error, unreadable path, a plugin that failed to load, or a
check that crashed (OL000). No traceback is ever printed for bad input.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Callable, Generator, Optional, TextIO, TypeVar

import click

from orderlint import __version__

if TYPE_CHECKING:
    from orderlint.config import Settings
    from orderlint.engine import Linter
    from orderlint.formatters import Formatter
    from orderlint.inputs import Selection

_F = TypeVar("_F", bound=Callable[..., Any])

# Spelled here, not imported, so that `--help` and a run that fails early import neither the
# configuration nor the formatters; tests/test_cli.py holds them equal to config.FAIL_ON and
# formatters.FORMATS.
FORMAT_CHOICES = ["text", "json", "jsonl", "sarif", "junit", "github", "fhir"]
FAIL_ON = ["error", "warning", "info", "never"]

EPILOG = """\b
Examples:
  orderlint check examples/                      lint every regimen in a folder
  orderlint check protocol.yaml --format sarif --output orderlint.sarif
  cat regimens.jsonl | orderlint check - --jsonl --format jsonl
  orderlint check orders/ --select ILD2,ILD3 --fail-on error
  orderlint explain ILD102                       why a rule exists and how to fix it

\b
Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it (an invalid
document is a finding); 2 usage or configuration error, unreadable input, a plugin
that failed to load, or a check that crashed (OL000).
"""


def _err(message: str) -> None:
    from orderlint.formatters import printable

    # One line, whatever a file name or message holds (newlines, bidirectional controls).
    try:
        click.echo(f"orderlint: error: {printable(message)}", err=True)
    except OSError:
        # Standard error itself cannot be written (full, closed): nowhere to say it, and the exit
        # code (2, from the caller) still does. Left failing, the interpreter's own last attempt
        # turned every such run into exit 1, the code of findings.
        _discard_stdout(2)


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


STDOUT = "the report to standard output"


class OutputError(Exception):
    """Writing the report failed (disk full, I/O error, closed pipe): one line, exit 2."""

    def __init__(self, target: str, error: OSError) -> None:
        self.target = target
        reason = error.strerror or type(error).__name__
        if target == STDOUT and error.errno == errno.EBADF:
            reason += " (standard output is closed)"
        super().__init__(f"cannot write {target}: {reason}")


class _Output:
    """The report stream: a failed write or flush becomes OutputError naming the target."""

    __slots__ = ("_stream", "target", "_plain")

    def __init__(self, stream: Any, target: str, plain: bool = False) -> None:
        self._stream = stream
        self.target = target
        # Whether the stream is known to translate no newline (a text stream does not tell):
        # the report file opened below, or the interpreter's own standard output.
        self._plain = plain

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as e:
            raise OutputError(self.target, e) from None

    def binary(self) -> Optional[tuple[Callable[[bytes], None], str]]:
        """(a writer of bytes to the stream's binary layer, the stream's error handler), for a
        stream that writes text as its plain UTF-8 bytes, or None.

        A JSON Lines report is encoded once (orjson gives UTF-8 bytes) instead of decoded and
        encoded again by the text layer. Only for a plain ``io.TextIOWrapper`` that encodes UTF-8,
        translates no newline (``plain``) and neither flushes each line (a terminal) nor writes
        through: then writing ``text.encode("utf-8", errors)`` to its buffer is what writing
        ``text`` does. The text written so far is flushed to the buffer first, so everything stays
        in order (text written later is queued after these bytes)."""
        import codecs
        import io

        stream = self._stream
        if not self._plain or stream.__class__ is not io.TextIOWrapper or stream.line_buffering \
                or stream.write_through:
            return None
        try:
            if codecs.lookup(stream.encoding).name != "utf-8":
                return None
            buffer = stream.buffer
        except (LookupError, AttributeError, ValueError):
            return None
        self.flush()
        target = self.target

        def write(data: bytes) -> None:
            try:
                buffer.write(data)
            except OSError as e:
                raise OutputError(target, e) from None

        return write, stream.errors or "strict"

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as e:
            raise OutputError(self.target, e) from None


class _ReportFile:
    """``--output FILE``, written atomically: a temporary file beside it, renamed over it only when
    the whole report is written, so an interrupted or failed run leaves no partial report there.
    A path that is not a regular file (a device, a FIFO) is written in place."""

    def __init__(self, path: str) -> None:
        import io
        import stat
        import tempfile

        from orderlint.reader import STREAM_BUFFER

        self.path = path
        self.stream: TextIO  # a text stream writing "\n" as it is, whichever way it was opened
        self.tmp: Optional[str] = None
        target = os.path.realpath(path)
        try:
            try:
                st: Optional[os.stat_result] = os.stat(target)
            except FileNotFoundError:
                st = None
            if st is not None and not stat.S_ISREG(st.st_mode):
                # A device or FIFO, written in place: in large blocks (reader.STREAM_BUFFER), but a
                # terminal line by line, as Python's own open() would.
                raw = open(target, "wb", buffering=0)
                tty = raw.isatty()
                self.stream = io.TextIOWrapper(io.BufferedWriter(raw, io.DEFAULT_BUFFER_SIZE if tty else STREAM_BUFFER),
                                               encoding="utf-8", errors="backslashreplace", newline="\n",
                                               line_buffering=tty)
                return
            fd, self.tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                            dir=os.path.dirname(target))
        except OSError as e:
            raise OutputError(path, e) from None
        if st is not None:
            self.mode = stat.S_IMODE(st.st_mode)
        else:
            umask = os.umask(0o022)
            os.umask(umask)
            self.mode = 0o666 & ~umask
        self.target = target
        # A regular file: written in large blocks (reader.STREAM_BUFFER).
        self.stream = os.fdopen(fd, "w", buffering=STREAM_BUFFER, encoding="utf-8", errors="backslashreplace", newline="\n")

    def commit(self) -> None:
        try:
            self.stream.flush()
            if self.tmp is not None:
                os.chmod(self.tmp, self.mode)
            self.stream.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.target)
                self.tmp = None
        except OSError as e:
            raise OutputError(self.path, e) from None

    def abort(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


from orderlint._entry import _discard_stdout  # noqa: E402 - one definition, shared with --version


def _emit(text: str) -> None:
    """Write a command's whole answer to standard output, flushed, or fail with one line."""
    stream = sys.stdout
    if stream is None:
        raise OutputError(STDOUT, OSError(errno.EBADF, os.strerror(errno.EBADF)))
    out = _Output(stream, STDOUT)
    out.write(text)
    out.flush()


def _interrupted() -> None:
    """Ctrl-C: one line and exit 2. A second Ctrl-C while leaving is ignored, not a traceback."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread
        pass
    _err("interrupted")
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=EPILOG)
@click.version_option(__version__, "--version", prog_name="orderlint", message="%(prog)s %(version)s")
def cli() -> None:
    """orderlint: a safety linter for proposed SSc-ILD medication regimens.

    It reads regimen documents (JSON, YAML or JSON Lines) for patients or order-set protocols and
    flags what the SSc-ILD guideline advises against: glucocorticoids first-line or above 15 mg/day
    prednisone-equivalent, nintedanib upfront with mycophenolate, non-recommended agents, missing
    Pneumocystis prophylaxis, missing baseline screening, doses out of range.
    """


def _settings(config: Optional[str], **cli_values: Any) -> "Settings":
    from orderlint.config import build_settings

    return build_settings(config_path=config, cli=cli_values)


def _serve_table(settings: "Settings") -> dict:
    """[tool.orderlint.serve], whose file paths configuration already read from the configuration
    file's folder, with the default feedback database there too: run from another folder, `serve`
    made a second database and `feedback report` found none."""
    import os

    from orderlint.serve.settings import ServeSettings

    table = dict(settings.serve)
    if settings.root is not None and settings.config_file:
        table.setdefault("feedback-db", os.path.join(settings.root, ServeSettings.feedback_db))
    return table


def _make_linter(settings: "Settings") -> "Linter":
    from orderlint.config import ConfigError
    from orderlint.engine import Linter, PluginLoadError

    try:
        return Linter(settings)
    except PluginLoadError as e:
        for m in e.messages:
            _err(m)
        raise _Exit(2) from None
    except ConfigError as e:
        _err(str(e))
        raise _Exit(2) from None


def _guard(fn: _F) -> _F:
    """Turn configuration errors and unexpected crashes into one line and exit 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from orderlint.config import ConfigError

        try:
            return fn(*args, **kwargs)
        except _Exit as e:
            sys.exit(e.code)
        except ConfigError as e:
            _err(str(e))
            sys.exit(2)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OutputError as e:
            _err(str(e))
            if e.target == STDOUT:
                _discard_stdout()
            sys.exit(2)
        except KeyboardInterrupt:
            _interrupted()
        except Exception as e:  # a bug in orderlint: one clear line, never a traceback
            if os.environ.get("ORDERLINT_DEBUG"):
                raise
            _err(f"internal error: {type(e).__name__}: {e} (set ORDERLINT_DEBUG=1 for a traceback)")
            sys.exit(2)

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def _split(values: tuple) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


@cli.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text", show_default=True,
              help="Report format: text for people, json/jsonl for pipelines, sarif for code scanning, junit for CI dashboards, github for workflow annotations, fhir for a Bundle of DetectedIssue resources.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file instead of stdout.")
@click.option("--jsonl", "jsonl_stdin", is_flag=True, help="Read standard input as JSON Lines: one regimen per line (with no PATH, standard input is read).")
@click.option("--input-format", type=click.Choice(["auto", "regimen", "fhir"]), default="auto", show_default=True,
              help="Input documents: regimen documents, FHIR R4 (CDS Hooks requests, Bundles, resources, NDJSON, Bulk Data folders), or auto: recognized per document.")
@click.option("--fhir-strict", is_flag=True, help="Validate every FHIR resource with fhir.resources R4B first; each error is OL001 (needs the extra orderlint[fhir]).")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rules: codes, prefixes (ILD2) or names, comma-separated.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules: codes, prefixes or names, comma-separated.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None, help="Lowest severity that makes the exit code 1. [default: warning]")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings (still 2 on a tool error).")
@click.option("--as-of", metavar="YYYY-MM-DD", help="Evaluation date for look-back windows when a document gives none. [default: today]")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file (.orderlint.toml or pyproject.toml); overrides discovery.")
@click.option("--statistics", is_flag=True, help="Also print how many findings each rule produced (in the text and JSON reports; on standard error for the other formats).")
@click.option("--quiet", "-q", is_flag=True, help="No summary line on standard error and no progress display.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), help="Record every current finding in this baseline file; exit 0 unless a tool error occurred or a finding no baseline records remains (OL001, OL007, a likely misspelt checked drug: exit 1).")
@click.option("--jobs", "-j", metavar="N|auto", help="Lint in N worker processes (auto: one per core). Output order and content are the same as with 1. [default: 1]")
@click.option("--force-exclude", is_flag=True, default=None,
              help="Apply exclude and extend-exclude to files and folders named on the command line too (as the pre-commit hook does).")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text report's codes and severities: auto colours on a terminal unless NO_COLOR is set.")
@_guard
def check(paths, fmt, output, jsonl_stdin, input_format, fhir_strict, select, ignore, fail_on, exit_zero, as_of, config, statistics, quiet, baseline, write_baseline, jobs, force_exclude, color) -> None:
    """Lint regimen files, folders (recursively: *.json, *.yaml, *.yml, *.jsonl, *.ndjson) or - for stdin.

    FHIR R4 input (CDS Hooks requests, Bundles, resources, NDJSON, Bulk Data export folders) is
    recognized per document. With no PATH, the current folder is linted (standard input with
    --jsonl). A folder walk lints the files matching the include setting and passes by exclude
    and extend-exclude (by default .git, .venv, venv, node_modules, build, dist, __pycache__, .tox,
    .pre-commit-config.yaml, .github/, .gitlab-ci.yml, and every folder whose name starts with a
    dot); files named on the command line are linted unless --force-exclude. Findings print as
    `path:line:col: CODE [severity] message`, then a summary line. With --output or a
    machine-readable format the summary line goes to standard error, and a progress display
    too when standard error is a terminal and the run lasts more than a second.
    """
    from orderlint.parallel import resolve_jobs

    for option, value in (("--output", output), ("--baseline", baseline), ("--write-baseline", write_baseline)):
        if value is not None and not value.strip():
            # "" is no file (a CI variable that is not set): read as "none given", the report went to
            # standard output and the baseline was not used or not written, without a word.
            raise click.UsageError(f"{option} is empty: name a file, or leave the option out")
    n_jobs = resolve_jobs(jobs)
    report_file: Optional[_ReportFile] = None
    if output:
        report_file = _ReportFile(output)
        out = _Output(report_file.stream, output, plain=True)  # opened with newline="\n"
    else:
        if sys.stdout is None:
            raise OutputError(STDOUT, OSError(errno.EBADF, os.strerror(errno.EBADF)))
        # A lone surrogate (from a document or a file name that is not UTF-8) is escaped, never
        # an encoding error that loses the other documents' results.
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
        # The interpreter's standard output writes "\n" as it is (on every platform).
        out = _Output(sys.stdout, STDOUT, plain=sys.stdout is sys.__stdout__)
    colored = fmt == "text" and _use_color(color, None if output else sys.stdout)
    # While plugins load and checks run, anything they print goes to standard error: the report
    # (JSON, SARIF, JSON Lines) stays well-formed. Workers (--jobs) inherit this.
    saved_stdout = sys.stdout
    sys.stdout = sys.stderr if sys.stderr is not None else open(os.devnull, "w")
    try:
        progress = None if quiet else _Progress.for_stderr()
        settings, summary, tool_error, recorder, formatter, selection = _check(
            paths, fmt, out, output, (jsonl_stdin, input_format, fhir_strict), select, ignore, fail_on, as_of, config, statistics, baseline,
            write_baseline, n_jobs, progress, force_exclude, colored)
        if report_file is not None:
            report_file.commit()
            report_file = None
    finally:
        sys.stdout = saved_stdout
        if report_file is not None:
            report_file.abort()
    if statistics and not formatter.embeds_statistics:
        from orderlint.formatters import statistics_lines

        for line in statistics_lines(formatter.counts):
            click.echo(line, err=True)
    if not quiet and (output or fmt != "text"):
        # The report is in a file or machine-readable: the summary a person reads goes to stderr.
        from orderlint.formatters import summary_line

        click.echo(summary_line(summary), err=True)
    _finish_check(settings, summary, tool_error, recorder, write_baseline, exit_zero, selection)


def _use_color(choice: str, stream: Any) -> bool:
    """--color: always and never as said; auto colours only a terminal's standard output, and not
    when NO_COLOR is set to anything (no-color.org) or the terminal is 'dumb'."""
    if choice != "auto":
        return choice == "always"
    if stream is None or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (ValueError, OSError):
        return False


class _Progress:
    """Documents, rate and findings so far, on a terminal's standard error, once the run has lasted
    a second; updated at most four times a second and erased at the end."""

    EVERY = 256  # documents between two looks at the clock

    def __init__(self, stream: Any) -> None:
        import time

        self.stream = stream
        self.clock = time.monotonic
        self.started = self.clock()
        self.next = self.started + 1.0
        self.shown = False

    @classmethod
    def for_stderr(cls) -> Optional["_Progress"]:
        stream = sys.stderr
        try:
            tty = stream is not None and stream.isatty()
        except (ValueError, OSError):
            tty = False
        return cls(stream) if tty else None

    def update(self, summary: Any) -> None:
        now = self.clock()
        if now < self.next:
            return
        self.next = now + 0.25
        rate = summary.documents / max(now - self.started, 1e-9)
        found = sum(summary.findings.values())
        try:
            self.stream.write(f"\r\x1b[K{summary.documents:,} documents, {rate:,.0f}/s, {found:,} findings so far")
            self.stream.flush()
            self.shown = True
        except (OSError, ValueError):
            pass

    def clear(self) -> None:
        if self.shown:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


#: A regimen's `orders` key (JSON; YAML block or flow style) or a FHIR medication order.
_ORDERS_RE = re.compile(rb'"orders"\s*:|(?:^|[{,])[ \t]*orders\s*:|"resourceType"\s*:\s*"Medication(?:Request|Statement)"',
                        re.MULTILINE)


def _holds_orders(path: str) -> bool:
    """Whether an existing file holds medication orders anywhere: a regimen document's `orders`
    (JSON or YAML) or a FHIR MedicationRequest or MedicationStatement. orderlint's own reports name
    orders only inside strings (pointers, references), never so. Read in blocks (constant memory),
    to its end: a regimen line after the first 256 KB of a JSON Lines file, or after a finished
    report, was replaced unchecked."""
    try:
        with open(path, "rb") as f:
            tail = b""
            while True:
                block = f.read(1 << 20)
                if not block:
                    return False
                if _ORDERS_RE.search(tail + block) is not None:
                    return True
                tail = block[-_ORDERS_OVERLAP:]  # a match across two blocks
    except OSError:  # absent or not a file: nothing to replace, or said when it is written
        return False


#: Bytes of one block kept before the next, longer than any match of _ORDERS_RE but for one padded
#: with more white space than that.
_ORDERS_OVERLAP = 4096


#: Above this size an existing report file is recognised by its first bytes, not read whole; a
#: JSON Lines report is read a line at a time whatever its size. Read whole, a large report (the
#: one the last run wrote, about to be replaced) raised the start-up memory well above the run's.
_OWN_OUTPUT_READ = 4 << 20
#: What orderlint's JSON report and baseline begin with (both written with indent=2).
_OWN_PREFIXES = (b'{\n  "orderlint": "', b'{\n  "orderlint-baseline": ', b'{\n  "$schema": "https://json.schemastore.org/sarif')


def _own_output(path: str) -> bool:
    """Whether an existing file is empty or one orderlint writes: a report (json, jsonl, sarif, fhir,
    junit) or a baseline. Only such a file may be left out of the run's inputs and replaced."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(1 << 12)
            if head.lstrip().startswith(b'{"source":'):  # a JSON Lines report: every line one result
                f.seek(0)
                return _own_lines(f)
            if head.startswith(_FHIR_BUNDLE_START):  # --format fhir: one entry a line, at any size
                f.seek(0)
                return _own_bundle(f)
            data = head + f.read(_OWN_OUTPUT_READ - len(head)) if size <= _OWN_OUTPUT_READ else head
    except OSError:
        return True  # absent or unreadable: nothing to replace here, or said when it is written
    text = data.strip()
    if not text or text.startswith(b"<?xml") or text.startswith(b"<testsuites"):
        return True  # empty, or XML (JUnit): never read as a regimen
    if size > _OWN_OUTPUT_READ:
        return text.startswith(_OWN_PREFIXES)
    import orjson

    try:
        return _own_value(orjson.loads(text))
    except orjson.JSONDecodeError:
        return _own_text(text)


#: The first line of a --format fhir report, as its formatter writes it.
_FHIR_BUNDLE_START = b'{"resourceType":"Bundle","type":"collection"'


def _own_bundle(f: Any) -> bool:
    """A --format fhir report read one line at a time: its first line, then one DetectedIssue or
    OperationOutcome entry a line, then the closing line."""
    import orjson

    first = f.readline().rstrip()
    if first == _FHIR_BUNDLE_START + b"}":
        return _blank_to_end(f)
    if first != _FHIR_BUNDLE_START + b',"entry":[':
        return False
    for line in f:
        line = line.rstrip()
        if line == b"]}":
            return _blank_to_end(f)
        try:
            e = orjson.loads(line[:-1] if line.endswith(b",") else line)
        except orjson.JSONDecodeError:
            return False
        if not _report_entry(e):
            return False
    return False  # cut short: not a report orderlint finished


def _blank_to_end(f: Any) -> bool:
    """Whether the rest of a file is white space, read in blocks."""
    while True:
        block = f.read(1 << 16)
        if not block:
            return True
        if block.strip():
            return False


def _report_entry(e: Any) -> bool:
    """An entry of a --format fhir report: a DetectedIssue or an OperationOutcome, nothing else."""
    return (isinstance(e, dict) and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") in ("DetectedIssue", "OperationOutcome"))


def _own_lines(f: Any) -> bool:
    """A JSON Lines report, read one line at a time (constant memory): every line one result."""
    import orjson

    for line in f:
        if line.strip():
            try:
                if not _own_value(orjson.loads(line)):
                    return False
            except orjson.JSONDecodeError:
                return False
    return True


#: The last line of a text report (its summary) and a GitHub workflow command.
_TEXT_SUMMARY = re.compile(rb"^[\d,]+ documents?(?:, |: |\.|$)")


def _own_text(text: bytes) -> bool:
    """A text report (its summary line last) or a github one (every line a workflow command)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and (_TEXT_SUMMARY.match(lines[-1]) is not None or all(line.startswith(b"::") for line in lines))


def _own_value(v: Any) -> bool:
    if not isinstance(v, dict):
        return False
    if isinstance(v.get("orderlint"), str) and isinstance(v.get("results"), list):
        return True  # --format json
    if "orderlint-baseline" in v:
        return True
    runs = v.get("runs")
    if isinstance(runs, list) and runs and all(
            isinstance(r, dict) and isinstance(r.get("tool"), dict) and isinstance(r["tool"].get("driver"), dict)
            and r["tool"]["driver"].get("name") == "orderlint" for r in runs):
        return True  # SARIF
    if v.get("resourceType") == "Bundle":  # --format fhir: DetectedIssue and OperationOutcome only
        entries = v.get("entry", [])
        return isinstance(entries, list) and all(_report_entry(e) for e in entries)
    # --format jsonl: one result per line
    return {"source", "status", "findings"} <= v.keys() and "orders" not in v and "resourceType" not in v


def _among_inputs(target: str, paths: list[str], selection: Any) -> bool:
    """Whether the run reads ``target``: named, or a file the walk of a named folder includes."""
    real = os.path.realpath(target)
    for p in paths:
        if p == "-":
            continue
        rp = os.path.realpath(p)
        if rp == real:
            return True
        if os.path.isdir(rp) and real.startswith(rp.rstrip(os.sep) + os.sep) and selection.included(target):
            return True
    return False


def _refuse_report_target(option: str, target: Optional[str], paths: list[str], selection: Any) -> None:
    """ConfigError for an --output or --write-baseline file the report would wrongly replace.

    A regimen named so was left out of the walk as the report file, went unchecked, and the report
    replaced it: its error gone and the run clean. Decided by what the file holds, not by its name:
    an existing file the run reads is replaced only when orderlint wrote it."""
    if not target or not os.path.isfile(target):
        return
    from orderlint.config import ConfigError

    # Orders first: a regimen whose last line read like a text report's summary, or a report with a
    # regimen after it, passed as orderlint's own and was replaced.
    if _holds_orders(target):
        raise ConfigError(f"{option} {target} holds medication orders (a regimen or FHIR document): the report would "
                          "replace it unchecked; name another file")
    if _own_output(target):
        return
    if _among_inputs(target, paths, selection):
        raise ConfigError(f"{option} {target} is one of the files this run reads, and not a report or baseline "
                          "orderlint wrote: the report would replace it unchecked; name another file")


def _check(paths: tuple, fmt: str, out: "_Output", output: Optional[str], reading: tuple, select: tuple,
           ignore: tuple, fail_on: Optional[str], as_of: Optional[str], config: Optional[str], statistics: bool,
           baseline: Optional[str], write_baseline: Optional[str], n_jobs: int, progress: Optional["_Progress"],
           force_exclude: Optional[bool] = None, colored: bool = False) -> tuple:
    settings = _settings(config, select=_split(select), ignore=_split(ignore), fail_on=fail_on, as_of=as_of,
                         force_exclude=force_exclude or None)
    linter = _make_linter(settings)
    _say_settings(settings)
    from orderlint.engine import freeze_heap

    freeze_heap()  # a short-lived process: long-lived objects need no more garbage-collector passes
    from orderlint.inputs import Selection

    selection = Selection.from_settings(settings)
    inputs = list(paths) or (["-"] if reading[0] else ["."])
    from orderlint.config import ConfigError

    if reading[0] and "-" not in inputs:
        # The flag said standard input is a JSON Lines stream, yet no path read it: the piped
        # regimens went unchecked and the run passed on the files named.
        raise ConfigError("--jsonl reads standard input as JSON Lines, but standard input is not among the paths: "
                          "add - to read it, or leave --jsonl out")
    if output and write_baseline and os.path.realpath(output) == os.path.realpath(write_baseline):
        raise ConfigError(f"--output and --write-baseline name the same file {output}: the baseline would replace the "
                          "report; name two files")
    for option, target in (("--output", output), ("--write-baseline", write_baseline)):
        # The run's own baseline (read) and configuration: replaced by a report, the next run failed
        # on them, and until then the settings or accepted findings were lost. (--write-baseline may
        # name the baseline it reads: that refreshes it.)
        for what, kept in (("the baseline this run reads (--baseline)", baseline if option == "--output" else None),
                           ("the configuration file of this run", settings.config_path)):
            if target and kept and os.path.realpath(target) == os.path.realpath(kept):
                raise ConfigError(f"{option} {target} is {what}: the report would replace it; name another file")
    _refuse_report_target("--output", output, inputs, selection)
    _refuse_report_target("--write-baseline", write_baseline, inputs, selection)
    from orderlint.findings import Summary
    from orderlint.formatters import get_formatter

    base = None
    if baseline:
        from orderlint.baseline import Baseline

        base = Baseline.load(baseline)
    recorder = None
    if write_baseline:
        from orderlint.baseline import BaselineWriter

        recorder = BaselineWriter(write_baseline)

    # The report file, and the baseline read or written, are never linted when a folder walk comes
    # across them (a baseline is JSON: walked, it was an invalid regimen document every run).
    exclude = tuple(p for p in (output, baseline, write_baseline) if p)
    formatter = get_formatter(fmt, out, linter, statistics=statistics, **({"color": True} if colored else {}))
    summary = Summary()
    tool_error = False
    formatter.start()
    # With --jsonl and no path, the stream on standard input is the input (interfaces.md 2nd ed.).
    jsonl_stdin, input_format, fhir_strict = reading
    if fhir_strict and input_format != "regimen":
        _require_fhir_resources()
    if n_jobs > 1 and formatter.line_oriented and base is None and recorder is None:
        # Workers render their own lines; the parent only writes text and adds up counts.
        tool_error = _render_in_workers(linter, inputs, reading, n_jobs, fmt, statistics, out, summary,
                                        formatter, exclude, progress, selection, colored)
    else:
        from contextlib import closing

        with closing(_results(linter, inputs, reading, n_jobs, exclude, selection)) as results:
            for result in results:
                if isinstance(result, str):  # an unreadable input
                    _err(result)
                    formatter.unreadable(result)
                    tool_error = True
                    continue
                if recorder is not None:
                    recorder.add(result)
                if base is not None:
                    base.apply(result)
                summary.add(result)
                formatter.result(result)
                if progress is not None and not summary.documents % progress.EVERY:
                    progress.update(summary)
    if progress is not None:
        progress.clear()
    formatter.finish(summary)
    out.flush()
    if base is not None and base.matched:  # on standard error, whatever the format
        click.echo(f"orderlint: {base.matched:,} finding(s) already in the baseline were not counted", err=True)
    stale = base.stale() if base is not None else 0
    if stale:
        click.echo(f"orderlint: {stale:,} baseline entr{'y' if stale == 1 else 'ies'} of the documents checked matched no "
                   f"finding (fixed, or changed): write the baseline again to prune {'it' if stale == 1 else 'them'}, "
                   "or a finding like it that comes back stays hidden", err=True)
    return settings, summary, tool_error, recorder, formatter, selection


def _say_settings(settings: "Settings") -> None:
    """Standard error lines for settings that change a run without showing in its findings."""
    if settings.as_of is not None and not settings.origin("as-of").startswith("command line"):
        # interfaces.md names --as-of, a command-line option: a file's as-of freezes "today" for
        # every document that gives none, which used to go unsaid.
        click.echo(f"orderlint: evaluation date {settings.as_of}, not today, for documents that give no as_of "
                   f"(as-of in {settings.origin('as-of')})", err=True)


def _finish_check(settings: "Settings", summary: Any, tool_error: bool, recorder: Any, write_baseline: Optional[str],
                  exit_zero: bool, selection: Optional["Selection"] = None) -> None:
    left_out = 0
    if recorder is not None:
        try:
            recorder.write(write_baseline)
        except OSError as e:  # a full disk, a folder that cannot be written: one line, exit 2
            raise OutputError(str(write_baseline), e) from None
        click.echo(f"orderlint: wrote {recorder.count:,} finding(s) to {write_baseline}", err=True)
        left_out = recorder.left_out
        if left_out:
            # An invalid document, one no pack covers or a likely misspelt checked drug is never
            # recorded: a nightly "refresh the baseline" job went green on them.
            _err(f"{left_out:,} finding(s) cannot be recorded in a baseline (OL000, OL001, OL007, or a likely misspelt "
                 "checked drug, OL002): the documents concerned are not checked; fix them")
    if summary.crashed:
        _err(f"{summary.crashed:,} check(s) crashed (OL000): the documents concerned were not fully checked")
    if selection is not None and selection.hidden:  # said whatever the exit code
        hidden = selection.hidden
        click.echo(f"orderlint: not walked, as folders whose name starts with a dot never are: "
                   f"{', '.join(hidden[:5])}{f' and {len(hidden) - 5:,} more' if len(hidden) > 5 else ''} "
                   "(name a folder to lint it)", err=True)
    empty = selection.empty if selection is not None and summary.documents else []
    if empty:
        # (With no document at all, the message below says so for the whole run.)
        _err(f"no regimen documents found in {', '.join(empty[:5])}{f' and {len(empty) - 5:,} more' if len(empty) > 5 else ''} "
             f"(looked for {', '.join(settings.include)}): a folder named to be checked held nothing that was checked")
    if tool_error or summary.crashed or empty:
        raise _Exit(2)
    if summary.documents == 0 and selection is not None and selection.forced_out \
            and len(selection.forced_out) == selection.named:
        # Every path named was excluded on purpose (a pre-commit run on CI files only): nothing to do.
        click.echo(f"orderlint: every path given is excluded (--force-exclude): {', '.join(selection.forced_out)}", err=True)
        raise _Exit(0)
    if summary.documents == 0:
        passed_by = ""
        if selection is not None and selection.walk_excluded:
            n = selection.walk_excluded
            passed_by = (f"; {n:,} file{'s' if n != 1 else ''} or folder{'s' if n != 1 else ''} matched the exclude "
                         "patterns (`orderlint config` shows them)")
        _err(f"no regimen documents found (looked for {', '.join(settings.include)}{passed_by})")
        raise _Exit(2)
    if exit_zero or settings.fail_on == "never":
        raise _Exit(0)
    if recorder is not None:
        raise _Exit(1 if left_out else 0)
    from orderlint.findings import SEVERITY_RANK

    threshold = SEVERITY_RANK[settings.fail_on]
    failing = sum(n for sev, n in summary.findings.items() if SEVERITY_RANK[sev] >= threshold)
    raise _Exit(1 if failing else 0)


def _render_in_workers(linter: "Linter", inputs: list[str], reading: tuple, jobs: int, fmt: str, statistics: bool,
                       out: "_Output", summary: Any, formatter: "Formatter", exclude: tuple,
                       progress: Optional["_Progress"], selection: Optional["Selection"] = None,
                       colored: bool = False) -> bool:
    """Parallel run of a line-oriented format; returns whether an input could not be read."""
    from contextlib import closing

    from orderlint.inputs import units
    from orderlint.parallel import WorkerDied, render_parallel

    unreadable = False
    try:
        jsonl_stdin, input_format, fhir_strict = reading
        stream = units(inputs, jsonl_stdin, exclude, input_format, selection)
        with closing(render_parallel(linter, stream, jobs, fmt, statistics, (input_format, fhir_strict), colored)) as chunks:
            for text, part, state, errors in chunks:
                for message in errors:  # the workers said them in the report, in input order
                    _err(message)
                    unreadable = True
                out.write(text)
                summary.merge(part)
                formatter.merge(state)
                if progress is not None:
                    progress.update(summary)
    except WorkerDied as e:
        _err(str(e))
        raise _Exit(2) from None
    return unreadable


def _closing(gen: Generator[Any, None, None]) -> Any:
    from contextlib import closing

    return closing(gen)


def _results(linter: "Linter", paths: list[str], reading: tuple, jobs: int, exclude: tuple = (),
             selection: Optional["Selection"] = None) -> Generator[Any, None, None]:
    """Results in input order; a str item is an error message for an unreadable input."""
    from orderlint.fhir import looks_like_fhir
    from orderlint.inputs import lint_unit, load, units

    jsonl_stdin, input_format, fhir_strict = reading
    stream = units(paths, jsonl_stdin, exclude, input_format, selection)
    if jobs > 1:
        from orderlint.parallel import WorkerDied, lint_parallel

        try:
            with _closing(lint_parallel(linter, stream, jobs, (input_format, fhir_strict))) as results:
                yield from results
        except WorkerDied as e:
            _err(str(e))
            raise _Exit(2) from None
        return
    lint = linter.lint_document
    inline = input_format != "fhir"
    regimen = input_format == "regimen"
    for unit in stream:
        # The common case inline (a regimen document); FHIR and Bulk Data through lint_unit.
        if unit[0] != "bulk" and inline:
            doc = load(unit)
            if isinstance(doc, str):
                yield doc
                continue
            if regimen or not looks_like_fhir(doc.data):
                # Only the linter and this report read the document, and neither changes its data.
                doc._sealed = True
                yield lint(doc)
                continue
            unit = ("document", doc)
        yield from lint_unit(linter, unit, input_format, fhir_strict)


def _require_fhir_resources() -> None:
    from orderlint.fhir.strict import available

    if not available():
        _err("--fhir-strict needs the package fhir.resources: pip install 'orderlint[fhir]'")
        raise _Exit(2)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file whose option values the summaries quote; overrides discovery.")
@_guard
def rules(fmt: str, config: Optional[str]) -> None:
    """List every rule: code, name, severity, summary and source."""
    linter = _make_linter(_settings(config))
    # Summaries quote the effective option values (a site's max-course-days, not the default).
    if fmt == "json":
        import json

        from orderlint.docs import rule_dict

        rows = [rule_dict(r, linter.options[r.code], settings=linter.settings_values, docs_url=linter.settings.docs_url,
                          severity=linter.severity[r.code], enabled=r.code in linter.enabled)
                for r in linter.rules]
        _emit(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    lines = []
    for r in linter.rules:
        # The site's severity and selection, as `check` applies them: a rule set to info, or
        # ignored, was listed as an error that fails the run.
        severity = linter.severity[r.code]
        lines.append(f"{r.code}  {r.name:<36} {severity:<8} {r.summary_for(linter.options[r.code])}")
        if r.code not in linter.enabled:
            lines.append(f"{'':8}off: the configuration's selection (select, ignore) leaves it out")
        elif severity != r.severity:
            lines.append(f"{'':8}severity {severity} by the configuration (default {r.severity})")
        lines.append(f"{'':8}source: {r.source.text()}")
    _emit("".join(line + "\n" for line in lines))


def _complete_rules(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion of `explain`: rule codes (ILD2 -> ILD201...), then rule names, then value-sets."""
    from click.shell_completion import CompletionItem

    try:
        from orderlint.engine import Linter

        linter = Linter(_settings(ctx.params.get("config")))
    except Exception:  # noqa: BLE001 - a broken setup completes nothing; `explain` itself says why
        return []
    upper, lower = incomplete.upper(), incomplete.lower()
    items = [CompletionItem(r.code, help=r.name) for r in linter.rules if r.code.startswith(upper)]
    if incomplete:
        items += [CompletionItem(r.name, help=r.code) for r in linter.rules if r.name.startswith(lower)]
    if "value-sets".startswith(lower):
        items.append(CompletionItem("value-sets", help="FHIR codes not yet verified"))
    return items


@cli.command()
@click.argument("rule", shell_complete=_complete_rules)
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file whose option values the summaries quote; overrides discovery.")
@_guard
def explain(rule: str, config: Optional[str]) -> None:
    """Explain a rule (by CODE or NAME): what it checks, why, its source, options and examples.

    A code prefix (ILD20) lists the rules it names. `explain value-sets` lists the FHIR terminology codes shipped without a verified source.
    """
    if rule.strip().lower() == "value-sets":  # fhir.md section 5: the codes no public source verified yet
        from orderlint.fhir.valuesets import render_unverified

        _emit(render_unverified().rstrip("\n") + "\n")
        return
    linter = _make_linter(_settings(config))
    from orderlint.config import ConfigError
    from orderlint.docs import explain_text

    try:
        hits = linter.match(rule)
    except ConfigError as e:
        _err(str(e))
        raise _Exit(2) from None
    if len(hits) > 1:
        # A prefix (ILD20) or ALL: the rules it names, to pick one from.
        width = max(len(r.name) for r in hits)
        lines = [f"{rule.strip()!r} names {len(hits)} rules; `orderlint explain CODE` explains one:"]
        lines += [f"{r.code}  {r.name:<{width}}  {r.summary_for(linter.options[r.code])}" for r in hits]
        _emit("".join(line + "\n" for line in lines))
        return
    (r,) = hits
    _emit(explain_text(r, linter.options[r.code], settings=linter.settings_values, docs_url=linter.settings.docs_url,
                       severity=linter.severity[r.code], enabled=r.code in linter.enabled) + "\n")


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file (site vocabulary names, enabled rules); overrides discovery.")
@_guard
def lookup(names: tuple, fmt: str, config: Optional[str]) -> None:
    """Show how drug, test, unit, route, frequency or condition NAMEs normalize.

    For a drug: its ingredient, classes, RxNorm code with its verification tag and the rules that
    check it; for an unknown name, the closest known names. Exit 1 when a name is not known.
    """
    linter = _make_linter(_settings(config))
    try:
        import importlib

        lookup_mod = importlib.import_module("orderlint.lookup")
    except ImportError as e:  # fail closed: never an empty answer that reads as "nothing known"
        _err(f"lookup is not available in this installation ({e})")
        raise _Exit(2) from None
    _emit(lookup_mod.render(linter, list(names), fmt).rstrip("\n") + "\n")
    unknown = [n for n in names if not lookup_mod.lookup(linter, n)["matches"]]
    raise _Exit(1 if unknown else 0)


@cli.command()
@_guard
def schema() -> None:
    """Print the regimen JSON Schema (the input contract)."""
    from importlib.resources import files

    _emit(files("orderlint.schemas").joinpath("regimen.schema.json").read_text(encoding="utf-8"))


@cli.command()
@click.option("--host", default=None, help="Address to listen on. [default: 127.0.0.1; any other address needs [tool.orderlint.serve.auth]]")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port to listen on. [default: 8080]")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file (.orderlint.toml or pyproject.toml); overrides discovery.")
@_guard
def serve(host: Optional[str], port: Optional[int], config: Optional[str]) -> None:
    """Run the CDS Hooks service (order-select, order-sign) for an EHR. Needs orderlint[serve]."""
    from importlib.util import find_spec

    missing = [m for m in ("httpx", "jwt", "starlette", "uvicorn") if find_spec(m) is None]
    if missing:
        _err(f"orderlint serve needs the extra: pip install 'orderlint[serve]' ({', '.join(missing)} missing)")
        raise _Exit(2) from None
    from orderlint.serve.app import run

    settings = _settings(config)
    linter = _make_linter(settings)
    run(host, port, settings=_serve_table(settings), linter=linter)


@cli.group()
def feedback() -> None:
    """Card outcomes recorded by `orderlint serve`."""


@feedback.command("report")
@click.option("--since", metavar="YYYY-MM-DD", help="Only cards issued and outcomes received on or after this date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--db", type=click.Path(dir_okay=False), help="Feedback database. [default: feedback-db of [tool.orderlint.serve], else orderlint-feedback.sqlite3]")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file (for feedback-db); overrides discovery.")
@_guard
def feedback_report_cmd(since: Optional[str], fmt: str, db: Optional[str], config: Optional[str]) -> None:
    """Per rule: cards shown, accepted, overridden, override rate and top override reasons."""
    from orderlint.serve.feedback import feedback_report
    from orderlint.serve.settings import parse_settings

    if db is None:
        db = parse_settings(_serve_table(_settings(config))).feedback_db
    try:
        text = feedback_report(db, since=since, fmt=fmt)
    except (ValueError, OSError) as e:
        _err(str(e))
        raise _Exit(2) from None
    _emit(text.rstrip("\n") + "\n")


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@_guard
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    bash: eval "$(orderlint completion bash)"   in ~/.bashrc
    zsh:  eval "$(orderlint completion zsh)"    in ~/.zshrc
    fish: orderlint completion fish > ~/.config/fish/completions/orderlint.fish

    Subcommands, options and, for `explain`, rule codes and names complete.
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - the Choice above lists only shells click supports
        _err(f"no completion for {shell}")
        raise _Exit(2)
    _emit(cls(cli, {}, "orderlint", "_ORDERLINT_COMPLETE").source().rstrip("\n") + "\n")


@cli.command("config")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file to show instead of the discovered one.")
@_guard
def config_cmd(config: Optional[str]) -> None:
    """Show the effective settings and where each came from."""
    settings = _settings(config)
    linter = _make_linter(settings)
    lines = [f"configuration file: {settings.config_file or '(none found; defaults)'}"]
    skipped = _skipped_config() if config is None else None
    if skipped is not None:
        from orderlint.config import NO_CONFIG_ENV

        lines[0] = f"configuration file: (not read: {NO_CONFIG_ENV} is set; discovery found {skipped})"
    sel = ", ".join(settings.select) if settings.select is not None else "ALL"
    lines.append(f"select = {sel}    # {settings.origin('select')}")
    lines.append(f"ignore = {', '.join(settings.ignore) or '(none)'}    # {settings.origin('ignore')}")
    lines.append(f"fail-on = {settings.fail_on}    # {settings.origin('fail-on')}")
    lines.append(f"as-of = {settings.as_of or '(today)'}    # {settings.origin('as-of')}")
    lines.append(f"enabled rules = {', '.join(sorted(linter.enabled))}")
    windows = ", ".join(f"{k}={'any' if v is None else v}" for k, v in settings.lookback_days.items())
    lines.append(f"lookback-days: {windows}    # {settings.origin('lookback-days')}")
    for key in ("include", "exclude", "extend-exclude"):
        lines.append(f"{key} = {', '.join(getattr(settings, key.replace('-', '_'))) or '(none)'}    # {settings.origin(key)}")
    lines.append(f"force-exclude = {'true' if settings.force_exclude else 'false'}    # {settings.origin('force-exclude')}")
    # Every setting that changes what is checked or how results read is shown: a site's vocabulary
    # names (one mapped to a co-medication no rule checks), plugins allowed to change drug facts.
    lines.append(f"check-timeout = {settings.check_timeout:g}    # {settings.origin('check-timeout')}")
    lines.append(f"allow-vocabulary-override = {', '.join(settings.allow_vocabulary_override) or '(none)'}    "
                 f"# {settings.origin('allow-vocabulary-override')}")
    lines.append(f"allow-as-of = {'true' if settings.allow_as_of else 'false'}    # {settings.origin('allow-as-of')}")
    lines.append(f"fhir-namespace = {settings.fhir_namespace or '(default)'}    # {settings.origin('fhir-namespace')}")
    lines.append(f"docs-url = {settings.docs_url or '(default)'}    # {settings.origin('docs-url')}")
    if settings.vocabulary:
        lines.append(f"[vocabulary]    # {settings.origin('vocabulary')}")
        lines.extend(f"  {name!r} = {target!r}" for name, target in settings.vocabulary.items())
    else:
        lines.append(f"vocabulary = (none)    # {settings.origin('vocabulary')}")
    for pack, values in settings.packs.items():
        for k, v in values.items():
            lines.append(f"packs.{pack}.{k} = {v!r}    # {settings.pack_origin(pack, k)}")
    for r in linter.rules:
        opts = linter.options[r.code]
        changed = settings.rules.get(r.code) or settings.rules.get(r.name) or {}
        sev = linter.severity[r.code]
        sev_note = "" if sev == r.severity else f"  (severity {sev}, {settings.origin('severity')})"
        if opts or sev_note:
            lines.append(f"[{r.code}] {r.name}{sev_note}")
            for k, v in opts.items():
                origin = settings.origin("rules") if k in changed or f"{k}-remove" in changed else "default"
                if origin == "default" and k in r.settings:
                    # A pack-level setting the rule reads ([packs.<pack>]): where the pack's value came
                    # from, not "default" beside the configured value.
                    origin = next((settings.pack_origin(p, k) for p, values in settings.packs.items() if k in values), origin)
                if origin != "default" and getattr(r.options.get(k), "additive", False):  # a site's list adds to the default
                    origin = f"default with {origin}"
                lines.append(f"  {k} = {v!r}    # {origin}")
    _emit("".join(line + "\n" for line in lines))


def _skipped_config() -> Optional[str]:
    """The configuration file discovery would have read, when ORDERLINT_NO_CONFIG kept it from
    being read (only `orderlint config` looks: a site's file is never dropped unseen, and `check`
    does not search for a file it will not read)."""
    from orderlint.config import ConfigError, config_discovery_off, find_config

    if not config_discovery_off():
        return None
    try:
        found = find_config()
    except ConfigError:  # not read either way; the note names no file
        return None
    return str(found[0]) if found else None


def main() -> None:
    # Not click's main(): there Ctrl-C while the command line is parsed prints a blank line and
    # "Aborted!" and exits 1; here it is one line and exit 2 like everywhere else.
    instruction = os.environ.get("_ORDERLINT_COMPLETE")
    if instruction:  # the shell asking for completions (the script `orderlint completion SHELL` prints)
        from click.shell_completion import shell_complete

        sys.exit(shell_complete(cli, {}, "orderlint", "_ORDERLINT_COMPLETE", instruction))
    try:
        try:
            with cli.make_context("orderlint", sys.argv[1:]) as ctx:
                cli.invoke(ctx)
            rv = 0
        except click.exceptions.Exit as e:  # --help, --version
            rv = e.exit_code
        except click.exceptions.Abort:
            _interrupted()
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except OutputError as e:
            _err(str(e))
            _discard_stdout()
            sys.exit(2)
        except OSError as e:  # click writing help or a usage message to a full or closed stream
            if os.environ.get("ORDERLINT_DEBUG"):
                raise
            _err(str(OutputError(STDOUT, e)))
            _discard_stdout()
            sys.exit(2)
        code = rv if isinstance(rv, int) else 0
    except SystemExit:
        _flush_stdout()
        raise
    except KeyboardInterrupt:
        _interrupted()
    _flush_stdout()
    sys.exit(code)


def _flush_stdout() -> None:
    """The last flush of standard output (help, a short answer) fails like any other write:
    one line and exit 2, never Python's exit 120 after the interpreter gave up."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except OSError as e:
        _err(str(OutputError(STDOUT, e)))
        _discard_stdout()
        sys.exit(2)
