"""End-of-run report: one log line, a JSON file, a row in ``crawl_runs``, and the exit status.

This is how a theme change on the real site is noticed the same day: a field whose fill rate
drops below its floor makes the run unhealthy (see newsbot.runtime.health).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsbot.runtime.health import (
    DEFAULT_MIN_FILL_RATES,
    Health,
    assess,
    prefixed,
    usual_fill_rates,
)
from newsbot.store import ArticleStore

logger = logging.getLogger(__name__)


def build_summary(
    stats: dict[str, Any], duration: float, health: Health, reason: str
) -> dict[str, Any]:
    """The run's figures, grouped the way an operator reads them."""
    dropped = prefixed(stats, "newsbot/dropped/")
    skipped = prefixed(stats, "newsbot/article/skipped/")
    dropped.update({f"skipped/{k}": v for k, v in skipped.items()})
    statuses = prefixed(stats, "downloader/response_status_count/")
    return {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "finish_reason": reason,
        "status": health.status,
        "exit_code": health.exit_code,
        "problems": health.problems,
        "duration_s": round(duration, 3),
        "pages_fetched": int(stats.get("downloader/response_count", 0)),
        "listing_pages": int(stats.get("newsbot/listing/pages", 0)),
        "article_pages": int(stats.get("newsbot/article/pages", 0)),
        "articles": {
            "new": int(stats.get("newsbot/store/new", 0)),
            "updated": int(stats.get("newsbot/store/updated", 0)),
            "unchanged": int(stats.get("newsbot/store/unchanged", 0)),
            "known_skipped": int(stats.get("newsbot/listing/known", 0)),
            "dropped": dropped,
        },
        "http_errors": {k: v for k, v in statuses.items() if k[:1] in "45"},
        "request_errors": prefixed(stats, "newsbot/request_error/"),
        "fill_rates": health.fill_rates,
    }


class RunSummary:
    """Records the run in the store, judges it at the end and reports."""

    def __init__(
        self,
        crawler: Crawler,
        summary_path: str = "",
        sqlite_path: str = "",
        min_fill_rates: dict[str, float] | None = None,
        max_error_ratio: float = 0.2,
    ) -> None:
        self.crawler = crawler
        self.summary_path = Path(summary_path) if summary_path else None
        self.sqlite_path = sqlite_path
        self.min_fill_rates = min_fill_rates or DEFAULT_MIN_FILL_RATES
        self.max_error_ratio = max_error_ratio
        self.started = time.monotonic()
        self.run_id: int | None = None
        self.summary: dict[str, Any] = {}
        self.usual: dict[str, float] = {}
        self.max_drop = 0.3
        #: The run's exit status once it is judged (read by newsbot.runtime.commands.crawl).
        self.exit_code: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        s = crawler.settings
        ext = cls(
            crawler,
            summary_path=s.get("NEWSBOT_SUMMARY_PATH", ""),
            sqlite_path=s.get("SQLITE_PATH", ""),
            min_fill_rates={k: float(v) for k, v in s.getdict("NEWSBOT_MIN_FILL_RATES").items()}
            or None,
            max_error_ratio=s.getfloat("NEWSBOT_MAX_ERROR_RATIO", 0.2),
        )
        ext.max_drop = s.getfloat("NEWSBOT_MAX_FILL_DROP", 0.3)
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
        if not self.sqlite_path or self._stats.get_value("newsbot/lock_held"):
            return
        store = ArticleStore(self.sqlite_path)
        try:
            previous = store.last_run(self._site(spider), spider.name)
            if previous is not None and previous["finished_at"] is None:
                logger.warning(
                    "the previous run (#%s, started %s) did not finish: walking the whole listing",
                    previous["id"],
                    previous["started_at"],
                )
                self._stats.set_value("newsbot/previous_run_interrupted", 1)
            self.usual = usual_fill_rates(store.recent_summaries(self._site(spider), spider.name))
            self.run_id = store.start_run(spider.name, self._site(spider))
        finally:
            store.close()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self._stats.get_stats())
        health = assess(
            stats,
            self.min_fill_rates,
            self.max_error_ratio,
            usual=self.usual,
            max_drop=self.max_drop,
            reason=reason,
        )
        self.exit_code = health.exit_code
        self._stats.set_value("newsbot/exit_code", health.exit_code)
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
        if self.run_id is not None and reason == "finished":
            store = ArticleStore(self.sqlite_path)
            try:
                store.finish_run(self.run_id, self.summary["status"], self.summary)
            finally:
                store.close()
