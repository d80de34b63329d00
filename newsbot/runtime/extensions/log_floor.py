"""The root logger's level raised to the lowest level any of its handlers keeps, while the
crawl's engine runs.

Why: Scrapy leaves the root logger at ``NOTSET`` and filters in its handler, so every
``logger.debug`` call below ``LOG_LEVEL`` still builds a ``LogRecord`` (and Scrapy's log
formatter its message dict) only for each handler to drop it: two a page ("Crawled",
"Scraped from"), about 1% of a crawl process's samples at ``LOG_LEVEL = "INFO"``. With the root
at the handlers' floor, ``isEnabledFor`` answers first and nothing is built. What reaches any
handler is unchanged: a handler that keeps everything (level 0, as pytest's ``caplog``) keeps
the root at ``NOTSET``.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def handlers_floor(root: logging.Logger) -> int:
    """The lowest level a handler of ``root`` keeps (0, all of them, when it has none)."""
    return min((handler.level for handler in root.handlers), default=logging.NOTSET)


class LogLevelFloor:
    """Sets the root logger's level to :func:`handlers_floor` when the engine starts (every
    handler is installed by then, the log file's too) and puts it back when the engine stops."""

    def __init__(self) -> None:
        self.before: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LogLevelFloor:
        ext = cls()
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_started(self) -> None:
        root = logging.getLogger()
        floor = handlers_floor(root)
        if floor > root.level:
            self.before = root.level
            root.setLevel(floor)

    def engine_stopped(self) -> None:
        if self.before is not None:
            logging.getLogger().setLevel(self.before)
            self.before = None
