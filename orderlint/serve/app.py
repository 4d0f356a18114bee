"""The CDS Hooks 2.0 service (services.md section 1): a Starlette ASGI app and ``run`` on uvicorn.

| endpoint | purpose |
|---|---|
| ``GET /cds-services`` | discovery |
| ``POST /cds-services/{id}`` | call a service (order-select, order-sign) |
| ``POST /cds-services/{id}/feedback`` | card outcomes |
| ``GET /healthz`` | liveness, no authentication |

Every non-2xx answer carries an OperationOutcome; nothing unexpected escapes as a bare 500. Logs
hold method, path, status, duration and ``hookInstance`` only: never bodies, ids, names or values.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Optional, Union

from orderlint.serve.settings import DEFAULT_REQUIRED, ServeSettings, is_loopback, parse_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from orderlint.engine import Linter
    from orderlint.findings import Finding, Result

#: What ``create_app`` and ``run`` take as settings: validated ServeSettings, or the table to validate.
SettingsInput = Union[ServeSettings, Mapping[str, Any], None]

log = logging.getLogger("orderlint.serve")

SELECT_ID = "orderlint-order-select"
SIGN_ID = "orderlint-order-sign"
SERVICES = {SELECT_ID: "order-select", SIGN_ID: "order-sign"}
#: order-select answers only drug-choice and combination findings (services.md, Calling a service).
SELECT_RULES = frozenset({"ILD101", "ILD102", "ILD103", "ILD104", "ILD201", "ILD301", "ILD302"})
_SAFE_INSTANCE = re.compile(r"[^A-Za-z0-9._:-]")


class Problem(Exception):
    """An answer other than 200: HTTP status, OperationOutcome issue code, one-line diagnostics."""

    def __init__(self, status: int, code: str, message: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": message or code}]}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("orderlint")
    except Exception:
        return "unknown"


def _clean_instance(v: object) -> str:
    return _SAFE_INSTANCE.sub("", v)[:64] if isinstance(v, str) else "-"


def create_app(settings: SettingsInput = None, linter: Optional[Linter] = None) -> Starlette:
    """The ASGI app. ``settings``: a `[tool.orderlint.serve]` table (dict) or ServeSettings;
    ``linter``: an ``orderlint.engine.Linter`` (default: ``Linter()`` with default settings).
    Raises ``ConfigError`` when the settings are invalid or the feedback database cannot be opened."""
    import asyncio
    import sqlite3

    from pydantic import ValidationError
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    s = settings if isinstance(settings, ServeSettings) else parse_settings(settings)
    if linter is None:
        from orderlint.engine import Linter

        linter = Linter()
    # fhir.md: the request extension orderlint-as-of is honoured only with allow-as-of.
    linter.settings.allow_as_of = s.allow_as_of
    fixed_as_of = linter.settings.as_of
    if fixed_as_of is not None and not s.allow_as_of:
        # services.md: as_of is today. A fixed date judged every request as of that day (old tests
        # counted as recent), with nothing logged: refused, as tests and replays opt in.
        from orderlint.config import ConfigError

        raise ConfigError(
            f"{linter.settings.origins.get('as-of', 'settings')}: as-of = {fixed_as_of} would judge every request as of "
            "that day, not today; remove it, or set [tool.orderlint.serve] allow-as-of = true (tests and replays only)"
        )
    if fixed_as_of is not None:
        log.warning("as-of = %s: every request is judged as of that day (allow-as-of = true)", fixed_as_of)

    from orderlint.serve.cards import (MEDICATION_ORDERS, NON_ADHERENCE, ORDER_CONTAINERS, OVERRIDE_REASONS, CardBuilder,
                                       contained_of, group_refs)
    from orderlint.findings import misspelt_checked_drug
    from orderlint.serve.feedback import FeedbackRefused, FeedbackStore
    from orderlint.serve.models import CDSHooksFeedback, CDSHooksRequest, OrderSelectContext, OrderSignContext, patient_id
    from orderlint.fhir.mapping import _incomplete_prefetch
    from orderlint.serve.prefetch import FetchError, fetch, missing_keys, next_link, templates

    # The service's own docs-url, else the site's (the one SARIF, explain and FHIR output link to).
    builder = CardBuilder(linter, s.docs_url or linter.settings.docs_url)
    offered = {NON_ADHERENCE: frozenset(code for code, _display in OVERRIDE_REASONS)}  # every card offers these
    try:
        store = FeedbackStore(s.feedback_db)
    except Exception as e:  # sqlite3.Error, OSError: a setting that does not work is a configuration error
        from orderlint.config import ConfigError

        raise ConfigError(f"[tool.orderlint.serve] feedback-db: cannot open {s.feedback_db}: {e}") from None
    verifier = None
    if s.auth:
        from orderlint.serve.auth import Verifier

        verifier = Verifier(s.issuers, s.base_url or "", s.fetch_ca_file)
    version = _version()
    discovery = {"services": [
        {"hook": "order-select", "id": SELECT_ID, "title": "orderlint: SSc-ILD drug choice",
         "description": "Checks newly selected medication orders against the SSc-ILD drug-choice and combination "
                        "rules (not-recommended agents, combinations, PCP prophylaxis).",
         "prefetch": dict(templates())},
        {"hook": "order-sign", "id": SIGN_ID, "title": "orderlint: SSc-ILD order safety",
         "description": "Checks the orders being signed against every orderlint rule: doses, glucocorticoids, "
                        "PCP prophylaxis and baseline screening for systemic sclerosis-associated ILD.",
         "prefetch": dict(templates())},
    ]}

    def answer(status: int, body: Any, headers: Optional[dict[str, str]] = None) -> JSONResponse:
        media = "application/fhir+json" if status >= 400 else "application/json"
        return JSONResponse(body, status_code=status, headers=headers, media_type=media)

    def fail(p: Problem) -> JSONResponse:
        return answer(p.status, outcome(p.code, p.message), p.headers)

    async def body_of(request: Request) -> bytes:
        limit = s.max_request_bytes
        cl = request.headers.get("content-length")
        if cl is not None and cl.isdigit() and int(cl) > limit:
            raise Problem(413, "too-long", f"request body is over {limit} bytes")
        chunks = bytearray()
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise Problem(413, "too-long", f"request body is over {limit} bytes")
        return bytes(chunks)

    def parse(raw: bytes) -> Any:
        from orderlint.reader import decode_bytes, parse_json

        text, err = decode_bytes(raw)
        if text is None:
            raise Problem(400, "invalid", f"request body: {err}")
        doc = parse_json(text, "request")
        if doc.error is not None:
            raise Problem(400, "invalid", f"request body: {doc.error.message} (line {doc.error.line})")
        return doc.data

    async def authenticate(request: Request) -> None:
        if verifier is None:
            return
        from orderlint.serve.auth import AuthError

        try:
            # In a worker thread: fetching an issuer's JWKS (up to 2 s) blocked the event loop, and
            # every other request with it (a forged token per 2 s froze the service).
            await run_in_threadpool(verifier.verify, request.headers.get("authorization"), request.url.path)
        except AuthError as e:
            raise Problem(401, "login", str(e), {"WWW-Authenticate": "Bearer"}) from None

    def service_of(request: Request) -> str:
        sid = request.path_params["service_id"]
        if sid not in SERVICES:
            raise Problem(404, "not-found", "unknown CDS service id")
        return sid

    def validation_message(e: ValidationError) -> str:
        err = e.errors()[0]
        where = "/".join(str(p) for p in err.get("loc", ()))
        return f"{where or 'body'}: {err.get('msg', 'invalid')}"

    async def call(request: Request, sid: str) -> tuple[dict[str, Any], str, list[tuple[str, str]]]:
        await authenticate(request)
        data = parse(await body_of(request))
        if not isinstance(data, dict):
            raise Problem(400, "invalid", "request body: not a JSON object")
        try:
            req = CDSHooksRequest.model_validate(data)
        except ValidationError as e:
            raise Problem(400, "invalid", f"request: {validation_message(e)}") from None
        hook = SERVICES[sid]
        if req.hook != hook:
            raise Problem(400, "invalid", f"request: hook {req.hook[:40]!r} does not match service {sid} ({hook})")
        try:
            ctx = (OrderSelectContext if hook == "order-select" else OrderSignContext).model_validate(req.context)
        except ValidationError as e:
            raise Problem(400, "invalid", f"context: {validation_message(e)}") from None
        pid = patient_id(ctx.patientId)  # validated: a FHIR id, as fetched and as the mapping reads it
        prefetch = data.get("prefetch")
        for k, v in (prefetch or {}).items():
            if v is not None and not (isinstance(v, dict) and isinstance(v.get("resourceType"), str)):
                raise Problem(400, "invalid", f"prefetch {k[:40]!r}: not a FHIR resource")
        pre: dict[str, Any] = dict(prefetch or {})
        auth = req.fhirAuthorization
        can_fetch = bool(s.fetch_prefetch and req.fhirServer and auth is not None)
        missing = missing_keys(pre, s.required_prefetch)
        if missing and not can_fetch:
            raise Problem(412, "incomplete", f"required prefetch missing: {', '.join(missing)}")
        # A search the client gave as one page of its result (a next link: the observations
        # template's _count=200 for a long-term patient): the remaining pages are read when the
        # service may fetch; else, as any incomplete value, 412 naming the key. Never read as complete.
        paged = {k: v for k, v in pre.items()
                 if can_fetch and isinstance(v, dict) and v.get("resourceType") == "Bundle" and next_link(v) is not None}
        for k, v in pre.items():
            if k not in paged:
                incomplete(k, v, None)
        if missing or paged:
            assert auth is not None and req.fhirServer
            try:
                got = await fetch(missing, server=req.fhirServer, token=auth.access_token, patient_id=pid,
                                  max_bytes=s.max_request_bytes, ca_file=s.fetch_ca_file, pages=paged)
            except FetchError as e:
                said = ([f"required prefetch missing: {', '.join(missing)}"] if missing else []) + [
                    f"prefetch `{k[:40]}` {_incomplete_prefetch(v)}: the patient's data is incomplete" for k, v in paged.items()]
                raise Problem(412, "incomplete", f"{'; '.join(said)}; fetching it failed: {e}") from None
            for k, v in got.items():
                incomplete(k, v, "as fetched from fhirServer")
            pre.update(got)
        # A key the discovery asks for and the client did not provide (absent or null), not in
        # required-prefetch: "not provided", not "no data" (services.md, Calling a service). Fetched
        # when the service may; else (or when fetching fails) each card says which data was not provided.
        optional = [k for k in templates() if k not in s.required_prefetch and pre.get(k) is None]
        not_provided: list[tuple[str, str]] = []
        if optional and can_fetch:
            assert auth is not None and req.fhirServer
            # Each on its own (a key the server cannot give leaves the others fetched), all at once
            # (each within the fetch's time: one after another, they added up).
            answers = await asyncio.gather(*(fetch([k], server=req.fhirServer, token=auth.access_token, patient_id=pid,
                                                   max_bytes=s.max_request_bytes, ca_file=s.fetch_ca_file) for k in optional),
                                           return_exceptions=True)
            for k, answer_k in zip(optional, answers):
                if isinstance(answer_k, FetchError):
                    not_provided.append((k, f"; fetching it failed: {answer_k}"))
                    continue
                if isinstance(answer_k, BaseException):
                    raise answer_k
                why = _incomplete_prefetch(answer_k[k])
                if why is None:
                    pre[k] = answer_k[k]
                else:
                    not_provided.append((k, f"; as fetched from fhirServer it {why}"))
        elif optional:
            not_provided = [(k, "") for k in optional]
        if pre != (prefetch or {}):
            data = dict(data)
            data["prefetch"] = pre
        return data, req.hookInstance, not_provided

    def incomplete(key: str, value: Any, where: Optional[str]) -> None:
        """412 when a prefetch value does not hold all of the data asked for (mapping's reading:
        a next page, fewer entries than its total, an OperationOutcome reporting an error): the
        patient's data is incomplete, not the draft orders invalid."""
        why = _incomplete_prefetch(value)
        if why is None:
            return
        how = ""
        if where is None and isinstance(value, dict) and next_link(value) is not None:
            how = " (the service reads the remaining pages only when the request gives fhirServer and " \
                  "fhirAuthorization and fetch-prefetch is on)"
        raise Problem(412, "incomplete", f"prefetch `{key[:40]}`{' ' + where if where else ''} {why}: the patient's data "
                                         f"is incomplete, so the orders were not checked{how}")

    def lint(data: dict[str, Any]) -> list[Result]:
        from orderlint.fhir.lint import lint_fhir

        # A long-running service: "today" is each request's day unless the settings fix as_of.
        linter._as_of = fixed_as_of or _dt.date.today()
        results = lint_fhir(data, linter=linter, source="request")
        for r in results:
            if r.status == "invalid":
                msgs = "; ".join(f.message for f in r.findings if f.code == "OL001")[:500]
                raise Problem(400, "invalid", f"the request's FHIR data cannot be read, so the orders were not checked: {msgs or 'invalid'}")
        return results

    def make_cards(data: dict[str, Any], sid: str,
                   not_provided: Optional[list[tuple[str, str]]] = None) -> list[tuple[dict[str, Any], list[str]]]:
        results = lint(data)
        patient = patient_id(data["context"]["patientId"])  # validated: a FHIR id
        findings = [f for r in results if r.status == "checked" for f in r.findings]
        if SERVICES[sid] == "order-select":
            findings = select_findings(data, findings)
        notes = [linter._finding(
            "OL008", f"missing-value: prefetch `{key}` ({templates()[key].split('?')[0].split('/')[0]} data) was not provided{why}: "
                     "read as no data, so a finding that needs it may be missing", f"/prefetch/{key}", None, None)
            for key, why in not_provided or ()]
        # On every card (an OL008 note about no one order): the data its findings were judged without.
        drugs = {k: v for r in results for k, v in (getattr(r, "drugs", None) or {}).items()}
        cards = builder.cards(findings + notes, data, patient, drugs)
        blind = {key for key, _ in not_provided or ()} & set(DEFAULT_REQUIRED)
        # A drug the patient is given or ordered in a resource orderlint does not read (a dispense, an
        # administration, an order of another FHIR version): its note rides on the cards, and with no
        # card at all the answer read as nothing found (an azathioprine being given beside a draft
        # mycophenolate: {"cards": []}).
        # From the result, not its OL008 findings: a site that ignores OL008 is still told.
        # A patient left not-applicable with data about another patient dropped: the conditions that
        # place them may be among it (a Condition whose subject names another patient), so an empty
        # answer would read as nothing found.
        unread = [linter._finding("OL008", text, "", None, None)
                  for r in results for text in dict.fromkeys(getattr(r, "unread", ()))
                  if r.status == "checked" or (r.status == "not-applicable" and text.startswith("other-patient"))]
        if not cards and (unread or blind and ("conditions" in blind or any(r.status == "checked" for r in results))):
            # No finding, yet the checks ran without data of the default required set (a site left it
            # out of required-prefetch, and it was neither given nor fetched) or without a drug they
            # could not read: an empty answer would read as nothing found. Without the conditions no
            # patient can be placed at all.
            cards = [builder.unchecked_card([n for n, (key, _) in zip(notes, not_provided or ()) if key in blind] + unread)]
        return cards

    def selected_ids(data: dict[str, Any]) -> set[str]:
        """The draft order ids `context.selections` names ("MedicationRequest/mtx", a URL ending so,
        the bare id, or an entry's fullUrl). A selection that names no draft order is a 400: read as
        nothing, it left the selected order without its cards."""
        drafts: dict[str, str] = {}  # "Type/id", bare id or fullUrl -> id
        bundle = data["context"].get("draftOrders")
        entries = [e for e in ((bundle.get("entry") or ()) if isinstance(bundle, dict) else ()) if isinstance(e, dict)]
        for e in entries:
            res = e.get("resource")
            if isinstance(res, dict) and isinstance(res.get("id"), str):
                rid = res["id"]
                drafts[rid] = drafts[f"{res.get('resourceType')}/{rid}"] = rid
        for e in entries:
            res = e.get("resource")
            if isinstance(res, dict) and isinstance(res.get("id"), str) and isinstance(e.get("fullUrl"), str):
                # A fullUrl never takes the name of another draft ("MedicationRequest/cyc" as a
                # ServiceRequest's fullUrl took the selection of the cyclophosphamide).
                drafts.setdefault(e["fullUrl"], res["id"])
        for e in entries:
            res = e.get("resource")
            if isinstance(res, dict):
                # An order a draft holds (a RequestGroup's, a CarePlan's, one inside an order) is a draft
                # order of its own (fhir.md 1): selected as "MedicationRequest/<id>", "#<id>" or
                # "RequestGroup/<group id>#<id>", its findings carry its id.
                for cid, ctype in nested_orders(res):
                    for key in (cid, f"{ctype}/{cid}", f"#{cid}", f"{res.get('resourceType')}/{res.get('id')}#{cid}"):
                        drafts.setdefault(key, cid)
        out = set()
        for i, x in enumerate(data["context"]["selections"]):
            ref = x.strip().split("/_history/", 1)[0]
            if ref not in drafts and not ref.startswith("urn:") and ref.count("/") > 1:
                ref = "/".join(ref.rsplit("/", 2)[-2:])  # an absolute URL: its Type/id
            rid = drafts.get(ref)
            if rid is None:
                raise Problem(400, "invalid", f"context.selections[{i}] {x!r} names no draft order in context.draftOrders "
                                              "(a selected order needs an id)")
            out.add(rid)
        # A selected order set (RequestGroup, CarePlan) selects the draft orders it names by reference
        # ("MedicationRequest/cyc", a fullUrl), as it selects those it contains: their findings were
        # "not about the selection" and the answer had no card.
        for e in entries:
            res = e.get("resource")
            if isinstance(res, dict) and res.get("id") in out:
                out.update(drafts[r] for r in (ref.split("/_history/", 1)[0] for ref in group_refs(res)) if r in drafts)
        return out

    def nested_orders(res: dict[str, Any]) -> list[tuple[str, str]]:
        """(id, type) of the medication orders a draft holds in `contained`."""
        if res.get("resourceType") not in ORDER_CONTAINERS:
            return []
        return [(c["id"], c["resourceType"]) for c in contained_of(res)
                if c.get("resourceType") in MEDICATION_ORDERS and isinstance(c.get("id"), str)]

    def without_nested(entry: Any, sel: set[str]) -> Any:
        """A draft entry with the selected orders it holds read as withdrawn (entered-in-error drops a
        draft order, fhir.md 2.1): taken out of their container, the references to them would be
        orders it no longer holds."""
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict) or not any(cid in sel for cid, _ in nested_orders(res)):
            return entry
        v = res["contained"]
        items = [({**c, "status": "entered-in-error"} if isinstance(c, dict) and c.get("id") in sel
                  and c.get("resourceType") in MEDICATION_ORDERS else c)
                 for c in (v if isinstance(v, list) else [v])]
        return {**entry, "resource": {**res, "contained": items}}

    def select_findings(data: dict[str, Any], findings: list[Finding]) -> list[Finding]:
        """Drug-choice and combination findings about the selected orders, or combinations they complete
        (a finding on another order counts when it goes away without the selections), and the
        selected orders whose drug is not known (OL002), which no drug-choice rule could read, and any
        likely misspelt checked drug (OL002's error tier), which no combination rule could read."""
        sel = selected_ids(data)
        keep: list[Finding] = []
        others: list[Finding] = []
        for f in findings:
            if f.code == "OL000" or f.code == "OL008":
                keep.append(f)
            elif f.code == "OL002":
                # The selected order's drug is not known: no drug-choice rule could read it, and
                # without this card a misspelt cyclophosphamide was selected with {"cards": []}. A
                # likely misspelt checked drug among the patient's other orders (the error tier) is
                # kept too: no combination rule could read it ('mycophenolate mofetill' beside a
                # selected azathioprine was {"cards": []}).
                if str(f.order).split("#", 1)[0] in sel or misspelt_checked_drug(f):
                    keep.append(f)
            elif f.code in SELECT_RULES:
                (keep if str(f.order).split("#", 1)[0] in sel else others).append(f)
        if others:
            reduced = dict(data)
            ctx = dict(data["context"])
            bundle = dict(ctx["draftOrders"])
            # The selected orders read as withdrawn (entered-in-error drops a draft order, fhir.md 2.1)
            # rather than taken out: a draft order set naming one would name an order not in the
            # request (400 on a valid request). Other selected drafts (an order set) are taken out.
            kept = []
            for e in bundle.get("entry") or ():
                res = e.get("resource") if isinstance(e, dict) else None
                if not (isinstance(res, dict) and res.get("id") in sel):
                    kept.append(without_nested(e, sel))
                elif res.get("resourceType") in MEDICATION_ORDERS:
                    kept.append(without_nested({**e, "resource": {**res, "status": "entered-in-error"}}, sel))
            bundle["entry"] = kept
            ctx["draftOrders"] = bundle
            reduced["context"] = ctx
            without = {(f.code, f.order, f.message) for r in lint(reduced) for f in r.findings}
            keep += [f for f in others if (f.code, f.order, f.message) not in without]
        orders = {str(f.order).split("#", 1)[0] for f in keep if f.code not in ("OL008", "OL000")}
        return [f for f in keep if f.code != "OL008" or str(f.order).split("#", 1)[0] in orders]

    def logged(fn: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            t0 = time.perf_counter()
            request.state.instance = "-"
            try:
                resp = await fn(request)
            except Problem as p:
                resp = fail(p)
            except Exception as e:  # never a 500 without an OperationOutcome, never a traceback in logs
                log.error("unexpected %s in %s %s", type(e).__name__, request.method, request.url.path)
                resp = answer(500, outcome("exception", "internal error; the orders were not checked"))
            log.info("%s %s %d %.1fms hookInstance=%s", request.method, request.url.path, resp.status_code,
                     (time.perf_counter() - t0) * 1000, request.state.instance)
            return resp
        return endpoint

    @logged
    async def healthz(request: Request) -> Response:
        return answer(200, {"status": "ok", "version": version})

    @logged
    async def services(request: Request) -> Response:
        return answer(200, discovery)

    @logged
    async def service(request: Request) -> Response:
        sid = service_of(request)
        data, instance, not_provided = await call(request, sid)
        request.state.instance = _clean_instance(instance)
        cards = make_cards(data, sid, not_provided)
        try:
            # Off the event loop: a locked database waits without holding every other request.
            await run_in_threadpool(store.record_cards, sid, cards)
        except sqlite3.Error as e:
            # Bookkeeping for feedback never withholds the cards: they are answered, and feedback on
            # them will be refused as cards the store does not know.
            log.error("feedback store: %s: cards not recorded", type(e).__name__)
        return answer(200, {"cards": [c for c, _ in cards]})

    @logged
    async def feedback(request: Request) -> Response:
        sid = service_of(request)
        await authenticate(request)
        data = parse(await body_of(request))
        try:
            fb = CDSHooksFeedback.model_validate(data)
        except ValidationError as e:
            raise Problem(400, "invalid", f"feedback: {validation_message(e)}") from None
        try:
            await run_in_threadpool(store.record_feedback, sid, fb.feedback, s.store_comments, offered)
        except FeedbackRefused as e:
            raise Problem(400, "invalid", f"feedback: {e}") from None
        except sqlite3.Error as e:
            log.error("feedback store: %s: feedback not recorded", type(e).__name__)
            raise Problem(503, "transient", "the feedback store is busy: feedback not recorded, send it again") from None
        return Response(status_code=200)  # the spec's feedback answer: 200, no body

    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        code = {404: "not-found", 405: "not-supported"}.get(status, "exception" if status >= 500 else "invalid")
        log.info("%s %s %d", request.method, request.url.path, status)
        return answer(status, outcome(code, "no such endpoint" if status == 404 else f"HTTP {status}"))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s in %s %s", type(exc).__name__, request.method, request.url.path)
        return answer(500, outcome("exception", "internal error"))

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/cds-services", services, methods=["GET"]),
        Route("/cds-services/{service_id}", service, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", feedback, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})
    # A trailing slash is a 404 with an OperationOutcome, not a 307 to a Location built from the
    # Host header (a client following it re-sent the patient data and token wherever Host said).
    app.router.redirect_slashes = False
    app.state.settings = s
    app.state.store = store
    app.state.linter = linter
    return app


def check_bind(host: str, s: ServeSettings) -> None:
    """A non-loopback host without authentication is a configuration error (services.md, Security)."""
    from orderlint.config import ConfigError

    if not is_loopback(host) and not s.auth:
        raise ConfigError(f"refusing to listen on {host}: authentication is off; list issuers in "
                          "[tool.orderlint.serve.auth] (with base-url) or bind to 127.0.0.1")


#: Libraries whose INFO lines hold what the service must never log: httpx logs each request's URL
#: ("GET .../MedicationRequest?patient=<id>" when prefetch is fetched).
_QUIET_LOGGERS = ("httpx", "httpcore", "hpack")


def configure_logging(log_level: str) -> None:
    """The service's log: its own access lines at ``log_level``; never a library's request URLs."""
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO), format="%(asctime)s %(levelname)s %(message)s")
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def run(host: Optional[str] = None, port: Optional[int] = None, *, settings: SettingsInput = None,
        linter: Optional[Linter] = None, log_level: str = "info") -> None:
    """Serve on uvicorn. Raises ConfigError (exit 2) before listening on a bad configuration."""
    import uvicorn

    s = settings if isinstance(settings, ServeSettings) else parse_settings(settings)
    host = host or s.host
    port = s.port if port is None else port
    check_bind(host, s)
    app = create_app(s, linter)
    configure_logging(log_level)
    if not s.auth:
        log.warning("authentication is off (no issuers in [tool.orderlint.serve.auth]); listening on %s only", host)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=log_level, server_header=False,
                ssl_certfile=s.ssl_certfile, ssl_keyfile=s.ssl_keyfile)
