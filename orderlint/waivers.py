"""Waivers: documented, approved exceptions. A waived finding stays visible, marked suppressed."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Optional

from orderlint.findings import Finding, Suppression

#: Findings a waiver can never suppress.
UNWAIVABLE = frozenset({"OL000", "OL001", "OL005", "OL006"})
MIN_REASON = 10


def apply_waivers(linter: Any, reg: Any, findings: list[Finding], doc: Any) -> list[Finding]:
    """Mark waived findings suppressed (in place); return OL005/OL006 findings about the waivers."""
    out: list[Finding] = []
    order_ids = {o.ref for o in reg.orders}
    for i, w in enumerate(reg.doc.waivers):
        base = f"/waivers/{i}"
        problems: list[tuple[str, str]] = []
        target = None
        if not w.rule:
            problems.append(("names no `rule`", base))
        else:
            target = linter.by_code.get(w.rule.strip().upper()) or linter.by_name.get(w.rule.strip().lower())
            if target is None:
                problems.append((f"names unknown rule {w.rule!r}", base + "/rule"))
        if w.order is not None and w.order not in order_ids:
            problems.append((f"names unknown order {w.order!r}", base + "/order"))
        if w.reason is None or len(w.reason.strip()) < MIN_REASON:
            problems.append((f"needs a `reason` of at least {MIN_REASON} characters", base + ("/reason" if w.reason is not None else "")))
        if w.approved_by is None or not w.approved_by.strip():
            problems.append(("needs `approved_by`", base))
        if w.expires is not None:
            expires = _calendar_date(w.expires)
            if expires is None:
                problems.append((f"has `expires` {w.expires!r}, which is not a calendar date YYYY-MM-DD", base + "/expires"))
            elif expires < reg.as_of:
                problems.append((f"expired on {w.expires}", base + "/expires"))
        if problems:
            if "OL005" in linter.enabled:
                what = "; ".join(p[0] for p in problems)
                label = f" of {w.rule}" if w.rule else ""
                out.append(linter._finding("OL005", f"waiver {i}{label} {what}; it suppresses nothing", problems[0][1], w.order, doc))
            continue
        if target.code in UNWAIVABLE:
            if "OL005" in linter.enabled:
                out.append(linter._finding("OL005", f"waiver {i}: {target.code} cannot be waived", base + "/rule", w.order, doc))
            continue
        used = False
        for f in findings:
            if f.code == target.code and f.suppressed is None and (w.order is None or f.order == w.order):
                f.suppressed = Suppression(reason=w.reason.strip(), approved_by=w.approved_by.strip(), waiver=i)
                used = True
        if not used and target.code in linter.enabled and "OL006" in linter.enabled:
            scope = f" on order {w.order!r}" if w.order else ""
            out.append(linter._finding("OL006", f"waiver {i} of {target.code}{scope} suppresses no finding", base, w.order, doc))
    return out


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _calendar_date(text: str) -> Optional[_dt.date]:
    """The date a waiver's `expires` names, or None when it is not a calendar date YYYY-MM-DD."""
    if not _DATE.fullmatch(text):
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None
