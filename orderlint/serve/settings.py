"""`[tool.orderlint.serve]` settings (services.md section 1), validated; unknown keys are errors.

``parse_settings(table)`` takes the table as a dict (what the configuration file holds) and returns
:class:`ServeSettings`, or raises ``orderlint.config.ConfigError`` with one clear line.

```toml
[tool.orderlint.serve]
host = "127.0.0.1"
port = 8080
base-url = "https://cds.example.org"     # required with auth: `aud` is base-url + path
feedback-db = "orderlint-feedback.sqlite3"
store-comments = false
required-prefetch = ["patient", "activeMeds", "observations", "conditions", "medicationStatements"]
fetch-prefetch = false
fetch-ca-file = "/etc/ssl/ehr-ca.pem"  # optional CA bundle for the EHR's FHIR server (https only)
allow-as-of = false
max-request-bytes = 5242880
docs-url = "https://wiki.example.org/orderlint"  # optional: card links point here
ssl-certfile = "cert.pem"
ssl-keyfile = "key.pem"

[tool.orderlint.serve.auth.issuers."https://ehr.example.org"]
jwks = "ehr-keys.json"                      # a JWKS file, or an https URL (cached)
jku = ["https://ehr.example.org/jwks"]      # optional: jku header values accepted
```
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

PREFETCH_KEYS = ("patient", "activeMeds", "observations", "conditions", "medicationStatements",
                 "serviceRequests", "diagnosticReports", "procedures")
DEFAULT_REQUIRED = PREFETCH_KEYS[:5]
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

KEYS = ("host", "port", "base-url", "feedback-db", "store-comments", "required-prefetch", "fetch-prefetch",
        "fetch-ca-file", "allow-as-of", "max-request-bytes", "docs-url", "ssl-certfile", "ssl-keyfile", "auth")
ISSUER_KEYS = ("jwks", "jku")


@dataclass(frozen=True)
class Issuer:
    iss: str
    jwks: str  # a file path or an https URL
    jku: tuple[str, ...] = ()


#: The keys whose values are files (read from the configuration file's folder when relative).
PATH_KEYS = ("feedback-db", "fetch-ca-file", "ssl-certfile", "ssl-keyfile")


@dataclass(frozen=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: Optional[str] = None
    feedback_db: str = "orderlint-feedback.sqlite3"
    store_comments: bool = False
    required_prefetch: tuple[str, ...] = DEFAULT_REQUIRED
    fetch_prefetch: bool = False
    fetch_ca_file: Optional[str] = None
    allow_as_of: bool = False
    max_request_bytes: int = DEFAULT_MAX_BYTES
    docs_url: Optional[str] = None
    ssl_certfile: Optional[str] = None
    ssl_keyfile: Optional[str] = None
    issuers: tuple[Issuer, ...] = field(default=())

    @property
    def auth(self) -> bool:
        return bool(self.issuers)


def _err(msg: str) -> Exception:
    from orderlint.config import ConfigError

    return ConfigError(f"[tool.orderlint.serve] {msg}")


def _did(word: str, choices: Iterable[str]) -> str:
    from orderlint.config import did_you_mean

    return did_you_mean(word, choices)


def _string(key: str, v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _err(f"{key}: must be a non-empty string, not {v!r}")
    return v.strip()


def _bool(key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise _err(f"{key}: must be true or false, not {v!r}")
    return v


def _url(key: str, v: Any, *, https: bool = True) -> str:
    s = _string(key, v)
    from urllib.parse import urlsplit

    u = urlsplit(s)
    if u.scheme not in (("https",) if https else ("https", "http")) or not u.netloc:
        raise _err(f"{key}: must be an {'https' if https else 'http(s)'} URL, not {s!r}")
    return s.rstrip("/")


def parse_settings(table: Optional[Mapping[str, Any]] = None, **overrides: Any) -> ServeSettings:
    """Validate a `[tool.orderlint.serve]` table; ``overrides`` (python names, e.g. ``host``; None:
    not overridden) win, and are validated like the table's values."""
    if table is not None and not isinstance(table, Mapping):
        raise _err("must be a table")
    table = dict(table or {})
    for name, value in overrides.items():
        if value is not None:
            table[name.replace("_", "-")] = value
    for k in table:
        if k not in KEYS:
            raise _err(f"unknown key {k!r}{_did(k, KEYS)}")
    out: dict[str, Any] = {}
    for k, v in table.items():
        name = k.replace("-", "_")
        if k == "host":
            out[name] = _string(k, v)
        elif k == "port":
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 65535:
                raise _err(f"port: must be an integer 0-65535, not {v!r}")
            out[name] = v
        elif k == "base-url":
            # http allowed only for a loopback base (TLS is terminated in front otherwise).
            base = _url(k, v, https=False)
            if base.startswith("http://") and not _loopback_url(base):
                raise _err(f"base-url: must be https (the CDS Hooks spec requires TLS), not {base!r}")
            out[name] = base
        elif k == "feedback-db":
            out[name] = _string(k, v)
            if out[name].strip() == ":memory:" or out[name].startswith("file:"):
                # Lost at every restart, and the report cannot read it.
                raise _err(f"feedback-db: must be a file, not {out[name]!r}")
        elif k == "fetch-ca-file":
            out[name] = _string(k, v)
            import ssl

            try:
                ssl.create_default_context(cafile=out[name])
            except (OSError, ssl.SSLError, ValueError) as e:
                # Read only at the first fetch: every EHR call was then a 500.
                raise _err(f"fetch-ca-file: cannot read {out[name]!r} as CA certificates ({e})") from None
        elif k in ("ssl-certfile", "ssl-keyfile"):
            out[name] = _string(k, v)
            if not os.path.isfile(out[name]):
                raise _err(f"{k}: {out[name]!r} is not a file")
        elif k == "docs-url":
            out[name] = _url(k, v)
        elif k in ("store-comments", "fetch-prefetch", "allow-as-of"):
            out[name] = _bool(k, v)
        elif k == "required-prefetch":
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise _err(f"required-prefetch: must be a list of prefetch keys, not {v!r}")
            for x in v:
                if x not in PREFETCH_KEYS:
                    raise _err(f"required-prefetch: unknown prefetch key {x!r}{_did(x, PREFETCH_KEYS)}")
            out[name] = tuple(dict.fromkeys(v))
        elif k == "max-request-bytes":
            if isinstance(v, bool) or not isinstance(v, int) or v < 1024 or v > 256 * 1024 * 1024:
                raise _err(f"max-request-bytes: must be an integer from 1024 to 268435456, not {v!r}")
            out[name] = v
        elif k == "auth":
            out["issuers"] = _auth(v)
    s = ServeSettings(**out)
    if s.auth and not s.base_url:
        raise _err("base-url: required when auth lists issuers (the token's aud is base-url + path)")
    if bool(s.ssl_certfile) != bool(s.ssl_keyfile):
        raise _err("ssl-certfile and ssl-keyfile go together")
    return s


def _auth(v: Any) -> tuple[Issuer, ...]:
    if not isinstance(v, dict):
        raise _err("auth: must be a table")
    for k in v:
        if k != "issuers":
            raise _err(f"auth: unknown key {k!r}{_did(k, ['issuers'])}")
    issuers = v.get("issuers", {})
    if not isinstance(issuers, dict) or not issuers:
        raise _err("auth.issuers: must be a table of issuer URL -> {jwks = ..., jku = [...]}, with at least one issuer")
    out = []
    for iss, spec in issuers.items():
        if not isinstance(iss, str) or not iss.strip():
            raise _err(f"auth.issuers: issuer must be a non-empty string, not {iss!r}")
        if not isinstance(spec, dict):
            raise _err(f"auth.issuers.{iss!r}: must be a table with jwks")
        for k in spec:
            if k not in ISSUER_KEYS:
                raise _err(f"auth.issuers.{iss!r}: unknown key {k!r}{_did(k, ISSUER_KEYS)}")
        jwks = _string(f"auth.issuers.{iss!r}.jwks", spec.get("jwks"))
        if "://" in jwks:
            jwks = _url(f"auth.issuers.{iss!r}.jwks", jwks)
        jku = spec.get("jku", [])
        if not isinstance(jku, list):
            raise _err(f"auth.issuers.{iss!r}.jku: must be a list of https URLs")
        out.append(Issuer(iss, jwks, tuple(_url(f"auth.issuers.{iss!r}.jku", u) for u in jku)))
    return tuple(out)


def _loopback_url(url: str) -> bool:
    from urllib.parse import urlsplit

    return is_loopback(urlsplit(url).hostname or "")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    import ipaddress

    h = host.strip().strip("[]")
    if h.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False
