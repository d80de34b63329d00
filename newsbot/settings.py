"""Scrapy settings for newsbot: polite to the real site by default.

Every setting the project adds is documented in the README (section "Settings").
"""

from __future__ import annotations

from scrapy.settings import default_settings

from newsbot import __version__
from newsbot.core.fields import FIELDS

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"

# --- politeness -------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = (
    f"newsbot/{__version__} (district news dataset crawler; "
    "+https://github.com/newsbot-project/newsbot)"
)
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Outputs of one response processed at once. A page yields one item or a listing's few links,
# and every pipeline is synchronous, so more buys nothing; Scrapy's 100 starts 100 asyncio
# tasks for every response (benchmarks/bench_crawl.py --attribute: 0.45–1.2 ms of CPU a page).
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 1.0
# The delay varies by ±50 %: Scrapy's default (RANDOMIZE_DOWNLOAD_DELAY before 2.19,
# DOWNLOAD_DELAY_JITTER since); naming RANDOMIZE_DOWNLOAD_DELAY warns on 2.19.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# News pages are well under 1 MiB and WordPress sitemaps a few hundred KiB; Scrapy's 1 GiB
# default let a gzip bomb inflate the crawl to 1.1 GB. Also caps gzip/deflate/br inflation.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
# Exponential back-off between retries (seconds); Retry-After is honoured up to the cap.
NEWSBOT_RETRY_BACKOFF_BASE = 2.0
NEWSBOT_RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter lets dont_filter requests and their redirects through; ours not.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "newsbot.runtime.middlewares.SiteOnlyMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsbot.runtime.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy's robots.txt rules, sharing one robots.txt request with the spider's sitemaps.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsbot.runtime.middlewares.RobotsTxtOnceMiddleware": 100,
}
# A robots.txt fetched this long ago (hours) is still used, not asked again (RFC 9309 §2.4:
# at most 24); 0: ask every run.
NEWSBOT_ROBOTS_MAX_AGE_HOURS = 24.0
# When robots.txt is unreachable (5xx, 429, a timeout, no connection), a copy the store kept
# from up to this many days ago gives the rules instead of none (RFC 9309 §2.4 allows a cached
# copy past 24 h then); older, or 0: Scrapy's way (everything allowed).
NEWSBOT_ROBOTS_STALE_DAYS = 7.0

# --- pipelines: clean -> deduplicate -> store -------------------------------------------
ITEM_PIPELINES = {
    "newsbot.pipelines.clean.CleanPipeline": 100,
    "newsbot.pipelines.dedup.DedupPipeline": 200,
    "newsbot.pipelines.store.SQLitePipeline": 300,
}
SQLITE_PATH = "data/newsbot.db"  # the store; empty: no SQLite, dedup within the run only
# Items per write transaction. Each row's 32 near-duplicate buckets land on random B-tree
# leaves and a commit writes every leaf it touched, so bigger batches share those writes
# (benchmarks/bench_bands.py); the timer below still bounds what a killed run loses.
SQLITE_BATCH_SIZE = 100
SQLITE_FLUSH_SECONDS = 5.0  # a timer also commits a partial batch this often (0: no timer)

# Article pages parsed in this many worker processes (newsbot.runtime.parse_pool), the crawl
# fetching and storing meanwhile; 0: in the crawl's own process. 0 by default: a scheduled run
# waits on DOWNLOAD_DELAY, not on the CPU, and several crawls share the server's cores; a
# worker only adds CPU (the hand-over, its start) and memory there (README "Performance").
NEWSBOT_PARSE_PROCESSES = 0
# Seconds a page may take in a worker (queueing included) before its workers are killed and the
# pages in flight are parsed again alone; a page that hangs alone too is counted as failed.
NEWSBOT_PARSE_TIMEOUT = 30.0

# --- unattended runs: lock, summary, health, log file -----------------------------------
COMMANDS_MODULE = "newsbot.runtime.commands"
EXTENSIONS = {
    "newsbot.runtime.extensions.logfile.RotatingLogFile": 0,
    "newsbot.runtime.extensions.lock.RunLock": 10,
    "newsbot.runtime.extensions.summary.RunSummary": 20,
    "newsbot.runtime.extensions.gc_threshold.GcThreshold": 30,
    "newsbot.runtime.extensions.log_floor.LogLevelFloor": 40,
}
# Python's young-generation GC threshold while the crawl runs (its default is 700): each page
# leaves Scrapy's and the store's containers behind a while, and at 700 a 3,000-article crawl
# spent 0.4-0.5 ms a page collecting, 0.05 at 5,000, with the same peak RSS
# (newsbot/runtime/extensions/gc_threshold.py). 0: Python's own.
NEWSBOT_GC_THRESHOLD = 5000
# Scrapy's own extensions but its remote-control HTTP server, which runs code sent to it: no
# such port on an unattended server. Left out of the base (``None`` in EXTENSIONS would still
# import it), its aiohttp import (~0.15 s of every run's start-up) is gone too.
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name != "scrapy.extensions.remote_control.RemoteControl"
}
NEWSBOT_LOCK_PATH = ""  # the run lock; empty: SQLITE_PATH + ".lock"
NEWSBOT_SUMMARY_PATH = "data/last_run.json"  # the end-of-run JSON summary; empty: none
# Fill-rate floors: a run of 3+ items with a field filled less often is unhealthy (exit 7).
NEWSBOT_MIN_FILL_RATES = {"title": 0.99, "published_at": 0.95, "text": 0.95}
NEWSBOT_MAX_ERROR_RATIO = 0.2  # share of failed requests above which a run is unhealthy
NEWSBOT_MAX_FILL_DROP = 0.3  # a field this far below its usual fill rate makes a run unhealthy
NEWSBOT_KNOWN_STOP = 3  # consecutive already-stored articles that end an incremental walk
# A URL that gave no article (a static page, a 404/410) is not asked for again for this long.
NEWSBOT_SKIPPED_RECHECK_HOURS = 24.0
# `discover=auto` trusts a site's lack of a WordPress REST API this long before asking again.
NEWSBOT_REPROBE_DAYS = 7.0
# --- bounds: a hostile or broken site ends in seconds, a real archive is never cut short ----
NEWSBOT_MAX_BARREN_PAGES = 5  # listing pages in a row with no new article URL end the walk
NEWSBOT_MAX_LISTING_PAGES = 10_000  # listing/feed/sitemap/API pages per run (0: no ceiling)
CLOSESPIDER_PAGECOUNT = 100_000  # responses per run; reaching it ends the run (exit 10)
# --- the log file (newsbot.runtime.extensions.logfile) ----------------------------------------
NEWSBOT_LOG_FILE = ""  # also log to this file, rotated by size; empty: Scrapy's logging only
NEWSBOT_LOG_MAX_BYTES = 10 * 1024 * 1024  # a log file this big is rotated
NEWSBOT_LOG_BACKUPS = 5  # rotated files kept
NEWSBOT_LOG_LEVEL = ""  # the log file's level; empty: LOG_LEVEL's

# --- JavaScript rendering (newsbot.runtime.render; README "Rendering") ------------------------
# Splash at this URL renders pages (scrapy-splash's own setting), e.g. http://127.0.0.1:8050.
SPLASH_URL = ""
# Which renderer: "" = Splash when SPLASH_URL is set, else none; "splash", "playwright", "none".
NEWSBOT_RENDERER = ""
# Page types to render on every site: listing, article, both, none; "" = each profile's `render`.
NEWSBOT_RENDER_PAGES = ""
NEWSBOT_RENDER_WAIT = 0.5  # seconds a rendered page's scripts get after it has loaded
NEWSBOT_RENDER_TIMEOUT = 30.0  # seconds a whole render may take (Splash `timeout`, Playwright)
# The Lua script Splash runs for every rendered page (args: url, kind, wait, timeout, scrolls).
# It returns the page's own HTTP status; on a listing it scrolls until no new links appear.
NEWSBOT_SPLASH_LUA = """
function main(splash, args)
  local ok, reason = splash:go(args.url)
  splash:set_result_content_type("text/html; charset=utf-8")
  if not ok then
    -- reason is "http404" for an HTTP error, else "network3", "render_error"…
    local code = string.sub(reason, 1, 4) == "http" and tonumber(string.sub(reason, 5)) or nil
    if code == nil then  -- not an HTTP status: the page could not be loaded at all
      splash:set_result_status_code(502)
      splash:set_result_header("X-Newsbot-Render-Error", reason)
      return reason
    end
    splash:set_result_status_code(code)
    return splash:html()
  end
  assert(splash:wait(args.wait))
  if args.kind == "listing" then
    local links = -1
    for _ = 1, args.scrolls do
      local now = splash:evaljs("document.links.length")
      if now == links then break end
      links = now
      splash:runjs("window.scrollTo(0, document.body.scrollHeight)")
      assert(splash:wait(args.wait))
    end
  end
  return splash:html()
end
"""
# scrapy-playwright's own settings, used with NEWSBOT_RENDERER=playwright: Debian's chromium,
# no browser download; the flags keep it off this machine's closed network.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": [
        "--no-sandbox",
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}

# --- exports ----------------------------------------------------------------------------
FEED_EXPORT_FIELDS = list(FIELDS)
# Plain UTF-8: "utf-8-sig" would put a BOM before every item of a JSON/JSON Lines feed. The CSV
# exporter adds the one BOM Excel needs and neutralises formula-looking cells (feed_csv.py).
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "newsbot.analysis.feed_csv.ExcelCsvItemExporter"}

# --- Scrapy housekeeping ----------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
# Scrapy re-reads and re-parses a generator callback's source on every response to warn about
# `return value` in it; its cache is keyed weakly by the bound method, which dies with each
# request, so it mostly misses (~1 ms of CPU a page). Off: our callbacks are checked by tests.
WARN_ON_GENERATOR_RETURN_VALUE = False
