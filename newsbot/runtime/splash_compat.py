"""scrapy-splash 0.11.1 (its newest release) made to run on Scrapy 2.14 to 2.19.

No installed file is edited. What breaks on current Scrapy, and what this module does about it:

1. ``scrapy_splash.dupefilter`` and ``scrapy_splash.request`` do
   ``from scrapy.utils.url import canonicalize_url``, a re-export of w3lib's function that
   Scrapy deprecated (2.14 warns) and 2.16 removed: ``import scrapy_splash`` fails
   (scrapy-plugins/scrapy-splash#332). :func:`import_scrapy_splash` puts w3lib's function
   back under that name, then imports.
2. ``SplashMiddleware._get_slot_key`` calls ``Downloader._get_slot_key(request, None)``, which
   Scrapy 2.14 removed; the public ``get_slot_key(request)`` does the same job.
3. ``SplashDeduplicateArgsMiddleware.process_start_requests`` is never called since Scrapy
   2.13 replaced it with ``process_start`` (and 2.19 no longer knows the old name), so
   ``spider.state`` lacks the argument cache and a request with ``cache_args`` (the Lua
   source) fails with ``KeyError: '_splash_local_values'``. ``process_start`` is added.
4. Every middleware method takes a required ``spider`` argument, which Scrapy 2.14+ warns
   about at start-up and will stop passing; here ``spider`` is optional and taken from the
   crawler.

Only imported when Splash is switched on, so plain runs do not import scrapy-splash.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Iterable
from types import ModuleType
from typing import Any

import scrapy.utils.url
import w3lib.url

logger = logging.getLogger(__name__)


def import_scrapy_splash() -> ModuleType:
    """``scrapy_splash``, importable whatever Scrapy removed from ``scrapy.utils.url``."""
    # Not hasattr(): on Scrapy 2.14-2.15 the name is a module __getattr__ that warns on each use.
    if "canonicalize_url" not in vars(scrapy.utils.url):
        scrapy.utils.url.canonicalize_url = w3lib.url.canonicalize_url  # type: ignore[attr-defined]
    return importlib.import_module("scrapy_splash")


_ss: Any = import_scrapy_splash()  # untyped: subclassed below


class SplashMiddleware(_ss.SplashMiddleware):
    """scrapy-splash's downloader middleware with the public slot-key API (fix 2 and 4)."""

    def _get_slot_key(self, request_or_response: Any) -> str:
        return str(self.crawler.engine.downloader.get_slot_key(request_or_response))

    def process_request(self, request: Any, spider: Any = None) -> Any:
        return super().process_request(request, spider or self.crawler.spider)

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        return super().process_response(request, response, spider or self.crawler.spider)


class SplashCookiesMiddleware(_ss.SplashCookiesMiddleware):
    """scrapy-splash's cookie middleware, remembering its crawler for the spider (fix 4)."""

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SplashCookiesMiddleware:
        middleware = cls(debug=crawler.settings.getbool("SPLASH_COOKIES_DEBUG"))
        middleware.crawler = crawler
        return middleware

    def process_request(self, request: Any, spider: Any = None) -> Any:
        return super().process_request(request, spider or self.crawler.spider)

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        return super().process_response(request, response, spider or self.crawler.spider)


class SplashDeduplicateArgsMiddleware(_ss.SplashDeduplicateArgsMiddleware):
    """scrapy-splash's spider middleware with Scrapy 2.13+'s ``process_start`` (fix 3 and 4)."""

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SplashDeduplicateArgsMiddleware:
        middleware = cls()
        middleware.crawler = crawler
        return middleware

    def _state(self, spider: Any) -> None:
        if not hasattr(spider, "state"):
            spider.state = {}
        spider.state.setdefault(self.local_values_key, {})

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.crawler.spider
        self._state(spider)
        async for item_or_request in start:
            yield self._process_request(item_or_request, spider)

    def process_spider_output(
        self, response: Any, result: Iterable[Any], spider: Any = None
    ) -> Iterable[Any]:
        spider = spider or self.crawler.spider
        self._state(spider)  # also for a spider whose start() bypassed process_start
        yield from super().process_spider_output(response, result, spider)

    async def process_spider_output_async(
        self, response: Any, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        spider = spider or self.crawler.spider
        self._state(spider)
        async for element in result:
            if isinstance(element, scrapy.Request):
                yield self._process_request(element, spider)
            else:
                yield element


SplashRequest = _ss.SplashRequest
SplashRequestFingerprinter = _ss.SplashRequestFingerprinter
