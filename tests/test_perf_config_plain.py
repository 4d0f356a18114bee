"""The configuration table's plain check (config._plainly_valid) only ever accepts what the file
model accepts, so that a run in a folder with a configuration file need not import pydantic."""

from __future__ import annotations

import datetime as _dt
import random
import subprocess
import sys
import textwrap

import pytest

from orderlint import config
from orderlint.config import FILE_KEYS, ConfigError, _file_model, _plainly_valid, validate_table


class _Str(str):
    pass


class _Dict(dict):
    pass


# Values of every shape the keys could be given, right and wrong, ordinary and unusual.
_VALUES = [
    None, True, False, 0, 1, 5, -3, 2**70, 1.5, float("nan"), float("inf"), "", "x", "error", "warning",
    "info", "never", "fatal", "any", "2026-01-01", _Str("error"), _dt.date(2026, 1, 1),
    _dt.datetime(2026, 1, 1, 12, 0), [], ["ILD1"], ["ILD1", 3], [_Str("a")], ("ILD1",), {}, {"ILD1": "error"},
    {"ILD1": "fatal"}, {"ILD1": 3}, {"default": 90}, {"default": "any"}, {"default": True}, {"default": 9.5},
    {3: "x"}, {"ILD204": {"pulse-min-daily-pe-mg": 250}}, {"ILD204": 5}, {"ILD204": {3: 1}},
    {"cellcept": "mycophenolate mofetil"}, _Dict(a="b"), {"host": "0.0.0.0", "port": 8080},
]


def _accepted_by_model(table: dict) -> bool:
    from pydantic import ValidationError

    try:
        _file_model().model_validate(table)
    except ValidationError:
        return False
    return True


def test_every_key_has_a_plain_check():
    assert sorted(config._PLAIN) == sorted(FILE_KEYS)


@pytest.mark.parametrize("key", FILE_KEYS)
def test_what_the_plain_check_accepts_the_model_accepts(key):
    accepted = 0
    for v in _VALUES:
        t = {key: v}
        if _plainly_valid(t):
            accepted += 1
            assert _accepted_by_model(t), (key, v)
    assert accepted  # every key has some plainly valid value among these


def test_generated_tables_agree_with_the_model():
    rng = random.Random(15)
    plain = 0
    for _ in range(3000):
        t = {k: rng.choice(_VALUES) for k in rng.sample(FILE_KEYS, rng.randint(1, 6))}
        if _plainly_valid(t):
            plain += 1
            assert _accepted_by_model(t), t
    assert plain > 50


def test_a_refused_value_still_gets_the_model_message():
    # interfaces.md, "Configuration": a wrong setting is a configuration error (exit 2), one line.
    with pytest.raises(ConfigError, match=r"x: fail-on: Input should be 'error', 'warning', 'info' or 'never'"):
        validate_table({"fail-on": "fatal"}, "x")
    with pytest.raises(ConfigError, match=r"x: check-timeout"):
        validate_table({"check-timeout": True}, "x")


def test_a_usual_configuration_file_is_read_without_pydantic(tmp_path):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.orderlint]
        select = ["ILD", "OL"]
        ignore = ["ILD405"]
        fail-on = "error"
        extend-exclude = ["drafts/"]
        check-timeout = 2.5
        [tool.orderlint.severity]
        ILD102 = "warning"
        [tool.orderlint.lookback-days]
        default = 120
        [tool.orderlint.rules.ILD204]
        pulse-min-daily-pe-mg = 250
        [tool.orderlint.vocabulary]
        "MMF 500" = "mycophenolate mofetil"
    """))
    code = ("import sys; from pathlib import Path; from orderlint.config import build_settings; "
            f"s = build_settings(config_path={str(tmp_path / 'pyproject.toml')!r}); "
            "print(s.fail_on, s.select, 'pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["error", "['ILD',", "'OL']", "False"]
