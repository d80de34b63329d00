"""Deduplicate: one row per canonical URL and per text, within a run and against the store.

The store is the crawl's shared one (newsbot.runtime.run): looking up a hash opens nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newsbot.core.urls import url_key
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.run import Run
from newsbot.store import ArticleStore

logger = logging.getLogger(__name__)


class DedupPipeline:
    """Drops a second copy; a re-crawl of a stored URL passes (the store updates that row)."""

    def __init__(
        self,
        sqlite_path: str | None = None,
        stats: StatsCollector | None = None,
        run: Run | None = None,
    ) -> None:
        #: The crawl's shared state and store; a pipeline built alone has (and closes) its own.
        self.run = run if run is not None else Run(sqlite_path=sqlite_path or "")
        self.owns_run = run is None
        self.stats = stats
        self.store: ArticleStore | None = None
        self.urls: set[str] = set()
        self.hashes: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler.settings.get("SQLITE_PATH"), crawler.stats, run=Run.of(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        try:
            self.store = self.run.store()
        except (sqlite3.Error, OSError):
            self.store = None  # the store pipeline says why and ends the run

    def close_spider(self, spider: Spider | None = None) -> None:
        self.store = None
        if self.owns_run:
            self.run.close()

    def _drop(self, reason: str, message: str) -> DropItem:
        if self.stats is not None:
            self.stats.inc_value(keys.DROPPED + reason)
        return DropItem(message)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        url = adapter.get("url") or ""
        key = url_key(url)
        digest = adapter.get("content_hash") or ""
        if key in self.urls:
            raise self._drop("duplicate_url", f"duplicate URL within this run: {url}")
        if digest and digest in self.hashes:
            raise self._drop(
                "duplicate_content", f"same text as {self.hashes[digest]} (this run): {url}"
            )
        if digest and self.store is not None:
            other = self.store.url_for_hash(digest)
            if other and url_key(other) != key:
                raise self._drop("duplicate_content", f"same text as stored {other}: {url}")
        self.urls.add(key)
        if digest:
            self.hashes[digest] = url
        return item
