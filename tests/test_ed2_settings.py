"""Settings the FHIR input, the DetectedIssue output and the service read: validated like every other key."""

from __future__ import annotations

import pytest

from orderlint.config import ConfigError, build_settings


def _settings(tmp_path, body: str):
    cfg = tmp_path / ".orderlint.toml"
    cfg.write_text(body)
    return build_settings(config_path=str(cfg))


def test_defaults(tmp_path):
    s = _settings(tmp_path, "")
    assert (s.allow_as_of, s.fhir_namespace, s.docs_url, s.serve) == (False, None, None, {})


def test_values_are_read(tmp_path):
    s = _settings(
        tmp_path,
        'allow-as-of = true\nfhir-namespace = "https://fhir.example.org/ns/"\ndocs-url = "https://intranet.example.org/orderlint"\n'
        '[serve]\nport = 9000\n',
    )
    assert s.allow_as_of is True
    assert s.fhir_namespace == "https://fhir.example.org/ns"  # one form, without the trailing slash
    assert s.docs_url == "https://intranet.example.org/orderlint"
    assert s.serve == {"port": 9000}


@pytest.mark.parametrize(
    "body, words",
    [
        ('allow-as-of = "yes"', "allow-as-of"),
        ('fhir-namespace = "not a url"', "fhir-namespace"),
        ('docs-url = "ftp://x"', "docs-url"),
        ("docs-url = 3", "docs-url"),
        ('[serve]\nprot = 9000', "prot"),  # an unknown serve key is an error with its name
        ("serve = 3", "serve"),
    ],
)
def test_invalid_values_are_configuration_errors(tmp_path, body, words):
    with pytest.raises(ConfigError) as e:
        _settings(tmp_path, body)
    assert words in str(e.value) and "\n" not in str(e.value)
