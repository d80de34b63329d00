"""The listing walk (``discover=listing``, the default): the start page, then «next» page by page.

Each listing page gives its article links (with the date beside each) and the next page
(``rel=next``, WordPress's ``next page-numbers``, ``/page/N/``), read by
``newsbot.extraction.listing``; the walk stops where ``since``, stored articles, ``max_pages``
or the trap bounds say (the spider's shared ``_walk_on``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import scrapy
from scrapy.http import Response, TextResponse

from newsbot.core.urls import same_site, url_key
from newsbot.extraction import extract_listing
from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)


class ListingWalk(SpiderBase):
    """``parse_listing`` and the walk's first request; the other modes fall back to it."""

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

    def _listing_start(self) -> scrapy.Request:
        self.seen.add(url_key(self.start_url))
        return self._links_request(self.start_url, self.parse_listing, page=1)
