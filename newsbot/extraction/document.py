"""Turning bytes or text into one parsed tree, with the page's own declared encoding honoured."""

from __future__ import annotations

import codecs
import logging
import re
import threading
from collections.abc import Callable, Container
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_to_unicode

from newsbot.core.text import clean_inline
from newsbot.extraction.elements import element_index, is_document, text_pieces
from newsbot.extraction.junk import furniture_candidates, is_furniture

logger = logging.getLogger(__name__)


def visible_text_nodes(root: Any, candidates: Container[Any] | None = None) -> list[str]:
    """Text pieces of the page in reading order, minus scripts, styles and page furniture.

    One pass over the tree: an XPath with the furniture test per text node costs several
    times more on every page. lxml's iterwalk yields each element's start and end (a comment's
    or processing instruction's once, for its tail) and skips a dropped subtree in C: 0.77x
    the CPU of the stack of (node, in <article>) pairs it replaced, the same pieces on every
    page. ``candidates``: the only elements the furniture test can flag
    (``furniture_candidates``), so the others are not asked (two attribute reads each).
    """
    out: list[str] = []
    append = out.append
    articles = 0  # <article> elements open around the walk
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    skip_subtree = walker.skip_subtree
    for event, el in walker:
        if event == "start":
            tag = el.tag
            if tag in _INVISIBLE or (
                (candidates is None or el in candidates) and is_furniture(el, articles > 0)
            ):
                skip_subtree()  # its end still comes, and its tail is the parent's text
                continue
            text = el.text
            if text and text.strip():
                append(text)
            if tag == "article":
                articles += 1
            continue
        if event == "end":
            if el.tag == "article":
                articles -= 1
            if el is root:  # the walk's own tail is not its text
                continue
        tail = el.tail  # after an element's end, or a comment's or instruction's only event
        if tail and tail.strip():
            append(tail)
    return out


_INVISIBLE = frozenset(("script", "style", "noscript", "template"))


def page_furniture(sel: Selector) -> set[Any] | None:
    """The page's elements that may be furniture (``junk.furniture_candidates``), from its
    element index and kept with it; None for a selector that is not a whole page."""
    if not is_document(sel):
        return None
    index = element_index(sel)
    found: set[Any] | None = index.memo.get("furniture")
    if found is None:
        found = index.memo["furniture"] = furniture_candidates(
            index.by_tag, index.by_raw_class, index.by_raw_id
        )
    return found


def element_in_furniture(el: Any, candidates: AbstractSet[Any] | None = None) -> bool:
    """Whether an lxml element is, or sits inside, page furniture. ``candidates``: the page's
    (``page_furniture``): an element with none of them around it is not, without a test."""
    chain = [el, *el.iterancestors()]
    if candidates is not None and candidates.isdisjoint(chain):
        return False
    in_article = False
    for node in reversed(chain):  # from <html> down, tracking <article>
        if (candidates is None or node in candidates) and is_furniture(node, in_article):
            return True
        in_article = in_article or node.tag == "article"
    return False


def furniture_test() -> Callable[[Any], bool]:
    """``element_in_furniture`` for many elements of one page (a listing's links): each
    ancestor is tested once, not once for every link below it."""
    memo: dict[Any, tuple[bool, bool]] = {}  # element -> (in furniture, in or under <article>)

    def test(el: Any) -> bool:
        chain = []
        node = el
        while node is not None and node not in memo:
            chain.append(node)
            node = node.getparent()
        furniture, in_article = memo[node] if node is not None else (False, False)
        for node in reversed(chain):  # from the highest untested ancestor down
            furniture = furniture or is_furniture(node, in_article)
            in_article = in_article or node.tag == "article"
            memo[node] = (furniture, in_article)
        return memo[el][0]

    return test


def in_furniture(node: Selector, candidates: AbstractSet[Any] | None = None) -> bool:
    """Whether a selected node sits in page furniture (text results never do); ``candidates``
    as for ``element_in_furniture``."""
    root = node.root
    return element_in_furniture(root, candidates) if hasattr(root, "iterancestors") else False


# Letters that Russian text almost never holds but UTF-8 read as cp1251 (or the reverse)
# is full of: «Р°Р±», «СЃ», «Ð°», «Ã».
_SUSPECT = frozenset("ЃѓЂђЉљЊњЌќЋћЏџЎўЈјҐґЇїЄєЅѕІі‚„†‡€‰‹›™¤¦§¬®°±µ¶·ÐÑÃÂ")
_SAMPLE = 100_000
_FALLBACK_ENCODINGS = ("utf-8", "cp1251", "koi8-r")


def _russian_score(text: str) -> float:
    """Higher for text that reads as Russian: lowercase Cyrillic, no mojibake, no U+FFFD."""
    lower = upper = suspect = bad = 0
    for ch in text[:_SAMPLE]:
        if "а" <= ch <= "я" or ch == "ё":
            lower += 1
        elif "А" <= ch <= "Я" or ch == "Ё":
            upper += 1
        if ch in _SUSPECT or "\u2500" <= ch <= "\u259f":  # mojibake, KOI8 box drawing
            suspect += 1
        elif ch == "\ufffd":
            bad += 1
    return lower - 0.5 * upper - 3 * suspect - 10 * bad


_LOWER = re.compile("[а-яё]")
_UPPER = re.compile("[А-ЯЁ]")
_SUSPECT_RE = re.compile("[" + re.escape("".join(sorted(_SUSPECT))) + "\u2500-\u259f]")
_CHECK_SAMPLE = 20_000


def looks_misdecoded(text: str) -> bool:
    """Replacement characters, mojibake, or more capitals than small letters in Cyrillic.

    Runs on every page, so it counts with compiled regexes over a 20k-character sample.
    """
    sample = text[:_CHECK_SAMPLE]
    if "\ufffd" in sample:
        return True
    suspect = len(_SUSPECT_RE.findall(sample))
    if suspect <= 20:
        upper = len(_UPPER.findall(sample))
        return upper > 50 and upper > len(_LOWER.findall(sample))
    lower, upper = len(_LOWER.findall(sample)), len(_UPPER.findall(sample))
    return suspect > 0.02 * (lower + upper) or (upper > 50 and upper > lower)


def _clean_utf8(text: str, encoding: str) -> bool:
    """Declared UTF-8 and decoded without a replacement character: nothing to repair.

    Valid multi-byte UTF-8 is next to impossible by accident, and no other candidate can read
    better than the bytes' own UTF-8 (a cp1251 or KOI8-R reading of it is all mojibake), so the
    costly check (~0.5 ms a page) is skipped for the common case.
    """
    try:
        if codecs.lookup(encoding).name != "utf-8":
            return False
    except LookupError:
        return False
    return "\ufffd" not in text


def repair_decoding(body: bytes, text: str, encoding: str) -> tuple[str, str]:
    """Re-decode a page whose declared charset is wrong (a cp1251 page served as UTF-8 …).

    Only when the first decoding looks broken; then the candidate that reads most like Russian
    wins. Returns (text, encoding) — unchanged when nothing better is found.
    """
    if not body or _clean_utf8(text, encoding) or not looks_misdecoded(text):
        return text, encoding
    try:  # valid multi-byte UTF-8 is next to impossible by accident: trust it first
        decoded = body.decode("utf-8")
        if not decoded.isascii() and not looks_misdecoded(decoded):
            if encoding != "utf-8":
                logger.info("page declared %s but reads as utf-8: re-decoded", encoding)
            return decoded, "utf-8"
    except UnicodeDecodeError:
        pass
    best = (text, encoding, _russian_score(text))
    for candidate in _FALLBACK_ENCODINGS:
        try:
            decoded = body.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _russian_score(decoded)
        if score > best[2]:
            best = (decoded, candidate, score)
    if best[1] != encoding:
        logger.info("page declared %s but reads as %s: re-decoded", encoding, best[1])
    return best[0], best[1]


#: Elements a fallback search looks at before giving up (bounds the work on huge pages).
SCAN_LIMIT = 2000


def first_match(
    pattern: re.Pattern[str], text: str, group: str, words: tuple[str, ...] = ()
) -> str:
    """The first non-empty, normalised capture of ``group`` in the page's visible text.

    ``words``: casefolded, one of which begins every match of a case-blind ``pattern``, whose
    letters IGNORECASE takes for no character that casefolds to another (the tests check it).
    Then the casefolded text says where the first match can start, or that there is none:
    the regex scans from there, not from the top (a case-blind alternation costs ~40 ns a
    character; a page without a byline was scanned to its end).
    """
    start = 0
    if words:
        folded = casefolded(text)
        found = [at for at in (folded.find(word) for word in words) if at >= 0]
        if not found:
            return ""
        # Positions agree when every character casefolds to one (none folds to nothing).
        start = min(found) if len(folded) == len(text) else 0
    for match in pattern.finditer(text, start):
        value = clean_inline(match.group(group))
        if value:
            return value
    return ""


@lru_cache(maxsize=4)
def casefolded(text: str) -> str:
    """``text.casefold()``, remembered for the few texts of the page in hand: its visible text
    is searched by several readers."""
    return text.casefold()


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) by HTTP header, BOM, then ``<meta charset>``, as browsers do; a page
    whose declaration is wrong is re-decoded (see ``repair_decoding``)."""
    encoding, text = html_to_unicode(content_type, body)
    return repair_decoding(body, text, encoding)


#: Characters of HTML read from one page (real article pages are well under 1 MB).
MAX_HTML_CHARS = 2_000_000
#: Openers of the blocks that make big pages big; an opener's attributes are read up to a cap,
#: so ``<script<script…`` without ``>`` cannot make each match scan to the end of the page.
_BULKY_OPEN = re.compile(r"<(script|style|svg)\b([^>]{0,2000})>", re.IGNORECASE)
_BULKY_CLOSE = {
    tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style", "svg")
}


def _strip_bulky(html: str) -> str:
    """Inline scripts, styles and SVGs dropped (JSON-LD kept), in one left-to-right pass.

    Linear: each search starts where the last ended, and a block never closed ends the page
    (as it does in a browser) instead of being searched for again from every opener — the
    old single regex (``<script…>.*?</script>``) ran for minutes on thousands of unclosed
    ``<script>`` tags.
    """
    out: list[str] = []
    pos = 0
    while True:
        opener = _BULKY_OPEN.search(html, pos)
        if opener is None:
            out.append(html[pos:])
            break
        tag = opener.group(1).lower()
        keep = tag == "script" and "ld+json" in opener.group(2).lower()
        closer = _BULKY_CLOSE[tag].search(html, opener.end())
        if closer is None:
            out.append(html[pos : len(html) if keep else opener.start()])
            break
        out.append(html[pos : closer.end() if keep else opener.start()])
        pos = closer.end()
    return "".join(out)


def make_selector(html: str | bytes | Selector, content_type: str | None = None) -> Selector:
    """A parsel Selector over the page; bytes are decoded by their declared charset."""
    if isinstance(html, Selector):
        return html
    if isinstance(html, bytes):
        html, _ = decode_html(html, content_type)
    if len(html) > MAX_HTML_CHARS:
        # Inline scripts and styles are what make real pages big; JSON-LD is kept.
        html = _strip_bulky(html)
    if len(html) > MAX_HTML_CHARS:
        # No news page is this big; past it the page is junk or a trap, and reading all of it
        # would stall the crawl. The head and the start of the body are what we need.
        logger.warning("page of %d characters cut to %d", len(html), MAX_HTML_CHARS)
        html = html[:MAX_HTML_CHARS]
    # lxml rejects strings that carry an XML encoding declaration and stray NULs. The NULs
    # are looked for in the UTF-8 bytes (memchr; a str scan for one costs ~1 ns a character)
    # and, when there are any, removed before the page is stripped.
    body = html.strip().encode("utf-8")
    if b"\x00" in body:
        body = html.replace("\x00", "").strip().encode("utf-8")
    return Selector(root=_parse_bytes(body or b"<html></html>"), type="html")


def parse_html(html: str) -> Any:
    """The page's tree, parsed as ``Selector(text=html, type="html")`` parses it, by the plain
    lxml HTML parser: lxml.html's parser looks up a Python element class for every element
    the page modules touch (~90k calls on 300 pages), and nothing here needs its classes."""
    return _parse_bytes(html.strip().replace("\x00", "").encode("utf-8") or b"<html/>")


#: One parser a thread (lxml parsers must not be shared between threads), reused page after
#: page. ``collect_ids=False``: libxml2 files every ``id`` in a hash table for XPath's ``id()``,
#: which nothing here calls. The two together: 0.91x the CPU of a page's parse and free.
_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = _PARSERS.html = etree.HTMLParser(
            recover=True, encoding="utf-8", huge_tree=True, collect_ids=False
        )
    return parser


def _parse_bytes(body: bytes) -> Any:
    parser = _parser()
    root = etree.fromstring(body, parser=parser)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return root


#: What lxml.html's ``text_content()`` returns, for any element.
element_text = etree.XPath("string()", smart_strings=False)


_TEXT_NODES = etree.XPath(".//text()", smart_strings=False)


def text_of(sel: Selector | None) -> str:
    """All text under a node, joined with spaces (callers normalise it)."""
    if sel is None:
        return ""
    root = sel.root
    if isinstance(root, etree._Element):  # no Selector per piece
        # .//text() is itertext() for an element (tests/test_elements.py): the pieces without
        # an XPath call (~2 µs each), a childless element's without lxml's iterator either.
        pieces = text_pieces(root) if root.tag.__class__ is str else _TEXT_NODES(root)
        return " ".join(t for t in pieces if t.strip())
    return " ".join(t for t in sel.xpath(".//text()").getall() if t.strip())
