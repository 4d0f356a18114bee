"""Rule declarations: the one place a rule's identity and documentation live.

A rule pack declares each rule once with :func:`rule`; that declaration drives
``orderlint rules``, ``orderlint explain``, SARIF rule metadata, the README table
and the engine's dispatch. Checks receive a normalized regimen and yield
:class:`Hit` objects; they never parse input and never build findings themselves.
"""

from __future__ import annotations

import math
import os as _os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Optional, Union

if TYPE_CHECKING:
    from importlib.abc import Traversable
    from os import PathLike

    from orderlint.normalize import Regimen

_CODE_RE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
#: How well a source was verified: V primary, V2 secondary only, U unverified.
VERIFICATION_TAGS = ("V", "V2", "U")
_NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """What a rule encodes: the guideline or label, its strength, and how well it was verified."""

    citation: str
    grade: str  # e.g. "strong recommendation against", "conditional", "boxed warning", "seed guidance"
    verification: str = "V"  # V verified primary; V2 secondary only; U unverified
    # The public address of the source (a DOI as https://doi.org/..., or a label's URL), as the
    # project's clinical-facts sources give it; None when the source has none (never invented).
    url: Optional[str] = None

    def __post_init__(self) -> None:
        # Shown by `explain`, the docs and SARIF help: a source that names nothing, an unknown tag
        # or a link that is no web address ('javascript:...') is refused where the rule is declared.
        for name in ("citation", "grade"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Source.{name} must be a non-empty string, not {value!r:.60}")
        if self.verification not in VERIFICATION_TAGS:
            raise ValueError(f"Source.verification must be one of {', '.join(VERIFICATION_TAGS)}, not {self.verification!r:.60}")
        if self.url is not None and not (isinstance(self.url, str) and self.url.startswith(("https://", "http://"))
                                         and not any(c.isspace() for c in self.url)):
            raise ValueError(f"Source.url must be an http(s) address, not {self.url!r:.60}")

    def text(self) -> str:
        return f"{self.citation} [{self.grade}; evidence tag {self.verification}]"


KINDS = ("number", "integer", "boolean", "string", "list", "names", "table")
NAME_KINDS = ("drug", "test")
BASES = ("mg", "mg/kg", "mg/m2")
PERS = ("admin", "day")
_PLACEHOLDER_RE = re.compile(r"\{([a-z0-9]+(?:-[a-z0-9]+)*)\}")


class OptionError(ValueError):
    """A configured option value its schema refuses; the message says why, in one line.

    ``out_of_range`` is True when the value has the right type but lies outside the option's
    range (the option's description says why the range ends where it does).
    """

    def __init__(self, message: str, *, out_of_range: bool = False, empty: bool = False) -> None:
        super().__init__(message)
        self.out_of_range = out_of_range
        # True when the value names too few items (``Option.min_items``): the way to turn a rule off
        # is to ignore it, not to empty the list it fires on.
        self.empty = empty


def _kind_of(default: Any, names: Any) -> str:
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, (int, float)):
        return "number"
    if isinstance(default, str):
        return "string"
    if isinstance(default, dict):
        return "table"
    if isinstance(default, (list, tuple)):
        return "names" if names else "list"
    raise ValueError(f"option default {default!r}: give kind= (number, integer, boolean, string, list, names, table)")


@dataclass(frozen=True)
class Option:
    """A per-site configurable value of a rule (threshold, limit, window), with its schema.

    ``kind`` is inferred from the default when not given: number, integer, boolean, string,
    list (of strings), names (a list of drug or test names, ``names="drug"|"test"``) or table
    (``names=("drug", "test")``: drug or class -> list of tests). Numbers are finite and within
    ``minimum``/``maximum`` (``minimum`` defaults to 0: no negative limit or window). A pack gives
    every threshold a ``maximum`` (and a ``minimum`` above 0 where a small value silences the rule)
    so that no value outside the clinical range can switch a rule off; the description says why
    the range ends where it does. Names are
    checked against the vocabulary when settings are resolved, so a typo is an error, never a
    rule that silently stops firing. ``min_items`` (lists, names and tables) is the fewest items
    a value may name, after aliases are merged; a table with ``min_items`` also needs at least one
    value in every entry. A pack declares it where an empty value would silence the rule
    (ILD101 ``agents = []``); a site turns a rule off with ``ignore``, never with an empty list.
    ``additive`` (lists, names and tables that name what a rule fires on or requires): a site's
    value adds to the default instead of replacing it (entries merged, the values of an entry
    unioned), so a list written to add one drug never drops the others; a site takes a default
    entry out only by naming it in ``<option>-remove`` (:meth:`without`).
    """

    default: Any
    description: str
    kind: Optional[str] = field(default=None, kw_only=True)
    minimum: Optional[float] = field(default=None, kw_only=True)
    maximum: Optional[float] = field(default=None, kw_only=True)
    names: Optional[Union[str, tuple]] = field(default=None, kw_only=True)
    min_items: Optional[int] = field(default=None, kw_only=True)
    additive: bool = field(default=False, kw_only=True)
    #: The values a string option, or each item of a list option, may take: a typo ('actve') is
    #: then a configuration error, not a rule that silently stops firing.
    choices: Optional[tuple[str, ...]] = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        kind = self.kind or _kind_of(self.default, self.names)
        if kind not in KINDS:
            raise ValueError(f"option kind {kind!r} is not one of {', '.join(KINDS)}")
        object.__setattr__(self, "kind", kind)
        if self.choices is not None:
            if kind not in ("string", "list"):
                raise ValueError(f"choices is for string and list options, not {kind}")
            if not isinstance(self.choices, (str, bytes)):  # read once: a generator is used up by its first reading
                object.__setattr__(self, "choices", tuple(self.choices))
            if isinstance(self.choices, (str, bytes)) or not self.choices or not all(isinstance(c, str) for c in self.choices):
                raise ValueError(f"choices must be a non-empty list of strings, not {self.choices!r:.80}")
            default = [self.default] if kind == "string" else self.default
            if isinstance(default, (list, tuple)) and any(d not in self.choices for d in default):
                raise ValueError(f"option default {self.default!r:.80} is not among its choices {list(self.choices)!r:.200}")
        if self.additive and kind not in ("list", "names", "table"):
            raise ValueError(f"additive is for list, names and table options, not {kind}")
        if self.min_items is not None:
            if kind not in ("list", "names", "table"):
                raise ValueError(f"min_items is for list, names and table options, not {kind}")
            if isinstance(self.min_items, bool) or not isinstance(self.min_items, int) or self.min_items < 1:
                raise ValueError(f"min_items must be a whole number of at least 1, not {self.min_items!r}")
        names = self.names
        if kind == "names" and names not in NAME_KINDS:
            raise ValueError(f"a names option needs names= one of {', '.join(NAME_KINDS)}")
        if kind == "table":
            names = tuple(names) if names is not None else ("drug", "test")
            if len(names) != 2 or any(n not in NAME_KINDS for n in names):
                raise ValueError("a table option needs names=(key kind, value kind), each drug or test")
            object.__setattr__(self, "names", names)
        for bound in ("minimum", "maximum"):
            b = getattr(self, bound)
            if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float)) or not _finite(b)):
                # maximum="30" raised a bare TypeError at the first check of a value, naming no plugin.
                raise ValueError(f"{bound} must be a finite number, not {b!r:.40}")
            if b is not None and kind not in ("number", "integer"):
                raise ValueError(f"{bound} is for number and integer options, not {kind}")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum!r} is above maximum {self.maximum!r}")
        if kind in ("number", "integer") and self.minimum is None:
            if self.maximum is not None and self.maximum < 0:
                raise ValueError(f"maximum {self.maximum!r} is below 0, the least value an option takes unless it "
                                 "gives a minimum")
            object.__setattr__(self, "minimum", 0)

    def range_text(self) -> str:
        """The allowed range as error messages say it: 'at least 0 and at most 30'."""
        parts = []
        if self.minimum is not None:
            parts.append(f"at least {_num(self.minimum)}")
        if self.maximum is not None:
            parts.append(f"at most {_num(self.maximum)}")
        return " and ".join(parts)

    def validate(self, value: Any, vocab: Any = None) -> Any:
        """The value as checks receive it (names canonical), or :class:`OptionError`.

        ``vocab`` (a :class:`orderlint.vocabulary.Vocabulary`) is needed for names and tables;
        without it names are only type-checked.
        """
        kind = self.kind
        if kind in ("number", "integer"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise OptionError(f"must be {'a whole number' if kind == 'integer' else 'a number'}, not {value!r}")
            # An int is exact at any size (math.isfinite would overflow on 10**400): it is checked
            # against the range as an int, and one no double can hold is refused outright.
            if isinstance(value, float) and not math.isfinite(value):
                raise OptionError(f"must be a finite number, not {value!r}")
            if isinstance(value, int) and abs(value) > 1e300:
                raise OptionError(f"must be {self.range_text() or 'a number a double can hold'}, not a {len(str(abs(value)))}-digit number",
                                  out_of_range=True)
            if kind == "integer" and not isinstance(value, int):
                if not float(value).is_integer():
                    raise OptionError(f"must be a whole number, not {value!r}")
                value = int(value)
            if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
                raise OptionError(f"must be {self.range_text()}, not {value!r}", out_of_range=True)
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise OptionError(f"must be true or false, not {value!r}")
            return value
        if kind == "string":
            if not isinstance(value, str):
                raise OptionError(f"must be a string, not {value!r}")
            self._chosen(value)
            return value
        if kind == "list":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"must be a list of strings, not {value!r}")
            for v in value:
                self._chosen(v)
            self._enough(len(value), "string", value)
            return list(value)
        names = self.names
        if kind == "names":
            assert isinstance(names, str)  # __post_init__: one of NAME_KINDS
            out_names = _names(value, names, vocab)
            self._enough(len(out_names), _WHAT[names], value)
            return out_names
        # table: name -> list of names
        assert isinstance(names, tuple)  # __post_init__: (key kind, value kind)
        key_kind, value_kind = names
        if not isinstance(value, dict):
            raise OptionError(f"must be a table of {_WHAT[key_kind]} -> list of {_WHAT[value_kind]}s, not {value!r}")
        out: dict[str, list[str]] = {}
        for k, v in value.items():
            for name in _names([k], key_kind, vocab):
                try:
                    tests = _names(v, value_kind, vocab)
                    # An entry that requires nothing silences the rule for that drug.
                    if self.min_items is not None and not tests:
                        raise OptionError(f"must name at least one {_WHAT[value_kind]}, not {v!r}", empty=True)
                except OptionError as e:
                    raise OptionError(f"entry {k!r}: {e}", empty=e.empty) from None
                merged = out.setdefault(name, [])
                merged.extend(t for t in tests if t not in merged)
        self._enough(len(out), f"{_WHAT[key_kind]} with its {_WHAT[value_kind]}s", value)
        return out

    def merged(self, base: Any, site: Any) -> Any:
        """An ``additive`` option's effective value: ``base`` (validated) with the site's
        validated value added (table entries merged, the values of an entry unioned)."""
        if self.kind == "table":
            out = {k: list(v) for k, v in base.items()}
            for k, values in site.items():
                cur = out.setdefault(k, [])
                cur.extend(v for v in values if v not in cur)
            return out
        items = list(base)
        items.extend(v for v in site if v not in items)
        return items

    def without(self, base: Any, value: Any, vocab: Any = None) -> Any:
        """``base`` (validated) without the entries ``value`` names (``<option>-remove``), or
        :class:`OptionError`: a name that is not an entry of ``base`` removes nothing and is
        refused, as is a removal that leaves fewer than ``min_items``."""
        if self.kind == "list":
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"must be a list of strings, not {value!r}")
            names = list(value)
        else:
            what = self.names[0] if isinstance(self.names, tuple) else self.names
            assert isinstance(what, str)
            names = _names(value, what, vocab)
        entries = list(base)
        for n in names:
            if n not in entries:
                raise OptionError(f"{n!r} is not an entry of the default ({', '.join(map(str, entries))}); nothing to remove")
        if isinstance(base, dict):
            out: Any = {k: list(v) for k, v in base.items() if k not in names}
        else:
            out = [v for v in base if v not in names]
        if self.min_items is not None and len(out) < self.min_items:
            raise OptionError(f"{value!r} would remove every entry, and the rule would check nothing", empty=True)
        return out

    def _chosen(self, value: str) -> None:
        """OptionError when the option has ``choices`` and ``value`` is not one of them."""
        if self.choices is not None and value not in self.choices:
            from orderlint.config import did_you_mean

            shown = ", ".join(map(repr, self.choices[:20])) + (f", ... ({len(self.choices)} in all)" if len(self.choices) > 20 else "")
            raise OptionError(f"{value!r:.80} is not one of {shown}{did_you_mean(value, self.choices)}")

    def _enough(self, count: int, what: str, value: Any) -> None:
        """OptionError when the value names fewer than ``min_items`` items."""
        if self.min_items is None or count >= self.min_items:
            return
        many = "one" if self.min_items == 1 else str(self.min_items)
        what = what if self.min_items == 1 else _plural(what)
        raise OptionError(f"must name at least {many} {what}, not {value!r}", empty=True)


_WHAT = {"drug": "drug or class name", "test": "test name"}


def _plural(what: str) -> str:
    head, sep, tail = what.partition(" with ")
    return f"{head}s{sep}{tail}"


def _num(x: float) -> str:
    return f"{x:g}"


def _names(value: Any, what: str, vocab: Any) -> list[str]:
    """A list of drug/class or test names, each replaced by its canonical name(s)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise OptionError(f"must be a list of {_WHAT[what]}s, not {value!r}")
    out: list[str] = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise OptionError(f"must be a list of {_WHAT[what]}s; {v!r} is not a name")
        for name in (_canonical(v, what, vocab) if vocab is not None else (v,)):
            if name not in out:
                out.append(name)
    return out


def vocab_classes(vocab: Any) -> frozenset:
    """Every class name the vocabulary knows (``vocab.classes`` when it has it)."""
    classes = getattr(vocab, "classes", None)
    if classes is None:
        classes = frozenset(c for d in vocab.drugs.values() for c in d.classes)
    return frozenset(classes)


def _canonical(text: str, what: str, vocab: Any) -> tuple[str, ...]:
    import difflib

    if what == "test":
        hit = vocab.test(text)
        if hit:
            return tuple(hit)
        pool = sorted({t for t in vocab.tests})
        kind = "test"
    else:
        classes = vocab_classes(vocab)
        key = text.strip().lower()
        if key in classes:
            return (key,)
        drug = vocab.drug(text)
        if drug is not None:
            return (drug.name,)
        pool = sorted(classes | set(vocab.drugs))
        kind = "drug or class"
    close = difflib.get_close_matches(text.strip().lower(), pool, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise OptionError(f"unknown {kind} {text!r}{hint}")


_NOT_ITERABLE: Any = object()


def _items(value: Any) -> Any:
    """A declared list as a tuple: a bare string is one name, not a set of letters; a value that
    is not a list at all (``conditions=123``) -> ``_NOT_ITERABLE``, for the caller to name."""
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(value)
    except TypeError:
        return _NOT_ITERABLE


def _options_said(options: Mapping[str, Any]) -> str:
    """Options as a site writes them, for a message: name = value, briefly."""
    said = ", ".join(f"{k} = {v!r}" for k, v in options.items())
    return (said[:200] + " ...") if len(said) > 200 else (said or "(none)")


def _not_a_list(attr: str, value: Any, what: str = "a list of names") -> str:
    return f"{attr} must be {what}, not {type(value).__name__} {value!r:.40}"


def _declared(problems: list[str], attr: str, value: Any, what: str, ok: Callable[[Any], bool]) -> tuple:
    """A declared list (None: empty) as a tuple, each problem with it added to ``problems``: not a
    list at all, or an item that ``ok`` refuses."""
    items = _items(value if value is not None else ())
    if items is _NOT_ITERABLE:
        problems.append(_not_a_list(attr, value, what))
        return ()
    if not all(ok(x) for x in items):
        problems.append(f"{attr} must be {what}")
    return items


def _a_name(x: Any) -> bool:
    return isinstance(x, str) and bool(x.strip())


@dataclass(frozen=True)
class Need:
    """An amount a rule computes from orders: ``reg.amount(o, basis, per)`` for these orders.

    ``tags``: ingredient names or classes of the orders concerned; ``routes``: canonical routes
    (None: any route); ``basis``: mg, mg/kg or mg/m2; ``per``: admin or day (a weekly limit is
    a daily amount times 7). Normalization computes these for every installed rule, enabled or
    not, so that whether an order's dose is unverifiable (OL003) never depends on the selection.
    """

    tags: frozenset
    routes: Optional[frozenset] = None
    basis: str = "mg"
    per: str = "admin"

    def __post_init__(self) -> None:
        items = _items(self.tags)
        if items is _NOT_ITERABLE:
            raise ValueError("Need: " + _not_a_list("tags", self.tags))
        tags = frozenset(items)
        routes = None
        if self.routes is not None:
            items = _items(self.routes)
            if items is _NOT_ITERABLE:
                raise ValueError("Need: " + _not_a_list("routes", self.routes))
            routes = frozenset(items)
        if not tags:
            raise ValueError("Need: tags is empty")
        if self.basis not in BASES:
            raise ValueError(f"Need: basis {self.basis!r} is not one of {', '.join(BASES)}")
        if self.per not in PERS:
            raise ValueError(f"Need: per {self.per!r} is not one of {', '.join(PERS)}")
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "routes", routes)

    def applies(self, tags: Iterable[str], route: Optional[str]) -> bool:
        """True when an order with these (route-aware) tags and this route needs the amount."""
        return (self.routes is None or route in self.routes) and not self.tags.isdisjoint(tags)


def render_value(v: Any) -> str:
    """An option value as a message quotes it: 365, 2.5, 'cbc, lft'."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    if isinstance(v, (int, float)):
        return f"{round(v, 2):g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(render_value(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {render_value(x)}" for k, x in v.items())
    return str(v)


def render(template: str, values: Any) -> str:
    """``template`` with each ``{option-name}`` replaced by that option's value (see render_value)."""
    return _render(template, values)


def _render(template: str, values: Any) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: render_value(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


class Hit(NamedTuple):
    """What a check reports: the engine turns it into a located, named Finding.

    ``order`` is the index of the order the finding belongs to (None for a
    document-level finding); ``pointer`` is the JSON Pointer of the offending value.
    ``also``: the indices of the other orders a finding about several is about (a total over
    orders, reported at its largest): a waiver for one order covers it only when each of these
    is waived too (regimen-format.md: a waiver never covers an order it was not written for).
    """

    message: str
    pointer: str
    order: Optional[int] = None
    fix: Optional[str] = None
    also: tuple[int, ...] = ()


#: What a check receives as its options: the rule's effective values, read-only.
Options = Mapping[str, Any]
#: A check: ``check(regimen, options) -> Iterator[Hit]`` (a generator function, usually).
CheckFn = Callable[["Regimen", Options], Iterable[Hit]]


@dataclass(frozen=True)
class Pack:
    """What a rule pack declares about itself besides its rules (hook ``orderlint_pack``).

    ``settings``: pack-level settings, terms shared by several of its rules (the SSc-ILD pack's
    pulse threshold), each an :class:`Option` with its schema; a site sets them in
    ``[tool.orderlint.packs.<pack-name>]`` and checks read them with :func:`setting`.
    ``cases``: the folder of the pack's case files (``<CODE>.yaml``, one per rule; see
    :mod:`orderlint.cases`), a path or an ``importlib.resources`` folder.
    """

    settings: Mapping[str, Option] = field(default_factory=dict)
    cases: "Optional[Union[str, PathLike[str], Traversable]]" = None

    def __post_init__(self) -> None:
        if not isinstance(self.settings, Mapping):
            raise ValueError("pack " + _not_a_list("settings", self.settings, "a mapping of setting names to rules.Option"))
        bad = [k for k in self.settings if not isinstance(k, str) or not _NAME_RE.match(k)]
        if bad:
            raise ValueError(f"pack setting names must be kebab-case: {', '.join(map(repr, bad))}")
        if not all(isinstance(o, Option) for o in self.settings.values()):
            raise ValueError("pack settings must be rules.Option values")
        if self.cases is not None and not isinstance(self.cases, (str, _os.PathLike)) and not callable(
                getattr(self.cases, "joinpath", None)):
            # Read only when a rule is attached: cases=123 stopped the run with an AttributeError
            # that named no plugin.
            raise ValueError(f"pack cases must be a folder (a path or an importlib.resources folder), not "
                             f"{type(self.cases).__name__}")
        object.__setattr__(self, "settings", dict(self.settings))


_NO_SETTINGS: Mapping[str, Any] = {}


def setting(reg: "Regimen", name: str, default: Any = None) -> Any:
    """The effective value of a pack-level setting (:class:`Pack`) for this regimen's run, or
    ``default`` when no installed pack declares it. The one way checks read shared terms."""
    return getattr(reg, "settings", _NO_SETTINGS).get(name, default)


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
    notes: Optional[str] = None  # how the rule reads its inputs, and where sources disagree; told by `explain`, docs and SARIF help
    conditions: Optional[frozenset[str]] = None  # None: core rule, applies to every checked document
    # Drug tags (classes or ingredients) without which the rule cannot fire: the engine skips the
    # rule for regimens with no active order of any of them. A callable gets the rule's options.
    triggers: Optional[Union[frozenset, Callable[[Mapping[str, Any]], Iterable[str]]]] = field(default=None, compare=False, repr=False)
    check: Optional[CheckFn] = field(default=None, compare=False, repr=False)
    plugin: str = "orderlint"
    # Amounts the check computes (reg.amount / reg.daily_pe); see :class:`Need`.
    amounts: tuple = ()
    # Drug tags (classes or ingredients) the check looks for without firing on them (ILD301 looks
    # for a PCP prophylaxis agent): they are checked drugs too (rules.md Terms); see checked_tags.
    looks_for: frozenset = frozenset()
    # Drug tags the check leaves to another rule though its trigger names them (ILD403 leaves
    # rituximab's hepatitis B screening to ILD402): `lookup` does not list the rule as checking them.
    leaves: frozenset = frozenset()
    # The summary and fix as declared, with {option-name} placeholders; ``summary`` and ``fix``
    # hold them rendered with the defaults, ``summary_for(options)`` with the effective values.
    summary_template: Optional[str] = field(default=None, compare=False, repr=False)
    fix_template: Optional[str] = field(default=None, compare=False, repr=False)
    # Names of the pack-level settings (:class:`Pack`) the rule reads; its summary and fix may
    # quote them. ``pack_settings`` is its pack's declared settings, attached when the pack loads.
    settings: tuple[str, ...] = ()
    pack_settings: Optional[Mapping[str, Option]] = field(default=None, compare=False, repr=False)
    # The rule's case file (``<CODE>.yaml`` in its pack's case folder), attached when the pack loads.
    case_file: Any = field(default=None, compare=False, repr=False)

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
        if not isinstance(self.source, Source):
            problems.append(f"source {self.source!r:.60} is not an orderlint.rules.Source (use rules.src)")
        # Every list of the declaration is checked here, where it is made: a value that is no list
        # (conditions=123) is named with its rule, never Python's "'int' object is not iterable".
        options = self.options if self.options is not None else {}
        if not isinstance(options, Mapping):
            problems.append(_not_a_list("options", options, "a mapping of option names to orderlint.rules.Option"))
            options = {}
        object.__setattr__(self, "options", dict(options))
        bad = [k for k, v in options.items() if not isinstance(v, Option)]
        if bad:
            problems.append(f"option {', '.join(map(repr, bad))} is not an orderlint.rules.Option")
        for attr in ("conditions", "triggers"):
            value = getattr(self, attr)
            if value is not None and not (attr == "triggers" and callable(value)):
                items = _items(value)
                if items is _NOT_ITERABLE:
                    problems.append(_not_a_list(attr, value, "a non-empty list of names" + (" or a callable" if attr == "triggers" else "")))
                    items = ()
                else:
                    items = frozenset(items)
                    if not items or not all(isinstance(v, str) and v.strip() for v in items):
                        problems.append(f"{attr} must be a non-empty list of names")
                object.__setattr__(self, attr, frozenset(items))
        object.__setattr__(self, "amounts", _declared(problems, "amounts", self.amounts, "a list of rules.Need",
                                                      lambda n: isinstance(n, Need)))
        object.__setattr__(self, "looks_for", frozenset(_declared(problems, "looks_for", self.looks_for, "drug or class names",
                                                                  _a_name)))
        object.__setattr__(self, "leaves", frozenset(_declared(problems, "leaves", self.leaves, "drug or class names",
                                                               _a_name)))
        names = _declared(problems, "settings", self.settings, "a list of setting names", _a_name)
        object.__setattr__(self, "settings", names)
        if self.pack_settings is not None:
            undeclared = [n for n in names if n not in self.pack_settings]
            if undeclared:
                problems.append(f"reads {', '.join(undeclared)}, which its pack does not declare as a setting")
        for attr in ("summary", "fix"):
            # Rendered again when the pack's settings are attached (their defaults are the pack's).
            text = getattr(self, f"{attr}_template") or getattr(self, attr)
            if text is None:
                continue
            used = _PLACEHOLDER_RE.findall(text)
            unknown = [u for u in used if u not in self.options and u not in names]
            if unknown:
                problems.append(f"{attr} quotes {', '.join(unknown)}, which is not an option or a setting it reads")
            elif used:
                object.__setattr__(self, f"{attr}_template", text)
                object.__setattr__(self, attr, _render(text, self._text_values()))
        if problems:
            raise ValueError(f"rule {self.code}: " + "; ".join(problems))

    def _text_values(self, options: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """Values the summary and fix quote: setting defaults, option defaults, then ``options``."""
        packs = self.pack_settings or {}
        return {
            **{n: packs[n].default for n in self.settings if n in packs},
            **self.defaults(),
            **(options or {}),
        }

    def trigger_tags(self, options: Mapping[str, Any], runs: bool = True) -> Optional[frozenset]:
        """The drug tags that make the rule run, None for every document. ``runs``: the rule is
        enabled, so a callable's empty answer (it could never run) is an error."""
        if self.triggers is None:
            return None
        if not callable(self.triggers):
            return frozenset(self.triggers)
        tags = self.triggers(options)
        # As a declared list: a bare string is one name (not a set of letters), and a value that is
        # no list is named as such, not as Python's "'int' object is not iterable".
        items = _NOT_ITERABLE if tags is None else _items(tags)
        if items is _NOT_ITERABLE:
            raise ValueError(f"its triggers callable returned {type(tags).__name__} {tags!r:.40}, not a list of names")
        out = frozenset(items)
        # As a declared list again: no trigger never matches, so the rule never ran, yet was listed as
        # enabled (a site's `drugs = []` for an option the callable reads). `ignore` turns a rule off.
        if not out and runs:
            raise ValueError("its triggers callable returned no drug names with the options "
                             f"{_options_said(options)}, so the rule could never run; give the option at least one "
                             "name, or turn the rule off with `ignore`")
        if not all(isinstance(v, str) and v.strip() for v in out):
            raise ValueError(f"its triggers callable returned {sorted(out, key=repr)!r:.80}, not a list of names")
        return out

    def checked_tags(self, options: Optional[Mapping[str, Any]] = None) -> frozenset:
        """Every drug tag this rule names (rules.md Terms, "Checked drug"): its trigger tags, the
        tags it looks for, and the drug and class names in its options (``options``: the rule's
        effective values, canonical; the defaults where missing). Test names are not drugs."""
        opts = {**self.defaults(), **(options or {})}
        tags = set(self.trigger_tags(opts, runs=False) or ())
        tags |= self.looks_for
        for k, spec in self.options.items():
            value = opts.get(k)
            if spec.kind == "names" and spec.names == "drug":
                tags.update(_strings(value))
            elif spec.kind == "table" and isinstance(value, Mapping) and isinstance(spec.names, tuple):
                key_kind, value_kind = spec.names
                if key_kind == "drug":
                    tags.update(k2 for k2 in value if isinstance(k2, str))
                if value_kind == "drug":
                    for v in value.values():
                        tags.update(_strings(v))
        return frozenset(tags)

    def defaults(self) -> dict[str, Any]:
        return {k: o.default for k, o in self.options.items()}

    def summary_for(self, options: Optional[Mapping[str, Any]] = None) -> str:
        """The summary quoting the effective values (``options``: the rule's effective options,
        with the values of the settings it quotes, as ``Linter.options[code]`` holds them)."""
        if self.summary_template is None or options is None:
            return self.summary
        return _render(self.summary_template, self._text_values(options))

    def fix_for(self, options: Optional[Mapping[str, Any]] = None) -> Optional[str]:
        """The fix suggestion quoting the effective option values."""
        if self.fix_template is None or options is None:
            return self.fix
        return _render(self.fix_template, self._text_values(options))

    def full_description_for(self, options: Optional[Mapping[str, Any]] = None) -> str:
        return f"{self.summary_for(options)} {self.rationale}"

    def quoted_settings(self) -> tuple[str, ...]:
        """The settings the rule reads that its summary or fix quotes (their values are part of
        its effective options, so that messages quote the configured value)."""
        used = set(_PLACEHOLDER_RE.findall(f"{self.summary_template or ''} {self.fix_template or ''}"))
        return tuple(n for n in self.settings if n in used and n not in self.options)

    @property
    def docs_anchor(self) -> str:
        """The rule's section in the project's documentation: ``docs/rules.md#<code>``."""
        return f"docs/rules.md#{self.code.lower()}"

    def help_uri(self, docs_url: Optional[str] = None) -> str:
        """Where a reader learns about the rule: ``{docs_url}#{code}`` when the site publishes
        the rule documentation (setting ``docs-url``), else the public address of the rule's
        source; a rule whose source has none (the format contract) points at :attr:`docs_anchor`."""
        if docs_url:
            return f"{docs_url.rstrip('#')}#{self.code.lower()}"
        return self.source.url or self.docs_anchor

    def full_description(self) -> str:
        return f"{self.summary} {self.rationale}"


def _finite(b: Union[int, float]) -> bool:
    try:
        return math.isfinite(b)
    except OverflowError:  # an int beyond a double (10**400)
        return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if isinstance(v, str)]
    return []


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
    notes: Optional[str] = None,
    conditions: Optional[Iterable[str]] = None,
    triggers: Optional[Union[Iterable[str], Callable[[Mapping[str, Any]], Iterable[str]]]] = None,
    amounts: Iterable[Need] = (),
    looks_for: Iterable[str] = (),
    settings: Iterable[str] = (),
    leaves: Iterable[str] = (),
) -> Callable[[CheckFn], Rule]:
    """Declare a rule around its check function ``check(regimen, options) -> Iterable[Hit]``.

    ``summary`` and ``fix`` may quote options as ``{option-name}``: `explain`, `rules` and SARIF
    show them with the effective values (:meth:`Rule.summary_for`). ``amounts`` lists every
    amount the check computes (:class:`Need`). ``looks_for`` names the drug tags the check looks
    for without triggering on them (ILD301: a PCP prophylaxis agent); with the trigger and the
    drug names in the options they make the rule's checked drugs (:meth:`Rule.checked_tags`).
    ``leaves`` names the drug tags the check skips though its trigger names them (another rule
    checks them), so that `lookup` does not list it for them.
    ``settings`` names the pack-level settings (:class:`Pack`) the check reads with
    :func:`setting`; the summary and fix may quote them. Examples live in the rule's case file
    (``<CODE>.yaml`` in the pack's case folder), not here: they are run by the tests.
    """

    def wrap(fn: CheckFn) -> Rule:
        return Rule(
            code=code,
            name=name,
            severity=severity,
            summary=summary,
            source=source,
            rationale=rationale,
            fix=fix,
            options=options if options is not None else {},
            notes=notes,
            # Rule checks and converts every list (a bare string is one name, not a set of letters:
            # conditions="ssc-ild" applied to no document; a value that is no list is named).
            conditions=conditions,  # type: ignore[arg-type]
            triggers=triggers,  # type: ignore[arg-type]
            check=fn,
            amounts=amounts,  # type: ignore[arg-type]
            looks_for=looks_for,  # type: ignore[arg-type]
            settings=settings,  # type: ignore[arg-type]
            leaves=leaves,  # type: ignore[arg-type]
        )

    return wrap
