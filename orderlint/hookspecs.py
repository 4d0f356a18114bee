"""The plugin interface (pluggy). The built-in SSc-ILD pack implements exactly these hooks.

A rule pack is a module registered under the ``orderlint`` entry-point group::

    [project.entry-points.orderlint]
    my-pack = "my_pack.plugin"

and implements any of the hooks below with ``@orderlint.hookspecs.hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from orderlint.rules import Pack, Rule

PROJECT = "orderlint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PackSpec:
    @hookspec
    def orderlint_rules(self) -> "list[Rule]":
        """Return the pack's rules: a list of :class:`orderlint.rules.Rule` (built with ``@rule``).

        Import rule modules inside this hook, not at module import, to keep start-up fast. A rule
        that compares amounts declares them (``@rule(amounts=[Need(...)])``): normalization computes
        them for every installed rule and decides OL003 before any check runs; ``reg.amount()`` and
        ``reg.daily_pe()`` only look them up. Checks receive a read-only regimen and read-only
        options, run under the per-document time limit (``check-timeout``), and anything they raise
        (SystemExit included) is OL000 for that rule.
        """
        raise NotImplementedError  # a specification: the packs implement it

    @hookspec
    def orderlint_vocabulary(self) -> "dict[str, Any]":
        """Return vocabulary: ``{"drugs": {canonical: {"classes", "aliases", "rxcui", "pe_factor"}},
        "tests": {canonical: [aliases]}}``. Both keys are optional; any other key is a load error, as
        is a class that looks like a misspelling of a known class and a systemic-glucocorticoid
        without a ``pe_factor`` (0.1 to 10).

        A contribution that changes a fact another pack declared (classes, pe_factor, rxcui,
        route_classes, by_route) is a load error naming both packs, unless the site lists this
        plugin in ``allow-vocabulary-override``. ``by_route`` (``{"iv": "immune globulin"}``) makes
        an order of the ingredient by that systemic route an order of another ingredient of the
        vocabulary (subcutaneous immune globulin given IV is IVIG).
        """
        raise NotImplementedError  # a specification: the packs implement it

    @hookspec
    def orderlint_pack(self) -> "Pack":
        """Return what the pack declares about itself: an :class:`orderlint.rules.Pack` with its
        pack-level settings (terms several of its rules share, set by a site in
        ``[tool.orderlint.packs.<pack-name>]``, read by checks with ``orderlint.rules.setting``)
        and the folder of its case files (``<CODE>.yaml`` per rule, run by
        ``orderlint.cases.check_case``; ``explain`` shows the first firing and passing case).
        The pack's name is its entry-point name.
        """
        raise NotImplementedError  # a specification: the packs implement it
