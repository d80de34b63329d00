"""An article page -> the dataset's raw fields.

Every field is read from standard signals first (JSON-LD, OpenGraph / ``article:*`` meta,
canonical, ``<time datetime>``, WordPress markup) and from the outlet's visible patterns second
(«Опубликовано 05 Сен 2023 в 12:57 | Текст: …», «… Фото: …»), so that a theme change degrades one
signal instead of emptying a column. Derived fields (word_count, districts, hashes) and final
normalisation belong to the clean pipeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from parsel import Selector

from newsbot.core.dates import MOSCOW, now_moscow
from newsbot.core.text import clean_inline
from newsbot.core.urls import clean_url, same_site, site_of
from newsbot.extraction.body import Body, article_scope, clean_paragraphs, find_body
from newsbot.extraction.dating import read_dates
from newsbot.extraction.document import (
    element_in_furniture,
    make_selector,
    page_furniture,
    visible_text_nodes,
)
from newsbot.extraction.elements import select_elements, tagged
from newsbot.extraction.headline import (
    read_author,
    read_description,
    read_standfirst,
    read_title,
    site_names,
)
from newsbot.extraction.media import read_caption, read_image, split_caption
from newsbot.extraction.metadata import COLLECTION_TYPES, PageMetadata, as_text, read_metadata
from newsbot.extraction.row import final_row
from newsbot.extraction.taxonomy import read_categories, read_tags

logger = logging.getLogger(__name__)

_NON_ARTICLE_OG = frozenset({"website", "profile", "object", "book", "music.song", "video.other"})

_NON_ARTICLE_BODY_CLASSES = frozenset(
    {"home", "blog", "archive", "category", "tag", "author", "search", "page", "error404"}
)


@dataclass
class ArticleExtraction:
    """Raw fields of one page plus whether the page is an article at all, and why not."""

    fields: dict[str, Any] = field(default_factory=dict)
    is_article: bool = True
    code: str = ""  # stats key when not an article: not_article, no_title, no_text, error
    reason: str = ""  # the same for a human, with the evidence
    #: field -> the signal its value came from (jsonld, meta, time, byline, near_headline, …)
    sources: dict[str, str] = field(default_factory=dict)


#: A body this long, in a few paragraphs, makes a page with no date or markup an article.
_LONG_BODY_CHARS = 1500
_LONG_BODY_PARAGRAPHS = 3
#: Teaser cards beside the article hold a fraction of its text; a listing's cards do not.
_TEASER_SHARE = 0.34


def _is_article(
    sel: Selector, meta: PageMetadata, published: str, body: Body | None, text: str
) -> tuple[bool, str]:
    """Whether the page is one article rather than a listing or a static page.

    Strong signals (a JSON-LD Article, ``article:published_time``, WordPress ``single`` body
    class, ``itemprop=articleBody``) settle it. ``og:type`` and a date are weak: themes put
    ``og:type=article`` on archives and ``website`` on articles. A listing, category or
    static-page mark refuses the page; without one, a dated page or one long body is an article.
    """
    og_type = meta.first("og:type").lower()
    classes = [c for c in (b.get("class") for b in tagged(sel, "body")) if c is not None]
    body_classes = set((classes[0] if classes else "").lower().split())
    if (
        meta.article
        or meta.first("article:published_time")
        or body_classes & {"single", "single-post"}
        or select_elements(sel, "[itemprop='articleBody']")
    ):
        return True, ""
    non_article: list[str] = []
    if meta.jsonld_types & COLLECTION_TYPES:
        non_article.append("jsonld:" + ",".join(sorted(meta.jsonld_types & COLLECTION_TYPES)))
    if body_classes & _NON_ARTICLE_BODY_CLASSES:
        non_article.append("wp:" + ",".join(sorted(body_classes & _NON_ARTICLE_BODY_CLASSES)))
    cards = _listing_cards(sel, body, len(text))
    if cards >= 3:
        non_article.append(f"{cards} article cards")
    if non_article:
        return False, "not an article (" + "; ".join(non_article) + ")"
    long_body = len(text) >= _LONG_BODY_CHARS and text.count("\n\n") + 1 >= _LONG_BODY_PARAGRAPHS
    if og_type in _NON_ARTICLE_OG and not (published and long_body):
        return False, f"not an article (og:type={og_type})"
    if not published and og_type != "article" and not long_body:
        return False, "not an article (no date and no article markup)"
    return True, ""


def _listing_cards(sel: Selector, body: Body | None, text_chars: int) -> int:
    """``<article>`` cards outside furniture and outside the body, unless they are teasers:
    one article's page may show many small cards, whose text is a fraction of its own."""
    inside = set(body.node.root.iter()) | set(body.node.root.iterancestors()) if body else set()
    cards = [el for el in tagged(sel, "article") if not element_in_furniture(el)]
    cards = [c for c in cards if c not in inside]
    if body is not None and cards:
        biggest = max(len(" ".join(c.itertext()).strip()) for c in cards)
        if text_chars >= _LONG_BODY_CHARS and biggest <= text_chars * _TEASER_SHARE:
            return 0
    return len(cards)


def extract_article(
    html: str | bytes | Selector,
    url: str,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
) -> ArticleExtraction:
    """Read one page into its final row. Relative and year-less dates («Сегодня в 10:15»,
    «12 сентября») resolve against ``fetched_at`` (default: now, Moscow). Never raises on bad
    HTML: a broken page gives empty fields and a reason."""
    fetched = fetched_at.astimezone(MOSCOW) if fetched_at else now_moscow()
    try:
        return _extract(make_selector(html, content_type), url, fetched)
    except Exception as exc:  # a parser bug must cost one page, not the crawl
        logger.exception("extraction failed for %s", url)
        return ArticleExtraction(
            is_article=False, code="error", reason=f"extraction error: {exc!r}"
        )


def _extract(sel: Selector, url: str, fetched: datetime) -> ArticleExtraction:
    meta = read_metadata(sel)
    art = meta.article
    canonical = clean_url(meta.canonical or as_text(art.get("url")) or meta.first("og:url"), url)
    page_url = clean_url(url)
    final_url = canonical if canonical and same_site(canonical, page_url) else page_url

    page = tagged(sel, "body")
    nodes = (
        [clean_inline(t) for t in visible_text_nodes(page[0], page_furniture(sel))] if page else []
    )
    visible = "\n".join(nodes)
    body = find_body(sel)
    scope = article_scope(sel, body)

    title, title_from = read_title(sel, meta)
    standfirst, lead_from = read_standfirst(sel, meta, body.node if body else None)
    image_url = read_image(sel, meta, scope, final_url or url)
    raw_caption = read_caption(sel, scope)
    text = body.text() if body is not None else ""
    text, inline_captions = clean_paragraphs(text, {title, standfirst, raw_caption} - {""})
    if not raw_caption and inline_captions:
        raw_caption = inline_captions[0]
    image_caption, photo_credit = split_caption(raw_caption)
    lead = standfirst
    if not lead:
        lead = read_description(meta, title, text, site_names(sel, meta))
        lead_from = "description" if lead else ""
    dates = read_dates(sel, meta, nodes, visible, title, text[:80], fetched)
    author, author_from = read_author(sel, meta, visible)

    is_article, reason = _is_article(sel, meta, dates.published, body, text)
    row = final_row(
        {
            "url": final_url,
            "site": site_of(final_url),
            "title": title,
            "published_at": dates.published,
            "modified_at": dates.modified,
            "author": author,
            "lead": lead,
            "text": text,
            "image_url": image_url,
            "image_caption": image_caption,
            "photo_credit": photo_credit,
            "tags": read_tags(sel, meta, scope),
            "categories": read_categories(sel, meta, scope, visible),
        },
        scraped_at=to_iso_utc(fetched),
        text_cleaned=True,  # html_to_text's blocks, joined and filtered by blank lines
    )
    sources = {
        "title": title_from,
        "published_at": dates.published_from,
        "modified_at": dates.modified_from,
        "author": author_from,
        "lead": lead_from,
        "text": body.source if body is not None else "",
    }
    code = "" if is_article else "not_article"
    if is_article and not row["title"]:
        is_article, code, reason = False, "no_title", "no title found"
    elif is_article and not row["text"]:
        is_article, code, reason = False, "no_text", "no article text found"
    return ArticleExtraction(
        fields=row,
        is_article=is_article,
        code=code,
        reason=reason,
        sources={k: v for k, v in sources.items() if v and row[k]},
    )


def to_iso_utc(moment: datetime) -> str:
    """``scraped_at``: when the page was fetched, ISO 8601 UTC to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()
