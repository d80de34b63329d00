"""The rendering pieces without a crawl: settings, request building, error reading, health,
scrapy-splash's compatibility layer and the Splash launcher's command line."""

from __future__ import annotations

import json

import pytest
import scrapy.utils.url
import w3lib.url
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.settings import Settings

from newsbot import settings as project_settings
from newsbot.runtime import render
from newsbot.runtime.health import EXIT_RENDER_FAILED, Thresholds, assess
from newsbot.runtime.profiles import _build, get_profile
from newsbot.runtime.splash_server import _loads_without_encoding, splash_argv


def settings(**values: object) -> Settings:
    s = Settings()
    s.setmodule(project_settings)
    s.update(values)
    return s


def test_defaults_render_nothing_and_splash_url_switches_splash_on() -> None:
    assert render.RenderConfig.from_settings(settings()).renderer == ""
    config = render.RenderConfig.from_settings(settings(SPLASH_URL="http://127.0.0.1:8050"))
    assert (config.renderer, config.wait, config.timeout) == ("splash", 0.5, 30.0)
    off = settings(SPLASH_URL="http://127.0.0.1:8050", NEWSBOT_RENDERER="none")
    assert render.RenderConfig.from_settings(off).renderer == ""


def test_page_types_come_from_the_profile_unless_the_setting_says() -> None:
    config = render.RenderConfig.from_settings(settings(SPLASH_URL="http://s:8050"))
    assert render.PageRenderer(config, "listing").pages == {"listing"}
    assert render.PageRenderer(config, "none").pages == set()
    every = settings(SPLASH_URL="http://s:8050", NEWSBOT_RENDER_PAGES="article")
    forced = render.RenderConfig.from_settings(every)
    assert render.PageRenderer(forced, "listing").pages == {"article"}
    assert get_profile("https://uv-kurier.ru/").render == "both"


def test_a_profile_with_an_unknown_render_choice_is_refused() -> None:
    default = {"article_path": "^/", "exclude_path": "^$", "render": "both"}
    assert _build("site", {"render": "article"}, default).render == "article"
    with pytest.raises(ValueError, match="render must be one of listing, article, both, none"):
        _build("site", {"render": "always"}, default)


def test_splash_requests_carry_the_page_url_and_plain_pages_stay_plain() -> None:
    config = render.RenderConfig.from_settings(settings(SPLASH_URL="http://s:8050"))
    renderer = render.PageRenderer(config, "article")
    plain = renderer.request("http://site/", print, "listing")
    assert type(plain) is Request and "splash" not in plain.meta
    rendered = renderer.request("http://site/2025/01/01/a", print, "article", meta={"k": 1})
    args = rendered.meta["splash"]["args"]
    assert rendered.meta["splash"]["endpoint"] == "execute"
    assert (args["url"], args["kind"], args["wait"], args["timeout"]) == (
        "http://site/2025/01/01/a",
        "article",
        0.5,
        30.0,
    )
    assert rendered.meta["k"] == 1
    assert render.renderer_of(rendered) == "splash"
    moved = rendered.replace(url="http://s:8050/execute")
    assert render.page_url(moved) == "http://site/2025/01/01/a"


def test_playwright_requests_wait_and_scroll_only_listings() -> None:
    pytest.importorskip("scrapy_playwright")
    config = render.RenderConfig.from_settings(settings(NEWSBOT_RENDERER="playwright"))
    renderer = render.PageRenderer(config, "both")
    listing = renderer.request("http://site/", print, "listing")
    article = renderer.request("http://site/a", print, "article")
    assert listing.meta["playwright"] is True
    assert [m.method for m in listing.meta["playwright_page_methods"]] == [
        "wait_for_timeout",
        "evaluate",
    ]
    assert [m.method for m in article.meta["playwright_page_methods"]] == ["wait_for_timeout"]
    assert article.meta["playwright_page_methods"][0].args == (500,)


def _splash_response(status: int, body: bytes, headers: dict[str, str]) -> TextResponse:
    request = Request("http://s:8050/execute", meta={"splash": {"args": {"url": "http://p/"}}})
    return TextResponse(
        "http://s:8050/execute", status=status, body=body, headers=headers, request=request
    )


def test_render_error_tells_splash_failures_from_the_page_status() -> None:
    timeout = json.dumps({"error": 504, "type": "GlobalTimeoutError", "info": {"timeout": 2}})
    assert (
        render.render_error(
            _splash_response(504, timeout.encode(), {"Content-Type": "application/json"})
        )
        == "504 GlobalTimeoutError"
    )
    marked = _splash_response(502, b"network3", {render.RENDER_ERROR_HEADER: "network3"})
    assert render.render_error(marked) == "502 network3"
    page_404 = _splash_response(404, b"<html>gone</html>", {"Content-Type": "text/html"})
    assert render.render_error(page_404) == ""
    plain = HtmlResponse("http://p/", status=504, body=b"x", request=Request("http://p/"))
    assert render.render_error(plain) == ""


def test_a_run_whose_renders_all_failed_is_unhealthy_whatever_else_it_shows() -> None:
    stats = {
        "newsbot/render/failed": 3,
        "newsbot/render/failed/504": 2,
        "newsbot/render/failed/DownloadConnectionRefusedError": 1,
        "downloader/request_count": 10,
    }
    limits = Thresholds.from_settings(Settings(vars(project_settings)))
    health = assess(stats, limits, reason="finished")
    assert health.exit_code == EXIT_RENDER_FAILED == 12
    assert health.problems == [
        "all 3 page renders failed (504 ×2, DownloadConnectionRefusedError ×1)"
    ]
    some_rendered = {**stats, "newsbot/render/rendered": 1, "newsbot/listing/pages": 1}
    assert assess(some_rendered, limits, reason="finished").exit_code != EXIT_RENDER_FAILED


def test_scrapy_splash_imports_and_its_middlewares_take_no_spider_argument() -> None:
    import inspect

    from newsbot.runtime import splash_compat

    assert scrapy.utils.url.canonicalize_url is w3lib.url.canonicalize_url
    assert splash_compat.SplashRequest.__module__ == "scrapy_splash.request"
    methods = [
        splash_compat.SplashMiddleware.process_request,
        splash_compat.SplashMiddleware.process_response,
        splash_compat.SplashCookiesMiddleware.process_request,
        splash_compat.SplashCookiesMiddleware.process_response,
        splash_compat.SplashDeduplicateArgsMiddleware.process_spider_output,
        splash_compat.SplashDeduplicateArgsMiddleware.process_spider_output_async,
    ]
    # Scrapy 2.14+ warns about (and will stop passing) a required ``spider`` argument.
    assert [inspect.signature(m).parameters["spider"].default for m in methods] == [None] * 6
    assert inspect.isasyncgenfunction(splash_compat.SplashDeduplicateArgsMiddleware.process_start)


def test_launcher_listens_on_loopback_unless_told_and_json_ignores_encoding() -> None:
    assert splash_argv(["--port", "8050"]) == ["--port", "8050", "--ip", "127.0.0.1"]
    assert splash_argv(["--ip", "0.0.0.0"]) == ["--ip", "0.0.0.0"]
    assert splash_argv(["--ip=10.0.0.1"]) == ["--ip=10.0.0.1"]
    assert _loads_without_encoding('{"wait": 0.5}', encoding="utf8") == {"wait": 0.5}
