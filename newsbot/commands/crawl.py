"""``scrapy crawl`` whose exit status tells cron how the run went (see newsbot.health)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; the exit status reports the run's health (see README)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        _one_line_for_mistakes(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        self.exitcode = int(stats.get("newsbot/exit_code", 0))


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
