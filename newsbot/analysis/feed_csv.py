"""Feed exporters: CSV cells hold lists as "a; b; c" so spreadsheets show them readably."""

from __future__ import annotations

from typing import Any

from scrapy.exporters import CsvItemExporter

from newsbot.core.fields import LIST_FIELDS, LIST_SEPARATOR


def join_list(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value


class ListJoiningCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter with list fields joined by ``; `` instead of commas."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if name in LIST_FIELDS:
            value = join_list(value)
        return super().serialize_field(field, name, value)
