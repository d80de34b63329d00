"""The one row codec: a dataset item <-> an ``articles`` row (lists as JSON, NULL dates).

The store writes through ``to_row`` and every reader (exports, stats, tests) decodes through
``from_row``, so NULL and "" mean the same thing everywhere.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from newsbot.core.fields import FIELDS, LIST_FIELDS
from newsbot.core.text import sanitize
from newsbot.core.urls import url_key

#: Dates stored as NULL when unknown (NULL sorts and filters better than '').
NULLABLE = frozenset({"published_at", "modified_at", "duplicate_of"})
#: ``json.dumps(value, ensure_ascii=False)``, its encoder made once: with any argument, dumps
#: builds a new JSONEncoder a call (three list columns a row).
_ENCODE_LIST = json.JSONEncoder(ensure_ascii=False).encode


def to_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as the ``articles`` columns: lists as JSON arrays, every string sanitised."""
    row: dict[str, Any] = {}
    for name in FIELDS:
        value = item.get(name)
        if name in LIST_FIELDS:
            values = [sanitize(v) if isinstance(v, str) else v for v in value or []]
            value = _ENCODE_LIST(values)
        elif name == "word_count":
            value = int(value or 0)
        elif name in NULLABLE:
            value = sanitize(value) if isinstance(value, str) else value
            value = value or None
        elif value is None:
            value = ""
        elif isinstance(value, str):
            value = sanitize(value)  # a lone surrogate would fail the row (and did the batch)
        row[name] = value
    row["url_key"] = url_key(row["url"])
    return row


def from_row(
    row: sqlite3.Row | Mapping[str, Any], columns: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Stored columns back as typed values: lists decoded, unknown dates and links None."""
    names = columns or tuple(row.keys())
    out: dict[str, Any] = {}
    for name in names:
        value = row[name]
        if name in LIST_FIELDS:
            value = json.loads(value) if value else []
        elif name in NULLABLE:
            value = value or None
        elif name == "word_count":
            value = int(value or 0)
        elif value is None:
            value = ""
        out[name] = value
    return out
