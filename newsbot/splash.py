"""JavaScript rendering through Splash (scrapy-splash), switched on by ``NEWSBOT_SPLASH_URL``.

Off by default: the outlet's pages are server-rendered. With the setting, listing and article
pages are fetched through Splash's ``render.html`` (robots.txt is still fetched directly), and
everything after the download — extraction, pipelines — is unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

import scrapy
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: scrapy-splash's documented middleware set-up.
_DOWNLOADER_MIDDLEWARES = {
    "scrapy_splash.SplashCookiesMiddleware": 723,
    "newsbot.splash_middleware.SplashMiddleware": 725,  # scrapy-splash, fixed for 2.14+
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
}
_SPIDER_MIDDLEWARES = {"scrapy_splash.SplashDeduplicateArgsMiddleware": 100}


def enabled(settings: BaseSettings) -> bool:
    return bool(settings.get("NEWSBOT_SPLASH_URL"))


def configure(settings: BaseSettings) -> None:
    """Add scrapy-splash's middlewares to the crawler's settings (before they are frozen)."""
    if not enabled(settings):
        return
    settings.set("SPLASH_URL", settings["NEWSBOT_SPLASH_URL"], priority="spider")
    for name, key in (
        ("DOWNLOADER_MIDDLEWARES", _DOWNLOADER_MIDDLEWARES),
        ("SPIDER_MIDDLEWARES", _SPIDER_MIDDLEWARES),
    ):
        merged = dict(settings.getdict(name))
        merged.update(key)
        settings.set(name, merged, priority="spider")
    logger.info("rendering pages through Splash at %s", settings["NEWSBOT_SPLASH_URL"])


def page_request(
    url: str, callback: Any, settings: BaseSettings | None, **kwargs: Any
) -> scrapy.Request:
    """A plain Request, or a SplashRequest to render.html when Splash is switched on."""
    if settings is None or not enabled(settings):
        return scrapy.Request(url, callback=callback, **kwargs)
    from scrapy_splash import SplashRequest

    wait = settings.getfloat("NEWSBOT_SPLASH_WAIT", 0.5)
    return SplashRequest(
        url, callback=callback, endpoint="render.html", args={"wait": wait}, **kwargs
    )
