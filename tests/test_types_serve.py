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


# ------------------------------------------------------------------ card links (interfaces.md, Links)
def _card_links(settings, linter=None):
    import warnings

    pytest.importorskip("starlette")
    from test_serve_helpers import SIGN, example

    from orderlint.serve import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(settings, linter), raise_server_exceptions=False) as c:
        r = c.post(SIGN, json=example("ILD202-fires"))
    assert r.status_code == 200, r.text
    card = r.json()["cards"][0]
    return card["source"]["url"], card["detail"]


def test_card_links_point_at_the_services_docs_url(tmp_path):
    url, detail = _card_links({"feedback-db": str(tmp_path / "f.sqlite3"), "allow-as-of": True,
                               "docs-url": "https://wiki.example.org/orderlint/rules"})
    assert url == "https://wiki.example.org/orderlint/rules#ild202"
    assert "(https://wiki.example.org/orderlint/rules#ild202)" in detail


def test_card_links_use_the_sites_docs_url_when_the_service_has_none(tmp_path):
    from orderlint.config import Settings
    from orderlint.engine import Linter

    linter = Linter(Settings(docs_url="https://wiki.example.org/ol"))
    url, _ = _card_links({"feedback-db": str(tmp_path / "f.sqlite3"), "allow-as-of": True}, linter)
    assert url == "https://wiki.example.org/ol#ild202"
    # The service's own docs-url wins over the site's.
    url, _ = _card_links({"feedback-db": str(tmp_path / "g.sqlite3"), "allow-as-of": True,
                          "docs-url": "https://cds.example.org/docs"}, linter)
    assert url == "https://cds.example.org/docs#ild202"


def test_card_links_without_docs_url_are_the_rules_primary_source(tmp_path):
    from orderlint.engine import Linter

    url, _ = _card_links({"feedback-db": str(tmp_path / "f.sqlite3"), "allow-as-of": True})
    assert url == Linter().by_code["ILD202"].help_uri() and url.startswith("https://doi.org/")


# ------------------------------------------------------------------ prefetch pages
def _fetch_pages(monkeypatch, pages):
    """Run prefetch.fetch for activeMeds against a fake FHIR server answering ``pages`` in turn."""
    import asyncio

    httpx = pytest.importorskip("httpx")
    from orderlint.serve import prefetch

    answers = iter(pages)

    def handler(request):
        return httpx.Response(200, json=next(answers))

    real = httpx.AsyncClient
    monkeypatch.setattr(httpx, "AsyncClient", lambda **kw: real(
        transport=httpx.MockTransport(handler), **{k: v for k, v in kw.items() if k != "verify"}))
    return asyncio.run(prefetch.fetch(["activeMeds"], server="https://ehr.example.org/fhir", token="t",
                                      patient_id="1", max_bytes=1_000_000))


def _page(entry, more=True):
    page = {"resourceType": "Bundle", "type": "searchset", "entry": entry}
    if more:
        page["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/MedicationRequest?page=2"}]
    return page


MED = {"resource": {"resourceType": "MedicationRequest", "id": "m1"}}


def test_fetched_search_pages_are_joined_in_order(monkeypatch):
    got = _fetch_pages(monkeypatch, [_page([MED]), _page([{"resource": {"resourceType": "MedicationRequest", "id": "m2"}}], more=False)])
    assert [e["resource"]["id"] for e in got["activeMeds"]["entry"]] == ["m1", "m2"]


@pytest.mark.parametrize("first, second", [
    (_page([MED]), _page({"0": MED}, more=False)),       # a later page's entry that is not a list: its orders were dropped
    (_page({"0": MED}), _page([MED], more=False)),       # the first page's: an internal error (500)
    (_page([MED]), _page(["not an entry"], more=False)),  # an entry that is not an object was dropped
])
def test_a_fetched_page_whose_entries_cannot_be_read_is_a_fetch_error_never_fewer_orders(monkeypatch, first, second):
    from orderlint.serve.prefetch import FetchError

    with pytest.raises(FetchError, match="activeMeds: .*entry"):
        _fetch_pages(monkeypatch, [first, second])
