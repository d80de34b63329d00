"""The run layer in-process (Scrapy's get_crawler, no subprocess): lock, summary, exit status.

The crawler is built from the project's own settings, so its extensions (the lock and the
summary) are the ones a real crawl has. The end-to-end crawls in test_scheduled_runs.py and
test_hostile_operator.py keep proving the same through ``scrapy crawl``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newsbot import settings as project
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.commands.crawl import verdict
from newsbot.runtime.extensions.lock import RunLock
from newsbot.runtime.extensions.summary import RunSummary
from newsbot.runtime.health import (
    EXIT_LOCK_HELD,
    EXIT_NO_LISTING,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_STORE,
)
from newsbot.runtime.run import Run
from newsbot.spiders.district import DistrictSpider
from newsbot.store import ArticleStore

START = "https://uv-kurier.ru/"
#: The stats of a small healthy run: 1 listing page, 4 articles stored, nothing failed.
HEALTHY = {
    keys.LISTING_PAGES: 1,
    keys.LISTING_ARTICLE_LINKS: 4,
    keys.ARTICLE_PAGES: 4,
    keys.ITEMS_CLEANED: 4,
    keys.STORE_NEW: 4,
    keys.SCRAPY_REQUEST_COUNT: 6,
    keys.SCRAPY_RESPONSE_COUNT: 6,
}


def project_crawler(tmp_path: Path, **over: Any) -> Crawler:
    """A crawler of the district spider with the project's settings and a store in tmp_path."""
    settings = {k: getattr(project, k) for k in dir(project) if k.isupper()}
    del settings["TWISTED_REACTOR"]  # get_crawler picks the reactor the test process has
    settings.update(
        SQLITE_PATH=str(tmp_path / "news.db"),
        NEWSBOT_SUMMARY_PATH=str(tmp_path / "last_run.json"),
        **over,
    )
    crawler = get_crawler(DistrictSpider, settings)
    crawler.spider = DistrictSpider.from_crawler(crawler, start_url=START)
    return crawler


def summary_of(crawler: Crawler) -> RunSummary:
    ext = crawler.get_extension(RunSummary)
    assert ext is not None
    return ext


def lock_of(crawler: Crawler) -> RunLock:
    ext = crawler.get_extension(RunLock)
    assert ext is not None
    return ext


def close(crawler: Crawler, reason: str, stats: dict[str, int]) -> None:
    """What the end of a crawl does: stats counted, spider_closed handlers, engine stopped."""
    assert crawler.stats is not None and crawler.spider is not None
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    summary_of(crawler).spider_closed(crawler.spider, reason)
    lock_of(crawler).spider_closed(crawler.spider)
    Run.of(crawler).close()


def runs_in(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return [
            (status, finished)
            for status, finished in conn.execute(
                "SELECT status, finished_at IS NOT NULL FROM crawl_runs ORDER BY id"
            )
        ]


def test_a_healthy_run_is_recorded_judged_and_exits_zero(tmp_path: Path) -> None:
    crawler = project_crawler(tmp_path)
    assert crawler.spider is not None
    run = Run.of(crawler)
    assert (lock_of(crawler).held, run.lock_held) == (True, False)
    summary_of(crawler).spider_opened(crawler.spider)
    assert runs_in(tmp_path / "news.db") == [("running", 0)]
    close(crawler, "finished", HEALTHY)
    assert (run.exit_code, verdict(crawler)) == (EXIT_OK, EXIT_OK)
    report = json.loads((tmp_path / "last_run.json").read_text(encoding="utf-8"))
    assert (report["status"], report["exit_code"], report["problems"]) == ("ok", 0, [])
    assert report["articles"] == {
        "new": 4,
        "updated": 0,
        "unchanged": 0,
        "known_skipped": 0,
        "dropped": {},
    }
    assert runs_in(tmp_path / "news.db") == [("ok", 1)]
    # Decisions are not stats: nothing but counts was written.
    assert crawler.stats is not None
    assert sorted(k for k in crawler.stats.get_stats() if k.startswith("newsbot/")) == sorted(
        k for k in HEALTHY if k.startswith("newsbot/")
    )


def test_a_second_run_while_the_first_holds_the_lock_does_nothing_and_exits_3(
    tmp_path: Path,
) -> None:
    first = project_crawler(tmp_path)
    second = project_crawler(tmp_path)
    run = Run.of(second)
    assert (lock_of(second).held, run.lock_held) == (False, True)
    assert isinstance(second.spider, DistrictSpider)
    summary_of(second).spider_opened(second.spider)
    assert list(second.spider.start_requests()) == []  # nothing is fetched
    assert run.store() is None  # nor is the store opened
    assert run_count(tmp_path / "news.db") == 0  # the first run has not recorded itself yet
    close(second, "lock_held", {})
    assert (run.exit_code, verdict(second)) == (EXIT_LOCK_HELD, 3)
    report = json.loads((tmp_path / "last_run.json").read_text(encoding="utf-8"))
    assert report["problems"] == ["another run holds the lock"]
    # Once the first run lets go, the next one takes the lock.
    close(first, "finished", HEALTHY)
    third = project_crawler(tmp_path)
    assert (lock_of(third).held, Run.of(third).lock_held) == (True, False)
    close(third, "finished", HEALTHY)


def run_count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0])


def test_a_lock_that_cannot_be_created_ends_the_run_with_status_8(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("x", encoding="utf-8")
    crawler = project_crawler(tmp_path, NEWSBOT_LOCK_PATH=str(tmp_path / "not-a-dir" / "x.lock"))
    run = Run.of(crawler)
    lock = lock_of(crawler)
    assert lock.held is False
    assert run.store_failed == lock.unusable
    assert run.store_failed.startswith(f"cannot create the run lock {tmp_path}/not-a-dir/x.lock: ")
    assert isinstance(crawler.spider, DistrictSpider)
    assert list(crawler.spider.start_requests()) == []
    close(crawler, "store_failed", {})
    assert verdict(crawler) == EXIT_STORE
    assert not (tmp_path / "news.db").exists()  # the store was never opened


def test_an_interrupted_run_makes_the_next_walk_everything_and_a_stop_exits_9(
    tmp_path: Path,
) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([stored_row(i) for i in range(3)])
    store.close()
    killed = project_crawler(tmp_path)
    assert killed.spider is not None
    summary_of(killed).spider_opened(killed.spider)
    close(killed, "shutdown", {keys.LISTING_PAGES: 1})  # SIGTERM: not finished
    assert verdict(killed) == EXIT_STOPPED
    assert runs_in(tmp_path / "news.db") == [("running", 0)]

    crawler = project_crawler(tmp_path)
    spider = crawler.spider
    assert isinstance(spider, DistrictSpider)
    summary_of(crawler).spider_opened(spider)
    assert Run.of(crawler).previous_interrupted is True
    [request] = list(spider.start_requests())
    assert request.url == START
    assert (spider.has_stored, spider.stop_at_known) == (True, False)
    close(crawler, "finished", {keys.SCRAPY_REQUEST_COUNT: 1})
    assert verdict(crawler) == EXIT_NO_LISTING
    assert runs_in(tmp_path / "news.db") == [("running", 0), ("unhealthy", 1)]


def test_one_store_is_shared_by_the_crawls_components(tmp_path: Path) -> None:
    crawler = project_crawler(tmp_path)
    run = Run.of(crawler)
    first = run.store()
    assert first is not None and run.store() is first
    run.close()
    assert run._store is None


def test_a_run_whose_summary_is_switched_off_exits_zero(tmp_path: Path) -> None:
    extensions = {**project.EXTENSIONS, "newsbot.runtime.extensions.summary.RunSummary": None}
    crawler = project_crawler(tmp_path, EXTENSIONS=extensions)
    assert crawler.get_extension(RunSummary) is None
    assert verdict(crawler) == 0
    Run.of(crawler).close()
    lock_of(crawler).lock.release()


def test_a_run_that_ended_unjudged_exits_1(tmp_path: Path) -> None:
    crawler = project_crawler(tmp_path)
    assert verdict(crawler) == 1
    lock_of(crawler).lock.release()


def stored_row(i: int) -> dict[str, Any]:
    return {
        "url": f"{START}2025/03/0{i + 1}/story-{i}/",
        "site": "uv-kurier.ru",
        "title": f"Story {i}",
        "published_at": f"2025-03-0{i + 1}T10:00:00+03:00",
        "modified_at": None,
        "author": "",
        "lead": "",
        "text": f"Body of story number {i} in the district.",
        "image_url": "",
        "image_caption": "",
        "photo_credit": "",
        "tags": [],
        "categories": [],
        "districts": [],
        "word_count": 8,
        "content_hash": f"{i:064x}",
        "scraped_at": "2025-03-10T00:00:00+00:00",
    }
