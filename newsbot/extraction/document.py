"""Turning bytes or text into one parsed tree, with the page's own declared encoding honoured."""

from __future__ import annotations

import logging

from parsel import Selector
from w3lib.encoding import html_to_unicode

logger = logging.getLogger(__name__)

_CLASS = "concat(' ', normalize-space(@class), ' ')"
#: Nodes that are page furniture, never the article: sidebars, menus, page footer, comment
#: forms, related-post blocks. Class tests use whole tokens where a substring would also hit
#: page builders' wrappers (``elementor-widget-container`` holds the article itself).
FURNITURE_XPATH = (
    "ancestor-or-self::aside or ancestor-or-self::nav or ancestor-or-self::form"
    " or ancestor-or-self::footer[not(ancestor::article)]"
    " or ancestor-or-self::*[not(self::body or self::html or self::article or self::main)]["
    f"contains({_CLASS}, ' widget ') or contains({_CLASS}, ' widget-area ')"
    " or contains(@class, 'sidebar') or contains(@id, 'sidebar') or @id = 'secondary'"
    " or contains(@class, 'related') or contains(@class, 'comments-area')"
    " or contains(@class, 'comment-list') or contains(@class, 'comment-respond')"
    " or @id = 'comments' or @id = 'respond']"
)


def in_furniture(node: Selector) -> bool:
    """Whether a node sits in page furniture (lxml evaluates the boolean; parsel would not)."""
    root = node.root
    return bool(root.xpath(FURNITURE_XPATH)) if hasattr(root, "xpath") else False


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) by HTTP header, BOM, then ``<meta charset>``, as browsers do."""
    encoding, text = html_to_unicode(content_type, body)
    return text, encoding


def make_selector(html: str | bytes | Selector, content_type: str | None = None) -> Selector:
    """A parsel Selector over the page; bytes are decoded by their declared charset."""
    if isinstance(html, Selector):
        return html
    if isinstance(html, bytes):
        html, _ = decode_html(html, content_type)
    # lxml rejects strings that carry an XML encoding declaration and stray NULs.
    html = html.replace("\x00", "")
    if not html.strip():
        html = "<html></html>"
    return Selector(text=html, type="html")


def text_of(sel: Selector | None) -> str:
    """All text under a node, joined with spaces (callers normalise it)."""
    if sel is None:
        return ""
    return " ".join(t for t in sel.xpath(".//text()").getall() if t.strip())
