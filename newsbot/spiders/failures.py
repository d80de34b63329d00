"""Failed requests, whichever way they were asked for: one log line by the page's own URL, and
the counters health reads (HTTP status, network error, rendering failure).

Not failures of the run: robots.txt's refusals (the site's wish) and off-site requests. A gone
article (404/410) is remembered like a page that gave no article; an article that failed
otherwise has the sitemap that listed it read again next run.
"""

from __future__ import annotations

import logging

from twisted.python.failure import Failure

from newsbot.core.urls import url_key
from newsbot.runtime import render
from newsbot.runtime import stats_keys as keys
from newsbot.spiders.state import SpiderBase

logger = logging.getLogger(__name__)


class FailedRequests(SpiderBase):
    """``on_error``: the errback of every request the spider makes."""

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
