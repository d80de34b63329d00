"""Store: items into SQLite in batched transactions (one row per URL; a re-crawl updates it).

Near-duplicates (an edited republication) are linked by the store itself (``duplicate_of``),
so the check covers this run and every earlier one; stats count them as
``newsbot/store/near_duplicates``.

Batches are committed every ``SQLITE_BATCH_SIZE`` items and, on a reactor timer, every
``SQLITE_FLUSH_SECONDS``: a run killed while a slow page hangs keeps what it had parsed. A row
SQLite refuses is logged with its URL, counted (``newsbot/store/failed``) and left out; the
rest of its batch is committed. When the store itself fails (disk full, read-only), the run
is closed with reason ``store_failed`` and one error line, and the crawl's Run says why.

The store is the crawl's one ``ArticleStore`` (newsbot.runtime.run), shared with the dedup
pipeline, the spider and the summary; this pipeline is the first to open it.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet import task

from newsbot.runtime import stats_keys as keys
from newsbot.runtime.run import Run, close_soon
from newsbot.store import ArticleStore, UpsertCounts, store_failure

logger = logging.getLogger(__name__)


class SQLitePipeline:
    """Buffers items and commits them every ``batch_size`` items or ``flush_seconds``."""

    def __init__(
        self,
        path: str | Path,
        batch_size: int,
        flush_seconds: float,
        stats: StatsCollector | None = None,
        crawler: Crawler | None = None,
        run: Run | None = None,
    ) -> None:
        self.path = Path(path)
        #: The crawl's shared state and store; a pipeline built alone has (and closes) its own.
        self.run = run if run is not None else Run(sqlite_path=str(path))
        self.owns_run = run is None
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.stats = stats
        self.crawler = crawler
        self.store: ArticleStore | None = None
        self.buffer: list[dict[str, Any]] = []
        self.totals = UpsertCounts()
        self.timer: task.LoopingCall | None = None
        self.broken = ""  # why the store cannot be written, once it failed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLitePipeline:
        path = crawler.settings.get("SQLITE_PATH")
        if not path:
            raise NotConfigured("SQLITE_PATH is empty: not storing to SQLite")
        return cls(
            path,
            batch_size=crawler.settings.getint("SQLITE_BATCH_SIZE"),
            flush_seconds=crawler.settings.getfloat("SQLITE_FLUSH_SECONDS"),
            stats=crawler.stats,
            crawler=crawler,
            run=Run.of(crawler),
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        try:
            self.store = self.run.store()
        except (sqlite3.Error, OSError) as exc:
            self._fail(store_failure(self.path, exc))
            return
        if self.store is None:  # another run holds the lock, or the lock could not be made
            return
        logger.info("storing articles in %s", self.path.resolve())
        if self.flush_seconds > 0:
            self.timer = task.LoopingCall(self._flush_on_timer)
            self.timer.start(self.flush_seconds, now=False)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if self.broken:  # said once in _fail; the run is closing
            if self.stats is not None:
                self.stats.inc_value(keys.STORE_NOT_STORED)
            return item
        # A shallow snapshot is enough: the codec builds the row afresh and nothing edits an
        # item's lists after the pipelines (asdict()'s deep copy cost ~70 µs an item).
        self.buffer.append(dict(ItemAdapter(item).items()))
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _flush_on_timer(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Commit the buffer; the rows SQLite refused are logged and counted, never retried."""
        if not self.buffer or self.store is None:
            return
        batch, self.buffer = self.buffer, []
        try:
            counts = self.store.upsert_many(batch)
        except (sqlite3.Error, OSError) as exc:
            self._fail(store_failure(self.path, exc))
            return
        for name in ("new", "updated", "unchanged", "near_duplicates"):
            value = getattr(counts, name)
            setattr(self.totals, name, getattr(self.totals, name) + value)
            if self.stats is not None and value:
                self.stats.inc_value(keys.STORE + name, value)
        for url, reason in counts.failed:
            logger.error("article %s not stored: %s", url, reason)
        if counts.failed:
            self.totals.failed.extend(counts.failed)
            if self.stats is not None:
                self.stats.inc_value(keys.STORE_FAILED, len(counts.failed))
        logger.debug("committed %d articles to %s", len(batch) - len(counts.failed), self.path)

    def _fail(self, message: str) -> None:
        """The store cannot be written: say so once and end the run (status: see health)."""
        self._stop_timer()
        self.buffer.clear()
        self.store = None  # the Run closes it when the engine stops
        if self.broken:
            return
        self.broken = message
        if self.run.note_store_failed(message):
            logger.error("%s", message)
            if self.stats is not None:
                self.stats.inc_value(keys.STORE_WRITE_FAILED)
        if self.crawler is not None:
            close_soon(self.crawler, "store_failed")

    def _stop_timer(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.timer = None

    def close_spider(self, spider: Spider | None = None) -> None:
        self._stop_timer()
        try:
            self.flush()
        finally:
            self.store = None  # the summary still records the run in it
            if self.owns_run:
                self.run.close()
        logger.info(
            "SQLite %s: %d new, %d updated, %d unchanged; %d linked as near-duplicates%s",
            self.path,
            self.totals.new,
            self.totals.updated,
            self.totals.unchanged,
            self.totals.near_duplicates,
            f"; {len(self.totals.failed)} not stored" if self.totals.failed else "",
        )
