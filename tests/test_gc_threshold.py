"""The GC threshold extension: raised while the engine runs, put back after, refused if wrong."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newsbot import settings as project
from newsbot.runtime.extensions.gc_threshold import GcThreshold
from newsbot.spiders.district import DistrictSpider
from tests.conftest import run_crawl
from tests.replica.server import ReplicaServer


@pytest.fixture
def python_thresholds() -> Iterator[tuple[int, int, int]]:
    """Known thresholds before the test, and the test process's own put back after it."""
    own = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*own)


def crawler_with(threshold: object, tmp_path: Path) -> Crawler:
    settings = {
        "EXTENSIONS": project.EXTENSIONS,
        "NEWSBOT_GC_THRESHOLD": threshold,
        "SQLITE_PATH": str(tmp_path / "news.db"),
        "NEWSBOT_SUMMARY_PATH": "",
    }
    return get_crawler(DistrictSpider, settings)


def test_the_threshold_holds_while_the_engine_runs_and_is_put_back(
    tmp_path: Path, python_thresholds: tuple[int, int, int]
) -> None:
    crawler = crawler_with(5000, tmp_path)
    assert crawler.get_extension(GcThreshold) is not None
    assert gc.get_threshold() == (700, 10, 10)  # building the crawler changes nothing
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (5000, 10, 10)
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == (700, 10, 10)


def test_zero_leaves_pythons_thresholds(
    tmp_path: Path, python_thresholds: tuple[int, int, int]
) -> None:
    crawler = crawler_with(0, tmp_path)
    assert crawler.get_extension(GcThreshold) is None
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("-1", "NEWSBOT_GC_THRESHOLD must be 0 or more: -1"),
        ("lots", "NEWSBOT_GC_THRESHOLD must be a whole number: 'lots'"),
    ],
)
def test_a_mistaken_threshold_stops_the_start_with_one_line(
    tmp_path: Path, value: str, said: str
) -> None:
    with ReplicaServer() as server:
        result = run_crawl(server.base_url, tmp_path, settings={"NEWSBOT_GC_THRESHOLD": value})
        assert server.paths_requested() == []  # stopped before the first request
    assert result.returncode == 1
    assert f"newsbot cannot start: {said}" in result.log
    assert "Traceback" not in result.log


def test_a_real_crawl_runs_with_the_threshold(tmp_path: Path) -> None:
    with ReplicaServer() as server:
        result = run_crawl(server.base_url, tmp_path, settings={"LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0
    assert "gc young-generation threshold 5000 (was 700)" in result.log
