"""Case 1 of issue 9: the store never loses a good row for a bad one, and commits on a timer.

Against the hostile site (tests/hostile) on 127.0.0.1 and a real SQLite file.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from newsbot.pipelines.store import SQLitePipeline
from newsbot.store import ArticleStore
from tests.conftest import CRAWL_ENV, FAST_SETTINGS, ROOT, crawl_command, run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, listing_html
from tests.store_helpers import stored_count

SURROGATE_LD = (
    '{"@context": "https://schema.org", "@type": "NewsArticle",'
    ' "headline": "Обрезанный эмодзи \\ud800 в заголовке",'
    ' "datePublished": "2025-03-04T10:00:00+03:00"}'
)


def _articles_site(n: int, bad: int | None = None, slow: int | None = None) -> dict[str, Page]:
    """``/`` lists n articles; article ``bad`` has a lone surrogate, ``slow`` hangs 60 s."""
    routes: dict[str, Page] = {}
    paths = [f"/2025/03/04/novost-{i}" for i in range(n)]
    routes["/"] = Page(listing_html(paths))
    for i, path in enumerate(paths):
        ld = SURROGATE_LD if i == bad else None
        body = article_html("", path, f"Новость номер {i}", body_text(i), jsonld_raw=ld)
        routes[path] = Page(body, delay=60.0 if i == slow else 0.0)
    return routes


def _rows(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT url, title FROM articles ORDER BY url").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def test_sanitize_removes_what_sqlite_and_readers_choke_on() -> None:
    from newsbot.core.text import sanitize

    dirty = "a\ud800b\x00c\x07d\x9be\u202ef\u2066g\nh\ufffei\tj\r\nk"
    assert sanitize(dirty) == "abcdefg\nhi\tj\r\nk"
    assert sanitize("Заголовок «в кавычках» — с тире") == "Заголовок «в кавычках» — с тире"
    assert sanitize("") == ""


def test_sanitize_is_linear_on_a_pathological_input() -> None:
    from newsbot.core.text import sanitize

    junk = ("\ud800\x00\u202e" * 700_000) + "x" * 2_000_000
    started = time.perf_counter()
    assert sanitize(junk) == "x" * 2_000_000
    assert time.perf_counter() - started < 2.0


def test_a_lone_surrogate_headline_costs_no_row(tmp_path: Path) -> None:
    with HostileSite(_articles_site(41, bad=3)) as site:
        result = run_crawl(site.base_url, tmp_path, settings={"SQLITE_BATCH_SIZE": "20"})
    rows = _rows(result.db_path)
    assert result.returncode == 0, result.log[-3000:]
    assert len(rows) == 41
    titles = dict(rows)
    assert titles[f"{site.base_url}/2025/03/04/novost-3"] == "Обрезанный эмодзи в заголовке"
    print(
        f"MEASURE case1 surrogate: {len(site.requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def _item(i: int, **over: object) -> dict[str, object]:
    item: dict[str, object] = {
        "url": f"http://example.test/2025/03/04/n{i}",
        "site": "example.test",
        "title": f"Новость {i}",
        "text": body_text(i),
        "published_at": "2025-03-04T10:00:00+03:00",
        "scraped_at": "2025-03-04T10:00:00+00:00",
        "word_count": 10,
        "content_hash": f"h{i}",
    }
    item.update(over)
    return item


def test_a_row_that_cannot_be_stored_is_kept_out_and_the_batch_committed(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "s.db")
    try:
        counts = store.upsert_many([_item(0), _item(1, word_count=2**70), _item(2)])
        assert (counts.new, counts.failed) == (
            2,
            [
                (
                    "http://example.test/2025/03/04/n1",
                    "Python int too large to convert to SQLite INTEGER",
                )
            ],
        )
        assert stored_count(store) == 2
    finally:
        store.close()


def test_the_pipeline_logs_and_counts_a_failed_row_and_stores_every_later_batch(
    tmp_path: Path, caplog: object
) -> None:
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    stats = MemoryStatsCollector(get_crawler())
    pipeline = SQLitePipeline(tmp_path / "p.db", batch_size=2, flush_seconds=60, stats=stats)
    pipeline.open_spider()
    for i in range(7):
        pipeline.process_item(_item(i, word_count=2**70) if i == 1 else _item(i))
    pipeline.close_spider()
    assert stats.get_value("newsbot/store/failed") == 1
    assert stats.get_value("newsbot/store/new") == 6
    assert "http://example.test/2025/03/04/n1" in caplog.text  # type: ignore[attr-defined]
    assert len(_rows(tmp_path / "p.db")) == 6


def test_rows_are_committed_on_a_timer_and_survive_a_sigkill(tmp_path: Path) -> None:
    """Five articles parsed, the sixth page hangs: after SIGKILL the five are in the store."""
    db = tmp_path / "news.db"
    settings = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(db),
        "NEWSBOT_SUMMARY_PATH": str(tmp_path / "last_run.json"),
        "SQLITE_BATCH_SIZE": "20",
        "SQLITE_FLUSH_SECONDS": "1",
    }
    with HostileSite(_articles_site(6, slow=5)) as site, (tmp_path / "crawl.log").open("w") as log:
        proc = subprocess.Popen(
            crawl_command(site.base_url, settings), cwd=ROOT, env=CRAWL_ENV, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(_rows(db)) < 5:
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(_rows(db)) == 5, (tmp_path / "crawl.log").read_text()[-3000:]
