"""The element index answers the page modules' CSS exactly as parsel's XPath does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.etree
import pytest
from parsel import Selector

from newsbot.core.text import clean_inline
from newsbot.extraction.body import _BODY_SELECTORS, _holds_chars
from newsbot.extraction.document import (
    _TEXT_NODES,
    element_in_furniture,
    make_selector,
    page_furniture,
    visible_text_nodes,
)
from newsbot.extraction.elements import (
    element_index,
    in_body,
    select,
    select_elements,
    tagged,
    text_pieces,
)
from newsbot.extraction.headline import (
    _AUTHOR_SELECTORS,
    _LEAD_LOOSE_CLASSES,
    _LEAD_SELECTORS,
    _STARTS_LIKE,
    _TITLE_SELECTORS,
    _page_title,
    _starting_like,
)
from newsbot.extraction.junk import is_furniture
from newsbot.extraction.media import _CAPTIONS

TESTS = Path(__file__).resolve().parent
PAGES = sorted(TESTS.glob("fixtures/**/*.html")) + sorted(TESTS.glob("hostile/**/*.html"))
SELECTORS = (
    *_BODY_SELECTORS,
    *_TITLE_SELECTORS,
    *_AUTHOR_SELECTORS,
    ", ".join(_LEAD_SELECTORS),
    _CAPTIONS,
)

TRICKY = """<html><head><title>t</title></head><body class="title-page">
<div class="a\tb lead-in" id="mainTitle"><p class="lead">one</p><h1>h</h1></div>
<article><div class="byline"><span class="author">A</span></div><h1 class="entry-title">T</h1>
<span itemprop="author"><b itemprop="name">N</b></span><a rel="tag author" href="/a">r</a></article>
<p class="subtitle">s</p><figure><img src="i.jpg"><figcaption>c</figcaption></figure>
</body></html>"""


def test_the_fixture_pages_have_matches_to_compare() -> None:
    assert len(PAGES) >= 10
    matched = sum(
        bool(make_selector(p.read_bytes(), None).css(", ".join(SELECTORS))) for p in PAGES
    )
    assert matched >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_select_matches_parsel_on_fixture_pages(page: Path) -> None:
    sel = make_selector(page.read_bytes(), None)
    for css in SELECTORS:
        assert select_elements(sel, css) == [n.root for n in sel.css(css)], css


@pytest.mark.parametrize(
    "css",
    [
        ".a",
        ".b",
        ".a.b",
        "div.a",
        "article h1",
        ".byline .author",
        "[itemprop='author'] [itemprop='name']",
        "[rel~='author']",
        "[itemprop='author']",
        "h1, .lead, figure figcaption",
        ".missing",
    ],
)
def test_select_matches_parsel_on_tricky_markup(css: str) -> None:
    sel = Selector(text=TRICKY)
    assert select_elements(sel, css) == [n.root for n in sel.css(css)]


def test_unsupported_css_goes_to_parsel() -> None:
    sel = Selector(text=TRICKY)
    assert [n.get() for n in select(sel, "p:first-child")] == ['<p class="lead">one</p>']
    assert [n.root.tag for n in select(sel, "div > p")] == ["p"]


def test_a_part_of_a_page_is_searched_by_parsel_within_it() -> None:
    sel = Selector(text=TRICKY)
    article = sel.css("article")[0]
    assert [n.root.text for n in select(article, "h1")] == ["T"]
    assert not element_index(sel).by_tag.get("nonexistent")


def test_in_body_matches_the_xpath() -> None:
    sel = Selector(text=TRICKY)
    xpath = (
        "//body//*[self::h1 or self::h2 or contains(@class, 'title') or contains(@class, 'lead')"
        " or contains(@id, 'itle')]"
    )
    found = in_body(sel, tags=("h1", "h2"), class_parts=("title", "lead"), id_parts=("itle",))
    assert [n.root for n in found] == sel.root.xpath(xpath)
    assert [n.root.tag for n in found] == ["div", "p", "h1", "h1", "p"]  # not <body> itself


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_in_body_matches_the_xpath_on_every_page(page: Path) -> None:
    """The class and id parts found in the values joined by NULs, as contains() finds them."""
    sel = make_selector(page.read_bytes())
    for class_parts, id_parts in (
        (_LEAD_LOOSE_CLASSES, ()),
        (("title", "headline"), ("itle",)),
        (("a", "-", "e", "post"), ("content", "main")),
    ):
        tests = [f"contains(@class, '{p}')" for p in class_parts]
        tests += [f"contains(@id, '{p}')" for p in id_parts]
        found = in_body(sel, class_parts=class_parts, id_parts=id_parts)
        assert [n.root for n in found] == sel.root.xpath("//body//*[" + " or ".join(tests) + "]")


STAMPS = """<html><body><aside><time class="published" datetime="2020-01-01">x</time></aside>
<meta itemprop="datePublished" content="2023-09-05T12:57:00+03:00">
<time class="entry-date published" datetime="2023-09-05T12:57" itemprop="datePublished">y</time>
<time class="updated" datetime="2023-09-06T10:00">z</time></body></html>"""


@pytest.mark.parametrize("kind", ["published", "modified"])
def test_date_stamps_from_the_index_match_the_xpath(kind: str) -> None:
    from newsbot.extraction.dating import _stamps

    sel = Selector(text=STAMPS)
    body = sel.css("body")[0]  # part of a page: its absolute XPath still sees the whole tree
    by_index = [(el.tag, value) for el, value in _stamps(sel, kind)]
    by_xpath = [(el.tag, value) for el, value in _stamps(body, kind)]
    assert by_index == by_xpath
    expected = {
        "published": [
            ("time", "2020-01-01"),
            ("meta", "2023-09-05T12:57:00+03:00"),
            ("time", "2023-09-05T12:57"),
        ],
        "modified": [("time", "2023-09-06T10:00")],
    }
    assert by_index == expected[kind]


def test_a_date_stamp_in_a_sidebar_is_not_the_articles() -> None:
    """An itemprop stamp in an <aside> was read before: parsel's attribute results had no parent."""
    from newsbot.extraction.dating import _time_datetime

    page = STAMPS.replace('<meta itemprop="datePublished" content="2023-09-05T12:57:00+03:00">', "")
    sidebar_first = page.replace(
        "<aside>", '<aside><b itemprop="datePublished" content="2019-05-05">'
    )
    assert _time_datetime(Selector(text=sidebar_first), "published").startswith("2023-09-05T12:57")


FURNITURE = """<html><body><div id="page" class="content-with-sidebar-wrp">
<nav>menu</nav><div class="widget  x">w<b>b</b></div>tail one
<article><footer>article footer</footer><p>text <span class="related-posts">r</span> after</p>
</article><form><h1>heading in a form</h1></form><form>search</form>
<div class="sidebar"><h1>main column</h1></div><div id="comments">c</div><!-- note -->
<footer>page footer</footer><aside>a</aside>tail two</div></body></html>"""


@pytest.mark.parametrize("page", [*PAGES, None], ids=lambda p: p.name if p else "tricky")
def test_furniture_candidates_hold_every_furniture_element(page: Path | None) -> None:
    """The walk of the visible text and the readers' furniture test ask only about the
    candidates: right only while every element the test flags, in or out of an <article>, is
    one of them."""
    sel = make_selector(page.read_bytes() if page else FURNITURE, None)
    candidates = page_furniture(sel)
    assert candidates is not None
    flagged = [
        el
        for el in sel.root.iter()
        if is_furniture(el, in_article=False) or is_furniture(el, in_article=True)
    ]
    assert [el for el in flagged if el not in candidates] == []
    body = tagged(sel, "body")
    if body:
        assert visible_text_nodes(body[0], candidates) == visible_text_nodes(body[0])
    differ = [
        el
        for el in sel.root.iter()
        if element_in_furniture(el, candidates) != element_in_furniture(el)
    ]
    assert differ == []


def test_visible_text_skips_furniture_with_the_candidates() -> None:
    sel = make_selector(FURNITURE)
    nodes = [t.strip() for t in visible_text_nodes(tagged(sel, "body")[0], page_furniture(sel))]
    assert [t for t in nodes if t] == [
        "tail one",
        "article footer",
        "text",
        "after",
        "heading in a form",
        "main column",
        "tail two",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_starting_like_matches_the_xpath(page: Path) -> None:
    """The description's element is looked for among the index's elements under <body>: the
    same elements, in the same order, as the XPath over the whole page, for the start of every
    text of the page (and a start no element has)."""
    sel = make_selector(page.read_bytes(), None)
    starts = {" ".join(t.split())[:24] for t in sel.root.itertext()} - {""}
    for start in [*sorted(starts)[:60], "никакой такой текст"]:
        assert _starting_like(sel, start) == list(_STARTS_LIKE(sel.root, start=start)), start


def _reference_chars(parts: list[Any]) -> int:
    return sum(len(clean_inline(" ".join(p.itertext()))) for p in parts)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_holds_chars_decides_as_the_whole_count(page: Path) -> None:
    """The body's 80-character floor, read from the first pieces of text only: the same answer
    as counting all of them, for every block of a page, at floors below and above its size."""
    sel = make_selector(page.read_bytes(), None)
    blocks = [el for el in sel.root.iter() if isinstance(el.tag, str)][:300]
    for el in blocks:
        whole = _reference_chars([el])
        for floor in (1, 80, whole, whole + 1, 5000):
            assert _holds_chars([el], floor) == (whole >= floor), (el.tag, floor)
    assert _holds_chars(blocks[:3], 80) == (_reference_chars(blocks[:3]) >= 80)


def test_holds_chars_on_text_that_is_mostly_spaces() -> None:
    spaces = "<div>" + "<span>   \n\t  </span>" * 200 + "<p>короткий</p>" * 12 + "</div>"
    el = make_selector(f"<html><body>{spaces}</body></html>").root.find(".//div")
    assert _reference_chars([el]) == 12 * 8 + 11  # «короткий» twelve times, one space apart
    assert _holds_chars([el], 107) and not _holds_chars([el], 108)


@pytest.mark.parametrize("page", [*PAGES, None], ids=lambda p: p.name if p else "tricky")
def test_text_pieces_are_itertext(page: Path | None) -> None:
    """The childless shortcut gives itertext()'s pieces, which are the XPath .//text()'s, for
    every element of every page (and a comment still goes to itertext, which refuses it)."""
    sel = make_selector(page.read_bytes() if page else TRICKY, None)
    elements = [el for el in sel.root.iter() if el.tag.__class__ is str]
    assert [list(text_pieces(el)) for el in elements] == [list(el.itertext()) for el in elements]
    # what text_of read by XPath before: .//text() of each element, the same pieces
    assert [_TEXT_NODES(el) for el in elements] == [list(el.itertext()) for el in elements]
    comment = lxml.etree.Comment("c")
    with pytest.raises(ValueError):
        list(text_pieces(comment))


TITLES = (
    "<html><head></head><body><p>no title</p></body></html>",
    "<html><head><title>Первый &amp; «главный»</title><title>второй</title></head></html>",
    "<html><body><svg><title>иконка</title></svg></body><title>поздний</title></html>",
    "<title>  пробелы\n  и перенос </title><p>x</p>",
)


@pytest.mark.parametrize(
    "page", [*PAGES, *TITLES], ids=lambda p: p.name if isinstance(p, Path) else p[:30]
)
def test_page_title_is_the_xpath_string(page: Path | str) -> None:
    sel = make_selector(page.read_bytes() if isinstance(page, Path) else page, None)
    assert _page_title(sel) == sel.xpath("string(//title)").get()


def _stack_walk(root: Any) -> list[str]:
    """visible_text_nodes as it was: a stack of (node, inside <article>) pairs and tails."""
    out: list[str] = []
    stack: list[tuple[Any, bool | None]] = [(root, False)]
    while stack:
        el, in_article = stack.pop()
        if in_article is None:
            out.append(el)
            continue
        tag = el.tag
        if tag.__class__ is not str or tag in ("script", "style", "noscript", "template"):
            continue
        if is_furniture(el, in_article):
            continue
        if el.text and el.text.strip():
            out.append(el.text)
        inside = in_article or tag == "article"
        for child in reversed(el):
            if child.tail and child.tail.strip():
                stack.append((child.tail, None))
            stack.append((child, inside))
    return out


WALKS = (
    "<html><body>a<!-- c -->b<?pi x?>c<p>d<script>s</script>e<b>f</b>g</p>h<article>i"
    "<footer>j</footer><article><footer>k</footer></article>l</article><footer>m</footer>n"
    "<aside>o<i>p</i></aside>q<div class='widget'>r</div>s<noscript>t</noscript>u</body></html>"
)


@pytest.mark.parametrize(
    "page", [*PAGES, WALKS], ids=lambda p: p.name if isinstance(p, Path) else "walks"
)
def test_visible_text_is_the_stack_walks(page: Path | str) -> None:
    """lxml's iterwalk gives the pieces, in the order, that the stack walk gave: comments'
    and instructions' tails kept, furniture and invisible subtrees skipped but their tails
    kept, <footer> furniture only outside an <article>."""
    sel = make_selector(page.read_bytes() if isinstance(page, Path) else page, None)
    for body in tagged(sel, "body"):
        assert visible_text_nodes(body, page_furniture(sel)) == _stack_walk(body)
    if isinstance(page, str):
        found = "".join(visible_text_nodes(tagged(sel, "body")[0]))
        assert found == "abcdefghijklnqsu"
