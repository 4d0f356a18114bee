"""JUnit XML for CI dashboards (GitLab, Jenkins, Azure DevOps).

``<testsuites>`` holds one ``<testsuite>`` per input file (the lines of a JSON Lines file share
their file's suite). Each finding is a ``<testcase>`` named with its code and JSON Pointer (and
its order id), unique within its suite because GitLab keeps only the first of repeated names:

* findings the exit code counts (at or above ``--fail-on``; with ``never``, errors and warnings) ->
  ``<failure type=CODE>`` (the message also in the body, which older GitLab reads instead of the
  attribute);
* other findings -> a passing test case with the message in ``<system-out>``;
* waived findings -> ``<skipped message="waived: REASON (approved by WHO)">``;
* OL000 (a check crashed, so the document was not fully checked) -> ``<error>``;
* a checked document with no findings -> one passing test case ``"<id>: no findings"``, so
  dashboards show pass rates;
* a not-applicable document (no installed rule pack for its condition) -> a skipped test case
  ``"<id>: not checked"`` and its OL007 finding as a failure: it must not look like a pass.

Built with xml.etree.ElementTree; characters XML 1.0 cannot carry are replaced, and the output
is ASCII (other characters as character references), so it is valid whatever the stream encoding.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from orderlint import __version__
from orderlint.findings import SEVERITY_RANK
from orderlint.formatters import Formatter, Output, printable
from orderlint.formatters.sarif import display_path
from orderlint.reader import stream_location

if TYPE_CHECKING:
    from orderlint.engine import Linter

# Characters not allowed in XML 1.0 documents (even as character references).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if text is None else str(text))


class _Suite:
    def __init__(self, name: str) -> None:
        self.el = ET.Element("testsuite", name=_x(name))
        props = ET.SubElement(self.el, "properties")
        ET.SubElement(props, "property", name="orderlint.version", value=__version__)
        self.names: set[str] = set()
        self.counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self.names:
            n += 1
            candidate = f"{name} #{n}"
        self.names.add(candidate)
        return candidate

    def case(self, name: str, classname: str, file: str, line: int | None = None) -> ET.Element:
        # Names carry document text (an order id): newlines, terminal escapes and bidirectional
        # controls are shown escaped, as the text and github formats show them.
        attrs = {"name": _x(self.unique(printable(name))), "classname": _x(printable(classname)), "file": _x(file)}
        if line is not None:
            attrs["line"] = str(line)
        self.counts["tests"] += 1
        return ET.SubElement(self.el, "testcase", attrs)


class JUnitFormatter(Formatter):
    def start(self) -> None:
        self.suites: dict[str, _Suite] = {}
        # Failures are the findings the exit code counts (--fail-on): an info finding at --fail-on
        # info failed the run and passed on the dashboard. With --fail-on never, errors and warnings.
        fail_on = getattr(getattr(self.linter, "settings", None), "fail_on", "warning")
        least = SEVERITY_RANK.get(fail_on, SEVERITY_RANK["warning"])  # as the exit code ranks them
        self._failing = frozenset(s for s, rank in SEVERITY_RANK.items() if rank >= least)

    def _suite(self, path: str) -> _Suite:
        suite = self.suites.get(path)
        if suite is None:
            suite = self.suites[path] = _Suite(path)
        return suite

    def result(self, r: Any) -> None:
        if self.statistics:
            self.tally(r)
        path, line = stream_location(r.source)
        file = display_path(path)
        classname = file if line is None else f"{file}:{line}"
        suite = self._suite(file)
        # Several documents share a suite only in a JSON Lines file: say which one each case is about.
        prefix = "" if line is None else f"{r.id or f'line {line}'}: "
        label = r.id or classname

        # A not-applicable document is a skipped "not checked" case, and its OL007 finding
        # (rules.md 2nd ed.) a failure like any other: the dashboard shows both.
        if r.status == "not-applicable":
            tc = suite.case(f"{label}: not checked", classname, file, line)
            ET.SubElement(tc, "skipped", message=_x(f"not checked: no installed rule pack for condition {r.condition!r}"))
            suite.counts["skipped"] += 1
        elif not r.findings:
            suite.case(f"{label}: no findings", classname, file, line)
            return
        failing = self._failing
        for f in r.findings:
            name = f"{prefix}{f.code} {f.pointer or '(document)'}"
            if f.order is not None:
                name += f" (order {f.order})"
            # A Bulk Data finding names the file of its line (fhir.md 1): it was put at that line of
            # the patient's first file, another patient's.
            other = getattr(f, "file", None)
            if other:
                own = display_path(other)
                case_suite = self._suite(own)
                tc = case_suite.case(name, own, own, f.line)
                where = f"{own}:{f.line}:{f.column}"
            else:
                case_suite = suite
                tc = suite.case(name, classname, file, f.line)
                where = f"{classname}:{f.line}:{f.column}" if line is None else f"{file}:{f.line}:{f.column}"
            # The place names the file: a newline or a bidirectional control in its name is shown
            # escaped, never a line of its own that reads as another finding.
            body = f"{printable(where)}: {f.code} [{f.severity}] {f.message}"
            if f.fix:
                body += f"\nFix: {f.fix}"
            s = f.suppressed
            if s is not None:
                why = printable(f"waived: {s.reason} (approved by {s.approved_by})")
                el = ET.SubElement(tc, "skipped", message=_x(why))
                el.text = _x(f"{body}\n{why}")
                case_suite.counts["skipped"] += 1
            elif f.code == "OL000":
                el = ET.SubElement(tc, "error", message=_x(f.message), type=f.code)
                el.text = _x(body)
                case_suite.counts["errors"] += 1
            elif f.severity in failing:
                el = ET.SubElement(tc, "failure", message=_x(f.message), type=f.code)
                el.text = _x(body)
                case_suite.counts["failures"] += 1
            else:
                out = ET.SubElement(tc, "system-out")
                out.text = _x(body)

    def unreadable(self, message: str) -> None:
        # An input that could not be read is an <error> case: the dashboard showed a clean run over
        # fewer files (the exit code, 2, said otherwise).
        suite = self._suite("(inputs not read)")
        tc = suite.case(printable(message)[:200], "(inputs not read)", "")
        el = ET.SubElement(tc, "error", message=_x(printable(message)), type="unreadable")
        el.text = _x(printable(message))
        suite.counts["errors"] += 1

    def finish(self, summary: Any) -> None:
        root = ET.Element("testsuites", name="orderlint")
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for suite in self.suites.values():
            for k, v in suite.counts.items():
                suite.el.set(k, str(v))
                totals[k] += v
            root.append(suite.el)
        for k, v in totals.items():
            root.set(k, str(v))
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(ET.tostring(root, encoding="us-ascii").decode("ascii"))
        self.out.write("\n")


def make(fmt: str, out: Output, linter: "Linter", **kw: Any) -> Formatter:
    return JUnitFormatter(out, linter, fmt=fmt, **kw)
