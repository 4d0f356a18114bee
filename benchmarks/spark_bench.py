#!/usr/bin/env python3
"""Spark benchmark row: documents/s of ``orderlint.spark.lint_dataframe`` on local[2] against the
single-process command line and ``--jobs 2`` on the same input (services.md section 2).

    python benchmarks/spark_bench.py                 # 20,000 generated documents
    python benchmarks/spark_bench.py --docs 50000 --seed 1

Input: one generated JSON Lines file (benchmarks/generate.py, cached in benchmarks/out/data/).
- CLI: ``orderlint check FILE --format jsonl --output /dev/null --quiet`` (wall time, start-up
  included, as a pipeline pays it), with ``--jobs 1`` and ``--jobs 2``.
- Spark: ``spark.read.text(FILE)`` split into 4 input partitions, ``lint_dataframe``, written to
  Spark's ``noop`` sink (every row computed, nothing stored). The session start-up is timed and
  reported apart and excluded from documents/s; the first job (Python workers starting, each
  building its Linter) and a second, warm job are reported separately.
- Bulk Data (``--patients N``, 0 to skip): the example export's patients copied to N, linted by
  ``orderlint check FOLDER`` and by ``lint_fhir_bulk`` (three reading passes, a join, a group by patient).
Needs the extra orderlint[spark] (and Java 17). Nothing asserts; the exit code is 0 unless a
measurement could not be taken. The machine is shared: compare runs at similar load.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "out" / "data"
# This folder's profile.py would shadow the standard library's, which pyspark imports: load
# generate.py by path and keep the folder off sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _generate():
    import importlib.util

    spec = importlib.util.spec_from_file_location("orderlint_bench_generate", HERE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generate()


def data_file(seed: int, docs: int) -> Path:
    DATA.mkdir(parents=True, exist_ok=True)
    stamp = int(Path(generate.__file__).stat().st_mtime)
    path = DATA / f"spark-s{seed}-n{docs}-{stamp}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        generate.write_jsonl(str(tmp), seed, docs)
        tmp.replace(path)
    return path


def bulk_folder(patients: int) -> Path:
    """A Bulk Data export of ``patients`` patients: the example export's three patients
    (examples/fhir/bulk) copied under new ids."""
    src = HERE.parent / "examples" / "fhir" / "bulk"
    copies = max(1, patients // 3)
    folder = DATA / f"spark-bulk-{copies * 3}"
    if not folder.exists():
        tmp = folder.with_suffix(".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for f in sorted(src.glob("*.ndjson")):
            lines = f.read_text(encoding="utf-8").splitlines()
            with open(tmp / f.name, "w", encoding="utf-8") as out:
                for i in range(copies):
                    out.write("\n".join(x.replace("bulk-", f"p{i:07d}-") for x in lines) + "\n")
        tmp.replace(folder)
    return folder


def cli_seconds(path: Path, jobs: int) -> float:
    exe = Path(sys.executable).with_name("orderlint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "orderlint"]
    cmd += ["check", str(path), "--format", "jsonl", "--output", os.devnull, "--quiet", "--as-of", "2026-03-02",
            "--jobs", str(jobs)]
    env = dict(os.environ, ORDERLINT_NO_CONFIG="1")
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    took = time.perf_counter() - t
    if r.returncode not in (0, 1):
        raise SystemExit(f"orderlint check failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return took


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--patients", type=int, default=6000, help="patients of the Bulk Data row (0: no such row)")
    args = ap.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

    path = data_file(args.seed, args.docs)
    n = args.docs
    load0 = os.getloadavg()

    cli1 = cli_seconds(path, 1)
    cli2 = cli_seconds(path, 2)

    t = time.perf_counter()
    from pyspark.sql import SparkSession

    size = path.stat().st_size
    spark = (
        SparkSession.builder.master("local[2]").appName("orderlint-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.files.maxPartitionBytes", str(max(1 << 20, size // 4 + 1)))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    from orderlint.spark import lint_dataframe

    start = time.perf_counter() - t

    def spark_run() -> float:
        t0 = time.perf_counter()
        df = spark.read.text(str(path))
        lint_dataframe(df, "value", as_of="2026-03-02").write.format("noop").mode("overwrite").save()
        return time.perf_counter() - t0

    cold = spark_run()
    warm = spark_run()
    rows = lint_dataframe(spark.read.text(str(path)), "value", as_of="2026-03-02").count()
    bulk = None
    if args.patients:
        from orderlint.spark import lint_fhir_bulk

        folder = bulk_folder(args.patients)
        patients = 3 * max(1, args.patients // 3)
        bulk_cli = cli_seconds(folder, 1)
        t0 = time.perf_counter()
        lint_fhir_bulk(spark, str(folder), as_of="2026-03-02").write.format("noop").mode("overwrite").save()
        bulk = (patients, bulk_cli, time.perf_counter() - t0)
    spark.stop()
    load1 = os.getloadavg()

    print(f"{n} generated documents (seed {args.seed}, {size / 1e6:.1f} MB JSON Lines), {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average {load0[0]:.2f} at start, {load1[0]:.2f} at end; "
          f"{rows} findings-table rows")
    print()
    print("| row | seconds | documents/s | vs CLI --jobs 1 |")
    print("|---|---|---|---|")
    print(f"| Spark session start-up, local[2] (excluded below) | {start:.1f} | | |")
    print(f"| CLI `check --format jsonl`, --jobs 1 (start-up included) | {cli1:.1f} | {n / cli1:,.0f} | 1.00x |")
    print(f"| CLI `check --format jsonl`, --jobs 2 | {cli2:.1f} | {n / cli2:,.0f} | {cli1 / cli2:.2f}x |")
    print(f"| Spark `lint_dataframe` local[2], first job (workers start, Linter built) | {cold:.1f} | {n / cold:,.0f} | {cli1 / cold:.2f}x |")
    print(f"| Spark `lint_dataframe` local[2], warm job | {warm:.1f} | {n / warm:,.0f} | {cli1 / warm:.2f}x |")
    if bulk:
        p, bc, bs = bulk
        print()
        print(f"| Bulk Data export, {p} patients | seconds | patients/s | vs CLI |")
        print("|---|---|---|---|")
        print(f"| CLI `check FOLDER --format jsonl` (start-up included) | {bc:.1f} | {p / bc:,.0f} | 1.00x |")
        print(f"| Spark `lint_fhir_bulk` local[2] (workers warm) | {bs:.1f} | {p / bs:,.0f} | {bc / bs:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
