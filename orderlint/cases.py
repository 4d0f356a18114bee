"""Case files: each rule's example documents with their exact expected findings, run as tests.

A pack keeps one case file per rule, ``<CODE>.yaml``, in the folder it declares with
``orderlint_pack() -> Pack(cases=...)`` (the core rules: ``orderlint/core_cases/``)::

    rule: ILD202
    cases:
      - name: methylprednisolone-16-mg          # unique within the file
        note: 16 mg = 20 mg prednisone-equivalent, above 15 mg/day     # optional
        config: {rules: {ILD202: {max-daily-pe-mg: 20}}}              # optional, as [tool.orderlint]
        document: |                             # the document as a user writes it (YAML or JSON)
          id: ...
        expect:                                 # every finding of the document, in report order
          - {code: ILD202, order: mp, pointer: /orders/0/dose}

Each expected finding names its ``code`` and, where it matters, its ``order``, ``pointer``,
``severity`` (otherwise the rule's effective severity is expected), ``suppressed`` (true for a
waived finding) and ``message`` (a text the message contains). ``status`` (checked, invalid,
not-applicable) may be given for the document. A case *fires* when it expects an unsuppressed
finding of the file's rule; every file has at least one firing and one passing case, and
``orderlint explain`` and ``docs/rules.md`` show the first of each.

Plugin authors run their pack's cases with :func:`load_cases` and :func:`check_case`
(``tests/test_cases.py`` does the same for every installed pack)::

    import pytest
    from orderlint.cases import check_case, load_cases

    @pytest.mark.parametrize("case", load_cases(MY_CASES_FOLDER), ids=str)
    def test_case(case):
        assert check_case(case) == []
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence, Union

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from orderlint.engine import Linter
    from orderlint.findings import Finding, Result
    from orderlint.rules import Rule

    Folder = Union[str, os.PathLike[str], Traversable]

_CASE_KEYS = {"name", "note", "config", "document", "expect", "status"}
_EXPECT_KEYS = {"code", "order", "pointer", "severity", "suppressed", "message"}
_STATUSES = ("checked", "invalid", "not-applicable")


class CaseError(ValueError):
    """A case file that does not follow the format; the message names the file and the case."""


@dataclass(frozen=True)
class Case:
    """One document of a rule's case file with its exact expected findings."""

    rule: str
    name: str
    document: str
    expect: tuple[dict[str, Any], ...]
    config: Optional[dict[str, Any]] = None
    status: Optional[str] = None
    note: Optional[str] = None
    path: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.rule}:{self.name}"

    @property
    def fires(self) -> bool:
        """True when the case expects an unsuppressed finding of its own rule."""
        return any(e["code"] == self.rule and not e.get("suppressed", False) for e in self.expect)


def _where(path: str, name: Optional[str] = None) -> str:
    return f"{path}" + (f", case {name!r}" if name else "")


def parse_cases(text: str, path: str = "<cases>", code: Optional[str] = None) -> list[Case]:
    """The cases of one case file's text; :class:`CaseError` when it does not follow the format.

    ``code``: the rule the file must be about (its file name without ``.yaml``).
    """
    from orderlint.reader import parse_yaml

    # Read as the linter reads a regimen: a repeated key (a second `document:` or `expect:` that
    # would silently replace the first) is an error, never a case that passes on the wrong text.
    parsed = parse_yaml(text, path)
    if parsed.error is not None:
        e = parsed.error
        raise CaseError(f"{path}:{e.line}:{e.column}: {e.message}")
    data = parsed.data
    if not isinstance(data, dict) or set(data) != {"rule", "cases"}:
        raise CaseError(f"{path}: a case file is a mapping with exactly `rule` and `cases`")
    rule = data["rule"]
    if not isinstance(rule, str) or (code is not None and rule != code):
        raise CaseError(f"{path}: `rule` is {rule!r}; the file {code}.yaml must be about {code}")
    raw = data["cases"]
    if not isinstance(raw, list) or not raw:
        raise CaseError(f"{path}: `cases` must be a non-empty list")
    out: list[Case] = []
    seen: set[str] = set()
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise CaseError(f"{path}: case {i} is not a mapping")
        name = c.get("name")
        if not isinstance(name, str) or not name.strip() or name in seen:
            raise CaseError(f"{_where(path)}: case {i} needs a `name` unique in the file, not {name!r}")
        seen.add(name)
        extra = set(c) - _CASE_KEYS
        if extra:
            raise CaseError(f"{_where(path, name)}: unknown keys {sorted(extra)}; allowed: {sorted(_CASE_KEYS)}")
        doc = c.get("document")
        if not isinstance(doc, str) or not doc.strip():
            raise CaseError(f"{_where(path, name)}: `document` must be the document's text (a YAML block `|`)")
        expect = c.get("expect")
        if not isinstance(expect, list):
            raise CaseError(f"{_where(path, name)}: `expect` must be a list of findings ([] for none)")
        for item in expect:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str) or set(item) - _EXPECT_KEYS:
                raise CaseError(
                    f"{_where(path, name)}: each expected finding is a mapping with `code` and optionally "
                    f"{', '.join(sorted(_EXPECT_KEYS - {'code'}))}, not {item!r}"
                )
        config = c.get("config")
        if config is not None and not isinstance(config, dict):
            raise CaseError(f"{_where(path, name)}: `config` must be a table shaped like [tool.orderlint]")
        status = c.get("status")
        if status is not None and status not in _STATUSES:
            raise CaseError(f"{_where(path, name)}: `status` must be one of {', '.join(_STATUSES)}")
        out.append(Case(rule, name, doc, tuple(dict(item) for item in expect), config, status, c.get("note"), path))
    if not any(c.fires for c in out) or all(c.fires for c in out):
        raise CaseError(f"{path}: a case file needs at least one case where {rule} fires and one where it does not")
    return out


def load_case_file(path: "Folder") -> list[Case]:
    """The cases of one ``<CODE>.yaml`` file (a path or an ``importlib.resources`` file)."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else str(path)
    file = Path(path) if isinstance(path, (str, os.PathLike)) else path
    text = file.read_text(encoding="utf-8")
    return parse_cases(text, name, file.name[: -len(".yaml")] if file.name.endswith(".yaml") else None)


def load_cases(folder: "Folder") -> list[Case]:
    """Every case of every ``*.yaml`` case file in ``folder``, in file-name order."""
    base = Path(folder) if isinstance(folder, (str, os.PathLike)) else folder
    files = sorted((f for f in base.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return [c for f in files for c in load_case_file(f)]


def rule_cases(rule: "Rule") -> list[Case]:
    """The cases of an installed rule (its pack's case file for it), or [] when it has none."""
    f = rule.case_file
    if f is None or not f.is_file():
        return []
    return load_case_file(f)


def first_cases(rule: "Rule") -> tuple[Optional[Case], Optional[Case]]:
    """(first firing case, first passing case) of an installed rule: what `explain` shows."""
    cases = rule_cases(rule)
    return next((c for c in cases if c.fires), None), next((c for c in cases if not c.fires), None)


def installed_cases(linter: Optional["Linter"] = None) -> list[Case]:
    """Every case of every installed pack that declares a case folder."""
    lt = linter or _default()
    return [c for r in lt.rules for c in rule_cases(r)]


def missing_cases(linter: Optional["Linter"] = None) -> list[str]:
    """The rules of packs with a case folder that have no case file: one line each."""
    lt = linter or _default()
    return [
        f"{r.code} ({r.plugin}): no case file {r.case_file}"
        for r in lt.rules
        if r.case_file is not None and not r.case_file.is_file()
    ]


_LINTERS: dict[tuple[str, bool, tuple[int, ...]], "Linter"] = {}


def _default() -> "Linter":
    return _linter_for(None, True, ())


def _linter_for(config: Optional[dict[str, Any]], entry_points: bool, plugins: Sequence[Any]) -> "Linter":
    key = (json.dumps(config, sort_keys=True, default=str), entry_points, tuple(id(p) for p in plugins))
    lt = _LINTERS.get(key)
    if lt is None:
        from orderlint.config import _apply_table, build_settings
        from orderlint.engine import Linter

        settings = build_settings(discover=False)
        if config:
            _apply_table(settings, config, "case config")
        lt = _LINTERS[key] = Linter(settings, entry_points=entry_points, plugins=plugins)
    return lt


def run_case(case: Case, linter: Optional["Linter"] = None, *, entry_points: bool = True, plugins: Sequence[Any] = ()) -> "Result":
    """Lint the case's document with the installed packs (or ``linter``), under its ``config``,
    as the command line reads a file: a regimen document, or FHIR input (one result)."""
    import datetime as _dt

    from orderlint.fhir import dispatch
    from orderlint.reader import read_bytes
    from orderlint.waivers import calendar_date

    lt = linter if linter is not None and case.config is None else _linter_for(case.config, entry_points, plugins)
    doc = read_bytes(case.document.encode("utf-8"), str(case), None)
    # A case is run on its document's date, today included: what it expects never changes with the
    # day it runs (a waiver's `expires` is judged by the latest of as_of, the run's date and today).
    written = doc.data.get("as_of") if isinstance(doc.data, dict) and lt.settings.as_of is None else None
    day = written if isinstance(written, _dt.date) else calendar_date(written) if isinstance(written, str) else None
    saved = lt._as_of, lt._today
    if day is not None:
        lt._as_of = lt._today = day
    try:
        results = dispatch(doc, lt)
    finally:
        lt._as_of, lt._today = saved
    if len(results) != 1:
        raise CaseError(f"{_where(case.path, case.name)}: the document gives {len(results)} results; a case is one document")
    result: Result = results[0]
    return result


def check_case(case: Case, linter: Optional["Linter"] = None, *, entry_points: bool = True, plugins: Sequence[Any] = ()) -> list[str]:
    """What differs between the case's expected findings and the findings it gets ([]: it passes).

    ``linter``: lint with it (a case with ``config`` gets a Linter with that configuration);
    otherwise with the installed packs (``entry_points``) plus ``plugins`` (plugin objects).
    """
    lt = linter if linter is not None and case.config is None else _linter_for(case.config, entry_points, plugins)
    result = run_case(case, lt)
    problems: list[str] = []
    if case.status is not None and result.status != case.status:
        problems.append(f"status {result.status}, expected {case.status}")
    got = list(result.findings)
    if len(got) != len(case.expect) or any(_differs(e, f, lt) for e, f in zip(case.expect, got)):
        problems.append(
            "findings differ\n  expected:\n" + "".join(f"    {_show_expected(e)}\n" for e in case.expect)
            + "  got:\n" + "".join(f"    {_show(f)}\n" for f in got)
        )
    return problems


def assert_case(case: Case, linter: Optional["Linter"] = None, **kw: Any) -> None:
    """:func:`check_case` for pytest: an AssertionError naming the case file and what differs."""
    problems = check_case(case, linter, **kw)
    if problems:
        raise AssertionError(f"{case.path}: case {case.name!r}: " + "; ".join(problems))


def _differs(e: dict[str, Any], f: "Finding", lt: "Linter") -> bool:
    if f.code != e["code"]:
        return True
    severity = e.get("severity", lt.severity.get(f.code))
    if f.severity != severity or f.name != lt.by_code[f.code].name:
        return True
    if "order" in e and (None if e["order"] is None else str(e["order"])) != f.order:
        return True
    if "pointer" in e and e["pointer"] != f.pointer:
        return True
    if bool(e.get("suppressed", False)) != (f.suppressed is not None):
        return True
    return "message" in e and str(e["message"]) not in f.message


def _show_expected(e: dict[str, Any]) -> str:
    return json.dumps(e, ensure_ascii=False)


def _show(f: "Finding") -> str:
    d: dict[str, Any] = {"code": f.code, "order": f.order, "pointer": f.pointer, "severity": f.severity}
    if f.suppressed is not None:
        d["suppressed"] = True
    return json.dumps(d, ensure_ascii=False) + f"  # {f.message}"


def expected_text(case: Case) -> str:
    """The expected findings as `explain` lists them: 'ILD202 at /orders/0/dose (order mp)'."""
    parts = []
    for e in case.expect:
        text = e["code"]
        if e.get("pointer") is not None:
            text += f" at {e['pointer'] or '/'}"
        if e.get("order") is not None:
            text += f" (order {e['order']})"
        if e.get("suppressed"):
            text += " (waived)"
        parts.append(text)
    return "; ".join(parts) or "no finding"


def codes_fired(cases: Iterable[Case]) -> set[str]:
    """Rule codes that some case expects to fire (unsuppressed)."""
    return {e["code"] for c in cases for e in c.expect if not e.get("suppressed", False)}

