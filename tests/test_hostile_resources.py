"""Case 4 of issue 9: bounded resources — download size, linear regexes, safe XML."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from newsbot.extraction.document import MAX_HTML_CHARS, make_selector
from newsbot.extraction.feeds import parse_sitemap
from tests.conftest import run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, gzip_bomb, listing_html

BOMB_DTD = (
    '<!DOCTYPE urlset [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def _bomb_sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p}</loc><lastmod>2025-03-04</lastmod></url>"
        + ("<url><loc>&lol9;</loc></url>" if i == 0 else "")
        for i, p in enumerate(paths)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + BOMB_DTD
        + f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def test_thousands_of_unclosed_script_tags_in_30_mb_are_read_in_linear_time() -> None:
    junk = "<html><head><title>Тест</title></head><body><p>Начало статьи.</p>"
    junk += "<script>var a = 1;" * 3000 + "x" * 30_000_000
    started = time.perf_counter()
    sel = make_selector(junk)
    assert time.perf_counter() - started < 3.0
    assert sel.xpath("string(//title)").get() == "Тест"
    assert "Начало статьи." in sel.xpath("string(//p)").get()


def test_bulky_blocks_are_dropped_and_json_ld_kept() -> None:
    ld = '<script type="application/ld+json">{"headline": "Заголовок"}</script>'
    page = "<html><head>" + ld + "<style>p{}</style></head><body><p>Текст</p>"
    page += (
        "<script>" + "y" * MAX_HTML_CHARS + "</script><svg><path/></svg><p>Конец</p></body></html>"
    )
    sel = make_selector(page)
    assert (
        sel.xpath("//script[@type='application/ld+json']/text()").get()
        == '{"headline": "Заголовок"}'
    )
    assert sel.xpath("//p/text()").getall() == ["Текст", "Конец"]
    assert sel.xpath("//style|//svg|//script[not(@type)]") == []


def test_an_entity_bomb_sitemap_keeps_every_entry_and_says_it_was_refused() -> None:
    paths = [f"/2025/03/04/novost-{i}" for i in range(6)]
    started = time.perf_counter()
    _, listing = parse_sitemap(_bomb_sitemap("http://x.test", paths), "http://x.test/sitemap.xml")
    assert time.perf_counter() - started < 1.0
    assert [e.url for e in listing.entries] == [f"http://x.test{p}" for p in paths]
    assert listing.problem == "refused"  # type: ignore[attr-defined]


def test_entity_bomb_sitemap_crawl_stores_all_and_reports_it(tmp_path: Path) -> None:
    paths = [f"/2025/03/04/novost-{i}" for i in range(6)]
    routes: dict[str, Page] = {}
    with HostileSite(routes) as site:
        routes["/robots.txt"] = Page(
            f"User-agent: *\nAllow: /\nSitemap: {site.base_url}/sitemap.xml\n".encode(),
            headers={"Content-Type": "text/plain"},
        )
        routes["/sitemap.xml"] = Page(
            _bomb_sitemap(site.base_url, paths), headers={"Content-Type": "application/xml"}
        )
        for i, p in enumerate(paths):
            routes[p] = Page(article_html("", p, f"Новость {i}", body_text(i)))
        result = run_crawl(site.base_url, tmp_path, "-a", "discover=sitemap")
    conn = sqlite3.connect(result.db_path)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 6
    conn.close()
    assert result.returncode == 11, result.log[-3000:]
    assert "'newsbot/feeds/refused': 1" in result.log
    assert "entries may be missing" in result.log
    print(
        f"MEASURE case4 entity bomb: {len(site.requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def test_a_gzip_bomb_is_refused_at_download_maxsize_and_memory_stays_flat(tmp_path: Path) -> None:
    bomb = gzip_bomb(256 << 20)
    paths = [f"/2025/03/04/novost-{i}" for i in range(3)]
    routes = {"/": Page(listing_html([*paths, "/2025/03/04/bomba"]))}
    for i, p in enumerate(paths):
        routes[p] = Page(article_html("", p, f"Новость {i}", body_text(i)))
    routes["/2025/03/04/bomba"] = Page(
        bomb, headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    )
    with HostileSite(routes) as site:
        result = run_crawl(site.base_url, tmp_path)
    conn = sqlite3.connect(result.db_path)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    conn.close()
    assert "exceeded DOWNLOAD_MAXSIZE (16777216 B) during decompression" in result.log
    assert result.peak_rss_kib < 250_000, result.peak_rss_kib
    print(
        f"MEASURE case4 gzip bomb: {len(site.requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )
