"""Waivers: documented, approved exceptions. A waived finding stays visible, marked suppressed."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Optional, Sequence

from orderlint.findings import Finding, Suppression, misspelt_checked_drug

if TYPE_CHECKING:
    from orderlint.engine import Linter
    from orderlint.model import Order as OrderDoc
    from orderlint.normalize import Regimen
    from orderlint.reader import Document
    from orderlint.rules import Rule

#: Findings a waiver can never suppress.
UNWAIVABLE = frozenset({"OL000", "OL001", "OL005", "OL006"})
#: Findings a waiver may suppress only for a named order: waived document-wide they would hide
#: every future unknown drug or unverifiable dose (regimen-format.md 2nd ed., waivers).
PER_ORDER_ONLY = frozenset({"OL002", "OL003"})
MIN_REASON = 10


def apply_waivers(linter: Linter, reg: Regimen, findings: list[Finding], doc: Document,
                  also: Optional[dict[int, tuple[int, ...]]] = None) -> list[Finding]:
    """Mark waived findings suppressed (in place); return OL005/OL006 findings about the waivers.

    ``also``: by id() of a finding about several orders (a total), the other orders it is about
    (rules.Hit.also). A waiver for one order covers such a finding only when every one of them has
    a valid waiver of the same rule too: a waiver never covers an order it was not written for."""
    out: list[Finding] = []
    doc_orders = reg.doc.orders
    refs: Optional[dict[str, list[int]]] = None  # finding order ref -> order indices, built on first use
    valid: list[tuple[int, Any, Rule, Optional[int]]] = []
    for i, w in enumerate(reg.doc.waivers):
        base = f"/waivers/{i}"
        problems: list[tuple[str, str]] = []
        target: Optional[Rule] = None
        if not w.rule:
            problems.append(("names no `rule`", base))
        else:
            target = linter.by_code.get(w.rule.strip().upper()) or linter.by_name.get(w.rule.strip().lower())
            if target is None:
                problems.append((f"names unknown rule {w.rule!r}", base + "/rule"))
        index: Optional[int] = None
        if w.order is not None:
            index, why = resolve_order(w.order, doc_orders)
            if index is None:
                problems.append((why, base + "/order"))
        elif target is not None and target.code in PER_ORDER_ONLY:
            problems.append((f"names no `order`: {target.code} may be waived only per order",
                             base + "/rule"))
        if w.reason is None or visible_length(w.reason) < MIN_REASON:
            problems.append((f"needs a `reason` of at least {MIN_REASON} visible characters",
                             base + ("/reason" if w.reason is not None else "")))
        if w.approved_by is None or visible_length(w.approved_by) == 0:
            problems.append(("needs `approved_by` naming who approved it",
                             base + ("/approved_by" if w.approved_by is not None else "")))
        if w.expires is not None:
            expires = calendar_date(w.expires)
            if expires is None:
                problems.append((f"has `expires` {w.expires!r}, which is not a calendar date YYYY-MM-DD", base + "/expires"))
            elif expires < reg.as_of or expires < linter.evaluation_date or expires < linter.today:
                # `expires` is a date in the world (regimen-format.md: "after it the waiver no longer
                # applies"); as_of and --as-of only place look-back windows. Judged by the document's
                # as_of alone, a waiver lapsed months ago still waived, and whoever wrote as_of kept it
                # alive; judged by --as-of, a run pinned to an old date (a replay, a CI job) did too.
                if reg.as_of > expires:
                    later = ""
                elif linter.evaluation_date > expires:
                    later = f" (the run's date is {linter.evaluation_date})"
                else:
                    later = f" (today is {linter.today})"
                problems.append((f"expired on {w.expires}{later}", base + "/expires"))
        if problems:
            if "OL005" in linter.enabled:
                what = "; ".join(p[0] for p in problems)
                # Text from the document is quoted with repr, so control characters never reach a report raw.
                label = f" of {target.code}" if target is not None else (f" of {w.rule!r}" if w.rule else "")
                out.append(linter._finding("OL005", f"waiver {i}{label} {what}; it suppresses nothing",
                                           problems[0][1], w.order, doc))
            continue
        # Without problems there is a rule, a reason and an approver.
        assert target is not None and w.reason is not None and w.approved_by is not None
        if target.code in UNWAIVABLE:
            if "OL005" in linter.enabled:
                out.append(linter._finding("OL005", f"waiver {i}: {target.code} cannot be waived", base + "/rule", w.order, doc))
            continue
        valid.append((i, w, target, index))
    # Per rule, the orders with a valid waiver of it (and which waivers): what a finding about
    # several orders must all be in.
    waived: dict[str, dict[int, list[int]]] = {}
    for i, _w, target, index in valid:
        if index is not None:
            waived.setdefault(target.code, {}).setdefault(index, []).append(i)
    used: set[int] = set()
    short: dict[int, list[int]] = {}  # waiver -> other orders of a total it was written for, not waived
    held: dict[int, Optional[str]] = {}  # waiver -> its order, where that order's drug is a misspelt checked drug
    for i, w, target, index in valid:
        for f in findings:
            if f.code != target.code or f.suppressed is not None:
                continue
            if misspelt_checked_drug(f):
                # That order is not evaluated at all, so a waiver would pass it unchecked whatever its
                # dose (rules.md OL002: `--fail-on error` never passes a misspelt checked drug).
                if index is not None:
                    if refs is None:
                        refs = _refs(reg)
                    if finding_order(f, refs) == index:
                        held[i] = w.order
                continue
            by_order = None
            if index is not None:
                if refs is None:
                    refs = _refs(reg)
                if finding_order(f, refs) != index:
                    continue
                others = also.get(id(f)) if also else None
                if others:
                    by_order = waived[target.code]
                    missing = [j for j in others if not (type(j) is int and j in by_order)]
                    if missing:
                        short.setdefault(i, []).extend(missing)
                        continue  # a total over orders, some of them not waived
            # Stored as written: escaping for display is each report format's job.
            f.suppressed = Suppression(reason=w.reason, approved_by=w.approved_by, waiver=i)
            used.add(i)
            if by_order is not None:  # the waivers of the total's other orders took part
                for j in also[id(f)]:  # type: ignore[index]
                    used.update(by_order[j])
    # A check that crashed or ran out of time (OL000) may have been the waived one: its waiver is not
    # said to suppress nothing (OL006 invited deleting a waiver still needed).
    crashed = any(f.code == "OL000" for f in findings)
    for i, order in sorted(held.items()):
        if i not in used and "OL005" in linter.enabled:
            out.append(linter._finding(
                "OL005", f"waiver {i} of OL002 on order {order!r}: the drug name may be a checked drug (OL002 "
                "error tier: a likely misspelling, or a checked drug's name among other words), which cannot be waived: "
                "the order is not checked at all; correct the name, or say what it is in the settings' vocabulary "
                "table (a site name for an ingredient, or a co-medication)",
                f"/waivers/{i}/rule", order, doc))
    for i, w, target, index in valid:
        if i not in used and i not in held and not crashed and target.code in linter.enabled and "OL006" in linter.enabled:
            scope = f" on order {w.order!r}" if w.order else ""
            why = ""
            if i in short:
                names = ", ".join(sorted({repr(_order_name(reg, j)) for j in short[i]}))
                many = len(set(short[i])) > 1
                why = (f": its {target.code} finding is a total that also involves order{'s' if many else ''} {names}, "
                       f"which no waiver of {target.code} names (waive each order of the total, or the rule for the document)")
            out.append(linter._finding("OL006", f"waiver {i} of {target.code}{scope} suppresses no finding{why}",
                                       f"/waivers/{i}", w.order, doc))
    return out


def _order_name(reg: Regimen, j: Any) -> str:
    """How a report names order ``j`` (its id, else its index)."""
    if type(j) is int and 0 <= j < len(reg.orders):
        return reg.orders[j].ref
    return str(j)


def resolve_order(ref: str, doc_orders: Sequence[OrderDoc]) -> tuple[Optional[int], str]:
    """The one order a waiver's `order` names, by its id (regimen-format.md: "because ids are
    unique, a waiver never covers an order it was not written for"). (index, "") or (None, why
    not). A position is no id: an edit that removes or moves an order moves another under it (a
    waiver written for MMF at position 0 came to cover the azathioprine overdose put there)."""
    for j, o in enumerate(doc_orders):
        if o.id == ref:
            return j, ""
    if _INDEX.fullmatch(ref):
        j = int(ref)
        if j < len(doc_orders):
            oid = doc_orders[j].id
            if oid is None:
                return None, (f"names order {ref!r} by its position; a waiver names an order by its id, so that an "
                              f"edit never moves another order under it: give order {j} an `id` and name that")
            return None, f"names order {ref!r}, but no order has that id (order {j} has id {oid!r}: name it by its id)"
    return None, f"names unknown order {ref!r}"


_INDEX = re.compile(r"0|[1-9][0-9]{0,8}", re.ASCII)
_POINTER_ORDER = re.compile(r"/orders/(0|[1-9][0-9]*)(?:/|$)", re.ASCII)


def _refs(reg: Regimen) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for o in reg.orders:
        out.setdefault(o.ref, []).append(o.index)
    return out


def finding_order(f: Finding, refs: dict[str, list[int]]) -> Optional[int]:
    """Index of the order a finding is about, or None when it cannot be told for certain.

    A finding names its order by ref (id, else index); an id and an index can be the same text,
    so the finding's pointer (`/orders/N...`) decides between them."""
    if f.order is None:
        return None
    candidates = refs.get(f.order, ())
    if len(candidates) == 1:
        return candidates[0]
    m = _POINTER_ORDER.match(f.pointer)
    if m is not None and int(m.group(1)) in candidates:
        return int(m.group(1))
    return None  # fail closed: an ambiguous finding is not suppressed


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def calendar_date(text: str) -> Optional[_dt.date]:
    """The date a waiver's `expires` names, or None when it is not a calendar date YYYY-MM-DD."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


# Letters and symbols that render as blank space (Hangul fillers, Braille blank, Khmer
# inherent vowels, Mongolian vowel separator), although their category says otherwise.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e")


def visible_length(text: str) -> int:
    """Characters that print something: letters, digits, punctuation and symbols. Spaces, controls,
    format characters (zero-width spaces, bidirectional controls), unassigned and private-use code
    points, and combining marks (which only decorate another character) do not count, so ten
    U+200B are no reason and "\\u200b" is no approver."""
    if text.isascii() and text.isprintable():  # the usual text: every character but a space counts
        return len(text) - text.count(" ")
    n = 0
    for c in text:
        if c.isascii():
            n += c.isprintable() and c != " "
        elif unicodedata.category(c)[0] in "LNPS" and c not in _BLANK:
            n += 1
    return n
