"""Baselines: adopt orderlint on an existing repository; only new findings count."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from conftest import EXAMPLES, run_cli


def test_baseline_roundtrip_only_new_findings_count(tmp_path):
    repo = tmp_path / "protocols"
    repo.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "cyc.yaml")
    base = tmp_path / "baseline.json"
    r = run_cli("check", str(repo), "--write-baseline", str(base))
    assert r.exit_code == 0
    entries = json.loads(base.read_text())["entries"]
    assert [(e["code"], e["key"]) for e in entries] == [("ILD301", "order:cyc")]
    assert all("line" not in e for e in entries), "entries are never keyed by line"

    # Unchanged: exit 0, the finding stays visible but suppressed.
    r = run_cli("check", str(repo), "--baseline", str(base), "--format", "json")
    assert r.exit_code == 0
    (f,) = json.loads(r.stdout)["results"][0]["findings"]
    assert f["code"] == "ILD301" and f["suppressed"]["approved_by"] == "baseline"

    # Lines move (a comment and blank lines above): still matched.
    text = (repo / "cyc.yaml").read_text()
    (repo / "cyc.yaml").write_text("# reviewed 2026\n\n\n" + text)
    assert run_cli("check", str(repo), "--baseline", str(base)).exit_code == 0

    # A new finding in the same file counts.
    (repo / "cyc.yaml").write_text(text.replace("tests:", "  - {id: pred, drug: prednisone, dose: 30, unit: mg, route: oral, frequency: daily, purpose: other}\ntests:", 1))
    r = run_cli("check", str(repo), "--baseline", str(base), "--format", "json")
    active = [f["code"] for f in json.loads(r.stdout)["results"][0]["findings"] if not f["suppressed"]]
    assert r.exit_code == 1 and "ILD202" in active and "ILD301" not in active


def test_rewriting_the_baseline_prunes_fixed_findings(tmp_path):
    repo = tmp_path / "p"
    repo.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "a.yaml")
    base = tmp_path / "b.json"
    run_cli("check", str(repo), "--write-baseline", str(base))
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction-clean.yaml", repo / "a.yaml")
    run_cli("check", str(repo), "--baseline", str(base), "--write-baseline", str(base))
    assert json.loads(base.read_text())["entries"] == []


def test_a_baseline_entry_that_matched_nothing_is_said(tmp_path):
    # Fixed, then broken again: the entry that no finding used stayed, and hid the finding when it came
    # back; nothing said the entry was stale.
    repo = tmp_path / "p"
    repo.mkdir()
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "a.yaml")
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction-clean.yaml", repo / "b.yaml")
    base = tmp_path / "b.json"
    run_cli("check", str(repo), "--write-baseline", str(base))
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction-clean.yaml", repo / "a.yaml")
    for fmt in ("text", "json"):
        r = run_cli("check", str(repo), "--baseline", str(base), "--format", fmt)
        assert r.exit_code == 0
        assert "1 baseline entry of the documents checked matched no finding" in r.stderr
    # A run that does not read that document (a pre-commit run on another file) does not say it.
    r = run_cli("check", str(repo / "b.yaml"), "--baseline", str(base))
    assert r.exit_code == 0 and "matched no finding" not in r.stderr
    # While the entry is used, it is not stale; its use is said whatever the format.
    shutil.copy(EXAMPLES / "protocols" / "cyc-induction.yaml", repo / "a.yaml")
    r = run_cli("check", str(repo), "--baseline", str(base), "--format", "sarif")
    assert "matched no finding" not in r.stderr and "1 finding(s) already in the baseline were not counted" in r.stderr


def test_malformed_baseline_is_a_usage_error(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("[]")
    r = run_cli("check", str(EXAMPLES / "protocols"), "--baseline", str(bad))
    assert r.exit_code == 2 and "malformed" in r.stderr


def test_json_lines_baseline_is_keyed_by_document_id_not_line(tmp_path):
    good = (EXAMPLES / "regimens" / "ILD102-fires.json").read_text()
    stream = tmp_path / "batch.jsonl"
    stream.write_text(json.dumps(json.loads(good)) + "\n")
    base = tmp_path / "b.json"
    run_cli("check", str(stream), "--write-baseline", str(base))
    (entry,) = json.loads(base.read_text())["entries"]
    # Named from the baseline's folder (here the stream's): batch.jsonl, whatever the working folder.
    assert entry["source"] == f"batch.jsonl#{json.loads(good)['id']}" and entry["key"] == "order:nin"
    # Another document inserted above: the finding moves to line 2 and is still baselined.
    other = json.loads((EXAMPLES / "regimens" / "ILD301-clean.json").read_text())
    stream.write_text(json.dumps(other) + "\n" + json.dumps(json.loads(good)) + "\n")
    assert run_cli("check", str(stream), "--baseline", str(base)).exit_code == 0


# ---------------------------------------------------------------- amounts (issue 10, item 13)
# A baseline entry of a dose rule must not cover a larger amount: a baseline recorded at
# 3,200 mg/day must never hide 12,000 mg/day.

def _mmf_doc(dose, frequency="bid", **extra):
    doc = json.loads((EXAMPLES / "regimens" / "ILD501-fires.json").read_text())
    doc["orders"][0].update(dose=dose, frequency=frequency, **extra)
    return doc


def _check(tmp_path, doc, base, *more):
    path = tmp_path / "repo" / "pt.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(doc))
    r = run_cli("check", str(path.parent), "--format", "json", *(("--baseline", str(base)) if base else ()), *more)
    return r, json.loads(r.stdout)["results"][0]["findings"] if r.stdout.startswith("{") else None


def _record(tmp_path, doc):
    base = tmp_path / "baseline.json"
    r, _ = _check(tmp_path, doc, None, "--write-baseline", str(base))
    assert r.exit_code == 0, r.output
    return base


def _state(findings, code):
    (f,) = [f for f in findings if f["code"] == code]
    return "suppressed" if f["suppressed"] else "active"


def test_baseline_of_a_dose_finding_does_not_cover_a_larger_amount(tmp_path):
    base = _record(tmp_path, _mmf_doc(1600))  # 3,200 mg/day > 3,000: ILD501
    (entry,) = json.loads(base.read_text())["entries"]
    assert entry["code"] == "ILD501" and 3200 in entry["amounts"]

    r, found = _check(tmp_path, _mmf_doc(1600), base)
    assert r.exit_code == 0 and _state(found, "ILD501") == "suppressed"
    r, found = _check(tmp_path, _mmf_doc(6000), base)  # 12,000 mg/day
    assert r.exit_code == 1 and _state(found, "ILD501") == "active"
    r, found = _check(tmp_path, _mmf_doc(1600, "tid"), base)  # same dose, 4,800 mg/day
    assert r.exit_code == 1 and _state(found, "ILD501") == "active"
    r, found = _check(tmp_path, _mmf_doc(1550), base)  # 3,100 mg/day: smaller, still covered
    assert r.exit_code == 0 and _state(found, "ILD501") == "suppressed"


def test_baseline_of_the_daily_steroid_total_does_not_cover_a_larger_total(tmp_path):
    def doc(pred_mg):
        d = _mmf_doc(1000)
        d["orders"].append({"id": "pred", "drug": "prednisone", "dose": pred_mg, "unit": "mg", "route": "oral",
                            "frequency": "daily", "purpose": "other"})
        return d

    base = _record(tmp_path, doc(20))
    r, found = _check(tmp_path, doc(20), base)
    assert _state(found, "ILD202") == "suppressed"
    r, found = _check(tmp_path, doc(60), base)
    assert r.exit_code == 1 and _state(found, "ILD202") == "active"


def test_baseline_of_a_pulse_course_does_not_cover_more_administrations(tmp_path):
    def doc(doses):
        d = _mmf_doc(1000)
        d["indication"]["rapidly_progressive"] = True
        d["orders"].append({"id": "pulse", "drug": "methylprednisolone", "dose": 1000, "unit": "mg", "route": "iv",
                            "frequency": "daily", "doses": doses})
        return d

    base = _record(tmp_path, doc(5))
    r, found = _check(tmp_path, doc(5), base)
    assert _state(found, "ILD206") == "suppressed"
    r, found = _check(tmp_path, doc(10), base)
    assert _state(found, "ILD206") == "active"


def test_baseline_entry_without_amounts_fails_closed(tmp_path):
    # A baseline written before amounts were recorded cannot prove the amount did not grow.
    base = tmp_path / "old.json"
    base.write_text(json.dumps({"orderlint-baseline": 1, "entries": [
        {"source": str(tmp_path / "repo" / "pt.json").replace("\\", "/"), "code": "ILD501", "key": "order:mmf", "count": 1}]}))
    r, found = _check(tmp_path, _mmf_doc(6000), base)
    assert r.exit_code == 1 and _state(found, "ILD501") == "active"


def test_baseline_entry_without_its_message_fails_closed(tmp_path):
    # Written before the message was recorded, an entry cannot prove the finding is about the same
    # drug or test: the same finding at the same amounts is no longer covered by it.
    base = _record(tmp_path, _mmf_doc(6000))
    data = json.loads(base.read_text())
    assert all(e.pop("message") for e in data["entries"])
    r, found = _check(tmp_path, _mmf_doc(6000), base)
    assert _state(found, "ILD501") == "suppressed"  # as recorded, with the message
    base.write_text(json.dumps(data))
    r, found = _check(tmp_path, _mmf_doc(6000), base)
    assert r.exit_code == 1 and _state(found, "ILD501") == "active"


def test_baseline_entry_covers_only_a_finding_about_the_same_thing(tmp_path):
    # The order changed under the same id: rituximab without hbv screening was recorded; tofacitinib
    # without tb screening (ILD402 too, no number in either message) was covered by that entry.
    doc = json.loads((EXAMPLES / "regimens" / "ILD402-fires.json").read_text())
    base = _record(tmp_path, doc)
    (entry,) = [e for e in json.loads(base.read_text())["entries"] if e["code"] == "ILD402"]
    r, found = _check(tmp_path, doc, base)
    assert _state(found, "ILD402") == "suppressed"
    (rtx,) = [o for o in doc["orders"] if o["id"] == entry["key"].split(":", 1)[1]]
    rtx.update(drug="tofacitinib", dose=5, unit="mg", route="oral", frequency="bid")
    doc["tests"] = [t for t in doc.get("tests", []) if t["test"] != "tb"] + [
        {"test": "hbv", "status": "resulted", "date": doc["as_of"], "result": "negative"}]
    r, found = _check(tmp_path, doc, base)
    assert r.exit_code == 1 and _state(found, "ILD402") == "active"
    assert "tofacitinib" in [f for f in found if f["code"] == "ILD402"][0]["message"]


def test_finding_below_a_minimum_is_covered_only_at_the_same_amount(tmp_path):
    # ILD502 compares with `<`: there a smaller dose is the worse one.
    base = _record(tmp_path, _mmf_doc(400))  # 800 mg/day < 1,000
    r, found = _check(tmp_path, _mmf_doc(400), base)
    assert _state(found, "ILD502") == "suppressed"
    r, found = _check(tmp_path, _mmf_doc(100), base)
    assert _state(found, "ILD502") == "active"


def test_order_index_and_order_id_are_keyed_apart(tmp_path):
    # An order without id is named by its index; an id equal to that index is another order.
    doc = _mmf_doc(2000)
    doc["orders"][0].pop("id")  # ILD501 on order "0", an index
    base = _record(tmp_path, doc)
    (entry,) = json.loads(base.read_text())["entries"]
    assert entry["key"] == "order-index:0"
    other = _mmf_doc(1000)
    other["orders"].append({"id": "0", "drug": "mycophenolate mofetil", "dose": 2000, "unit": "mg", "route": "oral",
                            "frequency": "bid", "status": "active"})
    other["orders"][0]["status"] = "stopped"
    r, found = _check(tmp_path, other, base)
    assert _state(found, "ILD501") == "active"


@pytest.mark.parametrize("entry_change", [{"amounts": ["3200"]}, {"amounts": 3200}, {"count": 0}, {"count": 1.5},
                                          # each was "internal error: OverflowError", as if orderlint had crashed
                                          {"count": 10**20}, {"count": 1_000_001}, {"amounts": [10**400]}])
def test_malformed_amounts_or_counts_are_a_usage_error(tmp_path, entry_change):
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"orderlint-baseline": 1, "entries": [
        {"source": "a.json", "code": "ILD501", "key": "order:mmf", "count": 1, **entry_change}]}))
    r = run_cli("check", str(EXAMPLES / "protocols"), "--baseline", str(bad))
    assert r.exit_code == 2 and "malformed" in r.stderr


def test_a_baseline_nested_too_deeply_is_malformed_not_an_internal_error(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    r = run_cli("check", str(EXAMPLES / "protocols"), "--baseline", str(bad))
    assert r.exit_code == 2 and "malformed: it is nested too deeply" in r.stderr and "internal" not in r.stderr


def test_a_document_or_checked_drug_that_was_not_checked_is_never_baselined(tmp_path):
    # A misspelt cyclophosphamide (OL002 error: the order is not evaluated) and an uncovered condition
    # (OL007: no rule runs) were recorded; the entries then hid 12,000 mg/m2 daily without PCP cover.
    misspelt = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    misspelt["orders"][0]["drug"] = "cyclophosphamid"
    other = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    other["indication"]["condition"] = "ssc ild-x"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.json").write_text(json.dumps(misspelt))
    (repo / "b.json").write_text(json.dumps(other))
    base = tmp_path / "baseline.json"
    r = run_cli("check", str(repo), "--write-baseline", str(base))
    # Written, but the run fails on what it could not record: a nightly refresh job went green on them.
    assert r.exit_code == 1 and "cannot be recorded in a baseline" in r.stderr, r.output
    assert {e["code"] for e in json.loads(base.read_text())["entries"]}.isdisjoint({"OL002", "OL007"})
    misspelt["orders"][0].update(dose=12000, frequency="daily")
    (repo / "a.json").write_text(json.dumps(misspelt))
    r = run_cli("check", str(repo), "--format", "json", "--baseline", str(base), "--fail-on", "error")
    assert r.exit_code == 1
    active = {(res["source"].rsplit("/", 1)[-1], f["code"]) for res in json.loads(r.stdout)["results"]
              for f in res["findings"] if not f["suppressed"]}
    assert {("a.json", "OL002"), ("b.json", "OL007")} <= active


def test_an_unknown_co_medication_name_may_be_baselined(tmp_path):
    doc = json.loads((EXAMPLES / "regimens" / "ILD301-clean.json").read_text())
    doc["orders"].append({"id": "z", "drug": "zorblatinib", "dose": 10, "unit": "mg", "route": "oral", "frequency": "daily"})
    base = _record(tmp_path, doc)
    assert [e["code"] for e in json.loads(base.read_text())["entries"]] == ["OL002"]
    r, found = _check(tmp_path, doc, base)
    assert r.exit_code == 0 and _state(found, "OL002") == "suppressed"


def test_a_file_named_like_a_json_lines_line_is_keyed_by_its_own_name():
    # A whole document in a file named "x.jsonl:3" was keyed as the document of its id in x.jsonl,
    # so a baseline entry of either covered the other's findings.
    import os

    from orderlint.baseline import _source_key
    from orderlint.findings import Finding, Result
    from orderlint.reader import line_source

    f = Finding(code="ILD301", name="pcp-prophylaxis-missing", severity="error", message="m", order="cyc", pointer="/orders/0/drug")
    whole = _source_key(Result(source="x.jsonl:3", id="pt-1", findings=[f]), os.getcwd())
    line = _source_key(Result(source=line_source("x.jsonl", 3), id="pt-1", findings=[f]), os.getcwd())
    assert whole == "x.jsonl:3#pt-1"
    assert line == "x.jsonl#pt-1"


def test_entries_name_files_from_the_baseline_s_folder_not_the_working_one(tmp_path, monkeypatch):
    # Named from the working folder, site-a/protocols/cyc.yaml run from site-a and site-b's own
    # cyc.yaml run from site-b were both `protocols/cyc.yaml`: site-a's entry covered site-b's
    # ILD301, a protocol never recorded, and the run passed.
    doc = json.loads((EXAMPLES / "regimens" / "ILD301-fires.json").read_text())
    for site in ("site-a", "site-b"):
        (tmp_path / site / "protocols").mkdir(parents=True)
        (tmp_path / site / "protocols" / "cyc.json").write_text(json.dumps(doc))
    base = tmp_path / ".orderlint-baseline.json"
    monkeypatch.chdir(tmp_path / "site-a")
    assert run_cli("check", "protocols", "--write-baseline", str(base)).exit_code == 0
    (entry,) = json.loads(base.read_text())["entries"]
    assert entry["source"] == f"site-a/protocols/cyc.json#{doc['id']}"
    assert run_cli("check", "protocols", "--baseline", str(base)).exit_code == 0
    monkeypatch.chdir(tmp_path / "site-b")
    r = run_cli("check", "protocols", "--baseline", str(base))
    assert r.exit_code == 1 and "ILD301" in r.stdout
    # The same file run from anywhere is the same entry.
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", "site-a/protocols/cyc.json", "--baseline", str(base)).exit_code == 0


def test_a_file_replaced_by_another_patients_document_keeps_no_entry(tmp_path):
    # Keyed by the file alone, patient A's recorded ILD501 covered patient B's in the same file.
    doc = {"id": "patient-A", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 58, "weight_kg": 81, "height_cm": 178},
           "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 2000, "unit": "mg", "route": "oral",
                       "frequency": "bid"}]}
    path, base = tmp_path / "cur.json", tmp_path / "bl.json"
    path.write_text(json.dumps(doc))
    assert run_cli("check", str(path), "--write-baseline", str(base)).exit_code == 0
    assert run_cli("check", str(path), "--baseline", str(base)).exit_code == 0  # the same document: covered
    path.write_text(json.dumps(dict(doc, id="patient-B")))
    r = run_cli("check", str(path), "--baseline", str(base))
    assert r.exit_code == 1 and "ILD501" in r.output and "waived" not in r.output.split("ILD501", 1)[1].splitlines()[0]


def _prophylaxis_doc(days):
    """Cyclophosphamide IV q4w x6 from 2026-03-02 with co-trimoxazole for `days`: too short, ILD301."""
    doc = {"id": "pt-bl", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 58, "weight_kg": 81, "height_cm": 178},
           "orders": [{"id": "cyc", "drug": "cyclophosphamide", "dose": 600, "unit": "mg/m2", "route": "iv",
                       "frequency": "q4w", "doses": 6, "start": "2026-03-02"},
                      {"id": "smx", "drug": "Bactrim DS", "dose": 1, "unit": "tablet", "route": "oral", "frequency": "tiw",
                       "duration": {"value": days, "unit": "d"}, "start": "2026-03-02"}],
           "tests": [{"test": t, "status": "ordered"} for t in ("cbc", "cmp", "urinalysis", "hbv", "hrct", "pft")]}
    return doc


def test_dates_in_a_message_are_no_amounts_an_earlier_end_is_not_covered(tmp_path):
    # "ends on 2026-05-20 ... runs until 2026-08-17" recorded; 7 days of co-trimoxazole ends on
    # 2026-03-09. Compared as numbers (2026, 3, 9 against 2026, 5, 20) no amount grew, so the shorter,
    # worse prophylaxis was covered (exit 0). The days between the dates grew: it is not.
    base = _record(tmp_path, _prophylaxis_doc(79))
    (entry,) = json.loads(base.read_text())["entries"]
    assert entry["code"] == "ILD301" and entry["amounts"][-1] == (date(2026, 8, 17) - date(2026, 5, 20)).days
    r, found = _check(tmp_path, _prophylaxis_doc(79), base)
    assert r.exit_code == 0 and _state(found, "ILD301") == "suppressed"
    r, found = _check(tmp_path, _prophylaxis_doc(7), base)
    assert r.exit_code == 1 and _state(found, "ILD301") == "active"
    r, found = _check(tmp_path, _prophylaxis_doc(120), base)  # longer: closer to the end it must reach
    assert r.exit_code == 0 and _state(found, "ILD301") == "suppressed"


def test_standard_input_is_keyed_by_document_id(tmp_path):
    # Every document piped in was the same "file": one patient's entry covered another's finding.
    fires = (EXAMPLES / "regimens" / "ILD301-fires.json").read_text()
    base = tmp_path / "stdin-base.json"
    assert run_cli("check", "-", "-q", "--write-baseline", str(base), input=fires).exit_code == 0
    (entry,) = [e for e in json.loads(base.read_text())["entries"] if e["code"] == "ILD301"]
    doc = json.loads(fires)
    assert entry["source"] == f"<stdin>#{doc['id']}"
    assert run_cli("check", "-", "-q", "--baseline", str(base), input=fires).exit_code == 0
    doc["id"] = "another-patient"
    assert run_cli("check", "-", "-q", "--baseline", str(base), input=json.dumps(doc)).exit_code == 1


def test_a_single_date_is_one_amount_so_a_later_result_is_not_covered():
    # ILD408's "pregnancy result of <date> is positive": with dates dropped it had no amount left,
    # so an entry for a November positive covered a new positive of February.
    from types import SimpleNamespace

    from orderlint.baseline import amounts_of, covers

    old = amounts_of(SimpleNamespace(message="the pregnancy result of 2025-11-27 is positive"))
    new = amounts_of(SimpleNamespace(message="the pregnancy result of 2026-02-27 is positive"))
    assert old == (float(date(2025, 11, 27).toordinal()),)
    assert not covers(old, new, "the pregnancy result of 2026-02-27 is positive")
    assert covers(old, old, "the pregnancy result of 2025-11-27 is positive")


def test_a_number_in_text_quoted_from_the_document_is_no_amount(tmp_path):
    # An entry of OL003 for frequency 'every 28 days' covered 'every 1 days' (1 <= 28): the number
    # is the document's words, not a measurement, and a frequency 28 times higher passed.
    def doc(freq):
        d = _mmf_doc(1000)
        d["orders"][0]["frequency"] = freq
        return d

    base = _record(tmp_path, doc("every 28 days"))
    entries = json.loads(base.read_text())["entries"]
    ol003 = [e for e in entries if e["code"] == "OL003"]
    assert ol003 and "'every 28 days'" in ol003[0]["message"]
    r, found = _check(tmp_path, doc("every 28 days"), base)
    assert r.exit_code == 0 and _state(found, "OL003") == "suppressed"
    r, found = _check(tmp_path, doc("every 1 days"), base)
    assert r.exit_code == 1 and _state(found, "OL003") == "active"


def test_an_apostrophe_opens_no_quote():
    # "the patient's ... 'every 28 days'": the apostrophe paired with the next quote, and the
    # document's 28 counted as an amount again (covered by 'every 1 days').
    from orderlint.baseline import amounts_of, shape_of
    from orderlint.findings import Finding

    def f(freq):
        return Finding("OL003", "unverifiable-dose", "warning", f"the patient's order frequency {freq!r} is unknown; 5 mg",
                       None, "/orders/0", 1, 1, "", None, None)

    assert shape_of(f("every 28 days")) != shape_of(f("every 1 days"))
    assert amounts_of(f("every 28 days")) == (5.0,)


def test_writing_a_baseline_of_recordable_findings_exits_0(tmp_path):
    base = tmp_path / "b.json"
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD301-fires.json"), "--write-baseline", str(base))
    assert r.exit_code == 0 and "cannot be recorded" not in r.stderr
    assert run_cli("check", str(EXAMPLES / "regimens" / "ILD301-fires.json"), "--write-baseline", str(base),
                   "--exit-zero").exit_code == 0


def test_a_baseline_that_cannot_be_written_is_one_line_and_exit_2(tmp_path):
    # It was "internal error: PermissionError ..." with the hint to set ORDERLINT_DEBUG.
    import os

    target = tmp_path / "gone" / "b.json"
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD202-fires.json"), "--write-baseline", str(target))
    assert r.exit_code == 2 and f"cannot write {target}: No such file or directory" in r.stderr, r.stderr
    assert "internal error" not in r.stderr
    if os.path.exists("/dev/full"):
        r = run_cli("check", str(EXAMPLES / "regimens" / "ILD202-fires.json"), "--write-baseline", "/dev/full")
        assert r.exit_code == 2 and "cannot write /dev/full: No space left on device" in r.stderr, r.stderr


def test_a_baseline_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    # Written in place, a write that failed half-way left a baseline cut short.
    import json as _json

    import orderlint.baseline as baseline

    base = tmp_path / "b.json"
    assert run_cli("check", str(EXAMPLES / "regimens" / "ILD202-fires.json"), "--write-baseline", str(base)).exit_code == 0
    before = base.read_bytes()

    def fail(*a, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(baseline.os, "replace", lambda *a: fail())
    r = run_cli("check", str(EXAMPLES / "regimens" / "ILD301-fires.json"), "--write-baseline", str(base))
    assert r.exit_code == 2 and "No space left on device" in r.stderr
    assert base.read_bytes() == before and _json.loads(before)
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]  # no temporary file left


def test_an_entry_names_the_file_read_not_the_path_written(tmp_path, monkeypatch):
    # As text, `repo/link/../a.json` named repo/a.json while the file read was other/a.json, beside
    # the link's target: repo/a.json's entry covered the other file's findings.
    import os

    doc = (EXAMPLES / "regimens" / "ILD301-fires.json").read_text()
    (tmp_path / "repo").mkdir()
    (tmp_path / "other" / "sub").mkdir(parents=True)
    (tmp_path / "repo" / "a.json").write_text(doc)
    (tmp_path / "other" / "a.json").write_text(doc)
    os.symlink(tmp_path / "other" / "sub", tmp_path / "repo" / "link")
    base = tmp_path / "repo" / "base.json"
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", "repo/a.json", "--write-baseline", str(base)).exit_code == 0
    assert run_cli("check", "repo/a.json", "--baseline", str(base)).exit_code == 0
    r = run_cli("check", "repo/link/../a.json", "--baseline", str(base))
    assert r.exit_code == 1 and "ILD301" in r.stdout, r.stdout + r.stderr


def _rituximab_doc(frequency):
    doc = json.loads((EXAMPLES / "regimens" / "ILD501-fires.json").read_text())
    doc["orders"][0].update(drug="rituximab", dose=1500, unit="mg", route="iv", frequency=frequency, doses=2)
    return doc


@pytest.mark.parametrize("more_often", [
    {"frequency": 4, "period": 1, "period_unit": "d"},
    {"frequency": 1, "period": 1, "period_unit": "wk"},
])
def test_baseline_of_a_structured_frequency_does_not_cover_a_more_frequent_one(tmp_path, more_often):
    # The message said '(structured frequency)' whatever it was: an entry of rituximab 1500 mg every
    # 2 weeks covered the same order 4 times a day (6 g a day).
    every_2_weeks = {"frequency": 1, "period": 2, "period_unit": "wk"}
    base = _record(tmp_path, _rituximab_doc(every_2_weeks))
    r, found = _check(tmp_path, _rituximab_doc(every_2_weeks), base)
    assert r.exit_code == 0 and _state(found, "ILD501") == "suppressed"
    r, found = _check(tmp_path, _rituximab_doc(more_often), base)
    assert r.exit_code == 1 and _state(found, "ILD501") == "active"
    r, found = _check(tmp_path, _rituximab_doc({"frequency": 1, "period": 4, "period_unit": "wk"}), base)
    assert _state(found, "ILD501") == "suppressed"  # less often: covered
