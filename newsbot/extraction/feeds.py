"""Discovery beyond listing pages: RSS/Atom feeds, XML sitemaps, the WordPress REST API, robots.txt.

Each parser turns one response body into the same ``Listing`` the listing-page extractor gives,
so the spider routes these URLs like any other: entries are clean absolute URLs in document order,
each once, with the raw date string the source printed beside it (for ``parse_date``).

Bodies come from the open web: they may be gzip-compressed, mislabelled, truncated, HTML, or
hostile (entity bombs, external entities). Nothing here raises; bad input gives an empty result
and a warning. XML goes through lxml with entities unresolved and the network off, in recover
mode, so a broken document still yields what it holds and an entity bomb expands to nothing.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from newsbot.core.urls import clean_url, url_key
from newsbot.extraction.listing import Listing, ListingEntry

logger = logging.getLogger(__name__)

#: Work bounds per document: bytes after decompression, and entries kept.
MAX_BODY_BYTES: Final = 50 * 1024 * 1024
MAX_ENTRIES: Final = 50_000
#: Google reads only the first 500 KiB of robots.txt; so do we.
MAX_ROBOTS_BYTES: Final = 500 * 1024

_GZIP_MAGIC: Final = b"\x1f\x8b"
#: A DOCTYPE's internal subset, where entity declarations (bombs, XXE) live. Feeds and
#: sitemaps never need one; it is cut before parsing, so no entity is ever declared.
_DOCTYPE: Final = re.compile(rb"<!DOCTYPE\s[^\[>]{0,500}\[", re.IGNORECASE)
_SUBSET_END: Final = re.compile(rb"\]\s*>")
_PROLOG_BYTES: Final = 1024 * 1024


@dataclass(eq=False)
class FeedListing(Listing):
    """A Listing that also says what went wrong with its document, for the spider to count."""

    problem: str = ""  # "truncated" (cut short) or "refused" (a DTD with declarations dropped)

    def __eq__(self, other: object) -> bool:
        """Equal to a plain Listing with the same entries (the problem is extra news)."""
        if not isinstance(other, Listing):
            return NotImplemented
        same = (self.entries, self.next_url, self.structural) == (
            other.entries,
            other.next_url,
            other.structural,
        )
        return same and self.problem == getattr(other, "problem", self.problem)


# A WordPress "date_gmt" value: ISO without offset, which is UTC.
_NAIVE_ISO_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?")
# RSS <pubDate>, Atom <published>/<updated>, RSS 1.0 / Dublin Core <dc:date>, best first.
_ITEM_DATES: Final = ("pubdate", "published", "date", "issued", "updated", "modified")


def _load(body: bytes | str, base_url: str) -> tuple[bytes, bool]:
    """Body bytes, gunzipped and capped, and whether they came from a str (then UTF-8)."""
    if isinstance(body, str):
        data, from_str = body.encode("utf-8", "replace"), True
    elif isinstance(body, bytes | bytearray | memoryview):
        data, from_str = bytes(body), False
    else:
        logger.warning("%s: body of type %s, not bytes or str", base_url, type(body).__name__)
        return b"", False
    if data[:2] == _GZIP_MAGIC:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, MAX_BODY_BYTES)
        except zlib.error as exc:
            logger.warning("%s: broken gzip body: %s", base_url, exc)
            return b"", from_str
        if inflater.unconsumed_tail:
            logger.warning("%s: gzip body capped at %d bytes", base_url, MAX_BODY_BYTES)
    elif len(data) > MAX_BODY_BYTES:
        logger.warning("%s: body capped at %d bytes", base_url, MAX_BODY_BYTES)
        data = data[:MAX_BODY_BYTES]
    return data, from_str


def _drop_internal_subset(data: bytes, base_url: str) -> tuple[bytes, bool]:
    """The document without its DOCTYPE's internal subset; True if there was one.

    Searched in the prolog only (bounded); entity references to what it declared are then
    undefined, and recover mode reads past them, so every entry after a bomb is kept.
    """
    start = _DOCTYPE.search(data[:_PROLOG_BYTES])  # one search, one DOCTYPE: linear
    if start is None:
        return data, False
    logger.warning("%s: DOCTYPE with declarations (an entity bomb or XXE?) refused", base_url)
    end = _SUBSET_END.search(data, start.end())
    if end is None:
        return b"", True  # never closed: nothing after it is a document
    return data[: start.start()] + data[end.end() :], True


def _parse_xml(body: bytes | str, base_url: str) -> tuple[etree._Element | None, bool]:
    """(root, truncated): the document's root element, or None for garbage."""
    root, problem = _parse_xml_checked(body, base_url)
    return root, problem == "truncated"


def _parse_xml_checked(body: bytes | str, base_url: str) -> tuple[etree._Element | None, str]:
    """(root, problem): problem is "", "truncated" or "refused"."""
    data, from_str = _load(body, base_url)
    data = data.lstrip(b" \t\r\n")
    data, refused = _drop_internal_subset(data, base_url)
    if not data:
        logger.warning("%s: empty body", base_url)
        return None, ""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        encoding="utf-8" if from_str else None,  # a str's own declaration no longer holds
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        logger.warning("%s: not XML: %s", base_url, exc)
        return None, "refused" if refused else ""
    if root is None:
        logger.warning("%s: not XML", base_url)
        return None, "refused" if refused else ""
    # A document cut short (a dropped connection, a capped body) lacks its closing root tag;
    # its last entry may hold half a URL, so the callers drop it.
    # The closing tag itself (``</urlset>``, ``</ns:urlset >``), not the opening one: a short
    # document holds ``<urlset>`` in its last 4 KiB too.
    end_tag = re.compile(rb"</(?:[^\s<>/:]+:)?" + re.escape(_local(root).encode()) + rb"\s*>")
    truncated = bool(parser.error_log) and not end_tag.search(data[-4096:].lower())
    if truncated:
        logger.warning("%s: XML document is truncated", base_url)
        return root, "truncated"
    return root, "refused" if refused else ""


def _local(el: Any) -> str:
    """Lower-case tag without namespace; "" for comments, entities and the like."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _child_text(el: etree._Element, *names: str) -> str:
    """Text of the first child named names[0]; failing that names[1], and so on."""
    for name in names:
        for child in el:
            if _local(child) == name and (text := _text(child)):
                return text
    return ""


def _items(root: etree._Element, name: str, truncated: bool, deep: bool) -> list[etree._Element]:
    found = [el for el in (root.iter() if deep else root) if _local(el) == name]
    return found[:-1] if truncated else found


def _listing(pairs: Iterable[tuple[Any, ...]], base_url: str, next_url: str = "") -> Listing:
    """Clean absolute URLs in order, each once, capped at MAX_ENTRIES.

    ``pairs`` are (href, date) or (href, date, last change), raw.
    """
    listing = Listing(next_url=next_url)
    seen: set[str] = set()
    for href, date_text, *rest in pairs:
        url = clean_url(href, base_url) if isinstance(href, str) else ""
        key = url_key(url) if url else ""
        if not key or key in seen:
            continue
        if len(listing.entries) >= MAX_ENTRIES:
            logger.warning("%s: capped at %d entries", base_url, MAX_ENTRIES)
            break
        seen.add(key)
        date = date_text.strip() if isinstance(date_text, str) else ""
        changed = rest[0].strip() if rest and isinstance(rest[0], str) else ""
        listing.entries.append(ListingEntry(url=url, date_text=date, changed_text=changed))
    return listing


def _link_of(item: etree._Element) -> str:
    """RSS <link>text</link>, else Atom <link rel="alternate" href>, else a permalink <guid>."""
    alternate = ""
    for child in item:
        if _local(child) != "link":
            continue
        if text := _text(child):
            return text
        rel = (child.get("rel") or "alternate").strip().lower()
        if not alternate and rel == "alternate":
            alternate = (child.get("href") or "").strip()
    if alternate:
        return alternate
    for child in item:
        if _local(child) == "guid" and (child.get("isPermaLink") or "true").lower() != "false":
            return _text(child)
    return ""


def _feed_listing(root: etree._Element, truncated: bool, base_url: str) -> Listing:
    kind = _local(root)
    channel = next((el for el in root if _local(el) == "channel"), root)
    # RFC 5005 paging: <atom:link rel="next"> in the RSS channel, <link rel="next"> in Atom.
    heads = list(root) if channel is root else list(channel)
    next_url = next(
        (
            clean_url(el.get("href"), base_url)
            for el in heads
            if _local(el) == "link" and (el.get("rel") or "").strip().lower() == "next"
        ),
        "",
    )
    items = _items(root, "entry" if kind == "feed" else "item", truncated, deep=True)
    pairs = ((_link_of(item), _child_text(item, *_ITEM_DATES)) for item in items)
    return _listing(pairs, base_url, next_url)


def _with_problem(listing: Listing, problem: str) -> FeedListing:
    return FeedListing(
        entries=listing.entries,
        next_url=listing.next_url,
        structural=listing.structural,
        problem=problem,
    )


def parse_feed(body: bytes | str, base_url: str) -> FeedListing:
    """RSS 2.0/1.0 or Atom → item links with their raw pubDate/published/updated."""
    try:
        root, problem = _parse_xml_checked(body, base_url)
        if root is None:
            return FeedListing(problem=problem)
        if _local(root) not in ("rss", "feed", "rdf"):
            logger.warning("%s: not a feed (root <%s>)", base_url, _local(root))
            return FeedListing(problem=problem)
        return _with_problem(_feed_listing(root, problem == "truncated", base_url), problem)
    except Exception:
        logger.warning("%s: feed parsing failed", base_url, exc_info=True)
        return FeedListing()


def _sitemap_date(url_el: etree._Element) -> str:
    """news:publication_date (a publication time) over lastmod (a modification time)."""
    for child in url_el:
        if _local(child) == "news" and (date := _child_text(child, "publication_date")):
            return date
    return _child_text(url_el, "lastmod")


def parse_sitemap(body: bytes | str, base_url: str) -> tuple[list[str], FeedListing]:
    """A sitemap index → (child sitemap URLs, empty Listing); a urlset → ([], page Listing).

    The listing's ``problem`` says whether the document was truncated or its DTD refused.
    """
    children, listing = read_sitemap(body, base_url)
    return [child.url for child in children], listing


def read_sitemap(body: bytes | str, base_url: str) -> tuple[list[ListingEntry], FeedListing]:
    """Like ``parse_sitemap``, with each child sitemap's ``<lastmod>`` (its ``changed_text``),
    so an incremental run can leave out the child sitemaps that did not change."""
    problem = ""
    try:
        root, problem = _parse_xml_checked(body, base_url)
        truncated = problem == "truncated"
        if root is None:
            return [], FeedListing(problem=problem)
        kind = _local(root)
        if kind == "sitemapindex":
            maps = _items(root, "sitemap", truncated, deep=False)
            pairs = ((_child_text(m, "loc"), "", _child_text(m, "lastmod")) for m in maps)
            return _listing(pairs, base_url).entries, FeedListing(problem=problem)
        if kind == "urlset":
            urls = _items(root, "url", truncated, deep=False)
            triples = (
                (_child_text(u, "loc"), _sitemap_date(u), _child_text(u, "lastmod")) for u in urls
            )
            return [], _with_problem(_listing(triples, base_url), problem)
        if kind in ("rss", "feed", "rdf"):  # sitemaps may be feeds (sitemaps.org protocol)
            return [], _with_problem(_feed_listing(root, truncated, base_url), problem)
        logger.warning("%s: not a sitemap (root <%s>)", base_url, kind)
    except Exception:
        logger.warning("%s: sitemap parsing failed", base_url, exc_info=True)
    return [], FeedListing(problem=problem)


def _wp_date(post: dict[str, Any]) -> str:
    """date_gmt as UTC ("…Z") when set; else the site-local date (parse_date: Moscow)."""
    gmt = post.get("date_gmt")
    if isinstance(gmt, str) and _NAIVE_ISO_RE.fullmatch(gmt.strip()) and not gmt.startswith("0000"):
        return gmt.strip() + "Z"
    date = post.get("date")
    return date if isinstance(date, str) else ""


def load_wp_posts(body: bytes | str, base_url: str) -> list[dict[str, Any]] | None:
    """The post objects of a WordPress REST answer; None when it is not a list of posts
    (an error object such as ``rest_no_route``, an HTML page, broken JSON)."""
    try:
        data, _ = _load(body, base_url)
        text = data.decode("utf-8-sig", "replace")
        try:
            posts = json.loads(text)
        except ValueError:
            # PHP notices printed before the JSON are a common WordPress fault.
            start = text.find("[")
            if start < 0:
                raise
            posts, _ = json.JSONDecoder().raw_decode(text, start)
    except Exception as exc:
        logger.warning("%s: not a WordPress posts list: %s", base_url, exc)
        return None
    if not isinstance(posts, list):
        logger.warning("%s: REST answer is a %s, not a list", base_url, type(posts).__name__)
        return None
    return [p for p in posts if isinstance(p, dict)]


def parse_wp_posts(body: bytes | str, base_url: str) -> Listing:
    """WordPress REST API /wp-json/wp/v2/posts → post links with their dates.

    The next page is not in the body: it is the response's ``Link: <…>; rel="next"`` header
    (or ``X-WP-TotalPages``).
    """
    posts = load_wp_posts(body, base_url)
    if posts is None:
        return Listing()
    return _listing(((p.get("link"), _wp_date(p)) for p in posts), base_url)


def _robots_lines(body: bytes | str) -> Iterator[str]:
    text = body if isinstance(body, str) else bytes(body).decode("utf-8-sig", "replace")
    for line in text[:MAX_ROBOTS_BYTES].splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "sitemap":
            yield value.split("#", 1)[0].strip()


def sitemaps_from_robots(body: bytes | str, base_url: str) -> list[str]:
    """The "Sitemap:" URLs of a robots.txt, in order, each once."""
    try:
        listing = _listing(((url, "") for url in _robots_lines(body)), base_url)
        return [entry.url for entry in listing.entries]
    except Exception:
        logger.warning("%s: robots.txt parsing failed", base_url, exc_info=True)
        return []
