"""A listing page -> the article links on it (with their dates where shown) and the next page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from parsel import Selector

from newsbot.extraction.document import in_furniture, make_selector
from newsbot.text import clean_inline
from newsbot.urls import clean_url, same_site, url_key

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


@dataclass
class Listing:
    entries: list[ListingEntry] = field(default_factory=list)
    next_url: str = ""


def _entry_date(link: Selector, article_links: Callable[[Selector], int]) -> str:
    """The date printed in the link's own entry: the largest ancestor holding only this article."""
    node = link
    date = ""
    for _ in range(6):
        parent = node.xpath("..")
        if not parent or parent[0].root.tag in ("body", "html"):
            break
        node = parent[0]
        if article_links(node) > 1:
            break
        stamp = node.xpath(".//time/@datetime").get()
        if stamp:
            return stamp.strip()
        if not date:
            for piece in node.xpath(".//text()[not(ancestor::a)]").getall():
                piece = clean_inline(piece)
                if len(piece) <= 80 and _DATE_HINT.search(piece):
                    date = piece
                    break
    return date


def _next_page(sel: Selector, base: str) -> str:
    for xp in (
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href",
        "//a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href",
        "//a[contains(concat(' ', normalize-space(@class), ' '), ' next ')"
        " and contains(concat(' ', normalize-space(@class), ' '), ' page-numbers ')]/@href",
        "//*[contains(@class,'nav-previous')]//a/@href",
    ):
        href = sel.xpath(xp).get()
        if href:
            return clean_url(href, base)
    # Numbered pagination only: /page/N+1/ linked from page N.
    match = _PAGE_N.search(base.split("?", 1)[0])
    current = int(match.group(1)) if match else 1
    for href in sel.xpath("//a/@href").getall():
        url = clean_url(href, base)
        found = _PAGE_N.search(url.split("?", 1)[0])
        if found and int(found.group(1)) == current + 1 and same_site(url, base):
            return url
    return ""


def extract_listing(
    html: str | bytes | Selector,
    url: str,
    is_article_url: Callable[[str], bool],
    content_type: str | None = None,
) -> Listing:
    """Article links in page order, each once, with the date its entry shows."""
    try:
        sel = make_selector(html, content_type)
    except Exception:
        logger.exception("unparseable listing %s", url)
        return Listing()

    def is_article(href: str) -> bool:
        target = clean_url(href, url)
        return bool(target) and same_site(target, url) and is_article_url(target)

    def article_links(node: Selector) -> int:
        return len(
            {url_key(clean_url(h, url)) for h in node.xpath(".//a/@href").getall() if is_article(h)}
        )

    listing = Listing(next_url=_next_page(sel, url))
    seen: set[str] = set()
    for a in sel.xpath("//a[@href]"):
        href = a.attrib["href"]
        if not is_article(href):
            continue
        target = clean_url(href, url)
        key = url_key(target)
        if key in seen:
            continue
        seen.add(key)
        listing.entries.append(
            ListingEntry(
                url=target,
                date_text=_entry_date(a, article_links),
                in_furniture=in_furniture(a),
            )
        )
    return listing
