"""End-of-run report: one log line, a JSON file, a row in ``crawl_runs``, and the exit status.

This is how a theme change on the real site is noticed the same day: a field whose fill rate
drops below its floor makes the run unhealthy (see newsbot.runtime.health).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsbot.runtime import stats_keys as keys
from newsbot.runtime.health import Health, Thresholds, assess, prefixed, usual_fill_rates
from newsbot.runtime.run import Run, close_soon
from newsbot.store.availability import store_failure

logger = logging.getLogger(__name__)


def build_summary(
    stats: dict[str, Any], duration: float, health: Health, reason: str
) -> dict[str, Any]:
    """The run's figures, grouped the way an operator reads them."""
    dropped = prefixed(stats, keys.DROPPED)
    skipped = prefixed(stats, keys.ARTICLE_SKIPPED)
    dropped.update({f"skipped/{k}": v for k, v in skipped.items()})
    statuses = prefixed(stats, keys.SCRAPY_RESPONSE_STATUS)
    return {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "finish_reason": reason,
        "status": health.status,
        "exit_code": health.exit_code,
        "problems": health.problems,
        "duration_s": round(duration, 3),
        "pages_fetched": int(stats.get(keys.SCRAPY_RESPONSE_COUNT, 0)),
        "listing_pages": int(stats.get(keys.LISTING_PAGES, 0)),
        "article_pages": int(stats.get(keys.ARTICLE_PAGES, 0)),
        "articles": {
            "new": int(stats.get(keys.STORE_NEW, 0)),
            "updated": int(stats.get(keys.STORE_UPDATED, 0)),
            "unchanged": int(stats.get(keys.STORE_UNCHANGED, 0)),
            "known_skipped": int(stats.get(keys.LISTING_KNOWN, 0)),
            "dropped": dropped,
        },
        "http_errors": {k: v for k, v in statuses.items() if k[:1] in "45"},
        "request_errors": prefixed(stats, keys.REQUEST_ERROR),
        "fill_rates": health.fill_rates,
    }


class RunSummary:
    """Records the run in the store, judges it at the end and reports.

    The verdict goes on the crawl's ``Run`` (``exit_code``), where the crawl command reads it.
    """

    def __init__(self, crawler: Crawler, run: Run, summary_path: str, limits: Thresholds) -> None:
        self.crawler = crawler
        self.run = run
        self.summary_path = Path(summary_path) if summary_path else None
        self.limits = limits
        self.started = time.monotonic()
        self.run_id: int | None = None
        self.summary: dict[str, Any] = {}
        self.usual: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        ext = cls(
            crawler,
            Run.of(crawler),
            summary_path=crawler.settings.get("NEWSBOT_SUMMARY_PATH"),
            limits=Thresholds.from_settings(crawler.settings),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @property
    def _stats(self) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats

    def _site(self, spider: Spider) -> str:
        return str(getattr(spider, "site", "") or spider.name)

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        try:
            store = self.run.store()  # None: no store, the lock is held, or the store failed
            if store is None:
                return
            previous = store.last_run(self._site(spider), spider.name)
            self.usual = usual_fill_rates(store.recent_summaries(self._site(spider), spider.name))
            self.run_id = store.start_run(spider.name, self._site(spider))
        except (sqlite3.Error, OSError) as exc:  # a disk already full, a store gone bad
            self._store_failed(exc)
            return
        if previous is not None and previous["finished_at"] is None:
            logger.warning(
                "the previous run (#%s, started %s) did not finish: walking the whole listing",
                previous["id"],
                previous["started_at"],
            )
            self.run.previous_interrupted = True

    def _store_failed(self, exc: BaseException) -> None:
        """The run cannot be recorded: one line (unless the pipeline said it first), exit 8."""
        if self.run.note_store_failed(store_failure(self.run.sqlite_path, exc)):
            logger.error("%s", self.run.store_failed)
            self._stats.inc_value(keys.STORE_WRITE_FAILED)
        close_soon(self.crawler, "store_failed")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self._stats.get_stats())
        health = assess(
            stats,
            self.limits,
            reason=reason,
            usual=self.usual,
            lock_held=self.run.lock_held,
            store_failed=bool(self.run.store_failed),
        )
        self.run.exit_code = health.exit_code
        self.summary = build_summary(stats, time.monotonic() - self.started, health, reason)
        for problem in health.problems:
            logger.warning("unhealthy run: %s", problem)
        a = self.summary["articles"]
        logger.info(
            "newsbot run %s (exit %d): %d pages, %d new, %d updated, %d unchanged, "
            "%d known skipped, %d dropped, %d HTTP errors, %.1fs",
            self.summary["status"],
            health.exit_code,
            self.summary["pages_fetched"],
            a["new"],
            a["updated"],
            a["unchanged"],
            a["known_skipped"],
            sum(a["dropped"].values()),
            sum(self.summary["http_errors"].values()),
            self.summary["duration_s"],
        )
        if self.summary_path:
            try:
                self.summary_path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.summary_path.with_suffix(self.summary_path.suffix + ".tmp")
                tmp.write_text(
                    json.dumps(self.summary, ensure_ascii=False, indent=2), encoding="utf-8"
                )
                tmp.replace(self.summary_path)  # readers never see half a file
            except OSError as exc:  # a full disk or a read-only directory: say it, go on
                logger.error(
                    "cannot write the run summary %s: %s", self.summary_path, exc.strerror or exc
                )
        # Only a run that walked to its end is "finished": after a kill or Ctrl-C the next run
        # must walk the whole listing instead of stopping at the first known articles.
        store = self.run.store()
        if self.run_id is not None and reason == "finished" and store is not None:
            try:
                store.finish_run(self.run_id, self.summary["status"], self.summary)
            except (sqlite3.Error, OSError) as exc:
                if self.run.note_store_failed(store_failure(self.run.sqlite_path, exc)):
                    logger.error("%s: this run is not recorded as finished", self.run.store_failed)
