"""What a finished run's stats say about its health, and the exit status cron should see.

Pure functions over a stats dict, so the rules are tested without a crawl. Exit statuses:

====  ======================================================================================
0     healthy run (also: nothing new to fetch)
1     Scrapy itself failed (bad arguments, spider could not start) — Scrapy's own status
3     another run holds the lock: nothing was done
4     no listing page was reached (site down, DNS, robots.txt forbids the start URL)
5     pages that should hold articles gave none (a theme change emptied the extraction)
6     too many failed requests (``NEWSBOT_MAX_ERROR_RATIO``)
7     a field's fill rate fell below its floor (``NEWSBOT_MIN_FILL_RATES``)
8     the store or its lock cannot be used: missing or read-only directory, not a database,
      disk full (one error line names the file and the cause)
9     stopped by SIGTERM/SIGINT before the end (rows parsed until then are stored)
10    a bound ended the walk or the run (``NEWSBOT_MAX_LISTING_PAGES``,
      ``CLOSESPIDER_PAGECOUNT``, ``CLOSESPIDER_TIMEOUT``): a trap, or a bound set too low
11    data may be missing: a feed or sitemap was truncated or refused, or an article could not
      be stored (each logged with its URL)
12    rendering was on and every render failed (Splash down or timing out, browser broken)
====  ======================================================================================

When several apply, the lowest number wins (the most basic failure explains the others),
except that 8 and 9 win over every other (the figures of a run cut short explain nothing), and
12 is reported instead of 4 to 7: a renderer that failed every page explains them (no listing
reached, no articles, failed requests, empty fields).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newsbot.core.fields import FIELDS

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_LOCK_HELD = 3
EXIT_NO_LISTING = 4
EXIT_NO_ARTICLES = 5
EXIT_ERROR_RATIO = 6
EXIT_FILL_RATE = 7
EXIT_STORE = 8
EXIT_STOPPED = 9
EXIT_BOUND = 10
EXIT_INCOMPLETE = 11
EXIT_RENDER_FAILED = 12

#: Spider close reasons of a run stopped from outside (Scrapy's own name for SIGTERM/SIGINT).
STOPPED_REASONS = frozenset({"shutdown"})
#: A run closed because the store could not be written (newsbot.pipelines.store).
STORE_FAILED_REASON = "store_failed"

DEFAULT_MIN_FILL_RATES: dict[str, float] = {"title": 0.99, "published_at": 0.95, "text": 0.95}


@dataclass
class Health:
    exit_code: int = EXIT_OK
    problems: list[str] = field(default_factory=list)
    fill_rates: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "ok" if self.exit_code == EXIT_OK else "unhealthy"

    def fail(self, code: int, problem: str) -> None:
        self.problems.append(problem)
        self.exit_code = code if self.exit_code == EXIT_OK else min(self.exit_code, code)

    def cut_short(self, code: int, problem: str) -> None:
        """A run that could not go on: its status wins, its reason is said first."""
        self.problems.insert(0, problem)
        self.exit_code = code


def fill_rates(stats: Mapping[str, Any]) -> dict[str, float]:
    """Share of cleaned items with each DESIGN field filled (from the clean pipeline's counts)."""
    total = int(stats.get("newsbot/items_cleaned", 0))
    if not total:
        return {}
    return {
        name: round(1 - int(stats.get(f"newsbot/field_empty/{name}", 0)) / total, 4)
        for name in FIELDS
    }


def usual_fill_rates(summaries: list[Mapping[str, Any]], min_items: int = 3) -> dict[str, float]:
    """Per field, the median fill rate of earlier healthy runs that had enough items."""
    per_field: dict[str, list[float]] = {}
    for summary in summaries:
        articles = summary.get("articles", {})
        items = int(articles.get("new", 0)) + int(articles.get("updated", 0))
        items += int(articles.get("unchanged", 0))
        if items < min_items:
            continue
        for name, rate in (summary.get("fill_rates") or {}).items():
            per_field.setdefault(name, []).append(float(rate))
    return {name: statistics.median(rates) for name, rates in per_field.items() if rates}


def prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def assess(
    stats: Mapping[str, Any],
    min_fill_rates: Mapping[str, float] | None = None,
    max_error_ratio: float = 0.2,
    min_items_for_fill_check: int = 3,
    min_pages_for_article_check: int = 3,
    usual: Mapping[str, float] | None = None,
    max_drop: float = 0.3,
    reason: str = "finished",
) -> Health:
    """Judge a run from its stats and Scrapy's close reason. Thresholds come from settings."""
    health = Health(fill_rates=fill_rates(stats))
    if stats.get("newsbot/lock_held"):
        health.fail(EXIT_LOCK_HELD, "another run holds the lock")
        return health
    failed_renders = int(stats.get("newsbot/render/failed", 0))
    if failed_renders and not stats.get("newsbot/render/rendered"):
        # Splash down or timing out on every page: the other checks would only name symptoms.
        why = ", ".join(
            f"{k} ×{v}" for k, v in sorted(prefixed(stats, "newsbot/render/failed/").items())
        )
        health.fail(EXIT_RENDER_FAILED, f"all {failed_renders} page renders failed ({why})")
        _judge_bounds_and_losses(health, stats, reason)
        return health
    listing_pages = int(stats.get("newsbot/listing/pages", 0))
    if listing_pages == 0:
        health.fail(EXIT_NO_LISTING, "no listing page was reached")
    article_pages = int(stats.get("newsbot/article/pages", 0))
    items = int(stats.get("newsbot/items_cleaned", 0))
    links = int(stats.get("newsbot/listing/article_links", 0))
    known = int(stats.get("newsbot/listing/known", 0))
    if article_pages >= min_pages_for_article_check and not items:
        # One or two skipped pages (a static page whose URL looks like an article) are normal
        # on undated-slug sites; a run of pages that all fail to read is a theme change.
        health.fail(EXIT_NO_ARTICLES, f"{article_pages} article pages gave no article")
    elif listing_pages and not links and not known and not stats.get("newsbot/listing/old"):
        health.fail(EXIT_NO_ARTICLES, "listing pages held no article links")
    requests = int(stats.get("downloader/request_count", 0))
    errors = sum(prefixed(stats, "newsbot/http_error/").values()) + sum(
        prefixed(stats, "newsbot/request_error/").values()
    )
    # A listed article that is gone (404/410) is the site's broken link, recorded and not asked
    # for again for a day: it says nothing about this run's health.
    errors -= int(stats.get("newsbot/article/gone", 0))
    if requests and errors / requests > max_error_ratio:
        health.fail(
            EXIT_ERROR_RATIO,
            f"{errors} of {requests} requests failed (over {max_error_ratio:.0%})",
        )
    if items >= min_items_for_fill_check:
        for name, floor in (min_fill_rates or DEFAULT_MIN_FILL_RATES).items():
            rate = health.fill_rates.get(name, 0.0)
            if rate < floor:
                health.fail(
                    EXIT_FILL_RATE, f"field {name} filled in {rate:.0%} of items (< {floor:.0%})"
                )
        # Any field, against its own history: a column a theme change emptied shows here even
        # when no floor was set for it (image_url 100 % for months, then 10 %).
        for name, before in (usual or {}).items():
            rate = health.fill_rates.get(name)
            if rate is not None and before - rate > max_drop:
                health.fail(
                    EXIT_FILL_RATE,
                    f"field {name} filled in {rate:.0%} of items, usually {before:.0%}",
                )
    _judge_bounds_and_losses(health, stats, reason)
    return health


def _judge_bounds_and_losses(health: Health, stats: Mapping[str, Any], reason: str) -> None:
    """Statuses 8–11: the store failed, a signal, a bound, or input that was cut short."""
    if reason not in ("finished", "lock_held", STORE_FAILED_REASON, *STOPPED_REASONS):
        health.fail(EXIT_BOUND, f"run ended early: {reason}")
    if stats.get("newsbot/listing/page_ceiling"):
        health.fail(EXIT_BOUND, "the listing-page ceiling NEWSBOT_MAX_LISTING_PAGES was reached")
    truncated = int(stats.get("newsbot/feeds/truncated", 0))
    refused = int(stats.get("newsbot/feeds/refused", 0))
    if truncated or refused:
        health.fail(
            EXIT_INCOMPLETE,
            f"{truncated} feeds/sitemaps truncated, {refused} refused: entries may be missing",
        )
    failed = int(stats.get("newsbot/store/failed", 0))
    if failed:
        health.fail(EXIT_INCOMPLETE, f"{failed} articles could not be stored (URLs in the log)")
    if reason in STOPPED_REASONS:
        health.cut_short(EXIT_STOPPED, "stopped by a signal (SIGTERM/SIGINT) before the end")
    if reason == STORE_FAILED_REASON or stats.get("newsbot/store/write_failed"):
        health.cut_short(EXIT_STORE, "the store could not be written (see the error above)")
