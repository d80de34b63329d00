"""The ``district`` spider as its discovery modes see it: arguments, per-run state, shared routing.

The spider class (``district.py``) is put together from one mixin per way of finding articles
(``listing_walk.py``, ``feed.py``, ``sitemaps.py``, ``wp_api.py``, ``auto.py``) and one for the
article pages (``article_pages.py``). A mixin reads the spider's state and calls its shared
routing through ``SpiderState``, so what a mode needs of the spider is written down once and
mypy checks both sides against it. Type checkers see the mixins' base as this Protocol; at run
time it is ``object``, so the spider's class and method resolution are Scrapy's plain ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import scrapy
from scrapy.http import TextResponse

from newsbot.extraction import Listing, ListingEntry
from newsbot.runtime.profiles import SiteProfile


@dataclass
class PageVerdict:
    """What one page of links says about walking on."""

    proper: int = 0  # entries of the listing proper (sidebars aside)
    new: int = 0  # entries (sidebars too) not seen before in this run
    dated: int = 0
    old: int = 0  # older than ``since``
    known: int = 0  # already in the store


class SpiderState(Protocol):
    """What the mixins read and call of ``DistrictSpider`` (defined there, or in a sibling mode)."""

    # -- arguments and per-run state (set in DistrictSpider.__init__) --
    start_url: str
    origin: str
    profile: SiteProfile
    since: datetime | None
    seen: set[str]
    skipped_now: list[tuple[str, str]]
    pages_lastmod: list[tuple[str, str]]

    # -- shared routing (district.py) --
    def _inc(self, key: str, count: int = 1) -> None: ...

    def _text(self, response: TextResponse) -> str: ...

    def _links_request(self, url: str, callback: Any, page: int) -> scrapy.Request: ...

    def _may_request_links(self, url: str) -> bool: ...

    def _follow(
        self, entries: Iterable[ListingEntry], source: str, ordered: bool = True
    ) -> tuple[list[scrapy.Request], PageVerdict]: ...

    def _walk_on(self, verdict: PageVerdict, url: str, page: int) -> bool: ...

    def _same_site_articles(self, listing: Listing) -> list[ListingEntry]: ...

    def _count_feed_problem(self, problem: str) -> None: ...


if TYPE_CHECKING:
    SpiderBase = SpiderState
else:
    SpiderBase = object
