"""``scrapy crawl`` whose exit status tells cron how the run went (see newsbot.health)."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsbot.extensions.summary import RunSummary

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider; the exit status reports the run's health (see README)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        summary = crawler.get_extension(RunSummary)
        if summary is None:  # switched off in EXTENSIONS: no verdict asked for
            self.exitcode = 0
            return
        if summary.exit_code is None:  # the run ended before it could be judged
            logger.error("newsbot run ended without a verdict: exit 1")
            self.exitcode = 1
            return
        self.exitcode = summary.exit_code
