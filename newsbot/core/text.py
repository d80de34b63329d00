"""The one text normaliser for every field of an item.

Every extractor (title, author, lead, caption, body) goes through these functions so that the
dataset has one notion of "clean text": analysts can search and compare it, and ``content_hash``
recognises the same article however its markup, whitespace or invisible characters vary.

Character rules (shared by :func:`clean_inline` and :func:`clean_text`):

* Unicode NFC, so a decomposed «й»/«ё» matches the composed one;
* every odd space (NBSP U+00A0, U+2000–U+200A incl. thin U+2009 and figure U+2007, narrow NBSP
  U+202F, U+205F, ideographic U+3000, tabs, VT/FF) becomes a plain space;
* soft hyphen, zero-width characters (U+200B–U+200D, U+2060, BOM U+FEFF), bidi marks,
  U+FFFD and control characters are removed;
* typographic quotes «» „“ and dashes – — are kept exactly as written (they are the outlet's
  typography, not noise).

Paragraph rule: paragraphs are separated by exactly one blank line; a single line break inside a
paragraph (``<br>``, a poem, an address) is kept as ``"\\n"`` — dropping it would glue lines that
the author separated, and turning it into a paragraph break would split one paragraph in two.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable

logger = logging.getLogger(__name__)

__all__ = ["clean_inline", "clean_text", "content_hash", "sanitize", "word_count"]

# --------------------------------------------------------------------------------------------
# Character tables, built once.

_SPACES = (
    "\t\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
_REMOVED = (
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c\u180e"
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings/overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # BOM / zero-width no-break space
    "\ufffd"  # replacement character: decoding debris, never content
)
_CONTROLS = "".join(
    chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\t\n\x0b\x0c\r"
)


class _CharMap:
    """Replace a set of characters; cost grows with the matches, not the text.

    str.translate walks every character through a dict (≈150 ns each for Cyrillic), while a
    compiled character class finds the rare odd character at C speed and leaves clean text alone.
    Where there are matches, one ``sub`` a replacement value with a literal replacement (in C)
    replaces them: a Python callback per match cost more than the search on text full of line
    breaks. Passes in turn equal one simultaneous mapping because no replacement holds a key.
    """

    __slots__ = ("_any", "_breaks_kept", "_passes", "_re", "_rep", "_replaces", "printable_keys")

    def __init__(self, table: dict[str, str]) -> None:
        self._rep = table
        self._re = re.compile(_char_class(table) + "+")
        # The search for one: a class without "+" lets the regex engine skip ahead on its
        # own (~3x faster on a clean text than the same search with "+").
        self._any = re.compile(_char_class(table))
        #: The keys ``str.isprintable`` lets through: a printable string without them is
        #: left as it is (callers check that first, 4x faster than the search).
        self.printable_keys = tuple(c for c in sorted(table) if c.isprintable())
        self._breaks_kept = "\n" not in table
        by_value: dict[str, list[str]] = {}
        for char, rep in table.items():
            by_value.setdefault(rep, []).append(char)
        self._passes: tuple[tuple[re.Pattern[str], str], ...] | None = tuple(
            (re.compile(_char_class(chars) + ("+" if rep == "" else "")), rep.replace("\\", "\\\\"))
            for rep, chars in sorted(by_value.items())
        )
        if any(c in table for rep in by_value for c in rep):
            self._passes = None  # a replacement another pass would rewrite: one pass, per match
        #: A map of a few characters (HTML's source line breaks and tabs) is a str.replace of
        #: each, in C, without the regex search and sub (~0.3 µs a text node of a body).
        self._replaces: tuple[tuple[str, str], ...] | None = (
            tuple(sorted(table.items())) if self._passes is not None and len(table) <= 3 else None
        )

    def _sub(self, m: re.Match[str]) -> str:
        rep = self._rep
        return "".join([rep[c] for c in m.group()])

    def __call__(self, s: str) -> str:
        # A printable string holds no key but the printable ones, and isprintable() scans
        # several times faster than the search; a map that keeps line breaks looks at a text
        # with its breaks as spaces (a break is not printable).
        probe = s.replace("\n", " ") if self._breaks_kept else s
        if probe.isprintable() and not _holds_any(s, self.printable_keys):
            return s
        return self.apply(s)

    def apply(self, s: str) -> str:
        """The mapping without the printable check (for callers that made it)."""
        if self._replaces is not None:
            for char, rep in self._replaces:
                s = s.replace(char, rep)
            return s
        if self._any.search(s) is None:
            return s
        if self._passes is None:
            return self._re.sub(self._sub, s)
        for pattern, rep in self._passes:
            s = pattern.sub(rep, s)
        return s


def _holds_any(s: str, chars: tuple[str, ...]) -> bool:
    """Whether ``s`` holds any of a few characters."""
    for c in chars:  # noqa: SIM110 (any() of a generator costs ~4x this loop)
        if c in s:
            return True
    return False


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


_BASE: dict[str, str] = {c: " " for c in _SPACES} | dict.fromkeys(_REMOVED + _CONTROLS, "")
# One-line fields: every line break is a space.
_inline_map = _CharMap(_BASE | dict.fromkeys("\r\n\x85\u2028\u2029", " "))
# Multi-paragraph text: CR/NEL/line separator are line breaks, paragraph separator a blank line.
# CRLF is replaced first so it yields one break, not two.
_text_map = _CharMap(_BASE | {"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n"})
# Controls (NUL above all) upset libxml2; the text rules drop them anyway.
controls_map = _CharMap(dict.fromkeys(_CONTROLS, ""))
# Text nodes of HTML: source newlines and tabs are plain whitespace, not breaks.
html_space_map = _CharMap(dict.fromkeys("\r\n\t", " "))
_INLINE_PRINTABLE_KEYS = _inline_map.printable_keys
_TEXT_PRINTABLE_KEYS = _text_map.printable_keys


def _nfc(s: str) -> str:
    # is_normalized is a cheap scan; most input is already NFC.
    return s if unicodedata.is_normalized("NFC", s) else unicodedata.normalize("NFC", s)


def clean_inline(s: str | None) -> str:
    """Normalise a one-line field (title, author, caption, lead)."""
    if not s:
        return ""
    if s.__class__ is not str:  # a str subclass too (lxml's smart strings hold their tree):
        s = str(s)  # a clean string is returned as it came, so it must be a plain one
    if (
        s.isprintable()
        and not _holds_any(s, _INLINE_PRINTABLE_KEYS)
        and unicodedata.is_normalized("NFC", s)
    ):
        # Most strings are clean already: printable, none of the map's printable keys, so the
        # map leaves them alone; NFC too; and the only whitespace a printable string holds is
        # " " (tests/test_text.py checks it for every code point), so only runs or ends of
        # spaces are left to fix. A quarter of the cost of the general path.
        if "  " in s or s[0] == " " or s[-1] == " ":
            return " ".join(s.split())
        return s
    if (
        s.replace("\n", " ").replace("\t", " ").replace("\r", " ").isprintable()
        and not _holds_any(s, _INLINE_PRINTABLE_KEYS)
        and unicodedata.is_normalized("NFC", s)
    ):
        # Text nodes of HTML: printable but for the source's line breaks and indentation. The
        # map would turn those into spaces and change nothing else, and split() splits on them
        # too (tests/test_text.py fuzzes this path against the general one).
        return " ".join(s.split())
    return _inline_general(s)


def _inline_general(s: str) -> str:
    """``clean_inline``'s general path, for any string."""
    # After translation the only whitespace left is " ", so split() collapses exactly the spaces.
    return " ".join(_nfc(_inline_map.apply(s)).split())


def clean_text(s: str | None) -> str:
    """Normalise multi-paragraph text: clean lines, one blank line between paragraphs."""
    if not s:
        return ""
    if s.__class__ is not str:  # a str subclass too (lxml's smart strings hold their tree):
        s = str(s)  # a clean string is returned as it came, so it must be a plain one
    # Printable once its breaks are spaces and none of the printable keys: the map has
    # nothing to do (most text: the body's blocks, then the row's text, cleaned already).
    if not (s.replace("\n", " ").isprintable() and not _holds_any(s, _TEXT_PRINTABLE_KEYS)):
        s = _text_map.apply(s.replace("\r\n", "\n"))
    s = _nfc(s)
    # The map leaves " " and "\n" as the only whitespace: runs of spaces become one, a space
    # at either end of a line goes, a run of blank lines is one paragraph break. str methods
    # over the whole text (each a C scan, no copy when there is nothing to do), instead of a
    # split and a join a line; each pass shortens every run by a half or a third.
    while "  " in s:
        s = s.replace("  ", " ")
    s = s.replace(" \n", "\n").replace("\n ", "\n").strip(" ")
    while "\n\n\n" in s:
        s = s.replace("\n\n\n", "\n\n")
    return s.strip("\n")


# --------------------------------------------------------------------------------------------
# Words and hashes.

# Words are letter/digit runs. A hyphen (-, U+2010, U+2011) or apostrophe between two of them
# keeps one word («Выхино-Жулебино», «covid-19», «д'Артаньян»), and so do . , : / between digits
# («12:57», «3,5»). Counting runs and subtracting joins is ~2x faster than one regex with
# lookarounds at every position.
_RUN_RE = re.compile(r"[^\W_]+")
_WORD_RUN_RE = re.compile(r"\w+")
#: A joiner before a letter or digit ([^\W_] is str.isalnum, character for character): the
#: lookahead leaves the joiners followed by a space or nothing (most commas, full stops) to C.
_JOINER_RE = re.compile(r"[-\u2010\u2011'’.,:/](?=[^\W_])")
_WORD_JOINERS = frozenset("-\u2010\u2011'’")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")  # stress accents split no word: «Собя́нин»
_COMBINING_ANY = re.compile(r"[\u0300-\u036f]")  # the search: no "+", ~3x faster
#: What the one-line map removes (the rest it turns into spaces, which count the same as the
#: characters they replace: neither is a letter, a digit or a joiner).
_word_map = _CharMap({c: r for c, r in _inline_map._rep.items() if not r})


def word_count(text: str | None) -> int:
    """Count words: letter/digit runs; punctuation and dashes are not words."""
    if not text:
        return 0
    s = _word_map(str(text))
    if _COMBINING_ANY.search(s):
        s = _COMBINING_RE.sub("", s)
    # Without an underscore, \w is [^\W_]: its runs are the same, and found in 0.7x the time.
    count = len(_RUN_RE.findall(s)) if "_" in s else len(_WORD_RUN_RE.findall(s))
    for m in _JOINER_RE.finditer(s):
        i = m.start()
        if i:
            before = s[i - 1]
            if m.group() in _WORD_JOINERS:
                if before.isalnum():
                    count -= 1
            elif before.isdigit() and s[i + 1].isdigit():
                count -= 1
    return count


#: «ё» is read as «е» (and «Ё» as «Е»): Russian prints the two interchangeably, so a hash, a
#: search or a comparison that told them apart would miss the same word spelt the other way.
YO_FOLDS = (("ё", "е"), ("Ё", "Е"))


def fold_yo(text: str) -> str:
    """The text with «ё» as «е», case kept (the search index's form)."""
    for yo, ye in YO_FOLDS:
        text = text.replace(yo, ye)
    return text


def fold_key(text: str) -> str:
    """Case-folded, «ё» as «е»: the form in which texts are compared, hashed and tokenised."""
    return fold_yo(text.casefold())


def _hash_normal_form(text: str, cleaned: bool) -> str:
    s = text if cleaned else clean_text(text)
    if not s:
        return ""
    # Paragraph and line breaks vary with markup (<br> vs <p>), so they collapse to one space.
    return fold_key(" ".join(s.split()))


def content_hash(text: str | None, *, cleaned: bool = False) -> str:
    """sha256 hex of the normalised text: the dedup key across URLs; "" for empty text.

    ``cleaned``: the text is ``clean_text``'s output already (the row's), so it is not cleaned
    again; ``clean_text`` is idempotent, so the hash is the same (tests/test_text.py).
    """
    if not text:
        return ""
    norm = _hash_normal_form(str(text), cleaned)
    if not norm:
        return ""
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# Storage safety net.

#: What no stored field may hold: lone surrogates (a cut emoji in escaped JSON; not encodable,
#: so SQLite and every exporter refuse the row), NUL and the other C0/C1 controls but tab, LF
#: and CR (whitespace, kept verbatim), bidi embeddings/overrides/isolates (they reorder what a
#: reader sees), and the noncharacters U+FFFE/U+FFFF.
_UNSTORABLE_CLASS = (
    "[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
_UNSTORABLE = re.compile(_UNSTORABLE_CLASS + "+")
_UNSTORABLE_ANY = re.compile(_UNSTORABLE_CLASS)  # the search: no "+", ~3x faster


def sanitize(s: str) -> str:
    """The last word before storage: ``s`` with nothing SQLite or a reader would choke on.

    Linear (one character-class pass, nothing at all for clean text). Meant for any field, so
    it keeps whitespace as it is: the one-line and paragraph rules are the normaliser's job.
    """
    if not s:
        return s
    # Printable (line breaks aside) holds none of them: a scan several times faster.
    if s.replace("\n", " ").isprintable() or _UNSTORABLE_ANY.search(s) is None:
        return s
    return _UNSTORABLE.sub("", s)
