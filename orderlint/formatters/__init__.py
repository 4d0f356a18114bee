"""Report stage: formatters turn results into text. They compute no clinical facts.

Every formatter streams: ``start()`` once, ``result(r)`` per document in input order,
``finish(summary)`` once. Modules are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib
from collections import Counter
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from orderlint.engine import Linter

FORMATS = {
    "text": "orderlint.formatters.text",
    "json": "orderlint.formatters.jsonout",
    "jsonl": "orderlint.formatters.jsonout",
    "sarif": "orderlint.formatters.sarif",
    "junit": "orderlint.formatters.junit",
    "github": "orderlint.formatters.github",
    "fhir": "orderlint.formatters.fhir",
}


class Output(Protocol):
    """Where a report goes: standard output, a report file being written, or a worker's buffer."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class Formatter:
    """Base class. ``linter`` gives access to rule metadata (SARIF, JUnit).

    A ``line_oriented`` formatter renders each result on its own, so with ``--jobs`` the workers
    render and the parent only writes their text and merges ``state()`` (for example counts).
    """

    line_oriented = False
    #: Whether ``--statistics`` goes into the report itself (text, json); otherwise to stderr.
    embeds_statistics = False

    def __init__(self, out: Output, linter: "Linter", *, fmt: str = "", statistics: bool = False,
                 color: bool = False) -> None:
        self.out = out
        self.linter = linter
        self.fmt = fmt
        self.statistics = statistics
        # ANSI colour for a terminal (the text format only; the command line decides when).
        self.color = color
        self.counts: Counter = Counter()  # (code, name) -> findings, kept only with --statistics

    def tally(self, r: Any) -> None:
        counts = self.counts
        for f in r.findings:
            counts[(f.code, f.name)] += 1

    def start(self) -> None:
        pass

    def result(self, result: Any) -> None:
        raise NotImplementedError

    def finish(self, summary: Any) -> None:
        pass

    def unreadable(self, message: str) -> None:
        """An input that could not be read (the run exits 2; the message is on standard error).
        A format that can say so in the report does (SARIF); the others leave it to the exit code."""

    def state(self) -> Any:
        return self.counts if self.statistics else None

    def merge(self, state: Any) -> None:
        if state:
            self.counts.update(state)


def get_formatter(fmt: str, out: Output, linter: "Linter", **kw: Any) -> Formatter:
    module = importlib.import_module(FORMATS[fmt])
    return module.make(fmt, out, linter, **kw)


_CONTROL = {c: f"\\x{c:02x}" for c in range(32) if c != 9}
_CONTROL.update({0x7F: "\\x7f", 0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"})
# Bidirectional embedding, override and isolate controls: they can make a line display in another
# order than it reads ("Trojan Source"), so a file name or waiver text could disguise a report line.
_CONTROL.update({c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def says_not_checked(r: Any) -> bool:
    """Whether a report says in words that a not-applicable document was not checked: when it has
    no OL007 to say so (a site ignores OL007), also beside other findings (a FHIR input's OL008
    notes: with OL007 ignored, those alone were printed). rules.md 2nd ed.: OL007 itself is shown
    like any finding."""
    return r.status == "not-applicable" and (not r.findings or r.condition is not None
                                             and not any(f.code == "OL007" for f in r.findings))


def failing_severities(linter: Any) -> frozenset:
    """The severities the run fails on (its `fail-on`, as the exit code ranks them; warning by
    default): a finding of one is never shown as a mere note (--fail-on info)."""
    from orderlint.findings import SEVERITY_RANK

    fail_on = getattr(getattr(linter, "settings", None), "fail_on", "warning")
    least = SEVERITY_RANK.get(fail_on, SEVERITY_RANK["warning"])
    return frozenset(s for s, rank in SEVERITY_RANK.items() if rank >= least)


def printable(text: str) -> str:
    """Escape control characters (newlines, ANSI escapes, bidirectional controls) that document
    text or a file name could carry into a terminal or a line-oriented report, so that no input
    can forge or disguise report lines."""
    return text.translate(_CONTROL)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_line(s: Any) -> str:
    """The one-line summary: the last line of the text report, and on stderr for other reports.
    Counts have thousands separators (1,234 documents): people read this line, programs read
    the machine formats' summaries."""
    parts = [_plural(s.documents, "document"), f"{s.checked:,} checked"]
    if s.not_applicable:
        # Not "(OL007)": a FHIR patient with no order at all is not applicable with OL008 no-orders.
        parts.append(f"{s.not_applicable:,} not applicable")
    if s.invalid:
        parts.append(f"{s.invalid:,} invalid")
    f = s.findings
    found = f"{_plural(f['error'], 'error')}, {_plural(f['warning'], 'warning')}, {f['info']:,} info"
    waived = f", {s.suppressed:,} waived" if s.suppressed else ""
    return f"{', '.join(parts)}: {found}{waived}."


def statistics_lines(counts: Counter) -> list[str]:
    """``--statistics``: findings per rule, most frequent first."""
    return [f"{n:6d}  {code}  {name}" for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def summary_dict(s: Any) -> dict:
    """The summary as the JSON and SARIF reports print it: without the internal crash count."""
    d = s.to_dict()
    del d["crashed"]
    return d
