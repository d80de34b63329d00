"""What a finished run's stats say about its health, and the exit status cron should see.

Pure functions over a stats dict and the run's own state (``lock_held``, ``store_failed``, passed
in by the summary from newsbot.runtime.run), so the rules are tested without a crawl. Exit
statuses:

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
      be stored or parsed (a page that kills or hangs its parse worker; each logged with its URL)
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.settings import BaseSettings

from newsbot.core.fields import FIELDS
from newsbot.runtime import stats_keys as keys

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

#: Fill rates are judged only from this many cleaned items on (fewer say little).
MIN_ITEMS_FOR_FILL_CHECK = 3
#: Article pages that all fail to read make a theme change from this many on.
MIN_PAGES_FOR_ARTICLE_CHECK = 3


@dataclass(frozen=True)
class Thresholds:
    """The operator's limits (settings ``NEWSBOT_MIN_FILL_RATES``, ``NEWSBOT_MAX_ERROR_RATIO``,
    ``NEWSBOT_MAX_FILL_DROP``; their defaults are in newsbot/settings.py only)."""

    min_fill_rates: Mapping[str, float]
    max_error_ratio: float
    max_fill_drop: float

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        return cls(
            min_fill_rates={
                str(k): float(v) for k, v in settings.getdict("NEWSBOT_MIN_FILL_RATES").items()
            },
            max_error_ratio=settings.getfloat("NEWSBOT_MAX_ERROR_RATIO"),
            max_fill_drop=settings.getfloat("NEWSBOT_MAX_FILL_DROP"),
        )


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
    total = int(stats.get(keys.ITEMS_CLEANED, 0))
    if not total:
        return {}
    return {
        name: round(1 - int(stats.get(keys.FIELD_EMPTY + name, 0)) / total, 4) for name in FIELDS
    }


def usual_fill_rates(
    summaries: Sequence[Mapping[str, Any]], min_items: int = MIN_ITEMS_FOR_FILL_CHECK
) -> dict[str, float]:
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
    limits: Thresholds,
    *,
    reason: str,
    usual: Mapping[str, float] | None = None,
    lock_held: bool = False,
    store_failed: bool = False,
) -> Health:
    """Judge a run from its stats, Scrapy's close reason and what the run itself knows.

    ``lock_held`` and ``store_failed`` come from the crawl's Run (newsbot.runtime.run); stats
    only count. ``usual``: each field's fill rate in earlier healthy runs.
    """
    health = Health(fill_rates=fill_rates(stats))
    if lock_held:
        health.fail(EXIT_LOCK_HELD, "another run holds the lock")
        return health
    failed_renders = int(stats.get(keys.RENDER_FAILED, 0))
    if failed_renders and not stats.get(keys.RENDER_RENDERED):
        # Splash down or timing out on every page: the other checks would only name symptoms.
        why = ", ".join(
            f"{k} ×{v}" for k, v in sorted(prefixed(stats, keys.RENDER_FAILED_BY).items())
        )
        health.fail(EXIT_RENDER_FAILED, f"all {failed_renders} page renders failed ({why})")
        _judge_bounds_and_losses(health, stats, reason, store_failed)
        return health
    listing_pages = int(stats.get(keys.LISTING_PAGES, 0))
    if listing_pages == 0:
        health.fail(EXIT_NO_LISTING, "no listing page was reached")
    article_pages = int(stats.get(keys.ARTICLE_PAGES, 0))
    items = int(stats.get(keys.ITEMS_CLEANED, 0))
    links = int(stats.get(keys.LISTING_ARTICLE_LINKS, 0))
    known = int(stats.get(keys.LISTING_KNOWN, 0))
    if article_pages >= MIN_PAGES_FOR_ARTICLE_CHECK and not items:
        # One or two skipped pages (a static page whose URL looks like an article) are normal
        # on undated-slug sites; a run of pages that all fail to read is a theme change.
        health.fail(EXIT_NO_ARTICLES, f"{article_pages} article pages gave no article")
    elif (
        listing_pages
        and not links
        and not known
        and not stats.get(keys.LISTING_OLD)
        # an idle sitemap run: the index says no child sitemap changed since the last run
        and not stats.get(keys.SITEMAPS_UNCHANGED)
    ):
        health.fail(EXIT_NO_ARTICLES, "listing pages held no article links")
    requests = int(stats.get(keys.SCRAPY_REQUEST_COUNT, 0))
    errors = sum(prefixed(stats, keys.HTTP_ERROR).values()) + sum(
        prefixed(stats, keys.REQUEST_ERROR).values()
    )
    # A listed article that is gone (404/410) is the site's broken link, recorded and not asked
    # for again for a day: it says nothing about this run's health.
    errors -= int(stats.get(keys.ARTICLE_GONE, 0))
    if requests and errors / requests > limits.max_error_ratio:
        health.fail(
            EXIT_ERROR_RATIO,
            f"{errors} of {requests} requests failed (over {limits.max_error_ratio:.0%})",
        )
    if items >= MIN_ITEMS_FOR_FILL_CHECK:
        for name, floor in limits.min_fill_rates.items():
            rate = health.fill_rates.get(name, 0.0)
            if rate < floor:
                health.fail(
                    EXIT_FILL_RATE, f"field {name} filled in {rate:.0%} of items (< {floor:.0%})"
                )
        # Any field, against its own history: a column a theme change emptied shows here even
        # when no floor was set for it (image_url 100 % for months, then 10 %).
        for name, before in (usual or {}).items():
            now = health.fill_rates.get(name)
            if now is not None and before - now > limits.max_fill_drop:
                health.fail(
                    EXIT_FILL_RATE,
                    f"field {name} filled in {now:.0%} of items, usually {before:.0%}",
                )
    _judge_bounds_and_losses(health, stats, reason, store_failed)
    return health


def _judge_bounds_and_losses(
    health: Health, stats: Mapping[str, Any], reason: str, store_failed: bool
) -> None:
    """Statuses 8–11: the store failed, a signal, a bound, or input that was cut short."""
    if reason not in ("finished", "lock_held", STORE_FAILED_REASON, *STOPPED_REASONS):
        health.fail(EXIT_BOUND, f"run ended early: {reason}")
    if stats.get(keys.LISTING_PAGE_CEILING):
        health.fail(EXIT_BOUND, "the listing-page ceiling NEWSBOT_MAX_LISTING_PAGES was reached")
    truncated = int(stats.get(keys.FEEDS_TRUNCATED, 0))
    refused = int(stats.get(keys.FEEDS_REFUSED, 0))
    if truncated or refused:
        health.fail(
            EXIT_INCOMPLETE,
            f"{truncated} feeds/sitemaps truncated, {refused} refused: entries may be missing",
        )
    failed = int(stats.get(keys.STORE_FAILED, 0))
    if failed:
        health.fail(EXIT_INCOMPLETE, f"{failed} articles could not be stored (URLs in the log)")
    unparsed = int(stats.get(keys.PARSE_POOL_FAILED, 0))
    if unparsed:
        health.fail(
            EXIT_INCOMPLETE,
            f"{unparsed} article pages killed or hung their parse worker (URLs in the log)",
        )
    if reason in STOPPED_REASONS:
        health.cut_short(EXIT_STOPPED, "stopped by a signal (SIGTERM/SIGINT) before the end")
    if reason == STORE_FAILED_REASON or store_failed:
        health.cut_short(EXIT_STORE, "the store could not be written (see the error above)")
