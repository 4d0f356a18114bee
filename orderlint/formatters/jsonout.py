"""JSON (one versioned object) and JSON Lines (one result per line, streamed, constant memory)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from orderlint import __version__
from orderlint.formatters import Formatter, summary_dict


class JsonFormatter(Formatter):
    embeds_statistics = True

    def start(self) -> None:
        self.results: list[dict] = []
        self.counts: Counter = Counter()
        self.unread: list[str] = []

    def unreadable(self, message: str) -> None:
        # Kept in the report: read alone (jq over the file), it showed a clean run over fewer files.
        self.unread.append(message)

    def result(self, r: Any) -> None:
        self.results.append(r.to_dict())
        for f in r.findings:
            self.counts[f.code] += 1

    def finish(self, s: Any) -> None:
        doc: dict = {"orderlint": __version__, "summary": summary_dict(s), "results": self.results}
        if self.unread:
            doc["summary"]["unreadable"] = len(self.unread)
            doc["unreadable"] = [{"message": m} for m in self.unread]
        if self.statistics:
            doc["statistics"] = [
                {"code": c, "name": self.linter.by_code[c].name, "count": n}
                for c, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        json.dump(doc, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")


class JsonLinesFormatter(Formatter):
    line_oriented = True

    def start(self) -> None:
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        # A stream that takes UTF-8 bytes (the command line's report file or standard output):
        # orjson's bytes are written as they are, without a decode here and an encode there.
        binary = getattr(self.out, "binary", None)
        self._binary = binary() if binary is not None and _orjson_dumps is not None else None

    def unreadable(self, message: str) -> None:
        """A line of its own where the input stands: status `unreadable`, no document. Left out,
        a pipeline reading the lines saw a clean run over fewer files."""
        d: dict[str, Any] = {"source": None, "id": None, "status": "unreadable", "condition": None, "findings": [], "message": message}
        if self._binary is None:
            self.out.write(self._line(d))
        else:  # the same layer as the results' lines, so that the order holds
            write, errors = self._binary
            write(self._line(d).encode("utf-8", errors))

    def result(self, r: Any) -> None:
        if self._binary is None:
            self.out.write(self._line(r.to_dict()))
        else:
            write, errors = self._binary
            d = r.to_dict()
            try:
                line = _orjson_dumps(d, option=_NEWLINE)
            except TypeError:  # a lone surrogate: as the text layer encodes the standard library's line
                line = (self._dumps(d) + "\n").encode("utf-8", errors)
            write(line)
        if self.statistics:
            self.tally(r)

    def _line(self, d: dict) -> str:
        """One result as a JSON line with its newline.

        orjson writes a result (strings, integers, null, nested lists and objects: no floats) byte
        for byte as the standard library's compact ``ensure_ascii=False`` encoder does, several
        times faster; a string it refuses (a lone surrogate, which the standard library writes)
        falls back to the standard library."""
        if _orjson_dumps is not None:
            try:
                return _orjson_dumps(d, option=_NEWLINE).decode()
            except TypeError:  # orjson.JSONEncodeError: a lone surrogate
                pass
        return self._dumps(d) + "\n"


try:
    from orjson import OPT_APPEND_NEWLINE as _NEWLINE
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - orjson is a dependency
    _orjson_dumps = None  # type: ignore[assignment]
    _NEWLINE = 0


def make(fmt: str, out: Any, linter: Any, **kw: Any) -> Formatter:
    cls = JsonLinesFormatter if fmt == "jsonl" else JsonFormatter
    return cls(out, linter, fmt=fmt, **kw)
