"""A page's elements by tag, class and a few attributes, from one walk over the tree.

Why: the page modules look for dozens of class names (body containers, standfirsts, bylines,
captions, headings). Each ``sel.css(".x")`` is a whole-tree XPath scan with string tests on
every element, and most of them miss: ~40 of them took 60% of an article's extraction. One walk
that files every element under its tag and class tokens answers all of them by dictionary
look-ups, in document order, with the same matches as the XPath (``tests/test_elements.py``
compares them).

:func:`select` understands the simple CSS the page modules use — groups (``a, b``), descendant
combinators (``article h1``), type, ``.class``, ``[itemprop='v']``/``[rel~='v']`` — and hands
anything else to parsel unchanged.
"""

from __future__ import annotations

import logging
import re
import weakref
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from parsel import Selector

logger = logging.getLogger(__name__)

__all__ = [
    "ElementIndex",
    "element_index",
    "in_body",
    "is_document",
    "select",
    "select_elements",
    "tagged",
    "text_pieces",
]

#: XPath's normalize-space() splits on these four, so CSS class tokens do too.
_XML_SPACE = re.compile(r"[ \t\r\n]+")
#: The attributes indexed by value; a selector on any other attribute goes to parsel.
_INDEXED_ATTRS = ("itemprop", "rel")
#: Every attribute the index reads.
_READ_ATTRS = frozenset(("class", "id", *_INDEXED_ATTRS))

_COMPOUND = re.compile(
    r"(?P<tag>[a-z][a-z0-9]*)?"
    r"(?P<classes>(?:\.[A-Za-z_][\w-]*)*)"
    r"(?:\[(?P<attr>[a-z]+)(?P<op>~?=)'(?P<value>[^'\]]*)'\])?"
)


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: tuple[str, ...]
    attr: tuple[str, str, str] | None  # (name, "=" or "~=", value)


def _tokens(value: str) -> list[str]:
    return [t for t in _XML_SPACE.split(value) if t]


class ElementIndex:
    """Every element of one tree under its tag, class tokens, raw class and id values and the
    indexed attributes' values, with its position in document order."""

    def __init__(self, root: Any) -> None:
        self.by_tag: dict[str, list[Any]] = defaultdict(list)
        self.by_raw_class: dict[str, list[Any]] = defaultdict(list)
        self.by_raw_id: dict[str, list[Any]] = defaultdict(list)
        self.by_attr: dict[tuple[str, str], list[Any]] = defaultdict(list)
        by_tag, by_attr = self.by_tag, self.by_attr
        by_raw_class, by_raw_id = self.by_raw_class, self.by_raw_id
        nodes = list(root.iter())
        self.position: dict[Any, int] = dict(zip(nodes, range(len(nodes)), strict=True))
        for el in nodes:
            tag = el.tag
            if tag.__class__ is not str:  # comments, processing instructions
                continue
            by_tag[tag].append(el)
            # The names first (one C call, short strings), the values only of the attributes
            # the index reads: items() decodes every href, src, style and content too.
            for name in el.keys():  # noqa: SIM118 (iterating an element gives its children)
                if name not in _READ_ATTRS:
                    continue
                value = el.get(name)
                if name == "class":
                    if value:
                        by_raw_class[value].append(el)
                elif name == "id":
                    if value:
                        by_raw_id[value].append(el)
                else:
                    by_attr[(name, value)].append(el)
        self.by_class = self._class_tokens()
        #: What other modules derive from the index for the page, kept as long as it is.
        self.memo: dict[str, Any] = {}
        body = self.by_tag.get("body")
        self._body_range = self._subtree_range(body[0]) if body else (0, -1)

    def _class_tokens(self) -> dict[str, list[Any]]:
        """Elements by class token, from the raw values: a page repeats its class values (half
        as many distinct ones as elements with a class on real pages), so each is split once.
        A token of several values gets their elements merged back into document order."""
        by_class: dict[str, list[Any]] = {}
        merged: set[str] = set()
        for value, group in self.by_raw_class.items():
            # Printable means no whitespace but the ASCII space: split on spaces.
            printable = value.isprintable()
            if printable and " " not in value:  # one token, the common case
                tokens: Iterable[str] = (value,)
            else:
                tokens = set(value.split(" ") if printable else _tokens(value)) - {""}
            for token in tokens:
                have = by_class.get(token)
                if have is None:
                    by_class[token] = group
                    continue
                if token not in merged:  # a list of its own before it grows
                    merged.add(token)
                    have = by_class[token] = list(have)
                have.extend(group)
        for token in merged:
            by_class[token].sort(key=self.position.__getitem__)
        return by_class

    def _subtree_range(self, el: Any) -> tuple[int, int]:
        """Positions of ``el``'s descendants: (first, last), inclusive."""
        last = el
        while len(last):
            last = last[-1]
        return self.position[el] + 1, self.position[last]

    def in_body(self, el: Any) -> bool:
        """Whether ``el`` is a descendant of ``<body>`` (what ``//body//*`` selects)."""
        first, last = self._body_range
        return first <= self.position.get(el, -1) <= last

    def in_order(self, groups: Iterable[Iterable[Any]]) -> list[Any]:
        """The union of element lists, each element once, in document order."""
        found: set[Any] = set()
        for group in groups:  # set.update in C; most groups of a selector union are empty
            if group:
                found.update(group)
        if len(found) < 2:
            return list(found)
        return sorted(found, key=self.position.__getitem__)

    def class_contains(self, parts: Iterable[str]) -> list[Any]:
        """Elements whose class attribute holds any of ``parts`` as a substring (XPath's
        ``contains(@class, 'part')``), in document order."""
        return self._contains("class", self.by_raw_class, tuple(parts))

    def id_contains(self, parts: Iterable[str]) -> list[Any]:
        """The same for the id attribute."""
        return self._contains("id", self.by_raw_id, tuple(parts))

    def _contains(
        self, name: str, table: dict[str, list[Any]], parts: tuple[str, ...]
    ) -> list[Any]:
        """A ``str.find`` of each part in the table's values joined by NULs (no attribute value
        holds one: the page's NULs are removed before the parse), not a regex search of each
        value: a part without a NUL is found only inside one value, the value's start says
        whose, and the next find starts at the next value (a page's ~70 class values and the
        six loose lead parts: 17.7 -> 2.5 µs)."""
        joined, starts, groups = self._joined(name, table)
        hit: set[int] = set()
        for part in parts:
            if not part:  # every value holds the empty string
                return self.in_order(groups)
            if "\0" in part:
                continue
            at = joined.find(part)
            while at != -1:
                i = bisect_right(starts, at) - 1
                hit.add(i)
                at = joined.find(part, starts[i + 1]) if i + 1 < len(starts) else -1
        return self.in_order(groups[i] for i in hit)

    def _joined(
        self, name: str, table: dict[str, list[Any]]
    ) -> tuple[str, list[int], list[list[Any]]]:
        """A table's values joined by NULs, where each starts, and their elements (kept)."""
        key = "joined:" + name
        found: tuple[str, list[int], list[list[Any]]] | None = self.memo.get(key)
        if found is None:
            starts: list[int] = []
            at = 0
            for value in table:
                starts.append(at)
                at += len(value) + 1
            found = self.memo[key] = ("\0".join(table), starts, list(table.values()))
        return found

    def matches(self, el: Any, compound: _Compound) -> bool:
        if compound.tag is not None and el.tag != compound.tag:
            return False
        if compound.classes:
            have = set(_tokens(el.get("class") or ""))
            if not have.issuperset(compound.classes):
                return False
        if compound.attr is not None:
            name, op, value = compound.attr
            got = el.get(name)
            if got is None or (got != value if op == "=" else value not in _tokens(got)):
                return False
        return True

    def candidates(self, compound: _Compound) -> list[Any]:
        """Elements that match one compound selector, in document order.

        A compound of one test (``.x``, ``tag``, ``[itemprop='v']``) is its table's list as it
        stands: testing each element again, class tokens split anew, would find all of them."""
        tag, classes, attr = compound.tag, compound.classes, compound.attr
        if attr is not None and attr[1] == "=" and attr[0] in _INDEXED_ATTRS:
            pool = self.by_attr.get((attr[0], attr[2]), [])
            exact = tag is None and not classes
        elif classes:
            pool = min((self.by_class.get(c, []) for c in classes), key=len)
            exact = tag is None and attr is None and len(classes) == 1
        elif tag is not None:
            pool = self.by_tag.get(tag, [])
            exact = attr is None
        else:  # [rel~='v'] alone: every element with that attribute
            name = attr[0] if attr else ""
            pool = self.in_order(els for (n, _v), els in self.by_attr.items() if n == name)
            exact = False
        if exact:
            return list(pool)
        return [el for el in pool if self.matches(el, compound)]

    def select(self, chain: tuple[_Compound, ...]) -> list[Any]:
        """Elements matching a descendant chain (``a b c``), in document order."""
        *ancestors, last = chain
        found = []
        for el in self.candidates(last):
            if self._has_ancestors(el, ancestors):
                found.append(el)
        return found

    def _has_ancestors(self, el: Any, chain: list[_Compound]) -> bool:
        if not chain:
            return True
        *rest, nearest = chain
        for anc in el.iterancestors():
            if self.matches(anc, nearest) and self._has_ancestors(anc, rest):
                return True
        return False


def _parse(css: str) -> list[tuple[_Compound, ...]] | None:
    """Selector groups as descendant chains, or None for CSS this module does not handle."""
    groups = []
    for group in css.split(","):
        chain = []
        for part in group.split():
            m = _COMPOUND.fullmatch(part)
            if m is None or not part:
                return None
            classes = tuple(c for c in (m["classes"] or "").split(".") if c)
            attr = (m["attr"], m["op"], m["value"]) if m["attr"] else None
            # An attribute alone is looked up by value: only the indexed ones can be.
            if m["tag"] is None and not classes and (attr is None or attr[0] not in _INDEXED_ATTRS):
                return None
            chain.append(_Compound(m["tag"], classes, attr))
        if not chain:
            return None
        groups.append(tuple(chain))
    return groups


_PARSED: dict[str, list[tuple[_Compound, ...]] | None] = {}
_INDEXES: weakref.WeakKeyDictionary[Selector, ElementIndex] = weakref.WeakKeyDictionary()


def is_document(sel: Selector) -> bool:
    """Whether ``sel`` is a whole HTML page (the index answers for whole pages only)."""
    return sel.type == "html" and hasattr(sel.root, "getparent") and sel.root.getparent() is None


def element_index(sel: Selector) -> ElementIndex:
    """The index of a selector's tree, built on first use and kept as long as the selector."""
    index = _INDEXES.get(sel)
    if index is None:
        index = _INDEXES[sel] = ElementIndex(sel.root)
    return index


def text_pieces(el: Any) -> Iterable[str]:
    """What ``el.itertext()`` gives: for an element without children its text alone, without
    lxml's text iterator, which costs ~2 µs to start (most paragraphs, links and spans of a
    page have no children; tests/test_elements.py compares the two on every page)."""
    if len(el) or el.tag.__class__ is not str:
        return el.itertext()
    text = el.text
    return () if text is None else (text,)


def tagged(sel: Selector, tag: str) -> list[Any]:
    """The page's ``tag`` elements in document order, what ``//tag`` selects: from the index
    of a whole page (an XPath over the whole tree costs tens of µs a call, ~10 calls a page)."""
    if is_document(sel):
        return list(element_index(sel).by_tag.get(tag, ()))
    return list(sel.root.getroottree().iter(tag))


def select_elements(sel: Selector, css: str) -> list[Any]:
    """The lxml elements ``sel.css(css)`` would select, in document order."""
    if css not in _PARSED:
        _PARSED[css] = _parse(css)
    groups = _PARSED[css]
    if groups is None or not is_document(sel):
        return [node.root for node in sel.css(css)]
    index = element_index(sel)
    if len(groups) == 1:
        return index.select(groups[0])
    return index.in_order(index.select(chain) for chain in groups)


def select(sel: Selector, css: str) -> list[Selector]:
    """``sel.css(css)`` answered from the page's element index."""
    return [Selector(root=el, type="html") for el in select_elements(sel, css)]


def in_body(
    sel: Selector,
    *,
    tags: tuple[str, ...] = (),
    class_parts: tuple[str, ...] = (),
    id_parts: tuple[str, ...] = (),
) -> list[Selector]:
    """Elements inside ``<body>`` that are one of ``tags`` or whose class or id attribute holds
    one of the parts as a substring — ``//body//*[self::t or contains(@class, 'p') or …]`` —
    in document order."""
    if not is_document(sel):
        tests = [f"self::{t}" for t in tags]
        tests += [f"contains(@class, '{p}')" for p in class_parts]
        tests += [f"contains(@id, '{p}')" for p in id_parts]
        return list(sel.xpath("//body//*[" + " or ".join(tests) + "]"))
    index = element_index(sel)
    groups = [index.by_tag.get(t, []) for t in tags]
    if class_parts:
        groups.append(index.class_contains(class_parts))
    if id_parts:
        groups.append(index.id_contains(id_parts))
    return [Selector(root=el, type="html") for el in index.in_order(groups) if index.in_body(el)]
