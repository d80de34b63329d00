"""Cases 5 and 6 of issue 9: one clear line and a documented status for operator mistakes and
faults (missing directory, foreign DB file, read-only directory, disk full, SIGTERM).

Read-only directories and a full disk are real: tmpfs mounts (root ignores permission bits,
so chmod proves nothing here). Outside CI a non-root run skips those; in CI they must run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot.runtime.health import EXIT_STOPPED, EXIT_STORE
from newsbot.store import ArticleStore
from tests.conftest import CRAWL_ENV, FAST_SETTINGS, ROOT, crawl_command, run_crawl
from tests.hostile.server import HostileSite, Page, article_html, body_text, listing_html
from tests.replica.server import SITE_DIR, ReplicaServer


def _mount(target: Path, options: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root: the tmpfs tests must run there")
        pytest.skip("mounting a tmpfs needs root")
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def readonly_dir(tmp_path: Path) -> Iterator[Path]:
    yield from _mount(tmp_path / "ro", "ro,size=1m")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mount(tmp_path / "tiny", "size=1m")


def _no_traceback(log: str) -> None:
    assert "Traceback" not in log, log[-4000:]


def _error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR: " in line or line.startswith("newsbot")]


def test_export_into_a_missing_directory_is_one_line_and_status_2(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    sqlite3.connect(db).close()
    from newsbot.store import ArticleStore

    ArticleStore(db).close()
    target = tmp_path / "missing" / "dir" / "x.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "newsbot", "export", "--db", str(db), "-o", str(target)],
        cwd=ROOT,
        env=CRAWL_ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"newsbot export: error: cannot write {target}.part: No such file or directory"
    ]


def test_sqlite_path_that_is_not_a_database_is_one_line_and_status_8(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("this is not a database, it is an operator's notes file\n" * 100)
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, db_path=db)
    assert result.returncode == EXIT_STORE
    _no_traceback(result.log)
    assert f"cannot use the store {db}: the file is not an SQLite database" in result.log
    assert "(exit 4)" not in result.log and "(exit 0)" not in result.log
    assert db.read_text().startswith("this is not a database")  # left as it was
    assert server.paths_requested() == []


def test_lock_in_a_read_only_directory_is_one_line_and_status_8(
    tmp_path: Path, readonly_dir: Path
) -> None:
    lock = readonly_dir / "newsbot.lock"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, settings={"NEWSBOT_LOCK_PATH": str(lock)})
    assert result.returncode == EXIT_STORE
    _no_traceback(result.log)
    assert f"cannot create the run lock {lock}: Read-only file system" in result.log
    assert server.paths_requested() == []


def test_store_in_a_read_only_directory_is_one_line_and_status_8(
    tmp_path: Path, readonly_dir: Path
) -> None:
    db = readonly_dir / "news.db"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            db_path=db,
            settings={"NEWSBOT_LOCK_PATH": str(tmp_path / "x.lock")},
        )
    assert result.returncode == EXIT_STORE
    _no_traceback(result.log)
    assert f"cannot use the store {db}:" in result.log


def test_a_store_directory_that_cannot_be_created_is_one_line_and_status_8(
    tmp_path: Path, readonly_dir: Path
) -> None:
    db = readonly_dir / "sub" / "news.db"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(server.base_url, tmp_path, db_path=db)
    assert result.returncode == EXIT_STORE
    _no_traceback(result.log)
    assert f"cannot create the run lock {db}.lock: Read-only file system (exit 8)" in result.log


def test_disk_full_mid_run_is_one_line_and_status_8(tmp_path: Path, tiny_disk: Path) -> None:
    db = tiny_disk / "news.db"
    filler = tiny_disk / "filler"
    # Leave room for the schema (v8: ~221 KiB of WAL once migrated, v7's ~209 KiB + 12) and the
    # first rows, not for the whole replica. At 380 KiB (v7's room) the disk is full at start.
    filler.write_bytes(b"\0" * (1024 * 1024 - 400 * 1024))
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            db_path=db,
            settings={"NEWSBOT_LOCK_PATH": str(tmp_path / "x.lock"), "SQLITE_BATCH_SIZE": "2"},
        )
    assert result.returncode == EXIT_STORE, result.log[-3000:]
    _no_traceback(result.log)
    assert f"cannot use the store {db}: database or disk is full" in result.log
    assert "newsbot run unhealthy (exit 8)" in result.log
    assert len(server.paths_requested()) > 1  # mid-run: pages were fetched before it filled
    print(
        f"MEASURE case5 disk full: {len(server.paths_requested())} requests, "
        f"{result.seconds:.1f}s, {result.peak_rss_kib} KiB"
    )


def _fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as filler:  # every byte left
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


def test_a_disk_already_full_before_the_run_is_one_line_and_status_8(
    tmp_path: Path, tiny_disk: Path
) -> None:
    """No room even for the WAL files: the check before the run says the disk is full."""
    db = tiny_disk / "news.db"
    ArticleStore(db).close()
    _fill(tiny_disk)
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            db_path=db,
            settings={"NEWSBOT_LOCK_PATH": str(tmp_path / "x.lock")},
        )
    assert result.returncode == EXIT_STORE, result.log[-3000:]
    _no_traceback(result.log)
    assert (
        f"cannot use the store {db}: database or disk is full (no room for its WAL files) (exit 8)"
        in result.log
    )
    assert server.paths_requested() == []


def test_a_disk_already_full_at_the_start_is_one_line_and_status_8(
    tmp_path: Path, tiny_disk: Path
) -> None:
    """The store opens (it exists, migrated) but the run's first write, its crawl_runs row,
    finds no room: one line and exit 8, not a traceback from the run's summary."""
    db = tiny_disk / "news.db"
    ArticleStore(db).close()
    # A reader keeps the WAL and its index in place (emptied), so opening needs no new file
    # and the first write is the first thing that needs room.
    reader = sqlite3.connect(db)
    reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _fill(tiny_disk)
    try:
        with ReplicaServer(SITE_DIR) as server:
            result = run_crawl(
                server.base_url,
                tmp_path,
                db_path=db,
                settings={"NEWSBOT_LOCK_PATH": str(tmp_path / "x.lock")},
            )
    finally:
        reader.close()
    assert result.returncode == EXIT_STORE, result.log[-3000:]
    _no_traceback(result.log)
    assert result.log.count(f"cannot use the store {db}: database or disk is full") == 1
    assert "'newsbot/store/write_failed': 1" in result.log
    assert "newsbot run unhealthy (exit 8)" in result.log


def test_sigterm_ends_the_run_with_its_own_status_and_keeps_the_rows(tmp_path: Path) -> None:
    paths = [f"/2025/03/04/novost-{i}" for i in range(4)]
    routes = {"/": Page(listing_html(paths))}
    for i, path in enumerate(paths):
        routes[path] = Page(
            article_html("", path, f"Новость {i}", body_text(i)), delay=8.0 if i == 3 else 0
        )
    db = tmp_path / "news.db"
    settings = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(db),
        "SQLITE_FLUSH_SECONDS": "1",
        "NEWSBOT_SUMMARY_PATH": str(tmp_path / "last_run.json"),
    }
    with HostileSite(routes) as site, (tmp_path / "crawl.log").open("w") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            crawl_command(site.base_url, settings), cwd=ROOT, env=CRAWL_ENV, stdout=log, stderr=log
        )
        try:
            while time.monotonic() - started < 60 and paths[3] not in site.requested():
                time.sleep(0.1)
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = (tmp_path / "crawl.log").read_text()
    assert proc.returncode == EXIT_STOPPED, text[-3000:]
    _no_traceback(text)
    assert "newsbot run unhealthy (exit 9)" in text
    conn = sqlite3.connect(db)
    # The page in flight at SIGTERM is finished (graceful stop) and stored too.
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 4
    conn.close()
    print(
        f"MEASURE case6 sigterm: {len(site.requested())} requests, "
        f"{time.monotonic() - started:.1f}s"
    )
