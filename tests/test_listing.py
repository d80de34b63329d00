"""Listing pages: which links are articles, the date beside each, and the next page."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.extraction import extract_listing
from newsbot.runtime.profiles import get_profile
from tests.replica.server import SITE_DIR

PROFILE = get_profile("https://uv-kurier.ru/")
BASE = "https://uv-kurier.ru"


def listing(html: str, url: str = BASE + "/") -> object:
    return extract_listing(
        html, url, PROFILE.is_article_url, is_excluded_url=PROFILE.is_excluded_url
    )


def test_replica_page_two() -> None:
    result = listing(
        (SITE_DIR / "page/2/index.html").read_text(encoding="utf-8"), BASE + "/page/2/"
    )
    proper = [e for e in result.entries if not e.in_furniture]
    assert result.next_url == BASE + "/page/3/"
    assert not result.structural
    assert [e.url.rsplit("/", 1)[-1][:24] for e in proper][:2] == [
        "v-lefortove-otrestavriru",
        "mezhdu-tekstilshhikami-i",
    ]
    assert all(e.date_text for e in proper)
    assert any(e.in_furniture for e in result.entries)  # «Популярное» in the sidebar


def test_tracking_and_fragment_duplicates_collapse() -> None:
    html = (SITE_DIR / "index.html").read_text(encoding="utf-8")
    urls = [e.url for e in listing(html).entries]
    assert len(urls) == len(set(urls))
    assert not [u for u in urls if "utm_" in u or "#" in u or "yclid" in u]


@pytest.mark.parametrize(
    ("links", "url", "expected"),
    [
        ('<a class="next page-numbers" href="/page/3/">»</a>', "/page/2/", "/page/3/"),
        ('<a rel="next" href="/news/?page=5">x</a>', "/news/?page=4", "/news/?page=5"),
        ('<a href="/news/?page=2">2</a><a href="/news/?page=3">3</a>', "/news/", "/news/?page=2"),
        (
            '<a href="/news/?PAGEN_1=3">3</a><a href="/news/?PAGEN_1=1">1</a>',
            "/news/?PAGEN_1=2",
            "/news/?PAGEN_1=3",
        ),
        ('<a href="/archive/older">Следующая страница</a>', "/", "/archive/older"),
        ('<a href="/archive/older">Далее »</a>', "/", "/archive/older"),
        ('<div class="nav-previous"><a href="/page/2/">Older posts</a></div>', "/", "/page/2/"),
        ('<a href="/page/2/">2</a>', "/page/2/", ""),
        ('<a href="https://other.example/page/2/">2</a>', "/", ""),
        ('<a href="/?p=2">Новость</a>', "/", ""),
    ],
)
def test_next_page_variants(links: str, url: str, expected: str) -> None:
    result = listing(f"<html><body>{links}</body></html>", BASE + url)
    assert result.next_url == (BASE + expected if expected else "")


def test_other_permalinks_fall_back_to_headline_links() -> None:
    """A theme whose article URLs do not have the profile's date shape still yields entries."""
    html = """<html><body>
      <nav><a href="/news/">Новости</a><a href="/o-nas/">О нас</a></nav>
      <div class="news-list">
        <div class="news-item"><h3><a href="/news/vo-dvorah-kapotni/">Во дворах Капотни</a></h3>
          <span class="news-date">05.09.2023</span></div>
        <div class="news-item"><h3><a href="/news/shkola-lyublino/">Школа в Люблине</a></h3>
          <span class="news-date">04.09.2023</span></div>
      </div>
      <a href="/news/?PAGEN_1=2">Следующая</a>
      <aside><h3><a href="/news/populyarnoe/">Популярное</a></h3></aside>
      <h2><a href="/category/novosti/">Рубрика</a></h2>
    </body></html>"""
    result = listing(html, BASE + "/news/")
    assert result.structural
    assert [(e.url, e.date_text) for e in result.entries] == [
        (BASE + "/news/vo-dvorah-kapotni/", "05.09.2023"),
        (BASE + "/news/shkola-lyublino/", "04.09.2023"),
    ]
    assert result.next_url == BASE + "/news/?PAGEN_1=2"


def test_fallback_stays_off_when_the_profile_matches(tmp_path: Path) -> None:
    html = '<html><body><h2><a href="/2024/01/02/slug">A</a></h2><h2><a href="/o-nas/">B</a></h2>'
    result = listing(html + "</body></html>")
    assert not result.structural
    assert [e.url for e in result.entries] == [BASE + "/2024/01/02/slug"]


def test_texts_outside_links_are_the_xpath_texts() -> None:
    """The walk that replaced ``.//text()[not(ancestor::a)]`` gives its texts, in its order,
    from every element of the replica's listing pages and of a page built to trip it: links
    nested in links, comments, tails after links, a node inside a link."""
    from lxml import etree

    from newsbot.extraction.document import parse_html
    from newsbot.extraction.listing import texts_outside_links

    xpath = etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)
    tricky = (
        "<html><body><div>lead <b>bold<!-- note -->tail</b> <a href='/x'>in <i>link</i></a>"
        " after<a><span>deep <em>x</em></span> y</a><!-- c -->z<p>p <a>q</a>r</p></div>"
        "<a href='/y'><div>in a link <p>too</p></div>t</a></body></html>"
    )
    replica = ("index.html", "page/2/index.html")
    pages = [tricky] + [(SITE_DIR / path).read_text(encoding="utf-8") for path in replica]
    checked = 0
    for html in pages:
        for el in parse_html(html).iter():
            if isinstance(el.tag, str):
                assert texts_outside_links(el) == xpath(el), etree.tostring(el)[:200]
                checked += 1
    assert checked > 300


def test_next_link_readers_are_the_xpaths() -> None:
    """The readers that replaced the three token XPaths of the next-page link give their
    hrefs, in their order: rel and class tokens split on XML whitespace only, "nextpage" or a
    no-break space no token, a link without href skipped."""
    from lxml import etree

    from newsbot.extraction.document import parse_html
    from newsbot.extraction.listing import _NEXT_LINKS

    xpaths = [
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href",
        "//a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href",
        "//a[contains(concat(' ', normalize-space(@class), ' '), ' next ')"
        " and contains(concat(' ', normalize-space(@class), ' '), ' page-numbers ')]/@href",
    ]
    tricky = (
        "<html><head><link rel='prev next' href='/n1'><link rel='nextpage' href='/x'>"
        "<link rel='next'><link rel='\tNEXT next\n' href=''></head><body>"
        "<a rel='next\u00a0x' href='/y'>1</a><a rel=' next ' href='/n2'>2</a>"
        "<a class='page-numbers\tnext' href='/n3'>3</a><a class='next page-numbers-x' href='/z'>"
        "4</a><div><a class='next page-numbers' href='/n4'>5</a></div></body></html>"
    )
    replica = ("index.html", "page/2/index.html", "page/3/index.html")
    pages = [tricky] + [(SITE_DIR / path).read_text(encoding="utf-8") for path in replica]
    for html in pages:
        root = parse_html(html)
        for read, xpath in zip(_NEXT_LINKS, xpaths, strict=False):
            assert read(root) == etree.XPath(xpath, smart_strings=False)(root)
    root = parse_html(tricky)
    assert [read(root) for read in _NEXT_LINKS[:3]] == [["/n1", ""], ["/n2"], ["/n3", "/n4"]]


def test_furniture_test_is_element_in_furniture() -> None:
    """The memo a listing asks for its links gives ``element_in_furniture``'s answer for every
    element, asked in any order: sidebars, widgets, a footer inside and outside <article>."""
    import random

    from newsbot.extraction.document import element_in_furniture, furniture_test, parse_html

    tricky = (
        "<html><body><article><footer><a href='/a'>in</a></footer><p>x</p></article>"
        "<footer><a href='/b'>page</a></footer><div class='widget'><ul><li><a>w</a></li></ul>"
        "</div><aside><div><a>s</a></div></aside><div id='sidebar'><h1>main</h1><a>m</a></div>"
        "<form><p><a>f</a></p></form></body></html>"
    )
    replica = ("index.html", "page/2/index.html")
    pages = [tricky] + [(SITE_DIR / path).read_text(encoding="utf-8") for path in replica]
    flagged = 0
    for html in pages:
        elements = list(parse_html(html).iter())
        random.Random(3).shuffle(elements)
        test = furniture_test()
        for el in elements:
            assert test(el) == element_in_furniture(el)
            flagged += test(el)
    assert flagged > 10
