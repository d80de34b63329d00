"""Where the article's paragraphs are, and which of them are not the article."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from parsel import Selector

from newsbot.core.dates import parse_date
from newsbot.core.text import clean_inline
from newsbot.extraction.document import element_in_furniture, in_furniture, page_furniture
from newsbot.extraction.elements import select, tagged, text_pieces
from newsbot.extraction.junk import is_boilerplate, is_junk_paragraph
from newsbot.extraction.media import CREDIT
from newsbot.extraction.paragraphs import html_to_text

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

_FURNITURE_PARAGRAPH = re.compile(
    r"^(?:Теги|Метки|Рубрик[аи]?|Поделиться|Поделитесь|Tags)\s*:?(?:\s|$)", re.IGNORECASE
)

_MIN_BODY_CHARS = 80
_PHOTO_COLON = re.compile(r"\bФото\s*:")

#: A sibling block joins the body when it holds this share of the densest block's text.
_SIBLING_SHARE = 0.2
_NOT_BLOCKS = frozenset({"script", "style", "noscript", "template"})

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
            size += len(" ".join(text_pieces(child)).strip())
        size += len((child.tail or "").strip())
    return size


@dataclass
class Body:
    """The article's body: ``node`` holds it (the lead and the article's block are read around
    it); ``parts`` are the blocks whose paragraphs make the text, in page order — one block,
    or sibling blocks that ads, figures or embeds split the body into."""

    node: Selector
    parts: list[Any]
    source: str  # "container:<css>" (a known body class) or "densest_block" (structure)

    def text(self) -> str:
        return "\n\n".join(t for t in (html_to_text(part) for part in self.parts) if t)


def _disjoint(nodes: list[Any]) -> list[Any]:
    """Nodes that do not sit inside another of them (a selector can match nested blocks)."""
    chosen = set(nodes)
    return [n for n in nodes if not any(a in chosen for a in n.iterancestors())]


def _common_parent(parts: list[Any]) -> Any:
    ancestors = [set(p.iterancestors()) for p in parts[1:]]
    for anc in parts[0].iterancestors():
        if all(anc in group for group in ancestors):
            return anc
    return parts[0]


def _known_body(sel: Selector) -> Body | None:
    """The first body class that matches: every disjoint block it marks (a theme may repeat
    it on each text section, or on every <p>: then the paragraphs' parent is the node)."""
    furniture = page_furniture(sel)
    for css in _BODY_SELECTORS:
        parts = [
            node.root
            for node in select(sel, css)
            if node.root.tag not in _INLINE and not in_furniture(node, furniture)
        ]
        parts = _disjoint(parts)
        if not parts:
            continue
        if not _holds_chars(parts, _MIN_BODY_CHARS):
            continue
        if all(p.tag == "p" for p in parts):
            parent = _common_parent(parts)
            return Body(Selector(root=parent, type="html"), [parent], f"container:{css}")
        node = parts[0] if len(parts) == 1 else _common_parent(parts)
        return Body(Selector(root=node, type="html"), parts, f"container:{css}")
    return None


def _holds_chars(parts: list[Any], floor: int) -> bool:
    """``sum(len(clean_inline(" ".join(p.itertext()))) for p in parts) >= floor``, reading
    only as much text as it takes: a body holds thousands of characters, and the floor is 80.

    Exact because a part's first pieces, joined and cleaned, are never longer than all of
    them: cleaning maps characters one by one and leaves the joining space a space, NFC does
    not compose across a space, and the words on either side of it stay whole
    (tests/test_text.py checks each for every code point)."""
    total = 0
    for part in parts:
        pieces: list[str] = []
        size = 0
        probe = floor * 2  # raw characters read before a look at the cleaned length
        for piece in text_pieces(part):
            pieces.append(piece)
            size += len(piece)
            if size >= probe:
                if total + len(clean_inline(" ".join(pieces))) >= floor:
                    return True
                probe = size * 2  # the text was mostly spaces: read twice as much
        total += len(clean_inline(" ".join(pieces)))
        if total >= floor:
            return True
    return False


def _link_chars(el: Any) -> int:
    return sum(len(" ".join(text_pieces(a)).strip()) for a in el.iter("a"))


def _dense_body(sel: Selector) -> Body | None:
    """The block with the most paragraph text of its own, plus its sibling blocks that also
    carry real paragraphs (a body split by an ad or an embed); furniture never counts."""
    body = tagged(sel, "body")
    if not body:
        return None
    scores: dict[Any, int] = {}
    best: Any = None
    best_score = 0
    furniture = page_furniture(sel)
    for el in body[0].iter():
        if not isinstance(el.tag, str) or el.tag in _INLINE or el.tag in _NOT_BLOCKS:
            continue
        score = _own_text_length(el)
        if score >= _MIN_BODY_CHARS // 2:
            scores[el] = score
        if score > best_score and not element_in_furniture(el, furniture):
            best, best_score = el, score
    if best is None or best_score < _MIN_BODY_CHARS:
        return None
    parent = best.getparent()
    if parent is None or parent.tag in ("body", "html"):
        return Body(Selector(root=best, type="html"), [best], "densest_block")
    floor = max(_MIN_BODY_CHARS, best_score * _SIBLING_SHARE)
    parts = []
    for sib in parent:
        if sib is best:
            parts.append(sib)
            continue
        score = scores.get(sib, 0)
        if (
            score >= floor
            and not is_boilerplate(sib)
            and not element_in_furniture(sib, furniture)
            and _link_chars(sib) * 3 < score
        ):
            parts.append(sib)
    node = best if len(parts) == 1 else parent
    return Body(Selector(root=node, type="html"), parts, "densest_block")


def find_body(sel: Selector) -> Body | None:
    """The article's body: a known container, else the densest block and its text siblings."""
    return _known_body(sel) or _dense_body(sel)


def article_scope(sel: Selector, body: Body | None) -> Selector:
    """The article's own block: the body container's nearest ancestor that holds the title."""
    if body is None:
        return sel
    node = body.node
    for _ in range(4):
        if next(node.root.iterdescendants("h1"), None) is not None:
            return node
        parent = node.root.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        node = Selector(root=parent, type="html")
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
        if not flat or flat in drop or is_junk_paragraph(flat) or _is_date_line(flat):
            continue
        if _FURNITURE_PARAGRAPH.match(flat) and len(flat) < 300:
            continue
        # «Фото» first: the search below needs it as written, and CREDIT's case-blind lazy
        # match costs tens of µs on every short paragraph of a page.
        if len(flat) <= 300 and "Фото" in flat and CREDIT.match(flat) and _PHOTO_COLON.search(flat):
            captions.append(flat)
            continue
        kept.append(para)
    return "\n\n".join(kept), captions
