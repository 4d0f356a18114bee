"""Console entry point. `orderlint --version` answers before importing click or anything else.

Also the reader of installed entry points (``entry_points``) that the engine uses instead of a
full importlib.metadata scan.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def main() -> None:
    try:
        if sys.argv[1:] == ["--version"]:
            from orderlint import __version__

            try:
                sys.stdout.write(f"orderlint {__version__}\n")
                sys.stdout.flush()
            except (OSError, AttributeError) as e:  # disk full, closed standard output
                reason = getattr(e, "strerror", None) or "standard output is closed"
                sys.stderr.write(f"orderlint: error: cannot write to standard output: {reason}\n")
                _discard_stdout()
                sys.exit(2)
            return
        from orderlint.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:  # Ctrl-C before the command line took over (while importing)
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write("orderlint: error: interrupted\n")
        sys.exit(2)


def _discard_stdout(target: int = 1) -> None:
    """After a failed write to standard output, point it at the null device so that the
    interpreter's final flush cannot fail again (which would exit 120 with a second message).
    ``target`` 2: standard error, likewise."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, target)
        os.close(fd)
    except OSError:
        pass


# ---------------------------------------------------------------- entry points, read directly
#
# importlib.metadata costs about 35 ms at start-up (its import pulls in email, zipfile, csv and
# pathlib; its scan builds a Distribution for every installed package). A run needs one group
# of entry points, so the ``entry_points.txt`` files of the distributions on sys.path are read
# directly, in the order and with the de-duplication importlib.metadata uses (the first
# distribution of a name on sys.path wins). Anything this reader does not cover (a zip file or
# an .egg on sys.path, a custom finder that lists distributions) goes to importlib.metadata.


class _Dist:
    """The name and version of one distribution, read from its metadata file when first asked."""

    __slots__ = ("path", "_meta")

    def __init__(self, path: str) -> None:
        self.path = path
        self._meta: "dict[str, str] | None" = None

    def _field(self, key: str) -> str:
        if self._meta is None:
            meta: dict[str, str] = {}
            for name in ("METADATA", "PKG-INFO"):
                try:
                    with open(os.path.join(self.path, name), encoding="utf-8") as f:
                        for line in f:
                            if not line.strip():
                                break  # the headers end at the first blank line
                            k, sep, v = line.partition(":")
                            if sep and not k.startswith((" ", "\t")):
                                meta.setdefault(k.strip().lower(), v.strip())
                    break
                except OSError:
                    continue
            self._meta = meta
        return self._meta.get(key, "")

    @property
    def name(self) -> str:
        return self._field("name")

    @property
    def version(self) -> str:
        return self._field("version")


class EntryPoint:
    """One entry point, loaded as importlib.metadata.EntryPoint.load loads it."""

    __slots__ = ("name", "value", "group", "dist")

    def __init__(self, name: str, value: str, group: str, dist: Any) -> None:
        self.name, self.value, self.group, self.dist = name, value, group, dist

    def load(self) -> Any:
        import functools
        import re
        from importlib import import_module

        match = re.match(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$", self.value)
        if match is None:
            raise ValueError(f"malformed entry point value {self.value!r}")
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


class UnreadableEntryPoints(Exception):
    """An installed distribution's entry_points.txt that cannot be read: the plugins it may declare
    cannot be known."""

    def __init__(self, path: str, error: BaseException) -> None:
        why = getattr(error, "strerror", None) or type(error).__name__
        super().__init__(f"cannot read {path} ({why}), so the orderlint plugins it may declare cannot be loaded")


def _group_entries(text: str, group: str) -> list[tuple[str, str]]:
    """``name = value`` lines of one ``[group]`` section, parsed as importlib.metadata parses them."""
    out = []
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section == group and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _covered() -> bool:
    """Whether every distribution importlib.metadata would find lives in a folder on sys.path."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            return False
    return True


def entry_points(group: str) -> list[Any]:
    """The entry points of ``group`` of every distribution on sys.path (first of a name wins)."""
    if not _covered():
        return _metadata_entry_points(group)
    seen: set[str] = set()
    found: list[Any] = []
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except (NotADirectoryError, FileNotFoundError, PermissionError):
            if os.path.isfile(folder):  # a zip file on sys.path: only importlib.metadata reads those
                return _metadata_entry_points(group)
            continue
        except OSError:
            continue
        for child in names:
            low = child.lower()
            if low.endswith(".egg"):
                return _metadata_entry_points(group)
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            key = _normalize(child.rpartition(".")[0].partition("-")[0])
            if key in seen:
                continue
            seen.add(key)  # the first distribution of a name wins, even one without entry points
            path = os.path.join(folder, child)
            if not os.path.isdir(path):
                continue  # an .egg-info file: no entry points
            listing = os.path.join(path, "entry_points.txt")
            try:
                with open(listing, encoding="utf-8") as f:
                    text = f.read()
            except (FileNotFoundError, NotADirectoryError):
                continue  # a distribution without entry points
            except (OSError, UnicodeDecodeError) as e:
                # Skipped, the orderlint plugins it may declare would not load, without a word.
                raise UnreadableEntryPoints(listing, e) from None
            if f"[{group}]" not in text.replace(" ", ""):
                continue
            dist = _Dist(path)
            found.extend(EntryPoint(n, v, group, dist) for n, v in _group_entries(text, group))
    return found


def _normalize(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _metadata_entry_points(group: str) -> list[Any]:
    from importlib.metadata import entry_points as metadata_entry_points

    return list(metadata_entry_points(group=group))
