"""GitHub Actions workflow commands: one annotation line per finding, nothing else on stdout.

``::error file=PATH,line=L,col=C,title=CODE::message`` (as interfaces.md specifies) (``::warning`` for
warnings, ``::notice`` for info). A waived finding is a ``::notice`` ending in
``(waived: REASON; approved by WHO)``. A document no installed rule pack applies to gets a
``::error`` for its OL007 finding (or a ``::notice`` saying it was not checked where a site ignores
OL007), so a skipped document is never silent.

Escaping follows the runner (actions/toolkit ``command.ts``): in the message ``%``, CR and LF
become ``%25``, ``%0D``, ``%0A``; in property values (``file``, ``title``) ``:`` and ``,`` also
become ``%3A``, ``%2C``. A result's source is split into file and line only when the JSON Lines
reader named it (``stream_location``): a whole document in a file named ``x.jsonl:3`` is that file.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from orderlint.formatters import Formatter, Output, failing_severities, printable, says_not_checked
from orderlint.formatters.sarif import display_path
from orderlint.reader import is_pseudo, stream_location

if TYPE_CHECKING:
    from orderlint.engine import Linter

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    # Newlines become %0A as GitHub documents; other control characters (ANSI escapes) are escaped.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **props: Any) -> str:
    parts = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{name}{' ' + parts if parts else ''}::{escape_data(message)}"


class GitHubFormatter(Formatter):
    line_oriented = True

    def unreadable(self, message: str) -> None:
        # An input that could not be read is annotated too: a workflow's summary showed a clean run
        # over fewer files (the exit code, 2, said otherwise).
        self.out.write(command("error", message, title="orderlint (input not read)") + "\n")

    def result(self, r: Any) -> None:
        if self.statistics:
            self.tally(r)
        path, src_line = stream_location(r.source)
        file = None if is_pseudo(path) else display_path(path)
        write = self.out.write
        # rules.md 2nd ed.: a not-applicable document carries OL007, annotated like any finding;
        # only where a site ignores OL007 does the notice say the document was not checked.
        if says_not_checked(r):
            write(command(
                "notice",
                f"{r.source}: not checked: no installed rule pack for condition {r.condition!r}",
                file=file, line=src_line, title="orderlint (document not checked)",
            ) + "\n")
            if not r.findings:
                return
        failing = self._failing
        for f in r.findings:
            line = src_line if src_line is not None else max(1, f.line)
            message = f.message
            name = COMMAND[f.severity]
            s = f.suppressed
            if s is not None:
                name = "notice"
                message += f" (waived: {s.reason}; approved by {s.approved_by})"
            elif name == "notice" and f.severity in failing:
                # --fail-on info: the run fails on it, so it is not shown as a mere notice (a red job
                # whose annotations named no failing finding).
                name = "warning"
            loc = {} if file is None else {"file": file, "line": line, "col": max(1, f.column)}
            other = getattr(f, "file", None)  # a Bulk Data finding names the file of its line
            if other:
                loc = {"file": display_path(other), "line": max(1, f.line), "col": max(1, f.column)}
            elif file is None:
                # Standard input has no file to annotate: the message names the place, as text does
                # ('<stdin>:2:224'); without it a finding in a long stream could not be found.
                message = f"{path}:{line}:{max(1, f.column)}: {message}"
            write(command(name, message, **loc, title=f.code) + "\n")

    @cached_property
    def _failing(self) -> frozenset:
        return failing_severities(self.linter)


def make(fmt: str, out: Output, linter: "Linter", **kw: Any) -> Formatter:
    return GitHubFormatter(out, linter, fmt=fmt, **kw)
