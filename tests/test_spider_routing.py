"""The spider's routing in-process, with Scrapy's own tools: a crawler from ``get_crawler`` with
the project's settings, hand-built ``HtmlResponse``s and ``TextResponse``s, no network.

What ``scrapy crawl`` against the replica shows end to end (tests/test_crawl_replica.py), here
request by request: which article requests a listing page yields, whether the next page is
asked for, when the walk stops (``since``, stored articles, ``max_pages``, barren pages, the
listing-page ceiling), and how the REST API is paged by ``X-WP-TotalPages``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from newsbot.extraction import ListingEntry
from newsbot.runtime.run import Run
from newsbot.spiders.district import DistrictSpider
from tests.conftest import project_settings

HOME = "https://uv-kurier.ru/"


def make_spider(tmp_path: Path, settings: dict[str, Any] | None = None, **args: Any) -> Any:
    """A DistrictSpider bound to a crawler built from the project's settings (under tmp_path)."""
    crawler: Crawler = get_crawler(DistrictSpider, project_settings(tmp_path, **(settings or {})))
    spider = DistrictSpider.from_crawler(crawler, start_url=HOME, **args)
    crawler.spider = spider
    return spider


def store_known(spider: Any, *urls: str) -> None:
    """Put these articles in the crawl's store, then start the spider's incremental walk."""
    run = Run.of(spider.crawler)
    store = run.store()
    assert store is not None
    store.upsert_many([{"url": u, "site": spider.site, "title": u, "text": u} for u in urls])
    spider._load_known(run)


def stats(spider: Any) -> dict[str, int]:
    """The spider's own counters (``newsbot/…``), by their short names."""
    values = spider.crawler.stats.get_stats()
    return {k.removeprefix("newsbot/"): v for k, v in values.items() if k.startswith("newsbot/")}


def article(day: int, slug: str = "") -> str:
    return f"{HOME}2025/03/{day:02d}/{slug or f'novost-{day}'}"


def listing_page(
    url: str,
    links: Iterable[tuple[str, str]],
    next_href: str | None = None,
    sidebar: Iterable[str] = (),
    page: int = 1,
) -> HtmlResponse:
    """A WordPress-like listing: a post card per (href, ISO date), a sidebar, «next»."""
    cards = "".join(
        f"<article class='post'><h2 class='entry-title'><a href='{href}'>Новость</a></h2>"
        + (f"<time datetime='{date}'>{date}</time>" if date else "")
        + "</article>"
        for href, date in links
    )
    side = "".join(f"<li><a href='{href}'>Популярное</a></li>" for href in sidebar)
    nxt = (
        f"<a class='next page-numbers' rel='next' href='{next_href}'>Далее</a>" if next_href else ""
    )
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Новости</title></head><body>"
        f"<main>{cards}</main><nav class='pagination'>{nxt}</nav>"
        f"<aside class='sidebar widget'><ul>{side}</ul></aside></body></html>"
    )
    request = Request(url, meta={"page": page, "kind": "listing"})
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=request)


def routed(results: Iterable[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(url, callback name, meta without Scrapy's own keys) of each request yielded."""
    out = []
    for request in results:
        assert isinstance(request, Request)
        meta = {k: v for k, v in request.meta.items() if k in ("page", "kind", "listing")}
        out.append((request.url, request.callback.__name__, meta))
    return out


def test_start_is_the_listing_page_one(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    (request,) = list(spider.start_requests())
    assert (request.url, request.callback, request.meta, request.dont_filter) == (
        HOME,
        spider.parse_listing,
        {"page": 1, "kind": "listing"},
        True,
    )
    assert request.errback == spider.on_error


def test_a_listing_page_yields_its_articles_then_the_next_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    list(spider.start_requests())
    links = [(article(d), f"2025-03-{d:02d}T10:00:00+03:00") for d in (9, 8, 7)]
    response = listing_page(
        HOME,
        [*links, (article(8) + "/", ""), ("/category/news/", ""), (HOME + "o-gazete/", "")],
        next_href="/page/2/",
        sidebar=[article(1, "populyarnoe")],
    )
    listing = {"kind": "article", "listing": HOME}
    assert routed(spider.parse_listing(response)) == [
        (article(9), "parse_article", listing),
        (article(8), "parse_article", listing),  # its trailing-slash spelling: the same page
        (article(7), "parse_article", listing),
        (article(1, "populyarnoe"), "parse_article", listing),  # sidebars are followed too
        (HOME + "page/2/", "parse_listing", {"page": 2, "kind": "listing"}),
    ]
    assert stats(spider) == {"listing/pages": 1, "listing/article_links": 4}


def test_the_walk_ends_where_the_listing_has_no_next_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    response = listing_page(HOME + "page/3/", [(article(2), "")], page=3)
    assert [u for u, *_ in routed(spider.parse_listing(response))] == [article(2)]


def test_a_next_page_already_seen_or_off_site_is_not_requested(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    list(spider.start_requests())  # page 1 is seen
    back = listing_page(HOME + "page/2/", [(article(5), "")], next_href=HOME, page=2)
    assert [u for u, *_ in routed(spider.parse_listing(back))] == [article(5)]
    away = listing_page(HOME + "page/3/", [(article(4), "")], "https://evil.test/page/4/", page=3)
    assert [u for u, *_ in routed(spider.parse_listing(away))] == [article(4)]


def test_since_skips_older_entries_and_stops_at_a_wholly_older_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, since="2025-03-05")
    mixed = listing_page(
        HOME,
        [(article(6), "2025-03-06T10:00:00+03:00"), (article(4), "2025-03-04T10:00:00+03:00")],
        next_href="/page/2/",
    )
    assert [u for u, *_ in routed(spider.parse_listing(mixed))] == [
        article(6),
        HOME + "page/2/",  # one entry on the page is new enough: walk on
    ]
    older = listing_page(
        HOME + "page/2/",
        [(article(3), "2025-03-03T10:00:00+03:00"), (article(2), "2025-03-02T10:00:00+03:00")],
        next_href="/page/3/",
        page=2,
    )
    assert list(spider.parse_listing(older)) == []  # neither article, nor page 3
    assert stats(spider) == {"listing/pages": 2, "listing/article_links": 1, "listing/old": 3}


def test_stored_articles_are_skipped_and_a_page_of_them_ends_the_walk(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, {"NEWSBOT_KNOWN_STOP": 3})
    store_known(spider, *(article(d) for d in (3, 2, 1)))
    first = listing_page(HOME, [(article(4), ""), (article(3), "")], next_href="/page/2/")
    assert [u for u, *_ in routed(spider.parse_listing(first))] == [article(4), HOME + "page/2/"]
    second = listing_page(
        HOME + "page/2/", [(article(2), ""), (article(1), "")], next_href="/page/3/", page=2
    )
    assert list(spider.parse_listing(second)) == []  # all stored: no page 3
    assert stats(spider)["listing/known"] == 3


def test_known_stop_stored_articles_in_a_row_end_the_walk(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, {"NEWSBOT_KNOWN_STOP": 2})
    store_known(spider, *(article(d) for d in (5, 4)))
    page = listing_page(
        HOME, [(article(6), ""), (article(5), ""), (article(4), "")], next_href="/page/2/"
    )
    # Not every entry is stored, but the last two in a row are: the rest is stored too.
    assert [u for u, *_ in routed(spider.parse_listing(page))] == [article(6)]


def test_an_interrupted_previous_run_walks_past_stored_articles(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    store_known(spider, *(article(d) for d in (2, 1)))
    spider.stop_at_known = False  # what _load_known sets after an interrupted run
    page = listing_page(HOME, [(article(2), ""), (article(1), "")], next_href="/page/2/")
    assert [u for u, *_ in routed(spider.parse_listing(page))] == [HOME + "page/2/"]


def test_max_pages_ends_the_walk_at_that_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, max_pages="2")
    one = listing_page(HOME, [(article(9), "")], next_href="/page/2/")
    assert [u for u, *_ in routed(spider.parse_listing(one))][-1] == HOME + "page/2/"
    two = listing_page(HOME + "page/2/", [(article(8), "")], next_href="/page/3/", page=2)
    assert [u for u, *_ in routed(spider.parse_listing(two))] == [article(8)]


def test_barren_pages_in_a_row_end_the_walk(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, {"NEWSBOT_MAX_BARREN_PAGES": 2})
    same = [(article(9), "")]
    pages = [listing_page(HOME, same, next_href="/page/2/")]
    pages += [
        listing_page(f"{HOME}page/{n}/", same, next_href=f"/page/{n + 1}/", page=n) for n in (2, 3)
    ]
    asked = [[u for u, *_ in routed(spider.parse_listing(p))] for p in pages]
    assert asked == [[article(9), HOME + "page/2/"], [HOME + "page/3/"], []]
    assert stats(spider)["listing/barren_stop"] == 1


def test_the_listing_page_ceiling_stops_a_pagination_trap(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, {"NEWSBOT_MAX_LISTING_PAGES": 2})
    list(spider.start_requests())  # page 1: one listing request of 2
    one = listing_page(HOME, [(article(9), "")], next_href="/page/2/")
    assert [u for u, *_ in routed(spider.parse_listing(one))] == [article(9), HOME + "page/2/"]
    two = listing_page(HOME + "page/2/", [(article(8), "")], next_href="/page/3/", page=2)
    assert [u for u, *_ in routed(spider.parse_listing(two))] == [article(8)]
    assert stats(spider)["listing/page_ceiling"] == 1


def test_follow_tallies_the_page_proper_and_skips_what_it_has_seen(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, since="2025-03-05")
    store_known(spider, article(7))
    entries = [
        ListingEntry(article(8), date_text="2025-03-08"),
        ListingEntry(article(7), date_text="2025-03-07"),
        ListingEntry(article(4), date_text="2025-03-04"),
        ListingEntry(article(8) + "/", date_text="2025-03-08"),  # seen (same url_key)
        ListingEntry(article(1, "populyarnoe"), in_furniture=True),
    ]
    requests, verdict = spider._follow(entries, HOME)
    assert [r.url for r in requests] == [article(8), article(1, "populyarnoe")]
    assert (verdict.proper, verdict.new, verdict.dated, verdict.old, verdict.known) == (
        4,
        4,
        4,
        1,
        1,
    )
    assert spider.known_in_a_row == 0


# -- the WordPress REST API ---------------------------------------------------------------------
def api_page(
    spider: Any,
    page: int,
    links: list[str],
    total_pages: str | None,
    text: str = "",
    author: str = "Анна Белова",
) -> TextResponse:
    """A REST posts page; posts without ``text`` have an empty body (a page builder's), and
    ``author`` is the embedded WP user."""
    url = spider._api_url(page)
    posts = [
        {
            "link": link,
            "date": "2025-03-01T10:00:00",
            "title": {"rendered": f"Новость {n}"},
            "content": {"rendered": f"<p>{text}</p>" if text else ""},
            "_embedded": {"author": [{"id": 3, "name": author}]},
        }
        for n, link in enumerate(links)
    ]
    body = json.dumps(posts, ensure_ascii=False)
    headers = {"Content-Type": "application/json"}
    if total_pages is not None:
        headers["X-WP-TotalPages"] = total_pages
    request = Request(url, meta={"page": page, "kind": "listing"})
    return TextResponse(url, body=body.encode(), headers=headers, request=request)


def test_api_pages_are_followed_until_x_wp_totalpages(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, discover="api")
    (start,) = list(spider.start_requests())
    assert (start.url, start.callback) == (spider._api_url(1), spider.parse_api)
    assert start.url == f"{HOME}wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified"
    # Posts with a body become items straight away; page 2 of 2 is asked for.
    text = "В Люблине открыли новую библиотеку для детей и взрослых."
    one = list(spider.parse_api(api_page(spider, 1, [article(9), article(8)], "2", text)))
    assert [(i["url"], i["text"]) for i in one[:2]] == [(article(9), text), (article(8), text)]
    assert routed(one[2:]) == [(spider._api_url(2), "parse_api", {"page": 2, "kind": "listing"})]
    # A post without text is read from its page; page 2 of 2 is the last one.
    two = routed(spider.parse_api(api_page(spider, 2, [article(7)], "2")))
    assert two == [
        (article(7), "parse_article", {"kind": "article", "listing": spider._api_url(2)})
    ]
    assert spider.crawler.stats.get_value("newsbot/article/api_page_needed") == 1


def test_an_api_post_by_a_shared_account_is_read_from_its_page(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, discover="api")
    text = "В Люблине открыли новую библиотеку для детей и взрослых."
    got = routed(spider.parse_api(api_page(spider, 1, [article(9)], "1", text, "Редакция")))
    assert got == [
        (article(9), "parse_article", {"kind": "article", "listing": spider._api_url(1)})
    ]
    assert spider.crawler.stats.get_value("newsbot/article/api_page_needed/author") == 1
    assert spider.crawler.stats.get_value("newsbot/article/api_page_needed") is None


def test_api_without_totalpages_walks_on_while_pages_bring_articles(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, discover="api")
    one = routed(spider.parse_api(api_page(spider, 1, [article(9)], None)))
    assert [u for u, *_ in one] == [article(9), spider._api_url(2)]
    two = routed(spider.parse_api(api_page(spider, 2, [article(9)], "not a number")))
    assert two == []  # nothing new on it: no page 3


def test_api_entries_of_other_sites_and_non_articles_are_left_out(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, discover="api")
    links = ["https://evil.test/2025/03/01/x", HOME + "o-gazete/", article(3)]
    assert [u for u, *_ in routed(spider.parse_api(api_page(spider, 1, links, "1")))] == [
        article(3)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"discover": "rss"}, "discover must be one of listing, feed, sitemap, api, auto: 'rss'"),
        ({"max_pages": "0"}, "max_pages must be at least 1"),
        ({"since": "вчера-позавчера"}, "since is not a date: 'вчера-позавчера'"),
    ],
)
def test_bad_spider_arguments_are_refused(
    tmp_path: Path, args: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        make_spider(tmp_path, **args)
