"""The per-document fast paths (issue 15 item 2) give the answers of the plain computations."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from orderlint.config import Settings
from orderlint.engine import Linter
from regimen_factory import clean_patient, order


def _doc(*orders: dict, **kw: Any) -> dict:
    return clean_patient(*orders, **kw)


def _order(drug: str, route: str = "oral", status: str = "new") -> dict:
    return order(drug, 500, "mg", route, "bid", status=status, purpose="ild")


def test_rules_to_run_are_those_whose_triggers_meet_the_active_tags() -> None:
    linter = Linter()
    for tags in ({None, "mycophenolate", "immunosuppressant"}, {None}, {None, "azathioprine", "immunosuppressant"}):
        todo = linter._todo_for("ssc-ild", dict.fromkeys(tags).keys())
        plain = [(r, o) for r, trig, o in linter._dispatch_for("ssc-ild") if trig is None or not set(tags).isdisjoint(trig)]
        assert todo == plain
        # the second document with the same tags gets the same table
        assert linter._todo_for("ssc-ild", dict.fromkeys(tags).keys()) is todo


def test_the_table_of_rules_to_run_is_bounded(monkeypatch) -> None:
    import orderlint.engine as engine

    monkeypatch.setattr(engine, "_TODO_CACHE_MAX", 2)
    linter = Linter()
    for i in range(5):
        linter._todo_for("ssc-ild", {None: 0, f"x{i}": 0}.keys())
    assert len(linter._todo) <= 2


def test_timing_does_not_call_signal_getsignal_per_document(monkeypatch) -> None:
    # signal.getsignal builds an enum member on every call; the engine reads the raw handler.
    def refuse(*a: object) -> object:
        raise AssertionError("signal.getsignal called on the per-document path")

    linter = Linter()
    monkeypatch.setattr(signal, "getsignal", refuse)
    result = linter.lint_data(_doc(_order("mycophenolate mofetil")))
    assert result.status == "checked"
    assert [f.code for f in result.findings if f.code == "OL000"] == []


def test_a_replaced_alarm_handler_is_put_back_before_the_checks_run() -> None:
    linter = Linter()
    previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        linter.lint_data(_doc(_order("mycophenolate mofetil")))
        from orderlint.engine import _on_alarm

        assert signal.getsignal(signal.SIGALRM) is _on_alarm
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_the_library_never_freezes_the_heap_the_command_line_does_once() -> None:
    # gc.freeze() is process-wide: an embedding program's objects of the moment would be pinned.
    code = (
        "import gc\n"
        "from orderlint.engine import Linter\n"
        "Linter(); Linter()\n"
        "assert gc.get_freeze_count() == 0, 'the library froze the heap'\n"
        "from click.testing import CliRunner\n"
        "from orderlint.cli import cli\n"
        "CliRunner().invoke(cli, ['check', '--quiet', 'examples/regimens/ILD202-fires.json'])\n"
        "n = gc.get_freeze_count()\n"
        "assert n > 0, 'the command line did not freeze the heap'\n"
        "CliRunner().invoke(cli, ['check', '--quiet', 'examples/regimens/ILD202-fires.json'])\n"
        "assert gc.get_freeze_count() <= n, 'frozen again'  # frozen objects that die leave the count\n"
    )
    from pathlib import Path

    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=120,
                   cwd=Path(__file__).resolve().parents[1])


def test_active_and_new_orders_by_tag_match_a_plain_filter() -> None:
    linter = Linter(Settings())
    from orderlint.normalize import normalize
    from orderlint.validate import validate

    doc = _doc(
        _order("mycophenolate mofetil"),
        _order("azathioprine", status="active"),
        _order("tacrolimus", route="topical"),
        _order("prednisone", status="stopped"),
        _order("not-a-drug"),
    )
    regimen, problems = validate(doc, linter.vocab)
    assert regimen is not None, problems
    reg, _ = normalize(regimen, linter.vocab, as_of=linter._as_of, lookback_days=linter._lookback, plan=linter._plan)
    known = [o for o in reg.orders if o.drug is not None]
    for cls in (None, "mycophenolate", "azathioprine", "immunosuppressant", "calcineurin-inhibitor", "prednisone"):
        assert reg.active(cls) == tuple(o for o in known if o.active and (cls is None or o.is_a(cls)))
        assert reg.new(cls) == tuple(o for o in known if o.new and (cls is None or o.is_a(cls)))
    assert set(reg.active_tags()) == {None} | {t for o in known if o.active for t in o.tags}
    # normalize() fills the tables while it walks the orders; a Regimen built otherwise builds them
    # on first use, and both agree
    import dataclasses

    assert "a" in reg._memo and "n" in reg._memo
    fresh = dataclasses.replace(reg, _memo={}, _counts={})
    assert fresh._by_tag("a") == reg._by_tag("a") and fresh._by_tag("n") == reg._by_tag("n")
    assert reg.missing_tests(["cbc", "lft", "cbc"]) == [n for n in ["cbc", "lft", "cbc"] if not reg.test_counts(n)]


def test_required_tests_follow_each_linters_own_table_and_the_route() -> None:
    from orderlint.config import Settings

    default = Linter()
    # Replacing an entry's tests takes <option>-remove (a site's table adds to the default).
    site = Linter(Settings(rules={"ILD401": {"required-remove": ["mycophenolate"], "required": {"mycophenolate": ["renal"]}}}))
    mmf_doc = _doc(_order("mycophenolate mofetil"), tests=[])
    for _ in range(2):  # the second pass reads the cached tables
        d = [f.message for f in default.lint_data(mmf_doc).findings if f.code == "ILD401"]
        s = [f.message for f in site.lint_data(mmf_doc).findings if f.code == "ILD401"]
        assert d and "cbc, lft" in d[0]
        assert s and s[0].endswith("without baseline renal")
    # topical tacrolimus is no calcineurin inhibitor: no renal baseline, cached or not
    for _ in range(2):
        topical = default.lint_data(_doc(_order("tacrolimus", route="topical"), tests=[]))
        assert not [f for f in topical.findings if f.code == "ILD401"]
        oral = default.lint_data(_doc(_order("tacrolimus"), tests=[]))
        assert [f for f in oral.findings if f.code == "ILD401" and "renal" in f.message]


def test_linting_a_document_runs_no_import_statement_once_warm() -> None:
    # An import statement on the per-document path costs about a microsecond a document.
    import builtins

    linter = Linter()
    doc = _doc(_order("mycophenolate mofetil"))
    linter.lint_data(doc)  # warm: the stages are imported on first use
    real = builtins.__import__
    seen: list[str] = []

    def counting(name: str, *a: object, **kw: object) -> object:
        seen.append(name)
        return real(name, *a, **kw)  # type: ignore[arg-type]

    builtins.__import__ = counting  # type: ignore[assignment]
    try:
        result = linter.lint_data(doc)
    finally:
        builtins.__import__ = real
    assert result.status == "checked"
    assert seen == []


def test_bare_mycophenolate_and_drugs_without_limits_get_no_dose_finding() -> None:
    linter = Linter()
    bare = linter.lint_data(_doc(order("mycophenolate", 1000, "mg", "oral", "bid", purpose="ild")))
    codes = [f.code for f in bare.findings]
    assert "ILD501" not in codes and "OL003" in codes  # MMF and MPA limits differ: not verifiable
    # Above the larger of the two maxima it is too much whichever form is meant (clinical-facts.md
    # section 6): ILD501 beside the OL003.
    bare_high = linter.lint_data(_doc(order("mycophenolate", 5000, "mg", "oral", "bid", purpose="ild")))
    assert [f.code for f in bare_high.findings if f.code in ("ILD501", "OL003")] == ["OL003", "ILD501"]
    mmf_high = linter.lint_data(_doc(order("mycophenolate mofetil", 5000, "mg", "oral", "bid", purpose="ild")))
    assert [f.code for f in mmf_high.findings if f.code == "ILD501"] == ["ILD501"]
    topical = linter.lint_data(_doc(order("mycophenolate mofetil", 5000, "mg", "topical", "bid", purpose="ild")))
    assert "ILD501" not in [f.code for f in topical.findings]
