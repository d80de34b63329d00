"""Downloader middlewares: retries that back off; only the crawled site's own pages."""

from __future__ import annotations

import logging
from typing import cast
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet import reactor
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import deferLater

from newsbot.core.urls import same_site, site_of
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.render import page_url
from newsbot.runtime.run import Run

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

    #: What the waits are scheduled on; tests give an instance twisted.internet.task.Clock.
    clock: IReactorTime = cast(IReactorTime, reactor)

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSBOT_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("NEWSBOT_RETRY_BACKOFF_MAX")

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
                await deferred_to_future(deferLater(self.clock, delay, lambda: None))
        return result


class OffsiteRequest(IgnoreRequest):
    """A request dropped for leaving the site: logged and counted here, not an error."""


class SiteOnlyMiddleware:
    """Only the crawled site's own URLs are fetched; everything else is dropped here.

    Replaces Scrapy's OffsiteMiddleware, which lets ``dont_filter`` requests through (the
    spider's own requests carry it, as do retries and every redirect of them): a 301 from an
    article to another host was fetched and stored. Checked on every request that reaches the
    downloader — redirect targets, retries and robots.txt included — against the host of the
    spider's ``start_url`` (``www.`` and the port aside). A Splash request is judged by the page
    it renders, not by the Splash server it is sent to. Each dropped request is counted
    (``newsbot/offsite/filtered``); each foreign host is logged once.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.hosts_seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteOnlyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        home = str(getattr(spider, "start_url", "") or "")
        if not home:
            return  # not the district spider: nothing to judge by
        target = request.url
        splash_args = (request.meta.get("splash") or {}).get("args") or {}
        if request.meta.get("_splash_processed") and splash_args.get("url"):
            target = str(splash_args["url"])
        if same_site(target, home):
            return
        host = site_of(target) or target
        stats = self.crawler.stats
        if host not in self.hosts_seen:
            self.hosts_seen.add(host)
            via = request.meta.get("redirect_urls") or []
            logger.warning(
                "not fetching off-site host %s: %s%s (further URLs there are only counted)",
                host,
                target,
                f" (redirected from {via[0]})" if via else "",
            )
            if stats is not None:
                stats.inc_value(keys.OFFSITE_HOSTS)
        if stats is not None:
            stats.inc_value(keys.OFFSITE_FILTERED)
        raise OffsiteRequest(f"off-site: {target}")


def robots_origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL whose path is exactly ``/robots.txt``, else ""."""
    parts = urlsplit(url)
    if parts.path != "/robots.txt" or parts.query or parts.scheme not in ("http", "https"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


class RobotsTxtOnceMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt rules, with one robots.txt request per site for the whole run.

    Scrapy fetches robots.txt for its rules, and the spider reads the same file for its
    ``Sitemap:`` lines: two requests. Here every robots.txt response that reaches the crawl
    (Scrapy's own or the spider's) is kept on the crawl's ``Run`` (``robots_txt``); the spider
    reads it from there when it is already known, and the rules are built from the spider's
    response when that came first. No request is answered from memory, so Scrapy's
    ``downloader/`` counts stay the requests the site really got.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.run = Run.of(crawler)
        self.parser_class = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        #: netloc -> rules built from a robots.txt the spider fetched itself
        self.shared: dict[str, RobotParser] = {}
        #: netlocs whose rules Scrapy's own robots.txt request gives (asked, or being asked)
        self.by_scrapy: set[str] = set()

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self.shared:
            return self.shared[netloc]
        if netloc in self.by_scrapy:
            return await super().robot_parser(request)
        known = self.run.robots_txt.get(f"{url.scheme}://{netloc}")
        if known is not None and known[0] < 500:
            parser: RobotParser = build_from_crawler(self.parser_class, self.crawler, known[1])
            self.shared[netloc] = parser
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(keys.ROBOTS_SHARED)
            logger.debug("robots.txt of %s: the rules come from the spider's own request", netloc)
            await self.crawler.signals.send_catch_log_async(
                signal=signals.robots_parsed, robotparser=parser, request=request
            )
            return parser
        self.by_scrapy.add(netloc)
        return await super().robot_parser(request)

    def process_response(self, request: Request, response: Response) -> Response:
        """Keep this run's robots.txt answer (after retries and decompression)."""
        if response.status >= 500:
            return response  # says nothing about the rules; asked again when needed
        asked = [*request.meta.get("redirect_urls", ())[:1], request.url]  # before a redirect
        for origin in {robots_origin(url) for url in asked} - {""}:
            self.run.robots_txt.setdefault(origin, (response.status, response.body))
        return response
