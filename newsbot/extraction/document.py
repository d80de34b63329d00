"""Turning bytes or text into one parsed tree, with the page's own declared encoding honoured."""

from __future__ import annotations

import logging

from parsel import Selector
from w3lib.encoding import html_to_unicode

logger = logging.getLogger(__name__)


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
