"""When the article was published and updated: machine stamps first, then the page's lines."""

from __future__ import annotations

import logging
import re

from parsel import Selector

from newsbot.dates import parse_date
from newsbot.extraction.document import element_in_furniture, first_match, in_furniture
from newsbot.extraction.metadata import PageMetadata, as_text

logger = logging.getLogger(__name__)

_BYLINE_DATE = re.compile(
    r"(?:Опубликовано|Опубликован[аы]?|Дата публикации)\s*:?\s*"
    r"(?P<date>[^|\n]{4,60}?)\s*(?:\||Текст|Автор|$)",
    re.IGNORECASE | re.MULTILINE,
)

_MODIFIED_DATE = re.compile(
    r"(?:Обновлено|Изменено|Дата обновления)\s*:?\s*(?P<date>[^|\n]{4,60}?)\s*(?:\||$)",
    re.IGNORECASE | re.MULTILINE,
)

_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<!\d)\d{1,2}\.\d{1,2}\.\d\d(?!\d)")

_NEAR_TITLE = 25  # text nodes either side of the headline searched for its date


def _valid_date(raw: str) -> str:
    """The raw string if the one date parser accepts it (the pipeline formats it)."""
    return raw if raw and parse_date(raw) is not None else ""


def _first_date(*candidates: str) -> str:
    for raw in candidates:
        if _valid_date(raw):
            return raw.strip()
    return ""


def _time_datetime(sel: Selector, kind: str) -> str:
    """``<time datetime>`` in the article, published or updated, ignoring sidebars."""
    if kind == "published":
        xp = (
            "//*[@itemprop='datePublished']/@datetime | //*[@itemprop='datePublished']/@content"
            " | //time[contains(@class,'published') or contains(@class,'entry-date')]/@datetime"
        )
    else:
        xp = (
            "//*[@itemprop='dateModified']/@datetime | //*[@itemprop='dateModified']/@content"
            " | //time[contains(@class,'updated') or contains(@class,'modified')]/@datetime"
        )
    for value in sel.xpath(xp):
        parent = value.root.getparent() if hasattr(value.root, "getparent") else None
        if parent is not None and element_in_furniture(parent):
            continue
        found = _valid_date(value.get())
        if found:
            return found
    if kind == "published":
        for node in sel.xpath("//time[@datetime]"):
            if in_furniture(node):
                continue
            if "updated" in (node.attrib.get("class") or ""):
                continue
            found = _valid_date(node.attrib["datetime"])
            if found:
                return found
    return ""


def _date_near_title(nodes: list[str], title: str) -> str:
    """The dated line closest to the headline in reading order (bylines sit next to titles;
    sidebars, top bars and comments sit further away)."""
    if not title:
        return ""
    folded = title.casefold()
    anchor = next(
        (
            i
            for i, t in enumerate(nodes)
            if len(t) > 10 and (t.casefold() in folded or folded in t.casefold())
        ),
        None,
    )
    if anchor is None:
        return ""
    best: tuple[int, str] | None = None
    for i in range(max(0, anchor - _NEAR_TITLE), min(len(nodes), anchor + _NEAR_TITLE + 1)):
        text = nodes[i]
        if i == anchor or len(text) > 120 or not _HAS_YEAR.search(text):
            continue
        text = text.replace(" @ ", " в ")  # WP-Print: «22.01.2024 @ 16:05»
        if parse_date(text) is None:
            continue
        distance = (abs(i - anchor), i < anchor)  # ties: after the title wins
        if best is None or distance < best[0]:
            best = (distance, text)
    return best[1] if best else ""


def _prefer_timed(machine: str, visible: str) -> str:
    """A date-only machine stamp yields to the visible line of the same day with its time."""
    if not machine or ":" in machine or not visible:
        return machine
    day, timed = parse_date(machine), parse_date(visible)
    if day and timed and day.date() == timed.date() and (timed.hour or timed.minute):
        return visible
    return machine


def read_dates(
    sel: Selector, meta: PageMetadata, nodes: list[str], text: str, title: str
) -> tuple[str, str]:
    """(published, modified) as the raw strings the clean pipeline will parse; "" if none."""
    art = meta.article
    byline_date = first_match(_BYLINE_DATE, text, "date")
    near_title = "" if byline_date else _date_near_title(nodes, title)
    machine = _first_date(
        as_text(art.get("datePublished")),
        meta.first("article:published_time", "datepublished", "pubdate", "publish-date"),
        _time_datetime(sel, "published"),
    )
    published = _prefer_timed(machine, byline_date or near_title) or _first_date(
        byline_date, near_title, as_text(art.get("dateCreated"))
    )
    modified = _first_date(
        as_text(art.get("dateModified")),
        meta.first("article:modified_time", "og:updated_time", "datemodified"),
        _time_datetime(sel, "modified"),
        first_match(_MODIFIED_DATE, text, "date"),
    )
    return published, modified
