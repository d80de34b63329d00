"""Case 3 of issue 9: every walk is bounded, and URL variants of one article are one row."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from newsbot.core.urls import clean_url, url_key
from tests.conftest import run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, listing_html

#: A guard only: without the bounds these crawls ran until killed (6,000+ requests in 2 min).
GUARD = {"CLOSESPIDER_TIMEOUT": "20"}
_PAGE = re.compile(r"^/page/(\d+)/$")


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def _listing_pages(site: HostileSite) -> int:
    return sum(1 for p in site.requested() if p == "/" or _PAGE.match(p))


def _same_articles_trap(path: str) -> Page | None:
    """Every listing page offers page N+1 and the same three articles."""
    arts = [f"/2025/03/04/novost-{i}" for i in range(3)]
    if path == "/" or _PAGE.match(path):
        n = int(_PAGE.match(path).group(1)) if path != "/" else 1  # type: ignore[union-attr]
        return Page(listing_html(arts, f"/page/{n + 1}/"))
    if path in arts:
        i = arts.index(path)
        return Page(article_html("", path, f"Новость {i}", body_text(i)))
    return None


def _fresh_articles_trap(path: str) -> Page | None:
    """Every listing page offers page N+1 and two articles never seen before."""
    if path == "/" or _PAGE.match(path):
        n = int(_PAGE.match(path).group(1)) if path != "/" else 1  # type: ignore[union-attr]
        return Page(
            listing_html([f"/2025/03/04/lovushka-{n}-{k}" for k in (1, 2)], f"/page/{n + 1}/")
        )
    if m := re.match(r"^/2025/03/04/lovushka-(\d+)-(\d)$", path):
        n = int(m.group(1)) * 10 + int(m.group(2))
        return Page(article_html("", path, f"Ловушка {n}", body_text(n)))
    return None


def test_pagination_that_never_ends_stops_after_pages_with_nothing_new(tmp_path: Path) -> None:
    with HostileSite(_same_articles_trap) as site:
        result = run_crawl(site.base_url, tmp_path, settings=GUARD)
    assert result.returncode == 0, result.log[-3000:]
    # Page 1 brings the three articles; pages 2..6 nothing new (NEWSBOT_MAX_BARREN_PAGES=5).
    assert _listing_pages(site) == 6
    assert len(site.requested()) == 1 + 6 + 3  # robots.txt, listings, articles
    assert _count(result.db_path) == 3
    assert "'newsbot/listing/barren_stop': 1" in result.log
    print(
        f"MEASURE case3 same-articles trap: {len(site.requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def test_a_trap_of_fresh_articles_ends_at_the_listing_ceiling_with_its_own_status(
    tmp_path: Path,
) -> None:
    with HostileSite(_fresh_articles_trap) as site:
        result = run_crawl(
            site.base_url, tmp_path, settings={**GUARD, "NEWSBOT_MAX_LISTING_PAGES": "15"}
        )
    assert result.returncode == 10, result.log[-3000:]
    assert _listing_pages(site) == 15
    assert _count(result.db_path) == 30
    assert "NEWSBOT_MAX_LISTING_PAGES=15 reached" in result.log
    print(
        f"MEASURE case3 fresh-articles trap (listing ceiling 15): {len(site.requested())} "
        f"requests, {result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def test_the_request_ceiling_ends_a_run_with_its_own_status(tmp_path: Path) -> None:
    with HostileSite(_fresh_articles_trap) as site:
        result = run_crawl(
            site.base_url, tmp_path, settings={**GUARD, "CLOSESPIDER_PAGECOUNT": "40"}
        )
    assert result.returncode == 10, result.log[-3000:]
    assert 40 <= len(site.requested()) <= 40 + 8  # in flight when the ceiling closed the run
    assert "run ended early: closespider_pagecount" in result.log


def test_a_long_real_archive_is_walked_to_its_end_with_the_defaults(tmp_path: Path) -> None:
    def archive(path: str) -> Page | None:
        if path == "/" or _PAGE.match(path):
            n = int(_PAGE.match(path).group(1)) if path != "/" else 1  # type: ignore[union-attr]
            # A sticky post on every page, as real WordPress front pages have.
            links = ["/2025/01/01/zakreplennaya", f"/2025/02/{n:02d}/arhiv-{n}"]
            return Page(listing_html(links, f"/page/{n + 1}/" if n < 40 else None))
        if path == "/2025/01/01/zakreplennaya":
            return Page(article_html("", path, "Закреплённая", body_text(999)))
        if m := re.match(r"^/2025/02/\d\d/arhiv-(\d+)$", path):
            return Page(article_html("", path, f"Архив {m.group(1)}", body_text(int(m.group(1)))))
        return None

    with HostileSite(archive) as site:
        result = run_crawl(site.base_url, tmp_path, settings=GUARD)
    assert result.returncode == 0, result.log[-3000:]
    assert _listing_pages(site) == 40
    assert _count(result.db_path) == 41


@pytest.mark.parametrize(
    "variant",
    [
        "https://uv-kurier.ru/2025/03/04/novost/?print=1",
        "https://uv-kurier.ru/2025/03/04/novost/?print=print",
        "https://uv-kurier.ru/2025/03/04/novost/?replytocom=123#respond",
        "https://uv-kurier.ru/2025/03/04/novost/amp/",
        "https://uv-kurier.ru/2025/03/04/novost/?amp=1",
        "https://uv-kurier.ru/2025/03/04/novost/?amp",
        "https://uv-kurier.ru/2025/03/04/novost/print/",
        "https://uv-kurier.ru/2025/03/04/novost/comment-page-2/",
        "https://uv-kurier.ru/2025/03/04/novost/?share=telegram&nb=1",
        "https://uv-kurier.ru/2025/03/04/novost/?utm_source=vk&fbclid=x&_ga=2.1",
    ],
)
def test_url_variants_of_one_article_are_one_url(variant: str) -> None:
    assert clean_url(variant) == "https://uv-kurier.ru/2025/03/04/novost/"


def test_pagination_and_other_queries_are_kept() -> None:
    assert clean_url("https://x.ru/news/?page=2") == "https://x.ru/news/?page=2"
    assert clean_url("https://x.ru/?p=123") == "https://x.ru/?p=123"
    assert clean_url("https://x.ru/amp/") == "https://x.ru/amp/"  # nothing before it to keep


def test_url_variants_on_a_listing_give_one_fetch_and_one_row(tmp_path: Path) -> None:
    art = "/2025/03/04/novost"
    variants = [art, f"{art}?print=1", f"{art}?replytocom=7", f"{art}/amp/", f"{art}?share=vk"]

    def routes(path: str) -> Page | None:
        if path == "/":
            return Page(listing_html(variants))
        if path.split("?")[0].rstrip("/").removesuffix("/amp") == art:
            # Each variant's text differs a little (print footer, a reply form): no canonical.
            extra = "" if path == art else f"\n\nВерсия страницы: {path}"
            return Page(article_html("", path, "Новость", body_text(1) + extra))
        return None

    with HostileSite(routes) as site:
        result = run_crawl(site.base_url, tmp_path, settings=GUARD)
    assert result.returncode == 0, result.log[-3000:]
    assert [p for p in site.requested() if p.startswith(art)] == [art]
    assert _count(result.db_path) == 1
    assert url_key(site.base_url + art + "?print=1") == url_key(site.base_url + art)
