"""Waivers, second edition (regimen-format.md "waivers[]" and "Changes in this edition"; issue 10
item 13): a malformed `expires` is OL005 not OL001, reasons and approvers count visible characters
only, `order` names exactly one order, OL002/OL003 only per order, text stored as written."""

from __future__ import annotations

import pytest

from orderlint.waivers import visible_length
from regimen_factory import clean_patient, lint, mmf, of, only, order, with_waiver, none_of


def ild102_doc():
    """Active MMF with new nintedanib and no documented progression: ILD102 fires on order 'nin'."""
    return clean_patient(mmf(1500, status="active"), order("Ofev", 150, "mg", "oral", "bid", id="nin"))


def _ol005(result):
    [f] = only(result, "OL005")
    assert f.severity == "error" and "suppresses nothing" in f.message
    return f


# --------------------------------------------------------------- expires


@pytest.mark.parametrize("value", ["2026-02-30", "next year", "2026-3-1", "", "03/01/2027", "2027-01-01T00:00", "２０２７-０１-０１"])
def test_malformed_expires_is_ol005_on_the_waiver_not_an_invalid_document(value):
    # regimen-format.md 2nd ed., waivers: "a value that is not a calendar date makes the waiver
    # invalid (OL005), not the document".
    result = lint(with_waiver(ild102_doc(), "ILD102", expires=value))
    f = _ol005(result)
    assert f.pointer == "/waivers/0/expires" and "not a calendar date" in f.message and repr(value) in f.message
    [target] = only(result, "ILD102")
    assert target.suppressed is None, "an invalid waiver suppresses nothing"


def test_a_calendar_expires_date_still_applies_until_it_passes():
    assert of(lint(with_waiver(ild102_doc(), "ILD102", expires="2027-01-01")), "ILD102")[0].suppressed is not None
    f = _ol005(lint(with_waiver(ild102_doc(), "ILD102", expires="2026-03-01")))
    assert "expired on 2026-03-01" in f.message


def test_one_malformed_waiver_leaves_the_others_working():
    doc = with_waiver(ild102_doc(), "ILD102", expires="soon")
    doc = with_waiver(doc, "ILD102", reason="combination agreed at the ILD MDT")
    result = lint(doc)
    assert _ol005(result).pointer == "/waivers/0/expires"
    assert of(result, "ILD102")[0].suppressed.waiver == 1


# --------------------------------------------------------------- visible characters


@pytest.mark.parametrize("reason", [
    "\u200b" * 10,                      # zero-width spaces (Cf)
    "\u200b" * 20 + "ok",               # two visible characters
    " \u00a0\u2003\u3000" * 5,          # spaces of every width (Zs)
    "\u202e\u202d\u2066\u2069" * 5,     # bidirectional controls (Cf)
    "\t\n\r\x0b\x0c" * 4,               # controls (Cc)
    "\u0301\u0308\u20dd" * 5,           # combining marks with no base (Mn/Me)
    "\u3164\u115f\u1160\uffa0\u2800" * 3,  # letters and symbols that print blank
    "\ufe0f\U000e0041" * 10,            # variation selector, tag character
    "\ue000" * 10,                      # private use
    "abc\u200bdef\u200bghi",            # nine visible characters
])
def test_reason_counts_visible_characters_only(reason):
    # issue 10 item 13 / regimen-format.md waivers: "`reason` ... >= 10 characters"; ten U+200B are no reason.
    result = lint(with_waiver(ild102_doc(), "ILD102", reason=reason))
    f = _ol005(result)
    assert "10 visible characters" in f.message and f.pointer == "/waivers/0/reason"
    assert of(result, "ILD102")[0].suppressed is None


@pytest.mark.parametrize("approver", ["\u200b", " ", "\u2060\ufeff", "\u202e", "\u3164", "\u0301", ""])
def test_approver_needs_a_visible_character(approver):
    result = lint(with_waiver(ild102_doc(), "ILD102", approved_by=approver))
    f = _ol005(result)
    assert "approved_by" in f.message and f.pointer == "/waivers/0/approved_by"
    assert of(result, "ILD102")[0].suppressed is None


@pytest.mark.parametrize("reason", [
    "0123456789",
    "多職種会議で合意済みです",          # CJK: every character visible
    "e\u0301" * 10,                      # decomposed accents: ten letters
    "MDT ok! \u2705\u2705\u2705\u2705",  # symbols count
])
def test_visible_reasons_of_ten_characters_are_valid(reason):
    result = lint(with_waiver(ild102_doc(), "ILD102", reason=reason, approved_by="\u5c71\u7530"))
    none_of(result, "OL005")
    assert of(result, "ILD102")[0].suppressed is not None


def test_visible_length():
    assert visible_length("Dr. Lee") == 6
    assert visible_length("\u200b" * 10) == 0
    assert visible_length("a\u0301") == 1


# --------------------------------------------------------------- text as written


def test_suppression_keeps_reason_and_approver_as_written():
    # Escaping for display belongs to the report formats; the stored suppression is the document's text.
    reason = "agreed at MDT \u202eevil\u202c, see note "
    approver = " Dr. \u2067Lee\u2069"
    result = lint(with_waiver(ild102_doc(), "ILD102", reason=reason, approved_by=approver))
    s = of(result, "ILD102")[0].suppressed
    assert (s.reason, s.approved_by) == (reason, approver)


@pytest.mark.parametrize("kw", [{"rule": "ILD1\u202e02"}, {"order": "nin\u202e"}, {"rule": "\u2066ILD999"}])
def test_waiver_messages_never_carry_bidirectional_controls_raw(kw):
    kw = dict(kw)
    rule = kw.pop("rule", "ILD102")
    f = _ol005(lint(with_waiver(ild102_doc(), rule, **kw)))
    assert not any(c in f.message for c in "\u202e\u2066"), f.message
    assert "\\u202e" in f.message or "\\u2066" in f.message


# --------------------------------------------------------------- order: ids and indices never collide


def _two_overdoses():
    """Order 0 has id "1" (rituximab over the single-dose limit); order 1 has no id (MMF over the daily limit),
    so both are reported with order "1"."""
    return clean_patient(
        order("rituximab", 1001, "mg", "iv", "q2w", id="1", doses=2),
        order("CellCept", 2000, "mg", "oral", "bid"),
    )


def test_fixture_two_findings_share_the_order_text():
    found = only(lint(_two_overdoses()), "ILD501", 2)
    assert sorted(f.order for f in found) == ["1", "1"]
    assert sorted(f.pointer.split("/")[2] for f in found) == ["0", "1"]


def test_waiver_order_names_the_order_with_that_id_not_the_order_at_that_index():
    # issue 10 item 13: `order: "1"` matched both the order with id 1 and the id-less order at index 1.
    result = lint(with_waiver(_two_overdoses(), "ILD501", order="1", reason="1000 mg plus rounding to vial size"))
    by_index = {int(f.pointer.split("/")[2]): f for f in only(result, "ILD501", 2)}
    assert by_index[0].suppressed is not None
    assert by_index[1].suppressed is None, "the id-less order at index 1 was not waived"
    none_of(result, "OL005")


def test_a_waiver_naming_an_order_without_id_by_its_position_is_ol005_and_suppresses_nothing():
    # regimen-format.md: `order` is an order id, "so a waiver never covers an order it was not
    # written for". A position moved with every edit: a waiver written for order 1 came to cover
    # whatever order an edit put there.
    doc = clean_patient(
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
        order("CellCept", 2000, "mg", "oral", "bid"),
    )
    result = lint(with_waiver(doc, "ILD501", order="1", reason="documented high-dose protocol"))
    assert all(f.suppressed is None for f in only(result, "ILD501", 2))
    f = _ol005(result)
    assert f.pointer == "/waivers/0/order" and "by its position" in f.message and "give order 1 an `id`" in f.message
    # Named by an id, the same order's finding is waived.
    doc["orders"][1]["id"] = "mmf"
    result = lint(with_waiver(doc, "ILD501", order="mmf", reason="documented high-dose protocol"))
    by_order = {f.order: f for f in only(result, "ILD501", 2)}
    assert by_order["mmf"].suppressed is not None and by_order["rtx"].suppressed is None
    none_of(result, "OL005")


@pytest.mark.parametrize("ref, why", [("0", "name it by its id"), ("01", "unknown order"), ("7", "unknown order"),
                                      (" 1", "unknown order"), ("١", "unknown order")])
def test_index_reference_is_only_for_an_order_without_id(ref, why):
    doc = clean_patient(
        order("rituximab", 1001, "mg", "iv", "q2w", id="rtx", doses=2),
        order("CellCept", 2000, "mg", "oral", "bid"),
    )
    result = lint(with_waiver(doc, "ILD501", order=ref, reason="documented high-dose protocol"))
    f = _ol005(result)
    assert f.pointer == "/waivers/0/order" and why in f.message
    assert all(g.suppressed is None for g in only(result, "ILD501", 2))


# --------------------------------------------------------------- OL002 and OL003 only per order


@pytest.mark.parametrize("rule", ["OL002", "OL003", "unknown-drug", "ol003"])
def test_ol002_and_ol003_waived_without_order_are_ol005(rule):
    # issue 10 item 13: waived document-wide they would hide every future unknown drug or unverifiable dose.
    doc = clean_patient(mmf(), order("zorbiquatide", 5, "mg", "oral", "daily", id="zz"),
                        order("mycophenolate mofetil", 2, "tablet", "oral", "bid", id="tabs"))
    result = lint(with_waiver(doc, rule, reason="site formulary item, reviewed"))
    f = _ol005(result)
    assert "only per order" in f.message and f.pointer == "/waivers/0/rule"
    for code in ("OL002", "OL003"):
        assert all(g.suppressed is None for g in of(result, code))


def test_ol002_waived_for_its_order_is_suppressed():
    doc = clean_patient(mmf(), order("zorbiquatide", 5, "mg", "oral", "daily", id="zz"),
                        order("quorvantix", 5, "mg", "oral", "daily", id="qq"))
    result = lint(with_waiver(doc, "OL002", order="zz", reason="site formulary item, reviewed"))
    found = {f.order: f for f in of(result, "OL002")}
    assert found["zz"].suppressed is not None and found["qq"].suppressed is None
    none_of(result, "OL005")


def test_a_site_severity_of_error_for_ol002_keeps_co_medications_waivable():
    # [severity] OL002 = "error": the site's severity was read as the misspelt-checked-drug tier, so
    # every unknown co-medication became unwaivable (OL005) and could not be baselined.
    from orderlint.baseline import _unchecked as never_in_baseline

    doc = clean_patient(mmf(), order("zorbiquatide", 5, "mg", "oral", "daily", id="zz"),
                        order("rituxmab inf", 1000, "mg", "iv", "once", id="rtx"))
    result = lint(with_waiver(with_waiver(doc, "OL002", order="zz", reason="site formulary item, reviewed"),
                              "OL002", order="rtx", reason="site formulary item, reviewed"),
                  config={"severity": {"OL002": "error"}})
    found = {f.order: f for f in of(result, "OL002")}
    assert found["zz"].severity == "error" and found["zz"].suppressed is not None
    assert not never_in_baseline(found["zz"])
    # The misspelt rituximab stays its tier: not waived, never in a baseline.
    assert found["rtx"].severity == "error" and found["rtx"].suppressed is None and never_in_baseline(found["rtx"])
    [f] = only(result, "OL005")
    assert "order 'rtx'" in f.message and "cannot be waived" in f.message


# --------------------------------------------------------------- a total over several orders
# regimen-format.md: "because ids are unique, a waiver never covers an order it was not written
# for". A total (ILD202's daily dose, ILD302's) is reported at its largest order; a waiver of that
# order alone covered the others' share.


def _two_long_steroids():
    """Prednisone 15 mg + methylprednisolone 8 mg (10 mg PE) daily for 8 weeks, no prophylaxis:
    ILD302's total (25 mg PE) is reported at the prednisone order 'p'."""
    course = {"duration": {"value": 8, "unit": "wk"}, "purpose": "other"}
    return clean_patient(order("prednisone", 15, id="p", **course), order("methylprednisolone", 8, id="m", **course))


def test_a_waiver_of_the_largest_order_of_a_total_does_not_cover_the_others():
    result = lint(with_waiver(_two_long_steroids(), "ILD302", order="p"))
    [f] = only(result, "ILD302")
    assert f.order == "p" and f.suppressed is None
    [unused] = only(result, "OL006")
    assert unused.message.endswith("its ILD302 finding is a total that also involves order 'm', which no waiver of ILD302 "
                                   "names (waive each order of the total, or the rule for the document)")


def test_waivers_of_every_order_of_a_total_cover_it_and_are_all_used():
    result = lint(with_waiver(with_waiver(_two_long_steroids(), "ILD302", order="p"), "ILD302", order="m"))
    [f] = only(result, "ILD302")
    assert f.suppressed is not None and f.suppressed.waiver == 0
    none_of(result, "OL006")


def test_a_total_a_plugin_describes_badly_is_ol000_whatever_is_waived():
    # Hit.also holding something that is not an order index: the finding cannot be placed on
    # orders. It is a malformed finding (OL000, which no waiver covers), as a bad order index is.
    import datetime as dt

    from orderlint.config import Settings
    from orderlint.engine import Linter
    from orderlint.hookspecs import hookimpl
    from orderlint.reader import Document
    from orderlint.rules import Hit, Source, rule

    def check(reg, opts):
        yield Hit("a total", "/orders/0/dose", 0, None, ("1",))

    class Pack:
        @hookimpl
        def orderlint_rules(self):
            return [rule(code="XTR001", name="extra-total", severity="error", summary="s", source=Source("c", "g"),
                         rationale="r", conditions=["ssc-ild"])(check)]

    linter = Linter(Settings(as_of=dt.date(2026, 3, 2)), plugins=[Pack()])
    for doc in (with_waiver(with_waiver(_two_long_steroids(), "XTR001", order="p"), "XTR001", order="m"),
                with_waiver(_two_long_steroids(), "XTR001")):
        findings = linter.lint_document(Document(source="t", data=doc, text=None)).findings
        assert not [f for f in findings if f.code == "XTR001"]
        [f] = [f for f in findings if f.code == "OL000"]
        assert "XTR001" in f.message and "not the index of an order" in f.message and f.suppressed is None


def test_a_waiver_of_a_rule_that_crashed_is_not_said_to_suppress_nothing():
    # OL000 (the check crashed or ran out of time) beside OL006 'suppresses no finding' invited
    # deleting a waiver that was still needed.
    import json as _json

    from conftest import EXAMPLES
    from orderlint.engine import Linter

    doc = _json.loads((EXAMPLES / "regimens" / "ILD102-waived.json").read_text())
    linter = Linter()
    before = linter.lint_data(doc)
    assert any(f.code == "ILD102" and f.suppressed is not None for f in before.findings)

    def crash(reg, opts):
        raise RuntimeError("boom")

    object.__setattr__(linter.by_code["ILD102"], "check", crash)
    linter._dispatch.clear()
    linter._todo.clear()
    after = linter.lint_data(doc)
    assert [f.code for f in after.findings if f.code in ("OL000", "OL006")] == ["OL000"]


def test_a_waiver_expires_on_the_run_s_date_too_not_only_the_document_s_as_of():
    # regimen-format.md: `expires` - "after it the waiver no longer applies"; as_of places look-back
    # windows only. Judged by the document's as_of alone, a waiver lapsed months ago still waived,
    # and whoever wrote as_of kept it alive.
    import datetime

    import orderlint

    today = datetime.date.today()
    ends = today + datetime.timedelta(days=30)
    doc = with_waiver(ild102_doc(), "ILD102", expires=ends.isoformat())
    doc["as_of"] = "2026-03-02"
    assert of(orderlint.lint(doc, as_of=today), "ILD102")[0].suppressed is not None
    later = ends + datetime.timedelta(days=1)
    result = orderlint.lint(doc, as_of=later)
    f = _ol005(result)
    assert f"expired on {ends} (the run's date is {later})" in f.message
    assert of(result, "ILD102")[0].suppressed is None
    # A run date before today (--as-of pinned by a CI job, a replay) does not keep alive a waiver
    # that has lapsed by today: --as-of places look-back windows only.
    doc["waivers"][0]["expires"] = (today - datetime.timedelta(days=1)).isoformat()
    result = orderlint.lint(doc, as_of=datetime.date(2026, 3, 2))
    assert f"(today is {today})" in _ol005(result).message
    assert of(result, "ILD102")[0].suppressed is None
    # Without a run date the run's date is today: a waiver that expired in 2001 never applies.
    doc["waivers"][0]["expires"] = "2001-01-01"
    doc["as_of"] = "2000-06-01"
    assert "expired on 2001-01-01" in _ol005(orderlint.lint(doc)).message


def test_a_misspelt_checked_drug_cannot_be_waived_for_its_order():
    # rules.md OL002: its error tier makes `--fail-on error` never pass a misspelt checked drug; a
    # waiver of it passed cyclophosphamid 6000 mg/m2 unchecked (no dose check, no ILD301).
    doc = clean_patient(order("cyclophosphamid", 600, "mg/m2", "iv", "q4w", id="cyc"))
    doc = with_waiver(doc, "OL002", order="cyc")
    result = lint(doc)
    [unknown] = of(result, "OL002")
    assert unknown.severity == "error" and unknown.suppressed is None
    [f] = only(result, "OL005")
    assert f.severity == "error" and "cannot be waived" in f.message and f.pointer == "/waivers/0/rule"
    assert not of(result, "OL006")
    # The warning tier (an unknown co-medication name) is still waived per order.
    doc = with_waiver(clean_patient(order("Zyxoflam", 10, "mg", "oral", "daily", id="z")), "OL002", order="z")
    result = lint(doc)
    [unknown] = of(result, "OL002")
    assert unknown.severity == "warning" and unknown.suppressed is not None
