"""Every stats key newsbot writes or reads, named once: a grep for a constant finds both sides.

Stats only count. Decisions between components (the lock is held, the previous run was
interrupted, the store failed, the exit status) travel on the crawl's ``Run`` object
(newsbot.runtime.run), never through stats. Keys ending in ``/`` are prefixes: the writer
appends a reason, a status or a field name.
"""

from __future__ import annotations

# --- the spider: listing, feed, sitemap and API pages ------------------------------------
LISTING_PAGES = "newsbot/listing/pages"
LISTING_ARTICLE_LINKS = "newsbot/listing/article_links"  # article URLs requested
LISTING_KNOWN = "newsbot/listing/known"  # article URLs skipped: already stored
LISTING_OLD = "newsbot/listing/old"  # article URLs skipped: older than ``since``
LISTING_EMPTY = "newsbot/listing/empty"
LISTING_NOT_HTML = "newsbot/listing/not_html"
LISTING_STRUCTURAL_FALLBACK = "newsbot/listing/structural_fallback"
LISTING_BARREN_STOP = "newsbot/listing/barren_stop"
LISTING_PAGE_CEILING = "newsbot/listing/page_ceiling"
LISTING_RECENTLY_SKIPPED = "newsbot/listing/recently_skipped"  # gave no article lately
DISCOVERY_API_UNAVAILABLE = "newsbot/discovery/api_unavailable"
DISCOVERY_REMEMBERED = "newsbot/discovery/remembered"  # auto went by what the store recalled
DISCOVERY_SITEMAPS_UNAVAILABLE = "newsbot/discovery/sitemaps_unavailable"
SITEMAPS_UNCHANGED = "newsbot/sitemaps/unchanged"  # child sitemaps not fetched: not changed
#: urlsets whose lastmods are a generation stamp, not edits (their stored entries not refetched)
SITEMAPS_LASTMOD_UNTRUSTED = "newsbot/sitemaps/lastmod_untrusted"
FEEDS = "newsbot/feeds/"  # + "truncated" or "refused"
FEEDS_TRUNCATED = FEEDS + "truncated"
FEEDS_REFUSED = FEEDS + "refused"
ENCODING_REPAIRED = "newsbot/encoding_repaired"

# --- the spider: article pages and failed requests -----------------------------------------
ARTICLE_PAGES = "newsbot/article/pages"
ARTICLE_NOT_HTML = "newsbot/article/not_html"
ARTICLE_SKIPPED = "newsbot/article/skipped/"  # + the extraction's code, or older_than_since
ARTICLE_SKIPPED_OLDER_THAN_SINCE = ARTICLE_SKIPPED + "older_than_since"
ARTICLE_FROM_API = "newsbot/article/from_api"  # items built from the REST API's JSON
ARTICLE_EDITED = "newsbot/article/edited"  # stored articles fetched again: edited since
ARTICLE_API_PAGE_NEEDED = "newsbot/article/api_page_needed"  # a post without text: page read
#: a post whose author only the page prints (a shared WP account, no byline in the content)
ARTICLE_API_PAGE_NEEDED_AUTHOR = ARTICLE_API_PAGE_NEEDED + "/author"
#: post_to_row's code -> the key counting the posts read from their page for it
ARTICLE_API_PAGE_NEEDED_FOR = {
    "no_text": ARTICLE_API_PAGE_NEEDED,
    "no_byline": ARTICLE_API_PAGE_NEEDED_AUTHOR,
}
ARTICLE_DATE_FROM_LISTING = "newsbot/article/date_from_listing"  # date from where it was listed
ARTICLE_GONE = "newsbot/article/gone"  # listed article links answering 404/410
HTTP_ERROR = "newsbot/http_error/"  # + the HTTP status
REQUEST_ERROR = "newsbot/request_error/"  # + the exception's class name

# --- rendering (newsbot.runtime.render and the spider's errback) ---------------------------
RENDER_RENDERED = "newsbot/render/rendered"
RENDER_FAILED = "newsbot/render/failed"  # pages whose render failed for good
RENDER_FAILED_BY = "newsbot/render/failed/"  # + the status or exception name
RENDER_ATTEMPT_FAILED = "newsbot/render/attempt_failed/"  # + the status or exception name

# --- parse workers (newsbot.runtime.parse_pool) -------------------------------------------
PARSE_POOL_PAGES = "newsbot/parse_pool/pages"  # article pages parsed in a worker process
PARSE_POOL_BROKEN = "newsbot/parse_pool/broken"  # pools replaced: a worker died or hung
PARSE_POOL_TIMEOUT = "newsbot/parse_pool/timeout"  # pages past NEWSBOT_PARSE_TIMEOUT in the pool
PARSE_POOL_RETRIED = "newsbot/parse_pool/retried"  # pages in flight then, parsed again alone
PARSE_POOL_FAILED = "newsbot/parse_pool/failed"  # pages that broke or hung a worker alone
PARSE_POOL_IN_PROCESS = "newsbot/parse_pool/in_process"  # results that could not come back

# --- downloader middlewares ---------------------------------------------------------------
OFFSITE_FILTERED = "newsbot/offsite/filtered"
OFFSITE_HOSTS = "newsbot/offsite/hosts"
ROBOTS_SHARED = "newsbot/robots/shared"  # robots rules built from the spider's robots.txt
ROBOTS_REMEMBERED = "newsbot/robots/remembered"  # robots.txt copies taken from the store
#: robots.txt unreachable: the rules came from a store copy past the max age (STALE_DAYS)
ROBOTS_STALE_COPY = "newsbot/robots/stale_copy"
ROBOTS_FORBIDDEN = "newsbot/robots/forbidden"  # links not fetched: robots.txt forbids them

# --- pipelines ----------------------------------------------------------------------------
ITEMS_CLEANED = "newsbot/items_cleaned"
ITEMS_INVALID = "newsbot/items_invalid"
FIELD_EMPTY = "newsbot/field_empty/"  # + the DESIGN field name
DROPPED = "newsbot/dropped/"  # + duplicate_url or duplicate_content
STORE = "newsbot/store/"  # + new, updated, unchanged, near_duplicates (UpsertCounts)
STORE_NEW = STORE + "new"
STORE_UPDATED = STORE + "updated"
STORE_UNCHANGED = STORE + "unchanged"
STORE_FAILED = STORE + "failed"  # rows SQLite refused (each logged with its URL)
STORE_NOT_STORED = STORE + "not_stored"  # items that arrived after the store failed
STORE_WRITE_FAILED = STORE + "write_failed"  # times the store itself failed (0 or 1)

# --- Scrapy's own keys that newsbot reads --------------------------------------------------
SCRAPY_REQUEST_COUNT = "downloader/request_count"
SCRAPY_RESPONSE_COUNT = "downloader/response_count"
SCRAPY_RESPONSE_STATUS = "downloader/response_status_count/"  # + the HTTP status
