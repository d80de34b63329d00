"""The WordPress REST API (``discover=api``; ``auto`` tries it first): ``/wp-json/wp/v2/posts``.

Pages of 100 posts, newest change first, each post turned into its item straight from the JSON
by ``newsbot.extraction.wp_post`` (its page is fetched only when the JSON cannot give the whole
row); ``X-WP-TotalPages`` says where they end. A site without a usable API is said once and
discovered the next way (``auto``'s choice, else the sitemaps).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from newsbot.core.dates import now_moscow, parse_date
from newsbot.core.urls import clean_url, url_key
from newsbot.extraction import Listing, ListingEntry
from newsbot.extraction.feeds import load_wp_posts
from newsbot.extraction.wp_post import post_to_row
from newsbot.items import ArticleItem
from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)


def _post_date(post: dict[str, Any]) -> str:
    """A post's publication time for ``since``: UTC when WordPress gives it, else local."""
    gmt = post.get("date_gmt")
    if isinstance(gmt, str) and gmt and not gmt.startswith("0000"):
        return gmt + "Z"
    return str(post.get("date") or "")


class WpApiDiscovery(SpiderBase):
    """``parse_api``: the callback of each page of posts; the API's URLs and requests."""

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
