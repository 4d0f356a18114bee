"""Rule declarations: the one place a rule's identity and documentation live.

A rule pack declares each rule once with :func:`rule`; that declaration drives
``orderlint rules``, ``orderlint explain``, SARIF rule metadata, the README table
and the engine's dispatch. Checks receive a normalized regimen and yield
:class:`Hit` objects; they never parse input and never build findings themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Optional, Union

_CODE_RE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """What a rule encodes: the guideline or label, its strength, and how well it was verified."""

    citation: str
    grade: str  # e.g. "strong recommendation against", "conditional", "boxed warning", "seed guidance"
    verification: str = "V"  # V verified primary; V2 secondary only; U unverified

    def text(self) -> str:
        return f"{self.citation} [{self.grade}; evidence tag {self.verification}]"


@dataclass(frozen=True)
class Option:
    """A per-site configurable value of a rule (threshold, limit, window)."""

    default: Any
    description: str


class Hit(NamedTuple):
    """What a check reports: the engine turns it into a located, named Finding.

    ``order`` is the index of the order the finding belongs to (None for a
    document-level finding); ``pointer`` is the JSON Pointer of the offending value.
    """

    message: str
    pointer: str
    order: Optional[int] = None
    fix: Optional[str] = None


CheckFn = Callable[..., Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    source: Source
    rationale: str
    fix: Optional[str] = None
    options: dict[str, Option] = field(default_factory=dict)
    failing_example: Optional[str] = None
    passing_example: Optional[str] = None
    notes: Optional[str] = None  # disagreements between sources, told by `explain`
    conditions: Optional[frozenset[str]] = None  # None: core rule, applies to every checked document
    # Drug tags (classes or ingredients) without which the rule cannot fire: the engine skips the
    # rule for regimens with no active order of any of them. A callable gets the rule's options.
    triggers: Optional[Union[frozenset, Callable[[dict], Iterable[str]]]] = field(default=None, compare=False, repr=False)
    check: Optional[CheckFn] = field(default=None, compare=False, repr=False)
    plugin: str = "orderlint"

    def __post_init__(self) -> None:
        problems = []
        if not _CODE_RE.match(self.code):
            problems.append(f"code {self.code!r} is not letters followed by three digits")
        if not _NAME_RE.match(self.name):
            problems.append(f"name {self.name!r} is not kebab-case")
        if self.severity not in SEVERITIES:
            problems.append(f"severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        for attr in ("summary", "rationale"):
            if not getattr(self, attr).strip():
                problems.append(f"{attr} is empty")
        if problems:
            raise ValueError(f"rule {self.code}: " + "; ".join(problems))

    def trigger_tags(self, options: dict[str, Any]) -> Optional[frozenset]:
        if self.triggers is None:
            return None
        tags = self.triggers(options) if callable(self.triggers) else self.triggers
        return frozenset(tags)

    def defaults(self) -> dict[str, Any]:
        return {k: o.default for k, o in self.options.items()}

    def help_uri(self) -> str:
        return f"https://orderlint.dev/rules/{self.code}"

    def full_description(self) -> str:
        return f"{self.summary} {self.rationale}"


def rule(
    *,
    code: str,
    name: str,
    severity: str,
    summary: str,
    source: Source,
    rationale: str,
    fix: Optional[str] = None,
    options: Optional[dict[str, Option]] = None,
    failing_example: Optional[str] = None,
    passing_example: Optional[str] = None,
    notes: Optional[str] = None,
    conditions: Optional[Iterable[str]] = None,
    triggers: Optional[Union[Iterable[str], Callable[[dict], Iterable[str]]]] = None,
) -> Callable[[CheckFn], Rule]:
    """Declare a rule around its check function ``check(regimen, options) -> Iterable[Hit]``."""

    def wrap(fn: CheckFn) -> Rule:
        return Rule(
            code=code,
            name=name,
            severity=severity,
            summary=summary,
            source=source,
            rationale=rationale,
            fix=fix,
            options=dict(options or {}),
            failing_example=failing_example,
            passing_example=passing_example,
            notes=notes,
            conditions=frozenset(conditions) if conditions is not None else None,
            triggers=triggers if triggers is None or callable(triggers) else frozenset(triggers),
            check=fn,
        )

    return wrap
