"""Discovery beyond listing pages: feed, sitemaps and the WordPress REST API, same items."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
BY_SLUG = {a["url"].rsplit("/", 1)[-1]: a for a in EXPECTED["articles"]}


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return {r["url"].rsplit("/", 1)[-1]: r for r in csv.DictReader(fh)}


def check_rows(found: dict[str, dict[str, str]]) -> None:
    for slug, row in found.items():
        expected = BY_SLUG[slug]
        assert row["title"] == expected["title"]
        assert row["published_at"] == expected["published_at"]
        assert row["text"] == expected["text"]


def test_feed_discovery_emits_the_feed_articles(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=feed")
        requested = server.paths_requested()
    assert result.returncode == 0, result.log[-3000:]
    found = rows(result.csv_path)
    assert len(found) == 10  # the feed's ten newest items
    check_rows(found)
    assert "/" not in requested and not [p for p in requested if p.startswith("/page/")]
    assert "/feed/?paged=2" in requested  # older items are asked for; all seen: the walk ends


def test_sitemap_discovery_reaches_every_article(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=sitemap")
        requested = server.paths_requested()
    assert result.returncode == 0, result.log[-3000:]
    found = rows(result.csv_path)
    assert set(found) == set(BY_SLUG)
    check_rows(found)
    # robots.txt once (Scrapy's rules share the spider's request), the index, the post
    # sitemap (not the page sitemap), each article: no listing page
    assert requested[:3] == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml"]
    assert len(set(requested)) == 3 + len(BY_SLUG)  # the server's one 503 is retried


def test_unknown_discovery_is_refused(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=magic")
    assert result.returncode == 1
    assert "discover must be one of" in result.log


@pytest.mark.parametrize("mode", ["feed", "sitemap"])
def test_discovery_is_incremental_too(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "news.db"
    with ReplicaServer(SITE_DIR) as server:
        first = run_crawl(server.base_url, tmp_path, "-a", f"discover={mode}", db_path=db)
        mark = len(server.requests)
        second = run_crawl(server.base_url, tmp_path, "-a", f"discover={mode}", db_path=db)
        again = server.paths_requested()[mark:]
    assert first.returncode == second.returncode == 0
    articles = [p for p in again if p[1:5].isdigit() and p.count("/") >= 4]
    # Not even the listed article that answered 404: it is recorded as skipped for a day.
    assert articles == []


GONE = "/2024/11/11/v-kuzminkah-proshyol-festival-ulichnoj-edy"


def test_a_page_that_gave_no_article_is_not_asked_for_again_until_the_recheck(
    tmp_path: Path,
) -> None:
    """A feed that lists a gone page: asked for once, then not again until the recheck time."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    feed = root / "feed" / "index.xml"
    item = f"<item><title>Ушла</title><link>https://uv-kurier.ru{GONE}</link></item>"
    feed.write_text(feed.read_text("utf-8").replace("</channel>", item + "</channel>"), "utf-8")
    db = tmp_path / "news.db"
    with ReplicaServer(root) as server:
        first = run_crawl(server.base_url, tmp_path, "-a", "discover=feed", db_path=db)
        assert GONE in server.paths_requested()
        mark = len(server.requests)
        second = run_crawl(server.base_url, tmp_path, "-a", "discover=feed", db_path=db)
        assert GONE not in server.paths_requested()[mark:]
        mark = len(server.requests)
        recheck = {"NEWSBOT_SKIPPED_RECHECK_HOURS": "0"}
        third = run_crawl(
            server.base_url, tmp_path, "-a", "discover=feed", db_path=db, settings=recheck
        )
        assert server.paths_requested()[mark:].count(GONE) == 1
    assert first.returncode == second.returncode == third.returncode == 0, third.log[-3000:]
    assert "'newsbot/listing/recently_skipped': 1" in second.log
    import sqlite3

    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, reason FROM skipped_urls").fetchall()
    conn.close()
    assert [(u.rsplit("/", 1)[-1], r) for u, r in rows] == [
        ("v-kuzminkah-proshyol-festival-ulichnoj-edy", "http_404")
    ]
