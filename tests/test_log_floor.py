"""The root logger's level floor: nothing a handler keeps is lost, nothing all drop is built."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsbot.runtime.extensions.log_floor import LogLevelFloor, handlers_floor
from tests.conftest import run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer


class _Kept(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger with none of its handlers: pytest's, which keep everything (level 0)
    and are installed around each test's body, put back after."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers.clear()
    root.setLevel(logging.NOTSET)
    try:
        yield root
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_the_root_rises_to_the_lowest_handler_and_comes_back() -> None:
    with bare_root() as root:
        _rises_and_comes_back(root)


def _rises_and_comes_back(bare_root: logging.Logger) -> None:
    info, warning = _Kept(logging.INFO), _Kept(logging.WARNING)
    bare_root.addHandler(info)
    bare_root.addHandler(warning)
    ext = LogLevelFloor()
    ext.engine_started()
    assert bare_root.level == logging.INFO
    log = logging.getLogger("newsbot.test_log_floor")
    assert not log.isEnabledFor(logging.DEBUG)  # no record is built at all
    log.debug("dropped by every handler")
    log.info("kept by one")
    log.warning("kept by both")
    assert [r.getMessage() for r in info.records] == ["kept by one", "kept by both"]
    assert [r.getMessage() for r in warning.records] == ["kept by both"]
    ext.engine_stopped()
    assert bare_root.level == logging.NOTSET
    assert log.isEnabledFor(logging.DEBUG)


def test_a_handler_that_keeps_everything_keeps_the_root_open() -> None:
    with bare_root() as root:
        _stays_open(root)


def _stays_open(bare_root: logging.Logger) -> None:
    everything = _Kept(logging.NOTSET)
    bare_root.addHandler(_Kept(logging.ERROR))
    bare_root.addHandler(everything)
    assert handlers_floor(bare_root) == logging.NOTSET
    ext = LogLevelFloor()
    ext.engine_started()
    assert bare_root.level == logging.NOTSET
    logging.getLogger("newsbot.test_log_floor").debug("still wanted")
    assert [r.getMessage() for r in everything.records] == ["still wanted"]
    ext.engine_stopped()
    assert bare_root.level == logging.NOTSET


def test_no_handler_changes_nothing() -> None:
    with bare_root() as root:
        assert handlers_floor(root) == logging.NOTSET
        LogLevelFloor().engine_started()
        assert root.level == logging.NOTSET


def test_a_debug_log_file_still_gets_what_the_console_leaves_out(tmp_path: Path) -> None:
    """A real crawl at LOG_LEVEL INFO with the log file at DEBUG: the floor is DEBUG."""
    log_file = tmp_path / "newsbot.log"
    with ReplicaServer(SITE_DIR) as server:
        result = run_crawl(
            server.base_url,
            tmp_path,
            settings={"NEWSBOT_LOG_FILE": str(log_file), "NEWSBOT_LOG_LEVEL": "DEBUG"},
        )
    assert result.returncode == 0, result.log[-2000:]
    in_file = log_file.read_text(encoding="utf-8")
    # robots.txt, 3 listing pages and 14 articles (the 503 retried once) 200, the page gone 404.
    assert in_file.count("] DEBUG: Crawled (200)") == 18
    assert in_file.count("] DEBUG: Crawled (404)") == 1
    assert in_file.count("] DEBUG: Retrying <GET ") == 1
    assert in_file.count("] DEBUG: Scraped from <200 ") == 14
    assert "newsbot.runtime.extensions.log_floor.LogLevelFloor" in result.log  # enabled
    assert "DEBUG: Crawled (" not in result.log  # the console stays at INFO
    assert "INFO: " in result.log
