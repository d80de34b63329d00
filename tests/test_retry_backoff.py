"""The retry middleware's back-off in-process: the delays it computes and the waits it schedules.

``BackoffRetryMiddleware`` is built by ``get_crawler`` from the project's settings; its waits are
scheduled on Twisted's own deterministic clock (``twisted.internet.task.Clock``) so each delay
is read exactly and time is advanced by hand, with no sleeping. The responses are hand-built.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from newsbot.runtime.middlewares import BackoffRetryMiddleware, backoff_delay
from newsbot.spiders.district import DistrictSpider
from tests.conftest import project_settings

PAGE = "https://uv-kurier.ru/2025/03/04/novost"


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [
        (1, None, 2.0),
        (2, None, 4.0),
        (3, None, 8.0),
        (6, None, 60.0),  # 64 capped
        (0, None, 2.0),  # attempts count from 1
        (1, "5", 5.0),  # Retry-After in seconds wins over the exponential
        (3, " 0 ", 0.0),
        (1, "120", 60.0),  # capped
        (1, "-3", 0.0),
        (2, "Wed, 21 Oct 2015 07:28:00 GMT", 4.0),  # an HTTP date: the exponential
        (2, "", 4.0),
    ],
)
def test_backoff_delay(attempt: int, retry_after: str | None, expected: float) -> None:
    assert backoff_delay(attempt, 2.0, 60.0, retry_after) == expected


def make_middleware(tmp_path: Path, **settings: Any) -> tuple[BackoffRetryMiddleware, Clock]:
    crawler = get_crawler(DistrictSpider, project_settings(tmp_path, **settings))
    crawler.spider = DistrictSpider.from_crawler(crawler, start_url="https://uv-kurier.ru/")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    clock = Clock()
    middleware.clock = clock
    return middleware, clock


def respond(
    middleware: BackoffRetryMiddleware,
    clock: Clock,
    request: Request,
    status: int,
    headers: dict[str, str] | None = None,
) -> tuple[Request | Response, list[float]]:
    """What process_response returns for one response, and the waits it scheduled first."""
    response = Response(request.url, status=status, headers=headers or {}, request=request)
    waits: list[float] = []

    async def run() -> Request | Response:
        task = asyncio.ensure_future(middleware.process_response(request, response))
        for _ in range(5):
            await asyncio.sleep(0)  # let it run up to its wait, if it waits
        while not task.done():
            calls = clock.getDelayedCalls()
            assert len(calls) == 1, calls
            due = calls[0].getTime()
            waits.append(due - clock.seconds())
            clock.advance(waits[-1] - 0.001)
            for _ in range(5):
                await asyncio.sleep(0)
            assert not task.done(), "the retry came before its delay had passed"
            clock.advance(due - clock.seconds() + 1e-9)  # exactly to the due time (floats)
            for _ in range(5):
                await asyncio.sleep(0)
        return task.result()

    return asyncio.run(run()), [round(w, 6) for w in waits]


def test_each_retry_waits_twice_as_long_then_gives_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    middleware, clock = make_middleware(
        tmp_path, NEWSBOT_RETRY_BACKOFF_BASE=2.0, NEWSBOT_RETRY_BACKOFF_MAX=60.0, RETRY_TIMES=3
    )
    request = Request(PAGE)
    seen: list[tuple[int, list[float]]] = []
    with caplog.at_level(logging.INFO, logger="newsbot.runtime.middlewares"):
        for _ in range(4):
            result, waits = respond(middleware, clock, request, 503)
            if not isinstance(result, Request):
                assert result.status == 503  # retries exhausted: the response goes on
                seen.append((0, waits))
                break
            seen.append((int(result.meta["retry_times"]), waits))
            request = result
    assert seen == [(1, [2.0]), (2, [4.0]), (3, [8.0]), (0, [])]
    assert clock.seconds() == pytest.approx(14.0)
    assert [r.getMessage() for r in caplog.records if r.name == middleware.__module__] == [
        f"HTTP 503 for {PAGE}: retry 1 in 2.0s",
        f"HTTP 503 for {PAGE}: retry 2 in 4.0s",
        f"HTTP 503 for {PAGE}: retry 3 in 8.0s",
    ]
    stats = middleware.crawler.stats
    assert stats is not None
    assert stats.get_value("retry/count") == 3
    assert stats.get_value("retry/max_reached") == 1


def test_retry_after_is_obeyed_up_to_the_cap(tmp_path: Path) -> None:
    middleware, clock = make_middleware(
        tmp_path, NEWSBOT_RETRY_BACKOFF_BASE=2.0, NEWSBOT_RETRY_BACKOFF_MAX=30.0
    )
    result, waits = respond(middleware, clock, Request(PAGE), 429, {"Retry-After": "7"})
    assert isinstance(result, Request) and waits == [7.0]
    result, waits = respond(middleware, clock, result, 503, {"Retry-After": "3600"})
    assert isinstance(result, Request) and waits == [30.0]  # an hour asked, the cap given
    assert result.meta["retry_times"] == 2


def test_no_wait_without_a_base_and_none_for_what_is_not_retried(tmp_path: Path) -> None:
    middleware, clock = make_middleware(tmp_path, NEWSBOT_RETRY_BACKOFF_BASE=0)
    result, waits = respond(middleware, clock, Request(PAGE), 503)
    assert isinstance(result, Request) and result.meta["retry_times"] == 1 and waits == []
    middleware, clock = make_middleware(tmp_path / "second")
    request = Request(PAGE)
    for status in (200, 404, 301):
        result, waits = respond(middleware, clock, request, status)
        assert (isinstance(result, Response), result.status, waits) == (True, status, [])  # type: ignore[union-attr]
