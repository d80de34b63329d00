"""The dataset's row: one item per article, fields in the order of the CSV header."""

from __future__ import annotations

import scrapy

#: The DESIGN.md fields, in CSV header / SQLite column order.
FIELDS: tuple[str, ...] = (
    "url",
    "site",
    "title",
    "published_at",
    "modified_at",
    "author",
    "lead",
    "text",
    "image_url",
    "image_caption",
    "photo_credit",
    "tags",
    "categories",
    "districts",
    "word_count",
    "content_hash",
    "scraped_at",
)

#: Fields that hold lists (JSON arrays in SQLite, "; "-joined in CSV).
LIST_FIELDS: frozenset[str] = frozenset({"tags", "categories", "districts"})


class ArticleItem(scrapy.Item):
    """One article. Declared from FIELDS so the schema lives in one place."""

    fields = {name: scrapy.Field() for name in FIELDS}  # noqa: RUF012
