"""Validate: every item reaches the store in its final form, or is dropped with a reason.

The page module (``newsbot.extraction.article``) produces final values; this pipeline only
checks them, so that a bug upstream is a counted, logged drop instead of a wrong row.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from newsbot.core.fields import FIELDS, LIST_FIELDS
from newsbot.extraction.row import empty_fields
from newsbot.runtime import stats_keys as keys

logger = logging.getLogger(__name__)

_HASH = re.compile(r"[0-9a-f]{64}")


def problems(row: dict[str, Any]) -> list[str]:
    """What makes a row not final: missing keys, wrong types, dates that are not ISO."""
    found = [f"missing {name}" for name in FIELDS if name not in row]
    if found:
        return found
    if not str(row["url"]).startswith(("http://", "https://")):
        found.append("url is not absolute")
    for name in ("published_at", "modified_at", "scraped_at"):
        value = row[name]
        if value:
            try:
                if datetime.fromisoformat(value).tzinfo is None:
                    found.append(f"{name} has no offset")
            except (TypeError, ValueError):
                found.append(f"{name} is not ISO 8601")
    for name in LIST_FIELDS:
        if not isinstance(row[name], list) or not all(isinstance(v, str) for v in row[name]):
            found.append(f"{name} is not a list of strings")
    if not isinstance(row["word_count"], int):
        found.append("word_count is not an integer")
    if row["text"] and not _HASH.fullmatch(str(row["content_hash"])):
        found.append("content_hash is not a sha256")
    return found


class CleanPipeline:
    """Checks each item is final; counts empty fields (the run's health reads the counts)."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        # A shallow copy: this only reads, and asdict()'s deep copy cost ~70 µs an item.
        row = dict(ItemAdapter(item).items())
        found = problems(row)
        if found:
            logger.error("invalid item %s: %s", row.get("url"), "; ".join(found))
            if self.stats is not None:
                self.stats.inc_value(keys.ITEMS_INVALID)
            raise DropItem("invalid item: " + "; ".join(found))
        missing = empty_fields(row)
        if self.stats is not None:
            self.stats.inc_value(keys.ITEMS_CLEANED)
            for name in missing:
                self.stats.inc_value(keys.FIELD_EMPTY + name)
        if "published_at" in missing:
            logger.warning("no readable publication date on %s", row["url"])
        return item
