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
    assert "/wp-sitemap.xml" in requested and "/wp-sitemap-posts-post-1.xml" in requested


def test_api_discovery(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    posts = [
        {"link": a["url"], "date": a["published_at"][:19], "date_gmt": None}
        for a in EXPECTED["articles"][:4]
    ]
    api = root / "wp-json" / "wp" / "v2" / "posts"
    api.mkdir(parents=True)
    (api / "index.html").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    headers = json.loads((root / "_headers.json").read_text(encoding="utf-8"))
    headers["wp-json/wp/v2/posts/index.html"] = {
        "Content-Type": "application/json; charset=UTF-8",
        "X-WP-TotalPages": "1",
    }
    (root / "_headers.json").write_text(json.dumps(headers), encoding="utf-8")
    with ReplicaServer(root) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        requested = server.paths_requested()
    assert result.returncode == 0, result.log[-3000:]
    found = rows(result.csv_path)
    assert set(found) == {a["url"].rsplit("/", 1)[-1] for a in EXPECTED["articles"][:4]}
    check_rows(found)
    assert [p for p in requested if p.startswith("/wp-json/")] == [
        "/wp-json/wp/v2/posts?per_page=100&page=1&_fields=link%2Cdate%2Cdate_gmt"
    ]


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
    # Only the one listed article that answers 404 (never stored) is asked for again.
    assert articles in ([], ["/2024/11/11/v-kuzminkah-proshyol-festival-ulichnoj-edy"])
