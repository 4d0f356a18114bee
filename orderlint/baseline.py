"""Baselines for adopting orderlint on an existing protocol repository.

Entries are keyed by file and document id, rule and order id (or JSON Pointer when a finding has no order),
never by line number, so that unrelated edits do not churn the baseline. A finding that is in
the baseline is marked suppressed ("in baseline") and does not count toward the exit code.

An entry also records the amounts its finding reported (`"amounts"`: every number of the
message), and covers a later finding only when no amount grew: a baseline recorded at
3,200 mg/day never hides 12,000 mg/day (issue 10, item 13). An entry without amounts (written before they were recorded) covers only
findings that report none, so an old baseline fails closed; writing it again records them.

And it records the message with its numbers taken out (`"message"`), which a later finding must
repeat: an entry of "rituximab is started without hbv screening" on order `x` never covers
"tofacitinib is started without tb screening" after the order was changed under the same id.
An entry without it (written before it was recorded) covers nothing.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from typing import Any, Optional

from orderlint.findings import Finding, Result, Suppression, misspelt_checked_drug
from orderlint.reader import is_pseudo, stream_location

FORMAT = 1

Key = tuple[str, str, str, Optional[str]]  # file, rule, order or pointer, message without its numbers
Amounts = tuple[float, ...]

# A number standing on its own: not part of a name such as G6PD, NUDT15, q2w or ILD501.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\w)(?!\.\d)", re.ASCII)
_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)", re.ASCII)
_ORDER_POINTER = re.compile(r"/orders/(0|[1-9][0-9]*)(?:/|$)", re.ASCII)


def _source_key(result: Result, folder: str) -> str:
    """A result's `file#document id` (a JSON Lines source `path:LINE` by its path).

    The file is named relative to ``folder``, the baseline file's own: relative to the working
    folder, `protocols/cyc.yaml` run from one site's folder and from another's were one file, and
    one site's entry covered the other's new findings. Keyed by the document's id as well as its
    file: a file replaced by another patient's document (the same path, a new id) kept the first
    patient's entries, which covered the second's findings. Standard input is no file either:
    every document piped in would be the same one. An entry written before (the file alone)
    covers nothing, so an old baseline fails closed."""
    path, _line = stream_location(result.source)
    if not is_pseudo(path):  # <stdin>, <data>: no file
        try:
            # The file itself, links resolved: as text, `link/../a.json` named the a.json beside the
            # link while the file read was the one beside its target.
            path = os.path.relpath(os.path.realpath(path), folder)
        except ValueError:  # Windows: another drive
            path = os.path.abspath(path)
        if os.sep != "/":
            path = path.replace(os.sep, "/")
    return f"{path}#{result.id}"


def _key(source: str, f: Finding) -> Key:
    """(file#document id, rule, what, message shape) of a finding of the result ``source`` names."""
    what = f"pointer:{f.pointer}" if f.order is None else f"{order_kind(f)}:{f.order}"
    return (source, f.code, what, shape_of(f))


def order_kind(f: Finding) -> str:
    """'order-index' for a finding of an order without id (named by its index, which could equal
    another order's id: keyed apart, so that neither can cover the other's findings), else 'order'."""
    m = _ORDER_POINTER.match(f.pointer)
    return "order-index" if m is not None and m.group(1) == f.order else "order"


def shape_of(f: Finding) -> str:
    """A finding's message with its numbers replaced by `#`: what it is about (drug, test, route)
    without what it measured, which ``covers`` compares. Text quoted from the document is kept
    whole: a number there is no measurement (an entry of frequency 'every 28 days' covered
    'every 1 days', cyclophosphamide 28 times as often, as a smaller number)."""
    message = f.message
    if "'" not in message and '"' not in message:
        return _NUMBER.sub("#", message)
    out, at = [], 0
    for m in _QUOTED.finditer(message):
        out.append(_NUMBER.sub("#", message[at:m.start()]))
        out.append(m.group())
        at = m.end()
    out.append(_NUMBER.sub("#", message[at:]))
    return "".join(out)


#: Text quoted from the document as repr() quotes it (single or double quotes, backslash escapes).
#: A quote opens only where no letter stands before it and closes where none follows: the
#: apostrophe of "patient's" opened a quote that ended inside the document's text, whose numbers
#: then counted as amounts again.
_QUOTED = re.compile(r"(?<!\w)'(?:[^'\\]|\\.)*'(?!\w)|(?<!\w)\"(?:[^\"\\]|\\.)*\"(?!\w)")


def amounts_of(f: Finding) -> Amounts:
    """What a finding measured: every number in its message (dose, daily total, course length,
    count of administrations, and the limit), then the days between each two dates it names.

    A date is no three amounts: year, month and day compared one by one let "prophylaxis ends on
    2026-03-09" be covered by an entry of "ends on 2026-05-20" (its day grew, nothing else), an earlier
    end, which is worse. The days between two dates grow when it is worse (an end before the course
    it covers, a start after the day protection is needed) and stay the same when every date moves
    with the evaluation date. A single date is kept as its day number: a later one (a new positive
    result) is not covered by an entry of an earlier one."""
    dates: list[_dt.date] = []

    def take(m: "re.Match[str]") -> str:
        try:
            dates.append(_dt.date.fromisoformat(m.group()))
        except ValueError:  # not a calendar date: its numbers stay amounts
            return m.group()
        return " "

    message = f.message
    if "'" in message or '"' in message:
        message = _QUOTED.sub(" ", message)  # quoted document text is part of the shape (shape_of)
    message = _DATE.sub(take, message)
    gaps = tuple(float(abs((b - a).days)) for a, b in zip(dates, dates[1:]))
    if len(dates) == 1:
        # One date (a result of that day): a later one is a new event, not the one recorded.
        gaps = (float(dates[0].toordinal()),)
    return tuple(float(m) for m in _NUMBER.findall(message)) + gaps


def covers(recorded: Amounts, now: Amounts, message: str) -> bool:
    """Whether an entry recorded with `recorded` still covers a finding that reports `now`.

    Amounts are compared in order and none may grow; a finding about a value below a minimum
    (its message compares with `<`) must report the same amounts, since a smaller one is worse
    there. A finding whose message changed shape (another count of numbers) is not covered."""
    if len(recorded) != len(now):
        return False
    if not all(math.isfinite(x) for x in now):
        return False
    if " < " in message or " <= " in message:
        return recorded == now
    return all(n <= r for n, r in zip(now, recorded))


def _folder_of(path: str) -> str:
    return os.path.dirname(os.path.realpath(path))


class Baseline:
    def __init__(self, entries: dict[Key, list[Amounts]], path: str) -> None:
        self.remaining = entries
        self.path = path
        self.folder = _folder_of(path)
        self.matched = 0
        self.files: set[str] = set()  # the files this run read, as entries name them (before `#`)

    def stale(self) -> int:
        """Entries of the files this run read that matched no finding (fixed, or changed, or of a
        document no longer there): kept, they would hide a finding like theirs that comes back.
        Entries of files the run did not read (a pre-commit run on the files changed) are not counted."""
        return sum(len(v) for k, v in self.remaining.items() if v and self._read(k[0]))

    def _read(self, source: str) -> bool:
        """Whether an entry's `file#document id` names a file this run read (either part may hold a `#`)."""
        at = source.find("#")
        while at >= 0:
            if source[:at] in self.files:
                return True
            at = source.find("#", at + 1)
        return False

    @classmethod
    def load(cls, path: str) -> Baseline:
        from orderlint.config import ConfigError

        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            entries: dict[Key, list[Amounts]] = {}
            if data.get("orderlint-baseline") != FORMAT:
                raise ValueError("not an orderlint baseline (version 1)")
            for e in data["entries"]:
                amounts = tuple(_number(x) for x in e.get("amounts", ()))
                count = e.get("count", 1)
                if type(count) is not int or not 1 <= count <= _MOST_COUNT:
                    raise ValueError(f"count {count!r:.40} is not a whole number from 1 to {_MOST_COUNT:,}")
                shape = e.get("message")
                if shape is not None and type(shape) is not str:
                    raise ValueError(f"message {shape!r} is not a string")
                entries.setdefault((e["source"], e["code"], e["key"], shape), []).extend([amounts] * count)
        except OSError as e:
            raise ConfigError(f"cannot read baseline {path}: {e.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as e:
            # OverflowError: an amount written as an integer beyond a double (10**400).
            raise ConfigError(f"baseline {path} is malformed: {e}") from None
        except RecursionError:
            raise ConfigError(f"baseline {path} is malformed: it is nested too deeply") from None
        for recorded in entries.values():
            recorded.sort()  # the smallest covering entry is used first, leaving larger ones for others
        return cls(entries, path)

    def apply(self, result: Result) -> None:
        source = _source_key(result, self.folder)
        self.files.add(source[: len(source) - len(f"#{result.id}")])
        for f in result.findings:
            if f.suppressed is not None or _unchecked(f):
                continue
            recorded = self.remaining.get(_key(source, f))
            if not recorded:
                continue
            now = amounts_of(f)
            hit = _first_covering(recorded, now, f.message)
            if hit is not None:
                del recorded[hit]
                self.matched += 1
                f.suppressed = Suppression(reason=f"recorded in baseline {self.path}", approved_by="baseline", waiver=-1)


def _unchecked(f: Finding) -> bool:
    """A finding that says something was not checked: never recorded nor covered by a baseline. Its
    entry would keep covering whatever that document or order became: a crash or an unreadable
    document (OL000, OL001), a document of a condition no pack covers (OL007, keyed by its condition
    only), and a likely misspelling of a checked drug (OL002's error tier: that order is not
    evaluated, so its dose could grow unseen). An unknown co-medication name (OL002's warning tier)
    may be recorded."""
    code = f.code
    return code in _NEVER_IN_BASELINE or misspelt_checked_drug(f)


_NEVER_IN_BASELINE = frozenset({"OL000", "OL001", "OL007"})


def _first_covering(recorded: list[Amounts], now: Amounts, message: str) -> Optional[int]:
    for i, r in enumerate(recorded):
        if r == now:
            return i
    for i, r in enumerate(recorded):
        if covers(r, now, message):
            return i
    return None


#: The most findings one entry records: identical findings of one document (a count beyond it was
#: an internal error, OverflowError, or a list of that many amounts).
_MOST_COUNT = 1_000_000


def _number(x: Any) -> float:
    if type(x) not in (int, float) or not math.isfinite(x):
        raise ValueError(f"amount {x!r:.40} is not a finite number")
    return float(x)


class BaselineWriter:
    def __init__(self, path: str) -> None:
        """``path``: the baseline file to be written, whose folder its entries' files are named from."""
        self.folder = _folder_of(path)
        self.entries: dict[tuple[Key, Amounts], int] = {}
        #: Findings no baseline records (_unchecked): the next run with the baseline still fails on them.
        self.left_out = 0

    def add(self, result: Result) -> None:
        source = None
        for f in result.findings:
            if f.suppressed is None:
                if _unchecked(f):
                    self.left_out += 1
                    continue
                if source is None:
                    source = _source_key(result, self.folder)
                k = (_key(source, f), amounts_of(f))
                self.entries[k] = self.entries.get(k, 0) + 1

    @property
    def count(self) -> int:
        return sum(self.entries.values())

    def write(self, path: str) -> None:
        rows = []
        for ((s, c, k, shape), amounts), n in sorted(self.entries.items()):
            row: dict[str, Any] = {"source": s, "code": c, "key": k, "message": shape, "count": n}
            if amounts:
                row["amounts"] = [int(x) if x.is_integer() and abs(x) < 2**53 else x for x in amounts]
            rows.append(row)
        text = json.dumps({"orderlint-baseline": FORMAT, "entries": rows}, indent=2) + "\n"
        if os.path.exists(path) and not os.path.isfile(path):  # a device, a pipe: written as it is
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return
        # Whole or not at all: a baseline cut short by a full disk was read back as a malformed file
        # at best, or as one that records fewer findings than the last run's.
        tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
