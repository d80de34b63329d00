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

import contextlib
import hashlib
import itertools
import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

import lxml.etree
import lxml.html

logger = logging.getLogger(__name__)

__all__ = [
    "BOILERPLATE_TOKENS",
    "DROP_TAGS",
    "RELATED_MARKERS",
    "clean_inline",
    "clean_text",
    "content_hash",
    "html_to_text",
    "is_boilerplate",
    "word_count",
]

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
_controls_map = _CharMap(dict.fromkeys(_CONTROLS, ""))
# Text nodes of HTML: source newlines and tabs are plain whitespace, not breaks.
_html_space_map = _CharMap(dict.fromkeys("\r\n\t", " "))


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


def _hash_normal_form(text: str) -> str:
    s = clean_text(text)
    if not s:
        return ""
    # Paragraph and line breaks vary with markup (<br> vs <p>), so they collapse to one space.
    return " ".join(s.split()).casefold().replace("ё", "е")


def content_hash(text: str | None) -> str:
    """sha256 hex of the normalised text: the dedup key across URLs; "" for empty text."""
    if not text:
        return ""
    norm = _hash_normal_form(str(text))
    if not norm:
        return ""
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# HTML -> text.

#: Elements whose content is never article text.
DROP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
        "canvas", "video", "audio", "source", "track", "picture", "img", "map", "form", "button",
        "input", "select", "option", "textarea", "label", "figure", "figcaption", "head",
        "title", "meta", "link", "base", "nav", "dialog", "aside",
        # AMP components: ads, embeds and their placeholder/fallback texts are not the article.
        "amp-ad", "amp-embed", "amp-iframe", "amp-analytics", "amp-pixel", "amp-sticky-ad",
        "amp-video", "amp-youtube", "amp-img", "amp-social-share", "amp-list",
    }
)  # fmt: skip

#: class/id values (whole) that mark boilerplate.
_BOILERPLATE_WHOLE: frozenset[str] = frozenset(
    {
        "wp-caption", "wp-caption-text", "wp-element-caption", "gallery", "sharedaddy",
        "addtoany", "a2a_kit", "ya-share2", "jp-relatedposts", "yarpp-related", "read-also",
        "readmore", "read-more", "more-link", "screen-reader-text", "sr-only", "visually-hidden",
        "adsbygoogle", "post-navigation", "nav-links", "wp-block-embed", "wp-block-gallery",
        "td-a-rec",
    }
)  # fmt: skip

#: Parts of class/id values (split on "-", "_") that mark boilerplate.
BOILERPLATE_TOKENS: frozenset[str] = frozenset(
    {
        "share", "shares", "sharing", "sharedaddy", "social", "socials", "addtoany", "likes",
        "subscribe", "subscription", "newsletter", "related", "relatedposts", "yarpp",
        "readalso", "readmore", "comments", "comment", "respond", "advert", "advertisement",
        "adv", "ads", "ad", "adfox", "adsense", "banner", "banners", "gallery", "caption",
        "breadcrumbs", "breadcrumb", "postmetadata", "meta", "adspot", "adblock",
    }
)  # fmt: skip

#: Whole texts (case/ё-folded, trailing punctuation removed) that open a «related» block.
RELATED_MARKERS: frozenset[str] = frozenset(
    {
        "читайте также", "читать также", "смотрите также", "похожие новости", "похожие записи",
        "похожие статьи", "похожие материалы", "другие новости", "материалы по теме",
        "новости по теме", "еще по теме", "читайте еще", "вам может быть интересно",
    }
)  # fmt: skip

#: Whole texts of share labels: dropped alone (nothing after them).
_SHARE_LABELS: frozenset[str] = frozenset(
    {"поделиться", "поделиться в соцсетях", "поделиться в социальных сетях", "поделиться новостью"}
)

_BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "address",
        "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
        "dd", "table", "thead", "tbody", "tfoot", "tr", "caption", "hr", "center", "details",
        "summary", "fieldset", "legend", "body", "html", "menu", "hgroup", "figure",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LIST_TAGS = frozenset({"ul", "ol", "dl", "table"})
_CONTAINER_TAGS = frozenset({"div", "section", "aside", "article", "li"})

_TOKEN_SPLIT_RE = re.compile(r"[-_\s]+")
_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_DISPLAY_NONE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_MARKER_TRIM = " :.…!—–-→»>\u00a0"
_PHOTO_CREDIT_RE = re.compile(r"^\s*(?:фото|источник фото|фотография)\s*[:：]", re.IGNORECASE)
_DATE_LINE_RE = re.compile(
    r"^\s*\d{1,2}[\s.](?:[А-Яа-яЁё]{3,}\.?|\d{1,2})[\s.]\d{4}(?:\s*(?:г\.?)?\s*(?:в|,)?\s*"
    r"\d{1,2}:\d{2})?\s*$"
)
_TAXONOMY_PREFIXES = ("tag-", "category-", "post_tag-", "format-", "status-")
_MARKER_MAX = 40  # longest marker text worth reading an element for
_SHORT_TEXT_MAX_NODES = 64


@lru_cache(maxsize=4096)
def _attr_is_boilerplate(value: str) -> bool:
    for whole in value.split():
        low = whole.lower()
        if low.startswith(_TAXONOMY_PREFIXES):
            continue  # WordPress post_class(): «tag-social», «category-related» name the post
        if low in _BOILERPLATE_WHOLE:
            return True
        for part in _TOKEN_SPLIT_RE.split(low):
            if part in BOILERPLATE_TOKENS:
                return True
    return False


def is_boilerplate(el: Any) -> bool:
    """True for an element that never holds article text (by tag, class/id tokens, hiding)."""
    tag = el.tag
    if not isinstance(tag, str):
        return True  # comments, processing instructions
    if tag.lower() in DROP_TAGS:
        # A WordPress table block is a <figure> around a real table: keep its data.
        return not (tag.lower() == "figure" and el.find(".//table") is not None)
    attrib = el.attrib
    if not attrib:
        return False
    cls = attrib.get("class")
    if cls and _attr_is_boilerplate(cls):
        return True
    ident = attrib.get("id")
    if ident and _attr_is_boilerplate(ident):
        return True
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    if "placeholder" in attrib or "fallback" in attrib:  # AMP's loading / no-JS stand-ins
        return True
    style = attrib.get("style")
    return bool(style and _DISPLAY_NONE_RE.search(style))


def _short_text(el: Any, limit: int) -> str | None:
    """The element's text if it is short (≤ limit chars), else None; stops reading early."""
    if next(itertools.islice(el.iter(), _SHORT_TEXT_MAX_NODES, None), None) is not None:
        return None  # a big subtree is never a one-line label; keeps deep junk linear
    parts: list[str] = []
    size = 0
    for t in el.itertext():
        size += len(t)
        if size > limit * 3:  # whitespace-padded markup still counts towards the bail-out
            return None
        parts.append(t)
    text = clean_inline("".join(parts))
    return text if len(text) <= limit else None


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е").strip(_MARKER_TRIM)


def _link_ratio(el: Any) -> tuple[int, int]:
    total = len(" ".join("".join(el.itertext()).split()))
    linked = 0
    for a in el.iter("a"):
        linked += len(" ".join("".join(a.itertext()).split()))
    return linked, total


def _is_link_dominated(el: Any) -> bool:
    linked, total = _link_ratio(el)
    return total > 0 and linked * 2 >= total


def _is_date_like(el: Any) -> bool:
    if el.tag == "time" or el.find(".//time") is not None:
        text = _short_text(el, 60)
        return text is not None
    text = _short_text(el, 40)
    return bool(text and _DATE_LINE_RE.match(text))


def _heading_level(el: Any) -> int | None:
    level = _HEADINGS.get(el.tag)
    if level:
        return level
    for sub in el.iterdescendants(*_HEADINGS):
        return _HEADINGS[sub.tag]
    return None


def _next_element(children: list[Any], i: int) -> Any | None:
    for j in range(i + 1, len(children)):
        if isinstance(children[j].tag, str):
            return children[j]
    return None


def _is_related_like(children: list[Any], i: int) -> bool:
    el = children[i]
    if not isinstance(el.tag, str):
        return True
    if el.tag in _LIST_TAGS or el.tag in ("a", "br"):
        return True
    text = "".join(el.itertext()).strip()
    if not text:
        return True
    if el.tag in _CONTAINER_TAGS and el.find(".//a") is not None:
        return True  # a related item's card: title link, lead, date
    if _is_link_dominated(el) or _is_date_like(el):
        return True
    nxt = _next_element(children, i)  # a related item's lead sits right before its date
    return nxt is not None and _is_date_like(nxt)


def _classify_children(parent: Any, children: list[Any]) -> list[int]:
    """Per child: 0 keep, 1 drop the element (keep its tail), 2 drop element and tail."""
    n = len(children)
    verdict = [0] * n
    # An inline marker (<b>Читайте также</b>) opens a block only when nothing precedes it in
    # its parent; in mid-sentence it is just words.
    text_before = bool(parent.text and parent.text.strip())
    i = 0
    while i < n:
        child = children[i]
        if i and not text_before:
            prev = children[i - 1]
            text_before = bool(prev.tail and prev.tail.strip()) or (
                verdict[i - 1] == 0 and isinstance(prev.tag, str) and _has_text(prev)
            )
        if not isinstance(child.tag, str):
            verdict[i] = 1
            i += 1
            continue
        boilerplate = is_boilerplate(child)
        if text_before and child.tag not in _BLOCK_TAGS:
            verdict[i] = 1 if boilerplate else 0
            i += 1
            continue
        short = _short_text(child, _MARKER_MAX * 3)
        folded = _fold(short) if short is not None else None
        if boilerplate and (folded is None or folded not in RELATED_MARKERS):
            verdict[i] = 1  # a «related-title» heading still opens the block below
            i += 1
            continue
        if folded and folded in _SHARE_LABELS:
            verdict[i] = 2
            i += 1
            continue
        if short is not None and child.tag not in ("a", "br") and _PHOTO_CREDIT_RE.match(short):
            verdict[i] = 2
            i += 1
            continue
        if folded is None or folded not in RELATED_MARKERS:
            if short is None or not _starts_with_marker_then_links(child, short):
                i += 1
                continue
            verdict[i] = 2  # «Читайте также: <a>…</a>» — one related link, body goes on
            i += 1
            continue
        # A «related» block starts here.
        verdict[i] = 2
        level = _heading_level(child)
        j = i + 1
        while j < n:
            sib = children[j]
            if level is not None:
                sib_level = _HEADINGS.get(sib.tag) if isinstance(sib.tag, str) else None
                if sib_level is not None and sib_level <= level and not _is_link_dominated(sib):
                    break  # the next section of the same rank: the article goes on
            # Related items (lists, link-heavy blocks, dates) end at the first ordinary
            # paragraph: a «Читайте также» box in mid-article does not swallow the rest.
            if not _is_related_like(children, j):
                break
            verdict[j] = 2
            j += 1
        i = j
    return verdict


def _has_text(el: Any) -> bool:
    return any(t.strip() for t in el.itertext())


def _starts_with_marker_then_links(el: Any, text: str) -> bool:
    folded = text.casefold().replace("ё", "е")
    for marker in RELATED_MARKERS:
        if folded.startswith(marker) and len(folded) > len(marker) + 1:
            linked, total = _link_ratio(el)
            return linked > 0 and total - linked <= len(marker) + 3
    return False


_OPEN, _CLOSE, _TEXT = 0, 1, 2


def _walk(root: Any) -> str:
    """Serialise an element tree into text with blank lines at block boundaries.

    Iterative (no recursion limit on deeply nested junk) and read-only: the tree is not modified,
    so an element passed in by a caller stays intact without the cost of copying it.
    """
    out: list[str] = []
    stack: list[tuple[int, Any]] = [(_OPEN, root)]
    pre_depth = 0
    while stack:
        op, item = stack.pop()
        if op == _TEXT:
            out.append(item if pre_depth else _html_space_map(item))
            continue
        el = item
        tag = el.tag if isinstance(el.tag, str) else ""
        if op == _CLOSE:
            if tag == "pre":
                pre_depth -= 1
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
            elif tag in _CELL_TAGS:
                out.append(" ")
            continue
        # _OPEN
        if tag == "br":
            out.append("\n")
            continue
        if tag in _BLOCK_TAGS:
            out.append("\n\n")
        elif tag in _CELL_TAGS:
            out.append(" ")
        if tag == "pre":
            pre_depth += 1
        stack.append((_CLOSE, el))
        children = list(el)
        if children:
            verdict = _classify_children(el, children)
            for child, v in zip(reversed(children), reversed(verdict), strict=True):
                if child.tail and v != 2:
                    stack.append((_TEXT, child.tail))
                if v == 0:
                    stack.append((_OPEN, child))
        if el.text and tag:
            stack.append((_TEXT, el.text))
    return "".join(out)


def _decode(data: bytes) -> str:
    """UTF-8 first, else the charset the markup declares; undecodable junk becomes nothing."""
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    m = _CHARSET_RE.search(data[:4096])
    if m:
        with contextlib.suppress(LookupError):
            return data.decode(m.group(1).decode("ascii"), errors="replace")
    return data.decode("utf-8", errors="replace")  # U+FFFD is dropped by the text rules


def _parse(html: str | bytes) -> Any | None:
    if isinstance(html, bytes):
        html = _decode(html)
    html = _XML_DECL_RE.sub("", _controls_map(html), count=1)
    if not html.strip():
        return None
    # A fresh parser per call (a few µs): lxml parsers must not be shared between threads.
    # huge_tree lifts libxml2's nesting limit of 256, which real pages of nested divs can reach.
    return lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))


def html_to_text(html: str | bytes | lxml.html.HtmlElement | None) -> str:
    """Article body (an element or any HTML fragment/document) -> clean paragraphs.

    Drops scripts, embeds, forms, figures and captions, share/subscribe/related/ads widgets
    (recognised by class or id tokens) and «Читайте также»-style related blocks. Never raises.
    """
    if html is None:
        return ""
    try:
        root: Any
        if isinstance(html, (str, bytes)):
            root = _parse(html)
            if root is None:
                return ""
        elif isinstance(html, lxml.etree._Element):
            root = html
        elif isinstance(getattr(html, "root", None), lxml.etree._Element):
            root = html.root  # a parsel Selector
        else:
            return ""
        return clean_text(_walk(root))
    except Exception:  # malformed input must never break a crawl
        logger.debug("html_to_text failed", exc_info=True)
        return ""


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
