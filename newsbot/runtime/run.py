"""One crawl's shared state: what its components decide for each other, and its one store.

Stats only count (newsbot.runtime.stats_keys). A decision that one component makes and another
acts on — the lock is held, the previous run was interrupted, the store failed, the exit
status — is an attribute here, so it does not depend on the order signal handlers run in.
The crawl's one ``ArticleStore`` lives here too: the pipelines, the spider and the summary
share it, it is opened on first use and closed when the engine stops.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import cast

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from newsbot.store import ArticleStore

logger = logging.getLogger(__name__)

_ATTRIBUTE = "newsbot_run"


def lock_path(settings: BaseSettings) -> str:
    """``NEWSBOT_LOCK_PATH``, or ``<SQLITE_PATH>.lock`` when that is empty; "" without a store."""
    sqlite_path = settings.get("SQLITE_PATH")
    return str(settings.get("NEWSBOT_LOCK_PATH") or (f"{sqlite_path}.lock" if sqlite_path else ""))


@dataclass
class Run:
    """The state of one crawl; ``Run.of(crawler)`` finds (or makes) the crawler's own."""

    sqlite_path: str = ""
    #: Another run holds the lock (newsbot.runtime.extensions.lock): this one does nothing.
    lock_held: bool = False
    #: The last run for this site never finished (set by the summary; the spider walks all).
    previous_interrupted: bool = False
    #: Why the store cannot be written, once it failed (newsbot.pipelines.store); "" if it can.
    store_failed: str = ""
    #: The run's exit status once the summary has judged it (read by the crawl command).
    exit_code: int | None = None
    #: origin -> (status, body) of the robots.txt this run fetched (newsbot.runtime.middlewares
    #: RobotsTxtOnceMiddleware): the robots rules and the spider's ``Sitemap:`` lines share
    #: one request.
    robots_txt: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    _store: ArticleStore | None = field(default=None, repr=False)

    @classmethod
    def of(cls, crawler: Crawler) -> Run:
        run = getattr(crawler, _ATTRIBUTE, None)
        if run is None:
            run = cls(sqlite_path=crawler.settings.get("SQLITE_PATH"))
            setattr(crawler, _ATTRIBUTE, run)
            crawler.signals.connect(run.close, signal=signals.engine_stopped)
        assert isinstance(run, Run)
        return run

    def store(self) -> ArticleStore | None:
        """The crawl's store, opened (and migrated) on first use.

        None when there is none to use: no ``SQLITE_PATH``, another run holds the lock, or the
        store already failed. Opening raises ``sqlite3.Error`` or ``OSError`` when it cannot.
        """
        if not self.sqlite_path or self.lock_held or self.store_failed:
            return None
        if self._store is None:
            self._store = ArticleStore(self.sqlite_path)
        return self._store

    def note_store_failed(self, message: str) -> bool:
        """Record why the store cannot be written; True the first time (the caller says it)."""
        if self.store_failed:
            return False
        self.store_failed = message
        return True

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def close_soon(crawler: Crawler, reason: str) -> None:
    """Close the crawl with ``reason`` on the reactor's next turn.

    Not from inside a signal handler or an item's processing: the engine finishes that first.
    The reactor is imported here, not at import time: the crawl command's module imports this
    one before Scrapy installs its reactor.
    """
    from twisted.internet import reactor
    from twisted.internet.base import ReactorBase

    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    cast(ReactorBase, reactor).callLater(
        0, deferred_from_coro, engine.close_spider_async(reason=reason)
    )
