"""Where the article's paragraphs are, and which of them are not the article."""

from __future__ import annotations

import logging
import re
from typing import Any

from parsel import Selector

from newsbot.dates import parse_date
from newsbot.extraction.document import element_in_furniture, in_furniture, text_of
from newsbot.extraction.media import CREDIT
from newsbot.text import clean_inline

logger = logging.getLogger(__name__)

_BODY_SELECTORS = (
    "[itemprop='articleBody']",
    ".entry-content",
    ".post-content",
    ".article-content",
    ".article-body",
    ".article__body",
    ".article__text",
    ".td-post-content",
    ".tdb-block-inner.td-fix-index",
    ".news-text",
    ".post-text",
    ".single-content",
)

_BYLINE_PARAGRAPH = re.compile(r"^(?:Опубликовано|Дата публикации)\b", re.IGNORECASE)

_FURNITURE_PARAGRAPH = re.compile(
    r"^(?:Теги|Метки|Рубрик[аи]?|Поделиться|Поделитесь|Tags)\s*:?(?:\s|$)", re.IGNORECASE
)

_MIN_BODY_CHARS = 80

_INLINE = frozenset(
    {"a", "b", "strong", "i", "em", "span", "u", "font", "br", "sup", "sub", "small"}
)


def _own_text_length(el: Any) -> int:
    """Characters an element holds itself: its <p> children, bare text and inline children.

    Text in nested blocks belongs to those blocks, so the densest block is the body itself,
    whether its paragraphs are <p>s or text split by <br><br> (Bitrix, old CMSes).
    """
    size = len((el.text or "").strip())
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "p" or tag in _INLINE:
            size += len(" ".join(child.itertext()).strip())
        size += len((child.tail or "").strip())
    return size


def find_container(sel: Selector) -> Selector | None:
    """The node holding the article's paragraphs: a known container, else the densest block."""
    for css in _BODY_SELECTORS:
        for node in sel.css(css):
            if in_furniture(node):
                continue
            if len(clean_inline(text_of(node))) >= _MIN_BODY_CHARS:
                return node
    best: Any = None
    best_score = 0
    body = sel.xpath("//body")
    if not body:
        return None
    for el in body[0].root.iter():
        if not isinstance(el.tag, str) or el.tag in _INLINE or el.tag in ("script", "style"):
            continue
        score = _own_text_length(el)
        if score > best_score and not element_in_furniture(el):
            best, best_score = el, score
    if best is None or best_score < _MIN_BODY_CHARS:
        return None
    return Selector(root=best, type="html")


def article_scope(sel: Selector, container: Selector | None) -> Selector:
    """The article's own block: the body container's nearest ancestor that holds the title."""
    if container is None:
        return sel
    node = container
    for _ in range(4):
        if node.xpath(".//h1"):
            return node
        parent = node.xpath("..")
        if not parent or parent[0].root.tag in ("body", "html"):
            break
        node = parent[0]
    return node


def _is_date_line(flat: str) -> bool:
    """A paragraph that is only a date stamp («05.09.2023», «12 марта 2024 г., 10:15»)."""
    return len(flat) <= 40 and len(flat.split()) <= 6 and parse_date(flat) is not None


def clean_paragraphs(text: str, drop: set[str]) -> tuple[str, list[str]]:
    """Body paragraphs minus byline, date stamps, repeated title/caption/lead, furniture."""
    kept: list[str] = []
    captions: list[str] = []
    for para in text.split("\n\n"):
        flat = clean_inline(para)
        if not flat or flat in drop or _BYLINE_PARAGRAPH.match(flat) or _is_date_line(flat):
            continue
        if _FURNITURE_PARAGRAPH.match(flat) and len(flat) < 300:
            continue
        if len(flat) <= 300 and CREDIT.match(flat) and re.search(r"\bФото\s*:", flat):
            captions.append(flat)
            continue
        kept.append(para)
    return "\n\n".join(kept), captions
