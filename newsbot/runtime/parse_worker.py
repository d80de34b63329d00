"""What runs inside a parse worker process (``newsbot.runtime.parse_pool`` is the crawl's side).

Kept apart from the pool so that the forkserver preloads only this module and the page module
it imports (lxml, parsel), never Scrapy or Twisted: every worker forks from that warm copy. How
a worker is started lives here too: a worker unpickles its ``Process`` object, whose class'
module it imports, so that module must not be the pool's (which imports Scrapy).
A worker ignores SIGINT/SIGTERM (the crawl finishes the pages in flight, then stops the pool),
exits when the crawl process dies (no orphan outlives a SIGKILLed crawl), and sends back, with
each result, the log records its page produced, so that they reach the crawl's own log.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from multiprocessing import popen_forkserver, spawn
from typing import Any

# The page module, imported here so that the forkserver's preload imports it once for all.
from newsbot.extraction.article import ArticleExtraction, extract_article  # noqa: F401

#: The page function a pool runs: ``extract_article``'s signature.
PageFunction = Callable[..., ArticleExtraction]

_records: list[logging.LogRecord] = []


class _Collect(logging.Handler):
    """Keeps the records of the page being parsed, made picklable (message formatted)."""

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _records.append(record)


def init_worker(log_level: int) -> None:
    """Start-up of one worker: signals to the crawl, logs collected, death with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    root = logging.getLogger()
    root.handlers[:] = [_Collect()]
    root.setLevel(log_level)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """The crawl process died (SIGKILL, OOM): this worker must not live on without it."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def parse(
    page: PageFunction, html: str, url: str, fetched_at: datetime
) -> tuple[ArticleExtraction, list[logging.LogRecord]]:
    """One page, and the log records it produced."""
    _records.clear()
    try:
        return page(html, url, fetched_at=fetched_at), list(_records)
    finally:
        _records.clear()


#: Set on the thread that is starting a worker (the crawl's threads go on meanwhile).
_launching = threading.local()
_stdlib_preparation_data = spawn.get_preparation_data


def _preparation_data(name: str) -> dict[str, Any]:
    """multiprocessing makes every new process import the parent's ``__main__`` (here Scrapy's
    ``scrapy`` script: ~0.3 s of CPU a worker, or a test's script run again); a worker needs
    only the page module, so what this thread is starting is told of no main module. Other
    threads and other processes' starts get the standard data."""
    data = _stdlib_preparation_data(name)
    if getattr(_launching, "worker", False):
        data.pop("init_main_from_name", None)
        data.pop("init_main_from_path", None)
    return data


spawn.get_preparation_data = _preparation_data


class _WorkerPopen(popen_forkserver.Popen):
    def _launch(self, process_obj: Any) -> None:
        _launching.worker = True
        try:
            super()._launch(process_obj)  # type: ignore[misc]
        finally:
            _launching.worker = False


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _WorkerPopen(process_obj)


class WorkerContext(multiprocessing.context.ForkServerContext):
    """The forkserver start method (never fork: the reactor's threads and sockets would be
    copied mid-use), with workers that do not run the crawl's main script."""

    Process = _WorkerProcess


def replay(records: list[Any]) -> None:
    """In the crawl: a worker's records through the crawl's own loggers and handlers."""
    for record in records:
        logging.getLogger(record.name).handle(record)
