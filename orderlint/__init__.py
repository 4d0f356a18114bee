"""orderlint: a safety linter for proposed SSc-ILD medication regimens.

The public Python API is deliberately small and imported lazily, so that
``orderlint --version`` and a pre-commit run pay only for what they use::

    import orderlint
    result = orderlint.lint({"id": "pt-1", ...})
    for finding in result.findings:
        print(finding.code, finding.message)
"""

from __future__ import annotations

__version__ = "0.3.6"

__all__ = ["__version__", "lint", "lint_all", "lint_many", "Linter", "Finding", "Result", "Report"]


def __getattr__(name: str):
    # Lazy re-exports: importing the package must not import pydantic or the rule packs.
    if name in ("lint", "lint_all", "lint_many"):
        from orderlint import api

        return getattr(api, name)
    if name == "Linter":
        from orderlint.engine import Linter

        return Linter
    if name in ("Finding", "Result", "Report"):
        from orderlint import findings

        return getattr(findings, name)
    raise AttributeError(f"module 'orderlint' has no attribute {name!r}")
