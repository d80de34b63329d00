"""When the article was published and updated: machine stamps first, then the page's lines."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsel import Selector

from newsbot.core.dates import parse_date, to_iso
from newsbot.extraction.document import element_in_furniture, first_match, page_furniture
from newsbot.extraction.elements import element_index, is_document
from newsbot.extraction.metadata import PageMetadata, as_text

logger = logging.getLogger(__name__)

_BYLINE_DATE = re.compile(
    r"(?:Опубликовано|Опубликован[аы]?|Дата публикации)\s*:?\s*"
    r"(?P<date>[^|\n]{4,60}?)\s*(?:\||Текст|Автор|$)",
    re.IGNORECASE | re.MULTILINE,
)

#: The words one of which _BYLINE_DATE needs, casefolded (see ``first_match``).
BYLINE_DATE_WORDS = ("опубликован", "дата публикации")

_MODIFIED_DATE = re.compile(
    r"(?:Обновлено|Изменено|Дата обновления)\s*:?\s*(?P<date>[^|\n]{4,60}?)\s*(?:\||$)",
    re.IGNORECASE | re.MULTILINE,
)
#: The words one of which _MODIFIED_DATE needs, casefolded. Every character IGNORECASE takes
#: for one of their letters casefolds to that letter (tests/test_extraction_general.py), so a
#: page whose casefolded text holds none has no update line, and is spared the scan (~75 µs on
#: the replica's pages, which mostly have none); ``first_match`` scans from the first.
MODIFIED_WORDS = ("обновлено", "изменено", "дата обновления")

#: What makes a short line worth offering to the date parser: a year, a month name, a time, or
#: a relative word. Year-less and relative bylines («Сегодня в 10:15», «12 сентября в 10:00»,
#: «5 минут назад») are exactly what an hourly run sees on new articles.
_DATE_HINT = re.compile(
    r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<!\d)\d{1,2}\.\d{1,2}\.\d\d(?!\d)|(?<!\d)\d{1,2}:\d\d(?!\d)"
    r"|\b(?:сегодня|вчера|позавчера|назад|только что|today|yesterday|ago)\b"
    r"|\b(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|янв|фев|мар|апр|авг|сен|окт|ноя|дек)[а-я]*\b",
    re.IGNORECASE,
)
#: Numbers that look like dates but are not: an issue («№15 – 15.10.11») or a version
#: («WordPress 4.8.12»: a part without its leading zero, as no date stamp is written).
_NOT_A_DATE = re.compile(r"№|(?<![\d.])(?:\d\.\d{1,2}|\d{1,2}\.\d)\.\d{1,2}(?![\d.])")

_NEAR_TITLE = 25  # text nodes either side of the headline searched for its date


@dataclass(frozen=True)
class Dates:
    """Publication and update time, final (ISO 8601, Moscow), and the signal each came from."""

    published: str = ""
    modified: str = ""
    published_from: str = ""
    modified_from: str = ""


def _anchor(nodes: list[str], title: str, body_start: str) -> int | None:
    """The headline's place in reading order, else the body's first line's (a page whose
    <title> names only the site still has its dated line next to where the text starts)."""
    for needle in (title, body_start):
        folded = needle.casefold()
        if len(folded) <= 10:
            continue
        for i, t in enumerate(nodes):
            low = t.casefold()
            if len(t) > 10 and (low in folded or folded in low):
                return i
    return None


def _date_near_title(nodes: list[str], title: str, body_start: str, now: datetime) -> str:
    """The dated line closest to the headline in reading order (bylines sit next to titles;
    sidebars, top bars and comments sit further away)."""
    anchor = _anchor(nodes, title, body_start)
    if anchor is None:
        return ""
    best: tuple[tuple[int, bool], str] | None = None
    for i in range(max(0, anchor - _NEAR_TITLE), min(len(nodes), anchor + _NEAR_TITLE + 1)):
        text = nodes[i]
        if i == anchor or len(text) > 120 or not _DATE_HINT.search(text):
            continue
        if _NOT_A_DATE.search(text):
            continue
        text = text.replace(" @ ", " в ")  # WP-Print: «22.01.2024 @ 16:05»
        if parse_date(text, now=now) is None:
            continue
        distance = (abs(i - anchor), i < anchor)  # ties: after the title wins
        if best is None or distance < best[0]:
            best = (distance, text)
    return best[1] if best else ""


_STAMPS = {  # kind -> (itemprop, <time> class substrings)
    "published": ("datePublished", ("published", "entry-date")),
    "modified": ("dateModified", ("updated", "modified")),
}


def _stamps(sel: Selector, kind: str) -> list[tuple[Any, str]]:
    """(element, value) of ``[itemprop=…]/@datetime|@content`` and ``time[class]/@datetime``,
    in document order: from the page's element index, or by XPath for part of a page."""
    itemprop, classes = _STAMPS.get(kind, _STAMPS["modified"])
    if not is_document(sel):
        tests = " or ".join(f"contains(@class,'{c}')" for c in classes)
        xp = (
            f"//*[@itemprop='{itemprop}']/@datetime | //*[@itemprop='{itemprop}']/@content"
            f" | //time[{tests}]/@datetime"
        )
        root = sel.root
        if not hasattr(root, "xpath"):
            return []
        return [(v.getparent(), str(v)) for v in root.xpath(xp)]  # lxml: results know their element
    index = element_index(sel)
    props = index.by_attr.get(("itemprop", itemprop), [])
    times = [
        t for t in index.by_tag.get("time", []) if any(c in (t.get("class") or "") for c in classes)
    ]
    found: list[tuple[Any, str]] = []
    for el in index.in_order([props, times]):
        names = ("datetime", "content") if el.get("itemprop") == itemprop else ("datetime",)
        found.extend((el, value) for name, value in el.attrib.items() if name in names)
    return found


def _time_datetime(sel: Selector, kind: str) -> str:
    """``<time datetime>`` in the article, published or updated, ignoring sidebars."""
    for parent, value in _stamps(sel, kind):
        if parent is not None and element_in_furniture(parent, page_furniture(sel)):
            continue
        found = _valid_date(value)
        if found:
            return found
    if kind == "published":
        if is_document(sel):
            times = element_index(sel).by_tag.get("time", [])
        else:
            times = [node.root for node in sel.xpath("//time")]
        for el in times:
            if el.get("datetime") is None or element_in_furniture(el, page_furniture(sel)):
                continue
            if "updated" in (el.get("class") or ""):
                continue
            found = _valid_date(el.get("datetime") or "")
            if found:
                return found
    return ""


def _valid_date(raw: str) -> str:
    """The raw string if the one date parser reads it, else ""."""
    return raw if raw and parse_date(raw) is not None else ""


def _first(
    now: datetime, *candidates: tuple[str | Callable[[], str], str]
) -> tuple[datetime | None, str, str]:
    """The first candidate the one date parser reads: (its value, the signal, the raw text).

    A candidate that costs a search is passed as a function, read only when the ones before
    it gave nothing (most pages have the JSON-LD date)."""
    for value, source in candidates:
        raw = value if isinstance(value, str) else value()
        if raw:
            parsed = parse_date(raw, now=now)
            if parsed is not None:
                return parsed, source, raw
    return None, "", ""


def _modified_line(text: str) -> str:
    """The date of an «Обновлено …» line, if the page has one."""
    return first_match(_MODIFIED_DATE, text, "date", MODIFIED_WORDS)


def read_dates(
    sel: Selector,
    meta: PageMetadata,
    nodes: list[str],
    text: str,
    title: str,
    body_start: str,
    now: datetime,
) -> Dates:
    """Each date parsed once, relative and year-less ones against ``now`` (the fetch time).

    Machine stamps (JSON-LD, ``article:*`` meta, ``<time datetime>``) come first, except that a
    date-only stamp yields to the visible line of the same day that carries the time.
    """
    art = meta.article
    machine, machine_from, machine_raw = _first(
        now,
        (as_text(art.get("datePublished")), "jsonld"),
        (meta.first("article:published_time", "datepublished", "pubdate", "publish-date"), "meta"),
        (lambda: _time_datetime(sel, "published"), "time"),
    )
    visible: datetime | None = None
    visible_from = ""
    # The visible date is read only when it can matter: no machine stamp, or one without a
    # time. A stamp with its time settles the date, and the lines by the headline cost most
    # on pages that print none (dateparser's long tail: a third of a real page's CPU).
    if machine is None or ":" not in machine_raw:
        byline = first_match(_BYLINE_DATE, text, "date", BYLINE_DATE_WORDS)
        visible, visible_from, _ = _first(
            now,
            (byline, "byline"),
            ("" if byline else _date_near_title(nodes, title, body_start, now), "near_headline"),
        )
    if (
        machine is not None
        and visible is not None
        and ":" not in machine_raw
        and visible.date() == machine.date()
        and (visible.hour or visible.minute)
    ):
        machine, machine_from = visible, visible_from
    published, published_from = (machine, machine_from) if machine else (visible, visible_from)
    if published is None:
        published, published_from, _ = _first(now, (as_text(art.get("dateCreated")), "jsonld"))
    modified, modified_from, _ = _first(
        now,
        (as_text(art.get("dateModified")), "jsonld"),
        (meta.first("article:modified_time", "og:updated_time", "datemodified"), "meta"),
        (lambda: _time_datetime(sel, "modified"), "time"),
        (lambda: _modified_line(text), "byline"),
    )
    if modified is not None and published is not None and modified < published:
        modified, modified_from = None, ""  # an "update" before publication is a theme bug
    return Dates(
        to_iso(published),
        to_iso(modified),
        published_from if published else "",
        modified_from if modified else "",
    )
