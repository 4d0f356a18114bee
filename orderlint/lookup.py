"""``orderlint lookup NAME...``: how a name normalizes.

For each name: the drug it reads as (ingredient, classes, RxNorm codes with their verification
tags, the enabled rules that check it), the test, unit, route, frequency or condition it is; or,
when it is none of these, the closest known names above the similarity threshold and, for units,
routes and frequencies, the accepted values. Reads the same tables the linter uses, so what it
shows is what a document gets.
"""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from orderlint.vocabulary import SIMILARITY, SYSTEMIC_ROUTES, Code, Drug, Resolution, clean_name

if TYPE_CHECKING:
    from orderlint.engine import Linter

_CATEGORIES = ("drug", "test", "unit", "route", "frequency", "condition")
_PLURAL = {"unit": "units", "route": "routes", "frequency": "frequencies"}


def _tables() -> tuple[
    dict[str, tuple[str, float]], dict[str, str], dict[str, str], dict[str, float],
    Callable[[str], tuple[Optional[float], bool]],
]:
    from orderlint import normalize

    return normalize.UNITS, normalize.COUNT_UNITS, normalize.ROUTES, normalize.FREQUENCIES, normalize.parse_frequency


def _condition_key(text: str) -> str:
    from orderlint.validate import canonical_condition

    return canonical_condition(text)


def _close(text: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(text, sorted(set(known)), n=3, cutoff=SIMILARITY)


def _option_names(value: Any) -> set[str]:
    """The names an option value holds (a list of names, or a table's keys and values)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set[str]().union(*(_option_names(k) | _option_names(v) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return set[str]().union(*(_option_names(v) for v in value))
    return set()


def _checking_rules(linter: Linter, tags: frozenset[str]) -> list[dict[str, str]]:
    """Enabled rules that name the drug, by ingredient or class, in their trigger or their options
    (rules.md Terms, "Checked drug"): the rules that look at, or look for, such an order."""
    out = []
    options = linter.options
    for r in linter.rules:
        if r.code not in linter.enabled:
            continue
        trig = linter._triggers.get(r.code)
        named = trig is not None and not trig.isdisjoint(tags)
        # What a rule looks for rather than triggers on (ILD301's PCP agents), when it says so.
        looks_for = getattr(r, "looks_for", None)
        if not named and looks_for:
            named = not frozenset(looks_for).isdisjoint(tags)
        if not named:
            named = not _option_names(options.get(r.code, {})).isdisjoint(tags)
        if named and not frozenset(getattr(r, "leaves", ())).isdisjoint(tags):
            named = False  # a drug the check leaves to another rule (ILD403: rituximab, ILD402's)
        if named:
            out.append({"code": r.code, "name": r.name})
    return out


def _drug_info(linter: Linter, d: Drug, res: Resolution) -> dict[str, Any]:
    """``d``: the drug ``res`` reads as."""
    vocab = linter.vocab
    codes = vocab.codes_of(d)
    ingredient_code = next((c for c in codes if c.code == d.rxcui), None)
    info: dict[str, Any] = {
        "kind": "drug",
        "ingredient": d.name,
        "classes": sorted(d.classes),
        "pe_factor": d.pe_factor,
        "rxcui": None if ingredient_code is None else _code(ingredient_code),
        "product_codes": [_code(c) for c in codes if c is not ingredient_code],
        "route_classes": {r: sorted(c) for r, c in d.route_classes},
        "route_in_name": res.route,
        "printed_strength": None if res.printed_strength is None else dict(
            zip(("value", "unit", "per"), res.printed_strength)),
        "checked_by": _checking_rules(linter, d.tags),
    }
    if res.route is not None and res.route not in SYSTEMIC_ROUTES:
        # As check reads it (Vocabulary.is_checked_by): by a route that is not systemic only the
        # classes the route keeps, never the ingredient itself (topical dapsone is no ILD407 order).
        info["checked_by_route"] = {"route": res.route,
                                    "rules": _checking_rules(linter, d.tags_for_route(res.route) - {d.name})}
    return info


def _code(c: Code) -> dict[str, str]:
    return {"code": c.code, "tag": c.tag, "source": c.source}


def lookup(linter: Linter, name: str) -> dict[str, Any]:
    """-> {"name", "matches": [...], "suggestions": {category: [...]}, "accepted": {category: [...]}}."""
    units, count_units, routes, frequencies, parse_frequency = _tables()
    vocab = linter.vocab
    matches: list[dict[str, Any]] = []
    text = name.strip()
    res = vocab.resolve(text) if text else Resolution()
    if res.drug is not None:
        matches.append(_drug_info(linter, res.drug, res))
    elif res.ambiguous:
        message, is_error = vocab.unknown_drug(text, linter.checked_drugs)  # rated as lint rates OL002
        matches.append({"kind": "ambiguous-drug", "ingredients": list(res.ambiguous), "message": message,
                        "severity": "error" if is_error else "warning"})
    tests = vocab.test(text) if text else None
    if tests:
        matches.append({"kind": "test", "counts_as": list(tests)})
    unit_key = text if text in units or text in count_units else clean_name(text).replace(" ", "")
    if unit_key in units:
        basis, factor = units[unit_key]
        matches.append({"kind": "unit", "unit": unit_key, "basis": basis, "mg_per_unit": factor})
    elif unit_key in count_units:
        matches.append({"kind": "unit", "unit": unit_key, "counted_in": count_units[unit_key],
                        "needs": "strength (mg per " + count_units[unit_key].lower() + ")"})
    route = routes.get(text) or routes.get(clean_name(text))
    if route:
        matches.append({"kind": "route", "route": route, "systemic": route in SYSTEMIC_ROUTES})
    if text:
        per_day, single = parse_frequency(text)
        if per_day is not None:
            matches.append({"kind": "frequency", "per_day": round(per_day, 6), "single_administration": single})
    condition = _condition_key(text) if text else ""
    if condition and condition in linter.conditions:
        matches.append({"kind": "condition", "condition": condition})

    suggestions: dict[str, list[str]] = {}
    accepted: dict[str, list[str]] = {}
    unknown: Optional[dict[str, Any]] = None
    if not matches:
        key = clean_name(text)
        names = vocab.checked_names_in(text, linter.checked_drugs) if text else []
        # As lint rates OL002: a checked drug's name with other words, a likely misspelling of one,
        # or one written with look-alike letters of another script is an error.
        message, err = vocab.unknown_drug(text, linter.checked_drugs) if text else ("", False)
        if err:
            named = [(k, vocab.drug(k)) for k in names]
            unknown = {"severity": "error", "message": message,
                       "names": [{"name": k, "ingredient": d.name} for k, d in named if d is not None]}
        found = {
            "drug": vocab.suggest_drugs(text) if text else [],
            "test": _close(key, vocab.tests) if text else [],
            "unit": _close(key.replace(" ", ""), [*units, *count_units]),
            "route": _close(key, routes),
            "frequency": _close(key.replace(".", ""), frequencies),
            "condition": _close(condition, linter.conditions),
        }
        suggestions = {k: v for k, v in found.items() if v}
        lists = {"unit": sorted({*units, *count_units}), "route": sorted(routes),
                 "frequency": sorted(frequencies) + ["q<N>h, every <N> hours, <N> hourly (N = 1 to 168)"]}
        wanted = [k for k in lists if k in suggestions] or list(lists)
        accepted = {k: lists[k] for k in wanted}
    out = {"name": name, "matches": matches, "suggestions": suggestions, "accepted": accepted}
    if unknown is not None:
        out["unknown_drug"] = unknown
    return out


def render(linter: Linter, names: list[str], fmt: str = "text") -> str:
    results = [lookup(linter, n) for n in names]
    if fmt == "json":
        return json.dumps({"lookup": results}, indent=2, ensure_ascii=False)
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}: text or json")
    return "\n".join(_text(r) for r in results)


def _safe(text: str) -> str:
    """A name as typed, with control characters escaped (a name must not forge a report line)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _rules(rules: list[dict[str, str]]) -> str:
    return ", ".join(f"{r['code']} {r['name']}" for r in rules) or "no enabled rule names it"


def _text(r: dict[str, Any]) -> str:
    name = _safe(r["name"])
    lines: list[str] = []
    for m in r["matches"]:
        kind = m["kind"]
        if kind == "drug":
            lines.append(f"{name}: drug {m['ingredient']}")
            lines.append(f"  classes: {', '.join(m['classes']) or 'none (a co-medication)'}")
            if m["pe_factor"] is not None:
                lines.append(f"  prednisone equivalent: {m['pe_factor']:g} mg per mg")
            rx: Optional[dict[str, str]] = m["rxcui"]
            lines.append("  RxNorm: " + (f"{rx['code']} [{rx['tag']}] ({rx['source']})" if rx else "no code known"))
            if m["product_codes"]:
                shown = ", ".join(f"{c['code']} [{c['tag']}]" for c in m["product_codes"][:8])
                more = len(m["product_codes"]) - 8
                lines.append(f"  RxNorm products: {shown}" + (f" and {more} more (--format json)" if more > 0 else ""))
            for route, classes in m["route_classes"].items():
                lines.append(f"  by route {route}: {', '.join(classes)}")
            if m["route_in_name"]:
                lines.append(f"  route stated by the name: {m['route_in_name']}")
            if m["printed_strength"]:
                s = m["printed_strength"]
                lines.append(f"  printed strength: {s['value']:g} {s['unit']} per {s['per']}")
            lines.append(f"  checked by: {_rules(m['checked_by'])}")
            if "checked_by_route" in m:
                cr = m["checked_by_route"]
                lines.append(f"  checked by, as {cr['route']}: {_rules(cr['rules'])}")
        elif kind == "ambiguous-drug":
            lines.append(f"{name}: ambiguous drug name: it could be {' or '.join(m['ingredients'])} "
                         f"(OL002, {m['severity']})")
        elif kind == "test":
            lines.append(f"{name}: test, counts as {', '.join(m['counts_as'])}")
        elif kind == "unit":
            if "basis" in m:
                lines.append(f"{name}: unit {m['unit']}, {m['mg_per_unit']:g} mg per {m['unit'].split('/')[0]}"
                             + (f" ({m['basis']})" if m["basis"] != "mg" else ""))
            else:
                lines.append(f"{name}: unit {m['unit']}, counted in {m['counted_in']}s; needs {m['needs']}")
        elif kind == "route":
            lines.append(f"{name}: route {m['route']} ({'systemic' if m['systemic'] else 'not systemic'})")
        elif kind == "frequency":
            what = "a single administration" if m["single_administration"] else f"{m['per_day']:g} administrations per day"
            lines.append(f"{name}: frequency, {what}")
        elif kind == "condition":
            lines.append(f"{name}: condition {m['condition']}")
    if not r["matches"]:
        lines.append(f"{name}: not a known drug, test, unit, route, frequency or condition")
        if r.get("unknown_drug"):
            named = ", ".join(f"{n['name']!r} ({n['ingredient']})" for n in r["unknown_drug"]["names"])
            if named:
                lines.append(f"  as a drug: OL002 error: it names a checked drug, {named}, with other words")
            else:
                lines.append(f"  as a drug: OL002 error: {r['unknown_drug']['message']}")
        for cat in _CATEGORIES:
            if cat in r["suggestions"]:
                lines.append(f"  did you mean ({cat}): {', '.join(repr(s) for s in r['suggestions'][cat])}?")
        for cat, values in r["accepted"].items():
            lines.append(f"  accepted {_PLURAL[cat]}: {', '.join(values)}")
    return "\n".join(lines)
