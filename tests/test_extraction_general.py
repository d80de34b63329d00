"""General extraction rules that real pages of other sites need (each a mechanism, not a site)."""

from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from newsbot.core.dates import MOSCOW
from newsbot.extraction import extract_article
from newsbot.extraction.dating import (
    _BYLINE_DATE,
    _MODIFIED_DATE,
    BYLINE_DATE_WORDS,
    MODIFIED_WORDS,
)
from newsbot.extraction.document import element_in_furniture, first_match, make_selector
from newsbot.extraction.headline import _BYLINE_AUTHOR, BYLINE_AUTHOR_WORDS
from newsbot.extraction.junk import is_junk_paragraph
from newsbot.extraction.taxonomy import _RUBRIC, RUBRIC_WORDS

URL = "https://example.org/news/story"
FETCHED = datetime(2026, 3, 10, 18, 30, tzinfo=MOSCOW)

PARA = (
    "The council voted on Tuesday to rebuild the old bridge over the river, a project that "
    "residents have asked for since the flood of last spring damaged its eastern supports."
)


def paragraphs(n: int, prefix: str = "") -> str:
    return "".join(f"<p>{prefix}{i} {PARA}</p>" for i in range(n))


def page(body: str, head: str = "", body_attrs: str = "") -> str:
    return (
        f"<html><head><title>Bridge to be rebuilt - Example News</title>{head}</head>"
        f"<body {body_attrs}>{body}</body></html>"
    )


@pytest.mark.parametrize(
    ("cls", "furniture"),
    [
        ("content-with-sidebar-wrp", False),  # the page-with-a-sidebar wrapper
        ("main-white and-w-sidebar", False),
        ("content-sidebar-wrap", False),
        ("sidebar", True),
        ("sidebar-right", True),
        ("td-sidebar", True),
        ("related-posts", True),
        ("widget", True),
        ("post-relatedness", False),  # a token that merely contains «related»
    ],
)
def test_furniture_is_read_from_whole_class_tokens(cls: str, furniture: bool) -> None:
    sel = make_selector(f'<html><body><div class="{cls}"><p id="x">{PARA}</p></div></body></html>')
    node = sel.css("#x")[0].root
    assert element_in_furniture(node) is furniture


def test_widget_holding_the_headline_is_the_main_column() -> None:
    """Blogger puts the post inside div.widget.Blog: it holds the <h1>, so it is not furniture."""
    html = page(
        '<div class="widget Blog"><h1>Bridge to be rebuilt</h1>'
        f'<div class="post-body entry-content">{paragraphs(3)}</div></div>'
        '<div class="widget"><p>Popular posts of the week and other things</p></div>'
    )
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["text"].count("The council voted") == 3
    assert result.sources["text"] == "container:.entry-content"


def test_page_wide_form_is_not_furniture() -> None:
    """ASP.NET wraps the whole page in one <form>."""
    html = page(f'<form id="aspnetForm"><h1>Bridge to be rebuilt</h1>{paragraphs(4)}</form>')
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["text"].count("The council voted") == 4


def test_weak_meta_token_keeps_a_long_body_but_drops_a_meta_line() -> None:
    html = page(
        "<h1>Bridge to be rebuilt</h1><div class='wysiwyg'>"
        "<div class='post-meta'>By A. Writer | 3 comments</div>"
        f"<span class='hs_cos_wrapper_meta_field'>{paragraphs(3)}</span></div>"
    )
    text = extract_article(html, URL, fetched_at=FETCHED).fields["text"]
    assert text.count("The council voted") == 3
    assert "A. Writer" not in text


def test_body_split_by_an_ad_is_joined_in_page_order() -> None:
    html = page(
        "<h1>Bridge to be rebuilt</h1><div class='story'>"
        f"<div class='part'>{paragraphs(3, 'A')}</div>"
        "<div class='ad-slot'>Advertisement</div>"
        f"<div class='part'>{paragraphs(2, 'B')}</div></div>"
        "<div class='footer-links'><a href='/a'>About</a> <a href='/b'>Contact</a></div>"
    )
    text = extract_article(html, URL, fetched_at=FETCHED).fields["text"]
    firsts = [p.split(" ")[0] for p in text.split("\n\n")]
    assert firsts == ["A0", "A1", "A2", "B0", "B1"]


def test_body_class_repeated_on_every_paragraph() -> None:
    body = "".join(f'<p class="post-text">{i} {PARA}</p>' for i in range(4))
    html = page(f"<h1>Bridge to be rebuilt</h1><div>{body}</div>")
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["text"].count("The council voted") == 4


def test_og_website_article_with_a_date_and_a_long_body_is_kept() -> None:
    head = '<meta property="og:type" content="website">'
    html = page(f"<h1>Bridge to be rebuilt</h1><p>October 12, 2017</p>{paragraphs(10)}", head)
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.is_article, result.reason
    assert result.fields["published_at"] == "2017-10-12T00:00:00+03:00"
    assert result.sources["published_at"] == "near_headline"


def test_og_website_short_undated_page_is_refused() -> None:
    head = '<meta property="og:type" content="website">'
    html = page(f"<h1>Contacts</h1>{paragraphs(1)}", head)
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert (result.is_article, result.code) == (False, "not_article")
    assert result.reason == "not an article (og:type=website)"


def test_undated_long_article_without_markup_is_kept() -> None:
    html = page(f"<h1>Bridge to be rebuilt</h1>{paragraphs(12)}")
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.is_article, result.reason
    assert result.fields["published_at"] == ""


def test_one_article_among_teaser_cards_is_kept_and_a_listing_is_not() -> None:
    cards = "".join(
        f'<article class="card"><h3><a href="/n/{i}">Other story {i}</a></h3>'
        "<p>Short.</p></article>"
        for i in range(6)
    )
    html = page(f"<h1>Bridge to be rebuilt</h1><p>10.03.2026</p>{paragraphs(12)}{cards}")
    assert extract_article(html, URL, fetched_at=FETCHED).is_article
    listing = page(
        "".join(f"<article><h2>Story {i}</h2>{paragraphs(2)}</article>" for i in range(5))
    )
    result = extract_article(listing, URL, fetched_at=FETCHED)
    # The densest card is taken for the body; the other four are cards beside it.
    assert (result.is_article, result.reason) == (False, "not an article (4 article cards)")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Сегодня в 10:15", "2026-03-10T10:15:00+03:00"),
        ("Вчера в 23:40", "2026-03-09T23:40:00+03:00"),
        ("5 минут назад", "2026-03-10T18:25:00+03:00"),
        ("12 сентября в 10:00", "2025-09-12T10:00:00+03:00"),  # year-less: the last such day
        ("Опубликовано Сегодня в 09:05 | Текст: Иван Петров", "2026-03-10T09:05:00+03:00"),
    ],
)
def test_relative_and_yearless_bylines_resolve_against_the_fetch_time(
    line: str, expected: str
) -> None:
    html = page(f"<h1>Bridge to be rebuilt</h1><div class='date'>{line}</div>{paragraphs(4)}")
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["published_at"] == expected


def test_a_time_later_today_than_the_fetch_is_not_read_as_today() -> None:
    html = page(f"<h1>Bridge to be rebuilt</h1><div>Сегодня в 20:15</div>{paragraphs(10)}")
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["published_at"] == ""


@pytest.mark.parametrize("line", ["WordPress 4.8.12", "№15 – 15.10.11"])
def test_version_and_issue_numbers_are_not_dates(line: str) -> None:
    html = page(f"<h1>Bridge to be rebuilt</h1><div>{line}</div>{paragraphs(10)}")
    assert extract_article(html, URL, fetched_at=FETCHED).fields["published_at"] == ""


def test_description_is_the_lead_when_it_is_the_articles_own() -> None:
    head = (
        '<meta name="description" content="The council will rebuild the old bridge over the '
        'river after the flood damaged its supports.">'
    )
    html = page(f"<h1>Bridge to be rebuilt</h1><p>10.03.2026</p>{paragraphs(4)}", head)
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["lead"] == (
        "The council will rebuild the old bridge over the river after the flood damaged its "
        "supports."
    )
    assert result.sources["lead"] == "description"
    assert result.fields["text"].count("The council voted") == 4  # the body keeps its start


def test_site_wide_slogan_is_not_a_lead() -> None:
    head = '<meta name="description" content="Example News: local headlines, weather, sport.">'
    html = page(f"<h1>Bridge to be rebuilt</h1><p>10.03.2026</p>{paragraphs(4)}", head)
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["lead"] == ""
    assert "lead" not in result.sources


def test_sources_name_the_signal_of_each_value() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge to be '
        'rebuilt", "datePublished": "2026-03-09T08:00:00+00:00", "author": {"name": "Ann Lee"}}'
        '</script><meta property="article:modified_time" content="2026-03-10T09:00:00+03:00">'
    )
    html = page(
        f"<h1>Bridge to be rebuilt</h1><div class='entry-content'>{paragraphs(3)}</div>", head
    )
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.sources == {
        "title": "jsonld",
        "published_at": "jsonld",
        "modified_at": "meta",
        "author": "jsonld",
        "text": "container:.entry-content",
    }
    assert result.fields["published_at"] == "2026-03-09T11:00:00+03:00"
    assert result.fields["scraped_at"] == "2026-03-10T15:30:00+00:00"
    assert result.fields["word_count"] == 3 * 31


@pytest.mark.parametrize(
    ("paragraph", "junk"),
    [
        ("Advert", True),
        ("Реклама", True),
        ("Video", True),
        ("Image 1 of 5", True),
        ("Фото 2 из 10", True),
        ("Updated at 1:23 p.m.", True),
        ("By Phil Helsel", True),
        ("Опубликовано 05 Сен 2023 в 12:57 | Текст: Юго-Восточный Курьер", True),
        ("Jewels after Jewels, installation views, photos © Inexhibit, 2018", True),
        # an editor's note: content after the colon
        ("Обновлено 11 февраля: из-за оттепели занятия перенесены на следующие выходные.", False),
        ("By the end of the year the bridge will carry trams again, the council said.", False),
        ("Video games were the theme of the festival, which drew thousands.", False),
    ],
)
def test_junk_paragraphs_by_their_text(paragraph: str, junk: bool) -> None:
    assert is_junk_paragraph(paragraph) is junk


def test_english_read_more_link_lines_are_not_body_text() -> None:
    html = page(
        f"<h1>Bridge to be rebuilt</h1><div class='entry-content'>{paragraphs(2, 'A')}"
        "<p><strong>READ MORE:</strong> <a href='/n/2'>Flood damage counted in the east</a></p>"
        f"{paragraphs(1, 'B')}</div>"
    )
    text = extract_article(html, URL, fetched_at=FETCHED).fields["text"]
    assert [p.split(" ")[0] for p in text.split("\n\n")] == ["A0", "A1", "B0"]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (_MODIFIED_DATE, MODIFIED_WORDS),
        (_BYLINE_DATE, BYLINE_DATE_WORDS),
        (_BYLINE_AUTHOR, BYLINE_AUTHOR_WORDS),
        (_RUBRIC, RUBRIC_WORDS),
    ],
    ids=["modified", "byline-date", "byline-author", "rubric"],
)
def test_every_character_the_update_pattern_takes_casefolds_to_its_letter(
    pattern: re.Pattern[str], words: tuple[str, ...]
) -> None:
    """first_match skips a case-blind scan when the casefolded text holds none of its words,
    and starts it at the first it holds; that is exact only while every match begins with one
    of the words and IGNORECASE takes no character that casefolds to something else."""
    alternation = pattern.pattern.split(")", 1)[0].removeprefix("(?:").split("|")
    assert all(any(a.casefold().startswith(w) for w in words) for a in alternation)
    letters = sorted(set("".join(words)))
    odd = []
    for letter in letters:
        rx = re.compile(re.escape(letter), re.IGNORECASE)
        odd += [
            hex(cp)
            for cp in range(0x10000)
            if rx.fullmatch(chr(cp)) and chr(cp).casefold() != letter
        ]
    assert odd == []


def test_no_character_casefolds_to_nothing() -> None:
    """first_match reads positions off the casefolded text when its length is the text's:
    right only while every character folds to one or more, never to none."""
    assert [hex(cp) for cp in range(0x110000) if chr(cp).casefold() == ""] == []


def test_first_match_from_the_first_word_equals_the_whole_scan() -> None:
    """Random texts of the bylines' words in odd cases (U+1C82 is a rounded «о»; «ß» and «ﬁ»
    casefold to two letters, so positions no longer agree), with and without the words."""
    rng = random.Random(20261202)
    pieces = (
        "Опубликовано", "ОПУБЛИКОВАНА", "опубликованы:", "Дата публикации", "Текст:", "АВТОР :",
        "Обн\u1c82влено", "В рубрике", "Рубрика:", "05 Сен 2023 в 12:57", "Анна Белова", "|",
        "\n", " ", "ß", "ﬁ", "Москва", "текс", "авт", ":",
    )  # fmt: skip
    cases = [
        (_BYLINE_DATE, "date", BYLINE_DATE_WORDS),
        (_BYLINE_AUTHOR, "author", BYLINE_AUTHOR_WORDS),
        (_MODIFIED_DATE, "date", MODIFIED_WORDS),
        (_RUBRIC, "rubric", RUBRIC_WORDS),
    ]
    differ = []
    for _ in range(4000):
        text = "".join(rng.choices(pieces, k=rng.randrange(1, 16)))
        for pattern, group, words in cases:
            if first_match(pattern, text, group, words) != first_match(pattern, text, group):
                differ.append((text, group))
    assert differ == []
    text = "Москва\nОпубликовано 05 Сен 2023 в 12:57 | Текст: Анна Белова"
    assert first_match(_BYLINE_DATE, text, "date", BYLINE_DATE_WORDS) == "05 Сен 2023 в 12:57"
    assert first_match(_BYLINE_AUTHOR, text, "author", BYLINE_AUTHOR_WORDS) == "Анна Белова"
    assert first_match(_RUBRIC, text, "rubric", RUBRIC_WORDS) == ""


@pytest.mark.parametrize(
    ("line", "modified"),
    [
        ("ИЗМЕНЕНО: 10 марта 2026 в 09:00", "2026-03-10T09:00:00+03:00"),
        ("Дата ОБНОВЛЕНИЯ: 09.03.2026 21:15", "2026-03-09T21:15:00+03:00"),
        # U+1C82 and U+1C81, the rounded о and д: IGNORECASE reads them as «о» and «д»
        ("Обн\u1c82влено 10 марта 2026 в 09:00", "2026-03-10T09:00:00+03:00"),
        ("\u1c81ата обновления: 09.03.2026 21:15", "2026-03-09T21:15:00+03:00"),
        ("Обнавлено 10 марта 2026 в 09:00", ""),  # not the word
    ],
)
def test_the_update_line_is_read_in_any_letter_case(line: str, modified: str) -> None:
    html = page(
        f"<article><h1>Bridge to be rebuilt</h1><p>Опубликовано 09 Мар 2026 в 10:00</p>"
        f"<p>{line}</p>{paragraphs(4)}</article>"
    )
    result = extract_article(html, URL, fetched_at=FETCHED)
    assert result.fields["published_at"] == "2026-03-09T10:00:00+03:00"
    assert result.fields["modified_at"] == modified
