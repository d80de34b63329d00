"""Downloader middlewares: retries that back off instead of hammering a struggling site."""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from newsbot.render import page_url

logger = logging.getLogger(__name__)


def backoff_delay(attempt: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): Retry-After, else base*2^(n-1)."""
    if retry_after:
        try:
            return max(0.0, min(cap, float(retry_after.strip())))
        except ValueError:
            pass  # an HTTP-date Retry-After: fall back to exponential
    return max(0.0, min(cap, base * 2 ** max(0, attempt - 1)))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting (without blocking the reactor) before each retry."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSBOT_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("NEWSBOT_RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        return mw

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            attempt = result.meta.get("retry_times", 1)
            header = response.headers.get(b"Retry-After")
            delay = backoff_delay(
                attempt,
                self.backoff_base,
                self.backoff_max,
                header.decode("latin-1") if header else None,
            )
            if delay > 0:
                logger.info(
                    "HTTP %s for %s: retry %s in %.1fs",
                    response.status,
                    page_url(request),  # the page, also when Splash's endpoint was asked
                    attempt,
                    delay,
                )
                await deferred_to_future(deferLater(reactor, delay, lambda: None))
        return result
