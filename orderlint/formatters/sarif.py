"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

One run; every rule the linter knows is listed in ``tool.driver.rules`` (so a result can always
point at its rule by index); one result per finding, waived findings included and marked with
``suppressions``. Results are collected in memory: SARIF is for CI, not for million-document
streams (use ``--format jsonl`` there).

Locations are repo-relative URIs (relative to the working directory, forward slashes,
percent-encoded), with a 1-based region. ``partialFingerprints`` are keyed by file, document id,
rule, order id (or JSON Pointer) and the message with its numbers as `#`, never by line number, so
moving unrelated lines or inserting an unrelated order does not make code scanning see a "new"
alert, and two findings of one rule at one place never take each other's fingerprint.

The helpers :func:`orderlint.reader.split_source` and :func:`display_path` are shared with the JUnit and GitHub
formatters so that all three name files the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote

from orderlint import __version__
from orderlint.formatters import Formatter, Output, failing_severities, printable, summary_dict
from orderlint.reader import is_pseudo, stream_location

if TYPE_CHECKING:
    from orderlint.engine import Linter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "orderlint/v1"

#: orderlint severity -> SARIF level.
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
#: orderlint severity -> GitHub's `problem.severity` rule property.
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}

#: GitHub truncates or rejects longer descriptions.
_MAX_DESCRIPTION = 1024
_MAX_TAGS = 20

_ORDER_POINTER = re.compile(r"^/orders/[0-9]+(?=/|$)")


@lru_cache(maxsize=8)
def repository_root(cwd: str) -> str:
    """The folder of the git repository the working folder is in (the nearest above it holding
    `.git`), else the working folder: what code scanning and annotations resolve paths against."""
    folder = cwd
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return cwd
        folder = parent


def display_path(path: str) -> str:
    """A file path relative to the repository root (``repository_root``; the working folder
    outside a repository), with forward slashes (pseudo paths unchanged). Relative to the working
    folder, a run from a subfolder annotated `ILD301-fires.json`, not `orders/ILD301-fires.json`,
    which code scanning attached to no file (interfaces.md: a repo-relative artifact URI)."""
    if is_pseudo(path):
        return path
    try:
        rel = os.path.relpath(os.path.abspath(path), repository_root(os.getcwd()))
    except (ValueError, OSError):  # Windows: another drive; a working folder that is gone
        rel = os.path.abspath(path)
    if os.sep != "/":
        rel = rel.replace(os.sep, "/")
    if os.altsep and os.altsep != "/":
        rel = rel.replace(os.altsep, "/")
    return rel


def artifact_uri(path: str) -> str:
    """The SARIF ``artifactLocation.uri`` of a source path: a relative URI reference."""
    if is_pseudo(path):
        return quote(path[1:-1], safe="") or "stdin"
    rel = display_path(path)
    if os.path.isabs(rel) or rel == os.pardir or rel.startswith(os.pardir + "/"):
        # Outside the repository (or on another drive): its absolute file URI, which a viewer can
        # still open; a '../' reference resolves against no repository file.
        from pathlib import Path

        return Path(os.path.abspath(path)).as_uri()
    # The file name's own bytes, percent-encoded: a name that is not valid UTF-8 (held with
    # surrogate escapes) still gets a URI, and the same one every run.
    return quote(os.fsencode(rel), safe="/")


def _cap(text: str, limit: int = _MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _absolute(uri: str) -> bool:
    return uri.startswith(("https://", "http://"))


def _help(rule: Any, severity: str, options: Any, docs_url: Optional[str] = None) -> dict:
    src = rule.source
    summary, fix = rule.summary_for(options), rule.fix_for(options)
    text = [f"{rule.code} {rule.name} [{severity}]", "", summary, "", f"Why: {rule.rationale}", "",
            f"Source: {src.text()}"]
    md = [f"**{rule.code}** `{rule.name}` ({severity})", "", summary, "", f"**Why:** {rule.rationale}", "",
          f"**Source:** {src.citation} ({src.grade}; evidence tag {src.verification})"]
    if fix:
        text += ["", f"Fix: {fix}"]
        md += ["", f"**Fix:** {fix}"]
    if rule.notes:
        text += ["", f"Notes: {rule.notes}"]
        md += ["", f"**Notes:** {rule.notes}"]
    # The rule's primary source, or a site's own documentation (docs-url); a rule with neither
    # names its section of docs/rules.md in the project, never an invented address.
    uri = rule.help_uri(docs_url)
    text += ["", f"More: {uri}"]
    md += ["", f"[Rule documentation]({uri})" if _absolute(uri) else f"**More:** `{uri}` in the orderlint repository"]
    return {"text": "\n".join(text), "markdown": "\n".join(md)}


def rule_descriptor(rule: Any, linter: "Linter") -> dict:
    severity = linter.severity.get(rule.code, rule.severity)
    docs_url = linter.settings.docs_url
    tags = [rule.plugin, *(sorted(rule.conditions) if rule.conditions else ["core"])]
    src = rule.source
    # Descriptions quote the effective option values of this run, as the findings do.
    options = linter.options.get(rule.code)
    uri = rule.help_uri(docs_url)
    desc: dict = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _cap(rule.summary_for(options))},
        "fullDescription": {"text": _cap(rule.full_description_for(options))},
        "help": _help(rule, severity, options, docs_url),
    }
    if _absolute(uri):  # SARIF's helpUri is an absolute URI; a path in the project stays in the help text
        desc["helpUri"] = uri
    desc.update({
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": list(dict.fromkeys(tags))[:_MAX_TAGS],
            "problem.severity": PROBLEM_SEVERITY[severity],
            "source": src.citation,
            "evidenceGrade": src.grade,
            "verification": src.verification,
            "plugin": rule.plugin,
            "enabled": rule.code in linter.enabled,
        },
    })
    return desc


def _locator(f: Any) -> str:
    """What identifies a finding inside its document, independent of lines and order positions: its
    order (an order without id, named by its index, keyed apart from an order whose id is that
    number) or pointer, and its message with numbers as `#` (as a baseline keys it). Without the
    message, two findings of one rule at one place (ILD501's dose and daily amount) took each other's
    fingerprint when one went away, and a dismissed alert hid the other."""
    from orderlint.baseline import order_kind, shape_of

    if f.order is not None:
        where = order_kind(f) + ":" + _ORDER_POINTER.sub(lambda m: f"/orders/[{f.order}]", f.pointer, count=1)
    else:
        where = "pointer:" + f.pointer
    return where + "\x1f" + shape_of(f)


class SarifFormatter(Formatter):
    def start(self) -> None:
        self.rule_index = {r.code: i for i, r in enumerate(self.linter.rules)}
        self.results: list[dict] = []
        self.not_applicable: list[dict] = []
        self.failed_inputs: list[dict] = []  # toolExecutionNotifications of inputs that could not be read
        self.seen: Counter = Counter()
        # --fail-on info: an info finding fails the run, so its result is a warning, not a note
        # (code scanning showed a red run's failing findings as notes); `properties.severity` keeps the rule's.
        self.info_fails = "info" in failing_severities(self.linter)

    def _location(self, source: str, line: int, column: int, file: Any = None) -> dict:
        # A Bulk Data finding names the file of its line (fhir.md section 1).
        path, src_line = (file, None) if file else stream_location(source)
        region = {"startLine": max(1, src_line if src_line is not None else int(line or 1)),
                  "startColumn": max(1, int(column or 1))}
        return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(path)}, "region": region}}

    def result(self, r: Any) -> None:
        if self.statistics:
            self.tally(r)
        if r.status == "not-applicable":
            loc = self._location(r.source, 1, 1)
            self.not_applicable.append({
                "level": "note",
                "message": {"text": f"{r.source}: not checked: no installed rule pack for condition {r.condition!r}"},
                "locations": [loc],
                "properties": {"documentId": r.id, "condition": r.condition},
            })
            # Its OL007 finding (rules.md 2nd ed.) follows as a result like any other.
        for f in r.findings:
            loc = self._location(r.source, f.line, f.column, getattr(f, "file", None))
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            key = "\x1f".join((uri, r.id or "", f.code, _locator(f)))
            self.seen[key] += 1
            digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            res: dict = {"ruleId": f.code}
            if f.code in self.rule_index:
                res["ruleIndex"] = self.rule_index[f.code]
            res.update({
                "level": "warning" if f.severity == "info" and self.info_fails and f.suppressed is None else LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [loc],
                "partialFingerprints": {FINGERPRINT_KEY: f"{digest}:{self.seen[key]}"},
                "properties": {"documentId": r.id, "status": r.status, "order": f.order, "pointer": f.pointer,
                               "severity": f.severity, "fix": f.fix},
            })
            s = f.suppressed
            if s is not None:
                external = s.approved_by == "baseline" and s.waiver < 0
                res["suppressions"] = [{
                    "kind": "external" if external else "inSource",
                    "status": "accepted",
                    "justification": printable(f"{s.reason} (approved by {s.approved_by})"),
                    "properties": {"approvedBy": printable(s.approved_by), "waiver": s.waiver},
                }]
            self.results.append(res)

    def unreadable(self, message: str) -> None:
        # A code-scanning upload shows the run as failed, not as a clean one over fewer files.
        self.failed_inputs.append({"level": "error", "message": {"text": message}})

    def finish(self, summary: Any) -> None:
        invocation: dict = {"executionSuccessful": not getattr(summary, "crashed", 0) and not self.failed_inputs}
        if self.not_applicable or self.failed_inputs:
            invocation["toolExecutionNotifications"] = self.failed_inputs + self.not_applicable
        driver: dict = {"name": "orderlint", "version": __version__, "semanticVersion": __version__}
        # The site's copy of the documentation when it has one (docs-url); otherwise none: the
        # project has no web site, and SARIF allows the property to be absent.
        if self.linter.settings.docs_url:
            driver["informationUri"] = self.linter.settings.docs_url
        driver["rules"] = [rule_descriptor(r, self.linter) for r in self.linter.rules]
        run: dict = {
            "tool": {"driver": driver},
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "results": self.results,
            "properties": {"summary": summary_dict(summary)},
        }
        doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
        json.dump(doc, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")


def make(fmt: str, out: Output, linter: "Linter", **kw: Any) -> Formatter:
    return SarifFormatter(out, linter, fmt=fmt, **kw)
