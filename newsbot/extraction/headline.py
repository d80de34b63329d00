"""Who wrote what under which headline: title, lead (standfirst) and author."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from lxml import etree
from parsel import Selector

from newsbot.core.text import clean_inline
from newsbot.extraction.document import (
    SCAN_LIMIT,
    element_in_furniture,
    element_text,
    first_match,
    in_furniture,
    page_furniture,
    text_of,
)
from newsbot.extraction.elements import (
    element_index,
    in_body,
    is_document,
    select,
    select_elements,
    tagged,
    text_pieces,
)
from newsbot.extraction.metadata import PageMetadata, as_names, as_text

logger = logging.getLogger(__name__)

_TITLE_SELECTORS = (
    "[itemprop='headline']",
    "h1.entry-title",
    ".entry-title",
    "article h1",
    ".tdb-title-text",
    ".post-title",
    "h1",
)

_LEAD_SELECTORS = (
    "[itemprop='alternativeHeadline']",
    ".lead",
    ".subtitle",
    ".sub-title",
    ".entry-subtitle",
    ".post-subtitle",
    ".td-post-sub-title",
    ".article-lead",
    ".article__lead",
    ".standfirst",
    ".intro",
)

#: Looser class names of a standfirst: substrings of the class attribute.
_LEAD_LOOSE_CLASSES = (
    "subtitle",
    "sub-title",
    "lead",
    "standfirst",
    "entry-summary",
    "post-excerpt",
)

_BYLINE_AUTHOR = re.compile(r"(?:Текст|Автор)\s*:\s*(?P<author>[^|\n]{2,120})", re.IGNORECASE)
#: The words one of which _BYLINE_AUTHOR needs, casefolded (see ``document.first_match``).
BYLINE_AUTHOR_WORDS = ("текст", "автор")

#: Where a byline's name ends: «Олег Соколов в 22.01.2024 @ 16:05 В рубрике …».
_AUTHOR_END = re.compile(
    r"\s+(?:в|,)?\s*\d{1,2}[.:\s]\d|\s+В рубрике|\s+Фото\b|,\s*\d|\s+\d{1,2}\s+[А-Яа-я]{3,}",
    re.IGNORECASE,
)

_AUTHOR_SELECTORS = (
    ".wp-block-post-author-name",
    "[rel~='author']",
    "[itemprop='author'] [itemprop='name']",
    "[itemprop='author']",
    ".byline .author",
    ".author-name",
    ".post-author",
    ".entry-author",
    ".byline",
    ".author",
)

_TITLE_SEPARATOR = re.compile(r"\s+(?:[|»«—–-]|::)\s+")


def _first_text(sel: Selector, css_list: tuple[str, ...]) -> str:
    furniture = page_furniture(sel)
    for css in css_list:
        for node in select(sel, css):
            if in_furniture(node, furniture):
                continue
            value = clean_inline(text_of(node))
            if value:
                return value
    return ""


def _site_names(sel: Selector, meta: PageMetadata) -> set[str]:
    """The outlet's own names, as the page states them (to cut them off titles)."""
    names = {meta.first("og:site_name"), meta.first("application-name")}
    publisher = meta.article.get("publisher")
    names.update(as_names(publisher) if publisher else [])
    for el in select_elements(sel, ".site-title, .logo"):
        names.update(clean_inline(t) for t in text_pieces(el))  # what .//text() gives
    return {clean_inline(n).casefold() for n in names if n and len(clean_inline(n)) > 2}


def _strip_site_name(
    title: str, site_names: Callable[[], set[str]], headings: Callable[[], set[str]]
) -> str:
    """«Headline - Site» / «Site » Headline» -> «Headline», keeping dashes inside headlines.

    The site's names and the page's headings are asked for only when the title has a
    separator: most titles have none, and reading every heading costs more than the rest.
    """
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    names, visible = site_names(), headings()
    for part in parts:  # a part the page also prints on its own is the headline
        if part.casefold() in visible and part.casefold() not in names:
            return part
    while len(parts) > 1 and parts[-1].casefold() in names:
        parts.pop()
    while len(parts) > 1 and parts[0].casefold() in names:
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATOR.split(title)):
        return title
    # Rebuild from the original string so the headline's own separators survive.
    first, last = parts[0], parts[-1]
    return title[title.index(first) : title.rindex(last) + len(last)]


def _page_title(sel: Selector) -> str:
    """``string(//title)``: the first <title>'s text, from the element index (the XPath call
    through parsel cost ~14 µs a page, the look-up ~2)."""
    titles = tagged(sel, "title")
    return "".join(text_pieces(titles[0])) if titles else ""


def _title(sel: Selector, meta: PageMetadata) -> tuple[str, str]:
    """Structured headline first; else the heading that the page's <title> names; else h1."""

    @cache
    def names() -> set[str]:
        return _site_names(sel, meta)

    @cache
    def visible() -> set[str]:
        headings = [
            clean_inline(text_of(n))
            for n in in_body(
                sel, tags=("h1", "h2", "h3"), class_parts=("title", "headline"), id_parts=("itle",)
            )
            if not in_furniture(n, page_furniture(sel))
        ]
        return {h.casefold() for h in headings if h}

    for raw, source in (
        (as_text(meta.article.get("headline")), "jsonld"),
        (meta.first("og:title"), "meta"),
    ):
        value = clean_inline(html.unescape(raw))
        if value:
            return _strip_site_name(value, names, visible), source
    page_title = clean_inline(_page_title(sel))
    if page_title:
        parts = [page_title, *_TITLE_SEPARATOR.split(page_title)]
        for part in parts:
            if part.casefold() in visible() and part.casefold() not in names():
                return part, "title_heading"
    found = _first_text(sel, _TITLE_SELECTORS)
    if found:
        return _strip_site_name(found, names, set), "heading"
    return (_strip_site_name(page_title, names, visible), "title") if page_title else ("", "")


def _inside(el: Any, container: Selector | None) -> bool:
    if container is None:
        return False
    target = container.root
    return any(anc is target for anc in el.iterancestors()) or el is target


#: The <p>, <h2>, <h3>, <div> and <span> in <body> whose text starts with $start, in document
#: order. A union of five paths: the same elements as ``//body//*[self::p or self::h2 or …]``
#: at half the CPU (libxml2 evaluates each ``self::`` test as a step of its own).
_STARTS_LIKE = etree.XPath(
    "(//body//p | //body//h2 | //body//h3 | //body//div | //body//span)"
    "[starts-with(normalize-space(.), $start)]"
)


#: _STARTS_LIKE's test alone, on the elements given as $nodes (in document order).
_STARTING_LIKE_OF = etree.XPath("$nodes[starts-with(normalize-space(.), $start)]")
_STARTS_LIKE_TAGS = ("p", "h2", "h3", "div", "span")


def _starting_like(sel: Selector, start: str) -> list[Any]:
    """What ``_STARTS_LIKE`` selects. On a whole page with one <body> the element index lists
    the elements under it and libxml2 only tests them: the union's five descents of the tree
    were 40% of the XPath's cost."""
    if is_document(sel):
        index = element_index(sel)
        if len(index.by_tag.get("body", ())) == 1:
            candidates = index.in_order(index.by_tag.get(t, []) for t in _STARTS_LIKE_TAGS)
            nodes = [el for el in candidates if index.in_body(el)]
            return list(_STARTING_LIKE_OF(sel.root, nodes=nodes, start=start))
    return list(_STARTS_LIKE(sel.root, start=start))


def _lead(sel: Selector, meta: PageMetadata, container: Selector | None) -> str:
    """A standfirst by its usual class names, else the element that shows the description.

    ``og:description`` alone is not a lead (themes fill it with the first sentence); it is
    one when the page also prints it, outside the body, as its own element.
    """
    found = _first_text(sel, (", ".join(_LEAD_SELECTORS),))  # one query, document order
    if found:
        return found
    # Looser class names, in one query (document order): «elementor-…-post-excerpt» & co.
    furniture = page_furniture(sel)
    for node in in_body(sel, class_parts=_LEAD_LOOSE_CLASSES):
        if in_furniture(node, furniture):  # first: «related-lead» & co. sit in furniture
            continue
        text = clean_inline(text_of(node))
        if 10 <= len(text) <= 400:
            return text
    description = clean_inline(
        as_text(meta.article.get("description")) or meta.first("og:description", "description")
    )
    if len(description) < 10:
        return ""
    # Only elements whose own text starts like the description (lxml does the scan in C).
    nodes = _starting_like(sel, description[:24])
    for node in nodes[:SCAN_LIMIT]:
        raw = element_text(node)
        if len(raw) > 2 * len(description) + 50 or clean_inline(raw) != description:
            continue
        if element_in_furniture(node, furniture):
            continue
        if not _inside(node, container):  # the body's own first sentence is not a lead
            return description
    return ""


def read_title(sel: Selector, meta: PageMetadata) -> tuple[str, str]:
    """(headline, its signal)."""
    return _title(sel, meta)


def read_standfirst(
    sel: Selector, meta: PageMetadata, container: Selector | None
) -> tuple[str, str]:
    """(the subtitle the page prints, its signal): the lead that the body must not repeat."""
    printed = _lead(sel, meta, container)
    if printed:
        return printed, "standfirst"
    alternative = clean_inline(as_text(meta.article.get("alternativeHeadline")))
    return (alternative, "jsonld") if alternative else ("", "")


_WORD = re.compile(r"\w{4,}")
#: Share of a description's words that the article's title and text must hold for it to be the
#: article's own summary rather than the site's slogan repeated on every page.
_DESCRIPTION_OVERLAP = 0.4


def read_description(meta: PageMetadata, title: str, text: str, site_names: set[str]) -> str:
    """The article's own description (JSON-LD, ``og:description``, ``<meta name=description>``)
    when it is about this article: mostly words of its title and text, not the site's name."""
    description = clean_inline(
        html.unescape(
            as_text(meta.article.get("description"))
            or meta.first("og:description", "description", "twitter:description")
        )
    )
    if len(description) < 10 or description.casefold() in site_names or description == title:
        return ""
    words = {w.casefold() for w in _WORD.findall(description)}
    if not words:
        return ""
    known = {w.casefold() for w in _WORD.findall(title + " " + text[:5000])}
    return description if len(words & known) >= _DESCRIPTION_OVERLAP * len(words) else ""


def site_names(sel: Selector, meta: PageMetadata) -> set[str]:
    return _site_names(sel, meta)


def byline_author(text: str) -> str:
    """The name a printed byline gives («Текст: …», «Автор: …», «Фото и текст: …»), cut where
    the date or the rubric that follows it begins; empty when the text prints none.

    The one home of the byline rule: a page's visible text and a REST post's
    ``content.rendered`` are read by it alike."""
    return clean_inline(
        _AUTHOR_END.split(first_match(_BYLINE_AUTHOR, text, "author", BYLINE_AUTHOR_WORDS), 1)[0]
    )


def read_author(sel: Selector, meta: PageMetadata, text: str) -> tuple[str, str]:
    """(the byline «Текст: …»/«Автор: …», else JSON-LD / meta author, else author markup;
    the signal it came from)."""
    candidates = (
        (lambda: byline_author(text), "byline"),
        (
            lambda: ", ".join(html.unescape(n) for n in as_names(meta.article.get("author"))),
            "jsonld",
        ),
        (lambda: meta.first("author", "article:author"), "meta"),
        (lambda: _first_text(sel, _AUTHOR_SELECTORS), "markup"),
    )
    for read, source in candidates:
        author = read()
        if author:
            if author.lower().startswith(("http://", "https://")):
                return "", ""  # article:author is often a profile URL, not a name
            return clean_inline(author), source
    return "", ""
