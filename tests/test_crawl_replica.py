"""End to end: the real ``scrapy crawl district`` against the replica served on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newsbot.analysis.feed_csv import LIST_SEPARATOR
from newsbot.core.text import content_hash
from newsbot.items import FIELDS, LIST_FIELDS
from tests.conftest import CrawlResult, run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
ORIGIN = EXPECTED["origin"]
#: Words of each article's text (newsbot.core.text.word_count's rules: «mos.ru» is two words,
#: «Выхино-Жулебино» one), by the first 40 characters of its slug.
WORD_COUNTS = {
    "v-parke-kuzminki-obnovyat-ekologicheskuy": 62,
    "v-lyubline-otkryli-novyj-korpus-shkoly-1": 60,
    "v-marine-otremontiruyut-dorogu-na-ulitse": 56,
    "v-nekrasovke-otkrylas-novaya-poliklinika": 67,
    "v-kapotne-blagoustroyat-naberezhnuyu-mos": 35,
    "v-lefortove-otrestavriruyut-usadebnyj-do": 51,
    "mezhdu-tekstilshhikami-i-pechatnikami-po": 41,
    "zhiteli-vyhina-zhulebina-vybrali-proekty": 45,
    "v-ryazanskom-i-nizhegorodskom-rajonah-vy": 40,
    "v-yuzhnoportovom-rajone-poyavitsya-sport": 42,
    "kommunalnye-sluzhby-okruga-vyvezli-bolee": 56,
    "na-lyublinskoj-ulitse-izmenitsya-shema-d": 49,
    "sobyanin-zdravoohranenie-moskvy-k-2025-g": 134,
    "v-yugo-vostochnom-okruge-startoval-konku": 42,
}


def slug(url: str) -> str:
    return url.rsplit("/", 1)[-1][:40]


@dataclass
class Crawl:
    result: CrawlResult
    server: ReplicaServer
    csv_rows: list[dict[str, str]]
    db_rows: list[dict[str, Any]]

    def expected_url(self, url: str) -> str:
        return url.replace(ORIGIN, self.server.base_url)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:  # the feed starts with a BOM
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def read_db(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM articles")]
    conn.close()
    return rows


def stat(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def crawl(
    tmp: Path, *args: str, db_path: Path | None = None, server: ReplicaServer | None = None
) -> Crawl:
    with server or ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp, *args, db_path=db_path)
    assert result.returncode == 0, result.log[-3000:]
    _, rows = read_csv(result.csv_path)
    return Crawl(result, server, rows, read_db(result.db_path))


@pytest.fixture(scope="module")
def full_crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(tmp_path_factory.mktemp("crawl"))


def test_csv_has_the_design_columns_in_order(full_crawl: Crawl) -> None:
    header, _ = read_csv(full_crawl.result.csv_path)
    assert header == list(FIELDS)


def test_every_listed_article_is_one_row(full_crawl: Crawl) -> None:
    expected = sorted(full_crawl.expected_url(a["url"]) for a in EXPECTED["articles"])
    assert sorted(r["url"] for r in full_crawl.csv_rows) == expected
    assert sorted(r["url"] for r in full_crawl.db_rows) == expected


@pytest.mark.parametrize("article", EXPECTED["articles"], ids=lambda a: slug(a["url"]))
def test_csv_and_sqlite_fields_match_the_page(full_crawl: Crawl, article: dict[str, Any]) -> None:
    url = full_crawl.expected_url(article["url"])
    csv_row = next(r for r in full_crawl.csv_rows if r["url"] == url)
    db_row = next(r for r in full_crawl.db_rows if r["url"] == url)
    for name, value in article.items():
        if name == "site":
            value = "127.0.0.1"  # the replica is a mirror: its rows name the host they came from
        elif isinstance(value, str):
            value = full_crawl.expected_url(value)
        if name in LIST_FIELDS:
            assert csv_row[name] == LIST_SEPARATOR.join(value), name
            assert json.loads(db_row[name]) == value, name
        else:
            assert csv_row[name] == value, name
            assert (db_row[name] or "") == value, name
    # Derived fields: present, and the same in both outputs.
    assert int(csv_row["word_count"]) == db_row["word_count"] == WORD_COUNTS[slug(url)]
    assert csv_row["content_hash"] == db_row["content_hash"] == content_hash(article["text"])
    assert csv_row["scraped_at"] == db_row["scraped_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", csv_row["scraped_at"])


def test_traps_are_not_emitted_or_fetched(full_crawl: Crawl) -> None:
    emitted = {r["url"] for r in full_crawl.csv_rows}
    for trap in EXPECTED["must_not_emit"]:
        assert full_crawl.expected_url(trap["url"]) not in emitted, trap["why"]
    requested = full_crawl.server.paths_requested()
    assert "/robots.txt" in requested
    assert not [p for p in requested if p.startswith(("/private/", "/wp-admin/"))]
    assert not [p for p in requested if re.search(r"utm_|yclid|gclid|#", p)]
    assert not [p for p in requested if p.startswith(("/category/", "/tag/", "/feed", "/wp-"))]


def test_no_page_is_requested_twice_except_the_retried_error(full_crawl: Crawl) -> None:
    counts = Counter(p.rstrip("/") for p in full_crawl.server.paths_requested())
    twice = {p for p, n in counts.items() if n > 1}
    assert twice == {p.rstrip("/") for p in EXPECTED["fail_once"]}
    statuses = [s for _m, p, s in full_crawl.server.requests if p.rstrip("/") in twice]
    assert statuses == [503, 200]


def test_errors_are_logged_and_counted(full_crawl: Crawl) -> None:
    log = full_crawl.result.log
    assert stat(log, "newsbot/http_error/404") == 1
    assert "HTTP 404" in log
    # The one page that fails once (503) is retried once.
    assert len(EXPECTED["fail_once"]) == 1
    assert stat(log, "retry/count") == 1
    assert stat(log, "retry/reason_count/503 Service Unavailable") == 1
    assert stat(log, "newsbot/store/new") == len(EXPECTED["articles"])


def test_second_full_run_adds_no_row(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    server = ReplicaServer(SITE_DIR).start()  # one port, so both runs see the same URLs
    try:
        (tmp_path / "one").mkdir()
        (tmp_path / "two").mkdir()
        first = crawl(tmp_path / "one", db_path=db, server=server)
        second = crawl(tmp_path / "two", "-a", "full=1", db_path=db, server=server)
    finally:
        server.stop()
    assert len(second.db_rows) == len(first.db_rows) == len(EXPECTED["articles"])
    assert stat(second.result.log, "newsbot/store/new") == 0
    assert stat(second.result.log, "newsbot/store/unchanged") == len(EXPECTED["articles"])
    assert {r["first_seen_at"] for r in second.db_rows} == {
        r["first_seen_at"] for r in first.db_rows
    }


def test_max_pages_limits_the_walk(tmp_path: Path) -> None:
    result = crawl(tmp_path, "-a", "max_pages=1")
    listing = [p for p in result.server.paths_requested() if p == "/" or p.startswith("/page/")]
    assert listing == ["/"]
    # Exactly the articles page 1 links to, its listing and its sidebars alike.
    page_one = (SITE_DIR / "index.html").read_text(encoding="utf-8")
    linked = [
        a
        for a in EXPECTED["articles"]
        if re.search(f'href="{re.escape(a["url"])}/?[?#"]', page_one)
    ]
    assert {r["url"] for r in result.csv_rows} == {result.expected_url(a["url"]) for a in linked}
    assert len(result.csv_rows) == len(linked) == 8


def test_since_stops_the_walk_and_filters_old_articles(tmp_path: Path) -> None:
    # Page 1 is newer than this, page 2 wholly older: page 3 is never fetched.
    since = "2025-06-01"
    result = crawl(tmp_path, "-a", f"since={since}")
    old = {a["url"] for a in EXPECTED["articles"] if a["published_at"] < since}
    wanted = {result.expected_url(a["url"]) for a in EXPECTED["articles"]} - {
        result.expected_url(u) for u in old
    }
    assert {r["url"] for r in result.csv_rows} == wanted
    requested = result.server.paths_requested()
    assert "/page/2/" in requested
    assert "/page/3/" not in requested
    assert not [u for u in old if u.replace(ORIGIN, "") in requested]


def test_a_page_that_times_out_is_logged_counted_and_the_rest_goes_on(tmp_path: Path) -> None:
    slow = "/2024/12/20/mezhdu-tekstilshhikami-i-pechatnikami-postroyat-peshehodnyj-most"
    with ReplicaServer(SITE_DIR, slow={slow: 3.0}) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            settings={"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"},
        )
    assert result.returncode == 0, result.log[-3000:]
    # Scrapy 2.15 raises DownloadTimeoutError, older ones Twisted's TimeoutError.
    timeouts = re.findall(r"'newsbot/request_error/\w*Timeout\w*': (\d+)", result.log)
    assert [int(n) for n in timeouts] == [1]
    assert f"article {server.base_url}{slow} failed" in result.log
    _, rows = read_csv(result.csv_path)
    assert len(rows) == len(EXPECTED["articles"]) - 1
