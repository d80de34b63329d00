"""Downloader middlewares: retries that back off; only the crawled site's own pages."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
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

from newsbot.core.dates import utc_now
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

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        """Scrapy's retry; giving up on a robots.txt is a WARNING, not its ERROR: the run goes
        on, under the store's older copy (``RobotsTxtOnceMiddleware`` names it in the next
        line) or, without one, allowing all, as Scrapy does."""
        if urlparse_cached(request).path == "/robots.txt":
            request.meta.setdefault("give_up_log_level", "WARNING")
        return super()._retry(request, reason)

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


#: RFC 9309 §2.5: a parsing limit of at least 500 KiB; a longer robots.txt is not remembered.
ROBOTS_REMEMBER_MAX_BYTES = 500 * 1024


class RobotsForbidden(IgnoreRequest):
    """robots.txt forbids this URL: the site's wish, not a failure of the run."""


class _NoTraceback(logging.Filter):
    """Scrapy's robots middleware logs a robots.txt that cannot be downloaded (the site is
    down, a timeout) as an ERROR with a traceback; a network error needs one WARNING line:
    the run goes on, under the store's older copy (named in the next line) or allowing all."""

    def __init__(self, network_errors: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.network_errors = network_errors

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, self.network_errors):
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def unreachable(status: int) -> bool:
    """A robots.txt answer that means the file could not be had (RFC 9309 §2.3.1.3: a server
    error; and a 429, rate limited), not that the site has none."""
    return status >= 500 or status == 429


def says_rules(status: int) -> bool:
    """A robots.txt answer that says something about the rules: a file (2xx), or none (4xx,
    allow all, as Scrapy reads it). Not a 429 (rate limited), a 3xx left over, a 5xx."""
    return 200 <= status < 300 or (400 <= status < 500 and status != 429)


class RobotsTxtOnceMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt rules, with one robots.txt request per site, and none within
    ``NEWSBOT_ROBOTS_MAX_AGE_HOURS`` of the last one (RFC 9309 §2.4 allows 24 h).

    Scrapy fetches robots.txt for its rules, and the spider reads the same file for its
    ``Sitemap:`` lines: two requests. Here every robots.txt response that reaches the crawl
    (Scrapy's own or the spider's) is kept on the crawl's ``Run`` (``robots_txt``); the spider
    reads it from there when it is already known, and the rules are built from the spider's
    response when that came first. Each answer about the rules (``says_rules``) is also written
    to the store as it arrives (a killed run keeps it), and when the spider opens, the store's
    copies younger than the max age are put on the ``Run`` before any request. No request is
    answered from memory, so Scrapy's ``downloader/`` counts stay the requests the site got.

    When robots.txt is unreachable (``unreachable``, or a network failure after the retries),
    Scrapy allows everything (it parses the error page as a robots.txt, or has no parser).
    RFC 9309 §2.4 lets a crawler keep a cached copy past its max age then: a store copy of up
    to ``NEWSBOT_ROBOTS_STALE_DAYS`` gives the rules and the ``Sitemap:`` lines instead.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.run = Run.of(crawler)
        self.parser_class = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        self.max_age_hours = crawler.settings.getfloat("NEWSBOT_ROBOTS_MAX_AGE_HOURS")
        self.stale_days = crawler.settings.getfloat("NEWSBOT_ROBOTS_STALE_DAYS")
        #: origin -> (status, body, fetched_at) of store copies past the max age but within
        #: the stale bound: used only if this run cannot reach that robots.txt
        self.stale: dict[str, tuple[int, bytes, str]] = {}
        #: origins whose rules this run took from such a copy
        self.stale_used: set[str] = set()
        #: netloc -> rules built from a robots.txt the spider fetched itself or the store kept
        self.shared: dict[str, RobotParser] = {}
        #: netlocs whose rules Scrapy's own robots.txt request gives (asked, or being asked)
        self.by_scrapy: set[str] = set()
        #: origins whose robots.txt this run took from the store
        self.remembered: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        network_errors = tuple(
            load_object(e) if isinstance(e, str) else e
            for e in crawler.settings.getlist("RETRY_EXCEPTIONS")
        )
        scrapy_log = logging.getLogger(RobotsTxtMiddleware.__module__)
        for old in [f for f in scrapy_log.filters if isinstance(f, _NoTraceback)]:
            scrapy_log.removeFilter(old)  # one per process, whichever crawl came last
        scrapy_log.addFilter(_NoTraceback(network_errors))

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        """Scrapy's check, raising RobotsForbidden so the spider can tell it from a failure."""
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise RobotsForbidden(str(exc)) from exc

    def spider_opened(self, spider: Spider) -> None:
        """The store's robots.txt copies younger than the max age (those of the spider's site)
        go on the ``Run``: the spider opens after this, so nothing has been requested yet.
        Older ones within the stale bound are kept aside, for a robots.txt that fails."""
        now = datetime.now(UTC)
        fresh = now - timedelta(hours=self.max_age_hours) if self.max_age_hours > 0 else None
        stale = now - timedelta(days=self.stale_days) if self.stale_days > 0 else None
        oldest = min((t for t in (fresh, stale) if t is not None), default=None)
        if oldest is None:
            return  # 0 and 0: ask every run, and nothing to fall back on
        try:
            store = self.run.store()
            since = oldest.replace(microsecond=0).isoformat()
            kept = store.robots_txt_since(since) if store is not None else []
        except (sqlite3.Error, OSError) as exc:
            logger.warning("robots.txt: the remembered copies cannot be read (%s): asking", exc)
            return
        home = str(getattr(spider, "start_url", "") or "")
        for origin, status, body, fetched_at in kept:
            if home and not same_site(origin, home):
                continue
            if fresh is None or datetime.fromisoformat(fetched_at) < fresh:
                self.stale[origin] = (status, body, fetched_at)
                continue
            self.run.robots_txt[origin] = (status, body)
            self.remembered.add(origin)
            age = (now - datetime.fromisoformat(fetched_at)).total_seconds() / 3600
            logger.info("robots.txt of %s: the copy of %s (%.1f h old)", origin, fetched_at, age)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(keys.ROBOTS_REMEMBERED)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self.shared:
            return self.shared[netloc]
        origin = f"{url.scheme}://{netloc}"
        if netloc not in self.by_scrapy:
            known = self.run.robots_txt.get(origin)
            if known is not None and known[0] < 500:
                return await self._share(netloc, origin, request)
            self.by_scrapy.add(netloc)
        parser = await super().robot_parser(request)
        if origin not in self.stale_used:
            return parser
        # Scrapy's robots.txt request failed: its "no rules" give way to the older copy's.
        shared = self.shared.get(netloc)
        return shared if shared is not None else await self._share(netloc, origin, request)

    async def _share(self, netloc: str, origin: str, request: Request) -> RobotParser:
        """Rules built once from the run's copy of ``origin``'s robots.txt, for every request."""
        body = self.run.robots_txt[origin][1]
        parser: RobotParser = build_from_crawler(self.parser_class, self.crawler, body)
        self.shared[netloc] = parser
        if origin in self.remembered:
            logger.debug("robots.txt of %s: the rules come from the store's copy", netloc)
        elif origin in self.stale_used:
            logger.debug("robots.txt of %s: the rules come from the store's older copy", netloc)
        else:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(keys.ROBOTS_SHARED)
            logger.debug("robots.txt of %s: the rules come from the spider's request", netloc)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    def process_response(self, request: Request, response: Response) -> Response:
        """Keep this run's robots.txt answer (after retries and decompression), and in the
        store when it says something about the rules."""
        origins = self._robots_origins(request)
        if unreachable(response.status):
            for origin in origins:
                self._use_stale(origin, f"HTTP {response.status}")
        if response.status >= 500:
            return response  # says nothing about the rules; asked again when needed
        for origin in origins:
            if origin in self.run.robots_txt:
                continue
            self.run.robots_txt[origin] = (response.status, response.body)
            if says_rules(response.status):
                self._remember(origin, response.status, response.body)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """robots.txt could not be fetched at all (a timeout, no connection), retries spent."""
        if not isinstance(exception, IgnoreRequest):
            for origin in self._robots_origins(request):
                self._use_stale(origin, type(exception).__name__)

    @staticmethod
    def _robots_origins(request: Request) -> set[str]:
        """The origins whose robots.txt this request asked for (before a redirect, too)."""
        asked = [*request.meta.get("redirect_urls", ())[:1], request.url]
        return {robots_origin(url) for url in asked} - {""}

    def _use_stale(self, origin: str, why: str) -> None:
        """An unreachable robots.txt: the store's copy within the stale bound stands in for
        this run (its rules, its ``Sitemap:`` lines); said once. None: Scrapy's way."""
        copy = self.stale.pop(origin, None)
        if copy is None or origin in self.run.robots_txt:
            return
        status, body, fetched_at = copy
        self.run.robots_txt[origin] = (status, body)
        self.stale_used.add(origin)
        age = (datetime.now(UTC) - datetime.fromisoformat(fetched_at)).total_seconds() / 86400
        logger.warning(
            "robots.txt of %s unreachable (%s): obeying the copy of %s (%.1f days old; "
            "NEWSBOT_ROBOTS_STALE_DAYS=%g)",
            origin,
            why,
            fetched_at,
            age,
            self.stale_days,
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(keys.ROBOTS_STALE_COPY)

    def _remember(self, origin: str, status: int, body: bytes) -> None:
        """Write one answer to the store; a store that cannot take it costs a request later."""
        if len(body) > ROBOTS_REMEMBER_MAX_BYTES:
            logger.warning(
                "robots.txt of %s: %d bytes, over %d: not remembered (asked again next run)",
                origin,
                len(body),
                ROBOTS_REMEMBER_MAX_BYTES,
            )
            return
        try:
            store = self.run.store()
            if store is not None:
                store.note_robots_txt(origin, status, body, utc_now())
        except (sqlite3.Error, OSError) as exc:
            logger.warning("robots.txt of %s: could not be remembered: %s", origin, exc)
