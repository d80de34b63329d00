"""A sitemap whose ``<lastmod>``s are a generation stamp, not edits, end to end on the replica.

Some plugins and caches write the time the sitemap was made into every ``<lastmod>``: trusted,
every incremental sitemap run would fetch every stored article again. Such a urlset is told
from real edits (one post, or many at their own times), said once, counted, its stored
entries left alone, and remembered so ``auto`` walks the listing instead.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsbot.spiders.sitemaps import lastmods_stamped
from tests.conftest import run_crawl
from tests.replica import build
from tests.replica.server import ReplicaServer
from tests.test_scheduled_runs import new_articles

SITEMAP = ("-a", "discover=sitemap")
AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def articles(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if p[1:5].isdigit())


def capabilities(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT feature, available FROM site_capabilities").fetchall())


def test_one_stamp_on_most_stored_entries_is_not_an_edit() -> None:
    assert lastmods_stamped([AT] * 14, 14)
    assert lastmods_stamped([AT + timedelta(seconds=s) for s in range(0, 300, 20)], 15)
    assert lastmods_stamped([AT] * 8, 10)  # 80% moved


def test_real_edits_are_trusted() -> None:
    # a bulk edit at distinct times (an editor over the day): every stored entry moved
    assert not lastmods_stamped([AT + timedelta(hours=h) for h in range(14)], 14)
    assert not lastmods_stamped([AT, AT + timedelta(minutes=5, seconds=1), AT], 3)
    assert not lastmods_stamped([AT] * 2, 2)  # too few to tell
    assert not lastmods_stamped([AT] * 7, 10)  # 70%: a bulk edit of a selection
    assert not lastmods_stamped([], 14)


def test_a_sitemap_stamped_when_served_costs_only_its_new_entries(tmp_path: Path) -> None:
    root = tmp_path / "site"
    db = tmp_path / "news.db"
    build.build_site(root, expected_file=tmp_path / "e1.json")
    with ReplicaServer(root, fail_once=(), wp_api="off", stamp_lastmods=True) as server:

        def crawl(*args: str) -> tuple[list[str], str]:
            mark = len(server.requests)
            result = run_crawl(server.base_url, tmp_path, *args, db_path=db)
            assert result.returncode == 0, result.log[-3000:]
            requested = server.paths_requested()[mark:]
            assert f"'downloader/request_count': {len(requested)}," in result.log
            return requested, result.log

        backfill, log = crawl(*SITEMAP)
        assert backfill[:3] == ["/robots.txt", "/sitemap_index.xml", "/post-sitemap.xml"]
        assert len(backfill) == 17 and len(articles(backfill)) == 14
        assert "lastmod_untrusted" not in log  # nothing stored yet: nothing to judge

        # Every lastmod moved to one new stamp: trusted, this would be 14 more requests.
        idle, log = crawl(*SITEMAP)
        assert idle == ["/sitemap_index.xml", "/post-sitemap.xml"]
        assert log.count("stamped when the sitemap was made") == 1
        assert f"{server.base_url}/post-sitemap.xml: 14 of 14 stored entries carry" in log
        assert "'newsbot/sitemaps/lastmod_untrusted': 1," in log
        assert "'newsbot/listing/known': 14," in log
        assert "newsbot/article/edited" not in log
        assert capabilities(db)["sitemap_lastmod_real"] == 0

        # Two new posts: those alone are fetched, as a listing run would.
        build.build_site(root, new_articles(), expected_file=tmp_path / "e2.json")
        new, log = crawl(*SITEMAP)
        assert new[:2] == ["/sitemap_index.xml", "/post-sitemap.xml"]
        assert articles(new) == [
            "/2026/01/25/v-kuzminkah-otkrylsya-katok",
            "/2026/01/26/v-kapotne-postroyat-shkolu",
        ]
        assert len(new) == 4
        assert "'newsbot/sitemaps/lastmod_untrusted': 1," in log

        # auto, incremental, no REST API: the remembered stamp sends it to listing page 1.
        auto, log = crawl("-a", "discover=auto")
        assert [p.split("?")[0] for p in auto] == ["/wp-json/wp/v2/posts", "/"]
        assert "the sitemaps' lastmods were a generation stamp when read at " in log

        # full=1: no lastmod proves an entry unchanged, so every one is fetched (not "edited").
        full, log = crawl(*SITEMAP, "-a", "full=1")
        assert full[:2] == ["/sitemap_index.xml", "/post-sitemap.xml"]
        assert len(full) == 18 and len(articles(full)) == 16
        assert "full=1: every entry fetched, as without a lastmod" in log
        assert "newsbot/article/edited" not in log


def test_an_honest_bulk_edit_at_distinct_times_is_fetched_again(tmp_path: Path) -> None:
    root = tmp_path / "site"
    db = tmp_path / "news.db"
    build.build_site(root, expected_file=tmp_path / "e1.json")
    base, _ = build.load_articles()
    slugs = [a["slug"] for a in base if not a.get("missing")]
    assert len(slugs) == 14
    edits = {slug: f"2026-02-01T{8 + i:02d}:00" for i, slug in enumerate(slugs)}
    with ReplicaServer(root, fail_once=(), wp_api="off") as server:
        first = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db)
        assert first.returncode == 0, first.log[-3000:]
        build.build_site(root, expected_file=tmp_path / "e2.json", edits=edits)
        mark = len(server.requests)
        result = run_crawl(server.base_url, tmp_path, *SITEMAP, db_path=db)
        requested = server.paths_requested()[mark:]
        assert result.returncode == 0, result.log[-3000:]
        assert requested[:2] == ["/sitemap_index.xml", "/post-sitemap.xml"]
        assert len(requested) == 16 and len(articles(requested)) == 14
        assert f"'downloader/request_count': {len(requested)}," in result.log
        assert "'newsbot/article/edited': 14," in result.log
        assert "'newsbot/store/updated': 14," in result.log
        assert "lastmod_untrusted" not in result.log
        assert capabilities(db)["sitemap_lastmod_real"] == 1

        # auto, incremental, no REST API: these sitemaps are read (they tell edits).
        mark = len(server.requests)
        auto = run_crawl(server.base_url, tmp_path, "-a", "discover=auto", db_path=db)
        assert auto.returncode == 0, auto.log[-3000:]
        asked = [p.split("?")[0] for p in server.paths_requested()[mark:]]
        assert asked == ["/wp-json/wp/v2/posts", "/sitemap_index.xml"]
        assert "their index dates each sitemap" in auto.log
