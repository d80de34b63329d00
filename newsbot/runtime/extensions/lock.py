"""One writer at a time: a file lock next to the database, held for the whole run."""

from __future__ import annotations

import logging
from pathlib import Path

from filelock import FileLock, Timeout
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.runtime.run import Run, close_soon, lock_path

logger = logging.getLogger(__name__)


class RunLock:
    """Takes ``<SQLITE_PATH>.lock`` (or ``NEWSBOT_LOCK_PATH``) when the crawler is built.

    If another run holds it, the crawl's ``Run`` says so (``lock_held``), nothing is fetched or
    stored, and the run closes at once with reason ``lock_held``: exit status 3.
    """

    def __init__(self, crawler: Crawler, path: Path, run: Run) -> None:
        self.crawler = crawler
        self.path = path
        self.run = run
        self.lock = FileLock(str(path))
        self.held = False
        self.unusable = ""  # why the lock cannot be created (the run then does nothing)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.lock.acquire(timeout=0)
            self.held = True
        except Timeout:
            logger.error("another newsbot run holds %s: this run does nothing", path)
            run.lock_held = True
        except OSError as exc:  # after Timeout, an OSError too: a read-only or missing directory
            self.unusable = f"cannot create the run lock {path}: {exc.strerror or exc}"
            logger.error("%s", self.unusable)
            run.store_failed = self.unusable

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLock:
        path = lock_path(crawler.settings)
        if not path:
            raise NotConfigured("no SQLITE_PATH and no NEWSBOT_LOCK_PATH: nothing to lock")
        ext = cls(crawler, Path(path), Run.of(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if not self.held:
            close_soon(self.crawler, "store_failed" if self.unusable else "lock_held")

    def spider_closed(self, spider: Spider) -> None:
        if self.held:
            self.lock.release()
            self.held = False
