"""Sitemap discovery at its request limit: robots.txt once, only the child sitemaps that changed,
edits by ``<lastmod>``, ``full=1`` refetching only what moved; end to end on the replica."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from tests.conftest import run_crawl
from tests.replica import build
from tests.replica.server import SITE_DIR, ReplicaServer
from tests.test_scheduled_runs import new_articles

SITEMAP = ("-a", "discover=sitemap")
OLDEST = "/2023/04/17/v-yugo-vostochnom-okruge-startoval-konkurs-luchshij-balkon"


def articles(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if p[1:5].isdigit())


def stored(db: Path, path: str) -> tuple[str, str]:
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT text, coalesce(modified_at, '') FROM articles WHERE url LIKE ?", ("%" + path,)
    ).fetchone()
    conn.close()
    return row[0], row[1]


def test_robots_txt_is_asked_for_once_and_its_rules_still_hold(tmp_path: Path) -> None:
    """The spider's robots.txt request gives Scrapy its rules: a disallowed article listed in
    a sitemap is still not fetched, and ``downloader/request_count`` is what the site got."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    robots = root / "robots.txt"
    disallowed = "/2024/10/08/zhiteli-vyhina-zhulebina-vybrali-proekty-blagoustrojstva-dvorov"
    rules = robots.read_text("utf-8").replace("Disallow: /private/", "Disallow: /2024/10/08/")
    robots.write_text(rules, "utf-8")
    for wp_api, args in (("on", SITEMAP), ("off", ("-a", "discover=api"))):
        work = tmp_path / wp_api
        work.mkdir()
        with ReplicaServer(root, fail_once=(), wp_api=wp_api) as server:
            result = run_crawl(server.base_url, work, *args)
            requested = server.paths_requested()
        assert result.returncode == 0, result.log[-3000:]
        assert requested.count("/robots.txt") == 1
        assert f"'downloader/request_count': {len(requested)}," in result.log
        assert disallowed not in requested
        assert "'robotstxt/forbidden': 1" in result.log
        # the rules: from the spider's request (sitemap), or Scrapy's own (api, then sitemaps)
        assert ("'newsbot/robots/shared': 1" in result.log) is (wp_api == "on")
        assert len(articles(requested)) == 13


def test_only_the_child_sitemaps_that_changed_are_read_and_edits_are_fetched_once(
    tmp_path: Path,
) -> None:
    root = tmp_path / "site"
    db = tmp_path / "news.db"
    build.build_site(root, expected_file=tmp_path / "e1.json", per_sitemap=5)
    with ReplicaServer(root, fail_once=()) as server:

        def crawl(*extra: str) -> list[str]:
            mark = len(server.requests)
            result = run_crawl(server.base_url, tmp_path, *SITEMAP, *extra, db_path=db)
            assert result.returncode == 0, result.log[-3000:]
            crawl.log = result.log  # type: ignore[attr-defined]
            return server.paths_requested()[mark:]

        backfill = crawl()
        assert sorted(p for p in backfill if "sitemap" in p) == [
            "/post-sitemap.xml",
            "/post-sitemap2.xml",
            "/post-sitemap3.xml",
            "/sitemap_index.xml",
        ]
        assert len(articles(backfill)) == 14
        assert crawl() == ["/robots.txt", "/sitemap_index.xml"]  # idle: nothing changed

        # Two new posts: the last post sitemap grows, a fourth appears; the others are skipped.
        build.build_site(root, new_articles(), expected_file=tmp_path / "e2.json", per_sitemap=5)
        new = crawl()
        assert sorted(p for p in new if not p[1:5].isdigit()) == [
            "/post-sitemap3.xml",
            "/post-sitemap4.xml",
            "/robots.txt",
            "/sitemap_index.xml",
        ]
        assert articles(new) == [
            "/2026/01/25/v-kuzminkah-otkrylsya-katok",
            "/2026/01/26/v-kapotne-postroyat-shkolu",
        ]
        assert "'newsbot/sitemaps/unchanged': 2" in crawl.log  # type: ignore[attr-defined]

        # The oldest post edited: its sitemap's lastmod moves, the page alone is fetched again.
        edits = {OLDEST.rsplit("/", 1)[-1]: "2026-02-01T12:00"}
        build.build_site(
            root, new_articles(), expected_file=tmp_path / "e3.json", per_sitemap=5, edits=edits
        )
        edited = crawl()
        assert edited == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml", OLDEST]
        assert "'newsbot/article/edited': 1" in crawl.log  # type: ignore[attr-defined]
        assert "'newsbot/store/updated': 1" in crawl.log  # type: ignore[attr-defined]
        text, modified = stored(db, OLDEST)
        assert text.endswith("\n\n" + build.EDIT_NOTE)
        assert modified == "2026-02-01T12:00:00+03:00"
        assert crawl() == ["/robots.txt", "/sitemap_index.xml"]  # and then not again


def test_full_refetches_only_entries_whose_lastmod_moved(tmp_path: Path) -> None:
    root = tmp_path / "site"
    db = tmp_path / "news.db"
    build.build_site(root, expected_file=tmp_path / "e1.json")
    with ReplicaServer(root, fail_once=()) as server:
        first = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db)
        assert first.returncode == 0, first.log[-3000:]
        edits = {
            "v-lyubline-otkryli-novyj-korpus-shkoly-1387": "2026-02-01T12:00",
            OLDEST.rsplit("/", 1)[-1]: "2026-02-02T12:00",
        }
        build.build_site(root, expected_file=tmp_path / "e2.json", edits=edits)
        posts = root / "post-sitemap.xml"
        undated = "/2024/10/08/zhiteli-vyhina-zhulebina-vybrali-proekty-blagoustrojstva-dvorov"
        text = re.sub(
            rf"(<loc>[^<]*{re.escape(undated)}</loc>)<lastmod>[^<]*</lastmod>",
            r"\1",
            posts.read_text("utf-8"),
        )
        posts.write_text(text, "utf-8")
        mark = len(server.requests)
        full = run_crawl(server.base_url, tmp_path, *SITEMAP, "-a", "full=1", db_path=db)
        requested = server.paths_requested()[mark:]
    assert full.returncode == 0, full.log[-3000:]
    assert requested[:3] == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml"]
    # the two edited entries and the one without a lastmod; not the 11 whose lastmod stayed
    assert articles(requested) == sorted(
        [OLDEST, "/2025/12/15/v-lyubline-otkryli-novyj-korpus-shkoly-1387", undated]
    )
    assert "'newsbot/article/edited': 2" in full.log
    assert "'newsbot/listing/known': 11" in full.log


def test_a_page_that_shows_no_modified_time_is_fetched_again_only_when_its_lastmod_moves(
    tmp_path: Path,
) -> None:
    """A row stored by the listing walk without ``modified_at``, whose sitemap lastmod is later
    than its publication: fetched once by sitemap, then remembered at that lastmod."""
    root = tmp_path / "site"
    db = tmp_path / "news.db"
    shutil.copytree(SITE_DIR, root)
    posts = root / "post-sitemap.xml"
    later = re.sub(
        rf"(<loc>[^<]*{re.escape(OLDEST)}</loc><lastmod>)[^<]*(</lastmod>)",
        r"\g<1>2023-04-18T08:00:00+00:00\2",
        posts.read_text("utf-8"),
    )
    posts.write_text(later, "utf-8")
    with ReplicaServer(root, fail_once=()) as server:
        listing = run_crawl(server.base_url, tmp_path, db_path=db)
        assert listing.returncode == 0, listing.log[-3000:]
        assert stored(db, OLDEST)[1] == ""  # the page shows no modified time
        runs = []
        for extra in ((), ("-a", "full=1")):
            mark = len(server.requests)
            result = run_crawl(server.base_url, tmp_path, *SITEMAP, *extra, db_path=db)
            assert result.returncode == 0, result.log[-3000:]
            runs.append(articles(server.paths_requested()[mark:]))
    assert runs == [[OLDEST], []]


def test_a_child_sitemap_whose_article_failed_is_read_again(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    gone_for_now = "/2025/06/18/v-kapotne-blagoustroyat-naberezhnuyu-moskvy-reki"
    no_retry = {"RETRY_TIMES": "0", "NEWSBOT_MAX_ERROR_RATIO": "0.5"}
    with ReplicaServer(SITE_DIR, fail_once=(gone_for_now,)) as server:
        first = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db, settings=no_retry)
        assert "'newsbot/http_error/503': 1" in first.log
        mark = len(server.requests)
        second = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db)
        requested = server.paths_requested()[mark:]
    assert first.returncode == second.returncode == 0, second.log[-3000:]
    assert requested == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml", gone_for_now]


def capabilities(db: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(db)
    found = conn.execute("SELECT feature, available FROM site_capabilities ORDER BY 1").fetchall()
    conn.close()
    return found


def test_auto_takes_a_failed_sitemap_for_no_answer(tmp_path: Path) -> None:
    """The index failing (a 503, no retry) sends this run to the listing, but is not
    remembered as "no sitemaps": the next run reads them."""
    db = tmp_path / "news.db"
    auto = ("-a", "discover=auto")
    no_retry = {"RETRY_TIMES": "0"}
    with ReplicaServer(SITE_DIR, fail_once=("/sitemap_index.xml",), wp_api="off") as server:
        first = run_crawl(server.base_url, tmp_path, *auto, db_path=db, settings=no_retry)
        walked = server.paths_requested()
        remembered = capabilities(db)
        mark = len(server.requests)
        second = run_crawl(server.base_url, tmp_path, *auto, db_path=db)
        again = server.paths_requested()[mark:]
    assert first.returncode == second.returncode == 0, first.log[-3000:]
    assert "no usable sitemap: discovering by the listing instead" in first.log
    assert {"/", "/page/2/", "/page/3/"} <= set(walked)
    assert len(articles(walked)) == 15  # the listing's 14 and its gone link
    assert remembered == [("wp_api", 0)]
    assert "what the site offers is not known lately" in second.log
    assert again == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml"]
    assert capabilities(db) == [("sitemap_lastmod", 1), ("sitemaps", 1), ("wp_api", 0)]
