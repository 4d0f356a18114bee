"""Service settings and cards: typed inputs checked at the boundary (found while typing serve/)."""
import pytest

from orderlint.config import ConfigError
from orderlint.serve.settings import ServeSettings, parse_settings


@pytest.mark.parametrize("table", ["host = 1", 3, [["host", "0.0.0.0"]], [("port", 9000)]])
def test_a_settings_value_that_is_not_a_table_is_one_configuration_error(table):
    # A list of pairs was read as a table, and a string raised a bare ValueError from dict().
    with pytest.raises(ConfigError, match=r"\[tool.orderlint.serve\] must be a table"):
        parse_settings(table)


def test_overrides_win_and_are_validated_like_the_table():
    assert parse_settings({"port": 1234}, port=9000).port == 9000
    assert parse_settings({"host": "127.0.0.1"}, host=None).host == "127.0.0.1"  # None: no override
    assert parse_settings(None, docs_url="https://wiki.example.org/ol/").docs_url == "https://wiki.example.org/ol"
    with pytest.raises(ConfigError, match="port: must be an integer 0-65535"):
        parse_settings({}, port=70000)
    with pytest.raises(ConfigError, match="unknown key 'prot'"):
        parse_settings({}, prot=9000)


def test_settings_are_returned_as_serve_settings():
    assert isinstance(parse_settings({}), ServeSettings)
