"""Items straight from the WordPress REST API: request cost, fields, paging, since, fallback."""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

from newsbot.core.fields import FIELDS
from tests.conftest import run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
POSTS = json.loads((SITE_DIR / "wp-json" / "posts.json").read_text(encoding="utf-8"))
#: Compared exactly with the listing crawl's expected items. The lead is the post's excerpt:
#: on pages without a standfirst or a description the HTML path has none (see below).
SAME = [f for f in FIELDS if f not in ("lead", "word_count", "content_hash", "scraped_at")]


def rows(path: Path, base: str) -> dict[str, dict[str, Any]]:
    """CSV rows by URL, the server's origin put back to the real one in every cell."""
    with path.open(encoding="utf-8") as fh:
        found = [
            {k: v.replace(base, EXPECTED["origin"]) for k, v in r.items()}
            for r in csv.DictReader(fh)
        ]
    return {r["url"]: r for r in found}


def as_csv(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


def api_paths(server: ReplicaServer) -> list[str]:
    return [p for p in server.paths_requested() if p.startswith("/wp-json/")]


def test_api_backfill_costs_robots_and_one_request_per_100_posts(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        requested = server.paths_requested()
        base = server.base_url
    assert result.returncode == 0, result.log[-3000:]
    assert requested == ["/robots.txt", "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1"]
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
    assert "'newsbot/article/from_api': 14" in result.log
    assert "newsbot/article/pages" not in result.log  # no article page was fetched


def test_api_pages_follow_x_wp_totalpages(tmp_path: Path) -> None:
    """230 posts: three requests of 100, then the walk ends (no fourth page asked for)."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    many = []
    for i in range(230):
        post = copy.deepcopy(POSTS[i % len(POSTS)])
        post["link"] = post["link"].rstrip("/") + f"-{i}"
        post["title"]["rendered"] += f" ({i})"
        post["content"]["rendered"] += f"<p>Выпуск номер {i} этой новости.</p>"
        many.append(post)
    (root / "wp-json" / "posts.json").write_text(json.dumps(many, ensure_ascii=False), "utf-8")
    with ReplicaServer(root, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "discover=api")
        paths = api_paths(server)
    assert result.returncode == 0, result.log[-3000:]
    assert paths == [f"/wp-json/wp/v2/posts?per_page=100&page={n}&_embed=1" for n in (1, 2, 3)]
    with result.csv_path.open(encoding="utf-8") as fh:
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
        "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&after=2025-12-01T00%3A00%3A00"
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
        assert "/wp-sitemap.xml" in requested
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
    assert [p for p in requested if p[1:5].isdigit()] == [page]
    found = rows(result.csv_path, base)
    first = next(a for a in EXPECTED["articles"] if a["url"] == posts[0]["link"])
    assert found[first["url"]]["text"] == first["text"]
    assert "'newsbot/article/api_page_needed': 1" in result.log
