"""Search: ё folded as the index stores it, dictionary forms of words, FTS5 queries."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from newsbot.core.text import fold_yo

_WORD = re.compile(r"\w+")
_FTS_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_PLAIN_QUERY = re.compile(r"[\w\s-]+")


def fold(text: str) -> str:
    """«ё» → «е», as the FTS index stores it; apply to queries before MATCH."""
    return fold_yo(text)


@cache
def _morph() -> Any:
    from newsbot.enrich.districts import morph_analyzer

    return morph_analyzer()


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 offers for a lower-case word, folded, except the word."""
    morph = _morph()
    if morph is None or word.isdigit():
        return ()
    folded = fold(word)
    found = {fold(form) for form in _normal_forms(morph, word)}
    found.discard(folded)
    return tuple(sorted(found))


def _normal_forms(morph: Any, word: str) -> set[str]:
    """``{p.normal_form for p in morph.parse(word)}``, at less than half the CPU for the words
    the dictionary holds: their forms straight from its DAWG, as pymorphy3's dictionary
    analyser builds them, without the parse objects and their probabilities (a known word's
    parses all come from that analyser). Other words take the full parse (prediction)."""
    dictionary = morph.dictionary
    found = {
        dictionary.build_normal_form(para_id, index, fixed)
        for fixed, parses in dictionary.words.similar_items(word, morph.char_substitutes)
        for para_id, index in parses
    }
    return found or {p.normal_form for p in morph.parse(word)}


def lemmas_of(*texts: str | None) -> str:
    """The ``lemmas`` FTS column: dictionary forms of the inflected words, in text order.

    Words already in dictionary form are left out (the text columns hold them), which keeps the
    column about half the size of the text.
    """
    out: list[str] = []
    for text in texts:
        for word in _WORD.findall((text or "").casefold()):
            out.extend(word_lemmas(word))
    return " ".join(out)


def fts_query(query: str, *, lemmatize: bool = True) -> str:
    """An FTS5 MATCH expression for a user's query, folded like the index.

    A plain query (words only) matches each word in any grammatical form: ``школы`` becomes
    ``("школы" OR "школа")``, and since the index holds the dictionary form of every inflected
    word, that finds «школа», «школы», «школе», «школу». Anything else (quotes, ``*``,
    ``AND``/``OR``/``NOT``/``NEAR``, column filters) is FTS5 syntax and passes through folded.
    """
    folded = fold(query.strip())
    if not lemmatize or not _PLAIN_QUERY.fullmatch(folded) or _FTS_OPERATORS.search(folded):
        return folded
    terms = []
    for token in folded.split():
        parts = _WORD.findall(token.casefold())
        if not parts:
            continue
        if len(parts) > 1:  # «Выхино-Жулебино»: the tokenizer splits it, so it is a phrase
            terms.append('"' + " ".join(parts) + '"')
            continue
        alternatives = [parts[0], *word_lemmas(parts[0])]
        quoted = [f'"{a}"' for a in alternatives]
        terms.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(terms)
