"""A listing page -> the article links on it (with their dates where shown) and the next page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from parsel import Selector

from newsbot.core.text import clean_inline
from newsbot.core.urls import clean_url, same_site, url_key
from newsbot.extraction.document import furniture_test, make_selector

logger = logging.getLogger(__name__)

_DATE_HINT = re.compile(
    r"\d{1,2}\s+[А-Яа-яЁё]{3,9}\.?\s+\d{4}|\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|(?:сегодня|вчера|позавчера)|назад",
    re.IGNORECASE,
)
_PAGE_N = re.compile(r"/page/(\d+)/?$")


@dataclass(frozen=True)
class ListingEntry:
    url: str
    date_text: str = ""  # the date the listing prints beside the link, raw
    in_furniture: bool = False  # a sidebar/menu link ("Популярное"), not the listing proper
    #: when the source says the page last changed (a sitemap's <lastmod>), raw; "" if it does not
    changed_text: str = ""


@dataclass
class Listing:
    entries: list[ListingEntry] = field(default_factory=list)
    next_url: str = ""
    structural: bool = False  # entries found by page structure, not by the profile's URL shape


def texts_outside_links(node: Any) -> list[str]:
    """``.//text()[not(ancestor::a)]``: the text nodes under ``node`` that no link holds, in
    document order. A walk in Python: the XPath tests every text node's ancestors up to the
    root (~30 µs a call on a listing's entry blocks)."""
    if node.tag == "a" or next(node.iterancestors("a"), None) is not None:
        return []
    out: list[str] = []
    stack: list[Any] = [node]  # an element to enter, or a tail (a str) to keep
    while stack:
        item = stack.pop()
        if item.__class__ is str:
            out.append(item)
            continue
        if item.tag.__class__ is str and item.text:  # a comment's text is no text node
            out.append(item.text)
        for child in reversed(item):
            if child.tail:
                stack.append(child.tail)
            if child.tag != "a":
                stack.append(child)
    return out


def _attribute_values(node: Any, tag: str, name: str) -> list[str]:
    """``.//tag/@name``: the attribute of ``node``'s ``tag`` descendants that have it, in
    document order; a C iteration costs less than an XPath call on these small subtrees."""
    return [v for v in (el.get(name) for el in node.iterdescendants(tag)) if v is not None]


def _entry_date(link: Any, article_links: Callable[[Any], int]) -> str:
    """The date printed in the link's own entry: the largest ancestor holding only this article."""
    node = link
    date = ""
    for _ in range(6):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
        if article_links(node) > 1:
            break
        stamps = _attribute_values(node, "time", "datetime")
        if stamps and stamps[0]:
            return str(stamps[0]).strip()
        if not date:
            for piece in texts_outside_links(node):
                piece = clean_inline(piece)
                if len(piece) <= 80 and _DATE_HINT.search(piece):
                    date = piece
                    break
    return date


_NEXT_TEXT = re.compile(
    r"^(?:следующая|следующие|далее|вперед|вперёд|ещё|еще|older posts|next|"
    r"предыдущие записи|более старые записи|»|›|→|>>)(?:\s*(?:страница|записи|»|›|→))?$",
    re.IGNORECASE,
)
_PAGE_PARAMS = ("page", "paged", "p", "PAGEN_1", "PAGEN_2", "start")


def _page_number(url: str) -> int | None:
    """The page number a listing URL names: ``/page/3/``, ``?page=3``, ``?PAGEN_1=3``."""
    parts = urlsplit(url)
    match = _PAGE_N.search(parts.path)
    if match:
        return int(match.group(1))
    query = dict(parse_qsl(parts.query))
    for name in _PAGE_PARAMS:
        value = query.get(name, "")
        if value.isdigit() and name != "p":  # ?p=123 is a WordPress post id
            return int(value)
    return None


_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _hrefs_with_tokens(root: Any, tag: str, attr: str, tokens: frozenset[str]) -> list[str]:
    """``//tag[contains(concat(' ', normalize-space(@attr), ' '), ' token ') and …]/@href``:
    by lxml's C iteration over the ``tag`` elements (the XPath walks every node of the page,
    ~40 µs on a listing page), the tokens split as normalize-space splits them."""
    found = []
    for el in root.getroottree().iter(tag):
        value, href = el.get(attr), el.get("href")
        if value is not None and href is not None and tokens <= set(_XML_SPACE.split(value)):
            found.append(href)
    return found


#: Where the next page's link is, first that gives one: results are plain strings.
_NEXT_LINKS: tuple[Callable[[Any], list[str]], ...] = (
    partial(_hrefs_with_tokens, tag="link", attr="rel", tokens=frozenset({"next"})),
    partial(_hrefs_with_tokens, tag="a", attr="rel", tokens=frozenset({"next"})),
    partial(_hrefs_with_tokens, tag="a", attr="class", tokens=frozenset({"next", "page-numbers"})),
    etree.XPath("//*[contains(@class,'nav-previous')]//a/@href", smart_strings=False),
)
_TEXTS = etree.XPath(".//text()", smart_strings=False)
_COMPILED: dict[str, etree.XPath] = {}


def _xpath(query: str) -> etree.XPath:
    if query not in _COMPILED:
        _COMPILED[query] = etree.XPath(query, smart_strings=False)
    return _COMPILED[query]


def _links(root: Any) -> list[Any]:
    """``//a[@href]`` of the page, by lxml's C iteration (half an XPath call's CPU)."""
    return [a for a in root.getroottree().iter("a") if a.get("href") is not None]


def _next_page(sel: Selector, base: str) -> str:
    """``rel=next``, WordPress ``a.next.page-numbers``, an «Следующая»/«»» link, else the link
    to page N+1 (``/page/N+1/`` or ``?page=N+1``)."""
    for xp in _NEXT_LINKS:
        found = xp(sel.root)
        if found and found[0]:
            return clean_url(found[0], base)
    current = _page_number(base) or 1
    by_text = ""
    for a in _links(sel.root):
        url = clean_url(a.get("href") or "", base)
        if not url or not same_site(url, base) or url_key(url) == url_key(base):
            continue
        if _page_number(url) == current + 1:
            return url
        label = clean_inline(" ".join(_TEXTS(a)) or a.get("title", ""))
        if not by_text and _NEXT_TEXT.match(label):
            by_text = url
    return by_text


#: Where a theme puts its entries' links: headlines and post cards, not menus.
_STRUCTURAL_LINKS = (
    "//article//a[@href] | //h1//a[@href] | //h2//a[@href] | //h3//a[@href] | //h4//a[@href]"
    " | //*[contains(@class, 'title') or contains(@class, 'entry') or contains(@class, 'news')"
    " or contains(@class, 'post')]//a[@href]"
)


def extract_listing(
    html: str | bytes | Selector,
    url: str,
    is_article_url: Callable[[str], bool],
    content_type: str | None = None,
    is_excluded_url: Callable[[str], bool] | None = None,
) -> Listing:
    """Article links in page order, each once, with the date its entry shows.

    Links are articles when the site profile says so by their URL. When no link on the page
    has that shape (another theme, other permalinks), the headline and post-card links are
    taken instead (``Listing.structural``), minus what ``is_excluded_url`` rules out.
    """
    try:
        sel = make_selector(html, content_type)
    except Exception:
        logger.exception("unparseable listing %s", url)
        return Listing()
    if not isinstance(sel.root, etree._Element):  # a text or JSON selector: no links
        return Listing()
    listing = Listing(next_url=_next_page(sel, url))
    entries = _collect(sel, url, _links, is_article_url)
    if not [e for e in entries if not e.in_furniture] and is_excluded_url is not None:
        base_key = url_key(url)

        def looks_like_entry(target: str) -> bool:
            path = urlsplit(target).path
            return (
                path.strip("/") != ""
                and url_key(target) != base_key
                and _page_number(target) is None
                and not is_excluded_url(target)
            )

        found = _collect(sel, url, _xpath(_STRUCTURAL_LINKS), looks_like_entry)
        structural = [e for e in found if not e.in_furniture]
        if structural:
            listing.structural = True
            entries = structural
    listing.entries = entries
    return listing


def _collect(
    sel: Selector, url: str, links: Callable[[Any], list[Any]], accept: Callable[[str], bool]
) -> list[ListingEntry]:
    verdicts: dict[str, bool] = {}  # href -> is an article link: each entry's ancestors ask again

    def is_article(href: str) -> bool:
        verdict = verdicts.get(href)
        if verdict is None:
            target = clean_url(href, url)
            verdict = verdicts[href] = bool(target) and same_site(target, url) and accept(target)
        return verdict

    # Keyed by the element: the dict keeps its proxy alive, so lxml hands out that same proxy
    # for the node (a bare id() could be reused once a proxy is gone).
    counts: dict[Any, int] = {}

    def article_links(key: Any) -> int:
        if key not in counts:
            hrefs = _attribute_values(key, "a", "href")
            counts[key] = len({url_key(clean_url(h, url)) for h in hrefs if is_article(h)})
        return counts[key]

    entries: list[ListingEntry] = []
    seen: set[str] = set()
    in_furniture = furniture_test()
    for a in links(sel.root):
        href = a.get("href") or ""
        if not is_article(href):
            continue
        target = clean_url(href, url)
        key = url_key(target)
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            ListingEntry(
                url=target,
                date_text=_entry_date(a, article_links),
                in_furniture=in_furniture(a),
            )
        )
    return entries
