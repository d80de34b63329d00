"""JavaScript rendering end to end: the real spider through a real Splash and real chromium.

The replica's /js/ section is a listing whose links exist only after its script runs (the last
ones only after a scroll) and articles whose body is built by script. Without rendering the crawl
finds nothing there; with Splash or Playwright every article comes with all its fields. The
renderers are the real ones (conftest starts Splash through
``newsbot.runtime.splash_server``); in CI a
missing renderer fails these tests instead of skipping them.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from newsbot.analysis.feed_csv import LIST_SEPARATOR
from newsbot.items import LIST_FIELDS
from tests.conftest import CrawlResult, free_port, run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
ORIGIN = EXPECTED["origin"]
JS = EXPECTED["js"]
#: Words of each script-built article's text (newsbot.core.text.word_count's rules).
JS_WORD_COUNTS = {
    "/2025/12/02/v-lyublinskom-parke-otkryli-katok-s-podsvetkoj": 32,
    "/2025/11/24/v-pechatnikah-postroyat-bassejn": 22,
    "/2025/11/10/v-marine-otkroetsya-biblioteka-kafe": 23,
}
RENDERERS = ("splash", "playwright")


def stat(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def rows(result: CrawlResult) -> list[dict[str, str]]:
    if not result.csv_path.exists():
        return []
    with result.csv_path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def renderer_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings that switch on the renderer named by the test's parameter."""
    if request.param == "splash":
        return {"SPLASH_URL": request.getfixturevalue("splash_url")}
    request.getfixturevalue("chromium")
    return {"NEWSBOT_RENDERER": "playwright"}


def crawl_js(tmp: Path, settings: dict[str, str], **kw: Any) -> tuple[CrawlResult, str]:
    with ReplicaServer(SITE_DIR, **kw) as server:
        result = run_crawl(server.base_url + JS["listing"].rstrip("/"), tmp, settings=settings)
        return result, server.base_url


def test_without_rendering_the_js_section_yields_nothing(tmp_path: Path) -> None:
    result, _ = crawl_js(tmp_path, {})
    assert rows(result) == []
    assert stat(result.log, "newsbot/listing/empty") == 1
    assert result.returncode == 5, result.log[-2000:]  # "listing pages held no article links"


@pytest.mark.parametrize("renderer_settings", RENDERERS, indirect=True)
def test_rendered_crawl_gets_script_built_articles_with_all_fields(
    tmp_path: Path, renderer_settings: dict[str, str]
) -> None:
    result, base = crawl_js(tmp_path, renderer_settings)
    assert result.returncode == 0, result.log[-3000:]
    found = {r["url"]: r for r in rows(result)}
    expected = {a["url"].replace(ORIGIN, base): a for a in JS["articles"]}
    # The article the listing adds only after a scroll is there too.
    assert sorted(found) == sorted(expected)
    for url, article in expected.items():
        row = found[url]
        for name, value in article.items():
            if name == "site":
                value = "127.0.0.1"
            elif isinstance(value, str):
                value = value.replace(ORIGIN, base)
            if name in LIST_FIELDS:
                value = LIST_SEPARATOR.join(value)
            assert row[name] == value, (url, name)
        assert int(row["word_count"]) == JS_WORD_COUNTS[url.removeprefix(base)]
    # listing + 3 articles + the listed page that is gone, whose own 404 came through.
    assert stat(result.log, "newsbot/render/rendered") == 5
    assert stat(result.log, "newsbot/http_error/404") == 1
    assert f"article {JS['missing'].replace(ORIGIN, base)} failed: HTTP 404" in result.log
    assert stat(result.log, "newsbot/render/failed") == 0
    # scrapy-splash / scrapy-playwright raise no deprecation warning on this Scrapy.
    assert [line for line in result.log.splitlines() if "py.warnings" in line] == []


@pytest.mark.parametrize("renderer_settings", RENDERERS, indirect=True)
def test_rendering_listings_only_misses_script_built_bodies(
    tmp_path: Path, renderer_settings: dict[str, str]
) -> None:
    settings = {**renderer_settings, "NEWSBOT_RENDER_PAGES": "listing"}
    result, _ = crawl_js(tmp_path, settings)
    assert rows(result) == []
    assert stat(result.log, "newsbot/listing/article_links") == 4  # the listing was rendered
    assert stat(result.log, "newsbot/article/skipped/no_text") == 3  # the articles were not
    assert stat(result.log, "newsbot/render/rendered") == 1
    assert result.returncode == 5, result.log[-2000:]


def test_splash_down_is_retried_logged_with_the_page_url_and_unhealthy(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result, base = crawl_js(tmp_path, {"SPLASH_URL": dead, "RETRY_TIMES": "2"})
    listing = base + JS["listing"]
    assert result.returncode == 12, result.log[-3000:]
    # Scrapy 2.19 names it DownloadConnectionRefusedError, earlier ones ConnectionRefusedError.
    refused = (
        "DownloadConnectionRefusedError"
        if "DownloadConnection" in result.log
        else ("ConnectionRefusedError")
    )
    assert stat(result.log, "newsbot/render/failed") == 1
    assert stat(result.log, f"newsbot/render/failed/{refused}") == 1
    assert stat(result.log, f"newsbot/render/attempt_failed/{refused}") == 3
    assert f"listing {listing} failed: rendering through splash:" in result.log
    assert "/execute failed" not in result.log and "render.html" not in result.log
    assert f"unhealthy run: all 1 page renders failed ({refused} ×1)" in result.log
    assert rows(result) == []


def test_splash_render_timeout_504_is_retried_then_counted_and_the_rest_goes_on(
    tmp_path: Path, splash_url: str
) -> None:
    slow = EXPECTED["js"]["articles"][0]["url"].replace(ORIGIN, "")
    settings = {
        "SPLASH_URL": splash_url,
        "NEWSBOT_RENDER_TIMEOUT": "2",
        "RETRY_TIMES": "1",
        "NEWSBOT_MAX_ERROR_RATIO": "0.5",
    }
    result, base = crawl_js(tmp_path, settings, slow={slow: 4.0})
    assert result.returncode == 0, result.log[-3000:]
    assert stat(result.log, "newsbot/render/attempt_failed/504") == 2  # first try + 1 retry
    assert stat(result.log, "newsbot/render/failed/504") == 1
    assert f"article {base}{slow} failed: rendering through splash: 504 GlobalTimeoutError" in (
        result.log
    )
    assert len(rows(result)) == 2  # the other two articles


def test_splash_cannot_load_the_page_502(tmp_path: Path, splash_url: str) -> None:
    gone = f"http://127.0.0.1:{free_port()}/"  # the site is down; Splash is up
    result = run_crawl(
        gone.rstrip("/"), tmp_path, settings={"SPLASH_URL": splash_url, "RETRY_TIMES": "1"}
    )
    assert result.returncode == 12, result.log[-3000:]
    assert stat(result.log, "newsbot/render/failed/502") == 1
    assert f"listing {gone} failed: rendering through splash: 502 network" in result.log


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        (
            "NEWSBOT_SPLASH_URL",
            "http://127.0.0.1:8050",
            "NEWSBOT_SPLASH_URL was renamed SPLASH_URL",
        ),
        ("NEWSBOT_SPLASH_WAIT", "2", "NEWSBOT_SPLASH_WAIT was renamed NEWSBOT_RENDER_WAIT"),
        ("NEWSBOT_RENDERER", "webkit", "NEWSBOT_RENDERER must be splash, playwright or none"),
        ("NEWSBOT_RENDERER", "splash", "NEWSBOT_RENDERER=splash needs SPLASH_URL"),
        ("NEWSBOT_RENDER_PAGES", "all", "NEWSBOT_RENDER_PAGES must be listing, article, both"),
        ("NEWSBOT_RENDER_WAIT", "40", "NEWSBOT_RENDER_WAIT (40.0) must be at least 0 and below"),
    ],
)
def test_a_mistaken_rendering_setting_stops_the_run_with_one_line(
    tmp_path: Path, setting: str, value: str, line: str
) -> None:
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, settings={setting: value})
        assert server.requests == []
    assert result.returncode == 1
    assert f"newsbot cannot start: {line}" in result.log
    assert "Traceback" not in result.log
