"""The ``district`` spider as its discovery modes see it: arguments, per-run state, shared routing.

The spider class (``district.py``) is put together from one mixin per way of finding articles
(``listing_walk.py``, ``feed.py``, ``sitemaps.py``, ``wp_api.py``, ``auto.py``), one for the
article pages (``article_pages.py``) and one for failed requests (``failures.py``). A mixin
reads the spider's state and calls its shared routing through ``SpiderState``, so what a mixin
needs of the spider is written down once and mypy checks both sides against it: the spider's
assignments and methods, the mixins' uses. Only type checkers see ``SpiderState`` as the
mixins' base (it is declarations, no code); at run time the base is ``object``, so the spider's
class is Scrapy's plain one.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import TextResponse

from newsbot.extraction import Listing, ListingEntry
from newsbot.runtime.profiles import SiteProfile
from newsbot.store import ArticleStore

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure


@dataclass
class PageVerdict:
    """What one page of links says about walking on."""

    proper: int = 0  # entries of the listing proper (sidebars aside)
    new: int = 0  # entries (sidebars too) not seen before in this run
    dated: int = 0
    old: int = 0  # older than ``since``
    known: int = 0  # already in the store


class SpiderState:
    """What the mixins read and call of ``DistrictSpider``: declared here, defined there (or in
    a sibling mode). Not a Protocol: mypy would take a mixin's assignment to a Protocol's
    attribute for a new definition and infer its type afresh."""

    # -- arguments and per-run state (set in DistrictSpider.__init__) --
    start_url: str
    origin: str
    site: str
    profile: SiteProfile
    since: datetime | None
    full: bool
    discover: str
    crawler: Crawler
    store: ArticleStore | None
    has_stored: bool
    seen: set[str]
    refetch: set[str]
    skipped_now: list[tuple[str, str]]
    sitemaps_pending: int
    sitemaps_usable: bool
    sitemaps_done: bool
    sitemaps_failed: int
    index_lastmods: bool | None
    lastmods_real: bool | None
    sitemaps_known: dict[str, str]
    sitemaps_read: dict[str, tuple[str, str]]
    sources_failed: set[str]
    pages_lastmod: list[tuple[str, str]]

    # -- shared routing (district.py) --
    @abstractmethod
    def _inc(self, key: str, count: int = 1) -> None: ...

    @abstractmethod
    def _text(self, response: TextResponse) -> str: ...

    @abstractmethod
    def _links_request(self, url: str, callback: Any, page: int) -> scrapy.Request: ...

    @abstractmethod
    def _may_request_links(self, url: str) -> bool: ...

    @abstractmethod
    def _follow(
        self, entries: Iterable[ListingEntry], source: str, ordered: bool = True
    ) -> tuple[list[scrapy.Request], PageVerdict]: ...

    @abstractmethod
    def _walk_on(self, verdict: PageVerdict, url: str, page: int) -> bool: ...

    @abstractmethod
    def _stored_among(self, keys: Iterable[str]) -> set[str]: ...

    @abstractmethod
    def _same_site_articles(self, listing: Listing) -> list[ListingEntry]: ...

    @abstractmethod
    def _count_feed_problem(self, problem: str) -> None: ...

    @abstractmethod
    def _capabilities(self) -> ArticleStore | None: ...

    @abstractmethod
    def _note(self, feature: str, available: bool) -> None: ...

    # -- defined by one mixin, called by others --
    @abstractmethod
    def on_error(self, failure: Failure) -> None: ...  # failures.py

    @abstractmethod
    def _listing_start(self) -> scrapy.Request: ...  # listing_walk.py

    @abstractmethod
    def _discover_sitemaps(self) -> Iterator[scrapy.Request]: ...  # sitemaps.py

    @abstractmethod
    def _auto_without_api(self, why: str) -> Iterator[scrapy.Request]: ...  # auto.py


if TYPE_CHECKING:
    SpiderBase = SpiderState
else:
    SpiderBase = object
