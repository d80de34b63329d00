"""Article pages parsed in worker processes, so that a crawl can use a second core.

``NEWSBOT_PARSE_PROCESSES`` workers (0: in the crawl's own process, as before) run the page
module (``extract_article``) while the crawl process fetches, cleans and stores; the spider's
``async`` callback awaits the result. Workers are forked from a forkserver that preloaded the
page module (never forked from the running reactor) and started on the first article page, so
an idle run starts none.

Faults cost one page at most, never the crawl or another page's row:

* a worker dies (OOM, a crash in a C library) or a page takes more than
  ``NEWSBOT_PARSE_TIMEOUT`` seconds (its workers are killed): one error line, the pool is
  replaced, and every page that was in flight is parsed again **alone** in a one-worker pool,
  one at a time; a page that kills or hangs that worker too is the culprit: counted as failed
  (``parse_failed``), innocent ones give their rows;
* a result that cannot come back (pickling) or any other error of the pool: the page is parsed
  in the crawl's process (one warning line).

The pool, the forkserver and its workers are stopped when the spider closes.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import BrokenExecutor, Future
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from newsbot.extraction.article import ArticleExtraction, extract_article
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.setting_numbers import setting_number

if TYPE_CHECKING:  # multiprocessing is imported when a pool starts, not by every crawl
    from concurrent.futures import ProcessPoolExecutor

    from newsbot.runtime.parse_worker import PageFunction

logger = logging.getLogger(__name__)

_ATTRIBUTE = "newsbot_parse_pool"
#: The spider's code (``newsbot/article/skipped/<code>``) for a page that breaks the parser.
FAILED_CODE = "parse_failed"


class ParsePool:
    """The crawl's parse workers; ``ParsePool.of(crawler)`` finds (or makes) its own."""

    def __init__(
        self,
        processes: int,
        timeout: float,
        stats: StatsCollector | None = None,
        page: PageFunction = extract_article,
        log_level: int = logging.INFO,
    ) -> None:
        if processes < 0:
            raise ValueError(f"NEWSBOT_PARSE_PROCESSES must be 0 or more: {processes}")
        if timeout <= 0:
            raise ValueError(f"NEWSBOT_PARSE_TIMEOUT must be above 0: {timeout}")
        self.processes = processes
        self.timeout = timeout
        self.stats = stats
        self.page = page
        self.log_level = log_level
        self._pool: ProcessPoolExecutor | None = None
        self._alone: ProcessPoolExecutor | None = None  # one worker, one page at a time
        self._alone_lock = asyncio.Lock()
        #: Every worker process started, for the shutdown check and its log line.
        self.pids: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParsePool:
        processes, timeout = check_settings(crawler.settings)
        if processes:
            from scrapy.utils.reactor import is_asyncio_reactor_installed

            if not is_asyncio_reactor_installed():
                logger.warning(
                    "NEWSBOT_PARSE_PROCESSES=%d needs the asyncio reactor: parsing in-process",
                    processes,
                )
                processes = 0
        pool = cls(
            processes,
            timeout,
            stats=crawler.stats,
            log_level=_emitted_level(),
        )
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    @classmethod
    def of(cls, crawler: Crawler) -> ParsePool:
        pool = getattr(crawler, _ATTRIBUTE, None)
        if pool is None:
            pool = cls.from_crawler(crawler)
            setattr(crawler, _ATTRIBUTE, pool)
        assert isinstance(pool, ParsePool)
        return pool

    async def extract(self, html: str, url: str, fetched_at: datetime) -> ArticleExtraction:
        """The page module's result for one page, from a worker when there are any."""
        if not self.processes:
            return self.page(html, url, fetched_at=fetched_at)
        pool = self._pool or self._start(self.processes)
        self._pool = pool
        try:
            result = await self._run(pool, self.processes, html, url, fetched_at)
        except TimeoutError:
            self._inc(keys.PARSE_POOL_TIMEOUT)
            self._discard(pool, f"parsing {url} took over {self.timeout:g} s")
            return await self._extract_alone(html, url, fetched_at)
        except BrokenExecutor as exc:
            self._discard(pool, f"a parse worker died ({exc})")
            return await self._extract_alone(html, url, fetched_at)
        except Exception as exc:  # the result could not be pickled, or the pool failed
            return self._in_process(html, url, fetched_at, exc)
        self._inc(keys.PARSE_POOL_PAGES)
        return result

    async def _extract_alone(self, html: str, url: str, fetched_at: datetime) -> ArticleExtraction:
        """A page that was in flight when the pool broke, parsed with no other page beside it:
        if it breaks this worker too, it is the page that does."""
        async with self._alone_lock:
            self._inc(keys.PARSE_POOL_RETRIED)
            pool = self._alone or self._start(1)
            self._alone = pool
            try:
                result = await self._run(pool, 1, html, url, fetched_at)
            except TimeoutError:
                return self._failed(pool, url, f"took over {self.timeout:g} s")
            except BrokenExecutor:
                return self._failed(pool, url, "killed its worker")
            except Exception as exc:
                return self._in_process(html, url, fetched_at, exc)
        self._inc(keys.PARSE_POOL_PAGES)
        return result

    async def _run(
        self, pool: ProcessPoolExecutor, size: int, html: str, url: str, fetched_at: datetime
    ) -> ArticleExtraction:
        from newsbot.runtime import parse_worker

        def submit() -> Future[Any]:
            return pool.submit(parse_worker.parse, self.page, html, url, fetched_at)

        if len(_processes(pool)) < size:
            # This submit may start a worker, and the first the forkserver (~0.3 s of waiting
            # for its imports): not on the reactor's thread, which goes on fetching.
            future = await asyncio.to_thread(submit)
        else:
            future = submit()
        self.pids.update(_processes(pool))
        try:
            result, records = await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except asyncio.CancelledError:
            if future.cancelled():  # the pool was stopped under it: not this task's cancelling
                raise BrokenExecutor("the pool was stopped before the page ran") from None
            raise
        parse_worker.replay(records)
        assert isinstance(result, ArticleExtraction)
        return result

    def _start(self, processes: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        from newsbot.runtime import parse_worker

        context = parse_worker.WorkerContext()
        context.set_forkserver_preload(["newsbot.runtime.parse_worker"])
        return ProcessPoolExecutor(
            processes,
            mp_context=context,
            initializer=parse_worker.init_worker,
            initargs=(self.log_level,),
        )

    def _discard(self, pool: ProcessPoolExecutor, why: str) -> None:
        """Stop a broken or hung pool, once; the next page starts a new one."""
        _kill(pool)
        if pool is not self._pool:
            return  # another page in flight saw it first and said so
        self._pool = None
        self._inc(keys.PARSE_POOL_BROKEN)
        logger.error(
            "%s: its workers are stopped, a new pool takes the next pages, and the pages "
            "that were in flight are parsed again one at a time",
            why,
        )

    def _failed(self, pool: ProcessPoolExecutor, url: str, why: str) -> ArticleExtraction:
        _kill(pool)
        self._alone = None
        self._inc(keys.PARSE_POOL_FAILED)
        return ArticleExtraction(
            is_article=False,
            code=FAILED_CODE,
            reason=f"the page {why} when parsed alone in a worker: counted as failed",
        )

    def _in_process(
        self, html: str, url: str, fetched_at: datetime, exc: BaseException
    ) -> ArticleExtraction:
        logger.warning("%s came back from no parse worker (%r): parsed in-process", url, exc)
        self._inc(keys.PARSE_POOL_IN_PROCESS)
        return self.page(html, url, fetched_at=fetched_at)

    def close(self) -> None:
        """Stop every worker and the forkserver: no process outlives the crawl."""
        for pool in (self._pool, self._alone):
            if pool is not None:
                self.pids.update(_processes(pool))
                pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._alone = None
        if self.pids:
            _stop_forkserver()
            logger.info(
                "parse pool stopped: worker processes %s",
                ", ".join(str(p) for p in sorted(self.pids)),
            )

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _processes(pool: ProcessPoolExecutor) -> list[int]:
    # ProcessPoolExecutor names its workers only privately (3.14 adds kill_workers()).
    procs: dict[int, Any] | None = getattr(pool, "_processes", None)
    return list(procs or ())


def _kill(pool: ProcessPoolExecutor) -> None:
    """SIGKILL a pool's workers (a hung one cannot be asked) and let the pool reap them.

    The pages queued behind are not cancelled: the pool fails them as broken, and each one is
    parsed again alone."""
    procs: dict[int, Any] | None = getattr(pool, "_processes", None)
    for process in list((procs or {}).values()):
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False)


def _stop_forkserver() -> None:
    """The forkserver lives until its parent exits; stopped (and reaped) here instead, so it
    does not outlive the crawl and its workers' CPU time is the crawl's. It is started again
    if another pool needs it."""
    import multiprocessing.forkserver

    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if stop is not None:
        stop()


def check_settings(settings: BaseSettings) -> tuple[int, float]:
    """(processes, timeout) from the settings; a mistaken one is a ValueError saying which, so
    the spider can stop the start with one line before the first request."""
    processes = int(
        setting_number(settings, "NEWSBOT_PARSE_PROCESSES", settings.getint, "a whole number")
    )
    timeout = setting_number(settings, "NEWSBOT_PARSE_TIMEOUT", settings.getfloat, "a number")
    if processes < 0:
        raise ValueError(f"NEWSBOT_PARSE_PROCESSES must be 0 or more: {processes}")
    if timeout <= 0:
        raise ValueError(f"NEWSBOT_PARSE_TIMEOUT must be above 0: {timeout:g}")
    return processes, timeout


def _emitted_level() -> int:
    """The lowest level the crawl's log would show: workers collect nothing below it."""
    root = logging.getLogger()
    levels = [h.level or logging.DEBUG for h in root.handlers] or [logging.WARNING]
    return max(min(levels), logging.getLogger("newsbot").getEffectiveLevel())


async def extract_article_page(
    crawler: Crawler | None, html: str, url: str, fetched_at: datetime
) -> ArticleExtraction:
    """The spider's one call: ``extract_article`` in the crawl's pool (or in-process)."""
    if crawler is None:
        return extract_article(html, url, fetched_at=fetched_at)
    return await ParsePool.of(crawler).extract(html, url, fetched_at)
