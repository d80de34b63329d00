"""Clean: raw extracted strings -> the dataset's types: ISO dates, clean text, derived fields."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from newsbot.dates import now_moscow, parse_date, to_iso
from newsbot.districts import find_districts
from newsbot.fields import FIELDS, LIST_FIELDS
from newsbot.store import utc_now
from newsbot.text import clean_inline, clean_text, content_hash, sanitize, word_count
from newsbot.urls import clean_url, site_of

logger = logging.getLogger(__name__)

INLINE_FIELDS = ("title", "author", "lead", "image_caption", "photo_credit")


def _sanitized(value: Any) -> Any:
    """Strings (also inside lists) without what SQLite or a reader would refuse (text.sanitize)."""
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list | tuple):
        return [sanitize(v) if isinstance(v, str) else v for v in value]
    return value


def clean_item(data: dict[str, Any], now: Any = None) -> tuple[dict[str, Any], list[str]]:
    """The cleaned row and the names of DESIGN fields left empty. Idempotent on clean rows."""
    now = now or now_moscow()
    data = {k: _sanitized(v) for k, v in data.items()}
    out: dict[str, Any] = {}
    out["url"] = clean_url(data.get("url"))
    out["site"] = data.get("site") or site_of(out["url"])
    for name in INLINE_FIELDS:
        out[name] = clean_inline(data.get(name))
    out["text"] = clean_text(data.get("text"))
    for name in ("published_at", "modified_at"):
        raw = data.get(name)
        parsed = parse_date(raw, now=now) if isinstance(raw, str) and raw else None
        out[name] = to_iso(parsed)
    if out["modified_at"] and out["published_at"] and out["modified_at"] < out["published_at"]:
        out["modified_at"] = ""  # an "update" before publication is a theme bug, not a fact
    out["image_url"] = clean_url(data.get("image_url"))
    for name in LIST_FIELDS - {"districts"}:
        values: list[str] = []
        for value in data.get(name) or []:
            value = clean_inline(str(value))
            if value and value not in values:
                values.append(value)
        out[name] = values
    out["districts"] = find_districts(out["title"], out["lead"], out["text"])
    out["word_count"] = word_count(out["text"])
    out["content_hash"] = content_hash(out["text"])
    out["scraped_at"] = data.get("scraped_at") or utc_now()
    missing = [n for n in FIELDS if out.get(n) in ("", None, [])]
    return {name: out[name] for name in FIELDS}, missing


class CleanPipeline:
    """Normalise every field through the project's one date parser and one text normaliser."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        cleaned, missing = clean_item(adapter.asdict())
        for name, value in cleaned.items():
            adapter[name] = value
        if self.stats is not None:
            self.stats.inc_value("newsbot/items_cleaned")
            for name in missing:
                self.stats.inc_value(f"newsbot/field_empty/{name}")
        if "published_at" in missing:
            logger.warning("no readable publication date on %s", cleaned["url"])
        return item
