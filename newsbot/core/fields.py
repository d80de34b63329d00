"""The dataset's columns, without importing Scrapy (the export CLI starts fast on them)."""

from __future__ import annotations

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

#: How list fields are joined in CSV cells.
LIST_SEPARATOR = "; "
