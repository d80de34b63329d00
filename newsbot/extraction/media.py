"""The main image, its caption and the photo credit after «Фото:»."""

from __future__ import annotations

import logging
import re

from lxml import etree
from parsel import Selector

from newsbot.core.text import clean_inline
from newsbot.core.urls import clean_url
from newsbot.extraction.document import (
    SCAN_LIMIT,
    element_in_furniture,
    element_text,
    in_furniture,
    page_furniture,
    text_of,
)
from newsbot.extraction.elements import select
from newsbot.extraction.metadata import PageMetadata, as_url

logger = logging.getLogger(__name__)

_CAPTIONS = "figure figcaption, .wp-caption-text, .wp-element-caption, [itemprop='caption']"

CREDIT = re.compile(
    r"^(?P<caption>.*?)[\s.,;]*\b(?:Фото|Фотография|Фото и видео)\s*(?::|—|–|-)\s*(?P<credit>.+)$",
    re.IGNORECASE | re.DOTALL,
)

_PHOTO_WORD = re.compile(r"\b(?:Фото|Фотография)\s*[:—–-]", re.IGNORECASE)
#: Compiled once, results as lxml elements: a string XPath through parsel is compiled on every
#: call and wraps each of its results (every <p> and leaf of the article) in a Selector.
_CAPTION_CANDIDATES = etree.XPath(".//*[contains(@class, 'caption')] | .//p | .//*[not(*)]")


def split_caption(caption: str) -> tuple[str, str]:
    """«<caption>. Фото: <credit>» -> (caption, credit)."""
    caption = clean_inline(caption)
    match = CREDIT.match(caption)
    if not match:
        return caption.rstrip(" ."), ""
    return clean_inline(match.group("caption")).rstrip(" .,;"), clean_inline(match.group("credit"))


def _captions_no_image(node: Selector) -> bool:
    """A figcaption of a table or chart figure (no picture in it) is not the image's caption."""
    figure = next(node.root.iterancestors("figure"), None)
    if figure is None:
        return False
    return next(figure.iter("img", "picture", "amp-img"), None) is None


def read_caption(sel: Selector, scope: Selector) -> str:
    furniture = page_furniture(sel)
    for node in select(sel, _CAPTIONS):
        if in_furniture(node, furniture) or _captions_no_image(node):
            continue
        value = clean_inline(text_of(node))
        if value:
            return value
    # Themes without <figcaption>: a short element with "caption" in its class, or one that
    # reads «… Фото: …», in the article's own block.
    root = scope.root
    candidates = _CAPTION_CANDIDATES(root) if isinstance(root, etree._Element) else []
    for el in candidates[:SCAN_LIMIT]:  # captions sit near the top; bound huge pages
        raw = element_text(el)
        if not raw or len(raw) > 600:
            continue
        value = clean_inline(raw)
        is_caption = "caption" in (el.get("class") or "") or _PHOTO_WORD.search(value)
        if is_caption and value and not element_in_furniture(el, furniture):
            return value
    return ""


def _content_image(img: Selector) -> str:
    """The image's URL unless it is a logo, icon, avatar, tracking pixel or inline data."""
    url = img.root.get("data-src") or img.root.get("data-lazy-src") or img.root.get("src")
    if not url or url.startswith("data:") or in_furniture(img):
        return ""
    hints = " ".join(img.root.get(k, "") for k in ("class", "src", "alt", "id")).lower()
    if any(word in hints for word in ("logo", "icon", "avatar", "emoji", "pixel", "counter")):
        return ""
    for dim in ("width", "height"):
        value = img.root.get(dim, "")
        if value.isdigit() and int(value) < 100:
            return ""
    return url


def read_image(sel: Selector, meta: PageMetadata, scope: Selector, base: str) -> str:
    url = meta.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image")
    url = url or as_url(meta.article.get("image"))
    if not url:
        images = sel.xpath("//figure//img | //*[contains(@class,'wp-caption')]//img")
        for img in [*images, *scope.xpath(".//img")]:
            url = _content_image(img)
            if url:
                break
    return clean_url(url, base) if url else ""
