"""Items straight from the WordPress REST API: request cost, fields, paging, since, fallback."""

from __future__ import annotations

import asyncio
import copy
import csv
import html
import json
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from newsbot.core.fields import FIELDS
from tests.conftest import project_settings, run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
POSTS = json.loads((SITE_DIR / "wp-json" / "posts.json").read_text(encoding="utf-8"))
#: Compared exactly with the listing crawl's expected items. The lead is the post's excerpt:
#: on pages without a standfirst or a description the HTML path has none (see below).
SAME = [f for f in FIELDS if f not in ("lead", "word_count", "content_hash", "scraped_at")]


def rows(path: Path, base: str) -> dict[str, dict[str, Any]]:
    """CSV rows by URL, the server's origin put back to the real one in every cell."""
    with path.open(encoding="utf-8-sig") as fh:
        found = [
            {k: v.replace(base, EXPECTED["origin"]) for k, v in r.items()}
            for r in csv.DictReader(fh)
        ]
    return {r["url"]: r for r in found}


def as_csv(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


def api_paths(server: ReplicaServer) -> list[str]:
    return [p for p in server.paths_requested() if p.startswith("/wp-json/")]


def shared_account_pages() -> list[str]:
    """Paths of the replica's posts by a shared WP account whose content prints no byline:
    only their pages say who wrote them."""
    return sorted(
        p["link"].replace(EXPECTED["origin"], "")
        for p in POSTS
        if p["_embedded"]["author"][0]["name"] in ("admin", "Редакция")
        and "Текст:" not in p["content"]["rendered"]
    )


API_PAGE_ONE = "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified"


def test_api_backfill_costs_robots_and_one_request_per_100_posts(tmp_path: Path) -> None:
    """Plus the pages of the 2 posts whose author only the page prints (WP user «admin» or
    «Редакция», no byline in the content); the third shared-account post types its byline
    into the content and needs no page."""
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        requested = server.paths_requested()
        base = server.base_url
    assert result.returncode == 0, result.log[-3000:]
    assert shared_account_pages() == [
        "/2024/05/12/v-yuzhnoportovom-rajone-poyavitsya-sportivnyj-klaster",
        "/2025/11/03/v-marine-otremontiruyut-dorogu-na-ulitse-pererva",
    ]
    assert requested[:2] == ["/robots.txt", API_PAGE_ONE]
    assert sorted(requested[2:]) == shared_account_pages()
    found = rows(result.csv_path, base)
    expected = {a["url"]: a for a in EXPECTED["articles"]}
    assert sorted(found) == sorted(expected)
    for url, article in expected.items():
        row = found[url]
        for name in SAME:
            # The replica is a mirror: its rows name the host they came from.
            want = "127.0.0.1" if name == "site" else as_csv(article[name])
            assert row[name] == want, (url, name)
    # The excerpt is the lead. It equals the page's lead wherever the page has one (its
    # standfirst, or its description); one page shows neither, and there only the API has it.
    differ = []
    for post in POSTS:
        url = post["link"]
        excerpt = html.unescape(re.sub(r"<[^>]+>", "", post["excerpt"]["rendered"])).strip()
        assert found[url]["lead"] == excerpt
        if expected[url]["lead"]:
            assert excerpt == expected[url]["lead"], url
        else:
            differ.append(url)
    assert len(differ) == 1
    assert "'newsbot/article/from_api': 12" in result.log
    assert "'newsbot/article/api_page_needed/author': 2" in result.log
    assert "'newsbot/article/pages': 2" in result.log
    assert "'newsbot/article/api_page_needed':" not in result.log  # every post had its text
    for path, user in zip(shared_account_pages(), ("Редакция", "admin"), strict=True):
        line = (
            f"{base}{path}: the WP user «{user}» is a shared account and content.rendered prints"
            " no byline; reading its page"
        )
        assert result.log.count(line) == 1


def test_api_pages_follow_x_wp_totalpages(tmp_path: Path) -> None:
    """230 posts: three requests of 100, then the walk ends (no fourth page asked for)."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    many = []
    by_person = [
        p for p in POSTS if p["link"].replace(EXPECTED["origin"], "") not in shared_account_pages()
    ]
    for i in range(230):
        post = copy.deepcopy(by_person[i % len(by_person)])  # no page to read: API pages only
        post["link"] = post["link"].rstrip("/") + f"-{i}"
        post["title"]["rendered"] += f" ({i})"
        post["content"]["rendered"] += f"<p>Выпуск номер {i} этой новости.</p>"
        many.append(post)
    (root / "wp-json" / "posts.json").write_text(json.dumps(many, ensure_ascii=False), "utf-8")
    with ReplicaServer(root, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        paths = api_paths(server)
    assert result.returncode == 0, result.log[-3000:]
    assert paths == [
        f"/wp-json/wp/v2/posts?per_page=100&page={n}&_embed=1&orderby=modified" for n in (1, 2, 3)
    ]
    with result.csv_path.open(encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 230


def test_since_is_the_apis_after(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        result = run_crawl(
            server.base_url, tmp_path, "-a", "discover=api", "-a", "since=2025-12-01"
        )
        paths = api_paths(server)
        base = server.base_url
    assert result.returncode == 0, result.log[-3000:]
    assert paths == [
        "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified&after=2025-12-01T00%3A00%3A00"
    ]
    newer = {a["url"] for a in EXPECTED["articles"] if a["published_at"] >= "2025-12-01"}
    assert set(rows(result.csv_path, base)) == newer
    assert len(newer) == 2


def test_a_site_without_the_api_is_discovered_by_sitemaps(tmp_path: Path) -> None:
    for mode, status in (("off", "HTTP 404"), ("forbidden", "HTTP 401"), ("html", "not a posts")):
        work = tmp_path / mode
        work.mkdir()
        with ReplicaServer(SITE_DIR, fail_once=(), wp_api=mode) as server:
            result = run_crawl(server.base_url, work, "-a", "discover=api")
            requested = server.paths_requested()
            base = server.base_url
        assert result.returncode == 0, (mode, result.log[-3000:])
        assert result.log.count("no usable WordPress REST API") == 1
        assert f"no usable WordPress REST API ({status}" in result.log
        assert "'newsbot/discovery/api_unavailable': 1" in result.log
        assert "/sitemap_index.xml" in requested
        assert requested.count("/robots.txt") == 1  # Scrapy's rules and the Sitemap: lines
        assert set(rows(result.csv_path, base)) == {a["url"] for a in EXPECTED["articles"]}


def test_a_post_without_text_is_read_from_its_page(tmp_path: Path) -> None:
    """A page builder's post has an empty content.rendered: only that page is fetched."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    posts = copy.deepcopy(POSTS)
    posts[0]["content"]["rendered"] = "\n"
    (root / "wp-json" / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), "utf-8")
    with ReplicaServer(root, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        requested = server.paths_requested()
        base = server.base_url
    assert result.returncode == 0, result.log[-3000:]
    page = posts[0]["link"].replace(EXPECTED["origin"], "")
    assert sorted(p for p in requested if p[1:5].isdigit()) == sorted(
        [page, *shared_account_pages()]
    )
    found = rows(result.csv_path, base)
    first = next(a for a in EXPECTED["articles"] if a["url"] == posts[0]["link"])
    assert found[first["url"]]["text"] == first["text"]
    assert "'newsbot/article/api_page_needed': 1" in result.log
    assert "'newsbot/article/api_page_needed/author': 2" in result.log


def test_idle_and_edited_runs_cost_one_request(tmp_path: Path) -> None:
    """With the site stored: nothing new costs one API page (robots.txt is the store's copy);
    an edited post (its modified_gmt moved) comes in the same page, ordered by modification,
    and updates its row."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    db = tmp_path / "news.db"
    with ReplicaServer(root, fail_once=()) as server:
        first = run_crawl(server.base_url, tmp_path, "-a", "discover=api", db_path=db)
        mark = len(server.requests)
        idle = run_crawl(server.base_url, tmp_path, "-a", "discover=api", db_path=db)
        idle_paths = server.paths_requested()[mark:]
        posts = copy.deepcopy(POSTS)
        edited = posts.pop(5)
        edited["content"]["rendered"] += "<p>Дополнено: работы продлятся до весны.</p>"
        edited["modified"], edited["modified_gmt"] = "2026-02-01T12:00:00", "2026-02-01T09:00:00"
        posts.insert(0, edited)  # orderby=modified: the edit is the newest change
        (root / "wp-json" / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), "utf-8")
        mark = len(server.requests)
        again = run_crawl(server.base_url, tmp_path, "-a", "discover=api", db_path=db)
        again_paths = server.paths_requested()[mark:]
    assert first.returncode == idle.returncode == again.returncode == 0, again.log[-3000:]
    page_one = "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified"
    assert idle_paths == [page_one]
    assert again_paths == [page_one]
    assert "'newsbot/article/edited': 1" in again.log
    import sqlite3

    conn = sqlite3.connect(db)
    text, modified = conn.execute(
        "SELECT text, modified_at FROM articles WHERE url LIKE ?",
        ("%" + edited["link"].rsplit("/", 1)[-1],),
    ).fetchone()
    conn.close()
    assert text.endswith("Дополнено: работы продлятся до весны.")
    assert modified == "2026-02-01T12:00:00+03:00"


def test_an_edited_post_read_from_its_page_counts_as_edited(tmp_path: Path) -> None:
    """A shared account's post gives its row from its page: edited, it costs the API page and
    that page, and is counted as edited like a post taken from the JSON."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    db = tmp_path / "news.db"
    path = shared_account_pages()[0]
    with ReplicaServer(root, fail_once=()) as server:
        first = run_crawl(server.base_url, tmp_path, "-a", "discover=api", db_path=db)
        posts = copy.deepcopy(POSTS)
        [edited] = [p for p in posts if p["link"].endswith(path)]
        posts.remove(edited)
        edited["modified"], edited["modified_gmt"] = "2026-02-01T12:00:00", "2026-02-01T09:00:00"
        posts.insert(0, edited)
        (root / "wp-json" / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), "utf-8")
        mark = len(server.requests)
        again = run_crawl(server.base_url, tmp_path, "-a", "discover=api", db_path=db)
        again_paths = server.paths_requested()[mark:]
    assert first.returncode == again.returncode == 0, again.log[-3000:]
    assert again_paths == [API_PAGE_ONE, path]
    assert "'newsbot/article/api_page_needed/author': 1" in again.log
    assert "'newsbot/article/edited': 1" in again.log


def test_a_page_without_a_date_takes_the_date_its_link_was_listed_with(tmp_path: Path) -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newsbot.spiders.district import DistrictSpider

    crawler = get_crawler(DistrictSpider, project_settings(tmp_path))
    spider = DistrictSpider.from_crawler(crawler, start_url="https://uv-kurier.ru/")
    crawler.spider = spider
    crawler.stats.open_spider()
    body = "".join(
        f"<p>Абзац {i}: в Люблине открыли новую библиотеку для детей.</p>" for i in range(4)
    )
    html_page = (
        '<html><head><meta property="og:type" content="article"></head>'
        f"<body><h1>В Люблине открыли библиотеку</h1><div class='entry-content'>{body}</div>"
        "</body></html>"
    )
    url = "https://uv-kurier.ru/2023/09/05/v-lyubline-otkryli-biblioteku"
    dated = Request(url, meta={"listed_date": "05 Сен 2023 в 12:57"})
    (item,) = asyncio.run(
        items_of(
            spider.parse_article(HtmlResponse(url, body=html_page, encoding="utf-8", request=dated))
        )
    )
    assert item["published_at"] == "2023-09-05T12:57:00+03:00"
    assert crawler.stats.get_value("newsbot/article/date_from_listing") == 1
    undated = Request(url, meta={"listed_date": ""})
    (item,) = asyncio.run(
        items_of(
            spider.parse_article(
                HtmlResponse(url, body=html_page, encoding="utf-8", request=undated)
            )
        )
    )
    assert item["published_at"] == ""


async def items_of(callback: AsyncIterator[Any]) -> list[Any]:
    """What an ``async`` callback yields (parse_article awaits the parse pool)."""
    return [item async for item in callback]


def without_sitemaps(root: Path) -> None:
    """The replica as a site without sitemaps: none named in robots.txt, none at the defaults."""
    for name in ("sitemap_index.xml", "post-sitemap.xml", "page-sitemap.xml"):
        (root / name).unlink()
    robots = root / "robots.txt"
    lines = robots.read_text("utf-8").splitlines(keepends=True)
    robots.write_text("".join(x for x in lines if not x.startswith("Sitemap:")), "utf-8")


def test_auto_uses_the_api_else_sitemaps_else_the_listing(tmp_path: Path) -> None:
    api_page = API_PAGE_ONE
    everything = {a["url"] for a in EXPECTED["articles"]}
    (tmp_path / "a").mkdir()
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        api = run_crawl(server.base_url, tmp_path / "a", "-a", "discover=auto")
        api_requests = server.paths_requested()
    assert api.returncode == 0, api.log[-3000:]
    assert api_requests[:2] == ["/robots.txt", API_PAGE_ONE]
    assert sorted(api_requests[2:]) == shared_account_pages()
    assert "discovery: the WordPress REST API" in api.log
    (tmp_path / "b").mkdir()
    with ReplicaServer(SITE_DIR, fail_once=(), wp_api="off") as server:
        mapped = run_crawl(server.base_url, tmp_path / "b", "-a", "discover=auto")
        requested = server.paths_requested()
        base = server.base_url
    assert mapped.returncode == 0, mapped.log[-3000:]
    assert "discovery: sitemaps (without a REST API; a backfill)" in mapped.log
    assert requested[:4] == ["/robots.txt", api_page, "/sitemap_index.xml", "/post-sitemap.xml"]
    assert len(requested) == 4 + len(everything)  # no listing page, robots.txt once
    assert set(rows(mapped.csv_path, base)) == everything
    (tmp_path / "c").mkdir()
    root = tmp_path / "c" / "site"
    shutil.copytree(SITE_DIR, root)
    without_sitemaps(root)
    with ReplicaServer(root, fail_once=(), wp_api="off") as server:
        walk = run_crawl(server.base_url, tmp_path / "c", "-a", "discover=auto")
        walked = server.paths_requested()
        base = server.base_url
    assert walk.returncode == 0, walk.log[-3000:]
    assert "no usable sitemap: discovering by the listing instead" in walk.log
    assert walked[:2] == ["/robots.txt", api_page]
    assert set(walked[2:4]) == {"/wp-sitemap.xml", "/sitemap_index.xml"}  # the defaults: 404
    assert {"/", "/page/2/", "/page/3/"} <= set(walked)
    assert set(rows(walk.csv_path, base)) == everything


def test_auto_remembers_what_a_site_offers_and_asks_again_after_the_reprobe_time(
    tmp_path: Path,
) -> None:
    db = tmp_path / "news.db"
    with ReplicaServer(SITE_DIR, fail_once=(), wp_api="off") as server:
        first = run_crawl(server.base_url, tmp_path, "-a", "discover=auto", db_path=db)
        mark = len(server.requests)
        idle = run_crawl(server.base_url, tmp_path, "-a", "discover=auto", db_path=db)
        idle_paths = server.paths_requested()[mark:]
        mark = len(server.requests)
        again = run_crawl(
            server.base_url,
            tmp_path,
            "-a",
            "discover=auto",
            db_path=db,
            settings={"NEWSBOT_REPROBE_DAYS": "0"},
        )
        again_paths = server.paths_requested()[mark:]
    assert first.returncode == idle.returncode == again.returncode == 0, again.log[-3000:]
    # The store recalls: no robots.txt, no API probe; the index says no post sitemap changed.
    assert idle_paths == ["/sitemap_index.xml"]
    assert idle.log.count("discovery: ") == 1
    assert "discovery: sitemaps (no WordPress REST API when checked at" in idle.log
    assert "; their index dates each sitemap)" in idle.log
    assert "'newsbot/discovery/remembered': 1" in idle.log
    assert "'newsbot/sitemaps/unchanged': 1" in idle.log
    api = "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified"
    assert again_paths == [api, "/sitemap_index.xml"]  # reprobe time passed
    assert "what the site offers is not known lately" in again.log
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT feature, available FROM site_capabilities ORDER BY feature"
    ).fetchall() == [("sitemap_lastmod", 1), ("sitemaps", 1), ("wp_api", 0)]
    conn.close()


def test_auto_walks_the_listing_when_the_index_dates_no_sitemap(tmp_path: Path) -> None:
    """WordPress core's index has no <lastmod>: an idle sitemap run would read every child
    sitemap, so an incremental ``auto`` run walks the listing from page 1 (1 request)."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    index = root / "sitemap_index.xml"
    text = index.read_text("utf-8")
    index.write_text(re.sub(r"<lastmod>[^<]*</lastmod>", "", text), "utf-8")
    db = tmp_path / "news.db"
    with ReplicaServer(root, fail_once=(), wp_api="off") as server:
        first = run_crawl(server.base_url, tmp_path, "-a", "discover=auto", db_path=db)
        assert "/post-sitemap.xml" in server.paths_requested()
        mark = len(server.requests)
        idle = run_crawl(server.base_url, tmp_path, "-a", "discover=auto", db_path=db)
        idle_paths = server.paths_requested()[mark:]
    assert first.returncode == idle.returncode == 0, idle.log[-3000:]
    assert idle_paths == ["/"]
    assert "discovery: the listing (no WordPress REST API when checked at" in idle.log
    assert "the sitemap index dates no sitemap)" in idle.log
