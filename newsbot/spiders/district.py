"""The ``district`` spider: finds an outlet's articles and turns their pages into items.

It only routes: which page to fetch next and which callback reads it. Reading a page is the job
of ``newsbot.extraction``; cleaning and storing are the pipelines'. Articles are found by
walking listing pages (the default), or through the RSS feed, the XML sitemaps or the WordPress
REST API (``-a discover=feed|sitemap|api``); every way leads to the same article requests.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newsbot.core.dates import now_moscow, parse_date, to_iso, utc_now
from newsbot.core.urls import clean_url, same_site, site_of, url_key
from newsbot.extraction import Listing, ListingEntry, extract_listing
from newsbot.extraction.document import repair_decoding
from newsbot.extraction.feeds import (
    load_wp_posts,
    parse_feed,
    read_sitemap,
    sitemaps_from_robots,
)
from newsbot.extraction.wp_post import post_to_row
from newsbot.items import ArticleItem
from newsbot.runtime import parse_pool, render
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.profiles import SiteProfile, get_profile
from newsbot.runtime.run import Run
from newsbot.store import ArticleStore

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://uv-kurier.ru/"
DISCOVERY = ("listing", "feed", "sitemap", "api", "auto")
#: Sitemaps of posts (core WordPress, Yoast, news); page/taxonomy/user sitemaps hold no articles.
_POST_SITEMAP_WORDS = ("post", "news", "article")


def _post_date(post: dict[str, Any]) -> str:
    """A post's publication time for ``since``: UTC when WordPress gives it, else local."""
    gmt = post.get("date_gmt")
    if isinstance(gmt, str) and gmt and not gmt.startswith("0000"):
        return gmt + "Z"
    return str(post.get("date") or "")


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass
class _PageVerdict:
    """What one page of links says about walking on."""

    proper: int = 0  # entries of the listing proper (sidebars aside)
    new: int = 0  # entries (sidebars too) not seen before in this run
    dated: int = 0
    old: int = 0  # older than ``since``
    known: int = 0  # already in the store


class DistrictSpider(scrapy.Spider):
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
            self.seen.add(url_key(self.start_url))
            yield self._links_request(self.start_url, self.parse_listing, page=1)

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
    ) -> tuple[list[scrapy.Request], _PageVerdict]:
        """Article requests for the entries not yet seen, old or stored; and the page's tally.

        ``ordered``: the source lists newest first, so stored articles in a row mean the rest
        is stored too (listing pages, feeds, the API; not sitemaps).
        """
        verdict = _PageVerdict()
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

    def _walk_on(self, verdict: _PageVerdict, url: str, page: int) -> bool:
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

    # -- listing pages --------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        page = int(response.meta.get("page", 1))
        if not isinstance(response, TextResponse):
            logger.warning(
                "listing %s is not a text page (%s)", response.url, type(response).__name__
            )
            self._inc(keys.LISTING_NOT_HTML)
            return
        self._inc(keys.LISTING_PAGES)
        listing = extract_listing(
            self._text(response),
            response.url,
            self.profile.is_article_url,
            is_excluded_url=self.profile.is_excluded_url,
        )
        if listing.structural:
            logger.warning(
                "listing %s: no link has the article URL shape of profile %r; "
                "took %d headline links by page structure",
                response.url,
                self.profile.key,
                len(listing.entries),
            )
            self._inc(keys.LISTING_STRUCTURAL_FALLBACK)
        if not listing.entries:
            logger.warning("listing %s holds no article links", response.url)
            self._inc(keys.LISTING_EMPTY)
        requests, verdict = self._follow(listing.entries, response.url)
        yield from requests
        if not self._walk_on(verdict, response.url, page):
            return
        next_url = listing.next_url
        if not next_url or not same_site(next_url, response.url):
            logger.info("listing ends at %s (page %d)", response.url, page)
            return
        key = url_key(next_url)
        if key not in self.seen and self._may_request_links(next_url):
            self.seen.add(key)
            yield self._links_request(next_url, self.parse_listing, page + 1)

    # -- feed, sitemaps, REST API ---------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """RSS/Atom, newest first; WordPress pages older items as ``/feed/?paged=N``."""
        page = int(response.meta.get("page", 1))
        self._inc(keys.LISTING_PAGES)
        feed = parse_feed(response.body, response.url)
        self._count_feed_problem(feed.problem)
        entries = self._same_site_articles(feed)
        requests, verdict = self._follow(entries, response.url)
        yield from requests
        if entries and requests and self._walk_on(verdict, response.url, page):
            url = f"{self.origin}/feed/?{urlencode({'paged': page + 1})}"
            if self._may_request_links(url):
                yield self._links_request(url, self.parse_feed, page + 1)

    def _discover_sitemaps(self) -> Iterator[scrapy.Request]:
        """The sitemaps robots.txt names: from the robots.txt this run already knows (fetched
        for its rules, or the store's copy), else one request for it, which gives the rules."""
        known = Run.of(self.crawler).robots_txt.get(self.origin) if self.crawler else None
        if known is not None:
            yield from self._robots_sitemaps(known[1] if known[0] == 200 else b"")
            return
        robots = self._links_request(self.origin + "/robots.txt", self.parse_robots, page=1)
        robots.meta["handle_httpstatus_list"] = [404, 410]  # no robots.txt: try defaults
        robots.meta["dont_obey_robotstxt"] = True  # robots.txt itself: Scrapy's rules reuse it
        robots.errback = self.on_robots_error
        yield robots

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        yield from self._robots_sitemaps(response.body if response.status == 200 else b"")

    def on_robots_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """robots.txt failed for good (5xx, a timeout): the default sitemaps may still be there."""
        self.on_error(failure)
        yield from self._robots_sitemaps(b"")

    def _robots_sitemaps(self, body: bytes) -> Iterator[scrapy.Request]:
        """robots.txt names the sitemaps; without any, try WordPress's and Yoast's defaults."""
        sitemaps = sitemaps_from_robots(body, self.origin + "/robots.txt") or [
            self.origin + "/wp-sitemap.xml",
            self.origin + "/sitemap_index.xml",
        ]
        for url in sitemaps:
            if same_site(url, self.start_url) and url_key(url) not in self.seen:
                self.seen.add(url_key(url))
                yield self._sitemap_request(url, "")
        yield from self._sitemaps_finished()  # none on this site: say so, walk the listing

    def _sitemap_request(self, url: str, lastmod: str) -> scrapy.Request:
        request = self._links_request(url, self.parse_sitemap, page=1)
        request.errback = self.on_sitemap_error
        request.meta["handle_httpstatus_list"] = [404, 410]  # a default that is not there
        request.meta["sitemap_lastmod"] = lastmod
        self.sitemaps_pending += 1
        return request

    def _sitemap_unchanged(self, child: ListingEntry) -> bool:
        """The index dates this child no later than when a completed run last read it."""
        before = self.sitemaps_known.get(url_key(child.url))
        if not before or not child.changed_text:
            return False
        now, then = parse_date(child.changed_text), parse_date(before)
        if now is None or then is None:
            return child.changed_text == before
        return now <= then

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """A sitemap index (follow the post sitemaps that changed) or a urlset (articles, any
        order: the new ones, and the stored ones whose lastmod moved)."""
        self.sitemaps_pending -= 1
        if response.status != 200:
            logger.info("%s: HTTP %s, no sitemap there", response.url, response.status)
            yield from self._sitemaps_finished()
            return
        self._inc(keys.LISTING_PAGES)
        children, listing = read_sitemap(response.body, response.url)
        self._count_feed_problem(listing.problem)
        posts = [
            c for c in children if any(w in c.url.rsplit("/", 1)[-1] for w in _POST_SITEMAP_WORDS)
        ] or children
        posts = [c for c in posts if same_site(c.url, self.start_url)]
        if posts:
            self.sitemaps_usable = True
            dated = all(c.changed_text for c in posts)
            self.index_lastmods = dated and self.index_lastmods is not False
        for child in posts:
            if url_key(child.url) in self.seen:
                continue
            if self._sitemap_unchanged(child):
                self.seen.add(url_key(child.url))
                self._inc(keys.SITEMAPS_UNCHANGED)
                continue
            if not self._may_request_links(child.url):
                break
            self.seen.add(url_key(child.url))
            yield self._sitemap_request(child.url, child.changed_text)
        entries = self._same_site_articles(listing)
        if entries:
            self.sitemaps_usable = True
        # Remembered only when an index dated it and it was read whole (not cut short).
        if entries and response.meta.get("sitemap_lastmod") and not listing.problem:
            lastmod = str(response.meta["sitemap_lastmod"])
            self.sitemaps_read[url_key(response.url)] = (response.url, lastmod)
        edited, unchanged = self._moved_by_lastmod(entries)
        self.refetch |= edited  # an edited stored article is fetched again like a new one
        if self.full and unchanged:
            self._inc(keys.LISTING_KNOWN, len(unchanged))
            entries = [e for e in entries if url_key(e.url) not in unchanged]
        # <lastmod> is a modification time, never earlier than publication: an entry changed
        # before ``since`` was published before it too.
        requests, _ = self._follow(entries, response.url, ordered=False)
        for request in requests:
            request.meta["edited"] = url_key(render.page_url(request)) in edited
        yield from requests
        yield from self._sitemaps_finished()

    def _moved_by_lastmod(self, entries: list[ListingEntry]) -> tuple[set[str], set[str]]:
        """(edited, unchanged): stored entries whose lastmod moved, and those whose did not.

        Moved: later than the lastmod the page had when it was last fetched; for a page never
        fetched by sitemap, later than the stored copy's last change (modified, else published
        time). Entries without a readable lastmod are in neither. Asked of the crawl's store
        also with ``full=1``, which refetches only what moved.
        """
        dated = {url_key(e.url): e.changed_text for e in entries if e.changed_text}
        store = self._capabilities() if dated else None
        if store is None:
            return set(), set()
        stored = store.stored_change_times(dated)
        fetched_at = store.page_lastmods(stored)
        edited: set[str] = set()
        unchanged: set[str] = set()
        for key, when in stored.items():
            changed = parse_date(dated[key])
            if changed is None:
                continue
            before = fetched_at.get(key)
            if before is not None:
                then = parse_date(before)
                moved = changed > then if then is not None else dated[key] != before
            else:
                moved = not when or changed > datetime.fromisoformat(when)
            (edited if moved else unchanged).add(key)
        return edited, unchanged

    def on_sitemap_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.on_error(failure)
        self.sitemaps_pending -= 1
        self.sitemaps_failed += 1
        yield from self._sitemaps_finished()

    def _sitemaps_finished(self) -> Iterator[scrapy.Request]:
        """Once every sitemap asked for has answered: remember what the site offers; where
        none gave an article, ``api``/``auto`` walk the listing (every site has one)."""
        if self.sitemaps_pending > 0 or self.sitemaps_done:
            return
        self.sitemaps_done = True
        if self.sitemaps_usable or not self.sitemaps_failed:  # a failure is no answer
            self._note("sitemaps", self.sitemaps_usable)
        if self.sitemaps_usable:
            self._note("sitemap_lastmod", bool(self.index_lastmods))
            return
        if self.discover == "sitemap":
            logger.warning("%s: no usable sitemap (robots.txt, the defaults)", self.origin)
            self._inc(keys.DISCOVERY_SITEMAPS_UNAVAILABLE)
            return
        logger.warning("%s: no usable sitemap: discovering by the listing instead", self.origin)
        self._inc(keys.DISCOVERY_SITEMAPS_UNAVAILABLE)
        yield self._listing_start()

    def _listing_start(self) -> scrapy.Request:
        self.seen.add(url_key(self.start_url))
        return self._links_request(self.start_url, self.parse_listing, page=1)

    def _count_feed_problem(self, problem: str) -> None:
        """A truncated or refused feed/sitemap may hide entries: counted, so health says so."""
        if problem:
            self._inc(keys.FEEDS + problem)

    def _api_url(self, page: int) -> str:
        """100 posts a request with their author, image and terms embedded; ``since`` is
        WordPress's ``after`` (site-local time), so a run asks only for what is newer."""
        # Newest change first: new posts and edited ones both come at the top, so an incremental
        # run sees edits without a second query.
        params: dict[str, Any] = {
            "per_page": 100,
            "page": page,
            "_embed": 1,
            "orderby": "modified",
        }
        if self.since is not None:
            params["after"] = self.since.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self.origin}/wp-json/wp/v2/posts?{urlencode(params)}"

    def _api_request(self, page: int) -> scrapy.Request:
        request = self._links_request(self._api_url(page), self.parse_api, page)
        # The API's refusals are answers to read (rest_no_route, rest_forbidden, a page past
        # the end), not errors to retry.
        request.meta["handle_httpstatus_list"] = [400, 401, 403, 404, 410]
        return request

    def _capabilities(self) -> ArticleStore | None:
        """The crawl's store, which remembers what each site offers discovery."""
        return Run.of(self.crawler).store() if self.crawler is not None else None

    def _remembered(self, feature: str) -> tuple[bool, str] | None:
        """(offered, when checked) as the store saw it within NEWSBOT_REPROBE_DAYS; None when
        never seen or seen too long ago (then ``auto`` asks the site again)."""
        store = self._capabilities()
        seen = store.capability(self.site, feature) if store is not None else None
        if seen is None:
            return None
        assert self.crawler is not None
        days = self.crawler.settings.getfloat("NEWSBOT_REPROBE_DAYS")
        if datetime.fromisoformat(seen[1]) < datetime.now(UTC) - timedelta(days=days):
            return None
        return seen

    def _api_known_missing(self) -> str:
        """When the store saw this site without a REST API within NEWSBOT_REPROBE_DAYS ("":
        not so); ``auto`` then goes the next way straight away instead of asking again."""
        seen = self._remembered("wp_api")
        if seen is None or seen[0]:
            return ""
        self._inc(keys.DISCOVERY_REMEMBERED)
        return seen[1]

    def _auto_without_api(self, why: str) -> Iterator[scrapy.Request]:
        """``auto`` on a site without the REST API, said once: a backfill reads the sitemaps
        (one request per article, none per listing page) unless the site is known to have
        none; an incremental run reads them only when their index dates each child sitemap
        (an idle run then costs the index; robots.txt once a day), else walks the listing."""
        sitemaps = self._remembered("sitemaps")
        lastmods = self._remembered("sitemap_lastmod")
        if sitemaps is not None and not sitemaps[0]:
            choice, reason = "the listing", f"no usable sitemap when checked at {sitemaps[1]}"
        elif not self.has_stored:
            choice, reason = "sitemaps", "a backfill"
        elif sitemaps is None or lastmods is None:
            choice, reason = "sitemaps", "what the site offers is not known lately"
        elif lastmods[0]:
            choice, reason = "sitemaps", "their index dates each sitemap"
        else:
            choice, reason = "the listing", "the sitemap index dates no sitemap"
        logger.info("discovery: %s (%s; %s)", choice, why, reason)
        if choice == "sitemaps":
            yield from self._discover_sitemaps()
        else:
            yield self._listing_start()

    def _note(self, feature: str, available: bool) -> None:
        """Remember in the store whether the site offers ``feature`` (wp_api, sitemaps, …)."""
        store = self._capabilities()
        if store is not None:
            store.note_capability(self.site, feature, available, utc_now())

    def _api_unavailable(self, response: Response, why: str) -> Iterator[scrapy.Request]:
        """Say once that the site offers no usable REST API, and discover the next way:
        ``auto`` as it chooses without the API, ``api`` by the sitemaps (else the listing)."""
        logger.warning("%s: no usable WordPress REST API (%s)", response.url, why)
        self._inc(keys.DISCOVERY_API_UNAVAILABLE)
        self._note("wp_api", False)
        if self.discover == "auto":
            yield from self._auto_without_api("without a REST API")
            return
        logger.info("discovery: sitemaps (without a REST API)")
        yield from self._discover_sitemaps()

    def _edited_since_stored(self, by_key: dict[str, dict[str, Any]]) -> set[str]:
        """Stored posts whose ``modified_gmt`` is later than the stored copy's last change."""
        if self.store is None:
            return set()
        stored = self.store.stored_change_times(self._stored_among(by_key))
        edited = set()
        for key, when in stored.items():
            changed = parse_date(str(by_key[key].get("modified_gmt") or "") + "Z")
            if changed is not None and (not when or changed > datetime.fromisoformat(when)):
                edited.add(key)
        return edited

    def parse_api(self, response: Response) -> Iterator[scrapy.Request | ArticleItem]:
        """WordPress REST API pages, newest first: each post becomes its item straight from the
        JSON (no article page asked for); X-WP-TotalPages says where they end."""
        page = int(response.meta.get("page", 1))
        posts = load_wp_posts(response.body, response.url) if response.status == 200 else None
        if posts is None:
            if page == 1:
                why = f"HTTP {response.status}" if response.status != 200 else "not a posts list"
                yield from self._api_unavailable(response, why)
            elif response.status != 400:  # 400 past the last page is WordPress's "no more"
                logger.warning("%s: REST page unreadable (HTTP %s)", response.url, response.status)
            return
        self._inc(keys.LISTING_PAGES)
        if page == 1:
            self._note("wp_api", True)
            if self.discover == "auto":
                logger.info("discovery: the WordPress REST API (%d posts a request)", 100)
        by_key = {url_key(str(p.get("link") or "")): p for p in posts}
        listing = Listing(
            [ListingEntry(clean_url(str(p.get("link") or "")), _post_date(p)) for p in posts]
        )
        entries = self._same_site_articles(listing)
        edited = self._edited_since_stored(by_key)
        self.refetch |= edited  # an edited stored post is fetched (from the JSON) like a new one
        requests, verdict = self._follow(entries, response.url)
        fetched = now_moscow()
        for request in requests:
            result = post_to_row(by_key[url_key(request.url)], fetched)
            if result.is_article:
                self._inc(keys.ARTICLE_FROM_API)
                if url_key(request.url) in edited:
                    self._inc(keys.ARTICLE_EDITED)
                yield ArticleItem(**result.fields)
            elif result.code in keys.ARTICLE_API_PAGE_NEEDED_FOR:
                # No text, or an author only the page prints: the page gives the whole row.
                logger.info("%s: %s; reading its page", request.url, result.reason)
                self._inc(keys.ARTICLE_API_PAGE_NEEDED_FOR[result.code])
                request.meta["edited"] = url_key(request.url) in edited
                yield request
            else:
                logger.warning("skipped %s: %s", request.url, result.reason)
                self._inc(keys.ARTICLE_SKIPPED + result.code)
        total = (response.headers.get(b"X-WP-TotalPages") or b"").decode("latin-1").strip()
        last = int(total) if total.isdigit() else None
        more = page < last if last is not None else bool(requests)
        walk_on = entries and more and self._walk_on(verdict, response.url, page)
        if walk_on and self._may_request_links(self._api_url(page + 1)):
            yield self._api_request(page + 1)

    # -- articles -------------------------------------------------------------------------
    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        if not isinstance(response, TextResponse):
            logger.warning("article %s is not a text page; skipped", response.url)
            self._inc(keys.ARTICLE_NOT_HTML)
            return
        self._inc(keys.ARTICLE_PAGES)
        # Relative bylines («Сегодня в 10:15») resolve against the moment the page arrived.
        # Parsed in a worker process when NEWSBOT_PARSE_PROCESSES says so.
        result = await parse_pool.extract_article_page(
            self.crawler, self._text(response), response.url, now_moscow()
        )
        if not result.is_article:
            logger.warning("skipped %s: %s", response.url, result.reason)
            self._inc(keys.ARTICLE_SKIPPED + result.code)
            self.skipped_now.append((response.url, result.code))
            self._note_lastmod(response)
            return
        if not result.fields["published_at"]:
            # The page shows no date; where the link was found (a listing's date, a feed's
            # pubDate, the API's date) does.
            listed = parse_date(str(response.meta.get("listed_date") or ""), now=now_moscow())
            if listed is not None:
                result.fields["published_at"] = to_iso(listed)
                self._inc(keys.ARTICLE_DATE_FROM_LISTING)
        published = result.fields["published_at"]  # final ISO: compared, not parsed again
        if self.since is not None and published and datetime.fromisoformat(published) < self.since:
            self._inc(keys.ARTICLE_SKIPPED_OLDER_THAN_SINCE)
            return
        if response.meta.get("edited"):
            self._inc(keys.ARTICLE_EDITED)  # stored, and its lastmod or modified_gmt moved
        self._note_lastmod(response)
        yield ArticleItem(**result.fields)

    def _note_lastmod(self, response: Response) -> None:
        """The sitemap lastmod this page was fetched at: it is fetched again when that moves."""
        changed = str(response.meta.get("listed_changed") or "")
        if changed and response.request is not None:
            self.pages_lastmod.append((render.page_url(response.request), changed))

    def on_error(self, failure: Failure) -> None:
        """Log a failed page by its own URL (not Splash's endpoint) and count why it failed."""
        # Imported here: newsbot.runtime.middlewares imports the reactor, which must not be
        # installed when Scrapy loads the spider modules.
        from newsbot.runtime.middlewares import OffsiteRequest, RobotsForbidden

        if failure.check(OffsiteRequest):
            return  # SiteOnlyMiddleware logged the host and counted the request
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(RobotsForbidden):
            # The site's wish, not a failure: not counted against the run's health, and, as a
            # known non-article, not asked for again until the recheck time.
            url = render.page_url(request)
            logger.info("%s %s not fetched: forbidden by robots.txt", request.meta.get("kind"), url)
            self._inc(keys.ROBOTS_FORBIDDEN)
            if request.meta.get("kind") == "article":
                self.skipped_now.append((url, "robots_txt"))
            return
        response = getattr(failure.value, "response", None)
        kind = request.meta.get("kind", "request")
        url = render.page_url(request)
        renderer = render.renderer_of(request)
        reason = render.render_error(response) if response is not None else ""
        if renderer and (response is None or reason):
            # Splash's 504/502, Splash unreachable, a browser error: the render failed.
            what = reason or failure.getErrorMessage()
            failed = failure.type.__name__ if failure.type else "unknown"
            name = response.status if response is not None else failed
            logger.error("%s %s failed: rendering through %s: %s", kind, url, renderer, what)
            self._inc(keys.RENDER_FAILED)
            self._inc(keys.RENDER_FAILED_BY + str(name))
        if response is not None:
            if not reason:
                logger.error("%s %s failed: HTTP %s", kind, url, response.status)
            self._inc(keys.HTTP_ERROR + str(response.status))
            if kind == "article" and response.status in (404, 410):
                self._inc(keys.ARTICLE_GONE)
                self.skipped_now.append((url, f"http_{response.status}"))
                return
        else:
            if not renderer:
                logger.error("%s %s failed: %s", kind, url, failure.getErrorMessage())
            self._inc(keys.REQUEST_ERROR + (failure.type.__name__ if failure.type else "unknown"))
        if kind == "article" and request.meta.get("listing"):
            # Not stored: the sitemap that listed it is read again next run, not skipped.
            self.sources_failed.add(url_key(str(request.meta["listing"])))
