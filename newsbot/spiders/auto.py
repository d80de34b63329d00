"""``discover=auto``: the REST API when the site has one, else sitemaps or the listing walk.

What each site offered is remembered in the store (``NEWSBOT_REPROBE_DAYS``), so a site known
to have no API is not asked again, and the choice without it weighs what the run is (a
backfill, an incremental run) against what the sitemaps give (an index that dates its children).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import scrapy

from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)


class AutoDiscovery(SpiderBase):
    """Which way ``auto`` discovers, said once in the log with why."""

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
        (an idle run then costs the index; robots.txt once a day) and their lastmods were not
        lately found to be a generation stamp (they would say nothing new), else walks the
        listing."""
        sitemaps = self._remembered("sitemaps")
        lastmods = self._remembered("sitemap_lastmod")
        real = self._remembered("sitemap_lastmod_real")  # None: not told lately (then trusted)
        if sitemaps is not None and not sitemaps[0]:
            choice, reason = "the listing", f"no usable sitemap when checked at {sitemaps[1]}"
        elif not self.has_stored:
            choice, reason = "sitemaps", "a backfill"
        elif sitemaps is None or lastmods is None:
            choice, reason = "sitemaps", "what the site offers is not known lately"
        elif real is not None and not real[0]:
            choice = "the listing"
            reason = f"the sitemaps' lastmods were a generation stamp when read at {real[1]}"
        elif lastmods[0]:
            choice, reason = "sitemaps", "their index dates each sitemap"
        else:
            choice, reason = "the listing", "the sitemap index dates no sitemap"
        logger.info("discovery: %s (%s; %s)", choice, why, reason)
        if choice == "sitemaps":
            yield from self._discover_sitemaps()
        else:
            yield self._listing_start()
