"""Discovery parsers: feeds, sitemaps, the WP REST API and robots.txt, over synthetic fixtures,
the replica's own files, and junk that must give an empty answer instead of an exception."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest

from newsbot.core.dates import MOSCOW, parse_date, to_iso
from newsbot.extraction import feeds
from newsbot.extraction.feeds import (
    parse_feed,
    parse_sitemap,
    parse_wp_posts,
    read_sitemap,
    sitemaps_from_robots,
)
from newsbot.extraction.listing import Listing

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
SITE = Path(__file__).resolve().parent / "replica" / "site"
BASE = "https://uv-kurier.ru/"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=MOSCOW)  # after every date in the fixtures
REFERENCE = (
    "https://uv-kurier.ru/2023/09/05/"
    "sobyanin-zdravoohranenie-moskvy-k-2025-godu-mozhet-polnostyu-perejti-na-tsifrovoj-dokumentooborot"
)
LUBLINO = "https://uv-kurier.ru/2023/09/04/v-lyubline-otkryli-kruzhok-shahmat"


def _read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def _pairs(listing: Listing) -> list[tuple[str, str]]:
    return [(e.url, e.date_text) for e in listing.entries]


def _moscow(text: str) -> str:
    return to_iso(parse_date(text, NOW))


# --------------------------------------------------------------------------- feeds


def test_wordpress_rss() -> None:
    listing = parse_feed(_read("wordpress_rss.xml"), "https://uv-kurier.ru/feed/")
    assert _pairs(listing) == [
        # utm_* gone; the trailing-slash repeat of this item further down is dropped
        (REFERENCE, "Tue, 05 Sep 2023 09:57:00 +0000"),
        # upper-case host, yclid and #comments gone, a real parameter kept
        (LUBLINO + "/?page=1", "Mon, 04 Sep 2023 15:30:00 +0300"),
        (
            "https://uv-kurier.ru/2023/09/01/v-kuzminkah-prohodit-festival",
            "Fri, 01 Sep 2023 08:00:00 GMT",
        ),
        # no <link>: a permalink <guid> stands in; the isPermaLink="false" one is not a link
        ("https://uv-kurier.ru/2023/08/31/guid-kak-ssylka", "Thu, 31 Aug 2023 07:00:00 +0000"),
    ]
    assert listing.next_url == "https://uv-kurier.ru/feed/?paged=2"
    assert not any(e.in_furniture for e in listing.entries)
    assert _moscow(listing.entries[0].date_text) == "2023-09-05T12:57:00+03:00"
    assert _moscow(listing.entries[1].date_text) == "2023-09-04T15:30:00+03:00"
    assert _moscow(listing.entries[2].date_text) == "2023-09-01T11:00:00+03:00"


def test_feed_from_str_equals_bytes() -> None:
    """response.text (declaration and all) reads the same as response.body."""
    for name in ("wordpress_rss.xml", "rss_windows1251.xml"):
        raw = _read(name)
        text = raw.decode("cp1251" if "1251" in name else "utf-8")
        assert parse_feed(text, BASE) == parse_feed(raw, BASE)


def test_atom() -> None:
    listing = parse_feed(_read("atom.xml"), "https://uv-kurier.ru/feed/atom/")
    assert _pairs(listing) == [
        # rel="alternate" chosen over rel="replies"; <published> over <updated>
        ("https://uv-kurier.ru/2024/03/01/v-marine-otremontiruyut-dorogu", "2024-03-01T10:00:00Z"),
        ("https://uv-kurier.ru/2024/02/28/zapis-bez-published", "2024-02-28T21:30:00+00:00"),
    ]
    assert listing.next_url == "https://uv-kurier.ru/feed/atom/?paged=2"
    assert _moscow(listing.entries[0].date_text) == "2024-03-01T13:00:00+03:00"
    assert _moscow(listing.entries[1].date_text) == "2024-02-29T00:30:00+03:00"


def test_rss_windows1251_declared_in_xml_declaration() -> None:
    raw = _read("rss_windows1251.xml")
    assert "Ярмарка".encode("cp1251") in raw  # the fixture really is cp1251 bytes
    listing = parse_feed(raw, "https://tekgazeta.ru/feed/")
    assert [unquote(e.url) for e in listing.entries] == [
        "https://tekgazeta.ru/ярмарка-выходного-дня/",
        "https://tekgazeta.ru/subbotnik-v-tekstilshhikah/",
    ]
    assert _moscow(listing.entries[0].date_text) == "2023-10-14T10:00:00+03:00"
    assert _moscow(listing.entries[1].date_text) == "2023-10-13T12:15:00+03:00"


def test_replica_feed_dates_are_the_articles_publication_times() -> None:
    listing = parse_feed((SITE / "feed" / "index.xml").read_bytes(), "https://uv-kurier.ru/feed/")
    expected = json.loads((SITE.parent / "expected.json").read_text(encoding="utf-8"))
    published = {a["url"]: a["published_at"] for a in expected["articles"]}
    assert len(listing.entries) == 10
    assert [e.url for e in listing.entries] == list(published)[:10]  # newest first, as published
    for entry in listing.entries:
        assert _moscow(entry.date_text) == published[entry.url]
    assert listing.next_url == ""  # rel="self" is not a next page


# --------------------------------------------------------------------------- sitemaps


def test_yoast_sitemap_index() -> None:
    children, listing = parse_sitemap(_read("yoast_sitemap_index.xml"), BASE + "sitemap_index.xml")
    assert children == [
        "https://uv-kurier.ru/post-sitemap.xml",
        "https://uv-kurier.ru/post-sitemap2.xml",
        "https://uv-kurier.ru/page-sitemap.xml",
        "https://uv-kurier.ru/category-sitemap.xml",
    ]
    assert listing.entries == []


def test_yoast_post_sitemap_and_its_gzip() -> None:
    children, listing = parse_sitemap(_read("yoast_post_sitemap.xml"), BASE + "post-sitemap.xml")
    assert children == []
    # <image:loc> URLs are not pages; the home page is (the spider's article test drops it)
    assert _pairs(listing) == [
        ("https://uv-kurier.ru/", ""),
        (
            "https://uv-kurier.ru/2023/04/17/v-yugo-vostochnom-okruge-startoval-konkurs-luchshij-balkon",
            "2023-04-17T08:40:00+00:00",
        ),
        (REFERENCE, "2023-09-05T10:05:00+00:00"),
        ("https://uv-kurier.ru/2023/09/06/bez-lastmod", ""),
    ]
    packed = _read("yoast_post_sitemap.xml.gz")
    assert packed[:2] == b"\x1f\x8b"
    assert parse_sitemap(packed, BASE + "post-sitemap.xml.gz") == ([], listing)


def test_yoast_index_dates_each_child_sitemap() -> None:
    children, _ = read_sitemap(_read("yoast_sitemap_index.xml"), BASE + "sitemap_index.xml")
    assert [(c.url.rsplit("/", 1)[-1], c.changed_text) for c in children] == [
        ("post-sitemap.xml", "2023-09-05T10:05:00+00:00"),
        ("post-sitemap2.xml", "2021-04-12T06:00:00+00:00"),
        ("page-sitemap.xml", "2022-01-20T09:00:00+00:00"),
        ("category-sitemap.xml", "2023-09-05T10:05:00+00:00"),
    ]


def test_core_index_without_lastmod_and_urlset_lastmod_beside_publication_date() -> None:
    core = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>https://uv-kurier.ru/wp-sitemap-posts-post-1.xml</loc></sitemap>"
        "</sitemapindex>"
    )
    children, _ = read_sitemap(core, BASE + "wp-sitemap.xml")
    assert [(c.url, c.changed_text) for c in children] == [
        ("https://uv-kurier.ru/wp-sitemap-posts-post-1.xml", "")
    ]
    _, news = read_sitemap(_read("google_news_sitemap.xml"), BASE + "news-sitemap.xml")
    # date_text: the publication date where the news extension gives one, else lastmod;
    # changed_text: always the <lastmod>
    assert [(e.date_text, e.changed_text) for e in news.entries] == [
        ("2023-09-05T12:57:00+03:00", "2023-09-06T08:00:00+00:00"),
        ("2023-09-04T12:30:00+00:00", "2023-09-04T12:30:00+00:00"),
    ]


def test_replica_yoast_sitemaps() -> None:
    children, empty = parse_sitemap((SITE / "sitemap_index.xml").read_bytes(), BASE)
    assert children == [
        "https://uv-kurier.ru/post-sitemap.xml",
        "https://uv-kurier.ru/page-sitemap.xml",
    ]
    assert empty.entries == []
    _, listing = read_sitemap((SITE / "post-sitemap.xml").read_bytes(), children[0])
    expected = json.loads((SITE.parent / "expected.json").read_text(encoding="utf-8"))
    # oldest first, as Yoast lists posts
    assert [e.url for e in listing.entries] == [a["url"] for a in expected["articles"]][::-1]
    by_slug = {e.url.rsplit("/", 1)[-1]: e for e in listing.entries}
    modified = by_slug["v-lefortove-otrestavriruyut-usadebnyj-dom-xviii-veka"]
    assert modified.changed_text == "2025-03-06T07:05:00+00:00"  # lastmod: the modified time
    assert _moscow(listing.entries[1].date_text) == "2023-09-05T12:57:00+03:00"


def test_google_news_sitemap_prefers_publication_date() -> None:
    _, listing = parse_sitemap(_read("google_news_sitemap.xml"), BASE + "news-sitemap.xml")
    assert _pairs(listing) == [
        (REFERENCE, "2023-09-05T12:57:00+03:00"),  # not the later <lastmod>
        (LUBLINO, "2023-09-04T12:30:00+00:00"),
    ]
    assert _moscow(listing.entries[1].date_text) == "2023-09-04T15:30:00+03:00"


def test_sitemap_that_is_a_feed() -> None:
    """sitemaps.org lets a site submit its RSS feed as a sitemap."""
    children, listing = parse_sitemap(_read("atom.xml"), BASE + "feed/atom/")
    assert children == []
    assert listing == parse_feed(_read("atom.xml"), BASE + "feed/atom/")


def test_truncated_sitemap_drops_the_cut_entry(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=feeds.__name__):
        _, listing = parse_sitemap(_read("truncated_sitemap.xml"), BASE + "sitemap.xml")
    assert [e.url for e in listing.entries] == [REFERENCE, LUBLINO]  # not ".../v-kuzmi"
    assert "truncated" in caplog.text


@pytest.mark.timeout(10)
def test_billion_laughs_expands_to_nothing() -> None:
    _, listing = parse_sitemap(_read("billion_laughs.xml"), BASE + "sitemap.xml")
    # The DTD is refused; recover mode reads past the undefined references to what it declared.
    assert _pairs(listing) == [
        ("https://uv-kurier.ru/2023/09/05/bomba-", ""),
        ("https://uv-kurier.ru/2023/09/06/chtenie-", ""),
    ]
    assert listing.problem == "refused"


def test_external_entities_are_not_read() -> None:
    doc = (
        '<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<urlset><url><loc>https://uv-kurier.ru/x-&xxe;</loc><lastmod>&xxe;</lastmod></url></urlset>"
    )
    _, listing = parse_sitemap(doc, BASE)
    assert _pairs(listing) == [("https://uv-kurier.ru/x-", "")]


def test_caps_on_entries_and_decompressed_size(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    urls = "".join(f"<url><loc>https://uv-kurier.ru/2023/01/01/n{i}</loc></url>" for i in range(10))
    doc = f"<urlset>{urls}</urlset>"
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 3)
    with caplog.at_level(logging.WARNING, logger=feeds.__name__):
        _, listing = parse_sitemap(doc, BASE)
    assert [e.url[-2:] for e in listing.entries] == ["n0", "n1", "n2"]
    assert "capped at 3 entries" in caplog.text

    monkeypatch.setattr(feeds, "MAX_ENTRIES", 50_000)
    monkeypatch.setattr(feeds, "MAX_BODY_BYTES", 200)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=feeds.__name__):
        _, listing = parse_sitemap(gzip.compress(doc.encode() + b" " * 1_000_000), BASE)
    # What fits in 200 bytes: three whole entries; the fourth, cut at "https://uv-kur", dropped.
    assert [e.url[-2:] for e in listing.entries] == ["n0", "n1", "n2"]
    assert listing.problem == "truncated"
    assert "capped at 200 bytes" in caplog.text


# --------------------------------------------------------------------------- REST API, robots


def test_wp_rest_posts() -> None:
    listing = parse_wp_posts(_read("wp_rest_posts.json"), BASE + "wp-json/wp/v2/posts")
    assert _pairs(listing) == [
        (REFERENCE, "2023-09-05T09:57:00Z"),  # date_gmt, marked UTC
        (LUBLINO + "/", "2023-09-04T18:30:00"),  # date_gmt null: site-local date
    ]
    assert listing.next_url == ""  # the next page is in the Link header, not the body
    assert _moscow(listing.entries[0].date_text) == "2023-09-05T12:57:00+03:00"
    assert _moscow(listing.entries[1].date_text) == "2023-09-04T18:30:00+03:00"


def test_wp_rest_posts_after_php_notice() -> None:
    body = b"<br />\n<b>Notice</b>: Undefined index in functions.php<br />\n" + _read(
        "wp_rest_posts.json"
    )
    assert len(parse_wp_posts(body, BASE).entries) == 2


def test_robots_sitemap_lines() -> None:
    assert sitemaps_from_robots(_read("robots.txt"), BASE + "robots.txt") == [
        "https://uv-kurier.ru/sitemap_index.xml",
        "https://uv-kurier.ru/wp-sitemap.xml",
    ]
    replica = (SITE / "robots.txt").read_bytes()
    assert sitemaps_from_robots(replica, BASE + "robots.txt") == [
        "https://uv-kurier.ru/sitemap_index.xml"
    ]
    assert sitemaps_from_robots("Sitemap: /sitemap.xml\n", BASE + "robots.txt") == [
        "https://uv-kurier.ru/sitemap.xml"
    ]


# --------------------------------------------------------------------------- junk

XML_JUNK: list[bytes | str] = [
    b"",
    "   \n",
    b"\x00\x01\x02\xff" * 1000,
    b"\x1f\x8b\x08\x00 not really gzip",
    b"<!DOCTYPE html><html><head><title>404</title></head><body><p>Not found</p></body></html>",
    '{"code": "rest_no_route"}',
    "<?xml version='1.0'?><rss><channel><item><link>javascript:alert(1)</link></item>",
]


@pytest.mark.parametrize("body", XML_JUNK)
def test_xml_junk_gives_empty_results(body: bytes | str) -> None:
    assert parse_feed(body, BASE).entries == []
    assert parse_sitemap(body, BASE) == ([], Listing())
    assert sitemaps_from_robots(body, BASE) == []
    assert parse_wp_posts(body, BASE).entries == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b'{"code": "rest_forbidden", "message": "Sorry", "data": {"status": 401}}',
        b'"just a string"',
        b'[1, 2, null, {}, {"link": 5}, {"link": "mailto:x@y.ru"}]',
        b"[" * 100_000,
        b"<html><body>WordPress error</body></html>",
    ],
)
def test_rest_junk_gives_empty_listing(body: bytes) -> None:
    assert parse_wp_posts(body, BASE) == Listing()


def test_wrong_parser_for_the_document(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=feeds.__name__):
        assert parse_feed(_read("yoast_post_sitemap.xml"), BASE) == Listing()
    assert "not a feed" in caplog.text
    assert parse_sitemap(_read("wp_rest_posts.json"), BASE) == ([], Listing())


def test_non_text_bodies_do_not_raise() -> None:
    for fn in (parse_feed, parse_wp_posts):
        assert fn(None, BASE) == Listing()  # type: ignore[arg-type]
    assert parse_sitemap(12, BASE) == ([], Listing())  # type: ignore[arg-type]
    assert sitemaps_from_robots(None, BASE) == []  # type: ignore[arg-type]
