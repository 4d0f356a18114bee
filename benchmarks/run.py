#!/usr/bin/env python3
"""Run every orderlint performance measurement and print ONE markdown table.

    python benchmarks/run.py --quick          # shorter run (200,000-document memory run, 2,000 files)
    python benchmarks/run.py                  # full run (1,000,000 documents, 10,000 files)
    python benchmarks/run.py --big 500000 --json
    python benchmarks/run.py --quick --only fhir,bulk,locate   # only some row groups

Every target of the performance issue is a ratio against a reference measured side by side in
the same run (the machine is shared and noisy), except peak RSS, which is absolute. Nothing here
asserts: a FAIL is a measurement, not an error, and the exit code is 0 unless a measurement
could not be taken at all.

Run it with the interpreter of the environment where orderlint is installed (the in-process rows
import it); the command-line rows use the ``orderlint`` script next to that interpreter.
Generated data is cached under benchmarks/out/data/ (git-ignored) and reused while the seed,
the size and generate.py are unchanged.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
DATA = OUT / "data"
SCHEMA = ROOT / "schemas" / "regimen.schema.json"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/generate.py)

# The targets of the issue (issue 15).
BATCH_CLI_MAX_RATIO = 8.0  # CLI --format jsonl over a JSON Lines stream, end to end, vs json.loads
BATCH_MAX_RATIO = 6.5  # the same in process (iter_jsonl + lint_document)
JOBS_MIN_SPEEDUP = 1.7
STARTUP_CHECK_MAX = 10.0
FLOOR_STARTUP = "floor: import click, pluggy, pydantic + one model"
STARTUP_VERSION_MAX = 1.5
#: Bytecode for the start-up rows. An installed wheel has its modules compiled when pip installs it;
#: this editable checkout has none, and an environment may forbid writing it
#: (PYTHONDONTWRITEBYTECODE), when every start compiles every module imported. The start-up rows
#: are measured both ways: with bytecode cached here (as installed), and without any.
PYCACHE = OUT / "pycache"
RSS_MAX_MB = 100.0
RSS_FLAT_MAX = 1.10  # "flat": peak RSS at the biggest size at most 10% above the 10,000-document run
FOLDER_MAX_RATIO = 1.0
LOCATE_MAX_RATIO = 4.0  # 6,000 located findings cost at most 4x 2,000 (linear, not quadratic)
LOCATE_BIG_MAX_S = 2.0  # the 20,000-key document (about 250 KB), all findings located
FHIR_EXAMPLES = ROOT / "examples" / "fhir"
FHIR_NATIVE = ROOT / "examples" / "regimens" / "ILD301-fires.json"
#: Row groups that --only can select.
GROUPS = ("startup", "batch", "memory", "jobs", "folder", "fhir", "bulk", "locate")

#: Runs a command in a fresh process and reports its wall time and the peak RSS of the child.
RSS_WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss}))
"""

_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- tools


def find_tool(name: str) -> Optional[str]:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)


def script_interpreter(script: str) -> str:
    """The interpreter a console script runs with (its shebang), for a fair `python -c pass`."""
    try:
        with open(script, "rb") as f:
            first = f.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            parts = first[2:].split()
            if parts and os.path.exists(parts[0]) and not parts[0].endswith("/env"):
                return parts[0]
    except OSError:
        pass
    return sys.executable


def sources_hash() -> str:
    """Hash of the orderlint sources, to notice code that changes while the benchmark runs."""
    h = hashlib.sha256()
    for d in ("orderlint", "checks", "schemas"):
        for p in sorted((ROOT / d).rglob("*")):
            if p.suffix in (".py", ".json") and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:12]


def git_head() -> str:
    try:
        p = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return p.stdout.strip() or "?"
    except OSError:
        return "?"


def generator_hash() -> str:
    return hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]


# ----------------------------------------------------------------------------- data


def stream_file(seed: int, count: int, biggest: int) -> Path:
    """A JSONL file of the first ``count`` documents of the seed (cached)."""
    DATA.mkdir(parents=True, exist_ok=True)
    tag = generator_hash()
    path = DATA / f"stream-s{seed}-n{count}-{tag}.jsonl"
    if path.exists():
        return path
    big = DATA / f"stream-s{seed}-n{biggest}-{tag}.jsonl"
    if not big.exists():
        for old in DATA.glob(f"stream-s{seed}-*.jsonl"):
            if not old.name.endswith(f"-{tag}.jsonl"):
                old.unlink()  # made by an older generate.py
        log(f"generating {biggest:,} documents (seed {seed}) -> {big.relative_to(ROOT)}")
        tmp = big.with_suffix(".tmp")
        generate.write_jsonl(str(tmp), seed, biggest)
        tmp.rename(big)
    if count == biggest:
        return big
    # The generator's first N documents do not depend on the total count: copy the prefix.
    tmp = path.with_suffix(".tmp")
    with open(big, "rb") as src, open(tmp, "wb") as dst:
        for n, line in enumerate(src):
            if n >= count:
                break
            dst.write(line)
    tmp.rename(path)
    return path


def folder(seed: int, count: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    tag = generator_hash()
    path = DATA / f"folder-s{seed}-n{count}-{tag}"
    if not (path / ".complete").exists():
        for old in DATA.glob(f"folder-s{seed}-n{count}-*"):
            shutil.rmtree(old, ignore_errors=True)
        log(f"generating {count:,} files (seed {seed}) -> {path.relative_to(ROOT)}")
        generate.write_dir(str(path), seed, count)
        (path / ".complete").write_text("ok\n")
    return path


def one_file(seed: int) -> Path:
    """A clean patient regimen, pretty-printed as a user's file would be."""
    path = DATA / f"one-file-s{seed}-{generator_hash()}.json"
    if not path.exists():
        gen = generate.Generator(seed)
        for cat, kind, text in gen.iter_texts(1000, pretty=True):
            if cat == "clean":
                path.write_text(text + "\n", encoding="utf-8")
                break
    return path


def read_lines(path: Path, limit: int) -> bytes:
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f):
            if n >= limit:
                break
            out.append(line)
    return b"".join(out)


# ----------------------------------------------------------------------------- measurements


def _time_lines(data: bytes, parse: Any) -> tuple[float, float, int]:
    """(wall, CPU, lines) for ``parse`` applied to every non-blank line; a ValueError (invalid
    JSON, or pydantic's ValidationError) is a line parsed and refused, and counts."""
    n = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for line in io.BytesIO(data):
        if not line.strip():
            continue
        n += 1
        try:
            parse(line)
        except ValueError:
            pass
    return time.perf_counter() - t0, time.process_time() - c0, n


def time_json_loads(data: bytes) -> tuple[float, float, int]:
    """json.loads of every non-blank line (invalid lines count: they are parsed and refused)."""
    return _time_lines(data, json.loads)


def time_floor(data: bytes) -> tuple[float, float, int]:
    """json.loads + pydantic validation with orderlint's own document models, per line.

    The least any implementation of the contract pays with these libraries: no duplicate-key
    check, no test-name check, no normalization, no rules, no results.
    """
    from orderlint.model import validate_regimen

    loads = json.loads

    def parse_and_validate(line: bytes) -> None:
        d = loads(line)
        if isinstance(d, dict):
            validate_regimen({k: v for k, v in d.items() if not k.startswith("x-")})

    return _time_lines(data, parse_and_validate)


def time_orjson(data: bytes) -> tuple[float, float, int]:
    """orjson.loads of every non-blank line: the fastest exact JSON parse available here (floor)."""
    import orjson

    return _time_lines(data, orjson.loads)


def parsed_objects(data: bytes) -> list:
    """Every object line, parsed, without its top-level `x-` fields (input of the validation floor)."""
    out = []
    for line in io.BytesIO(data):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if isinstance(d, dict):
            out.append({k: v for k, v in d.items() if not k.startswith("x-")})
    return out


def time_validation(objects: list) -> tuple[float, float, int]:
    """pydantic validation alone with orderlint's document models, of objects parsed beforehand."""
    from orderlint.model import validate_regimen

    c0, t0 = time.process_time(), time.perf_counter()
    for d in objects:
        try:
            validate_regimen(d)
        except ValueError:
            pass
    return time.perf_counter() - t0, time.process_time() - c0, len(objects)


def time_orderlint(linter: Any, data: bytes) -> tuple[float, float, int, dict]:
    from orderlint.reader import iter_jsonl

    lint = linter.lint_document
    statuses: dict[str, int] = {}
    n = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for doc in iter_jsonl(io.BytesIO(data), "<bench>"):
        r = lint(doc)
        statuses[r.status] = statuses.get(r.status, 0) + 1
        n += 1
    return time.perf_counter() - t0, time.process_time() - c0, n, statuses


def batch_in_process(data: bytes, rounds: int) -> dict:
    from orderlint.engine import Linter

    linter = Linter()
    head = b"".join(io.BytesIO(data).readlines()[:300])
    objects = parsed_objects(data)
    time_orderlint(linter, head)  # warm-up: lazy imports, pydantic, vocabulary cache
    time_json_loads(head)
    time_floor(head)
    time_orjson(head)
    time_validation(objects[:300])
    js, ol, fl, oj, va = [], [], [], [], []
    for r in range(rounds):  # alternate so that all of them see the same machine
        js.append(time_json_loads(data))
        ol.append(time_orderlint(linter, data))
        fl.append(time_floor(data))
        oj.append(time_orjson(data))
        va.append(time_validation(objects))
        log(f"  round {r + 1}/{rounds}: json.loads {js[-1][0]:.2f}s, orderlint {ol[-1][0]:.2f}s, floor {fl[-1][0]:.2f}s, "
            f"orjson {oj[-1][0]:.2f}s, validation alone {va[-1][0]:.2f}s")
    n = ol[0][2]
    jw, jc = min(x[0] for x in js), min(x[1] for x in js)
    ow, oc = min(x[0] for x in ol), min(x[1] for x in ol)
    fw = min(x[0] for x in fl)
    ojw = min(x[0] for x in oj)
    vaw = min(x[0] for x in va)
    return {"docs": n, "rounds": rounds, "json_wall": jw, "json_cpu": jc, "floor_wall": fw, "ratio_floor": fw / jw,
            "orjson_wall": ojw, "ratio_orjson": ojw / jw, "validation_wall": vaw, "validation_objects": len(objects),
            "ratio_validation": vaw / jw,
            "orderlint_wall": ow,
            "orderlint_cpu": oc, "ratio_wall": ow / jw, "ratio_cpu": oc / jc, "statuses": ol[0][3],
            "json_walls": [x[0] for x in js], "orderlint_walls": [x[0] for x in ol]}


def run_rss(cmd: list[str], python: str) -> dict:
    """One measurement in a fresh wrapper process: peak RSS of its only child, and wall time.

    The command runs with bytecode cached (``startup_env(True)``), as an installed wheel has it:
    an environment that sets PYTHONDONTWRITEBYTECODE would otherwise compile every module at each
    start and charge that to the run (see warm_bytecode)."""
    p = subprocess.run([python, "-c", RSS_WRAPPER, *cmd], capture_output=True, text=True, env=startup_env(True))
    if p.returncode != 0:
        raise RuntimeError(f"RSS wrapper failed: {p.stderr.strip()[:300]}")
    return json.loads(p.stdout)


def warm_bytecode(orderlint: str, stream: Path) -> None:
    """Lint the first line of ``stream`` once with the environment of run_rss, so that the bytecode
    of every module a batch run imports is cached before the measured runs."""
    first = OUT / "warm.jsonl"
    with open(stream, "rb") as f:
        first.write_bytes(f.readline())
    subprocess.run([orderlint, "check", str(first), "--format", "jsonl", "--output", os.devnull],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=startup_env(True))


def time_cmd(cmd: list[str], env: Optional[dict] = None) -> tuple[float, int]:
    t = time.perf_counter()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env).returncode
    return time.perf_counter() - t, rc


def startup_env(bytecode: bool) -> dict:
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def startup(python: str, orderlint: str, one: Path, runs: int, bytecode: bool = True) -> dict:
    cmds = {
        "python -c pass": [python, "-c", "pass"],
        "orderlint --version": [orderlint, "--version"],
        "orderlint check one-file.json": [orderlint, "check", str(one)],
        # What any program built on the required libraries pays before doing anything.
        FLOOR_STARTUP: [python, "-c", "import click, pluggy, importlib.metadata\n"
                        "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int"],
    }
    times: dict[str, list[float]] = {k: [] for k in cmds}
    rcs: dict[str, int] = {}
    env = startup_env(bytecode)
    for c in cmds.values():  # warm the page cache (and, with bytecode, write it)
        time_cmd(c, env)
    for _ in range(runs):  # interleaved, so that a burst of noise hits all three
        for k, c in cmds.items():
            t, rc = time_cmd(c, env)
            times[k].append(t)
            rcs[k] = rc
    return {k: {"min": min(v), "median": statistics.median(v), "runs": len(v), "rc": rcs[k], "all": v}
            for k, v in times.items()}


def has_jobs(orderlint: str) -> bool:
    p = subprocess.run([orderlint, "check", "--help"], capture_output=True, text=True)
    return "--jobs" in p.stdout


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def jobs_bench(orderlint: str, python: str, target: Path, rounds: int) -> dict:
    n = str(os.cpu_count() or 1)
    outs = {j: DATA / f"jobs-out-{j}.jsonl" for j in ("1", n)}
    runs: dict[str, list[dict]] = {j: [] for j in outs}
    for _ in range(rounds):
        for j, out in outs.items():
            m = run_rss([orderlint, "check", str(target), "--format", "jsonl", "--output", str(out), "--jobs", j], python)
            if m["rc"] not in (0, 1):
                raise RuntimeError(f"orderlint --jobs {j} exited {m['rc']}")
            runs[j].append(m)
    same = file_hash(outs["1"]) == file_hash(outs[n])
    for out in outs.values():
        out.unlink(missing_ok=True)
    b1 = min(runs["1"], key=lambda m: m["wall"])
    bn = min(runs[n], key=lambda m: m["wall"])
    # CPU time of the whole process tree / wall time: how many cores the run actually got.
    return {"jobs": int(n), "t1": b1["wall"], "tn": bn["wall"], "speedup": b1["wall"] / bn["wall"],
            "cores_used_1": b1["cpu"] / b1["wall"], "cores_used_n": bn["cpu"] / bn["wall"],
            "identical": same, "runs": runs}


def folder_bench(orderlint: str, cjs: Optional[str], path: Path, rounds: int) -> dict:
    files = sorted(str(p) for p in path.glob("*.json"))
    ol_cmd = [orderlint, "check", str(path), "--format", "jsonl", "--output", os.devnull]
    res: dict[str, Any] = {"files": len(files), "orderlint": [], "check_jsonschema": []}
    cj_cmd = [cjs, "--schemafile", str(SCHEMA), *files] if cjs else None
    for _ in range(rounds):
        t, rc = time_cmd(ol_cmd)
        if rc not in (0, 1):
            raise RuntimeError(f"orderlint on the folder exited {rc}")
        res["orderlint"].append(t)
        if cj_cmd:
            t, rc = time_cmd(cj_cmd)
            res["check_jsonschema"].append(t)
            res["check_jsonschema_rc"] = rc
    return res


def _read_all_lines(results: list) -> int:
    """Read every finding's line (locating it, as every output format does); the count of findings."""
    n = 0
    for r in results:
        for f in r.findings:
            f.line  # noqa: B018  (the location is what is measured)
            n += 1
    return n


def fhir_bench(rounds: int, reps: int) -> dict:
    """Requests/s through the FHIR mapping and the linter (CDS Hooks request, Bundle) against
    documents/s of the equivalent native regimen, in alternating rounds, best round of each.
    Every call parses the text, as a service receiving the request does, and locates every finding."""
    from orderlint.engine import Linter
    from orderlint.fhir import lint_fhir
    from orderlint.reader import parse_json

    linter = Linter()
    texts = {
        "native": FHIR_NATIVE.read_text(encoding="utf-8"),
        "cds-hooks": (FHIR_EXAMPLES / "ILD301-fires.cds-hooks.json").read_text(encoding="utf-8"),
        "bundle": (FHIR_EXAMPLES / "ILD301-fires.bundle.json").read_text(encoding="utf-8"),
    }

    def once(kind: str) -> tuple[list, int]:
        text = texts[kind]
        if kind == "native":
            rs = [linter.lint_document(parse_json(text, "ILD301-fires.json"))]
        else:
            rs = lint_fhir(text, linter=linter, source=kind)
        return rs, _read_all_lines(rs)

    info = {}
    for kind in texts:  # warm-up: lazy imports, value sets, vocabulary cache
        rs, nf = once(kind)
        info[kind] = {"bytes": len(texts[kind].encode()), "results": len(rs), "findings": nf,
                      "statuses": sorted({r.status for r in rs}),
                      "codes": sorted({f.code for r in rs for f in r.findings})}
    walls: dict[str, list[float]] = {k: [] for k in texts}
    for r in range(rounds):
        for kind in texts:
            t0 = time.perf_counter()
            for _ in range(reps):
                once(kind)
            walls[kind].append(time.perf_counter() - t0)
        log(f"  round {r + 1}/{rounds}: " + ", ".join(f"{k} {reps / walls[k][-1]:,.0f}/s" for k in texts))
    return {"reps": reps, "rounds": rounds, "walls": walls, "info": info,
            "rate": {k: reps / min(v) for k, v in walls.items()}}


#: Templates of the generated Bulk Data export: examples/fhir/bulk, three patients (one fires
#: ILD301, one is clean, one has no SSc-ILD condition), copied round-robin with new ids.
BULK_TEMPLATE = FHIR_EXAMPLES / "bulk"
BULK_TYPES = ("Patient", "Condition", "MedicationRequest", "Observation")


def bulk_folder(count: int) -> Path:
    """A Bulk Data export of ``count`` patients (Patient, Condition, MedicationRequest,
    Observation NDJSON files), cached while the template files are unchanged."""
    h = hashlib.sha256()
    for t in BULK_TYPES:
        h.update((BULK_TEMPLATE / f"{t}.ndjson").read_bytes())
    path = DATA / f"bulk-n{count}-{h.hexdigest()[:8]}"
    if (path / ".complete").exists():
        return path
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    log(f"generating a Bulk Data export of {count:,} patients -> {path.relative_to(ROOT)}")
    letters = ("a", "b", "c")
    for t in BULK_TYPES:
        lines = [ln for ln in (BULK_TEMPLATE / f"{t}.ndjson").read_text(encoding="utf-8").splitlines() if ln.strip()]
        # Each template line belongs to one template patient: 'bulk-X' in it, or an id 'X-...'.
        per: dict[str, list[str]] = {x: [] for x in letters}
        for ln in lines:
            for x in letters:
                if f"bulk-{x}\"" in ln:
                    per[x].append(ln)
                    break
        with open(path / f"{t}.ndjson", "w", encoding="utf-8") as out:
            for i in range(count):
                x = letters[i % 3]
                pid = f"p{i:07d}"
                for ln in per[x]:
                    out.write(ln.replace(f"bulk-{x}\"", f"{pid}\"").replace(f"\"id\":\"{x}-", f"\"id\":\"{pid}-") + "\n")
    (path / ".complete").write_text("ok\n")
    return path


def locate_doc(keys: int) -> tuple[str, int]:
    """The native ILD301 example with ``keys`` unknown top-level keys, one per line (OL001 each)."""
    d = json.loads(FHIR_NATIVE.read_text(encoding="utf-8"))
    for i in range(keys):
        d[f"k{i:05d}"] = i % 10  # one short line per key: 20,000 keys are about 270 KB
    text = json.dumps(d, indent=1)
    return text, len(text.encode())


def locate_bench(sizes: tuple[int, ...], rounds: int) -> dict:
    """Parse + lint one document with many unknown keys in process and read every finding's line;
    the best of ``rounds`` per size, sizes interleaved."""
    from orderlint.engine import Linter
    from orderlint.reader import parse_json

    linter = Linter()
    docs = {k: locate_doc(k) for k in sizes}
    linter.lint_document(parse_json(locate_doc(10)[0], "<warm-up>"))
    out: dict[int, dict] = {k: {"bytes": docs[k][1], "walls": []} for k in sizes}
    for _ in range(rounds):
        for k in sizes:
            t0 = time.perf_counter()
            r = linter.lint_document(parse_json(docs[k][0], f"<{k} keys>"))
            nf = _read_all_lines([r])
            out[k]["walls"].append(time.perf_counter() - t0)
            out[k]["findings"] = nf
            out[k]["located"] = sum(1 for f in r.findings if f.line is not None)
    for k in sizes:
        out[k]["best"] = min(out[k]["walls"])
        log(f"  {k:,} keys: {out[k]['best']:.3f}s, {out[k]['findings']:,} findings")
    return out


# ----------------------------------------------------------------------------- table


def fmt_n(x: float) -> str:
    return f"{x:,.0f}"


def ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def verdict(ok: bool, stretch: Optional[bool] = None) -> str:
    s = "PASS" if ok else "FAIL"
    if stretch is not None:
        s += f" (stretch {'PASS' if stretch else 'FAIL'})"
    return s


def markdown(rows: list[dict]) -> str:
    cols = ["measurement", "value", "target", "ratio", "pass/fail"]
    keys = ["measurement", "value", "target", "ratio", "status"]
    widths = [max(len(c), *(len(str(r[k])) for r in rows)) for c, k in zip(cols, keys)]
    line = lambda vals: "| " + " | ".join(str(v).ljust(w) for v, w in zip(vals, widths)) + " |"  # noqa: E731
    out = [line(cols), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line([r[k] for k in keys]) for r in rows]
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="orderlint performance measurements (one markdown table).")
    ap.add_argument("--quick", action="store_true", help="shorter run: --big 200000, 2,000 files, fewer repetitions")
    ap.add_argument("--big", type=int, help="documents in the biggest memory run (default 1,000,000; --quick 200,000)")
    ap.add_argument("--files", type=int, help="files in the folder comparison (default 10,000; --quick 2,000)")
    ap.add_argument("--batch-docs", type=int, help="documents in the in-process batch rows (default 50,000; --quick 10,000)")
    ap.add_argument("--jobs-docs", type=int, help="documents in the --jobs stream (default 100,000; --quick 20,000)")
    ap.add_argument("--startup-runs", type=int, default=20, help="runs of each start-up command (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="also write the table and raw numbers to benchmarks/out/results.json")
    ap.add_argument("--only", help="comma-separated row groups to run (default all): " + ", ".join(GROUPS))
    ap.add_argument("--bulk-patients", help="two Bulk Data export sizes, e.g. 5000,50000 (default 5,000 and "
                    "50,000; --quick 4,000 and 16,000)")
    ap.add_argument("--fhir-reps", type=int, help="requests per round in the FHIR rows (default 2,000; --quick 500)")
    args = ap.parse_args(argv)
    only = set(GROUPS)
    if args.only:
        only = {g.strip() for g in args.only.split(",") if g.strip()}
        unknown = sorted(only - set(GROUPS))
        if unknown:
            ap.error(f"--only: unknown group(s) {', '.join(unknown)}; known: {', '.join(GROUPS)}")
    if args.bulk_patients:
        try:
            bulk_sizes = sorted({int(x.replace("_", "")) for x in args.bulk_patients.split(",")})
        except ValueError:
            ap.error("--bulk-patients: give sizes like 1000,10000")
        if not bulk_sizes or min(bulk_sizes) < 1:
            ap.error("--bulk-patients: sizes must be at least 1")
    else:
        # Both sizes past the first 3,000 documents, which are validated without pydantic (it is
        # imported at the 3,001st): below them the smaller run never loads it, and its one-time
        # import read as growth (31 -> 40 MB from 1,000 to 10,000 patients), which is no growth with size.
        bulk_sizes = [4_000, 16_000] if args.quick else [5_000, 50_000]
    fhir_reps = args.fhir_reps or (500 if args.quick else 2_000)

    big = args.big or (200_000 if args.quick else 1_000_000)
    n_files = args.files or (2_000 if args.quick else 10_000)
    batch_docs = args.batch_docs or (10_000 if args.quick else 50_000)
    jobs_docs = args.jobs_docs or (20_000 if args.quick else 100_000)
    rounds = 2 if args.quick else 3
    mem_sizes = sorted({10_000, 100_000, big})
    biggest = max(mem_sizes + [batch_docs, jobs_docs])

    orderlint = find_tool("orderlint")
    if orderlint is None:
        print("run.py: the orderlint command is not installed next to this interpreter or on PATH", file=sys.stderr)
        return 2
    python = script_interpreter(orderlint)
    cjs = find_tool("check-jsonschema")
    load0 = os.getloadavg()
    src0 = sources_hash()
    started = _dt.datetime.now().isoformat(timespec="seconds")
    rows: list[dict] = []
    raw: dict[str, Any] = {}

    def row(measurement: str, value: str, target: str = "", ratio: str = "", status: str = "info") -> None:
        rows.append({"measurement": measurement, "value": value, "target": target, "ratio": ratio, "status": status})

    # ---- data
    need_stream = sorted(set((mem_sizes if "memory" in only else []) + ([batch_docs] if "batch" in only else [])
                             + ([jobs_docs] if "jobs" in only else [])))
    files = {n: stream_file(args.seed, n, biggest) for n in need_stream}
    fold = folder(args.seed, n_files) if {"jobs", "folder"} & only else None
    one = one_file(args.seed) if "startup" in only else None

    # ---- start-up
    if "startup" in only:
        _startup_rows(args, (python, orderlint, one), row, raw)
    if "batch" in only:
        _batch_rows(batch_docs, rounds, files, row, raw)
    if "memory" in only:
        _memory_rows(orderlint, python, mem_sizes, files, row, raw, raw.get("batch_in_process"), rounds)
    if "jobs" in only:
        _jobs_rows(orderlint, python, args, jobs_docs, n_files, files, fold, row, raw)
    if "folder" in only:
        _folder_rows(orderlint, cjs, args, fold, row, raw)
    if "fhir" in only:
        _fhir_rows(fhir_reps, rounds, row, raw)
    if "bulk" in only:
        _bulk_rows(orderlint, python, bulk_sizes, row, raw)
    if "locate" in only:
        _locate_rows(rounds, row, raw)
    ncpu = os.cpu_count() or 1
    return _finish(args, rows, raw, python, ncpu, load0, src0, started, big, n_files, batch_docs)


def _startup_rows(args: Any, su_args: tuple, row: Any, raw: dict) -> None:
    python, orderlint, one = su_args
    for bytecode in (True, False):
        _startup_group(args, python, orderlint, one, bytecode, row, raw)


def _startup_group(args: Any, python: str, orderlint: str, one: Path, bytecode: bool, row: Any, raw: dict) -> None:
    how = "bytecode cached, as installed" if bytecode else "no bytecode: every module compiled at each start"
    log(f"start-up ({how}): {args.startup_runs} interleaved runs of python -c pass / orderlint --version / "
        "orderlint check one-file.json")
    su = startup(python, orderlint, one, args.startup_runs, bytecode)
    raw["startup" if bytecode else "startup_no_bytecode"] = su
    base = su["python -c pass"]["min"]
    for key, limit in (("orderlint --version", STARTUP_VERSION_MAX), ("orderlint check one-file.json", STARTUP_CHECK_MAX)):
        r = su[key]["min"] / base
        su[key]["ratio_min"] = r
        su[key]["ratio_median"] = su[key]["median"] / su["python -c pass"]["median"]
    tag = "" if bytecode else " [no bytecode]"
    row(f"start-up{tag}: python -c pass (reference)",
        f"min {ms(base)}, median {ms(su['python -c pass']['median'])} ({args.startup_runs} runs)", "", "1.00x")
    for key, limit in (("orderlint --version", STARTUP_VERSION_MAX), ("orderlint check one-file.json", STARTUP_CHECK_MAX)):
        s = su[key]
        note = "" if key.endswith("--version") or s["rc"] == 0 else f", exit {s['rc']}"
        row(f"start-up{tag}: {key}", f"min {ms(s['min'])}, median {ms(s['median'])}{note}",
            f"<= {limit}x python -c pass", f"{s['ratio_min']:.2f}x (median {s['ratio_median']:.2f}x)",
            verdict(s["ratio_min"] <= limit))
    fs = su[FLOOR_STARTUP]
    row(f"start-up{tag} {FLOOR_STARTUP} (python -c)", f"min {ms(fs['min'])}, median {ms(fs['median'])}", "",
        f"{fs['min'] / base:.2f}x", "info")



def _batch_rows(batch_docs: int, rounds: int, files: dict, row: Any, raw: dict) -> None:
    log(f"batch in process: {batch_docs:,} documents, {rounds} alternating rounds")
    data = read_lines(files[batch_docs], batch_docs)
    b = batch_in_process(data, rounds)
    raw["batch_in_process"] = b
    ol_rate = b["docs"] / b["orderlint_wall"]
    row(f"batch: orderlint in-process docs/s (iter_jsonl + lint_document, {b['docs']:,} lines)",
        f"{fmt_n(ol_rate)} docs/s", "", "", "info")



def _memory_rows(orderlint: str, python: str, mem_sizes: list, files: dict, row: Any, raw: dict,
                 b: Optional[dict], rounds: int = 1) -> None:
    mem: dict[int, dict] = {}
    cli_json: Optional[tuple[float, int, float]] = None
    warm_bytecode(orderlint, files[mem_sizes[0]])
    for n in mem_sizes:
        path = files[n]
        cmd = [orderlint, "check", str(path), "--format", "jsonl", "--output", os.devnull]
        # The 100,000-line run is the CLI ratio row: ``rounds`` CLI runs, each after a json.loads pass
        # over the same lines, best of each (as the in-process rows); the others run once.
        runs = []
        js = []
        for r in range(rounds if n == 100_000 else 1):
            if n == 100_000:
                js.append(time_json_loads(path.read_bytes()))
            log(f"CLI + peak RSS: {n:,} documents" + (f" (round {r + 1}/{rounds})" if n == 100_000 else ""))
            m = run_rss(cmd, python)
            if m["rc"] not in (0, 1):
                raise RuntimeError(f"orderlint exited {m['rc']} on {path}")
            runs.append(m)
            log(f"  {n:,} documents: {m['wall']:.1f}s, peak RSS {m['maxrss_kb'] / 1024:.1f} MB")
        if n == 100_000:
            js.append(time_json_loads(path.read_bytes()))
            cli_json = (min(j[0] for j in js), js[0][2], min(j[1] for j in js))
        # The best wall time, with the highest peak RSS of the runs (memory is not a timing).
        m = dict(min(runs, key=lambda x: x["wall"]))
        m["maxrss_kb"] = max(x["maxrss_kb"] for x in runs)
        m["walls"] = [x["wall"] for x in runs]
        m["cpus"] = [x["cpu"] for x in runs]
        mem[n] = m
    raw["cli_memory"] = {str(k): v for k, v in mem.items()}
    cli_n = 100_000 if 100_000 in mem else max(mem)
    cli_rate = cli_n / mem[cli_n]["wall"]
    row(f"batch: orderlint CLI end-to-end docs/s (check --format jsonl, {cli_n:,} lines"
        + (f", best of {len(mem[cli_n]['walls'])} runs" if len(mem[cli_n]["walls"]) > 1 else "") + ")",
        f"{fmt_n(cli_rate)} docs/s", "", "", "info")
    if b is not None:
        _batch_ratio_rows(b, row)
    if cli_json is not None:
        _cli_ratio_row(cli_json, cli_n, mem, row, raw)
    _rss_rows(mem_sizes, mem, row)


def _batch_ratio_rows(b: dict, row: Any) -> None:
    js_rate = b["docs"] / b["json_wall"]
    row(f"batch: json.loads docs/s (same {b['docs']:,} lines, in process)", f"{fmt_n(js_rate)} docs/s", "", "", "info")
    row("batch ratio: in-process orderlint time / json.loads time",
        f"{b['ratio_wall']:.2f}x (CPU time {b['ratio_cpu']:.2f}x)",
        f"<= {BATCH_MAX_RATIO:g}x", f"{b['ratio_wall']:.2f}x", verdict(b["ratio_wall"] <= BATCH_MAX_RATIO))
    row("batch floor: orjson.loads of every line (same lines)",
        f"{fmt_n(b['docs'] / b['orjson_wall'])} docs/s", "", f"{b['ratio_orjson']:.2f}x", "info")
    row(f"batch floor: pydantic validation alone with orderlint's models ({b['validation_objects']:,} objects "
        "parsed beforehand)", f"{fmt_n(b['validation_objects'] / b['validation_wall'])} docs/s", "",
        f"{b['ratio_validation']:.2f}x", "info")
    row("batch floor: json.loads + pydantic validation with orderlint's models, same lines (no rules)",
        f"{fmt_n(b['docs'] / b['floor_wall'])} docs/s", "", f"{b['ratio_floor']:.2f}x", "info")


def _cli_ratio_row(cli_json: tuple, cli_n: int, mem: dict, row: Any, raw: dict) -> None:
    jt, jn, jc = cli_json
    r = mem[cli_n]["wall"] / jt
    walls = mem[cli_n].get("walls") or [mem[cli_n]["wall"]]
    cpus = mem[cli_n].get("cpus") or [mem[cli_n]["cpu"]]
    raw["cli_vs_json"] = {"docs": cli_n, "cli_wall": mem[cli_n]["wall"], "json_wall": jt, "ratio": r, "cli_walls": walls,
                          "cli_cpus": cpus, "json_cpu": jc, "ratio_cpu": min(cpus) / jc}
    # Every run's ratio is shown beside the best one (the spread is the noise of the machine), and the
    # ratio of CPU times (the command's user + system time, json.loads' process time), as in process.
    spread = f"runs {min(walls) / jt:.2f}-{max(walls) / jt:.2f}x; " if len(walls) > 1 else ""
    row(f"batch ratio: CLI end-to-end time / json.loads time ({cli_n:,} lines; json.loads {fmt_n(jn / jt)} docs/s)",
        f"{r:.2f}x ({spread}CPU time {min(cpus) / jc:.2f}x)", f"<= {BATCH_CLI_MAX_RATIO:g}x", f"{r:.2f}x",
        verdict(r <= BATCH_CLI_MAX_RATIO))


def _rss_rows(mem_sizes: list, mem: dict, row: Any) -> None:
    for n in mem_sizes:
        mb = mem[n]["maxrss_kb"] / 1024
        row(f"peak RSS: check {n:,} docs --format jsonl --output /dev/null", f"{mb:.1f} MB",
            f"< {RSS_MAX_MB:g} MB", f"{mb / RSS_MAX_MB:.2f}", verdict(mb < RSS_MAX_MB))
    lo, hi = mem[mem_sizes[0]]["maxrss_kb"], mem[mem_sizes[-1]]["maxrss_kb"]
    growth = hi / lo
    row(f"peak RSS growth {mem_sizes[0]:,} -> {mem_sizes[-1]:,} docs", f"{growth:.2f}x ({(hi - lo) / 1024:+.1f} MB)",
        f"flat: <= {RSS_FLAT_MAX:.2f}x", f"{growth:.2f}x", verdict(growth <= RSS_FLAT_MAX))



def _jobs_rows(orderlint: str, python: str, args: Any, jobs_docs: int, n_files: int, files: dict, fold: Path,
               row: Any, raw: dict) -> None:
    jobs = has_jobs(orderlint)
    raw["jobs_available"] = jobs
    ncpu = os.cpu_count() or 1
    if not jobs:
        for what in (f"stream {jobs_docs:,} docs", f"folder {n_files:,} files"):
            row(f"--jobs {ncpu} speed-up vs --jobs 1, {what}", "n/a (orderlint check has no --jobs)",
                f">= {JOBS_MIN_SPEEDUP}x, output identical", "n/a", "n/a")
    else:
        warm_bytecode(orderlint, files[jobs_docs])
        for what, target in ((f"stream {jobs_docs:,} docs", files[jobs_docs]), (f"folder {n_files:,} files", fold)):
            log(f"--jobs: {what}")
            jb = jobs_bench(orderlint, python, target, 1 if args.quick else 2)
            raw.setdefault("jobs", {})[what] = jb
            row(f"--jobs {jb['jobs']} speed-up vs --jobs 1, {what}",
                f"{jb['t1']:.1f}s -> {jb['tn']:.1f}s (cores used {jb['cores_used_1']:.2f} -> {jb['cores_used_n']:.2f}); "
                f"output {'identical' if jb['identical'] else 'DIFFERENT'}",
                f">= {JOBS_MIN_SPEEDUP}x, output identical", f"{jb['speedup']:.2f}x",
                verdict(jb["speedup"] >= JOBS_MIN_SPEEDUP and jb["identical"]))



def _folder_rows(orderlint: str, cjs: Optional[str], args: Any, fold: Path, row: Any, raw: dict) -> None:
    n_files = sum(1 for _ in fold.glob("*.json"))
    log(f"folder: {n_files:,} files, orderlint vs check-jsonschema")
    fb = folder_bench(orderlint, cjs, fold, 1 if args.quick else 2)
    raw["folder"] = fb
    ol_t = min(fb["orderlint"])
    row(f"folder: orderlint check DIR ({fb['files']:,} files)", f"{ol_t:.2f}s ({fmt_n(fb['files'] / ol_t)} files/s)")
    if fb["check_jsonschema"]:
        cj_t = min(fb["check_jsonschema"])
        row(f"folder: check-jsonschema --schemafile regimen.schema.json (same {fb['files']:,} files)",
            f"{cj_t:.2f}s ({fmt_n(fb['files'] / cj_t)} files/s)")
        row("folder ratio: orderlint time / check-jsonschema time", f"{ol_t / cj_t:.2f}x",
            f"< {FOLDER_MAX_RATIO:g}x", f"{ol_t / cj_t:.2f}x", verdict(ol_t / cj_t < FOLDER_MAX_RATIO))
    else:
        row("folder ratio: orderlint time / check-jsonschema time", "n/a (check-jsonschema not installed)",
            f"< {FOLDER_MAX_RATIO:g}x", "n/a", "n/a")



def _fhir_rows(reps: int, rounds: int, row: Any, raw: dict) -> None:
    log(f"FHIR in process: {reps:,} requests per round, {rounds} alternating rounds (native, CDS Hooks, Bundle)")
    fb = fhir_bench(rounds, reps)
    raw["fhir"] = fb
    nat = fb["rate"]["native"]
    ni = fb["info"]["native"]
    row(f"FHIR reference: native regimen docs/s (ILD301-fires.json, {ni['bytes']:,} bytes, parse + lint, "
        f"{ni['findings']} findings located)", f"{fmt_n(nat)} docs/s", "", "1.00x", "info")
    for kind, label in (("cds-hooks", "CDS Hooks request"), ("bundle", "Bundle")):
        i = fb["info"][kind]
        rate = fb["rate"][kind]
        row(f"FHIR: {label} requests/s (ILD301-fires.{kind}.json, {i['bytes']:,} bytes, lint_fhir: parse + mapping "
            f"+ lint, {i['findings']} findings located)", f"{fmt_n(rate)} requests/s ({1000 / rate:.2f} ms each)",
            "", f"{nat / rate:.2f}x native time", "info")


def _bulk_rows(orderlint: str, python: str, sizes: list, row: Any, raw: dict) -> None:
    res: dict[int, dict] = {}
    for n in sizes:
        path = bulk_folder(n)
        log(f"Bulk Data: check {n:,} patients --format jsonl, peak RSS")
        m = run_rss([orderlint, "check", str(path), "--format", "jsonl", "--output", os.devnull], python)
        if m["rc"] not in (0, 1):
            raise RuntimeError(f"orderlint exited {m['rc']} on {path}")
        res[n] = m
        log(f"  {n:,} patients: {m['wall']:.1f}s, peak RSS {m['maxrss_kb'] / 1024:.1f} MB")
    raw["bulk"] = {str(k): v for k, v in res.items()}
    for n in sizes:
        m = res[n]
        mb = m["maxrss_kb"] / 1024
        row(f"Bulk Data: check EXPORT ({n:,} patients; Patient, Condition, MedicationRequest, Observation NDJSON) "
            f"--format jsonl, wall incl. start-up", f"{fmt_n(n / m['wall'])} patients/s ({m['wall']:.2f}s); "
            f"peak RSS {mb:.1f} MB", f"< {RSS_MAX_MB:g} MB", f"{mb / RSS_MAX_MB:.2f}", verdict(mb < RSS_MAX_MB))
    if len(sizes) >= 2:
        lo, hi = res[sizes[0]], res[sizes[-1]]
        growth = hi["maxrss_kb"] / lo["maxrss_kb"]
        # Rate between the two sizes: the start-up and the fixed costs cancel out.
        marginal = (sizes[-1] - sizes[0]) / max(hi["wall"] - lo["wall"], 1e-9)
        row(f"Bulk Data: peak RSS growth {sizes[0]:,} -> {sizes[-1]:,} patients",
            f"{growth:.2f}x ({(hi['maxrss_kb'] - lo['maxrss_kb']) / 1024:+.1f} MB); "
            f"{fmt_n(marginal)} patients/s between the two sizes",
            f"flat: <= {RSS_FLAT_MAX:.2f}x", f"{growth:.2f}x", verdict(growth <= RSS_FLAT_MAX))


def _locate_rows(rounds: int, row: Any, raw: dict) -> None:
    sizes = (2_000, 6_000, 20_000)
    n_rounds = 2 * rounds + 1  # cheap (under a second a round): more rounds for a steadier minimum
    log(f"locating findings: {', '.join(f'{k:,}' for k in sizes)} unknown top-level keys, {n_rounds} rounds")
    lb = locate_bench(sizes, n_rounds)
    raw["locate"] = {str(k): v for k, v in lb.items()}
    for k in sizes:
        x = lb[k]
        row(f"locate: {k:,} unknown top-level keys ({x['bytes'] / 1024:,.0f} KB; parse + lint + f.line of every finding)",
            f"{x['best'] * 1000:,.0f} ms, {x['findings']:,} findings ({x['located']:,} with a line)",
            f"< {LOCATE_BIG_MAX_S:g} s" if k == 20_000 else "",
            f"{x['best'] / LOCATE_BIG_MAX_S:.2f}" if k == 20_000 else "",
            verdict(x["best"] < LOCATE_BIG_MAX_S and x["located"] == x["findings"]) if k == 20_000 else "info")
    r = lb[6_000]["best"] / lb[2_000]["best"]
    row("locate ratio: 6,000 keys time / 2,000 keys time (3x the findings)", f"{r:.2f}x",
        f"<= {LOCATE_MAX_RATIO:g}x", f"{r:.2f}x", verdict(r <= LOCATE_MAX_RATIO))


def _finish(args: Any, rows: list, raw: dict, python: str, ncpu: int, load0: tuple, src0: str, started: str,
            big: int, n_files: int, batch_docs: int) -> int:
    load1 = os.getloadavg()
    src1 = sources_hash()
    meta = {
        "git_head": git_head(),
        "sources_hash_start": src0,
        "sources_hash_end": src1,
        "started": started,
        "seconds": round(time.perf_counter() - _T0, 1),
        "python": platform.python_version(),
        "interpreter": python,
        "cpus": ncpu,
        "loadavg_start": [round(x, 2) for x in load0],
        "loadavg_end": [round(x, 2) for x in load1],
        "quick": args.quick,
        "seed": args.seed,
        "big": big,
        "files": n_files,
        "batch_docs": batch_docs,
        "generator": generator_hash(),
        "only": getattr(args, "only", None) or "all",
    }
    print(f"orderlint benchmarks ({'quick' if args.quick else 'full'}): {started}, Python {meta['python']}, "
          f"{ncpu} CPUs, load average {load0[0]:.2f} at start / {load1[0]:.2f} at end, {meta['seconds']:.0f}s; "
          f"HEAD {meta['git_head']}, sources {src0}")
    if src1 != src0:
        print(f"WARNING: the orderlint sources changed during the run ({src0} -> {src1}): "
              "rows measured before and after the change are not comparable; run again.")
    print()
    print(markdown(rows))
    if args.json:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps({"meta": meta, "rows": rows, "raw": raw}, indent=2) + "\n")
        print(f"\nwrote {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
