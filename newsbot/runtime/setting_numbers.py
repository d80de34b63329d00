"""Settings read as numbers, a mistaken value refused in one line that names it."""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def setting_number(
    settings: BaseSettings, name: str, read: Callable[[str], float], kind: str
) -> float:
    """``read(name)`` (``settings.getint`` or ``getfloat``); a value it cannot read raises
    ValueError("NAME must be KIND: 'value'"), which the crawl command prints as one line."""
    try:
        return read(name)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {kind}: {settings.get(name)!r}") from None
