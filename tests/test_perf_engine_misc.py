"""Fast paths of the engine stage (issue 15) against their plain computations."""

from __future__ import annotations

import random
import unicodedata

from orderlint.engine import document_order
from orderlint.reader import unescape_token
from orderlint.waivers import _BLANK, visible_length


def _visible_length_reference(text: str) -> int:
    n = 0
    for c in text:
        if c.isascii():
            n += c.isprintable() and c != " "
        elif unicodedata.category(c)[0] in "LNPS" and c not in _BLANK:
            n += 1
    return n


def test_visible_length_of_plain_text_counts_as_the_character_loop() -> None:
    rng = random.Random(5)
    alphabet = [chr(i) for i in range(128)] + ["\u200b", "\u00e9", "\u3164", "\u0301", "\u2800", "\ue000", "\u00a0"]
    texts = ["", " ", "Dr. Rivera", "ten chars!", "\t\n", "a\u200bb", "  x  ", "x" * 40]
    for _ in range(5000):
        pool = alphabet[:128] if rng.random() < 0.6 else alphabet
        texts.append("".join(rng.choice(pool) for _ in range(rng.randrange(0, 25))))
    for text in texts:
        assert visible_length(text) == _visible_length_reference(text), repr(text)


def _document_order_reference(data, pointer):
    key: list[int] = []
    node = data
    for raw in pointer.split("/")[1:] if pointer else ():
        token = unescape_token(raw)
        if isinstance(node, dict):
            if token not in node:
                break
            key.append(list(node).index(token))
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            key.append(int(token))
            node = node[int(token)]
        else:
            break
    return key


def test_document_order_reads_escaped_and_plain_tokens_as_before() -> None:
    data = {"a/b": {"m~n": [1, {"x": 2}], "~1": 3}, "orders": [{"dose": 1, "drug": "x"}], "~0": {"/": 4}}
    pointers = ["", "/a~1b", "/a~1b/m~0n/1/x", "/a~1b/~01", "/a~1b/m~n", "/orders/0/drug", "/orders/0/route",
                "/orders/1", "/~00/~1", "/~0/~1", "/orders/00", "/a/b"]
    for members in (None, {}):
        for p in pointers:
            assert document_order(data, p, members) == _document_order_reference(data, p), p
