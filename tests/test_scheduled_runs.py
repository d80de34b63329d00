"""Scheduled runs against the replica: incremental cost, resume after SIGKILL, lock, exit status.

Every crawl here is the real ``scrapy crawl district`` in a subprocess.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from filelock import FileLock

from newsbot.core.dates import utc_now
from newsbot.core.fields import FIELDS
from newsbot.runtime.health import EXIT_FILL_RATE, EXIT_LOCK_HELD, EXIT_NO_ARTICLES, EXIT_NO_LISTING
from tests.conftest import (
    CRAWL_ENV,
    FAST_SETTINGS,
    ROOT,
    crawl_command,
    free_port,
    run_crawl,
    run_measured,
)
from tests.replica import build
from tests.replica.server import SITE_DIR, ReplicaServer

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
N_ARTICLES = len(EXPECTED["articles"])


def db_urls(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT url FROM articles")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def article_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p.count("/") >= 4 and p[1:5].isdigit()]


def listing_paths(paths: list[str]) -> list[str]:
    return [p for p in paths if p == "/" or p.startswith("/page/")]


def new_articles() -> list[dict]:
    return [
        build.make_article(
            "v-kuzminkah-otkrylsya-katok",
            "2026-01-25T10:00",
            "В Кузьминках открылся каток",
            ["В парке открылся каток с прокатом коньков.", "Каток будет работать до марта."],
            districts=["Кузьминки"],
        ),
        build.make_article(
            "v-kapotne-postroyat-shkolu",
            "2026-01-26T12:30",
            "В Капотне построят школу",
            ["Школу на 800 мест построят в Капотне к 2027 году.", "Проект уже утверждён."],
            districts=["Капотня"],
        ),
    ]


def test_incremental_runs_cost_only_what_is_new(tmp_path: Path) -> None:
    root = tmp_path / "site"
    build.build_site(root, expected_file=tmp_path / "expected.json")
    db = tmp_path / "news.db"
    with ReplicaServer(root) as server:
        first = run_crawl(server.base_url, tmp_path, db_path=db)
        assert first.returncode == 0, first.log[-2000:]
        assert len(db_urls(db)) == N_ARTICLES
        first_count = len(server.requests)

        # Nothing new: the first listing page is all stored articles, so the walk stops there.
        mark = len(server.requests)
        nothing_new = run_crawl(server.base_url, tmp_path, db_path=db)
        paths = server.paths_requested()[mark:]
        assert nothing_new.returncode == 0, nothing_new.log[-2000:]
        assert paths == ["/"]  # robots.txt: the store's copy (NEWSBOT_ROBOTS_MAX_AGE_HOURS)
        nothing_new_count = len(paths)

        # K = 2 new articles on top of page 1: about K article requests plus their listing.
        build.build_site(root, new_articles(), expected_file=tmp_path / "expected2.json")
        mark = len(server.requests)
        k_new = run_crawl(server.base_url, tmp_path, db_path=db)
        paths = server.paths_requested()[mark:]
        assert k_new.returncode == 0, k_new.log[-2000:]
        assert sorted(article_paths(paths)) == [
            "/2026/01/25/v-kuzminkah-otkrylsya-katok",
            "/2026/01/26/v-kapotne-postroyat-shkolu",
        ]
        assert listing_paths(paths) == ["/"]
        assert len(paths) == 3  # page 1 and the 2 articles
        assert len(db_urls(db)) == N_ARTICLES + 2
    print(
        f"\nrequests: first run {first_count}, nothing new {nothing_new_count}, 2 new {len(paths)}"
    )


#: Needed only by work an idle run never does: MinHash (datasketch, which pulls in scipy), search
#: lemmas (pymorphy3), exports (pyarrow), JSON-LD (extruct), long-tail dates (dateparser), and
#: Scrapy's remote-control server (aiohttp), left out of the extensions.
NOT_ON_THE_IDLE_PATH = ("aiohttp", "datasketch", "dateparser", "extruct", "pyarrow", "pymorphy3")


def imported_packages(log: str) -> set[str]:
    """Top-level packages named in a ``python -X importtime`` trace."""
    return {m.split(".")[0] for m in re.findall(r"^import time: .*\| +(\S+)$", log, re.M)}


def test_an_idle_run_imports_none_of_the_heavy_modules(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    settings = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(db),
        "NEWSBOT_SUMMARY_PATH": str(tmp_path / "last_run.json"),
    }
    with ReplicaServer(SITE_DIR) as server:
        traced = crawl_command(server.base_url, settings)
        traced[1:1] = ["-X", "importtime"]
        storing, storing_log, _, _ = run_measured(traced, 180)
        idle, idle_log, _, _ = run_measured(traced, 180)
    assert storing == 0, storing_log[-2000:]
    assert idle == 0, idle_log[-2000:]
    assert len(db_urls(db)) == N_ARTICLES
    assert "reached articles already stored" in idle_log
    # The trace sees them where they are used: the run that stores imports the writers' modules.
    assert "pymorphy3" in imported_packages(storing_log)
    assert "scrapy" in imported_packages(idle_log)
    assert sorted(imported_packages(idle_log) & {*NOT_ON_THE_IDLE_PATH, "scipy"}) == []


def test_full_recrawl_updates_changed_rows_and_keeps_first_seen(tmp_path: Path) -> None:
    root = tmp_path / "site"
    build.build_site(root, expected_file=tmp_path / "expected.json")
    db = tmp_path / "news.db"
    with ReplicaServer(root) as server:
        assert run_crawl(server.base_url, tmp_path, db_path=db).returncode == 0
        # The first run is dated explicitly (no sleep to make the seconds differ): the rerun's
        # own time must then land in last_seen_at, and first_seen_at must stay.
        first_seen = "2024-01-01T00:00:00+00:00"
        conn = sqlite3.connect(db)
        with conn:
            conn.execute(
                "UPDATE articles SET first_seen_at = ?, last_seen_at = ?", (first_seen,) * 2
            )
        conn.close()
        page = next(root.glob("2023/09/05/*/index.html"))
        page.write_text(
            page.read_text(encoding="utf-8").replace("Гостином дворе", "Манеже"), encoding="utf-8"
        )
        started = utc_now()
        rerun = run_crawl(server.base_url, tmp_path, "-a", "full=1", db_path=db)
        finished = utc_now()
        assert rerun.returncode == 0, rerun.log[-2000:]
    assert "'newsbot/store/updated': 1" in rerun.log
    assert f"'newsbot/store/unchanged': {N_ARTICLES - 1}" in rerun.log
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT url, first_seen_at, last_seen_at, text FROM articles").fetchall()
    conn.close()
    assert len(rows) == N_ARTICLES
    assert {seen for _url, seen, _last, _text in rows} == {first_seen}
    (last_seen,) = {last for _url, _first, last, _text in rows}  # one batch time per run
    assert started <= last_seen <= finished, (started, last_seen, finished)
    assert sum("Манеже" in text for *_, text in rows) == 1


def test_sigkill_mid_crawl_then_resume_gives_every_article_once(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    jobdir = tmp_path / "job"
    settings = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(db),
        "NEWSBOT_SUMMARY_PATH": str(tmp_path / "last_run.json"),
        "JOBDIR": str(jobdir),
        "SQLITE_BATCH_SIZE": "2",
        "DOWNLOAD_DELAY": "0.4",
        "RANDOMIZE_DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    }
    with ReplicaServer(SITE_DIR) as server:
        log = (tmp_path / "killed.log").open("w")
        proc = subprocess.Popen(
            crawl_command(server.base_url, settings),
            cwd=ROOT,
            env=CRAWL_ENV,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(db_urls(db)) < 4:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.close()
        stored_at_kill = len(db_urls(db))
        assert 4 <= stored_at_kill < N_ARTICLES, "the kill did not land mid-crawl"

        resumed = run_crawl(
            server.base_url,
            tmp_path,
            db_path=db,
            settings={"JOBDIR": str(jobdir), "SQLITE_BATCH_SIZE": "2"},
        )
    assert resumed.returncode == 0, resumed.log[-3000:]
    assert "did not finish" in resumed.log
    urls = db_urls(db)
    assert len(urls) == len(set(urls)) == N_ARTICLES
    assert Counter(u.rsplit("/", 1)[-1] for u in urls) == Counter(
        a["url"].rsplit("/", 1)[-1] for a in EXPECTED["articles"]
    )


def test_second_run_exits_at_once_while_the_lock_is_held(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    with ReplicaServer(SITE_DIR) as server, FileLock(str(db) + ".lock", timeout=0):
        started = time.monotonic()
        result = run_crawl(server.base_url, tmp_path, db_path=db)
        elapsed = time.monotonic() - started
        requested = server.paths_requested()
    assert result.returncode == EXIT_LOCK_HELD
    assert "another newsbot run holds" in result.log
    assert article_paths(requested) == []
    assert listing_paths(requested) == []
    print(f"\nlocked-out run took {elapsed:.1f}s")


def test_unreachable_listing_exits_4(tmp_path: Path) -> None:
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url + "/no-such-section", tmp_path)
    assert result.returncode == EXIT_NO_LISTING, result.log[-2000:]
    assert "no listing page was reached" in result.log


def test_a_site_that_is_down_exits_4_with_lines_not_tracebacks(tmp_path: Path) -> None:
    """Nothing listens: robots.txt and page 1 fail. Scrapy's robots middleware would log the
    refusal with a traceback; an operator gets one line per failed request instead."""
    down = f"http://127.0.0.1:{free_port()}"
    result = run_crawl(down, tmp_path, settings={"RETRY_TIMES": "0"})
    assert result.returncode == EXIT_NO_LISTING, result.log[-2000:]
    assert "Traceback" not in result.log, result.log[-4000:]
    assert f"listing {down}/ failed: Connection was refused by other side" in result.log
    assert "'newsbot/request_error/DownloadConnectionRefusedError': 1" in result.log


def test_theme_change_that_empties_articles_exits_5_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "site"
    build.build_site(root, expected_file=tmp_path / "expected.json")
    for page in root.glob("20*/*/*/*/index.html"):
        page.write_text(
            "<html><head><title>Новости</title></head><body><div id=app></div></body></html>",
            encoding="utf-8",
        )
    summary = tmp_path / "summary.json"
    with ReplicaServer(root) as server:
        result = run_crawl(
            server.base_url, tmp_path, settings={"NEWSBOT_SUMMARY_PATH": str(summary)}
        )
    assert result.returncode == EXIT_NO_ARTICLES, result.log[-2000:]
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert report["status"] == "unhealthy"
    assert report["exit_code"] == EXIT_NO_ARTICLES
    assert report["articles"]["dropped"] == {"skipped/not_article": N_ARTICLES}


def test_a_column_emptied_by_a_theme_change_is_noticed_against_its_history(
    tmp_path: Path,
) -> None:
    root = tmp_path / "site"
    build.build_site(root, expected_file=tmp_path / "expected.json")
    db = tmp_path / "news.db"
    with ReplicaServer(root) as server:
        assert run_crawl(server.base_url, tmp_path, db_path=db).returncode == 0
        for page in root.glob("20*/*/*/*/index.html"):  # the theme drops its images
            html = page.read_text(encoding="utf-8")
            html = re.sub(r'<meta property="og:image[^>]*>|<img [^>]*>', "", html)
            html = re.sub(r'"image":\s*(\{[^}]*\}|"[^"]*"|\[[^]]*\]),?', "", html)
            page.write_text(html, encoding="utf-8")
        rerun = run_crawl(server.base_url, tmp_path, "-a", "full=1", db_path=db)
    assert rerun.returncode == EXIT_FILL_RATE, rerun.log[-3000:]
    assert "unhealthy run: field image_url filled in 0% of items, usually 100%" in rerun.log


def test_summary_json_and_log_line_of_a_healthy_run(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url, tmp_path, settings={"NEWSBOT_SUMMARY_PATH": str(summary)}
        )
        served = len(server.requests)
    assert result.returncode == 0, result.log[-2000:]
    assert "newsbot run ok (exit 0)" in result.log
    report = json.loads(summary.read_text(encoding="utf-8"))
    assert report["articles"]["new"] == N_ARTICLES
    assert report["http_errors"] == {"404": 1, "503": 1}
    # Each field's share of filled items, as the expected items say (derived fields: all).
    expected_rates = {
        name: round(sum(bool(a[name]) for a in EXPECTED["articles"]) / N_ARTICLES, 4)
        if name in EXPECTED["articles"][0]
        else 1.0
        for name in FIELDS
    }
    assert report["fill_rates"] == expected_rates
    assert report["fill_rates"]["lead"] == round(13 / 14, 4)  # one article has no lead
    # robots.txt, 3 listing pages, the articles, the listed page that is gone, the 503 retried.
    assert report["pages_fetched"] == served == 1 + 3 + N_ARTICLES + 1 + 1


def test_log_file_rotates_when_asked(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "newsbot.log"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            settings={"NEWSBOT_LOG_FILE": str(log_file), "NEWSBOT_LOG_MAX_BYTES": "4000"},
        )
    assert result.returncode == 0, result.log[-2000:]
    rotated = sorted(p.name for p in log_file.parent.iterdir())
    assert "newsbot.log" in rotated and "newsbot.log.1" in rotated
    assert all(p.stat().st_size <= 4000 + 2000 for p in log_file.parent.iterdir())
