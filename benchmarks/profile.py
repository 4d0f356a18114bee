#!/usr/bin/env python3
"""Profile orderlint's in-process batch path (iter_jsonl + Linter().lint_document).

    python benchmarks/profile.py                  # 20,000 generated documents
    python benchmarks/profile.py --count 5000 --startup

Prints, in this order:

1. a stage breakdown measured WITHOUT the profiler (wall time of cumulative passes over the same
   documents: parse only; + validate; + normalize; full lint_document), next to json.loads, so
   that the profiler's own overhead (which inflates pure-Python code far more than pydantic-core's
   compiled validators) does not decide what looks expensive;
2. the top functions by cumulative time and by total (own) time under cProfile;
3. with ``--startup``, a cProfile of one ``orderlint check one-file.json`` run in process.

The raw profile is saved to benchmarks/out/profile.prof (open it with ``python -m pstats`` or
snakeviz). The stage breakdown calls orderlint internals (validate.validate, normalize.normalize)
and, for one instrumented pass, wraps Linter._finding, Document.locate and each rule's check to
time them; if those internals change, that section says so and the profile still runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file shares its name with the standard library's `profile`, which cProfile imports: take
# benchmarks/ off the front of sys.path first, so that `import profile` finds the standard library.
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path.pop(0)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import datetime as _dt  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402

OUT = HERE / "out"


def _load_generate() -> Any:
    spec = importlib.util.spec_from_file_location("generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["generate"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


generate = _load_generate()


def make_stream(seed: int, count: int) -> bytes:
    return ("\n".join(text for _, _, text in generate.Generator(seed).iter_texts(count)) + "\n").encode("utf-8")


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _timed(owner: Any, name: str, acc: dict) -> Callable[[], None]:
    """Wrap ``owner.name`` to add its wall time to acc[name]; returns an undo function."""
    original = getattr(owner, name)

    def wrapper(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            acc[name] = acc.get(name, 0.0) + time.perf_counter() - t
            acc[name + "#calls"] = acc.get(name + "#calls", 0) + 1

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, original)


def stage_breakdown(data: bytes, linter: Any, repeat: int) -> list[str]:
    from orderlint.reader import Document, iter_jsonl

    try:
        from orderlint.normalize import normalize
        from orderlint.validate import validate
    except ImportError as e:
        return [f"(stage breakdown unavailable: {e})"]

    vocab = linter.vocab
    s = linter.settings
    as_of = s.as_of or _dt.date.today()
    n = sum(1 for line in io.BytesIO(data) if line.strip())

    def json_only() -> None:
        for line in io.BytesIO(data):
            try:
                json.loads(line)
            except ValueError:
                pass

    def parse() -> None:
        for _ in iter_jsonl(io.BytesIO(data), "<profile>"):
            pass

    def parse_validate() -> None:
        for d in iter_jsonl(io.BytesIO(data), "<profile>"):
            if d.error is None:
                validate(d.data, vocab)

    def parse_validate_normalize() -> None:
        for d in iter_jsonl(io.BytesIO(data), "<profile>"):
            if d.error is None:
                reg, _ = validate(d.data, vocab)
                if reg is not None and reg.indication.condition in linter.conditions:
                    normalize(reg, vocab, as_of=as_of, lookback_days=s.lookback_days)

    def full() -> None:
        for d in iter_jsonl(io.BytesIO(data), "<profile>"):
            linter.lint_document(d)

    def full_rendered() -> None:
        # What `--format jsonl` adds: every finding's line and column, and one JSON line per result,
        # written by the JSON Lines formatter itself (to memory).
        from orderlint.formatters.jsonout import make

        out = io.StringIO()
        fmt = make("jsonl", out, linter)
        fmt.start()
        for d in iter_jsonl(io.BytesIO(data), "<profile>"):
            fmt.result(linter.lint_document(d))
            if out.tell() > 1 << 24:
                out.seek(0)
                out.truncate()

    def full_to_report_file() -> None:
        # The same through the command line's report stream (--output /dev/null): the formatter
        # writes orjson's bytes to the stream's binary layer, as `check --output` does.
        import os

        from orderlint.cli import _Output
        from orderlint.formatters.jsonout import make

        with open(os.devnull, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
            fmt = make("jsonl", _Output(stream, os.devnull, plain=True), linter)
            fmt.start()
            for d in iter_jsonl(io.BytesIO(data), "<profile>"):
                fmt.result(linter.lint_document(d))

    t_json = best_of(json_only, repeat)
    t_parse = best_of(parse, repeat)
    t_val = best_of(parse_validate, repeat)
    t_norm = best_of(parse_validate_normalize, repeat)
    t_full = best_of(full, repeat)
    t_rendered = best_of(full_rendered, repeat)
    t_reported = best_of(full_to_report_file, repeat)

    # One instrumented pass: time inside finding construction and JSON positions (line/column).
    acc: dict = {}
    undo = []
    statuses: dict[str, int] = {}
    findings = 0
    try:
        undo.append(_timed(type(linter), "_finding", acc))
        undo.append(_timed(Document, "locate", acc))
    except AttributeError:
        pass
    rule_times: dict[str, float] = {}
    if hasattr(linter, "rules"):
        import dataclasses

        def timed_check(code: str, check: Callable) -> Callable:
            def run(reg: Any, opts: Any) -> list:
                t = time.perf_counter()
                try:
                    return list(check(reg, opts))  # the engine accepts any iterable of hits
                finally:
                    rule_times[code] = rule_times.get(code, 0.0) + time.perf_counter() - t

            return run

        # Swap in timed copies of the rules and empty the engine's per-condition caches (whatever
        # they are called), so that dispatch is rebuilt from the timed rules; all restored after.
        saved = {a: getattr(linter, a) for a in ("rules", "_per_condition", "_dispatch", "_todo") if hasattr(linter, a)}
        linter.rules = [
            dataclasses.replace(r, check=timed_check(r.code, r.check)) if callable(r.check) else r
            for r in linter.rules
        ]
        for a in ("_per_condition", "_dispatch", "_todo"):
            if a in saved:
                setattr(linter, a, {})
        undo.append(lambda: [setattr(linter, a, v) for a, v in saved.items()])
    try:
        t = time.perf_counter()
        for d in iter_jsonl(io.BytesIO(data), "<profile>"):
            r = linter.lint_document(d)
            statuses[r.status] = statuses.get(r.status, 0) + 1
            findings += len(r.findings)
        t_instrumented = time.perf_counter() - t
    finally:
        for u in reversed(undo):
            u()

    def line(label: str, secs: float) -> str:
        return f"  {label:<72} {secs:7.3f} s  {1e6 * secs / n:8.1f} us/doc  {100 * secs / t_full:5.1f}%"

    out = [
        f"stage breakdown, no profiler: {n:,} documents, best of {repeat} "
        f"(statuses {statuses}, {findings:,} findings, {findings / n:.2f} per document)",
        line("json.loads of every line (reference)", t_json),
        line("parse: iter_jsonl (decode, strict JSON, depth check)", t_parse),
        line("validate: pydantic document models + test names", t_val - t_parse),
        line("normalize (checked documents, with the tag -> orders tables)", t_norm - t_val),
        line("rules + findings + waivers + Result (the rest)", t_full - t_norm),
        line("full lint_document per line", t_full),
        f"  full / json.loads = {t_full / t_json:.1f}x",
        line("  + JSON Lines rendering (positions of every finding, the jsonl formatter)", t_rendered - t_full),
        line("  + the same written to a report file (/dev/null) as the command line does", t_reported - t_full),
    ]
    if "_finding" in acc:
        scale = t_full / t_instrumented  # the wrappers add a little; scale to the clean pass
        out.append(f"  inside one instrumented pass ({t_instrumented:.3f} s; shares scaled to the clean pass):")
        out.append(line(f"  Linter._finding ({acc['_finding#calls']:,} calls)", acc["_finding"] * scale))
        if "locate" in acc:
            out.append(line(f"  Document.locate: JSON line/column ({acc['locate#calls']:,} calls)", acc["locate"] * scale))
        else:
            out.append("    (no Document.locate call: positions are computed when a report reads them)")
    if rule_times:
        scale = t_full / t_instrumented
        total = sum(rule_times.values())
        out.append(line(f"  rule checks, all {len(rule_times)} (own generators, without finding construction)", total * scale))
        top = sorted(rule_times.items(), key=lambda kv: -kv[1])[:8]
        out.append("    slowest rules: " + ", ".join(f"{c} {1e6 * v * scale / n:.1f}" for c, v in top) + " us/doc")
    return out


def print_top(stats: pstats.Stats, key: str, top: int, title: str) -> None:
    print(f"\n=== top {top} by {title} ===")
    stats.sort_stats(key).print_stats(top)


def profile_batch(data: bytes, linter: Any, top: int, prof_path: Path) -> pstats.Stats:
    from orderlint.reader import iter_jsonl

    lint = linter.lint_document
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    for doc in iter_jsonl(io.BytesIO(data), "<profile>"):
        lint(doc)
    pr.disable()
    wall = time.perf_counter() - t
    pr.dump_stats(str(prof_path))
    print("\n=== own time grouped by where the code lives (under the profiler) ===")
    print("\n".join(grouped(pstats.Stats(pr))))
    stats = pstats.Stats(pr, stream=sys.stdout)
    stats.strip_dirs()
    print(f"\ncProfile of the batch path: {wall:.2f} s under the profiler; raw profile in {prof_path}")
    print_top(stats, "cumulative", top, "cumulative time")
    print_top(stats, "tottime", top, "total (own) time")
    return stats


def grouped(stats: pstats.Stats) -> list[str]:
    """Own time summed by where the code lives: what the per-document path spends its time in."""
    groups: dict[str, float] = {}
    total = 0.0
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tt
        f = filename.replace("\\", "/")
        if "pydantic" in f or "validate_python" in func:
            g = "pydantic + pydantic-core (validation, model_construct)"
        elif f.endswith(("/json/decoder.py", "/json/__init__.py")):
            g = "json (stdlib decoder, Python part)"
        elif "/orderlint_ssc/" in f or "/checks/orderlint_ssc/" in f:
            g = "rule pack checks (orderlint_ssc)"
        elif "/orderlint/" in f:
            g = f"orderlint/{f.rsplit('/orderlint/', 1)[1]}"
        elif f.startswith("~") or "<built-in" in func or "<method" in func:
            g = f"builtins: {func[:60]}"
        else:
            g = f.rsplit("/", 1)[-1]
        groups[g] = groups.get(g, 0.0) + tt
    rows = sorted(groups.items(), key=lambda kv: -kv[1])[:20]
    return [f"  {100 * v / total:5.1f}%  {v:7.3f} s  {k}" for k, v in rows]


def profile_startup(top: int) -> None:
    import subprocess

    one = OUT / "data" / "profile-one-file.json"
    one.parent.mkdir(parents=True, exist_ok=True)
    for cat, _kind, text in generate.Generator(1).iter_texts(1000, pretty=True):
        if cat == "clean":
            one.write_text(text + "\n", encoding="utf-8")
            break
    code = (
        "import cProfile, pstats, sys\n"
        f"sys.argv = ['orderlint', 'check', {str(one)!r}]\n"
        "pr = cProfile.Profile(); pr.enable()\n"
        "try:\n    from orderlint.cli import main; main()\nexcept SystemExit: pass\n"
        "pr.disable()\n"
        "s = pstats.Stats(pr, stream=sys.stderr); s.strip_dirs()\n"
        f"s.sort_stats('cumulative').print_stats({top})\n"
    )
    print(f"\n=== start-up: orderlint check one-file.json in a fresh process, top {top} by cumulative time ===")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    print(p.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="cProfile of orderlint's in-process batch path.")
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=2, help="passes per stage in the breakdown (best is kept)")
    ap.add_argument("--startup", action="store_true", help="also profile one `orderlint check one-file.json`")
    args = ap.parse_args(argv)

    from orderlint.engine import Linter
    from orderlint.reader import iter_jsonl

    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {args.count:,} documents (seed {args.seed}) in memory ...", file=sys.stderr)
    data = make_stream(args.seed, args.count)
    linter = Linter()
    for doc in iter_jsonl(io.BytesIO(data[:400_000]), "<warm-up>"):  # lazy imports, caches
        linter.lint_document(doc)

    print("\n".join(stage_breakdown(data, linter, args.repeat)))
    profile_batch(data, linter, args.top, OUT / "profile.prof")
    if args.startup:
        profile_startup(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
