"""The ``district`` spider: finds an outlet's articles and turns their pages into items.

It only routes: which page to fetch next and which callback reads it. Reading a page is the job
of ``newsbot.extraction``; cleaning and storing are the pipelines'. Articles are found by
walking listing pages (the default), or through the RSS feed, the XML sitemaps or the WordPress
REST API (``-a discover=feed|sitemap|api``); every way leads to the same article requests.

Each way has its own module, a mixin of the spider: ``listing_walk``, ``feed``, ``sitemaps``,
``wp_api``, ``auto`` (which of them), and ``article_pages`` for what every way leads to. This
one keeps the spider's arguments and per-run state, its start, and the routing the ways share
(article requests, when to walk on, the bounds, counters); ``failures`` logs and counts failed
requests; ``state`` declares what the mixins read of it, for mypy.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse
from scrapy.settings import BaseSettings

from newsbot.core.dates import parse_date, utc_now
from newsbot.core.urls import clean_url, same_site, site_of, url_key
from newsbot.extraction import Listing, ListingEntry
from newsbot.extraction.document import repair_decoding
from newsbot.runtime import parse_pool, render
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.profiles import SiteProfile, get_profile
from newsbot.runtime.run import Run
from newsbot.spiders.article_pages import ArticlePages
from newsbot.spiders.auto import AutoDiscovery
from newsbot.spiders.failures import FailedRequests
from newsbot.spiders.feed import FeedDiscovery
from newsbot.spiders.listing_walk import ListingWalk
from newsbot.spiders.sitemaps import SitemapDiscovery
from newsbot.spiders.state import PageVerdict
from newsbot.spiders.wp_api import WpApiDiscovery
from newsbot.store import ArticleStore

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://uv-kurier.ru/"
DISCOVERY = ("listing", "feed", "sitemap", "api", "auto")


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class DistrictSpider(
    ListingWalk,
    FeedDiscovery,
    SitemapDiscovery,
    WpApiDiscovery,
    AutoDiscovery,
    ArticlePages,
    FailedRequests,
    scrapy.Spider,
):
    """``-a start_url=URL -a max_pages=N -a since=DATE -a profile=HOST -a full=1 -a discover=…``.

    Incremental by default: with a store that already holds the site, the walk stops at the
    first listing page made only of stored articles (or ``NEWSBOT_KNOWN_STOP`` stored ones in
    a row) and stored articles are not fetched again. ``full=1`` walks and fetches everything.
    After an interrupted run the whole listing is walked, still skipping stored articles.
    """

    name = "district"

    def __init__(
        self,
        start_url: str = DEFAULT_START_URL,
        max_pages: str | int | None = None,
        since: str | None = None,
        profile: str | None = None,
        full: str | bool = False,
        discover: str = "listing",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_url = clean_url(start_url)
        if not self.start_url:
            raise ValueError(f"start_url is not an http(s) URL: {start_url!r}")
        self.profile: SiteProfile = get_profile(self.start_url, profile)
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.since: datetime | None = None
        if since:
            self.since = parse_date(since)
            if self.since is None:
                raise ValueError(f"since is not a date: {since!r}")
        if discover not in DISCOVERY:
            raise ValueError(f"discover must be one of {', '.join(DISCOVERY)}: {discover!r}")
        self.discover = discover
        self.full = _flag(full)
        self.site = site_of(self.start_url)
        parts = urlsplit(self.start_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.allowed_domains = [parts.hostname or self.site]
        self.seen: set[str] = set()
        #: The crawl's store when this run is incremental (None: ``full=1``, no store, locked);
        #: asked per page which of its links are stored, never loaded whole.
        self.store: ArticleStore | None = None
        self.has_stored = False  # the store held rows of this site when the run started
        self.refetch: set[str] = set()  # stored url_keys to fetch again (edited since stored)
        #: url_keys this run asked for: stored by now, perhaps, but not known when it began
        self.fetched: set[str] = set()
        #: url_keys that gave no article lately (not asked for again until the recheck time)
        self.recently_skipped: set[str] = set()
        self.skipped_now: list[tuple[str, str]] = []  # (url, reason) of this run, stored at close
        self.stop_at_known = True
        self.known_in_a_row = 0
        self.renderer: render.PageRenderer | None = None  # set in from_crawler
        self.barren_in_a_row = 0  # listing pages in a row that brought no new article URL
        self.links_requested = 0  # listing/feed/sitemap/API pages asked for in this run
        #: Sitemaps: documents asked for and not yet answered; whether any gave the site's
        #: articles (or post sitemaps); whether every post sitemap an index named had a lastmod.
        self.sitemaps_pending = 0
        self.sitemaps_usable = False
        self.sitemaps_done = False
        self.sitemaps_failed = 0  # sitemap requests that failed (5xx, timeouts), not 404s
        self.index_lastmods: bool | None = None
        #: Whether the urlsets' lastmods are edits (False: one said a generation stamp; None:
        #: none moved enough to tell), see sitemaps.lastmods_stamped.
        self.lastmods_real: bool | None = None
        #: url_key -> lastmod of the child sitemaps a completed run read (incremental runs only)
        self.sitemaps_known: dict[str, str] = {}
        self.sitemaps_read: dict[str, tuple[str, str]] = {}  # this run's: key -> (url, lastmod)
        self.sources_failed: set[str] = set()  # url_keys of sitemaps whose article failed
        self.pages_lastmod: list[tuple[str, str]] = []  # (page url, sitemap lastmod) fetched

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        render.configure(settings)  # no-op unless SPLASH_URL or NEWSBOT_RENDERER is set

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> DistrictSpider:
        spider: DistrictSpider = super().from_crawler(crawler, *args, **kwargs)
        # A mistaken rendering setting stops the run here with one line (exit status 1).
        spider.renderer = render.PageRenderer.from_settings(crawler.settings, spider.profile.render)
        parse_pool.check_settings(crawler.settings)  # so does a mistaken parse-worker setting
        return spider

    def _page_request(self, url: str, callback: Any, kind: str, **kwargs: Any) -> scrapy.Request:
        if self.renderer is None:
            return scrapy.Request(url, callback=callback, **kwargs)
        return self.renderer.request(url, callback, kind, **kwargs)

    # -- start ----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        run = Run.of(self.crawler) if self.crawler is not None else None
        if run is not None and (run.lock_held or run.store_failed):
            return  # another run holds the lock, or the store cannot be used: the run closes
        self._load_known(run)
        if self.discover == "feed":
            yield self._links_request(self.origin + "/feed/", self.parse_feed, page=1)
        elif self.discover == "sitemap":
            yield from self._discover_sitemaps()
        elif self.discover == "auto" and (checked := self._api_known_missing()):
            yield from self._auto_without_api(f"no WordPress REST API when checked at {checked}")
        elif self.discover in ("api", "auto"):
            yield self._api_request(1)
        else:
            yield self._listing_start()

    def _load_known(self, run: Run | None) -> None:
        """What the crawl's store already holds for this site, unless ``full=1`` was asked."""
        store = run.store() if run is not None and not self.full else None
        if run is None or store is None:
            return
        self.store = store
        self.has_stored = store.has_site(self.site)
        self.recently_skipped = self._recently_skipped(store)
        if run.previous_interrupted:
            self.stop_at_known = False
        elif self.has_stored:
            self.sitemaps_known = store.sitemap_lastmods(self.site)
        logger.info(
            "incremental run: %s%s",
            f"articles of {self.site} already stored"
            if self.has_stored
            else f"nothing of {self.site} stored yet",
            "" if self.stop_at_known else " (previous run interrupted: walking everything)",
        )

    def _stored_among(self, keys: Iterable[str]) -> set[str]:
        """Which of these links the store holds (none when the run is not incremental)."""
        return self.store.stored_among(keys) if self.store is not None else set()

    def _recently_skipped(self, store: ArticleStore) -> set[str]:
        """Pages that answered as no article (a static page, a 404) within the recheck time."""
        assert self.crawler is not None
        hours = self.crawler.settings.getfloat("NEWSBOT_SKIPPED_RECHECK_HOURS")
        cutoff = (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0)
        return store.recently_skipped(self.site, cutoff.isoformat())

    def closed(self, reason: str) -> None:
        """Record this run's pages that gave no article, so the next runs do not ask again;
        the sitemap lastmod of each page it fetched; and, after a completed run, the child
        sitemaps it read in full."""
        if self.crawler is None:
            return
        run = Run.of(self.crawler)
        try:
            store = run.store()
            if store is not None and self.skipped_now:
                store.note_skipped(self.site, self.skipped_now, utc_now())
        except (sqlite3.Error, OSError) as exc:
            logger.warning("could not record %d skipped pages: %s", len(self.skipped_now), exc)
        # A child sitemap whose article failed is read again next time; so is every one after
        # a run that did not finish (its articles may not all be stored).
        read = [v for k, v in self.sitemaps_read.items() if k not in self.sources_failed]
        if reason != "finished":
            read = []
        if not (read or self.pages_lastmod) or run.store_failed:
            return
        try:
            store = run.store()
            if store is not None:
                store.note_page_lastmods(self.pages_lastmod, utc_now())
                store.note_sitemaps_read(self.site, read, utc_now())
        except (sqlite3.Error, OSError) as exc:
            logger.warning("could not record what the sitemaps said: %s", exc)

    # -- helpers --------------------------------------------------------------------------
    def _setting(self, name: str) -> int:
        assert self.crawler is not None
        return self.crawler.settings.getint(name)

    def _may_request_links(self, url: str) -> bool:
        """The listing-page ceiling: a walk that reaches it is a trap or a bound set too low."""
        ceiling = self._setting("NEWSBOT_MAX_LISTING_PAGES") if self.crawler else 0
        if ceiling and self.links_requested >= ceiling:
            logger.warning(
                "NEWSBOT_MAX_LISTING_PAGES=%d reached: not fetching %s (a pagination trap?)",
                ceiling,
                url,
            )
            self._inc(keys.LISTING_PAGE_CEILING)
            return False
        return True

    def _links_request(self, url: str, callback: Any, page: int) -> scrapy.Request:
        self.links_requested += 1
        kwargs: dict[str, Any] = {
            "errback": self.on_error,
            "meta": {"page": page, "kind": "listing"},
            "dont_filter": True,  # the spider dedups by url_key itself, see self.seen
        }
        if callback == self.parse_listing:  # HTML may need rendering; feeds, sitemaps never
            return self._page_request(url, callback, "listing", **kwargs)
        return scrapy.Request(url, callback=callback, **kwargs)

    def _inc(self, key: str, count: int = 1) -> None:
        """Count ``key`` (a newsbot.runtime.stats_keys name)."""
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)

    def _text(self, response: TextResponse) -> str:
        """The page's text, re-decoded when its declared charset is plainly wrong."""
        text, encoding = repair_decoding(response.body, response.text, response.encoding)
        if encoding != response.encoding:
            logger.warning(
                "%s declared %s but is %s: re-decoded", response.url, response.encoding, encoding
            )
            self._inc(keys.ENCODING_REPAIRED)
        return text

    def _older_than_since(self, raw: str) -> bool:
        if self.since is None or not raw:
            return False
        when = parse_date(raw)
        return when is not None and when < self.since

    def _follow(
        self, entries: Iterable[ListingEntry], source: str, ordered: bool = True
    ) -> tuple[list[scrapy.Request], PageVerdict]:
        """Article requests for the entries not yet seen, old or stored; and the page's tally.

        ``ordered``: the source lists newest first, so stored articles in a row mean the rest
        is stored too (listing pages, feeds, the API; not sitemaps).
        """
        verdict = PageVerdict()
        requests: list[scrapy.Request] = []
        entries = list(entries)
        stored = self._stored_among(url_key(e.url) for e in entries)
        for entry in entries:
            key = url_key(entry.url)
            is_old = self._older_than_since(entry.date_text)
            is_known = key in stored and key not in self.refetch and key not in self.fetched
            if not entry.in_furniture:
                verdict.proper += 1
                verdict.known += is_known
                if ordered:
                    self.known_in_a_row = self.known_in_a_row + 1 if is_known else 0
                if entry.date_text:
                    verdict.dated += 1
                    verdict.old += is_old
            if key in self.seen:
                continue
            self.seen.add(key)
            verdict.new += 1
            if key in self.recently_skipped:
                self._inc(keys.LISTING_RECENTLY_SKIPPED)
                continue
            if is_old:
                self._inc(keys.LISTING_OLD)
                continue
            if is_known:
                self._inc(keys.LISTING_KNOWN)
                continue
            self._inc(keys.LISTING_ARTICLE_LINKS)
            self.fetched.add(key)
            requests.append(
                self._page_request(
                    entry.url,
                    self.parse_article,
                    "article",
                    errback=self.on_error,
                    meta={
                        "kind": "article",
                        "listing": source,
                        "listed_date": entry.date_text,
                        "listed_changed": entry.changed_text,
                    },
                    dont_filter=True,
                )
            )
        return requests, verdict

    def _walk_on(self, verdict: PageVerdict, url: str, page: int) -> bool:
        """Whether to fetch the next page after this one (since, stored articles, max_pages)."""
        if self.since is not None and verdict.dated and verdict.old == verdict.dated:
            logger.info("%s is wholly older than %s: stopping", url, self.since)
            return False
        if (
            self.has_stored
            and self.stop_at_known
            and verdict.proper
            and (
                verdict.known == verdict.proper
                or self.known_in_a_row >= self._setting("NEWSBOT_KNOWN_STOP")
            )
        ):
            logger.info(
                "%s: reached articles already stored (%d of %d): stopping",
                url,
                verdict.known,
                verdict.proper,
            )
            return False
        if self.max_pages is not None and page >= self.max_pages:
            logger.info("max_pages=%d reached at %s", self.max_pages, url)
            return False
        # A real archive's next page brings articles not seen yet; a trap (pagination that
        # always offers page N+1, a calendar's «›») repeats the same ones or none.
        self.barren_in_a_row = 0 if verdict.new else self.barren_in_a_row + 1
        barren = self._setting("NEWSBOT_MAX_BARREN_PAGES") if self.crawler else 0
        if barren and self.barren_in_a_row >= barren:
            logger.warning(
                "%s: %d listing pages in a row brought no new article: stopping (a trap?)",
                url,
                self.barren_in_a_row,
            )
            self._inc(keys.LISTING_BARREN_STOP)
            return False
        return True

    def _same_site_articles(self, listing: Listing) -> list[ListingEntry]:
        """Feeds and sitemaps list home pages, static pages and other sites too."""
        return [
            e
            for e in listing.entries
            if same_site(e.url, self.start_url) and self.profile.is_article_url(e.url)
        ]

    def _count_feed_problem(self, problem: str) -> None:
        """A truncated or refused feed/sitemap may hide entries: counted, so health says so."""
        if problem:
            self._inc(keys.FEEDS + problem)

    def _capabilities(self) -> ArticleStore | None:
        """The crawl's store, which remembers what each site offers discovery."""
        return Run.of(self.crawler).store() if self.crawler is not None else None

    def _note(self, feature: str, available: bool) -> None:
        """Remember in the store whether the site offers ``feature`` (wp_api, sitemaps, …)."""
        store = self._capabilities()
        if store is not None:
            store.note_capability(self.site, feature, available, utc_now())
