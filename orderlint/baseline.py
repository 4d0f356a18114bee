"""Baselines for adopting orderlint on an existing protocol repository.

Entries are keyed by file, rule and order id (or JSON Pointer when a finding has no order),
never by line number, so that unrelated edits do not churn the baseline. A finding that is in
the baseline is marked suppressed ("in baseline") and does not count toward the exit code.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from orderlint.findings import Suppression
from orderlint.reader import split_source

FORMAT = 1


def _key(result: Any, f: Any) -> tuple[str, str, str]:
    """(file, rule, what): a JSON Lines source `path:LINE` is keyed by path and document id instead."""
    path, line = split_source(result.source)
    source = path.replace("\\", "/")
    if line is not None:
        source = f"{source}#{result.id}"
    what = f"order:{f.order}" if f.order is not None else f"pointer:{f.pointer}"
    return (source, f.code, what)


class Baseline:
    def __init__(self, entries: Counter, path: str) -> None:
        self.remaining = entries
        self.path = path
        self.matched = 0

    @classmethod
    def load(cls, path: str) -> "Baseline":
        from orderlint.config import ConfigError

        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            entries = Counter()
            if data.get("orderlint-baseline") != FORMAT:
                raise ValueError("not an orderlint baseline (version 1)")
            for e in data["entries"]:
                entries[(e["source"], e["code"], e["key"])] += int(e.get("count", 1))
        except OSError as e:
            raise ConfigError(f"cannot read baseline {path}: {e.strerror}") from None
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ConfigError(f"baseline {path} is malformed: {e}") from None
        return cls(entries, path)

    def apply(self, result: Any) -> None:
        for f in result.findings:
            if f.suppressed is not None or f.code in ("OL000", "OL001"):
                continue
            k = _key(result, f)
            if self.remaining[k] > 0:
                self.remaining[k] -= 1
                self.matched += 1
                f.suppressed = Suppression(reason=f"recorded in baseline {self.path}", approved_by="baseline", waiver=-1)


class BaselineWriter:
    def __init__(self) -> None:
        self.entries: Counter = Counter()

    def add(self, result: Any) -> None:
        for f in result.findings:
            if f.suppressed is None and f.code not in ("OL000", "OL001"):
                self.entries[_key(result, f)] += 1

    @property
    def count(self) -> int:
        return sum(self.entries.values())

    def write(self, path: str) -> None:
        rows = [
            {"source": s, "code": c, "key": k, "count": n}
            for (s, c, k), n in sorted(self.entries.items())
        ]
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"orderlint-baseline": FORMAT, "entries": rows}, f, indent=2)
            f.write("\n")
