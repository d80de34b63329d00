"""JavaScript rendering of listing and article pages: Splash (scrapy-splash) or Playwright.

Off by default: the outlet's pages are server-rendered. ``SPLASH_URL`` (scrapy-splash's own
setting) switches Splash on; ``NEWSBOT_RENDERER=playwright`` uses scrapy-playwright with Debian's
chromium instead, for scripts that Splash's 2016 WebKit cannot run. Which page types are
rendered is per site (``render`` in profiles.toml) unless ``NEWSBOT_RENDER_PAGES`` says so for
every site. robots.txt, feeds, sitemaps and the REST API are always fetched directly, and
everything after the download (extraction, pipelines) is unchanged.

Splash pages go through one Lua script (``NEWSBOT_SPLASH_LUA``, on Splash's ``execute``
endpoint): unlike ``render.html``, which answers 200 with the body of a page that was a 404,
it hands the page's own HTTP status back, and on listing pages it scrolls until no new links
appear. A render that fails (Splash's 504 render timeout, its 502, Splash unreachable, a browser
error) is retried like any download, then logged with the page's URL and counted under
``newsbot/render/failed/…``; a run whose renders all failed is unhealthy (newsbot.runtime.health).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from newsbot.runtime import stats_keys as keys

logger = logging.getLogger(__name__)

RENDERERS = ("", "splash", "playwright", "none")
PAGE_CHOICES = {
    "listing": frozenset({"listing"}),
    "article": frozenset({"article"}),
    "both": frozenset({"listing", "article"}),
    "none": frozenset(),
}
#: Header the Lua script sets when Splash could not load the page at all (not an HTTP status).
RENDER_ERROR_HEADER = "X-Newsbot-Render-Error"

#: scrapy-splash's documented middleware set-up, through runtime.splash_compat for Scrapy 2.19.
_SPLASH_DOWNLOADER_MIDDLEWARES = {
    "newsbot.runtime.splash_compat.SplashCookiesMiddleware": 723,
    "newsbot.runtime.splash_compat.SplashMiddleware": 725,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
}
_SPLASH_SPIDER_MIDDLEWARES = {"newsbot.runtime.splash_compat.SplashDeduplicateArgsMiddleware": 100}
#: Between the retry middleware (550) and Splash's (725): sees each attempt's outcome.
_ACCOUNTING = {"newsbot.runtime.render.RenderAccounting": 600}
_PLAYWRIGHT_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
#: Scroll to the bottom until the page's link count stops growing (at most ``rounds`` times).
_SCROLL_JS = """async ([rounds, waitMs]) => {
  let links = -1;
  for (let i = 0; i < rounds && document.links.length !== links; i++) {
    links = document.links.length;
    window.scrollTo(0, document.body.scrollHeight);
    await new Promise((done) => setTimeout(done, waitMs));
  }
  return document.links.length;
}"""
_SCROLL_ROUNDS = 5


@dataclass(frozen=True)
class RenderConfig:
    """The rendering settings, checked: ``from_settings`` raises ValueError on a mistake."""

    renderer: str  # "splash", "playwright" or "" (off)
    splash_url: str
    pages: str  # NEWSBOT_RENDER_PAGES: "" = each profile's own choice
    wait: float
    timeout: float
    lua: str

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RenderConfig:
        if settings.get("NEWSBOT_SPLASH_URL"):
            raise ValueError("NEWSBOT_SPLASH_URL was renamed SPLASH_URL (scrapy-splash's name)")
        if settings.get("NEWSBOT_SPLASH_WAIT"):
            raise ValueError("NEWSBOT_SPLASH_WAIT was renamed NEWSBOT_RENDER_WAIT")
        choice = str(settings.get("NEWSBOT_RENDERER")).strip().lower()
        if choice not in RENDERERS:
            raise ValueError(f"NEWSBOT_RENDERER must be splash, playwright or none: {choice!r}")
        splash_url = str(settings.get("SPLASH_URL") or "").strip()
        if choice == "":
            choice = "splash" if splash_url else ""
        elif choice == "none":
            choice = ""
        if choice == "splash" and not splash_url:
            raise ValueError(
                "NEWSBOT_RENDERER=splash needs SPLASH_URL (e.g. http://127.0.0.1:8050)"
            )
        pages = str(settings.get("NEWSBOT_RENDER_PAGES")).strip().lower()
        if pages and pages not in PAGE_CHOICES:
            raise ValueError(
                f"NEWSBOT_RENDER_PAGES must be listing, article, both or none: {pages!r}"
            )
        wait = settings.getfloat("NEWSBOT_RENDER_WAIT")
        timeout = settings.getfloat("NEWSBOT_RENDER_TIMEOUT")
        if not 0 <= wait < timeout:
            raise ValueError(
                f"NEWSBOT_RENDER_WAIT ({wait}) must be at least 0 and below "
                f"NEWSBOT_RENDER_TIMEOUT ({timeout})"
            )
        return cls(
            choice, splash_url, pages, wait, timeout, str(settings.get("NEWSBOT_SPLASH_LUA"))
        )


def _merge(settings: BaseSettings, name: str, extra: dict[str, Any]) -> None:
    merged = dict(settings.getdict(name))
    merged.update(extra)
    settings.set(name, merged, priority="spider")


def configure(settings: BaseSettings) -> None:
    """Install the renderer's components in the crawler's settings (before they are frozen).

    A mistaken setting installs nothing here; the spider refuses it with one clear line.
    """
    try:
        config = RenderConfig.from_settings(settings)
    except ValueError:
        return
    if config.renderer == "splash":
        _merge(
            settings, "DOWNLOADER_MIDDLEWARES", {**_SPLASH_DOWNLOADER_MIDDLEWARES, **_ACCOUNTING}
        )
        _merge(settings, "SPIDER_MIDDLEWARES", _SPLASH_SPIDER_MIDDLEWARES)
        settings.set(
            "REQUEST_FINGERPRINTER_CLASS", "scrapy_splash.SplashRequestFingerprinter", "spider"
        )
        logger.info("rendering pages through Splash at %s", config.splash_url)
    elif config.renderer == "playwright":
        _merge(settings, "DOWNLOAD_HANDLERS", _PLAYWRIGHT_HANDLERS)
        _merge(settings, "DOWNLOADER_MIDDLEWARES", _ACCOUNTING)
        settings.set(
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", config.timeout * 1000, priority="spider"
        )
        # A browser that crashed or timed out is worth another try, like a dropped connection.
        retry = list(settings.getlist("RETRY_EXCEPTIONS"))
        settings.set("RETRY_EXCEPTIONS", [*retry, "playwright.async_api.Error"], "spider")
        logger.info(
            "rendering pages through Playwright (%s)",
            settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS").get("executable_path", "its chromium"),
        )


def check_installed(config: RenderConfig) -> None:
    """The renderer's Python package is there (a clear line instead of a traceback)."""
    module = {"splash": "newsbot.runtime.splash_compat", "playwright": "scrapy_playwright"}.get(
        config.renderer
    )
    if module is None:
        return
    try:
        __import__(module)
    except ImportError as error:
        extra = "pip install -e '.[playwright]'" if config.renderer == "playwright" else ""
        raise ValueError(
            f"NEWSBOT_RENDERER={config.renderer} cannot import {error.name}: {extra}".rstrip(": ")
        ) from error


class PageRenderer:
    """Builds the request for a listing or article page: rendered or plain, per site."""

    def __init__(self, config: RenderConfig, profile_pages: str) -> None:
        self.config = config
        choice = config.pages or profile_pages
        self.pages = PAGE_CHOICES[choice] if config.renderer else frozenset()

    @classmethod
    def from_settings(cls, settings: BaseSettings, profile_pages: str) -> PageRenderer:
        config = RenderConfig.from_settings(settings)
        check_installed(config)
        renderer = cls(config, profile_pages)
        if config.renderer:
            logger.info(
                "%s renders %s pages (wait %.1fs, timeout %.0fs)",
                config.renderer,
                " and ".join(sorted(renderer.pages)) or "no",
                config.wait,
                config.timeout,
            )
        return renderer

    def request(self, url: str, callback: Any, kind: str, **kwargs: Any) -> Request:
        """A plain Request, or one that the configured renderer will render."""
        if kind not in self.pages:
            return scrapy.Request(url, callback=callback, **kwargs)
        if self.config.renderer == "playwright":
            return self._playwright(url, callback, kind, **kwargs)
        return self._splash(url, callback, kind, **kwargs)

    def _splash(self, url: str, callback: Any, kind: str, **kwargs: Any) -> Request:
        from newsbot.runtime.splash_compat import SplashRequest

        args = {
            "lua_source": self.config.lua,
            "wait": self.config.wait,
            "timeout": self.config.timeout,
            "kind": kind,
            "scrolls": _SCROLL_ROUNDS,
        }
        return SplashRequest(
            url,
            callback=callback,
            endpoint="execute",
            args=args,
            cache_args=["lua_source"],
            splash_url=self.config.splash_url,
            **kwargs,
        )

    def _playwright(self, url: str, callback: Any, kind: str, **kwargs: Any) -> Request:
        from scrapy_playwright.page import PageMethod

        wait_ms = round(self.config.wait * 1000)
        methods = [PageMethod("wait_for_timeout", wait_ms)]
        if kind == "listing":
            methods.append(PageMethod("evaluate", _SCROLL_JS, [_SCROLL_ROUNDS, wait_ms]))
        meta = dict(kwargs.pop("meta", None) or {})
        meta.update(playwright=True, playwright_page_methods=methods)
        return scrapy.Request(url, callback=callback, meta=meta, **kwargs)


def renderer_of(request: Request) -> str:
    """Which renderer a request went through ("" for a plain download)."""
    if "splash" in request.meta:
        return "splash"
    if request.meta.get("playwright"):
        return "playwright"
    return ""


def page_url(request: Request) -> str:
    """The page's own URL, also for a request rewritten to Splash's endpoint."""
    splash = request.meta.get("splash")
    if isinstance(splash, dict):
        url = splash.get("args", {}).get("url")
        if url:
            return str(url)
    return request.url


def render_error(response: Response) -> str:
    """Why a rendered response is Splash's failure, not the page's ("" when it is the page's).

    Splash's own errors are JSON (``{"error": 504, "type": "GlobalTimeoutError", …}``); the Lua
    script marks a page it could not load at all with ``X-Newsbot-Render-Error``.
    """
    request = response.request
    if request is None or "splash" not in request.meta:
        return ""
    marked = response.headers.get(RENDER_ERROR_HEADER)
    if marked:
        return f"{response.status} {marked.decode('latin-1')}"
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    if response.status >= 400 and "json" in content_type:
        try:
            data = json.loads(response.body)
        except ValueError:
            return f"{response.status} unreadable Splash error"
        if isinstance(data, dict):
            info = data["info"] if isinstance(data.get("info"), dict) else {}
            detail = info.get("text") or info.get("message") or data.get("description", "")
            return f"{response.status} {data.get('type', 'error')} {detail}".strip()
    return ""


class RenderAccounting:
    """Counts each render attempt's outcome (``newsbot/render/…``); the spider logs the last."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderAccounting:
        return cls(crawler)

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def process_response(self, request: Request, response: Response) -> Response:
        renderer = renderer_of(request)
        if not renderer:
            return response
        if response.request is None:
            response.request = request
        error = render_error(response)
        if error:
            self._inc(keys.RENDER_ATTEMPT_FAILED + str(response.status))
            logger.info("%s could not render %s: %s", renderer, page_url(request), error)
        else:
            self._inc(keys.RENDER_RENDERED)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        renderer = renderer_of(request)
        if renderer:
            self._inc(keys.RENDER_ATTEMPT_FAILED + type(exception).__name__)
            logger.info("%s could not render %s: %s", renderer, page_url(request), exception)
