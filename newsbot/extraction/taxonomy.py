"""Tags and rubrics: JSON-LD and ``article:*`` meta first, WordPress links, then tag boxes."""

from __future__ import annotations

import logging
import re
from typing import Any

from parsel import Selector

from newsbot.core.text import clean_inline
from newsbot.extraction.document import first_match, in_furniture, text_of
from newsbot.extraction.metadata import PageMetadata, as_names

logger = logging.getLogger(__name__)

_RUBRIC = re.compile(r"(?:В рубрике|Рубрика:)\s*(?P<rubric>[^|\n]{2,60}?)\s*(?:\||$)", re.I | re.M)
#: The words one of which _RUBRIC needs, casefolded (see ``document.first_match``).
RUBRIC_WORDS = ("в рубрике", "рубрика:")

_CATEGORY_HREF = re.compile(r"/(?:category|rubric|rubrika|rubriki|razdel|section)/", re.I)

_TAG_TOKENS = frozenset({"tag", "tags", "метки", "keywords"})

_CATEGORY_TOKENS = frozenset({"category", "categories", "cat", "rubric", "rubrics", "rubrika"})

_CLASS_TOKEN = re.compile(r"[\s_-]+")


def _list_from_links(sel: Selector, kind: str) -> list[str]:
    """Tag or category names from WordPress ``rel="tag"`` / ``rel="category tag"`` links.

    Block themes mark category links ``rel="tag"`` too; their ``/category/`` href tells them
    apart.
    """
    names: list[str] = []
    for a in sel.xpath("//a[@rel]"):
        rels = a.attrib.get("rel", "").lower().split()
        if ("tag" not in rels and "category" not in rels) or in_furniture(a):
            continue
        is_category = "category" in rels or bool(_CATEGORY_HREF.search(a.attrib.get("href", "")))
        if is_category != (kind == "category"):
            continue
        name = clean_inline(text_of(a))
        if name and name not in names:
            names.append(name)
    return names


def _list_from_boxes(scope: Selector, kind: str) -> list[str]:
    """Links inside a box whose class names tags or rubrics (``ul.tdb-tags``, ``cat-links``).

    Whole class tokens only: ``tagdiv-type`` or ``tagline`` are not tag boxes.
    """
    wanted = _TAG_TOKENS if kind == "tag" else _CATEGORY_TOKENS
    names: list[str] = []
    for box in scope.xpath(".//*[@class]"):
        tokens = set(_CLASS_TOKEN.split(box.attrib["class"].lower()))
        if not tokens & wanted or in_furniture(box) or box.root.tag == "body":
            continue
        if kind == "tag" and tokens & _CATEGORY_TOKENS:
            continue
        for a in box.xpath("descendant-or-self::a"):
            name = clean_inline(text_of(a))
            if name and name not in names and len(name) < 80:
                names.append(name)
    return names


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    return as_names(value)


def _dedup(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = clean_inline(v)
        if v and v not in out:
            out.append(v)
    return out


def read_tags(sel: Selector, meta: PageMetadata, scope: Selector) -> list[str]:
    return _dedup(
        _keywords(meta.article.get("keywords"))
        or meta.all("article:tag")
        or _list_from_links(sel, "tag")
        or _list_from_boxes(scope, "tag")
    )


def read_categories(sel: Selector, meta: PageMetadata, scope: Selector, text: str) -> list[str]:
    return _dedup(
        _keywords(meta.article.get("articleSection"))
        or meta.all("article:section")
        or _list_from_links(sel, "category")
        or _list_from_boxes(scope, "category")
        or [first_match(_RUBRIC, text, "rubric", RUBRIC_WORDS)]
    )
