"""orderlint.spark (services.md section 2): the findings table, identity with the command line's
JSON Lines on the same documents, failure behaviour (OL000 rows, plugins that fail at start), and
the Bulk Data grouping. One local[2] session for the whole module."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import random
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'orderlint[spark]' to run the Spark tests")
pytest.importorskip("pyarrow", reason="pyarrow is not installed: pip install 'orderlint[spark]' to run the Spark tests")
pytest.importorskip("pandas", reason="pandas is not installed: pip install 'orderlint[spark]' to run the Spark tests")
pytestmark = pytest.mark.slow  # a local Spark session: seconds to start, seconds per job

# The executors' Python must be this environment's (CI sets it; a local run may not).
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

from conftest import EXAMPLES, ROOT, run_orderlint  # noqa: E402

AS_OF = "2026-03-02"
NULLS = (None,) * 10

PLUGIN_HEADER = """
import os, time
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule

def declare(check, code="XSP001", name="spark-test-rule"):
    return rule(code=code, name=name, severity="warning", summary="s", source=Source("c", "g"),
                rationale="r", conditions=["ssc-ild"])(check)
"""

PLUGINS = {
    # A rule that crashes (and hangs) on chosen documents only.
    "ol_spark_crashy": PLUGIN_HEADER + """
def check(reg, opts):
    if reg.doc.id == "crash-me":
        raise ZeroDivisionError("division by zero")
    if reg.doc.id == "exit-me":
        raise SystemExit(3)
    if reg.doc.id == "hang-me":
        time.sleep(30)
    return iter(())

@hookimpl
def orderlint_rules():
    return [declare(check)]
""",
    "ol_spark_broken": PLUGIN_HEADER + """
@hookimpl
def orderlint_rules():
    raise RuntimeError("pack is broken")
""",
    # Loads on the driver, fails on every executor (an installation that differs between them).
    "ol_spark_workeronly": PLUGIN_HEADER + """
@hookimpl
def orderlint_rules():
    if os.environ.get("OL_SPARK_DRIVER_PID") != str(os.getpid()):
        raise RuntimeError("this executor lacks the pack's data")
    return []
""",
    # Records each load (one line per Linter built) to show the Linter is built per worker, not per row.
    "ol_spark_counted": PLUGIN_HEADER + """
@hookimpl
def orderlint_rules():
    with open(os.environ["OL_SPARK_COUNT_FILE"], "a") as f:
        f.write(f"{os.getpid()}\\n")
    return []
""",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("spark-plugins")
    for name, src in PLUGINS.items():
        (d / f"{name}.py").write_text(textwrap.dedent(src), encoding="utf-8")
    (d / "count.txt").write_text("")
    return d


@pytest.fixture(scope="module")
def spark(site):
    # Set before the JVM starts: the executors' Python workers inherit this environment.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    os.environ["OL_SPARK_COUNT_FILE"] = str(site / "count.txt")
    sys.path.insert(0, str(site))
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("orderlint-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    os.environ["OL_SPARK_DRIVER_PID"] = str(os.getpid())  # after the JVM started: the driver's only
    yield session
    session.stop()


# ----------------------------------------------------------------------------- helpers


def cli_rows(stdout: bytes, doc_id) -> Counter:
    """The command line's JSON Lines as findings-table rows (document_id from ``doc_id(result)``)."""
    rows: Counter = Counter()
    for line in stdout.decode().splitlines():
        r = json.loads(line)
        head = (doc_id(r), r["id"], r["status"])
        if not r["findings"]:
            rows[head + NULLS] += 1
        for f in r["findings"]:
            s = f["suppressed"]
            rows[head + (f["code"], f["name"], f["severity"], f["message"], f["order"], f["pointer"], f["line"],
                         f["column"], s is not None, None if s is None else s["reason"])] += 1
    return rows


def spark_rows(df) -> Counter:
    return Counter(tuple(r) for r in df.collect())


def cli(*args: str) -> bytes:
    r = run_orderlint("check", "--format", "jsonl", "--quiet", "--as-of", AS_OF, *args, cwd=ROOT, timeout=300)
    assert r.returncode in (0, 1, 2) and r.stdout, r.stderr.decode()
    return r.stdout


def frame(spark, docs: list[tuple[str, object]], binary: bool = False):
    kind = "binary" if binary else "string"
    return spark.createDataFrame(docs, f"path string, document {kind}")


def regimen_files() -> list[str]:
    out = []
    for folder in ("regimens", "invalid", "protocols"):
        for p in sorted((EXAMPLES / folder).iterdir()):
            if p.suffix in (".json", ".yaml", ".yml"):
                out.append(str(p.relative_to(ROOT)))
    return out


# ----------------------------------------------------------------------------- schema


def test_findings_schema_is_the_contract(spark):
    from pyspark.sql.types import BooleanType, IntegerType, StringType

    from orderlint.spark import FINDINGS_SCHEMA, lint_dataframe

    S, I, B = StringType(), IntegerType(), BooleanType()
    expected = [("document_id", S), ("source", S), ("status", S), ("code", S), ("name", S), ("severity", S),
                ("message", S), ("order", S), ("pointer", S), ("line", I), ("column", I), ("suppressed", B),
                ("suppression_reason", S)]
    assert [(f.name, f.dataType) for f in FINDINGS_SCHEMA.fields] == expected
    assert [f.name for f in FINDINGS_SCHEMA.fields if not f.nullable] == ["document_id", "status"]
    df = lint_dataframe(frame(spark, [("a", "{}")]), "document", "path", as_of=AS_OF)
    assert df.schema == FINDINGS_SCHEMA


# ----------------------------------------------------------------------------- identity with the CLI


def test_examples_give_the_same_rows_as_the_command_line(spark):
    """Regimens (firing, clean, waived, not-applicable), invalid documents and protocols, read
    from a binary column; document_id is the CLI's source."""
    from orderlint.spark import lint_dataframe

    paths = regimen_files()
    docs = [(p, (ROOT / p).read_bytes()) for p in paths]
    got = spark_rows(lint_dataframe(frame(spark, docs, binary=True), "document", "path", as_of=AS_OF))
    want = cli_rows(cli("--input-format", "regimen", *paths), lambda r: r["source"])
    assert got == want
    statuses = {row[2] for row in got}
    assert statuses == {"checked", "invalid", "not-applicable"}
    assert any(row[11] for row in got), "a waived finding is among them"
    assert sum(1 for row in got if row[3] is None) >= 10, "clean documents keep their row"


def test_generated_documents_give_the_same_rows_as_the_command_line(spark, tmp_path):
    """A few thousand generated documents (clean, flagged, order sets, not-applicable, invalid)."""
    from orderlint.spark import lint_dataframe

    spec = importlib.util.spec_from_file_location("ol_generate", ROOT / "benchmarks" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    folder = tmp_path / "gen"
    gen.write_dir(str(folder), 11, 3000)
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.iterdir())]
    assert len(docs) == 3000
    got = spark_rows(lint_dataframe(frame(spark, docs).repartition(4), "document", "path", as_of=AS_OF))
    want = cli_rows(cli("--input-format", "regimen", str(folder)), lambda r: os.path.basename(r["source"]))
    assert got == want
    per_status = Counter(row[2] for row in got)
    assert per_status["invalid"] > 50 and per_status["not-applicable"] > 5 and per_status["checked"] > 2000
    assert len({row[0] for row in got}) == 3000, "every document has its rows"


def test_fhir_documents_give_the_same_rows_as_the_command_line(spark):
    from orderlint.spark import lint_dataframe

    paths = [str(p.relative_to(ROOT)) for p in sorted((EXAMPLES / "fhir").glob("*.json"))]
    docs = [(p, (ROOT / p).read_text(encoding="utf-8")) for p in paths]
    got = spark_rows(lint_dataframe(frame(spark, docs), "document", "path", input_format="fhir", as_of=AS_OF))
    want = cli_rows(cli("--input-format", "fhir", *paths), lambda r: r["source"])
    assert got == want
    assert {"ILD102", "ILD202", "ILD301"} <= {row[3] for row in got}


def _bulk_export(folder: Path) -> None:
    """The example export, plus: Medications joined by reference (one id written twice alike: read
    once; one written twice differently: OL001 for the patient whose order names it), two
    MedicationRequest files, lines that are not resources, and a resource with no patient."""
    folder.mkdir()
    src = EXAMPLES / "fhir" / "bulk"
    lines = {p.name: p.read_text(encoding="utf-8").splitlines() for p in src.glob("*.ndjson")}
    cyc = json.loads(next(x for x in lines["MedicationRequest.ndjson"] if '"a-cyc"' in x))
    conds = [json.loads(x) for x in lines["Condition.ndjson"] if "bulk-a" in x]
    extra_patients, extra_conditions, requests = [], [], []
    rnd = random.Random(5)
    for pid in ("bulk-d", "bulk-e", "bulk-f"):
        extra_patients.append({"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1968-05-01"})
        for c in conds:
            extra_conditions.append({**c, "id": f"{pid}-{c['id']}", "subject": {"reference": f"Patient/{pid}"}})
        r = {k: v for k, v in cyc.items() if k != "medicationCodeableConcept"}
        med = "m-dup" if pid == "bulk-f" else "m-cyc"
        requests.append({**r, "id": f"{pid}-cyc", "subject": {"reference": f"Patient/{pid}"},
                         "medicationReference": {"reference": f"Medication/{med}"}})
    # bulk-e also gets a PCP agent through a second referenced Medication: clean.
    requests.append({"resourceType": "MedicationRequest", "id": "bulk-e-atov", "status": "active", "intent": "order",
                     "subject": {"reference": "Patient/bulk-e"}, "medicationReference": {"reference": "Medication/m-atov"},
                     "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                                            "doseAndRate": [{"doseQuantity": {"value": 1500, "unit": "mg",
                                                                              "system": "http://unitsofmeasure.org", "code": "mg"}}]}]})
    rnd.shuffle(requests)
    meds = [{"resourceType": "Medication", "id": "m-cyc", "code": {"text": "cyclophosphamide"}},
            {"resourceType": "Medication", "id": "m-atov", "code": {"text": "atovaquone"}},
            {"resourceType": "Medication", "id": "m-cyc", "code": {"text": "cyclophosphamide"}},  # the same again: read once
            {"resourceType": "Medication", "id": "m-dup", "code": {"text": "cyclophosphamide"}},
            {"resourceType": "Medication", "id": "m-dup", "code": {"text": "folic acid"}}]  # which one is current: unknown
    dump = lambda rs: [json.dumps(r, separators=(",", ":")) for r in rs]  # noqa: E731
    files = {
        "Patient.ndjson": lines["Patient.ndjson"] + dump(extra_patients),
        "Condition.ndjson": lines["Condition.ndjson"] + dump(extra_conditions),
        "MedicationRequest.ndjson": lines["MedicationRequest.ndjson"] + dump(requests[:2]),
        "MedicationRequest.001.ndjson": dump(requests[2:]),
        "Medication.ndjson": dump(meds),
        "Observation.ndjson": lines["Observation.ndjson"] + ["", "{not json", "[1, 2]"] + dump(
            [{"resourceType": "Observation", "id": "orphan", "status": "final", "code": {"text": "weight"}}]),
    }
    for name, content in files.items():
        (folder / name).write_text("\n".join(content) + "\n", encoding="utf-8")


def test_bulk_export_gives_the_same_rows_as_the_command_line(spark, tmp_path):
    """lint_fhir_bulk: one regimen per patient; document_id is the patient id (the CLI's
    `patient`), else the CLI's source (a line that is not a resource)."""
    from orderlint.spark import lint_fhir_bulk

    for folder in (EXAMPLES / "fhir" / "bulk", tmp_path / "export"):
        if not folder.exists():
            _bulk_export(folder)
        rel = os.path.relpath(folder, ROOT)
        got = spark_rows(lint_fhir_bulk(spark, rel, as_of=AS_OF))
        want = cli_rows(cli("--input-format", "fhir", rel), lambda r: r.get("patient") or r["id"] or r["source"])
        assert got == want, folder
    codes = {(row[0], row[3]) for row in got}
    assert ("bulk-d", "ILD301") in codes, "cyclophosphamide reached through medicationReference"
    assert not any(row[0] == "bulk-e" and row[3] == "ILD301" for row in got), "m-atov is joined"
    [dup] = [row for row in got if row[0] == "bulk-f"]
    assert dup[2] == "invalid" and dup[3] == "OL001" and "Medication/m-dup is in the input twice with different content" in dup[6]
    assert "Medication.ndjson:" in dup[6], "the other copy is named by its line, not by a pointer into a Bundle made up"
    assert sum(1 for row in got if row[2] == "invalid" and row[0] != "bulk-f") == 2, "each line that is not a resource is a row"


# ----------------------------------------------------------------------------- failure behaviour


def _doc(doc_id: str) -> str:
    d = json.loads((EXAMPLES / "regimens" / "ILD301-clean.json").read_text(encoding="utf-8"))
    d["id"] = doc_id
    return json.dumps(d)


def test_a_crashing_check_is_an_OL000_row_and_the_rest_of_the_partition_survives(spark):
    from orderlint.spark import lint_dataframe

    ids = ["fine-1", "crash-me", "exit-me", "hang-me", "fine-2"]
    docs = [(i, _doc(i)) for i in ids] + [("fires", (EXAMPLES / "regimens" / "ILD102-fires.json").read_text())]
    df = frame(spark, docs).coalesce(1)  # one partition: the crash must not take the others with it
    rows = lint_dataframe(df, "document", "path", as_of=AS_OF, config={"check-timeout": 1},
                          plugins=["ol_spark_crashy"]).collect()
    by_doc: dict = {}
    for r in rows:
        by_doc.setdefault(r.document_id, []).append(r)
    assert set(by_doc) == {*ids, "fires"}
    for i in ("fine-1", "fine-2"):
        assert [r.code for r in by_doc[i]] == [None]
    for i, what in (("crash-me", "ZeroDivisionError"), ("exit-me", "SystemExit"), ("hang-me", "time limit")):
        (r,) = by_doc[i]
        assert (r.code, r.severity, r.status) == ("OL000", "error", "checked"), i
        assert "XSP001" in r.message and what in r.message, r.message
    assert [r.code for r in by_doc["fires"]] == ["ILD102"]


def test_a_document_that_breaks_the_linter_outside_a_check_is_an_OL000_row():
    """The per-document guard of the executors (run in process: no document breaks the real engine)."""
    from orderlint.engine import Linter
    from orderlint.spark import _DocumentMapper, _prepare

    class Broken(Linter):
        def lint_document(self, doc):
            raise MemoryError("out of memory")

    job = _prepare(None, AS_OF, (), True)
    (row,) = _DocumentMapper(job, "regimen")._document(Broken(), _doc("x"), "given-id", 7)
    assert (row[0], row[2], row[3], row[5]) == ("given-id", "checked", "OL000", "error")
    assert "MemoryError: out of memory" in row[6]
    (row,) = _DocumentMapper(job, "regimen")._document(Broken(), _doc("x"), None, 7)
    assert row[0] == "row-7"


def test_a_patient_the_bulk_mapping_cannot_finish_is_an_OL000_row():
    """The per-patient guard of lint_fhir_bulk (run in process on one group's rows)."""
    from orderlint.spark import _BulkPatient, _prepare

    job = _prepare(None, AS_OF, (), True)
    group = [{"grp": 0, "key": "p-1", "ref": None, "fid": 0, "line": 1, "text": '{"resourceType": "Patient", "id": "p-1"',
              "ptr": None, "eline": None, "ecol": None}]
    (row,) = _BulkPatient(job, {0: "Patient.ndjson"}).rows(group)
    assert row[:6] == ("p-1", "Patient/p-1", "checked", "OL000", row[4], "error")
    assert "could not check patient 'p-1'" in row[6] and "JSONDecodeError" in row[6]


def test_a_patient_split_across_arrow_batches_is_linted_once_whole():
    """lint_fhir_bulk streams entries sorted by patient: a patient's rows may span batches
    (run in process on the example export, one row per batch and all rows in one batch)."""
    import pyarrow as pa

    from orderlint.spark import _ENTRY_SCHEMA, _BulkPatient, _BulkPatients, _BulkReader, _arrow_of, _export_files, _prepare

    job = _prepare(None, AS_OF, (), True)
    files, names = _export_files(str(EXAMPLES / "fhir" / "bulk"))
    cols = [f.name for f in _ENTRY_SCHEMA.fields]
    entries = sorted((dict(zip(cols, row)) for fid, path, name in files for row in _BulkReader(job, "res")._file(fid, path, name)),
                     key=lambda e: (e["grp"], e["key"]))
    assert len({e["key"] for e in entries}) == 3 and len(entries) == 10
    inner = _BulkPatient(job, names)
    want = [row for key in ("bulk-a", "bulk-b", "bulk-c") for row in inner.rows([e for e in entries if e["key"] == key])]
    schema = _arrow_of(_ENTRY_SCHEMA)
    for size in (1, 3, len(entries)):
        batches = [pa.RecordBatch.from_pylist(entries[i:i + size], schema=schema) for i in range(0, len(entries), size)]
        got = [row for b in _BulkPatients(inner)(iter(batches)) for row in zip(*(c.to_pylist() for c in b.columns))]
        assert got == want, size
    assert [r[0] for r in want] == ["bulk-a", "bulk-b", "bulk-c"] and want[0][3] == "ILD301"


def test_null_and_undecodable_cells_are_invalid_rows_and_ids_fall_back(spark):
    from orderlint.spark import lint_dataframe

    df = spark.createDataFrame([(None,), (b"\xff\xfe\xfd",), (_doc("named").encode(),), (b"{",)], "document binary")
    rows = lint_dataframe(df, as_of=AS_OF).collect()
    assert len(rows) >= 4
    named = [r for r in rows if r.document_id == "named"]
    assert [(r.source, r.status, r.code) for r in named] == [("named", "checked", None)]
    generated = {r.document_id for r in rows if r.document_id != "named"}
    assert len(generated) == 3 and all(g.startswith("row-") for g in generated), "one generated id per document"
    bad = [r for r in rows if r.document_id != "named"]
    assert all(r.status == "invalid" and r.code == "OL001" and r.source is None for r in bad)
    assert any("null" in r.message for r in bad) and any("UTF" in r.message for r in bad)


def test_a_plugin_that_fails_to_load_fails_at_start_naming_it(spark, tmp_path):
    from orderlint.engine import PluginLoadError
    from orderlint.hookspecs import hookimpl
    from orderlint.spark import lint_dataframe, lint_fhir_bulk

    class BrokenPack:
        @hookimpl
        def orderlint_rules(self):
            raise RuntimeError("instance pack is broken")

    df = frame(spark, [("a", _doc("a"))])
    cases = [(["ol_spark_broken"], "'ol_spark_broken' failed in orderlint_rules: RuntimeError: pack is broken"),
             (["ol_spark_not_installed"], "plugin 'ol_spark_not_installed' failed to load: ModuleNotFoundError"),
             (["ol_spark_crashy:missing"], "plugin 'ol_spark_crashy:missing' failed to load: AttributeError"),
             ([BrokenPack()], "'BrokenPack-0' failed in orderlint_rules: RuntimeError: instance pack is broken")]
    tracker = spark.sparkContext.statusTracker()
    jobs_before = len(tracker.getJobIdsForGroup(None))
    for plugins, fragment in cases:
        with pytest.raises(PluginLoadError) as e:
            lint_dataframe(df, "document", "path", plugins=plugins)  # raised by the call: no job ran
        assert fragment in str(e.value)
    with pytest.raises(PluginLoadError, match="ol_spark_broken"):
        lint_fhir_bulk(spark, str(EXAMPLES / "fhir" / "bulk"), plugins=["ol_spark_broken"])
    assert len(tracker.getJobIdsForGroup(None)) == jobs_before, "nothing was run on the cluster"


def test_a_plugin_that_fails_only_on_the_executors_fails_the_job_naming_it(spark):
    from orderlint.spark import lint_dataframe

    df = lint_dataframe(frame(spark, [("a", _doc("a"))]), "document", "path", plugins=["ol_spark_workeronly"])
    with pytest.raises(Exception) as e:
        df.collect()
    assert "plugin 'ol_spark_workeronly' failed in orderlint_rules: RuntimeError: this executor lacks the pack's data" in str(e.value)


def test_the_linter_is_built_once_per_worker_not_per_row(spark, site):
    from orderlint.spark import lint_dataframe

    count = site / "count.txt"
    count.write_text("")
    docs = [(str(i), _doc(f"doc-{i}")) for i in range(1500)]
    df = frame(spark, docs).repartition(6)  # more tasks and batches than workers
    out = lint_dataframe(df, "document", "path", as_of=AS_OF, plugins=["ol_spark_counted"])
    assert out.count() == 1500
    loads = count.read_text().split()
    driver = str(os.getpid())
    workers = [pid for pid in loads if pid != driver]
    assert loads.count(driver) == 1, "the driver builds it once to check the plugins"
    assert 1 <= len(workers) == len(set(workers)) <= 6, f"one build per worker process: {Counter(workers)}"


# ----------------------------------------------------------------------------- settings on the driver


def test_settings_and_as_of_are_fixed_on_the_driver(spark, tmp_path):
    from orderlint.config import ConfigError
    from orderlint.spark import _prepare, lint_dataframe

    assert _prepare(None, None, (), True).settings["as_of"] == dt.date.today()
    assert _prepare({"as-of": "2025-01-31"}, None, (), True).settings["as_of"] == dt.date(2025, 1, 31)
    assert _prepare(None, "2026-03-02", (), True).settings["as_of"] == dt.date(2026, 3, 2)
    fires = (EXAMPLES / "regimens" / "ILD102-fires.json").read_text()
    df = frame(spark, [("f", fires)])
    cfg = tmp_path / "orderlint.toml"
    cfg.write_text('ignore = ["ILD102"]\n')
    for config in ({"ignore": ["ILD102"]}, str(cfg)):
        (row,) = lint_dataframe(df, "document", "path", config=config, as_of=AS_OF).collect()
        assert (row.document_id, row.code) == ("f", None), config
    with pytest.raises(ConfigError, match="unknown rule 'ILD999'"):
        lint_dataframe(df, "document", "path", config={"select": ["ILD999"]})
    with pytest.raises(ConfigError, match="as_of"):
        lint_dataframe(df, "document", "path", as_of="March")


def test_arguments_are_checked_before_anything_runs(spark, tmp_path):
    from orderlint.spark import lint_dataframe, lint_fhir_bulk

    df = frame(spark, [("a", "{}")])
    with pytest.raises(ValueError, match="no column 'doc'"):
        lint_dataframe(df, "doc")
    with pytest.raises(ValueError, match="no column 'key'"):
        lint_dataframe(df, "document", "key")
    with pytest.raises(ValueError, match="input_format"):
        lint_dataframe(df, "document", input_format="hl7")
    with pytest.raises(ValueError, match="must hold text"):
        lint_dataframe(spark.createDataFrame([(1,)], "document int"))
    with pytest.raises(ValueError, match="not a Bulk Data export folder"):
        lint_fhir_bulk(spark, str(tmp_path))


def test_documents_given_the_same_document_id_each_get_an_error_row(spark):
    """services.md section 2 fixes document_id (the id_col value, else the result's id, else
    row-<n>), none of them unique by construction: two documents sharing one could not be told
    apart (a clean document's row beside another's finding), so each gets an OL000 error row."""
    from orderlint.spark import lint_dataframe

    fires = json.loads((EXAMPLES / "regimens" / "ILD102-fires.json").read_text(encoding="utf-8"))
    fires["id"] = "same"
    docs = [("a", _doc("same")), ("b", json.dumps(fires)), ("c", _doc("unique"))]
    df = frame(spark, docs).repartition(2)

    # By the result's id (no id_col): "same" twice.
    rows = lint_dataframe(df, as_of=AS_OF).collect()
    same = [r for r in rows if r.document_id == "same"]
    errors = [r for r in same if r.code == "OL000"]
    assert len(errors) == 2 and all(r.severity == "error" and r.status == "checked" for r in errors), same
    assert all("also the document_id of another document" in r.message and "id_col" in r.message for r in errors)
    assert sorted(r.code or "" for r in same) == ["", "ILD102", "OL000", "OL000"]
    assert [r.code for r in rows if r.document_id == "unique"] == [None]

    # By an id column with a repeated value.
    ids = spark.createDataFrame([("x", _doc("p")), ("x", _doc("q")), ("y", _doc("r"))], "path string, document string")
    rows = lint_dataframe(ids, "document", "path", as_of=AS_OF).collect()
    assert sorted((r.document_id, r.source, r.code or "") for r in rows if r.document_id == "x") == [
        ("x", "p", ""), ("x", "p", "OL000"), ("x", "q", ""), ("x", "q", "OL000")]
    assert [r.code for r in rows if r.document_id == "y"] == [None]

    # A generated id (row-<n>, n the row's number: 0 for the first row of one partition) meeting a
    # regimen whose id has that form.
    clash = spark.createDataFrame([("{",), (_doc("row-0"),)], "document string").coalesce(1)
    rows = lint_dataframe(clash, as_of=AS_OF).collect()
    assert {r.document_id for r in rows} == {"row-0"}
    assert sorted((r.source or "", r.code or "") for r in rows) == [("", "OL000"), ("", "OL001"), ("row-0", ""), ("row-0", "OL000")]
