"""The XML sitemaps (``discover=sitemap``; ``api`` and ``auto`` fall back to them).

robots.txt names them (the run's copy, else one request), else WordPress's and Yoast's defaults;
an index leads to its post sitemaps, only those whose ``lastmod`` moved since a completed run
read them; a urlset gives articles in any order: the new ones, and the stored ones whose
``lastmod`` moved, unless the urlset's lastmods are a generation stamp (``lastmods_stamped``).
Once every sitemap has answered, what the site offers is remembered, and a site without a
usable one is walked by its listing (``api``/``auto``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsbot.core.dates import parse_date
from newsbot.core.urls import same_site, url_key
from newsbot.extraction import ListingEntry
from newsbot.extraction.feeds import read_sitemap, sitemaps_from_robots
from newsbot.runtime import render
from newsbot.runtime import stats_keys as keys
from newsbot.runtime.run import Run
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)

#: Sitemaps of posts (core WordPress, Yoast, news); page/taxonomy/user sitemaps hold no articles.
_POST_SITEMAP_WORDS = ("post", "news", "article")

#: Lastmods that are not edits: some plugins and caches write the time the sitemap was made
#: into every ``<lastmod>``, so each run would see every stored entry "moved". A urlset is
#: taken for stamped when at least STAMP_MIN_MOVED of its stored entries moved, they are at
#: least STAMP_SHARE of its stored entries with a lastmod, and all moved to within STAMP_WINDOW
#: of one another. Real edits (one post, or many at their own times) are none of these.
STAMP_MIN_MOVED = 3
STAMP_SHARE = 0.8
STAMP_WINDOW = timedelta(minutes=5)


def lastmods_stamped(moved: Sequence[datetime], compared: int) -> bool:
    """Whether a urlset's moved lastmods are one generation stamp rather than edits.

    ``moved``: the new lastmods of its stored entries that moved; ``compared``: its stored
    entries with a readable lastmod. Too few moved entries say nothing (an honest edit).
    """
    if len(moved) < STAMP_MIN_MOVED or len(moved) < STAMP_SHARE * compared:
        return False
    return max(moved) - min(moved) <= STAMP_WINDOW


class SitemapDiscovery(SpiderBase):
    """robots.txt → sitemap index → post sitemaps → article requests; and when they are done."""

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
        """robots.txt failed for good (5xx, a timeout): the store's older copy, when the robots
        middleware took it for this run (and said so), names the sitemaps and the run goes on
        as with an answer, no failure; else the failure counts and the defaults are tried."""
        known = Run.of(self.crawler).robots_txt.get(self.origin) if self.crawler else None
        if known is None:
            self.on_error(failure)
        yield from self._robots_sitemaps(known[1] if known and known[0] == 200 else b"")

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
        edited, unchanged, moved = self._moved_by_lastmod(entries)
        if lastmods_stamped(moved, len(edited) + len(unchanged)):
            self._distrust_lastmods(response.url, moved, len(edited) + len(unchanged))
            edited = set()  # stored entries stay as stored; new ones are fetched as usual
        elif len(moved) >= STAMP_MIN_MOVED and self.lastmods_real is None:
            self.lastmods_real = True  # enough moved, each at its own time: real edits
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

    def _moved_by_lastmod(
        self, entries: list[ListingEntry]
    ) -> tuple[set[str], set[str], list[datetime]]:
        """(edited, unchanged, moved): stored entries whose lastmod moved, those whose did not,
        and the lastmods the edited ones moved to.

        Moved: later than the lastmod the page had when it was last fetched; for a page never
        fetched by sitemap, later than the stored copy's last change (modified, else published
        time). Entries without a readable lastmod are in neither. Asked of the crawl's store
        also with ``full=1``, which refetches only what moved.
        """
        dated = {url_key(e.url): e.changed_text for e in entries if e.changed_text}
        store = self._capabilities() if dated else None
        if store is None:
            return set(), set(), []
        stored = store.stored_change_times(dated)
        fetched_at = store.page_lastmods(stored)
        edited: set[str] = set()
        unchanged: set[str] = set()
        moved_to: list[datetime] = []
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
            if moved:
                moved_to.append(changed)
        return edited, unchanged, moved_to

    def _distrust_lastmods(self, url: str, moved: list[datetime], compared: int) -> None:
        """Said once per sitemap, counted, and remembered for the site (``auto``)."""
        logger.warning(
            "%s: %d of %d stored entries carry a lastmod between %s and %s: stamped when the "
            "sitemap was made, not edits; %s",
            url,
            len(moved),
            compared,
            min(moved).isoformat(),
            max(moved).isoformat(),
            "full=1: every entry fetched, as without a lastmod"
            if self.full
            else "stored entries are not fetched again, new ones are",
        )
        self._inc(keys.SITEMAPS_LASTMOD_UNTRUSTED)
        self.lastmods_real = False

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
            if self.lastmods_real is not None:  # only when a urlset told (enough moved)
                self._note("sitemap_lastmod_real", self.lastmods_real)
            return
        if self.discover == "sitemap":
            logger.warning("%s: no usable sitemap (robots.txt, the defaults)", self.origin)
            self._inc(keys.DISCOVERY_SITEMAPS_UNAVAILABLE)
            return
        logger.warning("%s: no usable sitemap: discovering by the listing instead", self.origin)
        self._inc(keys.DISCOVERY_SITEMAPS_UNAVAILABLE)
        yield self._listing_start()
