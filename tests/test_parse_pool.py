"""Article pages parsed in worker processes (newsbot.runtime.parse_pool): the same rows as
in-process, and a worker that dies, hangs or cannot send its result back costs at most the
page that caused it, never another page's row, the crawl, or an orphan process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from newsbot.core.dates import MOSCOW
from newsbot.extraction.article import ArticleExtraction, extract_article
from newsbot.runtime.parse_pool import FAILED_CODE, ParsePool
from tests import parse_faults
from tests.conftest import ROOT, run_crawl, run_python
from tests.replica.server import SITE_DIR, ReplicaServer

FETCHED = datetime(2026, 1, 20, 18, 30, tzinfo=MOSCOW)
PAGES = sorted(SITE_DIR.glob("20*/*/*/*/index.html"))[:6]


def page(index: int, fault: str = "") -> tuple[str, str]:
    """(html, url) of a replica article, with a fault marker before ``</body>``."""
    path = PAGES[index]
    html = path.read_text(encoding="utf-8").replace("</body>", fault + "</body>")
    return html, "https://uv-kurier.ru/" + str(path.parent.relative_to(SITE_DIR))


def in_process(html: str, url: str) -> ArticleExtraction:
    return extract_article(html, url, fetched_at=FETCHED)


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def parse_all(pool: ParsePool, pages: list[tuple[str, str]]) -> list[ArticleExtraction]:
    """Every page submitted at once, as a crawl's concurrent callbacks would."""

    async def run() -> list[ArticleExtraction]:
        return list(await asyncio.gather(*(pool.extract(h, u, FETCHED) for h, u in pages)))

    try:
        return asyncio.run(run())
    finally:
        pool.close()


def make_pool(processes: int = 2, timeout: float = 30.0) -> tuple[ParsePool, Any]:
    stats = get_crawler().stats
    assert stats is not None
    return ParsePool(processes, timeout, stats=stats, page=parse_faults.faulty_extract), stats


def test_results_from_workers_equal_the_in_process_ones() -> None:
    pages = [page(i) for i in range(len(PAGES))]
    pool, stats = make_pool(2)
    results = parse_all(pool, pages)
    assert [r.fields for r in results] == [in_process(h, u).fields for h, u in pages]
    assert [r.sources for r in results] == [in_process(h, u).sources for h, u in pages]
    assert all(r.is_article for r in results)
    assert stats.get_value("newsbot/parse_pool/pages") == len(PAGES)
    assert len(pool.pids) == 2
    assert not any(alive(pid) for pid in pool.pids)  # close() stopped them


def test_a_worker_imports_the_page_module_not_the_crawl() -> None:
    """Forked from the forkserver's copy of the page module: no Scrapy, no Twisted, no store
    (a worker that imported them would cost ~0.4 s of CPU to start)."""
    pool, _stats = make_pool(1)
    (result,) = parse_all(pool, [page(0, parse_faults.MODULES)])
    assert result.sources["modules"] == ""


def test_the_event_loop_goes_on_while_the_first_worker_starts() -> None:
    """Starting the forkserver and a worker waits for their imports: done off the loop's
    thread, so the crawl fetches meanwhile."""
    pool, _stats = make_pool(1)

    async def run() -> tuple[bool, ArticleExtraction]:
        first = asyncio.ensure_future(pool.extract(*page(0), FETCHED))
        await asyncio.sleep(0)  # the page's coroutine has run up to its first wait
        loop_free_before_any_worker = not pool.pids
        return loop_free_before_any_worker, await first

    try:
        free, result = asyncio.run(run())
    finally:
        pool.close()
    assert free
    assert result.fields == in_process(*page(0)).fields
    assert len(pool.pids) == 1


def test_a_crawl_without_workers_imports_no_multiprocessing() -> None:
    out = run_python(
        "import sys, newsbot.spiders.district, newsbot.runtime.parse_pool\n"
        "print(sorted(m for m in sys.modules if m.startswith('multiprocessing')))"
    )
    assert out == "[]\n"


def test_a_worker_that_dies_costs_only_its_page(caplog: pytest.LogCaptureFixture) -> None:
    pages = [page(0), page(1), page(2, parse_faults.DIE), page(3), page(4)]
    pool, stats = make_pool(2)
    with caplog.at_level(logging.INFO):
        results = parse_all(pool, pages)
    died = results.pop(2)
    assert (died.is_article, died.code) == (False, FAILED_CODE)
    assert (
        died.reason == "the page killed its worker when parsed alone in a worker: counted as failed"
    )
    good = [p for i, p in enumerate(pages) if i != 2]
    assert [r.fields for r in results] == [in_process(h, u).fields for h, u in good]
    assert stats.get_value("newsbot/parse_pool/failed") == 1
    assert stats.get_value("newsbot/parse_pool/broken") >= 1
    # the dying page, and whichever were in flight with it, parsed again one at a time
    assert stats.get_value("newsbot/parse_pool/retried") >= 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == stats.get_value("newsbot/parse_pool/broken")
    assert errors[0].startswith("a parse worker died (A process in the process pool")
    assert not any(alive(pid) for pid in pool.pids)


def test_a_page_that_hangs_the_parser_is_counted_as_failed_and_the_rest_are_parsed() -> None:
    pages = [page(0), page(1, parse_faults.HANG), page(2), page(3)]
    pool, stats = make_pool(2, timeout=2.0)
    started = time.monotonic()
    results = parse_all(pool, pages)
    hung = results.pop(1)
    assert (hung.is_article, hung.code) == (False, FAILED_CODE)
    assert hung.reason == "the page took over 2 s when parsed alone in a worker: counted as failed"
    good = [p for i, p in enumerate(pages) if i != 1]
    assert [r.fields for r in results] == [in_process(h, u).fields for h, u in good]
    assert stats.get_value("newsbot/parse_pool/failed") == 1
    assert stats.get_value("newsbot/parse_pool/timeout") >= 1
    # one timeout in the pool, one alone: both bounded by the timeout, not the page's 600 s
    assert time.monotonic() - started < 20
    assert not any(alive(pid) for pid in pool.pids)


def test_pages_queued_behind_a_hung_one_are_parsed_not_lost() -> None:
    """One worker: the pages after the hung one wait in its queue, time out as well, and are
    parsed again alone; only the hung page fails."""
    pages = [page(0, parse_faults.HANG), page(1), page(2), page(3)]
    pool, stats = make_pool(1, timeout=2.0)

    async def run() -> list[ArticleExtraction]:
        hung = asyncio.ensure_future(pool.extract(*pages[0], FETCHED))
        await asyncio.sleep(1.0)  # the others still wait in the queue when the hung one times out
        rest = await asyncio.gather(*(pool.extract(h, u, FETCHED) for h, u in pages[1:]))
        return [await hung, *rest]

    try:
        results = asyncio.run(run())
    finally:
        pool.close()
    assert [(r.is_article, r.code) for r in results] == [(False, FAILED_CODE)] + [(True, "")] * 3
    assert [r.fields for r in results[1:]] == [in_process(h, u).fields for h, u in pages[1:]]
    assert stats.get_value("newsbot/parse_pool/failed") == 1
    assert stats.get_value("newsbot/parse_pool/broken") == 1  # one pool replaced, one line
    assert not any(alive(pid) for pid in pool.pids)


def test_a_result_that_cannot_be_pickled_is_parsed_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    html, url = page(0, parse_faults.UNPICKLABLE)
    pool, stats = make_pool(1)
    with caplog.at_level(logging.WARNING):
        (result,) = parse_all(pool, [(html, url), page(1)][:1])
    assert result.fields == in_process(html, url).fields
    assert callable(result.sources["unpicklable"])  # the in-process result, unpickled
    assert stats.get_value("newsbot/parse_pool/in_process") == 1
    assert stats.get_value("newsbot/parse_pool/failed") is None
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert line.startswith(f"{url} came back from no parse worker (")
    assert line.endswith("): parsed in-process")


def test_a_workers_log_lines_reach_the_crawls_log(caplog: pytest.LogCaptureFixture) -> None:
    html, url = page(0, parse_faults.LOG)
    pool, _stats = make_pool(1)
    with caplog.at_level(logging.INFO):
        parse_all(pool, [(html, url)])
    (record,) = [r for r in caplog.records if r.name == "tests.parse_faults"]
    assert record.levelno == logging.WARNING
    worker = int(
        re.fullmatch(rf"worker saw {re.escape(url)} \(pid (\d+)\)", record.getMessage())[1]
    )  # type: ignore[index]
    assert worker in pool.pids and worker != os.getpid()


def test_no_worker_outlives_a_crawl_process_that_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no time to stop the pool: the workers notice their parent is gone."""
    html, url = page(0)
    script = tmp_path / "owner.py"
    script.write_text(
        "import asyncio, json, os, signal, sys\n"
        "from newsbot.runtime.parse_pool import ParsePool\n"
        "from tests.test_parse_pool import FETCHED\n"
        "pool = ParsePool(2, 30.0)\n"
        f"html = open({str(PAGES[0])!r}, encoding='utf-8').read()\n"
        f"r = asyncio.run(pool.extract(html, {url!r}, FETCHED))\n"
        "print(json.dumps(sorted(pool.pids)), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == -9, done.stderr
    pids = json.loads(done.stdout)
    assert pids
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids)
    assert html  # the page the workers parsed


def rows(db: Path) -> list[dict[str, Any]]:
    """The stored rows, less what differs between any two runs (times, row ids)."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        out = [dict(r) for r in con.execute("SELECT * FROM articles ORDER BY url")]
    finally:
        con.close()
    url_of = {row["id"]: row["url"] for row in out}
    for row in out:
        row["duplicate_of"] = url_of.get(row["duplicate_of"])  # ids follow the arrival order
        for column in ("id", "scraped_at", "first_seen_at", "last_seen_at"):
            del row[column]
    return out


def test_a_crawl_with_parse_workers_stores_the_same_rows(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "pooled").mkdir()
    with ReplicaServer(SITE_DIR) as server:
        plain = run_crawl(server.base_url, tmp_path / "plain", db_path=tmp_path / "plain.db")
        pooled = run_crawl(
            server.base_url,
            tmp_path / "pooled",
            db_path=tmp_path / "pooled.db",
            settings={"NEWSBOT_PARSE_PROCESSES": "2"},
        )
    assert plain.returncode == pooled.returncode == 0, pooled.log[-3000:]
    stored = rows(tmp_path / "pooled.db")
    assert len(stored) == 14
    assert stored == rows(tmp_path / "plain.db")
    assert "'newsbot/parse_pool/pages': 14," in pooled.log
    assert "newsbot/parse_pool/pages" not in plain.log
    (line,) = re.findall(r"parse pool stopped: worker processes ([\d, ]+)", pooled.log)
    pids = [int(p) for p in line.split(", ")]
    assert len(pids) == 2
    assert not any(alive(pid) for pid in pids)  # nothing outlives the crawl


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("NEWSBOT_PARSE_PROCESSES", "-1", "NEWSBOT_PARSE_PROCESSES must be 0 or more: -1"),
        ("NEWSBOT_PARSE_PROCESSES", "two", "NEWSBOT_PARSE_PROCESSES must be a whole number: 'two'"),
        ("NEWSBOT_PARSE_TIMEOUT", "0", "NEWSBOT_PARSE_TIMEOUT must be above 0: 0"),
    ],
)
def test_a_mistaken_parse_setting_stops_the_start_with_one_line(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    with ReplicaServer() as server:
        result = run_crawl(server.base_url, tmp_path, settings={name: value})
        assert server.paths_requested() == []  # stopped before the first request
    assert result.returncode == 1
    assert f"newsbot cannot start: {said}" in result.log
    assert "Traceback" not in result.log
