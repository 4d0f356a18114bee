#!/usr/bin/env python3
"""Coverage-guided fuzz target (atheris/libFuzzer) for the read and lint stages.

Every input is run through four paths:
  read_bytes(data, fmt="json"), read_bytes(data, fmt="yaml"), read_bytes(data, fmt=None) (sniffed,
  as for stdin), and iter_jsonl over the bytes as a JSON Lines stream;
and each resulting Document through Linter.lint_document. The target fails on:
  - any exception (the read and lint stages must turn every input into a Result);
  - a Result whose status is not one of "checked", "not-applicable", "invalid";
  - an OL000 finding (a rule crashed: fail-closed, but still a bug);
  - an invalid Result with a finding other than OL001, or with no finding at all.

Usage (see fuzz/README.md):
    python fuzz/fuzz_lint.py -max_total_time=60 fuzz/corpus

If the corpus folder given on the command line is missing or empty, it is seeded at startup with the
bytes of examples/**/*.json, *.yaml, *.yml, *.jsonl. A libFuzzer dictionary of format tokens is
written to a temporary file and passed with -dict unless you give your own.

Set ORDERLINT_FUZZ_KNOWN=1 to tolerate the bugs listed in KNOWN_BUGS (printed once each) so that
a long run can look past them.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SEED_SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".ndjson")
STATUSES = ("checked", "not-applicable", "invalid")

with atheris.instrument_imports(include=["orderlint", "orderlint_ssc"]):
    from orderlint.config import Settings
    from orderlint.engine import Linter
    from orderlint.findings import Result
    from orderlint.reader import iter_jsonl, read_bytes

    import datetime as _dt

    # Rule packs are imported here, inside the instrumented block, by loading the entry points.
    LINTER = Linter(Settings(as_of=_dt.date(2026, 3, 2)))

#: (exception type name, message fragment) of bugs already reported; tolerated with ORDERLINT_FUZZ_KNOWN=1.
KNOWN_BUGS = [
    ("OverflowError", "cannot convert float infinity to integer"),  # normalize: huge duration / tiny period
]
_TOLERATE = os.environ.get("ORDERLINT_FUZZ_KNOWN") == "1"
_seen_known: set = set()

DICTIONARY = [
    '"id"', '"kind"', '"patient"', '"order-set"', '"indication"', '"condition"', '"ssc-ild"', '"phase"',
    '"first-line"', '"progression"', '"rapidly_progressive"', '"orders"', '"drug"', '"dose"', '"unit"',
    '"route"', '"frequency"', '"period"', '"period_unit"', '"duration"', '"doses"', '"status"', '"purpose"',
    '"strength"', '"value"', '"tests"', '"test"', '"resulted"', '"ordered"', '"date"', '"history"',
    '"outcome"', '"waivers"', '"rule"', '"reason"', '"approved_by"', '"expires"', '"weight_kg"',
    '"height_cm"', '"bsa_m2"', '"as_of"', '"x-"', '"orderlint"',
    '"prednisone"', '"methylprednisolone"', '"cyclophosphamide"', '"CellCept"', '"Ofev"', '"rituximab"',
    '"Bactrim"', '"dapsone"', '"mg/kg"', '"mg/m2"', '"tablet"', '"mcg"', '"iv"', '"oral"', '"sc"',
    '"tiw"', '"q4w"', '"bid"', '"q168h"', '"wk"', '"mo"', '"ILD204"', '"OL004"', '"2026-02-30"',
    '"NaN"', '"Infinity"', '"1e308"', '"1e-320"', '"-0"', '"9007199254740993"', '"1e400"',
    '"&a "', '"*a"', '"!!python/object/apply:os.system "', '"!!str "', '"!!int "', '"!!binary "',
    '"<<: "', '"---"', '"..."', '"? "', '"- "', '"|\\x0a"', '"\\xef\\xbb\\xbf"', '"\\xff\\xfe"', '"\\\\u0000"',
]


def _check(result: object, where: str) -> None:
    if not isinstance(result, Result):
        raise AssertionError(f"{where}: lint_document returned {type(result).__name__}, not a Result")
    if result.status not in STATUSES:
        raise AssertionError(f"{where}: status {result.status!r}")
    codes = [f.code for f in result.findings]
    if "OL000" in codes:
        msgs = [f.message for f in result.findings if f.code == "OL000"]
        raise AssertionError(f"{where}: a rule crashed (OL000): {msgs}")
    if result.status == "invalid" and (not codes or set(codes) != {"OL001"}):
        raise AssertionError(f"{where}: invalid result with findings {codes}")
    for f in result.findings:
        if f.line < 1 or f.column < 1:
            raise AssertionError(f"{where}: finding {f.code} at line {f.line} column {f.column}")


def _lint_all(data: bytes) -> None:
    for fmt in ("json", "yaml", None):
        _check(LINTER.lint_document(read_bytes(data, "<fuzz>", fmt)), f"read_bytes(fmt={fmt})")
    for doc in iter_jsonl(io.BytesIO(data), "<fuzz>"):
        _check(LINTER.lint_document(doc), "iter_jsonl")


def TestOneInput(data: bytes) -> None:
    if not _TOLERATE:
        _lint_all(data)
        return
    try:
        _lint_all(data)
    except Exception as e:  # noqa: BLE001 - only the listed known bugs are tolerated
        for name, fragment in KNOWN_BUGS:
            if type(e).__name__ == name and fragment in str(e):
                if name not in _seen_known:
                    _seen_known.add(name)
                    sys.stderr.write(f"fuzz_lint: tolerating known bug {name}: {e} (input {data[:120]!r})\n")
                return
        raise


def _seed(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    if any(corpus.iterdir()):
        return
    n = 0
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file() and path.suffix.lower() in SEED_SUFFIXES:
            rel = "_".join(path.relative_to(EXAMPLES).parts)
            (corpus / f"seed-{rel}").write_bytes(path.read_bytes())
            n += 1
    sys.stderr.write(f"fuzz_lint: seeded {corpus} with {n} example documents\n")


def main(argv: list[str]) -> None:
    corpora = [a for a in argv[1:] if not a.startswith("-")]
    for c in corpora:
        p = Path(c)
        if not p.exists() or p.is_dir():
            _seed(p)
    args = list(argv)
    if not any(a.startswith("-dict=") for a in args):
        fd, dict_path = tempfile.mkstemp(prefix="orderlint-fuzz-", suffix=".dict")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(DICTIONARY) + "\n")
        args.insert(1, f"-dict={dict_path}")
    if not any(a.startswith("-timeout=") for a in args):
        args.insert(1, "-timeout=20")  # a slow input is a finding too (quadratic paths, hangs)
    atheris.Setup(args, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
