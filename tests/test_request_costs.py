"""What each discovery mode costs the site, in requests: the README's request-cost table.

For every mode, on the replica (14 articles, 3 listing pages): a backfill into an empty store,
a re-run with nothing new, a run with 2 new articles, and a run after 2 stored articles were
edited. Each figure is asserted exactly, so the README cannot drift from what the code does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_crawl
from tests.replica import build
from tests.replica.server import ReplicaServer
from tests.test_scheduled_runs import new_articles

#: mode -> (backfill, idle, 2 new, 2 edited), requests of each run including robots.txt.
COSTS = {
    "listing": (19, 2, 4, 2),  # robots, 3 listing pages, 14 articles + 1 gone link
    "sitemap": (17, 2, 5, 5),  # robots, index, post-sitemap when it changed, articles
    "feed": (13, 2, 4, 2),  # robots, /feed/, ?paged=2, the feed's 10 newest
    # robots, one page of 100 posts, and the pages of the 2 posts whose author only the page
    # prints (a shared WP account, no byline in the content)
    "api": (4, 2, 2, 2),
    "auto": (4, 2, 2, 2),  # the replica offers the API
    # A site without the REST API: the first run asks it once (then the store remembers) and
    # reads the sitemaps: robots, API, index, post-sitemap, 14 articles.
    "auto, no API": (18, 2, 5, 5),
}
#: Whether the edited run updated both edited rows (the API and sitemaps' lastmod see edits).
SEES_EDITS = {
    "listing": False,
    "sitemap": True,
    "feed": False,
    "api": True,
    "auto": True,
    "auto, no API": True,
}


#: Two stored posts edited (slug -> the new modified time, Moscow), after the 2 new ones.
EDITS = {
    "v-lyubline-otkryli-novyj-korpus-shkoly-1387": "2026-02-01T12:00",
    "v-lefortove-otrestavriruyut-usadebnyj-dom-xviii-veka": "2026-02-02T12:00",
}


def edit_two_posts(root: Path, **kw: Any) -> list[str]:
    """Edit two stored posts as WordPress would: a paragraph added, a later modified time on
    the page, in the REST API (first in the modification order) and in the sitemaps."""
    doc = build.build_site(
        root, new_articles(), expected_file=root.parent / "e3.json", edits=EDITS, **kw
    )
    return [a["url"] for a in doc["articles"] if a["url"].rsplit("/", 1)[-1] in EDITS]


@pytest.mark.parametrize("mode", list(COSTS))
def test_request_costs(tmp_path: Path, mode: str) -> None:
    root = tmp_path / "site"
    build.build_site(root, expected_file=tmp_path / "expected.json")
    db = tmp_path / "news.db"
    args = ("-a", f"discover={mode.split(',')[0]}")
    costs = []
    with ReplicaServer(root, fail_once=(), wp_api="off" if "no API" in mode else "on") as server:
        for step in ("backfill", "idle", "new", "edited"):
            if step == "new":
                build.build_site(root, new_articles(), expected_file=tmp_path / "e2.json")
            if step == "edited":
                edit_two_posts(root)
            mark = len(server.requests)
            result = run_crawl(server.base_url, tmp_path, *args, db_path=db)
            assert result.returncode == 0, (mode, step, result.log[-3000:])
            costs.append(len(server.requests) - mark)
            if step == "edited":
                updated = "'newsbot/article/edited': 2" in result.log
    print(f"{mode}: backfill {costs[0]}, idle {costs[1]}, 2 new {costs[2]}, 2 edited {costs[3]}")
    assert tuple(costs) == COSTS[mode]
    assert updated is SEES_EDITS[mode]
