"""Body HTML -> paragraphs: blank lines at block boundaries, junk and related blocks left out.

Which elements are junk is ``junk.py``'s business; this module walks the tree, keeps the text of
the rest and hands it to the one text normaliser (``newsbot.core.text``).
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import lxml.etree
import lxml.html

from newsbot.core.text import clean_text, controls_map, fold_key, html_space_map
from newsbot.extraction.elements import text_pieces
from newsbot.extraction.junk import RELATED_MARKERS, SHARE_LABELS, is_boilerplate, short_text

logger = logging.getLogger(__name__)

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

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_MARKER_TRIM = " :.…!—–-→»>\u00a0"
_PHOTO_CREDIT_RE = re.compile(r"^\s*(?:фото|источник фото|фотография)\s*[:：]", re.IGNORECASE)
_DATE_LINE_RE = re.compile(
    r"^\s*\d{1,2}[\s.](?:[А-Яа-яЁё]{3,}\.?|\d{1,2})[\s.]\d{4}(?:\s*(?:г\.?)?\s*(?:в|,)?\s*"
    r"\d{1,2}:\d{2})?\s*$"
)
_MARKER_MAX = 40  # longest marker text worth reading an element for


def _fold(text: str) -> str:
    return fold_key(text).strip(_MARKER_TRIM)


def _link_ratio(el: Any) -> tuple[int, int]:
    total = len(" ".join("".join(text_pieces(el)).split()))
    linked = 0
    for a in el.iter("a"):
        linked += len(" ".join("".join(text_pieces(a)).split()))
    return linked, total


def _is_link_dominated(el: Any) -> bool:
    linked, total = _link_ratio(el)
    return total > 0 and linked * 2 >= total


def _is_date_like(el: Any) -> bool:
    if el.tag == "time" or el.find(".//time") is not None:
        text = short_text(el, 60)
        return text is not None
    text = short_text(el, 40)
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
    text = "".join(text_pieces(el)).strip()
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
        short = short_text(child, _MARKER_MAX * 3)
        folded = _fold(short) if short is not None else None
        if boilerplate and (folded is None or folded not in RELATED_MARKERS):
            verdict[i] = 1  # a «related-title» heading still opens the block below
            i += 1
            continue
        if folded and folded in SHARE_LABELS:
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
    first = el.text  # what itertext() gives first, without starting the iterator
    return bool(first and first.strip()) or any(t.strip() for t in text_pieces(el))


def _starts_with_marker_then_links(el: Any, text: str) -> bool:
    folded = fold_key(text)
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
            out.append(item if pre_depth else html_space_map(item))
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
    html = _XML_DECL_RE.sub("", controls_map(html), count=1)
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
