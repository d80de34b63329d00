"""The feed (``discover=feed``): ``/feed/`` (RSS/Atom), then its older pages ``/feed/?paged=N``.

``newsbot.extraction.feeds`` reads the feed into the same entries as a listing page; the walk
stops as a listing walk does.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from newsbot.extraction.feeds import parse_feed
from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase


class FeedDiscovery(SpiderBase):
    """``parse_feed``: the callback of each feed page."""

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
