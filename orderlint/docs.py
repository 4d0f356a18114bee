"""Documentation generated from rule declarations: `rules --format json`, `explain`, the README table."""

from __future__ import annotations

import textwrap
from typing import Any, Mapping, Optional

from orderlint.rules import Option, Rule


def rule_dict(
    r: Rule,
    options: Optional[Mapping[str, Any]] = None,
    *,
    settings: Optional[Mapping[str, Any]] = None,
    docs_url: Optional[str] = None,
    severity: Optional[str] = None,
    enabled: bool = True,
) -> dict[str, Any]:
    """A rule as `rules --format json` shows it; ``options`` are its effective values,
    ``settings`` the effective pack settings (``Linter.settings_values``), ``docs_url`` the site's,
    ``severity`` the site's (default: the declared one), ``enabled`` whether the selection runs it."""
    return {
        "code": r.code,
        "name": r.name,
        "severity": severity or r.severity,
        "default_severity": r.severity,
        "enabled": enabled,
        "summary": r.summary_for(options),
        "source": {"citation": r.source.citation, "grade": r.source.grade, "verification": r.source.verification},
        "rationale": r.rationale,
        "fix": r.fix_for(options),
        "notes": r.notes,
        "options": {k: _option_dict(o, options, k) for k, o in r.options.items()},
        "settings": {k: _option_dict(o, _setting_values(r, options, settings), k) for k, o in _read_settings(r).items()},
        "conditions": sorted(r.conditions) if r.conditions else None,
        "plugin": r.plugin,
        "help_uri": r.help_uri(docs_url),
        "docs_anchor": r.docs_anchor,
    }


def _option_dict(o: Option, values: Optional[Mapping[str, Any]], k: str) -> dict[str, Any]:
    return {
        "default": o.default, "description": o.description, "kind": o.kind,
        **({"minimum": o.minimum, "maximum": o.maximum} if o.kind in ("number", "integer") else {}),
        **({"min_items": o.min_items} if o.min_items is not None else {}),
        **({"choices": list(o.choices)} if o.choices is not None else {}),
        **({"additive": True} if o.additive else {}),
        **({"value": values[k]} if values is not None and k in values else {}),
    }


def _read_settings(r: Rule) -> dict[str, Option]:
    """The pack settings the rule reads, with their declarations (pack loaded: ``pack_settings``)."""
    packs = r.pack_settings or {}
    return {n: packs[n] for n in r.settings if n in packs}


def _setting_values(r: Rule, options: Optional[Mapping[str, Any]], settings: Optional[Mapping[str, Any]]) -> Optional[dict[str, Any]]:
    if settings is None and options is None:
        return None
    values = {n: (options or {})[n] for n in r.settings if n in (options or {})}
    values.update({n: settings[n] for n in r.settings if settings is not None and n in settings})
    return values


def _allowed(o: Option) -> str:
    """' (allowed: 0 to 30)' for a number option with a range, ' (not empty)' for a list or table
    that must name something; a site value outside it is refused."""
    least = o.min_items
    size = "" if least is None else "not empty" if least == 1 else f"at least {least} items"
    if o.choices is not None:
        return f" (allowed: {', '.join(o.choices)}{'; ' + size if size else ''})"
    if size:
        return f" ({size})"
    if o.kind not in ("number", "integer") or (o.minimum is None and o.maximum is None):
        return ""
    lo = "any" if o.minimum is None else f"{o.minimum:g}"
    hi = "no limit" if o.maximum is None else f"{o.maximum:g}"
    return f" (allowed: {lo} to {hi})"


_TAGS = {"V": "verified in a primary source", "V2": "verified in a secondary source only", "U": "unverified"}


def _wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(textwrap.fill(p, width=96, initial_indent=indent, subsequent_indent=indent) for p in text.split("\n"))


def explain_text(
    r: Rule,
    effective: Mapping[str, Any],
    *,
    settings: Optional[Mapping[str, Any]] = None,
    docs_url: Optional[str] = None,
    severity: Optional[str] = None,
    enabled: bool = True,
) -> str:
    """`orderlint explain`: ``effective`` the rule's options (``Linter.options[code]``),
    ``settings`` the effective pack settings (``Linter.settings_values``), ``docs_url`` the site's,
    ``severity`` the site's and ``enabled`` whether the selection runs it (as `rules_dict`)."""
    head = f"{r.code} {r.name} [{severity or r.severity}]"
    if severity and severity != r.severity:
        head += f" (configured; default {r.severity})"
    out = [head, "", _wrap(r.summary_for(effective), ""), ""]
    if not enabled:
        out[2:2] = ["Not run: the configuration's selection (select, ignore) leaves it out.", ""]
    out += ["Why:", _wrap(r.rationale), ""]
    out += [
        "Source:",
        _wrap(r.source.citation),
        f"  Evidence: {r.source.grade}; verification tag {r.source.verification} ({_TAGS.get(r.source.verification, r.source.verification)}).",
        "",
    ]
    if r.notes:
        out += ["Notes:", _wrap(r.notes), ""]
    if r.fix:
        out += ["Fix:", _wrap(r.fix_for(effective) or r.fix), ""]
    if r.options:
        out.append(f"Options ([tool.orderlint.rules.{r.code}]):")
        for k, o in r.options.items():
            cur = effective.get(k, o.default)
            note = "" if cur == o.default else f" (configured: {cur!r})"
            out.append(f"  {k} = {o.default!r}{note}{_allowed(o)}")
            out.append(_wrap(o.description, "      "))
        out.append("")
    read = _read_settings(r)
    if read:
        values = _setting_values(r, effective, settings) or {}
        out.append(f"Pack settings it reads ([tool.orderlint.packs.{r.plugin}]):")
        for k, o in read.items():
            cur = values.get(k, o.default)
            note = "" if cur == o.default else f" (configured: {cur!r})"
            out.append(f"  {k} = {o.default!r}{note}{_allowed(o)}")
            out.append(_wrap(o.description, "      "))
        out.append("")
    firing, passing = _first_cases(r)
    for title, case in (("Fires on", firing), ("Passes", passing)):
        if case is not None:
            out += [f"{title} (case {case.name!r} of {r.code}.yaml):", textwrap.indent(case.document.rstrip("\n"), "  ")]
            out += [f"  -> {_expected(case)}", ""]
    link = r.help_uri(docs_url)
    out.append(f"Plugin: {r.plugin}. Documentation: {r.docs_anchor}." + (f" More: {link}" if link != r.docs_anchor else ""))
    return "\n".join(out)


def _first_cases(r: Rule) -> tuple[Any, Any]:
    from orderlint.cases import first_cases

    return first_cases(r)


def _expected(case: Any) -> str:
    from orderlint.cases import expected_text

    return expected_text(case)


def rules_markdown(rules: list[Rule]) -> str:
    """The rule table at the top of docs/rules.md, each code linking to its section."""
    rows = ["| code | name | severity | summary | evidence |", "|---|---|---|---|---|"]
    for r in rules:
        summary = r.summary.replace("|", "\\|")
        rows.append(f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity} | {summary} | {r.source.grade} ({r.source.verification}) |")
    return "\n".join(rows)


def reference_markdown(rules: list[Rule]) -> str:
    """docs/rules.md: every rule's full declaration (tests/test_catalog.py keeps it in sync)."""
    out = [
        "# orderlint rule reference",
        "",
        "Generated from the rule declarations by `python -m orderlint.docs --reference > docs/rules.md`;",
        "do not edit by hand. `orderlint explain CODE` shows the same text.",
        "",
        rules_markdown(rules),
        "",
        "Evidence tags: **V** verified in a primary source, **V2** in a secondary source only, **U** unverified.",
        "",
    ]
    for r in rules:
        # An explicit anchor: Rule.docs_anchor (docs/rules.md#<code>) and the site's docs-url link to it.
        out += [f'<a id="{r.code.lower()}"></a>', "", f"## {r.code} {r.name}", "", f"**Severity:** {r.severity}. **Plugin:** {r.plugin}.", ""]
        out += [r.summary, "", f"**Why.** {r.rationale}", ""]
        out += [f"**Source.** {r.source.citation}. Evidence: {r.source.grade}; verification tag {r.source.verification} "
                f"({_TAGS.get(r.source.verification, r.source.verification)}).", ""]
        if r.notes:
            out += [f"**Notes.** {r.notes}", ""]
        if r.fix:
            out += [f"**Fix.** {r.fix}", ""]
        if r.options:
            out += [f"**Options** (`[tool.orderlint.rules.{r.code}]`):", ""]
            for k, o in r.options.items():
                out.append(f"- `{k}` = `{o.default!r}`{_allowed(o)}: {o.description}")
            out.append("")
        read = _read_settings(r)
        if read:
            out += [f"**Pack settings it reads** (`[tool.orderlint.packs.{r.plugin}]`):", ""]
            for k, o in read.items():
                out.append(f"- `{k}` = `{o.default!r}`{_allowed(o)}: {o.description}")
            out.append("")
        out += [f"**Source link:** {r.help_uri()}", ""]
        firing, passing = _first_cases(r)
        for title, case in (("Fires on", firing), ("Passes", passing)):
            if case is not None:
                out += [f"{title} (case `{case.name}`; expected: {_expected(case)}):", "", "```yaml", case.document.rstrip("\n"), "```", ""]
    out += _limits_markdown()
    return "\n".join(out)


def _limits_markdown() -> list[str]:
    """The look-back windows and the check time limit a site may set, with their limits."""
    from orderlint.config import DEFAULT_CHECK_TIMEOUT, DEFAULT_LOOKBACK, LOOKBACK_MAX, LOOKBACK_MAX_OTHER, MAX_CHECK_TIMEOUT

    def days(v: Any) -> str:
        return "any date" if v is None else f"{v} days"

    out = [
        "## Look-back windows and time limit",
        "",
        "`[tool.orderlint.lookback-days]` sets how old a resulted test may be and still count. A window",
        "longer than its limit is a configuration error: an old result would stand for a current one.",
        "`any` is allowed only where the limit is any date.",
        "",
        "| test | default | longest allowed | why |",
        "|---|---|---|---|",
    ]
    for test, (longest, why) in LOOKBACK_MAX.items():
        default = DEFAULT_LOOKBACK.get(test, DEFAULT_LOOKBACK["default"])
        out.append(f"| {test} | {days(default)} | {days(longest)} | {why} |")
    out.append(f"| a test a plugin adds | {days(DEFAULT_LOOKBACK['default'])} | {days(LOOKBACK_MAX_OTHER[0])} | {LOOKBACK_MAX_OTHER[1]} |")
    out += [
        "",
        "`check-timeout`: seconds one check may take on one document before it counts as crashed (`OL000`);",
        f"default {DEFAULT_CHECK_TIMEOUT:g}, greater than 0 and at most {MAX_CHECK_TIMEOUT:g} (a check that needs longer is hung).",
        "",
    ]
    return out


if __name__ == "__main__":  # python -m orderlint.docs [--reference]
    import sys

    from orderlint.engine import Linter

    linter = Linter()
    if "--reference" in sys.argv:
        print(reference_markdown(linter.rules), end="")
    else:
        print(rules_markdown(linter.rules))
