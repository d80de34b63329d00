"""The crawl's CSV feed (``scrapy crawl district -O articles.csv``), made to open right in Excel.

Excel reads a CSV without a byte-order mark as the local ANSI code page (cp1251 here), so the
Cyrillic turns to mojibake, and it runs a cell starting with ``=`` as a formula. The feed is
therefore written exactly as ``newsbot export`` writes CSV: UTF-8 with a BOM, lists joined with
``; ``, formula-looking cells neutralised by the same function (``export.csv_cell``).

The BOM is added here rather than through ``FEED_EXPORT_ENCODING = "utf-8-sig"``: Scrapy's JSON
and JSON Lines exporters encode every item separately, so that encoding would put a BOM before
each item there. JSON feeds stay plain UTF-8 with the text verbatim.
"""

from __future__ import annotations

import codecs
from typing import Any

from scrapy.exporters import CsvItemExporter

from newsbot.analysis.export import csv_cell
from newsbot.core.fields import LIST_SEPARATOR

__all__ = ["LIST_SEPARATOR", "ExcelCsvItemExporter", "feed_encoding"]


def feed_encoding(encoding: str | None) -> str:
    """UTF-8 becomes UTF-8 with a BOM; any other encoding a feed asks for is kept as asked."""
    if not encoding or codecs.lookup(encoding).name == "utf-8":
        return "utf-8-sig"
    return encoding


class ExcelCsvItemExporter(CsvItemExporter):
    """Scrapy's CSV exporter with ``newsbot export``'s cells and a UTF-8 BOM.

    The BOM is written by the text stream with the first row only when the file starts empty
    (``-O``, or ``-o`` onto a new file), so appending to a feed never puts one mid-file, and a
    crawl with no items leaves an empty file, as Scrapy does.
    """

    def __init__(self, file: Any, **kwargs: Any) -> None:
        kwargs["encoding"] = feed_encoding(kwargs.get("encoding"))
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return csv_cell(name, value)
