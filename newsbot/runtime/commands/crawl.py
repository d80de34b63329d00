"""``scrapy crawl`` whose exit status tells cron how the run went (see newsbot.runtime.health)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from newsbot.runtime.extensions.summary import RunSummary
from newsbot.runtime.health import EXIT_STORE
from newsbot.runtime.run import Run, lock_path
from newsbot.store import StoreUnavailable, check_store

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; the exit status reports the run's health (see README)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        assert self.settings is not None
        problem = _store_problem(self.settings)
        if problem:
            logger.error("newsbot: %s (exit %d)", problem, EXIT_STORE)
            self.exitcode = EXIT_STORE
            return
        crawler = self.crawler_process.create_crawler(args[0])
        _one_line_for_mistakes(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        self.exitcode = verdict(crawler)


def verdict(crawler: Crawler) -> int:
    """The exit status of a crawl that has run: the summary's (on the crawl's Run)."""
    if crawler.get_extension(RunSummary) is None:  # switched off in EXTENSIONS: none asked for
        return 0
    exit_code = Run.of(crawler).exit_code
    if exit_code is None:  # the run ended before it could be judged
        logger.error("newsbot run ended without a verdict: exit 1")
        return 1
    return exit_code


def _store_problem(settings: BaseSettings) -> str:
    """Why the store or its lock cannot be used, in one line; "" when it can (or is off)."""
    path = settings.get("SQLITE_PATH")
    if not path:
        return ""
    try:
        check_store(path, lock_path(settings))
    except StoreUnavailable as exc:
        return str(exc)
    return ""


def _one_line_for_mistakes(started: Any) -> None:
    """An operator's mistake (a bad ``-a`` argument or setting: ValueError) as one error line.

    Without this asyncio prints the whole traceback of the failed start. The exit status stays
    Scrapy's 1. Other exceptions keep their traceback. Scrapy runs crawls as asyncio tasks
    under the asyncio reactor; anything else is left as it is.
    """
    if not isinstance(started, asyncio.Future):
        return

    def report(task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            return
        error = task.exception()  # retrieved: asyncio does not print it again
        if isinstance(error, ValueError):
            logger.error("newsbot cannot start: %s", error)
            logger.debug("newsbot cannot start", exc_info=error)
        elif error is not None:
            logger.error("crawl failed to start", exc_info=error)

    started.add_done_callback(report)
