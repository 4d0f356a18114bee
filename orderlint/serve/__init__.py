"""`orderlint serve`: a CDS Hooks 2.0 service (services.md section 1), extra ``orderlint[serve]``.

- ``create_app(settings=None, linter=None)`` -> the Starlette ASGI app (``settings``: a
  `[tool.orderlint.serve]` table as a dict, or ``ServeSettings``).
- ``run(host=None, port=None, *, settings=None, linter=None)`` -> serve on uvicorn; a non-loopback
  host without authentication is a ``ConfigError``.
- ``parse_settings(table)`` -> ``ServeSettings`` (validated; unknown keys are errors).
- ``feedback_report(db_path, since=None, fmt="text"|"json")`` -> the per-rule override report.

Imports are lazy: starlette, uvicorn, httpx and PyJWT load only when the service is used.
"""

from __future__ import annotations

from orderlint._lazy import lazy_getattr

__all__ = ["ServeSettings", "create_app", "feedback_report", "parse_settings", "run"]

_LAZY = {
    "create_app": "orderlint.serve.app", "run": "orderlint.serve.app",
    "ServeSettings": "orderlint.serve.settings", "parse_settings": "orderlint.serve.settings",
    "feedback_report": "orderlint.serve.feedback",
}

__getattr__ = lazy_getattr("orderlint.serve", _LAZY, globals())
