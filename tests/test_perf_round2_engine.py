"""The check loop of the engine (issue 15, second round): the rule a time limit stops, and the
rules it names as not run, are the ones the loop had reached, wherever in the list it strikes."""

from __future__ import annotations

import time

from orderlint.config import Settings
from orderlint.engine import Linter
from orderlint.hookspecs import hookimpl
from orderlint.rules import Hit, Source, rule
from regimen_factory import clean_patient, mmf


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds  # busy, yet a broken limit fails the test rather than hanging it
    while time.monotonic() < end:
        pass


def _linter(spinning: str) -> Linter:
    def make(code: str):
        def check(reg, opts):
            if code == spinning:
                _spin(20)
            yield Hit(f"{code} ran", "/orders/0/drug", 0)

        return rule(code=code, name=f"extra-{code.lower()}", severity="info", summary="An extra check.",
                    source=Source("test", "test"), rationale="A plugin's check.", conditions=["ssc-ild"])(check)

    class Plugin:
        @hookimpl
        def orderlint_rules(self):
            return [make("XTA001"), make("XTA002"), make("XTA003")]

    settings = Settings()
    settings.check_timeout = 0.3
    return Linter(settings, plugins=[Plugin()])


def test_a_time_limit_in_the_middle_names_that_rule_and_the_rules_after_it() -> None:
    result = _linter("XTA002").lint_data(clean_patient(mmf(2000)))
    [timeout] = [f for f in result.findings if f.code == "OL000"]
    assert "rule XTA002 (extra-xta002" in timeout.message
    assert timeout.message.endswith("(check-timeout); not run: XTA003")
    ran = [f.message for f in result.findings if f.code.startswith("XTA")]
    assert ran == ["XTA001 ran"]
    assert [f.code for f in result.findings if f.code == "ILD501"] == ["ILD501"]  # pack rules before it ran


def test_a_time_limit_in_the_last_rule_names_no_rule_not_run() -> None:
    result = _linter("XTA003").lint_data(clean_patient(mmf(2000)))
    [timeout] = [f for f in result.findings if f.code == "OL000"]
    assert "rule XTA003 (extra-xta003" in timeout.message
    assert timeout.message.endswith("(check-timeout)")
    assert sorted(f.message for f in result.findings if f.code.startswith("XTA")) == ["XTA001 ran", "XTA002 ran"]


def test_a_time_limit_in_the_first_plugin_rule_names_every_later_one() -> None:
    result = _linter("XTA001").lint_data(clean_patient(mmf(2000)))
    [timeout] = [f for f in result.findings if f.code == "OL000"]
    assert "rule XTA001 (extra-xta001" in timeout.message
    assert timeout.message.endswith("; not run: XTA002, XTA003")
    assert not [f for f in result.findings if f.code.startswith("XTA")]
