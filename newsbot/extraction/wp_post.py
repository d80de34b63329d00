"""A WordPress REST post (``/wp-json/wp/v2/posts?_embed``) -> the same final row as its page.

The API gives, 100 posts to a request, what an article page shows: ``content.rendered`` goes
through the same body and paragraph rules as a page's body, ``excerpt`` is the lead,
``date_gmt``/``modified_gmt`` are UTC, ``_embedded`` holds the author, the featured image with
its caption («… Фото: …» split as on the page) and the categories and tags. So a backfill needs
no article page, but for the posts below.

The author, by the page's own rule (``headline.byline_author``): a byline typed into the post
(«Текст: …», «Фото и текст: …») names it; else the WordPress user does, when that user is a
person. A shared account («admin», «Редакция», the site's own name where the post states it,
a login, or no readable user at all) says nothing about who wrote the post: the theme prints
the byline from elsewhere (a custom field), so only the page has it, and such a post is refused
with the code ``no_byline`` for the spider to read its page (README, "Discovery").
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from typing import Any

from newsbot.core.dates import parse_date, to_iso
from newsbot.core.text import clean_inline
from newsbot.core.urls import clean_url, site_of
from newsbot.extraction.article import ArticleExtraction, to_iso_utc
from newsbot.extraction.body import clean_paragraphs
from newsbot.extraction.headline import byline_author
from newsbot.extraction.media import split_caption
from newsbot.extraction.paragraphs import html_to_text
from newsbot.extraction.row import final_row

logger = logging.getLogger(__name__)


def _rendered(post: dict[str, Any], key: str) -> str:
    value = post.get(key)
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else ""


def _utc(post: dict[str, Any], key: str) -> datetime | None:
    """``date_gmt``-style fields: naive UTC; WordPress writes zeros for drafts."""
    value = post.get(key)
    if not isinstance(value, str) or not value.strip() or value.startswith("0000"):
        return None
    return parse_date(value.strip() + "Z")


def _embedded(post: dict[str, Any], key: str) -> list[Any]:
    value = (post.get("_embedded") or {}).get(key)
    return value if isinstance(value, list) else []


def _terms(post: dict[str, Any], taxonomy: str) -> list[str]:
    names: list[str] = []
    for group in _embedded(post, "wp:term"):
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict) and term.get("taxonomy") == taxonomy:
                name = clean_inline(html.unescape(str(term.get("name") or "")))
                if name:
                    names.append(name)
    return names


def _image(post: dict[str, Any]) -> tuple[str, str, str]:
    """(image URL, caption, photo credit) of the featured image."""
    for media in _embedded(post, "wp:featuredmedia"):
        if not isinstance(media, dict) or not media.get("source_url"):
            continue
        caption = clean_inline(html_to_text(_rendered(media, "caption")))
        image_caption, credit = split_caption(caption)
        return str(media["source_url"]), image_caption, credit
    return "", "", ""


#: Display names of shared accounts (casefolded): WordPress's defaults and a newsroom's usual
#: ones. A name whose first word is one of _ACCOUNT_WORDS is one too («Редакция сайта …»).
_ACCOUNT_NAMES = frozenset(
    {
        "admin", "administrator", "editor", "author", "webmaster", "root", "user", "staff",
        "newsroom", "news", "editorial", "администратор", "админ", "редактор", "редакция",
        "новости", "пресс-служба", "пресс-центр", "корреспондент", "автор",
    }
)  # fmt: skip
_ACCOUNT_WORDS = frozenset({"редакция", "пресс-служба", "пресс-центр", "администрация"})
#: A login, not a name: one latin token in lower case («admin», «uvk_news», «editor2»), which
#: is what WordPress shows when nobody filled in a display name.
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


def _site_names(post: dict[str, Any]) -> set[str]:
    """The site's own names where the post states them (Yoast SEO's ``yoast_head_json``)."""
    yoast = post.get("yoast_head_json")
    if not isinstance(yoast, dict):
        return set()
    names = {yoast.get("og_site_name")}
    graph = (
        (yoast.get("schema") or {}).get("@graph") if isinstance(yoast.get("schema"), dict) else []
    )
    for node in graph if isinstance(graph, list) else []:
        if isinstance(node, dict) and node.get("@type") in ("Organization", "WebSite"):
            names.add(node.get("name"))
    return {clean_inline(html.unescape(n)).casefold() for n in names if isinstance(n, str) and n}


def wp_user(post: dict[str, Any]) -> tuple[str, str]:
    """(the embedded author's display name, why it is not a person's byline; "" when it is)."""
    people = [p for p in _embedded(post, "author") if isinstance(p, dict)]
    for person in people:
        name = clean_inline(html.unescape(str(person.get("name") or "")))
        if not name:
            continue
        folded = name.casefold()
        if folded in _ACCOUNT_NAMES or folded.split()[0] in _ACCOUNT_WORDS:
            return name, f"the WP user «{name}» is a shared account"
        if _LOGIN.match(name):
            return name, f"the WP user «{name}» is a login"
        if folded in _site_names(post):
            return name, f"the WP user «{name}» is the site's own name"
        return name, ""
    # No user, or the embed refused (``rest_user_cannot_view``: the site hides its users).
    codes = sorted({str(p["code"]) for p in people if p.get("code")})
    return "", "no WP user in the JSON" + (f" ({', '.join(codes)})" if codes else "")


def post_to_row(post: dict[str, Any], fetched_at: datetime) -> ArticleExtraction:
    """One post -> its final row, ``sources`` naming the API. Never raises on a bad post."""
    try:
        return _row(post, fetched_at)
    except Exception as exc:  # one odd post must cost one row, not the run
        logger.exception("unreadable REST post %s", post.get("link"))
        return ArticleExtraction(is_article=False, code="error", reason=f"bad post: {exc!r}")


def _row(post: dict[str, Any], fetched_at: datetime) -> ArticleExtraction:
    url = clean_url(str(post.get("link") or ""))
    title = clean_inline(html.unescape(html_to_text(_rendered(post, "title"))))
    lead = clean_inline(html_to_text(_rendered(post, "excerpt")))
    content = html_to_text(_rendered(post, "content"))
    text, _captions = clean_paragraphs(content, {title} - {""})
    byline = byline_author(content)
    user, not_a_byline = wp_user(post)
    author = byline or ("" if not_a_byline else user)
    published = _utc(post, "date_gmt") or parse_date(str(post.get("date") or ""))
    modified = _utc(post, "modified_gmt")
    if modified is not None and (published is None or modified <= published):
        modified = None  # unedited: WordPress repeats the publication time
    image_url, image_caption, photo_credit = _image(post)
    row = final_row(
        {
            "url": url,
            "site": site_of(url),
            "title": title,
            "published_at": to_iso(published),
            "modified_at": to_iso(modified),
            "author": author,
            "lead": lead,
            "text": text,
            "image_url": clean_url(image_url, url) if image_url else "",
            "image_caption": image_caption,
            "photo_credit": photo_credit,
            "tags": _terms(post, "post_tag"),
            "categories": _terms(post, "category"),
        },
        scraped_at=to_iso_utc(fetched_at),
    )
    sources = {name: "api" for name, value in row.items() if value not in ("", [], 0, None)}
    for derived in ("site", "districts", "word_count", "content_hash", "scraped_at", "url"):
        sources.pop(derived, None)
    if byline:
        sources["author"] = "byline"  # typed into content.rendered, read as on a page
    if post.get("type") not in (None, "post") or post.get("status") not in (None, "publish"):
        return ArticleExtraction(
            fields=row, is_article=False, code="not_article", reason="not a published post"
        )
    if not row["url"] or not row["title"]:
        return ArticleExtraction(fields=row, is_article=False, code="no_title", reason="no title")
    if not row["text"]:
        # Page builders keep the body in shortcodes or blocks the API leaves empty: the page
        # itself must be read (the spider fetches it).
        return ArticleExtraction(
            fields=row, is_article=False, code="no_text", reason="no text in content.rendered"
        )
    if not author:
        # Who wrote it is printed by the theme only (a custom field): the page must be read.
        return ArticleExtraction(
            fields=row,
            is_article=False,
            code="no_byline",
            reason=f"{not_a_byline} and content.rendered prints no byline",
        )
    return ArticleExtraction(fields=row, sources=sources)
