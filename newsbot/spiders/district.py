"""The ``district`` spider: walks an outlet's listing pages and turns its article pages into items.

It only routes: which page to fetch next and which callback reads it. Reading a page is the job
of ``newsbot.extraction``; cleaning and storing are the pipelines'.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsbot.dates import parse_date
from newsbot.extraction import extract_article, extract_listing
from newsbot.extraction.document import repair_decoding
from newsbot.items import ArticleItem
from newsbot.profiles import SiteProfile, get_profile
from newsbot.store import ArticleStore, utc_now
from newsbot.urls import clean_url, same_site, site_of, url_key

logger = logging.getLogger(__name__)

DEFAULT_START_URL = "https://uv-kurier.ru/"


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class DistrictSpider(scrapy.Spider):
    """``-a start_url=URL -a max_pages=N -a since=DATE -a profile=HOST -a full=1``.

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
        self.full = _flag(full)
        self.site = site_of(self.start_url)
        self.allowed_domains = [urlsplit(self.start_url).hostname or self.site]
        self.seen: set[str] = set()
        self.known: set[str] = set()  # url_keys already in the store
        self.stop_at_known = True
        self.known_in_a_row = 0
        self.known_stop = 3

    # -- routing --------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None and stats.get_value("newsbot/lock_held"):
            return
        self._load_known()
        self.seen.add(url_key(self.start_url))
        yield self._listing_request(self.start_url, page=1)

    def _load_known(self) -> None:
        """What the store already holds for this site, unless a full re-crawl was asked for."""
        if self.full or self.crawler is None:
            return
        path = self.crawler.settings.get("SQLITE_PATH")
        if not path or not Path(path).exists():
            return
        store = ArticleStore(path, readonly=True)
        try:
            self.known = store.known_url_keys(self.site)
        finally:
            store.close()
        stats = self.crawler.stats
        if stats is not None and stats.get_value("newsbot/previous_run_interrupted"):
            self.stop_at_known = False
        self.known_stop = self.crawler.settings.getint("NEWSBOT_KNOWN_STOP", 3)
        logger.info(
            "incremental run: %d articles of %s already stored%s",
            len(self.known),
            self.site,
            "" if self.stop_at_known else " (previous run interrupted: walking everything)",
        )

    def _listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            meta={"page": page, "kind": "listing"},
            dont_filter=True,  # the spider dedups by url_key itself, see self.seen
        )

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsbot/{key}", count)

    def _text(self, response: TextResponse) -> str:
        """The page's text, re-decoded when its declared charset is plainly wrong."""
        text, encoding = repair_decoding(response.body, response.text, response.encoding)
        if encoding != response.encoding:
            logger.warning(
                "%s declared %s but is %s: re-decoded", response.url, response.encoding, encoding
            )
            self._inc("encoding_repaired")
        return text

    def _older_than_since(self, raw: str) -> bool:
        if self.since is None or not raw:
            return False
        when = parse_date(raw)
        return when is not None and when < self.since

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        return self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        page = int(response.meta.get("page", 1))
        if not isinstance(response, TextResponse):
            logger.warning(
                "listing %s is not a text page (%s)", response.url, type(response).__name__
            )
            self._inc("listing/not_html")
            return
        self._inc("listing/pages")
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
            self._inc("listing/structural_fallback")
        if not listing.entries:
            logger.warning("listing %s holds no article links", response.url)
            self._inc("listing/empty")
        dated = old = proper = known = 0  # over the listing proper, sidebars aside
        for entry in listing.entries:
            key = url_key(entry.url)
            is_old = self._older_than_since(entry.date_text)
            is_known = key in self.known
            if not entry.in_furniture:
                proper += 1
                known += is_known
                self.known_in_a_row = self.known_in_a_row + 1 if is_known else 0
                if entry.date_text:
                    dated += 1
                    old += is_old
            if key in self.seen:
                continue
            self.seen.add(key)
            if is_old:
                self._inc("listing/old")
                continue
            if is_known:
                self._inc("listing/known")
                continue
            self._inc("listing/article_links")
            yield scrapy.Request(
                entry.url,
                callback=self.parse_article,
                errback=self.on_error,
                meta={"kind": "article", "listing": response.url},
                dont_filter=True,
            )
        if self.since is not None and dated and old == dated:
            logger.info("listing %s is wholly older than %s: stopping", response.url, self.since)
            return
        if (
            self.known
            and self.stop_at_known
            and proper
            and (known == proper or self.known_in_a_row >= self.known_stop)
        ):
            logger.info(
                "listing %s: reached articles already stored (%d of %d): stopping",
                response.url,
                known,
                proper,
            )
            return
        next_url = listing.next_url
        if not next_url or not same_site(next_url, response.url):
            logger.info("listing ends at %s (page %d)", response.url, page)
            return
        if self.max_pages is not None and page >= self.max_pages:
            logger.info("max_pages=%d reached at %s", self.max_pages, response.url)
            return
        key = url_key(next_url)
        if key not in self.seen:
            self.seen.add(key)
            yield self._listing_request(next_url, page + 1)

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        if not isinstance(response, TextResponse):
            logger.warning("article %s is not a text page; skipped", response.url)
            self._inc("article/not_html")
            return
        self._inc("article/pages")
        result = extract_article(self._text(response), response.url)
        if not result.is_article:
            logger.warning("skipped %s: %s", response.url, result.reason)
            self._inc(f"article/skipped/{result.code}")
            return
        published = result.fields.get("published_at", "")
        if self._older_than_since(published):
            self._inc("article/skipped/older_than_since")
            return
        yield ArticleItem(**result.fields, scraped_at=utc_now())

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        kind = request.meta.get("kind", "request")
        if response is not None:
            logger.error("%s %s failed: HTTP %s", kind, request.url, response.status)
            self._inc(f"http_error/{response.status}")
        else:
            logger.error("%s %s failed: %s", kind, request.url, failure.getErrorMessage())
            self._inc(f"request_error/{failure.type.__name__ if failure.type else 'unknown'}")
