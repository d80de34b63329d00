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
    """

    __slots__ = ("_re", "_rep")

    def __init__(self, table: dict[str, str]) -> None:
        self._rep = table
        self._re = re.compile("[" + "".join(re.escape(c) for c in sorted(table)) + "]+")

    def _sub(self, m: re.Match[str]) -> str:
        rep = self._rep
        return "".join([rep[c] for c in m.group()])

    def __call__(self, s: str) -> str:
        if self._re.search(s) is None:
            return s
        return self._re.sub(self._sub, s)


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


def _nfc(s: str) -> str:
    # is_normalized is a cheap scan; most input is already NFC.
    return s if unicodedata.is_normalized("NFC", s) else unicodedata.normalize("NFC", s)


def clean_inline(s: str | None) -> str:
    """Normalise a one-line field (title, author, caption, lead)."""
    if not s:
        return ""
    if not isinstance(s, str):
        s = str(s)
    # After translation the only whitespace left is " ", so split() collapses exactly the spaces.
    return " ".join(_nfc(_inline_map(s)).split())


def clean_text(s: str | None) -> str:
    """Normalise multi-paragraph text: clean lines, one blank line between paragraphs."""
    if not s:
        return ""
    if not isinstance(s, str):
        s = str(s)
    s = _nfc(_text_map(s.replace("\r\n", "\n")))
    paragraphs: list[str] = []
    current: list[str] = []
    for line in s.split("\n"):
        line = " ".join(line.split())
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------------------------
# Words and hashes.

# Words are letter/digit runs. A hyphen (-, U+2010, U+2011) or apostrophe between two of them
# keeps one word («Выхино-Жулебино», «covid-19», «д'Артаньян»), and so do . , : / between digits
# («12:57», «3,5»). Counting runs and subtracting joins is ~2x faster than one regex with
# lookarounds at every position.
_RUN_RE = re.compile(r"[^\W_]+")
_JOINER_RE = re.compile(r"[-\u2010\u2011'’.,:/]")
_WORD_JOINERS = frozenset("-\u2010\u2011'’")
_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")  # stress accents split no word: «Собя́нин»


def word_count(text: str | None) -> int:
    """Count words: letter/digit runs; punctuation and dashes are not words."""
    if not text:
        return 0
    s = _inline_map(str(text))
    if _COMBINING_RE.search(s):
        s = _COMBINING_RE.sub("", s)
    count = len(_RUN_RE.findall(s))
    last = len(s) - 1
    for m in _JOINER_RE.finditer(s):
        i = m.start()
        if 0 < i < last:
            before, after = s[i - 1], s[i + 1]
            if m.group() in _WORD_JOINERS:
                if before.isalnum() and after.isalnum():
                    count -= 1
            elif before.isdigit() and after.isdigit():
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
_UNSTORABLE = re.compile(
    "[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]+"
)


def sanitize(s: str) -> str:
    """The last word before storage: ``s`` with nothing SQLite or a reader would choke on.

    Linear (one character-class pass, nothing at all for clean text). Meant for any field, so
    it keeps whitespace as it is: the one-line and paragraph rules are the normaliser's job.
    """
    if not s or _UNSTORABLE.search(s) is None:
        return s
    return _UNSTORABLE.sub("", s)
