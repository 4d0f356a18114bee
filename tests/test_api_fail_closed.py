"""The Python API never gives a result the command line would not: an evaluation date given with a
Linter is refused (it was dropped), a Bulk Data export (its folder or one of its files) is one
regimen per patient, FHIR given as Python data is held to JSON's values, a file's content decides
its format when its suffix does not, and concurrent calls leave the program's stdout as it was.

Contract: interfaces.md, Python API ("It never writes to stdout and never exits the process"), and
fhir.md section 3 (OL001: invalid JSON, NaN included)."""

from __future__ import annotations

import copy
import io
import json
import shutil
import sys
import threading
from decimal import Decimal

import pytest

import orderlint
from conftest import EXAMPLES, one_rule_pack
from orderlint.config import ConfigError, Settings
from orderlint.engine import Linter
from orderlint.rules import Hit
from regimen_factory import clean_patient, mmf, test_item

BULK = EXAMPLES / "fhir" / "bulk"
BUNDLE = EXAMPLES / "fhir" / "ILD202-fires.bundle.json"


def _codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


# --------------------------------------------------------------------------- linter with as_of / config
def test_as_of_with_a_linter_is_refused_not_dropped():
    # Dropped, the tests dated 2026-11-25 counted as recent on a document meant for 2027-06-01.
    doc = clean_patient(mmf(), as_of=None, tests=[test_item(n, date="2026-11-25") for n in ("cbc", "lft", "hbv")])
    assert "ILD401" in _codes(orderlint.lint(doc, as_of="2027-06-01"))
    with pytest.raises(ValueError, match="as_of cannot be given with linter="):
        orderlint.lint(doc, as_of="2027-06-01", linter=Linter(Settings()))
    with pytest.raises(ValueError, match="config cannot be given with linter="):
        orderlint.lint_all(doc, config={"ignore": ["ILD401"]}, linter=Linter(Settings()))
    # The Linter built with the date gives what lint(as_of=) gives.
    settings = Settings()
    settings.as_of = orderlint.config.parse_as_of("2027-06-01")
    assert _codes(orderlint.lint(doc, linter=Linter(settings))) == _codes(orderlint.lint(doc, as_of="2027-06-01"))


@pytest.mark.parametrize("call", [orderlint.lint, orderlint.lint_all, lambda d, **kw: orderlint.lint_many([d], **kw)])
def test_as_of_with_a_settings_object_leaves_the_object_as_it_was(call):
    # The caller's Settings took this call's date: every later call with it judged six-year-old
    # results as of 2020, and ILD401 passed.
    doc = clean_patient(mmf(), as_of=None, tests=[test_item(n, date="2020-01-05") for n in ("cbc", "lft", "hbv")])
    site = Settings()
    call(doc, config=site, as_of="2020-01-10")
    assert site.as_of is None
    assert "ILD401" in _codes(orderlint.lint(doc, config=site))
    assert "ILD401" not in _codes(orderlint.lint(doc, config=site, as_of="2020-01-10"))


@pytest.mark.parametrize("call, kind, fragment", [
    (lambda: orderlint.lint({}, linter="x"), TypeError, "linter must be an orderlint.Linter"),
    (lambda: orderlint.lint({}, config={1: 2}), ConfigError, "key 1 is not a name"),
    (lambda: orderlint.lint({}, config=42), ConfigError, "config must be a Settings"),
    (lambda: orderlint.lint_many(None), TypeError, "documents must be an iterable"),
    (lambda: orderlint.lint_many({"id": "x"}), TypeError, "documents must be an iterable"),
])
def test_a_wrong_argument_is_a_clear_error(call, kind, fragment):
    with pytest.raises(kind, match=fragment):
        call()


# --------------------------------------------------------------------------- Bulk Data exports
def _cli_view(results) -> list[tuple[str, list[str]]]:
    return sorted((r.status, _codes(r)) for r in results)


@pytest.mark.parametrize("name", [None, "Patient.ndjson", "MedicationRequest.ndjson"])
def test_a_bulk_export_or_one_of_its_files_is_linted_as_the_export(name, tmp_path):
    # One of its files was read line by line: the patient's orders in another file were left out
    # (a Patient line alone: not applicable, exit 0 where the command line gives ILD301).
    folder = tmp_path / "export"
    shutil.copytree(BULK, folder)
    target = folder if name is None else folder / name
    got = orderlint.lint_all(target, as_of="2026-03-02")
    assert _cli_view(got) == _cli_view(orderlint.lint_all(folder, as_of="2026-03-02"))
    assert ("checked", ["ILD301"]) in _cli_view(got)


def test_an_ndjson_file_outside_any_export_is_still_read_line_by_line(tmp_path):
    lines = tmp_path / "stream.jsonl"
    doc = json.loads((EXAMPLES / "regimens" / "ILD202-fires.json").read_text())
    lines.write_text(json.dumps(doc) + "\n" + json.dumps(doc) + "\n")
    assert [_codes(r) for r in orderlint.lint_all(lines)] == [["ILD202"], ["ILD202"]]


# --------------------------------------------------------------------------- FHIR as Python data
def test_fhir_data_with_decimal_numbers_is_read_as_json_numbers():
    text = BUNDLE.read_text()
    assert "ILD202" in _codes(orderlint.lint(text))
    # A database driver's Decimal: the dose was no number, and ILD202 became an OL003 warning.
    assert _codes(orderlint.lint(json.loads(text, parse_float=Decimal, parse_int=Decimal))) == _codes(orderlint.lint(text))


@pytest.mark.parametrize("spoil, pointer", [
    (lambda b: b["entry"].__setitem__(slice(None), tuple(b["entry"])), None),
    (lambda b: b.__setitem__("entry", tuple(b["entry"])), "/entry"),
    (lambda b: b.__setitem__("x", float("nan")), "/x"),
    (lambda b: b.__setitem__("x", Decimal("Infinity")), "/x"),
    (lambda b: b.__setitem__("x", {1: "a"}), "/x"),
    (lambda b: b.__setitem__("x", {"a": object()}), "/x/a"),
])
def test_fhir_data_json_cannot_hold_is_ol001(spoil, pointer):
    bundle = json.loads(BUNDLE.read_text())
    spoil(bundle)
    if pointer is None:  # a list stays a list: no problem
        assert "ILD202" in _codes(orderlint.lint(bundle))
        return
    result = orderlint.lint(bundle)
    assert result.status == "invalid" and _codes(result) == ["OL001"]
    assert result.findings[0].pointer == pointer and "not a JSON value" in result.findings[0].message


def test_fhir_data_with_dates_as_a_yaml_loader_makes_them_is_read_as_their_text():
    import datetime as dt

    bundle = json.loads(BUNDLE.read_text())
    want = _codes(orderlint.lint(bundle))
    changed = 0
    for e in bundle["entry"]:
        r = e["resource"]
        if isinstance(r.get("authoredOn"), str):
            r["authoredOn"] = dt.date.fromisoformat(r["authoredOn"])
            changed += 1
    assert changed and _codes(orderlint.lint(bundle)) == want and "OL001" not in want


def test_fhir_data_is_not_changed_by_the_reading():
    bundle = json.loads(BUNDLE.read_text(), parse_float=Decimal)
    before = copy.deepcopy(bundle)
    orderlint.lint(bundle)
    assert bundle == before


# --------------------------------------------------------------------------- file formats
@pytest.mark.parametrize("suffix", [".txt", ""])
def test_a_file_with_an_unknown_suffix_is_read_by_its_content(tmp_path, suffix):
    source = EXAMPLES / "regimens" / "ILD203-fires.yaml"
    path = tmp_path / f"regimen{suffix}"
    path.write_bytes(source.read_bytes())
    assert _codes(orderlint.lint(path)) == _codes(orderlint.lint(source)) and "ILD203" in _codes(orderlint.lint(path))


# --------------------------------------------------------------------------- stdout
def test_concurrent_calls_leave_stdout_as_it_was_and_keep_plugin_output_off_it(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stdout", captured)

    def noisy(reg, opts):
        print("from a plugin check")
        yield from ()

    linter = Linter(plugins=[one_rule_pack(noisy, name="noisy-check", severity="info")])
    doc = clean_patient(mmf())
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(100):
                orderlint.lint(doc, linter=linter)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sys.stdout is captured, "after overlapping calls, stdout still pointed elsewhere"
    print("host line")
    assert captured.getvalue() == "host line\n", "a plugin's print reached the program's stdout"


def test_a_call_does_not_take_another_threads_output():
    # Another thread of the program printing while a call runs writes to the program's stdout.
    started, done = threading.Event(), threading.Event()
    captured = io.StringIO()
    original = sys.stdout
    sys.stdout = captured
    try:
        def slow(reg, opts):
            started.set()
            done.wait(10)
            yield Hit("slow", "/orders/0", 0)

        linter = Linter(plugins=[one_rule_pack(slow, code="AAA002", name="slow-check", severity="info")])
        t = threading.Thread(target=lambda: orderlint.lint(clean_patient(mmf()), linter=linter))
        t.start()
        assert started.wait(10)
        print("program output")
        done.set()
        t.join(10)
    finally:
        sys.stdout = original
    assert captured.getvalue() == "program output\n"


def test_the_default_linter_judges_each_call_as_of_that_day(monkeypatch):
    # The process's default Linter kept the date of its first call: a waiver that expired since still
    # waived in a long-running program.
    import datetime as real_dt

    import orderlint
    import orderlint.api as api

    class Day(real_dt.date):
        today_is = real_dt.date(2026, 5, 1)

        @classmethod
        def today(cls):
            return cls.today_is

    doc = {"id": "w", "kind": "patient", "as_of": "2026-03-02", "indication": {"condition": "ssc-ild"},
           "patient": {"sex": "male", "age_years": 50, "weight_kg": 70, "height_cm": 175},
           "orders": [{"id": "mmf", "drug": "mycophenolate mofetil", "dose": 2000, "unit": "mg", "route": "oral", "frequency": "bid"}],
           "waivers": [{"rule": "ILD501", "order": "mmf", "reason": "Documented tolerance at this dose, MDT",
                        "approved_by": "Dr A", "expires": "2026-06-01"}]}
    fake = type("dt", (), {"date": Day, "datetime": real_dt.datetime, "timedelta": real_dt.timedelta})
    monkeypatch.setattr(api, "_dt", fake)
    import orderlint.engine as engine

    monkeypatch.setattr(engine, "_dt", fake)  # a waiver expires by today's date too (Linter.today)
    api._default_linter.cache_clear()
    waived = [f for f in orderlint.lint(doc).findings if f.code == "ILD501"]
    assert waived and waived[0].suppressed is not None
    Day.today_is = real_dt.date(2026, 7, 1)
    after = orderlint.lint(doc)
    assert [f.suppressed for f in after.findings if f.code == "ILD501"] == [None]
    assert any(f.code == "OL005" and "expired" in f.message for f in after.findings)
    api._default_linter.cache_clear()


def test_fhir_data_that_holds_itself_is_ol001_not_a_hang():
    # Copied without end while memory grew: lint() never returned.
    d = {"resourceType": "Bundle", "type": "collection", "entry": []}
    d["entry"].append({"resource": d})
    r = orderlint.lint(d)
    assert r.status == "invalid" and [f.code for f in r.findings] == ["OL001"]
    assert "holds itself" in r.findings[0].message and r.findings[0].pointer == "/entry/0/resource"


def test_fhir_data_nested_past_the_readers_limit_is_ol001():
    deep: dict = {"resourceType": "Basic"}
    node = deep
    for _ in range(70):
        node["extension"] = [{"url": "u"}]
        node = node["extension"][0]
    r = orderlint.lint(deep)
    assert r.status == "invalid" and "nested deeper than 64 levels" in r.findings[0].message


def test_fhir_data_sharing_one_object_twice_is_read():
    route = {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]}
    b = json.loads(BUNDLE.read_text(encoding="utf-8"))
    for e in b["entry"]:
        for di in e["resource"].get("dosageInstruction", []):
            di["route"] = route  # one object in several places: no cycle
    assert _codes(orderlint.lint(b)) == _codes(orderlint.lint(json.loads(json.dumps(b))))


def test_without_config_the_api_uses_the_built_in_settings_and_build_settings_finds_the_sites(tmp_path, monkeypatch):
    # A site's stricter look-back window (.orderlint.toml) applies to the API only when asked for:
    # config=None never depends on the working folder; build_settings() discovers as the CLI does.
    from conftest import run_cli
    from orderlint.config import build_settings

    monkeypatch.delenv("ORDERLINT_NO_CONFIG", raising=False)
    (tmp_path / ".orderlint.toml").write_text("[lookback-days]\nhbv = 30\n")
    doc = clean_patient({"id": "rtx", "drug": "rituximab", "dose": 1000, "unit": "mg", "route": "iv", "frequency": "once"},
                        tests=[test_item("cbc"), test_item("hrct"), test_item("pft"),
                               {"test": "hbv", "status": "resulted", "date": "2026-01-01", "result": "negative"}])
    path = tmp_path / "rtx.json"
    path.write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)
    assert "ILD402" not in [f.code for f in orderlint.lint(path).findings]
    assert "ILD402" in [f.code for f in orderlint.lint(path, config=build_settings()).findings]
    assert "ILD402" in run_cli("check", str(path)).stdout
