"""Case 2 of issue 9: only the outlet's own pages are fetched, redirect targets included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import project_settings, run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, listing_html

OTHER_HOST = "127.0.0.2"  # another host on the loopback: "a foreign site"


def _redirect(location: str) -> Page:
    return Page(b"", status=301, headers={"Location": location, "Content-Type": "text/html"})


def test_redirects_to_another_host_are_not_fetched_and_the_final_url_decides(
    tmp_path: Path,
) -> None:
    with HostileSite({}, host=OTHER_HOST) as other:
        foreign = "/2025/03/04/chuzhaya-novost"
        other.routes = {foreign: Page(article_html(other.base_url, foreign, "Чужая", body_text(9)))}
        paths = [f"/2025/03/04/novost-{i}" for i in range(4)]
        routes: dict[str, Page] = {"/": Page(listing_html(paths))}
        site = HostileSite(routes)
        with site:
            base = site.base_url
            for i in (0, 1):
                routes[paths[i]] = Page(article_html(base, paths[i], f"Новость {i}", body_text(i)))
            routes[paths[2]] = _redirect(other.base_url + foreign)  # off-site: never fetched
            moved = "/2025/03/05/novost-3-pereimenovana"
            routes[paths[3]] = _redirect(base + moved)  # on-site: the final URL is the row
            routes[moved] = Page(article_html(base, moved, "Новость 3", body_text(3)))
            # A second off-site redirect to the same host: counted, logged once.
            routes["/"] = Page(listing_html([*paths, "/2025/03/04/novost-5"]))
            routes["/2025/03/04/novost-5"] = _redirect(other.base_url + foreign + "-2")
            result = run_crawl(base, tmp_path)
    assert result.returncode == 0, result.log[-3000:]
    assert other.requested() == []
    conn = sqlite3.connect(result.db_path)
    urls = sorted(r[0] for r in conn.execute("SELECT url FROM articles"))
    conn.close()
    assert urls == sorted([base + paths[0], base + paths[1], base + moved])
    assert "'newsbot/offsite/filtered': 2" in result.log
    assert result.log.count(f"not fetching off-site host {OTHER_HOST}") == 1
    print(
        f"MEASURE case2 offsite: {len(site.requested()) + len(other.requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def test_a_splash_request_is_judged_by_the_page_it_renders(tmp_path: Path) -> None:
    import pytest
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from newsbot.runtime.middlewares import OffsiteRequest, SiteOnlyMiddleware
    from newsbot.spiders.district import DistrictSpider

    # get_crawler builds the extensions: the run lock is taken next to tmp_path's store, not
    # as data/newsbot.db.lock in the checkout.
    crawler = get_crawler(DistrictSpider, project_settings(tmp_path))
    crawler.spider = DistrictSpider.from_crawler(crawler, start_url="https://uv-kurier.ru/")
    mw = SiteOnlyMiddleware.from_crawler(crawler)
    page = "https://uv-kurier.ru/2025/03/04/x"
    rendered = {"_splash_processed": True, "splash": {"args": {"url": page}}}
    assert mw.process_request(Request("http://127.0.0.1:8050/render.html", meta=rendered)) is None
    assert mw.process_request(Request("https://www.uv-kurier.ru/robots.txt")) is None
    elsewhere = {"_splash_processed": True, "splash": {"args": {"url": "https://evil.test/x"}}}
    with pytest.raises(OffsiteRequest):
        mw.process_request(Request("http://127.0.0.1:8050/render.html", meta=elsewhere))
    with pytest.raises(OffsiteRequest):
        mw.process_request(Request("https://uv-kurier.ru.evil.test/", dont_filter=True))
    assert crawler.stats.get_value("newsbot/offsite/filtered") == 2
