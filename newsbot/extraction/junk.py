"""Every furniture and junk rule in one place: what is never the article.

Two scales, one vocabulary. *Furniture* is page-level: sidebars, widgets, menus, the page footer,
comment areas, related-post blocks — a node inside furniture is never the headline, the date or
the body. *Boilerplate* is what sits inside a body and is not its text: share and subscribe
widgets, ads, captions, «Читайте также» blocks, embeds. Class and id values are always read as
whole tokens split on «-»/«_», never as substrings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from newsbot.core.text import clean_inline
from newsbot.extraction.elements import text_pieces

#: Page furniture is never the article: sidebars, menus, page footer, comment forms,
#: related-post blocks. Class and id values are read as whole tokens split on «-»/«_», never as
#: substrings: ``content-with-sidebar-wrp`` is the page-with-a-sidebar wrapper, not a sidebar.
_FURNITURE_PARTS = frozenset({"sidebar", "sidebars", "related", "widgets"})
_FURNITURE_WHOLE = frozenset(
    {"widget", "widget-area", "secondary", "comments", "respond", "comments-area",
     "comment-list", "comment-respond", "sidebar"}
)  # fmt: skip
#: Parts that make a «sidebar» token a layout wrapper (what holds the sidebar and the content).
_LAYOUT_PARTS = frozenset(
    {"with", "w", "and", "has", "content", "main", "page", "layout", "no", "one", "two", "wrapper"}
)
_TOKEN_PARTS = re.compile(r"[-_]+")


@lru_cache(maxsize=8192)
def _furniture_value(value: str) -> bool:
    """Whether a class or id value names a sidebar, widget or related/comments block."""
    for token in value.lower().split():
        if token in _FURNITURE_WHOLE:
            return True
        parts = set(_TOKEN_PARTS.split(token))
        if parts & _FURNITURE_PARTS and not parts & _LAYOUT_PARTS:
            return True
    return False


def _holds_headline(el: Any) -> bool:
    """A "sidebar" or <form> that holds the page's <h1> is the main column's wrapper (Blogger's
    ``widget Blog``, ASP.NET's page-wide form), so it is never furniture."""
    return next(el.iter("h1"), None) is not None


#: The tags ``is_furniture`` may call furniture whatever their class and id.
FURNITURE_TAGS = ("aside", "nav", "footer", "form")


def furniture_candidates(
    by_tag: Mapping[str, Iterable[Any]],
    by_class_value: Mapping[str, Iterable[Any]],
    by_id_value: Mapping[str, Iterable[Any]],
) -> set[Any]:
    """The elements of a page that ``is_furniture`` may say yes to, from its elements by tag and
    by (non-empty) class and id value: it says no to every other element. A walk that asks
    about every element asks only about these (a page's distinct values, not its elements)."""
    found: set[Any] = set()
    for tag in FURNITURE_TAGS:
        found.update(by_tag.get(tag, ()))
    for table in (by_class_value, by_id_value):
        for value, elements in table.items():
            if _furniture_value(value):
                found.update(elements)
    return found


def is_furniture(el: Any, in_article: bool) -> bool:
    """The furniture test for one element (its ancestors are the caller's business)."""
    tag = el.tag
    if not isinstance(tag, str):
        return False
    if tag in ("aside", "nav") or (tag == "footer" and not in_article):
        return True
    if tag in ("body", "html", "article", "main"):
        return False
    if tag == "form":
        return not _holds_headline(el)
    cls = el.get("class") or ""
    ident = el.get("id") or ""
    if not cls and not ident:
        return False
    flagged = (cls and _furniture_value(cls)) or (ident and _furniture_value(ident))
    return bool(flagged) and not _holds_headline(el)


_TOKEN_SPLIT_RE = re.compile(r"[-_\s]+")
_DISPLAY_NONE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TAXONOMY_PREFIXES = ("tag-", "category-", "post_tag-", "format-", "status-")
_SHORT_TEXT_MAX_NODES = 64


#: Elements whose content is never article text.
DROP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
        "canvas", "video", "audio", "source", "track", "picture", "img", "map", "form", "button",
        "input", "select", "option", "textarea", "label", "figure", "figcaption", "head",
        "title", "meta", "link", "base", "nav", "dialog", "aside",
        # AMP components: ads, embeds and their placeholder/fallback texts are not the article.
        "amp-ad", "amp-embed", "amp-iframe", "amp-analytics", "amp-pixel", "amp-sticky-ad",
        "amp-video", "amp-youtube", "amp-img", "amp-social-share", "amp-list",
    }
)  # fmt: skip

#: class/id values (whole) that mark boilerplate.
_BOILERPLATE_WHOLE: frozenset[str] = frozenset(
    {
        "wp-caption", "wp-caption-text", "wp-element-caption", "gallery", "sharedaddy",
        "addtoany", "a2a_kit", "ya-share2", "jp-relatedposts", "yarpp-related", "read-also",
        "readmore", "read-more", "more-link", "screen-reader-text", "sr-only", "visually-hidden",
        "adsbygoogle", "post-navigation", "nav-links", "wp-block-embed", "wp-block-gallery",
        "td-a-rec",
    }
)  # fmt: skip

#: Parts of class/id values (split on "-", "_") that mark boilerplate.
BOILERPLATE_TOKENS: frozenset[str] = frozenset(
    {
        "share", "shares", "sharing", "sharedaddy", "social", "socials", "addtoany", "likes",
        "subscribe", "subscription", "newsletter", "related", "relatedposts", "yarpp",
        "readalso", "readmore", "comments", "comment", "respond", "advert", "advertisement",
        "adv", "ads", "ad", "adfox", "adsense", "banner", "banners", "gallery", "caption",
        "breadcrumbs", "breadcrumb", "postmetadata", "adspot", "adblock",
    }
)  # fmt: skip

#: Parts that mark boilerplate only on a short element: a post's «meta» line is boilerplate, but
#: CMSes also put the whole body in a «…meta_field…» wrapper (HubSpot's rich-text field).
_WEAK_BOILERPLATE_TOKENS: frozenset[str] = frozenset({"meta"})
_WEAK_BOILERPLATE_MAX = 300

#: Whole texts (case/ё-folded, trailing punctuation removed) that open a «related» block.
RELATED_MARKERS: frozenset[str] = frozenset(
    {
        "читайте также", "читать также", "смотрите также", "похожие новости", "похожие записи",
        "похожие статьи", "похожие материалы", "другие новости", "материалы по теме",
        "новости по теме", "еще по теме", "читайте еще", "вам может быть интересно",
        "read more", "read also", "also read", "see more", "see also", "related", "also",
        "don't miss", "recommended", "more on this", "leggi anche", "lesen sie auch",
    }
)  # fmt: skip

#: Whole paragraphs that are a widget's label, not the article: «Реклама», «Advert», «Video».
_LABEL_PARAGRAPHS: frozenset[str] = frozenset(
    {
        "реклама", "видео", "фото", "галерея", "закрыть", "advert", "advertisement", "ad",
        "sponsored", "sponsored links", "sponsored content", "video", "close", "gallery",
        "don't miss", "trending", "watch", "listen", "share", "share this article",
    }
)  # fmt: skip
_LABEL_MAX = 40
#: «Image 1 of 5», «Фото 2 из 10»: a gallery's counter.
_COUNTER_PARAGRAPH = re.compile(
    r"^(?:image|photo|slide|фото|изображение|слайд)\s+\d+\s+(?:of|из)\s+\d+$"
)
#: Lines that say when or by whom, not what: the outlet's «Опубликовано … | Текст: …», and
#: «Updated at 1:23 p.m.», «By Phil Helsel» — but «Обновлено 11 февраля: занятия перенесены» is
#: an editor's note with content after its colon, and stays.
_BYLINE_PARAGRAPH = re.compile(r"^(?:опубликовано|дата публикации)\b", re.IGNORECASE)
_STAMP_PARAGRAPH = re.compile(
    r"^(?:обновлено|изменено|updated|published|last updated|posted)\b(?!.*:\s)"
    r"|^by\s+\S+(?:\s+\S+){0,3}$",
    re.IGNORECASE,
)
_STAMP_MAX = 70
#: A body line that only names the author: «Текст: Анна Белова», «Фото и текст: …» — an
#: editor's byline typed into the post (headline.read_author reads the name from it).
_AUTHOR_PARAGRAPH = re.compile(
    r"^(?:фото\s+и\s+)?(?:текст|автор)(?:\s+и\s+фото)?\s*:\s*\S", re.IGNORECASE
)
_AUTHOR_MAX = 100
#: A short caption or credit line carried in the body: «…, photos © Inexhibit, 2018».
_CREDIT_PARAGRAPH = re.compile(
    r"©|\(c\)\s|\b(?:photo|photos|image|credit)s?\s*(?::|by\b)", re.IGNORECASE
)
_CREDIT_MAX = 200


def is_junk_paragraph(flat: str) -> bool:
    """A body paragraph (already flattened to one line) that is page furniture by its text:
    a widget label, a gallery counter, a byline or update stamp, a short photo credit."""
    if len(flat) <= _LABEL_MAX:  # folded only when short enough to be a label
        folded = flat.casefold().strip(" :.!…").replace("’", "'")
        if folded in _LABEL_PARAGRAPHS or _COUNTER_PARAGRAPH.match(folded):
            return True
    if _BYLINE_PARAGRAPH.match(flat) or (len(flat) <= _STAMP_MAX and _STAMP_PARAGRAPH.match(flat)):
        return True
    if len(flat) <= _AUTHOR_MAX and _AUTHOR_PARAGRAPH.match(flat):
        return True
    return len(flat) <= _CREDIT_MAX and bool(_CREDIT_PARAGRAPH.search(flat))


#: Whole texts of share labels: dropped alone (nothing after them).
SHARE_LABELS: frozenset[str] = frozenset(
    {"поделиться", "поделиться в соцсетях", "поделиться в социальных сетях", "поделиться новостью"}
)


@lru_cache(maxsize=4096)
def _attr_is_boilerplate(value: str) -> int:
    """2: boilerplate by a class/id token; 1: only if the element is short; 0: not."""
    weak = 0
    for whole in value.split():
        low = whole.lower()
        if low.startswith(_TAXONOMY_PREFIXES):
            continue  # WordPress post_class(): «tag-social», «category-related» name the post
        if low in _BOILERPLATE_WHOLE:
            return 2
        for part in _TOKEN_SPLIT_RE.split(low):
            if part in BOILERPLATE_TOKENS:
                return 2
            if part in _WEAK_BOILERPLATE_TOKENS:
                weak = 1
    return weak


def is_boilerplate(el: Any) -> bool:
    """True for an element that never holds article text (by tag, class/id tokens, hiding)."""
    tag = el.tag
    if not isinstance(tag, str):
        return True  # comments, processing instructions
    if tag.lower() in DROP_TAGS:
        # A WordPress table block is a <figure> around a real table: keep its data.
        return not (tag.lower() == "figure" and el.find(".//table") is not None)
    attrib = el.attrib
    if not attrib:
        return False
    cls = attrib.get("class")
    ident = attrib.get("id")
    level = max(
        _attr_is_boilerplate(cls) if cls else 0, _attr_is_boilerplate(ident) if ident else 0
    )
    if level == 2 or (level == 1 and short_text(el, _WEAK_BOILERPLATE_MAX) is not None):
        return True
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    if "placeholder" in attrib or "fallback" in attrib:  # AMP's loading / no-JS stand-ins
        return True
    style = attrib.get("style")
    return bool(style and _DISPLAY_NONE_RE.search(style))


def _nth_node(el: Any, n: int) -> Any:
    """The subtree's node after the first ``n`` (itself included), or None."""
    return next(itertools.islice(el.iter(), n, None), None)


def short_text(el: Any, limit: int) -> str | None:
    """The element's text if it is short (≤ limit chars), else None; stops reading early."""
    first = el.text  # what itertext() gives first: a paragraph's text is long at once
    if first is not None and len(first) > limit * 3:
        return None
    # A big subtree is never a one-line label (keeps deep junk linear); a childless element is
    # one node, and has none.
    if len(el) and _nth_node(el, _SHORT_TEXT_MAX_NODES) is not None:
        return None
    parts: list[str] = []
    size = 0
    for t in text_pieces(el):
        size += len(t)
        if size > limit * 3:  # whitespace-padded markup still counts towards the bail-out
            return None
        parts.append(t)
    text = clean_inline("".join(parts))
    return text if len(text) <= limit else None
