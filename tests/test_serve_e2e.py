"""End to end over real HTTP: uvicorn on 127.0.0.1 (a free port, in a thread) called with httpx, no
test client (services.md section 1, Conformance and tests). One orderlint server with JWT
authentication and prefetch fetching for the module, and one fake EHR FHIR server over TLS."""

from __future__ import annotations

import datetime as _dt
import json
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
jwt = pytest.importorskip("jwt")

from test_serve_helpers import ROOT, SIGN, accept, all_codes, conformant, conformant_discovery, example  # noqa: E402

from orderlint.serve import create_app, feedback_report  # noqa: E402

ISS_EC = "https://ehr.example.org"
ISS_RSA = "https://other-ehr.example.org"
ISS_URL = "https://third-ehr.example.org"
FHIR_TOKEN = "opaque-fhir-token"


class Server:
    """uvicorn in a daemon thread on a socket bound to 127.0.0.1 port 0."""

    def __init__(self, app, **kw) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # asyncio sets TCP_NODELAY only on sockets made with proto IPPROTO_TCP; without it, keep-alive
        # answers wait 40 ms for a delayed ACK.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.app = app
        self.kw = kw
        self.server = None
        self._uvicorn = uvicorn

    def start(self, app=None) -> "Server":
        cfg = self._uvicorn.Config(app or self.app, log_level="warning", access_log=False, lifespan="off", **self.kw)
        self.server = self._uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        self.sock.close()


def _self_signed(tmp: Path) -> tuple[str, str]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - _dt.timedelta(minutes=5))
            .not_valid_after(now + _dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "fhir-cert.pem", tmp / "fhir-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


ATOVAQUONE = {"resourceType": "MedicationStatement", "id": "atq", "status": "active",
             "subject": {"reference": "Patient/ssc-301"}, "medicationCodeableConcept": {"text": "atovaquone"},
             "dosage": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                         "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
                         "doseAndRate": [{"doseQuantity": {"value": 1500, "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}


def _fake_fhir(source: dict, seen: list, mode: dict):
    """A FHIR server answering the prefetch queries from one example request's prefetch."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    pre = source["prefetch"]

    async def any_(request):
        seen.append((request.url.path, request.url.query, request.headers.get("authorization")))
        if request.headers.get("authorization") != f"Bearer {FHIR_TOKEN}":
            return JSONResponse({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "login"}]}, 401)
        kind = request.path_params["kind"]
        if kind == mode.get("unavailable"):
            return JSONResponse({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "transient"}]}, 503)
        if kind == "Patient":
            return JSONResponse(pre["patient"])
        if kind == mode.get("drip"):  # an answer a byte at a time, each within httpx's read timeout
            import asyncio

            from starlette.responses import StreamingResponse

            async def slowly():
                for b in json.dumps(pre["conditions"]).encode()[:40]:
                    await asyncio.sleep(0.5)
                    yield bytes([b])
            return StreamingResponse(slowly(), media_type="application/fhir+json")
        if kind == "Condition":
            if mode.get("raw_conditions") is not None:  # the answer's text as given
                return Response(mode["raw_conditions"], media_type="application/fhir+json")
            return JSONResponse(pre["conditions"])
        if kind == "Observation" and pre.get("observations"):
            return JSONResponse(pre["observations"])
        if kind == "MedicationStatement" and mode.get("paged"):
            if request.query_params.get("page") == "2":
                return JSONResponse({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": ATOVAQUONE}]})
            nxt = str(request.url.replace(query="page=2"))
            if mode["paged"] == "foreign":
                nxt = "https://elsewhere.example.org/fhir/MedicationStatement?page=2"
            return JSONResponse({"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "next", "url": nxt}]})
        return JSONResponse({"resourceType": "Bundle", "type": "searchset"})

    async def jwks(request):
        seen.append((request.url.path, "", None))
        return JSONResponse(mode["jwks"][request.url.path])

    return Starlette(routes=[Route("/fhir/{kind}", any_), Route("/fhir/{kind}/{id}", any_),
                             Route("/jwks", jwks), Route("/jwks-rsa", jwks)])


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    tmp = tmp_path_factory.mktemp("e2e")
    ec_key = ec.generate_private_key(ec.SECP384R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    (tmp / "ec.json").write_text(json.dumps({"keys": [dict(ec_jwk, kid="ec-1", use="sig")]}))
    (tmp / "rsa.json").write_text(json.dumps({"keys": [dict(rsa_jwk, kid="rsa-1", use="sig")]}))
    cert, key = _self_signed(tmp)
    seen: list = []
    mode: dict = {"jwks": {"/jwks": {"keys": [dict(ec_jwk, kid="url-ec", use="sig")]},
                           "/jwks-rsa": {"keys": [dict(rsa_jwk, kid="rsa-1", use="sig")]}}}
    fhir = Server(_fake_fhir(example("ILD301-fires"), seen, mode), ssl_certfile=cert, ssl_keyfile=key).start()
    keys_url = f"https://127.0.0.1:{fhir.port}"
    srv = Server(None)
    base = f"http://127.0.0.1:{srv.port}"
    db = str(tmp / "feedback.sqlite3")
    settings = {
        "feedback-db": db, "allow-as-of": True, "base-url": base, "fetch-prefetch": True, "fetch-ca-file": cert,
        "auth": {"issuers": {ISS_EC: {"jwks": str(tmp / "ec.json")},
                             ISS_RSA: {"jwks": str(tmp / "rsa.json"), "jku": [keys_url + "/jwks-rsa"]},
                             ISS_URL: {"jwks": keys_url + "/jwks"}}},
    }
    srv.start(create_app(settings))
    client = httpx.Client(base_url=base, timeout=10)
    yield {"client": client, "base": base, "ec": ec_key, "rsa": rsa_key, "db": db,
           "fhir": f"https://127.0.0.1:{fhir.port}/fhir", "seen": seen, "mode": mode,
           "keys_url": keys_url}
    client.close()
    srv.stop()
    fhir.stop()


def token(env, path=SIGN, *, iss=ISS_EC, alg="ES384", aud=None, exp=300, iat=0, jti=None, headers=None, drop=()):
    now = int(time.time())
    claims = {"iss": iss, "aud": aud or env["base"] + path, "exp": now + exp, "iat": now + iat,
              "jti": jti or str(uuid.uuid4()), "sub": "ehr-client"}
    for k in drop:
        claims.pop(k)
    key = env["ec"] if alg == "ES384" else env["rsa"] if alg == "RS384" else "hmac-secret-" * 5
    h = {"kid": "ec-1" if alg == "ES384" else "rsa-1", **(headers or {})}
    return jwt.encode(claims, key, algorithm=alg, headers=h)


def post(env, body, path=SIGN, tok=None, **kw):
    headers = {"Authorization": f"Bearer {tok or token(env, path)}"} if tok != "" else {}
    if isinstance(body, (bytes, str)):
        return env["client"].post(path, content=body, headers={**headers, "content-type": "application/json"})
    return env["client"].post(path, json=body, headers=headers)


def outcome_of(r, status, code):
    assert r.status_code == status, r.text
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    OperationOutcome.model_validate(r.json())
    assert r.json()["issue"][0]["code"] == code
    return r.json()["issue"][0]["diagnostics"]


def test_health_and_discovery_need_no_token(env):
    assert env["client"].get("/healthz").json()["status"] == "ok"
    d = conformant_discovery(env["client"].get("/cds-services").json())
    assert {s["id"] for s in d["services"]} == {"orderlint-order-sign", "orderlint-order-select"}


def test_sign_accept_feedback_report(env):
    req = example("ILD301-fires")
    r = post(env, req)
    assert r.status_code == 200
    cards = conformant(r.json())["cards"]
    assert [c["source"]["label"] for c in cards] == ["orderlint ILD301"]
    card = cards[0]
    sugg = card["suggestions"][0]
    again = conformant(post(env, accept(req, sugg)).json())
    assert "ILD301" not in all_codes(again)
    fb = {"feedback": [{"card": card["uuid"], "outcome": "accepted", "acceptedSuggestions": [{"id": sugg["uuid"]}],
                        "outcomeTimestamp": "2026-03-02T10:00:00Z"}]}
    assert post(env, fb, SIGN + "/feedback").status_code == 200
    rows = {x["rule"]: x for x in json.loads(feedback_report(env["db"], fmt="json"))["rules"]}
    assert rows["ILD301"]["accepted"] == 1 and rows["ILD301"]["shown"] >= 1


def test_select_hook(env):
    req = example("ILD301-fires")
    req["hook"] = "order-select"
    req["context"]["selections"] = ["MedicationRequest/cyc"]
    path = "/cds-services/orderlint-order-select"
    assert all_codes(conformant(post(env, req, path).json())) == {"ILD301"}


def test_rs384_token_accepted(env):
    assert post(env, example("ILD301-clean"), tok=token(env, iss=ISS_RSA, alg="RS384")).json() == {"cards": []}


def test_jwks_from_https_url_and_allowed_jku(env):
    env["seen"].clear()
    for _ in range(2):  # the JWKS is fetched once, then cached
        tok = token(env, iss=ISS_URL, headers={"kid": "url-ec"})
        assert post(env, example("ILD301-clean"), tok=tok).status_code == 200
    assert [p for p, _, _ in env["seen"]] == ["/jwks"]
    tok = token(env, iss=ISS_RSA, alg="RS384", headers={"jku": env["keys_url"] + "/jwks-rsa"})
    assert post(env, example("ILD301-clean"), tok=tok).status_code == 200
    assert [p for p, _, _ in env["seen"]] == ["/jwks", "/jwks-rsa"]


def test_malformed_is_400(env):
    outcome_of(post(env, b"{nope"), 400, "invalid")
    outcome_of(post(env, {"hook": "order-sign"}), 400, "invalid")


@pytest.mark.parametrize("case", ["missing", "garbage", "wrong-aud", "unknown-iss", "expired", "future-iat", "no-jti",
                                  "hmac", "none", "jku-not-allowed", "wrong-key", "feedback-missing", "lives-too-long",
                                  "aud-list"])
def test_unauthenticated_is_401(env, case):
    req = example("ILD301-fires")
    path = SIGN
    if case == "missing":
        tok = ""
    elif case == "garbage":
        tok = "not.a.jwt"
    elif case == "wrong-aud":
        tok = token(env, aud=env["base"] + "/cds-services/orderlint-order-select")
    elif case == "unknown-iss":
        tok = token(env, iss="https://evil.example.org")
    elif case == "expired":
        tok = token(env, exp=-120)
    elif case == "future-iat":
        tok = token(env, iat=600)
    elif case == "no-jti":
        tok = token(env, drop=("jti",))
    elif case == "aud-list":  # aud must equal the endpoint URL, not merely be among several
        tok = token(env, aud=[env["base"] + SIGN, "https://other.example.org/cds-services/x"])
    elif case == "lives-too-long":  # CDS Hooks: exp at most 5 minutes ahead (each jti is kept until its exp)
        tok = token(env, exp=10 * 365 * 86400)
    elif case == "hmac":
        tok = token(env, alg="HS384")
    elif case == "none":
        tok = jwt.encode({"iss": ISS_EC, "aud": env["base"] + SIGN, "exp": int(time.time()) + 60,
                          "iat": int(time.time()), "jti": "x"}, None, algorithm="none")
    elif case == "jku-not-allowed":
        tok = token(env, iss=ISS_RSA, alg="RS384", headers={"jku": "https://evil.example.org/jwks"})
    elif case == "wrong-key":
        tok = token(env, iss=ISS_RSA, alg="ES384")  # signed with the EC key, issuer has only RSA keys
    else:
        path, req, tok = SIGN + "/feedback", {"feedback": [{"card": "c", "outcome": "overridden",
                                                            "outcomeTimestamp": "2026-03-02T10:00:00Z"}]}, ""
    r = post(env, req, path, tok=tok)
    outcome_of(r, 401, "login")
    assert r.headers["www-authenticate"] == "Bearer"


def test_a_token_for_five_minutes_and_the_leeway_is_accepted(env):
    assert post(env, example("ILD301-clean"), tok=token(env, exp=300 + 50)).status_code == 200


def test_replayed_jti_is_401(env):
    tok = token(env)
    assert post(env, example("ILD301-clean"), tok=tok).status_code == 200
    assert "already used" in outcome_of(post(env, example("ILD301-clean"), tok=tok), 401, "login")


def test_missing_prefetch_without_fhir_access_is_412(env):
    req = example("ILD301-fires")
    del req["prefetch"]["conditions"]
    assert "conditions" in outcome_of(post(env, req), 412, "incomplete")


def test_missing_prefetch_fetched_from_the_fhir_server(env):
    req = example("ILD301-fires")
    req["prefetch"] = {"activeMeds": {"resourceType": "Bundle", "type": "searchset"}}
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    env["seen"].clear()
    assert all_codes(conformant(post(env, req).json())) == {"ILD301"}
    paths = sorted(p for p, _, _ in env["seen"])
    # The optional keys the discovery asks for (not provided) are fetched too (review 6b-5).
    assert paths == ["/fhir/Condition", "/fhir/DiagnosticReport", "/fhir/MedicationStatement", "/fhir/Observation",
                     "/fhir/Patient/ssc-301", "/fhir/Procedure", "/fhir/ServiceRequest"]
    assert all(a == f"Bearer {FHIR_TOKEN}" for _, _, a in env["seen"])
    # A FHIR server that refuses the token: the data cannot be had, 412.
    req["fhirAuthorization"]["access_token"] = "wrong"
    assert "fetching it failed" in outcome_of(post(env, req), 412, "incomplete")


def test_fetching_prefetch_logs_no_patient_id(env, caplog):
    # services.md: no patient data in logs. httpx's INFO line named each URL fetched
    # ("GET .../MedicationRequest?patient=ssc-301&status=active"), and serve's root logger let it through.
    import logging

    from orderlint.serve.app import _QUIET_LOGGERS, configure_logging

    levels = {n: logging.getLogger(n).level for n in _QUIET_LOGGERS}
    req = example("ILD301-fires")
    del req["prefetch"]["conditions"]
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    try:
        configure_logging("debug")
        with caplog.at_level(logging.DEBUG):
            env["seen"].clear()
            assert post(env, req).status_code == 200
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)
    assert env["seen"] and "ssc-301" not in caplog.text


def test_a_fetch_that_drips_is_412_within_the_fetchs_time(env):
    # services.md: fetched from fhirServer (2 s timeout). httpx's timeout bounds each read, so an
    # answer of a byte every half second held the call for minutes, past any EHR's wait.
    req = example("ILD301-fires")
    del req["prefetch"]["conditions"]
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    env["mode"]["drip"] = "Condition"
    try:
        t0 = time.monotonic()
        said = outcome_of(post(env, req), 412, "incomplete")
        took = time.monotonic() - t0
    finally:
        del env["mode"]["drip"]
    assert "did not answer within 2 s" in said
    assert took < 15  # the drip alone lasts 20 s


@pytest.mark.parametrize("edit, said", [
    # The Condition's code twice: json.loads kept the second (here: no SSc-ILD), and the patient
    # was not-applicable, 200 {"cards": []}, where the request body with the same text is 400.
    (lambda t: t.replace('"code": {', '"code": {"text": "asthma"}, "code": {', 1), "duplicate key 'code'"),
    (lambda t: t.replace('"total": 2', '"total": NaN', 1), "NaN"),
])
def test_a_fetched_answer_is_read_as_strictly_as_the_request(env, edit, said):
    # services.md, Calling a service (fetch from fhirServer) and Errors: 412 `incomplete` when it cannot be read.
    req = example("ILD301-fires")
    conditions = req["prefetch"].pop("conditions")
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    text = json.dumps({**conditions, "total": 2})
    try:
        env["mode"]["raw_conditions"] = text.encode()
        assert all_codes(conformant(post(env, req).json())) == {"ILD301"}
        bad = edit(text)
        assert bad != text
        env["mode"]["raw_conditions"] = bad.encode()
        diagnostics = outcome_of(post(env, req), 412, "incomplete")
        assert "conditions: the FHIR server's answer is not JSON orderlint can read" in diagnostics and said in diagnostics
    finally:
        env["mode"].pop("raw_conditions", None)


def test_fetched_search_pages_are_all_read(env):
    req = example("ILD301-fires")
    req["prefetch"] = {"activeMeds": {"resourceType": "Bundle", "type": "searchset"}}
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    try:
        # Page 2 holds active atovaquone (PCP prophylaxis): read, it clears ILD301.
        env["mode"]["paged"] = "same"
        assert all_codes(conformant(post(env, req).json())) == set()
        # A next link to another server is not followed: the data would be partial, 412.
        env["mode"]["paged"] = "foreign"
        outcome_of(post(env, req), 412, "incomplete")
    finally:
        env["mode"].clear()


def test_a_search_the_client_gave_as_one_page_is_read_to_its_end(env):
    # Review 6b-2: before, a prefetch search with a next link was a 400 ("draft orders are not valid
    # FHIR"), no cards, even when the service could read the remaining pages.
    req = example("ILD301-fires")
    first = {"resourceType": "Bundle", "type": "searchset", "total": 1,
             "link": [{"relation": "next", "url": env["fhir"] + "/MedicationStatement?page=2"}]}
    req["prefetch"]["medicationStatements"] = first
    for k in ("serviceRequests", "diagnosticReports", "procedures"):
        req["prefetch"][k] = {"resourceType": "Bundle", "type": "searchset"}
    # Without FHIR server access: 412 naming the key, the data incomplete.
    msg = outcome_of(post(env, req), 412, "incomplete")
    assert "prefetch `medicationStatements`" in msg and "incomplete" in msg and "draft orders" not in msg
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    try:
        env["mode"]["paged"] = "same"
        env["seen"].clear()
        # Page 2 holds active atovaquone (PCP prophylaxis): read, it clears ILD301.
        assert all_codes(conformant(post(env, req).json())) == set()
        assert [(p, q) for p, q, _ in env["seen"]] == [("/fhir/MedicationStatement", "page=2")]
        # A next page the FHIR server refuses: 412, never read as complete.
        req["fhirAuthorization"]["access_token"] = "wrong"
        msg = outcome_of(post(env, req), 412, "incomplete")
        assert "medicationStatements" in msg and "fetching it failed" in msg
        # A next link to another server is not followed (the token goes to fhirServer only): 412.
        req["fhirAuthorization"]["access_token"] = FHIR_TOKEN
        first["link"][0]["url"] = "https://elsewhere.example.org/fhir/MedicationStatement?page=2"
        outcome_of(post(env, req), 412, "incomplete")
    finally:
        env["mode"].pop("paged", None)


def test_an_optional_key_that_cannot_be_fetched_is_a_note_on_the_cards(env):
    # Review 6b-5: a discovery key not in required-prefetch, not provided: fetched; when the FHIR
    # server cannot give it, the cards say which data was not provided (never a silent "no data").
    req = example("ILD301-fires")
    req["fhirServer"] = env["fhir"]
    req["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "user/*.read", "subject": "orderlint"}
    (card,) = conformant(post(env, req).json())["cards"]
    assert "was not provided" not in card["detail"]
    try:
        env["mode"]["unavailable"] = "Procedure"
        (card,) = conformant(post(env, req).json())["cards"]
        assert "prefetch \\`procedures\\` (Procedure data) was not provided; fetching it failed" in card["detail"]
        assert "serviceRequests" not in card["detail"] and "diagnosticReports" not in card["detail"]  # fetched
    finally:
        env["mode"].pop("unavailable", None)


def test_corpus_requests_never_500(env):
    files = sorted((ROOT.parent.parent / "shared" / "fhir-corpus").glob("cds-hooks-*/*.json"))
    files = files or sorted(Path("/work/shared/fhir-corpus").glob("cds-hooks-*/*.json"))
    if not files:
        pytest.skip("FHIR corpus not present")
    n = 0
    for f in files:
        body = f.read_bytes()
        for path in (SIGN, "/cds-services/orderlint-order-select"):
            r = post(env, body, path)
            assert r.status_code < 500, (f.name, r.text)
            if r.status_code == 200:
                conformant(r.json())
            else:
                outcome_of(r, r.status_code, r.json()["issue"][0]["code"])
            n += 1
    assert n > 0


def test_logs_hold_no_patient_data_over_http(env, caplog):
    import logging

    req = example("ILD301-fires")
    req["hookInstance"] = "e2e-instance-7"
    req["prefetch"]["patient"]["name"] = [{"family": "SENTINEL-NAME"}]
    req["context"]["draftOrders"]["entry"][0]["resource"]["note"] = [{"text": "SENTINEL-NOTE"}]
    with caplog.at_level(logging.DEBUG):
        assert post(env, req).status_code == 200
        post(env, b'{"hook": "SENTINEL-BAD')
        post(env, req, tok="SENTINEL-TOKEN")
    assert "e2e-instance-7" in caplog.text
    for secret in ("SENTINEL", "ssc-301", "cyclophosphamide", "Systemic sclerosis"):
        assert secret not in caplog.text
