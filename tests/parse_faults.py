"""A page function for the parse pool's tests: the real page module, except on pages that ask
for a fault by a marker in their HTML (a worker that dies, hangs, logs, or returns a result
that cannot be pickled). Importable by the worker processes, so it lives in a module."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import datetime
from typing import Any

from newsbot.extraction.article import ArticleExtraction, extract_article

logger = logging.getLogger(__name__)

DIE = "<!-- fault: die -->"
HANG = "<!-- fault: hang -->"
UNPICKLABLE = "<!-- fault: unpicklable -->"
LOG = "<!-- fault: log -->"
MODULES = "<!-- probe: modules -->"
#: What a worker must not have imported: its start would cost the crawl's whole start-up.
CRAWL_MODULES = ("scrapy", "twisted", "newsbot.runtime.parse_pool", "newsbot.store")


def faulty_extract(html: str, url: str, fetched_at: datetime | None = None) -> Any:
    if DIE in html:
        os._exit(70)  # as a crash in a C library would: no exception, no result
    if HANG in html:
        time.sleep(600)
    result: ArticleExtraction = extract_article(html, url, fetched_at=fetched_at)
    if UNPICKLABLE in html:
        result.sources["unpicklable"] = lambda: None  # type: ignore[assignment]
    if MODULES in html:
        result.sources["modules"] = ",".join(m for m in CRAWL_MODULES if m in sys.modules)
    if LOG in html:
        logger.warning("worker saw %s (pid %d)", url, os.getpid())
    return result
