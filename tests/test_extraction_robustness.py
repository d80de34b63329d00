"""Bad input never raises out of extraction: it yields a non-article with a reason."""

from __future__ import annotations

import random
import time

import pytest

from newsbot.extraction import extract_article, extract_listing
from newsbot.extraction.document import MAX_HTML_CHARS
from newsbot.runtime.profiles import get_profile

URL = "https://uv-kurier.ru/2024/01/01/x"
rng = random.Random(7)
JUNK: list[str | bytes] = [
    "",
    b"",
    "   \n\t",
    "\x00\x01\x02 binary",
    bytes(rng.randrange(256) for _ in range(50_000)),
    "<html><body>" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "</body></html>",
    "<html><head><title>Только разметка</title></head><body><div></div></body></html>",
    "<?xml version='1.0' encoding='utf-8'?><rss><channel></channel></rss>",
    "<html><body><p>" + "слово " * 500_000 + "</p></body></html>",
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>',
    "<p>Опубликовано 32 Сен 2023 в 25:61 | Текст: Никто</p>",
]


@pytest.mark.parametrize("page", JUNK, ids=range(len(JUNK)))
def test_junk_gives_a_reasoned_non_article(page: str | bytes) -> None:
    """Each junk page is refused by the rules, never by an exception inside extraction."""
    result = extract_article(page, URL)
    assert (result.is_article, result.code) == (False, "not_article")
    assert result.reason == "not an article (no date and no article markup)"


@pytest.mark.parametrize("page", JUNK, ids=range(len(JUNK)))
def test_junk_listing_is_empty_not_an_exception(page: str | bytes) -> None:
    listing = extract_listing(page, "https://uv-kurier.ru/", get_profile(URL).is_article_url)
    assert listing.entries == []


def test_oversized_page_is_cut_not_choked_on(caplog: pytest.LogCaptureFixture) -> None:
    """A 5 MB page is read up to MAX_HTML_CHARS: the article's start still comes out."""
    head = "<html><head><title>Большая страница</title></head><body><h1>Большая страница</h1>"
    para = "<p>Текст абзаца номер один. " + "Длинное предложение о жизни района. " * 15 + "</p>"
    body = "<div class='entry-content'>" + para * 10_000
    page = head + "<script>var x = 1;</script>" * 10_000 + body + "</div></body></html>"
    assert len(page) > 2 * MAX_HTML_CHARS
    started = time.monotonic()
    result = extract_article(page, URL)
    print(f"{len(page) / 1e6:.1f} MB page: {time.monotonic() - started:.1f}s")
    assert "cut to" in caplog.text
    assert result.fields["title"] == "Большая страница"
    assert result.fields["text"].startswith("Текст абзаца номер один.")


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   \n",
        "\x00",
        "\x00 \n",
        "\x00 <html><body><p>a</p></body></html>",
        " \x00<p>б\x00в</p>\x00 ",
        "\n<html><body><p>г</p></body></html>\n",
        "\u3000<p>д</p>\u2003",
    ],
)
def test_nuls_and_blank_ends_give_the_tree_of_the_rule(page: str) -> None:
    """NULs are dropped before the page is stripped, a blank page is ``<html></html>``: the
    tree ``make_selector`` parses (the NULs now looked for in bytes) is the rule's."""
    from lxml import etree

    from newsbot.extraction.document import make_selector, parse_html

    cleaned = page.replace("\x00", "")
    expected = parse_html(cleaned if cleaned.strip() else "<html></html>")
    assert etree.tostring(make_selector(page).root) == etree.tostring(expected)
