"""Configuration: `[tool.orderlint]` in pyproject.toml or `.orderlint.toml`, plus command-line overrides.

The file closest to the working directory applies (`.orderlint.toml` wins over pyproject.toml
in the same folder). Discovery looks above the working directory only inside a git repository, up
to its root (the first folder holding `.git`), or inside the home folder, up to it, and only when
that `.git` or home folder belongs to the user running orderlint; anywhere else it reads the
working directory alone, so a file planted in a folder above is never read. `--config FILE`
overrides discovery. Syntax and types are validated here
with pydantic; rule names and per-rule options are validated against the loaded rules by the
engine. Every mistake is a :class:`ConfigError`: one clear line, exit 2.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Optional, Union

FAIL_ON = ("error", "warning", "info", "never")

#: Default look-back windows in days (regimen-format.md); None means any date counts.
DEFAULT_LOOKBACK: dict[str, Optional[int]] = {
    "default": 90,
    "pregnancy": 14,
    "pft": 180,
    "hrct": 365,
    "tpmt": None,
    "g6pd": None,
}


#: Longest look-back window (days) a site may set for each test, and why. A longer window lets an
#: old result stand for a current one, which silences the screening rules as surely as ignoring
#: them; ``None`` allows any date ('any'), only for results that do not change over a lifetime.
#: 'default' covers every test without its own window, so it is as short as the shortest of those.
LOOKBACK_MAX: dict[str, tuple[Optional[int], str]] = {
    "default": (180, "it covers every test without its own window, blood counts and chemistry among them, which are not a baseline after 6 months"),
    "cbc": (180, "a blood count older than 6 months is not a baseline (BSR 2017 monitors it every 3 months once stable)"),
    "lft": (180, "liver tests older than 6 months are not a baseline (BSR 2017 monitors them every 3 months once stable)"),
    "renal": (180, "renal tests older than 6 months are not a baseline (BSR 2017 monitors them every 3 months once stable)"),
    "urinalysis": (180, "a urinalysis older than 6 months is not a baseline"),
    "hbv": (365, "a screening result older than a year misses a newer exposure"),
    "hcv": (365, "a screening result older than a year misses a newer exposure"),
    "tb": (365, "a screening result older than a year misses a newer exposure"),
    "pregnancy": (30, "a pregnancy test older than a month says nothing about pregnancy now (mycophenolate: a test before the start, then 8-10 days later)"),
    "pft": (365, "a PFT older than a year misses the decline PFTs are repeated to catch (every 3-6 months in the first year, ACR/CHEST 2023)"),
    "hrct": (730, "a baseline HRCT older than two years does not describe the lung at the start of treatment"),
    "tpmt": (None, "a genotype does not change"),
    "g6pd": (None, "an inherited enzyme deficiency does not change"),
}
#: Longest window for a test a plugin adds (its nature is unknown, so 'any' is not allowed).
LOOKBACK_MAX_OTHER = (365, "a result older than a year is not a baseline")

#: Longest per-document time limit of a check: a check that needs longer is hung, and a larger
#: limit would let one hung check stall a pipeline for hours before it counts as crashed (OL000).
MAX_CHECK_TIMEOUT = 600.0


#: Environment variable that turns configuration discovery off (tests, CI images); `--config`
#: still applies. Documented in the README; `orderlint config` says which file it did not read
#: (it alone looks for one: :func:`build_settings` does not, so `check` reads no file at all).
NO_CONFIG_ENV = "ORDERLINT_NO_CONFIG"
#: The values of NO_CONFIG_ENV that turn discovery off. Any other value is a configuration error:
#: `ORDERLINT_NO_CONFIG=0` (or false, no, empty) meant to keep the site's file, and dropped it unsaid.
NO_CONFIG_ON = frozenset({"1", "true", "yes", "on"})


def config_discovery_off() -> bool:
    """Whether NO_CONFIG_ENV turns configuration discovery off; ConfigError for a value that says
    neither."""
    value = os.environ.get(NO_CONFIG_ENV)
    if value is None:
        return False
    if value.strip().lower() in NO_CONFIG_ON:
        return True
    raise ConfigError(f"{NO_CONFIG_ENV}={value!r} is not understood: set it to 1 to read no configuration file, or "
                      "unset it to read the site's")


class ConfigError(Exception):
    """A configuration or usage mistake; the message is one line."""


def _file_model() -> Any:
    # Built on first use: configuration files are rare on the hot path, pydantic import is not free.
    from pydantic import BaseModel, ConfigDict, Field

    class FileModel(BaseModel):
        model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)

        select: Optional[list[str]] = None
        ignore: list[str] = []
        fail_on: Optional[Literal["error", "warning", "info", "never"]] = Field(None, alias="fail-on")
        severity: dict[str, Literal["error", "warning", "info"]] = {}
        rules: dict[str, dict[str, Any]] = {}
        lookback_days: dict[str, Union[int, Literal["any"]]] = Field({}, alias="lookback-days")
        as_of: Optional[Union[str, _dt.date]] = Field(None, alias="as-of")
        check_timeout: Optional[Union[int, float]] = Field(None, alias="check-timeout")
        vocabulary: dict[str, str] = {}
        allow_vocabulary_override: list[str] = Field([], alias="allow-vocabulary-override")
        allow_as_of: Optional[bool] = Field(None, alias="allow-as-of")
        fhir_namespace: Optional[str] = Field(None, alias="fhir-namespace")
        docs_url: Optional[str] = Field(None, alias="docs-url")
        serve: dict[str, Any] = {}
        packs: Any = {}  # checked by _apply: its messages name the table to write
        # Checked by _apply, whose messages show a pattern list to write.
        include: Any = None
        exclude: Any = None
        extend_exclude: Any = Field(None, alias="extend-exclude")
        force_exclude: Optional[bool] = Field(None, alias="force-exclude")

    return FileModel


FILE_KEYS = [
    "select", "ignore", "fail-on", "severity", "rules", "lookback-days", "as-of",
    "check-timeout", "vocabulary", "allow-vocabulary-override",
    "allow-as-of", "fhir-namespace", "docs-url", "serve", "packs",
    "include", "exclude", "extend-exclude", "force-exclude",
]

#: Files a folder walk lints (interfaces.md, Everyday use). Matched ignoring case, as the file
#: extensions always were.
DEFAULT_INCLUDE = ["*.json", "*.yaml", "*.yml", "*.jsonl", "*.ndjson"]
#: Folders and files that are never regimens; `exclude` replaces this list, `extend-exclude` adds to it.
DEFAULT_EXCLUDE = [
    ".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox",
    ".pre-commit-config.yaml", ".github/", ".gitlab-ci.yml",
    # The baseline file the README names: pre-commit names it when it changes (a walk never reads it).
    ".orderlint-baseline.json",
]

#: Seconds a rule's check may take on one document before it counts as crashed (OL000).
DEFAULT_CHECK_TIMEOUT = 5.0


@dataclass
class Settings:
    """Effective settings, with where each came from (for `orderlint config`)."""

    select: Optional[list[str]] = None
    ignore: list[str] = field(default_factory=list)
    fail_on: Literal["error", "warning", "info", "never"] = "warning"  # FAIL_ON
    severity: dict[str, str] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    lookback_days: dict[str, Optional[int]] = field(default_factory=lambda: dict(DEFAULT_LOOKBACK))
    as_of: Optional[_dt.date] = None
    check_timeout: float = DEFAULT_CHECK_TIMEOUT
    # Site names -> known ingredient ([tool.orderlint.vocabulary]); the engine validates the targets.
    vocabulary: dict[str, str] = field(default_factory=dict)
    # Plugins allowed to change drug facts another pack declared.
    allow_vocabulary_override: list[str] = field(default_factory=list)
    # fhir.md: honour a CDS Hooks request's `orderlint-as-of` extension (tests and replays only).
    allow_as_of: bool = False
    # fhir.md section 4: namespace of orderlint's FHIR extension and code-system URLs (None: the default).
    fhir_namespace: Optional[str] = None
    # interfaces.md, Links: a site's own copy of the rule documentation.
    docs_url: Optional[str] = None
    # [tool.orderlint.serve], validated by orderlint.serve.settings (which imports no server package).
    serve: dict[str, Any] = field(default_factory=dict)
    # [tool.orderlint.packs.<pack>]: raw pack-level settings; the engine validates them against
    # the settings each pack declares (it alone knows the loaded packs).
    packs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # File selection (globs, gitignore-like; orderlint.inputs.Selection matches them).
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    # Files named on the command line are excluded too (the pre-commit hook passes file names).
    force_exclude: bool = False
    # Folder that patterns containing '/' are relative to: the configuration file's, else the
    # working directory at the time of the run (None).
    root: Optional[str] = None
    origins: dict[str, str] = field(default_factory=dict)
    config_file: Optional[str] = None
    #: The configuration file's own path (config_file is its label): a report must never replace it.
    config_path: Optional[str] = None

    def origin(self, key: str) -> str:
        return self.origins.get(key, "default")

    def pack_origin(self, pack: str, setting: Optional[str] = None) -> str:
        """Where ``packs.<pack>`` (or one of its settings) was set, for one-line messages."""
        if setting is not None and f"packs.{pack}.{setting}" in self.origins:
            return self.origins[f"packs.{pack}.{setting}"]
        return self.origins.get(f"packs.{pack}", self.origin("packs"))


def check_settings_types(s: "Settings") -> None:
    """ConfigError naming the first field of a Settings built in code (the Python API, an embedding
    program) whose value is not of its declared shape: a list where a table belongs raised
    AttributeError inside the engine, and a string where a list belongs was read letter by letter
    (`ignore="ILD501"` ignored rules 'I', 'L', ...). Settings read from files are built so already."""
    for name, hint in _settings_hints():
        value = getattr(s, name)
        if not _of_type(value, hint):
            raise ConfigError(f"Settings.{name} = {value!r:.80} is not {_type_words(hint)}")


@functools.lru_cache(maxsize=1)
def _settings_hints() -> tuple[tuple[str, Any], ...]:
    """(field, declared type) of every Settings field: resolved once (typing.get_type_hints took
    most of the 0.3 ms check_settings_types cost each Linter)."""
    import dataclasses
    import typing

    hints = typing.get_type_hints(Settings)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(Settings))


def _of_type(value: Any, hint: Any) -> bool:
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin is Union:
        return any(_of_type(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_of_type(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_of_type(k, args[0]) and _of_type(v, args[1]) for k, v in value.items())
    if origin is Literal:
        return value in args
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _type_words(hint: Any) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "").replace("datetime.", "")


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_config(start: Optional[Path] = None) -> Optional[tuple[Path, bool]]:
    """Closest config file from ``start`` upward: (path, is_pyproject).

    ``start`` itself is always searched. Above it, the walk goes only up to the root of the git
    repository holding ``start`` (the first folder holding `.git`) or up to the home folder,
    whichever comes first, and only when that `.git` or home folder is owned by the user running
    orderlint (git's own rule for trusting a repository). Outside both, nothing above ``start``
    is read: a file in a shared or temporary folder above a project that is not a git checkout
    used to be read, and could switch rules off.
    """
    d = (start or Path.cwd()).resolve()
    folders, unread, why = _search_folders(d)
    for folder in folders:
        found = _config_in(folder)
        if found is not None:
            return found
    if not unread:
        # The walk stopped at a repository root or the home folder, the user's own: a file above it
        # (a site's file over its checkouts) is not read, and was dropped unsaid.
        unread = list(d.parents)[len(folders) - 1:]
        why = f"above the root of the search ({folders[-1]}, a git repository's root or the home folder)"
    for folder in unread:
        found = _config_in(folder)
        if found is not None:
            # Fail closed both ways: a file above that may have been planted is not read, and a
            # project's own file (a checkout another user owns, run from a subfolder) is not dropped
            # unseen either: the run stops and says how to choose.
            raise ConfigError(
                f"configuration file {found[0]} was not read: it is above the working directory {d}, {why}, so "
                f"it may have been put there by someone else; run orderlint from {folder}, name the file with "
                f"--config, or set {NO_CONFIG_ENV}=1 to use the defaults")
    return None


def _config_in(folder: Path) -> Optional[tuple[Path, bool]]:
    """The configuration file of one folder: (path, is_pyproject), else None."""
    dedicated = folder / ".orderlint.toml"
    found: Optional[tuple[Path, bool]] = None
    if dedicated.is_file():
        found = dedicated, False
    elif os.path.lexists(dedicated):
        # Fail closed: a configuration that is there but cannot be read (a dangling link, a
        # folder) is not skipped for the next one up, which may ignore or select other rules.
        raise ConfigError(f"configuration file {dedicated} cannot be read (it is not a readable file)")
    else:
        py = folder / "pyproject.toml"
        if os.path.lexists(py) and not py.is_file():
            # As for .orderlint.toml: one there that cannot be read may hold the site's table.
            raise ConfigError(f"configuration file {py} cannot be read (it is not a readable file)")
        found = (py, True) if py.is_file() and _has_tool_section(py) else None
    misnamed = folder / "orderlint.toml"
    if os.path.lexists(misnamed):  # a folder or a dangling link of that name was meant as one too
        # Not a name orderlint reads: its settings were dropped (the defaults, or another file, used) unsaid.
        fix = ("rename it .orderlint.toml, or name it with --config" if found is None else
               "this folder's settings are in .orderlint.toml: move its settings there and delete it" if not found[1] else
               "this folder's settings are [tool.orderlint] in pyproject.toml: move its settings there and delete it")
        raise ConfigError(f"configuration file {misnamed} is not read: orderlint reads .orderlint.toml (with a leading "
                          f"dot) or [tool.orderlint] in pyproject.toml; {fix}")
    return found


def _search_folders(d: Path) -> tuple[list[Path], list[Path], str]:
    """(the folders discovery reads, closest first; the folders above them up to where a walk would
    stop, whose files are refused, not read; why those are not read), see :func:`find_config`."""
    home = _home()
    walked: list[Path] = []
    for folder in (d, *d.parents):
        walked.append(folder)
        git = folder / ".git"
        if os.path.lexists(git):
            # A `.git` someone else owns may have been planted (in /tmp, a shared folder) together
            # with a configuration file beside it: it bounds nothing, only the start folder is read.
            if _owned_by_user(git):
                return walked, [], ""
            return [d], walked[1:], f"in a git repository whose {git} belongs to another user"
        if home is not None and folder == home:
            # A home folder that is the filesystem root, or is not the user's (HOME=/tmp in a
            # container), is no boundary anyone else cannot write below.
            if folder.parent != folder and _owned_by_user(folder):
                return walked, [], ""
            whose = "the filesystem root" if folder.parent == folder else "not the user's own"
            return [d], walked[1:], f"in a home folder ({folder}) that is {whose}"
    return [d], walked[1:], "which is not inside a git repository or the home folder"


def _owned_by_user(path: Path) -> bool:
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # pragma: no cover - Windows: no owner ids to compare
        return True
    try:
        return os.lstat(path).st_uid == geteuid()
    except OSError:
        return False


def _home() -> Optional[Path]:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        return None


def _has_tool_section(path: Path) -> bool:
    """Whether a pyproject.toml holds `[tool.orderlint]`. Fail closed: one that cannot be read, or
    is not UTF-8 (as TOML must be; UTF-16 is what some editors save), is a ConfigError, never
    "no table": a site's table in it was dropped unsaid."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror or e}") from None
    low = raw.lower()
    if not any(w in low for w in _NAMES_B) and b"\\u" not in raw and b"\\U" not in raw and raw.isascii() and b"\x00" not in raw:
        return False  # the common case: another project's file (a TOML escape may spell the name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        # Another project's broken file is none of orderlint's business; one that names orderlint in
        # another encoding (UTF-16 from an editor) holds the site's table, which cannot be read.
        if "orderlint" in _decoded_anyhow(raw):
            raise ConfigError(f"cannot read {path}: not UTF-8 text ({e.reason} at byte {e.start}); TOML is UTF-8") from None
        return False
    if "\x00" in text and "orderlint" in _decoded_anyhow(raw):  # UTF-16 without a byte order mark
        raise ConfigError(f"cannot read {path}: not UTF-8 text (NUL bytes: UTF-16?); TOML is UTF-8")
    if not any(w in text.lower() for w in _NAMES) and "\\u" not in text and "\\U" not in text:
        return False
    if _TABLE_HEADER.search(text):  # the usual spelling: load_file parses it (once) and says if it is not a table
        return True
    import tomllib

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return True  # it may hold the table: load_file reports the TOML error, never a silent default
    tool = data.get("tool")
    # Any TOML spelling: [tool.orderlint], dotted keys under [tool], inline tables, quoted names.
    if isinstance(tool, dict) and "orderlint" in tool:
        return True
    _refuse_misnamed_table(data, path)
    return False


#: `[tool.orderlint]` or `[tool.orderlint.serve]` as a line starts it; not `[tool.orderlint-ssc]`, another tool's.
_TABLE_HEADER = re.compile(r"^[ \t]*\[[ \t]*tool\.orderlint[ \t]*[\].]", re.MULTILINE)

#: How the tool's name may be spelt by mistake (compared lower-case): as text, and as bytes.
_NAMES = ("orderlint", "order-lint", "order_lint", "order lint")
_NAMES_B = tuple(n.encode() for n in _NAMES)


def _spelt_as_name(key: Any) -> bool:
    return isinstance(key, str) and key.lower().replace("-", "").replace("_", "").replace(" ", "") == "orderlint"


def _refuse_misnamed_table(data: dict, path: Path) -> None:
    """A table meant for orderlint under another name ([tools.orderlint], [orderlint],
    [tool.Orderlint], [tool.order-lint]) is a ConfigError: it was ignored, and the run used the
    defaults without a word (a site's fail-on or ignore list dropped)."""
    found = [f"[{k}]" for k in data if _spelt_as_name(k)]
    for k, v in data.items():
        if isinstance(k, str) and k.lower() in ("tool", "tools"):
            if isinstance(v, dict):
                found += [f"[{k}.{k2}]" for k2 in v if _spelt_as_name(k2) and (k, k2) != ("tool", "orderlint")]
            elif isinstance(v, list):  # [[tool]], an array of tables: its orderlint key was read by nothing
                found += [f"[[{k}]] {k2}" for t in v if isinstance(t, dict) for k2 in t if _spelt_as_name(k2)]
    if found:
        raise ConfigError(f"{path}: table {found[0]} is not read: orderlint reads its settings from [tool.orderlint] "
                          "(or a .orderlint.toml file); rename the table")


def _decoded_anyhow(raw: bytes) -> str:
    """Text that is not UTF-8, decoded as best it can be, only to look for a word in it: UTF-32 or
    UTF-16 by their byte order mark or NUL bytes, else Latin-1 (which decodes any byte)."""
    for bom, enc in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
                     (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(enc, errors="replace")
    if b"\x00" in raw:
        return raw.decode("utf-16-le", errors="replace") + raw.decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


def _read_toml(path: Path) -> dict:
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"cannot read configuration file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    except ValueError as e:  # an integer over Python's 4,300-digit conversion limit
        raise ConfigError(f"{path}: a value cannot be read: {e}") from None


def load_file(path: Path, is_pyproject: Optional[bool] = None) -> tuple[dict, str]:
    """-> (validated raw table, label of its origin)."""
    if is_pyproject is None:
        is_pyproject = path.name == "pyproject.toml"
    data = _read_toml(path)
    if is_pyproject:
        # A second table meant for orderlint ([tool.order-lint] beside [tool.orderlint]) was dropped unsaid.
        _refuse_misnamed_table(data, path)
        table = data.get("tool", {}).get("orderlint")
        if table is None:
            raise ConfigError(f"{path}: has no [tool.orderlint] table")
        label = f"{path} [tool.orderlint]"
    else:
        table = data
        label = str(path)
    validate_table(table, label)
    return table, label


def validate_table(table: Any, label: str) -> None:
    """The schema of a ``[tool.orderlint]`` table, wherever it comes from (a file, the API's or
    Spark's ``config=`` dict, a case file): unknown keys and wrong shapes are one ConfigError."""
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: must be a table")
    for key in table:
        if key not in FILE_KEYS:
            raise ConfigError(f"{label}: unknown key {key!r}{did_you_mean(key, FILE_KEYS)}")
    if _plainly_valid(table):
        return
    from pydantic import ValidationError

    try:
        _file_model().model_validate(table)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{label}: {where}: {err['msg']}") from None


def _strs(v: Any) -> bool:
    return type(v) is list and all(type(x) is str for x in v)


def _str_table(v: Any, values: Any = None) -> bool:
    """A dict of str keys whose values are str (and in ``values``, when given)."""
    return type(v) is dict and all(
        type(k) is str and type(x) is str and (values is None or x in values) for k, x in v.items()
    )


#: Per key of a [tool.orderlint] table (every key of FILE_KEYS): whether its value is of a type
#: the file model plainly accepts. Exact types only, so that a value in any way unusual (a str or
#: dict subclass, a bool where a number goes, a datetime) is left to the model.
_PLAIN: dict[str, Callable[[Any], bool]] = {
    "select": lambda v: v is None or _strs(v),
    "ignore": _strs,
    "fail-on": lambda v: v is None or (type(v) is str and v in FAIL_ON),
    "severity": lambda v: _str_table(v, ("error", "warning", "info")),
    "rules": lambda v: type(v) is dict and all(type(k) is str and type(x) is dict for k, x in v.items())
    and all(type(k) is str for x in v.values() for k in x),
    "lookback-days": lambda v: type(v) is dict and all(
        type(k) is str and (type(x) is int or (type(x) is str and x == "any")) for k, x in v.items()
    ),
    "as-of": lambda v: v is None or type(v) is str or type(v) is _dt.date,
    "check-timeout": lambda v: v is None or type(v) is int or type(v) is float,
    "vocabulary": _str_table,
    "allow-vocabulary-override": _strs,
    "allow-as-of": lambda v: v is None or type(v) is bool,
    "fhir-namespace": lambda v: v is None or type(v) is str,
    "docs-url": lambda v: v is None or type(v) is str,
    "serve": lambda v: type(v) is dict and all(type(k) is str for k in v),
    # Checked by _apply, as the model leaves them (Any).
    "packs": lambda v: True,
    "include": lambda v: True,
    "exclude": lambda v: True,
    "extend-exclude": lambda v: True,
    "force-exclude": lambda v: v is None or type(v) is bool,
}


def _plainly_valid(table: dict) -> bool:
    """Whether the file model would accept ``table`` without a doubt (its keys are known): then
    pydantic is not imported, which is most of the start-up of a run in a folder with a
    configuration file. False is no verdict: the model decides, and words the error."""
    return all(_PLAIN[k](v) for k, v in table.items())


_AS_OF = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_as_of(value: Any, what: str = "as_of") -> _dt.date:
    """An evaluation date: a date (a datetime's date), or text exactly YYYY-MM-DD. Anything else
    is a ConfigError: Python also reads '20260302' and '2026W101', which the contract does not
    name, and a datetime compared with a result date made every look-back check crash (OL000)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str) and _AS_OF.fullmatch(value.strip()):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{what} must be a date YYYY-MM-DD, not {value!r}")


def build_settings(
    *,
    config_path: Optional[str] = None,
    discover: bool = True,
    cli: Optional[dict[str, Any]] = None,
    start: Optional[Path] = None,
) -> Settings:
    """Defaults <- config file <- command line."""
    s = Settings()
    table: dict = {}
    label = None
    source: Optional[Path] = None
    if config_path is not None and not str(config_path).strip():
        # "" is no file: read as "none given", it silently loaded whatever configuration lies in the
        # working directory (the API's config=os.environ.get(..., "")).
        raise ConfigError("the configuration path is empty: name a file, or give none")
    if config_path:
        p = Path(config_path)
        if not p.is_file():
            raise ConfigError(f"configuration file {config_path} does not exist")
        table, label = load_file(p)
        source = p
    elif discover and not config_discovery_off():
        found = find_config(start)
        if found:
            table, label = load_file(*found)
            source = found[0]
    if label and source is not None:
        s.config_file = label
        s.config_path = str(source)
        s.root = str(source.resolve().parent)
        _apply_table(s, table, label, validated=True)
    for key, value in (cli or {}).items():
        if value is None or value == [] or value == ():
            continue
        _apply(s, key, value, f"command line ({'--' + key.replace('_', '-')})")
    return s


def _apply_table(s: Settings, table: dict, label: str, *, validated: bool = False) -> None:
    if not validated:
        validate_table(table, label)
    for key, value in table.items():
        _apply(s, key.replace("-", "_"), value, label)


def _apply(s: Settings, key: str, value: Any, origin: str) -> None:
    if key == "select":
        s.select = None if value is None else _codes(value)  # None (the API's null): every rule, the default
    elif key == "ignore":
        s.ignore = _codes(value)
    elif key == "fail_on":
        if value not in FAIL_ON:
            raise ConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, not {value!r}")
        s.fail_on = value
    elif key == "severity":
        s.severity.update(value)
    elif key == "rules":
        for r, opts in value.items():
            if not isinstance(opts, dict):
                raise ConfigError(f"{origin}: rules.{r} must be a table of options")
            s.rules.setdefault(r, {}).update(opts)
    elif key == "packs":
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: packs must be a table of [packs.<pack-name>] tables")
        for pack, opts in value.items():
            if not isinstance(opts, dict):
                raise ConfigError(
                    f"{origin}: packs.{pack} must be a table of settings ([tool.orderlint.packs.{pack}]), not {opts!r}"
                )
            s.packs.setdefault(pack, {}).update(opts)
            s.origins[f"packs.{pack}"] = origin
            for name in opts:
                s.origins[f"packs.{pack}.{name}"] = origin
    elif key in ("include", "exclude", "extend_exclude"):
        name = key.replace("_", "-")
        if not isinstance(value, (list, tuple)) or not all(isinstance(g, str) and g.strip() for g in value):
            raise ConfigError(f"{origin}: {name} must be a list of glob patterns such as [\"*.json\", \"drafts/\"], not {value!r}")
        if key == "include" and not value:
            raise ConfigError(f"{origin}: include must name at least one pattern (an empty include lints nothing)")
        setattr(s, key, [g.strip() for g in value])
    elif key == "force_exclude":
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: force-exclude must be true or false, not {value!r}")
        s.force_exclude = value
    elif key == "lookback_days":
        # Test names are checked by the engine against the loaded vocabulary (plugins add tests);
        # values are checked here, and again by the engine under the canonical test name.
        for test, days in value.items():
            # Which keys the site gave, even at their default's value, so that an alias giving the
            # same test another window conflicts with it (the engine's _lookback_windows).
            s.origins[f"lookback-days.{test}"] = origin
            if test in LOOKBACK_MAX:
                s.lookback_days[test] = check_lookback(test, days, origin)
                continue
            # An alias or a plugin's test: its limit is known once the engine has read the name.
            if days != "any" and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
                raise ConfigError(f"{origin}: lookback-days.{test} must be a whole number of days or 'any', not {days!r}")
            s.lookback_days[test] = None if days == "any" else days
    elif key == "as_of":
        s.as_of = parse_as_of(value, f"{origin}: as-of")
    elif key == "check_timeout":
        s.check_timeout = _timeout(value, origin)
    elif key == "vocabulary":
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: vocabulary must be a table of site name = known ingredient")
        for name, target in value.items():
            if not isinstance(name, str) or not isinstance(target, str) or not name.strip() or not target.strip():
                raise ConfigError(f"{origin}: vocabulary.{name}: must map a site name to a known ingredient name, not {target!r}")
            s.vocabulary[name] = target
    elif key == "allow_vocabulary_override":
        names = _codes(value) if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n.strip() for n in names):
            raise ConfigError(f"{origin}: allow-vocabulary-override must be a list of plugin names, not {value!r}")
        s.allow_vocabulary_override = [n.strip() for n in names]
    elif key == "allow_as_of":
        if not isinstance(value, bool):
            raise ConfigError(f"{origin}: allow-as-of must be true or false, not {value!r}")
        s.allow_as_of = value
    elif key in ("fhir_namespace", "docs_url"):
        if not isinstance(value, str) or not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ConfigError(f"{origin}: {key.replace('_', '-')} must be an http(s) URL, not {value!r}")
        setattr(s, key, value.rstrip("/"))
    elif key == "serve":
        if not isinstance(value, dict):
            raise ConfigError(f"{origin}: serve must be a table")
        from orderlint.serve.settings import PATH_KEYS, parse_settings

        value = dict(value)
        if s.root is not None:
            # A file the table names is read from the configuration file's folder, as its patterns
            # are, wherever `serve` or `feedback report` runs (and checked there, at load).
            for k in PATH_KEYS:
                v = value.get(k)
                if isinstance(v, str) and v.strip() and not os.path.isabs(v) and v.strip() != ":memory:":
                    value[k] = os.path.join(s.root, v)
        parse_settings(value)  # one ConfigError naming the key; unknown keys are errors
        s.serve = value
    else:  # pragma: no cover - FILE_KEYS guards this
        raise ConfigError(f"{origin}: unknown key {key!r}")
    s.origins[key.replace("_", "-")] = origin


def _timeout(value: Any, origin: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value)) or not 0 < value <= MAX_CHECK_TIMEOUT):
        raise ConfigError(
            f"{origin}: check-timeout must be a number of seconds greater than 0 and at most {MAX_CHECK_TIMEOUT:g} "
            f"(a check that needs longer is hung), not {value!r}"
        )
    return float(value)


def check_timeout(value: Any, origin: str = "settings") -> float:
    """``value`` as a check time limit in seconds, or :class:`ConfigError` (0 < value <= 600)."""
    return _timeout(value, origin)


def lookback_limit(test: str) -> tuple[Optional[int], str]:
    """(longest window in days or None for any date, why) for a canonical test name or 'default'."""
    return LOOKBACK_MAX.get(test, LOOKBACK_MAX_OTHER)


def check_lookback(test: str, days: Any, origin: str, written: Optional[str] = None) -> Optional[int]:
    """A look-back window as normalization uses it (days, None for any date), or :class:`ConfigError`.

    ``test`` is a canonical test name or 'default' (an alias is checked again by the engine
    under its canonical name, ``written`` being the name as the site wrote it).
    """
    longest, why = lookback_limit(test)
    name = test if written is None or written == test else f"{written} (read as {test})"
    allowed = "a whole number of days or 'any'" if longest is None else f"a whole number of days from 0 to {longest}"
    if days is None or days == "any":  # None: 'any' as Settings holds it
        if longest is None:
            return None
        raise ConfigError(
            f"{origin}: lookback-days.{name} = 'any' is not allowed: must be at least 0 and at most {longest} days; "
            f"{why}"
        )
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError(f"{origin}: lookback-days.{name} must be {allowed}, not {days!r}")
    if longest is not None and days > longest:
        raise ConfigError(
            f"{origin}: lookback-days.{name} = {days!r} is too long: must be at least 0 and at most {longest} days; "
            f"{why}"
        )
    return days


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v.strip()]

