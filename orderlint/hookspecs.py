"""The plugin interface (pluggy). The built-in SSc-ILD pack implements exactly these hooks.

A rule pack is a module registered under the ``orderlint`` entry-point group::

    [project.entry-points.orderlint]
    my-pack = "my_pack.plugin"

and implements one or both hooks with ``@orderlint.hookspecs.hookimpl``.
"""

from __future__ import annotations

import pluggy

PROJECT = "orderlint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PackSpec:
    @hookspec
    def orderlint_rules(self) -> list:
        """Return the pack's rules: a list of :class:`orderlint.rules.Rule` (built with ``@rule``).

        Import rule modules inside this hook, not at module import, to keep start-up fast.
        """

    @hookspec
    def orderlint_vocabulary(self) -> dict:
        """Return vocabulary: ``{"drugs": {canonical: {"classes", "aliases", "rxcui", "pe_factor"}},
        "tests": {canonical: [aliases]}}``. Both keys are optional."""
