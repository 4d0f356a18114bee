"""The engine: loads rule packs through pluggy, then runs documents through the stages.

read (reader) -> validate -> normalize -> check (rules) -> waivers -> Result.
Rules are collected once per Linter; the per-document path calls them directly.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
import math
import operator
import os
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Union, cast

import signal
import threading
import time

from orderlint.config import ConfigError, Settings, check_settings_types, check_timeout, did_you_mean
from orderlint.core_rules import (
    ALWAYS_ON, CORE_PACK, CORE_RULES, DEFAULT_PULSE_MIN_PE, ENGINE_CODES, NAMED_OFF_ONLY, NEVER_LOWERED, PULSE_SETTING,
)
from orderlint.findings import MISSPELT_FIX, Finding, Result
from orderlint.reader import Document, unescape_token
from orderlint.rules import SEVERITIES, Hit, Option, Pack, Rule
from orderlint.vocabulary import Vocabulary, VocabularyError

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from orderlint.findings import Severity, Status

ENTRY_POINT_GROUP = "orderlint"


class PluginLoadError(Exception):
    """One or more plugins failed to load; ``messages`` names each one."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _describe_exc(e: BaseException) -> str:
    name = _safe_text(lambda: type(e).__name__) or "an exception"
    said = _safe_text(lambda: str(e))
    if said is None:  # a plugin's exception whose __str__ raised (SystemExit(0) ended the run, exit 0)
        return f"{name} (its message could not be read)"
    text = said.strip().splitlines()
    return f"{name}: {text[0]}" if text else name


def _safe_text(make: Callable[[], Any]) -> Optional[str]:
    """``make()`` as a str, or None if it raises anything but KeyboardInterrupt: the words of an
    error message built from a plugin's object (its __str__, __repr__) must not end the run."""
    try:
        text = make()
        return text if type(text) is str else None
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - SystemExit included: it would end the run as a pass
        return None


def _safe_repr(obj: Any, limit: int = 80) -> str:
    text = _safe_text(lambda: repr(obj))
    return f"an object of type {_safe_text(lambda: type(obj).__name__) or '?'} (not printable)" if text is None else text[:limit]


class _CheckTimeout(BaseException):
    """Raised by the SIGALRM handler inside a check that ran past the document's time limit.

    A BaseException, so that a check's own ``except Exception`` cannot swallow it."""


#: The Linter whose checks are running in the main thread (the SIGALRM handler's target).
_ARMED: list = [None]
#: The rule that was running when the handler stopped the checks (Linter._run_checks' code object,
#: set once the class exists, is how the handler finds it on the stack).
_STRUCK: list = [None]
_RUN_CHECKS_CODE: list = [None]
_MAIN_THREAD = threading.main_thread().ident
_HAS_ALARM = hasattr(signal, "pthread_kill") and hasattr(signal, "setitimer")  # not on Windows


#: What a check may return that iterates without being hits: text and mappings. A check that
#: returned "" or {} found nothing, silently; one that returned "x" or {"x": 1} was already OL000.
_NOT_HITS = (str, bytes, bytearray, memoryview, Mapping)
_GENERATOR = type(_ for _ in ())

_VOCABULARY_KEYS = ("drugs", "tests")


#: Bound on the per-Linter table of rules to run per (condition, active tag set).
_TODO_CACHE_MAX = 4096

# The raw handler, without signal.getsignal's enum conversion (signal.py wraps this C function).
_getsignal: Callable[[int], Any] = getattr(getattr(signal, "_signal", None), "getsignal", signal.getsignal)


#: The SIGALRM handler the embedding program had before orderlint's (Linter._can_time), and
#: whether it is being called (_on_alarm).
_PREVIOUS: list = [None]
_CHAINED: list = [False]


def _on_alarm(signum: int, frame: Any) -> None:
    # Only checks past their deadline stop: a late signal (_ARMED is cleared before the watchdog is
    # disarmed) does nothing, and one from the embedding program's own timer goes to the handler it
    # had set (it never fired again after one lint() call).
    ours = _WATCHDOG.ours()
    if _ARMED[0] is not None and 0.0 < _WATCHDOG.deadline <= time.monotonic():
        # The rule running, for the finding should the check catch what is raised here.
        f = frame
        while f is not None and f.f_code is not _RUN_CHECKS_CODE[0]:
            f = f.f_back
        _STRUCK[0] = f.f_locals.get("r") if f is not None else None
        raise _CheckTimeout()
    if ours:
        return  # the watchdog's own signal, arriving late: nothing to stop, and not the program's
    previous = _PREVIOUS[0]
    if callable(previous) and previous is not _on_alarm and not _CHAINED[0]:
        # Once: a program handler that itself calls the one it replaced (this one) would otherwise
        # call back and forth until RecursionError.
        _CHAINED[0] = True
        try:
            previous(signum, frame)
        finally:
            _CHAINED[0] = False


class _Watchdog:
    """Sends SIGALRM to the main thread when the checks of one document run past their deadline.

    It replaces an interval timer armed and cancelled around every document: those two system
    calls were the largest fixed cost of checking a document, and the main thread now only
    writes a deadline. One daemon thread per process, started on first use (and again in a
    forked child); it sleeps until the deadline it last read, and is woken only when a document
    has an earlier one (no checks running, or a Linter with a shorter limit). A real signal, as
    the timer's was, so that a check blocked in a system call (sleep, I/O) is interrupted too.
    Like the timer, one signal per document at most.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:  # also in a forked child: the thread did not survive, the lock may be held
        self.lock = threading.Lock()  # held while a signal is sent: once disarm() returns, none is
        self.wake = threading.Event()
        self.deadline = 0.0  # time.monotonic() by which the running checks must end; 0.0: none run
        self.ends = 0.0  # the same, kept when the interval timer stands in (deadline is then 'now')
        self.until = math.inf  # when the thread wakes up by itself
        self.started = False
        self.timer = False  # an interval timer stands in for the thread (see arm)
        self.pending = False  # a signal sent by the watchdog that _on_alarm has not yet seen

    def arm(self, timeout: float) -> None:
        """Main thread, before the checks."""
        deadline = self.deadline = self.ends = time.monotonic() + timeout
        if not self.started and not self._start():
            # No thread can be started: the interval timer, as before the watchdog, rather than no limit.
            self.deadline = time.monotonic()  # any SIGALRM stops the checks, as the timer's did
            signal.setitimer(signal.ITIMER_REAL, timeout)
            self.timer = True
        elif deadline < self.until:  # read after the deadline is written: see _watch
            self.wake.set()

    def ours(self) -> bool:
        """Whether the SIGALRM being handled is the watchdog's (or its interval timer's), once."""
        sent, self.pending = self.pending, False
        return sent or self.timer

    def disarm(self) -> None:
        """Main thread, after the checks (and after _ARMED is cleared)."""
        with self.lock:
            self.deadline = 0.0
        if self.timer:
            self.timer = False
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _start(self) -> bool:
        try:
            threading.Thread(target=self._run, name="orderlint-check-timeout", daemon=True).start()
        except RuntimeError:  # no more threads: the interval timer instead
            return False
        self.started = True
        return True

    def _run(self) -> None:
        try:
            self._watch()
        finally:  # should the thread ever end, the next document starts another
            self.started = False

    def _watch(self) -> None:
        sent = 0.0  # the deadline a signal was sent for
        while True:
            deadline = self.deadline
            now = time.monotonic()
            if deadline and deadline != sent and now >= deadline:
                with self.lock:
                    if self.deadline == deadline and _MAIN_THREAD is not None:
                        self.pending = True  # read by _on_alarm: this signal is the watchdog's
                        signal.pthread_kill(_MAIN_THREAD, signal.SIGALRM)
                        sent = deadline
                continue
            # Asleep until this deadline, or (no checks running, or signalled) until woken. Announced
            # first, then the deadline read again: arm() writes the deadline before it reads `until`,
            # so either it sees this `until` and wakes the thread, or this read sees its deadline.
            self.until = deadline if deadline and deadline != sent else math.inf
            if self.deadline == deadline:
                self.wake.wait(None if self.until == math.inf else self.until - now)
            self.wake.clear()


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WATCHDOG._reset)


def freeze_heap() -> None:
    """Once per process, by the command line after it built its Linter: move every object alive
    now (modules, pydantic's validators, the vocabulary, the rules) out of the cyclic garbage
    collector's reach, so that the collections a long stream triggers do not traverse them again
    and again. Never done by the library itself: in an embedding program (the service, Spark, a
    pipeline) it would also pin that program's own garbage of the moment for good."""
    if not _HEAP_FROZEN:
        _HEAP_FROZEN.append(True)
        import gc

        gc.freeze()


_HEAP_FROZEN: list[bool] = []


def _frozen(value: Any) -> Any:
    """A read-only copy of an option value, so that a check cannot change it for later documents."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set):
        return frozenset(value)
    return value


class Linter:
    """Holds the loaded packs, vocabulary and settings; lints documents.

    ``plugins`` registers extra plugin objects (modules or instances with hook
    implementations) in addition to, or with ``entry_points=False`` instead of, the
    installed entry points.
    """

    def __init__(
        self,
        settings: Optional[Settings] = None,
        *,
        entry_points: bool = True,
        plugins: Iterable[Any] = (),
    ) -> None:
        self.settings = settings or Settings()
        check_settings_types(self.settings)
        self.vocab = Vocabulary()
        self.rules: list[Rule] = []
        #: pack name (entry-point name; "orderlint" for the core rules) -> what it declares.
        self.packs: dict[str, Pack] = {}
        self._load(entry_points, list(plugins))
        self.by_code = {r.code: r for r in self.rules}
        self.by_name = {r.name: r for r in self.rules}
        # code -> the conditions the rule is declared for, as canonical_condition() reads a document's
        # (a rule for every condition has none): read once, by loading, selection and dispatch alike.
        self._covers: dict[str, frozenset[str]] = {
            r.code: frozenset(canonical_condition(c) for c in r.conditions) for r in self.rules if r.conditions is not None}
        self._conditions: Optional[frozenset] = None
        self._add_site_names()
        self._resolve_settings()
        # Checks receive read-only options (one copy, shared by every document).
        self._frozen_options = MappingProxyType({code: _frozen(opts) for code, opts in self.options.items()})
        self._frozen_settings = MappingProxyType({k: _frozen(v) for k, v in self.settings_values.items()})
        self._source_text = {r.code: r.source.text() for r in self.rules}
        self._triggers = self._rule_tags(lambda r: r.trigger_tags(self.options[r.code], r.code in self.enabled))
        self._check_names()
        self._dispatch: dict[str, list] = {}
        self._todo: dict[tuple[str, tuple], list[tuple[Rule, Any]]] = {}
        self._plan = self._build_plan()
        self._lookback = MappingProxyType(dict(self.settings.lookback_days))
        self._timeout = float(self.settings.check_timeout)
        # Evaluation date when a document gives none: fixed once per run, so one run is consistent.
        as_of = self.settings.as_of
        # A datetime given in code is its date: compared with a document's dates, it raised (OL000).
        self._as_of = (as_of.date() if isinstance(as_of, _dt.datetime) else as_of) or _dt.date.today()

    @property
    def evaluation_date(self) -> _dt.date:
        """The run's date: `--as-of` or the settings' as-of, else the day the run started (a
        service sets it per request). A document's as_of replaces it for look-back windows only."""
        return self._as_of

    @property
    def today(self) -> _dt.date:
        """Today's date, which no setting moves back: a waiver has lapsed once it is past its
        `expires`, whatever date the run is pinned to. Only a rule case (orderlint.cases, a replay on
        its document's date, so that what it expects never changes with the day) sets _today."""
        return self._today or _dt.date.today()

    _today: Optional[_dt.date] = None

    # ------------------------------------------------------------------ loading
    def _load(self, use_entry_points: bool, extra: list[Any]) -> None:
        import pluggy

        from orderlint.hookspecs import PROJECT, PackSpec

        pm = pluggy.PluginManager(PROJECT)
        pm.add_hookspecs(PackSpec)
        errors: list[str] = []
        builtin: set[str] = set()
        if use_entry_points:
            # The installed distributions' entry_points.txt, read without a full importlib.metadata scan.
            from orderlint._entry import UnreadableEntryPoints, entry_points

            try:
                found = entry_points(ENTRY_POINT_GROUP)
            except UnreadableEntryPoints as e:
                errors.append(str(e))
                found = []
            for ep in sorted(found, key=lambda e: e.name):
                label = _ep_label(ep)
                try:
                    obj = ep.load()
                except BaseException as e:  # noqa: BLE001 - a plugin may raise anything, even SystemExit
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    errors.append(f"plugin {label} failed to load: {_describe_exc(e)}")
                    continue
                ours = getattr(getattr(ep, "dist", None), "name", None) == "orderlint"
                if ep.name == "orderlint" and not ours:
                    # The core's own name: taken, its checks would read the shared regimen and
                    # change what the other rules see, and `explain` would show them as orderlint's.
                    errors.append(f"plugin {label} failed to load: the name 'orderlint' is orderlint's own; "
                                  "give the entry point another name")
                    continue
                if ours:
                    builtin.add(ep.name)
                try:
                    pm.register(obj, name=ep.name)
                except BaseException as e:  # pluggy rejects malformed hook implementations
                    _reraise_interrupt(e)
                    errors.append(f"plugin {label} failed to load: {_describe_exc(e)}")
                else:
                    _no_hooks(pm, obj, label, errors)
        for i, obj in enumerate(extra):
            name = getattr(obj, "__name__", None) or f"{type(obj).__name__}-{i}"
            try:
                pm.register(obj, name=name)
            except BaseException as e:
                _reraise_interrupt(e)
                errors.append(f"plugin {name!r} failed to load: {_describe_exc(e)}")
            else:
                _no_hooks(pm, obj, repr(name), errors)
        try:
            pm.check_pending()
        except BaseException as e:
            _reraise_interrupt(e)
            errors.append(f"plugin hook error: {_describe_exc(e)}")
        self.packs = {"orderlint": CORE_PACK}
        owners: dict[str, str] = {}  # setting name -> pack: one name is one term for every check
        for impl in pm.hook.orderlint_pack.get_hookimpls():
            try:
                pack = impl.function()
                if not isinstance(pack, Pack):
                    raise TypeError(f"returned {_safe_repr(pack)}, not an orderlint.rules.Pack")
            except BaseException as e:
                _reraise_interrupt(e)
                errors.append(f"plugin {impl.plugin_name!r} failed in orderlint_pack: {_describe_exc(e)}")
                continue
            for name in pack.settings:
                if name in owners:
                    errors.append(f"plugin {impl.plugin_name!r}: setting {name!r} is already declared by {owners[name]}")
                owners[name] = impl.plugin_name
            self.packs[impl.plugin_name] = pack

        rules: list[Rule] = [self._attach(r, "orderlint") for r in CORE_RULES]
        seen_codes = {r.code: "orderlint" for r in rules}
        seen_names = {r.name: "orderlint" for r in rules}
        allowed = frozenset(self.settings.allow_vocabulary_override)
        # orderlint's own pack first, so that a plugin changing one of its facts is the one named.
        for impl in sorted(reversed(pm.hook.orderlint_vocabulary.get_hookimpls()), key=lambda i: i.plugin_name not in builtin):
            try:
                contribution: Any = impl.function()
                if contribution is None:
                    contribution = {}
                if not isinstance(contribution, Mapping):  # [], "" or 0 were read as an empty vocabulary
                    raise VocabularyError(f"returned {_safe_repr(contribution)}, not a table with `drugs` and `tests`")
                stray = sorted(str(k) for k in contribution if k not in _VOCABULARY_KEYS)
                if stray:
                    # `drug` or `Drugs` was dropped without a word, and with it every name it gave.
                    raise VocabularyError(f"unknown key {stray[0]!r}{did_you_mean(stray[0], _VOCABULARY_KEYS)}: "
                                          "a vocabulary has `drugs` and `tests`")
                tests = contribution.get("tests", {})
                if not isinstance(tests, Mapping) or not all(
                        isinstance(k, str) and k.strip() and isinstance(v, (list, tuple)) and all(isinstance(a, str) and a.strip() for a in v)
                        for k, v in tests.items()):
                    # A string of aliases was read letter by letter ('ntprobnp': n, t, p, ...).
                    raise VocabularyError(f"`tests` must be a table of test name -> list of aliases, not {_safe_repr(tests)}")
                if impl.plugin_name not in builtin and impl.plugin_name not in allowed:
                    # A name the vocabulary already reads as another drug, or one that looks like a
                    # misspelling of another ('cyclophosphamide iv' as saline): refused, as a site's
                    # names are, unless the site allows that plugin to override.
                    self.vocab.refuse_misreadings(contribution.get("drugs", {}), impl.plugin_name)
                # A contribution that changes a fact another pack declared (a prednisone factor, a
                # class) is a load error naming both, unless the site allows that plugin to.
                self.vocab.add_drugs(contribution.get("drugs", {}), impl.plugin_name, allow_override=impl.plugin_name in allowed,
                                     known_classes_only=impl.plugin_name not in builtin)
                for canonical, aliases in contribution.get("tests", {}).items():
                    self.vocab.add_test(canonical, aliases, impl.plugin_name)
            except VocabularyError as e:
                errors.append(f"plugin {impl.plugin_name!r} vocabulary conflict: {e}")
            except BaseException as e:  # a plugin may raise anything, even SystemExit
                _reraise_interrupt(e)
                errors.append(f"plugin {impl.plugin_name!r} failed in orderlint_vocabulary: {_describe_exc(e)}")
        for impl in sorted(reversed(pm.hook.orderlint_rules.get_hookimpls()), key=lambda i: i.plugin_name not in builtin):
            try:
                returned: Any = impl.function()
                if returned is None:  # a forgotten `return`: the pack would check nothing, unsaid
                    raise TypeError("returned None, not a list of rules (an empty list declares none)")
                contributed = list(returned)
            except BaseException as e:
                _reraise_interrupt(e)
                errors.append(f"plugin {impl.plugin_name!r} failed in orderlint_rules: {_describe_exc(e)}")
                continue
            for r in contributed:
                if not isinstance(r, Rule) or not callable(r.check):
                    errors.append(f"plugin {impl.plugin_name!r} returned {_safe_repr(r)}, which is not a rule declared with @rule")
                    continue
                for key, seen in ((r.code, seen_codes), (r.name, seen_names)):
                    if key in seen:
                        errors.append(f"plugin {impl.plugin_name!r}: rule {key} is already declared by {seen[key]}")
                        break
                else:
                    seen_codes[r.code] = seen_names[r.name] = impl.plugin_name
                    try:
                        rules.append(self._attach(r, impl.plugin_name))
                    except ValueError as e:  # a setting the rule reads that its pack does not declare
                        errors.append(f"plugin {impl.plugin_name!r}: {e}")
        if errors:
            raise PluginLoadError(errors)
        self.rules = sorted(rules, key=lambda r: r.code)
        # orderlint's own packs; every other plugin's checks get a regimen of their own (_isolated).
        self._builtin = frozenset(builtin | {"orderlint"})

    def _attach(self, r: Rule, plugin: str) -> Rule:
        """The rule as its pack installs it: named by the pack, with the pack's settings and its case file."""
        pack = self.packs.get(plugin)
        settings = pack.settings if pack is not None else {}
        return dataclasses.replace(r, plugin=plugin, pack_settings=settings, case_file=case_file(pack, r.code))

    def _add_site_names(self) -> None:
        """`[tool.orderlint.vocabulary]` site names, checked against the loaded vocabulary."""
        table = self.settings.vocabulary
        if not table:
            return
        try:
            self.vocab.add_site_names(dict(table), self.settings.origin("vocabulary"))
        except VocabularyError as e:
            raise ConfigError(str(e)) from None

    def _rule_tags(self, get: Any) -> dict[str, Optional[frozenset]]:
        """code -> tags, computed by each rule's own code (a callable trigger): a plugin's failure
        there is a load error naming it, never a traceback."""
        out: dict[str, Optional[frozenset]] = {}
        errors = []
        for r in self.rules:
            try:
                out[r.code] = get(r)
            except BaseException as e:
                _reraise_interrupt(e)
                errors.append(f"plugin {r.plugin!r}: rule {r.code} failed to name its drugs: {_describe_exc(e)}")
        if errors:
            raise PluginLoadError(errors)
        return out

    def _check_names(self) -> None:
        """Every drug tag a rule triggers on or looks for is a drug or class of the vocabulary, and a
        plugin's condition is not a misspelling of another pack's: a typo there switched the rule off
        without a word ('cyclophosphamid' as a trigger, 'ssc-lid' as the condition, which also made
        a document of that condition count as checked)."""
        from orderlint.rules import vocab_classes

        known = vocab_classes(self.vocab) | set(self.vocab.drugs)
        errors = []
        by_pack: dict[str, set[str]] = {}
        for r in self.rules:
            for c in self._covers.get(r.code, ()):
                by_pack.setdefault(c, set()).add(r.plugin)
            tags = set(self._triggers.get(r.code) or ()) | set(r.looks_for)
            for t in sorted(t for t in tags if t not in known):
                close = _close_match(t, sorted(known), 0.6)
                errors.append(f"plugin {r.plugin!r}: rule {r.code} names {t!r}, which is no drug or class of the vocabulary"
                              + (f" (did you mean {close[0]!r}?)" if close else ""))
        for c, packs in sorted(by_pack.items()):
            others = sorted(d for d, p in by_pack.items() if d != c and not p <= packs)
            close = _close_match(c, others, 0.8) if others else []
            if close:
                errors.append(f"plugin {', '.join(sorted(packs))!r}: condition {c!r} looks like a misspelling of {close[0]!r}, "
                              "which another pack covers")
        if errors:
            raise PluginLoadError(errors)

    def _build_plan(self) -> Any:
        """What normalization decides for every installed rule, enabled or not (rules.md: OL003
        never depends on the selection): the amounts they need and the drugs they name."""
        from orderlint.normalize import Plan

        needs = [n for r in self.rules for n in getattr(r, "amounts", ()) or ()]
        checked: set[str] = set()
        # rules.md Terms, "Checked drug": named in a trigger, looked for, or named in an option.
        named = self._rule_tags(lambda r: r.checked_tags(self.options[r.code]))
        for tags in named.values():
            if tags:
                checked |= tags
        need_tags = {t for n in needs for t in n.tags}
        # A class-level name ("mycophenolate") whose specific ingredients have their own needs:
        # its dose cannot be checked against their limits.
        class_names: dict[str, tuple[str, ...]] = {}
        drugs = getattr(self.vocab, "drugs", {})
        for name in drugs:
            forms = tuple(sorted(t for t in need_tags if t != name and t in drugs and name in drugs[t].classes))
            if forms:
                class_names[name] = forms
        # rules.md Terms (Pulse): the threshold a site set (the pack setting), for the premedication reading.
        pulse = self.settings_values.get(PULSE_SETTING, DEFAULT_PULSE_MIN_PE)
        return Plan(needs, checked, class_names, float(pulse))

    # ------------------------------------------------------------------ settings
    def match(self, selector: str) -> list[Rule]:
        """Rules a selector names: ALL, a code, a code prefix (ILD2) or a rule name."""
        sel = selector.strip()
        if not sel:  # a prefix of nothing would name every rule
            raise ConfigError("an empty rule selector names no rule; give a code, a code prefix (ILD2), a name or ALL")
        if sel.upper() == "ALL":
            return list(self.rules)
        if sel.upper() in self.by_code:
            return [self.by_code[sel.upper()]]
        if sel.lower() in self.by_name:
            return [self.by_name[sel.lower()]]
        hits = [r for r in self.rules if r.code.startswith(sel.upper())]
        if not hits:
            raise ConfigError(f"unknown rule {sel!r}{did_you_mean(sel, [*self.by_code, *self.by_name])}")
        return hits

    def resolve(self, key: str) -> Rule:
        hits = self.match(key)
        if len(hits) != 1:
            raise ConfigError(f"{key!r} names {len(hits)} rules; name one rule by its code or name")
        return hits[0]

    def _resolve_settings(self) -> None:
        s = self.settings
        installed = {r.code for r in self.rules}
        enabled = installed if s.select is None else {r.code for sel in s.select for r in self.match(sel)}
        enabled |= NAMED_OFF_ONLY & installed  # never dropped by a selection: ignored only by name, below
        for sel in s.ignore:
            hits = self.match(sel)
            for r in hits:
                if r.code in ALWAYS_ON and len(hits) == 1:
                    raise ConfigError(f"{r.code} ({r.name}) cannot be ignored: a crash or an invalid document always counts")
            named = len(hits) == 1 and (sel.strip().upper() == hits[0].code or sel.strip().lower() == hits[0].name)
            enabled -= {r.code for r in hits if r.code not in ALWAYS_ON and (named or r.code not in NAMED_OFF_ONLY)}
        # A selection that leaves no rule of any installed pack checks nothing while still
        # reporting documents as checked: refuse it rather than pass everything. One that leaves
        # some condition without its rules (a pack for another condition installed, every SSc-ILD
        # rule ignored) reports those documents not checked (OL007, _idle_conditions).
        covered: dict[str, set[str]] = {}  # condition -> the packs with rules for it
        live: set[str] = set()
        packs: dict[str, list[str]] = {}
        for r in self.rules:
            if r.plugin != "orderlint":
                packs.setdefault(r.plugin, []).append(r.code)
                for c in self._covers.get(r.code, ()):
                    covered.setdefault(c, set()).add(r.plugin)
                    if r.code in enabled:
                        live.add(c)
        self._idle_conditions = {c: sorted(p) for c, p in covered.items() if c not in live}
        if packs and not any(code in enabled for codes in packs.values() for code in codes):
            how = []
            if s.select is not None:
                how.append(f"select = {list(s.select)!r}")
            if s.ignore:
                how.append(f"ignore = {list(s.ignore)!r}")
            names = ", ".join(sorted(packs))
            raise ConfigError(
                f"no rule of pack {names} would run with {' and '.join(how) or 'this selection'}; "
                "select at least one of its rules"
            )
        self.enabled = frozenset(enabled | ALWAYS_ON)
        self.severity: dict[str, str] = {r.code: r.severity for r in self.rules}
        said: dict[str, str] = {}
        for key, sev in s.severity.items():
            r = self.resolve(key)
            _once(said, r, key, f"{s.origins.get('severity', 'settings')}: severity")
            if sev not in SEVERITIES:  # a Settings built in code skips the file schema: checked here too
                raise ConfigError(f"severity of {r.code} must be one of {', '.join(SEVERITIES)}, not {sev!r}")
            if r.code in ALWAYS_ON and sev != "error":
                raise ConfigError(f"the severity of {r.code} ({r.name}) is always error")
            if r.code in NEVER_LOWERED and SEVERITIES.index(sev) > SEVERITIES.index(r.severity):
                raise ConfigError(
                    f"{s.origins.get('severity', 'settings')}: the severity of {r.code} ({r.name}) cannot be lowered to {sev} (it is {r.severity}: it says that "
                    f"something went unchecked); to turn it off, ignore it by name (ignore = [\"{r.code}\"])"
                )
            self.severity[r.code] = sev
        # Defaults go through the same schema as configured values: names become canonical.
        self.options: dict[str, dict[str, Any]] = {}
        for r in self.rules:
            self.options[r.code] = {
                k: _check_option(r.code, k, o, o.default, self.vocab, "default ") for k, o in r.options.items()
            }
        self.settings_values = self._pack_settings(s)
        # An additive option (rules.Option.additive): the site's value is added to the default and
        # `<option>-remove` takes default entries out, removals first (site entries always count).
        added: dict[tuple[str, str], Any] = {}
        removed: dict[tuple[str, str], Any] = {}
        said = {}
        for key, values in s.rules.items():
            r = self.resolve(key)
            _once(said, r, key, f"{s.origins.get('rules', 'settings')}: rules")
            for opt, value in values.items():
                spec = r.options.get(opt)
                base = opt[: -len(REMOVE_SUFFIX)] if spec is None and opt.endswith(REMOVE_SUFFIX) else None
                if base is not None and base in r.options and r.options[base].additive:
                    removed[(r.code, base)] = value
                    continue
                if spec is None and opt in (r.pack_settings or {}):
                    # The first spelling of a pack setting, as an option of one rule that reads it
                    # ([tool.orderlint.rules.ILD204] pulse-min-daily-pe-mg): same schema, same effect.
                    self._set_by_rule(r, opt, value, s)
                    continue
                if spec is None:
                    known = ", ".join(r.options) or "none"
                    raise ConfigError(
                        f"rule {r.code} has no option {opt!r}"
                        f"{did_you_mean(opt, [*r.options, *(k + REMOVE_SUFFIX for k, o in r.options.items() if o.additive)])}"
                        f"; its options: {known}"
                    )
                checked = _check_option(r.code, opt, spec, value, self.vocab)
                if spec.additive:
                    added[(r.code, opt)] = checked
                else:
                    self.options[r.code][opt] = checked
        for code, opt in sorted({*added, *removed}):
            spec = self.by_code[code].options[opt]
            current = self.options[code][opt]
            if (code, opt) in removed:
                current = _check_option(code, opt + REMOVE_SUFFIX, spec, removed[(code, opt)], self.vocab,
                                        remove=True)
                self.options[code][opt] = current
            if (code, opt) in added:
                self.options[code][opt] = spec.merged(current, added[(code, opt)])
        # A rule's text quotes the effective value of the settings it reads (ILD204's summary).
        for r in self.rules:
            for name in r.quoted_settings():
                self.options[r.code][name] = self.settings_values[name]
        s.check_timeout = check_timeout(s.check_timeout, s.origins.get("check-timeout", "settings"))
        s.lookback_days = self._lookback_windows(s)

    def _pack_settings(self, s: Settings) -> dict[str, Any]:
        """Every pack-level setting's effective value: the pack's default, or the site's value
        from ``[tool.orderlint.packs.<pack>]``, each through its schema (a typo is an error)."""
        values: dict[str, Any] = {}
        self._settings_set: dict[str, tuple[str, Any]] = {}  # name -> (where it was set, raw value)
        for pack_name, pack in self.packs.items():
            for name, spec in pack.settings.items():
                values[name] = self._check_setting(pack_name, name, spec, spec.default, "default ")
        for pack_name, given in s.packs.items():
            declared = self.packs.get(pack_name)
            if declared is None:
                raise ConfigError(
                    f"{s.pack_origin(pack_name)}: packs.{pack_name}: no installed pack is named {pack_name!r}"
                    f"{did_you_mean(str(pack_name), self.packs)}; installed packs: {', '.join(sorted(self.packs))}"
                )
            for name, value in given.items():
                declared_spec = declared.settings.get(name)
                if declared_spec is None:
                    known = ", ".join(declared.settings) or "none"
                    raise ConfigError(
                        f"{s.pack_origin(pack_name, name)}: pack {pack_name} has no setting {name!r}"
                        f"{did_you_mean(str(name), declared.settings)}; its settings: {known}"
                    )
                values[name] = self._check_setting(pack_name, name, declared_spec, value)
                self._settings_set[name] = (f"[packs.{pack_name}]", value)
        return values

    def _set_by_rule(self, r: Rule, name: str, value: Any, s: Settings) -> None:
        spec = (r.pack_settings or {})[name]
        checked = _check_option(r.code, name, spec, value, self.vocab)
        earlier = self._settings_set.get(name)
        if earlier is not None and self.settings_values[name] != checked:
            raise ConfigError(
                f"pack {r.plugin} setting {name!r} is set twice with different values: {earlier[1]!r} in "
                f"{earlier[0]} and {value!r} in [rules.{r.code}]; keep [packs.{r.plugin}] only"
            )
        self._settings_set[name] = (f"[rules.{r.code}]", value)
        self.settings_values[name] = checked

    def _check_setting(self, pack: str, name: str, spec: Option, value: Any, what: str = "") -> Any:
        from orderlint.rules import OptionError

        try:
            return spec.validate(value, self.vocab)
        except OptionError as e:
            readers = [r.code for r in self.rules if r.plugin == pack and name in r.settings]
            why = f" (why: orderlint explain {readers[0]})" if e.out_of_range and readers else ""
            raise ConfigError(f"pack {pack} setting {name!r}: {what}{e}{why}") from None

    def _lookback_windows(self, s: Settings) -> dict[str, Optional[int]]:
        """The look-back windows under canonical test names, each within its limit.

        Names are checked here, not when the file is read, because plugins add tests to the
        vocabulary; an alias ('pregnancy test', 'cmp') sets the window of the test(s) it counts as.
        """
        from orderlint.config import DEFAULT_LOOKBACK, check_lookback

        origin = s.origins.get("lookback-days", "settings")
        out: dict[str, Optional[int]] = {}
        aliases: list[tuple[str, tuple[str, ...], Any]] = []
        # Every default window, then the site's: a Settings built in code with a partial table
        # (lookback_days={"hrct": 365}) left the pregnancy test on the 'default' window, 90 days
        # where its own is 14 and its limit 30, and a month-old test passed ILD404.
        windows = {**DEFAULT_LOOKBACK, **s.lookback_days}  # a dict: check_settings_types
        for key, days in windows.items():
            if key == "default":
                out[key] = check_lookback(key, days, origin)
                continue
            canon = self.vocab.test(key) if isinstance(key, str) else None
            if not canon:
                known = sorted({t for parts in self.vocab.tests.values() for t in parts})
                raise ConfigError(
                    f"{origin}: lookback-days: unknown test {key!r}{did_you_mean(str(key), [*known, 'default'])}"
                )
            if canon == (key,):
                out[key] = check_lookback(key, days, origin)
            else:
                aliases.append((key, canon, days))
        # Defaults are canonical; an alias can only come from the site, so it wins over a default.
        # Two site keys that set one test's window differently (lft = 10 and cmp = 100) are an
        # error: whichever came last silently widened the window.
        defaults = DEFAULT_LOOKBACK
        # A file or a dict names the keys the site gave in origins; a Settings built in code with a
        # table of its own gives every key of it (pregnancy = 14 beside hcg = 30 let the alias win).
        from_code = "lookback-days" not in s.origins and s.lookback_days != DEFAULT_LOOKBACK
        given: dict[str, list[tuple[str, Any]]] = {}
        for key, days in windows.items():
            if key != "default" and key in out and (key not in defaults or defaults[key] != days
                                                    or f"lookback-days.{key}" in s.origins
                                                    or (from_code and key in s.lookback_days)):
                given.setdefault(key, []).append((key, days))
        for key, canon, days in aliases:
            for test in canon:
                given.setdefault(test, []).append((key, days))
                out[test] = check_lookback(test, days, origin, key)
        for test, pairs in given.items():
            if len({repr(d) for _k, d in pairs}) > 1:
                said = " and ".join(f"{k} = {d!r}" for k, d in pairs)
                raise ConfigError(f"{origin}: lookback-days: {said} set the window of {test} differently; give it once")
        return out

    # ------------------------------------------------------------------ linting
    @property
    def conditions(self) -> frozenset:
        """Every condition an installed pack covers, as canonical_condition() reads a document's."""
        if self._conditions is None:
            self._conditions = frozenset(c for covers in self._covers.values() for c in covers)
        return self._conditions

    @property
    def checked_drugs(self) -> frozenset:
        """Every drug tag (ingredient or class) an installed rule names: the checked drugs of
        rules.md Terms, whatever the selection (OL002's severity and OL003 use them)."""
        return self._plan.checked

    def _dispatch_for(self, condition: str) -> list[tuple[Rule, Optional[frozenset], Any]]:
        """(rule, trigger tags, read-only options) for every rule to run on this condition, built once."""
        table = self._dispatch.get(condition)
        if table is None:
            table = self._dispatch[condition] = [
                (r if r.plugin in self._builtin else dataclasses.replace(r, check=self._isolated(r.check)),
                 self._triggers[r.code], self._frozen_options[r.code]) for r in self.rules
                if r.code in self.enabled and r.check is not None
                # Both as canonical_condition reads them: a pack declaring 'SSc-PAH' covered the
                # document's 'ssc-pah' (Linter.conditions) yet ran none of its rules on it.
                and (r.conditions is None or condition in self._covers[r.code])
                and r.code not in ENGINE_CODES  # produced by the stages, not by a check
            ]
        return table

    def _isolated(self, check: Any) -> Any:
        """A plugin's check, run on a regimen of its own: a copy of the document, normalized again.
        Checks only read (hookspecs), but nothing made a plugin's check keep to it: one that set an
        order's prednisone-equivalent to 0, or its status to stopped, hid other rules' errors.
        orderlint's own packs read the shared regimen (their tests hold them to it)."""
        import copy

        def run(reg: Any, opts: Any) -> Any:
            view, _ = _normalize(copy.deepcopy(reg.doc), self.vocab, as_of=self._as_of, lookback_days=self._lookback,
                                 plan=self._plan)
            view.options = reg.options
            setattr(view, "settings", reg.settings)
            return check(view, opts)

        return run

    def lint_data(self, data: Any, source: str = "<data>") -> Result:
        """Lint an already-parsed document (no line/column information: positions are 1:1)."""
        return self.lint_document(Document(source=source, data=data, text=None))

    def lint_document(self, doc: Document) -> Result:
        if doc.error is not None:
            e = doc.error
            f = self._finding("OL001", e.message, e.pointer, None, None, (e.line, e.column))
            return _result(doc.source, None, "invalid", None, [f])
        regimen, problems = _validate(doc.data, self.vocab)
        if regimen is None:
            findings = [self._finding("OL001", m, p, None, doc) for m, p in problems]
            return _result(doc.source, _safe_id(doc.data), "invalid", None, _sorted(findings, doc.data))
        written = regimen.indication.condition
        condition = canonical_condition(written)
        if condition not in self.conditions:
            return self._not_applicable(doc, regimen.id, written, condition)
        if condition in self._idle_conditions:
            return self._not_applicable(doc, regimen.id, written, condition, self._idle_conditions[condition])
        try:
            return self._check(doc, regimen, condition)
        except Exception as e:  # fail closed: a stage that crashed never yields a clean result
            f = self._finding(
                "OL000",
                f"orderlint could not check document {regimen.id!r}: {_describe_exc(e)}",
                "", None, None,
            )
            return _result(doc.source, regimen.id, "checked", condition, [f])

    def _not_applicable(self, doc: Document, doc_id: Optional[str], written: str, condition: str,
                        idle: Optional[list[str]] = None) -> Result:
        """Status not-applicable, with OL007 unless the site ignores it (rules.md 2nd ed.). ``idle``:
        the packs that cover the condition, none of whose rules the selection runs."""
        findings = []
        if "OL007" in self.enabled and idle is not None:
            findings.append(self._finding(
                "OL007",
                f"condition {written!r} is covered by pack {', '.join(idle)}, but the selection (select, ignore) runs "
                "none of its rules, so the document was not checked",
                "/indication/condition", None, doc,
            ))
        elif "OL007" in self.enabled:
            if self.conditions:
                import difflib

                known = sorted(self.conditions)
                closest = (difflib.get_close_matches(condition, known, n=1, cutoff=0.0) or known)[0]
                hint = f"; the closest known condition is {closest!r}"
                if len(known) > 1:
                    hint += f" (installed packs cover: {', '.join(known)})"
            else:
                hint = "; no installed rule pack covers any condition"
            findings.append(self._finding(
                "OL007",
                f"condition {written!r} is not covered by any installed rule pack, so the document was not checked{hint}",
                "/indication/condition", None, doc,
            ))
        return _result(doc.source, doc_id, "not-applicable", condition, findings)

    def _check(self, doc: Document, regimen: Any, condition: str) -> Result:
        reg, unknown = _normalize(regimen, self.vocab, as_of=self._as_of, lookback_days=self._lookback, plan=self._plan)
        reg.options = self._frozen_options  # every rule's options, as the pack's first design read them
        # Pack-level settings, read by checks through orderlint.rules.setting (Regimen gives them no field yet).
        setattr(reg, "settings", self._frozen_settings)
        findings: list[Finding] = []
        enabled = self.enabled
        if unknown and "OL002" in enabled:
            # The error tier (a likely misspelling of a checked drug) stays an error whatever severity the
            # site gave OL002 (rules.md: --fail-on error never passes a misspelt checked drug); the site's
            # severity is that of the warning tier. `OL002 = "info"`, set to quiet co-medication names,
            # made a misspelt cyclophosphamide at any dose pass.
            for msg, ptr, idx, is_error in unknown:
                findings.append(self._finding("OL002", msg, ptr, _ref(reg, idx), doc, fix=MISSPELT_FIX if is_error else None,
                                              severity="error" if is_error else None))
        todo = self._todo_for(condition, reg.active_tags())
        also = self._run_checks(todo, reg, doc, regimen.id, findings) if todo else None
        if reg.unverifiable and "OL003" in enabled:
            for idx, reasons in sorted(reg.unverifiable.items()):
                o = reg.orders[idx]
                why = "; ".join(r[0] for r in reasons)
                findings.append(self._finding(
                    "OL003", f"cannot verify the dose of {o.describe()}: {why}", o.pointer + reasons[0][1], o.ref, doc
                ))
        if regimen.waivers:
            from orderlint.waivers import apply_waivers

            findings.extend(apply_waivers(self, reg, findings, doc, also))
        if len(findings) > 1:
            findings = _sorted(findings, doc.data)
        return Result(doc.source, regimen.id, "checked", condition, findings, reg.as_of)

    def _todo_for(self, condition: str, tags: Any) -> list[tuple[Rule, Any]]:
        """(rule, options) of the rules to run on a document of this condition whose active orders
        carry these tags: a rule with trigger tags runs only when one of them is among them.

        Built once per (condition, tags in the order the document gives them): a stream repeats
        few of them, and testing every rule's triggers on every document was a measurable part of
        the per-document cost (a tuple is a cheaper key to build than a frozenset)."""
        key = (condition, tuple(tags))
        todo = self._todo.get(key)
        if todo is None:
            if len(self._todo) >= _TODO_CACHE_MAX:  # bounded: a stream of ever-new tag sets
                self._todo.clear()
            todo = self._todo[key] = [
                (r, opts) for r, trig, opts in self._dispatch_for(condition) if trig is None or not tags.isdisjoint(trig)
            ]
        return todo

    def _run_checks(self, todo: list, reg: Any, doc: Document, doc_id: str,
                    findings: list[Finding]) -> Optional[dict[int, tuple[int, ...]]]:
        """Run the checks of one document under its time limit; whatever a check raises (except
        KeyboardInterrupt) is OL000 for that rule, and the report is kept. Returns the other
        orders of each finding about several (Hit.also) by the finding's id(), or None."""
        also: Optional[dict[int, tuple[int, ...]]] = None
        if not todo:
            return also
        # A deadline per document, enforced with SIGALRM by the watchdog thread, only in the main
        # thread: signals are handled there only, so in another thread (an embedding server) checks
        # run without a time limit.
        timed = self._timeout > 0 and self._can_time()
        # Elsewhere (a server's worker thread) a check cannot be stopped, but one that ran past the
        # limit is still said when the checks return (the limit is a promise, not only a stop).
        began = time.monotonic() if not timed and self._timeout > 0 else 0.0
        # The rule running should the time limit strike (the first one, should it strike before any):
        # the loop variable itself, no enumerate() per rule; its position is found only on a timeout.
        r = todo[0][0]
        try:
            try:
                if timed:
                    _ARMED[0] = self
                    _STRUCK[0] = None
                    _WATCHDOG.arm(self._timeout)
                for r, opts in todo:
                    try:
                        hits = r.check(reg, opts)
                        if hits.__class__ is not _GENERATOR and isinstance(hits, _NOT_HITS):
                            # Iterable, but never of hits: an empty text or mapping ran as "nothing found".
                            raise TypeError(f"returned {_safe_repr(hits)} ({type(hits).__name__}), not an iterable of Hit")
                        for hit in hits:
                            if not isinstance(hit, Hit) or not isinstance(hit.message, str) or not isinstance(hit.pointer, str) or (
                                    hit.order is not None and (hit.order.__class__ is not int or hit.order < 0)) or (
                                    hit.pointer and hit.pointer[0] != "/") or (hit.fix is not None and hit.fix.__class__ is not str):
                                # A fix that is no text broke the JSON report after other documents' output
                                # had been written; a pointer that is no JSON Pointer was placed at 1:1.
                                raise TypeError(f"returned a malformed finding {_safe_repr(hit)}")
                            f = self._finding(r.code, hit.message, hit.pointer, _ref(reg, hit.order), doc, fix=hit.fix)
                            if hit.also:
                                others = _other_orders(hit.also, len(reg.orders))
                                if also is None:
                                    also = {}
                                also[id(f)] = others
                            findings.append(f)
                    except (KeyboardInterrupt, _CheckTimeout):
                        raise
                    except BaseException as e:  # fail closed: SystemExit, CancelledError, GeneratorExit too
                        findings.append(self._finding(
                            "OL000",
                            f"rule {r.code} ({r.name}, from {r.plugin}) crashed on document {doc_id!r}: {_describe_exc(e)}",
                            "", None, doc,
                        ))
                if began and time.monotonic() - began > self._timeout:
                    findings.append(self._finding(
                        "OL000",
                        f"the checks of document {doc_id!r} ran {time.monotonic() - began:.1f} s, past the time "
                        f"limit of {_fmt_seconds(self._timeout)} s per document (check-timeout); outside the main thread "
                        "a check cannot be stopped, so the run waited for it",
                        "", None, doc,
                    ))
                if timed and _WATCHDOG.ends <= time.monotonic():
                    # Past the deadline, yet every check returned: one caught the stop (a bare except)
                    # or replaced the signal's handler, and its answer may be the one a stop left.
                    struck = _STRUCK[0]
                    who = f"; rule {struck.code} ({struck.name}, from {struck.plugin}) was running at the limit" if struck is not None else ""
                    findings.append(self._finding(
                        "OL000",
                        f"the checks of document {doc_id!r} ran past the time limit of {_fmt_seconds(self._timeout)} s per "
                        f"document (check-timeout) without being stopped: a check caught the stop or replaced its signal "
                        f"handler{who}; the findings of this document cannot be trusted",
                        "", None, doc,
                    ))
            finally:
                if timed:
                    _ARMED[0] = None  # first: a signal arriving now does nothing
                    _WATCHDOG.disarm()
        except _CheckTimeout:  # wherever it landed: inside a check or between two
            _ARMED[0] = None
            _WATCHDOG.disarm()
            n = next(i for i, (x, _) in enumerate(todo) if x is r)  # each rule is in todo once
            later = ", ".join(x.code for x, _ in todo[n + 1:])
            findings.append(self._finding(
                "OL000",
                f"rule {r.code} ({r.name}, from {r.plugin}) did not finish on document {doc_id!r} within the "
                f"time limit of {_fmt_seconds(self._timeout)} s per document (check-timeout)"
                + (f"; not run: {later}" if later else ""),
                "", None, doc,
            ))
        return also

    def _can_time(self) -> bool:
        if not _HAS_ALARM or threading.get_ident() != _MAIN_THREAD:
            return False
        # Checked every time (no system call): an embedding program may have replaced the handler.
        # _signal.getsignal, not signal.getsignal: the latter builds an enum member on every call.
        current = _getsignal(signal.SIGALRM)
        if current is not _on_alarm:
            _PREVIOUS[0] = current
            signal.signal(signal.SIGALRM, _on_alarm)
        return True

    def _finding(
        self,
        code: str,
        message: str,
        pointer: str,
        order: Optional[str],
        doc: Optional[Document],
        at: Optional[tuple[int, int]] = None,
        fix: Optional[str] = None,
        severity: Optional[str] = None,
    ) -> Finding:
        r = self.by_code[code]
        if at is not None:
            line, col, locate = at[0], at[1], None
        elif doc is not None:
            line, col, locate = None, None, doc.locate  # computed when first read
        else:
            line, col, locate = 1, 1, None
        return Finding(
            code,
            r.name,
            cast("Severity", severity or self.severity[code]),  # validated: SEVERITIES and config
            message,
            order,
            pointer,
            line,
            col,
            self._source_text[code],
            fix if fix is not None else r.fix,
            None,
            locate=locate,
        )

    def lint_many(self, docs: Iterable[Document]) -> Iterator[Result]:
        for doc in docs:
            yield self.lint_document(doc)


_RUN_CHECKS_CODE[0] = Linter._run_checks.__code__


def _close_match(word: str, pool: list[str], cutoff: float) -> list[str]:
    import difflib  # only for a name to correct: start-up imports nothing more

    return difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)


def _result(source: str, doc_id: Optional[str], status: str, condition: Optional[str], findings: list) -> Result:
    return Result(source, doc_id, cast("Status", status), condition, findings)


def _no_hooks(pm: Any, obj: Any, label: str, errors: list[str]) -> None:
    """A registered plugin with no orderlint hook implementation (@orderlint.hookimpl forgotten,
    or another project's marker) contributes nothing: a load error, never a pack that checks
    nothing without a word."""
    from orderlint.hookspecs import PackSpec

    callers = pm.get_hookcallers(obj) or []
    known = tuple(n for n in vars(PackSpec) if n.startswith("orderlint_"))  # the hooks it declares
    if not callers:
        errors.append(f"plugin {label} failed to load: it implements no orderlint hook ({', '.join(known)}), each "
                      "marked with orderlint.hookimpl")
        return
    # pluggy accepts an implementation of a hook no spec declares when it is marked optionalhook:
    # orderlint_rule (for orderlint_rules) contributed nothing, and the plugin's rules were missing.
    for hc in callers:
        if hc.name not in known:
            import difflib

            close = difflib.get_close_matches(hc.name, known, n=1, cutoff=0.6)
            errors.append(f"plugin {label} failed to load: it implements {hc.name}, which is no orderlint hook"
                          + (f" (did you mean {close[0]}?)" if close else f" ({', '.join(known)})"))
    # A hook function left unmarked beside a marked one is never called: its rules were missing.
    marked = {hc.name for hc in callers}
    for name in known:
        if name not in marked and callable(getattr(obj, name, None)):
            errors.append(f"plugin {label} failed to load: its {name} is not marked with orderlint.hookimpl, so it "
                          "would never be called")


def _other_orders(also: Any, count: int) -> tuple[int, ...]:
    """Hit.also as a tuple of order indices, each an index of one of the ``count`` orders."""
    out = tuple(also)
    for i in out:
        if i.__class__ is not int or not 0 <= i < count:
            raise TypeError(f"returned a finding whose 'also' names {_safe_repr(i)}, not the index of an order")
    return out


def _ref(reg: Any, idx: Optional[int]) -> Optional[str]:
    return reg.orders[idx].ref if idx is not None else None


def _safe_id(data: Any) -> Optional[str]:
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return data["id"]
    return None


def _sorted(findings: list[Finding], data: Any) -> list[Finding]:
    """Findings in document order (then by code), without computing any line or column.

    The key is the path of member and element indices along each pointer (down to the deepest
    value that exists, which is where the finding is located), so it orders findings exactly as
    their positions in the text do: JSON and YAML keep members in document order.
    """
    if len(findings) < 2:
        return findings
    first = findings[0].pointer
    for f in findings:
        if f.pointer != first:
            break
    else:  # one place (often: several rules at one order's drug): equal positions, so by code alone
        return sorted(findings, key=_code)
    if len(findings) < _FEW_FINDINGS:  # list.index per key costs less than building the tables below
        return sorted(findings, key=lambda f: (document_order(data, f.pointer), f.code))
    members: dict[int, dict[str, int]] = {}  # one key -> index table per object, shared by all findings
    return sorted(findings, key=lambda f: (document_order(data, f.pointer, members), f.code))


_code = operator.attrgetter("code")
#: Below this many findings, _sorted finds each member's position without a table per object.
_FEW_FINDINGS = 8


def document_order(data: Any, pointer: str, members: Optional[dict[int, dict[str, int]]] = None) -> list[int]:
    """Member and element indices along ``pointer``, down to the deepest value that exists.

    ``members`` memoizes each object's key positions (by object identity, for one sort), so that
    ordering many findings in one large object costs one pass over its keys, not one per finding.
    """
    key: list[int] = []
    node = data
    for raw in pointer.split("/")[1:] if pointer else ():
        token = unescape_token(raw) if "~" in raw else raw  # escapes are rare: no call for most tokens
        if isinstance(node, dict):
            if token not in node:
                break
            if members is None:
                key.append(list(node).index(token))
            else:
                index = members.get(id(node))
                if index is None:
                    index = members[id(node)] = {k: i for i, k in enumerate(node)}
                key.append(index[token])
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            key.append(int(token))
            node = node[int(token)]
        else:
            break
    return key


# The stages' entry points, imported on first use (validate loads pydantic) and then bound here:
# an import statement in the per-document path costs about a microsecond a document.
def _validate(data: Any, vocab: Vocabulary) -> tuple[Any, list[tuple[str, str]]]:
    global _validate
    from orderlint.validate import validate as _validate

    return _validate(data, vocab)


def _normalize(regimen: Any, vocab: Vocabulary, **kw: Any) -> tuple[Any, list[tuple[str, str, Optional[int], bool]]]:
    global _normalize
    from orderlint.normalize import normalize as _normalize

    return _normalize(regimen, vocab, **kw)


def canonical_condition(text: str) -> str:
    # Imported on first use: orderlint.validate loads pydantic, which `rules` and `explain` never need.
    global canonical_condition
    from orderlint.validate import canonical_condition

    return canonical_condition(text)


def _reraise_interrupt(e: BaseException) -> None:
    if isinstance(e, KeyboardInterrupt):
        raise e


def _fmt_seconds(x: float) -> str:
    return f"{x:g}"


def _ep_label(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    version = f" {dist.name} {dist.version}" if dist is not None else ""
    return f"{ep.name!r} ({ep.value}{version})"


def case_file(pack: Optional[Pack], code: str) -> "Optional[Union[Path, Traversable]]":
    """Where a rule's case file is: ``<CODE>.yaml`` in its pack's case folder (None: no folder)."""
    folder = pack.cases if pack is not None else None
    if folder is None:
        return None
    if isinstance(folder, (str, os.PathLike)):
        return Path(folder) / f"{code}.yaml"
    return folder.joinpath(f"{code}.yaml")


def _once(said: dict[str, str], r: Rule, key: str, where: str) -> None:
    """ConfigError when a second key of one table names the rule ``r`` (ILD301 and ild301, a code
    and its name): whichever came last silently won."""
    first = said.setdefault(r.code, key)
    if first != key:
        raise ConfigError(f"{where}: {first!r} and {key!r} both name {r.code} ({r.name}); give it once")


#: `[rules.<rule>] <option>-remove = [...]` takes entries out of an additive option's default.
REMOVE_SUFFIX = "-remove"


def _check_option(code: str, name: str, spec: Any, value: Any, vocab: Any = None, what: str = "",
                  *, remove: bool = False) -> Any:
    """The value checks receive (canonical names), or a one-line ConfigError naming rule, option and value.

    ``remove``: ``value`` is an additive option's ``<option>-remove`` list; the result is the
    option's default without those entries."""
    from orderlint.rules import OptionError

    try:
        if remove:
            return spec.without(spec.validate(spec.default, vocab), value, vocab)
        return spec.validate(value, vocab)
    except OptionError as e:
        # The option's description says why its range ends where it does.
        why = f" (why: orderlint explain {code})" if getattr(e, "out_of_range", False) else ""
        if getattr(e, "empty", False):
            # An emptied list is a way to switch a rule off by mistake; ignoring it says so.
            why = f"; to turn the rule off, ignore it (ignore = [\"{code}\"])"
        raise ConfigError(f"rule {code} option {name!r}: {what}{e}{why}") from None
