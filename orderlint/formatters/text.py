"""`path:line:col: CODE [severity] message`, then a one-line summary (ruff/flake8 style)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from orderlint.formatters import Formatter, Output, printable, says_not_checked, statistics_lines, summary_line
from orderlint.reader import stream_location

if TYPE_CHECKING:
    from orderlint.engine import Linter

#: click.style arguments of the severity with --color (ruff-like: errors red, warnings yellow).
SEVERITY_STYLE: dict[str, dict[str, Any]] = {"error": {"fg": "red", "bold": True}, "warning": {"fg": "yellow", "bold": True}, "info": {"fg": "cyan"}}


class TextFormatter(Formatter):
    line_oriented = True
    embeds_statistics = True

    def start(self) -> None:
        self.counts: Counter = Counter()

    def state(self) -> Counter:
        return self.counts

    def merge(self, state: Counter) -> None:
        self.counts.update(state)

    def result(self, r: Any) -> None:
        write = self.out.write
        # A JSON Lines document is named path:LINE and its findings are on that line of the
        # stream: path:LINE:COL, no second line number (interfaces.md 2nd ed.).
        path, stream_line = stream_location(r.source)
        source = printable(r.source if stream_line is None else path)
        # A not-applicable document's OL007 finding prints like any other (rules.md 2nd ed.); the
        # "skipped" line is for a site that ignores OL007, so the document is still never silent.
        if says_not_checked(r):
            write(f"{source}: skipped: no installed rule pack for condition {printable(repr(r.condition))} (not checked)\n")
            if not r.findings:
                return
        color = self.color
        for f in r.findings:
            self.counts[(f.code, f.name)] += 1
            other = getattr(f, "file", None)  # a Bulk Data finding names the file of its line
            if color:
                write(self._colored(f, other or source))
                continue
            line = f"{other or source}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}"
            if f.suppressed is not None:
                line += f" [waived: {f.suppressed.reason} (approved by {f.suppressed.approved_by})]"
            write(printable(line) + "\n")

    @staticmethod
    def _colored(f: Any, source: str) -> str:
        """The same line with the code bold and the severity in its colour; the text from the
        document is escaped first, so only orderlint's own escapes reach the terminal."""
        from click import style

        rest = f" {f.message}"
        if f.suppressed is not None:
            rest += f" [waived: {f.suppressed.reason} (approved by {f.suppressed.approved_by})]"
        sev = style(f"[{f.severity}]", **SEVERITY_STYLE.get(f.severity, {}))
        return f"{printable(f'{source}:{f.line}:{f.column}:')} {style(printable(f.code), bold=True)} {sev}{printable(rest)}\n"

    def finish(self, s: Any) -> None:
        write = self.out.write
        if self.statistics and self.counts:
            for line in statistics_lines(self.counts):
                write(line + "\n")
        write(summary_line(s) + "\n")


def make(fmt: str, out: Output, linter: "Linter", **kw: Any) -> Formatter:
    return TextFormatter(out, linter, fmt=fmt, **kw)
