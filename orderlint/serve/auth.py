"""JWT bearer tokens of CDS clients (the CDS Hooks spec's security section; services.md section 1).

Each allowed ``iss`` has a JWKS (a file, or an https URL fetched and cached) and an optional ``jku``
allowlist. ``aud`` must equal the called endpoint's URL (``base-url`` + path); ``exp``, ``iat`` and
``jti`` are required and checked with a 60 s leeway; a ``jti`` seen before is refused until its
``exp`` passes; only RS384 and ES384 are accepted (never ``none`` nor HMAC).
"""

from __future__ import annotations

import json
import ssl
import time
import threading
from typing import Any, Optional, Union

from orderlint.serve.settings import Issuer

ALGORITHMS = ["RS384", "ES384"]
LEEWAY = 60
JWKS_TTL = 300.0
MAX_JTI = 100_000
#: CDS Hooks (Security): a token's exp is at most five minutes in the future.
MAX_LIFETIME = 300
#: Seconds an issuer's JWKS URL that failed is not fetched again.
JWKS_RETRY = 30.0


class AuthError(Exception):
    """Token missing or rejected; the message names why (no token content)."""


class Verifier:
    def __init__(self, issuers: tuple[Issuer, ...], base_url: str, ca_file: Optional[str] = None) -> None:
        self.issuers = {i.iss: i for i in issuers}
        self.base_url = base_url.rstrip("/")
        self.ca_file = ca_file
        self._jwks: dict[str, tuple[float, list[Any]]] = {}
        self._jti: dict[str, float] = {}
        self._swept = 0.0
        self._refetched: dict[str, float] = {}
        self._failed: dict[str, float] = {}  # JWKS URL -> when fetching it last failed
        self._lock = threading.Lock()  # verify runs in worker threads: one jti check-and-record at a time

    # ------------------------------------------------------------------ keys
    def _load_jwks(self, where: str, fresh: bool = False) -> list[Any]:
        hit = self._jwks.get(where)
        now = time.monotonic()
        if hit is not None and not fresh and now - hit[0] < JWKS_TTL:
            return hit[1]
        if "://" in where:
            import httpx

            if now - self._failed.get(where, -1e9) < JWKS_RETRY:
                # Not fetched again for a while: each token naming the issuer waited 2 s for it.
                raise AuthError("cannot read the issuer's JWKS (it failed moments ago)")
            try:
                verify: Union[bool, ssl.SSLContext] = True
                if self.ca_file:
                    verify = ssl.create_default_context(cafile=self.ca_file)
                r = httpx.get(where, timeout=2.0, follow_redirects=False, verify=verify)
                r.raise_for_status()
                data = r.json()
            except Exception as e:
                self._failed[where] = time.monotonic()
                raise AuthError(f"cannot read the issuer's JWKS ({type(e).__name__})") from None
        else:
            try:
                with open(where, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                raise AuthError(f"cannot read the issuer's JWKS file ({type(e).__name__})") from None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list):
            raise AuthError("the issuer's JWKS has no keys")
        self._jwks[where] = (now, keys)
        return keys

    def _key(self, header: dict[str, Any], issuer: Issuer) -> Any:
        import jwt

        jku = header.get("jku")
        if jku is not None:
            if not isinstance(jku, str) or jku.rstrip("/") not in issuer.jku:
                raise AuthError("jku is not on the issuer's allowlist")
            where = jku
        else:
            where = issuer.jwks
        kid = header.get("kid")
        alg = header.get("alg")
        want = "RSA" if alg == "RS384" else "EC"

        def matching(keys: list[Any]) -> list[dict[str, Any]]:
            return [k for k in keys if isinstance(k, dict) and k.get("kty") == want
                    and (kid is None or k.get("kid") == kid) and k.get("use", "sig") == "sig"]

        cached = where in self._jwks
        cands = matching(self._load_jwks(where))
        now = time.monotonic()
        if not cands and cached and "://" in where and now - self._refetched.get(where, -1e9) > 30:
            # The issuer may have rotated its keys; at most once in 30 s, so unknown kids cannot hammer it.
            self._refetched[where] = now
            cands = matching(self._load_jwks(where, fresh=True))
        if not cands:
            raise AuthError("no key of the issuer matches the token's kid and alg")
        try:
            return jwt.PyJWK(cands[0], algorithm=alg).key
        except Exception:
            raise AuthError("the issuer's key cannot be read") from None

    # ------------------------------------------------------------------ tokens
    def verify(self, authorization: Optional[str], path: str) -> dict[str, Any]:
        import jwt

        if not authorization:
            raise AuthError("no bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("no bearer token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError("the token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"algorithm {str(header.get('alg'))[:20]!r} is not accepted (RS384, ES384)")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise AuthError("the token's issuer is not allowed")
        key = self._key(header, issuer)
        aud = self.base_url + path
        try:
            claims = jwt.decode(token, key=key, algorithms=[header["alg"]], audience=aud, issuer=iss,
                                leeway=LEEWAY, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError("the token's aud is not this endpoint") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("the token is not valid yet") from None
        except jwt.MissingRequiredClaimError as e:
            raise AuthError(f"the token has no {e.claim}") from None
        except jwt.PyJWTError as e:
            raise AuthError(f"the token is rejected ({type(e).__name__})") from None
        if claims.get("aud") != aud:
            # The services.md reading of the spec: aud must equal the endpoint URL. A list holding it
            # (and other audiences) was accepted, a token meant for several services at once.
            raise AuthError("the token's aud is not exactly this endpoint")
        now = time.time()
        iat = claims.get("iat")
        if not isinstance(iat, (int, float)) or iat > now + LEEWAY:
            raise AuthError("the token's iat is in the future")
        if float(claims["exp"]) > now + MAX_LIFETIME + LEEWAY:
            # CDS Hooks (Security): exp no more than five minutes in the future. Each jti is kept until
            # its exp: tokens of years filled the table, and then every token was refused.
            raise AuthError("the token's exp is more than 5 minutes ahead (CDS Hooks allows at most 5)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise AuthError("the token has no jti")
        key_ = f"{iss}\x1f{jti}"
        with self._lock:
            self._expire(now)
            if key_ in self._jti:
                raise AuthError("the token's jti was already used")
            if len(self._jti) >= MAX_JTI:
                raise AuthError("too many live tokens")  # fail closed rather than forget a jti
            self._jti[key_] = float(claims["exp"]) + LEEWAY
        return claims

    def _expire(self, now: float) -> None:
        # Forget used jti values once their token has expired (checked at most once a minute).
        if now - self._swept < 60 and len(self._jti) < 1000:
            return
        self._swept = now
        for k in [k for k, exp in self._jti.items() if exp < now]:
            del self._jti[k]
