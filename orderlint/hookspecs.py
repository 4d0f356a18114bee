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

        Import rule modules inside this hook, not at module import, to keep start-up fast. A rule
        that compares amounts declares them (``@rule(amounts=[Need(...)])``): normalization computes
        them for every installed rule and decides OL003 before any check runs; ``reg.amount()`` and
        ``reg.daily_pe()`` only look them up. Checks receive a read-only regimen and read-only
        options, run under the per-document time limit (``check-timeout``), and anything they raise
        (SystemExit included) is OL000 for that rule.
        """

    @hookspec
    def orderlint_vocabulary(self) -> dict:
        """Return vocabulary: ``{"drugs": {canonical: {"classes", "aliases", "rxcui", "pe_factor"}},
        "tests": {canonical: [aliases]}}``. Both keys are optional.

        A contribution that changes a fact another pack declared (classes, pe_factor, rxcui) is a
        load error naming both packs, unless the site lists this plugin in
        ``allow-vocabulary-override``.
        """
