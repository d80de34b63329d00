"""URL hygiene and the per-site article-link rules."""

from __future__ import annotations

import pytest

from newsbot.core.urls import clean_url, same_site, site_of, url_key
from newsbot.runtime.profiles import get_profile

REF = "https://uv-kurier.ru/2023/09/05/sobyanin-zdravoohranenie"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (REF + "?utm_source=tg&utm_medium=social", REF),
        (REF + "#comments", REF),
        (REF + "?yclid=123&gclid=9&fbclid=x&from=main", REF),
        (REF + "?p=42&utm_campaign=z", REF + "?p=42"),
        ("HTTPS://UV-KURIER.RU:443/2023/09/05/sobyanin-zdravoohranenie", REF),
        ("http://127.0.0.1:8000/a/?UTM_SOURCE=x", "http://127.0.0.1:8000/a/"),
        ("mailto:redakciya@uv-kurier.ru", ""),
        ("javascript:void(0)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_url(raw: str | None, expected: str) -> None:
    assert clean_url(raw) == expected


def test_relative_links_resolve_against_the_page() -> None:
    assert clean_url("../3/", "https://uv-kurier.ru/page/2/") == "https://uv-kurier.ru/page/3/"


def test_url_key_treats_trailing_slash_and_scheme_as_one_page() -> None:
    assert url_key(REF) == url_key(REF + "/") == url_key(REF.replace("https", "http") + "#x")
    assert url_key(REF) != url_key(REF + "-2")


def test_site_of_and_same_site() -> None:
    assert site_of("https://www.uv-kurier.ru/x") == "uv-kurier.ru"
    assert same_site("https://uv-kurier.ru/a", "http://www.uv-kurier.ru/b")
    assert not same_site("https://uv-kurier.ru/a", "https://tekgazeta.ru/a")


@pytest.mark.parametrize(
    ("path", "is_article"),
    [
        ("/2023/09/05/sobyanin-zdravoohranenie", True),
        ("/2023/09/05/sobyanin-zdravoohranenie/", True),
        ("/2023/09/05/sobyanin-zdravoohranenie/attachment/foto-1/", False),
        ("/2023/09/05/sobyanin-zdravoohranenie/feed/", False),
        ("/category/novosti/", False),
        ("/tag/lyublino/", False),
        ("/author/redaktor/", False),
        ("/page/2/", False),
        ("/feed/", False),
        ("/o-gazete/", False),
        ("/wp-content/uploads/2023/09/photo.jpg", False),
        ("/wp-login.php", False),
        ("/", False),
    ],
)
def test_default_profile_article_links(path: str, is_article: bool) -> None:
    assert get_profile("http://127.0.0.1:8000/").is_article_url("http://h" + path) is is_article


def test_sister_outlet_profile_takes_undated_slugs() -> None:
    profile = get_profile("https://tekgazeta.ru/")
    assert profile.key == "tekgazeta.ru"
    assert profile.is_article_url("https://tekgazeta.ru/sobyanin-zdravoohranenie/")
    assert not profile.is_article_url("https://tekgazeta.ru/category/novosti/")
    assert not profile.is_article_url("https://tekgazeta.ru/wp-login.php")


def test_unknown_profile_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown site profile"):
        get_profile("https://example.org/", "no-such-site")
