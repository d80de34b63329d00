"""A rotating log file for unattended runs, switched on by ``NEWSBOT_LOG_FILE``."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


class RotatingLogFile:
    """Adds a size-rotated file handler to the root logger for the crawler's lifetime."""

    def __init__(self, path: Path, max_bytes: int, backups: int, level: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handler = RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        self.handler.setLevel(level)
        self.handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logging.getLogger().addHandler(self.handler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RotatingLogFile:
        s = crawler.settings
        path = s.get("NEWSBOT_LOG_FILE")
        if not path:
            raise NotConfigured  # the default: Scrapy's own logging, and no warning about it
        ext = cls(
            Path(path),
            max_bytes=s.getint("NEWSBOT_LOG_MAX_BYTES"),
            backups=s.getint("NEWSBOT_LOG_BACKUPS"),
            level=s.get("NEWSBOT_LOG_LEVEL") or s.get("LOG_LEVEL"),
        )
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self, spider: Spider | None = None) -> None:
        logging.getLogger().removeHandler(self.handler)
        self.handler.close()
