"""Drug vocabulary of the built-in SSc-ILD rule pack, read from ``vocabulary.json``.

The data (ingredients, classes, aliases, brands with their public source, prednisone-equivalent
factors, RxNorm codes with source and verification tag) lives in ``vocabulary.json`` next to this
module; the schema is ``orderlint.vocabulary`` (validated when the pack's vocabulary is added).
``DRUGS`` is read on first access, in the shape ``Vocabulary.add_drugs`` takes.
"""

from __future__ import annotations

from typing import Any

FORMAT = 1


def load() -> dict[str, Any]:
    import json
    from importlib.resources import files

    from orderlint.vocabulary import VocabularyError

    text = files(__package__).joinpath("vocabulary.json").read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise VocabularyError(f"vocabulary.json is not valid JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or set(data) != {"format", "drugs"}:
        raise VocabularyError(f"vocabulary.json must be {{\"format\": {FORMAT}, \"drugs\": {{...}}}}")
    return data["drugs"]


def __getattr__(name: str) -> Any:
    # Read lazily (PEP 562): importing the pack does not parse the data.
    if name == "DRUGS":
        drugs = globals()["DRUGS"] = load()
        return drugs
    raise AttributeError(name)
