"""The dataset's row: one item per article, fields in the order of the CSV header."""

from __future__ import annotations

import scrapy

from newsbot.core.fields import FIELDS, LIST_FIELDS

__all__ = ["FIELDS", "LIST_FIELDS", "ArticleItem"]


class ArticleItem(scrapy.Item):
    """One article. Declared from FIELDS so the schema lives in one place."""

    fields = {name: scrapy.Field() for name in FIELDS}  # noqa: RUF012
