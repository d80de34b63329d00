"""Article pages: each fetched page becomes its item, whichever way its link was found.

Reading the page is ``newsbot.extraction``'s job; here the page is routed: not text, not an
article (remembered, so it is not asked for again soon), older than ``since``, or an item, with
the date its link carried where the page shows none.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

from scrapy.http import Response, TextResponse

from newsbot.core.dates import now_moscow, parse_date, to_iso
from newsbot.items import ArticleItem
from newsbot.runtime import parse_pool, render
from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)


class ArticlePages(SpiderBase):
    """``parse_article``: the callback of every article request (listing, feed, sitemap, API)."""

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
