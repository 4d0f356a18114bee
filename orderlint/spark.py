"""Lint documents where a health system's data already lives: Spark DataFrames and FHIR Bulk Data
exports (services.md section 2). Needs the extra ``orderlint[spark]``; orderlint must be installed
on the executors.

    from orderlint.spark import lint_dataframe, lint_fhir_bulk, FINDINGS_SCHEMA
    findings = lint_dataframe(df, document_col="document", id_col=None, input_format="regimen",
                              config=None, as_of=None)
    findings = lint_fhir_bulk(spark, "exports/2026-03/", as_of="2026-03-02")

Both return a DataFrame of ``FINDINGS_SCHEMA``: one row per finding, plus one row with a null
``code`` for each document (or FHIR patient) without any, so no document disappears.

Settings, plugins and ``as_of`` are resolved once on the driver: a bad configuration or a plugin
that fails to load raises there (``ConfigError``, ``PluginLoadError`` naming the plugin) before any
Spark job runs. They are shipped to the executors as plain data, where each Python worker builds
its Linter once and reuses it for every batch (cached by settings). Whatever a document does to
the linter is an ``OL000`` row for that document, never a failed task or a lost row.

Plugins: ``plugins=[...]`` takes importable names (``"my_pack.plugin"`` or ``"my_pack:PACK"``,
imported on the driver and on every executor: the way to pass a plugin on a cluster) or plugin
objects (modules, or instances cloudpickle can ship), in addition to the installed entry points
(``entry_points=False``: instead of them).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import hashlib
import os
import pickle
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple, Optional, Union

try:
    from pyspark.sql import DataFrame, SparkSession, functions as F
    from pyspark.sql.types import BinaryType, BooleanType, IntegerType, LongType, StringType, StructField, StructType
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(f"orderlint.spark needs pyspark: pip install 'orderlint[spark]' ({e})") from None

if TYPE_CHECKING:
    from orderlint.config import Settings
    from orderlint.engine import Linter
    from orderlint.findings import Result, Status
    from orderlint.reader import Document

__all__ = ["FINDINGS_SCHEMA", "lint_dataframe", "lint_fhir_bulk"]

#: The findings table (services.md section 2). `document_id` and `status` are never null; the
#: finding columns are null on the one row of a document without findings.
FINDINGS_SCHEMA = StructType([
    StructField("document_id", StringType(), False),
    StructField("source", StringType(), True),
    StructField("status", StringType(), False),
    StructField("code", StringType(), True),
    StructField("name", StringType(), True),
    StructField("severity", StringType(), True),
    StructField("message", StringType(), True),
    StructField("order", StringType(), True),
    StructField("pointer", StringType(), True),
    StructField("line", IntegerType(), True),
    StructField("column", IntegerType(), True),
    StructField("suppressed", BooleanType(), True),
    StructField("suppression_reason", StringType(), True),
])

#: What lint_dataframe's mapper writes: the findings rows, each with the number of its input row
#: (so that two input rows given the same document_id can be told apart, then the column is dropped).
_NUMBERED_SCHEMA = StructType([*FINDINGS_SCHEMA.fields, StructField("n", LongType(), False)])

INPUT_FORMATS = ("regimen", "fhir", "auto")
#: Rows per Arrow batch written by the bulk reader (bounds a task's memory while reading).
READ_BATCH_ROWS = 4096
#: Linters kept per Python worker (one per distinct settings/plugins in use).
_CACHE_SIZE = 4
_LINTERS: dict[str, Linter] = {}

#: A Settings, a ``[tool.orderlint]``-shaped dict, a configuration file, or None (the defaults).
ConfigInput = Union[None, dict[str, Any], str, Path, "Settings"]
#: A date, or its text YYYY-MM-DD (a datetime counts by its date); None: the driver's today.
AsOfInput = Union[None, _dt.date, str]


# ----------------------------------------------------------------------------- settings (driver)


@dataclasses.dataclass(frozen=True)
class _Job:
    """What every executor needs to build the same Linter: plain data, fixed on the driver."""

    settings: dict[str, Any]
    plugins: tuple[Any, ...]  # importable names or plugin objects
    entry_points: bool
    key: str


def _prepare(config: ConfigInput, as_of: AsOfInput, plugins: Iterable[Any], entry_points: bool) -> _Job:
    """Resolve settings and as_of on the driver and build the Linter once there, so that a bad
    configuration or plugin fails now, with its one-line message, before any Spark job."""
    from orderlint.config import Settings, _apply_table, build_settings

    if isinstance(config, Settings):
        settings = copy.deepcopy(config)
    elif isinstance(config, (str, Path)):
        settings = build_settings(config_path=str(config))
    elif config is None or isinstance(config, dict):
        settings = build_settings(discover=False)
        if config:
            _apply_table(settings, config, "Spark config")
    else:
        raise TypeError(f"config must be a Settings, a [tool.orderlint]-shaped dict or a file path, not {type(config).__name__}")
    if as_of is not None:
        from orderlint.config import parse_as_of

        settings.as_of = parse_as_of(as_of)
    # One evaluation date for the whole job, whatever the executors' clocks or a midnight on the way.
    settings.as_of = settings.as_of or _dt.date.today()
    plain = dataclasses.asdict(settings)
    specs = tuple(plugins)
    key = hashlib.sha256(_spark_pickle((plain, specs, entry_points))).hexdigest()
    job = _Job(plain, specs, entry_points, key)
    _linter(job)  # raises PluginLoadError / ConfigError here, on the driver
    return job


def _spark_pickle(value: Any) -> bytes:
    try:
        return pickle.dumps(value, protocol=4)
    except Exception:  # plugin objects: shipped the way Spark ships them
        from pyspark import cloudpickle

        return cloudpickle.dumps(value, protocol=4)


def _linter(job: _Job) -> Linter:
    """The Linter of this process for ``job``'s settings, built on first use."""
    lt = _LINTERS.get(job.key)
    if lt is None:
        lt = _build(job)
        while len(_LINTERS) >= _CACHE_SIZE:
            _LINTERS.pop(next(iter(_LINTERS)))
        _LINTERS[job.key] = lt
    return lt


def _build(job: _Job) -> Linter:
    from orderlint.config import Settings
    from orderlint.engine import Linter, PluginLoadError

    errors: list[str] = []
    objs = []
    for spec in job.plugins:
        if isinstance(spec, str):
            try:
                objs.append(_import_plugin(spec))
            except BaseException as e:  # a plugin may raise anything while importing, even SystemExit
                if isinstance(e, KeyboardInterrupt):
                    raise
                from orderlint.engine import _describe_exc

                errors.append(f"plugin {spec!r} failed to load: {_describe_exc(e)}")
        else:
            objs.append(spec)
    if errors:
        raise PluginLoadError(errors)
    settings = Settings(**copy.deepcopy(job.settings))
    # A plugin that prints while loading must not write into the embedding program's stdout.
    with redirect_stdout(sys.stderr):
        return Linter(settings, entry_points=job.entry_points, plugins=objs)


def _import_plugin(spec: str) -> Any:
    import importlib

    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


# ----------------------------------------------------------------------------- rows


def _arrow_schema() -> Any:
    return _arrow_of(FINDINGS_SCHEMA)


def _arrow_of(schema: StructType) -> Any:
    """The Arrow schema of the batches written for ``schema`` (types exactly as Spark reads them)."""
    import pyarrow as pa

    kinds = {StringType: pa.string(), IntegerType: pa.int32(), BooleanType: pa.bool_(), LongType: pa.int64()}
    return pa.schema([pa.field(f.name, kinds[type(f.dataType)], f.nullable) for f in schema.fields])


def _result_rows(r: Result, document_id: str) -> list[tuple[Any, ...]]:
    """The rows of one Result: one per finding, or one with null finding columns when it has none."""
    if not r.findings:
        return [(document_id, r.id, r.status) + (None,) * 10]
    rows: list[tuple[Any, ...]] = []
    for f in r.findings:
        s = f.suppressed
        rows.append((document_id, r.id, r.status, f.code, f.name, f.severity, f.message, f.order, f.pointer,
                     f.line, f.column, s is not None, None if s is None else s.reason))
    return rows


def _crash_row(linter: Linter, document_id: str, source: Optional[str], what: str, e: BaseException) -> tuple[Any, ...]:
    """Fail closed: a document the linter could not finish is an OL000 error row, never a lost row."""
    from orderlint.engine import _describe_exc

    name = linter.by_code["OL000"].name
    msg = f"orderlint could not check {what} {document_id!r}: {_describe_exc(e)}"
    return (document_id, source, "checked", "OL000", name, "error", msg, None, "", 1, 1, False, None)


def _batch(rows: list[tuple[Any, ...]], schema: Any) -> Any:
    import pyarrow as pa

    cols = list(zip(*rows)) if rows else [()] * len(schema)
    try:
        return pa.RecordBatch.from_arrays([pa.array(c, type=f.type) for c, f in zip(cols, schema)], schema=schema)
    except (UnicodeEncodeError, pa.ArrowException):
        # A lone surrogate in a message or id (a plugin's, or a document's) failed the whole task and
        # lost its rows; written as the command line's text layer writes it instead.
        clean = [[_utf8(v) for v in c] for c in cols]
        return pa.RecordBatch.from_arrays([pa.array(c, type=f.type) for c, f in zip(clean, schema)], schema=schema)


def _utf8(value: Any) -> Any:
    return value.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(value, str) else value


# ----------------------------------------------------------------------------- lint_dataframe


class _DocumentMapper:
    """mapInArrow function: documents in (d, i, n) -> findings rows. Picklable, tiny."""

    def __init__(self, job: _Job, input_format: str) -> None:
        self.job = job
        self.input_format = input_format

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        schema = _arrow_of(_NUMBERED_SCHEMA)
        linter = _linter(self.job)  # once per worker process and settings, never per row
        for batch in batches:
            docs = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist()
            rows_n = batch.column(2).to_pylist()
            rows: list[tuple[Any, ...]] = []
            for text, given, n in zip(docs, ids, rows_n):
                rows.extend(row + (n,) for row in self._document(linter, text, given, n))
            yield _batch(rows, schema)

    def _document(self, linter: Linter, text: Union[str, bytes, None], given: Optional[str], n: int) -> list[tuple[Any, ...]]:
        generated = f"row-{n}"
        label = given if given is not None else generated
        try:
            doc = _read(text, label)
            from orderlint.fhir import dispatch

            results = dispatch(doc, linter, self.input_format)
            rows: list[tuple[Any, ...]] = []
            for r in results:
                rows.extend(_result_rows(r, given if given is not None else (r.id if r.id is not None else generated)))
            return rows
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # fail closed: never a failed task or a lost row
            return [_crash_row(linter, label, None, "document", e)]


def _read(value: Union[str, bytes, None], source: str) -> Document:
    """A cell -> a Document, read exactly as the command line reads a file's bytes."""
    from orderlint.reader import Document, ParseError, read_bytes

    if value is None:
        return Document(source=source, error=ParseError("no document: the document column is null"))
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
    return read_bytes(raw, source, None)


def lint_dataframe(
    df: DataFrame,
    document_col: str = "document",
    id_col: Optional[str] = None,
    input_format: str = "regimen",
    config: ConfigInput = None,
    as_of: AsOfInput = None,
    *,
    plugins: Iterable[Any] = (),
    entry_points: bool = True,
) -> DataFrame:
    """Lint one document per row of ``df`` (JSON or YAML text in ``document_col``, string or binary).

    ``input_format`` ``"regimen"`` reads regimen documents, ``"fhir"`` FHIR R4 (a CDS Hooks request,
    Bundle or resource per row: one result per patient), ``"auto"`` decides per row as the command
    line does. ``config`` is a Settings, a ``[tool.orderlint]``-shaped dict or a configuration file
    read on the driver (None: the defaults, no discovery). ``as_of`` defaults to the driver's today.
    ``document_id`` is the ``id_col`` value, else the result's id, else ``row-<n>`` (a generated id).
    Each input row whose ``document_id`` another input row also has gets one more row, an OL000
    error saying so: their findings could not be told apart.
    """
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
    fields = {f.name: f for f in df.schema.fields}
    for role, col in (("document_col", document_col), ("id_col", id_col)):
        if col is not None and col not in fields:
            raise ValueError(f"{role}: no column {col!r} in the DataFrame (columns: {', '.join(fields)})")
    if not isinstance(fields[document_col].dataType, (StringType, BinaryType)):
        raise ValueError(f"document_col {document_col!r} must hold text (string or binary), not {fields[document_col].dataType.simpleString()}")
    job = _prepare(config, as_of, plugins, entry_points)
    ident = df[id_col].cast("string") if id_col is not None else F.lit(None).cast("string")
    inputs = df.select(df[document_col].alias("d"), ident.alias("i"), F.monotonically_increasing_id().alias("n"))
    numbered = inputs.mapInArrow(_DocumentMapper(job, input_format), _NUMBERED_SCHEMA)
    return _mark_shared_ids(numbered, _linter(job).by_code["OL000"].name)


def _mark_shared_ids(numbered: DataFrame, name: str) -> DataFrame:
    """The findings rows (without ``n``), plus one OL000 error row for each input row whose
    document_id another input row also has.

    services.md section 2 fixes the id (the id_col value, else the result's id, else ``row-<n>``),
    and none of them is unique by construction: an id column with a repeated value, two documents
    with the same regimen id or the same FHIR patient, a regimen whose id is ``row-0``. The rows of
    such documents could not be told apart (a clean document's row beside another's finding under
    one id, or one of them dropped by a deduplication on document_id). Fail closed: each says so.
    In the JVM: one shuffle and sort of the rows by document_id, no second pass through Python."""
    from pyspark.sql import Window

    by_id = Window.partitionBy("document_id").orderBy("n")
    whole = by_id.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    shared = F.min("n").over(whole) != F.max("n").over(whole)
    first_of_row = F.lag("n").over(by_id).isNull() | (F.lag("n").over(by_id) != F.col("n"))
    cols = [f.name for f in FINDINGS_SCHEMA.fields]
    row = F.struct(*[F.col(c) for c in cols])
    msg = F.concat(F.lit("document_id '"), F.col("document_id"), F.lit(
        "' is also the document_id of another document of the input: the findings of these documents "
        "cannot be told apart; give id_col a column that names each document once"))
    values = [F.col("document_id"), F.col("source"), F.col("status"), F.lit("OL000"), F.lit(name), F.lit("error"),
              msg, F.lit(None).cast("string"), F.lit(""), F.lit(1), F.lit(1), F.lit(False), F.lit(None).cast("string")]
    error = F.struct(*[v.cast(f.dataType).alias(f.name) for v, f in zip(values, FINDINGS_SCHEMA.fields)])
    both = F.when(F.col("shared_"), F.array(row, error)).otherwise(F.array(row))
    marked = numbered.withColumn("shared_", shared & first_of_row)
    return marked.select(F.explode(both).alias("r")).select(*[F.col("r")[c].alias(c) for c in cols])


# ----------------------------------------------------------------------------- lint_fhir_bulk

# One row per line of an export file, after reading ("res" pass). grp 1 is a line that is not a
# FHIR resource (its own group, its OL001 row); grp 0 a resource keyed by its patient ('' when it
# names none); grp 2 a resource that names no patient in an export of several patients (its own
# group, keyed by its file id and line: used by none, its OL008 row, or for a MedicationRequest or
# MedicationStatement its OL001 row; orderlint.fhir.bulk.unused_result); grp 3 the resources one
# file holds for one `count` of the export manifest (key the count's number, line the file's
# non-blank lines: its group is that count's check, an OL001 row when they differ).
_ENTRY_SCHEMA = StructType([
    StructField("grp", IntegerType(), False),
    StructField("key", StringType(), False),
    StructField("ref", StringType(), True),     # Medication/<id> of a joined Medication, else null
    StructField("fid", IntegerType(), False),
    StructField("line", IntegerType(), False),
    StructField("text", StringType(), True),    # the resource's JSON text, or the error message
    StructField("ptr", StringType(), True),     # error: pointer, line, column
    StructField("eline", IntegerType(), True),
    StructField("ecol", IntegerType(), True),
])
_REF_SCHEMA = StructType([StructField("key", StringType(), False), StructField("ref", StringType(), False)])
_KEY_SCHEMA = StructType([StructField("key", StringType(), False)])
_HELD_SCHEMA = StructType([StructField("fid", IntegerType(), False)])
_MED_SCHEMA = StructType([
    StructField("ref", StringType(), False), StructField("fid", IntegerType(), False),
    StructField("line", IntegerType(), False), StructField("text", StringType(), False),
])


class _BulkReader:
    """mapInArrow over (fid, path, name) rows: reads each export file line by line (raw bytes, as
    the command line does), in one of five passes: ``res`` (every resource keyed by patient, the
    lines that are not resources and the OperationOutcomes that report an error, each its OL001,
    and, for each manifest ``count`` a file is part of, the file's lines), ``refs`` (patient ->
    referenced Medication), ``med`` (the Medications), ``keys`` (up to two patients per file:
    enough to tell whether the export holds one patient or several) and ``held`` (whether the file
    holds a MedicationRequest or MedicationStatement, alone or in a Bundle). The ``refs``, ``med``
    and ``held`` passes skip, without parsing, lines that cannot match; ``keys`` stops reading a
    file at its second patient, ``held`` at its first order.

    ``counted``: file id -> the numbers of the manifest counts it is part of (``res`` pass)."""

    def __init__(self, job: _Job, mode: str, counted: Optional[dict[int, list[int]]] = None) -> None:
        self.job = job
        self.mode = mode
        self.counted = counted or {}

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        schema = _arrow_of({"res": _ENTRY_SCHEMA, "refs": _REF_SCHEMA, "med": _MED_SCHEMA, "keys": _KEY_SCHEMA,
                            "held": _HELD_SCHEMA}[self.mode])
        out: list[tuple[Any, ...]] = []
        for batch in batches:
            for fid, path, name in zip(*(c.to_pylist() for c in batch.columns)):
                for row in self._file(fid, path, name):
                    out.append(row)
                    if len(out) >= READ_BATCH_ROWS:
                        yield _batch(out, schema)
                        out = []
        if out:
            yield _batch(out, schema)

    def _error(self, fid: int, line: int, source: str, message: str, ptr: str, at: tuple[int, int]) -> list[tuple[Any, ...]]:
        return [(1, source, None, fid, line, message, ptr, at[0], at[1])] if self.mode == "res" else []

    def _file(self, fid: int, path: str, name: str) -> Iterator[tuple[Any, ...]]:
        yield from self._lines(fid, path, name)
        if self.mode == "res":  # the file's lines, for each manifest count it is part of
            for idx in self.counted.get(fid, ()):
                yield (3, str(idx), None, fid, self.lines, None, None, None, None)

    def _lines(self, fid: int, path: str, name: str) -> Iterator[tuple[Any, ...]]:
        from orderlint.fhir.bulk import _med_refs, _medications_in, _outcome_error, _patient_key
        from orderlint.fhir.mapping import MEDICATION_TYPES
        from orderlint.reader import iter_jsonl_lines, jsonl_document, open_lines

        mode = self.mode
        seen: list[str] = []  # "keys": this file's first two patients
        self.lines = 0  # non-blank lines read (what a manifest's `count` counts, as the command line counts them)
        try:
            stream = open_lines(path)
        except OSError as e:
            yield from self._error(fid, 0, name, f"cannot read {name}: {e.strerror or e}", "", (1, 1))
            return
        with stream:
            try:
                for _src, lineno, raw in iter_jsonl_lines(stream, name):
                    self.lines += 1
                    if raw is not None and mode in ("refs", "med", "held"):
                        if mode == "held":
                            if b"MedicationRequest" not in raw and b"MedicationStatement" not in raw and b"\\u" not in raw:
                                continue
                        elif (b"Medication" if mode == "med" else b"medicationReference") not in raw and b"\\u" not in raw:
                            continue  # (a \u escape could spell it)
                    doc = jsonl_document(name, lineno, raw)
                    if doc.error is not None:
                        err = doc.error
                        yield from self._error(fid, lineno, f"{name}:{lineno}", err.message, err.pointer, (err.line, err.column))
                        continue
                    r = doc.data
                    if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
                        yield from self._error(fid, lineno, f"{name}:{lineno}",
                                               "not a FHIR resource: a line of a Bulk Data file is one resource object", "", (lineno, 1))
                        continue
                    if r["resourceType"] == "Medication":
                        if mode == "med" and isinstance(r.get("id"), str):
                            yield (f"Medication/{r['id']}", fid, lineno, doc.text)
                        continue
                    if r["resourceType"] == "OperationOutcome":  # what the export says went wrong: no patient's
                        message = _outcome_error(r) if mode == "res" else None
                        if message is not None:
                            yield from self._error(fid, lineno, f"{name}:{lineno}", message, "", (lineno, 1))
                        continue
                    if mode == "held":
                        if r["resourceType"] in MEDICATION_TYPES or (r["resourceType"] == "Bundle" and _medications_in(r) > 0):
                            yield (fid,)
                            return  # one is enough: the export holds orders
                    elif mode == "res":
                        yield (0, _patient_key(r) or "", None, fid, lineno, doc.text, None, None, None)
                    elif mode == "keys":
                        k = _patient_key(r)
                        if k and k not in seen:
                            seen.append(k)
                            yield (k,)
                            if len(seen) > 1:
                                return  # two patients: the export holds several
                    elif mode == "refs":
                        for ref in _med_refs(r):
                            yield (_patient_key(r) or "", ref)
            except OSError as e:  # truncated while being read: said, never silently shorter
                yield from self._error(fid, 0, name, f"{name}: {e.strerror or e}", "", (1, 1))


class _BulkPatients:
    """mapInArrow function over entries sorted by (grp, key): the rows of one patient (or one bad
    line) are consecutive, possibly across batches; each group is linted when it is complete."""

    def __init__(self, inner: "_BulkPatient") -> None:
        self.inner = inner

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        schema = _arrow_schema()
        out: list[tuple[Any, ...]] = []
        group: list[dict[str, Any]] = []
        current = None
        for batch in batches:
            for row in batch.to_pylist():
                k = (row["grp"], row["key"])
                if k != current and group:
                    out.extend(self.inner.rows(group))
                    group = []
                current = k
                group.append(row)
            if len(out) >= READ_BATCH_ROWS:
                yield _batch(out, schema)
                out = []
        if group:
            out.extend(self.inner.rows(group))
        if out:
            yield _batch(out, schema)


class _BulkPatient:
    """One patient's resources (and the Medications they reference) -> findings rows, mapped and
    located exactly as ``orderlint.fhir.bulk`` does. ``checks``: each manifest count's number ->
    (its files' ids, the resources the manifest counts in them)."""

    def __init__(self, job: _Job, files: dict[int, str], checks: Optional[dict[str, tuple[list[int], int]]] = None) -> None:
        self.job = job
        self.files = files
        self.checks = checks or {}

    def rows(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        linter = _linter(self.job)
        grp, key = rows[0]["grp"], rows[0]["key"]
        if grp == 1:
            out = [self._bad_line(linter, r) for r in rows]
        elif grp == 2:
            out = [row for r in rows for row in self._unused(linter, r)]
        elif grp == 3:
            out = self._count(linter, key, rows)
        else:
            try:
                out = self._patient(linter, key, rows)
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # fail closed: this patient is an OL000 row
                out = [_crash_row(linter, key, f"Patient/{key}" if key else None, "patient", e)]
        return out

    def _bad_line(self, linter: Linter, r: dict[str, Any]) -> tuple[Any, ...]:
        from orderlint.fhir.lint import FhirResult

        f = linter._finding("OL001", r["text"], r["ptr"], None, None, (r["eline"], r["ecol"]))
        return _result_rows(FhirResult(r["key"], None, "invalid", None, [f]), r["key"])[0]

    def _count(self, linter: Linter, key: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """A manifest count: an OL001 row at its (first) file when its files do not hold the
        resources it counts (orderlint.fhir.bulk.count_problem)."""
        from orderlint.fhir.bulk import count_problem

        fids, count = self.checks[key]
        n = sum(r["line"] for r in rows)  # each file of the count gives one row (its lines)
        message = count_problem([self.files[fid] for fid in fids], n, count)
        return [] if message is None else [_file_row(linter, "OL001", self.files[fids[0]], "invalid", message)]

    def _unused(self, linter: Linter, r: dict[str, Any]) -> list[tuple[Any, ...]]:
        """A resource that names no patient, in an export of several: used by none (one OL008 row; a
        MedicationRequest or MedicationStatement, then never checked, one OL001 row of an invalid
        result)."""
        from orderlint.fhir.bulk import unused_result

        source = f"{self.files[r['fid']]}:{r['line']}"
        try:
            result = unused_result(linter, self.files[r["fid"]], r["line"], r["text"])
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # fail closed: an OL000 row for it
            return [_crash_row(linter, source, None, "resource", e)]
        return _result_rows(result, source)

    def _patient(self, linter: Linter, key: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        from orderlint.fhir.bulk import NO_MEDICATIONS, _relocate, copies, map_patient, patient_bundle
        from orderlint.fhir.lint import lint_mapped
        from orderlint.reader import Document

        files = self.files
        res = sorted((r for r in rows if r["ref"] is None), key=lambda r: (r["fid"], r["line"]))
        meds: dict[str, list[tuple[int, int, str]]] = {}
        for r in sorted((r for r in rows if r["ref"] is not None), key=lambda r: (r["fid"], r["line"])):
            meds.setdefault(r["ref"], []).append((r["fid"], r["line"], r["text"]))
        bundle, places, first, source = patient_bundle(((r["fid"], r["line"], r["text"]) for r in res),
                                                       lambda ref: copies(meds.get(ref, ())), files)
        doc = Document(source=source, data=bundle, text=None)
        located: dict[int, Document] = {}
        out: list[tuple[Any, ...]] = []
        held = rows[0].get("held", True)  # the pipeline's rows always say (a group built by hand may not)
        for mapped in map_patient(bundle, source, linter):
            result = lint_mapped(mapped, linter, doc)
            result.findings = [_relocate(f, places, files, located, first) for f in result.findings]
            if not held:  # said where each patient's no-orders is, as the command line says it
                for f in result.findings:
                    if f.code == "OL008" and f.message.startswith("no-orders:"):
                        f.message += NO_MEDICATIONS
            out.extend(_result_rows(result, key or result.patient or result.id or source))
        return out


def _file_row(linter: Linter, code: str, source: str, status: "Status", message: str) -> tuple[Any, ...]:
    """The row of a result of the export itself (a file, or the manifest), as orderlint.fhir.bulk
    gives it: one finding at line 1, column 1, pointer ''; ``document_id`` its source."""
    from orderlint.fhir.lint import FhirResult

    f = linter._finding(code, message, "", None, None, (1, 1))
    return _result_rows(FhirResult(source, None, status, None, [f]), source)[0]


class _Export(NamedTuple):
    """What the driver reads of an export: the manifest and the folder's listing, never a file's
    lines. ``files``: (file id, absolute path, name as the command line shows it) of each file
    read; ``names``: every file's name by id, numbered as orderlint.fhir.bulk numbers them;
    ``problems``: the manifest's OL001 messages (entries not in the folder, no url, a partial
    request); ``manifest``: its name; ``checks``: each manifest count as (file ids, resources);
    ``unread``: the files of drugs that are not read (UNREAD_MEDICATION_TYPES); ``strays``: (path,
    OL001 message) of the NDJSON files under the folder that are not part of the export; ``folder``:
    the folder as the command line names it (without `file://`)."""

    files: list[tuple[int, str, str]]
    names: dict[int, str]
    problems: list[str]
    manifest: str
    checks: list[tuple[list[int], int]]
    unread: list[str]
    strays: list[tuple[str, str]]
    folder: str


def _export_files(path: str) -> tuple[list[tuple[int, str, str]], dict[int, str]]:
    """(file id, absolute path, name as the command line shows it) of every NDJSON file of the
    export that is read, and the names of all of them, numbered as ``orderlint.fhir.bulk``
    numbers them (sorted by name, read or not)."""
    e = _export(path)
    return e.files, e.names


def _export(path: str) -> _Export:
    """The export's files and its manifest's findings, as orderlint.fhir.bulk reads them
    (``_export_files``: the files named by a type and those the manifest lists), on the driver."""
    from orderlint.fhir import bulk

    local = path[len("file://"):] if path.startswith("file://") else path
    if "://" in local:
        raise ValueError(f"lint_fhir_bulk reads a folder every executor can open as a file (a local or shared "
                         f"path), not {path!r}")
    if not os.path.isdir(local):
        raise ValueError(f"not a Bulk Data export folder: {path!r} is not a folder")
    if not bulk.is_bulk_folder(local):
        raise ValueError(f"not a Bulk Data export folder: no NDJSON file named by a resource type "
                         f"(Patient.ndjson, Observation.000.ndjson) and no export manifest ({bulk.MANIFEST}) in {path!r}")
    found, problems, counts = bulk._export_files(local)
    read = [(fid, os.path.abspath(p), p) for fid, (rtype, p) in enumerate(found) if rtype in bulk.TYPES or rtype == ""]
    fid_of = {p: fid for fid, _abs, p in read}
    checks = [([fid_of[p] for p in paths], n) for paths, n in counts if all(p in fid_of for p in paths)]
    unread = [p for rtype, p in found if rtype in bulk.UNREAD_MEDICATION_TYPES]
    return _Export(read, {fid: p for fid, (_, p) in enumerate(found)}, problems, bulk.problems_at(local), checks, unread,
                   bulk.stray_files(local, found), local)


def lint_fhir_bulk(
    spark: SparkSession,
    path: str,
    config: ConfigInput = None,
    as_of: AsOfInput = None,
    *,
    plugins: Iterable[Any] = (),
    entry_points: bool = True,
) -> DataFrame:
    """Lint a FHIR Bulk Data export folder (``<Type>.ndjson`` files) with Spark: each line keyed
    by its patient reference, Medications joined to the requests that reference them, one
    regimen per patient (grouped by Spark, so a task holds one patient's resources at a time).

    ``document_id`` is the patient id and ``source`` ``Patient/<id>``; a line that is not a FHIR
    resource, or an OperationOutcome that reports an error, is an OL001 row whose ``document_id``
    is ``<file>:<line>``. A resource that names no patient is the patient's in an export of one
    patient; in an export of several it is used by none, and is a ``not-applicable`` row whose
    ``document_id`` is ``<file>:<line>``, with OL008
    ``unresolved-reference`` (fhir.md section 1; as the command line does, orderlint.fhir.bulk); a
    MedicationRequest or MedicationStatement among them, an order or a drug taken never checked,
    is an ``invalid`` row with OL001.

    A failed or partial export is never a pass, as with the command line (orderlint.fhir.bulk):
    the export manifest (``manifest.json``) is read on the driver, and an entry whose file is not
    in the folder, an output with no url, or a kick-off request with ``_since`` or a ``_type``
    without the orders is an OL001 row whose ``document_id`` is the manifest; the files it lists
    are read with the others (its error files too); a file whose resources (counted by the
    executors, in the same pass) are not its manifest ``count`` is an OL001 row whose
    ``document_id`` is the file. A file of MedicationAdministrations or MedicationDispenses is an
    OL008 row whose ``document_id`` is the file; an export with no order at all says so in each
    no-orders note.
    ``path`` must be a folder the executors can open (local, or a shared mount).
    """
    job = _prepare(config, as_of, plugins, entry_points)
    export = _export(path)
    files, names = export.files, export.names
    checks = {str(i): check for i, check in enumerate(export.checks)}
    counted: dict[int, list[int]] = {}
    for i, (fids, _n) in enumerate(export.checks):
        for fid in fids:
            counted.setdefault(fid, []).append(i)
    listing = spark.createDataFrame(files, "fid int, path string, name string").repartition(max(1, len(files)))

    def scan(mode: str, schema: StructType) -> DataFrame:
        return listing.mapInArrow(_BulkReader(job, mode, counted if mode == "res" else None), schema)

    entries = scan("res", _ENTRY_SCHEMA)
    meds = scan("med", _MED_SCHEMA)
    # A Medication id written twice: the first line of each different text, as the command line
    # takes them (orderlint.fhir.bulk.copies: two that differ are OL001).
    first = meds.groupBy("ref", "text").agg(F.min(F.struct("fid", "line")).alias("m")).select("ref", "m.fid", "m.line", "text")
    joined = scan("refs", _REF_SCHEMA).distinct().join(first, "ref").select(
        F.lit(0).alias("grp"), "key", "ref", "fid", "line", "text",
        F.lit(None).cast("string").alias("ptr"), F.lit(None).cast("int").alias("eline"), F.lit(None).cast("int").alias("ecol"),
    )
    # One patient or several (fhir.md section 1, "no subject: the only patient"): at most two
    # patient keys, in one row joined to every entry. The rows that name no patient (key '') go
    # to the only patient; with several, each is its own group (grp 2) and its Medications are
    # not needed; with none, they stay one regimen.
    keys = scan("keys", _KEY_SCHEMA).distinct().limit(2)
    # Whether the export holds any order (a file with one gives one row): without, each no-orders
    # note says so (orderlint.fhir.bulk.NO_MEDICATIONS).
    held = scan("held", _HELD_SCHEMA).agg((F.count("fid") > 0).alias("held"))
    patients = F.broadcast(keys.agg(F.count("key").alias("n_patients"), F.max("key").alias("only_patient")).crossJoin(held))
    unnamed = (F.col("grp") == 0) & (F.col("key") == "")
    several = F.col("n_patients") > 1
    rows = entries.unionByName(joined).crossJoin(patients).where(~(unnamed & several & F.col("ref").isNotNull())).select(
        F.when(unnamed & several, F.lit(2)).otherwise(F.col("grp")).alias("grp"),
        F.when(unnamed & (F.col("n_patients") == 1), F.col("only_patient"))
         .when(unnamed & several, F.concat_ws(":", F.col("fid").cast("string"), F.col("line").cast("string")))
         .otherwise(F.col("key")).alias("key"),
        "ref", "fid", "line", "text", "ptr", "eline", "ecol", "held",
    )
    # Grouped by a shuffle on the patient and a sort within each partition: one streaming pass
    # then sees each patient's rows together (no per-group Arrow round trip, which costs more
    # than linting a small patient), holding one patient at a time.
    by_patient = rows.repartition("grp", "key").sortWithinPartitions("grp", "key")
    found = by_patient.mapInArrow(_BulkPatients(_BulkPatient(job, names, checks)), FINDINGS_SCHEMA)
    # The export's own rows that the manifest and the listing give (a handful): made on the driver.
    linter = _linter(job)
    own = [_file_row(linter, "OL001", export.manifest, "invalid", message) for message in export.problems]
    from orderlint.fhir.bulk import empty_message, holds_nothing

    if not export.problems and holds_nothing([*(p for _fid, p, _name in files), *export.unread]):
        own.append(_file_row(linter, "OL001", export.manifest, "invalid", empty_message(export.folder)))
    own += [_file_row(linter, "OL001", p, "invalid", message) for p, message in export.strays]
    if "OL008" in linter.enabled:
        from orderlint.fhir.bulk import unread_message

        own += [_file_row(linter, "OL008", p, "not-applicable", unread_message(p)) for p in export.unread]
    if not own:
        return found
    return found.unionByName(spark.createDataFrame([tuple(_utf8(v) for v in row) for row in own], FINDINGS_SCHEMA))
