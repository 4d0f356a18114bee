"""Documents as read: the parsed data or a ParseError, positions by JSON Pointer, and the limits.

A JSON document finds the line and column of a pointer through ``jsontext._JsonLocator``, built on
its first finding only; a YAML document carries the positions its builder recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from orderlint.reader.jsontext import _JsonLocator

#: Largest document accepted (bytes). Larger ones are refused with OL001 before parsing.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Deepest nesting accepted; the regimen format needs five levels.
MAX_DEPTH = 64


@dataclass
class ParseError:
    message: str
    pointer: str = ""
    line: int = 1
    column: int = 1


@dataclass
class Document:
    """One regimen document as read: its data, or why it could not be read."""

    source: str
    data: Any = None
    error: Optional[ParseError] = None
    text: Optional[str] = None
    fmt: str = "json"
    first_line: int = 1
    # YAML: pointer -> (line, column); or, for the root of an alias expansion, the pointer of the
    # anchored original (str), where everything inside the expansion is located.
    _positions: Optional[dict[str, Any]] = field(default=None, repr=False)
    _locator: Optional["_JsonLocator"] = field(default=None, repr=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the value at ``pointer``, or of its nearest existing parent."""
        if self._positions is None:
            if self.text is None:
                return self.first_line, 1
            # JSON: built on the first finding only, so a clean document costs nothing here.
            if self._locator is None:
                # Imported here: jsontext imports this module, and only a document with findings needs it.
                from orderlint.reader.jsontext import _JsonLocator

                self._locator = _JsonLocator(self.text)
            line, col = self._locator.line_col(self._locator.offset(pointer))
            return line + self.first_line - 1, col
        pos = self._positions
        p = pointer
        while True:
            hit = pos.get(p)
            if hit is not None:
                if hit.__class__ is str:  # inside a YAML alias expansion: the anchored value's place
                    pointer = p = hit + pointer[len(p):]
                    continue
                return hit[0] + self.first_line - 1, hit[1]
            if not p:
                return self.first_line, 1
            p = p[: p.rfind("/")]


def escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """One JSON Pointer reference token -> the key it names (the inverse of ``escape_token``)."""
    return token.replace("~1", "/").replace("~0", "~")
