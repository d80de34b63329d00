"""Store: items into SQLite in batched transactions (one row per URL; a re-crawl updates it).

Near-duplicates (an edited republication) are linked by the store itself (``duplicate_of``),
so the check covers this run and every earlier one; stats count them as
``newsbot/store/near_duplicates``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from newsbot.store import ArticleStore, UpsertCounts

logger = logging.getLogger(__name__)


class SQLitePipeline:
    """Buffers items and commits them every ``batch_size`` items or ``flush_seconds``."""

    def __init__(
        self,
        path: str | Path,
        batch_size: int = 20,
        flush_seconds: float = 5.0,
        stats: StatsCollector | None = None,
    ) -> None:
        self.path = Path(path)
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.stats = stats
        self.store: ArticleStore | None = None
        self.buffer: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        self.totals = UpsertCounts()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        path = crawler.settings.get("SQLITE_PATH")
        if not path:
            raise NotConfigured("SQLITE_PATH is empty: not storing to SQLite")
        return cls(
            path,
            batch_size=crawler.settings.getint("SQLITE_BATCH_SIZE", 20),
            flush_seconds=crawler.settings.getfloat("SQLITE_FLUSH_SECONDS", 5.0),
            stats=crawler.stats,
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        self.store = ArticleStore(self.path)
        logger.info("storing articles in %s", self.path.resolve())

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        self.buffer.append(ItemAdapter(item).asdict())
        if (
            len(self.buffer) >= self.batch_size
            or time.monotonic() - self.last_flush >= self.flush_seconds
        ):
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer or self.store is None:
            return
        counts = self.store.upsert_many(self.buffer)
        for name in ("new", "updated", "unchanged", "near_duplicates"):
            value = getattr(counts, name)
            setattr(self.totals, name, getattr(self.totals, name) + value)
            if self.stats is not None and value:
                self.stats.inc_value(f"newsbot/store/{name}", value)
        logger.debug("committed %d articles to %s", len(self.buffer), self.path)
        self.buffer.clear()
        self.last_flush = time.monotonic()

    def close_spider(self, spider: Spider | None = None) -> None:
        try:
            self.flush()
        finally:
            if self.store is not None:
                self.store.close()
                self.store = None
        logger.info(
            "SQLite %s: %d new, %d updated, %d unchanged; %d linked as near-duplicates",
            self.path,
            self.totals.new,
            self.totals.updated,
            self.totals.unchanged,
            self.totals.near_duplicates,
        )
