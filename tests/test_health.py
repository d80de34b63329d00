"""The rules that turn a run's stats into a health verdict and an exit status."""

from __future__ import annotations

import dataclasses
from typing import Any

from scrapy.settings import Settings

import newsbot.settings
from newsbot.runtime.health import (
    EXIT_ERROR_RATIO,
    EXIT_FILL_RATE,
    EXIT_LOCK_HELD,
    EXIT_NO_ARTICLES,
    EXIT_NO_LISTING,
    EXIT_OK,
    Health,
    Thresholds,
    assess,
    fill_rates,
    usual_fill_rates,
)

#: The project's own limits, read from newsbot/settings.py as a crawl reads them.
LIMITS = Thresholds.from_settings(Settings(vars(newsbot.settings)))


def judge(stats: dict[str, Any], reason: str = "finished", **over: Any) -> Health:
    """``assess`` with the project's limits, some of them replaced (``over``)."""
    return assess(stats, dataclasses.replace(LIMITS, **over), reason=reason)


def test_the_limits_are_the_settings() -> None:
    assert (
        Thresholds(
            min_fill_rates={"title": 0.99, "published_at": 0.95, "text": 0.95},
            max_error_ratio=0.2,
            max_fill_drop=0.3,
        )
        == LIMITS
    )


def healthy(**over: Any) -> dict[str, Any]:
    stats: dict[str, Any] = {
        "newsbot/listing/pages": 3,
        "newsbot/listing/article_links": 14,
        "newsbot/article/pages": 14,
        "newsbot/items_cleaned": 14,
        "downloader/request_count": 18,
        "newsbot/http_error/404": 1,
    }
    stats.update(over)
    return stats


def test_healthy_run_exits_zero() -> None:
    health = judge(healthy())
    assert (health.exit_code, health.problems, health.status) == (EXIT_OK, [], "ok")


def test_nothing_new_is_healthy() -> None:
    stats = {"newsbot/listing/pages": 1, "newsbot/listing/known": 6, "downloader/request_count": 2}
    assert judge(stats).exit_code == EXIT_OK


def test_lock_held() -> None:
    health = assess(healthy(), LIMITS, reason="lock_held", lock_held=True)
    assert (health.exit_code, health.problems) == (EXIT_LOCK_HELD, ["another run holds the lock"])


def test_no_listing_reached() -> None:
    health = judge({"downloader/request_count": 2, "newsbot/http_error/503": 2})
    assert health.exit_code == EXIT_NO_LISTING
    assert any("listing" in p for p in health.problems)


def test_article_pages_without_articles() -> None:
    stats = healthy(**{"newsbot/items_cleaned": 0, "newsbot/article/skipped/no_text": 14})
    assert judge(stats).exit_code == EXIT_NO_ARTICLES


def test_one_skipped_static_page_is_not_a_theme_change() -> None:
    stats = {
        "newsbot/listing/pages": 1,
        "newsbot/listing/known": 5,
        "newsbot/listing/article_links": 1,
        "newsbot/article/pages": 1,
        "newsbot/article/skipped/not_article": 1,
        "downloader/request_count": 3,
    }
    assert judge(stats).exit_code == EXIT_OK


def test_listing_without_links() -> None:
    stats = {"newsbot/listing/pages": 1, "downloader/request_count": 2}
    assert judge(stats).exit_code == EXIT_NO_ARTICLES


def test_error_ratio_threshold() -> None:
    stats = healthy(**{"newsbot/http_error/500": 5})
    assert judge(stats, max_error_ratio=0.5).exit_code == EXIT_OK
    assert judge(stats, max_error_ratio=0.2).exit_code == EXIT_ERROR_RATIO


def test_fill_rate_below_floor_is_unhealthy() -> None:
    stats = healthy(**{"newsbot/field_empty/published_at": 2})  # 12 of 14 = 86 %
    health = judge(stats)
    assert health.exit_code == EXIT_FILL_RATE
    assert health.fill_rates["published_at"] == round(12 / 14, 4)
    assert "published_at" in health.problems[0]
    assert judge(stats, min_fill_rates={"published_at": 0.8}).exit_code == EXIT_OK


def test_fill_rates_need_a_sample() -> None:
    stats = healthy(**{"newsbot/items_cleaned": 2, "newsbot/field_empty/text": 2})
    assert judge(stats).exit_code == EXIT_OK


def test_lowest_status_wins() -> None:
    stats = {"downloader/request_count": 4, "newsbot/request_error/TimeoutError": 4}
    assert judge(stats).exit_code == EXIT_NO_LISTING


def test_fill_rates_per_field() -> None:
    rates = fill_rates({"newsbot/items_cleaned": 4, "newsbot/field_empty/lead": 3})
    assert rates["lead"] == 0.25
    assert rates["title"] == 1.0
    assert fill_rates({}) == {}


def test_usual_fill_rates_are_medians_of_runs_with_enough_items() -> None:
    runs = [
        {"articles": {"new": 10}, "fill_rates": {"image_url": 1.0, "lead": 0.5}},
        {"articles": {"new": 2, "unchanged": 5}, "fill_rates": {"image_url": 0.9, "lead": 0.7}},
        {"articles": {"new": 1}, "fill_rates": {"image_url": 0.0}},  # too small to count
        {"articles": {"updated": 4}, "fill_rates": {"image_url": 0.8, "lead": 0.6}},
    ]
    assert usual_fill_rates(runs) == {"image_url": 0.9, "lead": 0.6}
    assert usual_fill_rates([]) == {}


def test_a_field_far_below_its_usual_rate_is_unhealthy() -> None:
    stats = healthy(**{"newsbot/field_empty/image_url": 13})  # 1 of 14
    health = assess(stats, LIMITS, reason="finished", usual={"image_url": 1.0, "lead": 0.6})
    assert health.exit_code == EXIT_FILL_RATE
    assert health.problems == ["field image_url filled in 7% of items, usually 100%"]
    usual_low = assess(stats, LIMITS, reason="finished", usual={"image_url": 0.2})
    assert usual_low.exit_code == EXIT_OK
    lenient = dataclasses.replace(LIMITS, max_fill_drop=0.95)
    assert assess(stats, lenient, reason="finished", usual={"image_url": 1.0}).exit_code == EXIT_OK


def test_a_listed_article_that_is_gone_is_not_a_failed_request() -> None:
    """1 of 4 requests a 404 on an article link: the site's broken link, not the run's fault."""
    stats = healthy(
        **{"downloader/request_count": 4, "newsbot/http_error/404": 1, "newsbot/article/gone": 1}
    )
    assert assess(stats, LIMITS, reason="finished").exit_code == EXIT_OK
    stats["newsbot/article/gone"] = 0
    assert assess(stats, LIMITS, reason="finished").exit_code == EXIT_ERROR_RATIO


def test_a_page_that_broke_its_parse_worker_is_data_missing() -> None:
    stats = healthy(**{"newsbot/parse_pool/failed": 1, "newsbot/article/skipped/parse_failed": 1})
    health = judge(stats)
    assert (health.exit_code, health.problems) == (
        11,
        ["1 article pages killed or hung their parse worker (URLs in the log)"],
    )
