"""An article page -> the dataset's raw fields.

Every field is read from standard signals first (JSON-LD, OpenGraph / ``article:*`` meta,
canonical, ``<time datetime>``, WordPress markup) and from the outlet's visible patterns second
(«Опубликовано 05 Сен 2023 в 12:57 | Текст: …», «… Фото: …»), so that a theme change degrades one
signal instead of emptying a column. Derived fields (word_count, districts, hashes) and final
normalisation belong to the clean pipeline.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

from newsbot.dates import parse_date
from newsbot.extraction.document import (
    FURNITURE_XPATH,
    in_furniture,
    make_selector,
    text_of,
    visible_text_nodes,
)
from newsbot.extraction.metadata import (
    COLLECTION_TYPES,
    PageMetadata,
    as_names,
    as_text,
    as_url,
    read_metadata,
)
from newsbot.text import clean_inline, html_to_text
from newsbot.urls import clean_url, same_site, site_of

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
_LEAD_SELECTORS = (
    "[itemprop='alternativeHeadline']",
    ".lead",
    ".subtitle",
    ".sub-title",
    ".entry-subtitle",
    ".post-subtitle",
    ".td-post-sub-title",
    ".article-lead",
    ".article__lead",
    ".standfirst",
    ".intro",
)
_LEAD_LOOSE_XPATH = (
    "//body//*["
    + " or ".join(
        f"contains(@class, '{word}')"
        for word in ("subtitle", "sub-title", "lead", "standfirst", "entry-summary", "post-excerpt")
    )
    + "]"
)
_TITLE_SELECTORS = (
    "[itemprop='headline']",
    "h1.entry-title",
    ".entry-title",
    "article h1",
    ".tdb-title-text",
    ".post-title",
    "h1",
)
_CAPTION_XPATH = (
    "//figure//figcaption"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' wp-element-caption ')]"
    " | //*[@itemprop='caption']"
)

_BYLINE_DATE = re.compile(
    r"(?:Опубликовано|Опубликован[аы]?|Дата публикации)\s*:?\s*"
    r"(?P<date>[^|\n]{4,60}?)\s*(?:\||Текст|Автор|$)",
    re.IGNORECASE | re.MULTILINE,
)
_MODIFIED_DATE = re.compile(
    r"(?:Обновлено|Изменено|Дата обновления)\s*:?\s*(?P<date>[^|\n]{4,60}?)\s*(?:\||$)",
    re.IGNORECASE | re.MULTILINE,
)
_BYLINE_AUTHOR = re.compile(r"(?:Текст|Автор)\s*:\s*(?P<author>[^|\n]{2,120})", re.IGNORECASE)
#: Where a byline's name ends: «Олег Соколов в 22.01.2024 @ 16:05 В рубрике …».
_AUTHOR_END = re.compile(
    r"\s+(?:в|,)?\s*\d{1,2}[.:\s]\d|\s+В рубрике|\s+Фото\b|,\s*\d|\s+\d{1,2}\s+[А-Яа-я]{3,}",
    re.IGNORECASE,
)
_AUTHOR_SELECTORS = (
    ".wp-block-post-author-name",
    "[rel~='author']",
    "[itemprop='author'] [itemprop='name']",
    "[itemprop='author']",
    ".byline .author",
    ".author-name",
    ".post-author",
    ".entry-author",
    ".byline",
    ".author",
)
_CREDIT = re.compile(
    r"^(?P<caption>.*?)[\s.,;]*\b(?:Фото|Фотография|Фото и видео)\s*(?::|—|–|-)\s*(?P<credit>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_PHOTO_WORD = re.compile(r"\b(?:Фото|Фотография)\s*[:—–-]", re.IGNORECASE)
_RUBRIC = re.compile(r"(?:В рубрике|Рубрика:)\s*(?P<rubric>[^|\n]{2,60}?)\s*(?:\||$)", re.I | re.M)
_BYLINE_PARAGRAPH = re.compile(r"^(?:Опубликовано|Дата публикации)\b", re.IGNORECASE)
_FURNITURE_PARAGRAPH = re.compile(
    r"^(?:Теги|Метки|Рубрик[аи]?|Поделиться|Поделитесь|Tags)\s*:?(?:\s|$)", re.IGNORECASE
)
_NON_ARTICLE_OG = frozenset({"website", "profile", "object", "book", "music.song", "video.other"})
_NON_ARTICLE_BODY_CLASSES = frozenset(
    {"home", "blog", "archive", "category", "tag", "author", "search", "page", "error404"}
)
_MIN_BODY_CHARS = 80
_SCAN_LIMIT = 2000  # elements a fallback search looks at before giving up (huge pages)


@dataclass
class ArticleExtraction:
    """Raw fields of one page plus whether the page is an article at all, and why not."""

    fields: dict[str, Any] = field(default_factory=dict)
    is_article: bool = True
    code: str = ""  # stats key when not an article: not_article, no_title, no_text, error
    reason: str = ""  # the same for a human, with the evidence
    signals: list[str] = field(default_factory=list)


def _first_text(sel: Selector, css_list: tuple[str, ...]) -> str:
    for css in css_list:
        for node in sel.css(css):
            if in_furniture(node):
                continue
            value = clean_inline(text_of(node))
            if value:
                return value
    return ""


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
        if parent is not None and parent.xpath(FURNITURE_XPATH):
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


_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<!\d)\d{1,2}\.\d{1,2}\.\d\d(?!\d)")
_NEAR_TITLE = 25  # text nodes either side of the headline searched for its date


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


def _visible(pattern: re.Pattern[str], text: str, group: str) -> str:
    for match in pattern.finditer(text):
        value = clean_inline(match.group(group))
        if value:
            return value
    return ""


_TITLE_SEPARATOR = re.compile(r"\s+(?:[|»«—–-]|::)\s+")


def _site_names(sel: Selector, meta: PageMetadata) -> set[str]:
    """The outlet's own names, as the page states them (to cut them off titles)."""
    names = {meta.first("og:site_name"), meta.first("application-name")}
    publisher = meta.article.get("publisher")
    names.update(as_names(publisher) if publisher else [])
    names.update(clean_inline(t) for t in sel.css(".site-title ::text, .logo ::text").getall())
    return {clean_inline(n).casefold() for n in names if n and len(clean_inline(n)) > 2}


def _strip_site_name(title: str, names: set[str], visible: set[str]) -> str:
    """«Headline - Site» / «Site » Headline» -> «Headline», keeping dashes inside headlines."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) == 1:
        return title
    for part in parts:  # a part the page also prints on its own is the headline
        if part.casefold() in visible and part.casefold() not in names:
            return part
    while len(parts) > 1 and parts[-1].casefold() in names:
        parts.pop()
    while len(parts) > 1 and parts[0].casefold() in names:
        parts.pop(0)
    if len(parts) == len(_TITLE_SEPARATOR.split(title)):
        return title
    # Rebuild from the original string so the headline's own separators survive.
    first, last = parts[0], parts[-1]
    return title[title.index(first) : title.rindex(last) + len(last)]


def _title(sel: Selector, meta: PageMetadata) -> str:
    """Structured headline first; else the heading that the page's <title> names; else h1."""
    names = _site_names(sel, meta)
    headings = [
        clean_inline(text_of(n))
        for n in sel.xpath(
            "//body//*[self::h1 or self::h2 or self::h3 or contains(@id, 'itle')"
            " or contains(@class, 'title') or contains(@class, 'headline')]"
        )
        if not in_furniture(n)
    ]
    visible = {h.casefold() for h in headings if h}
    for raw in (as_text(meta.article.get("headline")), meta.first("og:title")):
        value = clean_inline(html.unescape(raw))
        if value:
            return _strip_site_name(value, names, visible)
    page_title = clean_inline(sel.xpath("string(//title)").get())
    if page_title:
        parts = [page_title, *_TITLE_SEPARATOR.split(page_title)]
        for part in parts:
            if part.casefold() in visible and part.casefold() not in names:
                return part
    found = _first_text(sel, _TITLE_SELECTORS)
    if found:
        return _strip_site_name(found, names, set())
    return _strip_site_name(page_title, names, visible) if page_title else ""


def _inside(node: Selector, container: Selector | None) -> bool:
    if container is None:
        return False
    target = container.root
    return any(anc is target for anc in node.root.iterancestors()) or node.root is target


def _lead(sel: Selector, meta: PageMetadata, container: Selector | None) -> str:
    """A standfirst by its usual class names, else the element that shows the description.

    ``og:description`` alone is not a lead (themes fill it with the first sentence); it is
    one when the page also prints it, outside the body, as its own element.
    """
    found = _first_text(sel, (", ".join(_LEAD_SELECTORS),))  # one query, document order
    if found:
        return found
    # Looser class names, in one query (document order): «elementor-…-post-excerpt» & co.
    for node in sel.xpath(_LEAD_LOOSE_XPATH):
        text = clean_inline(text_of(node))
        if 10 <= len(text) <= 400 and not in_furniture(node):
            return text
    description = clean_inline(
        as_text(meta.article.get("description")) or meta.first("og:description", "description")
    )
    if len(description) < 10:
        return ""
    # Only elements whose own text starts like the description (lxml does the scan in C).
    nodes = sel.xpath(
        "//body//*[self::p or self::h2 or self::h3 or self::div or self::span]"
        "[starts-with(normalize-space(.), $start)]",
        start=description[:24],
    )
    for node in nodes[:_SCAN_LIMIT]:
        raw = node.root.text_content()
        if len(raw) > 2 * len(description) + 50 or clean_inline(raw) != description:
            continue
        if in_furniture(node):
            continue
        if not _inside(node, container):  # the body's own first sentence is not a lead
            return description
    return ""


def _scope(sel: Selector, container: Selector | None) -> Selector:
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


def _body_container(sel: Selector) -> Selector | None:
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
        if score > best_score and not el.xpath(FURNITURE_XPATH):
            best, best_score = el, score
    if best is None or best_score < _MIN_BODY_CHARS:
        return None
    return Selector(root=best, type="html")


def split_caption(caption: str) -> tuple[str, str]:
    """«<caption>. Фото: <credit>» -> (caption, credit)."""
    caption = clean_inline(caption)
    match = _CREDIT.match(caption)
    if not match:
        return caption.rstrip(" ."), ""
    return clean_inline(match.group("caption")).rstrip(" .,;"), clean_inline(match.group("credit"))


def _caption(sel: Selector, scope: Selector) -> str:
    for node in sel.xpath(_CAPTION_XPATH):
        if in_furniture(node):
            continue
        value = clean_inline(text_of(node))
        if value:
            return value
    # Themes without <figcaption>: a short element with "caption" in its class, or one that
    # reads «… Фото: …», in the article's own block.
    candidates = scope.xpath(".//*[contains(@class, 'caption')] | .//p | .//*[not(*)]")
    for node in candidates[:_SCAN_LIMIT]:  # captions sit near the top; bound huge pages
        raw = node.root.text_content() if hasattr(node.root, "text_content") else ""
        if not raw or len(raw) > 600:
            continue
        value = clean_inline(raw)
        is_caption = "caption" in (node.attrib.get("class") or "") or _PHOTO_WORD.search(value)
        if is_caption and value and not in_furniture(node):
            return value
    return ""


def _content_image(img: Selector) -> str:
    """The image's URL unless it is a logo, icon, avatar, tracking pixel or inline data."""
    url = img.attrib.get("data-src") or img.attrib.get("data-lazy-src") or img.attrib.get("src")
    if not url or url.startswith("data:") or in_furniture(img):
        return ""
    hints = " ".join(img.attrib.get(k, "") for k in ("class", "src", "alt", "id")).lower()
    if any(word in hints for word in ("logo", "icon", "avatar", "emoji", "pixel", "counter")):
        return ""
    for dim in ("width", "height"):
        value = img.attrib.get(dim, "")
        if value.isdigit() and int(value) < 100:
            return ""
    return url


def _image(sel: Selector, meta: PageMetadata, scope: Selector, base: str) -> str:
    url = meta.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
    url = url or as_url(meta.article.get("image"))
    if not url:
        images = sel.xpath("//figure//img | //*[contains(@class,'wp-caption')]//img")
        for img in [*images, *scope.xpath(".//img")]:
            url = _content_image(img)
            if url:
                break
    return clean_url(url, base) if url else ""


_CATEGORY_HREF = re.compile(r"/(?:category|rubric|rubrika|rubriki|razdel|section)/", re.I)


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


_TAG_TOKENS = frozenset({"tag", "tags", "метки", "keywords"})
_CATEGORY_TOKENS = frozenset({"category", "categories", "cat", "rubric", "rubrics", "rubrika"})
_CLASS_TOKEN = re.compile(r"[\s_-]+")


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


def _is_article(sel: Selector, meta: PageMetadata, published: str) -> tuple[bool, str, list[str]]:
    """Whether the page is one article rather than a listing or a static page.

    Strong signals (a JSON-LD Article, ``article:published_time``, WordPress ``single`` body
    class, ``itemprop=articleBody``) settle it. ``og:type=article`` and a date are weak: themes
    put both on archives too, so they count only when nothing says "listing".
    """
    signals: list[str] = []
    og_type = meta.first("og:type").lower()
    body_classes = set((sel.xpath("//body/@class").get() or "").lower().split())
    if meta.article:
        signals.append("jsonld")
    if meta.first("article:published_time"):
        signals.append("article:published_time")
    if body_classes & {"single", "single-post"}:
        signals.append("wp:single")
    if sel.css("[itemprop='articleBody']"):
        signals.append("articleBody")
    strong = list(signals)
    if og_type == "article":
        signals.append("og:type")
    if published:
        signals.append("date")
    if strong:
        return True, "", signals
    non_article: list[str] = []
    if og_type in _NON_ARTICLE_OG:
        non_article.append(f"og:type={og_type}")
    if meta.jsonld_types & COLLECTION_TYPES:
        non_article.append("jsonld:" + ",".join(sorted(meta.jsonld_types & COLLECTION_TYPES)))
    if body_classes & _NON_ARTICLE_BODY_CLASSES:
        non_article.append("wp:" + ",".join(sorted(body_classes & _NON_ARTICLE_BODY_CLASSES)))
    cards = [n for n in sel.xpath("//article") if not in_furniture(n)]
    if len(cards) >= 3:
        non_article.append(f"{len(cards)} article cards")
    if non_article:
        return False, "not an article (" + "; ".join(non_article) + ")", signals
    if not published and og_type != "article":
        return False, "not an article (no date and no article markup)", signals
    return True, "", signals


def _is_date_line(flat: str) -> bool:
    """A paragraph that is only a date stamp («05.09.2023», «12 марта 2024 г., 10:15»)."""
    return len(flat) <= 40 and len(flat.split()) <= 6 and parse_date(flat) is not None


def _clean_paragraphs(text: str, drop: set[str]) -> tuple[str, list[str]]:
    """Body paragraphs minus byline, date stamps, repeated title/caption/lead, furniture."""
    kept: list[str] = []
    captions: list[str] = []
    for para in text.split("\n\n"):
        flat = clean_inline(para)
        if not flat or flat in drop or _BYLINE_PARAGRAPH.match(flat) or _is_date_line(flat):
            continue
        if _FURNITURE_PARAGRAPH.match(flat) and len(flat) < 300:
            continue
        if len(flat) <= 300 and _CREDIT.match(flat) and re.search(r"\bФото\s*:", flat):
            captions.append(flat)
            continue
        kept.append(para)
    return "\n\n".join(kept), captions


def extract_article(
    html: str | bytes | Selector, url: str, content_type: str | None = None
) -> ArticleExtraction:
    """Read one page. Never raises on bad HTML: a broken page gives empty fields and a reason."""
    try:
        return _extract(make_selector(html, content_type), url)
    except Exception as exc:  # a parser bug must cost one page, not the crawl
        logger.exception("extraction failed for %s", url)
        return ArticleExtraction(
            is_article=False, code="error", reason=f"extraction error: {exc!r}"
        )


def _extract(sel: Selector, url: str) -> ArticleExtraction:
    meta = read_metadata(sel)
    art = meta.article
    canonical = clean_url(meta.canonical or as_text(art.get("url")) or meta.first("og:url"), url)
    page_url = clean_url(url)
    final_url = canonical if canonical and same_site(canonical, page_url) else page_url

    container = _body_container(sel)
    body = sel.xpath("//body")
    nodes = [clean_inline(t) for t in visible_text_nodes(body[0].root)] if body else []
    scope_text = "\n".join(nodes)
    title = _title(sel, meta)
    byline_date = _visible(_BYLINE_DATE, scope_text, "date")
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
        _visible(_MODIFIED_DATE, scope_text, "date"),
    )
    author = (
        _AUTHOR_END.split(_visible(_BYLINE_AUTHOR, scope_text, "author"), maxsplit=1)[0]
        or ", ".join(html.unescape(n) for n in as_names(art.get("author")))
        or meta.first("author", "article:author")
        or _first_text(sel, _AUTHOR_SELECTORS)
    )
    if author.lower().startswith(("http://", "https://")):
        author = ""  # article:author is often a profile URL, not a name
    lead = _lead(sel, meta, container) or clean_inline(as_text(art.get("alternativeHeadline")))
    scope = _scope(sel, container)
    raw_caption = _caption(sel, scope)

    text = html_to_text(container.root) if container is not None else ""
    text, inline_captions = _clean_paragraphs(text, {title, lead, raw_caption} - {""})
    if not raw_caption and inline_captions:
        raw_caption = inline_captions[0]
    image_caption, photo_credit = split_caption(raw_caption)

    tags = (
        _keywords(art.get("keywords"))
        or meta.all("article:tag")
        or _list_from_links(sel, "tag")
        or _list_from_boxes(scope, "tag")
    )
    categories = (
        _keywords(art.get("articleSection"))
        or meta.all("article:section")
        or _list_from_links(sel, "category")
        or _list_from_boxes(scope, "category")
        or [_visible(_RUBRIC, scope_text, "rubric")]
    )

    is_article, reason, signals = _is_article(sel, meta, published)
    fields: dict[str, Any] = {
        "url": final_url,
        "site": site_of(final_url),
        "title": title,
        "published_at": published,
        "modified_at": modified,
        "author": clean_inline(author),
        "lead": lead,
        "text": text,
        "image_url": _image(sel, meta, scope, final_url or url),
        "image_caption": image_caption,
        "photo_credit": photo_credit,
        "tags": _dedup(tags),
        "categories": _dedup(categories),
    }
    code = "" if is_article else "not_article"
    if is_article and not title:
        is_article, code, reason = False, "no_title", "no title found"
    elif is_article and not text:
        is_article, code, reason = False, "no_text", "no article text found"
    return ArticleExtraction(
        fields=fields, is_article=is_article, code=code, reason=reason, signals=signals
    )
