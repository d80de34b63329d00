"""Search: ё folded as the index stores it, dictionary forms of words, FTS5 queries."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
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


#: A Cyrillic letter. pymorphy3's dictionary holds no word without one that a ``\w+`` token
#: can be (its digit-led forms, «1-ая», have a hyphen), and its other analysers (numbers,
#: Roman numerals, Latin, unknown) give a word without one itself as its normal form.
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")


def _uncached_word_lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 offers for a lower-case word, folded, except the word.

    Words with no Cyrillic letter (numbers, Latin names, «mos.ru»'s parts) have none, without
    the full parse they would take (~15 µs a new word).
    """
    morph = _morph()
    if morph is None or _CYRILLIC.search(word) is None:
        return ()
    found = {_fold_word(form) for form in _normal_forms(morph, word)}
    found.discard(_fold_word(word))
    return tuple(sorted(found))


#: ``_uncached_word_lemmas`` for queries (``fts_query``): the store's rows read theirs from
#: ``_COLUMN_PARTS``.
word_lemmas = lru_cache(maxsize=200_000)(_uncached_word_lemmas)


def _fold_word(word: str) -> str:
    """``fold``, with no work for the many words that hold no «ё» (a new word's cost)."""
    return fold(word) if "ё" in word or "Ё" in word else word


#: (paradigm, form) -> how to cut a form of it down to its stem and dress the stem as the
#: normal form: pymorphy3's build_normal_form, its paradigm arithmetic done once a pair.
_NORMAL_FORM_CUTS: dict[tuple[int, int], tuple[int, int, str, str]] = {}


def _normal_forms(morph: Any, word: str) -> set[str]:
    """``{p.normal_form for p in morph.parse(word)}``, at less than half the CPU for the words
    the dictionary holds: their forms straight from its DAWG, as pymorphy3's dictionary
    analyser builds them (``build_normal_form``), without the parse objects and their
    probabilities (a known word's parses all come from that analyser). Other words take the
    full parse (prediction)."""
    dictionary = morph.dictionary
    found = set()
    for fixed, parses in dictionary.words.similar_items(word, morph.char_substitutes):
        for para_id, index in parses:
            if index == 0:  # the word is its own normal form
                found.add(fixed)
                continue
            cut = _NORMAL_FORM_CUTS.get((para_id, index))
            if cut is None:
                cut = _NORMAL_FORM_CUTS[para_id, index] = _cut(dictionary, para_id, index)
            start, end, prefix, suffix = cut
            found.add(prefix + (fixed[start:-end] if end else fixed[start:]) + suffix)
    return found or {p.normal_form for p in morph.parse(word)}


def _cut(dictionary: Any, para_id: int, index: int) -> tuple[int, int, str, str]:
    """As pymorphy3's ``build_stem`` and ``build_normal_form`` read a paradigm."""
    paradigm = dictionary.paradigms[para_id]
    third = len(paradigm) // 3
    prefix = dictionary.paradigm_prefixes[paradigm[third * 2 + index]]
    suffix = dictionary.suffixes[paradigm[index]]
    normal_prefix = dictionary.paradigm_prefixes[paradigm[third * 2]]
    normal_suffix = dictionary.suffixes[paradigm[0]]
    return len(prefix), len(suffix), normal_prefix, normal_suffix


class _ColumnParts(dict[str, str]):
    """Word -> its part of the lemmas column ("" or its forms, each followed by a space).

    A dict whose ``__missing__`` fills a new word in, so ``map(parts.__getitem__, words)``
    reads a row's known words in C and calls Python only for the new ones: no set of the
    row's words to diff against the dict first (~20% of a warm row). A new word's forms come
    from the uncached parse: this dict is their cache on the store's path, and a second one
    (``word_lemmas``' lru_cache, there for queries) would hold every word twice.
    """

    def __missing__(self, word: str) -> str:
        forms = _uncached_word_lemmas(word)
        part = self[word] = " ".join(forms) + " " if forms else ""
        return part


_COLUMN_PARTS = _ColumnParts()
#: Words ``_COLUMN_PARTS`` holds before it is emptied (at a row's start: a crawl's vocabulary
#: keeps growing), so at most this plus one row's words.
_COLUMN_PARTS_MAX = 200_000


def row_words(title: Any, lead: Any, text: Any) -> tuple[list[str], str, list[str]]:
    """A row's words, tokenised once for the lemmas and the near-duplicate keys: the words of
    title, lead and text (``lemmas_of_words`` reads them), the casefolded text and its words.

    The same words as ``lemmas_of``'s one pass over the three joined by spaces (casefolding
    works a character at a time and a space ends every word), and the same TypeError for a
    column that is neither text nor empty.
    """
    head = " ".join((title or "", lead or ""))
    body = text or ""
    if not isinstance(body, str):
        raise TypeError(f"sequence item 2: expected str instance, {type(body).__name__} found")
    casefolded = body.casefold()
    text_words = _WORD.findall(casefolded)
    return _WORD.findall(head.casefold()) + text_words, casefolded, text_words


def lemmas_of(*texts: str | None) -> str:
    """The ``lemmas`` FTS column: dictionary forms of the inflected words, in text order.

    Words already in dictionary form are left out (the text columns hold them), which keeps the
    column about half the size of the text. Each word's part is looked up in a dict by
    ``map``, with no Python call a known word (a row's 150 words cost ~100 us through
    lru_cache).
    """
    return lemmas_of_words(_WORD.findall(" ".join(text or "" for text in texts).casefold()))


def lemmas_of_words(words: list[str]) -> str:
    """``lemmas_of`` the texts these are the casefolded ``\\w+`` words of."""
    parts = _COLUMN_PARTS
    if len(parts) > _COLUMN_PARTS_MAX:
        parts.clear()
    return "".join(map(parts.__getitem__, words))[:-1]


#: A ``store_meta`` key that exists only inside a store's write transaction, never committed:
#: while it does, the insert trigger (schema v7) leaves the new rows to the store, which indexes
#: them all at once before it commits (``index_rows``). Through the trigger, each INSERT made
#: FTS5 flush its pending terms as a one-row segment (~0.1 ms a row); other writers (SQL by
#: hand, scripts) still get their rows indexed by the trigger.
DEFER_KEY = "fts_rows_indexed_by_the_store"


def defer_indexing(conn: sqlite3.Connection) -> None:
    """Inside a write transaction: rows inserted from now on wait for ``index_rows``."""
    conn.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, '')", (DEFER_KEY,))


#: A new row's search index entry as the insert trigger would make it: (title, lead, text,
#: lemmas) folded as the ``articles_fts_source`` view reads them, or None to read them there.
IndexEntry = tuple[str, str, str, str] | None


def index_entry(title: object, lead: object, text: object, lemmas: str) -> IndexEntry:
    """The entry from the values just written, with ё folded as the view's SQL folds it.

    None when a column is not text (SQLite's column affinity decides how it reads back).
    """
    if isinstance(title, str) and isinstance(lead, str) and isinstance(text, str):
        return fold(title), fold(lead), fold(text), lemmas
    return None


_INDEX_VALUES = "INSERT INTO articles_fts (rowid, title, lead, text, lemmas) VALUES (?, ?, ?, ?, ?)"
_INDEX_FROM_VIEW = (
    "INSERT INTO articles_fts (rowid, title, lead, text, lemmas)"
    " SELECT id, title, lead, text, lemmas FROM articles_fts_source"
    " WHERE id IN (SELECT value FROM json_each(?))"
)


def index_rows(conn: sqlite3.Connection, rows: Mapping[int, IndexEntry]) -> None:
    """Index these new rows (id -> entry), as the insert trigger would, in id order.

    From the values the store just wrote, in one ``executemany``: no second read of each row
    through the view and its six ``replace`` calls. Should any entry be None, all the rows are
    read through the view, as before (the same index, in the same order).
    """
    if not rows:
        return
    ids = sorted(rows)
    entries = [rows[i] for i in ids]
    if None in entries:
        conn.execute(_INDEX_FROM_VIEW, (json.dumps(ids),))
    else:
        conn.executemany(_INDEX_VALUES, [(i, *e) for i, e in zip(ids, entries, strict=True) if e])


def end_deferral(conn: sqlite3.Connection) -> None:
    """Before the commit: the trigger indexes inserts again (for every later writer)."""
    conn.execute("DELETE FROM store_meta WHERE key = ?", (DEFER_KEY,))


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
