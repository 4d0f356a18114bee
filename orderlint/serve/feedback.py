"""Card outcomes in an embedded SQLite database, and the per-rule report (services.md, Feedback).

No patient data is stored: issued cards are (uuid, service, rule codes, time); feedback is one row
per card outcome (card uuid, outcome, reason code, accepted suggestion uuids, outcomeTimestamp,
time received). ``userComment`` may hold patient data and is stored only with ``store-comments``.
A repeated report is stored once; an unknown card uuid counts as "unknown rule".

Feedback the store can tell is wrong is refused whole (``FeedbackRefused``, a 400), so that it
never skews an override rate: an outcomeTimestamp that is not an RFC 3339 date-time with an offset,
or is in the future (models.FeedbackItem); a card issued by the other service; an accepted
suggestion that is not one of the card's (for a card the store does not know, one that is another
card's); more than one accepted suggestion on a card whose selectionBehavior is at-most-one (CDS
Hooks: the user may choose none or at most one); an override reason with no `system`, or of the service's own code system but not one of
the codes it offered. A reason of another system is kept (CDS Hooks: a client MAY add its own
reasons) and reported as `system|code`, never merged with the service's.

One outcome per card: a card may be reported several times (CDS Hooks, Feedback: "a CDS Service
may receive feedback for the same card instance multiple times"); each report is kept, and the
report counts the card's latest by outcomeTimestamp (then by arrival), the user's last decision.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator, Mapping, Optional, Union

if TYPE_CHECKING:
    from orderlint.serve.models import FeedbackItem


class FeedbackRefused(ValueError):
    """Feedback the store refuses (HTTP 400): the message says which item and why."""

#: A report's start: a date or datetime, or its ISO text; None: everything recorded.
Since = Union[_dt.date, str, None]

UNKNOWN = "unknown rule"
SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    uuid TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    rules TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suggestions (
    uuid TEXT PRIMARY KEY,
    card TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS selection (
    card TEXT PRIMARY KEY,
    behavior TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    card TEXT NOT NULL,
    service TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason_system TEXT NOT NULL DEFAULT '',
    reason_code TEXT NOT NULL DEFAULT '',
    accepted TEXT NOT NULL DEFAULT '[]',
    outcome_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    comment TEXT,
    UNIQUE (card, outcome, reason_system, reason_code, accepted, outcome_at)
);
CREATE INDEX IF NOT EXISTS cards_issued ON cards(issued_at);
CREATE INDEX IF NOT EXISTS feedback_received ON feedback(received_at);
CREATE INDEX IF NOT EXISTS feedback_card ON feedback(card, outcome_at);
"""
#: The report's rows: each card's latest outcome (by outcomeTimestamp, stored in UTC, then by arrival).
LATEST_SQL = """
SELECT outcome, reason_system, reason_code, rules FROM (
    SELECT f.outcome, f.reason_system, f.reason_code, f.received_at, c.rules,
           ROW_NUMBER() OVER (PARTITION BY f.card ORDER BY f.outcome_at DESC, f.received_at DESC, f.rowid DESC) AS n
    FROM feedback f LEFT JOIN cards c ON c.uuid = f.card)
WHERE n = 1 AND received_at >= ?
"""
#: The service's own override reasons' code system (serve.cards.NON_ADHERENCE): its codes are
#: reported bare, another system's as `system|code`.
OWN_SYSTEM = "http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        if not os.path.exists(path):
            # Readable by its owner only: a comment (store-comments) may hold patient data. SQLite
            # gives its -wal and -shm files the database's permissions.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        # A lock held elsewhere (a backup) is waited for a second at most: cards wait on the write.
        self._db = sqlite3.connect(path, timeout=1.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record_cards(self, service: str, cards: Iterable[tuple[dict[str, Any], list[str]]]) -> None:
        now = _now()
        rows, sugg, sel = [], [], []
        for card, codes in cards:
            rows.append((card["uuid"], service, ",".join(codes), now))
            sugg += [(s["uuid"], card["uuid"]) for s in card.get("suggestions", ())]
            if card.get("selectionBehavior"):
                sel.append((card["uuid"], card["selectionBehavior"]))
        if not rows:
            return
        with self._lock, self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO cards VALUES (?, ?, ?, ?)", rows)
            self._db.executemany("INSERT OR IGNORE INTO suggestions VALUES (?, ?)", sugg)
            self._db.executemany("INSERT OR IGNORE INTO selection VALUES (?, ?)", sel)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, rolled back on any error: a failed write (the database locked by a
        backup) left the connection inside its transaction, and every later BEGIN failed until
        the service restarted."""
        self._db.execute("BEGIN")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # also a COMMIT that failed (busy): never left open
                self._db.execute("ROLLBACK")
            raise

    def record_feedback(self, service: str, items: list[FeedbackItem], store_comments: bool = False,
                        offered: Optional[Mapping[str, Collection[str]]] = None) -> int:
        """Store validated feedback items (models.FeedbackItem); -> number of new rows. ``offered``:
        the override reasons the service offers, codes by system. Raises FeedbackRefused, storing
        nothing, when an item is one the store can tell is wrong."""
        from orderlint.serve.models import outcome_instant

        now = _now()
        rows = []
        for it in items:
            reason = it.overrideReason.reason if it.overrideReason is not None else None
            comment = it.overrideReason.userComment if (store_comments and it.overrideReason is not None) else None
            accepted = json.dumps(sorted(a.id for a in it.acceptedSuggestions or ()))
            at = outcome_instant(it.outcomeTimestamp).isoformat(timespec="microseconds")  # UTC: ordered as text
            rows.append((it.card, service, it.outcome, (reason.system or "") if reason else "",
                         reason.code if reason else "", accepted, at, now, comment))
        with self._lock:
            problem = self._refusal(service, items, offered)
            if problem is not None:
                raise FeedbackRefused(problem)
            before = self._db.total_changes
            with self._transaction():
                self._db.executemany("INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return self._db.total_changes - before

    def _refusal(self, service: str, items: list[FeedbackItem], offered: Optional[Mapping[str, Collection[str]]]) -> Optional[str]:
        """Why the store refuses these items (the first reason), or None."""
        for n, it in enumerate(items):
            where = f"feedback/{n}"
            issued = self._db.execute("SELECT service FROM cards WHERE uuid = ?", (it.card,)).fetchone()
            if issued is not None and issued[0] != service:
                return f"{where}: card {it.card} was issued by {issued[0]}, not {service}: its feedback goes to that service"
            for a in it.acceptedSuggestions or ():
                owner = self._db.execute("SELECT card FROM suggestions WHERE uuid = ?", (a.id,)).fetchone()
                if issued is not None and (owner is None or owner[0] != it.card):
                    return f"{where}: accepted suggestion {a.id} is not a suggestion of card {it.card}"
                if issued is None and owner is not None:
                    return f"{where}: accepted suggestion {a.id} is a suggestion of card {owner[0]}, not of {it.card}"
            n_accepted = len(it.acceptedSuggestions or ())
            if issued is not None and n_accepted > 1:
                behavior = self._db.execute("SELECT behavior FROM selection WHERE card = ?", (it.card,)).fetchone()
                if behavior is not None and behavior[0] == "at-most-one":
                    return (f"{where}: card {it.card} allows at most one accepted suggestion (selectionBehavior "
                            f"at-most-one), not {n_accepted}")
            reason = it.overrideReason.reason if it.overrideReason is not None else None
            if reason is None:
                continue
            if not reason.system:
                return f"{where}: overrideReason.reason {reason.code!r} has no `system` (a CDS Hooks Coding needs one)"
            if offered is not None and reason.system in offered and reason.code not in offered[reason.system]:
                codes = ", ".join(sorted(offered[reason.system]))
                return (f"{where}: overrideReason.reason {reason.code!r} is not one of the override reasons the service "
                        f"offered ({codes})")
        return None


def _since(since: Since) -> Optional[str]:
    if since is None:
        return None
    if isinstance(since, _dt.datetime):
        d = since if since.tzinfo else since.replace(tzinfo=_dt.timezone.utc)
        return d.astimezone(_dt.timezone.utc).isoformat(timespec="seconds")
    if isinstance(since, _dt.date):
        return _dt.datetime(since.year, since.month, since.day, tzinfo=_dt.timezone.utc).isoformat(timespec="seconds")
    if isinstance(since, str):
        try:
            return _since(_dt.date.fromisoformat(since.strip()))
        except ValueError:
            pass
        try:
            return _since(_dt.datetime.fromisoformat(since.strip()))
        except ValueError:
            raise ValueError(f"--since: not a date (YYYY-MM-DD): {since!r}") from None
    raise ValueError(f"--since: not a date: {since!r}")


def report_rows(db_path: str, since: Since = None) -> list[dict[str, Any]]:
    """Per rule: cards shown, accepted, overridden, override rate and top override reasons."""
    import os

    if not os.path.isfile(db_path):
        raise FileNotFoundError(f"feedback database {db_path} does not exist")
    cutoff = _since(since) or ""
    try:
        return _rows(db_path, cutoff)
    except sqlite3.Error as e:
        raise ValueError(f"cannot read feedback database {db_path}: {e}") from None


def _rows(db_path: str, cutoff: str) -> list[dict[str, Any]]:
    from urllib.parse import quote

    db = sqlite3.connect(f"file:{quote(db_path)}?mode=ro", uri=True)
    try:
        stats: dict[str, dict[str, Any]] = {}

        def row(rule: str) -> dict[str, Any]:
            return stats.setdefault(rule, {"rule": rule, "shown": 0, "accepted": 0, "overridden": 0, "reasons": {}})

        for (rules,) in db.execute("SELECT rules FROM cards WHERE issued_at >= ?", (cutoff,)):
            for r in rules.split(","):
                row(r)["shown"] += 1
        for outcome, system, reason, rules in db.execute(LATEST_SQL, (cutoff,)):
            for r in (rules.split(",") if rules else [UNKNOWN]):
                s = row(r)
                s[outcome] += 1
                if outcome == "overridden":
                    key = (reason if system in ("", OWN_SYSTEM) else f"{system}|{reason}") if reason else "(no reason)"
                    s["reasons"][key] = s["reasons"].get(key, 0) + 1
    finally:
        db.close()
    out = []
    for rule in sorted(stats, key=lambda r: (r == UNKNOWN, r)):
        s = stats[rule]
        decided = s["accepted"] + s["overridden"]
        top = sorted(s["reasons"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        out.append({"rule": rule, "shown": s["shown"], "accepted": s["accepted"], "overridden": s["overridden"],
                    "override_rate": round(s["overridden"] / decided, 4) if decided else None,
                    "acceptance_rate": round(s["accepted"] / decided, 4) if decided else None,
                    "top_override_reasons": [{"reason": k, "count": v} for k, v in top]})
    return out


def feedback_report(db_path: str, since: Since = None, fmt: str = "text") -> str:
    """The report `orderlint feedback report` prints: a table (``text``) or JSON (``json``)."""
    if fmt not in ("text", "json"):
        raise ValueError(f"--format: must be text or json, not {fmt!r}")
    rows = report_rows(db_path, since)
    start = _since(since)
    if fmt == "json":
        return json.dumps({"since": start, "rules": rows}, indent=2)
    head = ("rule", "shown", "accepted", "overridden", "override rate", "top override reasons")
    table = [head]
    for r in rows:
        rate = "-" if r["override_rate"] is None else f"{r['override_rate'] * 100:.0f}%"
        reasons = ", ".join(f"{x['reason']} ({x['count']})" for x in r["top_override_reasons"]) or "-"
        table.append((r["rule"], str(r["shown"]), str(r["accepted"]), str(r["overridden"]), rate, reasons))
    widths = [max(len(t[i]) for t in table) for i in range(len(head) - 1)]
    lines = []
    for t in table:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(t, widths))) + "  " + t[-1])
    if len(table) == 1:
        lines.append("(no cards or feedback recorded" + (f" since {start[:10]})" if start else ")"))
    lines.append("override rate = overridden / (accepted + overridden)")
    return "\n".join(lines)
