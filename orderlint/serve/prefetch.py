"""Prefetch templates, completeness and the optional fetch from the EHR's FHIR server.

Per the CDS Hooks spec a client may fill none, some or all prefetch keys: a missing (or null) key
is "not provided", an empty Bundle is "no data". A required key that is missing is fetched from
``fhirServer`` with the request's ``fhirAuthorization`` token when ``fetch-prefetch`` is on (https
only, 2 s timeout); otherwise the caller answers 412 naming the keys. A key the discovery asks for
that is not required is fetched the same way; when it cannot be, the cards say it was not provided.
A search the client gave as one page of its result (a next link) has its remaining pages read the
same way (every page or a failure); otherwise it is incomplete, 412 naming the key.
"""

from __future__ import annotations

import asyncio
import ssl
from functools import lru_cache
from typing import Any, Optional, Union
from urllib.parse import quote, urlsplit

from orderlint.fhir.outcome import is_next_link
from orderlint.serve.settings import PREFETCH_KEYS

FETCH_TIMEOUT = 2.0
MAX_PAGES = 20
PATIENT = "{{context.patientId}}"


@lru_cache(maxsize=1)
def templates() -> dict[str, str]:
    """The discovery prefetch templates (services.md section 1, Discovery)."""
    from orderlint.fhir.valuesets import load

    vs = load()
    codes = []
    for kind in ("tests", "measurements"):
        for e in vs.entries(kind):
            if e.system == "http://loinc.org" and e.code not in codes:
                codes.append(e.code)
    loinc = ",".join(f"http://loinc.org|{c}" for c in codes)
    p = PATIENT
    t = {
        "patient": f"Patient/{p}",
        "activeMeds": f"MedicationRequest?patient={p}&status=active",
        "observations": f"Observation?patient={p}&code={loinc}&_sort=-date&_count=200",
        "conditions": f"Condition?patient={p}",
        "medicationStatements": f"MedicationStatement?patient={p}",
        "serviceRequests": f"ServiceRequest?patient={p}&status=active,draft",
        "diagnosticReports": f"DiagnosticReport?patient={p}&_sort=-date&_count=100",
        "procedures": f"Procedure?patient={p}&_sort=-date&_count=100",
    }
    assert tuple(t) == PREFETCH_KEYS
    return t


def missing_keys(prefetch: Optional[dict[str, Any]], required: tuple[str, ...]) -> list[str]:
    """Required keys the client did not provide (absent or null)."""
    pre = prefetch or {}
    return [k for k in required if pre.get(k) is None]


class FetchError(Exception):
    pass


def _entries(key: str, page: dict[str, Any]) -> list[dict[str, Any]]:
    """A Bundle page's entries. Entries that cannot be read are an error: dropped, they would hide
    orders from the checks (a combination, a prophylaxis) instead of failing closed."""
    entry = page.get("entry", [])
    if not isinstance(entry, list) or not all(isinstance(e, dict) for e in entry):
        raise FetchError(f"{key}: the FHIR server's answer has an entry that is not a list of objects")
    return entry


def _render(template: str, patient_id: str) -> str:
    pid = patient_id.split("/", 1)[1] if patient_id.startswith("Patient/") else patient_id
    return template.replace(PATIENT, quote(pid, safe=""))


def next_link(page: dict[str, Any]) -> Optional[str]:
    """The url of a search Bundle page's `next` link, else None."""
    links = page.get("link")
    for ln in links if isinstance(links, list) else [links]:
        if isinstance(ln, dict) and is_next_link(ln) and isinstance(ln.get("url"), str):
            return str(ln["url"])
    return None


def _strict_json(key: str, raw: bytes) -> Any:
    """The server's answer read as the request body is: a repeated key or a non-finite number is
    refused (json.loads kept the last of two keys, so a Medication's second code replaced its
    first and the card that belonged to the first was never shown)."""
    from orderlint.reader import decode_bytes, parse_json

    text, err = decode_bytes(raw)
    if text is None:
        raise FetchError(f"{key}: the FHIR server's answer is not JSON: {err}")
    doc = parse_json(text, key)
    if doc.error is not None:
        raise FetchError(f"{key}: the FHIR server's answer is not JSON orderlint can read: {doc.error.message} "
                         f"(line {doc.error.line})")
    return doc.data


async def fetch(keys: list[str], *, server: str, token: str, patient_id: str, max_bytes: int,
                ca_file: Optional[str] = None, pages: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, Any]:
    """Fetch ``keys`` from the FHIR server, and the remaining pages of the search Bundles ``pages``
    holds (key -> a first page the client gave, which links to a next page); FetchError (no detail
    about the patient) on any failure. Every page is read (bounded: MAX_PAGES, ``max_bytes`` in all,
    FETCH_TIMEOUT for the whole fetch, the keys at once) or the key fails: a partial search is never
    read as complete."""
    import httpx

    u = urlsplit(server)
    if u.scheme != "https" or not u.netloc:
        raise FetchError("fhirServer is not an https URL")
    out: dict[str, Any] = {}
    verify: Union[bool, ssl.SSLContext] = True
    if ca_file:
        verify = ssl.create_default_context(cafile=ca_file)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    base = server.rstrip("/")
    budget = max_bytes
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, verify=verify, follow_redirects=False) as client:

        async def get(key: str, url: str) -> Any:
            nonlocal budget
            try:
                async with client.stream("GET", url, headers=headers) as r:
                    if r.status_code != 200:
                        raise FetchError(f"{key}: the FHIR server answered {r.status_code}")
                    body = bytearray()
                    async for chunk in r.aiter_bytes():
                        body += chunk
                        budget -= len(chunk)  # shared by the keys fetched at once
                        if budget < 0:
                            raise FetchError(f"{key}: the FHIR server's answer is over {max_bytes} bytes")
            except httpx.HTTPError as e:
                raise FetchError(f"{key}: {type(e).__name__}") from None
            return _strict_json(key, bytes(body))

        async def rest(key: str, value: dict[str, Any]) -> dict[str, Any]:
            """A search answer may come in pages: read them all (bounded), else the data would be partial."""
            count = 1
            page = value
            entries = list(_entries(key, value))
            while True:
                nxt = next_link(page)
                if nxt is None:
                    break
                # The token goes to the client's FHIR server only: a next page elsewhere is not read.
                if not nxt.startswith(base + "/") or count >= MAX_PAGES:
                    raise FetchError(f"{key}: the FHIR server's answer has more pages than can be read")
                page = await get(key, nxt)
                count += 1
                if not isinstance(page, dict) or page.get("resourceType") != "Bundle":
                    raise FetchError(f"{key}: a page of the FHIR server's answer is not a Bundle")
                entries.extend(_entries(key, page))
            if count > 1:
                # Every page is read into the first: it no longer links to a next one (the mapping
                # reads a search result that does as incomplete).
                value = dict(value)
                value["entry"] = entries
                links = value.get("link")
                value["link"] = [ln for ln in (links if isinstance(links, list) else [links])
                                 if not is_next_link(ln)]
                if not value["link"]:
                    del value["link"]
            return value

        async def one(key: str) -> None:
            template = templates()[key]
            value = await get(key, f"{base}/{_render(template, patient_id)}")
            rtype = template.split("?")[0].split("/")[0]
            if not isinstance(value, dict) or value.get("resourceType") not in ("Bundle", rtype):
                raise FetchError(f"{key}: the FHIR server's answer is not a FHIR resource of the expected type")
            out[key] = await rest(key, value) if value.get("resourceType") == "Bundle" else value

        async def more(key: str, first: dict[str, Any]) -> None:
            out[key] = await rest(key, first)

        # Every key at once, all within FETCH_TIMEOUT: httpx's timeout bounds each read, so a server
        # that answered a byte at a time, or each key in turn just within it, held the call for
        # minutes (an EHR gives up long before, and shows no card).
        tasks = [asyncio.ensure_future(one(k)) for k in keys]
        tasks += [asyncio.ensure_future(more(k, first)) for k, first in (pages or {}).items()]
        try:
            async with asyncio.timeout(FETCH_TIMEOUT):
                await asyncio.gather(*tasks)
        except TimeoutError:
            raise FetchError(f"the FHIR server did not answer within {FETCH_TIMEOUT:g} s") from None
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {k: out[k] for k in (*keys, *(pages or {})) if k in out}
