"""A REST post's author: the page's byline rule on content.rendered, else the WP user when it
is a person; a shared account leaves the author to the page (code ``no_byline``)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from newsbot.extraction.article import extract_article
from newsbot.extraction.wp_post import post_to_row, wp_user

FETCHED = datetime(2026, 1, 21, 12, 0, tzinfo=UTC)
BODY = (
    "<p>В Люблине у школы открыли новую спортивную площадку с тренажёрами и беговой дорожкой.</p>"
    "<p>Работы вели с весны; площадка открыта для всех жителей района по выходным.</p>"
)


def post(author: Any = ({"id": 7, "name": "Ирина Соколова", "slug": "author7"},), **extra: Any):
    base: dict[str, Any] = {
        "id": 1,
        "date_gmt": "2025-12-15T11:30:00",
        "modified_gmt": "2025-12-15T11:30:00",
        "status": "publish",
        "type": "post",
        "link": "https://uv-kurier.ru/2025/12/15/v-lyubline-otkryli-ploshhadku",
        "title": {"rendered": "В Люблине открыли площадку"},
        "content": {"rendered": BODY},
        "excerpt": {"rendered": "<p>Площадка у школы</p>"},
        "_embedded": {"author": list(author)},
    }
    base.update(extra)
    return base


def test_a_persons_wp_user_is_the_author() -> None:
    result = post_to_row(post(), FETCHED)
    assert result.is_article
    assert result.fields["author"] == "Ирина Соколова"
    assert result.sources["author"] == "api"


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Текст: Анна Белова", "Анна Белова"),
        ("Фото и текст: Олег Смирнов", "Олег Смирнов"),
        ("Автор: Мария Лебедева", "Мария Лебедева"),
    ],
)
def test_a_byline_typed_into_the_post_names_the_author_and_leaves_the_text(
    line: str, author: str
) -> None:
    shared = post(({"id": 1, "name": "admin", "slug": "admin"},))
    shared["content"]["rendered"] = BODY + f"<p>{line}</p>"
    result = post_to_row(shared, FETCHED)
    assert result.is_article
    assert result.fields["author"] == author
    assert result.sources["author"] == "byline"
    assert result.fields["text"] == post_to_row(post(), FETCHED).fields["text"]
    assert line not in result.fields["text"]


def test_the_post_and_its_page_read_one_byline_alike() -> None:
    """One rule: the byline in a page's body and in content.rendered give the same name."""
    line = "Текст: Олег Соколов в 22.01.2024 @ 16:05"
    shared = post(({"id": 1, "name": "Редакция", "slug": "redakciya"},))
    shared["content"]["rendered"] = BODY + f"<p>{line}</p>"
    page = (
        '<html><head><meta property="og:type" content="article">'
        '<meta name="author" content="Редакция"></head><body class="single">'
        f"<h1>В Люблине открыли площадку</h1><div class='entry-content'>{BODY}<p>{line}</p>"
        "</div></body></html>"
    )
    from_page = extract_article(page, shared["link"], fetched_at=FETCHED)
    from_post = post_to_row(shared, FETCHED)
    assert from_page.fields["author"] == from_post.fields["author"] == "Олег Соколов"
    assert from_page.fields["text"] == from_post.fields["text"]


@pytest.mark.parametrize(
    ("author", "extra", "reason"),
    [
        ([{"id": 1, "name": "admin"}], {}, "the WP user «admin» is a shared account"),
        (
            [{"id": 1, "name": "Администратор"}],
            {},
            "the WP user «Администратор» is a shared account",
        ),
        (
            [{"id": 1, "name": "Редакция сайта ЮВК"}],
            {},
            "the WP user «Редакция сайта ЮВК» is a shared account",
        ),
        ([{"id": 1, "name": "uvk_news2"}], {}, "the WP user «uvk_news2» is a login"),
        (
            [{"id": 1, "name": "Юго-Восточный Курьер"}],
            {"yoast_head_json": {"og_site_name": "Юго-Восточный Курьер"}},
            "the WP user «Юго-Восточный Курьер» is the site's own name",
        ),
        (
            [{"id": 1, "name": "ЮВ Курьер"}],
            {
                "yoast_head_json": {
                    "schema": {"@graph": [{"@type": "Organization", "name": "ЮВ Курьер"}]}
                }
            },
            "the WP user «ЮВ Курьер» is the site's own name",
        ),
        ([], {}, "no WP user in the JSON"),
        ([{"id": 1, "name": ""}], {}, "no WP user in the JSON"),
        (
            [{"code": "rest_user_cannot_view", "message": "Sorry", "data": {"status": 401}}],
            {},
            "no WP user in the JSON (rest_user_cannot_view)",
        ),
    ],
)
def test_a_shared_account_leaves_the_author_to_the_page(
    author: list[dict[str, Any]], extra: dict[str, Any], reason: str
) -> None:
    result = post_to_row(post(author, **extra), FETCHED)
    assert not result.is_article
    assert result.code == "no_byline"
    assert result.reason == f"{reason} and content.rendered prints no byline"
    assert result.fields["author"] == ""


def test_no_embedded_block_at_all_leaves_the_author_to_the_page() -> None:
    bare = post()
    del bare["_embedded"]
    assert wp_user(bare) == ("", "no WP user in the JSON")
    assert post_to_row(bare, FETCHED).code == "no_byline"


@pytest.mark.parametrize(
    "name", ["Ivan Petrov", "Иван", "Anna-Maria Schmidt", "Юго-Восточный Курьер"]
)
def test_a_name_that_may_be_a_person_is_taken(name: str) -> None:
    """Latin names with capitals or spaces are names, not logins; the site's name counts as
    the site only where the post says what the site is called (Yoast)."""
    result = post_to_row(post([{"id": 3, "name": name}]), FETCHED)
    assert result.is_article
    assert result.fields["author"] == name


def test_a_post_without_text_is_still_no_text_first() -> None:
    empty = copy.deepcopy(post([{"id": 1, "name": "admin"}]))
    empty["content"]["rendered"] = "\n"
    assert post_to_row(empty, FETCHED).code == "no_text"
