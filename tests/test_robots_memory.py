"""robots.txt remembered across runs for up to NEWSBOT_ROBOTS_MAX_AGE_HOURS (RFC 9309 §2.4).

A run within the max age of the store's copy asks no robots.txt, yet its rules still hold and
its ``Sitemap:`` lines are still read; after the max age it is asked again and a changed rule
takes effect. Only answers about the rules (2xx, 4xx) are kept, never a 5xx.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsbot.store import ArticleStore
from tests.conftest import run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, listing_html
from tests.replica.server import SITE_DIR, ReplicaServer

SITEMAP = ("-a", "discover=sitemap")
DISALLOWED = "/2024/10/08/zhiteli-vyhina-zhulebina-vybrali-proekty-blagoustrojstva-dvorov"


def robots_rows(db: Path) -> list[tuple[str, int, bytes, str]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT origin, status, body, fetched_at FROM robots_txt").fetchall()
    conn.close()
    return [(r[0], r[1], bytes(r[2]), r[3]) for r in rows]


def age_robots(db: Path, fetched_at: str = "2000-01-01T00:00:00+00:00") -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE robots_txt SET fetched_at = ?", (fetched_at,))
    conn.commit()
    conn.close()


def test_the_store_keeps_one_answer_per_origin_and_gives_those_since_a_time(
    tmp_path: Path,
) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.note_robots_txt("https://a.test", 200, b"old", "2026-01-01T00:00:00+00:00")
    store.note_robots_txt("https://a.test", 200, b"Disallow: /x", "2026-01-02T00:00:00+00:00")
    store.note_robots_txt("https://b.test", 404, b"", "2026-01-01T12:00:00+00:00")
    assert store.robots_txt_since("2026-01-01T00:00:00+00:00") == [
        ("https://a.test", 200, b"Disallow: /x", "2026-01-02T00:00:00+00:00"),
        ("https://b.test", 404, b"", "2026-01-01T12:00:00+00:00"),
    ]
    assert store.robots_txt_since("2026-01-01T12:00:01+00:00") == [
        ("https://a.test", 200, b"Disallow: /x", "2026-01-02T00:00:00+00:00"),
    ]
    store.close()


def test_a_remembered_robots_txt_keeps_its_rules_and_sitemaps_until_the_max_age(
    tmp_path: Path,
) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    robots = root / "robots.txt"
    original = robots.read_text("utf-8")
    robots.write_text(original.replace("Disallow: /private/", "Disallow: /2024/10/08/"), "utf-8")
    db = tmp_path / "news.db"
    # A listing walk with full=1 asks for every listed article again: the disallowed one too.
    full_walk = ("-a", "discover=listing", "-a", "full=1")
    with ReplicaServer(root, fail_once=()) as server:

        def crawl(*args: str, settings: dict[str, str] | None = None) -> tuple[list[str], str]:
            mark = len(server.requests)
            result = run_crawl(server.base_url, tmp_path, *args, db_path=db, settings=settings)
            assert result.returncode == 0, result.log[-3000:]
            requested = server.paths_requested()[mark:]
            assert f"'downloader/request_count': {len(requested)}," in result.log
            return requested, result.log

        first, log = crawl(*SITEMAP)
        assert first[0] == "/robots.txt" and first.count("/robots.txt") == 1
        assert DISALLOWED not in first
        assert "'robotstxt/forbidden': 1" in log
        # The site's wish, not a failure: one INFO line, its own count, no request error.
        assert "'newsbot/robots/forbidden': 1" in log
        assert f"article {server.base_url}{DISALLOWED} not fetched: forbidden by robots.txt" in log
        assert "newsbot/request_error" not in log
        with closing(sqlite3.connect(db)) as conn:
            reasons = conn.execute("SELECT url, reason FROM skipped_urls").fetchall()
        assert reasons == [(server.base_url + DISALLOWED, "robots_txt")]
        assert "newsbot/robots/remembered" not in log
        [(origin, status, body, _)] = robots_rows(db)
        assert (origin, status) == (server.base_url, 200)
        assert b"Disallow: /2024/10/08/\n" in body  # as served (the origin is the server's)

        # Within the max age: no robots.txt request, and the copy's rules hold.
        second, log = crawl(*full_walk)
        assert "/robots.txt" not in second
        assert DISALLOWED not in second
        assert "'robotstxt/forbidden': 1" in log
        assert "'newsbot/robots/remembered': 1" in log
        assert f"robots.txt of {server.base_url}: the copy of " in log
        assert " h old)" in log

        # Past the max age: asked again, and the changed rule (nothing disallowed) holds.
        robots.write_text(original, "utf-8")
        age_robots(db)
        third, log = crawl(*full_walk)
        assert third[0] == "/robots.txt" and third.count("/robots.txt") == 1
        assert DISALLOWED in third
        assert "robotstxt/forbidden" not in log
        assert "newsbot/robots/remembered" not in log
        [(_, _, body, fetched_at)] = robots_rows(db)
        assert b"Disallow: /2024/10/08/" not in body and b"Disallow: /private/\n" in body
        assert datetime.fromisoformat(fetched_at) > datetime.now(UTC) - timedelta(minutes=5)

        # The copy's Sitemap: line is read (the defaults would ask /wp-sitemap.xml first); the
        # post sitemap, read whole in the first run (an article robots.txt refused is no
        # failure), is unchanged and not read again.
        fourth, log = crawl(*SITEMAP)
        assert fourth == ["/sitemap_index.xml"]
        assert "'newsbot/robots/remembered': 1" in log

        # NEWSBOT_ROBOTS_MAX_AGE_HOURS=0: asked on every run, though the copy is fresh.
        fifth, log = crawl(settings={"NEWSBOT_ROBOTS_MAX_AGE_HOURS": "0"})
        assert fifth == ["/robots.txt", "/"]
        assert "newsbot/robots/remembered" not in log


def test_a_max_age_in_hours_counts_from_fetched_at(tmp_path: Path) -> None:
    """A copy 2 h old is used with a 3 h max age, asked again with a 1 h one."""
    routes = {"/": Page(listing_html(["/2025/03/04/novost-0"]))}
    routes["/2025/03/04/novost-0"] = Page(
        article_html("", "/2025/03/04/novost-0", "Новость", body_text(0))
    )
    db = tmp_path / "news.db"
    with HostileSite(routes) as site:
        assert run_crawl(site.base_url, tmp_path, db_path=db).returncode == 0
        age_robots(db, (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0).isoformat())
        for hours, asked in (("3", False), ("1", True)):
            mark = len(site.requested())
            result = run_crawl(
                site.base_url,
                tmp_path,
                db_path=db,
                settings={"NEWSBOT_ROBOTS_MAX_AGE_HOURS": hours},
            )
            assert result.returncode == 0, result.log[-3000:]
            assert site.requested()[mark:] == (["/robots.txt", "/"] if asked else ["/"])
            if not asked:
                assert "(2.0 h old)" in result.log


def test_a_404_is_remembered_as_no_rules_and_a_503_never(tmp_path: Path) -> None:
    routes = {"/": Page(listing_html(["/2025/03/04/novost-0"]))}
    routes["/2025/03/04/novost-0"] = Page(
        article_html("", "/2025/03/04/novost-0", "Новость", body_text(0))
    )
    for status, remembered in ((404, True), (503, False)):
        routes["/robots.txt"] = Page(b"gone", status=status, headers={"Content-Type": "text/plain"})
        work = tmp_path / str(status)
        work.mkdir()
        db = work / "news.db"
        with HostileSite(routes) as site:
            runs = []
            for _ in range(2):
                mark = len(site.requested())
                result = run_crawl(site.base_url, work, db_path=db)
                assert result.returncode == 0, (status, result.log[-3000:])
                runs.append([p for p in site.requested()[mark:] if p == "/robots.txt"])
        if remembered:
            assert runs == [["/robots.txt"], []]
            assert robots_rows(db)[0][1:3] == (404, b"gone")
        else:
            assert runs == [["/robots.txt"] * 4, ["/robots.txt"] * 4]  # 1 + RETRY_TIMES, twice
            assert robots_rows(db) == []


def test_a_robots_txt_over_500_kib_is_obeyed_but_not_remembered(tmp_path: Path) -> None:
    """RFC 9309 §2.5 asks crawlers to parse at least 500 KiB; a longer file is not stored."""
    big = b"User-agent: *\nDisallow: /2025/03/04/novost-5\n" + b"# padding\n" * 52_000
    paths = [f"/2025/03/04/novost-{i}" for i in range(6)]
    routes = {
        "/": Page(listing_html(paths)),
        "/robots.txt": Page(big, headers={"Content-Type": "text/plain"}),
    }
    for i, path in enumerate(paths):
        routes[path] = Page(article_html("", path, f"Новость {i}", body_text(i)))
    db = tmp_path / "news.db"
    with HostileSite(routes) as site:
        for _ in range(2):  # full=1: the refused article is asked for (and refused) each time
            mark = len(site.requested())
            result = run_crawl(site.base_url, tmp_path, "-a", "full=1", db_path=db)
            assert result.returncode == 0, result.log[-3000:]
            assert sorted(site.requested()[mark:]) == ["/", *paths[:5], "/robots.txt"]
            assert "'robotstxt/forbidden': 1" in result.log
            assert f"robots.txt of {site.base_url}: {len(big)} bytes, over 512000" in result.log
    assert robots_rows(db) == []


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0).isoformat()


def test_an_unreachable_robots_txt_is_obeyed_from_a_copy_up_to_the_stale_bound(
    tmp_path: Path,
) -> None:
    """RFC 9309 §2.4: robots.txt answering 503 (after the retries), a copy 3 days old gives
    the rules; one 8 days old (NEWSBOT_ROBOTS_STALE_DAYS 7) does not, and the run goes on as
    Scrapy does: the error page parsed as a robots.txt, so everything is allowed."""
    paths = ["/2025/03/04/novost-0", "/2025/03/04/novost-1"]
    routes = {
        "/": Page(listing_html(paths)),
        "/robots.txt": Page(
            b"User-agent: *\nDisallow: /2025/03/04/novost-1\n",
            headers={"Content-Type": "text/plain"},
        ),
    }
    for i, path in enumerate(paths):
        routes[path] = Page(article_html("", path, f"Новость {i}", body_text(i)))
    db = tmp_path / "news.db"
    with HostileSite(routes) as site:

        def crawl() -> tuple[list[str], str]:
            mark = len(site.requested())
            result = run_crawl(site.base_url, tmp_path, "-a", "full=1", db_path=db)
            assert result.returncode == 0, result.log[-3000:]
            requested = site.requested()[mark:]
            assert f"'downloader/request_count': {len(requested)}," in result.log
            return sorted(requested), result.log

        first, log = crawl()
        assert first == ["/", paths[0], "/robots.txt"]
        routes["/robots.txt"] = Page(b"<html>busy</html>", status=503)
        kept = ago(days=3)
        age_robots(db, kept)
        stale, log = crawl()
        assert stale == ["/", paths[0], *["/robots.txt"] * 4]  # 1 + RETRY_TIMES
        assert "'robotstxt/forbidden': 1," in log
        assert "'newsbot/robots/stale_copy': 1," in log
        assert log.count("unreachable (HTTP 503): obeying the copy of") == 1
        assert f"robots.txt of {site.base_url} unreachable (HTTP 503): obeying the copy of " in log
        assert "(3.0 days old; NEWSBOT_ROBOTS_STALE_DAYS=7)" in log
        # Handled, so not an ERROR: Scrapy's give-up line for the robots.txt is a WARNING.
        assert f"WARNING: Gave up retrying <GET {site.base_url}/robots.txt> (failed 4 times)" in log
        assert "ERROR" not in log
        [(_, status, _, fetched_at)] = robots_rows(db)
        assert (status, fetched_at) == (200, kept)  # the copy is not renewed by a failure

        age_robots(db, ago(days=8))
        old, log = crawl()
        assert old == ["/", *paths, *["/robots.txt"] * 4]
        assert "robotstxt/forbidden" not in log
        assert "newsbot/robots/stale_copy" not in log


def test_a_robots_txt_that_times_out_is_obeyed_from_the_older_copy(tmp_path: Path) -> None:
    paths = ["/2025/03/04/novost-0", "/2025/03/04/novost-1"]
    routes = {"/": Page(listing_html(paths))}
    for i, path in enumerate(paths):
        routes[path] = Page(article_html("", path, f"Новость {i}", body_text(i)))
    db = tmp_path / "news.db"
    with HostileSite(routes) as site:
        store = ArticleStore(db)
        store.note_robots_txt(
            site.base_url, 200, b"User-agent: *\nDisallow: /2025/03/04/novost-1\n", ago(days=2)
        )
        store.close()
        routes["/robots.txt"] = Page(b"User-agent: *\nAllow: /\n", delay=3)
        result = run_crawl(
            site.base_url,
            tmp_path,
            db_path=db,
            settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"},
        )
        requested = sorted(site.requested())
    assert result.returncode == 0, result.log[-3000:]
    assert requested == ["/", paths[0], "/robots.txt", "/robots.txt"]
    assert f"'downloader/request_count': {len(requested)}," in result.log
    assert "'robotstxt/forbidden': 1," in result.log
    assert "unreachable (DownloadTimeoutError): obeying the copy of " in result.log
    assert f"WARNING: Gave up retrying <GET {site.base_url}/robots.txt> (failed 2 times)" in (
        result.log
    )
    assert "ERROR" not in result.log
    assert "'newsbot/robots/stale_copy': 1," in result.log


def test_the_sitemaps_of_an_unreachable_robots_txt_come_from_the_older_copy(
    tmp_path: Path,
) -> None:
    """discover=sitemap: the spider's own robots.txt request answers 503; the copy 2 days old
    names the sitemap index (not the defaults) and gives Scrapy its rules: no second ask."""
    db = tmp_path / "news.db"
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        first = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db)
        assert first.returncode == 0, first.log[-3000:]
        age_robots(db, ago(days=2))
        server.fail_once_more("/robots.txt")
        mark = len(server.requests)
        result = run_crawl(
            server.base_url, tmp_path, *SITEMAP, db_path=db, settings={"RETRY_TIMES": "0"}
        )
        requested = server.paths_requested()[mark:]
    assert result.returncode == 0, result.log[-3000:]
    assert requested == ["/robots.txt", "/sitemap_index.xml"]
    assert f"'downloader/request_count': {len(requested)}," in result.log
    assert "'newsbot/robots/stale_copy': 1," in result.log
    assert "'newsbot/sitemaps/unchanged': 1," in result.log
    assert "newsbot/http_error" not in result.log  # answered by the copy: not a failure
